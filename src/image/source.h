// Image sources: where an image's manifests, config and layer blobs come
// from. docker-archive (both `docker save` forms), OCI layout directories,
// oci-archive tarballs and plain root filesystems.
//
//   CUSTOMS_ASSIGN_OR_RETURN(auto source, OpenImageSource(spec, limits));
//   CUSTOMS_ASSIGN_OR_RETURN(auto images, source->Resolve(request));
//   for (size_t i = 0; i < images[0].layers.size(); ++i)
//     auto blob = source->OpenLayerBlob(images[0], i);   // raw, unverified
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/limits.h"
#include "base/stream.h"
#include "image/oci.h"
#include "model/scan_result.h"

namespace customs::image {

enum class SourceKind { kDockerArchive, kOciLayout, kOciArchive, kRootfs, kRegistry };
std::string_view SourceKindName(SourceKind kind);

// What the user named: "oci:dir:tag", "docker-archive:x.tar", a plain path.
struct ImageSpec {
  SourceKind kind = SourceKind::kOciLayout;
  std::string path;
  std::string tag;     // oci:DIR:TAG, docker-archive:PATH:REPO:TAG
  std::string digest;  // oci:DIR@sha256:...
  std::string text;    // as given
};

// Parses the IMAGE argument. A plain path is detected: a directory with
// oci-layout is an OCI layout, another directory a rootfs; a file is an
// archive (docker-archive when it holds manifest.json, else oci-archive);
// "DIR:TAG" names a tag of an existing OCI layout. Anything else that
// parses as an image reference ("nginx:1.25", "docker://host:5000/app@…",
// "registry:REF") is a registry image.
Result<ImageSpec> ParseImageSpec(std::string_view arg);

// Which platforms to scan in a multi-platform image.
struct PlatformRequest {
  Platform platform{"linux", "amd64", ""};
  bool all = false;
  // False when the platform is the default: a single-platform image of
  // another platform is then scanned as it is, as Trivy does.
  bool explicit_platform = false;
};

// One layer as the manifest and config describe it.
struct LayerBlob {
  Digest digest;   // of the blob as stored; empty when the archive has none
  Digest diff_id;  // of the uncompressed tar, from the config
  std::string media_type;
  std::string location;  // file name inside the archive or layout, or the URL
  int64_t size = -1;     // from the manifest; -1 when unknown
  // The stream OpenLayerBlob returns checks the blob digest itself (or comes
  // from a cache that did on insert): the caller need not hash it again.
  bool blob_checked = false;
};

// One single-platform image, ready to be read layer by layer.
struct ResolvedImage {
  model::ImageInfo info;
  std::vector<LayerBlob> layers;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // The images matching the request; for --platform all, every runnable
  // platform (attestation manifests skipped). An unavailable platform is
  // NotFound listing the available ones. Manifests and configs are verified
  // against their digests here.
  virtual Result<std::vector<ResolvedImage>> Resolve(const PlatformRequest& request) = 0;
  // The raw (possibly compressed) blob of one layer; the caller verifies it.
  virtual Result<std::unique_ptr<ByteStream>> OpenLayerBlob(const ResolvedImage& image,
                                                            size_t layer) = 0;
  // rootfs sources have no blobs: the root directory to walk instead.
  virtual std::string RootDirectory() const { return ""; }
  // Whether blobs come over the network: a layer that fails to verify may
  // be fetched once more.
  virtual bool Remote() const { return false; }
};

// The uncompressed tar of one layer from its raw blob, verified as it is
// read: the blob digest (unless the source checked it) and the diff_id. A
// mismatch fails the read that reaches the end (DataLoss), so a consumer
// trusts nothing until it has read to the end. Decompression runs on a
// thread of its own. `what` names the layer in errors.
Result<std::unique_ptr<ByteStream>> OpenLayerTar(std::unique_ptr<ByteStream> blob,
                                                 const LayerBlob& layer, const std::string& what,
                                                 const Limits& limits);

struct RegistryOptions;  // image/registry.h

// `registry` applies to registry images (defaults when null).
Result<std::unique_ptr<ImageSource>> OpenImageSource(const ImageSpec& spec, const Limits& limits,
                                                     const RegistryOptions* registry = nullptr);

}  // namespace customs::image
