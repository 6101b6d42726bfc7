// NuGet version comparison: NuGet.Versioning's NuGetVersion with
// VersionComparer.Default.
//
//   N[.N[.N[.N]]][-label(.label)*][+metadata(.metadata)*]
//
// Missing numeric parts are 0 (1.0 == 1.0.0 == 1.0.0.0) and leading zeros are
// allowed (1.0.01 == 1.0.1). A version with a release label is lower than the
// same version without one; labels compare identifier by identifier,
// numeric identifiers numerically and below alphanumeric ones, alphanumeric
// ones case-insensitively, and a shorter label list that is a prefix of the
// other is lower. Build metadata is ignored. Numbers of any length compare
// exactly (NuGet itself rejects parts above 2^31-1; accepting them costs
// nothing and keeps odd advisory data comparable). Anything else, including a
// "v" prefix or an empty part, is InvalidArgument.
#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.h"
#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

bool IsIdentifierChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}
char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

struct NuGetVersion {
  std::vector<std::string_view> numbers;  // 1 to 4 digit strings
  std::vector<std::string_view> label;    // empty: a release
};

constexpr size_t kMaxParts = 4;

Status Invalid(std::string_view version, std::string_view expected) {
  return InvalidArgument("nuget version \"" + Printable(version) + "\": expected " +
                         std::string(expected));
}

// Splits dot-separated identifiers of [0-9A-Za-z-]; false on an empty one.
bool SplitIdentifiers(std::string_view s, std::vector<std::string_view>& out) {
  for (std::string_view part : Split(s, '.')) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), IsIdentifierChar)) return false;
    out.push_back(part);
  }
  return true;
}

Result<NuGetVersion> Parse(std::string_view version) {
  std::string_view s = Trim(version);
  if (s.empty()) return Invalid(version, "a version such as 1.2.3 or 1.2.3.4-beta.1");
  size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    std::vector<std::string_view> metadata;
    if (!SplitIdentifiers(s.substr(plus + 1), metadata))
      return Invalid(version, "dot-separated [0-9A-Za-z-] metadata after '+'");
    s = s.substr(0, plus);
  }
  NuGetVersion v;
  size_t dash = s.find('-');
  if (dash != std::string_view::npos) {
    if (!SplitIdentifiers(s.substr(dash + 1), v.label))
      return Invalid(version, "dot-separated [0-9A-Za-z-] release label after '-'");
    s = s.substr(0, dash);
  }
  for (std::string_view part : Split(s, '.')) {
    if (!AllDigits(part)) return Invalid(version, "1 to 4 dot-separated numbers");
    v.numbers.push_back(part);
  }
  if (v.numbers.size() > kMaxParts) return Invalid(version, "at most 4 numeric parts");
  return v;
}

int CompareIdentifiers(std::string_view a, std::string_view b) {
  bool an = AllDigits(a), bn = AllDigits(b);
  if (an && bn) return CompareDigits(a, b);
  if (an != bn) return an ? -1 : 1;
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = Upper(a[i]), y = Upper(b[i]);  // StringComparer.OrdinalIgnoreCase
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return 0;
}

int Compare(const NuGetVersion& a, const NuGetVersion& b) {
  for (size_t i = 0; i < kMaxParts; ++i) {
    std::string_view x = i < a.numbers.size() ? a.numbers[i] : "0";
    std::string_view y = i < b.numbers.size() ? b.numbers[i] : "0";
    if (int c = CompareDigits(x, y)) return c;
  }
  if (a.label.empty() != b.label.empty()) return a.label.empty() ? 1 : -1;
  size_t n = std::min(a.label.size(), b.label.size());
  for (size_t i = 0; i < n; ++i)
    if (int c = CompareIdentifiers(a.label[i], b.label[i])) return c;
  if (a.label.size() != b.label.size()) return a.label.size() < b.label.size() ? -1 : 1;
  return 0;
}

}  // namespace

Result<int> CompareNuGet(std::string_view a, std::string_view b) {
  CUSTOMS_ASSIGN_OR_RETURN(NuGetVersion va, Parse(a));
  CUSTOMS_ASSIGN_OR_RETURN(NuGetVersion vb, Parse(b));
  return Compare(va, vb);
}

}  // namespace customs::vuln::internal
