#include "catalog/ruby.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A name, version, platform or license id: one word of printable bytes.
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

std::string_view SkipSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Reads one string literal at the start of `s` and advances `s` past it (and
// past a ".freeze"). nullopt when `s` does not start with a literal this
// scanner understands, the literal does not end on this line, it is longer
// than kMaxGemspecLiteralBytes, or it interpolates ("#{...}" needs Ruby).
std::optional<std::string> ReadLiteral(std::string_view& s) {
  if (s.empty()) return std::nullopt;
  char open = 0, close = 0;
  bool escapes = false;  // double-quoted rules (\n, \t, ...) vs single
  size_t i = 0;
  if (s[0] == '"' || s[0] == '\'') {
    open = close = s[0];
    escapes = s[0] == '"';
    i = 1;
  } else if (s[0] == '%') {
    size_t d = 1;
    if (d < s.size() && (s[d] == 'q' || s[d] == 'Q')) {
      escapes = s[d] == 'Q';
      ++d;
    } else {
      escapes = true;  // bare %{...} is %Q
    }
    if (d >= s.size()) return std::nullopt;
    open = s[d];
    switch (open) {
      case '(':
        close = ')';
        break;
      case '[':
        close = ']';
        break;
      case '{':
        close = '}';
        break;
      case '<':
        close = '>';
        break;
      default:
        if (IsIdentChar(open) || open == ' ' || open == '\t') return std::nullopt;
        close = open;
    }
    i = d + 1;
  } else {
    return std::nullopt;
  }
  std::string out;
  size_t depth = 0;  // nesting of bracket delimiters inside %q(...)
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (out.size() > kMaxGemspecLiteralBytes) return std::nullopt;
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      if (escapes && n == 'n') {
        out.push_back('\n');
      } else if (escapes && n == 't') {
        out.push_back('\t');
      } else if (n == '\\' || n == close || n == open || escapes) {
        out.push_back(n);
      } else {
        out.push_back('\\');
        out.push_back(n);
      }
      continue;
    }
    if (escapes && c == '#' && i + 1 < s.size() && s[i + 1] == '{') return std::nullopt;
    if (open != close && c == open) {
      ++depth;
    } else if (c == close) {
      if (depth == 0) {
        s.remove_prefix(i + 1);
        if (s.starts_with(".freeze")) s.remove_prefix(7);
        return out;
      }
      --depth;
    }
    out.push_back(c);
  }
  return std::nullopt;
}

// `[lit, lit, ...]` at the start of `s`; nullopt unless every member is a
// literal and the array closes on this line.
std::optional<std::vector<std::string>> ReadLiteralArray(std::string_view s) {
  if (s.empty() || s.front() != '[') return std::nullopt;
  s.remove_prefix(1);
  std::vector<std::string> out;
  // Each iteration consumes a literal or returns.
  while (true) {
    s = SkipSpaces(s);
    if (s.empty()) return std::nullopt;
    if (s.front() == ']') return out;
    if (out.size() >= kMaxGemspecLicenses) return std::nullopt;
    auto lit = ReadLiteral(s);
    if (!lit) return std::nullopt;
    out.push_back(std::move(*lit));
    s = SkipSpaces(s);
    if (!s.empty() && s.front() == ',') s.remove_prefix(1);
  }
}

struct Spec {
  std::optional<std::string> name, version, platform;
  std::optional<std::vector<std::string>> licenses;
  std::string stub_name, stub_version;
};

// `<var>.<attr> = <value>` with `line` trimmed; ignores everything else.
void Assignment(std::string_view var, std::string_view line, Spec& spec) {
  if (line.size() <= var.size() || !line.starts_with(var) || line[var.size()] != '.') return;
  line.remove_prefix(var.size() + 1);
  size_t n = 0;
  while (n < line.size() && IsIdentChar(line[n])) ++n;
  std::string_view attr = line.substr(0, n);
  line = SkipSpaces(line.substr(n));
  if (line.empty() || line.front() != '=' || line.starts_with("==")) return;
  line = SkipSpaces(line.substr(1));
  if (attr == "licenses") {
    if (!spec.licenses) spec.licenses = ReadLiteralArray(line);
    return;
  }
  std::optional<std::string>* slot = nullptr;
  if (attr == "name") slot = &spec.name;
  if (attr == "version") slot = &spec.version;
  if (attr == "platform") slot = &spec.platform;
  if (attr == "license") {
    if (!spec.licenses) {
      if (auto lit = ReadLiteral(line)) spec.licenses = std::vector<std::string>{std::move(*lit)};
    }
    return;
  }
  if (slot != nullptr && !*slot) *slot = ReadLiteral(line);
}

