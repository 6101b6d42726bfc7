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
}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view what, size_t max_bytes,
                       size_t max_depth) {
  if (text.size() > max_bytes)
    return ResourceExhausted(std::string(what) + ": JSON document of " +
                             std::to_string(text.size()) + " bytes exceeds the limit of " +
                             std::to_string(max_bytes));
  if (NestingDepth(text, max_depth) > max_depth)
    return ResourceExhausted(std::string(what) + ": JSON nesting deeper than " +
                             std::to_string(max_depth));
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to recover the byte offset for the error.
    try {
      (void)Json::parse(text);
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
