#include "image/source.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/file.h"
#include "base/json.h"
#include "base/pipe_stream.h"
#include "base/strings.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/resolve.h"
#include "layer/decompress.h"
#include "layer/path.h"
#include "layer/tar_reader.h"

namespace customs::image {

std::string_view SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kDockerArchive:
      return "docker-archive";
    case SourceKind::kOciLayout:
      return "oci";
    case SourceKind::kOciArchive:
      return "oci-archive";
    case SourceKind::kRootfs:
      return "rootfs";
    case SourceKind::kRegistry:
      return "registry";
  }
  return "?";
}

namespace {

bool IsDir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool IsFile(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "path:tag" or "path@sha256:..." split for oci: references. The path may
// itself contain ':' only when the suffix would not be a valid tag.
void SplitRef(std::string_view rest, ImageSpec& spec) {
  auto at = rest.rfind("@sha256:");
  if (at != std::string_view::npos) {
    spec.path = std::string(rest.substr(0, at));
    spec.digest = std::string(rest.substr(at + 1));
    return;
  }
  auto colon = rest.find(':');
  if (colon != std::string_view::npos && !IsDir(std::string(rest)) && !IsFile(std::string(rest))) {
    spec.path = std::string(rest.substr(0, colon));
    spec.tag = std::string(rest.substr(colon + 1));
    return;
  }
  spec.path = std::string(rest);
}

}  // namespace

Result<ImageSpec> ParseImageSpec(std::string_view arg) {
  ImageSpec spec;
  spec.text = std::string(arg);
  struct Prefix {
    std::string_view text;
    SourceKind kind;
  };
  static constexpr Prefix kPrefixes[] = {{"docker-archive:", SourceKind::kDockerArchive},
                                         {"oci-archive:", SourceKind::kOciArchive},
                                         {"oci:", SourceKind::kOciLayout},
                                         {"oci-dir:", SourceKind::kOciLayout},
                                         {"rootfs:", SourceKind::kRootfs},
                                         {"dir:", SourceKind::kRootfs}};
  for (const auto& p : kPrefixes) {
    if (arg.substr(0, p.text.size()) != p.text) continue;
    spec.kind = p.kind;
    std::string_view rest = arg.substr(p.text.size());
    if (rest.empty()) return InvalidArgument("'" + spec.text + "' names no path");
    if (p.kind == SourceKind::kRootfs) {
      spec.path = std::string(rest);
    } else {
      SplitRef(rest, spec);
    }
    return spec;
  }
  std::string path(arg);
  if (IsDir(path)) {
    spec.kind = IsFile(path + "/oci-layout") || IsFile(path + "/index.json")
                    ? SourceKind::kOciLayout
                    : SourceKind::kRootfs;
    spec.path = path;
    return spec;
  }
  if (IsFile(path)) {
    // Decided when the archive is opened: manifest.json means docker-archive.
    spec.kind = SourceKind::kDockerArchive;
    spec.path = path;
    return spec;
  }
  // "DIR:TAG" of an existing OCI layout, as oci:DIR:TAG.
  if (size_t colon = arg.rfind(':'); colon != std::string_view::npos && colon > 0) {
    std::string base(arg.substr(0, colon));
    if (IsFile(base + "/index.json")) {
      spec.kind = SourceKind::kOciLayout;
      spec.path = base;
      spec.tag = std::string(arg.substr(colon + 1));
      return spec;
    }
  }
  bool explicit_registry = arg.starts_with("docker://") || arg.starts_with("registry:");
  if (!explicit_registry &&
      (arg.find("://") != std::string_view::npos || arg.starts_with("/") || arg.starts_with(".")))
    return NotFound("'" + spec.text + "' does not exist");
  std::string_view ref_text = arg.starts_with("registry:") ? arg.substr(9) : arg;
  auto ref = ParseReference(ref_text);
  if (!ref.ok()) {
    if (explicit_registry) return ref.status();
    return NotFound("'" + spec.text + "' is not a file or directory, nor an image reference (" +
                    ref.status().message() + ")");
  }
  spec.kind = SourceKind::kRegistry;
  spec.path = ref->ToString();
  spec.tag = ref->tag;
  spec.digest = ref->digest;
  return spec;
}

namespace {

// The files of an image container: a directory or a tar archive.
class FileSet {
 public:
  virtual ~FileSet() = default;
  virtual bool Exists(const std::string& name) const = 0;
  virtual Result<std::unique_ptr<ByteStream>> Open(const std::string& name) const = 0;
  Result<std::string> ReadSmall(const std::string& name, size_t max) const {
    CUSTOMS_ASSIGN_OR_RETURN(auto s, Open(name));
    return ReadAll(*s, max, name);
  }
};

class DirFileSet : public FileSet {
 public:
  explicit DirFileSet(std::string root) : root_(std::move(root)) {}
  bool Exists(const std::string& name) const override { return IsFile(root_ + "/" + name); }
  Result<std::unique_ptr<ByteStream>> Open(const std::string& name) const override {
    // Names come from image documents; keep them inside the layout.
    CUSTOMS_ASSIGN_OR_RETURN(std::string clean, layer::NormalizeMemberName(name),
                             "file name in " + root_);
    CUSTOMS_ASSIGN_OR_RETURN(auto file, OpenFile::Open(root_ + "/" + clean));
    uint64_t size = file->size();
    return std::unique_ptr<ByteStream>(std::make_unique<FileRangeStream>(std::move(file), 0, size));
  }

