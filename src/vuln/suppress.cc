// Ignore files, OpenVEX documents and applying them to matched
// vulnerabilities. See suppress.h.
#include "vuln/suppress.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "base/yaml_nesting.h"

namespace customs::vuln {

namespace {

// ---- shared helpers ---------------------------------------------------------

std::string At(std::string_view file, size_t line) {
  return std::string(file) + ":" + std::to_string(line);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True for a real calendar date written exactly "YYYY-MM-DD".
bool IsValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!IsDigit(s[i])) return false;
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  if (year == 0 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Percent-decodes; a malformed escape stays as written.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

struct ParsedPurl {
  std::string type, namespace_, name, version;
  std::map<std::string, std::string> qualifiers;
};

// pkg:type/namespace/name@version?qualifiers#subpath; nullopt when `s` is
// not a purl. The subpath is dropped.
std::optional<ParsedPurl> ParsePurl(std::string_view s) {
  if (s.size() < 4 || !EqualsIgnoreCase(s.substr(0, 4), "pkg:")) return std::nullopt;
  s.remove_prefix(4);
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  if (size_t hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  ParsedPurl purl;
  if (size_t q = s.find('?'); q != std::string_view::npos) {
    for (std::string_view pair : Split(s.substr(q + 1), '&')) {
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      std::string value = PercentDecode(pair.substr(eq + 1));
      if (!value.empty()) purl.qualifiers[ToLower(pair.substr(0, eq))] = std::move(value);
    }
    s = s.substr(0, q);
  }
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  purl.type = ToLower(s.substr(0, slash));
  s.remove_prefix(slash + 1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  size_t last_slash = s.rfind('/');
  size_t at = s.rfind('@');
  if (at != std::string_view::npos && (last_slash == std::string_view::npos || at > last_slash)) {
    purl.version = PercentDecode(s.substr(at + 1));
    s = s.substr(0, at);
  }
  last_slash = s.rfind('/');
  if (last_slash != std::string_view::npos) {
    purl.namespace_ = PercentDecode(s.substr(0, last_slash));
    s.remove_prefix(last_slash + 1);
  }
  purl.name = PercentDecode(s);
  if (purl.name.empty()) return std::nullopt;
  if (purl.type == "pypi") {
    std::string name = ToLower(purl.name);
    std::replace(name.begin(), name.end(), '_', '-');
    std::replace(name.begin(), name.end(), '.', '-');
    purl.name = std::move(name);
  }
  return purl;
}

bool PurlMatchesParsed(const ParsedPurl& pattern, const ParsedPurl& package) {
  if (pattern.type != package.type || pattern.namespace_ != package.namespace_ ||
      pattern.name != package.name)
    return false;
  if (!pattern.version.empty() && pattern.version != package.version) return false;
  for (const auto& [key, value] : pattern.qualifiers) {
    auto it = package.qualifiers.find(key);
    if (it != package.qualifiers.end() && it->second != value) return false;
  }
  return true;
}

// ---- plain .trivyignore -----------------------------------------------------

Status CheckField(std::string_view value, std::string_view what, std::string_view file,
                  size_t line) {
  if (value.size() > kMaxIgnoreFieldBytes)
    return ResourceExhausted(At(file, line) + ": " + std::string(what) + " longer than " +
                             std::to_string(kMaxIgnoreFieldBytes) +
                             " bytes (kMaxIgnoreFieldBytes)");
  if (ContainsControlChars(value))
    return InvalidArgument(At(file, line) + ": " + std::string(what) +
                           " contains control characters: " + Printable(value, 80));
  return Status::Ok();
}

Status CheckRuleCount(size_t count, std::string_view file, size_t line) {
  if (count >= kMaxIgnoreRules)
    return ResourceExhausted(At(file, line) + ": more than " + std::to_string(kMaxIgnoreRules) +
                             " ignore rules (kMaxIgnoreRules)");
  return Status::Ok();
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

Result<std::vector<IgnoreRule>> ParsePlainIgnore(std::string_view text, std::string_view file) {
  std::vector<IgnoreRule> rules;
  std::string pending_reason;  // comment lines directly above
  LineCursor lines(text);
  for (std::string_view raw; lines.Next(raw);) {
    size_t number = lines.number();
    std::string_view line = Trim(raw);
    if (line.empty()) {
      pending_reason.clear();
      continue;
    }
    if (line.front() == '#') {
      std::string_view comment = Trim(line.substr(1));
      if (comment.empty()) continue;
      if (pending_reason.size() + comment.size() + 1 > kMaxIgnoreFieldBytes) continue;
      if (!pending_reason.empty()) pending_reason += ' ';
      pending_reason += comment;
      continue;
    }
    CUSTOMS_TRY(CheckRuleCount(rules.size(), file, number));
    std::string_view trailing_comment;
    if (size_t hash = line.find(" #"); hash != std::string_view::npos) {
      trailing_comment = Trim(line.substr(hash + 2));
      line = Trim(line.substr(0, hash));
    } else if (size_t tab_hash = line.find("\t#"); tab_hash != std::string_view::npos) {
      trailing_comment = Trim(line.substr(tab_hash + 2));
      line = Trim(line.substr(0, tab_hash));
    }
    std::vector<std::string_view> fields = Fields(line);
    if (fields.empty()) continue;  // only reachable through odd whitespace
    IgnoreRule rule;
    rule.file = std::string(file);
    rule.line = static_cast<int>(number);
    CUSTOMS_TRY(CheckField(fields[0], "vulnerability id", file, number));
    rule.id = std::string(fields[0]);
    for (size_t i = 1; i < fields.size(); ++i) {
      std::string_view field = fields[i];
      if (!field.starts_with("exp:"))
        return InvalidArgument(At(file, number) +
                               ": expected \"exp:YYYY-MM-DD\" after the id, got \"" +
                               Printable(field, 80) + "\"");
      if (!rule.expires.empty())
        return InvalidArgument(At(file, number) + ": more than one exp: date");
      std::string_view date = field.substr(4);
      if (!IsValidDate(date))
        return InvalidArgument(At(file, number) + ": invalid expiry date \"" + Printable(date, 80) +
                               "\" (expected a real date YYYY-MM-DD)");
      rule.expires = std::string(date);
    }
    rule.reason = !trailing_comment.empty() ? std::string(trailing_comment) : pending_reason;
    CUSTOMS_TRY(CheckField(rule.reason, "reason", file, number));
    pending_reason.clear();
    rules.push_back(std::move(rule));
  }
  return rules;
}

// ---- YAML ignore files --------------------------------------------------------

size_t LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : static_cast<size_t>(mark.line) + 1;
}

class YamlRuleReader {
 public:
  explicit YamlRuleReader(std::string_view file) : file_(file) {}

  // The scalar at `key` of `map`, "" when absent or null.
  Status Scalar(const YAML::Node& map, const char* key, std::string& out) const {
    const YAML::Node value = map[key];
    if (!value.IsDefined() || value.IsNull()) return Status::Ok();
    if (!value.IsScalar())
      return InvalidArgument(At(file_, LineOf(value)) + ": \"" + key + "\" must be a string");
    out = value.Scalar();
    return CheckField(out, key, file_, LineOf(value));
  }

  // A list of strings (or one string) at `key`.
  Status Strings(const YAML::Node& map, const char* key, std::vector<std::string>& out,
                 size_t& budget) const {
    const YAML::Node value = map[key];
    if (!value.IsDefined() || value.IsNull()) return Status::Ok();
    if (value.IsScalar()) {
      CUSTOMS_TRY(Take(value, key, out, budget));
      return Status::Ok();
    }
    if (!value.IsSequence())
      return InvalidArgument(At(file_, LineOf(value)) + ": \"" + key +
                             "\" must be a list of strings");
    for (const YAML::Node& item : value) {
      if (!item.IsScalar())
        return InvalidArgument(At(file_, LineOf(item)) + ": \"" + key + "\" items must be strings");
      CUSTOMS_TRY(Take(item, key, out, budget));
    }
    return Status::Ok();
  }

  Status Rule(const YAML::Node& item, IgnoreRule& rule) const {
    size_t line = LineOf(item);
    rule.file = std::string(file_);
    rule.line = static_cast<int>(line);
    if (!item.IsMap())
      return InvalidArgument(At(file_, line) + ": expected a mapping with \"id\" for each rule");
    CUSTOMS_TRY(Scalar(item, "id", rule.id));
    if (rule.id.empty()) CUSTOMS_TRY(Scalar(item, "vulnerability", rule.id));
    rule.id = std::string(Trim(rule.id));
    if (rule.id.empty() && rule.kind != IgnoreRule::Kind::kContraband)
      return InvalidArgument(At(file_, line) + ": rule without an \"id\"");
    CUSTOMS_TRY(Scalar(item, "statement", rule.reason));
    if (rule.reason.empty()) CUSTOMS_TRY(Scalar(item, "reason", rule.reason));
    const char* date_key = "expired_at";
    CUSTOMS_TRY(Scalar(item, date_key, rule.expires));
    if (rule.expires.empty()) {
      date_key = "expires";
      CUSTOMS_TRY(Scalar(item, date_key, rule.expires));
    }
    if (!rule.expires.empty() && !IsValidDate(rule.expires))
      return InvalidArgument(At(file_, LineOf(item[date_key])) + ": invalid \"" + date_key +
                             "\" date \"" + Printable(rule.expires, 80) +
                             "\" (expected a real date YYYY-MM-DD)");
    size_t budget = kMaxIgnoreRuleFilters;
    CUSTOMS_TRY(Strings(item, "purls", rule.purls, budget));
    for (const std::string& purl : rule.purls)
      if (!ParsePurl(purl))
        return InvalidArgument(At(file_, LineOf(item["purls"])) + ": \"" + Printable(purl, 80) +
                               "\" is not a package URL (pkg:type/namespace/name)");
    CUSTOMS_TRY(Strings(item, "paths", rule.paths, budget));
    if (rule.kind == IgnoreRule::Kind::kContraband) {
      CUSTOMS_TRY(Strings(item, "sha256", rule.sha256s, budget));
      for (std::string& h : rule.sha256s) {
        std::string hex = h;
        for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (hex.starts_with("sha256:")) hex.erase(0, 7);
        if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
          return InvalidArgument(At(file_, LineOf(item["sha256"])) + ": \"" + Printable(h, 80) +
                                 "\" is not a SHA-256 (64 hex digits)");
        h = "sha256:" + hex;
      }
      if (rule.id.empty() && rule.paths.empty() && rule.purls.empty() && rule.sha256s.empty())
        return InvalidArgument(At(file_, line) +
                               ": contraband rule without \"id\", \"paths\", \"purls\" or "
                               "\"sha256\" (it would allow everything)");
    }
    return Status::Ok();
  }

 private:
  Status Take(const YAML::Node& value, const char* key, std::vector<std::string>& out,
              size_t& budget) const {
    if (budget == 0)
      return ResourceExhausted(At(file_, LineOf(value)) + ": more than " +
                               std::to_string(kMaxIgnoreRuleFilters) +
                               " purls and paths in one rule (kMaxIgnoreRuleFilters)");
    --budget;
    std::string s = value.Scalar();
    CUSTOMS_TRY(CheckField(s, key, file_, LineOf(value)));
    if (Trim(s).empty())
      return InvalidArgument(At(file_, LineOf(value)) + ": empty \"" + key + "\" entry");
    out.push_back(std::string(Trim(s)));
    return Status::Ok();
  }

  std::string_view file_;
};

Result<std::vector<IgnoreRule>> ParseYamlIgnore(std::string_view text, std::string_view file) {
  CUSTOMS_TRY(CheckYamlNesting(text, file, kMaxIgnoreYamlNesting, "kMaxIgnoreYamlNesting"));
  std::vector<IgnoreRule> rules;
  YamlRuleReader reader(file);
  // yaml-cpp throws (ParserException, BadConversion, std::bad_alloc):
  // nothing of it passes this function.
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) return rules;  // an empty file
    if (!root.IsMap())
      return InvalidArgument(
          At(file, LineOf(root)) +
          ": expected a mapping with a \"vulnerabilities:\" or \"ignore:\" list");
    bool found = false;
    for (const char* key : {"vulnerabilities", "ignore", "contraband", "secrets"}) {
      const YAML::Node list = root[key];
      if (!list.IsDefined()) continue;
      found = true;
      if (list.IsNull()) continue;
      if (!list.IsSequence())
        return InvalidArgument(At(file, LineOf(list)) + ": \"" + key + "\" must be a list");
      bool contraband = std::string_view(key) == "contraband" || std::string_view(key) == "secrets";
      for (const YAML::Node& item : list) {
        CUSTOMS_TRY(CheckRuleCount(rules.size(), file, LineOf(item)));
        IgnoreRule rule;
        rule.kind = contraband ? IgnoreRule::Kind::kContraband : IgnoreRule::Kind::kVulnerability;
        CUSTOMS_TRY(reader.Rule(item, rule));
        rules.push_back(std::move(rule));
      }
    }
    // A Trivy file may hold only the other kinds of findings.
    for (const char* key : {"misconfigurations", "licenses"})
      if (root[key].IsDefined()) found = true;
    if (!found)
      return InvalidArgument(std::string(file) +
                             ": expected a top-level \"vulnerabilities:\" or \"ignore:\" list");
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? std::string(file) : At(file, e.mark.line + 1);
    return InvalidArgument(where + ": malformed YAML: " + e.msg);
  } catch (const std::exception& e) {
    return ResourceExhausted(std::string(file) + ": YAML could not be loaded: " + e.what());
  }
  return rules;
}

// YAML when named so, or when the first line that is neither blank nor a
// comment is a mapping key ("vulnerabilities:"), a document marker or flow.
bool LooksLikeYaml(std::string_view text, std::string_view file_name) {
  if (file_name.ends_with(".yaml") || file_name.ends_with(".yml")) return true;
  LineCursor lines(text);
  for (std::string_view raw; lines.Next(raw);) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("---") || line.front() == '{') return true;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    // "exp:" belongs to the plain format's second field.
    std::string_view key = line.substr(0, colon);
    return key.find_first_of(" \t") == std::string_view::npos &&
           (colon + 1 == line.size() || line[colon + 1] == ' ');
  }
  return false;
}

// ---- OpenVEX ------------------------------------------------------------------

class VexReader {
 public:
  VexReader(std::string_view file) : file_(file) {}

