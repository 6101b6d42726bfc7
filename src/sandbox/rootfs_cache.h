// The unpacked-layer cache of `customs sandbox`: an image's root filesystem
// is written once (layers read, inflated, verified and applied by
// RootfsWriter) and then run many times, as container engines keep unpacked
// layers (containerd's snapshotter). A cached tree is only ever mounted
// read-only in the container, and every mount point of the runtime config is
// made when the entry is built, so a run changes nothing in it.
//
// Layout under the cache directory (root-owned, 0711, never group/other
// writable, never a symlink):
//
//   <key>/             a complete entry (0711)
//     rootfs/          the merged tree, ids shifted to the entry's uid base
//     entry.json       metadata, written last (atomically): no valid
//                      entry.json means an incomplete entry, never used
//   <key>.lock         flock: shared while a run uses the entry or builds
//                      it, exclusive (non-blocking) to evict it
//   <key>.tmp-XXXXXX   an entry being built, or one being removed; flocked
//                      by its owner while it lives
//
// The key is SHA-256 over a version tag and the image's layer diff_ids in
// order, so images that share all layers share an entry. Entries are built
// in a temporary sibling and renamed into place; a builder that loses the
// rename to another process removes its own copy and uses the winner's.
// Least recently used entries (entry.json's mtime, touched on every use)
// are evicted past a count and a byte budget; busy entries are skipped.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/digest.h"
#include "base/disk_cache.h"
#include "base/json.h"
#include "base/process.h"
#include "base/status.h"
#include "sandbox/rootfs.h"

namespace customs::sandbox {

inline constexpr std::string_view kDefaultRootfsCacheDir = "/var/cache/customs/sandbox-rootfs";
// Part of every key: a change of what an entry holds (layout, mount points,
// id shift) changes it, so old entries are never used (and age out).
inline constexpr std::string_view kRootfsCacheVersion = "customs-rootfs-1\n";

struct RootfsCacheOptions {
  std::string dir = std::string(kDefaultRootfsCacheDir);
  uint64_t max_entries = 4;                // complete entries kept
  uint64_t max_bytes = uint64_t{4} << 30;  // file content kept (RootfsStats.bytes)
  int64_t stale_temp_seconds = 60;         // unlocked temporaries older than this are removed
};

// A place the runtime mounts something over: it must exist in the tree
// before the run so that the runtime does not create it.
struct MountTarget {
  std::string path;   // "/proc", "/etc/resolv.conf"
  bool file = false;  // a bind-mounted file (else a directory)
  bool operator==(const MountTarget&) const = default;
};

// The metadata of an entry (entry.json).
struct RootfsEntryInfo {
  std::string key;  // 64 hex
  uint32_t uid_base = 0;
  uint32_t id_count = 0;
  RootfsStats stats;
  std::vector<MountTarget> mount_targets;  // made when the entry was built
  int64_t built_unix = 0;                  // seconds since the epoch
};

// The cache key (64 lowercase hex) of an image's layers, in order.
std::string RootfsCacheKey(const std::vector<Digest>& diff_ids);

// The mount targets of a runtime config (BuildRuntimeConfig), in order:
// destinations below another mount's destination (/dev/pts below /dev) are
// left out, as they land in that mount, not in the tree. Pure.
std::vector<MountTarget> MountTargets(const Json& config);

// entry.json, both ways. Parse checks every field (sizes bounded) and that
// the key is 64 hex; `what` names the file in errors. Pure.
std::string RenderRootfsEntryInfo(const RootfsEntryInfo& info);
Result<RootfsEntryInfo> ParseRootfsEntryInfo(std::string_view text, std::string_view what);

// "2024-05-01T12:00:00Z" of seconds since the epoch.
std::string FormatUtc(int64_t unix_seconds);

// A cache entry in use: while it lives, the entry is not evicted.
class RootfsLease {
 public:
  RootfsLease() = default;
  RootfsLease(RootfsLease&&) = default;
  RootfsLease& operator=(RootfsLease&&) = default;

  const std::string& rootfs() const { return rootfs_; }  // absolute path of the tree
  const RootfsEntryInfo& info() const { return info_; }
  bool hit() const { return hit_; }  // the entry was there (else this call built it)

 private:
  friend class RootfsCache;
  UniqueFd lock_;  // shared flock on <key>.lock
  std::string rootfs_;
  RootfsEntryInfo info_;
  bool hit_ = false;
};

// One complete entry, as List sees it.
struct RootfsCacheEntry {
  RootfsEntryInfo info;
  std::string dir;
  timespec last_used{};  // entry.json's mtime
};

class RootfsCache {
 public:
  // Opens (creates, 0711, parents 0755) the cache directory. Refused: a
  // symlink, a non-directory, not owned by the user running customs (root),
  // writable by group or others, or a directory (or one above it) others
  // cannot search (the container's root is an unprivileged host id).
  static Result<RootfsCache> Open(const RootfsCacheOptions& options);

  // Writes the tree of an entry being built (the image's layers).
  using BuildFn = std::function<Status(RootfsWriter& writer)>;

  // The entry `key` for a run: used when complete (hit), else built with
  // `build` into a writer with `options` (its uid_base becomes the entry's),
  // with every `targets` made in it, and renamed into place. The lease holds
  // the entry against eviction until it is destroyed.
  Result<RootfsLease> Acquire(const std::string& key, const RootfsOptions& options,
                              const std::vector<MountTarget>& targets, const BuildFn& build);

  // Evicts least recently used entries past max_entries and max_bytes (busy
  // ones are skipped and still counted), incomplete entries, and temporaries
  // of dead builders. Returns how many entries and bytes were removed.
  Result<CacheStats> Prune();

  // The complete entries, most recently used first.
  Result<std::vector<RootfsCacheEntry>> List() const;

  const std::string& dir() const { return options_.dir; }

 private:
  explicit RootfsCache(RootfsCacheOptions options) : options_(std::move(options)) {}
  Result<UniqueFd> LockShared(const std::string& key) const;
  Result<RootfsLease> Build(const std::string& key, const RootfsOptions& options,
                            const std::vector<MountTarget>& targets, const BuildFn& build,
                            UniqueFd lock);
  Result<RootfsEntryInfo> ReadEntry(const std::string& key) const;
  // Moves the entry `name` out of the way under a temporary name (flocked
  // through the fd returned); "" when it was gone already.
  Result<std::pair<std::string, UniqueFd>> MoveAside(const std::string& name) const;
  // MoveAside, then removes it.
  Status Discard(const std::string& name) const;

  RootfsCacheOptions options_;
};

}  // namespace customs::sandbox
