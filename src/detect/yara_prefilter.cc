#include "detect/yara_prefilter.h"

#include <hs.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "detect/yara_rules.h"

namespace customs::detect {
namespace {

// Bounds on what the prefilter reads (the rule text is the user's).
constexpr int kMaxDepth = 200;                // nesting of one condition
constexpr int kMaxTreeDepth = 256;            // a condition's tree (a and b and c ...)
constexpr size_t kMaxPatterns = 100'000;      // Hyperscan patterns in all
constexpr size_t kMaxNodes = 4'000'000;       // condition nodes in all
constexpr int kMaxRuleReferences = 16;        // rule -> rule -> ... when evaluating
constexpr size_t kMaxCountedStrings = 1'000;  // strings in one sum #a + #b + ...

// ------------------------------------------------------------------ model

// One string of a rule and how Hyperscan looks for it.
struct StringDef {
  std::string id;  // "$name", or "$" when anonymous
  enum class Kind { kText, kHex, kRegex } kind = Kind::kText;
  std::string value;  // decoded bytes (text), the source between the delimiters (hex, regex)
  bool nocase = false, wide = false, ascii = false, xor_ = false, base64 = false;
  bool regex_nocase = false, regex_dotall = false;
};

// A condition node. Booleans are read as "may hold"; values as known or not.
struct Node {
  enum class Kind : uint8_t {
    kTrue,
    kFalse,
    kUnknown,   // a boolean or value the prefilter does not model
    kAnd,       // a, b
    kOr,        // a, b
    kNot,       // a
    kHit,       // some string of `strings` matched ($a, $a at .., $a in ..)
    kOf,        // quantifier `a` (or `quantifier`) of `strings`; body `b` for `for .. of`
    kRule,      // a reference to rule `value` (index in the prefilter's rules)
    kCompare,   // a op b
    kMatches,   // a matches regex `value` (index of its Hyperscan database)
    kInt,       // value
    kString,    // text
    kFilesize,  // the buffer's size
    kExternal,  // value: 0 filepath, 1 filename, 2 filemode, 3 window_offset
    kRead,      // (u)int{8,16,32}[be](a): value = width in bytes, is_signed, big_endian
    kCount,     // #a (or #a + #b): the number of matches of `strings`
    kArith,     // a op b
    kNegate,    // -a
  };
  enum class Op : uint8_t { kNone, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod };
  enum class Quantifier : uint8_t { kNumber, kAny, kAll, kNone };

  Kind kind = Kind::kUnknown;
  Op op = Op::kNone;
  Quantifier quantifier = Quantifier::kNumber;
  bool is_signed = false, big_endian = false;
  int a = -1, b = -1;
  int depth = 1;  // of the tree below, this node included
  int64_t value = 0;
  std::string text;
  std::vector<uint32_t> strings;  // indices in the prefilter's string table
};

struct RuleDef {
  YaraPrefilter::RuleShape shape;
  int condition = -1;
};

// A Hyperscan expression with its flags.
struct Pattern {
  std::string expression;
  unsigned flags = 0;
};

// -------------------------------------------------------- pattern making

std::string HexByte(uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{'\\', 'x', kHex[b >> 4], kHex[b & 15]};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Moves `i` past white space and // and /* */ comments; false when a
// comment does not end.
bool SkipSpace(std::string_view s, size_t& i) {
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      ++i;
    } else if (s.substr(i, 2) == "//") {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else {
      break;
    }
  }
  return true;
}

// A hex string's body as a Hyperscan expression: bytes, nibble and byte
// wildcards, jumps [n], [n-m], [n-], [-], alternatives ( a | b ).
std::optional<std::string> HexToExpression(std::string_view s) {
  std::string out;
  size_t i = 0;
  int depth = 0;
  auto skip_space = [&] { return SkipSpace(s, i); };
  auto number = [&](int64_t& v) {
    size_t start = i;
    v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < 1'000'000) v = v * 10 + (s[i++] - '0');
    return i > start && v < 1'000'000;
  };
  while (true) {
    if (!skip_space()) return std::nullopt;
    if (i >= s.size()) break;
    char c = s[i];
    if (c == '(') {
      out += "(?:";
      ++depth;
      ++i;
    } else if (c == '|') {
      if (depth == 0) return std::nullopt;
      out += '|';
      ++i;
    } else if (c == ')') {
      if (depth == 0) return std::nullopt;
      out += ')';
      --depth;
      ++i;
    } else if (c == '[') {
      ++i;
      if (!skip_space()) return std::nullopt;
      int64_t lo = 0, hi = -1;
      if (i < s.size() && s[i] == '-') {
        ++i;
      } else {
        if (!number(lo)) return std::nullopt;
        if (!skip_space()) return std::nullopt;
        if (i < s.size() && s[i] == '-') {
          ++i;
          if (!skip_space()) return std::nullopt;
          if (i < s.size() && s[i] != ']' && !number(hi)) return std::nullopt;
        } else {
          hi = lo;
        }
      }
      if (!skip_space() || i >= s.size() || s[i] != ']') return std::nullopt;
      ++i;
      out += "[\\x00-\\xff]";
      if (hi < 0) {
        out += lo == 0 ? "*" : "{" + std::to_string(lo) + ",}";
      } else {
        if (hi < lo) return std::nullopt;
        out += "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
      }
    } else {
      if (i + 1 >= s.size()) return std::nullopt;
      char h = s[i], l = s[i + 1];
      i += 2;
      int hv = HexDigit(h), lv = HexDigit(l);
      if ((hv < 0 && h != '?') || (lv < 0 && l != '?')) return std::nullopt;
      if (hv >= 0 && lv >= 0) {
        out += HexByte(static_cast<uint8_t>(hv * 16 + lv));
      } else if (hv < 0 && lv < 0) {
        out += "[\\x00-\\xff]";
      } else if (hv >= 0) {
        out += "[" + HexByte(static_cast<uint8_t>(hv * 16)) + "-" +
               HexByte(static_cast<uint8_t>(hv * 16 + 15)) + "]";
      } else {
        out += "[";
        for (int k = 0; k < 16; ++k) out += HexByte(static_cast<uint8_t>(k * 16 + lv));
        out += "]";
      }
    }
  }
  if (depth != 0 || out.empty()) return std::nullopt;
  return out;
}

// A YARA regular expression in Hyperscan's (PCRE's) syntax, where the two
// differ: YARA's \s includes \v, and YARA reads {,n} as {0,n}. Escapes other
// than those both read alike make it unusable (nullopt). Long bounded
// repeats are loosened to unbounded ones ({1,512} becomes {1,}, {93} {8,}):
// the expression then matches more, never less, and Hyperscan compiles it
// in a few milliseconds instead of a hundred.
std::optional<std::string> RegexToExpression(std::string_view s) {
  static constexpr std::string_view kSpace = "\\t\\n\\x0b\\f\\r ";
  std::string out;
  bool in_class = false;
  size_t class_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\0') return std::nullopt;  // Hyperscan reads a C string
    if (c == '\\') {
      if (i + 1 >= s.size()) return std::nullopt;
      char e = s[++i];
      if (e == 's') {
        out += in_class ? std::string(kSpace) : "[" + std::string(kSpace) + "]";
      } else if (e == 'S') {
        if (in_class) return std::nullopt;
        out += "[^" + std::string(kSpace) + "]";
      } else if (e == 'x') {
        if (i + 2 >= s.size() || HexDigit(s[i + 1]) < 0 || HexDigit(s[i + 2]) < 0)
          return std::nullopt;
        out += s.substr(i - 1, 4);
        i += 2;
      } else if (std::string_view("wWdDbBntrf").find(e) != std::string_view::npos) {
        if (in_class && (e == 'b' || e == 'B')) return std::nullopt;
        out += '\\';
        out += e;
      } else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
        return std::nullopt;
      } else {
        out += '\\';
        out += e;
      }
      continue;
    }
    if (in_class) {
      // A ']' right after '[' or '[^' is a literal.
      if (c == ']' && i > class_start) in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < s.size() && s[i + 1] == '^') out += s[++i];
      class_start = i + 1;
      continue;
    }
    if (c == '{') {
      size_t close = s.find('}', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view body = s.substr(i + 1, close - i - 1);
      size_t comma = body.find(',');
      auto number = [](std::string_view d, size_t fallback) -> std::optional<size_t> {
        if (d.empty()) return fallback;
        if (d.size() > 6 || d.find_first_not_of("0123456789") != std::string_view::npos)
          return std::nullopt;
        return static_cast<size_t>(std::stoul(std::string(d)));
      };
      auto lo = number(body.substr(0, comma), 0);
      auto hi = comma == std::string_view::npos ? lo : number(body.substr(comma + 1), SIZE_MAX);
      if (!lo || !hi || *hi < *lo || (comma == std::string_view::npos && body.empty()))
        return std::nullopt;
      constexpr size_t kMaxBound = 8;
      if (*hi > kMaxBound) {
        out += "{" + std::to_string(std::min(*lo, kMaxBound)) + ",}";
      } else {
        out += "{" + std::to_string(*lo) + "," + std::to_string(*hi) + "}";
      }
      i = close;
      continue;
    }
    out += c;
  }
  if (in_class || out.empty()) return std::nullopt;
  return out;
}

