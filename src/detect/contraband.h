// Contraband detection wired together: the analyzers the layer walk runs
// (content rules, file checks) and what happens once the layers are merged
// (attribution, package ownership, setuid files, npm packages, image-config
// checks, the scanners the user asked for).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"
#include "layer/merge.h"
#include "model/scan_result.h"

namespace customs::detect {

// Which of `customs scan --scanners` run, and the user's rules.
struct DetectOptions {
  bool malware = false;                 // content rules, file checks, npm checks (all but secrets)
  bool secret = false;                  // secret rules, /etc/shadow
  bool config = false;                  // image-config checks
  std::vector<std::string> rule_paths;  // --rules: files or directories of .yar/.yara
  std::vector<std::string> hash_lists;  // --hashes: ClamAV .hsb files of known-bad SHA-256
  std::string clamav_db;  // --clamav-db: ClamAV signature databases (a directory or a file)
  bool builtin_rules = true;
  bool any() const { return malware || secret || config; }
};

class YaraRules;

// The analyzers of the layer walk for `options`; owns them.
class Detectors {
 public:
  static Result<Detectors> Create(const DetectOptions& options);
  Detectors(Detectors&&) noexcept;
  Detectors& operator=(Detectors&&) noexcept;
  ~Detectors();
  std::vector<const layer::Analyzer*> analyzers() const;
  size_t rule_count() const;

 private:
  Detectors();
  std::vector<std::unique_ptr<layer::Analyzer>> owned_;
  std::shared_ptr<const YaraRules> rules_;
};

// After the merge, with result.packages final and result.detections the
// merged ones with their layers filled in: marks files an OS package
// installed (owner; a dual-use tool or a packaged file is info, not
// contraband, unless a later layer replaced the package's file), adds
// setuid/setgid files no package installed, the npm and image-config
// checks, drops what the scanners not asked for found, and sorts: most
// grave first.
void FinishDetections(const DetectOptions& options, const layer::FileTree& tree,
                      model::ScanResult& result);

// Most grave first: disposition, then severity, then category, rule, path.
void SortDetections(std::vector<model::Detection>& detections);

}  // namespace customs::detect
