#include "sandbox/rootfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/limits.h"
#include "base/process.h"
#include "layer/path.h"

namespace customs::sandbox {
namespace {

using layer::FileInfo;
using layer::FileType;

// File content is copied through a buffer of this size.
constexpr size_t kCopyBufferBytes = size_t{1} << 20;
// openat2 with RESOLVE_IN_ROOT answers EAGAIN when a concurrent rename might
// have let ".." escape; nothing else writes the tree, so a few retries do.
constexpr int kOpenat2Retries = 8;
// Directories named in a RemoveTree error about mounts left behind.
constexpr size_t kMaxLeftNamed = 8;

// openat2(); the fd or -errno.
int Openat2(int dir_fd, const char* path, uint64_t flags, uint64_t resolve) {
  struct open_how how {};
  how.flags = flags;
  how.resolve = resolve;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    int err = errno;
    if (err == EINTR || (err == EAGAIN && attempt < kOpenat2Retries)) continue;
    return -err;
  }
}

// Opens `path` (relative or absolute, "" for the root itself) resolved as
// inside the root: symlinks are followed but ".." and absolute targets stop
// at the root, magic links and mount crossings are refused.
int OpenInRoot(int root_fd, const std::string& path, uint64_t flags) {
  return Openat2(root_fd, path.empty() ? "." : path.c_str(), flags,
                 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

// The directory `path` of the root as an O_PATH fd. With `create`, missing
// components are made (mode 0755, owned by `owner`), as mkdir -p would inside
// the root: a dangling symlink on the way is followed (its target resolved
// in the root) and the target made; a component that exists but is no
// directory is an error.
Result<UniqueFd> OpenDirInRoot(int root_fd, std::string path, bool create, uint32_t owner) {
  constexpr uint64_t kDirFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  int fd = OpenInRoot(root_fd, path, kDirFlags);
  if (fd >= 0) return UniqueFd(fd);
  if (!create || fd != -ENOENT) return ErrnoStatus(-fd, "cannot open directory '" + path + "'");
  for (size_t hops = 0;; ++hops) {
    if (hops > kMaxSymlinkHops) return ErrnoStatus(ELOOP, "cannot create directory '" + path + "'");
    UniqueFd cur(OpenInRoot(root_fd, "", kDirFlags));
    if (cur.get() < 0) return ErrnoStatus(-cur.get(), "cannot open the root");
    std::string prefix;
    size_t pos = 0;
    bool restart = false;
    while (pos < path.size() && !restart) {
      size_t slash = path.find('/', pos);
      if (slash == std::string::npos) slash = path.size();
      std::string comp = path.substr(pos, slash - pos);
      pos = slash + 1;
      if (comp.empty()) continue;
      prefix += prefix.empty() ? comp : "/" + comp;
      int next = OpenInRoot(root_fd, prefix, kDirFlags);
      if (next == -ENOENT) {
        if (::mkdirat(cur.get(), comp.c_str(), 0700) == 0) {
          // Just made by us, so not a symlink: fchmodat may follow.
          if (::fchownat(cur.get(), comp.c_str(), owner, owner, AT_SYMLINK_NOFOLLOW) != 0 &&
              (errno != EPERM || ::geteuid() == 0))
            return ErrnoStatus(errno, "cannot chown directory '" + prefix + "'");
          if (::fchmodat(cur.get(), comp.c_str(), 0755, 0) != 0)
            return ErrnoStatus(errno, "cannot chmod directory '" + prefix + "'");
        } else if (errno != EEXIST) {
          return ErrnoStatus(errno, "cannot create directory '" + prefix + "'");
        } else {
          char target[kMaxPathBytes + 1];
          ssize_t n = ::readlinkat(cur.get(), comp.c_str(), target, sizeof(target));
          if (n > 0 && static_cast<size_t>(n) <= kMaxPathBytes) {
            // A dangling symlink: go on from its target, inside the root.
            std::string resolved =
                layer::ResolveLinkTarget(prefix, std::string_view(target, static_cast<size_t>(n)));
            std::string rest = pos < path.size() ? path.substr(pos) : std::string();
            path = rest.empty() ? resolved : resolved.empty() ? rest : resolved + "/" + rest;
            restart = true;
            continue;
          }
        }
        // EEXIST without a symlink: a non-directory, refused here.
        next = ::openat(cur.get(), comp.c_str(), kDirFlags | O_NOFOLLOW);
        if (next < 0) next = -errno;
      }
      if (next < 0) return ErrnoStatus(-next, "cannot open directory '" + prefix + "'");
      cur.Reset(next);
    }
    if (!restart) return cur;
  }
}

// Opens the subdirectory `name` of `parent_fd` for reading, never following
// a symlink and never crossing a mount (-EXDEV); -errno on failure.
int OpenSubdir(int parent_fd, const std::string& name) {
  return Openat2(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                 RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

// Without root, a directory we own but cannot enter or write is opened up
// before removal (root is not bound by permission bits).
void MakeRemovable(int parent_fd, const std::string& name, mode_t mode) {
  if (::geteuid() == 0 || (mode & 0700) == 0700) return;
  (void)::fchmodat(parent_fd, name.c_str(), (mode & 07777) | 0700, 0);
}

struct RemoveFrame {
  std::string name;  // in its parent
  size_t where_len;  // length of the display path of this directory
  dev_t dev;
  ino_t ino;
  std::vector<std::string> subdirs;
  size_t next = 0;
};

// Unlinks every non-directory in the directory `fd` and lists its
// subdirectories on the same device; others are recorded in `left`.
Status ScanForRemoval(int fd, const std::string& where, RemoveFrame& frame,
                      std::vector<std::string>& left) {
  int dup_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return ErrnoStatus(errno, "cannot read directory '" + where + "'");
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dup_fd);
    return ErrnoStatus(err, "cannot read directory '" + where + "'");
  }
  Status status;
  while (true) {
    errno = 0;
    struct dirent* de = ::readdir(dir);
    if (de == nullptr) {
      if (errno != 0) status = ErrnoStatus(errno, "cannot read directory '" + where + "'");
      break;
    }
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      status = ErrnoStatus(errno, "cannot stat '" + where + "/" + std::string(name) + "'");
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != frame.dev) {
        left.push_back(where + "/" + std::string(name));
      } else {
        MakeRemovable(fd, de->d_name, st.st_mode);
        frame.subdirs.emplace_back(name);
      }
    } else if (::unlinkat(fd, de->d_name, 0) != 0 && errno != ENOENT) {
      status = ErrnoStatus(errno, "cannot remove '" + where + "/" + std::string(name) + "'");
      break;
    }
  }
  ::closedir(dir);
  return status;
}

Status PushRemoveFrame(int fd, const std::string& name, const std::string& where,
                       std::vector<RemoveFrame>& stack, std::vector<std::string>& left) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat '" + where + "'");
  RemoveFrame frame{name, where.size(), st.st_dev, st.st_ino, {}, 0};
  CUSTOMS_TRY(ScanForRemoval(fd, where, frame, left));
  stack.push_back(std::move(frame));
  return Status::Ok();
}

