#include "base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace customs {

namespace {
std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}
}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(Errno("cannot open", path));
    if (errno == EACCES) return PermissionDenied(Errno("cannot open", path));
    return InvalidArgument(Errno("cannot open", path));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return InvalidArgument(Errno("cannot stat", path));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + " is a directory");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return ResourceExhausted(path + ": " + std::to_string(st.st_size) +
                             " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {
    if (got == out.size()) {
      // The file may have grown since fstat; read at most max_bytes.
      if (out.size() >= max_bytes) break;
      out.resize(std::min(max_bytes, out.size() * 2 + 4096));
    }
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return DataLoss(Errno("cannot read", path));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view content, mode_t mode) {
  // A device or a pipe (-o /dev/null, -o /dev/stdout) is written to, never
  // replaced by a regular file.
  struct stat st {};
  bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  std::string tmp = special ? path : path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return PermissionDenied(Errno("cannot create", tmp));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      if (!special) ::unlink(tmp.c_str());
      return Unavailable(Errno("cannot write", tmp));
    }
    done += static_cast<size_t>(n);
  }
  if (special) return ::close(fd) == 0 ? Status::Ok() : Unavailable(Errno("cannot write", path));
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable(Errno("cannot write", path));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ListDirectory(const std::string& dir, size_t max_entries) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return NotFound("cannot open directory " + dir + ": " + std::strerror(errno));
  std::vector<std::string> out;
  while (struct dirent* de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n == "." || n == "..") continue;
    if (out.size() == max_entries) {
      ::closedir(d);
      return ResourceExhausted(dir + " holds more than " + std::to_string(max_entries) +
                               " entries");
    }
    out.emplace_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> MakeTempDirectory(const std::string& dir, std::string_view prefix) {
  std::string path = dir + "/" + std::string(prefix) + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr)
    return ErrnoStatus(errno, "cannot create a directory in " + dir);
  return path;
}

std::string UserCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/customs";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != 0) return std::string(home) + "/.cache/customs";
  return ".cache/customs";
}

}  // namespace customs
