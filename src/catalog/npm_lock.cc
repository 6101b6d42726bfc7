#include "catalog/npm_lock.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "base/yaml_nesting.h"
#include "catalog/db_diagnostic.h"
#include "catalog/npm.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kNodeModulesSlash = "node_modules/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::string Line(size_t number) { return "line " + std::to_string(number); }

// Scope precedence when one name@version occurs several times: prod over
// unknown over dev (a package is dev only if every path to it is).
int ScopeRank(std::string_view scope) {
  if (scope == "prod") return 2;
  if (scope.empty()) return 1;
  return 0;
}

// Not a registry version: git URLs, tarball URLs, file: and link: paths.
bool IsRegistryVersion(std::string_view v) {
  return IsNpmVersion(v) && v.find_first_of(":/#") == std::string_view::npos;
}

// Collects the packages of one lockfile, one per name@version.
class Collector {
 public:
  Collector(std::string_view db_path, const NpmLockLimits& limits)
      : db_path_(db_path), limits_(limits) {}

  // False once the package limit is hit: the caller stops.
  bool Add(std::string_view name, std::string_view version, std::string_view scope) {
    if (full_) return false;
    std::pair<std::string, std::string> key{std::string(name), std::string(version)};
    auto it = index_.find(key);
    if (it != index_.end()) {
      model::Package& p = out_.packages[it->second];
      if (ScopeRank(scope) > ScopeRank(p.scope)) p.scope = std::string(scope);
      return true;
    }
    if (out_.packages.size() >= limits_.max_packages) {
      full_ = true;
      Diagnose(model::DiagnosticSeverity::kError,
               "more than " + std::to_string(limits_.max_packages) +
                   " packages (kMaxPackagesPerDb); the rest of the file is ignored");
      return false;
    }
    model::Package p;
    p.type = "npm";
    p.name = key.first;
    p.version = key.second;
    p.purl = NpmPurl(p.name, p.version);
    p.scope = std::string(scope);
    p.db_path = std::string(db_path_);
    index_.emplace(std::move(key), out_.packages.size());
    out_.packages.push_back(std::move(p));
    return true;
  }

  void Diagnose(model::DiagnosticSeverity severity, std::string message) {
    AddDbDiagnostic(out_.diagnostics, limits_.max_diagnostics, db_path_, severity,
                    std::move(message));
  }

  bool full() const { return full_; }
  NpmLockfile Take() { return std::move(out_); }

 private:
  std::string_view db_path_;
  const NpmLockLimits& limits_;
  std::map<std::pair<std::string, std::string>, size_t> index_;
  bool full_ = false;
  NpmLockfile out_;
};

// "name@range" -> "name", where name may be scoped ("@s/n@1" -> "@s/n") and
// an npm alias names the real package: "alias@npm:real@^1" -> "real",
// "@s/n@npm:^1" -> "@s/n". The whole descriptor when it has no "@range".
std::string_view DescriptorName(std::string_view descriptor) {
  size_t at = descriptor.find('@', 1);
  if (at == std::string_view::npos) return descriptor;
  std::string_view name = descriptor.substr(0, at);
  std::string_view range = descriptor.substr(at + 1);
  if (StartsWith(range, "npm:")) {
    std::string_view target = range.substr(4);
    size_t target_at = target.find('@', 1);
    if (target_at != std::string_view::npos && target_at > 0) return target.substr(0, target_at);
  }
  return name;
}

// ---- package-lock.json -----------------------------------------------------

class PackageLockParser {
 public:
  PackageLockParser(std::string_view db_path, const NpmLockLimits& limits)
      : collector_(db_path, limits), limits_(limits) {}

  NpmLockfile Parse(const Json& doc) {
    if (const Json* packages = JsonObject(doc, "packages")) {
      Packages(*packages);
    } else if (const Json* deps = JsonObject(doc, "dependencies")) {
      Dependencies(*deps, 1);
    }
    return collector_.Take();
  }

