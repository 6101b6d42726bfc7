// A prefilter in front of libyara. Most files match no rule, and showing
// that costs far less than running libyara over them: libyara walks its
// Aho-Corasick automaton over every byte (about 5 ns a byte here, even for a
// rule set with no strings at all), while one Hyperscan pass
// finds which of the rules' strings occur at all.
//
// The prefilter reads the rules' own text. Each string stands for literals
// every match of it contains (a regular expression's "atoms"), which one
// Hyperscan pass looks for; a regular expression whose literals occur is
// then checked whole, by Hyperscan in its prefilter mode (which matches a
// superset of what YARA matches), compiled the first time it is needed. Each
// condition is
// read as a formula over those string hits, the buffer's size and leading
// bytes (`uint16(0) == 0x5A4D`), and the external variables. A condition
// part the prefilter does not model (`not`, module calls, loops over
// integers) counts as "may hold". A buffer is handed to libyara when some
// public rule's condition may hold; otherwise no rule can match it, and
// libyara's answer would have been "no match". The result is therefore the
// same with or without the prefilter; tests check that on every built-in rule
// and a fuzz target compares the two on arbitrary bytes.
//
// Rules the prefilter cannot read (an include, a syntax it does not parse)
// leave it off: every buffer then goes to libyara.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct hs_scratch;  // Hyperscan's, from <hs.h>

namespace customs::detect {

struct RuleSource;

class YaraPrefilter {
 public:
  // The shape of one rule as the prefilter read it, for comparison with
  // what libyara compiled (see YaraRules::Compile).
  struct RuleShape {
    std::string ns;    // the source's namespace
    std::string name;  // the rule's identifier
    bool is_private = false;
    bool is_global = false;
    struct String {
      std::string id;  // "$name", or "$" when anonymous
      enum class Kind { kText, kHex, kRegex } kind = Kind::kText;
      std::string text;  // a text string's bytes, escapes decoded
    };
    std::vector<String> strings;  // in order
  };

  // What a buffer is, besides its bytes: the external variables.
  struct Input {
    std::span<const uint8_t> data;
    std::string_view filepath;
    std::string_view filename;
    int64_t filemode = 0;
    int64_t window_offset = 0;
  };

  // Per-thread scan state: Hyperscan's scratch space, which strings were
  // seen, which rules were evaluated.
  class Scratch {
   public:
    Scratch() = default;
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    ::hs_scratch* hs = nullptr;
    std::vector<uint8_t> hits;
    std::vector<int8_t> rule_memo;  // -1 not evaluated, else 0 or 1
    std::vector<int8_t> verified;   // per string: -1 not checked, else 0 or 1
    std::vector<uint8_t> sized;     // per string: `hs` fits its expression
  };

  // Reads `sources` (namespaces as YaraRules::Compile names them). Fails
  // with the reason when something in them is outside what the prefilter
  // models; the caller then scans without it.
  static Result<std::unique_ptr<YaraPrefilter>> Build(const std::vector<RuleSource>& sources);
  ~YaraPrefilter();
  YaraPrefilter(const YaraPrefilter&) = delete;
  YaraPrefilter& operator=(const YaraPrefilter&) = delete;

  Result<std::unique_ptr<Scratch>> NewScratch() const;
  // False only when no public rule's condition can hold for `in`.
  bool MayMatch(const Input& in, Scratch& scratch) const;

  const std::vector<RuleShape>& Rules() const;
  // Strings searched by Hyperscan, and strings it cannot stand in for (xor,
  // base64, wide regular expressions, patterns it rejects): those count as
  // always present.
  size_t PrefilteredStrings() const;
  size_t UnfilteredStrings() const;

  struct Impl;

 private:
  // Only Build makes one (a passkey: make_unique needs a public constructor).
  struct Key {
    explicit Key() = default;
  };

 public:
  YaraPrefilter(Key, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace customs::detect