  Status Error(std::string_view field, std::string_view expected) const {
    return InvalidArgument(std::string(file_) + ": " + std::string(field) + ": expected " +
                           std::string(expected));
  }

  // A string member; "" when absent or null.
  Status String(const Json& obj, std::string_view key, std::string_view field,
                std::string& out) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return Status::Ok();
    if (!it->is_string()) return Error(field, "a string");
    out = it->get<std::string>();
    return Status::Ok();
  }

  Status AddProduct(std::string id, std::string_view field, VexStatement& st) {
    if (id.empty()) return Status::Ok();
    if (++products_ > kMaxVexProducts)
      return ResourceExhausted(std::string(file_) + ": " + std::string(field) + ": more than " +
                               std::to_string(kMaxVexProducts) + " products (kMaxVexProducts)");
    st.products.push_back(std::move(id));
    return Status::Ok();
  }

  // A product or subcomponent: a string, or {"@id", "identifiers": {purl},
  // "subcomponents": [...]} (subcomponents only one level below products).
  Status Component(const Json& c, std::string field, bool allow_sub, VexStatement& st) {
    if (c.is_string()) return AddProduct(c.get<std::string>(), field, st);
    if (!c.is_object()) return Error(field, "a string or an object");
    std::string id;
    CUSTOMS_TRY(String(c, "@id", field + ".@id", id));
    std::string purl;
    if (auto ids = c.find("identifiers"); ids != c.end() && !ids->is_null()) {
      if (!ids->is_object()) return Error(field + ".identifiers", "an object");
      CUSTOMS_TRY(String(*ids, "purl", field + ".identifiers.purl", purl));
    }
    if (id.empty() && purl.empty() && !allow_sub) return Error(field, "an \"@id\" or a purl");
    if (purl != id) CUSTOMS_TRY(AddProduct(std::move(purl), field, st));
    CUSTOMS_TRY(AddProduct(std::move(id), field, st));
    if (auto subs = c.find("subcomponents"); subs != c.end() && !subs->is_null()) {
      if (!allow_sub) return Error(field + ".subcomponents", "no deeper subcomponents");
      if (!subs->is_array()) return Error(field + ".subcomponents", "an array");
      for (size_t i = 0; i < subs->size(); ++i)
        CUSTOMS_TRY(
            Component((*subs)[i], field + ".subcomponents[" + std::to_string(i) + "]", false, st));
    }
    return Status::Ok();
  }

