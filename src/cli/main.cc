// The customs command line: parses flags, calls the library, picks a
// reporter. Exit codes: 0 success, 1 findings over the gate (--fail-on),
// 2 usage or input error with a one-line reason on stderr.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>

#include "base/file.h"
#include "base/strings.h"
#include "cli/cache_command.h"
#include "cli/census_command.h"
#include "cli/db_command.h"
#include "cli/flags.h"
#include "cli/sandbox_command.h"
#include "report/report.h"
#include "scan/scanner.h"
#include "vuln/updater.h"

namespace customs::cli {
namespace {

void AddCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("IMAGE", f.image,
                  "a registry image (nginx:1.25, host:5000/app@sha256:..., docker://REF), "
                  "docker-archive:PATH, oci:DIR[:TAG|@DIGEST], oci-archive:PATH, rootfs:DIR, "
                  "or a path (detected)")
      ->required();
  cmd->add_option("-o,--output", f.output, "write to FILE instead of stdout");
  cmd->add_option("--platform", f.platform, "os/arch[/variant] of a multi-platform image, or 'all'")
      ->capture_default_str();
  cmd->add_option("--max-layer-bytes", f.max_layer_bytes,
                  "stop when one layer expands to more bytes")
      ->capture_default_str();
  cmd->add_option("--max-expansion-ratio", f.max_ratio,
                  "stop when a layer expands more than this ratio")
      ->capture_default_str();
  cmd->add_option("--max-layer-entries", f.max_entries, "stop at this many entries in one layer")
      ->capture_default_str();
  cmd->add_option("--parallel", f.parallel,
                  "threads: layers analyzed at once, and content scanners (0: one per core)");
  AddRegistryFlags(cmd, f);
}

void AddVulnFlags(CLI::App* cmd, CommonFlags& f) {
  AddScannersFlag(cmd, f);
  cmd->add_option("--rules", f.rules,
                  "more YARA rules: a .yar/.yara file or a directory of them (repeatable)");
  cmd->add_option("--hashes", f.hashes,
                  "known-bad files by SHA-256, ClamAV .hsb format SHA256:SIZE:NAME (repeatable)");
  cmd->add_option("--clamav-db", f.clamav_db,
                  "ClamAV signature databases (a directory such as /var/lib/clamav, or one "
                  "file) scanned through libclamav");
  cmd->add_option("--db", f.db, "advisory DB (default: " + vuln::DefaultDbPath().string() + ")");
  cmd->add_option("--severity", f.severity,
                  "report only these severities: UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL");
  cmd->add_flag("--ignore-unfixed", f.ignore_unfixed, "report only vulnerabilities with a fix");
  cmd->add_flag("--include-unimportant", f.include_unimportant,
                "report CVEs Debian rates unimportant");
  cmd->add_flag("--match-kernel-headers", f.match_kernel_headers,
                "match kernel CVEs against linux-libc-dev and kernel headers");
  cmd->add_flag("--list-all-pkgs", f.list_all_pkgs,
                "list every package in the table too, not only the vulnerable ones");
  cmd->add_flag("--show-suppressed", f.show_suppressed,
                "keep suppressed vulnerabilities in json, sarif and cyclonedx output");
  cmd->add_option("--ignorefile", f.ignore_file,
                  "ignore file: .trivyignore text (ID [exp:YYYY-MM-DD], # reasons) or YAML with "
                  "vulnerabilities and a contraband allow-list by rule, path, package, sha256 "
                  "(default: .customsignore or .customsignore.yaml when present)");
  cmd->add_option("--vex", f.vex, "OpenVEX document marking vulnerabilities not_affected")
      ->allow_extra_args(false);
  cmd->add_option("--fail-on", f.fail_on,
                  "exit 1 when a vulnerability or contraband is at or above this severity")
      ->check(CLI::IsMember({"UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"},
                            CLI::ignore_case));
}

// --ignorefile, else .customsignore[.yaml] in the working directory.
std::vector<std::string> IgnoreFiles(const CommonFlags& f) {
  if (!f.ignore_file.empty()) return {f.ignore_file};
  std::vector<std::string> files;
  for (const char* name : {".customsignore", ".customsignore.yaml"})
    if (access(name, R_OK) == 0) files.push_back(name);
  return files;
}

Result<scan::VulnScanNotices> RunMatch(const CommonFlags& f, const std::string& explain_id,
                                       std::vector<model::ScanResult>& results) {
  scan::VulnScanOptions options;
  options.db_path = f.db.empty() ? vuln::DefaultDbPath().string() : f.db;
  options.match.include_unimportant = f.include_unimportant;
  options.match.match_kernel_headers = f.match_kernel_headers;
  options.match.explain_id = explain_id;
  options.now = std::time(nullptr);
  options.ignore_files = IgnoreFiles(f);
  options.vex_files = f.vex;
  CUSTOMS_ASSIGN_OR_RETURN(auto notices, scan::MatchVulnerabilities(results, options));
  for (const auto& w : notices.warnings) std::fprintf(stderr, "customs: warning: %s\n", w.c_str());
  return notices;
}

Result<std::vector<model::ScanResult>> RunScan(const CommonFlags& f, bool detect,
                                               std::chrono::steady_clock::time_point start) {
  CUSTOMS_ASSIGN_OR_RETURN(scan::ScanOptions options, MakeScanOptions(f));
  if (detect) {
    options.detect.malware = HasScanner(f, "malware");
    options.detect.secret = HasScanner(f, "secret");
    options.detect.config = HasScanner(f, "config");
    options.detect.rule_paths = f.rules;
    options.detect.hash_lists = f.hashes;
    options.detect.clamav_db = f.clamav_db;
  }
  CUSTOMS_ASSIGN_OR_RETURN(auto results, scan::ScanImage(f.image, options));
  if (detect && HasScanner(f, "behavior")) {
    CUSTOMS_ASSIGN_OR_RETURN(auto sandbox_options, MakeSandboxOptions(f.sandbox, options, start));
    CUSTOMS_TRY(scan::AddBehavior(results, f.image, sandbox_options));
  }
  return results;
}

Result<std::string> Render(const std::string& format, const std::vector<model::ScanResult>& results,
                           bool list_packages) {
  report::ReportOptions options{.tool_version = CUSTOMS_VERSION, .timestamp = Timestamp()};
  if (format == "table") return report::RenderTable(results, list_packages);
  if (format == "json") return report::RenderJson(results, options);
  if (format == "cyclonedx" || format == "cyclonedx-json")
    return report::RenderCycloneDx(results, options);
  if (format == "spdx-json") return report::RenderSpdx(results, options);
  if (format == "sarif") return report::RenderSarif(results, options);
  return InvalidArgument("unknown --format '" + format + "'");
}

}  // namespace

