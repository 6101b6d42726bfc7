// Alpine (apk-tools) version ordering.
//
// A valid version is number{.number}[letter]{_suffix[number]}[~hash][-r#]:
//   * numbers compare as numbers, except that a component after the first
//     with a leading zero compares as a string (1.05 < 1.1, "fractional");
//     a version with more components is newer (1.0 > 1);
//   * a single lower-case letter is newer than none (1.0a > 1.0);
//   * suffixes order _alpha < _beta < _pre < _rc < (none) < _cvs < _svn <
//     _git < _hg < _p, then by their number;
//   * the commit hash is ignored; -rN compares as a number (absent is -r0).
// apk-tools still orders strings that do not fit the grammar, and advisory
// data holds some. Here, what follows the longest valid prefix is the
// version's remainder: a version with a remainder is older than the same
// version without one, and two versions that both have a remainder before
// any -r part ("invalid") compare as byte strings.
//
// Where apk-tools 2.x (Alpine 3.x) and apk-tools 3 disagree on such strings,
// the osv-scalibr vectors (../shared/data/versions/osv-scalibr/alpine-
// versions.txt) decide; they follow the newer apk-tools for "1-r-0" < "1-r0",
// "1" > "1-ruff" and "1.2.0A" < "1.2.0d", and call "1-ruff2" = "1--ruff1".
#include <iterator>
#include <string_view>

#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

// Compares two runs of digits as numbers of any length; "" is 0.
int CompareNumbers(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

size_t DigitsEnd(std::string_view s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

// Suffix names in their order; "no suffix" sorts between rc and cvs.
// "pre" precedes "p" so that the longer name wins.
constexpr std::string_view kSuffixes[] = {"alpha", "beta", "pre", "rc", "cvs",
                                          "svn",   "git",  "hg",  "p"};
constexpr int kNoSuffixWeight = 4;  // between "rc" (index 3) and "cvs"

int SuffixWeight(size_t index) {
  return index < kNoSuffixWeight ? static_cast<int>(index) : static_cast<int>(index) + 1;
}

struct ApkVersion {
  std::string_view numbers;    // "1.2.3": digits separated by single dots
  char letter = 0;             // 0 when absent
  std::string_view suffixes;   // "_rc1_p2", only known suffixes
  std::string_view revision;   // digits after "-r"; "" when absent or empty
  std::string_view remainder;  // what did not parse
  bool invalid = false;        // the remainder starts before any -r part
};

ApkVersion ParseApk(std::string_view s) {
  ApkVersion v;
  size_t i = 0;
  if (i < s.size() && IsDigit(s[i])) {
    i = DigitsEnd(s, i);
    while (i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) i = DigitsEnd(s, i + 1);
  }
  v.numbers = s.substr(0, i);
  if (i < s.size() && s[i] >= 'a' && s[i] <= 'z') v.letter = s[i++];
  size_t suffix_start = i;
  while (i < s.size() && s[i] == '_') {
    std::string_view rest = s.substr(i + 1);
    size_t matched = 0;
    for (std::string_view name : kSuffixes) {
      if (rest.substr(0, name.size()) == name) {
        matched = name.size();
        break;
      }
    }
    if (matched == 0) break;
    i = DigitsEnd(s, i + 1 + matched);
  }
  v.suffixes = s.substr(suffix_start, i - suffix_start);
  if (i + 1 < s.size() && s[i] == '~') {
    size_t h = i + 1;
    while (h < s.size() && ((s[h] >= '0' && s[h] <= '9') || (s[h] >= 'a' && s[h] <= 'f'))) ++h;
    if (h > i + 1) i = h;
  }
  if (i < s.size()) {
    if (s.substr(i, 2) == "-r") {
      size_t e = DigitsEnd(s, i + 2);
      v.revision = s.substr(i + 2, e - (i + 2));
      i = e;
    } else {
      v.invalid = true;
    }
  }
  v.remainder = s.substr(i);
  return v;
}

// Iterates the dot-separated number components of ApkVersion::numbers.
class Components {
 public:
  explicit Components(std::string_view numbers) : rest_(numbers) {}
  bool Next(std::string_view& out) {
    if (done_) return false;
    size_t dot = rest_.find('.');
    out = rest_.substr(0, dot);
    if (dot == std::string_view::npos) {
      done_ = true;
    } else {
      rest_.remove_prefix(dot + 1);
    }
    return !out.empty() || !done_;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

int CompareComponents(std::string_view a, std::string_view b) {
  Components ca(a), cb(b);
  for (int index = 0;; ++index) {
    std::string_view x, y;
    bool hx = ca.Next(x), hy = cb.Next(y);
    if (!hx || !hy) {
      if (hx == hy) return 0;
      return hx ? 1 : -1;
    }
    int d = (index > 0 && (x.front() == '0' || y.front() == '0')) ? Sign(x.compare(y))
                                                                  : CompareNumbers(x, y);
    if (d != 0) return d;
  }
}

// Reads the next "_name[digits]" from `s` (known to be well formed).
bool NextSuffix(std::string_view& s, int& weight, std::string_view& number) {
  if (s.empty()) return false;
  s.remove_prefix(1);  // '_'
  for (size_t k = 0; k < std::size(kSuffixes); ++k) {
    if (s.substr(0, kSuffixes[k].size()) == kSuffixes[k]) {
      weight = SuffixWeight(k);
      s.remove_prefix(kSuffixes[k].size());
      break;
    }
  }
  size_t e = DigitsEnd(s, 0);
  number = s.substr(0, e);
  s.remove_prefix(e);
  return true;
}

int CompareSuffixes(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    int wa = kNoSuffixWeight, wb = kNoSuffixWeight;
    std::string_view na, nb;
    NextSuffix(a, wa, na);
    NextSuffix(b, wb, nb);
    if (wa != wb) return wa < wb ? -1 : 1;
    if (int d = CompareNumbers(na, nb); d != 0) return d;
  }
  return 0;
}

}  // namespace

Result<int> CompareApk(std::string_view a, std::string_view b) {
  ApkVersion va = ParseApk(a), vb = ParseApk(b);
  if (va.invalid && vb.invalid) return Sign(a.compare(b));
  if (int d = CompareComponents(va.numbers, vb.numbers); d != 0) return d;
  if (va.letter != vb.letter) return va.letter < vb.letter ? -1 : 1;
  if (int d = CompareSuffixes(va.suffixes, vb.suffixes); d != 0) return d;
  if (int d = CompareNumbers(va.revision, vb.revision); d != 0) return d;
  bool ra = !va.remainder.empty(), rb = !vb.remainder.empty();
  if (ra != rb) return ra ? -1 : 1;
  return 0;
}

}  // namespace customs::vuln::internal
