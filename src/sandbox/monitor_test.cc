#include "sandbox/monitor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing.h"

namespace customs::sandbox {
namespace {

using namespace std::chrono_literals;

// The syscall entries of `config` that name `name`.
std::vector<Json> EntriesFor(const Json& config, const std::string& name) {
  std::vector<Json> out;
  for (const auto& entry : config["syscalls"]) {
    for (const auto& n : entry["names"]) {
      if (n == name) out.push_back(entry);
    }
  }
  return out;
}

TEST(SeccompNotifyConfigTest, Shape) {
  Json c = SeccompNotifyConfig("/run/x/seccomp.sock");
  EXPECT_EQ(c["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_EQ(c["listenerPath"], "/run/x/seccomp.sock");
#if defined(__x86_64__)
  EXPECT_EQ(c["architectures"], Json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
#endif
  ASSERT_TRUE(c["syscalls"].is_array());
  for (const auto& entry : c["syscalls"]) {
    EXPECT_EQ(entry["action"], "SCMP_ACT_NOTIFY");
    for (const auto& n : entry["names"]) {
      // runc refuses notify on write; nothing else we list may be it.
      EXPECT_NE(n, "write");
      EXPECT_GE(seccomp_syscall_resolve_name(n.get<std::string>().c_str()), 0) << n;
    }
  }

  // Unconditional ones.
  for (const char* name :
       {"execve", "execveat", "connect", "bind", "listen", "sendmsg", "memfd_create", "ptrace",
        "mount", "unlinkat", "renameat", "renameat2", "clone3", "openat2"}) {
    auto e = EntriesFor(c, name);
    ASSERT_EQ(e.size(), 1u) << name;
    EXPECT_FALSE(e[0].contains("args")) << name;
  }

  // openat: one entry per flag bit, (flags & bit) == bit on argument 2.
  // O_WRONLY=1, O_RDWR=2, O_CREAT=0100 on x86_64 and aarch64.
  auto openat = EntriesFor(c, "openat");
  ASSERT_EQ(openat.size(), 3u);
  std::vector<uint64_t> bits;
  for (const auto& e : openat) {
    ASSERT_EQ(e["args"].size(), 1u);
    const Json& a = e["args"][0];
    EXPECT_EQ(a["index"], 2);
    EXPECT_EQ(a["op"], "SCMP_CMP_MASKED_EQ");
    EXPECT_EQ(a["value"], a["valueTwo"]);
    bits.push_back(a["value"].get<uint64_t>());
  }
  EXPECT_EQ(bits, (std::vector<uint64_t>{1, 2, 64}));

  // clone without CLONE_THREAD (0x00010000): mask in value, datum 0.
  auto clone = EntriesFor(c, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0]["args"], Json::parse(R"([{"index":0,"op":"SCMP_CMP_MASKED_EQ",
                                                "value":65536,"valueTwo":0}])"));

  // sendto only with a destination address (argument 4).
  auto sendto = EntriesFor(c, "sendto");
  ASSERT_EQ(sendto.size(), 1u);
  EXPECT_EQ(sendto[0]["args"],
            Json::parse(R"([{"index":4,"op":"SCMP_CMP_NE","value":0,"valueTwo":0}])"));

  // fchmodat to S_ISUID (04000) or S_ISGID (02000) on argument 2.
  auto fchmodat = EntriesFor(c, "fchmodat");
  ASSERT_EQ(fchmodat.size(), 2u);
  EXPECT_EQ(fchmodat[0]["args"][0]["index"], 2);
  EXPECT_EQ(fchmodat[0]["args"][0]["value"], 2048);
  EXPECT_EQ(fchmodat[1]["args"][0]["value"], 1024);
  EXPECT_EQ(fchmodat[1]["args"][0]["valueTwo"], 1024);
}

// ---------------------------------------------------------------------------
// A stand-in for runc: builds the filter from the OCI JSON with libseccomp
// the way runc does, loads it in a forked child, takes the notify fd with
// pidfd_getfd and sends the container process state to the listener.

uint32_t ArchToken(const std::string& name) {
  if (name == "SCMP_ARCH_X86_64") return SCMP_ARCH_X86_64;
  if (name == "SCMP_ARCH_X86") return SCMP_ARCH_X86;
  if (name == "SCMP_ARCH_X32") return SCMP_ARCH_X32;
  if (name == "SCMP_ARCH_AARCH64") return SCMP_ARCH_AARCH64;
  if (name == "SCMP_ARCH_ARM") return SCMP_ARCH_ARM;
  return 0;
}

// The BPF program for the OCI seccomp object, or an error text.
std::string BuildBpf(const Json& config, std::vector<sock_filter>* prog) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return "seccomp_init failed";
  std::string err;
  for (const auto& a : config["architectures"]) {
    uint32_t token = ArchToken(a.get<std::string>());
    if (token == 0) {
      err = "unknown arch " + a.get<std::string>();
      break;
    }
    int rc = seccomp_arch_add(ctx, token);
    if (rc != 0 && rc != -EEXIST) err = "seccomp_arch_add " + a.get<std::string>();
  }
  for (const auto& entry : config["syscalls"]) {
    if (!err.empty()) break;
    std::vector<scmp_arg_cmp> args;
    if (entry.contains("args")) {
      for (const auto& a : entry["args"]) {
        scmp_compare op = a["op"] == "SCMP_CMP_NE"          ? SCMP_CMP_NE
                          : a["op"] == "SCMP_CMP_MASKED_EQ" ? SCMP_CMP_MASKED_EQ
                                                            : _SCMP_CMP_MIN;
        if (op == _SCMP_CMP_MIN) err = "unexpected op " + a["op"].dump();
        args.push_back({a["index"].get<unsigned>(), op, a["value"].get<uint64_t>(),
                        a["valueTwo"].get<uint64_t>()});
      }
    }
    for (const auto& n : entry["names"]) {
      int nr = seccomp_syscall_resolve_name(n.get<std::string>().c_str());
      int rc = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, static_cast<unsigned>(args.size()),
                                      args.data());
      if (rc != 0) err = "seccomp_rule_add " + n.get<std::string>() + ": " + std::to_string(rc);
    }
  }
  if (err.empty()) {
    int mfd = memfd_create("bpf", MFD_CLOEXEC);
    if (seccomp_export_bpf(ctx, mfd) != 0) {
      err = "seccomp_export_bpf failed";
    } else {
      off_t size = lseek(mfd, 0, SEEK_END);
      prog->resize(static_cast<size_t>(size) / sizeof(sock_filter));
      if (pread(mfd, prog->data(), prog->size() * sizeof(sock_filter), 0) !=
          static_cast<ssize_t>(prog->size() * sizeof(sock_filter))) {
        err = "reading the exported filter failed";
      }
    }
    close(mfd);
  }
  seccomp_release(ctx);
  return err;
}

// Sends `text` and (if >= 0) `fd` in one message, as runc's SendFds does.
bool SendState(const std::string& path, const std::string& text, int fd) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(s);
    return false;
  }
  iovec iov = {const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  bool ok = sendmsg(s, &msg, 0) == static_cast<ssize_t>(text.size());
  close(s);
  return ok;
}

