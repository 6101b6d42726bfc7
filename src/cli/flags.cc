#include "cli/flags.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "base/file.h"
#include "base/strings.h"
#include "cli/cache_command.h"
#include "image/reference.h"
#include "image/source.h"

namespace customs::cli {

int Fail(const std::string& message) {
  // One line: messages from the library may quote input, so keep it tame.
  std::string line = Printable(message, 2000);
  std::fprintf(stderr, "customs: %s\n", line.c_str());
  return kExitInputError;
}

int Fail(const Status& status) { return Fail(status.ToString()); }

void AddRegistryFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("-u,--username", f.username,
                  "registry user name (with --password-stdin); otherwise docker's and podman's "
                  "stored logins are used");
  cmd->add_flag("--password-stdin", f.password_stdin, "read the registry password from stdin");
  cmd->add_option("--insecure-registry", f.insecure_registries,
                  "HOST[:PORT] reached over plain HTTP (or HTTPS without certificate checks) "
                  "(repeatable)");
  cmd->add_option("--cache-dir", f.cache_dir, "cache directory (default: " + UserCacheDir() + ")");
  cmd->add_option("--cache-backend", f.cache_backend,
                  "fs: keep layer results and registry blobs on disk; memory: keep nothing")
      ->check(CLI::IsMember({"fs", "memory"}))
      ->capture_default_str();
}

void AddScannersFlag(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--scanners", f.scanners,
                  "what to look for, comma-separated: vuln, malware, secret, config, behavior "
                  "(run the image in the sandbox: see customs sandbox); none for the inventory "
                  "only")
      ->check([](const std::string& value) -> std::string {
        for (auto name : Split(value, ','))
          if (Trim(name) != "vuln" && Trim(name) != "malware" && Trim(name) != "secret" &&
              Trim(name) != "config" && Trim(name) != "behavior" && Trim(name) != "none")
            return "unknown scanner '" + std::string(name) +
                   "' (vuln, malware, secret, config, behavior, none)";
        return "";
      })
      ->capture_default_str();
}

Result<scan::ScanOptions> MakeScanOptions(const CommonFlags& f) {
  scan::ScanOptions options;
  if (f.platform == "all") {
    options.platform.all = true;
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(options.platform.platform, image::ParsePlatform(f.platform),
                             "--platform");
  }
  options.platform.explicit_platform = f.platform != "linux/amd64";
  options.limits.max_layer_expanded_bytes = f.max_layer_bytes;
  options.limits.max_expansion_ratio = f.max_ratio;
  options.limits.max_layer_entries = f.max_entries;
  options.parallelism = f.parallel;
  CUSTOMS_TRY(ConfigureRegistry(f, options));
  return options;
}

void AddSandboxFlags(CLI::App* cmd, SandboxFlags& f) {
  cmd->add_option("--timeout", f.timeout,
                  "stop the container after this long (30s, 2m); every process is killed")
      ->capture_default_str();
  cmd->add_option("--cmd", f.cmd, "run this instead of the image's Cmd (repeat for each word)");
  cmd->add_option("--entrypoint", f.entrypoint,
                  "run this instead of the image's Entrypoint (repeat for each word)");
  cmd->add_option("-e,--env", f.env, "set NAME=VALUE in the container (repeatable)");
  cmd->add_option("--user", f.user, "run as this user (name, uid, name:group, uid:gid)");
  cmd->add_option("--runtime", f.runtime, "the OCI runtime: runc, or a path (crun, runsc)")
      ->capture_default_str();
  cmd->add_option("-m,--memory", f.memory, "memory limit (512m, 1g)")->capture_default_str();
  cmd->add_option("--cpus", f.cpus, "CPU limit in cores")->capture_default_str();
  cmd->add_option("--pids-limit", f.pids_limit, "most processes at once")->capture_default_str();
  cmd->add_flag("--no-monitor", f.no_monitor,
                "run without the seccomp monitor (no timeline, no verdicts): to measure its cost");
  cmd->add_option("--sandbox-dir", f.work_dir,
                  "where the bundle is written and removed again (default: $TMPDIR or /tmp)");
  cmd->add_option("--rootfs-cache", f.rootfs_cache,
                  "keep unpacked image layers here and run from them next time (root-owned, "
                  "not group/other writable; at most 4 images or 4 GiB, least recently used "
                  "evicted)")
      ->capture_default_str();
  cmd->add_flag("--no-rootfs-cache", f.no_rootfs_cache,
                "unpack the image into the private bundle every run, and remove it after");
}