// Literals, one of which every match of a regular expression contains: its
// "atoms", in YARA's words, read from its syntax (YARA's own, or the form
// HexToExpression gives a hex string). Hyperscan then looks for literals
// only, which it compiles in milliseconds and scans at memory speed.
class LiteralReader {
 public:
  explicit LiteralReader(std::string_view re) : s_(re) {}

  // Sets of literals such that every match contains a literal of each set;
  // nullopt when no set of literals of at least kMinLength bytes is implied.
  std::optional<std::vector<std::vector<std::string>>> Read() {
    auto info = Alternation(0);
    if (!info || i_ != s_.size()) return std::nullopt;
    Sets sets = info->required;
    Add(sets, info->exact);
    sets = Strongest(std::move(sets));
    if (sets.empty()) return std::nullopt;
    return sets;
  }

 private:
  static constexpr size_t kMaxSet = 64;      // strings in one set
  static constexpr size_t kMaxLength = 256;  // bytes in one literal
  static constexpr size_t kMinLength = 3;    // shorter literals hit nearly every file
  static constexpr size_t kMaxClass = 16;    // a class of more bytes is no literal
  static constexpr size_t kMaxSets = 4;      // sets required of one string
  using Set = std::optional<std::vector<std::string>>;
  using Sets = std::vector<std::vector<std::string>>;
  struct Info {
    Set exact;      // every string the piece can match
    Sets required;  // every match of the piece has a literal of each
  };

