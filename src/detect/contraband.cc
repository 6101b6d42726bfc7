#include "detect/contraband.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <tuple>

#include "base/file.h"
#include "catalog/relations.h"
#include "detect/config_checks.h"
#ifdef CUSTOMS_HAVE_CLAMAV
#include "detect/clamav.h"
#endif
#include "detect/file_checks.h"
#include "detect/hash_list.h"
#include "detect/npm_checks.h"
#include "detect/yara_rules.h"

namespace customs::detect {
namespace {

// The scanner a category belongs to.
bool Wanted(const DetectOptions& options, std::string_view category) {
  if (category == model::kCategorySecret) return options.secret;
  if (category == model::kCategoryConfig) return options.config;
  return options.malware;
}

// Categories a package-owned file is excused from: a distro's nmap is a
// dual-use tool, its test keys and example scripts are public. Malware
// (EICAR, hash-list hits) stays what it is wherever it sits.
bool ExcusedWhenPackaged(std::string_view category) {
  return category != model::kCategoryMalware && category != model::kCategoryMaliciousPackage;
}

// The index in "<field>[<index>]..." at the start of `evidence`.
std::optional<size_t> FieldIndex(std::string_view evidence, std::string_view field) {
  if (!evidence.starts_with(field) || evidence.size() <= field.size() ||
      evidence[field.size()] != '[')
    return std::nullopt;
  size_t index = 0, i = field.size() + 1;
  for (; i < evidence.size() && evidence[i] >= '0' && evidence[i] <= '9' && i < field.size() + 8;
       ++i)
    index = index * 10 + static_cast<size_t>(evidence[i] - '0');
  if (i == field.size() + 1 || i >= evidence.size() || evidence[i] != ']') return std::nullopt;
  return index;
}

// A secret that a config check found in Env or a history line is blanked in
// the image description every report prints, not only in the evidence.
void RedactConfig(std::string_view evidence, model::ScanResult& result) {
  model::ImageInfo& image = result.image;
  if (auto i = FieldIndex(evidence, "Env"); i && *i < image.config.env.size()) {
    std::string& entry = image.config.env[*i];
    size_t eq = entry.find('=');
    size_t value = eq == std::string::npos ? 0 : eq + 1;
    entry =
        entry.substr(0, value) + "(" + std::to_string(entry.size() - value) + " chars, redacted)";
  }
  if (auto i = FieldIndex(evidence, "History"); i && *i < image.history.size()) {
    const std::string line = image.history[*i].created_by;
    image.history[*i].created_by = "(redacted by customs: the line holds a secret)";
    auto redact = [&](model::LayerRef& layer) {
      if (layer.created_by == line) layer.created_by = image.history[*i].created_by;
    };
    for (auto& layer : image.layers) redact(layer);
    for (auto& p : result.packages) redact(p.layer);
    for (auto& d : result.detections) {
      redact(d.layer);
      redact(d.deleted_by);
    }
  }
}

int Rank(const model::Detection& d) {
  return static_cast<int>(d.disposition) * 16 + static_cast<int>(d.severity);
}

}  // namespace

Detectors::Detectors() = default;
Detectors::Detectors(Detectors&&) noexcept = default;
Detectors& Detectors::operator=(Detectors&&) noexcept = default;
Detectors::~Detectors() = default;

Result<Detectors> Detectors::Create(const DetectOptions& options) {
  Detectors out;
  if (!options.malware && !options.secret) {
    if (!options.clamav_db.empty())
      return InvalidArgument("--clamav-db needs the malware scanner (--scanners malware)");
    return out;  // config checks need no walk
  }
  std::vector<RuleSource> sources;
  if (options.builtin_rules)
    for (const RuleSource& source : BuiltinRules())
      if (IsSecretRuleFile(source) ? options.secret : options.malware) sources.push_back(source);
  for (const auto& path : options.rule_paths) {
    CUSTOMS_ASSIGN_OR_RETURN(auto more, ReadRuleFiles(path));
    sources.insert(sources.end(), more.begin(), more.end());
  }
  if (!sources.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(out.rules_, YaraRules::Compile(sources));
    out.owned_.push_back(std::make_unique<ContentScanner>(out.rules_));
  }
  for (auto& a : FileCheckAnalyzers()) out.owned_.push_back(std::move(a));
  if (options.malware) {
    std::vector<HashEntry> hashes = BuiltinHashes();
    for (const auto& path : options.hash_lists) {
      CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxHashListBytes), path);
      CUSTOMS_ASSIGN_OR_RETURN(auto more, ParseHashList(text, path));
      hashes.insert(hashes.end(), more.begin(), more.end());
    }
    out.owned_.push_back(std::make_unique<HashListAnalyzer>(std::move(hashes)));
  }
  if (!options.clamav_db.empty()) {
#ifdef CUSTOMS_HAVE_CLAMAV
    CUSTOMS_ASSIGN_OR_RETURN(auto engine, ClamAvEngine::Load(options.clamav_db));
    out.owned_.push_back(std::make_unique<ClamAvScanner>(std::move(engine)));
#else
    return Unimplemented(
        "--clamav-db: this customs was built without libclamav (CUSTOMS_CLAMAV=OFF)");
#endif
  }
  return out;
}

