// Child processes: an owned file descriptor, and running a program with
// bounded output and a deadline. Impure: these fork and exec.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace customs {

// A file descriptor closed when it goes out of scope.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Close(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Close() { Reset(); }
  // Closes the fd held, then holds `fd`.
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A pipe, both ends close-on-exec.
Status MakePipe(UniqueFd& read_end, UniqueFd& write_end);

// The first executable file `name` in the colon-separated `dirs` (empty
// entries, the current directory, are skipped); a name with a '/' is
// checked as it is.
std::optional<std::string> FindExecutable(const std::string& name, std::string_view dirs);
// FindExecutable over $PATH (or /usr/local/bin:/usr/bin:/bin without one).
std::optional<std::string> FindInPath(const std::string& name);

// Starts argv[0] (a path) with argv, the fds given as its stdin, stdout and
// stderr (-1: /dev/null), in a process group of its own, with default signal
// handling and an empty signal mask. Returns its pid; the caller waits.
Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, int in, int out, int err);

struct ProcessOptions {
  std::string input;  // written to stdin before the program starts reading
  std::chrono::milliseconds timeout{10'000};
  size_t max_output = size_t{1} << 20;  // stdout and stderr each
  std::string label;                    // names the program in errors
};

struct ProcessRun {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with argv in a process group of its own, default
// signal handling, stdin from `input`; collects stdout and stderr. Over the
// deadline or the output bound the whole group is killed and the run fails
// (Unavailable, ResourceExhausted).
Result<ProcessRun> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options);

}  // namespace customs