  static size_t MinLength(const std::vector<std::string>& set) {
    size_t m = SIZE_MAX;
    for (const auto& x : set) m = std::min(m, x.size());
    return set.empty() ? 0 : m;
  }
  // Whether `a` selects better than `b`: a longer shortest literal (up to
  // 16 bytes), then fewer literals.
  static bool Better(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    size_t la = std::min<size_t>(MinLength(a), 16), lb = std::min<size_t>(MinLength(b), 16);
    return la != lb ? la > lb : a.size() < b.size();
  }
  // Adds `s` to `sets` when it is selective enough to look for.
  static void Add(Sets& sets, const Set& s) {
    if (s && !s->empty() && MinLength(*s) >= kMinLength) sets.push_back(*s);
  }
  // The sets, best first, without repeats, at most kMaxSets.
  static Sets Strongest(Sets sets) {
    std::sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) {
      return Better(a, b) || (!Better(b, a) && a < b);
    });
    sets.erase(std::unique(sets.begin(), sets.end()), sets.end());
    if (sets.size() > kMaxSets) sets.resize(kMaxSets);
    return sets;
  }
  // The best single set a piece requires.
  static Set Best(const Info& info) {
    Sets all = info.required;
    Add(all, info.exact);
    all = Strongest(std::move(all));
    return all.empty() ? std::nullopt : Set(all.front());
  }
  static Set Product(const Set& a, const Set& b) {
    if (!a || !b || a->size() * b->size() > kMaxSet) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& x : *a)
      for (const auto& y : *b) {
        if (x.size() + y.size() > kMaxLength) return std::nullopt;
        out.push_back(x + y);
      }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  static Set Union(const Set& a, const Set& b) {
    if (!a || !b || a->size() + b->size() > kMaxSet) return std::nullopt;
    std::vector<std::string> out = *a;
    out.insert(out.end(), b->begin(), b->end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  static Set Bytes(std::string_view bytes) {
    std::vector<std::string> out;
    for (char c : bytes) out.push_back(std::string(1, c));
    return out;
  }
  static Set One(uint8_t c) {
    return std::vector<std::string>{std::string(1, static_cast<char>(c))};
  }

  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool More() const { return i_ < s_.size(); }

  std::optional<Info> Alternation(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    auto first = Concatenation(depth);
    if (!first) return std::nullopt;
    if (Peek() != '|') return first;
    // A match of the whole has a literal of some branch's best set.
    Set exact = first->exact, best = Best(*first);
    while (Peek() == '|') {
      ++i_;
      auto next = Concatenation(depth);
      if (!next) return std::nullopt;
      exact = Union(exact, next->exact);
      best = Union(best, Best(*next));
    }
    Info out;
    out.exact = exact;
    Add(out.required, best);
    return out;
  }

  std::optional<Info> Concatenation(int depth) {
    Set run = std::vector<std::string>{""};
    bool exact = true;
    Sets candidates;
    while (More() && Peek() != '|' && Peek() != ')') {
      auto item = Quantified(depth);
      if (!item) return std::nullopt;
      candidates.insert(candidates.end(), item->required.begin(), item->required.end());
      Set joined = Product(run, item->exact);
      if (joined) {
        run = joined;
        continue;
      }
      // The exact run ends here.
      exact = false;
      Add(candidates, run);
      run = item->exact ? item->exact : std::vector<std::string>{""};
    }
    Add(candidates, run);
    Info out;
    if (exact) out.exact = run;
    out.required = Strongest(std::move(candidates));
    return out;
  }

  bool Number(size_t& v) {
    size_t start = i_;
    v = 0;
    while (More() && Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + static_cast<size_t>(Peek() - '0');
      if (v > 1'000'000) return false;
      ++i_;
    }
    return i_ > start;
  }

  std::optional<Info> Quantified(int depth) {
    auto atom = Atom(depth);
    if (!atom) return std::nullopt;
    size_t lo = 1, hi = 1;  // hi == SIZE_MAX: unbounded
    bool quantified = true;
    if (Peek() == '*') {
      lo = 0, hi = SIZE_MAX;
      ++i_;
    } else if (Peek() == '+') {
      lo = 1, hi = SIZE_MAX;
      ++i_;
    } else if (Peek() == '?') {
      lo = 0, hi = 1;
      ++i_;
    } else if (Peek() == '{') {
      ++i_;
      if (Peek() == ',') {
        lo = 0;
      } else if (!Number(lo)) {
        return std::nullopt;
      }
      hi = lo;
      if (Peek() == ',') {
        ++i_;
        if (Peek() == '}') {
          hi = SIZE_MAX;
        } else if (!Number(hi)) {
          return std::nullopt;
        }
      }
      if (Peek() != '}' || hi < lo) return std::nullopt;
      ++i_;
    } else {
      quantified = false;
    }
    if (!quantified) return atom;
    if (Peek() == '?') ++i_;  // lazy
    Info out;
    if (lo == 0) {
      if (hi == 1) out.exact = Union(std::vector<std::string>{""}, atom->exact);
      return out;
    }
    out.required = atom->required;
    Add(out.required, atom->exact);
    if (lo == hi && lo <= 8) {
      Set p = std::vector<std::string>{""};
      for (size_t k = 0; k < lo && p; ++k) p = Product(p, atom->exact);
      out.exact = p;
    }
    return out;
  }

  // An escape's byte, or -1 for an anchor (\b \B) or a class escape: \s and
  // \d set `cls` to their bytes, \w \W \S \D leave it empty (too many).
  int Escape(bool& anchor, std::string& cls) {
    anchor = false;
    cls.clear();
    if (!More()) return -2;
    char e = s_[i_++];
    switch (e) {
      case 'x': {
        if (i_ + 2 > s_.size()) return -2;
        int h = HexDigit(s_[i_]), l = HexDigit(s_[i_ + 1]);
        if (h < 0 || l < 0) return -2;
        i_ += 2;
        return h * 16 + l;
      }
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'b':
      case 'B':
        anchor = true;
        return -1;
      case 's':
        cls = std::string(" \t\n\v\f\r");  // YARA's \s
        return -1;
      case 'd':
        cls = "0123456789";
        return -1;
      case 'w':
      case 'W':
      case 'S':
      case 'D':
        return -1;
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) return -2;
        return static_cast<uint8_t>(e);
    }
  }

  std::optional<Info> Class() {
    bool negated = false;
    if (Peek() == '^') {
      negated = true;
      ++i_;
    }
    std::vector<bool> in(256, false);
    bool wide = false;  // has \w, \s, \d ...: not a literal
    bool first = true;
    while (true) {
      if (!More()) return std::nullopt;
      char c = s_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      int lo;
      ++i_;
      if (c == '\\') {
        bool anchor;
        std::string cls;
        lo = Escape(anchor, cls);
        if (lo == -2 || anchor) return std::nullopt;
        if (lo == -1) {
          for (char b : cls) in[static_cast<uint8_t>(b)] = true;
          wide = wide || cls.empty();
          continue;
        }
      } else {
        lo = static_cast<uint8_t>(c);
      }
      int hi = lo;
      if (Peek() == '-' && i_ + 1 < s_.size() && s_[i_ + 1] != ']') {
        ++i_;
        char d = s_[i_++];
        if (d == '\\') {
          bool anchor;
          std::string cls;
          hi = Escape(anchor, cls);
          if (hi < 0 || anchor) return std::nullopt;
        } else {
          hi = static_cast<uint8_t>(d);
        }
        if (hi < lo) return std::nullopt;
      }
      for (int b = lo; b <= hi; ++b) in[static_cast<size_t>(b)] = true;
    }
    Info out;
    if (wide) return out;
    std::vector<std::string> bytes;
    for (int b = 0; b < 256; ++b)
      if (in[static_cast<size_t>(b)] != negated)
        bytes.push_back(std::string(1, static_cast<char>(b)));
    if (!bytes.empty() && bytes.size() <= kMaxClass) out.exact = bytes;
    return out;
  }

  std::optional<Info> Atom(int depth) {
    if (!More()) return std::nullopt;
    char c = s_[i_++];
    Info out;
    switch (c) {
      case '(': {
        if (s_.substr(i_, 2) == "?:") i_ += 2;
        auto inner = Alternation(depth + 1);
        if (!inner || Peek() != ')') return std::nullopt;
        ++i_;
        return inner;
      }
      case '[':
        return Class();
      case '.':
        return out;
      case '^':
      case '$':
        out.exact = std::vector<std::string>{""};
        return out;
      case '\\': {
        bool anchor;
        std::string cls;
        int b = Escape(anchor, cls);
        if (b == -2) return std::nullopt;
        if (anchor) out.exact = std::vector<std::string>{""};
        if (!cls.empty()) out.exact = Bytes(cls);
        if (b >= 0) out.exact = One(static_cast<uint8_t>(b));
        return out;
      }
      case '*':
      case '+':
      case '?':
      case '{':
      case ')':
      case '|':
        return std::nullopt;
      default:
        out.exact = One(static_cast<uint8_t>(c));
        return out;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// A literal Hyperscan looks for on behalf of literal set `id`.
struct Literal {
  std::string bytes;
  bool caseless = false;
  unsigned id = 0;
};

// The literal sets that stand in for one string: every match of the string
// contains a literal of each set. None when there are no such literals (xor,
// base64, a regular expression without a literal of three bytes).
std::vector<std::vector<std::string>> LiteralSetsFor(const StringDef& s) {
  if (s.xor_ || s.base64) return {};
  std::optional<std::vector<std::vector<std::string>>> sets;
  switch (s.kind) {
    case StringDef::Kind::kText:
      if (!s.value.empty()) sets = std::vector<std::vector<std::string>>{{s.value}};
      break;
    case StringDef::Kind::kHex:
      if (auto e = HexToExpression(s.value)) sets = LiteralReader(*e).Read();
      break;
    case StringDef::Kind::kRegex:
      sets = LiteralReader(s.value).Read();
      break;
  }
  if (!sets) return {};
  // A wide string is its characters each followed by a zero byte.
  for (auto& set : *sets) {
    std::vector<std::string> forms;
    for (const auto& literal : set) {
      if (s.ascii || !s.wide) forms.push_back(literal);
      if (s.wide) {
        std::string wide;
        for (char c : literal) {
          wide += c;
          wide += '\0';
        }
        forms.push_back(std::move(wide));
      }
    }
    set = std::move(forms);
  }
  return std::move(*sets);
}

// A regular expression whole as one Hyperscan expression (prefilter mode:
// it matches a superset of what YARA matches): a `matches` operand, or a
// string checked once its literals occur.
std::optional<Pattern> WholePattern(const StringDef& re) {
  auto e = RegexToExpression(re.value);
  if (!e) return std::nullopt;
  unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_PREFILTER;
  if (re.regex_nocase) flags |= HS_FLAG_CASELESS;
  if (re.regex_dotall) flags |= HS_FLAG_DOTALL;
  return Pattern{*e, flags};
}

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseDeleter>;

// One pattern as a block-mode database; null when Hyperscan rejects it.
Database CompilePattern(const Pattern& p) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(p.expression.c_str(), p.flags, HS_MODE_BLOCK, nullptr, &db, &error) !=
      HS_SUCCESS) {
    hs_free_compile_error(error);
    return nullptr;
  }
  return Database(db);
}

// The literals as one block-mode database (null when there are none).
Result<Database> CompileLiterals(const std::vector<Literal>& literals) {
  if (literals.empty()) return Database(nullptr);
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags, ids;
  for (const auto& l : literals) {
    expressions.push_back(l.bytes.data());
    lengths.push_back(l.bytes.size());
    flags.push_back(HS_FLAG_SINGLEMATCH | (l.caseless ? HS_FLAG_CASELESS : 0u));
    ids.push_back(l.id);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::string message = error != nullptr && error->message != nullptr ? error->message : "";
    hs_free_compile_error(error);
    return InvalidArgument("Hyperscan: " + message);
  }
  return Database(db);
}

// ----------------------------------------------------------------- parser

// Reads YARA rule text: imports, rules (private, global, tags, meta,
// strings, condition). Strict: anything unexpected fails the whole read.
class Parser {
 public:
  Parser(std::string_view text, std::string ns, std::vector<StringDef>& strings,
         std::vector<Node>& nodes, std::vector<RuleDef>& rules, std::vector<Pattern>& matches)
      : s_(text),
        ns_(std::move(ns)),
        strings_(strings),
        nodes_(nodes),
        rules_(rules),
        matches_(matches) {}

  Status Parse() {
    while (true) {
      CUSTOMS_TRY(Space());
      if (i_ >= s_.size()) return Status::Ok();
      std::string word = Word();
      if (word == "import") {
        CUSTOMS_TRY(Space());
        std::string unused;
        CUSTOMS_TRY(QuotedString(unused));
        continue;
      }
      if (word == "include") return Fail("include is not read");
      RuleDef rule;
      rule.shape.ns = ns_;
      rule_strings_.clear();
      while (word == "private" || word == "global") {
        (word == "private" ? rule.shape.is_private : rule.shape.is_global) = true;
        CUSTOMS_TRY(Space());
        word = Word();
      }
      if (word != "rule") return Fail("expected a rule");
      CUSTOMS_TRY(Space());
      rule.shape.name = Word();
      if (rule.shape.name.empty()) return Fail("expected a rule name");
      CUSTOMS_TRY(Space());
      if (Accept(':')) {  // tags
        while (true) {
          CUSTOMS_TRY(Space());
          if (Peek() == '{') break;
          if (Word().empty()) return Fail("expected a tag");
        }
      }
      if (!Accept('{')) return Fail("expected {");
      CUSTOMS_TRY(RuleBody(rule));
      rules_.push_back(std::move(rule));
    }
  }

 private:
  Status Fail(std::string_view what) const {
    return InvalidArgument(std::string(what) + " at offset " + std::to_string(i_));
  }
  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool Accept(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  bool Accept(std::string_view t) {
    if (s_.substr(i_, t.size()) != t) return false;
    i_ += t.size();
    return true;
  }
  static bool IsWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  std::string Word() {
    size_t start = i_;
    while (i_ < s_.size() && IsWordChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // The next word without consuming it.
  std::string_view PeekWord() const {
    size_t end = i_;
    while (end < s_.size() && IsWordChar(s_[end])) ++end;
    return s_.substr(i_, end - i_);
  }
  Status Space() {
    if (!SkipSpace(s_, i_)) return Fail("unterminated comment");
    return Status::Ok();
  }
  // "..." with YARA's escapes: \" \\ \t \n \r \xHH.
  Status QuotedString(std::string& out) {
    if (!Accept('"')) return Fail("expected a string");
    out.clear();
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') return Fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') return Status::Ok();
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = Peek();
      ++i_;
      switch (e) {
        case '"':
        case '\\':
          out += e;
          break;
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 'x': {
          int h = HexDigit(Peek()), l = HexDigit(Peek(1));
          if (h < 0 || l < 0) return Fail("bad \\x escape");
          out += static_cast<char>(h * 16 + l);
          i_ += 2;
          break;
        }
        default:
          return Fail("unknown escape");
      }
    }
  }
  // /.../ with flags i and s; `out` is the text between the slashes.
  Status Regex(std::string& out, bool& nocase, bool& dotall) {
    if (!Accept('/')) return Fail("expected a regular expression");
    size_t start = i_;
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') return Fail("unterminated regular expression");
      if (s_[i_] == '\\') {
        i_ += 2;
        continue;
      }
      if (s_[i_] == '/') break;
      ++i_;
    }
    out = std::string(s_.substr(start, i_ - start));
    ++i_;
    nocase = dotall = false;
    while (Peek() == 'i' || Peek() == 's') (s_[i_++] == 'i' ? nocase : dotall) = true;
    if (IsWordChar(Peek())) return Fail("unknown regular expression flag");
    return Status::Ok();
  }

  Status RuleBody(RuleDef& rule) {
    CUSTOMS_TRY(Space());
    std::string section = Word();
    if (section == "meta") {
      CUSTOMS_TRY(Space());
      if (!Accept(':')) return Fail("expected meta:");
      while (true) {
        CUSTOMS_TRY(Space());
        std::string_view next = PeekWord();
        if (next == "strings" || next == "condition") break;
        if (Word().empty()) return Fail("expected a meta name");
        CUSTOMS_TRY(Space());
        if (!Accept('=')) return Fail("expected =");
        CUSTOMS_TRY(Space());
        if (Peek() == '"') {
          std::string unused;
          CUSTOMS_TRY(QuotedString(unused));
        } else {
          Accept('-');
          if (Word().empty()) return Fail("expected a meta value");
        }
      }
      section = Word();
    }
    if (section == "strings") {
      CUSTOMS_TRY(Space());
      if (!Accept(':')) return Fail("expected strings:");
      while (true) {
        CUSTOMS_TRY(Space());
        if (Peek() != '$') break;
        CUSTOMS_TRY(StringDeclaration(rule));
      }
      section = Word();
    }
    if (section != "condition") return Fail("expected condition:");
    CUSTOMS_TRY(Space());
    if (!Accept(':')) return Fail("expected condition:");
    CUSTOMS_ASSIGN_OR_RETURN(rule.condition, Expression(0));
    CUSTOMS_TRY(Space());
    if (!Accept('}')) return Fail("expected } after the condition");
    return Status::Ok();
  }

  Status StringDeclaration(RuleDef& rule) {
    ++i_;  // '$'
    StringDef def;
    def.id = "$" + Word();
    CUSTOMS_TRY(Space());
    if (!Accept('=')) return Fail("expected = after " + def.id);
    CUSTOMS_TRY(Space());
    if (Peek() == '"') {
      def.kind = StringDef::Kind::kText;
      CUSTOMS_TRY(QuotedString(def.value));
    } else if (Peek() == '{') {
      def.kind = StringDef::Kind::kHex;
      size_t end = s_.find('}', i_);
      if (end == std::string_view::npos) return Fail("unterminated hex string");
      def.value = std::string(s_.substr(i_ + 1, end - i_ - 1));
      i_ = end + 1;
    } else if (Peek() == '/') {
      def.kind = StringDef::Kind::kRegex;
      CUSTOMS_TRY(Regex(def.value, def.regex_nocase, def.regex_dotall));
    } else {
      return Fail("expected a string value");
    }
    // Modifiers.
    while (true) {
      CUSTOMS_TRY(Space());
      std::string_view m = PeekWord();
      if (m == "nocase") {
        def.nocase = true;
      } else if (m == "wide") {
        def.wide = true;
      } else if (m == "ascii") {
        def.ascii = true;
      } else if (m == "fullword" || m == "private") {
      } else if (m == "xor" || m == "base64" || m == "base64wide") {
        (m == "xor" ? def.xor_ : def.base64) = true;
      } else {
        break;
      }
      i_ += m.size();
      CUSTOMS_TRY(Space());
      if (Accept('(')) {  // xor(1-255), base64("alphabet")
        CUSTOMS_TRY(Space());
        if (Peek() == '"') {
          std::string unused;
          CUSTOMS_TRY(QuotedString(unused));
        } else {
          while (Peek() != ')' && Peek() != '\0' && Peek() != '\n') ++i_;
        }
        CUSTOMS_TRY(Space());
        if (!Accept(')')) return Fail("unterminated modifier");
      }
    }
    using Shape = YaraPrefilter::RuleShape::String;
    rule.shape.strings.push_back({def.id,
                                  def.kind == StringDef::Kind::kText  ? Shape::Kind::kText
                                  : def.kind == StringDef::Kind::kHex ? Shape::Kind::kHex
                                                                      : Shape::Kind::kRegex,
                                  def.kind == StringDef::Kind::kText ? def.value : ""});
    rule_strings_.push_back(static_cast<uint32_t>(strings_.size()));
    strings_.push_back(std::move(def));
    if (strings_.size() > kMaxPatterns) return Fail("too many strings");
    return Status::Ok();
  }

  // ------------------------------------------------------- expressions

  // Adds a node: evaluation recurses over the tree, so its depth is bounded
  // here (a chain `$a and $b and ...` is as deep as it is long).
  Result<int> Add(Node n) {
    if (nodes_.size() >= kMaxNodes) return Fail("condition too large");
    for (int child : {n.a, n.b})
      if (child >= 0) n.depth = std::max(n.depth, nodes_[static_cast<size_t>(child)].depth + 1);
    if (n.depth > kMaxTreeDepth) return Fail("condition too deep");
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size() - 1);
  }
  Result<int> Binary(Node::Kind kind, Node::Op op, int a, int b) {
    // #a + #b counts the matches of both: one count node over their strings.
    if (kind == Node::Kind::kArith && op == Node::Op::kAdd &&
        nodes_[static_cast<size_t>(a)].kind == Node::Kind::kCount &&
        nodes_[static_cast<size_t>(b)].kind == Node::Kind::kCount &&
        nodes_[static_cast<size_t>(a)].strings.size() +
                nodes_[static_cast<size_t>(b)].strings.size() <=
            kMaxCountedStrings) {
      Node sum;
      sum.kind = Node::Kind::kCount;
      sum.strings = nodes_[static_cast<size_t>(a)].strings;
      const auto& more = nodes_[static_cast<size_t>(b)].strings;
      sum.strings.insert(sum.strings.end(), more.begin(), more.end());
      sum.depth =
          std::max(nodes_[static_cast<size_t>(a)].depth, nodes_[static_cast<size_t>(b)].depth);
      return Add(std::move(sum));
    }
    Node n;
    n.kind = kind;
    n.op = op;
    n.a = a;
    n.b = b;
    return Add(std::move(n));
  }
  Result<int> Leaf(Node::Kind kind) {
    Node n;
    n.kind = kind;
    return Add(std::move(n));
  }

  // The rule's strings named by `$name`, `$prefix*` or `$` (every string).
  Result<std::vector<uint32_t>> Strings(std::string_view name, bool wildcard) {
    std::vector<uint32_t> out;
    for (uint32_t id : rule_strings_) {
      const std::string& sid = strings_[id].id;
      if (wildcard ? std::string_view(sid).starts_with(name) : sid == name) out.push_back(id);
    }
    if (out.empty()) return Fail("undefined string " + std::string(name));
    return out;
  }

  // Precedence levels, lowest first: or, and, not, equality, relational,
  // |, ^, &, shifts, + -, * \ %, unary.
  Result<int> Expression(int depth) {
    if (depth > kMaxDepth) return Fail("condition nested too deeply");
    return Chain(depth, "or", Node::Kind::kOr, &Parser::AndExpression);
  }
  Result<int> AndExpression(int depth) {
    return Chain(depth, "and", Node::Kind::kAnd, &Parser::NotExpression);
  }
  // `next (word next)*`, read left to right.
  Result<int> Chain(int depth, std::string_view word, Node::Kind kind,
                    Result<int> (Parser::*next)(int)) {
    CUSTOMS_ASSIGN_OR_RETURN(int left, (this->*next)(depth));
    while (true) {
      CUSTOMS_TRY(Space());
      if (PeekWord() != word) return left;
      i_ += word.size();
      CUSTOMS_ASSIGN_OR_RETURN(int right, (this->*next)(depth));
      CUSTOMS_ASSIGN_OR_RETURN(left, Binary(kind, Node::Op::kNone, left, right));
    }
  }
  Result<int> NotExpression(int depth) {
    if (depth > kMaxDepth) return Fail("condition nested too deeply");
    CUSTOMS_TRY(Space());
    std::string_view w = PeekWord();
    if (w == "not" || w == "defined") {
      i_ += w.size();
      CUSTOMS_ASSIGN_OR_RETURN(int inner, NotExpression(depth + 1));
      return Binary(w == "not" ? Node::Kind::kNot : Node::Kind::kUnknown, Node::Op::kNone, inner,
                    -1);
    }
    return Equality(depth);
  }
  Result<int> Equality(int depth) {
    CUSTOMS_ASSIGN_OR_RETURN(int left, Relational(depth));
    while (true) {
      CUSTOMS_TRY(Space());
      Node::Op op = Node::Op::kNone;
      if (Accept("==")) {
        op = Node::Op::kEq;
      } else if (Accept("!=")) {
        op = Node::Op::kNe;
      } else {
        std::string_view w = PeekWord();
        if (w == "matches") {
          i_ += w.size();
          CUSTOMS_TRY(Space());
          StringDef re;
          re.kind = StringDef::Kind::kRegex;
          CUSTOMS_TRY(Regex(re.value, re.regex_nocase, re.regex_dotall));
          Node n;
          n.kind = Node::Kind::kMatches;
          n.a = left;
          n.value = -1;
          if (auto pattern = WholePattern(re)) {
            n.value = static_cast<int64_t>(matches_.size());
            matches_.push_back(*pattern);
          }
          CUSTOMS_ASSIGN_OR_RETURN(left, Add(std::move(n)));
          continue;
        }
        if (w == "contains" || w == "icontains" || w == "startswith" || w == "istartswith" ||
            w == "endswith" || w == "iendswith" || w == "iequals") {
          i_ += w.size();
          CUSTOMS_ASSIGN_OR_RETURN(int right, Relational(depth));
          CUSTOMS_ASSIGN_OR_RETURN(left,
                                   Binary(Node::Kind::kUnknown, Node::Op::kNone, left, right));
          continue;
        }
        return left;
      }
      CUSTOMS_ASSIGN_OR_RETURN(int right, Relational(depth));
      CUSTOMS_ASSIGN_OR_RETURN(left, Binary(Node::Kind::kCompare, op, left, right));
    }
  }
  Result<int> Relational(int depth) {
    CUSTOMS_ASSIGN_OR_RETURN(int left, Arithmetic(depth, 0));
    while (true) {
      CUSTOMS_TRY(Space());
      Node::Op op = Node::Op::kNone;
      if (Peek() == '<' && Peek(1) != '<') {
        op = Accept("<=") ? Node::Op::kLe : (++i_, Node::Op::kLt);
      } else if (Peek() == '>' && Peek(1) != '>') {
        op = Accept(">=") ? Node::Op::kGe : (++i_, Node::Op::kGt);
      } else {
        return left;
      }
      CUSTOMS_ASSIGN_OR_RETURN(int right, Arithmetic(depth, 0));
      CUSTOMS_ASSIGN_OR_RETURN(left, Binary(Node::Kind::kCompare, op, left, right));
    }
  }
  // Levels 0..5: | ^ & shifts additive multiplicative.
  Result<int> Arithmetic(int depth, int level) {
    if (level == 6) return Unary(depth);
    CUSTOMS_ASSIGN_OR_RETURN(int left, Arithmetic(depth, level + 1));
    while (true) {
      CUSTOMS_TRY(Space());
      Node::Op op = Node::Op::kNone;
      bool known = false;  // an operator the evaluator computes
      char c = Peek();
      if (level == 0 && c == '|') {
        ++i_;
      } else if (level == 1 && c == '^') {
        ++i_;
      } else if (level == 2 && c == '&') {
        ++i_;
      } else if (level == 3 && (Accept("<<") || Accept(">>"))) {
      } else if (level == 4 && (c == '+' || c == '-')) {
        ++i_;
        op = c == '+' ? Node::Op::kAdd : Node::Op::kSub;
        known = true;
      } else if (level == 5 && (c == '*' || c == '\\' || c == '%')) {
        ++i_;
        op = c == '*' ? Node::Op::kMul : c == '\\' ? Node::Op::kDiv : Node::Op::kMod;
        known = true;
      } else {
        return left;
      }
      CUSTOMS_ASSIGN_OR_RETURN(int right, Arithmetic(depth, level + 1));
      CUSTOMS_ASSIGN_OR_RETURN(
          left, Binary(known ? Node::Kind::kArith : Node::Kind::kUnknown, op, left, right));
    }
  }
  Result<int> Unary(int depth) {
    if (depth > kMaxDepth) return Fail("condition nested too deeply");
    CUSTOMS_TRY(Space());
    if (Peek() == '-' || Peek() == '~') {
      char c = s_[i_++];
      CUSTOMS_ASSIGN_OR_RETURN(int inner, Unary(depth + 1));
      return Binary(c == '-' ? Node::Kind::kNegate : Node::Kind::kUnknown, Node::Op::kNone, inner,
                    -1);
    }
    return Primary(depth);
  }

  // `(a .. b)`, the range of `in`.
  Status Range(int depth) {
    CUSTOMS_TRY(Space());
    if (!Accept('(')) return Fail("expected (");
    CUSTOMS_TRY(Arithmetic(depth + 1, 0).status());
    CUSTOMS_TRY(Space());
    if (!Accept("..")) return Fail("expected ..");
    CUSTOMS_TRY(Arithmetic(depth + 1, 0).status());
    CUSTOMS_TRY(Space());
    if (!Accept(')')) return Fail("expected )");
    return Status::Ok();
  }

  // `them` or `($a, $b*, ...)`.
  Result<std::vector<uint32_t>> StringSet() {
    CUSTOMS_TRY(Space());
    if (PeekWord() == "them") {
      i_ += 4;
      if (rule_strings_.empty()) return Fail("them without strings");
      return rule_strings_;
    }
    if (!Accept('(')) return Fail("expected a string set");
    std::vector<uint32_t> out;
    while (true) {
      CUSTOMS_TRY(Space());
      if (!Accept('$')) return Fail("expected a string in the set");
      std::string name = "$" + Word();
      bool wildcard = Accept('*');
      CUSTOMS_ASSIGN_OR_RETURN(auto ids, Strings(name, wildcard));
      out.insert(out.end(), ids.begin(), ids.end());
      CUSTOMS_TRY(Space());
      if (Accept(')')) break;
      if (!Accept(',')) return Fail("expected , or )");
    }
    return out;
  }

  // `<quantifier> of <set> [in range | at expr]` or `for <quantifier> of
  // <set> : ( body )`, the quantifier already read into `n`.
  Result<int> OfExpression(Node n, bool is_for, int depth) {
    CUSTOMS_TRY(Space());
    if (PeekWord() != "of") return Fail("expected of");
    i_ += 2;
    n.kind = Node::Kind::kOf;
    CUSTOMS_ASSIGN_OR_RETURN(n.strings, StringSet());
    CUSTOMS_TRY(Space());
    if (is_for) {
      if (!Accept(':')) return Fail("expected :");
      CUSTOMS_TRY(Space());
      if (!Accept('(')) return Fail("expected (");
      auto saved = std::move(current_);
      current_ = n.strings;
      CUSTOMS_ASSIGN_OR_RETURN(n.b, Expression(depth + 1));
      current_ = std::move(saved);
      CUSTOMS_TRY(Space());
      if (!Accept(')')) return Fail("expected )");
    } else if (PeekWord() == "in") {
      i_ += 2;
      CUSTOMS_TRY(Range(depth));
    } else if (PeekWord() == "at") {
      i_ += 2;
      CUSTOMS_TRY(Arithmetic(depth + 1, 0).status());
    }
    return Add(std::move(n));
  }

  // A quantifier: any, all, none, or a number expression (a primary).
  Result<Node> Quantifier(int depth) {
    Node n;
    CUSTOMS_TRY(Space());
    std::string_view w = PeekWord();
    if (w == "any" || w == "all" || w == "none") {
      i_ += w.size();
      n.quantifier = w == "any"   ? Node::Quantifier::kAny
                     : w == "all" ? Node::Quantifier::kAll
                                  : Node::Quantifier::kNone;
      return n;
    }
    CUSTOMS_ASSIGN_OR_RETURN(n.a, Primary(depth + 1, /*allow_of=*/false));
    return n;
  }

  Result<int> Primary(int depth, bool allow_of = true) {
    if (depth > kMaxDepth) return Fail("condition nested too deeply");
    CUSTOMS_TRY(Space());
    char c = Peek();
    int result = -1;
    if (c == '(') {
      ++i_;
      CUSTOMS_ASSIGN_OR_RETURN(result, Expression(depth + 1));
      CUSTOMS_TRY(Space());
      if (!Accept(')')) return Fail("expected )");
    } else if (c == '"') {
      Node n;
      n.kind = Node::Kind::kString;
      CUSTOMS_TRY(QuotedString(n.text));
      CUSTOMS_ASSIGN_OR_RETURN(result, Add(std::move(n)));
    } else if (c >= '0' && c <= '9') {
      CUSTOMS_ASSIGN_OR_RETURN(result, Number());
    } else if (c == '$' || c == '#' || c == '@' || c == '!') {
      ++i_;
      std::string name = "$" + Word();
      std::vector<uint32_t> ids;
      if (name == "$") {
        if (!current_) return Fail("anonymous string reference outside for .. of");
        ids = *current_;
      } else {
        CUSTOMS_ASSIGN_OR_RETURN(ids, Strings(name, false));
      }
      Node n;
      n.strings = std::move(ids);
      CUSTOMS_TRY(Space());
      if (c == '$') {
        n.kind = Node::Kind::kHit;
        if (PeekWord() == "at") {
          i_ += 2;
          CUSTOMS_TRY(Arithmetic(depth + 1, 0).status());
        } else if (PeekWord() == "in") {
          i_ += 2;
          CUSTOMS_TRY(Range(depth));
        }
      } else if (c == '#') {
        n.kind = Node::Kind::kCount;
        if (PeekWord() == "in") {
          i_ += 2;
          CUSTOMS_TRY(Range(depth));
        }
      } else {
        n.kind = Node::Kind::kUnknown;  // @a[i], !a[i]
        if (Accept('[')) {
          CUSTOMS_TRY(Expression(depth + 1).status());
          CUSTOMS_TRY(Space());
          if (!Accept(']')) return Fail("expected ]");
        }
      }
      CUSTOMS_ASSIGN_OR_RETURN(result, Add(std::move(n)));
    } else if (IsWordChar(c)) {
      std::string w = Word();
      if (w == "true" || w == "false") {
        CUSTOMS_ASSIGN_OR_RETURN(result,
                                 Leaf(w == "true" ? Node::Kind::kTrue : Node::Kind::kFalse));
      } else if (w == "filesize") {
        CUSTOMS_ASSIGN_OR_RETURN(result, Leaf(Node::Kind::kFilesize));
      } else if (w == "entrypoint") {
        CUSTOMS_ASSIGN_OR_RETURN(result, Leaf(Node::Kind::kUnknown));
      } else if (w == "any" || w == "all" || w == "none") {
        i_ -= w.size();
        CUSTOMS_ASSIGN_OR_RETURN(Node q, Quantifier(depth));
        return OfExpression(std::move(q), false, depth);
      } else if (w == "for") {
        return ForExpression(depth);
      } else {
        CUSTOMS_ASSIGN_OR_RETURN(result, Identifier(w, depth));
      }
    } else {
      return Fail("unexpected character in the condition");
    }
    if (allow_of) {
      CUSTOMS_TRY(Space());
      if (PeekWord() == "of") {  // `2 of them`, `(1 + 1) of ($a*)`
        Node q;
        q.a = result;
        return OfExpression(std::move(q), false, depth);
      }
    }
    return result;
  }

  Result<int> ForExpression(int depth) {
    CUSTOMS_ASSIGN_OR_RETURN(Node q, Quantifier(depth));
    CUSTOMS_TRY(Space());
    if (PeekWord() == "of") return OfExpression(std::move(q), true, depth);
    // for <quantifier> <var>[, <var>] in <iterable> : ( body ): not modelled,
    // but read so what follows is read right.
    std::vector<std::string> vars;
    while (true) {
      CUSTOMS_TRY(Space());
      std::string v = Word();
      if (v.empty()) return Fail("expected a loop variable");
      vars.push_back(std::move(v));
      CUSTOMS_TRY(Space());
      if (!Accept(',')) break;
    }
    if (PeekWord() != "in") return Fail("expected in");
    i_ += 2;
    CUSTOMS_TRY(Space());
    if (Accept('(')) {
      CUSTOMS_TRY(Expression(depth + 1).status());
      CUSTOMS_TRY(Space());
      if (Accept("..")) {
        CUSTOMS_TRY(Expression(depth + 1).status());
      } else {
        while (Accept(',')) {
          CUSTOMS_TRY(Expression(depth + 1).status());
          CUSTOMS_TRY(Space());
        }
      }
      CUSTOMS_TRY(Space());
      if (!Accept(')')) return Fail("expected )");
    } else {
      CUSTOMS_TRY(Primary(depth + 1, false).status());
    }
    CUSTOMS_TRY(Space());
    if (!Accept(':')) return Fail("expected :");
    CUSTOMS_TRY(Space());
    if (!Accept('(')) return Fail("expected (");
    size_t scope = loop_vars_.size();
    loop_vars_.insert(loop_vars_.end(), vars.begin(), vars.end());
    CUSTOMS_TRY(Expression(depth + 1).status());
    loop_vars_.resize(scope);
    CUSTOMS_TRY(Space());
    if (!Accept(')')) return Fail("expected )");
    return Leaf(Node::Kind::kUnknown);
  }

  // A word in a condition: an integer read (uint16(0)), an external
  // variable, a rule, or a module's field, array or function (unknown).
  Result<int> Identifier(const std::string& w, int depth) {
    CUSTOMS_TRY(Space());
    static const std::unordered_map<std::string_view, std::pair<int, bool>> kReads = {
        {"uint8", {1, false}},   {"uint16", {2, false}},   {"uint32", {4, false}},
        {"int8", {1, true}},     {"int16", {2, true}},     {"int32", {4, true}},
        {"uint8be", {1, false}}, {"uint16be", {2, false}}, {"uint32be", {4, false}},
        {"int8be", {1, true}},   {"int16be", {2, true}},   {"int32be", {4, true}}};
    bool loop_var = std::find(loop_vars_.begin(), loop_vars_.end(), w) != loop_vars_.end();
    if (auto read = kReads.find(w); read != kReads.end() && Peek() == '(' && !loop_var) {
      ++i_;
      Node n;
      n.kind = Node::Kind::kRead;
      n.value = read->second.first;
      n.is_signed = read->second.second;
      n.big_endian = w.ends_with("be");
      CUSTOMS_ASSIGN_OR_RETURN(n.a, Expression(depth + 1));
      CUSTOMS_TRY(Space());
      if (!Accept(')')) return Fail("expected )");
      return Add(std::move(n));
    }
    Node n;
    n.kind = Node::Kind::kUnknown;
    if (!loop_var && Peek() != '.' && Peek() != '[' && Peek() != '(') {
      static constexpr std::string_view kExternals[] = {"filepath", "filename", "filemode",
                                                        "window_offset"};
      for (int k = 0; k < 4; ++k) {
        if (w == kExternals[k]) {
          n.kind = Node::Kind::kExternal;
          n.value = k;
        }
      }
      if (n.kind == Node::Kind::kUnknown) {
        for (size_t r = first_rule_; r < rules_.size(); ++r) {
          if (rules_[r].shape.name == w) {
            n.kind = Node::Kind::kRule;
            n.value = static_cast<int64_t>(r);
          }
        }
      }
    }
    // Module access: a.b, a[i], a(x, y), in any order.
    while (true) {
      CUSTOMS_TRY(Space());
      if (Peek() == '.' && Peek(1) != '.') {
        ++i_;
        CUSTOMS_TRY(Space());
        if (Word().empty()) return Fail("expected a field name");
      } else if (Accept('[')) {
        CUSTOMS_TRY(Expression(depth + 1).status());
        CUSTOMS_TRY(Space());
        if (!Accept(']')) return Fail("expected ]");
      } else if (Accept('(')) {
        CUSTOMS_TRY(Space());
        if (!Accept(')')) {
          while (true) {
            CUSTOMS_TRY(Space());
            if (Peek() == '/') {
              std::string re;
              bool a = false, b = false;
              CUSTOMS_TRY(Regex(re, a, b));
            } else {
              CUSTOMS_TRY(Expression(depth + 1).status());
            }
            CUSTOMS_TRY(Space());
            if (Accept(')')) break;
            if (!Accept(',')) return Fail("expected , or )");
          }
        }
      } else {
        break;
      }
      n.kind = Node::Kind::kUnknown;
    }
    return Add(std::move(n));
  }

  // Decimal, 0x hex or 0o octal, with an optional KB/MB suffix; a float is
  // an unknown value.
  Result<int> Number() {
    size_t start = i_;
    int base = 10;
    if (Accept("0x")) {
      base = 16;
    } else if (Accept("0o")) {
      base = 8;
    }
    uint64_t v = 0;
    size_t digits = 0;
    while (true) {
      int d = HexDigit(Peek());
      if (d < 0 || d >= base) break;
      if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
        return Fail("number too large");
      v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
      ++i_;
      ++digits;
    }
    if (digits == 0) return Fail("expected digits");
    Node n;
    n.kind = Node::Kind::kInt;
    if (base == 10 && Peek() == '.' && Peek(1) >= '0' && Peek(1) <= '9') {
      ++i_;
      while (Peek() >= '0' && Peek() <= '9') ++i_;
      n.kind = Node::Kind::kUnknown;  // a float
    } else if (base == 10 && (Accept("KB") || Accept("MB"))) {
      uint64_t unit = s_[i_ - 2] == 'K' ? 1024 : 1024 * 1024;
      if (v > UINT64_MAX / unit) return Fail("number too large");
      v *= unit;
    }
    if (IsWordChar(Peek())) {
      i_ = start;
      return Fail("bad number");
    }
    if (v > static_cast<uint64_t>(INT64_MAX)) return Fail("number too large");
    n.value = static_cast<int64_t>(v);
    return Add(std::move(n));
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string ns_;
  std::vector<StringDef>& strings_;
  std::vector<Node>& nodes_;
  std::vector<RuleDef>& rules_;
  std::vector<Pattern>& matches_;
  size_t first_rule_ = rules_.size();  // this source's rules start here
  std::vector<uint32_t> rule_strings_;
  std::optional<std::vector<uint32_t>> current_;  // the set of the enclosing for .. of
  std::vector<std::string> loop_vars_;
};

}  // namespace

