#include "store/layer_codec.h"

#include <algorithm>
#include <concepts>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

namespace customs::store {
namespace {

// The fields of each encoded struct, in declaration order, for the encoder,
// the decoder and LayerResultsEqual alike; each returns what `io` returns. Structured bindings name
// every field, so a field added to one of these structs without being listed here is a compile
// error ("only N names provided for structured binding"); list it in the
// same place and bump kLayerCodecVersion.

template <typename T, typename U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

template <typename Io, Is<model::LayerRef> T>
auto Fields(Io& io, T& v) {
  auto& [index, diff_id, digest, created_by] = v;
  return io(index, diff_id, digest, created_by);
}

template <typename Io, Is<model::Package> T>
auto Fields(Io& io, T& v) {
  auto& [type, name, version, epoch, arch, source_name, source_version, licenses, maintainer, purl,
         db_path, inner_path, scope, scripts, layer, owner, files] = v;
  return io(type, name, version, epoch, arch, source_name, source_version, licenses, maintainer,
            purl, db_path, inner_path, scope, scripts, layer, owner, files);
}

template <typename Io, Is<model::OsInfo> T>
auto Fields(Io& io, T& v) {
  auto& [id, version_id, version_codename, pretty_name, id_like, source_path] = v;
  return io(id, version_id, version_codename, pretty_name, id_like, source_path);
}

template <typename Io, Is<model::Detection> T>
auto Fields(Io& io, T& v) {
  auto& [category, rule_id, severity, disposition, confidence, title, reference, purl, path, layer,
         evidence, owner, deleted_by, sha256, suppressed_by] = v;
  return io(category, rule_id, severity, disposition, confidence, title, reference, purl, path,
            layer, evidence, owner, deleted_by, sha256, suppressed_by);
}

template <typename Io, Is<model::Diagnostic> T>
auto Fields(Io& io, T& v) {
  auto& [severity, code, layer, path, message] = v;
  return io(severity, code, layer, path, message);
}

template <typename Io, Is<layer::FileInfo> T>
auto Fields(Io& io, T& v) {
  // typeflag is not stored: only the sandbox's rootfs writer reads it, from
  // the tar itself, so the cache format stays as it was.
  [[maybe_unused]] auto& [path, type, size, mode, uid, gid, link_target, typeflag] = v;
  return io(path, type, size, mode, uid, gid, link_target);
}

template <typename Io, Is<layer::PackageFiles> T>
auto Fields(Io& io, T& v) {
  auto& [db_path, package, arch, files] = v;
  return io(db_path, package, arch, files);
}

template <typename Io, Is<layer::PackageLicenses> T>
auto Fields(Io& io, T& v) {
  auto& [db_path, package, licenses] = v;
  return io(db_path, package, licenses);
}

template <typename Io, Is<layer::Findings> T>
auto Fields(Io& io, T& v) {
  auto& [packages, os, package_files, package_licenses, detections, diagnostics] = v;
  return io(packages, os, package_files, package_licenses, detections, diagnostics);
}

template <typename Io, Is<layer::LayerResult> T>
auto Fields(Io& io, T& v) {
  auto& [files, whiteouts, opaque_dirs, findings, entries] = v;
  return io(files, whiteouts, opaque_dirs, findings, entries);
}

// The largest value of each encoded enum: a decoded value above it is
// corrupt. An enumerator added after these must move them (and bump
// kLayerCodecVersion).
template <typename E>
inline constexpr E kEnumMax = E{};
template <>
inline constexpr layer::FileType kEnumMax<layer::FileType> = layer::FileType::kOther;
template <>
inline constexpr model::Severity kEnumMax<model::Severity> = model::Severity::kCritical;
template <>
inline constexpr model::Disposition kEnumMax<model::Disposition> = model::Disposition::kMalicious;
template <>
inline constexpr model::Confidence kEnumMax<model::Confidence> = model::Confidence::kHigh;
template <>
inline constexpr model::DiagnosticSeverity kEnumMax<model::DiagnosticSeverity> =
    model::DiagnosticSeverity::kError;

// The enums listed above (kEnumMax<E> is E{} for others).
// clang-format off
template <typename E>
concept Enum = std::is_enum_v<E> && (kEnumMax<E> != E{});
// clang-format on

// A type with a field list above.
struct AnyIo {
  template <typename... Ts>
  bool operator()(Ts&...) {
    return true;
  }
};
template <typename T>
concept Record = requires(AnyIo& io, T& v) {
  Fields(io, v);
};

using StringMap = std::map<std::string, std::string>;

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}

