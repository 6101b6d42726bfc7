// The sandbox bundle's root filesystem: image layers written to a host
// directory in order, as the container runtime would see them merged, with
// nothing ever written outside that directory.
//
// Every path is resolved inside the root (openat2 RESOLVE_IN_ROOT): an
// absolute or climbing symlink in the image points back into the root,
// never to the host. Ownership is shifted into the sandbox's user
// namespace range (container id N becomes host id uid_base + N; ids past the
// range become the range's nobody). Device nodes are not created (recorded);
// setuid and setgid bits are dropped (recorded). Whiteouts (".wh.NAME") and
// opaque markers (".wh..wh..opq") remove lower-layer content.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "layer/walker.h"

namespace customs::sandbox {

struct RootfsOptions {
  uint32_t uid_base = 0;                    // host id of container id 0
  uint32_t id_count = 65536;                // ids mapped; others become id_count - 2 (nobody)
  uint64_t max_bytes = uint64_t{16} << 30;  // file content written, all layers
  uint64_t max_entries = 4'000'000;         // entries applied, all layers
};

struct RootfsStats {
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t bytes = 0;            // file content written
  uint64_t whiteouts = 0;        // whiteouts and opaque markers applied
  uint64_t devices_skipped = 0;  // block and character devices not created
  uint64_t fifos = 0;
  uint64_t setid_dropped = 0;  // files whose setuid/setgid bit was removed
  uint64_t ids_clamped = 0;    // entries whose uid or gid was past the range
};

class RootfsWriter {
 public:
  // Creates `dir`, which must not exist (its parent must), mode 0755, owned
  // by uid_base:uid_base.
  static Result<std::unique_ptr<RootfsWriter>> Create(const std::string& dir,
                                                      const RootfsOptions& options);
  // Opens the existing tree `dir` (a directory, not a symlink), written
  // earlier with the same options (the unpacked-layer cache, rootfs_cache.h),
  // to read files or add mount points; stats() are zero.
  static Result<std::unique_ptr<RootfsWriter>> Open(const std::string& dir,
                                                    const RootfsOptions& options);
  ~RootfsWriter();
  RootfsWriter(const RootfsWriter&) = delete;
  RootfsWriter& operator=(const RootfsWriter&) = delete;

  // Applies one layer on top of what is there. `what` names the layer in
  // errors. An entry that cannot be written (a name that is too long, a
  // hardlink to nothing) fails the layer, naming the entry.
  Status ApplyLayer(layer::EntryReader& entries, const std::string& what);
  // A regular file of the tree, resolved as inside the container.
  Result<std::string> ReadFile(const std::string& path, size_t max_bytes) const;
  // Creates the directory `path` (and its parents) when missing, owned by
  // container root; an existing non-directory there is an error.
  Status MakeDirectory(const std::string& path);
  // Creates an empty regular file `path` (mode 0644, owned by container
  // root, parents made as MakeDirectory does) when nothing is there; a
  // dangling symlink there is followed inside the root and its target made,
  // as the runtime does for a bind-mount target. Anything that exists is
  // left as it is.
  Status MakeFile(const std::string& path);

  const RootfsStats& stats() const { return stats_; }
  const std::string& dir() const { return dir_; }

 private:
  struct State;
  RootfsWriter(std::string dir, RootfsOptions options, int dir_fd);
  std::string dir_;
  RootfsOptions options_;
  int dir_fd_ = -1;
  RootfsStats stats_;
  std::unique_ptr<State> state_;  // parent-dir cache, current layer's paths
};

// Unavailable, naming the directory and `flag` (the option choosing it),
// when `dir` or a directory above it has no search permission for others:
// the container's root, an unprivileged host id, must pass through them.
Status CheckReachableByOthers(const std::string& dir, std::string_view what, std::string_view flag);

// Removes the directory tree at `path` (absent is fine): never follows a
// symlink, never crosses into another file system (a mount inside is left
// and reported).
Status RemoveTree(const std::string& path);

}  // namespace customs::sandbox
