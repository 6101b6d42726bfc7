// One comparison function per scheme, behind CompareVersions (version.h).
// Internal to the vuln module; each lives in its own version_<scheme>.cc.
#pragma once

#include <string_view>

#include "base/status.h"

namespace customs::vuln::internal {

// Helpers the schemes share.
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline int Sign(int v) { return (v > 0) - (v < 0); }

// Compares two runs of decimal digits of any length by value: leading zeros
// ignored, an empty run counts as 0. -1, 0 or 1.
inline int CompareDigits(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.empty()) a = "0";
  if (b.empty()) b = "0";
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

// dpkg and rpm "[epoch:]rest": removes and returns the epoch when the part
// before the first ':' is all digits, else leaves `v` alone and returns "".
inline std::string_view TakeEpoch(std::string_view& v) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view epoch = v.substr(0, colon);
  for (char c : epoch)
    if (!IsDigit(c)) return {};
  v.remove_prefix(colon + 1);
  return epoch;
}

int CompareDpkg(std::string_view a, std::string_view b);
Result<int> CompareApk(std::string_view a, std::string_view b);
int CompareRpm(std::string_view a, std::string_view b);
Result<int> CompareSemver(std::string_view a, std::string_view b);
Result<int> CompareGo(std::string_view a, std::string_view b);
Result<int> ComparePep440(std::string_view a, std::string_view b);
int CompareMaven(std::string_view a, std::string_view b);
Result<int> CompareRubyGems(std::string_view a, std::string_view b);
Result<int> CompareComposer(std::string_view a, std::string_view b);
Result<int> CompareNuGet(std::string_view a, std::string_view b);

}  // namespace customs::vuln::internal