  Status Statement(const Json& s, const std::string& field, const std::string& document_id,
                   VexStatement& st) {
    if (!s.is_object()) return Error(field, "an object");
    st.document_id = document_id;
    auto vuln = s.find("vulnerability");
    if (vuln == s.end() || vuln->is_null()) return Error(field + ".vulnerability", "present");
    if (vuln->is_string()) {
      st.vulnerability = vuln->get<std::string>();
    } else if (vuln->is_object()) {
      CUSTOMS_TRY(String(*vuln, "name", field + ".vulnerability.name", st.vulnerability));
      if (auto aliases = vuln->find("aliases"); aliases != vuln->end() && !aliases->is_null()) {
        if (!aliases->is_array()) return Error(field + ".vulnerability.aliases", "an array");
        for (const Json& a : *aliases) {
          if (!a.is_string()) return Error(field + ".vulnerability.aliases", "strings");
          st.aliases.push_back(a.get<std::string>());
        }
      }
      if (st.vulnerability.empty()) {
        // 0.2.0 requires "name"; fall back to the IRI.
        CUSTOMS_TRY(String(*vuln, "@id", field + ".vulnerability.@id", st.vulnerability));
      }
    } else {
      return Error(field + ".vulnerability", "a string or an object");
    }
    if (st.vulnerability.empty()) return Error(field + ".vulnerability.name", "a non-empty name");

    if (auto products = s.find("products"); products != s.end() && !products->is_null()) {
      if (!products->is_array()) return Error(field + ".products", "an array");
      for (size_t i = 0; i < products->size(); ++i)
        CUSTOMS_TRY(
            Component((*products)[i], field + ".products[" + std::to_string(i) + "]", true, st));
    }
    // Before 0.2.0 subcomponents sat on the statement, as strings.
    if (auto subs = s.find("subcomponents"); subs != s.end() && !subs->is_null()) {
      if (!subs->is_array()) return Error(field + ".subcomponents", "an array");
      for (size_t i = 0; i < subs->size(); ++i)
        CUSTOMS_TRY(
            Component((*subs)[i], field + ".subcomponents[" + std::to_string(i) + "]", false, st));
    }

    CUSTOMS_TRY(String(s, "status", field + ".status", st.status));
    if (st.status != "not_affected" && st.status != "affected" && st.status != "fixed" &&
        st.status != "under_investigation")
      return Error(field + ".status",
                   "not_affected, affected, fixed or under_investigation, got \"" +
                       Printable(st.status, 80) + "\"");
    CUSTOMS_TRY(String(s, "justification", field + ".justification", st.justification));
    CUSTOMS_TRY(String(s, "impact_statement", field + ".impact_statement", st.impact_statement));
    return Status::Ok();
  }

