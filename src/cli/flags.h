// Flags and helpers shared by the subcommands of main.cc and the census
// command: the flag set of an image scan, registry access and caches, the
// --scanners list, exit codes, one-line failures and output.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "scan/scanner.h"

namespace customs::cli {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitInputError = 2;

// Prints "customs: MESSAGE" (one line, control characters escaped) on
// stderr and returns kExitInputError.
int Fail(const std::string& message);
int Fail(const Status& status);

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
};

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
int Emit(const CommonFlags& f, const std::string& text);

}  // namespace customs::cli
