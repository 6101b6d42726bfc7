// Flags and helpers shared by the subcommands of main.cc and the census
// command: the flag set of an image scan, registry access and caches, the
// --scanners list, exit codes, one-line failures and output.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "sandbox/sandbox.h"
#include "scan/scanner.h"

namespace customs::cli {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitInputError = 2;

// Prints "customs: MESSAGE" (one line, control characters escaped) on
// stderr and returns kExitInputError.
int Fail(const std::string& message);
int Fail(const Status& status);

// How an image is run in the sandbox (`customs sandbox`, and `customs scan
// --scanners ...,behavior`); flags named as `docker run` names them.
struct SandboxFlags {
  std::string timeout = "30s";
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::vector<std::string> env;
  std::string user;
  std::string runtime = "runc";
  std::string memory = "512m";
  double cpus = 1.0;
  int64_t pids_limit = 256;
  std::string work_dir;
  bool no_monitor = false;
  std::string rootfs_cache = std::string(sandbox::kDefaultRootfsCacheDir);
  bool no_rootfs_cache = false;
};

struct CommonFlags {
  std::string image;
  std::string format;
  std::string output;
  std::string platform = "linux/amd64";
  uint64_t max_layer_bytes = kMaxLayerExpandedBytes;
  uint64_t max_ratio = kMaxExpansionRatio;
  uint64_t max_entries = kMaxLayerEntries;
  unsigned parallel = 0;
  // Registries and caches.
  std::string username;
  bool password_stdin = false;
  std::vector<std::string> insecure_registries;
  std::string cache_dir;
  std::string cache_backend = "fs";
  // Vulnerability matching (scan and explain only).
  std::string scanners = "vuln,malware,secret,config";
  std::vector<std::string> rules;   // --rules: more YARA rules
  std::vector<std::string> hashes;  // --hashes: ClamAV .hsb lists
  std::string clamav_db;            // --clamav-db
  std::string db;
  std::string severity;  // "CRITICAL,HIGH": only these are reported
  bool ignore_unfixed = false;
  bool include_unimportant = false;
  bool match_kernel_headers = false;
  bool show_suppressed = false;
  std::string fail_on;  // a severity: exit 1 when a finding is at or above it
  std::string ignore_file;
  std::vector<std::string> vex;
  bool list_all_pkgs = false;
  SandboxFlags sandbox;  // --scanners behavior
};

// How images are read, as the flags say: --platform, the --max-* limits,
// --parallel, registry access and caches (ConfigureRegistry).
Result<scan::ScanOptions> MakeScanOptions(const CommonFlags& f);

void AddSandboxFlags(CLI::App* cmd, SandboxFlags& f);
// The sandbox options from the flags; image access (platform, limits,
// registry) as the scan options say; times count from `start`.
Result<sandbox::SandboxOptions> MakeSandboxOptions(const SandboxFlags& f,
                                                   const scan::ScanOptions& scan,
                                                   std::chrono::steady_clock::time_point start);

// -u/--username, --password-stdin, --insecure-registry, --cache-dir,
// --cache-backend.
void AddRegistryFlags(CLI::App* cmd, CommonFlags& f);

// --scanners: vuln, malware, secret, config, none (comma-separated).
void AddScannersFlag(CLI::App* cmd, CommonFlags& f);
bool HasScanner(const CommonFlags& f, std::string_view name);

// Registry access and caches from the flags; the password is read here from
// stdin. The login of --username belongs to `login_registry` ("host:port"),
// or when that is empty to the registry of f.image (which must then be a
// registry image).
Status ConfigureRegistry(const CommonFlags& f, scan::ScanOptions& options,
                         const std::string& login_registry = "");

// Writes `text` to -o FILE (atomically) or stdout; returns the exit code.
// UTC now as RFC 3339, or SOURCE_DATE_EPOCH when set (reproducible builds
// convention).
std::string Timestamp();

// "HIGH", "critical", ... as a severity.
Result<model::Severity> ParseSeverity(std::string_view name);

// Applies the presentation filters (--severity, --ignore-unfixed, suppressed)
// and returns whether anything left reaches --fail-on: a vulnerability, or
// contraband that is more than info.
Result<bool> FilterFindings(const CommonFlags& f, bool keep_suppressed,
                            std::vector<model::ScanResult>& results);

int Emit(const CommonFlags& f, const std::string& text);

}  // namespace customs::cli
