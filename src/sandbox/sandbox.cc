#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "base/file.h"
#include "base/process.h"
#include "base/strings.h"
#include "layer/walker.h"
#include "sandbox/monitor.h"
#include "sandbox/rootfs_cache.h"
#include "sandbox/sinkhole.h"
#include "sandbox/verdict.h"

namespace customs::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOutputBytes = 64 << 10;                // container stdout+stderr kept
constexpr auto kRuntimeTimeout = std::chrono::seconds(60);  // create, kill, delete
constexpr uint32_t kIdCount = 65536;
// Host ids of the sandbox's user namespace: a block of 65536 ids of its own
// per run, far above any real user, chosen at random so that runs at the
// same time cannot touch each other's files.
constexpr uint32_t kUidBaseFirst = 1'000'000'000;
constexpr uint32_t kUidBaseSlots = 32'768;

double MsSince(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

// Waits for `pid` until `deadline`; the wait status, or nullopt at the
// deadline.
std::optional<int> WaitUntil(pid_t pid, Clock::time_point deadline) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (pidfd >= 0) ::close(pidfd);
      return status;
    }
    if (r < 0 && errno == ECHILD) {
      // Not our child (a runtime whose init we did not inherit): it has
      // ended when its pidfd is readable or the pid is gone; the status is
      // not ours to know.
      pollfd p{pidfd, POLLIN, 0};
      bool ended = pidfd >= 0 ? ::poll(&p, 1, 0) > 0 : ::kill(pid, 0) != 0 && errno == ESRCH;
      if (ended) {
        if (pidfd >= 0) ::close(pidfd);
        return 0;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      if (pidfd >= 0) ::close(pidfd);
      return std::nullopt;
    }
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 200));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, wait_ms);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 10)));
    }
  }
}

// The runtime's command line with its state directory.
std::vector<std::string> RuntimeArgs(const std::string& runtime, const std::string& state,
                                     std::initializer_list<std::string> rest) {
  std::vector<std::string> argv = {runtime, "--root", state};
  argv.insert(argv.end(), rest);
  return argv;
}

Result<ProcessRun> RunRuntime(const std::string& runtime, const std::string& state,
                              std::initializer_list<std::string> rest) {
  ProcessOptions options;
  options.timeout = kRuntimeTimeout;
  options.label = runtime;
  return RunProcess(RuntimeArgs(runtime, state, rest), options);
}

// Kills every process of the container and deletes it; errors are not
// interesting here (it may be gone already).
void KillAndDelete(const std::string& runtime, const std::string& state, const std::string& id) {
  (void)RunRuntime(runtime, state, {"kill", "--all", id, "KILL"});
  (void)RunRuntime(runtime, state, {"delete", "--force", id});  // runc delete
}

// The last "msg" of a runc JSON log, or its last line.
std::string RuntimeLogError(const std::string& log_path) {
  auto text = ReadFile(log_path, 1 << 20);
  if (!text.ok()) return "";
  std::string last;
  for (std::string_view line : SplitLines(*text)) {
    auto doc = ParseJson(line, "runtime log");
    if (doc.ok() && doc->is_object()) {
      std::string level = JsonString(*doc, "level");
      if (level == "error" || level == "fatal") last = JsonString(*doc, "msg");
    } else if (!Trim(line).empty()) {
      last = std::string(Trim(line));
    }
  }
  return Printable(last, 400);
}

// Container CPU time and peak memory from its cgroup (v2 or v1).
void ReadUsage(const std::string& cgroups_path, model::BehaviorReport& report) {
  auto read_number = [](const std::string& path, std::string_view key) -> int64_t {
    auto text = ReadFile(path, 64 << 10);
    if (!text.ok()) return -1;
    for (std::string_view line : SplitLines(*text)) {
      std::string_view value = line;
      if (!key.empty()) {
        if (line.substr(0, key.size() + 1) != std::string(key) + " ") continue;
        value = line.substr(key.size() + 1);
      }
      value = Trim(value);
      int64_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
      }
      return v;
    }
    return -1;
  };
  struct stat st {};
  if (::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
    std::string dir = "/sys/fs/cgroup" + cgroups_path;
    int64_t usec = read_number(dir + "/cpu.stat", "usage_usec");
    if (usec >= 0) report.cpu_ms = static_cast<double>(usec) / 1000.0;
    report.peak_memory_bytes = read_number(dir + "/memory.peak", "");
  } else {
    int64_t ns = read_number("/sys/fs/cgroup/cpuacct" + cgroups_path + "/cpuacct.usage", "");
    if (ns >= 0) report.cpu_ms = static_cast<double>(ns) / 1e6;
    report.peak_memory_bytes =
        read_number("/sys/fs/cgroup/memory" + cgroups_path + "/memory.max_usage_in_bytes", "");
  }
  if (report.cpu_ms < 0) report.notes.push_back("CPU time not readable from the cgroup");
  if (report.peak_memory_bytes < 0)
    report.notes.push_back("peak memory not readable from the cgroup");
}