std::string StateJson(int pid) {
  return R"({"ociVersion":"1.0.2","fds":["seccompFd"],"pid":)" + std::to_string(pid) +
         R"(,"metadata":"","state":{"ociVersion":"1.0.2","id":"t","status":"creating","pid":)" +
         std::to_string(pid) + R"(,"bundle":"/x"}})";
}

std::string SkipReason() {
  Status s = CheckSeccompNotify();
  if (!s.ok()) return s.ToString();
  int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open /proc/self/mem";
  close(fd);
  return "";
}

std::string ListenerPath() { return testing::TempDir() + "/seccomp.sock"; }

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::string RealPath(const std::string& p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) != nullptr ? std::string(buf) : p;
}

TEST(MonitorTest, EndToEndWithoutRuntime) {
  std::string skip = SkipReason();
  if (!skip.empty()) GTEST_SKIP() << skip;

  // Everything the child uses is prepared here: after fork it only makes
  // raw syscalls.
  std::vector<sock_filter> bpf;
  std::string path = ListenerPath();
  Json config = SeccompNotifyConfig(path);
  std::string err = BuildBpf(config, &bpf);
  ASSERT_EQ(err, "") << config.dump();
  sock_fprog prog = {static_cast<unsigned short>(bpf.size()), bpf.data()};

  std::string dir = RealPath(testing::TempDir());
  std::string out = dir + "/out.txt", a = dir + "/a", b = dir + "/b", suid = dir + "/suid";
  for (const std::string& f : {a, suid}) {
    int fd = open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  int dirfd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dirfd, 0);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(devnull, 0);

  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in any = Loopback(0);
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
  ASSERT_EQ(listen(server, 4), 0);
  socklen_t len = sizeof(any);
  ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr*>(&any), &len), 0);
  int tcp_port = ntohs(any.sin_port);
  sockaddr_in tcp_dst = Loopback(tcp_port);
  sockaddr_in udp_dst = Loopback(9999);
  sockaddr_in msg_dst = Loopback(9998);
  char payload[] = "x";
  iovec iov = {payload, 1};
  msghdr udp_msg{};
  udp_msg.msg_name = &msg_dst;
  udp_msg.msg_namelen = sizeof(msg_dst);
  udp_msg.msg_iov = &iov;
  udp_msg.msg_iovlen = 1;
  const char* argv[] = {"true", "arg1", nullptr};
  const char* envp[] = {nullptr};

  std::atomic<int> seen{0};
  MonitorOptions options;
  options.t0 = std::chrono::steady_clock::now();
  options.on_event = [&seen](const model::BehaviorEvent&) { ++seen; };
  auto monitor = Monitor::Start(path, options);
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: raw syscalls only; the exit code names the step that failed.
    if (dup2(devnull, 0) < 0) _exit(2);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
    long nfd =
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (nfd < 0) _exit(4);
    int n = static_cast<int>(nfd);
    if (write(pipefd[1], &n, sizeof(n)) != sizeof(n)) _exit(5);
    // From here each listed syscall waits for the monitor.
    long fd = syscall(SYS_openat, AT_FDCWD, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(10);
    close(static_cast<int>(fd));
    fd = syscall(SYS_openat, dirfd, "rel.txt", O_RDWR | O_CREAT, 0600);
    if (fd < 0) _exit(11);
    close(static_cast<int>(fd));
    fd = syscall(SYS_openat, AT_FDCWD, out.c_str(), O_RDONLY);  // no event
    if (fd < 0) _exit(12);
    close(static_cast<int>(fd));
    if (syscall(SYS_renameat, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str()) != 0) _exit(13);
    if (syscall(SYS_unlinkat, AT_FDCWD, b.c_str(), 0) != 0) _exit(14);
    if (syscall(SYS_fchmodat, AT_FDCWD, suid.c_str(), 04755) != 0) _exit(15);
    if (syscall(SYS_fchmodat, AT_FDCWD, suid.c_str(), 0644) != 0) _exit(16);  // no event
    if (syscall(SYS_memfd_create, "payload", MFD_CLOEXEC) < 0) _exit(17);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    if (tcp < 0) _exit(18);
    if (syscall(SYS_connect, tcp, &tcp_dst, sizeof(tcp_dst)) != 0) _exit(19);
    if (syscall(SYS_sendto, tcp, payload, 1, 0, nullptr, 0) != 1) _exit(20);  // no event
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (udp < 0) _exit(21);
    if (syscall(SYS_sendto, udp, payload, 1, 0, &udp_dst, sizeof(udp_dst)) != 1) _exit(22);
    if (syscall(SYS_sendmsg, udp, &udp_msg, 0) != 1) _exit(23);
    long pid = syscall(SYS_clone, SIGCHLD, 0, nullptr, nullptr, 0);
    if (pid == 0) syscall(SYS_exit_group, 0);
    if (pid < 0) _exit(24);
    int status = 0;
    if (waitpid(static_cast<pid_t>(pid), &status, 0) != pid || status != 0) _exit(25);
    syscall(SYS_execve, "/bin/true", argv, envp);
    _exit(99);
  }
  close(pipefd[1]);

  // The runtime's part: fetch the notify fd and hand it over.
  int child_fd = -1;
  pollfd pfd = {pipefd[0], POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 10000), 1);
  ASSERT_EQ(read(pipefd[0], &child_fd, sizeof(child_fd)), static_cast<ssize_t>(sizeof(child_fd)));
  close(pipefd[0]);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(pidfd, 0);
  int notify = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, child_fd, 0));
  ASSERT_GE(notify, 0) << strerror(errno);
  close(pidfd);
  ASSERT_TRUE(SendState(path, StateJson(child), notify));
  close(notify);
  EXPECT_TRUE((*monitor)->WaitAttached(5s));
  EXPECT_EQ((*monitor)->container_pid(), child);

  int status = -1;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      ADD_FAILURE() << "child hung";
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  uint64_t dropped = 7;
  std::vector<model::BehaviorEvent> events = (*monitor)->Stop(&dropped);
  close(server);
  close(dirfd);
  close(devnull);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child step failed";
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(access(path.c_str(), F_OK), -1);  // the socket file is removed

  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.syscall);
  ASSERT_EQ(names, (std::vector<std::string>{"openat", "openat", "renameat", "unlinkat", "fchmodat",
                                             "memfd_create", "connect", "sendto", "sendmsg",
                                             "clone", "execve"}));
  EXPECT_EQ(seen.load(), static_cast<int>(events.size()));
  double last_t = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.pid, child) << e.syscall;
    EXPECT_FALSE(e.comm.empty()) << e.syscall;
    EXPECT_EQ(e.error, "") << e.syscall;
    EXPECT_FALSE(e.truncated) << e.syscall;
    EXPECT_GE(e.t_ms, last_t);
    last_t = e.t_ms;
  }
  EXPECT_EQ(events[0].path, out);
  EXPECT_EQ(events[0].flags, static_cast<uint64_t>(O_WRONLY | O_CREAT | O_TRUNC));
  EXPECT_EQ(events[0].mode, 0644u);
  EXPECT_EQ(events[1].path, dir + "/rel.txt");  // relative to the dirfd
  EXPECT_EQ(events[1].flags, static_cast<uint64_t>(O_RDWR | O_CREAT));
  EXPECT_EQ(events[1].mode, 0600u);
  EXPECT_EQ(events[2].path, a);
  EXPECT_EQ(events[2].path2, b);
  EXPECT_EQ(events[3].path, b);
  EXPECT_EQ(events[4].path, suid);
  EXPECT_EQ(events[4].mode, 04755u);
  EXPECT_EQ(events[5].path, "memfd:payload");
  EXPECT_EQ(events[5].flags, static_cast<uint64_t>(MFD_CLOEXEC));
  EXPECT_EQ(events[6].address, "127.0.0.1");
  EXPECT_EQ(events[6].port, tcp_port);
  EXPECT_EQ(events[6].socket, "tcp");
  EXPECT_GE(events[6].fd, 3);
  EXPECT_NE(events[6].socket_inode, 0u);
  EXPECT_EQ(events[7].address, "127.0.0.1");
  EXPECT_EQ(events[7].port, 9999);
  EXPECT_EQ(events[7].socket, "udp");
  EXPECT_EQ(events[8].address, "127.0.0.1");
  EXPECT_EQ(events[8].port, 9998);
  EXPECT_EQ(events[8].socket, "udp");
  EXPECT_EQ(events[8].fd, events[7].fd);
  EXPECT_EQ(events[9].flags, static_cast<uint64_t>(SIGCHLD));
  EXPECT_EQ(events[10].path, "/bin/true");
  EXPECT_EQ(events[10].argv, (std::vector<std::string>{"true", "arg1"}));
  ASSERT_EQ(events[10].stdio.size(), 3u);
  EXPECT_EQ(events[10].stdio[0], "/dev/null");
}

