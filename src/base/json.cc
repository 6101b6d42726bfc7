#include "base/json.h"

namespace customs {

namespace {
// Nesting depth of brackets outside strings; stops early past `limit`.
size_t NestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}
// Size and nesting checked on the text, before nlohmann recurses into it.
Status CheckBounds(std::string_view text, std::string_view what, size_t max_bytes,
                   size_t max_depth) {
  if (text.size() > max_bytes)
    return ResourceExhausted(std::string(what) + ": JSON document of " +
                             std::to_string(text.size()) + " bytes exceeds the limit of " +
                             std::to_string(max_bytes));
  if (NestingDepth(text, max_depth) > max_depth)
    return ResourceExhausted(std::string(what) + ": JSON nesting deeper than " +
                             std::to_string(max_depth));
  return Status::Ok();
}

}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view what, size_t max_bytes,
                       size_t max_depth) {
  CUSTOMS_TRY(CheckBounds(text, what, max_bytes, max_depth));
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to recover the byte offset for the error.
    try {
      Json unused = Json::parse(text);
    } catch (const Json::parse_error& e) {
      return InvalidArgument(std::string(what) + ": malformed JSON at byte " +
                             std::to_string(e.byte));
    } catch (const std::exception&) {
    }
    return InvalidArgument(std::string(what) + ": malformed JSON");
  }
  return doc;
}

std::string JsonString(const Json& obj, std::string_view key, std::string fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

int64_t JsonInt(const Json& obj, std::string_view key, int64_t fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    return v > static_cast<uint64_t>(INT64_MAX) ? fallback : static_cast<int64_t>(v);
  }
  return fallback;
}

bool JsonBool(const Json& obj, std::string_view key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

std::vector<std::string> JsonStrings(const Json& obj, std::string_view key) {
  std::vector<std::string> out;
  const Json* arr = JsonArray(obj, key);
  if (arr == nullptr) return out;
  for (const auto& v : *arr)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

const Json* JsonObject(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return nullptr;
  return &*it;
}

const Json* JsonArray(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return nullptr;
  return &*it;
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace customs

namespace customs {

namespace {
// A SAX handler that builds nothing and remembers where the first syntax
// error is: recovers the byte offset for an error message without holding
// the document.
struct JsonErrorLocator {
  size_t position = 0;
  bool failed = false;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(Json::number_integer_t) { return true; }
  bool number_unsigned(Json::number_unsigned_t) { return true; }
  bool number_float(Json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool start_object(size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(size_t pos, const std::string&, const nlohmann::detail::exception&) {
    position = pos;
    failed = true;
    return false;
  }
};
}  // namespace

Status ParseJsonObjectMembers(
    std::string_view text, std::string_view what,
    const std::function<Status(std::string_view key, Json& value)>& member, size_t max_bytes,
    size_t max_depth) {
  CUSTOMS_TRY(CheckBounds(text, what, max_bytes, max_depth));
  Status status;
  bool top_is_object = false;
  std::string key;
  // Depth as nlohmann reports it: the top-level object starts at 0, its keys
  // and primitive members are at 1, and a structured member ends at 1.
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    if (!status.ok()) return false;
    switch (event) {
      case Json::parse_event_t::object_start:
        if (depth == 0) top_is_object = true;
        return true;
      case Json::parse_event_t::array_start:
        return depth != 0;  // a top-level array is rejected after the parse
      case Json::parse_event_t::key:
        if (depth == 1 && parsed.is_string()) key = parsed.get_ref<const std::string&>();
        return true;
      case Json::parse_event_t::value:
        if (depth != 1) return true;
        status = member(key, parsed);
        return false;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (depth != 1) return true;
        status = member(key, parsed);
        return false;
    }
    return true;
  };
  Json rest = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (!status.ok()) return status;
  if (rest.is_discarded()) {
    JsonErrorLocator locator;
    try {
      (void)Json::sax_parse(text.begin(), text.end(), &locator);
    } catch (const std::exception&) {
    }
    if (locator.failed)
      return InvalidArgument(std::string(what) + ": malformed JSON at byte " +
                             std::to_string(locator.position));
  }
  if (!top_is_object)
    return InvalidArgument(std::string(what) + ": expected a JSON object at the top level");
  return Status::Ok();
}

namespace {

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, surrogates
// or code points past U+10FFFF; what nlohmann accepts without replacing.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    auto c1 = static_cast<uint8_t>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      auto ck = static_cast<uint8_t>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += n + 1;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view s) {
  bool ascii = true;
  for (char ch : s) ascii &= static_cast<uint8_t>(ch) < 0x80;
  if (!ascii && !ValidUtf8(s)) {
    out += nlohmann::ordered_json(s).dump(-1, ' ', false,
                                          nlohmann::ordered_json::error_handler_t::replace);
    return;
  }
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void AppendReportJson(std::string& out, const nlohmann::ordered_json& v, size_t depth) {
  using V = nlohmann::ordered_json::value_t;
  auto newline = [&](size_t d) {
    out += '\n';
    out.append(2 * d, ' ');
  };
  switch (v.type()) {
    case V::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.items()) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        AppendJsonString(out, key);
        out += ": ";
        AppendReportJson(out, member, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    case V::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        AppendReportJson(out, item, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    }
    case V::string:
      AppendJsonString(out, v.get_ref<const std::string&>());
      return;
    case V::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case V::null:
      out += "null";
      return;
    case V::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case V::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    default:  // floats, binary, discarded: nlohmann's own formatting
      out += v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      return;
  }
}

}  // namespace

std::string DumpReportJson(const nlohmann::ordered_json& doc) {
  std::string out;
  AppendReportJson(out, doc, 0);
  out += '\n';
  return out;
}

}  // namespace customs
