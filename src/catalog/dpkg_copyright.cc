#include "catalog/dpkg_copyright.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/strings.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kCommonLicenses = "/usr/share/common-licenses/";

// Distinct names in first-seen order, bounded.
class NameList {
 public:
  explicit NameList(const DpkgCopyrightLimits& limits) : limits_(limits) {}
  void Add(std::string_view name) {
    name = Trim(name);
    if (name.empty() || name.size() > limits_.max_name_bytes || ContainsControlChars(name)) return;
    if (names_.size() >= limits_.max_licenses) return;
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) return;
    names_.emplace_back(name);
  }
  bool empty() const { return names_.empty(); }
  std::vector<std::string> Take() { return std::move(names_); }

 private:
  const DpkgCopyrightLimits& limits_;
  std::vector<std::string> names_;
};

bool IsOperator(std::string_view word) {
  return word == "and" || word == "or" || word == "AND" || word == "OR" || word == ",";
}

// "GPL-2+ or Artistic, and (BSD-3-clause or MIT)" -> GPL-2+, Artistic,
// BSD-3-clause, MIT. Words are separated by blanks; ',' and ';' are words of
// their own. A parenthesised group right after a name is an annotation
// ("The MIT License (MIT)") and dropped; elsewhere parentheses only group.
void AddExpression(std::string_view value, NameList& names) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      flush();
    } else if (c == ',' || c == ';' || c == '(' || c == ')') {
      flush();
      words.emplace_back(1, c == ';' ? ',' : c);
    } else {
      word.push_back(c);
    }
  }
  flush();

  std::string term;
  // "GPL version 2 or later" in a free-form file's "License:" line: the
  // words after "or" are no license.
  auto add_term = [&] {
    if (term != "later" && !term.starts_with("any later") && !term.starts_with("at your option"))
      names.Add(term);
    term.clear();
  };
  size_t skip_depth = 0;  // inside an annotation
  bool after_name = false;
  for (const auto& w : words) {
    if (skip_depth > 0) {
      if (w == "(") ++skip_depth;
      if (w == ")") --skip_depth;
      continue;
    }
    if (w == "(") {
      if (after_name) skip_depth = 1;
      continue;
    }
    if (w == ")") continue;
    if (IsOperator(w)) {
      add_term();
      after_name = false;
      continue;
    }
    if (!term.empty()) term.push_back(' ');
    term += w;
    after_name = true;
  }
  add_term();
}

// Source 1: the first line of every "License:" field.
void AddLicenseFields(std::string_view text, NameList& names) {
  size_t pos = 0;
  // Every iteration consumes at least one byte, so the loop ends.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    constexpr std::string_view kField = "license:";
    if (line.size() < kField.size() || ToLower(line.substr(0, kField.size())) != kField) continue;
    AddExpression(Trim(line.substr(kField.size())), names);
  }
}

bool IsCommonLicenseNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         c == '.' || c == '+' || c == '-';
}

// Source 2: "/usr/share/common-licenses/GPL-2'." -> "GPL-2".
void AddCommonLicenseReferences(std::string_view text, NameList& names) {
  size_t pos = 0;
  // Every iteration moves past one occurrence, so the loop ends.
  while ((pos = text.find(kCommonLicenses, pos)) != std::string_view::npos) {
    pos += kCommonLicenses.size();
    size_t end = pos;
    while (end < text.size() && IsCommonLicenseNameChar(text[end])) ++end;
    std::string_view name = text.substr(pos, end - pos);
    // Sentence punctuation after the name is not part of it.
    while (!name.empty() && (name.back() == '.' || name.back() == '-' || name.back() == '_'))
      name.remove_suffix(1);
    names.Add(name);
  }
}

// Lowercase with every run of whitespace one space, for phrase matching
// across line breaks and indentation.
std::string FoldForPhrases(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

struct Phrase {
  std::string_view text;    // folded
  std::string_view family;  // Debian short name without version
  bool versioned;
};

constexpr Phrase kPhrases[] = {
    {"gnu affero general public license", "AGPL", true},
    {"gnu lesser general public license", "LGPL", true},
    {"gnu library general public license", "LGPL", true},
    {"gnu general public license", "GPL", true},
    {"gnu free documentation license", "GFDL", true},
    {"apache license", "Apache", true},
    {"mozilla public license", "MPL", true},
    {"artistic license", "Artistic", true},
    {"permission is hereby granted, free of charge, to any person obtaining a copy", "MIT", false},
};

// How far after a phrase its version is looked for ("..., as published by
// the Free Software Foundation; either version 2 of the License, or (at your
// option) any later version" is ~110 bytes).
constexpr size_t kVersionWindowBytes = 200;

// Occurrences of one phrase looked at per file: a real file repeats a
// license's name a few dozen times at most; this bounds the work on a file
// that is one phrase repeated.
constexpr size_t kMaxPhraseMatches = 1024;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "2", "2.1", "2.0" at the start of `s`.
std::string_view LeadingVersion(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && (IsDigit(s[n]) || (s[n] == '.' && n > 0 && n + 1 < s.size() &&
                                            IsDigit(s[n - 1]) && IsDigit(s[n + 1]))))
    ++n;
  return s.substr(0, n);
}

