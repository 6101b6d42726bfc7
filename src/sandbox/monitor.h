// Watching a sandboxed container through seccomp user notification.
//
// The OCI runtime config asks for SCMP_ACT_NOTIFY on the syscalls listed in
// SeccompNotifyConfig and names a unix socket as linux.seccomp.listenerPath;
// the runtime (runc >= 1.1, crun >= 0.19) connects to it once the filter is
// loaded and sends the container state JSON with the notify fd
// (SCM_RIGHTS). From then on each of those syscalls waits until the monitor
// has read its arguments (from /proc/PID/mem, bounded, then checked with
// SECCOMP_IOCTL_NOTIF_ID_VALID) and answered CONTINUE. The notification is
// for observation only: a process can change pointed-to arguments after they
// were read, so isolation comes from the namespaces, never from this.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/behavior.h"

namespace customs::sandbox {

// The linux.seccomp object of the runtime config: default allow; notify for
// execve/execveat, connect/sendto (with an address)/sendmsg, bind/listen,
// open/openat/openat2 with a write or create flag, creat, unlink/unlinkat,
// rename/renameat/renameat2, chmod/fchmod/fchmodat to a setuid or setgid
// mode, ptrace, mount, memfd_create, and process creation
// (fork/vfork/clone without CLONE_THREAD/clone3), for the native
// architecture and its compat ones.
Json SeccompNotifyConfig(const std::string& listener_path);

// OK when this kernel supports seccomp user notification with
// SECCOMP_USER_NOTIF_FLAG_CONTINUE; else Unavailable saying what is missing.
Status CheckSeccompNotify();

struct MonitorOptions {
  std::chrono::steady_clock::time_point t0;  // event times count from here
  size_t max_events = 100'000;               // later ones are counted, not kept
  size_t max_string_bytes = 4096;            // one path or argv string
  size_t max_argv = 64;                      // argv entries kept
  // Runs on the monitor thread for every event, before the syscall is let
  // go (the sinkhole opens a listener for a connect's port here). Must be
  // quick.
  std::function<void(const model::BehaviorEvent&)> on_event;
};

class Monitor {
 public:
  // Listens on a new unix socket at `listener_path` (mode 0600; the
  // directory must exist) and starts the monitor thread, which accepts the
  // runtime's connection and then answers notifications until Stop.
  static Result<std::unique_ptr<Monitor>> Start(const std::string& listener_path,
                                                MonitorOptions options);
  ~Monitor();  // stops
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Whether the runtime has handed over the notify fd.
  bool attached() const;
  // Waits up to `timeout` for attached().
  bool WaitAttached(std::chrono::milliseconds timeout) const;
  // The container init's pid as the runtime's state message gave it (0
  // before attached()).
  int container_pid() const;

  // Stops the thread and closes the notify fd (syscalls still waiting then
  // fail with ENOSYS; the container is being killed anyway) and returns the
  // events in the order they were seen. `dropped` gets the number over
  // max_events.
  std::vector<model::BehaviorEvent> Stop(uint64_t* dropped = nullptr);

 private:
  struct State;
  explicit Monitor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace customs::sandbox
