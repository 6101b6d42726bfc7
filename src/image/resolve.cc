#include "image/resolve.h"

#include "base/limits.h"

namespace customs::image {
namespace {

std::string ListPlatforms(const std::vector<Platform>& ps) {
  std::string out;
  for (const auto& p : ps) out += (out.empty() ? "" : ", ") + p.ToString();
  return out.empty() ? "none" : out;
}

Status Expand(const std::vector<Descriptor>& in, size_t depth, const ResolveContext& context,
              std::vector<Descriptor>& out) {
  if (depth > kMaxIndexDepth)
    return ResourceExhausted("image indexes nested deeper than " + std::to_string(kMaxIndexDepth));
  for (const auto& d : in) {
    if (IsManifestMediaType(d.media_type)) {
      out.push_back(d);
      continue;
    }
    if (!IsIndexMediaType(d.media_type) && !d.media_type.empty()) continue;  // artifacts
    CUSTOMS_ASSIGN_OR_RETURN(std::string json, context.fetch(d, "index"));
    if (d.media_type.empty() && !LooksLikeIndex(json)) {
      out.push_back(d);
      continue;
    }
    CUSTOMS_ASSIGN_OR_RETURN(Index child, ParseIndex(json, "index " + d.digest.str()));
    if (out.size() + child.manifests.size() > kMaxIndexEntries)
      return ResourceExhausted(context.name + ": more than " + std::to_string(kMaxIndexEntries) +
                               " manifests in its indexes");
    CUSTOMS_TRY(Expand(child.manifests, depth + 1, context, out));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ResolvedImage>> ResolveDescriptors(const std::vector<Descriptor>& chosen,
                                                      const PlatformRequest& request,
                                                      const ResolveContext& context) {
  std::vector<Descriptor> expanded;
  CUSTOMS_TRY(Expand(chosen, 0, context, expanded));
  std::vector<Descriptor> manifests;
  for (auto& d : expanded)
    if (!d.IsAttestation()) manifests.push_back(std::move(d));
  std::vector<std::pair<Descriptor, Manifest>> loaded;
  for (const auto& d : manifests) {
    // Only the manifests that can match are read: a registry counts every
    // manifest GET against the pull limit.
    if (d.platform && !request.all && !PlatformMatches(request.platform, *d.platform)) continue;
    CUSTOMS_ASSIGN_OR_RETURN(std::string json, context.fetch(d, "manifest"));
    CUSTOMS_ASSIGN_OR_RETURN(Manifest m, ParseManifest(json, "manifest " + d.digest.str()));
    loaded.emplace_back(d, std::move(m));
  }
  std::vector<Platform> available;
  for (const auto& d : manifests)
    if (d.platform) available.push_back(*d.platform);
  std::vector<ResolvedImage> out;
  for (auto& [desc, manifest] : loaded) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string cfg_json, context.fetch(manifest.config, "config"));
    CUSTOMS_ASSIGN_OR_RETURN(Config config,
                             ParseConfig(cfg_json, "config " + manifest.config.digest.str()));
    Platform p = desc.platform ? *desc.platform : config.platform;
    if (!desc.platform) available.push_back(p);
    bool single = manifests.size() == 1 && !desc.platform;
    if (!request.all && !(single && !request.explicit_platform) &&
        !PlatformMatches(request.platform, p))
      continue;
    if (manifest.layers.size() != config.diff_ids.size())
      return DataLoss("manifest " + desc.digest.str() + " lists " +
                      std::to_string(manifest.layers.size()) + " layers but its config has " +
                      std::to_string(config.diff_ids.size()) + " diff_ids");
    ResolvedImage img = DescribeImage(context.info, config, manifest.config.digest);
    img.info.manifest_digest = desc.digest.str();
    img.info.platform_from_index = desc.platform.has_value();
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      const Descriptor& l = manifest.layers[i];
      img.layers.push_back(
          {l.digest, config.diff_ids[i], l.media_type, context.location(l), l.size, false});
    }
    FillLayers(img, config);
    out.push_back(std::move(img));
    if (!request.all) break;
  }
  if (out.empty()) {
    if (loaded.empty() && available.empty())
      return NotFound(context.name + ": no image manifest found");
    return NotFound(context.name + ": no image for platform " + request.platform.ToString() +
                    " (available: " + ListPlatforms(available) + ")");
  }
  return out;
}

ResolvedImage DescribeImage(const model::ImageInfo& base, const Config& config,
                            const Digest& config_digest) {
  ResolvedImage img;
  img.info = base;
  img.info.config_digest = config_digest.str();
  img.info.os = config.platform.os;
  img.info.architecture = config.platform.architecture;
  img.info.variant = config.platform.variant;
  img.info.created = config.created;
  img.info.history = config.history;
  img.info.config = config.run;
  return img;
}

void FillLayers(ResolvedImage& img, const Config& config) {
  auto history = LayerHistory(config, img.layers.size());
  img.info.layers.clear();
  for (size_t i = 0; i < img.layers.size(); ++i) {
    img.info.layers.push_back(
        {static_cast<int>(i), img.layers[i].diff_id.str(),
         img.layers[i].digest.empty() ? img.layers[i].diff_id.str() : img.layers[i].digest.str(),
         history[i]});
  }
}

}  // namespace customs::image
