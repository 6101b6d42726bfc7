// What an image did when it ran in the sandbox: the syscalls the seccomp
// monitor saw, the DNS queries and connections the sinkhole took, resource
// use, and how it ended. Verdicts drawn from it are ordinary Detections.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace customs::model {

// One syscall a sandboxed process made, decoded by the monitor before the
// kernel ran it (so a connect is an attempt, an open for write may still
// fail with EROFS).
struct BehaviorEvent {
  double t_ms = 0;      // since the sandbox command started
  int pid = 0;          // host pid of the caller
  std::string comm;     // its /proc/PID/comm when the event was read
  std::string syscall;  // "execve", "connect", "openat", ...
  // execve/execveat: the program; open/creat/unlink/chmod: the file;
  // rename: the source; mount: the target; memfd_create: the name.
  std::string path;
  std::string path2;              // rename: the destination; mount: the source
  std::vector<std::string> argv;  // execve/execveat
  // connect/sendto/sendmsg/bind: "1.2.3.4", "::1", or a unix socket path.
  std::string address;
  int port = 0;
  std::string socket;         // "tcp", "udp", "raw", "unix" or "" when unknown
  uint64_t flags = 0;         // open, clone, memfd_create and mount flags; ptrace request
  uint32_t mode = 0;          // chmod mode, open/creat mode
  int fd = -1;                // the socket (connect, bind, ...) or execveat's dirfd
  uint64_t socket_inode = 0;  // connect: the socket's inode
  // execve/execveat: what the caller's fds 0, 1 and 2 were
  // ("socket:[123]", "pipe:[45]", "/dev/null").
  std::vector<std::string> stdio;
  bool truncated = false;  // a string or list was cut at its bound
  std::string error;       // an argument that could not be read, and why
};

// The inode of a socket fd's target as /proc/PID/fd shows it
// ("socket:[12345]" -> 12345); 0 for anything else.
inline uint64_t SocketInode(std::string_view fd_target) {
  if (fd_target.size() < 10 || fd_target.substr(0, 8) != "socket:[" || fd_target.back() != ']')
    return 0;
  uint64_t v = 0;
  for (char c : fd_target.substr(8, fd_target.size() - 9)) {
    if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// A DNS query the sinkhole answered.
struct DnsQueryRecord {
  double t_ms = 0;
  std::string name;    // lower case, no trailing dot
  std::string type;    // "A", "AAAA", "TXT", or the number
  std::string answer;  // the loopback address given for an A query, else ""
};

// A connection (TCP) or datagram flow (UDP) the sinkhole accepted.
struct SinkholeRecord {
  double t_ms = 0;
  std::string protocol;  // "tcp" or "udp"
  std::string address;   // the destination the program used
  int port = 0;
  std::string name;         // the DNS name the sinkhole gave this address for
  std::string first_bytes;  // what the program sent first (bounded), raw
  uint64_t bytes = 0;       // all it sent
  bool answered = false;    // the sinkhole replied (an HTTP request)
};

struct BehaviorReport {
  std::string runtime;               // "runc 1.1.5"
  std::vector<std::string> command;  // the argv run
  double first_exec_ms = -1;         // the entrypoint's execve, since command start
  double wall_ms = 0;
  int exit_code = -1;  // -1 when killed
  int signal = 0;
  bool timed_out = false;
  double cpu_ms = -1;              // total CPU time of the container; -1 unknown
  int64_t peak_memory_bytes = -1;  // -1 unknown
  std::vector<BehaviorEvent> events;
  std::vector<DnsQueryRecord> dns;
  std::vector<SinkholeRecord> connections;
  uint64_t events_dropped = 0;     // over the event bound
  std::string output;              // the container's stdout and stderr, head only
  std::vector<std::string> notes;  // what could not be observed, and why
};

}  // namespace customs::model
