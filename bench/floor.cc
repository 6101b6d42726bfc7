// customs_floor: the least work any image scanner must do, measured.
//
// For every layer of one image it reads the blob once, computes the blob's
// SHA-256 (OpenSSL EVP, SHA-NI where the CPU has it) while decompressing it
// (gzip with ISA-L's streaming isal_inflate, zstd with ZSTD_decompressStream,
// an uncompressed tar passed through) and computes the SHA-256 of the
// uncompressed stream, the diff_id. For an uncompressed blob the blob digest
// is the diff_id, so it is hashed once. Digests are checked against the
// manifest (blob digest and size) and the config (rootfs.diff_ids).
//
//   customs_floor [--pipeline] IMAGE
//
// IMAGE: docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH[:TAG], or a plain
// path (a directory is an OCI layout; a tar holding manifest.json is a
// docker-archive, one holding index.json an oci-archive). A multi-platform
// index resolves to linux/amd64. Archives are not unpacked: their members are
// located by walking the tar headers and read in place.
//
// --pipeline overlaps work on two threads: the first reads, hashes the blob and
// decompresses; the second hashes the decompressed stream.
//
// Prints one line per layer and a total with seconds. Exit status: 0 when
// every digest matches, 1 on a mismatch, 2 on a usage or input error.
//
// This is a benchmark tool, not part of libcustoms: it trusts its input far
// enough to only bound what it allocates, and reports any error as a message.

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace customs::bench {
namespace {

using Json = nlohmann::json;

// Read and output chunk size: large enough that per-call overheads vanish,
// small enough to stay in L2 between the decompressor and the hasher.
constexpr size_t kChunkBytes = 1 << 20;
// Decompressed buffers in flight between the two threads of --pipeline.
constexpr size_t kPipelineBuffers = 8;
// Manifests, indexes and configs are small; a bigger one is not an image.
constexpr uint64_t kMaxJsonBytes = 16 << 20;
// Tar members in an image archive (one per blob plus a few metadata files).
constexpr size_t kMaxArchiveMembers = 1 << 20;
// PAX extended headers and GNU long names.
constexpr uint64_t kMaxTarExtensionBytes = 1 << 20;
// Nested image indexes and symlink hops inside an archive.
constexpr int kMaxIndirections = 8;

// An error message, or nothing. Functions that can fail return `Error` or take
// one as their last out-parameter.
struct Error {
  std::string message;
  explicit operator bool() const { return !message.empty(); }
};

Error Fail(std::string message) { return Error{std::move(message)}; }

// ---------------------------------------------------------------- file access

// An owned file descriptor.
class File {
 public:
  File() = default;
  explicit File(int fd) : fd_(fd) {}
  File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  File& operator=(File&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// A byte range of an open file: a whole blob file, or one tar member.
struct Blob {
  std::shared_ptr<File> file;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Reads up to `n` bytes at `offset`; returns the count (short only at EOF).
Error ReadAt(int fd, uint64_t offset, uint8_t* out, size_t n, size_t* got) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Fail("read at offset " + std::to_string(offset + done) + ": " + std::strerror(errno));
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  *got = done;
  return {};
}

Error OpenFile(const std::string& path, std::shared_ptr<File>* file, uint64_t* size) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(path + ": " + std::strerror(errno));
  auto owned = std::make_shared<File>(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return Fail(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Fail(path + ": not a regular file");
  *file = std::move(owned);
  *size = static_cast<uint64_t>(st.st_size);
  return {};
}

Error ReadBlobText(const Blob& blob, const std::string& what, std::string* out) {
  if (blob.size > kMaxJsonBytes) {
    return Fail(what + ": " + std::to_string(blob.size) + " bytes, over the limit of " +
                std::to_string(kMaxJsonBytes));
  }
  out->assign(blob.size, '\0');
  size_t got = 0;
  if (Error e = ReadAt(blob.file->fd(), blob.offset, reinterpret_cast<uint8_t*>(out->data()),
                       blob.size, &got))
    return Fail(what + ": " + e.message);
  if (got != blob.size) return Fail(what + ": truncated");
  return {};
}

// ------------------------------------------------------------ tar member index

// Parses a numeric tar header field: octal text, or base-256 when the high bit
// of the first byte is set (GNU, for sizes of 8 GiB and more).
std::optional<uint64_t> ParseTarNumber(const uint8_t* field, size_t len) {
  if (len > 0 && (field[0] & 0x80) != 0) {
    uint64_t v = field[0] & 0x7f;
    for (size_t i = 1; i < len; ++i) {
      if (v > (UINT64_MAX >> 8)) return std::nullopt;
      v = (v << 8) | field[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < len && (field[i] == ' ' || field[i] == 0)) ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v > (UINT64_MAX >> 3)) return std::nullopt;
    v = (v << 3) | static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  if (!any) return 0;
  return v;
}

std::string FieldString(const uint8_t* field, size_t len) {
  size_t n = 0;
  while (n < len && field[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(field), n);
}

// Removes "./" and "/" prefixes and resolves "." and ".." segments; "" for the
// root. Returns nullopt for a path that climbs above the root.
std::optional<std::string> CleanPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

struct TarMember {
  uint64_t offset = 0;  // of the data, in the archive
  uint64_t size = 0;
  char type = '0';
  std::string link;  // symlink target
};

// Parses PAX records ("LEN key=value\n") for the keys we need.
// `*size` is set, and `*has_size` made true, by a "size" record.
void ParsePax(std::string_view data, std::string* path, std::string* linkpath, uint64_t* size,
              bool* has_size) {
  while (!data.empty()) {
    size_t space = data.find(' ');
    if (space == std::string_view::npos) return;
    uint64_t len = 0;
    for (size_t i = 0; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9' || len > (1u << 30)) return;
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
    }
    if (len <= space + 1 || len > data.size()) return;
    std::string_view record = data.substr(space + 1, len - space - 1);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    size_t eq = record.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = record.substr(0, eq);
      std::string_view value = record.substr(eq + 1);
      if (key == "path") {
        *path = std::string(value);
      } else if (key == "linkpath") {
        *linkpath = std::string(value);
      } else if (key == "size") {
        uint64_t v = 0;
        bool ok = !value.empty();
        for (char c : value) {
          if (c < '0' || c > '9' || v > UINT64_MAX / 10) {
            ok = false;
            break;
          }
          v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (ok) {
          *size = v;
          *has_size = true;
        }
      }
    }
    data.remove_prefix(len);
  }
}

// The members of a tar archive by cleaned name, found by walking its headers
// (ustar, GNU long names, PAX). Data is not read.
class TarIndex {
 public:
  Error Build(const std::string& path) {
    uint64_t archive_size = 0;
    if (Error e = OpenFile(path, &file_, &archive_size)) return e;
    path_ = path;
    uint64_t offset = 0;
    std::string long_name, long_link, pax_path, pax_link;
    uint64_t pax_size = 0;
    bool has_pax_size = false;
    uint8_t h[512];
    while (true) {
      size_t got = 0;
      if (Error e = ReadAt(file_->fd(), offset, h, sizeof h, &got))
        return Fail(path + ": " + e.message);
      if (got == 0) break;  // EOF without end blocks: tolerated, as tar does
      if (got != sizeof h)
        return Fail(path + ": truncated tar header at offset " + std::to_string(offset));
      if (std::all_of(h, h + sizeof h, [](uint8_t b) { return b == 0; })) break;
      std::optional<uint64_t> size = ParseTarNumber(h + 124, 12);
      if (!size) {
        return Fail(path + ": bad size field in tar header at offset " + std::to_string(offset));
      }
      char type = static_cast<char>(h[156]);
      uint64_t data = offset + 512;
      if (has_pax_size && type != 'x' && type != 'g' && type != 'L' && type != 'K') size = pax_size;
      if (*size > archive_size || data > archive_size - *size) {
        return Fail(path + ": tar member at offset " + std::to_string(offset) +
                    " runs past the end of the archive");
      }
      uint64_t next = data + ((*size + 511) / 512) * 512;
      if (type == 'L' || type == 'K' || type == 'x') {
        if (*size > kMaxTarExtensionBytes) {
          return Fail(path + ": tar extension header of " + std::to_string(*size) +
                      " bytes at offset " + std::to_string(offset));
        }
        std::string text(*size, '\0');
        if (Error e =
                ReadAt(file_->fd(), data, reinterpret_cast<uint8_t*>(text.data()), *size, &got))
          return Fail(path + ": " + e.message);
        if (type == 'L')
          long_name = FieldString(reinterpret_cast<const uint8_t*>(text.data()), text.size());
        if (type == 'K')
          long_link = FieldString(reinterpret_cast<const uint8_t*>(text.data()), text.size());
        if (type == 'x') ParsePax(text, &pax_path, &pax_link, &pax_size, &has_pax_size);
        offset = next;
        continue;
      }
      if (type == 'g') {
        offset = next;
        continue;
      }
      std::string name = FieldString(h, 100);
      if (std::memcmp(h + 257, "ustar", 5) == 0 && h[345] != 0)
        name = FieldString(h + 345, 155) + "/" + name;
      if (!long_name.empty()) name = long_name;
      if (!pax_path.empty()) name = pax_path;
      std::string link = FieldString(h + 157, 100);
      if (!long_link.empty()) link = long_link;
      if (!pax_link.empty()) link = pax_link;
      long_name.clear();
      long_link.clear();
      pax_path.clear();
      pax_link.clear();
      has_pax_size = false;

      if (std::optional<std::string> clean = CleanPath(name)) {
        if (members_.size() >= kMaxArchiveMembers) {
          return Fail(path + ": more than " + std::to_string(kMaxArchiveMembers) + " members");
        }
        members_[*clean] = TarMember{data, *size, type, link};
      }
      offset = next;
    }
    return {};
  }

  bool Has(const std::string& name) const {
    std::optional<std::string> clean = CleanPath(name);
    return clean && members_.count(*clean) > 0;
  }

  // Finds a regular file member, following symlinks within the archive.
  Error Open(const std::string& name, Blob* blob) const {
    std::optional<std::string> clean = CleanPath(name);
    if (!clean) return Fail(path_ + ": member path " + name + " escapes");
    for (int hop = 0; hop < kMaxIndirections; ++hop) {
      auto it = members_.find(*clean);
      if (it == members_.end()) return Fail(path_ + ": no member " + *clean + " in the archive");
      const TarMember& m = it->second;
      if (m.type == '2') {
        std::string base;
        size_t slash = clean->rfind('/');
        if (slash != std::string::npos) base = clean->substr(0, slash + 1);
        clean = CleanPath(m.link.starts_with("/") ? m.link : base + m.link);
        if (!clean) return Fail(path_ + ": symlink " + name + " escapes");
        continue;
      }
      if (m.type != '0' && m.type != '\0' && m.type != '7')
        return Fail(path_ + ": member " + *clean + " is not a regular file");
      *blob = Blob{file_, m.offset, m.size};
      return {};
    }
    return Fail(path_ + ": too many symlink hops resolving " + name);
  }

 private:
  std::string path_;
  std::shared_ptr<File> file_;
  std::map<std::string, TarMember> members_;
};

// ------------------------------------------------------------- image storage

// Where the files of an image live: a directory (OCI layout) or a tar archive.
class Store {
 public:
  static Error OpenDir(const std::string& dir, Store* store) {
    store->dir_ = dir;
    return {};
  }
  static Error OpenTar(const std::string& path, Store* store) {
    store->tar_ = std::make_unique<TarIndex>();
    return store->tar_->Build(path);
  }

  bool Has(const std::string& name) const {
    if (tar_) return tar_->Has(name);
    struct stat st;
    return stat((dir_ + "/" + name).c_str(), &st) == 0;
  }

  Error Open(const std::string& name, Blob* blob) const {
    if (tar_) return tar_->Open(name, blob);
    std::optional<std::string> clean = CleanPath(name);
    if (!clean) return Fail(name + ": path escapes the image directory");
    blob->offset = 0;
    return OpenFile(dir_ + "/" + *clean, &blob->file, &blob->size);
  }

  Error ReadJson(const std::string& name, Json* out) const {
    Blob blob;
    if (Error e = Open(name, &blob)) return e;
    std::string text;
    if (Error e = ReadBlobText(blob, name, &text)) return e;
    *out = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (out->is_discarded()) return Fail(name + ": not valid JSON");
    return {};
  }

 private:
  std::string dir_;
  std::unique_ptr<TarIndex> tar_;
};

// -------------------------------------------------------------- image models

std::string StringAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::optional<uint64_t> UintAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

const Json* ArrayAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return nullptr;
  return &*it;
}

bool IsHexDigest(std::string_view digest) {
  if (!digest.starts_with("sha256:") || digest.size() != 7 + 64) return false;
  return std::all_of(digest.begin() + 7, digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct Layer {
  std::string name;             // where it is read from
  std::string expected_digest;  // blob digest from the manifest, if known
  std::optional<uint64_t> expected_size;
  std::string expected_diff_id;  // from the config, if known
  Blob blob;
};

struct Image {
  std::string description;
  std::vector<Layer> layers;
};

std::vector<std::string> DiffIds(const Json& config) {
  std::vector<std::string> out;
  if (!config.is_object()) return out;
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end()) return out;
  if (const Json* ids = ArrayAt(*rootfs, "diff_ids")) {
    for (const Json& id : *ids) out.push_back(id.is_string() ? id.get<std::string>() : "");
  }
  return out;
}

Error LoadDockerArchive(const Store& store, Image* image) {
  Json manifest;
  if (Error e = store.ReadJson("manifest.json", &manifest)) return e;
  if (!manifest.is_array() || manifest.empty() || !manifest[0].is_object())
    return Fail("manifest.json: expected a non-empty array of objects");
  const Json& entry = manifest[0];
  std::string config_path = StringAt(entry, "Config");
  if (config_path.empty()) return Fail("manifest.json: entry 0 has no Config");
  Json config;
  if (Error e = store.ReadJson(config_path, &config)) return e;
  std::vector<std::string> diff_ids = DiffIds(config);
  const Json* layers = ArrayAt(entry, "Layers");
  if (layers == nullptr) return Fail("manifest.json: entry 0 has no Layers");
  if (layers->size() != diff_ids.size()) {
    return Fail("manifest.json lists " + std::to_string(layers->size()) +
                " layers but the config has " + std::to_string(diff_ids.size()) + " diff_ids");
  }
  for (size_t i = 0; i < layers->size(); ++i) {
    const Json& path = (*layers)[i];
    if (!path.is_string())
      return Fail("manifest.json: Layers[" + std::to_string(i) + "] is not a string");
    Layer layer;
    layer.name = path.get<std::string>();
    layer.expected_diff_id = diff_ids[i];
    // Docker 25+ writes layers as blobs/sha256/<hex>: the name is the digest.
    if (layer.name.starts_with("blobs/sha256/")) {
      std::string digest = "sha256:" + layer.name.substr(13);
      if (IsHexDigest(digest)) layer.expected_digest = digest;
    }
    if (Error e = store.Open(layer.name, &layer.blob)) return e;
    image->layers.push_back(std::move(layer));
  }
  image->description = "docker-archive, config " + config_path;
  return {};
}

std::string BlobPath(const std::string& digest) { return "blobs/sha256/" + digest.substr(7); }

// Picks the descriptor to follow from an index: by tag at the top level, else
// the only entry, else linux/amd64, skipping attestation manifests.
Error PickFromIndex(const Json& index, const std::string& tag, bool top, Json* chosen) {
  const Json* manifests = ArrayAt(index, "manifests");
  if (manifests == nullptr || manifests->empty()) return Fail("index has no manifests");
  if (top && !tag.empty()) {
    for (const Json& d : *manifests) {
      auto ann = d.is_object() ? d.find("annotations") : d.end();
      if (ann != d.end() && StringAt(*ann, "org.opencontainers.image.ref.name") == tag) {
        *chosen = d;
        return {};
      }
    }
    return Fail("no manifest tagged " + tag + " in index.json");
  }
  if (manifests->size() == 1) {
    *chosen = (*manifests)[0];
    return {};
  }
  for (const Json& d : *manifests) {
    auto platform = d.is_object() ? d.find("platform") : d.end();
    if (platform == d.end()) continue;
    if (StringAt(*platform, "os") == "linux" && StringAt(*platform, "architecture") == "amd64") {
      *chosen = d;
      return {};
    }
  }
  return Fail("index lists no linux/amd64 manifest");
}

Error LoadOci(const Store& store, const std::string& tag, Image* image) {
  Json index;
  if (Error e = store.ReadJson("index.json", &index)) return e;
  Json descriptor;
  if (Error e = PickFromIndex(index, tag, /*top=*/true, &descriptor))
    return Fail("index.json: " + e.message);
  for (int depth = 0;; ++depth) {
    if (depth >= kMaxIndirections) return Fail("image indexes nest too deep");
    std::string digest = StringAt(descriptor, "digest");
    if (!IsHexDigest(digest)) return Fail("descriptor digest '" + digest + "' is not sha256:<hex>");
    Json doc;
    if (Error e = store.ReadJson(BlobPath(digest), &doc)) return e;
    std::string media_type = StringAt(descriptor, "mediaType");
    if (media_type.empty()) media_type = StringAt(doc, "mediaType");
    if (media_type.find("index") == std::string::npos &&
        media_type.find("manifest.list") == std::string::npos &&
        ArrayAt(doc, "manifests") == nullptr) {
      // An image manifest.
      Json config_desc = doc.is_object() && doc.contains("config") ? doc["config"] : Json();
      std::string config_digest = StringAt(config_desc, "digest");
      if (!IsHexDigest(config_digest))
        return Fail("manifest " + digest + " has no sha256 config digest");
      Json config;
      if (Error e = store.ReadJson(BlobPath(config_digest), &config)) return e;
      std::vector<std::string> diff_ids = DiffIds(config);
      const Json* layers = ArrayAt(doc, "layers");
      if (layers == nullptr) return Fail("manifest " + digest + " has no layers");
      if (layers->size() != diff_ids.size()) {
        return Fail("manifest " + digest + " lists " + std::to_string(layers->size()) +
                    " layers but its config has " + std::to_string(diff_ids.size()) + " diff_ids");
      }
      for (size_t i = 0; i < layers->size(); ++i) {
        Layer layer;
        layer.expected_digest = StringAt((*layers)[i], "digest");
        if (!IsHexDigest(layer.expected_digest))
          return Fail("layer " + std::to_string(i) + " digest is not sha256:<hex>");
        layer.expected_size = UintAt((*layers)[i], "size");
        layer.expected_diff_id = diff_ids[i];
        layer.name = BlobPath(layer.expected_digest);
        if (Error e = store.Open(layer.name, &layer.blob)) return e;
        image->layers.push_back(std::move(layer));
      }
      image->description = "OCI manifest " + digest;
      return {};
    }
    if (Error e = PickFromIndex(doc, tag, /*top=*/false, &descriptor))
      return Fail("index " + digest + ": " + e.message);
  }
}

// ----------------------------------------------------------------- hashing

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(const uint8_t* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string Finish() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// Hashes the decompressed stream, on the calling thread or (pipelined) on a
// second one. The producer fills the buffer from Acquire() and hands it back
// with Commit(n); Finish() returns the digest and the byte count.
class StreamHasher {
 public:
  explicit StreamHasher(bool pipelined) : pipelined_(pipelined) {
    size_t count = pipelined ? kPipelineBuffers : 1;
    for (size_t i = 0; i < count; ++i) {
      buffers_.push_back(std::make_unique<uint8_t[]>(kChunkBytes));
      free_.push_back(i);
    }
    if (pipelined_) worker_ = std::thread([this] { Work(); });
  }
  ~StreamHasher() {
    if (worker_.joinable()) Finish();
  }

  std::span<uint8_t> Acquire() {
    if (!pipelined_) return {buffers_[0].get(), kChunkBytes};
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    current_ = free_.front();
    free_.pop_front();
    return {buffers_[current_].get(), kChunkBytes};
  }

  void Commit(size_t n) {
    total_ += n;
    if (!pipelined_) {
      hash_.Update(buffers_[0].get(), n);
      return;
    }
    {
      std::lock_guard lock(mu_);
      full_.emplace_back(current_, n);
    }
    cv_.notify_all();
  }

  std::string Finish() {
    if (pipelined_ && worker_.joinable()) {
      {
        std::lock_guard lock(mu_);
        done_ = true;
      }
      cv_.notify_all();
      worker_.join();
    }
    return hash_.Finish();
  }

  uint64_t total() const { return total_; }

 private:
  void Work() {
    while (true) {
      std::pair<size_t, size_t> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !full_.empty() || done_; });
        if (full_.empty()) return;
        job = full_.front();
        full_.pop_front();
      }
      hash_.Update(buffers_[job.first].get(), job.second);
      {
        std::lock_guard lock(mu_);
        free_.push_back(job.first);
      }
      cv_.notify_all();
    }
  }

  bool pipelined_;
  std::vector<std::unique_ptr<uint8_t[]>> buffers_;
  Sha256 hash_;
  uint64_t total_ = 0;
  size_t current_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<size_t> free_;                     // guarded by mu_
  std::deque<std::pair<size_t, size_t>> full_;  // guarded by mu_
  bool done_ = false;                           // guarded by mu_
  std::thread worker_;
};

// Reads a blob in chunks and hashes what it reads.
class BlobReader {
 public:
  explicit BlobReader(const Blob& blob)
      : blob_(blob), buffer_(std::make_unique<uint8_t[]>(kChunkBytes)) {}

  // Next chunk; empty at the end of the blob.
  Error Next(std::span<const uint8_t>* chunk) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, blob_.size - pos_));
    size_t got = 0;
    if (want > 0) {
      if (Error e = ReadAt(blob_.file->fd(), blob_.offset + pos_, buffer_.get(), want, &got))
        return e;
      if (got != want) return Fail("blob truncated at byte " + std::to_string(pos_ + got));
    }
    hash_.Update(buffer_.get(), got);
    pos_ += got;
    *chunk = {buffer_.get(), got};
    return {};
  }
  bool AtEnd() const { return pos_ == blob_.size; }
  std::string Digest() { return hash_.Finish(); }

 private:
  Blob blob_;
  std::unique_ptr<uint8_t[]> buffer_;
  uint64_t pos_ = 0;
  Sha256 hash_;
};

enum class Compression { kNone, kGzip, kZstd };

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "tar";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

Error InflateGzip(BlobReader& in, std::span<const uint8_t> chunk, StreamHasher& out) {
  auto state = std::make_unique<inflate_state>();
  isal_inflate_init(state.get());
  state->crc_flag = ISAL_GZIP;
  state->next_in = const_cast<uint8_t*>(chunk.data());
  state->avail_in = static_cast<uint32_t>(chunk.size());
  std::span<uint8_t> buf = out.Acquire();
  size_t filled = 0;
  while (true) {
    state->next_out = buf.data() + filled;
    state->avail_out = static_cast<uint32_t>(buf.size() - filled);
    uint32_t avail_in_before = state->avail_in;
    int ret = isal_inflate(state.get());
    if (ret != ISAL_DECOMP_OK) return Fail("gzip: isal_inflate error " + std::to_string(ret));
    size_t produced = buf.size() - filled - state->avail_out;
    filled += produced;
    if (filled == buf.size()) {
      out.Commit(filled);
      buf = out.Acquire();
      filled = 0;
    }
    bool finished = state->block_state == ISAL_BLOCK_FINISH;
    if (state->avail_in == 0 && (finished || state->avail_out > 0)) {
      if (in.AtEnd()) {
        if (!finished) return Fail("gzip: stream truncated");
        break;
      }
      if (Error e = in.Next(&chunk)) return e;
      state->next_in = const_cast<uint8_t*>(chunk.data());
      state->avail_in = static_cast<uint32_t>(chunk.size());
      continue;
    }
    if (finished) {
      // Another gzip member may follow (concatenated streams), else junk.
      if (state->next_in[0] != 0x1f) return Fail("gzip: trailing data after the stream");
      uint8_t* next_in = state->next_in;
      uint32_t avail_in = state->avail_in;
      isal_inflate_reset(state.get());
      state->crc_flag = ISAL_GZIP;
      state->next_in = next_in;
      state->avail_in = avail_in;
      continue;
    }
    if (produced == 0 && state->avail_in == avail_in_before)
      return Fail("gzip: decompressor made no progress");
  }
  if (filled > 0) out.Commit(filled);
  return {};
}

Error DecompressZstd(BlobReader& in, std::span<const uint8_t> chunk, StreamHasher& out) {
  struct Free {
    void operator()(ZSTD_DStream* s) const { ZSTD_freeDStream(s); }
  };
  std::unique_ptr<ZSTD_DStream, Free> stream(ZSTD_createDStream());
  ZSTD_initDStream(stream.get());
  ZSTD_inBuffer input{chunk.data(), chunk.size(), 0};
  std::span<uint8_t> buf = out.Acquire();
  ZSTD_outBuffer output{buf.data(), buf.size(), 0};
  size_t last = 1;
  while (true) {
    size_t ret = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(ret)) return Fail(std::string("zstd: ") + ZSTD_getErrorName(ret));
    last = ret;
    if (output.pos == output.size) {
      out.Commit(output.pos);
      buf = out.Acquire();
      output = ZSTD_outBuffer{buf.data(), buf.size(), 0};
      continue;  // more output may be pending even with no input left
    }
    if (input.pos == input.size) {
      if (in.AtEnd()) break;
      if (Error e = in.Next(&chunk)) return e;
      input = ZSTD_inBuffer{chunk.data(), chunk.size(), 0};
    }
  }
  if (last != 0) return Fail("zstd: stream truncated");
  if (output.pos > 0) out.Commit(output.pos);
  return {};
}

struct LayerResult {
  Compression compression = Compression::kNone;
  std::string digest;
  std::string diff_id;
  uint64_t uncompressed = 0;
  double seconds = 0;
};

Error ScanLayer(const Layer& layer, bool pipelined, LayerResult* result) {
  auto start = std::chrono::steady_clock::now();
  BlobReader in(layer.blob);
  std::span<const uint8_t> chunk;
  if (Error e = in.Next(&chunk)) return e;
  if (chunk.size() >= 2 && chunk[0] == 0x1f && chunk[1] == 0x8b) {
    result->compression = Compression::kGzip;
  } else if (chunk.size() >= 4 && chunk[0] == 0x28 && chunk[1] == 0xb5 && chunk[2] == 0x2f &&
             chunk[3] == 0xfd) {
    result->compression = Compression::kZstd;
  }
  if (result->compression == Compression::kNone) {
    while (!in.AtEnd()) {
      if (Error e = in.Next(&chunk)) return e;
    }
    result->digest = in.Digest();
    result->diff_id = result->digest;
    result->uncompressed = layer.blob.size;
  } else {
    StreamHasher out(pipelined);
    Error e = result->compression == Compression::kGzip ? InflateGzip(in, chunk, out)
                                                        : DecompressZstd(in, chunk, out);
    result->diff_id = out.Finish();
    if (e) return e;
    result->digest = in.Digest();
    result->uncompressed = out.total();
  }
  result->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {};
}

// ------------------------------------------------------------------- main

enum class Kind { kDetect, kDockerArchive, kOciDir, kOciArchive };

struct Reference {
  Kind kind = Kind::kDetect;
  std::string path;
  std::string tag;
};

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Splits "PATH[:TAG]": the whole string when it names a file, else at the last
// colon.
void SplitTag(const std::string& rest, Reference* ref) {
  ref->path = rest;
  if (Exists(rest)) return;
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return;
  ref->path = rest.substr(0, colon);
  ref->tag = rest.substr(colon + 1);
}

Reference ParseReference(const std::string& arg) {
  Reference ref;
  auto take = [&](std::string_view prefix, Kind kind) {
    if (!arg.starts_with(prefix)) return false;
    ref.kind = kind;
    SplitTag(arg.substr(prefix.size()), &ref);
    return true;
  };
  if (take("docker-archive:", Kind::kDockerArchive)) {
    // docker-archive:PATH[:NAME:TAG] names an image inside; we read entry 0.
    if (!Exists(ref.path)) {
      size_t colon = ref.path.rfind(':');
      if (colon != std::string::npos) ref.path = ref.path.substr(0, colon);
    }
    ref.tag.clear();
    return ref;
  }
  if (take("oci-archive:", Kind::kOciArchive) || take("oci:", Kind::kOciDir)) return ref;
  ref.path = arg;
  return ref;
}

int Main(int argc, char** argv) {
  bool pipelined = false;
  std::string arg;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--pipeline") {
      pipelined = true;
    } else if (a == "-h" || a == "--help" || (a.starts_with("-") && a.size() > 1) || !arg.empty()) {
      std::fprintf(stderr,
                   "usage: customs_floor [--pipeline] IMAGE\n"
                   "IMAGE: docker-archive:PATH | oci:DIR[:TAG] | oci-archive:PATH[:TAG] | PATH\n");
      return 2;
    } else {
      arg = std::string(a);
    }
  }
  if (arg.empty()) {
    std::fprintf(stderr, "usage: customs_floor [--pipeline] IMAGE\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  Reference ref = ParseReference(arg);
  struct stat st;
  if (stat(ref.path.c_str(), &st) != 0) {
    std::fprintf(stderr, "customs_floor: %s: %s\n", ref.path.c_str(), std::strerror(errno));
    return 2;
  }
  Store store;
  Error err;
  if (S_ISDIR(st.st_mode)) {
    if (ref.kind != Kind::kDetect && ref.kind != Kind::kOciDir) {
      std::fprintf(stderr, "customs_floor: %s is a directory, not an archive\n", ref.path.c_str());
      return 2;
    }
    ref.kind = Kind::kOciDir;
    err = Store::OpenDir(ref.path, &store);
  } else {
    if (ref.kind == Kind::kOciDir) {
      std::fprintf(stderr, "customs_floor: %s is not a directory\n", ref.path.c_str());
      return 2;
    }
    err = Store::OpenTar(ref.path, &store);
    if (!err && ref.kind == Kind::kDetect)
      ref.kind = store.Has("manifest.json") ? Kind::kDockerArchive : Kind::kOciArchive;
  }
  Image image;
  if (!err) {
    err = ref.kind == Kind::kDockerArchive ? LoadDockerArchive(store, &image)
                                           : LoadOci(store, ref.tag, &image);
  }
  if (err) {
    std::fprintf(stderr, "customs_floor: %s: %s\n", ref.path.c_str(), err.message.c_str());
    return 2;
  }
  std::printf("%s: %s, %zu layer(s)%s\n", arg.c_str(), image.description.c_str(),
              image.layers.size(), pipelined ? ", pipelined" : "");

  bool all_ok = true;
  uint64_t compressed_total = 0, uncompressed_total = 0;
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const Layer& layer = image.layers[i];
    LayerResult r;
    if (Error e = ScanLayer(layer, pipelined, &r)) {
      std::fprintf(stderr, "customs_floor: layer %zu (%s): %s\n", i + 1, layer.name.c_str(),
                   e.message.c_str());
      return 2;
    }
    auto verdict = [&](const std::string& got, const std::string& want) {
      if (want.empty()) return "(unchecked)";
      if (got == want) return "ok";
      all_ok = false;
      return "MISMATCH";
    };
    const char* digest_ok = verdict(r.digest, layer.expected_digest);
    const char* diff_ok = verdict(r.diff_id, layer.expected_diff_id);
    const char* size_ok = "";
    if (layer.expected_size && *layer.expected_size != layer.blob.size) {
      size_ok = " SIZE-MISMATCH";
      all_ok = false;
    }
    std::printf("layer %zu %s %llu -> %llu bytes  digest %s %s%s  diff_id %s %s  %.3f s\n", i + 1,
                CompressionName(r.compression), static_cast<unsigned long long>(layer.blob.size),
                static_cast<unsigned long long>(r.uncompressed), r.digest.c_str(), digest_ok,
                size_ok, r.diff_id.c_str(), diff_ok, r.seconds);
    if (!layer.expected_diff_id.empty() && r.diff_id != layer.expected_diff_id)
      std::printf("  expected diff_id %s\n", layer.expected_diff_id.c_str());
    if (!layer.expected_digest.empty() && r.digest != layer.expected_digest)
      std::printf("  expected digest  %s\n", layer.expected_digest.c_str());
    compressed_total += layer.blob.size;
    uncompressed_total += r.uncompressed;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("total %llu -> %llu bytes in %.3f s (%.0f MB/s uncompressed)%s\n",
              static_cast<unsigned long long>(compressed_total),
              static_cast<unsigned long long>(uncompressed_total), seconds,
              seconds > 0 ? uncompressed_total / seconds / 1e6 : 0.0,
              all_ok ? "" : "  DIGEST MISMATCH");
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace customs::bench

int main(int argc, char** argv) { return customs::bench::Main(argc, argv); }