// ---------------------------------------------------------------- runtime

struct YaraPrefilter::Impl {
  std::vector<StringDef> strings;
  std::vector<Node> nodes;
  std::vector<RuleDef> rules;
  std::vector<YaraPrefilter::RuleShape> shapes;
  std::vector<uint8_t> always;  // per string: counts as present
  // Per string, the literal sets it needs (one literal of each); hits are
  // per set.
  std::vector<std::vector<uint32_t>> sets_of;
  size_t set_count = 0;
  // Per string (null: none), the whole regular expression, checked when its
  // literals occur; compiled on first use.
  struct Verifier {
    Pattern pattern;
    std::once_flag once;
    Database db;
  };
  std::vector<std::unique_ptr<Verifier>> verifiers;
  Database db;  // the strings (may be null: none prefiltered)
  std::vector<Database> matches;
  size_t prefiltered = 0, unfiltered = 0;
};

YaraPrefilter::Scratch::~Scratch() {
  if (hs != nullptr) hs_free_scratch(hs);
}

namespace {

struct Value {
  enum class Type { kUnknown, kInt, kString } type = Type::kUnknown;
  int64_t i = 0;
  std::string_view s;
};

struct Evaluation {
  const YaraPrefilter::Impl& p;
  const YaraPrefilter::Input& in;
  YaraPrefilter::Scratch& scratch;
  int rule_depth = 0;

