#include "catalog/composer.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "catalog/db_diagnostic.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

// One word of printable bytes: versions and name parts.
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

class InstalledReader {
 public:
  InstalledReader(std::string_view db_path, const ComposerLimits& limits)
      : db_path_(db_path), limits_(limits) {}

  ComposerInstalled Read(const Json& list, const std::set<std::string>* dev_names) {
    size_t index = 0;
    for (const Json& entry : list) {
      if (index >= limits_.max_packages) {
        Diagnose(model::DiagnosticSeverity::kError,
                 "more than " + std::to_string(limits_.max_packages) +
                     " packages (kMaxPackagesPerDb); the rest are ignored");
        break;
      }
      Entry(entry, index++, dev_names);
    }
    return std::move(out_);
  }

 private:
  void Entry(const Json& entry, size_t index, const std::set<std::string>* dev_names) {
    std::string where = "package #" + std::to_string(index);
    if (!entry.is_object()) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": not an object; skipped");
      return;
    }
    std::string name = JsonString(entry, "name");
    size_t slash = name.find('/');
    if (!IsWord(name) || slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
      Diagnose(model::DiagnosticSeverity::kWarning,
               where + ": no \"name\" of the form \"vendor/project\" (got \"" +
                   Printable(name, 100) + "\"); skipped");
      return;
    }
    std::string version = JsonString(entry, "version");
    if (!IsWord(version)) {
      Diagnose(model::DiagnosticSeverity::kWarning,
               where + " (" + Printable(name, 100) + "): no valid \"version\"; skipped");
      return;
    }
    model::Package p;
    p.type = "composer";
    p.name = name;
    p.version = version;
    p.db_path = std::string(db_path_);
    std::vector<std::string> licenses = JsonStrings(entry, "license");
    if (licenses.empty()) {
      std::string one = JsonString(entry, "license");
      if (!one.empty()) licenses.push_back(std::move(one));
    }
    for (const auto& l : licenses) {
      std::string_view t = Trim(l);
      if (t.empty() || ContainsControlChars(t)) continue;
      if (std::find(p.licenses.begin(), p.licenses.end(), t) == p.licenses.end())
        p.licenses.emplace_back(t);
    }
    if (dev_names != nullptr) p.scope = dev_names->contains(name) ? "dev" : "prod";
    model::Purl purl;
    purl.type = "composer";
    purl.namespace_ = ToLower(std::string_view(name).substr(0, slash));
    purl.name = ToLower(std::string_view(name).substr(slash + 1));
    purl.version = version;
    p.purl = purl.ToString();
    out_.packages.push_back(std::move(p));
  }

  void Diagnose(model::DiagnosticSeverity severity, std::string message) {
    AddDbDiagnostic(out_.diagnostics, limits_.max_diagnostics, db_path_, severity,
                    std::move(message));
  }

  std::string_view db_path_;
  const ComposerLimits& limits_;
  ComposerInstalled out_;
};

}  // namespace

Result<ComposerInstalled> ParseComposerInstalled(std::string_view text, std::string_view db_path,
                                                 const ComposerLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, db_path, limits.max_bytes));
  InstalledReader reader(db_path, limits);
  if (doc.is_array()) return reader.Read(doc, nullptr);  // Composer 1
  const Json* packages = JsonArray(doc, "packages");
  if (packages == nullptr)
    return InvalidArgument(std::string(db_path) +
                           ": expected a JSON array of packages (Composer 1) or an object with a "
                           "\"packages\" array (Composer 2)");
  std::set<std::string> dev;
  for (auto& n : JsonStrings(doc, "dev-package-names")) dev.insert(std::move(n));
  return reader.Read(*packages, &dev);
}

bool ComposerCataloger::Wants(const layer::FileInfo& info) const {
  constexpr std::string_view kFile = "composer/installed.json";
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view p = info.path;
  return p == kFile || (p.ends_with(kFile) && p[p.size() - kFile.size() - 1] == '/');
}

Status ComposerCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(ComposerInstalled db,
                           ParseComposerInstalled(file.text(), file.info.path));
  for (auto& p : db.packages) out.packages.push_back(std::move(p));
  for (auto& d : db.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