TEST(MonitorTest, StopWithoutConnection) {
  std::string skip = SkipReason();
  if (!skip.empty()) GTEST_SKIP() << skip;
  std::string path = ListenerPath();
  auto monitor = Monitor::Start(path, MonitorOptions{});
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  EXPECT_FALSE((*monitor)->attached());
  EXPECT_FALSE((*monitor)->WaitAttached(50ms));
  EXPECT_EQ((*monitor)->container_pid(), 0);
  auto start = std::chrono::steady_clock::now();
  uint64_t dropped = 7;
  EXPECT_TRUE((*monitor)->Stop(&dropped).empty());
  EXPECT_EQ(dropped, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(access(path.c_str(), F_OK), -1);
  EXPECT_TRUE((*monitor)->Stop().empty());  // again: no-op
}

TEST(MonitorTest, ListenerPathMustNotExist) {
  std::string skip = SkipReason();
  if (!skip.empty()) GTEST_SKIP() << skip;
  std::string path = ListenerPath();
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  auto monitor = Monitor::Start(path, MonitorOptions{});
  ASSERT_FALSE(monitor.ok());
  EXPECT_NE(monitor.status().message().find("already exists"), std::string::npos);
  unlink(path.c_str());
}

TEST(MonitorTest, RejectsStateWithoutSeccompFd) {
  std::string skip = SkipReason();
  if (!skip.empty()) GTEST_SKIP() << skip;
  std::string path = ListenerPath();
  auto monitor = Monitor::Start(path, MonitorOptions{});
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  // No fd at all.
  ASSERT_TRUE(SendState(path, StateJson(1234), -1));
  EXPECT_FALSE((*monitor)->WaitAttached(300ms));
  // An fd that is not a seccomp notify fd.
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  ASSERT_TRUE(SendState(path, StateJson(1234), pipefd[0]));
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_FALSE((*monitor)->WaitAttached(300ms));
  // Not JSON.
  ASSERT_TRUE(SendState(path, "\x01garbage", -1));
  EXPECT_FALSE((*monitor)->WaitAttached(300ms));
  EXPECT_FALSE((*monitor)->attached());
  EXPECT_EQ((*monitor)->container_pid(), 0);
  EXPECT_TRUE((*monitor)->Stop().empty());
}

}  // namespace
}  // namespace customs::sandbox