  bool Hit(uint32_t id) const {
    if (p.always[id]) return true;
    for (uint32_t set : p.sets_of[id])
      if (!scratch.hits[set]) return false;
    if (!p.verifiers[id]) return true;
    int8_t& v = scratch.verified[id];
    if (v < 0) v = Verify(id) ? 1 : 0;
    return v != 0;
  }
  // Whether the whole expression (loosened, in prefilter mode) matches.
  bool Verify(uint32_t id) const {
    auto& verifier = *p.verifiers[id];
    std::call_once(verifier.once, [&] { verifier.db = CompilePattern(verifier.pattern); });
    if (!verifier.db || in.data.size() > UINT32_MAX) return true;
    if (!scratch.sized[id]) {
      if (hs_alloc_scratch(verifier.db.get(), &scratch.hs) != HS_SUCCESS) return true;
      scratch.sized[id] = 1;
    }
    return Scan(verifier.db.get(), {reinterpret_cast<const char*>(in.data.data()), in.data.size()});
  }
  // Whether `db` matches `text` (true when Hyperscan fails: may).
  bool Scan(const hs_database_t* db, std::string_view text) const {
    bool found = false;
    auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
      *static_cast<bool*>(ctx) = true;
      return 1;  // stop
    };
    hs_error_t rc = hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch.hs,
                            on_match, &found);
    return found || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED);
  }
  bool AnyHit(const std::vector<uint32_t>& ids) const {
    for (uint32_t id : ids)
      if (Hit(id)) return true;
    return false;
  }

  // The strings a count (#a, or a sum #a + #b) counts; null for other nodes.
  const std::vector<uint32_t>* Counts(int node) const {
    const Node& n = p.nodes[static_cast<size_t>(node)];
    return n.kind == Node::Kind::kCount ? &n.strings : nullptr;
  }

  Value Eval(int node) {
    const Node& n = p.nodes[static_cast<size_t>(node)];
    Value v;
    switch (n.kind) {
      case Node::Kind::kInt:
        v.type = Value::Type::kInt;
        v.i = n.value;
        break;
      case Node::Kind::kString:
        v.type = Value::Type::kString;
        v.s = n.text;
        break;
      case Node::Kind::kFilesize:
        v.type = Value::Type::kInt;
        v.i = static_cast<int64_t>(in.data.size());
        break;
      case Node::Kind::kExternal:
        if (n.value <= 1) {
          v.type = Value::Type::kString;
          v.s = n.value == 0 ? in.filepath : in.filename;
        } else {
          v.type = Value::Type::kInt;
          v.i = n.value == 2 ? in.filemode : in.window_offset;
        }
        break;
      case Node::Kind::kRead: {
        Value off = Eval(n.a);
        if (off.type != Value::Type::kInt || off.i < 0) break;
        uint64_t o = static_cast<uint64_t>(off.i), width = static_cast<uint64_t>(n.value);
        if (o > in.data.size() || in.data.size() - o < width) break;
        uint64_t x = 0;
        for (uint64_t k = 0; k < width; ++k) {
          uint64_t byte = in.data[o + k];
          x |= byte << (8 * (n.big_endian ? width - 1 - k : k));
        }
        if (n.is_signed && (x >> (8 * width - 1)) != 0) x |= ~uint64_t{0} << (8 * width);
        v.type = Value::Type::kInt;
        v.i = static_cast<int64_t>(x);
        break;
      }
      case Node::Kind::kArith: {
        Value a = Eval(n.a), b = Eval(n.b);
        if (a.type != Value::Type::kInt || b.type != Value::Type::kInt) break;
        int64_t r = 0;
        bool overflow = false;
        switch (n.op) {
          case Node::Op::kAdd:
            overflow = __builtin_add_overflow(a.i, b.i, &r);
            break;
          case Node::Op::kSub:
            overflow = __builtin_sub_overflow(a.i, b.i, &r);
            break;
          case Node::Op::kMul:
            overflow = __builtin_mul_overflow(a.i, b.i, &r);
            break;
          case Node::Op::kDiv:
          case Node::Op::kMod:
            if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) {
              overflow = true;
            } else {
              r = n.op == Node::Op::kDiv ? a.i / b.i : a.i % b.i;
            }
            break;
          default:
            overflow = true;
        }
        if (overflow) break;
        v.type = Value::Type::kInt;
        v.i = r;
        break;
      }
      case Node::Kind::kNegate: {
        Value a = Eval(n.a);
        if (a.type != Value::Type::kInt || a.i == INT64_MIN) break;
        v.type = Value::Type::kInt;
        v.i = -a.i;
        break;
      }
      default:
        break;
    }
    return v;
  }

  bool Compare(Node::Op op, int64_t a, int64_t b) const {
    switch (op) {
      case Node::Op::kEq:
        return a == b;
      case Node::Op::kNe:
        return a != b;
      case Node::Op::kLt:
        return a < b;
      case Node::Op::kLe:
        return a <= b;
      case Node::Op::kGt:
        return a > b;
      case Node::Op::kGe:
        return a >= b;
      default:
        return true;
    }
  }

  bool MayCompare(const Node& n) {
    const auto* left = Counts(n.a);
    const auto* right = Counts(n.b);
    int other = n.b;
    Node::Op op = n.op;
    if (left == nullptr && right != nullptr) {  // R < #a reads as #a > R
      std::swap(left, right);
      other = n.a;
      static constexpr std::pair<Node::Op, Node::Op> kMirrored[] = {{Node::Op::kLt, Node::Op::kGt},
                                                                    {Node::Op::kLe, Node::Op::kGe},
                                                                    {Node::Op::kGt, Node::Op::kLt},
                                                                    {Node::Op::kGe, Node::Op::kLe}};
      for (auto [from, to] : kMirrored) {
        if (op == from) {
          op = to;
          break;
        }
      }
    }
    if (left != nullptr) {
      // A count above something non-negative, or at least one: a match.
      Value r = right != nullptr ? Value{} : Eval(other);
      bool known = r.type == Value::Type::kInt;
      if ((op == Node::Op::kGt && (right != nullptr || (known && r.i >= 0))) ||
          ((op == Node::Op::kGe || op == Node::Op::kEq) && known && r.i >= 1))
        return AnyHit(*left);
      return true;
    }
    Value a = Eval(n.a), b = Eval(n.b);
    if (a.type == Value::Type::kInt && b.type == Value::Type::kInt) return Compare(n.op, a.i, b.i);
    if (a.type == Value::Type::kString && b.type == Value::Type::kString) {
      if (n.op == Node::Op::kEq) return a.s == b.s;
      if (n.op == Node::Op::kNe) return a.s != b.s;
    }
    return true;
  }

  bool MayMatches(const Node& n) {
    if (n.value < 0) return true;
    Value a = Eval(n.a);
    if (a.type != Value::Type::kString || a.s.size() > UINT32_MAX) return true;
    return Scan(p.matches[static_cast<size_t>(n.value)].get(), a.s);
  }

  bool May(int node) {
    const Node& n = p.nodes[static_cast<size_t>(node)];
    switch (n.kind) {
      case Node::Kind::kFalse:
        return false;
      case Node::Kind::kAnd:
        return May(n.a) && May(n.b);
      case Node::Kind::kOr:
        return May(n.a) || May(n.b);
      case Node::Kind::kHit:
      case Node::Kind::kCount:  // #a alone: non-zero
        return AnyHit(n.strings);
      case Node::Kind::kOf: {
        bool at_least_one =
            n.quantifier == Node::Quantifier::kAny || n.quantifier == Node::Quantifier::kAll;
        if (n.quantifier == Node::Quantifier::kNumber) {
          Value q = Eval(n.a);
          at_least_one = q.type == Value::Type::kInt && q.i >= 1;
        }
        if (!at_least_one) return true;
        // for .. of: the body, with `$` standing for any string of the set.
        return n.b >= 0 ? May(n.b) : AnyHit(n.strings);
      }
      case Node::Kind::kRule: {
        auto r = static_cast<size_t>(n.value);
        if (scratch.rule_memo[r] >= 0) return scratch.rule_memo[r] != 0;
        if (rule_depth >= kMaxRuleReferences) return true;
        ++rule_depth;
        bool may = May(p.rules[r].condition);
        --rule_depth;
        scratch.rule_memo[r] = may ? 1 : 0;
        return may;
      }
      case Node::Kind::kCompare:
        return MayCompare(n);
      case Node::Kind::kMatches:
        return MayMatches(n);
      default:  // true, not, unknown; an integer as a boolean
        return true;
    }
  }
};

}  // namespace

