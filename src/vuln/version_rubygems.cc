// RubyGems version comparison: Gem::Version.
//
// Valid versions match Gem::Version::ANCHORED_VERSION_PATTERN,
//   \s* ( [0-9]+ (\.[0-9a-zA-Z]+)* ( -[0-9A-Za-z-]+ (\.[0-9A-Za-z-]+)* )? )? \s*
// (blank means "0"); anything else is InvalidArgument, as Gem::Version.new
// raises ("1beta", "1..2", "v1.0"). Each '-' reads as ".pre.", the version is
// cut into runs of digits and runs of letters ("1.0.b1" -> 1 0 b 1), trailing
// zeros are dropped from the numeric part and from the part from the first
// letter run on, and the segments compare pairwise (missing ones are 0): a
// letter run is lower than any number (so "1.0.a" < "1.0"), numbers compare
// exactly at any length, letter runs compare bytewise (case-sensitive).
#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.h"
#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

bool IsAlnum(char c) { return IsDigit(c) || IsLetter(c); }
// Ruby's \s.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

struct Segment {
  bool is_string = false;
  std::string_view text;
};

bool IsZero(const Segment& s) { return !s.is_string && CompareDigits(s.text, "0") == 0; }

// Matches VERSION_PATTERN against the whole of `s` (already stripped).
bool MatchesVersionPattern(std::string_view s) {
  size_t p = 0, n = s.size();
  size_t start = p;
  while (p < n && IsDigit(s[p])) ++p;
  if (p == start) return false;
  while (p + 1 < n && s[p] == '.' && IsAlnum(s[p + 1])) {
    ++p;
    while (p < n && IsAlnum(s[p])) ++p;
  }
  if (p < n && s[p] == '-') {
    auto label_char = [](char c) { return IsAlnum(c) || c == '-'; };
    ++p;
    start = p;
    while (p < n && label_char(s[p])) ++p;
    if (p == start) return false;
    while (p + 1 < n && s[p] == '.' && label_char(s[p + 1])) {
      ++p;
      while (p < n && label_char(s[p])) ++p;
    }
  }
  return p == n;
}

Result<std::vector<Segment>> CanonicalSegments(std::string_view version) {
  std::string_view s = version;
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  std::vector<Segment> segments;
  if (s.empty()) return segments;  // "" is version "0"
  if (!MatchesVersionPattern(s)) {
    return InvalidArgument("rubygems version \"" + Printable(version) +
                           "\": malformed, expected digits then dot-separated digits and "
                           "letters, e.g. 1.2.3 or 1.0.0.pre1");
  }
  for (size_t p = 0; p < s.size();) {
    char c = s[p];
    size_t start = p;
    if (IsDigit(c)) {
      while (p < s.size() && IsDigit(s[p])) ++p;
      segments.push_back({false, s.substr(start, p - start)});
    } else if (IsLetter(c)) {
      while (p < s.size() && IsLetter(s[p])) ++p;
      segments.push_back({true, s.substr(start, p - start)});
    } else {
      if (c == '-') segments.push_back({true, "pre"});  // "-" is read as ".pre."
      ++p;
    }
  }
  // Drop trailing zeros from the numeric part and from the rest separately.
  auto first_string =
      std::find_if(segments.begin(), segments.end(), [](const Segment& s) { return s.is_string; });
  size_t split = static_cast<size_t>(first_string - segments.begin());
  std::vector<Segment> canonical;
  size_t numeric_end = split;
  while (numeric_end > 0 && IsZero(segments[numeric_end - 1])) --numeric_end;
  canonical.insert(canonical.end(), segments.begin(), segments.begin() + numeric_end);
  size_t string_end = segments.size();
  while (string_end > split && IsZero(segments[string_end - 1])) --string_end;
  canonical.insert(canonical.end(), segments.begin() + split, segments.begin() + string_end);
  return canonical;
}

int Compare(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  static const Segment kZero{false, "0"};
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const Segment& l = i < a.size() ? a[i] : kZero;
    const Segment& r = i < b.size() ? b[i] : kZero;
    if (l.is_string != r.is_string) return l.is_string ? -1 : 1;
    int c = l.is_string ? l.text.compare(r.text) : CompareDigits(l.text, r.text);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

}  // namespace

Result<int> CompareRubyGems(std::string_view a, std::string_view b) {
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<Segment> sa, CanonicalSegments(a));
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<Segment> sb, CanonicalSegments(b));
  return Compare(sa, sb);
}

}  // namespace customs::vuln::internal