 private:
  // v2/v3: keys are install paths.
  void Packages(const Json& packages) {
    for (const auto& [key, entry] : packages.items()) {
      if (key.empty() || !entry.is_object()) continue;
      if (JsonBool(entry, "link")) continue;
      size_t pos = key.rfind(kNodeModulesSlash);
      if (pos == std::string::npos || (pos > 0 && key[pos - 1] != '/')) continue;  // workspace
      std::string name = JsonString(entry, "name");
      if (!IsNpmName(name)) name = key.substr(pos + kNodeModulesSlash.size());
      std::string version = JsonString(entry, "version");
      if (!IsNpmName(name) || !IsRegistryVersion(version)) continue;
      if (!collector_.Add(name, version, JsonBool(entry, "dev") ? "dev" : "prod")) return;
    }
  }

  // v1: a tree of "dependencies" objects.
  void Dependencies(const Json& deps, size_t depth) {
    if (depth > limits_.max_depth) {
      if (!depth_reported_) {
        depth_reported_ = true;
        collector_.Diagnose(model::DiagnosticSeverity::kWarning,
                            "\"dependencies\" nested deeper than " +
                                std::to_string(limits_.max_depth) +
                                " (kMaxNpmLockDepth); deeper entries are ignored");
      }
      return;
    }
    for (const auto& [key, entry] : deps.items()) {
      if (collector_.full()) return;
      if (!entry.is_object()) continue;
      std::string name = key;
      std::string version = JsonString(entry, "version");
      if (StartsWith(version, "npm:")) {
        std::string target = version.substr(4);
        size_t at = target.find('@', 1);
        if (at != std::string::npos) {
          name = target.substr(0, at);
          version = target.substr(at + 1);
        }
      }
      if (IsNpmName(name) && IsRegistryVersion(version))
        collector_.Add(name, version, JsonBool(entry, "dev") ? "dev" : "prod");
      if (const Json* nested = JsonObject(entry, "dependencies")) Dependencies(*nested, depth + 1);
    }
  }

  Collector collector_;
  const NpmLockLimits& limits_;
  bool depth_reported_ = false;
};

// ---- yarn.lock v1 ----------------------------------------------------------

size_t Indentation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

std::string_view Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    return s.substr(1, s.size() - 2);
  return s;
}

// The first descriptor of a header line without its final ':':
// "\"@babel/x@^7\", \"@babel/x@^7.1\"" -> "@babel/x@^7".
std::string_view FirstDescriptor(std::string_view specs) {
  specs = Trim(specs);
  if (!specs.empty() && (specs.front() == '"' || specs.front() == '\'')) {
    size_t close = specs.find(specs.front(), 1);
    if (close != std::string_view::npos) return specs.substr(1, close - 1);
  }
  size_t comma = specs.find(',');
  return Unquote(specs.substr(0, comma));
}

struct YarnEntry {
  size_t line = 0;
  std::string name;
  std::string version;
  size_t field_indent = 0;  // indentation of the entry's own fields
};

NpmLockfile ParseYarnV1(std::string_view text, std::string_view db_path,
                        const NpmLockLimits& limits) {
  Collector collector(db_path, limits);
  std::optional<YarnEntry> entry;
  auto finish = [&]() {
    if (!entry) return true;
    YarnEntry e = std::move(*entry);
    entry.reset();
    if (!IsNpmName(e.name)) {
      collector.Diagnose(model::DiagnosticSeverity::kWarning,
                         Line(e.line) + ": entry without a valid package name; skipped");
      return true;
    }
    if (e.version.empty()) {
      collector.Diagnose(
          model::DiagnosticSeverity::kWarning,
          Line(e.line) + ": entry " + Printable(e.name, 100) + " has no version line; skipped");
      return true;
    }
    if (!IsRegistryVersion(e.version)) return true;
    return collector.Add(e.name, e.version, "");
  };
  LineCursor lines(text);
  std::string_view line;
  while (lines.Next(line)) {
    const size_t number = lines.number();
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    size_t indent = Indentation(line);
    if (indent == 0) {
      if (!finish()) break;
      if (trimmed.back() != ':') {
        collector.Diagnose(model::DiagnosticSeverity::kWarning,
                           Line(number) + ": expected an entry header ending in ':', got \"" +
                               Printable(trimmed, 60) + "\"");
        continue;
      }
      entry.emplace();
      entry->line = number;
      entry->name =
          std::string(DescriptorName(FirstDescriptor(trimmed.substr(0, trimmed.size() - 1))));
      continue;
    }
    if (!entry) continue;
    if (entry->field_indent == 0) entry->field_indent = indent;
    if (indent != entry->field_indent) continue;  // dependencies of the entry
    // `version "1.2.3"` (the key may be quoted too).
    std::string_view rest;
    if (StartsWith(trimmed, "version "))
      rest = trimmed.substr(8);
    else if (StartsWith(trimmed, "\"version\" "))
      rest = trimmed.substr(10);
    else
      continue;
    entry->version = std::string(Unquote(rest));
  }
  finish();
  return collector.Take();
}

