// Packagist version comparison: Composer's VersionParser::normalize on both
// versions, then PHP's version_compare, the way Composer checks a package
// version against a constraint.
//
// Normalisation (composer/semver): trim; drop an "@stability" flag and
// "+build" metadata; "master"/"trunk"/"default" and "dev-*" are branches;
// classical versions v?N(.N){0,3} get four parts and an expanded stability
// suffix ("v1.0pl1" -> "1.0.0.0-patch1", "1.0RC2-dev" -> "1.0.0.0-RC2-dev");
// date versions (YYYYMMDD..., YYYY-MM-DD...) keep their digits with '.'
// between; "1.x-dev" branches become "1.9999999.9999999.9999999-dev".
//
// version_compare: the string is cut into parts at '.', '-', '_', '+', other
// punctuation and digit/non-digit transitions; numbers compare numerically;
// words by their special form (dev < alpha = a < beta = b < RC = rc < number
// < pl = p, matched by prefix, case-sensitive, unknown words below dev); a
// longer version wins if its next part is a number, else that part compares
// with "#" (a number), and so on.
//
// Deliberate differences from PHP, for a total order:
//  * versions Composer cannot normalise ("4.3-2RC1", "1.2.3.#", 30-digit
//    numbers) are compared as PHP would compare them raw (a leading v/V
//    dropped) instead of being rejected: old advisories contain such strings;
//  * numbers compare exactly at any length (PHP saturates at LONG_MAX);
//  * '#' is a word of its own (order of a number) rather than a separator,
//    and empty parts are skipped: PHP orders "1.2.3.#" below itself;
//  * two dev branches ("dev-foo", "dev-bar") order by name (Composer only
//    defines their equality: same name).
// Empty versions and ones with whitespace or control characters inside are
// InvalidArgument.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
// PHP trim()'s default set.
bool IsTrimmed(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0' || c == '\x0b';
}
bool IsSpaceOrControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}
bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

size_t DigitRun(std::string_view s, size_t p) {
  size_t q = p;
  while (q < s.size() && IsDigit(s[q])) ++q;
  return q - p;
}

// The tail of Composer's patterns, matched to the end of `s` from `p`:
//   [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$
// case-insensitively, trying alternatives in the regex's order. Appends the
// normalised suffix to `out` on a match.
bool MatchModifier(std::string_view s, size_t p, std::string& out) {
  static constexpr std::string_view kStabilities[] = {"stable", "beta",  "b",  "RC", "alpha",
                                                      "a",      "patch", "pl", "p"};
  auto dev_tail = [&](size_t q) {
    std::string_view rest = s.substr(q);
    if (rest.empty()) return std::optional<bool>(false);
    if (EqualsIgnoreCase(rest, "dev")) return std::optional<bool>(true);
    if (rest.size() == 4 && (rest[0] == '.' || rest[0] == '-') &&
        EqualsIgnoreCase(rest.substr(1), "dev"))
      return std::optional<bool>(true);
    return std::optional<bool>();
  };
  bool sep_here = p < s.size() && (s[p] == '.' || s[p] == '_' || s[p] == '-');
  for (int with_sep = sep_here ? 1 : 0; with_sep >= 0; --with_sep) {
    size_t q0 = p + static_cast<size_t>(with_sep);
    for (std::string_view stability : kStabilities) {
      if (!StartsWithIgnoreCase(s.substr(q0), stability)) continue;
      size_t q = q0 + stability.size();
      // ((?:[.-]?\d+)*+): possessive, as many as there are.
      size_t numbers_start = q;
      while (true) {
        if (q < s.size() && IsDigit(s[q])) {
          q += DigitRun(s, q);
        } else if (q + 1 < s.size() && (s[q] == '.' || s[q] == '-') && IsDigit(s[q + 1])) {
          q += 1 + DigitRun(s, q + 1);
        } else {
          break;
        }
      }
      std::optional<bool> dev = dev_tail(q);
      if (!dev) continue;
      std::string_view matched = s.substr(q0, stability.size());
      if (matched == "stable") return true;  // PHP compares 'stable' === case-sensitively
      std::string lower;
      for (char c : matched) lower.push_back(Lower(c));
      std::string expanded = lower;
      if (lower == "a") expanded = "alpha";
      if (lower == "b") expanded = "beta";
      if (lower == "p" || lower == "pl") expanded = "patch";
      if (lower == "rc") expanded = "RC";
      std::string_view numbers = s.substr(numbers_start, q - numbers_start);
      while (!numbers.empty() && (numbers.front() == '.' || numbers.front() == '-'))
        numbers.remove_prefix(1);
      out += "-" + expanded + std::string(numbers);
      if (*dev) out += "-dev";
      return true;
    }
    std::optional<bool> dev = dev_tail(q0);
    if (dev) {
      if (*dev) out += "-dev";
      return true;
    }
  }
  return false;
}