// The version named right after a phrase: "..., version 2 of the License,
// or (at your option) any later version" -> "2+"; "v2.0", ", v. 2.0" ->
// "2.0"; "" when none. "version N" is looked for up to the end of the
// sentence (a '.' before a blank), and "later" after the version.
std::string VersionAfter(std::string_view window) {
  auto sentence_end = [&](size_t from) {
    for (size_t i = from; i < window.size(); ++i)
      if (window[i] == '.' && (i + 1 == window.size() || window[i + 1] == ' ')) return i;
    return window.size();
  };
  std::string_view version;
  size_t after = 0;
  // "v2", "v. 2.0", ", v2" directly after the phrase.
  std::string_view head = window;
  while (!head.empty() && (head.front() == ' ' || head.front() == ',')) head.remove_prefix(1);
  if (head.starts_with("v")) {
    std::string_view v = head.substr(1);
    if (v.starts_with(".")) v.remove_prefix(1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    version = LeadingVersion(v);
    after = window.size() - v.size() + version.size();
  }
  if (version.empty()) {
    window = window.substr(0, sentence_end(0));
    size_t pos = 0;
    while ((pos = window.find("version ", pos)) != std::string_view::npos) {
      pos += 8;
      version = LeadingVersion(window.substr(pos));
      if (!version.empty()) {
        after = pos + version.size();
        break;
      }
    }
  }
  if (version.empty()) return {};
  std::string_view rest = window.substr(after, sentence_end(after) - after);
  bool later = rest.find("later version") != std::string_view::npos ||
               rest.find("or later") != std::string_view::npos;
  return std::string(version) + (later ? "+" : "");
}

// Source 3: licenses named in prose.
void AddPhrases(std::string_view text, NameList& names) {
  std::string folded = FoldForPhrases(text);
  struct Match {
    size_t pos;
    std::string_view family;
    std::string version;
  };
  std::vector<Match> matches;
  std::map<std::string_view, bool> family_versioned;
  for (const Phrase& phrase : kPhrases) {
    size_t pos = 0;
    size_t found = 0;
    // Every iteration moves past one occurrence, so the loop ends.
    while (found++ < kMaxPhraseMatches &&
           (pos = folded.find(phrase.text, pos)) != std::string::npos) {
      size_t end = pos + phrase.text.size();
      std::string version;
      if (phrase.versioned)
        version = VersionAfter(std::string_view(folded).substr(end, kVersionWindowBytes));
      if (!version.empty()) family_versioned[phrase.family] = true;
      matches.push_back({pos, phrase.family, std::move(version)});
      pos = end;
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.pos < b.pos; });
  for (const auto& m : matches) {
    // "See the GNU General Public License for more details" repeats a
    // license already named with its version.
    if (m.version.empty() && family_versioned[m.family]) continue;
    names.Add(m.version.empty() ? std::string(m.family) : std::string(m.family) + "-" + m.version);
  }
}

}  // namespace

std::vector<std::string> ParseDpkgCopyright(std::string_view text,
                                            const DpkgCopyrightLimits& limits) {
  NameList names(limits);
  AddLicenseFields(text, names);
  if (names.empty()) AddCommonLicenseReferences(text, names);
  if (names.empty()) AddPhrases(text, names);
  return names.Take();
}

bool DpkgCopyrightCataloger::Wants(const layer::FileInfo& info) const {
  constexpr std::string_view kDocDir = "usr/share/doc/";
  constexpr std::string_view kFile = "/copyright";
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view p = info.path;
  if (!p.starts_with(kDocDir) || !p.ends_with(kFile)) return false;
  if (p.size() <= kDocDir.size() + kFile.size()) return false;
  std::string_view package = p.substr(kDocDir.size(), p.size() - kDocDir.size() - kFile.size());
  return package.find('/') == std::string_view::npos;
}

Status DpkgCopyrightCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  constexpr std::string_view kDocDir = "usr/share/doc/";
  std::string_view p = file.info.path;
  size_t slash = p.find('/', kDocDir.size());
  if (!p.starts_with(kDocDir) || slash == std::string_view::npos)
    return InvalidArgument(std::string(p) + ": not usr/share/doc/<package>/copyright");
  std::vector<std::string> licenses = ParseDpkgCopyright(file.text());
  if (licenses.empty()) return Status::Ok();
  layer::PackageLicenses pl;
  pl.db_path = std::string(p);
  pl.package = std::string(p.substr(kDocDir.size(), slash - kDocDir.size()));
  pl.licenses = std::move(licenses);
  out.package_licenses.push_back(std::move(pl));
  return Status::Ok();
}

}  // namespace customs::catalog
