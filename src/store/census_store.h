// The results of `customs census`, one row set per image, in an SQLite file
// (default <UserCacheDir()>/census.db). A census stores every image as soon
// as it is scanned, so an interrupted census resumes where it stopped
// (Done), and the study tables are computed from the file (Summarize).
//
//   CUSTOMS_ASSIGN_OR_RETURN(CensusStore store, CensusStore::Open(path));
//   CUSTOMS_TRY(store.Put(image));
//   CUSTOMS_ASSIGN_OR_RETURN(model::CensusSummary summary, store.Summarize(10));
//
// Thread safety: all methods may be called from several threads (one
// connection, calls serialized by a mutex). Several processes may share the
// file: it is in WAL mode and writers wait for each other (busy timeout).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/census.h"

namespace customs::store {

// Bump when the tables change; a file of another version is refused.
inline constexpr int kCensusSchemaVersion = 1;

// How long a write waits for another process holding the file.
inline constexpr int kCensusBusyTimeoutMs = 30'000;

// Which stored images a summary covers.
struct CensusScope {
  std::string registry;  // only this registry's images; "" for every registry
  // When set, only these references (a census run's selection: what it
  // listed, scanned or resumed), so images stored by earlier runs with
  // other --repos or --tags stay out of its tables.
  std::optional<std::vector<std::string>> references;
};

class CensusStore {
 public:
  // The default file: <UserCacheDir()>/census.db.
  static std::string DefaultPath();

  // Opens the store at `path`, creating the file (and its directory) and
  // the tables when missing. DataLoss when the file is not an SQLite
  // database or lacks the tables; InvalidArgument for another schema
  // version.
  static Result<CensusStore> Open(const std::string& path);

  CensusStore(CensusStore&&) noexcept;
  CensusStore& operator=(CensusStore&&) noexcept;
  ~CensusStore();

  const std::string& path() const;

  // Stores `image`, replacing whatever was stored for its reference, in one
  // transaction. InvalidArgument without a reference.
  Status Put(const model::CensusImage& image);

  // The references stored without error (of `registry`, or of every
  // registry for ""), sorted: a resumed census skips them.
  Result<std::vector<std::string>> Done(const std::string& registry = "") const;

  // The image stored under `reference`, or nullopt. Its findings come back
  // sorted by (id, package), its categories sorted.
  Result<std::optional<model::CensusImage>> Find(const std::string& reference) const;

  // The study tables over the images in `scope`, with at most `top_n` rows
  // in each top list. The run fields (run_images, wall_seconds, ...) are
  // left 0 for the caller; registry is scope.registry.
  Result<model::CensusSummary> Summarize(size_t top_n = 10, const CensusScope& scope = {}) const;

 private:
  struct Impl;
  explicit CensusStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace customs::store