// ^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?<modifier>$
std::optional<std::string> MatchClassical(std::string_view s) {
  size_t p = 0;
  if (p < s.size() && Lower(s[p]) == 'v') ++p;
  size_t run = DigitRun(s, p);
  if (run < 1 || run > 5) return std::nullopt;
  std::string out(s.substr(p, run));
  p += run;
  int parts = 1;
  while (parts < 4 && p + 1 < s.size() && s[p] == '.' && IsDigit(s[p + 1])) {
    run = DigitRun(s, p + 1);
    out += s.substr(p, 1 + run);
    p += 1 + run;
    ++parts;
  }
  for (; parts < 4; ++parts) out += ".0";
  if (!MatchModifier(s, p, out)) return std::nullopt;
  return out;
}

// ^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)<modifier>$, backtracking
// in the regex's order (greedy); the date keeps its digits, '.' for the rest.
bool MatchDateGroups(std::string_view s, size_t begin, size_t p, int groups, std::string& out) {
  auto is_sep = [&](size_t q) {
    return q < s.size() && (s[q] == '.' || s[q] == ':' || s[q] == '-');
  };
  auto finish = [&](size_t end) {
    std::string date;
    for (char c : s.substr(begin, end - begin)) date.push_back(IsDigit(c) ? c : '.');
    std::string modifier;
    if (!MatchModifier(s, end, modifier)) return false;
    out = date + modifier;
    return true;
  };
  if (groups < 6) {
    for (int with_sep = is_sep(p) ? 1 : 0; with_sep >= 0; --with_sep) {
      size_t q = p + static_cast<size_t>(with_sep);
      if (DigitRun(s, q) >= 2 && MatchDateGroups(s, begin, q + 2, groups + 1, out)) return true;
    }
  }
  if (groups == 0) return false;
  for (int with_sep = is_sep(p) ? 1 : 0; with_sep >= 0; --with_sep) {
    size_t q = p + static_cast<size_t>(with_sep);
    for (size_t len = std::min<size_t>(3, DigitRun(s, q)); len >= 1; --len)
      if (finish(q + len)) return true;
  }
  return finish(p);
}

std::optional<std::string> MatchDate(std::string_view s) {
  size_t p = 0;
  if (p < s.size() && Lower(s[p]) == 'v') ++p;
  if (DigitRun(s, p) < 4) return std::nullopt;
  std::string out;
  if (!MatchDateGroups(s, p, p + 4, 0, out)) return std::nullopt;
  return out;
}

// normalizeBranch for a name that had "-dev" cut off:
// ^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$
std::optional<std::string> NormalizeNumericBranch(std::string_view name) {
  while (!name.empty() && IsTrimmed(name.front())) name.remove_prefix(1);
  while (!name.empty() && IsTrimmed(name.back())) name.remove_suffix(1);
  size_t p = 0;
  if (p < name.size() && Lower(name[p]) == 'v') ++p;
  size_t run = DigitRun(name, p);
  if (run == 0) return std::nullopt;
  std::string out(name.substr(p, run));
  p += run;
  int parts = 1;
  for (; parts < 4 && p < name.size() && name[p] == '.'; ++parts) {
    ++p;
    run = DigitRun(name, p);
    if (run > 0) {
      out += '.';
      out += name.substr(p, run);
      p += run;
    } else if (p < name.size() && (name[p] == 'x' || name[p] == 'X' || name[p] == '*')) {
      out += ".9999999";
      ++p;
    } else {
      return std::nullopt;
    }
  }
  if (p != name.size()) return std::nullopt;
  for (; parts < 4; ++parts) out += ".9999999";
  return out + "-dev";
}