 private:
  std::string root_;
};

// Streams the content of one member of a compressed archive, keeping the
// decompression chain alive.
class MemberStream : public ByteStream {
 public:
  MemberStream(std::unique_ptr<ByteStream> chain, std::unique_ptr<layer::TarReader> tar)
      : chain_(std::move(chain)), tar_(std::move(tar)) {}
  Result<size_t> Read(std::span<uint8_t> out) override { return tar_->ReadContent(out); }

 private:
  std::unique_ptr<ByteStream> chain_;
  std::unique_ptr<layer::TarReader> tar_;
};

class TarFileSet : public FileSet {
 public:
  static Result<std::unique_ptr<TarFileSet>> Open(const std::string& path, const Limits& limits) {
    auto set = std::make_unique<TarFileSet>();
    set->limits_ = limits;
    CUSTOMS_ASSIGN_OR_RETURN(set->file_, OpenFile::Open(path));
    CUSTOMS_ASSIGN_OR_RETURN(auto stream, set->OpenRaw());
    layer::TarReader tar(*stream, limits, path);
    layer::TarEntry e;
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool more, tar.Next(e));
      if (!more) break;
      auto name = layer::NormalizeMemberName(e.name);
      if (!name.ok()) continue;  // never looked up, so harmless here
      if (e.type == layer::FileType::kRegular) {
        set->members_[*name] = {tar.offset(), e.size, ""};
      } else if (e.type == layer::FileType::kSymlink || e.type == layer::FileType::kHardlink) {
        std::string target = e.type == layer::FileType::kSymlink
                                 ? layer::ResolveLinkTarget(*name, e.link_name)
                                 : layer::NormalizeMemberName(e.link_name).value_or("");
        set->members_[*name] = {0, 0, target};
      }
    }
    return set;
  }

  bool Exists(const std::string& name) const override { return Find(name) != nullptr; }

  Result<std::unique_ptr<ByteStream>> Open(const std::string& name) const override {
    const Member* m = Find(name);
    if (m == nullptr) return NotFound(file_->path() + ": no member '" + Printable(name) + "'");
    if (compression_ == layer::Compression::kNone)
      return std::unique_ptr<ByteStream>(
          std::make_unique<FileRangeStream>(file_, m->offset, m->size));
    // Compressed archive: decompress from the start and skip to the member.
    CUSTOMS_ASSIGN_OR_RETURN(auto chain, OpenRaw());
    auto tar = std::make_unique<layer::TarReader>(*chain, limits_, file_->path());
    layer::TarEntry e;
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool more, tar->Next(e));
      if (!more) return DataLoss(file_->path() + ": member '" + name + "' vanished");
      if (tar->offset() == m->offset) break;
    }
    return std::unique_ptr<ByteStream>(
        std::make_unique<MemberStream>(std::move(chain), std::move(tar)));
  }

 private:
  struct Member {
    uint64_t offset = 0;
    uint64_t size = 0;
    std::string link;  // non-empty for links: the member they point to
  };
  Result<std::unique_ptr<ByteStream>> OpenRaw() const {
    auto raw = std::make_unique<FileRangeStream>(file_, 0, file_->size());
    return layer::OpenDecompressed(std::move(raw), limits_, file_->path(),
                                   const_cast<layer::Compression*>(&compression_));
  }

  const Member* Find(std::string name) const {
    for (size_t hops = 0; hops <= kMaxSymlinkHops; ++hops) {
      auto it = members_.find(name);
      if (it == members_.end()) return nullptr;
      if (it->second.link.empty()) return &it->second;
      name = it->second.link;
    }
    return nullptr;
  }

  std::shared_ptr<OpenFile> file_;
  Limits limits_;
  layer::Compression compression_ = layer::Compression::kNone;
  std::map<std::string, Member> members_;
};

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + std::string(d.hex()); }

