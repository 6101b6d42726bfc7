// Identifiers the reporters derive from scan results: deterministic UUIDs,
// the image's package URL, display versions. Pure; no clock, no randomness.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/scan_result.h"
#include "report/report.h"

namespace customs::report {

// A name-based UUID: the first 128 bits of SHA-256(`name`) with the RFC 9562
// version 8 ("custom") and variant bits set, lower-case hex,
// "xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx". Equal names give equal UUIDs.
std::string NameBasedUuid(std::string_view name);

// The name that seeds a document's serial number or namespace: `kind`, the
// tool name and version, the caller's seed and every result's manifest digest
// (config digest, then reference, when there is none), one per line.
std::string DocumentSeed(std::string_view kind, const std::vector<model::ScanResult>& results,
                         const ReportOptions& options);

// "pkg:oci/<name>@<manifest digest>?arch=..&repository_url=..&tag=.." when
// the image has a manifest digest and a repository name (from its first repo
// tag, or a registry reference); "" otherwise. Docker Hub short names expand
// to index.docker.io/library/<name>, as registries resolve them.
std::string ImagePurl(const model::ImageInfo& image);

// The version as a reader compares it: rpm's epoch in front ("1:2.3-4");
// other ecosystems keep the epoch inside their version already.
std::string DisplayVersion(const model::Package& package);

// "linux/amd64", "linux/arm/v7"; "" when the config names no platform.
std::string Platform(const model::ImageInfo& image);

// What tells two packages of one document apart (result index, type, name,
// version, epoch, arch, database, layer, purl), hashed into stable ids.
std::string PackageIdentity(size_t result_index, const model::Package& p);

// `candidate` if not in `used`, else candidate + "-2", "-3"...; records it.
std::string MakeUnique(std::set<std::string>& used, const std::string& candidate);

// A name for a document about `results`: the reference; for several results
// of one reference "<reference> (N platforms)"; for different references
// they are joined with ", ". `fallback` when there is no reference at all.
std::string DocumentTitle(const std::vector<model::ScanResult>& results,
                          const std::string& fallback);

// True for "YYYY-MM-DDTHH:MM:SSZ", the UTC form both SBOM formats accept.
bool IsUtcTimestamp(std::string_view text);

}  // namespace customs::report
