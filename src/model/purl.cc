#include "model/purl.h"

#include <cstdio>

namespace customs::model {

std::string PurlEncode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_' || c == '~' || c == ':';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Purl::ToString() const {
  std::string out = "pkg:" + type + "/";
  if (!namespace_.empty()) {
    // Each segment is encoded on its own; '/' separates segments.
    size_t start = 0;
    while (start <= namespace_.size()) {
      size_t slash = namespace_.find('/', start);
      if (slash == std::string::npos) slash = namespace_.size();
      std::string seg = namespace_.substr(start, slash - start);
      if (!seg.empty()) out += PurlEncode(seg) + "/";
      start = slash + 1;
    }
  }
  out += PurlEncode(name);
  if (!version.empty()) {
    out += '@';
    out += PurlEncode(version);
  }
  bool first = true;
  for (const auto& [k, v] : qualifiers) {
    if (v.empty()) continue;
    out += first ? "?" : "&";
    first = false;
    out += k + "=" + PurlEncode(v);
  }
  if (!subpath.empty()) out += "#" + subpath;
  return out;
}

}  // namespace customs::model
