#include "catalog/npm.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kPackageJsonSuffix = "/package.json";
constexpr std::string_view kNodeModules = "node_modules";

// The scripts npm runs by itself when it installs a package from the
// registry ("prepare" runs for git dependencies and local installs).
constexpr std::array<std::string_view, 4> kLifecycleScripts = {"preinstall", "install",
                                                               "postinstall", "prepare"};

// The last component of `dir` and the directory above it; parent is empty
// and name the whole of `dir` when it has no "/".
std::pair<std::string_view, std::string_view> SplitLast(std::string_view dir) {
  size_t slash = dir.rfind('/');
  if (slash == std::string_view::npos) return {std::string_view(), dir};
  return {dir.substr(0, slash), dir.substr(slash + 1)};
}

bool IsNodeModulesDir(std::string_view dir) { return SplitLast(dir).second == kNodeModules; }

bool HasBadChars(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return true;
  return false;
}

void AddLicense(std::string_view license, std::vector<std::string>& out) {
  license = Trim(license);
  if (license.empty() || license.size() > kMaxNpmNameBytes || ContainsControlChars(license)) return;
  if (std::find(out.begin(), out.end(), license) != out.end()) return;
  out.emplace_back(license);
}

// "license": "MIT" | {"type": "MIT", "url": ...};
// "licenses": [{"type": ...}, "MIT", ...] | {"type": ...}.
void AddLicenses(const Json& doc, std::vector<std::string>& out) {
  auto add_one = [&out](const Json& v) {
    if (v.is_string())
      AddLicense(v.get_ref<const std::string&>(), out);
    else if (v.is_object())
      AddLicense(JsonString(v, "type"), out);
  };
  auto license = doc.find("license");
  if (license != doc.end()) add_one(*license);
  auto licenses = doc.find("licenses");
  if (licenses != doc.end()) {
    if (licenses->is_array()) {
      for (const auto& v : *licenses) add_one(v);
    } else {
      add_one(*licenses);
    }
  }
}

}  // namespace

bool IsNodeModulesPackageJson(std::string_view path) {
  if (path.size() <= kPackageJsonSuffix.size() ||
      path.substr(path.size() - kPackageJsonSuffix.size()) != kPackageJsonSuffix)
    return false;
  std::string_view dir = path.substr(0, path.size() - kPackageJsonSuffix.size());
  auto [parent, name] = SplitLast(dir);
  if (name.empty() || name.front() == '.' || name == kNodeModules) return false;
  if (name.front() == '@') return false;  // a scope directory, not a package
  if (IsNodeModulesDir(parent)) return true;
  auto [grandparent, scope] = SplitLast(parent);
  return scope.size() > 1 && scope.front() == '@' && IsNodeModulesDir(grandparent);
}

bool IsNpmName(std::string_view s) {
  return !s.empty() && s.size() <= kMaxNpmNameBytes && !HasBadChars(s);
}

bool IsNpmVersion(std::string_view s) {
  return !s.empty() && s.size() <= kMaxNpmVersionBytes && !HasBadChars(s);
}

std::string NpmPurl(std::string_view name, std::string_view version) {
  model::Purl purl;
  purl.type = "npm";
  size_t slash = name.find('/');
  if (!name.empty() && name.front() == '@' && slash != std::string_view::npos) {
    purl.namespace_ = std::string(name.substr(0, slash));
    purl.name = std::string(name.substr(slash + 1));
  } else {
    purl.name = std::string(name);
  }
  purl.version = std::string(version);
  return purl.ToString();
}

Result<std::optional<model::Package>> ParseNpmPackageJson(std::string_view text,
                                                          std::string_view db_path) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, db_path, kMaxNpmPackageJsonBytes));
  if (!doc.is_object())
    return InvalidArgument(std::string(db_path) + ": expected a JSON object at the top");
  std::string name = JsonString(doc, "name");
  std::string version = JsonString(doc, "version");
  if (!IsNpmName(name) || !IsNpmVersion(version)) return std::optional<model::Package>();

  model::Package p;
  p.type = "npm";
  p.name = std::move(name);
  p.version = std::move(version);
  p.purl = NpmPurl(p.name, p.version);
  p.db_path = std::string(db_path);
  AddLicenses(doc, p.licenses);
  if (const Json* scripts = JsonObject(doc, "scripts")) {
    for (std::string_view key : kLifecycleScripts) {
      auto it = scripts->find(key);
      if (it == scripts->end() || !it->is_string()) continue;
      const std::string& script = it->get_ref<const std::string&>();
      p.scripts[std::string(key)] = script.substr(0, kMaxNpmScriptBytes);
    }
  }
  return std::optional<model::Package>(std::move(p));
}

bool NpmPackageCataloger::Wants(const layer::FileInfo& info) const {
  return info.type == layer::FileType::kRegular && IsNodeModulesPackageJson(info.path);
}

Status NpmPackageCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  auto parsed = ParseNpmPackageJson(file.text(), file.info.path);
  if (!parsed.ok()) {
    out.diagnostics.push_back({.severity = model::DiagnosticSeverity::kWarning,
                               .code = "bad-package-json",
                               .path = file.info.path,
                               .message = parsed.status().message()});
    return Status::Ok();
  }
  if (parsed.value()) out.packages.push_back(std::move(*parsed.value()));
  return Status::Ok();
}

}  // namespace customs::catalog