// ---- YAML (yarn berry, pnpm) -----------------------------------------------

// A scalar's text, or nullopt for a missing or non-scalar node.
std::optional<std::string> Scalar(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return std::nullopt;
  YAML::Node v = map[key];
  if (!v.IsDefined() || !v.IsScalar()) return std::nullopt;
  return v.Scalar();
}

// YAML documents in one lockfile (pnpm 10 may write two: its config
// dependencies first).
constexpr size_t kMaxYamlDocuments = 16;

struct YamlDocument {
  YAML::Node root;
  size_t first_line = 0;  // line of the file where the document starts, from 0
};

Result<std::vector<YamlDocument>> LoadYaml(std::string_view text, std::string_view db_path,
                                           const NpmLockLimits& limits) {
  if (text.size() > limits.max_bytes)
    return ResourceExhausted(std::string(db_path) + ": " + std::to_string(text.size()) +
                             " bytes exceeds the limit of " + std::to_string(limits.max_bytes) +
                             " (kMaxNpmLockfileBytes)");
  CUSTOMS_TRY(CheckYamlNesting(text, db_path, limits.max_yaml_nesting, "kMaxYamlNesting"));
  // Documents are split here and loaded one by one: yaml-cpp 0.7's LoadAll
  // loops without end, allocating, when its parser stops consuming input in
  // a malformed document (jbeder/yaml-cpp#1319), while Load parses once.
  std::vector<YamlDocument> docs;
  size_t first_line = 0;  // of the current document, from 0
  size_t pos = 0, number = 0, doc_start = 0;
  auto load = [&](size_t end) -> Status {
    std::string_view doc = text.substr(doc_start, end - doc_start);
    if (Trim(doc).empty()) return Status::Ok();
    if (docs.size() >= kMaxYamlDocuments)
      return ResourceExhausted(std::string(db_path) + ": more than " +
                               std::to_string(kMaxYamlDocuments) +
                               " YAML documents (kMaxYamlDocuments)");
    try {
      docs.push_back({YAML::Load(std::string(doc)), first_line});
      return Status::Ok();
    } catch (const YAML::Exception& e) {
      return InvalidArgument(std::string(db_path) + ": malformed YAML at line " +
                             std::to_string(first_line + e.mark.line + 1) + ", column " +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
    } catch (const std::exception& e) {
      return ResourceExhausted(std::string(db_path) + ": YAML parser failed: " + e.what());
    }
  };
  // Every iteration consumes at least one byte, so the loop ends.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool marker = (StartsWith(line, "---") || StartsWith(line, "...")) &&
                  (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    if (marker) {
      CUSTOMS_TRY(load(pos));
      // The rest of a "---" line belongs to the next document.
      bool start = StartsWith(line, "---");
      doc_start = start ? pos + 3 : std::min(nl + 1, text.size());
      first_line = start ? number : number + 1;
    }
    pos = nl + 1;
    ++number;
  }
  CUSTOMS_TRY(load(text.size()));
  return docs;
}

// Runs `body` (which reads YAML nodes), turning yaml-cpp's exceptions into
// a Status.
template <typename Body>
Status GuardYaml(std::string_view db_path, Body&& body) {
  try {
    body();
    return Status::Ok();
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string(db_path) + ": unexpected YAML structure at line " +
                           std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return ResourceExhausted(std::string(db_path) + ": reading YAML failed: " + e.what());
  }
}

Result<NpmLockfile> ParseYarnBerry(std::string_view text, std::string_view db_path,
                                   const NpmLockLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, LoadYaml(text, db_path, limits));
  Collector collector(db_path, limits);
  for (const YamlDocument& doc : docs) {
    if (!doc.root.IsNull() && !doc.root.IsMap())
      return InvalidArgument(std::string(db_path) + ": expected a YAML mapping at the top");
  }
  CUSTOMS_TRY(GuardYaml(db_path, [&]() {
    for (const YamlDocument& doc : docs) {
      if (!doc.root.IsMap()) continue;
      for (const auto& kv : doc.root) {
        if (!kv.first.IsScalar() || !kv.second.IsMap()) continue;
        const std::string& key = kv.first.Scalar();
        if (key == "__metadata") continue;
        std::optional<std::string> version = Scalar(kv.second, "version");
        std::string resolution =
            Scalar(kv.second, "resolution").value_or(std::string(FirstDescriptor(key)));
        size_t at = resolution.find('@', 1);
        std::string_view name = std::string_view(resolution).substr(0, at);
        std::string_view ref = at == std::string::npos
                                   ? std::string_view()
                                   : std::string_view(resolution).substr(at + 1);
        if (StartsWith(ref, "workspace:") || StartsWith(ref, "patch:")) continue;
        if (!version || !IsNpmName(name)) {
          collector.Diagnose(model::DiagnosticSeverity::kWarning,
                             Line(doc.first_line + kv.first.Mark().line + 1) + ": entry \"" +
                                 Printable(key, 100) + "\" has no valid name or version; skipped");
          continue;
        }
        if (!IsRegistryVersion(*version)) continue;
        if (!collector.Add(name, *version, "")) return;
      }
    }
  }));
  return collector.Take();
}

