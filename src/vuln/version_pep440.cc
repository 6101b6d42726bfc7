// PEP 440 version comparison (PyPI), following the version specifier spec
// and the reference implementation `packaging.version.Version` (>= 22, which
// dropped LegacyVersion): the accepted syntax is packaging's VERSION_PATTERN,
// matched case-insensitively with surrounding whitespace allowed, and the
// order is packaging's sort key:
//   epoch, release (trailing zeros ignored), pre (a < b < rc; a version with
//   only a dev part sorts before any pre-release of it), post, dev, local.
// Anything else (the "legacy" versions of setuptools) is InvalidArgument.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/strings.h"
#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

// Orders ASCII digit strings as unbounded non-negative integers, so release
// numbers of any length compare exactly.
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSeparator(char c) { return c == '-' || c == '_' || c == '.'; }
// Python's \s for ASCII text.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive: does `s` continue with `word` at `pos`?
bool HasWordAt(std::string_view s, size_t pos, std::string_view word) {
  if (pos > s.size() || word.size() > s.size() - pos) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (Lower(s[pos + i]) != word[i]) return false;
  return true;
}

enum class PreKind { kAlpha = 0, kBeta = 1, kRc = 2 };

// The dotted parts of a release or local segment: the first few (all of
// them in nearly every version) without a heap allocation, since matching
// parses a version for every comparison.
class Parts {
 public:
  void push_back(std::string_view part) {
    if (size_ < kInline)
      inline_[size_] = part;
    else
      more_.push_back(part);
    ++size_;
  }
  size_t size() const { return size_; }
  std::string_view operator[](size_t i) const {
    return i < kInline ? inline_[i] : more_[i - kInline];
  }

 private:
  static constexpr size_t kInline = 6;
  std::array<std::string_view, kInline> inline_;
  std::vector<std::string_view> more_;
  size_t size_ = 0;
};

struct Pep440Version {
  std::string_view epoch;  // digits; empty means 0
  Parts release;           // digits
  bool has_pre = false;
  PreKind pre_kind = PreKind::kAlpha;
  std::string_view pre_number;  // empty means 0
  bool has_post = false;
  std::string_view post_number;
  bool has_dev = false;
  std::string_view dev_number;
  bool has_local = false;
  Parts local;  // alphanumeric parts, original case
};

class Pep440Parser {
 public:
  explicit Pep440Parser(std::string_view text) : s_(text) {}

  Result<Pep440Version> Parse() {
    Pep440Version v;
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
    size_t end = s_.size();
    while (end > pos_ && IsSpace(s_[end - 1])) --end;
    s_ = s_.substr(0, end);
    if (pos_ < s_.size() && Lower(s_[pos_]) == 'v') ++pos_;

    // Epoch "N!" or the first release number.
    std::string_view first = Digits();
    if (first.empty()) return Error("a release number");
    if (pos_ < s_.size() && s_[pos_] == '!') {
      ++pos_;
      v.epoch = first;
      first = Digits();
      if (first.empty()) return Error("a release number after the epoch");
    }
    v.release.push_back(first);
    while (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
      ++pos_;
      v.release.push_back(Digits());
    }

    ParsePre(v);
    ParsePost(v);
    ParseDev(v);
    if (pos_ < s_.size() && s_[pos_] == '+') {
      ++pos_;
      v.has_local = true;
      while (true) {
        size_t start = pos_;
        while (pos_ < s_.size() && IsAlnum(s_[pos_])) ++pos_;
        if (pos_ == start) return Error("an alphanumeric local version segment");
        v.local.push_back(s_.substr(start, pos_ - start));
        if (pos_ + 1 < s_.size() && IsSeparator(s_[pos_]) && IsAlnum(s_[pos_ + 1])) {
          ++pos_;
          continue;
        }
        break;
      }
    }
    if (pos_ != s_.size()) return Error("a pre, post, dev or +local part");
    return v;
  }

 private:
  std::string_view Digits() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // [-_.]? then `word`; advances past both and returns true on a match.
  bool Label(std::string_view word) {
    size_t p = pos_;
    if (p < s_.size() && IsSeparator(s_[p])) ++p;
    if (!HasWordAt(s_, p, word)) return false;
    pos_ = p + word.size();
    return true;
  }

  // [-_.]?N? after a label; the number is empty when absent (means 0).
  // Like packaging's greedy pattern, the separator is consumed even when no
  // number follows ("1.0a.post1" is 1.0a0.post1: the next part may start
  // without a separator of its own).
  std::string_view LabelNumber() {
    if (pos_ < s_.size() && IsSeparator(s_[pos_])) ++pos_;
    return Digits();
  }

