#include "base/disk_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "base/file.h"

namespace customs {

// What the cache and its writers share. `mu` guards the insert bookkeeping
// only; the directory itself is shared with other processes and needs no
// lock but the pruners' flock.
struct DiskCache::State {
  std::string dir;
  uint64_t max_bytes = 0;
  std::mutex mu;
  uint64_t approx_bytes = 0;  // total at the last scan plus inserts since
  // Starts at the rescan interval so that the first insert scans.
  uint64_t inserts_since_scan = kRescanEveryInserts;
};

namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

Status ErrnoStatus(std::string_view what, const std::string& path) {
  int e = errno;
  std::string m = Errno(what, path);
  if (e == EACCES || e == EPERM || e == EROFS) return PermissionDenied(std::move(m));
  if (e == ENOENT) return NotFound(std::move(m));
  if (e == ENOSPC || e == EDQUOT) return ResourceExhausted(std::move(m));
  return Unavailable(std::move(m));
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  return ErrnoStatus("cannot create directory", path);
}

std::string EntryPath(const std::string& dir, std::string_view key) {
  std::string path;
  path.reserve(dir.size() + key.size() + 4);
  path.append(dir).append("/").append(key.substr(0, 2)).append("/").append(key);
  return path;
}

Status CheckKey(std::string_view key) {
  if (DiskCache::ValidKey(key)) return Status::Ok();
  return InvalidArgument("cache key \"" + std::string(key.substr(0, 140)) +
                         "\": expected 16 to 128 lower-case hex digits");
}

struct EntryFile {
  std::string path;
  struct timespec mtime {};
  uint64_t size = 0;
};

bool Older(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec < b.tv_sec : a.tv_nsec < b.tv_nsec;
}

// Calls `fn(dirfd, name, st)` for each regular file of `path`; `keep(name)`
// filters names before the stat. A missing directory has no files.
template <typename Keep, typename Fn>
Status ForEachFile(const std::string& path, Keep keep, Fn fn) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot list", path);
  }
  int fd = ::dirfd(d);
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) {
        Status s = ErrnoStatus("cannot list", path);
        ::closedir(d);
        return s;
      }
      break;
    }
    std::string_view name(e->d_name);
    if (!keep(name)) continue;
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    if (!S_ISREG(st.st_mode)) continue;
    fn(name, st);
  }
  ::closedir(d);
  return Status::Ok();
}

// Every entry file of the cache: `xy/<key starting with xy>`.
Status ListEntries(const std::string& dir, std::vector<EntryFile>& out) {
  std::vector<std::string> fanout;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("cannot list", dir);
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() == 2 && IsHex(name[0]) && IsHex(name[1])) fanout.emplace_back(name);
  }
  ::closedir(d);
  std::sort(fanout.begin(), fanout.end());
  for (const std::string& sub : fanout) {
    std::string sub_path = dir + "/" + sub;
    CUSTOMS_TRY(ForEachFile(
        sub_path,
        [&](std::string_view name) { return DiskCache::ValidKey(name) && name.starts_with(sub); },
        [&](std::string_view name, const struct stat& st) {
          EntryFile f;
          f.path.reserve(sub_path.size() + name.size() + 1);
          f.path.append(sub_path).append("/").append(name);
          f.mtime = st.st_mtim;
          f.size = static_cast<uint64_t>(st.st_size);
          out.push_back(std::move(f));
        }));
  }
  return Status::Ok();
}

Result<CacheStats> ScanStats(const std::string& dir) {
  std::vector<EntryFile> files;
  CUSTOMS_TRY(ListEntries(dir, files));
  CacheStats stats;
  for (const EntryFile& f : files) {
    ++stats.entries;
    stats.bytes += f.size;
  }
  return stats;
}

// Temporary files nobody has written to for kStaleTempSeconds.
Status RemoveStaleTemps(const std::string& dir) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::string tmp = dir + "/tmp";
  std::vector<std::string> stale;
  CUSTOMS_TRY(ForEachFile(
      tmp, [](std::string_view name) { return name != "." && name != ".."; },
      [&](std::string_view name, const struct stat& st) {
        if (st.st_mtim.tv_sec < now.tv_sec - DiskCache::kStaleTempSeconds)
          stale.push_back(tmp + "/" + std::string(name));
      }));
  for (const std::string& path : stale) ::unlink(path.c_str());
  return Status::Ok();
}