// Reads a small blob and checks it against its digest.
Result<std::string> ReadVerified(const FileSet& files, const std::string& name,
                                 const Digest& digest, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string data, files.ReadSmall(name, kMaxImageJsonBytes),
                           std::string(what));
  CUSTOMS_TRY(CheckDigest(digest, Sha256::Of(data), std::string(what) + " " + name));
  return data;
}

class ContainerSource : public ImageSource {
 public:
  ContainerSource(ImageSpec spec, std::unique_ptr<FileSet> files, const Limits& limits)
      : spec_(std::move(spec)), files_(std::move(files)), limits_(limits) {}

  Result<std::vector<ResolvedImage>> Resolve(const PlatformRequest& request) override {
    bool has_layout = files_->Exists("index.json");
    bool has_docker = files_->Exists("manifest.json");
    if (spec_.kind == SourceKind::kDockerArchive && has_docker && !has_layout)
      return ResolveDockerArchive(request);
    if (has_layout) return ResolveLayout(request);
    if (has_docker) return ResolveDockerArchive(request);
    return InvalidArgument(spec_.path +
                           " is not an image: it has neither index.json (OCI layout) nor "
                           "manifest.json (docker save)");
  }

  Result<std::unique_ptr<ByteStream>> OpenLayerBlob(const ResolvedImage& image,
                                                    size_t layer) override {
    if (layer >= image.layers.size()) return Internal("layer index out of range");
    return files_->Open(image.layers[layer].location);
  }

