// A size-bounded directory of immutable entries named by hex keys, shared
// safely by several threads and several customs processes (blobs by digest,
// layer results by cache key).
//
// Layout under `dir`: entries in a two-level fan-out `ab/abcdef…` (the first
// two key characters name the sub-directory), writers' temporary files in
// `tmp/`, and `.lock`, which pruners flock(2) so that two of them never
// evict at once. An entry appears only through rename(2) of a complete
// temporary file, so a reader sees a whole entry or none, never a partial
// one. Readers take no lock: a file that a pruner unlinks while it is open
// stays readable, and a reader that finds the path gone treats it as a miss.
// "Used" is the entry's mtime, refreshed by Path() and Read(); eviction
// removes the oldest mtimes first (approximate LRU across processes).
//
// The cache does not check content: callers that name entries by a digest
// verify the bytes before they Commit (the registry source hashes blobs
// while they stream).
//
//   CUSTOMS_ASSIGN_OR_RETURN(DiskCache cache, DiskCache::Open(dir, 10ull << 30));
//   CUSTOMS_ASSIGN_OR_RETURN(auto writer, cache.BeginInsert(hex));
//   CUSTOMS_TRY(writer->Write(chunk));
//   CUSTOMS_ASSIGN_OR_RETURN(std::string path, writer->Commit());
//
// Thread safety: every method may be called from several threads at once;
// a Writer belongs to one thread. A DiskCache is a cheap handle: copies
// share one state, and writers keep it alive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace customs {

// Entries and bytes: the contents of a cache (Stats) or what was removed
// (Prune).
struct CacheStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

class DiskCache {
  struct State;

 public:
  // Temporary files untouched for this long belong to a killed process (a
  // live writer refreshes the mtime with every write); Prune removes them.
  static constexpr int64_t kStaleTempSeconds = 3600;
  // Commit rescans the directory at least once per this many inserts, to see
  // what other processes added, and prunes when the total is over the bound.
  static constexpr uint64_t kRescanEveryInserts = 64;

  // Writes one entry to a temporary file; Commit moves it into place.
  // Destroying an uncommitted writer removes the temporary file.
  class Writer {
   public:
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    Status Write(std::span<const uint8_t> bytes);
    Status Write(std::string_view bytes);
    // Renames the temporary file to the entry's path (atomically replacing
    // an entry another writer committed meanwhile: both are complete) and
    // returns that path. May prune the cache afterwards. The writer is done
    // after Commit, whatever it returns.
    Result<std::string> Commit();

    Writer(std::shared_ptr<State> state, std::string key, std::string temp_path, int fd);

   private:
    void Abandon();

    std::shared_ptr<State> state_;
    std::string key_;
    std::string temp_path_;
    int fd_ = -1;
    uint64_t bytes_ = 0;
  };

  // Opens (creating with mode 0700 when absent) the cache in `dir`. Pruning
  // after inserts keeps it near `max_bytes`; 0 means no bound (only an
  // explicit Prune evicts).
  static Result<DiskCache> Open(std::string dir, uint64_t max_bytes);

  const std::string& dir() const;
  uint64_t max_bytes() const;

  // A valid key: 16 to 128 lower-case hex digits.
  static bool ValidKey(std::string_view key);

  // The entry's path when it is present, marking it used. The path may
  // vanish (a concurrent Prune) before the caller opens it: treat that as a
  // miss. InvalidArgument for a bad key.
  Result<std::optional<std::string>> Path(std::string_view key) const;
  // The entry's whole content when present (marking it used);
  // ResourceExhausted when it is larger than `max_bytes`.
  Result<std::optional<std::string>> Read(std::string_view key, size_t max_bytes) const;

  // Starts an entry; the temporary file is `tmp/<key>.<pid>.<random>`.
  Result<std::unique_ptr<Writer>> BeginInsert(std::string_view key);
  // BeginInsert, one Write, Commit.
  Status Put(std::string_view key, std::string_view bytes);

  // Entries and their bytes now (a scan of the directory, no lock).
  Result<CacheStats> Stats() const;
  // Evicts least recently used entries until the total is at most
  // `max_bytes`, and removes stale temporary files; returns what it removed.
  // Runs under the exclusive lock of `.lock`.
  Result<CacheStats> Prune(uint64_t max_bytes);
  // Removes one entry; absent is fine.
  Status Remove(std::string_view key);
  // Removes every entry and stale temporary files (writers in progress may
  // still commit theirs).
  Status Clear();

  explicit DiskCache(std::shared_ptr<State> state);

 private:
  // After an insert of `bytes`: when the estimate says the cache is over
  // its bound (rescanning first when the estimate is old), prunes to 90% of
  // it, so that the next inserts do not each prune again.
  static void AfterInsert(State& state, uint64_t bytes);

  std::shared_ptr<State> state_;  // shared with the writers
};

}  // namespace customs
