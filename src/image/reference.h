// Image references as Docker reads them: "nginx", "user/app:tag",
// "localhost:5000/team/app@sha256:…", "docker://ghcr.io/org/tool:v1".
// Pure: ParseReference does no IO and touches no globals.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace customs::image {

// Docker's NameTotalLengthMax: registry + "/" + repository after
// normalization. Registries and Docker refuse longer names.
inline constexpr size_t kMaxReferenceNameBytes = 255;
// The whole text given to ParseReference: name (255) + ":" + tag (128) +
// "@" + digest (71) + "docker://" fits well below this; anything longer is
// refused before it is looked at.
inline constexpr size_t kMaxReferenceBytes = 1024;

inline constexpr std::string_view kDockerHubDomain = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";

struct Reference {
  std::string registry;    // "docker.io", "localhost:5000", "ghcr.io", "[::1]:5000"
  std::string repository;  // "library/nginx"
  // "latest" when neither a tag nor a digest was given; may be set together
  // with digest ("name:tag@sha256:…" pulls by digest, the tag is a label).
  std::string tag;
  std::string digest;  // "sha256:<64 hex>" or ""

  // The host the API is served from: "registry-1.docker.io" for docker.io,
  // else `registry`.
  std::string ApiHost() const;
  // Fully qualified: "docker.io/library/nginx:1.25", "…@sha256:…",
  // "name:tag@sha256:…". ParseReference(ToString()) gives the same fields.
  std::string ToString() const;
  // Short form as docker prints it: "nginx:1.25", "user/app:tag",
  // "localhost:5000/a:b".
  std::string Familiar() const;
  // Token scope: "repository:library/nginx:pull", or with other actions
  // ("pull,push").
  std::string Scope(std::string_view actions = "pull") const;
  // What the manifest endpoint is asked for: the digest when there is one,
  // else the tag.
  std::string_view ManifestSelector() const { return digest.empty() ? tag : digest; }

  bool operator==(const Reference&) const = default;
};

// Docker's normalization (containers/image docker/reference/normalize.go):
//   nginx                      -> docker.io/library/nginx:latest
//   index.docker.io/user/app   -> docker.io/user/app:latest
//   localhost:5000/a/b:c       -> localhost:5000/a/b:c
//   reg.example:8443/t/a@sha256:… -> digest, no tag
// The first path component is a registry only if it contains '.' or ':' or
// is "localhost"; one-component Docker Hub names get "library/"; the default
// tag is "latest" (only when no digest is given). The repository follows the
// distribution grammar [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/…)* and must be
// lowercase; tags are [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; digests are sha256
// (64 lowercase hex), the only algorithm the rest of customs verifies. An
// optional "docker://" prefix (skopeo's transport) is accepted. A bare
// 64-hex string is refused, as Docker does (it looks like an image ID).
// Errors are InvalidArgument naming the reference and the reason.
Result<Reference> ParseReference(std::string_view text);

}  // namespace customs::image