// Removes the directory `name` of `parent_fd` and everything below it. One
// directory fd is open at a time (the walk climbs back through ".." and
// checks it lands where it came from), so depth costs no descriptors.
// Directories on another file system are left and recorded in `left`
// (display paths built on `where`).
Status RemoveDirectoryAt(int parent_fd, const std::string& name, const std::string& where,
                         std::vector<std::string>& left) {
  int raw = OpenSubdir(parent_fd, name);
  if (raw == -ENOENT) return Status::Ok();
  if (raw == -EXDEV) {
    left.push_back(where);
    return Status::Ok();
  }
  if (raw < 0) return ErrnoStatus(-raw, "cannot open directory '" + where + "'");
  UniqueFd fd(raw);
  std::string cur = where;
  std::vector<RemoveFrame> stack;
  CUSTOMS_TRY(PushRemoveFrame(fd.get(), name, cur, stack, left));
  while (!stack.empty()) {
    RemoveFrame& top = stack.back();
    if (top.next < top.subdirs.size()) {
      std::string child = top.subdirs[top.next++];
      std::string child_where = cur + "/" + child;
      int c = OpenSubdir(fd.get(), child);
      if (c == -ENOENT) continue;
      if (c == -EXDEV) {
        left.push_back(child_where);
        continue;
      }
      if (c < 0) return ErrnoStatus(-c, "cannot open directory '" + child_where + "'");
      fd.Reset(c);
      cur = std::move(child_where);
      CUSTOMS_TRY(PushRemoveFrame(fd.get(), child, cur, stack, left));
      continue;
    }
    std::string done = std::move(top.name);
    stack.pop_back();
    if (stack.empty()) break;
    int up = ::openat(fd.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (up < 0) return ErrnoStatus(errno, "cannot climb back from '" + cur + "'");
    fd.Reset(up);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || st.st_dev != stack.back().dev ||
        st.st_ino != stack.back().ino)
      return Internal("directory '" + cur + "' moved while it was being removed");
    cur.resize(stack.back().where_len);
    if (::unlinkat(fd.get(), done.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
        !(left.size() > 0 && (errno == ENOTEMPTY || errno == EBUSY)))
      return ErrnoStatus(errno, "cannot remove directory '" + cur + "/" + done + "'");
  }
  fd.Reset();
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
      !(left.size() > 0 && (errno == ENOTEMPTY || errno == EBUSY)))
    return ErrnoStatus(errno, "cannot remove directory '" + where + "'");
  return Status::Ok();
}

