// Maven version comparison: org.apache.maven.artifact.versioning.
// ComparableVersion as shipped in maven-artifact 3.8.6, the release the
// shared vectors were generated with (3.8.7 and 3.9 changed ".X1" vs "-X2",
// MNG-7644).
//
// A version is lower-cased (ASCII) and split into items at '.', '-' and at
// every digit/letter transition. '.' adds an item to the current list; '-' and
// a transition start a nested sub-list, so "1-1.foo-bar1baz" is
// [1, [1, foo, [bar, [1, [baz]]]]]. Items are numbers (any length, compared
// exactly), qualifiers, or the one nested list that ends a list. Qualifiers:
// alpha = a < beta = b < milestone = m < rc = cr < snapshot < "" = ga = final
// = release < sp < unknown qualifiers (lexical); a/b/m are aliases only when
// directly followed by a digit. Trailing null items (0, "", empty list) are
// trimmed from every list, innermost first. Lists compare item by item, the
// shorter padded with nothing ("null"): number > list > qualifier.
//
// Every string is a Maven version, so this never fails. Bytes outside ASCII
// count as letters and compare bytewise (Java compares UTF-16 code units;
// both agree on the order of real-world qualifiers).
#include <algorithm>
#include <string>
#include <vector>

#include "vuln/version_schemes.h"