 private:
  std::string_view file_;
  size_t products_ = 0;
};

// ---- applying -----------------------------------------------------------------

bool MeetsIds(const model::Vulnerability& v, std::string_view id) {
  if (id.empty()) return false;
  if (EqualsIgnoreCase(v.id, id)) return true;
  for (const std::string& alias : v.aliases)
    if (EqualsIgnoreCase(alias, id)) return true;
  return false;
}

// Purls parsed once per ApplySuppressions call; nullopt for non-purls.
using ParsedPurls = std::vector<std::optional<ParsedPurl>>;

ParsedPurls ParseAll(const std::vector<std::string>& purls) {
  ParsedPurls out;
  out.reserve(purls.size());
  for (const std::string& p : purls) out.push_back(ParsePurl(p));
  return out;
}

bool AnyPurlMatches(const ParsedPurls& patterns, const std::optional<ParsedPurl>& purl) {
  if (!purl) return false;
  for (const std::optional<ParsedPurl>& pattern : patterns)
    if (pattern && PurlMatchesParsed(*pattern, *purl)) return true;
  return false;
}

bool RuleFiltersMatch(const IgnoreRule& rule, const ParsedPurls& rule_purls,
                      const model::Vulnerability& v, const std::optional<ParsedPurl>& purl) {
  if (!rule.purls.empty() && !AnyPurlMatches(rule_purls, purl)) return false;
  if (!rule.paths.empty() &&
      std::none_of(rule.paths.begin(), rule.paths.end(),
                   [&](const std::string& glob) { return PathGlobMatches(glob, v.path); }))
    return false;
  return true;
}

}  // namespace