// VersionParser::normalize, or nullopt where Composer throws.
std::optional<std::string> Normalize(std::string_view v) {
  if (size_t at = v.rfind('@'); at != std::string_view::npos) {
    std::string_view flag = v.substr(at + 1);
    for (std::string_view stability : {"stable", "RC", "beta", "alpha", "dev"})
      if (EqualsIgnoreCase(flag, stability)) v = v.substr(0, at);
  }
  if (v == "master" || v == "trunk" || v == "default") return "dev-" + std::string(v);
  if (StartsWithIgnoreCase(v, "dev-")) return "dev-" + std::string(v.substr(4));
  // Build metadata: ^([^,\s+]++)\+[^\s]++$
  if (size_t plus = v.find('+'); plus != std::string_view::npos) {
    std::string_view head = v.substr(0, plus);
    if (!head.empty() && head.find(',') == std::string_view::npos && plus + 1 < v.size()) v = head;
  }
  if (auto classical = MatchClassical(v)) return classical;
  if (auto date = MatchDate(v)) return date;
  if (EndsWithIgnoreCase(v, "dev")) {
    std::string_view name = v.substr(0, v.size() - 3);
    if (!name.empty() && (name.back() == '.' || name.back() == '-')) name.remove_suffix(1);
    return NormalizeNumericBranch(name);
  }
  return std::nullopt;
}

// php_canonicalize_version's parts: runs of digits and runs of letters (and
// '#'); every other byte separates.
std::vector<std::string_view> Parts(std::string_view s) {
  std::vector<std::string_view> parts;
  auto word = [](char c) { return IsLetter(c) || c == '#'; };
  for (size_t p = 0; p < s.size();) {
    size_t start = p;
    if (IsDigit(s[p])) {
      while (p < s.size() && IsDigit(s[p])) ++p;
    } else if (word(s[p])) {
      while (p < s.size() && word(s[p])) ++p;
    } else {
      ++p;
      continue;
    }
    parts.push_back(s.substr(start, p - start));
  }
  return parts;
}

// compare_special_version_forms' order, by prefix: the table is dev, alpha,
// a, beta, b, RC, rc, #, pl, p.
int SpecialOrder(std::string_view w) {
  if (w.starts_with("dev")) return 0;
  if (w.starts_with("a")) return 1;
  if (w.starts_with("b")) return 2;
  if (w.starts_with("RC") || w.starts_with("rc")) return 3;
  if (w.starts_with("#")) return 4;
  if (w.starts_with("p")) return 5;
  return -1;
}
constexpr int kNumberOrder = 4;  // "#N#", what a number is to a word

int ComparePart(std::string_view x, std::string_view y) {
  bool xn = IsDigit(x.front()), yn = IsDigit(y.front());
  if (xn && yn) return CompareDigits(x, y);
  int ox = xn ? kNumberOrder : SpecialOrder(x);
  int oy = yn ? kNumberOrder : SpecialOrder(y);
  return ox < oy ? -1 : (ox > oy ? 1 : 0);
}

// The parts left over on the longer side against nothing: a number wins, a
// word compares with "#".
int CompareTail(const std::vector<std::string_view>& parts, size_t from) {
  for (size_t i = from; i < parts.size(); ++i) {
    if (IsDigit(parts[i].front())) return 1;
    int order = SpecialOrder(parts[i]);
    if (order != kNumberOrder) return order < kNumberOrder ? -1 : 1;
  }
  return 0;
}

int VersionCompare(std::string_view a, std::string_view b) {
  std::vector<std::string_view> pa = Parts(a), pb = Parts(b);
  size_t n = std::min(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i)
    if (int c = ComparePart(pa[i], pb[i])) return c;
  if (pa.size() > n) return CompareTail(pa, n);
  if (pb.size() > n) return -CompareTail(pb, n);
  return 0;
}

Result<std::string> Prepare(std::string_view version) {
  std::string_view v = version;
  while (!v.empty() && IsTrimmed(v.front())) v.remove_prefix(1);
  while (!v.empty() && IsTrimmed(v.back())) v.remove_suffix(1);
  if (v.empty() || std::any_of(v.begin(), v.end(), IsSpaceOrControl))
    return InvalidArgument("packagist version \"" + Printable(version) +
                           "\": expected a non-empty version without spaces, e.g. 1.2.3 "
                           "or v2.0.0-beta1");
  if (auto normalized = Normalize(v)) return *normalized;
  if (v.size() > 1 && (v[0] == 'v' || v[0] == 'V') && IsDigit(v[1])) v.remove_prefix(1);
  if (Parts(v).empty())
    return InvalidArgument("packagist version \"" + Printable(version) +
                           "\": expected numbers or words, found only punctuation");
  return std::string(v);
}

}  // namespace

Result<int> CompareComposer(std::string_view a, std::string_view b) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string na, Prepare(a));
  CUSTOMS_ASSIGN_OR_RETURN(std::string nb, Prepare(b));
  bool branch_a = na.starts_with("dev-"), branch_b = nb.starts_with("dev-");
  if (branch_a && branch_b) {
    int c = na.compare(nb);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return VersionCompare(na, nb);
}

}  // namespace customs::vuln::internal
