// The per-layer analysis cache (DESIGN.md rule 2): a layer's result, keyed
// by scan::LayerCacheKey (its diff_id plus the analyzer set's versions), so
// that an image on a known base analyzes only its new layers and a census
// analyzes each shared layer once.
//
// Entries are EncodeLayerResult bytes compressed with zstd (with a content
// checksum), stored in a DiskCache: shared by threads and processes, bounded
// in size, least recently used evicted first. A corrupt, truncated or
// other-version entry is a miss (and is removed), never a wrong result.
//
//   CUSTOMS_ASSIGN_OR_RETURN(LayerCache cache, LayerCache::Open(cache_dir + "/layers", max));
//   CUSTOMS_ASSIGN_OR_RETURN(auto hit, cache.Get(scan::LayerCacheKey(diff_id, analyzers), limits));
//   if (!hit) { ...analyze...; CUSTOMS_TRY(cache.Put(key, result)); }
//
// Thread safety: all methods may be called from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/disk_cache.h"
#include "base/limits.h"
#include "base/status.h"
#include "layer/walker.h"

namespace customs::store {

// Largest entry, decompressed. A result of 10k files and 300 packages
// encodes to about 1 MiB; a layer at kMaxLayerEntries of short paths to a
// few hundred MiB. A larger entry is corrupt (and a miss).
inline constexpr uint64_t kMaxLayerCacheEntryBytes = uint64_t{1} << 30;

// zstd level of entries: level 3 (zstd's default) writes a 1 MiB result in
// a few ms; reads decode at the same speed whatever the level.
inline constexpr int kLayerCacheZstdLevel = 3;

class LayerCache {
 public:
  // Opens (creating) the cache in `dir`, its own directory: the caller
  // passes <cache_dir>/layers so that blobs live apart. `max_bytes` bounds
  // the compressed total; 0 means unbounded (see DiskCache::Open).
  static Result<LayerCache> Open(std::string dir, uint64_t max_bytes);

  // The result stored under `key` ("sha256:<hex>" as LayerCacheKey returns
  // it, or the bare hex); nullopt on a miss. An entry that does not decode
  // (corrupt, truncated, another kLayerCodecVersion) is removed and is a
  // miss; one over `limits` is a miss and stays. Errors: InvalidArgument for
  // a bad key, and IO failures other than absence.
  Result<std::optional<layer::LayerResult>> Get(std::string_view key, const Limits& limits) const;
  // Stores `result` under `key`, replacing any entry there.
  Status Put(std::string_view key, const layer::LayerResult& result);

  Result<CacheStats> Stats() const { return disk_.Stats(); }
  Result<CacheStats> Prune(uint64_t max_bytes) { return disk_.Prune(max_bytes); }
  Status Clear() { return disk_.Clear(); }
  const DiskCache& disk() const { return disk_; }

 private:
  explicit LayerCache(DiskCache disk) : disk_(std::move(disk)) {}

  // Not const in effect: Get removes bad entries (the directory, not this
  // object, changes).
  mutable DiskCache disk_;
};

// Compresses and decompresses entries; exposed for tests and tools.
Result<std::string> CompressLayerEntry(std::string_view encoded);
// DataLoss when `compressed` is not one whole zstd frame of at most
// kMaxLayerCacheEntryBytes with a matching checksum.
Result<std::string> DecompressLayerEntry(std::string_view compressed);

}  // namespace customs::store
