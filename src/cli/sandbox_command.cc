#include "cli/sandbox_command.h"

#include <memory>

#include "cli/flags.h"
#include "detect/contraband.h"
#include "report/report.h"
#include "sandbox/sandbox.h"
#include "scan/scanner.h"

namespace customs::cli {
namespace {

struct SandboxCommandFlags {
  CommonFlags common;
  SandboxFlags sandbox;
};

int Run(const SandboxCommandFlags& f, std::chrono::steady_clock::time_point start) {
  auto scan_options = MakeScanOptions(f.common);
  if (!scan_options.ok()) return Fail(scan_options.status());
  auto options = MakeSandboxOptions(f.sandbox, *scan_options, start);
  if (!options.ok()) return Fail(options.status());
  auto run = sandbox::RunSandbox(f.common.image, *options);
  if (!run.ok()) return Fail(run.status());

  std::vector<model::ScanResult> results(1);
  results[0].image = run->image;
  results[0].detections = std::move(run->detections);
  detect::SortDetections(results[0].detections);
  results[0].behavior = std::move(run->report);
  auto failed = FilterFindings(f.common, /*keep_suppressed=*/false, results);
  if (!failed.ok()) return Fail(failed.status());
  report::ReportOptions report_options{.tool_version = CUSTOMS_VERSION, .timestamp = Timestamp()};
  std::string text;
  if (f.common.format == "json")
    text = report::RenderJson(results, report_options);
  else if (f.common.format == "sarif") {
    auto sarif = report::RenderSarif(results, report_options);
    if (!sarif.ok()) return Fail(sarif.status());
    text = std::move(*sarif);
  } else
    text = report::RenderTable(results, /*list_packages=*/false);
  int rc = Emit(f.common, text);
  return rc == kExitOk && *failed ? kExitFindings : rc;
}

}  // namespace

void AddSandboxCommand(CLI::App& app, int& exit_code, std::chrono::steady_clock::time_point start) {
  auto flags = std::make_shared<SandboxCommandFlags>();
  flags->common.format = "table";
  CLI::App* cmd = app.add_subcommand(
      "sandbox",
      "run an image sealed (runc: user, pid, mount, net namespaces; no network out; seccomp "
      "monitor) and report what it did");
  cmd->add_option("IMAGE", flags->common.image,
                  "a registry image, docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH, "
                  "rootfs:DIR, or a path (detected)")
      ->required();
  cmd->add_option("-f,--format", flags->common.format, "table, json or sarif")
      ->check(CLI::IsMember({"table", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", flags->common.output, "write to FILE instead of stdout");
  cmd->add_option("--platform", flags->common.platform, "os/arch[/variant] to run")
      ->capture_default_str();
  cmd->add_option("--fail-on", flags->common.fail_on,
                  "exit 1 when a verdict is at or above this severity (e.g. HIGH)");
  AddSandboxFlags(cmd, flags->sandbox);
  AddRegistryFlags(cmd, flags->common);
  cmd->callback([flags, &exit_code, start] { exit_code = Run(*flags, start); });
}

}  // namespace customs::cli
