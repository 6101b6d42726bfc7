#include "sandbox/monitor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>  // libseccomp; includes <linux/seccomp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "base/process.h"

namespace customs::sandbox {
namespace {

// The state message of the runtime is a few hundred bytes; anything past
// this is not a runtime talking.
constexpr size_t kMaxStateBytes = 64 * 1024;
// How long a connected runtime may take to send its state message.
constexpr int kStateTimeoutMs = 5000;
// File descriptors taken from one state message (the runtime sends one).
constexpr size_t kMaxPassedFds = 16;
// Bytes of a socket address read from the tracee.
constexpr size_t kMaxSockaddrBytes = 128;
// Interrupted notifications remembered (one per pid at most).
constexpr size_t kMaxInterrupted = 4096;

std::string Errno(int err) { return std::strerror(err); }

// ---------------------------------------------------------------------------
// The filter.

struct ArgRule {
  unsigned index;
  const char* op;
  uint64_t value;
  uint64_t value_two;
};

Json ArgJson(const ArgRule& a) {
  return Json{{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}};
}

// Whether libseccomp knows `name` as a syscall of the native architecture
// (it answers a negative pseudo number for names of other architectures).
bool NativeSyscall(const char* name) { return seccomp_syscall_resolve_name(name) >= 0; }

std::vector<std::string> Architectures() {
#if defined(__x86_64__)
  return {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
#elif defined(__aarch64__)
  return {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
#else
  return {};  // the runtime's default: the native architecture only
#endif
}

// ---------------------------------------------------------------------------
// Reading the tracee.

std::string ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string JoinErrors(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

std::string FormatArgs(const seccomp_data& data) {
  std::string out = "args";
  char buf[32];
  for (int i = 0; i < 6; ++i) {
    std::snprintf(buf, sizeof(buf), "%s0x%llx", i == 0 ? " " : ",",
                  static_cast<unsigned long long>(data.args[i]));
    out += buf;
  }
  return out;
}

// One notification's view of the calling process: its memory through
// /proc/PID/mem and its fds, cwd and root through /proc/PID.
class Tracee {
 public:
  Tracee(int pid, size_t max_string) : pid_(pid), max_string_(max_string) {
    proc_ = "/proc/" + std::to_string(pid);
  }

  int pid() const { return pid_; }
  std::vector<std::string>& errors() { return errors_; }
  bool truncated() const { return truncated_; }

  // Reads exactly `n` bytes at `addr`; on failure notes why under `what`.
  bool Read(uint64_t addr, void* out, size_t n, const char* what) {
    if (!OpenMem(what)) return false;
    auto* p = static_cast<uint8_t*>(out);
    size_t done = 0;
    while (done < n) {
      if (addr > static_cast<uint64_t>(INT64_MAX) - (n - done)) {
        errors_.push_back(std::string(what) + ": address out of range");
        return false;
      }
      ssize_t got = pread(mem_.get(), p + done, n - done, static_cast<off_t>(addr));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        errors_.push_back(std::string(what) + ": cannot read tracee memory at 0x" + Hex(addr) +
                          (got < 0 ? ": " + Errno(errno) : ""));
        return false;
      }
      done += static_cast<size_t>(got);
      addr += static_cast<uint64_t>(got);
    }
    return true;
  }

  // Reads a NUL-terminated string of at most max_string bytes.
  bool ReadString(uint64_t addr, std::string* out, const char* what) {
    out->clear();
    if (addr == 0) {
      errors_.push_back(std::string(what) + ": NULL pointer");
      return false;
    }
    if (!OpenMem(what)) return false;
    char buf[256];
    while (out->size() < max_string_) {
      // Chunks never cross a 4 KiB boundary, so a string that ends just
      // before an unmapped page is still read whole.
      size_t want = std::min(sizeof(buf), max_string_ - out->size());
      want = std::min<uint64_t>(want, 4096 - (addr % 4096));
      if (addr > static_cast<uint64_t>(INT64_MAX) - want) {
        errors_.push_back(std::string(what) + ": address out of range");
        return false;
      }
      ssize_t got = pread(mem_.get(), buf, want, static_cast<off_t>(addr));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        errors_.push_back(std::string(what) + ": cannot read tracee memory at 0x" + Hex(addr) +
                          (got < 0 ? ": " + Errno(errno) : ""));
        return false;
      }
      const void* nul = std::memchr(buf, 0, static_cast<size_t>(got));
      if (nul != nullptr) {
        out->append(buf, static_cast<const char*>(nul) - buf);
        return true;
      }
      out->append(buf, static_cast<size_t>(got));
      addr += static_cast<uint64_t>(got);
    }
    truncated_ = true;
    return true;
  }

  // A NULL-terminated array of string pointers (argv), at most `max`
  // entries kept.
  std::vector<std::string> ReadStringArray(uint64_t addr, size_t max, const char* what) {
    std::vector<std::string> out;
    if (addr == 0) return out;  // Linux runs a NULL argv as an empty one
    for (size_t i = 0;; ++i) {
      uint64_t ptr = 0;
      if (!Read(addr + i * sizeof(uint64_t), &ptr, sizeof(ptr), what)) break;
      if (ptr == 0) break;
      if (i >= max) {
        truncated_ = true;
        break;
      }
      std::string s;
      ReadString(ptr, &s, what);
      out.push_back(std::move(s));
    }
    return out;
  }

  // readlink of /proc/PID/<rel>, "" when it cannot be read.
  std::string Link(const std::string& rel) const { return ReadLink(proc_ + "/" + rel); }

  // A path read from /proc/PID/{cwd,fd/N} as the container sees it: the
  // container's root (/proc/PID/root as seen from here) is removed.
  std::string ContainerView(std::string path) {
    if (!root_.has_value()) root_ = Link("root");
    const std::string& root = *root_;
    if (root.empty() || root == "/" || path.empty() || path[0] != '/') return path;
    if (path.compare(0, root.size(), root) != 0) return path;
    if (path.size() == root.size()) return "/";
    if (path[root.size()] != '/') return path;
    return path.substr(root.size());
  }

  // The fd's target as the container sees it ("/etc/x", "socket:[12]").
  std::string FdPath(int fd) { return ContainerView(Link("fd/" + std::to_string(fd))); }

  // `path` as passed with `dirfd` (*at syscalls): relative paths are
  // prefixed with the directory.
  std::string Resolve(int dirfd, const std::string& path) {
    if (path.empty() || path[0] == '/') return path;
    std::string base = dirfd == AT_FDCWD ? ContainerView(Link("cwd")) : FdPath(dirfd);
    if (base.empty() || base[0] != '/') {
      errors_.push_back("cannot resolve directory of relative path " + path);
      return path;
    }
    if (base.back() != '/') base += '/';
    return base + path;
  }

 private:
  static std::string Hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
    return buf;
  }

  bool OpenMem(const char* what) {
    if (mem_.valid()) return true;
    if (mem_failed_) {
      errors_.push_back(std::string(what) + ": " + mem_error_);
      return false;
    }
    mem_ = UniqueFd(open((proc_ + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
    if (!mem_.valid()) {
      mem_failed_ = true;
      mem_error_ = "cannot open " + proc_ + "/mem: " + Errno(errno);
      errors_.push_back(std::string(what) + ": " + mem_error_);
      return false;
    }
    return true;
  }

  int pid_;
  size_t max_string_;
  std::string proc_;
  UniqueFd mem_;
  bool mem_failed_ = false;
  std::string mem_error_;
  std::optional<std::string> root_;
  std::vector<std::string> errors_;
  bool truncated_ = false;
};

std::string Comm(int pid) {
  UniqueFd fd(open(("/proc/" + std::to_string(pid) + "/comm").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "";
  char buf[64];
  ssize_t n = read(fd.get(), buf, sizeof(buf));
  if (n <= 0) return "";
  std::string s(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

// Fills address/port (or a unix path) from a socket address.
void DecodeSockaddr(const uint8_t* b, size_t len, model::BehaviorEvent* ev) {
  if (len < sizeof(sa_family_t)) return;
  sa_family_t family;
  std::memcpy(&family, b, sizeof(family));
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && len >= 8) {
    uint16_t port;
    std::memcpy(&port, b + 2, 2);
    ev->port = ntohs(port);
    if (inet_ntop(AF_INET, b + 4, text, sizeof(text)) != nullptr) ev->address = text;
  } else if (family == AF_INET6 && len >= 24) {
    uint16_t port;
    std::memcpy(&port, b + 2, 2);
    ev->port = ntohs(port);
    if (inet_ntop(AF_INET6, b + 8, text, sizeof(text)) != nullptr) ev->address = text;
  } else if (family == AF_UNIX) {
    const char* p = reinterpret_cast<const char*>(b) + 2;
    size_t n = len - 2;
    if (n == 0) return;  // unnamed
    if (p[0] == '\0') {
      ev->address = "@" + std::string(p + 1, n - 1);  // abstract: all `n` bytes are the name
    } else {
      const void* nul = std::memchr(p, 0, n);
      ev->address = std::string(p, nul ? static_cast<const char*>(nul) - p : n);
    }
    if (ev->socket.empty()) ev->socket = "unix";
  }
}

// Reads and decodes the socket address at `addr` (`len` bytes).
void ReadSockaddr(Tracee& t, uint64_t addr, uint64_t len, model::BehaviorEvent* ev) {
  if (addr == 0 || len == 0) return;
  uint8_t buf[kMaxSockaddrBytes];
  size_t n = static_cast<size_t>(std::min<uint64_t>(len, sizeof(buf)));
  if (!t.Read(addr, buf, n, "sockaddr")) return;
  DecodeSockaddr(buf, n, ev);
}

// What kind of socket the caller's `fd` is, and its inode: from a copy of
// the fd (pidfd_getfd), else from /proc/PID/fd/FD.
void DescribeSocket(Tracee& t, int fd, model::BehaviorEvent* ev) {
  ev->fd = fd;
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, t.pid(), 0)));
  UniqueFd copy;
  if (pidfd.valid())
    copy = UniqueFd(static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
  if (copy.valid()) {
    int domain = 0, type = 0, protocol = 0;
    socklen_t len = sizeof(int);
    bool ok = getsockopt(copy.get(), SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0;
    len = sizeof(int);
    ok = ok && getsockopt(copy.get(), SOL_SOCKET, SO_TYPE, &type, &len) == 0;
    len = sizeof(int);
    ok = ok && getsockopt(copy.get(), SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0;
    if (ok) {
      if (domain == AF_UNIX) {
        ev->socket = "unix";
      } else if (domain == AF_INET || domain == AF_INET6) {
        if (type == SOCK_RAW || protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6) {
          ev->socket = "raw";
        } else if (type == SOCK_STREAM) {
          ev->socket = "tcp";
        } else if (type == SOCK_DGRAM) {
          ev->socket = "udp";
        }
      } else if (domain == AF_PACKET) {
        ev->socket = "raw";
      }
    }
    struct stat st;
    if (fstat(copy.get(), &st) == 0 && S_ISSOCK(st.st_mode)) ev->socket_inode = st.st_ino;
  }
  if (ev->socket_inode == 0) {
    ev->socket_inode = model::SocketInode(t.Link("fd/" + std::to_string(fd)));
  }
}

std::vector<std::string> Stdio(Tracee& t) {
  std::vector<std::string> out;
  for (int fd = 0; fd < 3; ++fd) out.push_back(t.FdPath(fd));
  return out;
}

bool SameCall(const seccomp_data& a, const seccomp_data& b) {
  if (a.nr != b.nr || a.arch != b.arch || a.instruction_pointer != b.instruction_pointer) {
    return false;
  }
  for (int i = 0; i < 6; ++i) {
    if (a.args[i] != b.args[i]) return false;
  }
  return true;
}

int AsFd(uint64_t arg) { return static_cast<int>(static_cast<int32_t>(arg)); }

std::string ResolveName(uint32_t arch, int nr) {
  char* name = seccomp_syscall_resolve_num_arch(arch, nr);
  if (name == nullptr) return "";
  std::string out = name;
  std::free(name);
  return out;
}

// Decodes the arguments of a native syscall into `ev`. Returns false when
// the call is not worth an event (openat2 without a write or create flag).
bool DecodeNative(const std::string& name, const seccomp_data& d, Tracee& t,
                  const MonitorOptions& options, model::BehaviorEvent* ev) {
  uint64_t a[6];
  for (int i = 0; i < 6; ++i) a[i] = d.args[i];
  std::string s;
  if (name == "execve" || name == "execveat") {
    bool at = name == "execveat";
    int dirfd = at ? AsFd(a[0]) : AT_FDCWD;
    t.ReadString(at ? a[1] : a[0], &s, "path");
    ev->argv = t.ReadStringArray(at ? a[2] : a[1], options.max_argv, "argv");
    if (at) {
      ev->fd = dirfd;
      ev->flags = a[4];
      if (s.empty() && (a[4] & AT_EMPTY_PATH)) s = t.FdPath(dirfd);
    }
    ev->path = t.Resolve(dirfd, s);
    ev->stdio = Stdio(t);
  } else if (name == "connect" || name == "bind") {
    DescribeSocket(t, AsFd(a[0]), ev);
    ReadSockaddr(t, a[1], a[2], ev);
  } else if (name == "listen") {
    DescribeSocket(t, AsFd(a[0]), ev);
  } else if (name == "sendto") {
    DescribeSocket(t, AsFd(a[0]), ev);
    ReadSockaddr(t, a[4], a[5], ev);
  } else if (name == "sendmsg") {
    DescribeSocket(t, AsFd(a[0]), ev);
    struct msghdr msg;
    if (a[1] != 0 && t.Read(a[1], &msg, sizeof(msg), "msghdr")) {
      ReadSockaddr(t, reinterpret_cast<uint64_t>(msg.msg_name), msg.msg_namelen, ev);
    }
  } else if (name == "open" || name == "creat") {
    if (t.ReadString(a[0], &s, "path")) ev->path = t.Resolve(AT_FDCWD, s);
    if (name == "open") {
      ev->flags = a[1];
      ev->mode = static_cast<uint32_t>(a[2]);
    } else {
      ev->flags = O_CREAT | O_WRONLY | O_TRUNC;
      ev->mode = static_cast<uint32_t>(a[1]);
    }
  } else if (name == "openat") {
    if (t.ReadString(a[1], &s, "path")) ev->path = t.Resolve(AsFd(a[0]), s);
    ev->flags = a[2];
    ev->mode = static_cast<uint32_t>(a[3]);
  } else if (name == "openat2") {
    uint64_t how[2] = {0, 0};  // struct open_how: flags, mode, resolve
    if (a[3] >= sizeof(how) && t.Read(a[2], how, sizeof(how), "open_how")) {
      if ((how[0] & (O_WRONLY | O_RDWR | O_CREAT)) == 0) return false;
      ev->flags = how[0];
      ev->mode = static_cast<uint32_t>(how[1]);
    }
    if (t.ReadString(a[1], &s, "path")) ev->path = t.Resolve(AsFd(a[0]), s);
  } else if (name == "unlink") {
    if (t.ReadString(a[0], &s, "path")) ev->path = t.Resolve(AT_FDCWD, s);
  } else if (name == "unlinkat") {
    if (t.ReadString(a[1], &s, "path")) ev->path = t.Resolve(AsFd(a[0]), s);
    ev->flags = a[2];
  } else if (name == "rename") {
    if (t.ReadString(a[0], &s, "from")) ev->path = t.Resolve(AT_FDCWD, s);
    if (t.ReadString(a[1], &s, "to")) ev->path2 = t.Resolve(AT_FDCWD, s);
  } else if (name == "renameat" || name == "renameat2") {
    if (t.ReadString(a[1], &s, "from")) ev->path = t.Resolve(AsFd(a[0]), s);
    if (t.ReadString(a[3], &s, "to")) ev->path2 = t.Resolve(AsFd(a[2]), s);
    if (name == "renameat2") ev->flags = a[4];
  } else if (name == "chmod") {
    if (t.ReadString(a[0], &s, "path")) ev->path = t.Resolve(AT_FDCWD, s);
    ev->mode = static_cast<uint32_t>(a[1]);
  } else if (name == "fchmodat") {
    if (t.ReadString(a[1], &s, "path")) ev->path = t.Resolve(AsFd(a[0]), s);
    ev->mode = static_cast<uint32_t>(a[2]);
  } else if (name == "fchmod") {
    ev->fd = AsFd(a[0]);
    ev->path = t.FdPath(ev->fd);
    ev->mode = static_cast<uint32_t>(a[1]);
  } else if (name == "ptrace") {
    ev->flags = a[0];     // request
    ev->fd = AsFd(a[1]);  // target pid
  } else if (name == "mount") {
    if (a[0] != 0 && t.ReadString(a[0], &s, "source")) ev->path2 = s;
    if (t.ReadString(a[1], &s, "target")) ev->path = t.Resolve(AT_FDCWD, s);
    ev->flags = a[3];
  } else if (name == "memfd_create") {
    if (t.ReadString(a[0], &s, "name")) ev->path = "memfd:" + s;
    ev->flags = a[1];
  } else if (name == "clone") {
    ev->flags = a[0];
  } else if (name == "clone3") {
    uint64_t flags = 0;  // struct clone_args starts with the flags
    if (a[1] >= sizeof(flags) && t.Read(a[0], &flags, sizeof(flags), "clone_args")) {
      ev->flags = flags;
    }
  }
  // fork, vfork: nothing to read.
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------

Json SeccompNotifyConfig(const std::string& listener_path) {
  Json syscalls = Json::array();
  auto add = [&](std::vector<const char*> names, std::vector<ArgRule> args) {
    Json list = Json::array();
    for (const char* n : names) {
      if (NativeSyscall(n)) list.push_back(n);
    }
    if (list.empty()) return;
    Json rule = {{"names", std::move(list)}, {"action", "SCMP_ACT_NOTIFY"}};
    if (!args.empty()) {
      Json a = Json::array();
      for (const auto& arg : args) a.push_back(ArgJson(arg));
      rule["args"] = std::move(a);
    }
    syscalls.push_back(std::move(rule));
  };
  // Unconditional.
  add({"execve", "execveat", "connect", "bind", "listen", "sendmsg", "memfd_create", "ptrace",
       "mount", "unlink", "unlinkat", "rename", "renameat", "renameat2", "creat", "fork", "vfork",
       "clone3", "openat2"},
      {});
  // sendto with a destination address (a connected socket's send is not
  // interesting: its connect was seen).
  add({"sendto"}, {{4, "SCMP_CMP_NE", 0, 0}});
  // Opens that can write or create. OCI's MASKED_EQ is
  // (arg & value) == valueTwo, as libseccomp's (mask, datum). One entry per
  // flag: conditions in one entry are ANDed (runc ORs repeated indexes,
  // but a separate entry needs no such rule).
  for (uint64_t bit : {uint64_t{O_WRONLY}, uint64_t{O_RDWR}, uint64_t{O_CREAT}}) {
    add({"open"}, {{1, "SCMP_CMP_MASKED_EQ", bit, bit}});
    add({"openat"}, {{2, "SCMP_CMP_MASKED_EQ", bit, bit}});
  }
  // chmod to setuid or setgid.
  for (uint64_t bit : {uint64_t{S_ISUID}, uint64_t{S_ISGID}}) {
    add({"chmod", "fchmod"}, {{1, "SCMP_CMP_MASKED_EQ", bit, bit}});
    add({"fchmodat"}, {{2, "SCMP_CMP_MASKED_EQ", bit, bit}});
  }
  // clone that makes a process, not a thread. The flags are argument 0 on
  // x86_64 and aarch64 (and their compat architectures).
  add({"clone"}, {{0, "SCMP_CMP_MASKED_EQ", uint64_t{CLONE_THREAD}, 0}});

  Json arches = Json::array();
  for (const auto& a : Architectures()) arches.push_back(a);
  return Json{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"architectures", std::move(arches)},
              {"listenerPath", listener_path},
              {"syscalls", std::move(syscalls)}};
}

Status CheckSeccompNotify() {
  struct seccomp_notif_sizes sizes {};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return Unavailable("seccomp user notification: seccomp(SECCOMP_GET_NOTIF_SIZES) failed: " +
                       Errno(errno) + " (needs Linux >= 5.0 with CONFIG_SECCOMP_FILTER)");
  }
  uint32_t action = SECCOMP_RET_USER_NOTIF;
  if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    return Unavailable(
        "seccomp user notification: the kernel does not offer SECCOMP_RET_USER_NOTIF: " +
        Errno(errno));
  }
  struct utsname u;
  if (uname(&u) == 0) {
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
        (major < 5 || (major == 5 && minor < 5))) {
      return Unavailable(std::string("seccomp user notification: kernel ") + u.release +
                         " lacks SECCOMP_USER_NOTIF_FLAG_CONTINUE (needs Linux >= 5.5)");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------

struct Monitor::State {
  std::string listener_path;
  MonitorOptions options;
  UniqueFd listen_fd;
  UniqueFd stop_fd;  // eventfd: Stop writes to it
  std::vector<UniqueFd> notify_fds;
  size_t notif_size = 0;
  size_t resp_size = 0;
  uint32_t native_arch = 0;
  std::thread thread;
  bool stopped = false;

  std::atomic<bool> attached{false};
  std::atomic<int> container_pid{0};
  mutable std::mutex mu;
  mutable std::condition_variable cv;

  // Written by the monitor thread only; read after it has joined.
  std::vector<model::BehaviorEvent> events;
  uint64_t dropped = 0;

  // A notification whose answer found it gone (SEND failed with ENOENT).
  // Mostly a signal interrupted the caller's wait (Go programs such as
  // runc init get SIGURG all the time) and the kernel restarts the syscall,
  // so the same call comes again: that one updates the first event instead
  // of adding another. Keyed by pid; an entry lives until that pid's next
  // notification.
  struct Interrupted {
    seccomp_data data;
    bool stored;  // the event is events[index]
    size_t index;
  };
  std::map<int, Interrupted> interrupted;

  void Run();
  void Accept();
  Result<UniqueFd> ReceiveState(int conn, Json* state);
  // False when the fd is done with (closed or broken).
  bool Handle(int notify_fd);
  std::optional<model::BehaviorEvent> Decode(int notify_fd, const struct seccomp_notif& n);
};

void Monitor::State::Run() {
  for (;;) {
    std::vector<pollfd> pfds;
    pfds.push_back({stop_fd.get(), POLLIN, 0});
    pfds.push_back({listen_fd.get(), POLLIN, 0});
    for (const auto& fd : notify_fds) pfds.push_back({fd.get(), POLLIN, 0});
    int n = poll(pfds.data(), pfds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (pfds[0].revents != 0) return;
    // Notifications first: a process is waiting on each.
    std::vector<size_t> done;
    for (size_t i = 2; i < pfds.size(); ++i) {
      short re = pfds[i].revents;
      if (re & POLLIN) {
        if (!Handle(pfds[i].fd)) done.push_back(i - 2);
      } else if (re & (POLLHUP | POLLERR | POLLNVAL)) {
        done.push_back(i - 2);  // no process uses the filter any more
      }
    }
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      notify_fds.erase(notify_fds.begin() + static_cast<std::ptrdiff_t>(*it));
    }
    if (pfds[1].revents & POLLIN) Accept();
  }
}

void Monitor::State::Accept() {
  UniqueFd conn(accept4(listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) return;
  Json state;
  auto fd = ReceiveState(conn.get(), &state);
  if (!fd.ok()) return;  // not a runtime's state message: ignored
  notify_fds.push_back(std::move(*fd));
  int pid = static_cast<int>(JsonInt(state, "pid", 0));
  {
    std::lock_guard<std::mutex> lock(mu);
    int expected = 0;
    container_pid.compare_exchange_strong(expected, pid);
    attached.store(true);
  }
  cv.notify_all();
}

Result<UniqueFd> Monitor::State::ReceiveState(int conn, Json* state) {
  std::string text;
  std::vector<UniqueFd> fds;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStateTimeoutMs);
  std::vector<char> buf(kMaxStateBytes);
  bool parsed = false;
  Status last = InvalidArgument("state message: empty");
  while (!parsed && text.size() < kMaxStateBytes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return InvalidArgument("state message: timed out");
    pollfd pfds[2] = {{conn, POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    int n = poll(pfds, 2, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return InvalidArgument("state message: timed out");
    if (pfds[1].revents != 0) return Unavailable("stopping");

    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
    iovec iov = {buf.data(), kMaxStateBytes - text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t got = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return InvalidArgument("state message: recvmsg: " + Errno(errno));
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        fds.emplace_back(fd);  // owned either way: extras are closed on return
      }
    }
    if (got == 0) break;  // peer closed
    text.append(buf.data(), static_cast<size_t>(got));
    auto json = ParseJson(text, "seccomp state message", kMaxStateBytes);
    if (json.ok()) {
      *state = std::move(*json);
      parsed = true;
    } else {
      last = json.status();
    }
  }
  if (!parsed) return last;
  if (!state->is_object()) return InvalidArgument("state message: not a JSON object");
  if (fds.empty()) return InvalidArgument("state message: no file descriptor attached");
  // "fds" names the passed descriptors in order; the notify fd is
  // "seccompFd".
  size_t index = 0;
  std::vector<std::string> names = JsonStrings(*state, "fds");
  auto it = std::find(names.begin(), names.end(), "seccompFd");
  if (it != names.end()) index = static_cast<size_t>(it - names.begin());
  if (index >= fds.size()) {
    return InvalidArgument("state message: fds names seccompFd at index " + std::to_string(index) +
                           " but " + std::to_string(fds.size()) + " were passed");
  }
  UniqueFd notify = std::move(fds[index]);
  std::string kind = ReadLink("/proc/self/fd/" + std::to_string(notify.get()));
  if (kind != "anon_inode:seccomp notify") {
    return InvalidArgument("state message: the passed fd is " + kind + ", not a seccomp notify fd");
  }
  return notify;
}

bool Monitor::State::Handle(int notify_fd) {
  std::vector<uint8_t> req(notif_size, 0);
  for (;;) {
    std::fill(req.begin(), req.end(), 0);  // RECV wants a zeroed buffer
    if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req.data()) == 0) break;
    if (errno == EINTR) continue;
    if (errno == ENOENT) return true;  // the caller died before we got it
    return false;                      // broken fd: stop polling it
  }
  struct seccomp_notif n;
  std::memcpy(&n, req.data(), sizeof(n));

  int pid = static_cast<int>(n.pid);
  std::optional<Interrupted> earlier;
  if (auto it = interrupted.find(pid); it != interrupted.end()) {
    if (SameCall(it->second.data, n.data)) earlier = it->second;
    interrupted.erase(it);
  }

  std::optional<model::BehaviorEvent> ev = Decode(notify_fd, n);
  bool stored = false;
  size_t index = 0;
  if (ev.has_value()) {
    if (earlier.has_value()) {
      // The restart of a call already reported (and passed to on_event):
      // keep the first time, take what was read now.
      if (earlier->stored && earlier->index < events.size()) {
        ev->t_ms = events[earlier->index].t_ms;
        events[earlier->index] = std::move(*ev);
        stored = true;
        index = earlier->index;
      }
    } else {
      if (options.on_event) options.on_event(*ev);
      if (events.size() < options.max_events) {
        events.push_back(std::move(*ev));
        stored = true;
        index = events.size() - 1;
      } else {
        ++dropped;
      }
    }
  }

  std::vector<uint8_t> resp_buf(resp_size, 0);
  struct seccomp_notif_resp resp {};
  resp.id = n.id;
  resp.val = 0;
  resp.error = 0;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  std::memcpy(resp_buf.data(), &resp, sizeof(resp));
  while (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp_buf.data()) != 0) {
    if (errno == EINTR) continue;
    if (errno == ENOENT) {
      // Interrupted or killed: remember it in case the call is restarted.
      if (interrupted.size() >= kMaxInterrupted) interrupted.clear();
      interrupted[pid] = Interrupted{n.data, stored, index};
    }
    break;
  }
  return true;
}

std::optional<model::BehaviorEvent> Monitor::State::Decode(int notify_fd,
                                                           const struct seccomp_notif& n) {
  model::BehaviorEvent ev;
  ev.t_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - options.t0)
                .count();
  ev.pid = static_cast<int>(n.pid);
  ev.comm = Comm(ev.pid);
  Tracee t(ev.pid, options.max_string_bytes);

  uint32_t arch = n.data.arch;
  int nr = n.data.nr;
#if defined(__x86_64__)
  // x32 calls arrive as x86_64 with __X32_SYSCALL_BIT set.
  if (arch == SCMP_ARCH_X86_64 && (static_cast<uint32_t>(nr) & 0x40000000u) != 0) {
    arch = SCMP_ARCH_X32;
  }
#endif
  std::string name = ResolveName(arch, nr);
  if (name.empty()) name = "syscall " + std::to_string(nr);
  ev.syscall = name;

  if (arch != native_arch) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%x", arch);
    t.errors().push_back(std::string("compat architecture ") + buf + ": arguments not decoded; " +
                         FormatArgs(n.data));
  } else if (!DecodeNative(name, n.data, t, options, &ev)) {
    return std::nullopt;
  }

  // What was read is only meaningful if the caller is still the one that
  // made this syscall (its pid may have been reused otherwise).
  uint64_t id = n.id;
  if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
    t.errors().push_back("process gone");
  }
  ev.truncated = t.truncated();
  ev.error = JoinErrors(t.errors());
  return ev;
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<Monitor>> Monitor::Start(const std::string& listener_path,
                                                MonitorOptions options) {
  struct seccomp_notif_sizes sizes {};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return Unavailable("seccomp monitor: SECCOMP_GET_NOTIF_SIZES: " + Errno(errno));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (listener_path.empty() || listener_path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("seccomp monitor: listener path must be 1 to " +
                           std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + listener_path);
  }
  std::memcpy(addr.sun_path, listener_path.data(), listener_path.size());
  struct stat st;
  if (lstat(listener_path.c_str(), &st) == 0) {
    return InvalidArgument("seccomp monitor: " + listener_path + " already exists");
  }

  auto state = std::make_unique<State>();
  state->listener_path = listener_path;
  state->options = std::move(options);
  if (state->options.max_string_bytes == 0) state->options.max_string_bytes = 1;
  state->notif_size = std::max<size_t>(sizes.seccomp_notif, sizeof(struct seccomp_notif));
  state->resp_size = std::max<size_t>(sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp));
  state->native_arch = seccomp_arch_native();

  state->listen_fd = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!state->listen_fd.valid()) {
    return Internal("seccomp monitor: socket: " + Errno(errno));
  }
  // The socket inode's mode is what bind gives the file (less the umask).
  fchmod(state->listen_fd.get(), 0600);
  if (bind(state->listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Unavailable("seccomp monitor: bind " + listener_path + ": " + Errno(errno));
  }
  if (chmod(listener_path.c_str(), 0600) != 0 || listen(state->listen_fd.get(), 8) != 0) {
    Status s = Internal("seccomp monitor: chmod/listen " + listener_path + ": " + Errno(errno));
    unlink(listener_path.c_str());
    return s;
  }
  state->stop_fd = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!state->stop_fd.valid()) {
    Status s = Internal("seccomp monitor: eventfd: " + Errno(errno));
    unlink(listener_path.c_str());
    return s;
  }
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<Monitor>(
      new Monitor(std::move(state)));  // new: the constructor is private
}

Monitor::Monitor(std::unique_ptr<State> state) : state_(std::move(state)) {}

Monitor::~Monitor() { Stop(); }

bool Monitor::attached() const { return state_->attached.load(); }

bool Monitor::WaitAttached(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [this] { return state_->attached.load(); });
}

int Monitor::container_pid() const { return state_->container_pid.load(); }

std::vector<model::BehaviorEvent> Monitor::Stop(uint64_t* dropped) {
  State& s = *state_;
  if (!s.stopped) {
    s.stopped = true;
    if (s.thread.joinable()) {
      uint64_t one = 1;
      while (write(s.stop_fd.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
      }
      s.thread.join();
    }
    s.notify_fds.clear();
    s.listen_fd.Reset();
    s.stop_fd.Reset();
    unlink(s.listener_path.c_str());
  }
  if (dropped != nullptr) *dropped = s.dropped;
  std::vector<model::BehaviorEvent> out = std::move(s.events);
  s.events.clear();
  return out;
}

}  // namespace customs::sandbox