int Main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  // The sandbox's reaper (sandbox/sandbox.h): not a user command.
  if (argc >= 2 && argv[1] == sandbox::kReaperCommand)
    return sandbox::RunReaper(std::vector<std::string>(argv + 2, argv + argc));
  CLI::App app{"customs: inspect container images before they run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("customs ") + CUSTOMS_VERSION);

  CommonFlags scan_flags;
  scan_flags.format = "table";
  CLI::App* scan_cmd = app.add_subcommand("scan", "list what is in an image");
  AddCommonFlags(scan_cmd, scan_flags);
  scan_cmd->add_option("-f,--format", scan_flags.format, "table, json, sarif, cyclonedx, spdx-json")
      ->check(CLI::IsMember({"table", "json", "sarif", "cyclonedx", "cyclonedx-json", "spdx-json"}))
      ->capture_default_str();
  AddVulnFlags(scan_cmd, scan_flags);
  AddSandboxFlags(scan_cmd, scan_flags.sandbox);

  CommonFlags explain_flags;
  std::string explain_id;
  CLI::App* explain_cmd =
      app.add_subcommand("explain", "say why a vulnerability matched an image, or did not");
  explain_cmd->add_option("ID", explain_id, "CVE, GHSA, GO, PYSEC, DSA, ... ID")->required();
  AddCommonFlags(explain_cmd, explain_flags);
  AddVulnFlags(explain_cmd, explain_flags);

  CommonFlags sbom_flags;
  sbom_flags.format = "cyclonedx";
  CLI::App* sbom_cmd = app.add_subcommand("sbom", "write a software bill of materials");
  AddCommonFlags(sbom_cmd, sbom_flags);
  sbom_cmd->add_option("-f,--format", sbom_flags.format, "cyclonedx (JSON, 1.5) or spdx-json (2.3)")
      ->check(CLI::IsMember({"cyclonedx", "cyclonedx-json", "spdx-json"}))
      ->capture_default_str();

  app.add_subcommand("version", "print the version")->callback([] {
    std::printf("customs %s\n", CUSTOMS_VERSION);
  });

  int command_exit_code = kExitOk;  // set by the db and cache callbacks
  AddDbCommands(app, command_exit_code);
  AddCacheCommands(app, command_exit_code);
  AddCensusCommand(app, command_exit_code);
  AddSandboxCommand(app, command_exit_code, start);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitInputError;
  }

  if (explain_cmd->parsed()) {
    auto results = RunScan(explain_flags, false, start);
    if (!results.ok()) return Fail(results.status());
    auto notices = RunMatch(explain_flags, explain_id, *results);
    if (!notices.ok()) return Fail(notices.status());
    std::string text;
    for (const auto& line : notices->explanation) text += line + "\n";
    if (text.empty())
      text = "no package of " + explain_flags.image + " is named by an advisory with ID or alias " +
             explain_id + " in the advisory DB\n";
    return Emit(explain_flags, text);
  }
  for (auto [cmd, flags] : {std::pair{scan_cmd, &scan_flags}, std::pair{sbom_cmd, &sbom_flags}}) {
    if (!cmd->parsed()) continue;
    bool scanning = cmd == scan_cmd;
    auto results = RunScan(*flags, scanning, start);
    if (!results.ok()) return Fail(results.status());
    bool failed = false;
    bool findings = scanning && !HasScanner(*flags, "none");
    if (scanning && HasScanner(*flags, "vuln")) {
      auto notices = RunMatch(*flags, "", *results);
      if (!notices.ok()) return Fail(notices.status());
    }
    if (findings) {
      auto notices =
          scan::ApplyContrabandAllowList(*results, IgnoreFiles(*flags), std::time(nullptr));
      if (!notices.ok()) return Fail(notices.status());
      for (const auto& w : *notices) std::fprintf(stderr, "customs: warning: %s\n", w.c_str());
    }
    if (findings) {
      auto gate =
          FilterFindings(*flags, flags->show_suppressed || flags->format == "table", *results);
      if (!gate.ok()) return Fail(gate.status());
      failed = *gate;
    }
    auto text = Render(flags->format, *results, !findings || flags->list_all_pkgs);
    if (!text.ok()) return Fail(text.status());
    int rc = Emit(*flags, *text);
    return rc == kExitOk && failed ? kExitFindings : rc;
  }
  return command_exit_code;
}

}  // namespace customs::cli

int main(int argc, char** argv) { return customs::cli::Main(argc, argv); }