  template <typename... Ts>
  bool operator()(const Ts&... v) {
    (Put(v), ...);
    return true;
  }

  void Put(uint64_t v) {
    char buf[10];
    size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_.append(buf, n);
  }
  void Put(uint32_t v) { Put(uint64_t{v}); }
  void Put(int32_t v) {  // zig-zag: small negative numbers stay short
    uint32_t u = static_cast<uint32_t>(v);
    Put(uint64_t{(u << 1) ^ (v < 0 ? 0xffffffffu : 0u)});
  }
  void Put(const std::string& s) {
    Put(uint64_t{s.size()});
    out_.append(s);
  }
  void Put(const std::optional<uint32_t>& v) {
    out_.push_back(v ? '\1' : '\0');
    if (v) Put(*v);
  }
  void Put(const StringMap& m) {
    Put(uint64_t{m.size()});
    for (const auto& [k, v] : m) {
      Put(k);
      Put(v);
    }
  }
  template <Enum E>
  void Put(E v) {
    Put(static_cast<uint64_t>(static_cast<std::underlying_type_t<E>>(v)));
  }
  template <typename T>
  void Put(const std::vector<T>& list) {
    Put(uint64_t{list.size()});
    for (const T& item : list) Put(item);
  }
  template <Record T>
  void Put(const T& v) {
    Fields(*this, v);
  }

 private:
  std::string& out_;
};

class Decoder {
 public:
  Decoder(std::string_view in, const Limits& limits)
      : data_(in.data()),
        size_(in.size()),
        max_count_(limits.max_layer_entries),
        max_string_(std::max<uint64_t>(limits.max_package_db_bytes, kMaxTarExtendedHeaderBytes)) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  Status status() && { return std::move(status_); }

  template <typename... Ts>
  bool operator()(Ts&... v) {
    return (Get(v) && ...);
  }

  bool Bytes(std::string_view expected) {
    if (expected.size() > remaining() ||
        std::memcmp(data_ + pos_, expected.data(), expected.size()))
      return Fail(DataLoss("not a layer cache entry (no \"" + std::string(expected) + "\" magic)"));
    pos_ += expected.size();
    return true;
  }

  bool Get(uint64_t& v) {
    uint64_t out = 0;
    size_t start = pos_;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= size_) return Fail(Short("varint", start));
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) return Fail(Corrupt("varint longer than 64 bits", start));
      out |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) {
        v = out;
        return true;
      }
    }
    return Fail(Corrupt("varint longer than 64 bits", start));
  }
  bool Get(uint32_t& v) {
    size_t start = pos_;
    uint64_t u = 0;
    if (!Get(u)) return false;
    if (u > UINT32_MAX) return Fail(Corrupt("integer above 2^32", start));
    v = static_cast<uint32_t>(u);
    return true;
  }
  bool Get(int32_t& v) {
    uint32_t u = 0;
    if (!Get(u)) return false;
    v = static_cast<int32_t>((u >> 1) ^ (0u - (u & 1)));
    return true;
  }
  bool Get(std::string& s) {
    size_t start = pos_;
    uint64_t n = 0;
    if (!Get(n)) return false;
    if (n > max_string_)
      return Fail(TooMany("string of " + std::to_string(n) + " bytes", max_string_, start));
    if (n > remaining()) return Fail(Short("string of " + std::to_string(n) + " bytes", start));
    s.assign(data_ + pos_, n);
    pos_ += n;
    return true;
  }
  bool Get(std::optional<uint32_t>& v) {
    if (pos_ >= size_) return Fail(Short("optional", pos_));
    uint8_t flag = static_cast<uint8_t>(data_[pos_]);
    if (flag > 1) return Fail(Corrupt("optional flag " + std::to_string(flag), pos_));
    ++pos_;
    if (flag == 0) {
      v.reset();
      return true;
    }
    uint32_t x = 0;
    if (!Get(x)) return false;
    v = x;
    return true;
  }
  bool Get(StringMap& m) {
    uint64_t n = 0;
    if (!Count(n)) return false;
    m.clear();
    for (uint64_t i = 0; i < n; ++i) {
      size_t start = pos_;
      std::string k, v;
      if (!Get(k) || !Get(v)) return false;
      // Canonical order, as the map wrote it: equal entries encode equally.
      if (!m.empty() && !(m.rbegin()->first < k))
        return Fail(Corrupt("map keys out of order", start));
      m.emplace_hint(m.end(), std::move(k), std::move(v));
    }
    return true;
  }
  template <Enum E>
  bool Get(E& v) {
    size_t start = pos_;
    uint64_t u = 0;
    if (!Get(u)) return false;
    if (u > static_cast<uint64_t>(kEnumMax<E>))
      return Fail(Corrupt("enum value " + std::to_string(u) + " out of range", start));
    v = static_cast<E>(u);
    return true;
  }
  template <typename T>
  bool Get(std::vector<T>& list) {
    uint64_t n = 0;
    if (!Count(n)) return false;
    list.clear();
    // Grown as items arrive: a corrupt count costs no memory up front.
    list.reserve(std::min<uint64_t>(n, 1u << 16));
    for (uint64_t i = 0; i < n; ++i) {
      list.emplace_back();
      if (!Get(list.back())) return false;
    }
    return true;
  }
  template <Record T>
  bool Get(T& v) {
    return Fields(*this, v);
  }

  bool Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
    return false;
  }

 private:
  // A list count: bounded by the limit and by the bytes left (every item
  // takes at least one byte).
  bool Count(uint64_t& n) {
    size_t start = pos_;
    if (!Get(n)) return false;
    if (n > max_count_)
      return Fail(TooMany("list of " + std::to_string(n) + " items", max_count_, start));
    if (n > remaining()) return Fail(Short("list of " + std::to_string(n) + " items", start));
    return true;
  }
  static std::string At(size_t offset) {
    return "layer cache entry: offset " + std::to_string(offset) + ": ";
  }
  Status Short(const std::string& what, size_t offset) const {
    return DataLoss(At(offset) + "truncated " + what + " (" + std::to_string(size_ - offset) +
                    " bytes left)");
  }
  static Status Corrupt(const std::string& what, size_t offset) {
    return DataLoss(At(offset) + what);
  }
  static Status TooMany(const std::string& what, uint64_t limit, size_t offset) {
    return ResourceExhausted(At(offset) + what + " exceeds the limit of " + std::to_string(limit));
  }

  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t max_count_;
  uint64_t max_string_;
  Status status_;
};