// Removes whatever `name` in `parent_fd` is (a directory recursively),
// never following symlinks; absent is fine.
Status RemoveEntryAt(int parent_fd, const std::string& name, const std::string& where,
                     std::vector<std::string>& left) {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus(errno, "cannot stat '" + where + "'");
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT)
      return ErrnoStatus(errno, "cannot remove '" + where + "'");
    return Status::Ok();
  }
  MakeRemovable(parent_fd, name, st.st_mode);
  return RemoveDirectoryAt(parent_fd, name, where, left);
}

Status LeftError(const std::string& where, const std::vector<std::string>& left) {
  std::string names;
  for (size_t i = 0; i < left.size() && i < kMaxLeftNamed; ++i)
    names += (i == 0 ? "" : ", ") + left[i];
  if (left.size() > kMaxLeftNamed) names += ", ...";
  return PermissionDenied("removing '" + where + "': left " + std::to_string(left.size()) +
                          " director" + (left.size() == 1 ? "y" : "ies") +
                          " on another file system: " + names);
}

// "path/to/x" of a container path given as "/path//to/x/".
Result<std::string> ContainerPath(const std::string& path) {
  size_t start = path.find_first_not_of('/');
  if (start == std::string::npos) return std::string();
  return layer::NormalizeMemberName(std::string_view(path).substr(start));
}

Status WriteAll(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot write");
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Errors of the entry reader name their stream themselves, usually with the
// same words as `what`; only other ones get `what` in front.
Status NameLayer(Status status, const std::string& what) {
  if (status.ok() || status.message().starts_with(what + ":")) return status;
  return std::move(status).WithContext(what);
}

}  // namespace

// Per-writer state: the parent directory cache and the paths written by the
// layer being applied (for opaque markers).
struct RootfsWriter::State {
  explicit State(RootfsWriter& writer) : w(writer) {}

  RootfsWriter& w;
  uint64_t entry_count = 0;  // all layers, against max_entries
  // Device nodes not created, so a later hardlink to one is skipped too.
  std::unordered_set<std::string> skipped_devices;
  // The last parent directory resolved. `stale` after anything was removed:
  // the cached fd stays valid for the current entry, and the next lookup
  // resolves afresh (a removal may change what a path resolves to).
  std::string cached_path;
  UniqueFd cached_fd;
  bool cache_valid = false;
  bool stale = false;
  // Paths of the current layer's entries and all their ancestors.
  std::unordered_set<std::string> written;
  std::vector<uint8_t> buffer;

