// The one place that wires a scan together: source -> resolve -> per-layer
// walk (in parallel, each blob verified against its digest and diff_id) ->
// merge -> packages and OS -> ScanResult.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/limits.h"
#include "detect/contraband.h"
#include "image/registry.h"
#include "image/source.h"
#include "layer/walker.h"
#include "model/scan_result.h"
#include "sandbox/sandbox.h"
#include "vuln/matcher.h"

namespace customs::scan {

// What a scan did, for progress lines and the census.
struct ScanStats {
  std::atomic<uint64_t> layers{0};         // layers of the images scanned
  std::atomic<uint64_t> layers_cached{0};  // of which the layer cache answered
};

struct ScanOptions {
  image::PlatformRequest platform;
  Limits limits;
  unsigned parallelism = 0;         // layers analyzed and content scan threads; 0: one per core
  detect::DetectOptions detect;     // contraband scanners; none by default
  image::RegistryOptions registry;  // registry images: auth, retries, blob cache
  // Per-layer results cached by LayerCacheKey under this directory ("" for
  // none): a layer seen before is neither downloaded nor read again.
  std::string layer_cache_dir;
  uint64_t layer_cache_max_bytes = uint64_t{4} << 30;
  ScanStats* stats = nullptr;  // filled in when set
  // The analyzers for `detect`, built once for many scans (a census); built
  // per scan when null.
  std::shared_ptr<const detect::Detectors> detectors;
};

// Vulnerability matching after the inventory (`customs scan`).
struct VulnScanOptions {
  std::string db_path;  // the advisory DB file
  vuln::MatchOptions match;
  // Suppressions: ignore files (.trivyignore text or YAML) and OpenVEX
  // documents, read here.
  std::vector<std::string> ignore_files;
  std::vector<std::string> vex_files;
  int64_t now = 0;  // unix seconds, the caller's clock: DB age, rule expiry
};

// What matching wants the user to know, besides the results.
struct VulnScanNotices {
  std::vector<std::string> warnings;     // stale DB, expired ignore rules
  std::vector<std::string> explanation;  // with match.explain_id
};

// Matches the packages of every result against the advisory DB, filling
// `vulnerabilities` and `detections` (known malicious versions) and adding
// diagnostics for versions that could not be compared, then marks what the
// ignore files and VEX documents suppress. NotFound with the command to run
// when there is no DB; an unreadable or malformed ignore or VEX file fails.
Result<VulnScanNotices> MatchVulnerabilities(std::vector<model::ScanResult>& results,
                                             const VulnScanOptions& options);

// The contraband allow-list of the ignore files (see vuln/suppress.h)
// applied to every result's detections: allowed ones are marked
// suppressed_by. Returns notices (expired rules). A file that cannot be read
// or parsed fails.
Result<std::vector<std::string>> ApplyContrabandAllowList(
    std::vector<model::ScanResult>& results, const std::vector<std::string>& ignore_files,
    int64_t now);

// Scans the image named by `image_arg` (any form ParseImageSpec accepts).
// One result per platform scanned. Fails (with a one-line reason naming the
// blob, file or layer) when the image cannot be read or does not verify; a
// bad package database is a diagnostic in an otherwise complete result.
Result<std::vector<model::ScanResult>> ScanImage(const std::string& image_arg,
                                                 const ScanOptions& options);

// Runs the image in the sandbox (`--scanners behavior`) and adds what it
// did to the result of the platform that ran (the first): its behaviour
// report, and its verdicts among the detections.
Status AddBehavior(std::vector<model::ScanResult>& results, const std::string& image_arg,
                   const sandbox::SandboxOptions& options);

// Analyzes one layer blob: verifies the blob digest (when known) and the
// diff_id while decompressing, and walks the tar once (`content_pool`:
// layer::WalkLayer's).
Result<layer::LayerResult> AnalyzeLayerBlob(std::unique_ptr<ByteStream> blob,
                                            const image::LayerBlob& layer, size_t index,
                                            const std::vector<const layer::Analyzer*>& analyzers,
                                            const Limits& limits,
                                            layer::ContentPool* content_pool = nullptr);

// The version stamp of the analyzer set ("os/dpkg@1,os/apk@1,..."), part of
// every layer cache key together with the diff_id.
std::string AnalyzerSetVersion(const std::vector<const layer::Analyzer*>& analyzers);

// The key under which a layer's result may be cached and shared across
// images: it depends only on the layer's bytes (its diff_id), on the
// analyzers that looked at them (names carry rule and list digests) and on
// the limits they ran under.
std::string LayerCacheKey(const Digest& diff_id,
                          const std::vector<const layer::Analyzer*>& analyzers,
                          const Limits& limits = {});

}  // namespace customs::scan
