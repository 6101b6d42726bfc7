// The customs command line: parses flags, calls the library, picks a
// reporter. Exit codes: 0 success, 1 findings over the gate (later issues),
// 2 usage or input error with a one-line reason on stderr.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "base/file.h"
#include "base/strings.h"
#include "report/report.h"
#include "scan/scanner.h"

namespace customs::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInputError = 2;

int Fail(const std::string& message) {
  // One line: messages from the library may quote input, so keep it tame.
  std::string line = Printable(message, 2000);
  std::fprintf(stderr, "customs: %s\n", line.c_str());
  return kExitInputError;
}

int Fail(const Status& status) { return Fail(status.ToString()); }

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

struct CommonFlags {
  std::string image;
  std::string format;
  std::string output;
  std::string platform = "linux/amd64";
  uint64_t max_layer_bytes = kMaxLayerExpandedBytes;
  uint64_t max_ratio = kMaxExpansionRatio;
  uint64_t max_entries = kMaxLayerEntries;
  unsigned parallel = 0;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("IMAGE", f.image,
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
  cmd->add_option("--parallel", f.parallel, "layers analyzed at once (0: one per core)");
}

Result<std::vector<model::ScanResult>> RunScan(const CommonFlags& f) {
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
  return scan::ScanImage(f.image, options);
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

Result<std::string> Render(const std::string& format,
                           const std::vector<model::ScanResult>& results) {
  report::ReportOptions options{.tool_version = CUSTOMS_VERSION, .timestamp = Timestamp()};
  if (format == "table") return report::RenderTable(results);
  if (format == "json") return report::RenderJson(results, options);
  if (format == "cyclonedx" || format == "cyclonedx-json")
    return report::RenderCycloneDx(results, options);
  if (format == "spdx-json") return report::RenderSpdx(results, options);
  return InvalidArgument("unknown --format '" + format + "'");
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"customs: inspect container images before they run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("customs ") + CUSTOMS_VERSION);

  CommonFlags scan_flags;
  scan_flags.format = "table";
  CLI::App* scan_cmd = app.add_subcommand("scan", "list what is in an image");
  AddCommonFlags(scan_cmd, scan_flags);
  scan_cmd->add_option("-f,--format", scan_flags.format, "table, json, cyclonedx, spdx-json")
      ->check(CLI::IsMember({"table", "json", "cyclonedx", "cyclonedx-json", "spdx-json"}))
      ->capture_default_str();

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

  for (auto [cmd, flags] : {std::pair{scan_cmd, &scan_flags}, std::pair{sbom_cmd, &sbom_flags}}) {
    if (!cmd->parsed()) continue;
    auto results = RunScan(*flags);
    if (!results.ok()) return Fail(results.status());
    auto text = Render(flags->format, *results);
    if (!text.ok()) return Fail(text.status());
    return Emit(*flags, *text);
  }
  return kExitOk;
}

}  // namespace customs::cli

int main(int argc, char** argv) { return customs::cli::Main(argc, argv); }