Result<std::vector<IgnoreRule>> ParseIgnoreFile(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxIgnoreFileBytes)
    return ResourceExhausted(std::string(file_name) + ": " + std::to_string(text.size()) +
                             " bytes exceeds the limit of " + std::to_string(kMaxIgnoreFileBytes) +
                             " (kMaxIgnoreFileBytes)");
  if (LooksLikeYaml(text, file_name)) return ParseYamlIgnore(text, file_name);
  return ParsePlainIgnore(text, file_name);
}

Result<std::vector<VexStatement>> ParseOpenVex(std::string_view json, std::string_view file_name) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, file_name, kMaxVexBytes, kMaxVexDepth));
  VexReader reader(file_name);
  if (!doc.is_object()) return reader.Error("document", "a JSON object");
  std::string context;
  CUSTOMS_TRY(reader.String(doc, "@context", "@context", context));
  if (context.find("openvex") == std::string::npos)
    return reader.Error("@context", "an OpenVEX context (https://openvex.dev/ns/...), got \"" +
                                        Printable(context, 80) + "\"");
  std::string document_id;
  CUSTOMS_TRY(reader.String(doc, "@id", "@id", document_id));
  if (document_id.empty()) document_id = std::string(file_name);
  const Json* statements = JsonArray(doc, "statements");
  if (statements == nullptr || !statements->is_array())
    return reader.Error("statements", "an array");
  if (statements->size() > kMaxVexStatements)
    return ResourceExhausted(std::string(file_name) + ": " + std::to_string(statements->size()) +
                             " statements exceed the limit of " +
                             std::to_string(kMaxVexStatements) + " (kMaxVexStatements)");
  std::vector<VexStatement> out;
  out.reserve(statements->size());
  for (size_t i = 0; i < statements->size(); ++i) {
    VexStatement st;
    CUSTOMS_TRY(reader.Statement((*statements)[i], "statements[" + std::to_string(i) + "]",
                                 document_id, st));
    out.push_back(std::move(st));
  }
  return out;
}