// Collects what the container writes on stdout and stderr (one pipe),
// keeping the head.
class OutputCollector {
 public:
  explicit OutputCollector(UniqueFd read_end) : fd_(std::move(read_end)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~OutputCollector() { Finish(std::chrono::milliseconds(0)); }
  // Waits up to `grace` for the writers to close, then stops reading.
  std::string Finish(std::chrono::milliseconds grace) {
    if (thread_.joinable()) {
      deadline_ = Clock::now() + grace;
      stop_ = true;
      thread_.join();
    }
    return out_;
  }

 private:
  void Run() {
    std::array<char, 16384> buf;
    while (true) {
      if (stop_ && Clock::now() >= deadline_) break;
      pollfd p{fd_.get(), POLLIN, 0};
      int n = ::poll(&p, 1, 50);
      if (n < 0 && errno != EINTR) break;
      if (n <= 0) continue;
      ssize_t got = ::read(fd_.get(), buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      size_t keep = std::min(static_cast<size_t>(got), kMaxOutputBytes - out_.size());
      out_.append(buf.data(), keep);
    }
  }
  UniqueFd fd_;
  std::string out_;
  std::atomic<bool> stop_{false};
  Clock::time_point deadline_ = Clock::time_point::max();  // written before stop_
  std::thread thread_;
};

// The reaper process: started first, told "done" last.
class Reaper {
 public:
  static Result<Reaper> Start(const std::string& exe, const std::string& runtime,
                              const std::string& state, const std::string& id,
                              const std::string& bundle) {
    UniqueFd r, w;
    CUSTOMS_TRY(MakePipe(r, w));
    CUSTOMS_ASSIGN_OR_RETURN(
        pid_t pid, SpawnProcess({exe, std::string(kReaperCommand), runtime, state, id, bundle},
                                r.get(), -1, 2));
    Reaper reaper;
    reaper.pid_ = pid;
    reaper.pipe_ = std::move(w);
    return reaper;
  }
  // The container is starting: if customs is still there after `limit`,
  // the reaper stops the container itself.
  void Running(std::chrono::milliseconds limit) {
    std::string line = "run " + std::to_string(limit.count()) + "\n";
    if (pipe_.valid()) (void)!::write(pipe_.get(), line.data(), line.size());
  }
  // Cleanup is done: the reaper exits without touching anything.
  void Done() {
    if (!pipe_.valid()) return;
    (void)!::write(pipe_.get(), "done\n", 5);
    pipe_.Close();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

 private:
  pid_t pid_ = -1;
  UniqueFd pipe_;
};

std::string TempBase(const std::string& work_dir) {
  if (!work_dir.empty()) return work_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp";
}

Status ExtractImage(image::ImageSource& source, const image::ResolvedImage& img,
                    RootfsWriter& rootfs, const Limits& limits) {
  if (!source.RootDirectory().empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(auto reader,
                             layer::DirectoryEntryReader::Open(source.RootDirectory(), limits));
    return rootfs.ApplyLayer(*reader, "rootfs " + source.RootDirectory());
  }
  for (size_t i = 0; i < img.layers.size(); ++i) {
    std::string what = "layer " + std::to_string(i + 1) + " (" + img.layers[i].location + ")";
    CUSTOMS_ASSIGN_OR_RETURN(auto blob, source.OpenLayerBlob(img, i));
    CUSTOMS_ASSIGN_OR_RETURN(auto tar,
                             image::OpenLayerTar(std::move(blob), img.layers[i], what, limits));
    layer::TarEntryReader entries(*tar, limits, what);
    CUSTOMS_TRY(rootfs.ApplyLayer(entries, what));
  }
  return Status::Ok();
}

// The cache key of the image's layers; "" when it cannot be cached (a
// rootfs:DIR source, a layer without a diff_id).
std::string CacheKey(const image::ImageSource& source, const image::ResolvedImage& img) {
  if (!source.RootDirectory().empty() || img.layers.empty()) return "";
  std::vector<Digest> diff_ids;
  for (const auto& layer : img.layers) {
    if (layer.diff_id.empty()) return "";
    diff_ids.push_back(layer.diff_id);
  }
  return RootfsCacheKey(diff_ids);
}

// What the runtime mounts over in the root filesystem (from the config it
// will get) and the image's working directory, which the runtime creates
// when missing: made in a cache entry beforehand, so that a run writes
// nothing into the shared tree.
std::vector<MountTarget> RunTargets(const model::RunConfig& image) {
  RuntimeConfigOptions probe;
  probe.rootfs = "/";
  probe.resolv_conf = "/resolv.conf";
  probe.hosts = "/hosts";
  std::vector<MountTarget> targets = MountTargets(BuildRuntimeConfig(ProcessSpec{}, probe));
  std::string cwd = image.working_dir.empty() ? "/" : image.working_dir;
  if (cwd != "/") targets.push_back({cwd[0] == '/' ? cwd : "/" + cwd, false});
  return targets;
}

// Everything a run created, undone in reverse order whatever happens.
struct RunState {
  std::string runtime;
  std::string state_dir;
  std::string id;
  std::string bundle;
  bool created = false;
  std::optional<Reaper> reaper;

  ~RunState() {
    if (created) KillAndDelete(runtime, state_dir, id);
    if (!bundle.empty()) (void)RemoveTree(bundle);
    if (reaper) reaper->Done();
  }
};

}  // namespace

Result<RuntimeInfo> CheckSandboxHost(const std::string& runtime) {
  if (::geteuid() != 0)
    return Unavailable(
        "customs sandbox needs root: it maps the container into a user namespace range of its "
        "own and sets cgroup limits (rootless runs are not supported yet)");
  RuntimeInfo info;
  auto path = FindInPath(runtime);
  if (!path)
    return Unavailable("the OCI runtime \"" + Printable(runtime) +
                       "\" was not found (install Debian's runc, or give --runtime PATH)");
  info.path = *path;
  ProcessOptions options;
  options.timeout = std::chrono::seconds(10);
  CUSTOMS_ASSIGN_OR_RETURN(ProcessRun run, RunProcess({info.path, "--version"}, options));
  if (run.exit_code != 0)
    return Unavailable(info.path + " --version failed: " + Printable(run.err + run.out));
  // "runc version 1.1.5+ds1", "crun version 1.8.1", "runsc version release-..."
  std::string first(Trim(SplitLines(run.out).empty() ? "" : SplitLines(run.out)[0]));
  auto words = Split(first, ' ');
  info.name = words.empty() ? runtime : std::string(words[0]);
  info.version = words.size() >= 3 ? std::string(words[2]) : first;
  if (info.name == "runc") {
    int major = 0, minor = 0;
    if (std::sscanf(info.version.c_str(), "%d.%d", &major, &minor) == 2 &&
        (major < 1 || (major == 1 && minor < 1)))
      return Unavailable("runc " + info.version +
                         " cannot hand over a seccomp notify fd (linux.seccomp.listenerPath): "
                         "runc 1.1 or later is needed");
  }
  auto max_userns = ReadFile("/proc/sys/user/max_user_namespaces", 64);
  if (max_userns.ok() && Trim(*max_userns) == "0")
    return Unavailable("user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)");
  CUSTOMS_TRY(CheckSeccompNotify());
  struct stat st {};
  if (::stat("/dev/null", &st) != 0 || !S_ISCHR(st.st_mode))
    return Unavailable(
        "/dev/null on this host is not a character device: the runtime would share it with the "
        "container as a writable file and swallow its output; recreate it with "
        "`mknod -m 666 /dev/null c 1 3`");
  return info;
}

Result<SandboxRun> RunSandbox(const std::string& image_arg, const SandboxOptions& options) {
  const Clock::time_point t0 = options.t0;
  CUSTOMS_ASSIGN_OR_RETURN(RuntimeInfo runtime, CheckSandboxHost(options.runtime));
  CUSTOMS_ASSIGN_OR_RETURN(image::ImageSpec spec, image::ParseImageSpec(image_arg));
  CUSTOMS_ASSIGN_OR_RETURN(auto source,
                           image::OpenImageSource(spec, options.image_limits, &options.registry));
  CUSTOMS_ASSIGN_OR_RETURN(auto images, source->Resolve(options.platform));
  if (images.empty()) return NotFound("no image to run in " + Printable(image_arg));
  const image::ResolvedImage& img = images[0];

  SandboxRun run;
  run.image = img.info;
  model::BehaviorReport& report = run.report;
  report.runtime = runtime.name + " " + runtime.version;

  // The bundle: private directory (0711: the container's root user, a
  // host id of its own, must reach rootfs/ inside).
  auto bundle = MakeTempDirectory(TempBase(options.work_dir), "customs-sandbox-");
  if (!bundle.ok()) return Unavailable("sandbox: " + bundle.status().message());
  // Declared before the run state: the cache entry stays leased (not
  // evictable) until the container is deleted.
  std::optional<RootfsLease> lease;
  RunState state;
  state.bundle = *bundle;
  CUSTOMS_TRY(CheckReachableByOthers(state.bundle.substr(0, state.bundle.rfind('/')),
                                     "the sandbox directory", "--sandbox-dir"));
  state.runtime = runtime.path;
  if (::chmod(state.bundle.c_str(), 0711) != 0) return Internal(Errno("chmod " + state.bundle));
  state.state_dir = state.bundle + "/state";
  if (::mkdir(state.state_dir.c_str(), 0700) != 0) return Internal(Errno("mkdir state"));
  state.id = "customs-" + state.bundle.substr(state.bundle.size() - 6);
  if (!options.reaper_exe.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(Reaper reaper, Reaper::Start(options.reaper_exe, runtime.path,
                                                          state.state_dir, state.id, state.bundle));
    state.reaper.emplace(std::move(reaper));
  }

  std::random_device random;
  RootfsOptions rootfs_options;
  rootfs_options.uid_base = kUidBaseFirst + (random() % kUidBaseSlots) * kIdCount;
  rootfs_options.id_count = kIdCount;
  std::string rootfs_dir = state.bundle + "/rootfs";
  std::unique_ptr<RootfsWriter> rootfs;
  std::string cache_key = options.rootfs_cache_dir.empty() ? std::string() : CacheKey(*source, img);
  if (!cache_key.empty()) {
    // An entry's tree is shared by every run of the same layers, with the
    // uid base chosen when it was built: those runs share host ids. That is
    // safe because the root filesystem is mounted read-only in the
    // container (writes go to per-run tmpfs mounts), so no run can change
    // what another one sees.
    RootfsCacheOptions cache_options;
    cache_options.dir = options.rootfs_cache_dir;
    cache_options.max_entries = options.rootfs_cache_entries;
    cache_options.max_bytes = options.rootfs_cache_bytes;
    CUSTOMS_ASSIGN_OR_RETURN(RootfsCache cache, RootfsCache::Open(cache_options));
    std::vector<MountTarget> targets = RunTargets(img.info.config);
    CUSTOMS_ASSIGN_OR_RETURN(
        RootfsLease acquired,
        cache.Acquire(cache_key, rootfs_options, targets, [&](RootfsWriter& writer) {
          return ExtractImage(*source, img, writer, options.image_limits);
        }));
    lease.emplace(std::move(acquired));
    rootfs_dir = lease->rootfs();
    rootfs_options.uid_base = lease->info().uid_base;
    rootfs_options.id_count = lease->info().id_count;
    run.rootfs = lease->info().stats;
    CUSTOMS_ASSIGN_OR_RETURN(rootfs, RootfsWriter::Open(rootfs_dir, rootfs_options));
    // Mount points a later customs (or another config of the same layers)
    // needs that the entry was built without: made now (idempotent).
    for (const auto& t : targets) {
      const auto& made = lease->info().mount_targets;
      if (std::find(made.begin(), made.end(), t) != made.end()) continue;
      (void)(t.file ? rootfs->MakeFile(t.path) : rootfs->MakeDirectory(t.path));
    }
    if (lease->hit())
      report.notes.push_back("root filesystem from the unpacked-layer cache (built " +
                             FormatUtc(lease->info().built_unix) + ")");
    (void)cache.Prune();
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(rootfs, RootfsWriter::Create(rootfs_dir, rootfs_options));
    CUSTOMS_TRY(ExtractImage(*source, img, *rootfs, options.image_limits));
    run.rootfs = rootfs->stats();
  }

  auto passwd = rootfs->ReadFile("etc/passwd", 1 << 20);
  auto group = rootfs->ReadFile("etc/group", 1 << 20);
  CUSTOMS_ASSIGN_OR_RETURN(ProcessSpec process,
                           BuildProcess(img.info.config, options.process,
                                        passwd.ok() ? *passwd : "", group.ok() ? *group : ""));
  report.command = process.args;

  CUSTOMS_TRY(WriteFileAtomic(state.bundle + "/resolv.conf", "nameserver 10.0.2.3\n", 0644));
  CUSTOMS_TRY(WriteFileAtomic(state.bundle + "/hosts",
                              "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                              "127.0.1.1\tsandbox\n",
                              0644));

  // The monitor answers from before the entrypoint starts; the sinkhole
  // joins once the container's network namespace exists.
  std::atomic<Sinkhole*> sinkhole_ptr{nullptr};
  MonitorOptions monitor_options;
  monitor_options.t0 = t0;
  monitor_options.on_event = [&sinkhole_ptr](const model::BehaviorEvent& e) {
    Sinkhole* sink = sinkhole_ptr.load();
    if (sink == nullptr || e.port <= 0 || e.port > 65535 || e.address.empty()) return;
    if (e.syscall != "connect" && e.syscall != "sendto" && e.syscall != "sendmsg") return;
    if (e.socket == "unix") return;
    if (e.socket != "udp") sink->WatchTcp(static_cast<uint16_t>(e.port));
    if (e.socket != "tcp") sink->WatchUdp(static_cast<uint16_t>(e.port));
  };
  std::string listener = state.bundle + "/seccomp.sock";
  std::unique_ptr<Monitor> monitor;
  if (options.monitor) {
    CUSTOMS_ASSIGN_OR_RETURN(monitor, Monitor::Start(listener, std::move(monitor_options)));
  } else {
    report.notes.push_back("run without the seccomp monitor: no timeline and no verdicts");
  }

  RuntimeConfigOptions config_options;
  config_options.rootfs = rootfs_dir;
  config_options.uid_base = rootfs_options.uid_base;
  config_options.id_count = rootfs_options.id_count;
  config_options.limits = options.limits;
  config_options.resolv_conf = state.bundle + "/resolv.conf";
  config_options.hosts = state.bundle + "/hosts";
  config_options.cgroups_path = "/customs/" + state.id;
  if (monitor) config_options.seccomp = SeccompNotifyConfig(listener);
  CUSTOMS_TRY(WriteFileAtomic(state.bundle + "/config.json",
                              DumpJson(BuildRuntimeConfig(process, config_options), 1), 0600));

  // The container's init becomes our child once `runc create` exits, so
  // that its exit status can be waited for.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  UniqueFd out_r, out_w;
  CUSTOMS_TRY(MakePipe(out_r, out_w));
  std::string log_path = state.bundle + "/runtime.log";
  std::string pid_path = state.bundle + "/init.pid";
  CUSTOMS_ASSIGN_OR_RETURN(
      pid_t create_pid,
      SpawnProcess({runtime.path, "--root", state.state_dir, "--log", log_path, "--log-format",
                    "json", "create", "--bundle", state.bundle, "--pid-file", pid_path, state.id},
                   -1, out_w.get(), out_w.get()));
  state.created = true;
  out_w.Close();
  OutputCollector output(std::move(out_r));
  auto created = WaitUntil(create_pid, Clock::now() + kRuntimeTimeout);
  if (!created) {
    ::kill(-create_pid, SIGKILL);
    WaitUntil(create_pid, Clock::now() + std::chrono::seconds(5));
    return Unavailable(runtime.name + " create did not finish in " +
                       std::to_string(kRuntimeTimeout.count()) + " s");
  }
  if (!WIFEXITED(*created) || WEXITSTATUS(*created) != 0) {
    std::string why = RuntimeLogError(log_path);
    if (why.empty()) why = Printable(output.Finish(std::chrono::milliseconds(200)), 400);
    return Unavailable(runtime.name + " could not create the container: " + why);
  }
  auto pid_text = ReadFile(pid_path, 64);
  int init_pid = pid_text.ok() ? std::atoi(std::string(Trim(*pid_text)).c_str()) : 0;
  if (init_pid <= 0) return Internal(runtime.name + " create wrote no pid file");
  if (monitor && !monitor->WaitAttached(std::chrono::seconds(5)))
    return Unavailable(runtime.name +
                       " did not hand over the seccomp notify fd (linux.seccomp.listenerPath): "
                       "runc 1.1 or later, or crun 0.19 or later, is needed");

  SinkholeOptions sink_options;
  sink_options.t0 = t0;
  CUSTOMS_ASSIGN_OR_RETURN(
      auto sinkhole,
      Sinkhole::Start("/proc/" + std::to_string(init_pid) + "/ns/net", sink_options));
  sinkhole_ptr = sinkhole.get();

  if (state.reaper)
    state.reaper->Running(std::chrono::duration_cast<std::chrono::milliseconds>(
        options.timeout + std::chrono::seconds(60)));
  Clock::time_point started = Clock::now();
  CUSTOMS_ASSIGN_OR_RETURN(ProcessRun start,
                           RunRuntime(runtime.path, state.state_dir, {"start", state.id}));
  if (start.exit_code != 0)
    return Unavailable(runtime.name +
                       " could not start the container: " + Printable(start.err + start.out, 400));

  auto status = WaitUntil(init_pid, started + options.timeout);
  if (!status) {
    report.timed_out = true;
    (void)RunRuntime(runtime.path, state.state_dir, {"kill", "--all", state.id, "KILL"});
    status = WaitUntil(init_pid, Clock::now() + std::chrono::seconds(10));
  }
  Clock::time_point ended = Clock::now();
  report.wall_ms = MsSince(started, ended);
  if (status && WIFEXITED(*status)) report.exit_code = WEXITSTATUS(*status);
  if (status && WIFSIGNALED(*status)) report.signal = WTERMSIG(*status);
  ReadUsage(config_options.cgroups_path, report);

  sinkhole_ptr = nullptr;
  if (monitor) report.events = monitor->Stop(&report.events_dropped);
  sinkhole->Stop(&report.dns, &report.connections);
  SinkholeDropped dropped = sinkhole->Dropped();
  if (dropped.connections > 0)
    report.notes.push_back(std::to_string(dropped.connections) +
                           " connections over the sinkhole's bound were closed unrecorded");
  if (dropped.queries > 0)
    report.notes.push_back(std::to_string(dropped.queries) +
                           " DNS queries over the bound were answered unrecorded");
  if (dropped.ports > 0)
    report.notes.push_back(std::to_string(dropped.ports) +
                           " destination ports over the bound were not listened on");
  KillAndDelete(runtime.path, state.state_dir, state.id);
  state.created = false;
  report.output = output.Finish(std::chrono::milliseconds(500));

  // Events before the entrypoint's execve are the runtime's own set-up.
  auto first =
      std::find_if(report.events.begin(), report.events.end(), [&](const model::BehaviorEvent& e) {
        return e.pid == init_pid && (e.syscall == "execve" || e.syscall == "execveat");
      });
  if (first == report.events.end()) {
    if (monitor) report.notes.push_back("the entrypoint's execve was not seen");
    report.events.clear();
  } else {
    report.first_exec_ms = first->t_ms;
    report.events.erase(report.events.begin(), first);
  }
  if (monitor) run.detections = JudgeBehavior(report);
  return run;
}

int RunReaper(const std::vector<std::string>& args) {
  if (args.size() != 4) return 2;
  const std::string& runtime = args[0];
  const std::string& state = args[1];
  const std::string& id = args[2];
  const std::string& bundle = args[3];
  // Out of customs' process group and session: a Ctrl-C or a kill of the
  // group does not stop the cleanup.
  ::setsid();
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(s, SIG_IGN);
  // Set by "run MS"; none: Clock::time_point::max().
  Clock::time_point deadline = Clock::time_point::max();
  std::string said;
  while (true) {
    int wait_ms = -1;
    if (deadline != Clock::time_point::max())
      wait_ms = static_cast<int>(std::max<int64_t>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
    pollfd p{0, POLLIN, 0};
    int n = ::poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      // customs is alive but far past the timeout: stop the container.
      KillAndDelete(runtime, state, id);
      deadline = Clock::time_point::max();
      continue;
    }
    char buf[64];
    ssize_t got = ::read(0, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // end of file: customs is gone without saying done
    said.append(buf, static_cast<size_t>(got));
    for (size_t nl; (nl = said.find('\n')) != std::string::npos; said.erase(0, nl + 1)) {
      std::string_view line(said.data(), nl);
      if (line == "done") return 0;
      if (line.substr(0, 4) == "run ")
        deadline = Clock::now() +
                   std::chrono::milliseconds(std::atoll(std::string(line.substr(4)).c_str()));
    }
    if (said.size() > 256) said.clear();
  }
  KillAndDelete(runtime, state, id);
  (void)RemoveTree(bundle);
  return 0;
}

}  // namespace customs::sandbox
