#include "sandbox/rootfs_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/file.h"
#include "base/limits.h"
#include "base/strings.h"

namespace customs::sandbox {
namespace {

constexpr int kEntryFormat = 1;
constexpr size_t kMaxEntryJsonBytes = 1 << 20;
constexpr size_t kMaxMountTargets = 64;
// Lock files re-opened when an evictor replaced them meanwhile.
constexpr int kMaxLockAttempts = 16;
constexpr std::string_view kEntryFile = "entry.json";
constexpr std::string_view kTempMarker = ".tmp-";
constexpr std::string_view kLockSuffix = ".lock";
constexpr std::string_view kPruneLock = ".prune.lock";
// Names read from the cache directory (entries, lock files, temporaries).
constexpr size_t kMaxCacheNames = 100'000;

bool IsKey(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool Later(const timespec& a, const timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

int FlockRetry(int fd, int op) {
  while (true) {
    if (::flock(fd, op) == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

// The lock file `path` opened and flocked with `op` (LOCK_SH, LOCK_EX,
// maybe | LOCK_NB), checked to still be the file at `path` (an evictor
// unlinks lock files it held exclusively). An invalid fd when a
// non-blocking lock is busy.
Result<UniqueFd> LockFile(const std::string& path, int op) {
  for (int attempt = 0; attempt < kMaxLockAttempts; ++attempt) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) return ErrnoStatus(errno, "rootfs cache: cannot open lock " + path);
    if (FlockRetry(fd.get(), op) != 0) {
      if (errno == EWOULDBLOCK) return UniqueFd();
      return ErrnoStatus(errno, "rootfs cache: cannot lock " + path);
    }
    struct stat held {
    }, now{};
    if (::fstat(fd.get(), &held) != 0)
      return ErrnoStatus(errno, "rootfs cache: cannot stat lock " + path);
    if (::stat(path.c_str(), &now) == 0 && now.st_dev == held.st_dev && now.st_ino == held.st_ino)
      return fd;
  }
  return Unavailable("rootfs cache: lock " + path + " keeps being replaced");
}

// A fresh temporary directory `<dir>/<prefix>.tmp-XXXXXX` (0711), flocked
// exclusively through the returned fd for as long as it is held.
Result<std::pair<std::string, UniqueFd>> MakeTemp(const std::string& dir,
                                                  const std::string& prefix) {
  auto made = MakeTempDirectory(dir, prefix + std::string(kTempMarker));
  if (!made.ok()) return std::move(made).status().WithContext("rootfs cache");
  std::string path = *std::move(made);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(errno, "rootfs cache: cannot open " + path);
  if (::fchmod(fd.get(), 0711) != 0 || FlockRetry(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    (void)::rmdir(path.c_str());
    return ErrnoStatus(err, "rootfs cache: cannot set up " + path);
  }
  return std::make_pair(std::move(path), std::move(fd));
}

// The names in `dir`, bounded.
Result<std::vector<std::string>> ListNames(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "rootfs cache: cannot read " + dir);
  std::vector<std::string> names;
  while (names.size() < kMaxCacheNames) {
    errno = 0;
    struct dirent* de = ::readdir(d);
    if (de == nullptr) break;
    std::string_view name = de->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

Json StatsJson(const RootfsStats& s) {
  return Json{{"files", s.files},
              {"dirs", s.dirs},
              {"symlinks", s.symlinks},
              {"hardlinks", s.hardlinks},
              {"bytes", s.bytes},
              {"whiteouts", s.whiteouts},
              {"devicesSkipped", s.devices_skipped},
              {"fifos", s.fifos},
              {"setidDropped", s.setid_dropped},
              {"idsClamped", s.ids_clamped}};
}

// A non-negative integer member, or an error naming it.
Result<uint64_t> Count(const Json& obj, std::string_view key, std::string_view what) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || !it->is_number_unsigned())
    return InvalidArgument(std::string(what) + ": \"" + std::string(key) +
                           "\" is missing or not a non-negative integer");
  return it->get<uint64_t>();
}

}  // namespace

std::string RootfsCacheKey(const std::vector<Digest>& diff_ids) {
  Sha256 h;
  h.Update(kRootfsCacheVersion);
  for (const auto& d : diff_ids) {
    h.Update(d.str());
    h.Update("\n");
  }
  return std::string(h.Finish().hex());
}

std::vector<MountTarget> MountTargets(const Json& config) {
  std::vector<MountTarget> out;
  const Json* mounts = JsonArray(config, "mounts");
  if (mounts == nullptr) return out;
  for (const auto& m : *mounts) {
    if (!m.is_object()) continue;
    std::string dest = JsonString(m, "destination");
    while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
    if (dest.size() < 2 || dest[0] != '/') continue;
    bool inside = std::any_of(out.begin(), out.end(), [&](const MountTarget& t) {
      return dest == t.path || dest.starts_with(t.path + "/");
    });
    // Below a file target cannot happen; below a directory mount it lands
    // in that mount.
    if (inside) continue;
    // The sandbox bind-mounts files only (resolv.conf, hosts).
    out.push_back({dest, JsonString(m, "type") == "bind"});
  }
  return out;
}

std::string FormatUtc(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (::gmtime_r(&t, &tm) == nullptr) return "?";
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string RenderRootfsEntryInfo(const RootfsEntryInfo& info) {
  Json targets = Json::array();
  for (const auto& t : info.mount_targets) targets.push_back({{"path", t.path}, {"file", t.file}});
  Json doc = {{"format", kEntryFormat},         {"key", info.key},
              {"uidBase", info.uid_base},       {"idCount", info.id_count},
              {"builtUnix", info.built_unix},   {"built", FormatUtc(info.built_unix)},
              {"stats", StatsJson(info.stats)}, {"mountTargets", targets}};
  return DumpJson(doc, 1) + "\n";
}

Result<RootfsEntryInfo> ParseRootfsEntryInfo(std::string_view text, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(text, what, kMaxEntryJsonBytes));
  std::string w(what);
  if (!doc.is_object()) return InvalidArgument(w + ": not a JSON object");
  if (JsonInt(doc, "format", -1) != kEntryFormat)
    return InvalidArgument(w + ": format is not " + std::to_string(kEntryFormat));
  RootfsEntryInfo info;
  info.key = JsonString(doc, "key");
  if (!IsKey(info.key)) return InvalidArgument(w + ": \"key\" is not 64 lowercase hex");
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t uid_base, Count(doc, "uidBase", w));
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t id_count, Count(doc, "idCount", w));
  if (id_count < 2 || uid_base == 0 || uid_base + id_count - 1 > UINT32_MAX)
    return InvalidArgument(w + ": uidBase " + std::to_string(uid_base) + " and idCount " +
                           std::to_string(id_count) + " are not a usable id range");
  info.uid_base = static_cast<uint32_t>(uid_base);
  info.id_count = static_cast<uint32_t>(id_count);
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t built, Count(doc, "builtUnix", w));
  if (built > (uint64_t{1} << 40)) return InvalidArgument(w + ": \"builtUnix\" out of range");
  info.built_unix = static_cast<int64_t>(built);
  const Json* stats = JsonObject(doc, "stats");
  if (stats == nullptr || !stats->is_object()) return InvalidArgument(w + ": no \"stats\" object");
  std::string sw = w + " stats";
  RootfsStats& s = info.stats;
  CUSTOMS_ASSIGN_OR_RETURN(s.files, Count(*stats, "files", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.dirs, Count(*stats, "dirs", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.symlinks, Count(*stats, "symlinks", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.hardlinks, Count(*stats, "hardlinks", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.bytes, Count(*stats, "bytes", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.whiteouts, Count(*stats, "whiteouts", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.devices_skipped, Count(*stats, "devicesSkipped", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.fifos, Count(*stats, "fifos", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.setid_dropped, Count(*stats, "setidDropped", sw));
  CUSTOMS_ASSIGN_OR_RETURN(s.ids_clamped, Count(*stats, "idsClamped", sw));
  const Json* targets = JsonArray(doc, "mountTargets");
  if (targets == nullptr || !targets->is_array())
    return InvalidArgument(w + ": no \"mountTargets\" array");
  if (targets->size() > kMaxMountTargets)
    return ResourceExhausted(w + ": more than " + std::to_string(kMaxMountTargets) +
                             " mount targets");
  for (const auto& t : *targets) {
    MountTarget target{JsonString(t, "path"), JsonBool(t, "file")};
    if (target.path.empty() || target.path[0] != '/' || target.path.size() > kMaxPathBytes)
      return InvalidArgument(w + ": a mount target is not an absolute path");
    info.mount_targets.push_back(std::move(target));
  }
  return info;
}

Result<RootfsCache> RootfsCache::Open(const RootfsCacheOptions& options) {
  RootfsCacheOptions o = options;
  if (o.dir.empty()) return InvalidArgument("rootfs cache: no directory given");
  if (o.dir[0] != '/') {
    char cwd[kMaxPathBytes + 1];
    if (::getcwd(cwd, sizeof cwd) == nullptr)
      return ErrnoStatus(errno, "rootfs cache: cannot resolve " + o.dir);
    o.dir = std::string(cwd) + "/" + o.dir;
  }
  while (o.dir.size() > 1 && o.dir.back() == '/') o.dir.pop_back();
  if (o.dir == "/") return InvalidArgument("rootfs cache: refusing / as the cache directory");
  const std::string& dir = o.dir;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus(errno, "rootfs cache: cannot stat " + dir);
    // Parents 0755, the cache itself 0711.
    for (size_t slash = dir.find('/', 1); slash != std::string::npos;
         slash = dir.find('/', slash + 1)) {
      std::string parent = dir.substr(0, slash);
      if (::mkdir(parent.c_str(), 0755) == 0) {
        if (::chmod(parent.c_str(), 0755) != 0)
          return ErrnoStatus(errno, "rootfs cache: cannot chmod " + parent);
      } else if (errno != EEXIST) {
        return ErrnoStatus(errno, "rootfs cache: cannot create " + parent);
      }
    }
    if (::mkdir(dir.c_str(), 0711) == 0) {
      if (::chmod(dir.c_str(), 0711) != 0)
        return ErrnoStatus(errno, "rootfs cache: cannot chmod " + dir);
    } else if (errno != EEXIST) {
      return ErrnoStatus(errno, "rootfs cache: cannot create " + dir);
    }
    if (::lstat(dir.c_str(), &st) != 0)
      return ErrnoStatus(errno, "rootfs cache: cannot stat " + dir);
  }
  if (S_ISLNK(st.st_mode))
    return PermissionDenied("rootfs cache " + dir +
                            " is a symlink: give the real directory (--rootfs-cache)");
  if (!S_ISDIR(st.st_mode)) return InvalidArgument("rootfs cache " + dir + " is not a directory");
  if (st.st_uid != ::geteuid())
    return PermissionDenied("rootfs cache " + dir + " is owned by uid " +
                            std::to_string(st.st_uid) + ", not by uid " +
                            std::to_string(::geteuid()) + " (root) who runs customs");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return PermissionDenied("rootfs cache " + dir +
                            " is writable by group or others: chmod go-w it (0711)");
  CUSTOMS_TRY(CheckReachableByOthers(dir, "the rootfs cache", "--rootfs-cache"));
  return RootfsCache(std::move(o));
}

Result<UniqueFd> RootfsCache::LockShared(const std::string& key) const {
  CUSTOMS_ASSIGN_OR_RETURN(UniqueFd fd,
                           LockFile(options_.dir + "/" + key + std::string(kLockSuffix), LOCK_SH));
  return fd;
}

Result<RootfsEntryInfo> RootfsCache::ReadEntry(const std::string& key) const {
  std::string entry = options_.dir + "/" + key;
  std::string path = entry + "/" + std::string(kEntryFile);
  CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxEntryJsonBytes));
  CUSTOMS_ASSIGN_OR_RETURN(RootfsEntryInfo info, ParseRootfsEntryInfo(text, path));
  if (info.key != key) return InvalidArgument(path + ": key " + info.key + " is not " + key);
  struct stat st {};
  if (::lstat((entry + "/rootfs").c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return NotFound(entry + ": no rootfs directory");
  return info;
}

Result<RootfsLease> RootfsCache::Acquire(const std::string& key, const RootfsOptions& options,
                                         const std::vector<MountTarget>& targets,
                                         const BuildFn& build) {
  if (!IsKey(key))
    return InvalidArgument("rootfs cache: key \"" + Printable(key) + "\" is not 64 hex");
  CUSTOMS_ASSIGN_OR_RETURN(UniqueFd lock, LockShared(key));
  auto info = ReadEntry(key);
  if (!info.ok()) return Build(key, options, targets, build, std::move(lock));
  RootfsLease lease;
  lease.lock_ = std::move(lock);
  lease.rootfs_ = options_.dir + "/" + key + "/rootfs";
  lease.info_ = std::move(info).value();
  lease.hit_ = true;
  // Used now: last to be evicted.
  (void)::utimensat(AT_FDCWD, (options_.dir + "/" + key + "/" + std::string(kEntryFile)).c_str(),
                    nullptr, 0);
  return lease;
}

Result<RootfsLease> RootfsCache::Build(const std::string& key, const RootfsOptions& options,
                                       const std::vector<MountTarget>& targets,
                                       const BuildFn& build, UniqueFd lock) {
  CUSTOMS_ASSIGN_OR_RETURN(auto temp, MakeTemp(options_.dir, key));
  const std::string& tmp = temp.first;
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) (void)RemoveTree(path);
    }
  } cleanup{tmp};

  RootfsEntryInfo info;
  info.key = key;
  info.uid_base = options.uid_base;
  info.id_count = options.id_count;
  {
    CUSTOMS_ASSIGN_OR_RETURN(auto writer, RootfsWriter::Create(tmp + "/rootfs", options));
    CUSTOMS_TRY(build(*writer));
    info.stats = writer->stats();
    // Made now so that the runtime finds them and writes nothing into the
    // shared tree. One that cannot be made (a file where a directory
    // belongs) is left to the runtime, which fails on it as it would
    // without the cache.
    for (const auto& t : targets) {
      Status made = t.file ? writer->MakeFile(t.path) : writer->MakeDirectory(t.path);
      if (made.ok()) info.mount_targets.push_back(t);
    }
  }
  info.built_unix = static_cast<int64_t>(::time(nullptr));
  CUSTOMS_TRY(
      WriteFileAtomic(tmp + "/" + std::string(kEntryFile), RenderRootfsEntryInfo(info), 0644));

  std::string entry = options_.dir + "/" + key;
  RootfsLease lease;
  lease.lock_ = std::move(lock);
  lease.rootfs_ = entry + "/rootfs";
  for (int attempt = 0;; ++attempt) {
    if (::rename(tmp.c_str(), entry.c_str()) == 0) {
      cleanup.path.clear();
      lease.info_ = std::move(info);
      return lease;
    }
    if (errno != EEXIST && errno != ENOTEMPTY)
      return ErrnoStatus(errno, "rootfs cache: cannot rename " + tmp + " to " + entry);
    // Another process was faster: use its entry (ours is removed).
    auto theirs = ReadEntry(key);
    if (theirs.ok()) {
      lease.info_ = std::move(theirs).value();
      return lease;
    }
    // A damaged entry (no valid metadata) is never in use: replace it.
    if (attempt >= 2) return std::move(theirs).status().WithContext("rootfs cache");
    CUSTOMS_TRY(Discard(key));
  }
}

Status RootfsCache::Discard(const std::string& name) const {
  CUSTOMS_ASSIGN_OR_RETURN(auto moved, MoveAside(name));
  if (moved.first.empty()) return Status::Ok();
  return RemoveTree(moved.first);
}

Result<std::pair<std::string, UniqueFd>> RootfsCache::MoveAside(const std::string& name) const {
  std::string prefix = name.substr(0, name.find(kTempMarker));
  CUSTOMS_ASSIGN_OR_RETURN(auto temp, MakeTemp(options_.dir, prefix));
  std::string from = options_.dir + "/" + name;
  // rename(2) replaces the empty directory just made.
  if (::rename(from.c_str(), temp.first.c_str()) != 0) {
    int err = errno;
    (void)::rmdir(temp.first.c_str());
    if (err == ENOENT) return std::make_pair(std::string(), UniqueFd());
    return ErrnoStatus(err, "rootfs cache: cannot move " + from + " aside");
  }
  // The flock held the replaced directory: lock the moved one for the
  // removal (its fresh ctime keeps other pruners off meanwhile).
  UniqueFd moved(::open(temp.first.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (moved.valid()) (void)FlockRetry(moved.get(), LOCK_EX | LOCK_NB);
  return std::make_pair(std::move(temp.first), std::move(moved));
}

Result<std::vector<RootfsCacheEntry>> RootfsCache::List() const {
  CUSTOMS_ASSIGN_OR_RETURN(auto names, ListNames(options_.dir));
  std::vector<RootfsCacheEntry> out;
  for (const auto& name : names) {
    if (!IsKey(name)) continue;
    auto info = ReadEntry(name);
    if (!info.ok()) continue;
    RootfsCacheEntry e;
    e.info = std::move(info).value();
    e.dir = options_.dir + "/" + name;
    struct stat st {};
    if (::stat((e.dir + "/" + std::string(kEntryFile)).c_str(), &st) == 0) e.last_used = st.st_mtim;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const RootfsCacheEntry& a, const RootfsCacheEntry& b) {
    if (Later(a.last_used, b.last_used)) return true;
    if (Later(b.last_used, a.last_used)) return false;
    return a.info.key < b.info.key;
  });
  return out;
}

Result<CacheStats> RootfsCache::Prune() {
  CacheStats removed;
  // One pruner at a time; another one busy means nothing to do here.
  CUSTOMS_ASSIGN_OR_RETURN(
      UniqueFd prune_lock,
      LockFile(options_.dir + "/" + std::string(kPruneLock), LOCK_EX | LOCK_NB));
  if (!prune_lock.valid()) return removed;
  CUSTOMS_ASSIGN_OR_RETURN(auto names, ListNames(options_.dir));
  const int64_t now = static_cast<int64_t>(::time(nullptr));

  // Temporaries of dead builders and removers, damaged entries, orphan
  // lock files.
  for (const auto& name : names) {
    std::string path = options_.dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;
    size_t marker = name.find(kTempMarker);
    if (marker != std::string::npos && IsKey(name.substr(0, marker)) && S_ISDIR(st.st_mode)) {
      int64_t changed = std::max<int64_t>(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
      if (now - changed < options_.stale_temp_seconds) continue;
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid() || FlockRetry(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // alive
      if (RemoveTree(path).ok()) ++removed.entries;
      continue;
    }
    if (IsKey(name) && S_ISDIR(st.st_mode) && !ReadEntry(name).ok()) {
      CUSTOMS_ASSIGN_OR_RETURN(UniqueFd lock,
                               LockFile(path + std::string(kLockSuffix), LOCK_EX | LOCK_NB));
      if (!lock.valid()) continue;
      if (Discard(name).ok()) ++removed.entries;
      continue;
    }
    if (name.size() == 64 + kLockSuffix.size() && name.ends_with(kLockSuffix) &&
        IsKey(name.substr(0, 64))) {
      struct stat entry_st {};
      if (::lstat((options_.dir + "/" + name.substr(0, 64)).c_str(), &entry_st) == 0) continue;
      CUSTOMS_ASSIGN_OR_RETURN(UniqueFd lock, LockFile(path, LOCK_EX | LOCK_NB));
      if (lock.valid()) (void)::unlink(path.c_str());
    }
  }

  // Least recently used first out: walk from the most recent, keep what
  // fits, evict the rest unless a run holds it.
  CUSTOMS_ASSIGN_OR_RETURN(auto entries, List());
  uint64_t kept = 0;
  uint64_t kept_bytes = 0;
  for (const auto& e : entries) {
    bool fits =
        kept < options_.max_entries && e.info.stats.bytes <= options_.max_bytes - kept_bytes;
    if (!fits) {
      std::string lock_path = e.dir + std::string(kLockSuffix);
      CUSTOMS_ASSIGN_OR_RETURN(UniqueFd lock, LockFile(lock_path, LOCK_EX | LOCK_NB));
      if (lock.valid()) {
        auto moved = MoveAside(e.info.key);
        if (moved.ok()) {
          // Runs waiting for the lock see it replaced and look again.
          (void)::unlink(lock_path.c_str());
          lock.Close();
          if (!moved->first.empty()) (void)RemoveTree(moved->first);
          ++removed.entries;
          removed.bytes += e.info.stats.bytes;
          continue;
        }
      }
    }
    // Kept (fits, or busy): counts against the budget.
    ++kept;
    kept_bytes += std::min(e.info.stats.bytes, options_.max_bytes - kept_bytes);  // <= max_bytes
  }
  return removed;
}

}  // namespace customs::sandbox
