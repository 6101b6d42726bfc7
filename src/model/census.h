// The census of a registry (`customs census`): what is kept of each image
// scanned, and the figures of the 2020 Docker Hub studies computed over all
// of them (see docs/census.md). Plain values, no logic.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/detection.h"
#include "model/vulnerability.h"

namespace customs::model {

// The detection categories that make an image harmful in the census, in the
// order the tables list them (kCategoryConfig is not one: a root user or an
// exposed port is not contraband).
inline constexpr std::array<std::string_view, 7> kHarmfulCategories = {
    kCategoryCoinMiner, kCategoryMaliciousPackage, kCategoryHackingTool, kCategoryWindowsMalware,
    kCategoryBackdoor,  kCategorySecret,           kCategoryMalware};

// One vulnerability of one package in a census image.
struct CensusVulnerability {
  std::string id;  // the primary ID (CVE when there is one)
  Severity severity = Severity::kUnknown;
  std::string package;  // the package name

  bool operator==(const CensusVulnerability&) const = default;
};

// Unique vulnerability IDs of an image per severity (an ID found in two
// packages counts once, at the higher of its severities).
struct SeverityCounts {
  int64_t critical = 0;
  int64_t high = 0;
  int64_t medium = 0;
  int64_t low = 0;
  int64_t negligible = 0;
  int64_t unknown = 0;
  int64_t total = 0;

  bool operator==(const SeverityCounts&) const = default;
};

// What the census keeps of one image (one tag of one repository).
struct CensusImage {
  std::string reference;   // "host:port/repo:tag", what was scanned
  std::string registry;    // "host:port"
  std::string repository;  // "team/app"
  std::string tag;         // "" when the repository's tags could not be listed
  std::string manifest_digest;
  std::string platform;  // "linux/amd64"
  std::string error;     // why the image could not be scanned; "" when it was
  SeverityCounts vulnerabilities;
  // kHarmfulCategories with at least one unsuppressed suspicious or
  // malicious detection, sorted.
  std::vector<std::string> categories;
  // Unique (id, package) pairs, unsuppressed.
  std::vector<CensusVulnerability> findings;
  std::vector<std::string> layers;  // diff_ids, in image order
  int64_t layers_cached = 0;        // layers the layer cache answered
  double seconds = 0;               // wall time of the scan (and match)

  bool operator==(const CensusImage&) const = default;
};

struct CensusCategory {
  std::string category;  // one of kHarmfulCategories
  int64_t images = 0;
};

struct CensusTopVulnerability {
  std::string id;
  Severity severity = Severity::kUnknown;  // the highest any image gave it
  int64_t images = 0;                      // images with it
  std::vector<std::string> packages;       // package names it was found in, sorted
};

struct CensusTopPackage {
  std::string package;          // name
  int64_t images = 0;           // images where it has a vulnerability
  int64_t vulnerabilities = 0;  // distinct IDs found in it
};

struct CensusSharedLayer {
  std::string diff_id;
  int64_t images = 0;            // images holding it
  std::string first_repository;  // the repository of the first image stored with it
};

struct CensusFailure {
  std::string reference;
  std::string error;
};

// The study tables for a set of stored images. Percentages are left to the
// reports: every "images" count below is out of images_scanned.
struct CensusSummary {
  std::string registry;
  int64_t images_scanned = 0;  // without error
  int64_t images_failed = 0;
  int64_t images_with_critical = 0;  // >= 1 critical vulnerability
  int64_t images_with_high = 0;      // >= 1 high (critical ones or not)
  int64_t images_with_any = 0;       // >= 1 vulnerability of any severity
  // Images by their most severe vulnerability (Prevasio's split: 51%
  // critical, 13% high, 4% moderate): critical, high, medium, low,
  // negligible, unknown, none; sums to images_scanned.
  SeverityCounts images_by_max_severity;
  int64_t images_without_vulnerabilities = 0;
  double mean_vulnerabilities = 0;                          // unique IDs per image
  double median_vulnerabilities = 0;                        // of the same
  int64_t harmful_images = 0;                               // with >= 1 harmful category
  std::vector<CensusCategory> categories;                   // all kHarmfulCategories, in that order
  std::vector<CensusTopVulnerability> top_vulnerabilities;  // by images, then id
  std::vector<CensusTopPackage> top_packages;               // by images, then name
  std::vector<CensusSharedLayer> shared_layers;  // in >= 2 images, by images, then diff_id
  int64_t layers = 0;         // layers of the images scanned (one per image holding it)
  int64_t layers_cached = 0;  // of those, answered by the layer cache
  int64_t unique_layers = 0;  // distinct diff_ids
  // The run that produced the summary (0 when none ran, e.g. a summary of a
  // store alone).
  int64_t run_images = 0;      // images scanned or failed by the run
  int64_t resumed_images = 0;  // found done in the store and skipped
  double wall_seconds = 0;
  double images_per_second = 0;         // run_images / wall_seconds
  std::vector<CensusFailure> failures;  // by reference
};

}  // namespace customs::model