 private:
  Result<std::vector<ResolvedImage>> ResolveLayout(const PlatformRequest& request) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string index_json,
                             files_->ReadSmall("index.json", kMaxImageJsonBytes));
    CUSTOMS_ASSIGN_OR_RETURN(Index index, ParseIndex(index_json, "index.json"));
    // Pick the entry the user named, or the only image.
    std::vector<Descriptor> chosen;
    if (!spec_.digest.empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(Digest want, Digest::Parse(spec_.digest));
      for (const auto& d : index.manifests)
        if (d.digest == want) chosen.push_back(d);
      if (chosen.empty())
        return NotFound(spec_.path + ": no manifest " + want.str() + " in index.json");
    } else if (!spec_.tag.empty()) {
      for (const auto& d : index.manifests) {
        auto ref = d.annotations.find("org.opencontainers.image.ref.name");
        auto name = d.annotations.find("io.containerd.image.name");
        bool match = (ref != d.annotations.end() && ref->second == spec_.tag) ||
                     (name != d.annotations.end() &&
                      (name->second == spec_.tag || name->second.ends_with(":" + spec_.tag) ||
                       name->second.ends_with("/" + spec_.tag)));
        if (match) chosen.push_back(d);
      }
      if (chosen.empty())
        return NotFound(spec_.path + ": no image tagged '" + spec_.tag + "' (tags: " + Tags(index) +
                        ")");
    } else {
      std::set<std::string> refs;
      for (const auto& d : index.manifests) {
        auto ref = d.annotations.find("org.opencontainers.image.ref.name");
        if (ref != d.annotations.end()) refs.insert(ref->second);
      }
      bool platform_list = std::all_of(index.manifests.begin(), index.manifests.end(),
                                       [](const Descriptor& d) { return d.platform.has_value(); });
      if (refs.size() > 1 && !platform_list)
        return InvalidArgument(spec_.path + " holds several images; name one as " +
                               std::string(SourceKindName(spec_.kind)) + ":" + spec_.path +
                               ":TAG (tags: " + Tags(index) + ")");
      chosen = index.manifests;
    }
    ResolveContext context{.name = spec_.path,
                           .info = BaseInfo(),
                           .fetch =
                               [this](const Descriptor& d, std::string_view what) {
                                 return ReadVerified(*files_, BlobPath(d.digest), d.digest, what);
                               },
                           .location = [](const Descriptor& d) { return BlobPath(d.digest); }};
    return ResolveDescriptors(chosen, request, context);
  }

  model::ImageInfo BaseInfo() const {
    model::ImageInfo info;
    info.reference = spec_.text;
    info.source = std::string(SourceKindName(spec_.kind));
    return info;
  }

  static std::string Tags(const Index& index) {
    std::string out;
    for (const auto& d : index.manifests) {
      auto ref = d.annotations.find("org.opencontainers.image.ref.name");
      if (ref != d.annotations.end()) out += (out.empty() ? "" : ", ") + ref->second;
    }
    return out.empty() ? "none" : out;
  }

  Result<std::vector<ResolvedImage>> ResolveDockerArchive(const PlatformRequest& request) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text,
                             files_->ReadSmall("manifest.json", kMaxImageJsonBytes));
    CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, "manifest.json"));
    if (!doc.is_array() || doc.empty())
      return InvalidArgument(spec_.path + ": manifest.json is not a non-empty array");
    if (doc.size() > kMaxIndexEntries)
      return ResourceExhausted(spec_.path + ": manifest.json lists too many images");
    const Json* entry = nullptr;
    std::string all_tags;
    for (const auto& e : doc) {
      for (const auto& t : JsonStrings(e, "RepoTags")) {
        all_tags += (all_tags.empty() ? "" : ", ") + t;
        if (!spec_.tag.empty() && (t == spec_.tag || t.ends_with("/" + spec_.tag))) entry = &e;
      }
    }
    if (!spec_.tag.empty() && spec_.tag[0] == '@') {
      size_t n = 0;
      for (char c : spec_.tag.substr(1)) n = n * 10 + static_cast<size_t>(c - '0');
      if (n < doc.size()) entry = &doc[n];
    }
    if (entry == nullptr) {
      if (!spec_.tag.empty())
        return NotFound(spec_.path + ": no image tagged '" + spec_.tag + "' (tags: " + all_tags +
                        ")");
      if (doc.size() > 1)
        return InvalidArgument(spec_.path + " holds " + std::to_string(doc.size()) +
                               " images; name one as docker-archive:" + spec_.path +
                               ":REPO:TAG or :@INDEX (tags: " + all_tags + ")");
      entry = &doc[0];
    }
    std::string config_name = JsonString(*entry, "Config");
    CUSTOMS_ASSIGN_OR_RETURN(std::string cfg_json,
                             files_->ReadSmall(config_name, kMaxImageJsonBytes), "config");
    Digest cfg_digest = Sha256::Of(cfg_json);
    // The config's file name carries its digest in both docker save forms.
    std::string base(layer::BaseName(config_name));
    if (base.ends_with(".json")) base.resize(base.size() - 5);
    if (base.size() == 64 && base != cfg_digest.hex())
      return DataLoss("config " + config_name + ": digest mismatch: got " + cfg_digest.str());
    CUSTOMS_ASSIGN_OR_RETURN(Config config, ParseConfig(cfg_json, config_name));
    if (request.explicit_platform && !request.all &&
        !PlatformMatches(request.platform, config.platform))
      return NotFound(spec_.path + ": no image for platform " + request.platform.ToString() +
                      " (available: " + config.platform.ToString() + ")");
    std::vector<std::string> layers = JsonStrings(*entry, "Layers");
    if (layers.size() != config.diff_ids.size())
      return DataLoss(spec_.path + ": manifest.json lists " + std::to_string(layers.size()) +
                      " layers but the config has " + std::to_string(config.diff_ids.size()) +
                      " diff_ids");
    ResolvedImage img = DescribeImage(BaseInfo(), config, cfg_digest);
    img.info.repo_tags = JsonStrings(*entry, "RepoTags");
    for (size_t i = 0; i < layers.size(); ++i) {
      LayerBlob blob{Digest(), config.diff_ids[i], "", layers[i]};
      // Docker 25+ names blobs by digest; the classic form "<id>/layer.tar"
      // has only the diff_id to check against.
      std::string_view name = layers[i];
      if (name.starts_with("blobs/sha256/")) {
        auto d = Digest::Parse("sha256:" + std::string(name.substr(13)));
        if (d.ok()) blob.digest = *d;
      }
      img.layers.push_back(std::move(blob));
    }
    FillLayers(img, config);
    return std::vector<ResolvedImage>{std::move(img)};
  }

  ImageSpec spec_;
  std::unique_ptr<FileSet> files_;
  Limits limits_;
};