bool PurlMatches(std::string_view pattern, std::string_view package) {
  std::optional<ParsedPurl> p = ParsePurl(pattern);
  std::optional<ParsedPurl> q = ParsePurl(package);
  return p && q && PurlMatchesParsed(*p, *q);
}

bool PathGlobMatches(std::string_view glob, std::string_view path) {
  while (!glob.empty() && glob.front() == '/') glob.remove_prefix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  // Rows of a dynamic programme: `cur[j]` says whether the glob read so far
  // matches path[0, j). O(glob * path) time, O(path) memory, no recursion.
  const size_t n = path.size();
  std::vector<char> cur(n + 1, 0), next(n + 1, 0);
  cur[0] = 1;
  size_t i = 0;
  while (i < glob.size()) {
    std::fill(next.begin(), next.end(), 0);
    char c = glob[i];
    if (c == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
      bool slash = i + 2 < glob.size() && glob[i + 2] == '/';
      i += slash ? 3 : 2;
      if (slash) {
        // "**/": nothing, or anything that ends with "/".
        bool any = false;
        for (size_t j = 0; j <= n; ++j) {
          next[j] = cur[j] || (j > 0 && path[j - 1] == '/' && any);
          if (cur[j]) any = true;
        }
      } else {
        for (size_t j = 0; j <= n; ++j) next[j] = cur[j] || (j > 0 && next[j - 1]);
      }
    } else if (c == '*') {
      ++i;
      for (size_t j = 0; j <= n; ++j)
        next[j] = cur[j] || (j > 0 && next[j - 1] && path[j - 1] != '/');
    } else {
      ++i;
      for (size_t j = 0; j < n; ++j)
        if (cur[j] && (c == '?' ? path[j] != '/' : path[j] == c)) next[j + 1] = 1;
    }
    cur.swap(next);
  }
  return cur[n] != 0;
}

namespace {

// Whether `rule` may still suppress on `today`; the first time an expired
// rule would have applied, says so in `notices`.
bool Current(const std::vector<IgnoreRule>& rules, size_t r, std::string_view today,
             std::set<size_t>& expired_noticed, std::vector<std::string>* notices) {
  const IgnoreRule& rule = rules[r];
  if (rule.expires.empty() || rule.expires >= today) return true;
  if (notices != nullptr && expired_noticed.insert(r).second)
    notices->push_back("ignore rule for " +
                       (rule.id.empty() ? std::string("contraband") : rule.id) + " expired on " +
                       rule.expires + " (" + rule.file + ":" + std::to_string(rule.line) + ")");
  return false;
}

std::string SuppressedBy(const IgnoreRule& rule) {
  return "ignore file " + rule.file + ":" + std::to_string(rule.line) + ": " +
         (rule.reason.empty() ? std::string("no reason given") : rule.reason);
}

}  // namespace

