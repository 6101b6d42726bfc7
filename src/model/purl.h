// Package URLs (https://github.com/package-url/purl-spec):
//   pkg:type/namespace/name@version?qualifiers#subpath
#pragma once

#include <map>
#include <string>

namespace customs::model {

struct Purl {
  std::string type;        // lowercase: "deb", "apk", "rpm", "npm", ...
  std::string namespace_;  // "debian", "alpine", "@angular" (may contain '/')
  std::string name;
  std::string version;
  std::map<std::string, std::string> qualifiers;  // sorted by key, as required
  std::string subpath;

  // Canonical form: components percent-encoded, empty qualifiers dropped.
  std::string ToString() const;
};

// Percent-encodes everything but ALPHA DIGIT . - _ ~ (and ':' which the spec
// leaves as is).
std::string PurlEncode(const std::string& s);

}  // namespace customs::model