  void ParsePre(Pep440Version& v) {
    // Alternatives in the regex's order: alpha|a|beta|b|preview|pre|c|rc.
    static constexpr struct {
      std::string_view word;
      PreKind kind;
    } kLabels[] = {{"alpha", PreKind::kAlpha}, {"a", PreKind::kAlpha},    {"beta", PreKind::kBeta},
                   {"b", PreKind::kBeta},      {"preview", PreKind::kRc}, {"pre", PreKind::kRc},
                   {"c", PreKind::kRc},        {"rc", PreKind::kRc}};
    for (const auto& label : kLabels) {
      if (Label(label.word)) {
        v.has_pre = true;
        v.pre_kind = label.kind;
        v.pre_number = LabelNumber();
        return;
      }
    }
  }

  void ParsePost(Pep440Version& v) {
    // "-N" (implicit post release) first, then [-_.]?(post|rev|r)[-_.]?N?.
    if (pos_ + 1 < s_.size() && s_[pos_] == '-' && IsDigit(s_[pos_ + 1])) {
      ++pos_;
      v.has_post = true;
      v.post_number = Digits();
      return;
    }
    for (std::string_view word : {"post", "rev", "r"}) {
      if (Label(word)) {
        v.has_post = true;
        v.post_number = LabelNumber();
        return;
      }
    }
  }

  void ParseDev(Pep440Version& v) {
    if (Label("dev")) {
      v.has_dev = true;
      v.dev_number = LabelNumber();
    }
  }

  Status Error(std::string_view expected) const {
    return InvalidArgument("pep440 version \"" + Printable(s_) + "\": expected " +
                           std::string(expected) + " at offset " + std::to_string(pos_));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// packaging's key for the pre part: -inf for a dev-only release ("1.0.dev0"
// sorts before "1.0a0"), +inf for no pre-release, else (kind, number).
int PreRank(const Pep440Version& v) {
  if (!v.has_pre && !v.has_post && v.has_dev) return -1;
  return v.has_pre ? 0 : 1;
}

int CompareLocal(const Pep440Version& a, const Pep440Version& b) {
  if (a.has_local != b.has_local) return a.has_local ? 1 : -1;
  size_t n = std::max(a.local.size(), b.local.size());
  for (size_t i = 0; i < n; ++i) {
    if (i >= a.local.size()) return -1;
    if (i >= b.local.size()) return 1;
    std::string_view x = a.local[i], y = b.local[i];
    bool xn = std::all_of(x.begin(), x.end(), IsDigit);
    bool yn = std::all_of(y.begin(), y.end(), IsDigit);
    if (xn != yn) return xn ? 1 : -1;  // numeric segments sort after alphanumeric
    if (xn) {
      if (int c = CompareDigits(x, y)) return c;
      continue;
    }
    size_t m = std::min(x.size(), y.size());
    for (size_t j = 0; j < m; ++j) {
      char cx = Lower(x[j]), cy = Lower(y[j]);
      if (cx != cy) return cx < cy ? -1 : 1;
    }
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  }
  return 0;
}

int Compare(const Pep440Version& a, const Pep440Version& b) {
  if (int c = CompareDigits(a.epoch, b.epoch)) return c;
  size_t n = std::max(a.release.size(), b.release.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view x = i < a.release.size() ? a.release[i] : "0";
    std::string_view y = i < b.release.size() ? b.release[i] : "0";
    if (int c = CompareDigits(x, y)) return c;
  }
  int ra = PreRank(a), rb = PreRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) {
    if (a.pre_kind != b.pre_kind) return a.pre_kind < b.pre_kind ? -1 : 1;
    if (int c = CompareDigits(a.pre_number, b.pre_number)) return c;
  }
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
  if (a.has_post) {
    if (int c = CompareDigits(a.post_number, b.post_number)) return c;
  }
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
  if (a.has_dev) {
    if (int c = CompareDigits(a.dev_number, b.dev_number)) return c;
  }
  return Sign(CompareLocal(a, b));
}

}  // namespace

Result<int> ComparePep440(std::string_view a, std::string_view b) {
  CUSTOMS_ASSIGN_OR_RETURN(Pep440Version va, Pep440Parser(a).Parse());
  CUSTOMS_ASSIGN_OR_RETURN(Pep440Version vb, Pep440Parser(b).Parse());
  return Compare(va, vb);
}

}  // namespace customs::vuln::internal