// pnpm "packages:" keys -> name and version (peer suffixes dropped).
std::pair<std::string_view, std::string_view> PnpmKey(std::string_view key, int major) {
  if (StartsWith(key, "/")) key.remove_prefix(1);
  size_t paren = key.find('(');
  if (paren != std::string_view::npos) key = key.substr(0, paren);
  if (key.empty()) return {};
  bool at_format;
  size_t at = key.find('@', 1);
  if (major >= 6) {
    at_format = true;
  } else if (major >= 1) {
    at_format = false;
  } else {
    size_t allowed = key.front() == '@' ? 1 : 0;
    at_format = at != std::string_view::npos &&
                static_cast<size_t>(std::count(key.begin(), key.begin() + at, '/')) == allowed;
  }
  if (at_format) {
    if (at == std::string_view::npos) return {};
    return {key.substr(0, at), key.substr(at + 1)};
  }
  // "[registry/]name/1.0.0[_peers]" or "[registry/]@scope/name/1.0.0[_peers]".
  size_t last = key.rfind('/');
  if (last == std::string_view::npos || last == 0) return {};
  std::string_view version = key.substr(last + 1);
  size_t underscore = version.find('_');
  if (underscore != std::string_view::npos) version = version.substr(0, underscore);
  std::string_view head = key.substr(0, last);
  size_t name_start = head.rfind('/');
  name_start = name_start == std::string_view::npos ? 0 : name_start + 1;
  if (name_start >= 2) {
    size_t scope_start = head.rfind('/', name_start - 2);
    scope_start = scope_start == std::string_view::npos ? 0 : scope_start + 1;
    if (head[scope_start] == '@') name_start = scope_start;
  }
  return {head.substr(name_start), version};
}