class RootfsSource : public ImageSource {
 public:
  explicit RootfsSource(ImageSpec spec) : spec_(std::move(spec)) {}
  Result<std::vector<ResolvedImage>> Resolve(const PlatformRequest&) override {
    ResolvedImage img;
    img.info.reference = spec_.text;
    img.info.source = "rootfs";
    return std::vector<ResolvedImage>{std::move(img)};
  }
  Result<std::unique_ptr<ByteStream>> OpenLayerBlob(const ResolvedImage&, size_t) override {
    return Internal("a rootfs has no layer blobs");
  }
  std::string RootDirectory() const override { return spec_.path; }

 private:
  ImageSpec spec_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> OpenImageSource(const ImageSpec& spec, const Limits& limits,
                                                     const RegistryOptions* registry) {
  switch (spec.kind) {
    case SourceKind::kRegistry:
      return OpenRegistrySource(spec, limits, registry != nullptr ? *registry : RegistryOptions{});
    case SourceKind::kRootfs:
      if (!IsDir(spec.path)) return NotFound("rootfs " + spec.path + " is not a directory");
      return std::unique_ptr<ImageSource>(std::make_unique<RootfsSource>(spec));
    case SourceKind::kOciLayout:
      if (!IsDir(spec.path)) return NotFound("OCI layout " + spec.path + " is not a directory");
      return std::unique_ptr<ImageSource>(
          std::make_unique<ContainerSource>(spec, std::make_unique<DirFileSet>(spec.path), limits));
    case SourceKind::kDockerArchive:
    case SourceKind::kOciArchive: {
      if (!IsFile(spec.path))
        return NotFound(std::string(SourceKindName(spec.kind)) + " " + spec.path +
                        " is not a file");
      CUSTOMS_ASSIGN_OR_RETURN(auto files, TarFileSet::Open(spec.path, limits));
      return std::unique_ptr<ImageSource>(
          std::make_unique<ContainerSource>(spec, std::move(files), limits));
    }
  }
  return Internal("unknown source kind");
}

Result<std::unique_ptr<ByteStream>> OpenLayerTar(std::unique_ptr<ByteStream> blob,
                                                 const LayerBlob& layer, const std::string& what,
                                                 const Limits& limits) {
  std::unique_ptr<ByteStream> stream = std::move(blob);
  CUSTOMS_ASSIGN_OR_RETURN(layer::Compression compression, layer::PeekCompression(stream, what));
  bool check_blob = !layer.digest.empty() && !layer.blob_checked;
  if (compression == layer::Compression::kNone) {
    // The blob is the tar: one SHA-256 of its bytes answers for the blob
    // digest and the diff_id, on a thread of its own next to the caller's
    // read and parse. A diff_id equal to the blob digest is verified with
    // the blob, here or where the blob was fetched.
    std::vector<HashAheadStream::Check> checks;
    if (check_blob) checks.push_back({layer.digest, what + " blob"});
    if (layer.diff_id != layer.digest || layer.digest.empty())
      checks.push_back({layer.diff_id, what + " diff_id"});
    CUSTOMS_ASSIGN_OR_RETURN(stream, layer::OpenDecompressed(std::move(stream), limits, what));
    if (checks.empty())
      return std::unique_ptr<ByteStream>(std::make_unique<PipeStream>(std::move(stream)));
    return std::unique_ptr<ByteStream>(
        std::make_unique<HashAheadStream>(std::move(stream), std::move(checks)));
  }
  // Compressed: reading, the blob hash and inflating on one thread
  // (PipeStream's producer), the diff_id hash and the consumer on the
  // caller's.
  if (check_blob)
    stream = std::make_unique<HashingStream>(std::move(stream), layer.digest, what + " blob");
  CUSTOMS_ASSIGN_OR_RETURN(stream, layer::OpenDecompressed(std::move(stream), limits, what));
  stream = std::make_unique<PipeStream>(std::move(stream));
  return std::unique_ptr<ByteStream>(
      std::make_unique<HashingStream>(std::move(stream), layer.diff_id, what + " diff_id"));
}

}  // namespace customs::image