void ApplyAllowList(std::vector<model::Detection>& detections, const std::vector<IgnoreRule>& rules,
                    std::string_view today, std::vector<std::string>* notices) {
  std::vector<ParsedPurls> rule_purls;
  rule_purls.reserve(rules.size());
  for (const IgnoreRule& rule : rules) rule_purls.push_back(ParseAll(rule.purls));
  std::set<size_t> expired_noticed;
  for (model::Detection& d : detections) {
    if (!d.suppressed_by.empty()) continue;
    std::optional<ParsedPurl> purl = ParsePurl(d.purl), owner = ParsePurl(d.owner);
    for (size_t r = 0; r < rules.size() && d.suppressed_by.empty(); ++r) {
      const IgnoreRule& rule = rules[r];
      if (rule.kind == IgnoreRule::Kind::kVulnerability) continue;
      if (rule.kind == IgnoreRule::Kind::kAny && rule.id.empty()) continue;
      if (!rule.id.empty() && !EqualsIgnoreCase(rule.id, d.rule_id)) continue;
      if (!rule.paths.empty() &&
          std::none_of(rule.paths.begin(), rule.paths.end(),
                       [&](const std::string& glob) { return PathGlobMatches(glob, d.path); }))
        continue;
      if (!rule.purls.empty() && !AnyPurlMatches(rule_purls[r], purl) &&
          !AnyPurlMatches(rule_purls[r], owner))
        continue;
      if (!rule.sha256s.empty() &&
          std::find(rule.sha256s.begin(), rule.sha256s.end(), d.sha256) == rule.sha256s.end())
        continue;
      if (!Current(rules, r, today, expired_noticed, notices)) continue;
      d.suppressed_by = SuppressedBy(rule);
    }
  }
}

void ApplySuppressions(std::vector<model::Vulnerability>& vulns,
                       const std::vector<IgnoreRule>& rules, const std::vector<VexStatement>& vex,
                       std::string_view today, std::vector<std::string>* notices) {
  std::vector<ParsedPurls> rule_purls;
  rule_purls.reserve(rules.size());
  for (const IgnoreRule& rule : rules) rule_purls.push_back(ParseAll(rule.purls));
  std::vector<ParsedPurls> vex_products;
  vex_products.reserve(vex.size());
  for (const VexStatement& st : vex) vex_products.push_back(ParseAll(st.products));

  std::set<size_t> expired_noticed;
  for (model::Vulnerability& v : vulns) {
    if (!v.suppressed_by.empty()) continue;
    std::optional<ParsedPurl> purl = ParsePurl(v.purl);
    for (size_t r = 0; r < rules.size() && v.suppressed_by.empty(); ++r) {
      const IgnoreRule& rule = rules[r];
      if (rule.kind == IgnoreRule::Kind::kContraband) continue;
      if (!MeetsIds(v, rule.id) || !RuleFiltersMatch(rule, rule_purls[r], v, purl)) continue;
      if (!Current(rules, r, today, expired_noticed, notices)) continue;
      v.suppressed_by = SuppressedBy(rule);
    }
    if (!v.suppressed_by.empty()) continue;
    const VexStatement* decisive = nullptr;
    for (size_t s = 0; s < vex.size(); ++s) {
      const VexStatement& st = vex[s];
      bool named = MeetsIds(v, st.vulnerability);
      for (size_t a = 0; !named && a < st.aliases.size(); ++a) named = MeetsIds(v, st.aliases[a]);
      if (named && AnyPurlMatches(vex_products[s], purl)) decisive = &st;
    }
    if (decisive != nullptr &&
        (decisive->status == "not_affected" || decisive->status == "fixed")) {
      v.suppressed_by = "VEX " + decisive->document_id + ": " + decisive->status;
      if (!decisive->justification.empty()) v.suppressed_by += " (" + decisive->justification + ")";
    }
  }
}

}  // namespace customs::vuln