// "# stub: rails 7.0.0 ruby lib"
void StubLine(std::string_view line, Spec& spec) {
  constexpr std::string_view kStub = "# stub:";
  if (!line.starts_with(kStub)) return;
  std::vector<std::string_view> words;
  for (std::string_view w : Split(Trim(line.substr(kStub.size())), ' ')) {
    if (!w.empty()) words.push_back(w);
    if (words.size() == 2) break;
  }
  if (words.size() == 2) {
    spec.stub_name = std::string(words[0]);
    spec.stub_version = std::string(words[1]);
  }
}

}  // namespace

Result<model::Package> ParseGemspec(std::string_view text, std::string_view db_path) {
  Spec spec;
  std::string var;
  size_t pos = 0;
  // Every iteration consumes at least one byte, so the loop ends.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) continue;
    if (line.front() == '#') {
      StubLine(line, spec);
      continue;
    }
    size_t spec_new = line.find("Gem::Specification.new");
    if (spec_new != std::string_view::npos) {
      // "... do |s|" or "... { |spec|"
      std::string_view rest = line.substr(spec_new);
      size_t bar = rest.find('|');
      size_t end = bar == std::string_view::npos ? bar : rest.find('|', bar + 1);
      if (end != std::string_view::npos) {
        std::string_view v = Trim(rest.substr(bar + 1, end - bar - 1));
        if (!v.empty() && std::all_of(v.begin(), v.end(), IsIdentChar)) var = std::string(v);
      }
      continue;
    }
    if (!var.empty()) Assignment(var, line, spec);
  }

  std::string name = spec.name && IsWord(*spec.name) ? *spec.name : "";
  std::string version = spec.version && IsWord(*spec.version) ? *spec.version : "";
  if (name.empty() && version.empty() && IsWord(spec.stub_name) && IsWord(spec.stub_version)) {
    name = spec.stub_name;
    version = spec.stub_version;
  }
  std::string where = std::string(db_path) + ": ";
  if (name.empty()) return InvalidArgument(where + "no gem name (s.name = \"...\") found");
  if (version.empty())
    return InvalidArgument(where + "gem " + Printable(name, 100) +
                           " has no version (s.version = \"...\")");

  model::Package p;
  p.type = "gem";
  p.name = std::move(name);
  p.version = std::move(version);
  p.db_path = std::string(db_path);
  if (spec.licenses) {
    for (auto& l : *spec.licenses) {
      std::string_view t = Trim(l);
      if (t.empty() || ContainsControlChars(t)) continue;
      if (std::find(p.licenses.begin(), p.licenses.end(), t) == p.licenses.end())
        p.licenses.emplace_back(t);
    }
  }
  model::Purl purl;
  purl.type = "gem";
  purl.name = p.name;
  purl.version = p.version;
  if (spec.platform && IsWord(*spec.platform) && *spec.platform != "ruby")
    purl.qualifiers["platform"] = *spec.platform;
  p.purl = purl.ToString();
  return p;
}

bool GemspecCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view path = info.path;
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view base = path.substr(slash + 1);
  if (base.size() <= 8 || !base.ends_with(".gemspec")) return false;
  std::string_view dir = path.substr(0, slash);
  if (dir.ends_with("/default")) dir.remove_suffix(8);  // gems bundled with Ruby
  return dir == "specifications" || dir.ends_with("/specifications");
}

Status GemspecCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(model::Package p, ParseGemspec(file.text(), file.info.path));
  out.packages.push_back(std::move(p));
  return Status::Ok();
}

}  // namespace customs::catalog
