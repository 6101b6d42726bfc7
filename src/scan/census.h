// `customs census REGISTRY`: scans every repository and tag of a registry
// (the _catalog and tags/list endpoints), keeps going past broken images,
// stores every image in a CensusStore as soon as it is done (so a census
// resumes after an interruption), and computes the study tables.
//
//   scan::CensusOptions options;
//   options.registry = "registry.local:5000";
//   options.tags = "3";                    // the three newest tags of each repository
//   options.scan.registry.insecure_registries = {"registry.local:5000"};
//   CUSTOMS_ASSIGN_OR_RETURN(model::CensusSummary summary, scan::RunCensus(options));
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/census.h"
#include "scan/scanner.h"

namespace customs::scan {

// Where a census stands, after each image (and once, with done = 0, when
// the listing is complete).
struct CensusProgress {
  size_t done = 0;     // images finished by this run, scanned or failed
  size_t total = 0;    // images this run scans (resumed ones not counted)
  size_t failed = 0;   // of done
  size_t resumed = 0;  // already in the store, skipped
  double elapsed_seconds = 0;
  double images_per_second = 0;  // done / elapsed
  uint64_t layers = 0;           // layers of the images scanned (not failed)
  uint64_t layers_cached = 0;    // of which the layer cache answered
  double layers_reused_percent = 0;
  std::string reference;  // the image just done ("" for the first call)
  std::string error;      // its error, "" when it was scanned
};

struct CensusOptions {
  std::string registry;  // "host[:port]", as in a reference
  // fnmatch(3) glob over repository names, without FNM_PATHNAME: '*'
  // matches across '/' ("team/*" takes team/a and team/a/b).
  std::string repos_glob = "*";
  // latest: the tag "latest", or the newest tag (SelectTags) when a
  // repository has none; all: every tag; N > 0: the N newest tags.
  std::string tags = "latest";
  // How each image is scanned: detectors, limits, registry access. A
  // layer_cache_dir of "" gets a temporary one for the run, so that layers
  // shared by several images are analyzed once whatever the caller chose.
  ScanOptions scan;
  bool match_vulns = false;  // match against vuln.db_path
  VulnScanOptions vuln;
  std::string store_path;        // "" for CensusStore::DefaultPath()
  unsigned parallel_images = 2;  // images scanned at once
  size_t top_n = 10;             // rows of each top list
  // Called after each image, from the worker that finished it; calls never
  // overlap.
  std::function<void(const CensusProgress&)> progress;
};

// Runs the census. Fails (before scanning anything) when the options are
// bad, the advisory DB is missing or stale beyond use (NotFound, with the
// command to run), the store cannot be opened, or the repositories cannot
// be listed; and stops when the store cannot be written. An image that
// cannot be listed, pulled, verified or scanned is stored with its reason
// and the census goes on. Returns the summary of every image the run
// selected (those it scanned and those it found done), with the run's wall
// time and images per second.
Result<model::CensusSummary> RunCensus(const CensusOptions& options);

// Checks a --tags value: "latest", "all" or a positive number.
Status CheckTagsMode(std::string_view mode);

// The tags `mode` selects from a repository's `tags` (see
// CensusOptions::tags), in version order.
std::vector<std::string> SelectTags(std::vector<std::string> tags, std::string_view mode);

// Version order of tags: runs of digits compare as numbers, other runs as
// bytes, a digit run sorts before a non-digit one, and "1.2-rc1" sorts
// before "1.2" (a '-' suffix is a pre-release). Negative, 0 or positive.
int CompareTags(std::string_view a, std::string_view b);

// What the census keeps of a scanned image: unique vulnerability IDs per
// severity and the (id, package) pairs, unsuppressed; the harmful
// categories of unsuppressed suspicious or malicious detections; the
// layers' diff_ids. Reference, registry, repository, tag, layers_cached
// and seconds are the caller's.
model::CensusImage ToCensusImage(const model::ScanResult& result);

}  // namespace customs::scan