YaraPrefilter::YaraPrefilter(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
YaraPrefilter::~YaraPrefilter() = default;

Result<std::unique_ptr<YaraPrefilter>> YaraPrefilter::Build(
    const std::vector<RuleSource>& sources) {
  auto impl = std::make_unique<Impl>();
  std::vector<Pattern> matches;
  for (const RuleSource& source : sources) {
    Parser parser(source.text, RuleNamespace(source), impl->strings, impl->nodes, impl->rules,
                  matches);
    if (Status s = parser.Parse(); !s.ok())
      return InvalidArgument(source.name + ": " + s.message());
  }
  impl->always.assign(impl->strings.size(), 0);
  std::vector<Literal> literals;
  impl->sets_of.resize(impl->strings.size());
  for (size_t id = 0; id < impl->strings.size(); ++id) {
    const StringDef& def = impl->strings[id];
    auto sets = LiteralSetsFor(def);
    if (sets.empty()) impl->always[id] = 1;
    impl->verifiers.emplace_back();
    if (!sets.empty() && def.kind == StringDef::Kind::kRegex && !def.wide) {
      StringDef whole = def;
      whole.regex_nocase = def.regex_nocase || def.nocase;
      if (auto pattern = WholePattern(whole)) {
        impl->verifiers.back() = std::make_unique<Impl::Verifier>();
        impl->verifiers.back()->pattern = std::move(*pattern);
      }
    }
    for (const auto& set : sets) {
      auto set_id = static_cast<unsigned>(impl->set_count++);
      impl->sets_of[id].push_back(set_id);
      for (const auto& literal : set)
        literals.push_back({literal, def.nocase || def.regex_nocase, set_id});
    }
    if (literals.size() > kMaxPatterns) return ResourceExhausted("too many literals");
  }
  CUSTOMS_ASSIGN_OR_RETURN(impl->db, CompileLiterals(literals));
  for (uint8_t a : impl->always) (a ? impl->unfiltered : impl->prefiltered)++;
  for (const auto& m : matches) impl->matches.push_back(CompilePattern(m));
  // A `matches` Hyperscan rejected is unknown: its node points nowhere.
  for (auto& n : impl->nodes)
    if (n.kind == Node::Kind::kMatches && n.value >= 0 &&
        !impl->matches[static_cast<size_t>(n.value)])
      n.value = -1;
  for (const auto& r : impl->rules) impl->shapes.push_back(r.shape);
  return std::make_unique<YaraPrefilter>(Key{}, std::move(impl));
}

Result<std::unique_ptr<YaraPrefilter::Scratch>> YaraPrefilter::NewScratch() const {
  auto s = std::make_unique<Scratch>();
  auto grow = [&](const hs_database_t* db) {
    return db == nullptr || hs_alloc_scratch(db, &s->hs) == HS_SUCCESS;
  };
  if (!grow(impl_->db.get())) return ResourceExhausted("cannot allocate Hyperscan scratch");
  for (const auto& m : impl_->matches)
    if (!grow(m.get())) return ResourceExhausted("cannot allocate Hyperscan scratch");
  s->hits.resize(impl_->set_count);
  s->verified.resize(impl_->strings.size());
  s->sized.resize(impl_->strings.size());
  s->rule_memo.resize(impl_->rules.size());
  return s;
}

bool YaraPrefilter::MayMatch(const Input& in, Scratch& scratch) const {
  std::fill(scratch.hits.begin(), scratch.hits.end(), uint8_t{0});
  if (impl_->db) {
    auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
      static_cast<uint8_t*>(ctx)[id] = 1;
      return 0;
    };
    // Buffers over 4 GiB (Hyperscan's length is 32-bit) are not prefiltered.
    if (in.data.size() > UINT32_MAX) return true;
    hs_error_t rc = hs_scan(impl_->db.get(), reinterpret_cast<const char*>(in.data.data()),
                            static_cast<unsigned>(in.data.size()), 0, scratch.hs, on_match,
                            scratch.hits.data());
    if (rc != HS_SUCCESS) return true;
  }
  std::fill(scratch.rule_memo.begin(), scratch.rule_memo.end(), int8_t{-1});
  std::fill(scratch.verified.begin(), scratch.verified.end(), int8_t{-1});
  Evaluation e{*impl_, in, scratch};
  for (const auto& rule : impl_->rules) {
    if (rule.shape.is_private) continue;  // never reported itself
    if (e.May(rule.condition)) return true;
  }
  return false;
}

const std::vector<YaraPrefilter::RuleShape>& YaraPrefilter::Rules() const { return impl_->shapes; }
size_t YaraPrefilter::PrefilteredStrings() const { return impl_->prefiltered; }
size_t YaraPrefilter::UnfilteredStrings() const { return impl_->unfiltered; }

}  // namespace customs::detect
