// JSON parsing of untrusted documents: size and nesting depth are bounded
// before nlohmann::json sees the bytes, and its exceptions stop here.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"

namespace customs {

using Json = nlohmann::json;

// Parses `text` as one JSON document. Fails with ResourceExhausted over
// `max_bytes` or `max_depth`, InvalidArgument (with byte offset) when
// malformed. `what` names the document in errors ("index.json").
Result<Json> ParseJson(std::string_view text, std::string_view what,
                       size_t max_bytes = kMaxImageJsonBytes, size_t max_depth = kMaxJsonDepth);

// Streams the members of a document whose top level is an object, for
// documents too big to hold as one DOM (the Debian tracker's ~70 MB): only
// one member's value is built at a time. `member` gets each key and its
// value (it may move from the value) as soon as the value is parsed; a
// non-ok Status from it stops the walk (the rest of the text is still
// scanned, not built) and is returned. Size and depth are bounded as in
// ParseJson; InvalidArgument (with byte offset) when malformed or when the
// top level is not an object.
Status ParseJsonObjectMembers(
    std::string_view text, std::string_view what,
    const std::function<Status(std::string_view key, Json& value)>& member,
    size_t max_bytes = kMaxImageJsonBytes, size_t max_depth = kMaxJsonDepth);

// Typed field access that never throws: a missing field or a field of another
// type gives the fallback.
std::string JsonString(const Json& obj, std::string_view key, std::string fallback = "");
int64_t JsonInt(const Json& obj, std::string_view key, int64_t fallback = 0);
bool JsonBool(const Json& obj, std::string_view key, bool fallback = false);
// An array of strings; non-string members are skipped.
std::vector<std::string> JsonStrings(const Json& obj, std::string_view key);
// The member `key` if it is an object (or array), else null.
const Json* JsonObject(const Json& obj, std::string_view key);
const Json* JsonArray(const Json& obj, std::string_view key);

// Serialises without throwing on invalid UTF-8 (replaced with U+FFFD).
std::string DumpJson(const Json& value, int indent = -1);

// A report document as nlohmann's dump(2, ' ', false, replace) writes it,
// byte for byte, plus a final newline, in a fraction of its time: strings
// that need no escaping are copied whole (nlohmann escapes and validates
// byte by byte). Numbers with a fraction, and strings that are not valid
// UTF-8, are still written by nlohmann.
std::string DumpReportJson(const nlohmann::ordered_json& doc);

}  // namespace customs
