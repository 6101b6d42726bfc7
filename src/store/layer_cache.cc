#include "store/layer_cache.h"

#include <zstd.h>

#include <memory>

#include "store/layer_codec.h"

namespace customs::store {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread, reused: creating one costs more than decoding a
// small entry.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

// The DiskCache key: the hex of "sha256:<hex>", or the key as given.
std::string_view EntryKey(std::string_view key) {
  constexpr std::string_view kPrefix = "sha256:";
  if (key.starts_with(kPrefix)) key.remove_prefix(kPrefix.size());
  return key;
}

}  // namespace

Result<std::string> CompressLayerEntry(std::string_view encoded) {
  ZSTD_CCtx* ctx = ThreadCCtx();
  if (ctx == nullptr) return Internal("zstd: cannot allocate a compression context");
  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, kLayerCacheZstdLevel);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 1);
  std::string out(ZSTD_compressBound(encoded.size()), '\0');
  size_t n = ZSTD_compress2(ctx, out.data(), out.size(), encoded.data(), encoded.size());
  if (ZSTD_isError(n)) return Internal(std::string("zstd compression: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> DecompressLayerEntry(std::string_view compressed) {
  size_t frame = ZSTD_findFrameCompressedSize(compressed.data(), compressed.size());
  if (ZSTD_isError(frame) || frame != compressed.size())
    return DataLoss("layer cache entry: not one whole zstd frame");
  unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return DataLoss("layer cache entry: zstd frame without a content size");
  if (size > kMaxLayerCacheEntryBytes)
    return DataLoss("layer cache entry: " + std::to_string(size) +
                    " bytes decompressed exceed kMaxLayerCacheEntryBytes (" +
                    std::to_string(kMaxLayerCacheEntryBytes) + ")");
  ZSTD_DCtx* ctx = ThreadDCtx();
  if (ctx == nullptr) return Internal("zstd: cannot allocate a decompression context");
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = ZSTD_decompressDCtx(ctx, out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n))
    return DataLoss(std::string("layer cache entry: corrupt zstd data (") + ZSTD_getErrorName(n) +
                    ")");
  if (n != out.size())
    return DataLoss("layer cache entry: " + std::to_string(n) + " bytes decompressed, frame says " +
                    std::to_string(size));
  return out;
}

Result<LayerCache> LayerCache::Open(std::string dir, uint64_t max_bytes) {
  CUSTOMS_ASSIGN_OR_RETURN(DiskCache disk, DiskCache::Open(std::move(dir), max_bytes),
                           "layer cache");
  return LayerCache(std::move(disk));
}

Result<std::optional<layer::LayerResult>> LayerCache::Get(std::string_view key,
                                                          const Limits& limits) const {
  std::string_view hex = EntryKey(key);
  using Miss = std::optional<layer::LayerResult>;
  Result<std::optional<std::string>> bytes =
      disk_.Read(hex, ZSTD_compressBound(kMaxLayerCacheEntryBytes));
  if (!bytes.ok()) {
    if (bytes.status().code() != StatusCode::kResourceExhausted)
      return std::move(bytes).status().WithContext("layer cache");
    (void)disk_.Remove(hex);  // larger than any entry we write
    return Miss();
  }
  if (!bytes->has_value()) return Miss();
  Result<std::string> encoded = DecompressLayerEntry(**bytes);
  Result<layer::LayerResult> result = encoded.ok() ? DecodeLayerResult(*encoded, limits)
                                                   : Result<layer::LayerResult>(encoded.status());
  if (!result.ok()) {
    // Bad bytes or an old format: drop the entry so that the fresh result
    // replaces it. A result over this scan's limits is fine for others.
    if (result.status().code() != StatusCode::kResourceExhausted) (void)disk_.Remove(hex);
    return Miss();
  }
  return Miss(std::move(result).value());
}

Status LayerCache::Put(std::string_view key, const layer::LayerResult& result) {
  std::string encoded = EncodeLayerResult(result);
  if (encoded.size() > kMaxLayerCacheEntryBytes)
    return ResourceExhausted("layer cache: result of " + std::to_string(encoded.size()) +
                             " bytes exceeds kMaxLayerCacheEntryBytes");
  CUSTOMS_ASSIGN_OR_RETURN(std::string compressed, CompressLayerEntry(encoded), "layer cache");
  CUSTOMS_TRY(disk_.Put(EntryKey(key), compressed), "layer cache");
  return Status::Ok();
}

}  // namespace customs::store