// "5.3" -> 5, "9.0" -> 9; 0 when absent or not a number.
int LockfileMajor(const YAML::Node& doc) {
  std::optional<std::string> v = Scalar(doc, "lockfileVersion");
  if (!v) return 0;
  int major = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') break;
    major = major * 10 + (c - '0');
    if (major > 1000) return 0;
  }
  return major;
}

}  // namespace

Result<NpmLockfile> ParsePackageLockJson(std::string_view text, std::string_view db_path,
                                         const NpmLockLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, db_path, limits.max_bytes));
  if (!doc.is_object())
    return InvalidArgument(std::string(db_path) + ": expected a JSON object at the top");
  return PackageLockParser(db_path, limits).Parse(doc);
}

Result<NpmLockfile> ParseYarnLock(std::string_view text, std::string_view db_path,
                                  const NpmLockLimits& limits) {
  if (text.size() > limits.max_bytes)
    return ResourceExhausted(std::string(db_path) + ": " + std::to_string(text.size()) +
                             " bytes exceeds the limit of " + std::to_string(limits.max_bytes) +
                             " (kMaxNpmLockfileBytes)");
  bool berry =
      StartsWith(text, "__metadata:") || text.find("\n__metadata:") != std::string_view::npos;
  if (berry) return ParseYarnBerry(text, db_path, limits);
  return ParseYarnV1(text, db_path, limits);
}

Result<NpmLockfile> ParsePnpmLock(std::string_view text, std::string_view db_path,
                                  const NpmLockLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, LoadYaml(text, db_path, limits));
  Collector collector(db_path, limits);
  CUSTOMS_TRY(GuardYaml(db_path, [&]() {
    for (const YamlDocument& doc : docs) {
      if (!doc.root.IsMap()) continue;
      int major = LockfileMajor(doc.root);
      YAML::Node packages = doc.root["packages"];
      // A missing key gives an invalid node, on which IsMap() throws.
      if (!packages.IsDefined() || !packages.IsMap()) continue;
      for (const auto& kv : packages) {
        if (!kv.first.IsScalar()) continue;
        auto [key_name, key_version] = PnpmKey(kv.first.Scalar(), major);
        std::string name(key_name), version(key_version);
        std::string scope;
        if (kv.second.IsMap()) {
          if (auto n = Scalar(kv.second, "name"); n && IsNpmName(*n)) name = *n;
          if (auto v = Scalar(kv.second, "version"); v && IsNpmVersion(*v)) version = *v;
          if (auto dev = Scalar(kv.second, "dev")) {
            if (*dev == "true") scope = "dev";
            if (*dev == "false") scope = "prod";
          }
        }
        if (!IsNpmName(name) || !IsNpmVersion(version)) {
          collector.Diagnose(model::DiagnosticSeverity::kWarning,
                             Line(doc.first_line + kv.first.Mark().line + 1) + ": package key \"" +
                                 Printable(kv.first.Scalar(), 100) +
                                 "\" has no name and version; skipped");
          continue;
        }
        if (!IsRegistryVersion(version)) continue;
        if (!collector.Add(name, version, scope)) return;
      }
    }
  }));
  return collector.Take();
}

bool NpmLockCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view path = info.path;
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base != "package-lock.json" && base != "npm-shrinkwrap.json" && base != "yarn.lock" &&
      base != "pnpm-lock.yaml")
    return false;
  return !StartsWith(path, kNodeModulesSlash) &&
         path.find("/node_modules/") == std::string_view::npos;
}

Status NpmLockCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  std::string_view path = file.info.path;
  Result<NpmLockfile> parsed = [&]() {
    if (path.ends_with("yarn.lock")) return ParseYarnLock(file.text(), path);
    if (path.ends_with("pnpm-lock.yaml")) return ParsePnpmLock(file.text(), path);
    return ParsePackageLockJson(file.text(), path);
  }();
  CUSTOMS_TRY(parsed);
  for (auto& p : parsed->packages) out.packages.push_back(std::move(p));
  for (auto& d : parsed->diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
