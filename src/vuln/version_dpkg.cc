// Debian version ordering, deb-version(7): [epoch:]upstream[-revision].
//
// The epoch is compared as a number, then upstream and revision with the
// "verrevcmp" walk: alternating non-digit runs (compared character by
// character with `~` before everything, even the end, then the end, then
// letters, then everything else) and digit runs (compared as numbers). A
// missing revision is the empty string, which compares equal to "0".
//
// dpkg rejects malformed versions; a scanner must still order whatever a
// package database or advisory holds, so any string is accepted: an epoch
// that is not all digits is not an epoch (the whole string is the version).
#include <string_view>

#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

// The weight of one character of a non-digit run; the end of the string is 0.
int Order(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  char c = s[i];
  if (IsDigit(c)) return 0;
  if (IsLetter(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  return static_cast<unsigned char>(c) + 256;
}

// Compares two runs of digits as numbers of any length.
int CompareDigitRuns(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

size_t DigitRunEnd(std::string_view s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    // Non-digit run. A position at the end or at a digit has order 0, so the
    // loop leaves as soon as both sides reach a digit or the end.
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      int ac = Order(a, i), bc = Order(b, j);
      if (ac != bc) return Sign(ac - bc);
      // Equal orders with one side at the end cannot happen here: the other
      // side would be a non-digit, whose order is never 0.
      ++i;
      ++j;
    }
    size_t ie = DigitRunEnd(a, i), je = DigitRunEnd(b, j);
    int diff = CompareDigitRuns(a.substr(i, ie - i), b.substr(j, je - j));
    if (diff != 0) return diff;
    i = ie;
    j = je;
  }
  return 0;
}

struct DebianVersion {
  std::string_view epoch;  // digits, "" means 0
  std::string_view upstream;
  std::string_view revision;  // "" when absent
};

DebianVersion SplitDebian(std::string_view v) {
  DebianVersion out;
  out.epoch = TakeEpoch(v);
  size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    out.upstream = v.substr(0, dash);
    out.revision = v.substr(dash + 1);
  } else {
    out.upstream = v;
  }
  return out;
}

}  // namespace

int CompareDpkg(std::string_view a, std::string_view b) {
  DebianVersion va = SplitDebian(a), vb = SplitDebian(b);
  if (int d = CompareDigitRuns(va.epoch, vb.epoch); d != 0) return d;
  if (int d = VerRevCmp(va.upstream, vb.upstream); d != 0) return d;
  return VerRevCmp(va.revision, vb.revision);
}

}  // namespace customs::vuln::internal
