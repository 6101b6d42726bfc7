// Contraband found in an image: a known malicious package version, a file
// the content rules flag (miners, hacking tools, malware, backdoors,
// secrets), or an image-config check that fired.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/package.h"
#include "model/vulnerability.h"

namespace customs::model {

// What a finding says about the image, from the most to the least grave.
// SARIF levels: error, warning, note.
enum class Disposition {
  kInfo,        // worth knowing, not a problem by itself (a PE file, a
                // distro-packaged nmap)
  kSuspicious,  // dual-use or unusual (a miner binary, a dropped scanner)
  kMalicious,   // known bad (a malicious package version, EICAR, a backdoor)
};

enum class Confidence { kLow, kMedium, kHigh };

std::string_view DispositionName(Disposition d);  // "info", "suspicious", "malicious"
std::string_view ConfidenceName(Confidence c);    // "low", "medium", "high"

// Detection categories (Detection::category).
inline constexpr std::string_view kCategoryCoinMiner = "coin-miner";
inline constexpr std::string_view kCategoryHackingTool = "hacking-tool";
inline constexpr std::string_view kCategoryMaliciousPackage = "malicious-package";
inline constexpr std::string_view kCategoryWindowsMalware = "windows-malware";
inline constexpr std::string_view kCategoryBackdoor = "backdoor";
inline constexpr std::string_view kCategorySecret = "secret";
inline constexpr std::string_view kCategoryMalware = "malware";  // EICAR, hash-list hits
inline constexpr std::string_view kCategoryConfig = "config";    // image-config checks

struct Detection {
  // One of the kCategory* values above.
  std::string category;
  std::string rule_id;  // the advisory or rule that fired: "MAL-2022-1234", "miner_stratum_url"
  Severity severity = Severity::kCritical;
  Disposition disposition = Disposition::kMalicious;
  Confidence confidence = Confidence::kHigh;
  std::string title;
  std::string reference;  // a URL or advisory ID the rule rests on, may be empty
  std::string purl;       // the package, when the detection is about one
  std::string path;       // file in the image, no leading "/"; empty for config checks
  LayerRef layer;
  // What the finding rests on, in words, secrets redacted ("OSV
  // MAL-2022-1234 lists event-stream 3.3.6 as malicious"; "stratum+tcp://
  // at offset 4096").
  std::string evidence;
  // The OS package whose file list holds `path` ("pkg:deb/debian/nmap@..."),
  // when one does: a packaged tool is dual-use, not contraband.
  std::string owner;
  // The later layer that deleted or replaced the file (index -1 while the
  // file is visible): its bytes are still shipped to every host that pulls
  // the image.
  LayerRef deleted_by;
  // The content's SHA-256 ("sha256:...") when it was computed (hash-list
  // hits), for allow-lists.
  std::string sha256;
  // Set when an allow-list entry hid it: the reason, kept for --show-suppressed.
  std::string suppressed_by;

  bool operator==(const Detection&) const = default;
};

// A detection with the fields every finding has; path, layer and the rest
// are filled in by the caller.
Detection MakeDetection(std::string_view category, std::string_view rule, Severity severity,
                        Disposition disposition, Confidence confidence, std::string title,
                        std::string evidence, std::string_view reference = {});

// The image verdict: malicious when any unsuppressed finding is, suspicious
// when any is, clean otherwise ("info" findings leave an image clean).
enum class Verdict { kClean, kSuspicious, kMalicious };
std::string_view VerdictName(Verdict v);  // "clean", "suspicious", "malicious"
Verdict ImageVerdict(const std::vector<Detection>& detections);

}  // namespace customs::model