std::vector<const layer::Analyzer*> Detectors::analyzers() const {
  std::vector<const layer::Analyzer*> out;
  for (const auto& a : owned_) out.push_back(a.get());
  return out;
}

size_t Detectors::rule_count() const { return rules_ ? rules_->RuleCount() : 0; }

void FinishDetections(const DetectOptions& options, const layer::FileTree& tree,
                      model::ScanResult& result) {
  catalog::FileOwners owners(result.packages);
  for (auto& d : result.detections) {
    if (d.path.empty() || !d.owner.empty()) continue;
    // An archive member ("a.jar!/x") belongs to whoever installed the archive.
    const model::Package* owner = owners.Find(d.path.substr(0, d.path.find("!/")));
    if (owner == nullptr) continue;
    // The package's file, unless a later layer than the one that installed
    // the package wrote it (a replaced binary is not the package's).
    if (d.layer.index != owner->layer.index) {
      d.evidence += "; the path belongs to " + owner->purl + " but layer " +
                    std::to_string(d.layer.index + 1) + " replaced the file";
      continue;
    }
    d.owner = owner->purl;
    if (ExcusedWhenPackaged(d.category) && d.disposition != model::Disposition::kInfo) {
      d.disposition = model::Disposition::kInfo;
      d.evidence += "; installed by the OS package " + owner->purl;
    }
  }

  if (options.malware) {
    // Setuid and setgid files no package installed: a privilege-escalation
    // door left in the image.
    for (const auto& [path, node] : tree.nodes()) {
      const layer::FileInfo& info = *node.info;
      if (info.type != layer::FileType::kRegular || (info.mode & 06000) == 0) continue;
      if (owners.Find(path) != nullptr) continue;
      model::Detection d =
          model::MakeDetection(model::kCategoryBackdoor, "setuid-unowned", model::Severity::kHigh,
                               model::Disposition::kSuspicious, model::Confidence::kMedium,
                               "setuid/setgid file that no OS package installed", "",
                               "https://attack.mitre.org/techniques/T1548/001/");
      d.path = path;
      if (node.layer >= 0 && static_cast<size_t>(node.layer) < result.image.layers.size())
        d.layer = result.image.layers[static_cast<size_t>(node.layer)];
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", info.mode & 07777);
      d.evidence = std::string("mode ") + mode + ", owner uid " + std::to_string(info.uid);
      result.detections.push_back(std::move(d));
    }
    for (auto& d : CheckNpmPackages(result.packages)) result.detections.push_back(std::move(d));
  }
  if (options.config) {
    auto found = CheckImageConfig(result.image);
    for (const auto& d : found)
      if (d.category == model::kCategorySecret) RedactConfig(d.evidence, result);
    for (auto& d : found) result.detections.push_back(std::move(d));
  }

  auto& all = result.detections;
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const model::Detection& d) { return !Wanted(options, d.category); }),
            all.end());
  SortDetections(all);
}

void SortDetections(std::vector<model::Detection>& detections) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const model::Detection& a, const model::Detection& b) {
                     int ra = Rank(a), rb = Rank(b);
                     if (ra != rb) return ra > rb;
                     return std::tie(a.category, a.rule_id, a.path) <
                            std::tie(b.category, b.rule_id, b.path);
                   });
}

}  // namespace customs::detect