  void BeginLayer() {
    written.clear();
    cache_valid = false;
    cached_fd.Reset();
  }
  void EndLayer() {
    written.clear();
    cache_valid = false;
    cached_fd.Reset();
  }

  uint32_t Owner() const { return w.options_.uid_base; }

  // The parent directory `path` as a borrowed fd, valid until the next call.
  // `create` makes missing components; without it a missing directory is a
  // NotFound status.
  Result<int> Parent(std::string_view path, bool create) {
    if (cache_valid && !stale && cached_path == path) return cached_fd.get();
    std::string p(path);
    CUSTOMS_ASSIGN_OR_RETURN(UniqueFd fd, OpenDirInRoot(w.dir_fd_, p, create, Owner()));
    cached_fd = std::move(fd);
    cached_path = std::move(p);
    cache_valid = true;
    stale = false;
    return cached_fd.get();
  }

  void MarkWritten(std::string_view path) {
    // Ancestors of a path already in the set are in it too.
    for (std::string_view p = path; !p.empty(); p = layer::ParentDir(p))
      if (!written.emplace(p).second) break;
  }

  Status Remove(int parent_fd, const std::string& name, const std::string& where) {
    struct stat st {};
    if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return ErrnoStatus(errno, "cannot stat '" + where + "'");
    }
    stale = true;
    std::vector<std::string> left;
    CUSTOMS_TRY(RemoveEntryAt(parent_fd, name, where, left));
    if (!left.empty()) return LeftError(where, left);
    return Status::Ok();
  }

  uint32_t MapId(uint32_t id, bool& clamped) const {
    if (id >= w.options_.id_count) {
      clamped = true;
      id = w.options_.id_count - 2;
    }
    return w.options_.uid_base + id;
  }

  // Host owner of an entry, counting clamped ids.
  std::pair<uint32_t, uint32_t> HostOwner(const FileInfo& info) {
    bool clamped = false;
    uint32_t uid = MapId(info.uid, clamped);
    uint32_t gid = MapId(info.gid, clamped);
    if (clamped) ++w.stats_.ids_clamped;
    return {uid, gid};
  }

  // Permission and sticky bits of an entry; setuid/setgid are dropped.
  mode_t Mode(const FileInfo& info) {
    if ((info.mode & (S_ISUID | S_ISGID)) != 0) ++w.stats_.setid_dropped;
    return static_cast<mode_t>(info.mode & 01777);
  }

  static Status ChownFailed(int err, const std::string& path) {
    // Tests run without root map ids onto their own; chown is then allowed
    // to fail (ownership is not what they check).
    if (err == EPERM && ::geteuid() != 0) return Status::Ok();
    return ErrnoStatus(err, "cannot chown '" + path + "'");
  }

  // Owner and mode of the entry `name` in `parent_fd`, which is not a
  // symlink (just created or checked), so fchmodat may follow it.
  Status SetOwnerModeAt(int parent_fd, const std::string& name, const FileInfo& info) {
    auto [uid, gid] = HostOwner(info);
    if (::fchownat(parent_fd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
      CUSTOMS_TRY(ChownFailed(errno, info.path));
    if (::fchmodat(parent_fd, name.c_str(), Mode(info), 0) != 0)
      return ErrnoStatus(errno, "cannot chmod");
    return Status::Ok();
  }

  Status Apply(const FileInfo& info, layer::EntryReader& entries) {
    if (++entry_count > w.options_.max_entries)
      return ResourceExhausted("more than " + std::to_string(w.options_.max_entries) +
                               " entries in the image (limit max_entries)");
    if (info.path.size() > kMaxPathBytes)
      return InvalidArgument("name longer than " + std::to_string(kMaxPathBytes) + " bytes");
    if (info.path.empty()) {
      // "./": the root's own owner and mode.
      if (info.type != FileType::kDirectory) return Status::Ok();
      return SetOwnerModeAt(w.dir_fd_, ".", info);
    }
    std::string_view base = layer::BaseName(info.path);
    std::string_view parent = layer::ParentDir(info.path);
    if (base.starts_with(".wh.")) {
      if (base == ".wh..wh..opq") return Opaque(parent);
      if (base.starts_with(".wh..wh.")) return Status::Ok();  // aufs metadata
      std::string target(base.substr(4));
      if (target.empty() || target == "." || target == "..") return Status::Ok();
      return Whiteout(parent, target);
    }
    std::string name(base);
    switch (info.type) {
      case FileType::kRegular:
        return WriteFile(info, parent, name, entries);
      case FileType::kDirectory:
        return WriteDirectory(info, parent, name);
      case FileType::kSymlink:
        return WriteSymlink(info, parent, name);
      case FileType::kHardlink:
        return WriteHardlink(info, parent, name);
      case FileType::kOther:
        return WriteOther(info, parent, name);
    }
    return Status::Ok();
  }

  Status Whiteout(std::string_view parent, const std::string& target) {
    ++w.stats_.whiteouts;
    auto fd = Parent(parent, /*create=*/false);
    if (!fd.ok()) return fd.status().code() == StatusCode::kNotFound ? Status::Ok() : fd.status();
    std::string where = parent.empty() ? target : std::string(parent) + "/" + target;
    return Remove(*fd, target, where);
  }

  // Removes from the directory `dir` everything not written by the current
  // layer, at any depth below it.
  Status Opaque(std::string_view dir) {
    ++w.stats_.whiteouts;
    std::vector<std::string> pending{std::string(dir)};
    while (!pending.empty()) {
      std::string path = std::move(pending.back());
      pending.pop_back();
      int raw = OpenInRoot(w.dir_fd_, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (raw == -ENOENT || raw == -ENOTDIR) continue;
      if (raw < 0) return ErrnoStatus(-raw, "cannot open directory '" + path + "'");
      UniqueFd fd(raw);
      std::vector<std::string> names;
      {
        int dup_fd = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
        DIR* d = dup_fd < 0 ? nullptr : ::fdopendir(dup_fd);
        if (d == nullptr) {
          int err = errno;
          if (dup_fd >= 0) ::close(dup_fd);
          return ErrnoStatus(err, "cannot read directory '" + path + "'");
        }
        while (struct dirent* de = ::readdir(d)) {
          std::string_view n = de->d_name;
          if (n != "." && n != "..") names.emplace_back(n);
        }
        ::closedir(d);
      }
      for (const std::string& n : names) {
        std::string child = path.empty() ? n : path + "/" + n;
        if (written.count(child) == 0) {
          CUSTOMS_TRY(Remove(fd.get(), n, child));
          continue;
        }
        struct stat st {};
        if (::fstatat(fd.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
          pending.push_back(std::move(child));
      }
    }
    return Status::Ok();
  }

  Status WriteFile(const FileInfo& info, std::string_view parent, const std::string& name,
                   layer::EntryReader& entries) {
    const uint64_t max_bytes = w.options_.max_bytes;
    if (info.size > max_bytes - std::min(max_bytes, w.stats_.bytes))
      return ResourceExhausted("more than " + std::to_string(max_bytes) +
                               " bytes of file content (limit max_bytes)");
    CUSTOMS_ASSIGN_OR_RETURN(int pfd, Parent(parent, /*create=*/true));
    CUSTOMS_TRY(Remove(pfd, name, info.path));
    UniqueFd fd(
        ::openat(pfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) return ErrnoStatus(errno, "cannot create file");
    MarkWritten(info.path);
    if (buffer.empty()) buffer.resize(kCopyBufferBytes);
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(size_t n, entries.ReadContent(buffer));
      if (n == 0) break;
      if (n > max_bytes - std::min(max_bytes, w.stats_.bytes))
        return ResourceExhausted("more than " + std::to_string(max_bytes) +
                                 " bytes of file content (limit max_bytes)");
      CUSTOMS_TRY(WriteAll(fd.get(), buffer.data(), n));
      w.stats_.bytes += n;
    }
    auto [uid, gid] = HostOwner(info);
    if (::fchown(fd.get(), uid, gid) != 0) CUSTOMS_TRY(ChownFailed(errno, info.path));
    if (::fchmod(fd.get(), Mode(info)) != 0) return ErrnoStatus(errno, "cannot chmod");
    ++w.stats_.files;
    return Status::Ok();
  }

  Status WriteDirectory(const FileInfo& info, std::string_view parent, const std::string& name) {
    CUSTOMS_ASSIGN_OR_RETURN(int pfd, Parent(parent, /*create=*/true));
    struct stat st {};
    bool is_dir =
        ::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    if (!is_dir) {
      CUSTOMS_TRY(Remove(pfd, name, info.path));
      if (::mkdirat(pfd, name.c_str(), 0700) != 0)
        return ErrnoStatus(errno, "cannot create directory");
    }
    MarkWritten(info.path);
    CUSTOMS_TRY(SetOwnerModeAt(pfd, name, info));
    ++w.stats_.dirs;
    return Status::Ok();
  }

  Status WriteSymlink(const FileInfo& info, std::string_view parent, const std::string& name) {
    CUSTOMS_ASSIGN_OR_RETURN(int pfd, Parent(parent, /*create=*/true));
    CUSTOMS_TRY(Remove(pfd, name, info.path));
    if (::symlinkat(info.link_target.c_str(), pfd, name.c_str()) != 0)
      return ErrnoStatus(errno, "cannot create symlink to '" + info.link_target + "'");
    MarkWritten(info.path);
    auto [uid, gid] = HostOwner(info);
    if (::fchownat(pfd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
      CUSTOMS_TRY(ChownFailed(errno, info.path));
    ++w.stats_.symlinks;
    return Status::Ok();
  }

  Status WriteHardlink(const FileInfo& info, std::string_view parent, const std::string& name) {
    const std::string& target = info.link_target;
    if (target.empty()) return InvalidArgument("hardlink to the root directory");
    std::string target_base(layer::BaseName(target));
    int raw = OpenInRoot(w.dir_fd_, std::string(layer::ParentDir(target)),
                         O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat tst {};
    if (raw >= 0 && ::fstatat(raw, target_base.c_str(), &tst, AT_SYMLINK_NOFOLLOW) != 0) {
      int err = errno;
      ::close(raw);
      raw = -err;
    }
    UniqueFd tfd(raw);
    if (raw == -ENOENT || raw == -ENOTDIR) {
      if (skipped_devices.count(target) != 0) {
        ++w.stats_.devices_skipped;
        return Status::Ok();
      }
      return NotFound("hardlink to '" + target + "', which does not exist");
    }
    if (raw < 0) return ErrnoStatus(-raw, "cannot open hardlink target '" + target + "'");
    if (S_ISDIR(tst.st_mode))
      return InvalidArgument("hardlink to '" + target + "', which is a directory");
    CUSTOMS_ASSIGN_OR_RETURN(int pfd, Parent(parent, /*create=*/true));
    struct stat st {};
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == tst.st_dev &&
        st.st_ino == tst.st_ino) {
      MarkWritten(info.path);
      ++w.stats_.hardlinks;
      return Status::Ok();  // already that file
    }
    CUSTOMS_TRY(Remove(pfd, name, info.path));
    if (::linkat(tfd.get(), target_base.c_str(), pfd, name.c_str(), 0) != 0)
      return ErrnoStatus(errno, "cannot hardlink to '" + target + "'");
    MarkWritten(info.path);
    ++w.stats_.hardlinks;
    return Status::Ok();
  }

  Status WriteOther(const FileInfo& info, std::string_view parent, const std::string& name) {
    if (info.typeflag == '3' || info.typeflag == '4') {
      ++w.stats_.devices_skipped;
      skipped_devices.insert(info.path);
      return Status::Ok();
    }
    if (info.typeflag != '6') return Status::Ok();  // sparse, unknown: skipped
    CUSTOMS_ASSIGN_OR_RETURN(int pfd, Parent(parent, /*create=*/true));
    CUSTOMS_TRY(Remove(pfd, name, info.path));
    if (::mknodat(pfd, name.c_str(), S_IFIFO | 0600, 0) != 0)
      return ErrnoStatus(errno, "cannot create FIFO");
    MarkWritten(info.path);
    CUSTOMS_TRY(SetOwnerModeAt(pfd, name, info));
    ++w.stats_.fifos;
    return Status::Ok();
  }
};

RootfsWriter::RootfsWriter(std::string dir, RootfsOptions options, int dir_fd)
    : dir_(std::move(dir)),
      options_(options),
      dir_fd_(dir_fd),
      state_(std::make_unique<State>(*this)) {}

RootfsWriter::~RootfsWriter() {
  state_.reset();
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

namespace {

Status CheckIdRange(const std::string& dir, const RootfsOptions& options) {
  if (options.id_count < 2)
    return InvalidArgument("rootfs " + dir + ": id_count " + std::to_string(options.id_count) +
                           " leaves no nobody id (need at least 2)");
  if (uint64_t{options.uid_base} + options.id_count - 1 > UINT32_MAX)
    return InvalidArgument("rootfs " + dir + ": uid_base + id_count is past 2^32");
  return Status::Ok();
}

}  // namespace

Status CheckReachableByOthers(const std::string& dir, std::string_view what,
                              std::string_view flag) {
  for (std::string d = dir; !d.empty(); d = d.substr(0, d.rfind('/'))) {
    struct stat st {};
    if (::stat(d.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0)
      return Unavailable(std::string(what) +
                         " must be reachable by other users (the container's root is an "
                         "unprivileged host id): " +
                         d + " has no search permission for others; chmod o+x it or choose " +
                         "another " + std::string(flag));
  }
  return Status::Ok();
}

Result<std::unique_ptr<RootfsWriter>> RootfsWriter::Create(const std::string& dir,
                                                           const RootfsOptions& options) {
  CUSTOMS_TRY(CheckIdRange(dir, options));
  if (::mkdir(dir.c_str(), 0700) != 0)
    return ErrnoStatus(errno, "cannot create rootfs directory " + dir);
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open rootfs directory " + dir);
  if (::fchownat(fd.get(), "", options.uid_base, options.uid_base, AT_EMPTY_PATH) != 0 &&
      (errno != EPERM || ::geteuid() == 0))
    return ErrnoStatus(errno, "cannot chown rootfs directory " + dir);
  if (::fchmodat(fd.get(), ".", 0755, 0) != 0)
    return ErrnoStatus(errno, "cannot chmod rootfs directory " + dir);
  return std::unique_ptr<RootfsWriter>(
      new RootfsWriter(dir, options, fd.Release()));  // new: private constructor
}

Result<std::unique_ptr<RootfsWriter>> RootfsWriter::Open(const std::string& dir,
                                                         const RootfsOptions& options) {
  CUSTOMS_TRY(CheckIdRange(dir, options));
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open rootfs directory " + dir);
  return std::unique_ptr<RootfsWriter>(
      new RootfsWriter(dir, options, fd.Release()));  // new: private constructor
}

Status RootfsWriter::ApplyLayer(layer::EntryReader& entries, const std::string& what) {
  State& s = *state_;
  s.BeginLayer();
  layer::FileInfo info;
  while (true) {
    auto more = entries.Next(info);
    if (!more.ok()) {
      s.EndLayer();
      return NameLayer(std::move(more).status(), what);
    }
    if (!*more) break;
    Status st = s.Apply(info, entries);
    if (!st.ok()) {
      s.EndLayer();
      return std::move(st).WithContext(what + ": entry '" + info.path + "'");
    }
  }
  s.EndLayer();
  return NameLayer(entries.Finish(), what);
}

Result<std::string> RootfsWriter::ReadFile(const std::string& path, size_t max_bytes) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::string rel, ContainerPath(path), "rootfs " + dir_);
  if (rel.empty()) return InvalidArgument("rootfs " + dir_ + ": '" + path + "' is the root");
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int raw = OpenInRoot(dir_fd_, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (raw < 0) return ErrnoStatus(-raw, "rootfs " + dir_ + ": cannot open '" + path + "'");
  UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot stat '" + path + "'");
  if (!S_ISREG(st.st_mode))
    return InvalidArgument("rootfs " + dir_ + ": '" + path + "' is not a regular file");
  std::string out;
  char buf[64 << 10];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot read '" + path + "'");
    }
    if (n == 0) break;
    if (static_cast<size_t>(n) > max_bytes - out.size())
      return ResourceExhausted("rootfs " + dir_ + ": '" + path + "' is larger than " +
                               std::to_string(max_bytes) + " bytes");
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status RootfsWriter::MakeDirectory(const std::string& path) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string rel, ContainerPath(path), "rootfs " + dir_);
  state_->stale = true;  // a new directory may sit where a lookup failed
  auto fd = OpenDirInRoot(dir_fd_, rel, /*create=*/true, options_.uid_base);
  if (!fd.ok()) return std::move(fd).status().WithContext("rootfs " + dir_);
  return Status::Ok();
}

Status RootfsWriter::MakeFile(const std::string& path) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string rel, ContainerPath(path), "rootfs " + dir_);
  if (rel.empty()) return InvalidArgument("rootfs " + dir_ + ": '" + path + "' is the root");
  state_->stale = true;
  for (size_t hops = 0;; ++hops) {
    if (hops > kMaxSymlinkHops)
      return ErrnoStatus(ELOOP, "rootfs " + dir_ + ": cannot create file '" + path + "'");
    std::string parent(layer::ParentDir(rel));
    std::string name(layer::BaseName(rel));
    auto pfd = OpenDirInRoot(dir_fd_, parent, /*create=*/true, options_.uid_base);
    if (!pfd.ok()) return std::move(pfd).status().WithContext("rootfs " + dir_);
    struct stat st {};
    if (::fstatat(pfd->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (!S_ISLNK(st.st_mode)) return Status::Ok();
      char target[kMaxPathBytes + 1];
      ssize_t n = ::readlinkat(pfd->get(), name.c_str(), target, sizeof(target));
      if (n <= 0 || static_cast<size_t>(n) > kMaxPathBytes)
        return ErrnoStatus(n < 0 ? errno : ENAMETOOLONG,
                           "rootfs " + dir_ + ": cannot read symlink '" + rel + "'");
      // A symlink that resolves (inside the root) to something: done.
      int probe = OpenInRoot(dir_fd_, rel, O_PATH | O_CLOEXEC);
      if (probe >= 0) {
        ::close(probe);
        return Status::Ok();
      }
      rel = layer::ResolveLinkTarget(rel, std::string_view(target, static_cast<size_t>(n)));
      if (rel.empty()) return Status::Ok();  // the root itself
      continue;
    }
    if (errno != ENOENT)
      return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot stat '" + rel + "'");
    int fd = ::openat(pfd->get(), name.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // made meanwhile: look again
      return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot create file '" + rel + "'");
    }
    UniqueFd file(fd);
    if (::fchown(file.get(), options_.uid_base, options_.uid_base) != 0 &&
        (errno != EPERM || ::geteuid() == 0))
      return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot chown file '" + rel + "'");
    if (::fchmod(file.get(), 0644) != 0)
      return ErrnoStatus(errno, "rootfs " + dir_ + ": cannot chmod file '" + rel + "'");
    return Status::Ok();
  }
}

Status RemoveTree(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty() || p == "/")
    return InvalidArgument("RemoveTree: refusing to remove '" + path + "'");
  size_t slash = p.rfind('/');
  std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
  std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
  if (base == "." || base == "..")
    return InvalidArgument("RemoveTree: refusing to remove '" + path + "'");
  UniqueFd pfd(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (pfd.get() < 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus(errno, "RemoveTree: cannot open '" + parent + "'");
  }
  std::vector<std::string> left;
  CUSTOMS_TRY(RemoveEntryAt(pfd.get(), base, p, left), "RemoveTree");
  if (!left.empty()) return LeftError(p, left);
  return Status::Ok();
}

}  // namespace customs::sandbox