template <typename T>
inline constexpr bool kIsVector = false;
template <typename T>
inline constexpr bool kIsVector<std::vector<T>> = true;

struct TieIo {
  template <typename... Ts>
  auto operator()(const Ts&... v) const {
    return std::tie(v...);
  }
};

// Field-by-field equality through the lists above (the layer structs have
// no operator==).
template <typename T>
bool Equal(const T& a, const T& b) {
  if constexpr (Record<T>) {
    TieIo io;
    auto ta = Fields(io, a);
    auto tb = Fields(io, b);
    return std::apply(
        [&](const auto&... x) {
          return std::apply([&](const auto&... y) { return (Equal(x, y) && ...); }, tb);
        },
        ta);
  } else if constexpr (kIsVector<T>) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!Equal(a[i], b[i])) return false;
    return true;
  } else {
    return a == b;
  }
}

}  // namespace

bool LayerResultsEqual(const layer::LayerResult& a, const layer::LayerResult& b) {
  return Equal(a, b);
}

std::string EncodeLayerResult(const layer::LayerResult& result) {
  std::string out;
  // About 40 bytes per file entry dominate; packages are few.
  out.reserve(64 + result.files.size() * 48 + result.findings.packages.size() * 256);
  out.append(kLayerCodecMagic);
  Encoder enc(out);
  enc.Put(kLayerCodecVersion);
  enc.Put(result);
  return out;
}

Result<layer::LayerResult> DecodeLayerResult(std::string_view bytes, const Limits& limits) {
  Decoder dec(bytes, limits);
  if (!dec.Bytes(kLayerCodecMagic)) return std::move(dec).status();
  uint32_t version = 0;
  if (!dec.Get(version)) return std::move(dec).status();
  if (version != kLayerCodecVersion)
    return Unimplemented("cache entry format " + std::to_string(version) + ", expected " +
                         std::to_string(kLayerCodecVersion));
  layer::LayerResult result;
  if (!dec.Get(result)) return std::move(dec).status();
  if (dec.remaining() != 0)
    return DataLoss("layer cache entry: offset " + std::to_string(dec.offset()) + ": " +
                    std::to_string(dec.remaining()) + " trailing bytes");
  if (result.entries > limits.max_layer_entries)
    return ResourceExhausted("layer cache entry: " + std::to_string(result.entries) +
                             " entries exceed the limit of " +
                             std::to_string(limits.max_layer_entries));
  return result;
}

}  // namespace customs::store
