#include "image/oci.h"

#include "base/json.h"
#include "base/limits.h"
#include "base/strings.h"

namespace customs::image {

std::string Platform::ToString() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Result<Platform> ParsePlatform(std::string_view text) {
  auto parts = Split(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return InvalidArgument("platform '" + Printable(text) +
                           "' is not of the form os/arch[/variant] (e.g. linux/amd64)");
  Platform p{std::string(parts[0]), std::string(parts[1]),
             parts.size() == 3 ? std::string(parts[2]) : std::string()};
  return p;
}

bool PlatformMatches(const Platform& want, const Platform& have) {
  if (want.os != have.os || want.architecture != have.architecture) return false;
  if (want.variant.empty()) return true;
  std::string have_variant = have.variant;
  if (have_variant.empty() && have.architecture == "arm64") have_variant = "v8";
  return want.variant == have_variant;
}

bool Descriptor::IsAttestation() const {
  auto it = annotations.find("vnd.docker.reference.type");
  if (it != annotations.end() && it->second == "attestation-manifest") return true;
  return platform && platform->os == "unknown" && platform->architecture == "unknown";
}

bool IsIndexMediaType(std::string_view m) { return m == kOciIndex || m == kDockerManifestList; }
bool IsManifestMediaType(std::string_view m) { return m == kOciManifest || m == kDockerManifest; }

namespace {

Result<Descriptor> ParseDescriptor(const Json& j, std::string_view what) {
  if (!j.is_object()) return InvalidArgument(std::string(what) + ": descriptor is not an object");
  Descriptor d;
  d.media_type = JsonString(j, "mediaType");
  CUSTOMS_ASSIGN_OR_RETURN(d.digest, Digest::Parse(JsonString(j, "digest")), what);
  d.size = JsonInt(j, "size", -1);
  if (const Json* p = JsonObject(j, "platform")) {
    d.platform =
        Platform{JsonString(*p, "os"), JsonString(*p, "architecture"), JsonString(*p, "variant")};
  }
  if (const Json* a = JsonObject(j, "annotations")) {
    for (auto it = a->begin(); it != a->end(); ++it)
      if (it.value().is_string()) d.annotations[it.key()] = it.value().get<std::string>();
  }
  return d;
}

}  // namespace

bool LooksLikeIndex(std::string_view json) {
  auto doc = ParseJson(json, "document");
  if (!doc.ok()) return false;
  std::string mt = JsonString(*doc, "mediaType");
  if (!mt.empty()) return IsIndexMediaType(mt);
  return JsonArray(*doc, "manifests") != nullptr;
}

Result<Index> ParseIndex(std::string_view json, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, what));
  const Json* list = JsonArray(doc, "manifests");
  if (list == nullptr) return InvalidArgument(std::string(what) + ": no \"manifests\" array");
  if (list->size() > kMaxIndexEntries)
    return ResourceExhausted(std::string(what) + ": more than " + std::to_string(kMaxIndexEntries) +
                             " manifests");
  Index index;
  for (size_t i = 0; i < list->size(); ++i) {
    CUSTOMS_ASSIGN_OR_RETURN(
        Descriptor d,
        ParseDescriptor((*list)[i], std::string(what) + ": manifests[" + std::to_string(i) + "]"));
    index.manifests.push_back(std::move(d));
  }
  return index;
}

