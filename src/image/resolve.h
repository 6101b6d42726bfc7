// From chosen manifest descriptors to single-platform images: expands
// indexes, skips attestations, picks the requested platform(s), reads and
// checks each manifest and config. Shared by the sources that address blobs
// by digest (OCI layouts, registries).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "image/oci.h"
#include "image/source.h"

namespace customs::image {

// Reads the blob a descriptor names, verified against its digest. `what`
// names the document ("manifest", "index", "config") in errors.
using FetchBlob =
    std::function<Result<std::string>(const Descriptor& descriptor, std::string_view what)>;
// Where each layer of a resolved image is found (LayerBlob::location).
using LayerLocation = std::function<std::string(const Descriptor& layer)>;

struct ResolveContext {
  std::string name;       // for errors: the layout path or the reference
  model::ImageInfo info;  // reference and source, copied into every image
  FetchBlob fetch;
  LayerLocation location;
};

// The images of `chosen` (manifests or indexes) that the request selects.
// NotFound lists the available platforms when none matches.
Result<std::vector<ResolvedImage>> ResolveDescriptors(const std::vector<Descriptor>& chosen,
                                                      const PlatformRequest& request,
                                                      const ResolveContext& context);

// Image facts from a config; layers filled in by FillLayers.
ResolvedImage DescribeImage(const model::ImageInfo& base, const Config& config,
                            const Digest& config_digest);
// The per-layer LayerRefs (diff_id, digest, history) of img.info.
void FillLayers(ResolvedImage& img, const Config& config);

}  // namespace customs::image
