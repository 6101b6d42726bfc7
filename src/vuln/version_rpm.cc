// RPM version ordering: [epoch:]version[-release], each part compared with
// rpmvercmp.
//
// rpmvercmp walks both strings segment by segment. Characters other than
// ASCII letters, digits, `~` and `^` only separate segments. `~` sorts before
// everything (even the end: 1.0~rc1 < 1.0); `^` sorts after the end but
// before anything else (1.0 < 1.0^git1 < 1.0.1). A digit segment is newer
// than a letter segment; digit segments compare as numbers, letter segments
// as bytes. When one string runs out, the one with segments left is newer.
//
// Splitting follows the advisory data rather than rpm's parser, which is
// stricter: the epoch is the part before the first ':' only when it is all
// digits ("a:1" has no epoch; an empty epoch is 0), the release is the part
// after the last '-' of the rest. A version without a release is older than
// the same version with any release, even an empty one ("1" < "1-" < "1-0"),
// as in the Red Hat vectors of osv-scalibr.
#include <string_view>

#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

bool IsAlnum(char c) { return IsDigit(c) || IsLetter(c); }

int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    bool a_end = i == a.size(), b_end = j == b.size();

    bool a_tilde = !a_end && a[i] == '~', b_tilde = !b_end && b[j] == '~';
    if (a_tilde || b_tilde) {
      if (!a_tilde) return 1;
      if (!b_tilde) return -1;
      ++i;
      ++j;
      continue;
    }
    bool a_caret = !a_end && a[i] == '^', b_caret = !b_end && b[j] == '^';
    if (a_caret || b_caret) {
      if (!a_caret) return a_end ? -1 : 1;
      if (!b_caret) return b_end ? 1 : -1;
      ++i;
      ++j;
      continue;
    }
    if (a_end || b_end) break;

    // A segment of the type of a's next character, from both strings.
    bool numeric = IsDigit(a[i]);
    size_t ie = i, je = j;
    if (numeric) {
      while (ie < a.size() && IsDigit(a[ie])) ++ie;
      while (je < b.size() && IsDigit(b[je])) ++je;
    } else {
      while (ie < a.size() && IsLetter(a[ie])) ++ie;
      while (je < b.size() && IsLetter(b[je])) ++je;
    }
    std::string_view sa = a.substr(i, ie - i), sb = b.substr(j, je - j);
    // b's next segment is of the other type: numbers are newer than letters.
    if (sb.empty()) return numeric ? 1 : -1;
    if (numeric) {
      while (sa.size() > 1 && sa.front() == '0') sa.remove_prefix(1);
      while (sb.size() > 1 && sb.front() == '0') sb.remove_prefix(1);
      if (sa.size() != sb.size()) return sa.size() < sb.size() ? -1 : 1;
    }
    if (int d = sa.compare(sb); d != 0) return Sign(d);
    i = ie;
    j = je;
  }
  bool a_left = i < a.size(), b_left = j < b.size();
  if (a_left == b_left) return 0;
  return a_left ? 1 : -1;
}

struct RpmVersion {
  std::string_view epoch;  // digits; "" means 0
  std::string_view version;
  bool has_release = false;
  std::string_view release;
};

RpmVersion SplitRpm(std::string_view v) {
  RpmVersion out;
  out.epoch = TakeEpoch(v);
  size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    out.version = v.substr(0, dash);
    out.has_release = true;
    out.release = v.substr(dash + 1);
  } else {
    out.version = v;
  }
  return out;
}

}  // namespace

int CompareRpm(std::string_view a, std::string_view b) {
  RpmVersion va = SplitRpm(a), vb = SplitRpm(b);
  std::string_view ea = va.epoch.empty() ? "0" : va.epoch;
  std::string_view eb = vb.epoch.empty() ? "0" : vb.epoch;
  if (int d = RpmVerCmp(ea, eb); d != 0) return d;
  if (int d = RpmVerCmp(va.version, vb.version); d != 0) return d;
  if (va.has_release != vb.has_release) return va.has_release ? 1 : -1;
  return RpmVerCmp(va.release, vb.release);
}

}  // namespace customs::vuln::internal
