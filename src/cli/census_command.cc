#include "cli/census_command.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "base/strings.h"
#include "cli/flags.h"
#include "report/census.h"
#include "scan/census.h"
#include "store/census_store.h"
#include "vuln/updater.h"

namespace customs::cli {
namespace {

struct CensusFlags {
  CommonFlags common;
  std::string registry;
  std::string repos = "*";
  std::string tags = "latest";
  std::string store;
  unsigned parallel_images = 2;
};

// "host[:port]", also accepted as "docker://host:port" or with a trailing
// slash; anything with a path is not a registry.
Result<std::string> RegistryHost(std::string_view text) {
  std::string_view host = Trim(text);
  if (host.starts_with("docker://")) host.remove_prefix(9);
  while (host.ends_with("/")) host.remove_suffix(1);
  if (host.empty() || host.find('/') != std::string_view::npos ||
      host.find_first_of(" \t@") != std::string_view::npos || ContainsControlChars(host))
    return InvalidArgument("census: '" + Printable(text) +
                           "' is not a registry (HOST[:PORT], e.g. registry.local:5000)");
  return std::string(host);
}

// Progress on stderr: one line rewritten in place on a terminal, else a
// line every 10 images and at the end.
void ShowProgress(const scan::CensusProgress& p, bool tty) {
  if (!tty && p.done != p.total && (p.done == 0 || p.done % 10 != 0)) return;
  std::string line =
      "census: " + std::to_string(p.done) + "/" + std::to_string(p.total) + " images";
  char figures[160];
  std::snprintf(figures, sizeof(figures), ", %.2f images/s, layers reused %.0f%% (%llu/%llu)",
                p.images_per_second, p.layers_reused_percent,
                static_cast<unsigned long long>(p.layers_cached),
                static_cast<unsigned long long>(p.layers));
  line += figures;
  line += ", " + std::to_string(p.failed) + (p.failed == 1 ? " error" : " errors");
  if (p.resumed > 0) line += ", " + std::to_string(p.resumed) + " already stored";
  if (tty) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), p.done == p.total ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

int RunCensusCommand(const CensusFlags& f) {
  auto registry = RegistryHost(f.registry);
  if (!registry.ok()) return Fail(registry.status());
  Status tags = scan::CheckTagsMode(f.tags);
  if (!tags.ok()) return Fail(tags);
  if (f.parallel_images == 0) return Fail("--parallel-images: must be at least 1");

  scan::CensusOptions options;
  options.registry = *registry;
  options.repos_glob = f.repos;
  options.tags = f.tags;
  options.store_path = f.store;
  options.parallel_images = f.parallel_images;
  options.scan.detect.malware = HasScanner(f.common, "malware");
  options.scan.detect.secret = HasScanner(f.common, "secret");
  options.scan.detect.config = HasScanner(f.common, "config");
  Status configured = ConfigureRegistry(f.common, options.scan, *registry);
  if (!configured.ok()) return Fail(configured);
  options.match_vulns = HasScanner(f.common, "vuln");
  options.vuln.db_path = f.common.db.empty() ? vuln::DefaultDbPath().string() : f.common.db;
  options.vuln.now = static_cast<int64_t>(std::time(nullptr));
  const bool tty = isatty(STDERR_FILENO) == 1;
  options.progress = [tty](const scan::CensusProgress& p) { ShowProgress(p, tty); };

  auto summary = scan::RunCensus(options);
  if (!summary.ok()) return Fail(summary.status());
  std::string text = f.common.format == "json" ? report::RenderCensusJson(*summary)
                                               : report::RenderCensusTable(*summary);
  return Emit(f.common, text);
}

}  // namespace

void AddCensusCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CensusFlags>();
  flags->common.format = "table";
  CLI::App* cmd = app.add_subcommand(
      "census", "scan every image of a registry and print the figures of the Docker Hub studies");
  cmd->add_option("REGISTRY", flags->registry, "HOST[:PORT] of the registry")->required();
  cmd->add_option("--repos", flags->repos,
                  "only repositories matching this glob ('*' also matches '/')")
      ->capture_default_str();
  cmd->add_option("--tags", flags->tags,
                  "latest (or the newest tag when there is no 'latest'), all, or N: the N newest "
                  "tags of each repository in version order")
      ->capture_default_str();
  cmd->add_option("--store", flags->store,
                  "SQLite file keeping every image's result, for resuming (default: " +
                      store::CensusStore::DefaultPath() + ")");
  cmd->add_option("-f,--format", flags->common.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", flags->common.output, "write to FILE instead of stdout");
  AddScannersFlag(cmd, flags->common);
  cmd->add_option("--db", flags->common.db,
                  "advisory DB (default: " + vuln::DefaultDbPath().string() + ")");
  cmd->add_option("--parallel-images", flags->parallel_images, "images scanned at once")
      ->capture_default_str();
  AddRegistryFlags(cmd, flags->common);
  cmd->callback([flags, &exit_code] { exit_code = RunCensusCommand(*flags); });
}

}  // namespace customs::cli