// Holds the exclusive flock of `dir/.lock` for its lifetime.
class PruneLock {
 public:
  static Result<PruneLock> Acquire(const std::string& dir) {
    std::string path = dir + "/.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoStatus("cannot open", path);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("cannot lock", path);
      ::close(fd);
      return s;
    }
    return PruneLock(fd);
  }
  PruneLock(PruneLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  PruneLock& operator=(PruneLock&&) = delete;
  ~PruneLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit PruneLock(int fd) : fd_(fd) {}
  int fd_;
};

// Evicts oldest entries until at most `max_bytes` remain; `force` evicts
// even entries marked used since the scan (Clear).
Result<CacheStats> PruneDir(const std::string& dir, uint64_t max_bytes, bool force,
                            uint64_t* remaining) {
  CUSTOMS_ASSIGN_OR_RETURN(PruneLock lock, PruneLock::Acquire(dir));
  CUSTOMS_TRY(RemoveStaleTemps(dir));
  std::vector<EntryFile> files;
  CUSTOMS_TRY(ListEntries(dir, files));
  uint64_t total = 0;
  for (const EntryFile& f : files) total += f.size;
  CacheStats removed;
  if (total > max_bytes) {
    std::sort(files.begin(), files.end(), [](const EntryFile& a, const EntryFile& b) {
      if (a.mtime.tv_sec != b.mtime.tv_sec || a.mtime.tv_nsec != b.mtime.tv_nsec)
        return Older(a.mtime, b.mtime);
      return a.path < b.path;
    });
    for (const EntryFile& f : files) {
      if (total <= max_bytes) break;
      // A reader that marked the entry used since the scan keeps it.
      struct stat st {};
      if (::lstat(f.path.c_str(), &st) != 0) {
        total -= f.size;  // removed by someone else
        continue;
      }
      if (!force && (st.st_mtim.tv_sec != f.mtime.tv_sec || st.st_mtim.tv_nsec != f.mtime.tv_nsec))
        continue;
      if (::unlink(f.path.c_str()) != 0) {
        if (errno == ENOENT) total -= f.size;
        continue;
      }
      total -= f.size;
      ++removed.entries;
      removed.bytes += f.size;
    }
  }
  if (remaining != nullptr) *remaining = total;
  return removed;
}

std::string RandomHex() {
  uint8_t raw[8] = {};
  ssize_t n = ::getrandom(raw, sizeof raw, GRND_NONBLOCK);
  if (n != static_cast<ssize_t>(sizeof raw)) {
    // No entropy yet (early boot): time and address still differ per call.
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t v = static_cast<uint64_t>(ts.tv_nsec) ^ (static_cast<uint64_t>(ts.tv_sec) << 30) ^
                 reinterpret_cast<uintptr_t>(&ts);
    std::memcpy(raw, &v, sizeof raw);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

bool DiskCache::ValidKey(std::string_view key) {
  if (key.size() < 16 || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(), IsHex);
}

DiskCache::DiskCache(std::shared_ptr<State> state) : state_(std::move(state)) {}

const std::string& DiskCache::dir() const { return state_->dir; }
uint64_t DiskCache::max_bytes() const { return state_->max_bytes; }

Result<DiskCache> DiskCache::Open(std::string dir, uint64_t max_bytes) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return InvalidArgument("cache directory: empty path");
  // mkdir -p, each new level 0700.
  for (size_t pos = dir.find('/', 1); pos != std::string::npos; pos = dir.find('/', pos + 1))
    CUSTOMS_TRY(MakeDir(dir.substr(0, pos)));
  CUSTOMS_TRY(MakeDir(dir));
  CUSTOMS_TRY(MakeDir(dir + "/tmp"));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return ErrnoStatus("cannot stat", dir);
  if (!S_ISDIR(st.st_mode))
    return InvalidArgument("cache directory " + dir + " is not a directory");
  auto state = std::make_shared<State>();
  state->dir = std::move(dir);
  state->max_bytes = max_bytes;
  return DiskCache(std::move(state));
}

Result<std::optional<std::string>> DiskCache::Path(std::string_view key) const {
  CUSTOMS_TRY(CheckKey(key));
  std::string path = EntryPath(state_->dir, key);
  const struct timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0) return std::optional(std::move(path));
  if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
  if (errno == EACCES || errno == EPERM || errno == EROFS) {
    // Someone else's (read-only) cache: usable, only not marked used.
    if (::access(path.c_str(), R_OK) == 0) return std::optional(std::move(path));
    if (errno == ENOENT) return std::optional<std::string>();
  }
  return ErrnoStatus("cannot touch cache entry", path);
}

Result<std::optional<std::string>> DiskCache::Read(std::string_view key, size_t max_bytes) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> path, Path(key));
  if (!path) return std::optional<std::string>();
  Result<std::string> bytes = ReadFile(*path, max_bytes);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return std::move(bytes).status();
  }
  return std::optional(std::move(bytes).value());
}