Result<Manifest> ParseManifest(std::string_view json, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, what));
  if (JsonInt(doc, "schemaVersion") == 1)
    return Unimplemented(std::string(what) +
                         ": Docker schema 1 manifests are deprecated and not supported");
  Manifest m;
  m.media_type = JsonString(doc, "mediaType", std::string(kOciManifest));
  if (IsIndexMediaType(m.media_type))
    return InvalidArgument(std::string(what) + ": is an index, not a manifest");
  const Json* config = JsonObject(doc, "config");
  if (config == nullptr) return InvalidArgument(std::string(what) + ": no \"config\" descriptor");
  CUSTOMS_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config, std::string(what) + ": config"));
  if (m.config.media_type != kOciConfig && m.config.media_type != kDockerConfig)
    return Unimplemented(std::string(what) + ": config media type '" +
                         Printable(m.config.media_type) +
                         "' is not a container image (an OCI artifact?)");
  const Json* layers = JsonArray(doc, "layers");
  if (layers == nullptr) return InvalidArgument(std::string(what) + ": no \"layers\" array");
  if (layers->size() > kMaxLayers)
    return ResourceExhausted(std::string(what) + ": more than " + std::to_string(kMaxLayers) +
                             " layers");
  for (size_t i = 0; i < layers->size(); ++i) {
    std::string lw = std::string(what) + ": layers[" + std::to_string(i) + "]";
    CUSTOMS_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*layers)[i], lw));
    static constexpr std::string_view kKnown[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    bool known = false;
    for (auto k : kKnown) known = known || d.media_type == k;
    if (!known)
      return Unimplemented(lw + ": unknown layer media type '" + Printable(d.media_type) + "'");
    m.layers.push_back(std::move(d));
  }
  return m;
}

Result<Config> ParseConfig(std::string_view json, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, what));
  if (!doc.is_object()) return InvalidArgument(std::string(what) + ": not a JSON object");
  Config c;
  c.platform = {JsonString(doc, "os"), JsonString(doc, "architecture"), JsonString(doc, "variant")};
  c.created = JsonString(doc, "created");
  const Json* rootfs = JsonObject(doc, "rootfs");
  if (rootfs == nullptr) return InvalidArgument(std::string(what) + ": no \"rootfs\"");
  const Json* ids = JsonArray(*rootfs, "diff_ids");
  if (ids == nullptr) return InvalidArgument(std::string(what) + ": no \"rootfs.diff_ids\"");
  if (ids->size() > kMaxLayers)
    return ResourceExhausted(std::string(what) + ": more than " + std::to_string(kMaxLayers) +
                             " diff_ids");
  for (const auto& id : *ids) {
    if (!id.is_string()) return InvalidArgument(std::string(what) + ": diff_id is not a string");
    CUSTOMS_ASSIGN_OR_RETURN(Digest d, Digest::Parse(id.get<std::string>()),
                             std::string(what) + ": diff_ids");
    c.diff_ids.push_back(std::move(d));
  }
  if (const Json* cfg = JsonObject(doc, "config")) {
    c.run.user = JsonString(*cfg, "User");
    c.run.env = JsonStrings(*cfg, "Env");
    c.run.entrypoint = JsonStrings(*cfg, "Entrypoint");
    c.run.cmd = JsonStrings(*cfg, "Cmd");
    c.run.working_dir = JsonString(*cfg, "WorkingDir");
    if (const Json* ports = JsonObject(*cfg, "ExposedPorts"))
      for (auto it = ports->begin(); it != ports->end(); ++it)
        c.run.exposed_ports.push_back(it.key());
    if (const Json* labels = JsonObject(*cfg, "Labels"))
      for (auto it = labels->begin(); it != labels->end(); ++it)
        if (it.value().is_string()) c.run.labels[it.key()] = it.value().get<std::string>();
  }
  if (const Json* history = JsonArray(doc, "history")) {
    for (const auto& h : *history) {
      if (c.history.size() >= kMaxLayers * 4) break;  // history is informational
      c.history.push_back({JsonString(h, "created"), JsonString(h, "created_by"),
                           JsonString(h, "comment"), JsonBool(h, "empty_layer")});
    }
  }
  return c;
}

std::vector<std::string> LayerHistory(const Config& config, size_t layer_count) {
  std::vector<std::string> out;
  for (const auto& h : config.history)
    if (!h.empty_layer) out.push_back(h.created_by);
  out.resize(layer_count);
  return out;
}

}  // namespace customs::image
