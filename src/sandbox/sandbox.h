// Running an image sealed and recording what it does (`customs sandbox`,
// `customs scan --scanners ...,behavior`).
//
//   1. the image's layers are written, verified, into a private bundle
//      (rootfs.h) with ownership shifted into a user namespace range of its
//      own, or into the unpacked-layer cache (rootfs_cache.h), where the
//      next run of the same layers finds them;
//   2. a reaper process is started first: if customs dies, it kills the
//      container and removes the bundle;
//   3. the OCI runtime (runc) creates the container in new user, mount, pid,
//      ipc, uts, net and cgroup namespaces with a read-only root, tmpfs for
//      writes, default capabilities, CPU, memory and pids limits, and the
//      seccomp notify listener (monitor.h);
//   4. the network sinkhole (sinkhole.h) takes over the container's network
//      namespace before the entrypoint starts;
//   5. the container runs until it exits or the timeout, then every process
//      in it is killed, usage read from its cgroup, the container deleted and
//      the bundle removed (a cache entry stays); the events become verdicts
//      (verdict.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "image/registry.h"
#include "image/source.h"
#include "model/behavior.h"
#include "model/detection.h"
#include "model/scan_result.h"
#include "sandbox/rootfs.h"
#include "sandbox/rootfs_cache.h"
#include "sandbox/runtime_config.h"

namespace customs::sandbox {

struct SandboxOptions {
  std::string runtime = "runc";               // a name looked up in PATH, or a path (crun, runsc)
  std::chrono::milliseconds timeout{30'000};  // from the entrypoint's start
  ProcessOverrides process;
  RuntimeLimits limits;
  image::PlatformRequest platform;
  Limits image_limits;
  image::RegistryOptions registry;
  std::string work_dir;  // where the bundle goes; "" for $TMPDIR or /tmp
  // The unpacked-layer cache (rootfs_cache.h): "" writes the root
  // filesystem into the private bundle every run, removed after it (the
  // CLI's --no-rootfs-cache); the CLI's default is kDefaultRootfsCacheDir.
  // Images from a rootfs:DIR source are never cached.
  std::string rootfs_cache_dir;
  uint64_t rootfs_cache_entries = 4;
  uint64_t rootfs_cache_bytes = uint64_t{4} << 30;
  // Without the seccomp monitor there is no timeline and no verdict: for
  // measuring the monitor's cost only.
  bool monitor = true;
  // The customs executable, run as the reaper ("customs __sandbox-reaper");
  // "" runs without one (tests that drive the library in-process).
  std::string reaper_exe;
  // When the command started: times in the report count from here.
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
};

struct SandboxRun {
  model::ImageInfo image;
  model::BehaviorReport report;
  std::vector<model::Detection> detections;
  RootfsStats rootfs;
};

// What the host must offer, checked before anything is written: root, the
// runtime (runc >= 1.1 for seccomp notify), user namespaces, seccomp user
// notification, a real /dev/null. Unavailable with what is missing.
// Returns the runtime's path and version line.
struct RuntimeInfo {
  std::string path;
  std::string name;     // "runc"
  std::string version;  // "1.1.5"
};
Result<RuntimeInfo> CheckSandboxHost(const std::string& runtime);

// Runs the first image `image_arg` names (any form ParseImageSpec accepts)
// in the sandbox and judges what it did.
Result<SandboxRun> RunSandbox(const std::string& image_arg, const SandboxOptions& options);

// The reaper: `customs __sandbox-reaper RUNTIME STATE_DIR ID BUNDLE_DIR`,
// started by RunSandbox with a pipe on stdin. It leaves the process group,
// ignores terminal signals and waits for lines: "run MS" when the container
// starts (past MS it kills the container itself), "done" ends it; end of
// file (customs died) makes it kill and delete the container and remove the
// bundle (never a cache entry). Returns the exit code.
int RunReaper(const std::vector<std::string>& args);
inline constexpr std::string_view kReaperCommand = "__sandbox-reaper";

}  // namespace customs::sandbox