Result<std::unique_ptr<DiskCache::Writer>> DiskCache::BeginInsert(std::string_view key) {
  CUSTOMS_TRY(CheckKey(key));
  std::string prefix =
      state_->dir + "/tmp/" + std::string(key) + "." + std::to_string(::getpid()) + ".";
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string temp = prefix + RandomHex();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return std::make_unique<Writer>(state_, std::string(key), std::move(temp), fd);
    if (errno == EEXIST) continue;
    if (errno == ENOENT) {  // tmp/ removed behind our back
      CUSTOMS_TRY(MakeDir(state_->dir + "/tmp"));
      continue;
    }
    return ErrnoStatus("cannot create", temp);
  }
  return Internal("cannot create a unique temporary file " + prefix + "*");
}

Status DiskCache::Put(std::string_view key, std::string_view bytes) {
  CUSTOMS_ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer, BeginInsert(key));
  CUSTOMS_TRY(writer->Write(bytes));
  CUSTOMS_TRY(writer->Commit());
  return Status::Ok();
}

Result<CacheStats> DiskCache::Stats() const { return ScanStats(state_->dir); }

Result<CacheStats> DiskCache::Prune(uint64_t max_bytes) {
  uint64_t remaining = 0;
  CUSTOMS_ASSIGN_OR_RETURN(CacheStats removed, PruneDir(state_->dir, max_bytes, false, &remaining));
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->approx_bytes = remaining;
  state_->inserts_since_scan = 0;
  return removed;
}

Status DiskCache::Remove(std::string_view key) {
  CUSTOMS_TRY(CheckKey(key));
  std::string path = EntryPath(state_->dir, key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
    return ErrnoStatus("cannot remove cache entry", path);
  return Status::Ok();
}

Status DiskCache::Clear() {
  uint64_t remaining = 0;
  CUSTOMS_TRY(PruneDir(state_->dir, 0, true, &remaining));
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->approx_bytes = 0;
  state_->inserts_since_scan = 0;
  return Status::Ok();
}

void DiskCache::AfterInsert(State& state, uint64_t bytes) {
  if (state.max_bytes == 0) return;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.approx_bytes += bytes;
    ++state.inserts_since_scan;
    if (state.approx_bytes <= state.max_bytes &&
        state.inserts_since_scan < DiskCache::kRescanEveryInserts)
      return;
    state.inserts_since_scan = 0;
  }
  Result<CacheStats> stats = ScanStats(state.dir);
  if (!stats.ok()) return;  // pruning is best effort; the insert succeeded
  uint64_t total = stats->bytes;
  if (total > state.max_bytes) {
    uint64_t remaining = total;
    if (PruneDir(state.dir, state.max_bytes - state.max_bytes / 10, false, &remaining).ok())
      total = remaining;
  }
  std::lock_guard<std::mutex> lock(state.mu);
  state.approx_bytes = total;
}

DiskCache::Writer::Writer(std::shared_ptr<State> state, std::string key, std::string temp_path,
                          int fd)
    : state_(std::move(state)), key_(std::move(key)), temp_path_(std::move(temp_path)), fd_(fd) {}

DiskCache::Writer::~Writer() { Abandon(); }

void DiskCache::Writer::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

Status DiskCache::Writer::Write(std::string_view bytes) {
  return Write(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Status DiskCache::Writer::Write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return Internal("cache writer for " + key_ + " used after Commit");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("cannot write", temp_path_);
      Abandon();
      return s;
    }
    done += static_cast<size_t>(n);
  }
  bytes_ += bytes.size();
  return Status::Ok();
}

Result<std::string> DiskCache::Writer::Commit() {
  if (fd_ < 0) return Internal("cache writer for " + key_ + " committed twice");
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    Status s = ErrnoStatus("cannot write", temp_path_);
    ::unlink(temp_path_.c_str());
    return s;
  }
  std::string sub = state_->dir + "/" + key_.substr(0, 2);
  std::string path = sub + "/" + key_;
  Status made = MakeDir(sub);
  if (!made.ok()) {
    ::unlink(temp_path_.c_str());
    return made;
  }
  if (::rename(temp_path_.c_str(), path.c_str()) != 0) {
    Status s = errno == ENOENT && ::access(temp_path_.c_str(), F_OK) != 0
                   ? DataLoss("temporary file " + temp_path_ + " was removed before its commit")
                   : ErrnoStatus("cannot rename into the cache", path);
    ::unlink(temp_path_.c_str());
    return s;
  }
  AfterInsert(*state_, bytes_);
  return path;
}

}  // namespace customs
