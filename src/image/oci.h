// OCI and Docker image documents: index / manifest list, manifest, config.
// Pure parsers over bounded bytes; media types of both families accepted.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/status.h"
#include "model/scan_result.h"

namespace customs::image {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string ToString() const;  // "linux/arm64/v8"
};

// "linux/amd64", "linux/arm/v7"; InvalidArgument otherwise.
Result<Platform> ParsePlatform(std::string_view text);
// Whether an image of platform `have` satisfies the request `want` (variant
// only compared when requested; arm64's implicit variant is v8).
bool PlatformMatches(const Platform& want, const Platform& have);

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = -1;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
  // True for BuildKit attestation manifests and unknown/unknown platforms,
  // which hold provenance, not a runnable image.
  bool IsAttestation() const;
};

bool IsIndexMediaType(std::string_view media_type);
bool IsManifestMediaType(std::string_view media_type);

struct Index {
  std::vector<Descriptor> manifests;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Config {
  Platform platform;
  std::vector<Digest> diff_ids;
  model::RunConfig run;
  std::vector<model::HistoryEntry> history;
  std::string created;
};

// Parsers; `what` names the document in errors.
Result<Index> ParseIndex(std::string_view json, std::string_view what);
Result<Manifest> ParseManifest(std::string_view json, std::string_view what);
Result<Config> ParseConfig(std::string_view json, std::string_view what);
// Whether a JSON document is an index (by mediaType, or by having
// "manifests" when mediaType is absent, as in some OCI layouts).
bool LooksLikeIndex(std::string_view json);

// The history line of each non-empty layer, in layer order; "" where the
// history is missing or has too few entries.
std::vector<std::string> LayerHistory(const Config& config, size_t layer_count);

}  // namespace customs::image
