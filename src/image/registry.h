// Pulling from OCI Distribution registries (Docker Hub, GHCR, ECR, Harbor,
// the CNCF registry): manifests and blobs over HTTPS, the Bearer token and
// Basic auth flows, retries with backoff that honour Retry-After, resumable
// blob downloads, Link pagination, and a content-addressed blob cache.
//
//   RegistryOptions options;              // credentials from docker's config
//   CUSTOMS_ASSIGN_OR_RETURN(auto ref, ParseReference("nginx:1.25"));
//   RegistryClient client(ref.registry, options);
//   CUSTOMS_ASSIGN_OR_RETURN(auto tags, client.ListTags(ref.repository));
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/disk_cache.h"
#include "base/http.h"
#include "base/limits.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/registry_auth.h"
#include "image/source.h"

namespace customs::image {

// The manifest types a pull accepts, newest first.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct RegistryOptions {
  http::ClientOptions http;
  // Registries (as in Reference::registry, "host:port") reached over plain
  // HTTP, or HTTPS without certificate checks when they speak it.
  std::vector<std::string> insecure_registries;
  // --username/--password-stdin: used for `credentials_registry` only.
  std::optional<Credentials> credentials;
  std::string credentials_registry;
  // Where stored credentials are looked up; `lookup_stored` false skips it.
  CredentialLookup lookup;
  bool lookup_stored = true;
  // Attempts per request (the first included) on 429, 5xx and transport
  // errors; the wait doubles from backoff_ms, or is what Retry-After says
  // (at most max_retry_after_seconds).
  int max_attempts = 5;
  int backoff_ms = 500;
  int max_retry_after_seconds = 60;
  // Content-addressed cache of manifests, configs and layer blobs; "" for
  // none.
  std::string blob_cache_dir;
  uint64_t blob_cache_max_bytes = uint64_t{10} << 30;
  // Notices for the user: low rate limits, registry Warning headers.
  std::function<void(const std::string&)> notify;
};

// Bytes a manifest or config document may have.
inline constexpr size_t kMaxRegistryDocumentBytes = 4 << 20;

struct ManifestResponse {
  std::string media_type;  // Content-Type without parameters
  Digest digest;           // Docker-Content-Digest, checked against the bytes
  std::string body;        // empty for HEAD
  int64_t size = -1;
};

// One registry, shared by the threads of a scan (tokens are cached per
// scope under a lock).
class RegistryClient {
 public:
  RegistryClient(std::string registry, RegistryOptions options);
  ~RegistryClient();

  const std::string& registry() const { return registry_; }

  // HEAD (does not count against Docker Hub's pull limit) or GET of
  // /v2/<repo>/manifests/<tag-or-digest>. A GET is verified against the
  // Docker-Content-Digest header and, when `reference` is a digest, against
  // it. NotFound when the registry says MANIFEST_UNKNOWN / NAME_UNKNOWN.
  Result<ManifestResponse> Manifest(const std::string& repo, const std::string& reference,
                                    bool head);
  // A small blob (config), verified; `size` as for OpenBlob. One that does
  // not verify is fetched once more.
  Result<std::string> SmallBlob(const std::string& repo, const Digest& digest, int64_t size,
                                size_t max_bytes);
  // A blob as a stream: resumed with Range when the connection breaks,
  // checked against `digest` (and `size` when >= 0) at its end (DataLoss
  // on a mismatch), and written to the blob cache when one is configured.
  Result<std::unique_ptr<ByteStream>> OpenBlob(const std::string& repo, const Digest& digest,
                                               int64_t size);
  // _catalog and tags/list, asking for `page_size` entries at a time and
  // following Link pagination (bounded).
  Result<std::vector<std::string>> ListRepositories(size_t page_size = 1000);
  Result<std::vector<std::string>> ListTags(const std::string& repo, size_t page_size = 1000);

  // The blob cache, or null.
  DiskCache* blob_cache() { return blob_cache_.get(); }

  // Sends a request with auth, retries and manual redirects (Authorization
  // never crosses to another origin). `scope` is the token scope to ask
  // for; `path` starts with "/v2/" or is an absolute URL.
  Result<std::unique_ptr<http::Response>> Send(const std::string& method, const std::string& path,
                                               const std::string& scope,
                                               std::vector<std::string> headers,
                                               uint64_t range_from = 0);

 private:
  struct Auth;
  Result<std::string> BaseUrl();
  Result<std::string> AuthorizationFor(const std::string& scope);
  Status Authenticate(const http::Response& challenge, const std::string& scope);
  Result<std::vector<std::string>> ListPaged(const std::string& path, const std::string& scope,
                                             std::string_view field);
  void Notify(const std::string& message);
  void NoteRateLimit(const http::Response& response);

  std::string registry_;
  RegistryOptions options_;
  std::unique_ptr<Auth> auth_;
  std::unique_ptr<DiskCache> blob_cache_;
};

// The registry as an image source (SourceKind::kRegistry): ImageSpec::path
// is the full reference.
Result<std::unique_ptr<ImageSource>> OpenRegistrySource(const ImageSpec& spec, const Limits& limits,
                                                        const RegistryOptions& options);

}  // namespace customs::image
