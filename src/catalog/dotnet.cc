#include "catalog/dotnet.h"

#include <string>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kRuntimePackPrefix = "runtimepack.";

bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ToLower(a) == ToLower(b);
}

// A member that is present and not empty: a non-empty object or array.
bool HasAssets(const Json& lib, std::string_view key) {
  const Json* v = JsonObject(lib, key);
  return v != nullptr && !v->empty();
}

}  // namespace

Result<DotnetDeps> ParseDotnetDeps(std::string_view text, std::string_view db_path,
                                   const DotnetLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, db_path, limits.max_bytes));
  std::string where = std::string(db_path) + ": ";
  if (!doc.is_object()) return InvalidArgument(where + "expected a JSON object");

  DotnetDeps out;
  auto diagnose = [&](model::DiagnosticSeverity severity, std::string message) {
    if (out.diagnostics.size() >= limits.max_diagnostics) return;
    model::Diagnostic d;
    d.severity = severity;
    d.code = "bad-package-db";
    d.path = std::string(db_path);
    d.message = where + std::move(message);
    out.diagnostics.push_back(std::move(d));
  };

  const Json* libraries = JsonObject(doc, "libraries");
  if (libraries == nullptr || !libraries->is_object()) return out;
  // The libraries of the runtime target, when the file lists it.
  const Json* target = nullptr;
  if (const Json* runtime_target = JsonObject(doc, "runtimeTarget")) {
    std::string target_name = JsonString(*runtime_target, "name");
    if (const Json* targets = JsonObject(doc, "targets");
        targets != nullptr && targets->is_object())
      target = JsonObject(*targets, target_name);
    if (target != nullptr && !target->is_object()) target = nullptr;
  }

  size_t count = 0;
  for (const auto& [key, lib] : libraries->items()) {
    if (count >= limits.max_packages) {
      diagnose(model::DiagnosticSeverity::kError,
               "more than " + std::to_string(limits.max_packages) +
                   " libraries (kMaxPackagesPerDb); the rest are ignored");
      break;
    }
    std::string type = JsonString(lib, "type");
    bool runtime_pack = EqualsIgnoreCase(type, "runtimepack");
    if (!EqualsIgnoreCase(type, "package") && !runtime_pack) continue;
    size_t slash = key.find('/');
    std::string_view name =
        slash == std::string::npos ? std::string_view() : std::string_view(key).substr(0, slash);
    std::string_view version =
        slash == std::string::npos ? std::string_view() : std::string_view(key).substr(slash + 1);
    if (name.starts_with(kRuntimePackPrefix)) name.remove_prefix(kRuntimePackPrefix.size());
    if (!IsWord(name) || !IsWord(version) || version.find('/') != std::string_view::npos) {
      diagnose(model::DiagnosticSeverity::kWarning,
               "library \"" + Printable(key, 100) + "\": expected a key \"Name/Version\"; skipped");
      continue;
    }
    if (target != nullptr) {
      const Json* entry = JsonObject(*target, key);
      if (entry == nullptr && runtime_pack)
        entry = JsonObject(*target, std::string(name) + "/" + std::string(version));
      if (entry != nullptr && !HasAssets(*entry, "runtime") &&
          !HasAssets(*entry, "runtimeTargets") && !HasAssets(*entry, "native"))
        continue;  // ships no code at run time
    }
    ++count;
    model::Package p;
    p.type = "nuget";
    p.name = std::string(name);
    p.version = std::string(version);
    p.db_path = std::string(db_path);
    model::Purl purl;
    purl.type = "nuget";
    purl.name = p.name;
    purl.version = p.version;
    p.purl = purl.ToString();
    out.packages.push_back(std::move(p));
  }
  return out;
}

bool DotnetDepsCataloger::Wants(const layer::FileInfo& info) const {
  constexpr std::string_view kSuffix = ".deps.json";
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view p = info.path;
  if (p.size() <= kSuffix.size() || !p.ends_with(kSuffix)) return false;
  return p[p.size() - kSuffix.size() - 1] != '/';  // a name before the suffix
}

Status DotnetDepsCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(DotnetDeps deps, ParseDotnetDeps(file.text(), file.info.path));
  for (auto& p : deps.packages) out.packages.push_back(std::move(p));
  for (auto& d : deps.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