Result<sandbox::SandboxOptions> MakeSandboxOptions(const SandboxFlags& f,
                                                   const scan::ScanOptions& scan,
                                                   std::chrono::steady_clock::time_point start) {
  sandbox::SandboxOptions o;
  o.t0 = start;
  CUSTOMS_ASSIGN_OR_RETURN(o.timeout, sandbox::ParseDuration(f.timeout), "--timeout");
  uint64_t memory = 0;
  if (!ParseByteSize(f.memory, memory) || memory < (uint64_t{4} << 20) ||
      memory > (uint64_t{1} << 40))
    return InvalidArgument("--memory \"" + Printable(f.memory) +
                           "\" is not a size from 4m to 1t (512m, 1g)");
  o.limits.memory_bytes = static_cast<int64_t>(memory);
  if (!(f.cpus > 0 && f.cpus <= 1024)) return InvalidArgument("--cpus must be above 0");
  if (f.pids_limit < 8) return InvalidArgument("--pids-limit must be at least 8");
  o.limits.cpus = f.cpus;
  o.limits.pids = f.pids_limit;
  o.runtime = f.runtime;
  o.process.cmd = f.cmd;
  o.process.entrypoint = f.entrypoint;
  o.process.env = f.env;
  o.process.user = f.user;
  o.work_dir = f.work_dir;
  if (!f.no_rootfs_cache) {
    if (f.rootfs_cache.empty())
      return InvalidArgument("--rootfs-cache wants a directory (or give --no-rootfs-cache)");
    o.rootfs_cache_dir = f.rootfs_cache;
  }
  o.monitor = !f.no_monitor;
  // One platform runs: with --platform all, the default one.
  o.platform = scan.platform;
  if (o.platform.all) o.platform = image::PlatformRequest{};
  o.image_limits = scan.limits;
  o.registry = scan.registry;
  // The reaper is this very program.
  std::array<char, 4096> self{};
  ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
  if (n <= 0) return Internal("cannot find the customs executable (/proc/self/exe)");
  o.reaper_exe.assign(self.data(), static_cast<size_t>(n));
  return o;
}

bool HasScanner(const CommonFlags& f, std::string_view name) {
  for (auto s : Split(f.scanners, ','))
    if (Trim(s) == name) return true;
  return false;
}

Status ConfigureRegistry(const CommonFlags& f, scan::ScanOptions& options,
                         const std::string& login_registry) {
  image::RegistryOptions& r = options.registry;
  r.insecure_registries = f.insecure_registries;
  r.notify = [](const std::string& message) {
    std::fprintf(stderr, "customs: notice: %s\n", Printable(message, 2000).c_str());
  };
  if (f.password_stdin && f.username.empty())
    return InvalidArgument("--password-stdin needs --username");
  if (!f.username.empty()) {
    if (!f.password_stdin)
      return InvalidArgument(
          "--username needs --password-stdin (a password on the command "
          "line would show in the process list)");
    std::string password;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0 && password.size() < (1 << 16))
      password.append(buf, n);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
    r.credentials = image::Credentials{.username = f.username, .password = password};
    if (!login_registry.empty()) {
      r.credentials_registry = login_registry;
    } else {
      // The login belongs to the registry of the image being scanned.
      auto spec = image::ParseImageSpec(f.image);
      if (!spec.ok() || spec->kind != image::SourceKind::kRegistry)
        return InvalidArgument("--username applies to registry images only");
      CUSTOMS_ASSIGN_OR_RETURN(auto ref, image::ParseReference(spec->path));
      r.credentials_registry = ref.registry;
    }
  }
  if (f.cache_backend == "fs") {
    std::string dir = f.cache_dir.empty() ? UserCacheDir() : f.cache_dir;
    r.blob_cache_dir = dir + "/blobs";
    options.layer_cache_dir = dir + "/layers";
  }
  return Status::Ok();
}

int Emit(const CommonFlags& f, const std::string& text) {
  if (f.output.empty() || f.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  Status s = WriteFileAtomic(f.output, text);
  return s.ok() ? kExitOk : Fail(s);
}

// UTC now, or SOURCE_DATE_EPOCH when set (reproducible builds convention).
std::string Timestamp() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) t = std::strtoll(epoch, nullptr, 10);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<model::Severity> ParseSeverity(std::string_view name) {
  std::string upper;
  for (char c : Trim(name)) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto s : {model::Severity::kUnknown, model::Severity::kNegligible, model::Severity::kLow,
                 model::Severity::kMedium, model::Severity::kHigh, model::Severity::kCritical})
    if (model::SeverityName(s) == upper) return s;
  return InvalidArgument("unknown severity '" + std::string(name) + "'");
}

// Applies the presentation filters (--severity, --ignore-unfixed, suppressed)
// and returns whether anything left reaches --fail-on: a vulnerability, or
// contraband that is more than info.
Result<bool> FilterFindings(const CommonFlags& f, bool keep_suppressed,
                            std::vector<model::ScanResult>& results) {
  std::vector<model::Severity> wanted;
  for (auto name : Split(f.severity, ','))
    if (!Trim(name).empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto s, ParseSeverity(name), "--severity");
      wanted.push_back(s);
    }
  std::optional<model::Severity> gate;
  if (!f.fail_on.empty()) {
    CUSTOMS_ASSIGN_OR_RETURN(gate, ParseSeverity(f.fail_on), "--fail-on");
  }
  bool failed = false;
  for (auto& r : results) {
    std::erase_if(r.vulnerabilities, [&](const model::Vulnerability& v) {
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), v.severity) == wanted.end())
        return true;
      if (f.ignore_unfixed && v.status != model::VulnStatus::kFixed) return true;
      return !keep_suppressed && !v.suppressed_by.empty();
    });
    std::erase_if(r.detections, [&](const model::Detection& d) {
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), d.severity) == wanted.end())
        return true;
      return !keep_suppressed && !d.suppressed_by.empty();
    });
    if (gate) {
      for (const auto& v : r.vulnerabilities)
        failed = failed || (v.suppressed_by.empty() && v.severity >= *gate);
      for (const auto& d : r.detections)
        failed = failed || (d.suppressed_by.empty() && d.disposition != model::Disposition::kInfo &&
                            d.severity >= *gate);
    }
  }
  return failed;
}

}  // namespace customs::cli
