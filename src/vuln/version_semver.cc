// SemVer 2.0.0 precedence (https://semver.org/#spec-item-11) and Go versions.
//
// Precedence: MAJOR.MINOR.PATCH as numbers, then a version with a
// prerelease is older than the one without; prerelease identifiers compare
// left to right, numeric ones as numbers and before alphanumeric ones,
// alphanumeric ones as ASCII; more identifiers win when all before are equal.
// Build metadata (+...) is ignored. Numbers may be of any length.
//
// Leniency for real-world data (npm's "loose" parsing and osv-scalibr's
// vectors): optional whitespace around, a leading '=' and/or 'v'; MINOR and
// PATCH may be omitted (1.2 is 1.2.0); leading zeros are accepted and
// ignored; numeric components after the third (1.2.3.4) are ignored like
// build metadata.
//
// Go (golang.org/x/mod/semver plus Go toolchain names):
//   * the 'v' is optional and "vMAJOR[.MINOR]" is shorthand for .0 parts;
//   * pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
//     v1.2.4-0.2019..., v1.2.3-pre.0.2019...) are ordinary prereleases;
//   * "+incompatible" is build metadata, so it does not affect ordering;
//   * toolchain names "go1.21.0", "go1.21rc2", "1.9.2beta1", "go1.21" map to
//     1.21.0, 1.21.0-rc.2, 1.9.2-beta.1, 1.21.0 as in the Go vulnerability
//     database, whose stdlib ranges are SemVer ("1.21.0-0" sorts before
//     "1.21.0-rc.1", which sorts before "1.21.0").
//   * more than three numeric components are invalid.
#include <string>
#include <string_view>

#include "base/strings.h"
#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

bool IsIdentChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

int CompareNumbers(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (!IsDigit(c)) return false;
  return !s.empty();
}

enum class Flavor { kSemver, kGo };

struct Semver {
  std::string_view core[3];  // digits; "" for an omitted MINOR or PATCH
  std::string prerelease;    // dot-separated identifiers, "" when none
};

Status Invalid(Flavor flavor, std::string_view version, size_t offset, std::string_view what) {
  return InvalidArgument(
      std::string(flavor == Flavor::kGo ? "invalid Go version \"" : "invalid semver version \"") +
      Printable(version) + "\": expected " + std::string(what) + " at offset " +
      std::to_string(offset));
}

// Checks dot-separated identifiers starting at `i`; returns the end offset.
Result<size_t> ScanIdentifiers(Flavor flavor, std::string_view s, size_t i, char stop,
                               std::string_view what) {
  while (true) {
    size_t start = i;
    while (i < s.size() && IsIdentChar(s[i])) ++i;
    if (i == start) return Invalid(flavor, s, i, what);
    if (i < s.size() && s[i] == '.') {
      ++i;
      continue;
    }
    if (i == s.size() || s[i] == stop) return i;
    return Invalid(flavor, s, i, "'.', '+' or the end after an identifier");
  }
}

Result<Semver> ParseSemver(Flavor flavor, std::string_view original) {
  std::string_view s = original;
  size_t i = 0;
  if (flavor == Flavor::kSemver) {
    std::string_view trimmed = Trim(s);
    i = static_cast<size_t>(trimmed.data() - s.data());
    s = s.substr(0, i + trimmed.size());
    if (i < s.size() && s[i] == '=') ++i;
    if (i < s.size() && (s[i] == 'v' || s[i] == 'V')) ++i;
  } else {
    if (s.substr(0, 2) == "go" && s.size() > 2 && IsDigit(s[2])) {
      i = 2;
    } else if (!s.empty() && s[0] == 'v') {
      i = 1;
    }
  }

  Semver v;
  for (int part = 0; part < 3; ++part) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return Invalid(flavor, original, i, "a number");
    v.core[part] = s.substr(start, i - start);
    if (part < 2 && i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
      ++i;
      continue;
    }
    break;
  }
  if (i < s.size() && s[i] == '.') {
    if (v.core[2].empty()) return Invalid(flavor, original, i + 1, "a number");
    if (flavor == Flavor::kGo)
      return Invalid(flavor, original, i, "at most three numeric components");
    // Extra numeric components are ignored (osv-scalibr: "1.1.3.4.5").
    while (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
      ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
    }
  }

  if (flavor == Flavor::kGo && i < s.size() && s[i] >= 'a' && s[i] <= 'z') {
    // Go toolchain prerelease: 1.21rc2, 1.9.2beta1.
    for (std::string_view kind : {"alpha", "beta", "rc"}) {
      if (s.substr(i, kind.size()) != kind) continue;
      size_t n = i + kind.size();
      size_t end = n;
      while (end < s.size() && IsDigit(s[end])) ++end;
      if (end != s.size()) return Invalid(flavor, original, end, "the end after a Go prerelease");
      v.prerelease = std::string(kind);
      if (end > n) {
        v.prerelease += '.';
        v.prerelease += s.substr(n, end - n);
      }
      return v;
    }
    return Invalid(flavor, original, i, "'-', '+', 'alpha', 'beta', 'rc' or the end");
  }

  if (i < s.size() && s[i] == '-') {
    size_t start = i + 1;
    CUSTOMS_ASSIGN_OR_RETURN(i, ScanIdentifiers(flavor, s, start, '+', "a prerelease identifier"));
    v.prerelease = std::string(s.substr(start, i - start));
  }
  if (i < s.size() && s[i] == '+') {
    CUSTOMS_ASSIGN_OR_RETURN(i, ScanIdentifiers(flavor, s, i + 1, '\0', "a build identifier"));
  }
  if (i != s.size()) return Invalid(flavor, original, i, "'-', '+' or the end");
  return v;
}

// Compares dot-separated prerelease identifier lists, both non-empty.
int ComparePrerelease(std::string_view a, std::string_view b) {
  while (true) {
    size_t da = a.find('.'), db = b.find('.');
    std::string_view x = a.substr(0, da), y = b.substr(0, db);
    bool nx = AllDigits(x), ny = AllDigits(y);
    int d;
    if (nx && ny) {
      d = CompareNumbers(x, y);
    } else if (nx != ny) {
      d = nx ? -1 : 1;
    } else {
      d = Sign(x.compare(y));
    }
    if (d != 0) return d;
    bool more_a = da != std::string_view::npos, more_b = db != std::string_view::npos;
    if (!more_a || !more_b) {
      if (more_a == more_b) return 0;
      return more_a ? 1 : -1;
    }
    a.remove_prefix(da + 1);
    b.remove_prefix(db + 1);
  }
}

int ComparePrecedence(const Semver& a, const Semver& b) {
  for (int part = 0; part < 3; ++part)
    if (int d = CompareNumbers(a.core[part], b.core[part]); d != 0) return d;
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() == b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  return ComparePrerelease(a.prerelease, b.prerelease);
}

Result<int> CompareFlavor(Flavor flavor, std::string_view a, std::string_view b) {
  CUSTOMS_ASSIGN_OR_RETURN(Semver va, ParseSemver(flavor, a));
  CUSTOMS_ASSIGN_OR_RETURN(Semver vb, ParseSemver(flavor, b));
  return ComparePrecedence(va, vb);
}

}  // namespace

Result<int> CompareSemver(std::string_view a, std::string_view b) {
  return CompareFlavor(Flavor::kSemver, a, b);
}

Result<int> CompareGo(std::string_view a, std::string_view b) {
  return CompareFlavor(Flavor::kGo, a, b);
}

}  // namespace customs::vuln::internal
