#include "base/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/strings.h"

extern char** environ;

namespace customs {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    Close();
    fd_ = o.Release();
  }
  return *this;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Internal(std::string("pipe2 failed: ") + std::strerror(errno));
  read_end = UniqueFd(fds[0]);
  write_end = UniqueFd(fds[1]);
  return Status::Ok();
}

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> FindExecutable(const std::string& name, std::string_view dirs) {
  if (name.find('/') != std::string::npos)
    return IsExecutableFile(name) ? std::optional<std::string>(name) : std::nullopt;
  for (std::string_view dir : Split(dirs, ':')) {
    if (dir.empty()) continue;
    std::string path = std::string(dir) + "/" + name;
    if (IsExecutableFile(path)) return path;
  }
  return std::nullopt;
}

std::optional<std::string> FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  return FindExecutable(name, path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
}

Result<pid_t> SpawnProcess(const std::vector<std::string>& argv, int in, int out, int err) {
  if (argv.empty()) return InvalidArgument("SpawnProcess: no program");
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  const std::array<int, 3> fds = {in, out, err};
  for (int target = 0; target < 3; ++target) {
    if (fds[target] >= 0)
      posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    else
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null",
                                       target == 0 ? O_RDONLY : O_WRONLY, 0);
  }
  // Its own process group, so that killing it kills whatever it started;
  // default signal handling and an empty mask whatever ours are.
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigemptyset(&default_signals);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&default_signals, s);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, args[0].c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Unavailable("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

Result<ProcessRun> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) return InvalidArgument("RunProcess: no program");
  const std::string label = options.label.empty() ? argv[0] : options.label;
  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
  CUSTOMS_TRY(MakePipe(in_r, in_w));
  CUSTOMS_TRY(MakePipe(out_r, out_w));
  CUSTOMS_TRY(MakePipe(err_r, err_w));

  CUSTOMS_ASSIGN_OR_RETURN(pid_t pid, SpawnProcess(argv, in_r.get(), out_w.get(), err_w.get()),
                           label);
  in_r.Close();
  out_w.Close();
  err_w.Close();

  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto kill_and_reap = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  };
  auto timed_out = [&] {
    kill_and_reap();
    int64_t ms = options.timeout.count();
    return Unavailable(
        label + " timed out after " +
        (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
        " and was killed");
  };
  // stdin is written as the program reads it: a program that exits without
  // reading does not block us, and a closed pipe is EPIPE, not SIGPIPE
  // (the signal is blocked for this thread while writing).
  size_t written = 0;
  if (options.input.empty()) in_w.Close();
  if (in_w.valid()) ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  ProcessRun run;
  std::array<char, 4096> buf;
  while (out_r.valid() || err_r.valid()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return timed_out();
    std::array<pollfd, 3> fds = {pollfd{out_r.get(), POLLIN, 0}, pollfd{err_r.get(), POLLIN, 0},
                                 pollfd{in_w.get(), POLLOUT, 0}};
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      kill_and_reap();
      return Internal(label + ": poll failed: " + std::strerror(errno));
    }
    if (fds[2].revents != 0) {
      sigset_t pipe_set, old_set;
      sigemptyset(&pipe_set);
      sigaddset(&pipe_set, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
      ssize_t w =
          ::write(in_w.get(), options.input.data() + written, options.input.size() - written);
      if (w < 0 && errno == EPIPE) {
        // Drop the pending SIGPIPE so unblocking does not deliver it.
        timespec zero{0, 0};
        sigtimedwait(&pipe_set, nullptr, &zero);
      }
      pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
      if (w > 0) written += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size())
        in_w.Close();
    }
    for (size_t i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      UniqueFd& fd = i == 0 ? out_r : err_r;
      std::string& sink = i == 0 ? run.out : run.err;
      ssize_t got = ::read(fd.get(), buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fd.Close();
        continue;
      }
      if (static_cast<size_t>(got) > options.max_output - sink.size()) {
        kill_and_reap();
        return ResourceExhausted(label + " printed more than " +
                                 std::to_string(options.max_output) + " bytes");
      }
      sink.append(buf.data(), static_cast<size_t>(got));
    }
  }
  in_w.Close();
  // Both pipes are closed; the program may still be exiting.
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Internal(label + ": waitpid failed");
    if (std::chrono::steady_clock::now() >= deadline) return timed_out();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.signal = WTERMSIG(status);
  }
  return run;
}

}  // namespace customs