namespace customs::vuln::internal {
namespace {

enum class ItemKind { kNumber, kQualifier, kList, kNull };

struct Item {
  ItemKind kind = ItemKind::kNull;
  std::string_view text;  // digits of a number, or the (aliased) qualifier
};

// The nested lists form a chain: only the last item of a list can be a list,
// and nothing is added to a list after its sub-list starts. levels[0] is the
// outer list; levels[k + 1], when present, is the last item of levels[k].
struct MavenVersion {
  std::string lower;
  std::vector<std::vector<Item>> levels;
};

// Index in ComparableVersion's QUALIFIERS, or -1 for an unknown qualifier.
int KnownQualifier(std::string_view q) {
  static constexpr std::string_view kQualifiers[] = {"alpha",    "beta", "milestone", "rc",
                                                     "snapshot", "",     "sp"};
  for (int i = 0; i < 7; ++i)
    if (q == kQualifiers[i]) return i;
  return -1;
}
constexpr int kReleaseIndex = 5;  // the index of "" (release) in QUALIFIERS

std::string_view Alias(std::string_view q, bool followed_by_digit) {
  if (followed_by_digit && q.size() == 1) {
    if (q == "a") return "alpha";
    if (q == "b") return "beta";
    if (q == "m") return "milestone";
  }
  if (q == "ga" || q == "final" || q == "release") return "";
  if (q == "cr") return "rc";
  return q;
}

// ComparableVersion orders qualifiers by the strings "0".."6" for the known
// ones and "7-<qualifier>" for the rest.
int CompareQualifiers(std::string_view x, std::string_view y) {
  int kx = KnownQualifier(x), ky = KnownQualifier(y);
  if (kx >= 0 && ky >= 0) return kx < ky ? -1 : (kx > ky ? 1 : 0);
  if (kx >= 0) return -1;
  if (ky >= 0) return 1;
  int c = x.compare(y);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool IsNullItem(const Item& item) {
  if (item.kind == ItemKind::kNumber) return CompareDigits(item.text, "0") == 0;
  if (item.kind == ItemKind::kQualifier) return item.text.empty();
  return false;
}

Item NumberItem(std::string_view digits) { return {ItemKind::kNumber, digits}; }
Item QualifierItem(std::string_view q, bool followed_by_digit) {
  return {ItemKind::kQualifier, Alias(q, followed_by_digit)};
}

MavenVersion Parse(std::string_view version) {
  MavenVersion v;
  v.lower.assign(version);
  for (char& c : v.lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::string_view s = v.lower;
  v.levels.emplace_back();
  auto item = [&](bool digit, size_t start, size_t end) {
    std::string_view buf = s.substr(start, end - start);
    return digit ? NumberItem(buf) : QualifierItem(buf, false);
  };
  bool is_digit = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      v.levels.back().push_back(i == start ? NumberItem("0") : item(is_digit, start, i));
      start = i + 1;
    } else if (c == '-') {
      v.levels.back().push_back(i == start ? NumberItem("0") : item(is_digit, start, i));
      start = i + 1;
      v.levels.emplace_back();
    } else if (IsDigit(c)) {
      if (!is_digit && i > start) {
        v.levels.back().push_back(QualifierItem(s.substr(start, i - start), true));
        start = i;
        v.levels.emplace_back();
      }
      is_digit = true;
    } else {
      if (is_digit && i > start) {
        v.levels.back().push_back(NumberItem(s.substr(start, i - start)));
        start = i;
        v.levels.emplace_back();
      }
      is_digit = false;
    }
  }
  if (s.size() > start) v.levels.back().push_back(item(is_digit, start, s.size()));

  // normalize(), innermost list first: drop trailing null items; a non-empty
  // sub-list is skipped over (nulls before it go too), an empty one is dropped.
  for (size_t k = v.levels.size(); k-- > 0;) {
    // levels[k + 1] is the last level here: deeper empty ones are gone.
    if (k + 2 == v.levels.size() && v.levels[k + 1].empty()) v.levels.pop_back();
    std::vector<Item>& items = v.levels[k];
    while (!items.empty() && IsNullItem(items.back())) items.pop_back();
  }
  return v;
}

// The i-th item of list `level`, counting the sub-list as its last item.
Item ItemAt(const MavenVersion& v, size_t level, size_t i) {
  const std::vector<Item>& items = v.levels[level];
  if (i < items.size()) return items[i];
  if (i == items.size() && level + 1 < v.levels.size()) return {ItemKind::kList, {}};
  return {};
}

size_t ItemCount(const MavenVersion& v, size_t level) {
  return v.levels[level].size() + (level + 1 < v.levels.size() ? 1 : 0);
}

// ListItem.compareTo(null) in 3.8.6: an empty list is null, otherwise its
// first item decides.
int CompareListWithNull(const MavenVersion& v, size_t level) {
  while (true) {
    if (ItemCount(v, level) == 0) return 0;
    Item first = ItemAt(v, level, 0);
    switch (first.kind) {
      case ItemKind::kNumber:
        return IsNullItem(first) ? 0 : 1;
      case ItemKind::kQualifier: {
        int k = KnownQualifier(first.text);
        if (k < 0) return 1;
        return k < kReleaseIndex ? -1 : (k > kReleaseIndex ? 1 : 0);
      }
      case ItemKind::kList:
        ++level;
        continue;
      case ItemKind::kNull:
        return 0;
    }
  }
}

// Two items neither of which is a list compared with a list or null, or one
// scalar against anything.
int CompareScalar(const Item& l, const Item& r) {
  switch (l.kind) {
    case ItemKind::kNumber:
      if (r.kind == ItemKind::kNull) return IsNullItem(l) ? 0 : 1;
      if (r.kind == ItemKind::kNumber) return CompareDigits(l.text, r.text);
      return 1;  // 1.1 > 1-sp, 1.1 > 1-1
    case ItemKind::kQualifier:
      if (r.kind == ItemKind::kNull) {
        int k = KnownQualifier(l.text);
        if (k < 0) return 1;
        return k < kReleaseIndex ? -1 : (k > kReleaseIndex ? 1 : 0);
      }
      if (r.kind == ItemKind::kQualifier) return CompareQualifiers(l.text, r.text);
      return -1;  // 1.any < 1.1, 1.any < 1-1
    case ItemKind::kList:
      if (r.kind == ItemKind::kNumber) return -1;    // 1-1 < 1.0.x
      if (r.kind == ItemKind::kQualifier) return 1;  // 1-1 > 1-sp
      return 0;                                      // handled by the caller
    case ItemKind::kNull:
      return r.kind == ItemKind::kNull ? 0 : -CompareScalar(r, l);
  }
  return 0;
}

// ListItem.compareTo(ListItem), made iterative: a sub-list is always the last
// item, so descending into it is a tail call.
int CompareVersions(const MavenVersion& a, const MavenVersion& b) {
  size_t la = 0, lb = 0;
  while (true) {
    size_t n = std::max(ItemCount(a, la), ItemCount(b, lb));
    bool descend = false;
    for (size_t i = 0; i < n; ++i) {
      Item l = ItemAt(a, la, i), r = ItemAt(b, lb, i);
      if (l.kind == ItemKind::kList && r.kind == ItemKind::kList) {
        descend = true;
        break;
      }
      if (l.kind == ItemKind::kList && r.kind == ItemKind::kNull)
        return CompareListWithNull(a, la + 1);
      if (l.kind == ItemKind::kNull && r.kind == ItemKind::kList)
        return -CompareListWithNull(b, lb + 1);
      if (int c = CompareScalar(l, r)) return c;
    }
    if (!descend) return 0;
    ++la;
    ++lb;
  }
}

}  // namespace

int CompareMaven(std::string_view a, std::string_view b) {
  return CompareVersions(Parse(a), Parse(b));
}

}  // namespace customs::vuln::internal
