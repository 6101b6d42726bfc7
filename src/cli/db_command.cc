#include "cli/db_command.h"

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "vuln/advisory_db.h"
#include "vuln/updater.h"

namespace customs::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitInputError = 2;
// Importer warnings printed; the rest are counted.
constexpr size_t kMaxPrintedWarnings = 20;

int Fail(const Status& status) {
  std::string line = Printable(status.ToString(), 2000);
  std::fprintf(stderr, "customs: %s\n", line.c_str());
  return kExitInputError;
}

std::string IsoTime(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::filesystem::path DbPath(const std::string& flag) {
  return flag.empty() ? vuln::DefaultDbPath() : std::filesystem::path(flag);
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (size_t i = 0; i < warnings.size() && i < kMaxPrintedWarnings; ++i)
    std::fprintf(stderr, "customs: warning: %s\n", Printable(warnings[i], 1000).c_str());
  if (warnings.size() > kMaxPrintedWarnings)
    std::fprintf(stderr, "customs: warning: … and %zu more\n",
                 warnings.size() - kMaxPrintedWarnings);
}

void PrintSummary(const vuln::UpdateReport& report) {
  std::printf(
      "advisory DB %s %s: %lld vulnerabilities, %lld affected entries, %lld packages "
      "from %zu sources\n",
      report.db_path.c_str(), report.rebuilt ? "built" : "is up to date",
      static_cast<long long>(report.counts.vulnerabilities),
      static_cast<long long>(report.counts.affected),
      static_cast<long long>(report.counts.packages), report.sources.size());
  std::fflush(stdout);
}

struct UpdateFlags {
  std::string db;
  std::string cache_dir;
  std::vector<std::string> ecosystems;
  std::vector<std::string> source_urls;
  std::string mirror;
  bool force = false;
  bool use_cache_on_failure = false;
  bool list_sources = false;
};

int RunUpdate(const UpdateFlags& f) {
  std::vector<std::string> ecosystems;
  for (const std::string& list : f.ecosystems)
    for (std::string_view e : Split(list, ','))
      if (!Trim(e).empty()) ecosystems.emplace_back(Trim(e));
  auto sources = vuln::DefaultSources(ecosystems);
  if (!sources.ok()) return Fail(sources.status());
  Status s = vuln::ApplySourceOverrides(*sources, f.mirror, f.source_urls);
  if (!s.ok()) return Fail(s);
  if (f.list_sources) {
    for (const vuln::FeedSource& source : *sources)
      std::printf("%-28s %-15s %s\n", source.name.c_str(),
                  std::string(vuln::FeedKindName(source.kind)).c_str(), source.url.c_str());
    return kExitOk;
  }
  vuln::UpdateOptions options;
  options.db_path = DbPath(f.db);
  options.cache_dir =
      f.cache_dir.empty() ? vuln::DefaultFeedCacheDir() : std::filesystem::path(f.cache_dir);
  options.sources = std::move(*sources);
  options.progress = stderr;
  options.force = f.force;
  options.use_cache_on_failure = f.use_cache_on_failure;
  auto report = vuln::UpdateDb(options);
  if (!report.ok()) return Fail(report.status());
  PrintWarnings(report->warnings);
  PrintSummary(*report);
  return kExitOk;
}

int RunImport(const std::string& db, const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> inputs(paths.begin(), paths.end());
  auto report = vuln::ImportPaths(DbPath(db), inputs);
  if (!report.ok()) return Fail(report.status());
  PrintWarnings(report->warnings);
  for (const vuln::SourceReport& s : report->sources)
    std::printf("imported %s: %lld advisories\n", s.name.c_str(),
                static_cast<long long>(s.advisories));
  PrintSummary(*report);
  return kExitOk;
}

int RunStatus(const std::string& db, const std::string& format) {
  std::filesystem::path path = DbPath(db);
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto state = vuln::CheckDb(path, now);
  if (!state.ok()) return Fail(state.status());
  auto opened = vuln::AdvisoryDb::Open(path);
  if (!opened.ok()) return Fail(opened.status());
  auto counts = opened->Count();
  if (!counts.ok()) return Fail(counts.status());
  auto sources = opened->Sources();
  if (!sources.ok()) return Fail(sources.status());

  if (format == "json") {
    Json out = {{"path", path.string()},
                {"schema_version", vuln::AdvisoryDb::kSchemaVersion},
                {"built_at", IsoTime(state->built_at)},
                {"age_seconds", state->age_seconds},
                {"stale", state->stale},
                {"vulnerabilities", counts->vulnerabilities},
                {"affected", counts->affected},
                {"packages", counts->packages},
                {"sources", Json::array()}};
    for (const vuln::SourceRecord& s : *sources)
      out["sources"].push_back({{"name", s.name},
                                {"url", s.url},
                                {"etag", s.etag},
                                {"last_modified", s.last_modified},
                                {"imported_at", IsoTime(s.imported_at)},
                                {"advisories", s.advisories}});
    std::string text = DumpJson(out, 2) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  std::printf("path:            %s\n", path.c_str());
  std::printf("schema:          %d\n", vuln::AdvisoryDb::kSchemaVersion);
  std::printf("built:           %s (%s ago)%s\n", IsoTime(state->built_at).c_str(),
              vuln::FormatAge(state->age_seconds).c_str(),
              state->stale ? ", stale: run `customs db update`" : "");
  std::printf("vulnerabilities: %lld\n", static_cast<long long>(counts->vulnerabilities));
  std::printf("affected:        %lld\n", static_cast<long long>(counts->affected));
  std::printf("packages:        %lld\n", static_cast<long long>(counts->packages));
  std::printf("sources:         %zu\n", sources->size());
  if (!sources->empty())
    std::printf("  %-28s %10s  %-20s  %s\n", "NAME", "ADVISORIES", "IMPORTED", "URL");
  for (const vuln::SourceRecord& s : *sources)
    std::printf("  %-28s %10lld  %-20s  %s\n", Printable(s.name, 200).c_str(),
                static_cast<long long>(s.advisories), IsoTime(s.imported_at).c_str(),
                Printable(s.url, 500).c_str());
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void AddDbCommands(CLI::App& app, int& exit_code) {
  CLI::App* db = app.add_subcommand("db", "update, import or inspect the advisory DB");
  db->require_subcommand(1);
  std::string default_db = vuln::DefaultDbPath().string();

  // The flag values live as long as the app: CLI11 callbacks run during parse.
  auto update = std::make_shared<UpdateFlags>();
  CLI::App* update_cmd =
      db->add_subcommand("update", "download the public advisory feeds and rebuild the DB");
  update_cmd->add_option("--db", update->db, "advisory DB to write (default: " + default_db + ")");
  update_cmd->add_option(
      "--cache-dir", update->cache_dir,
      "where downloaded feeds are kept (default: " + vuln::DefaultFeedCacheDir().string() + ")");
  update_cmd->add_option("--ecosystem", update->ecosystems,
                         "only these (comma-separated, repeatable): npm, PyPI, Go, crates.io, "
                         "Maven, RubyGems, Packagist, NuGet, Debian, Alpine (default: all)");
  update_cmd->add_option("--source-url", update->source_urls,
                         "NAME=URL: fetch one source from another URL (repeatable; see "
                         "--list-sources for names)");
  update_cmd->add_option("--mirror", update->mirror,
                         "BASE URL of a mirror holding every feed under its upstream path");
  update_cmd->add_flag("--force", update->force, "download everything and rebuild");
  update_cmd->add_flag("--use-cache-on-failure", update->use_cache_on_failure,
                       "when a feed fails to download, use its last downloaded copy");
  update_cmd->add_flag("--list-sources", update->list_sources,
                       "print the sources and their URLs, download nothing");
  update_cmd->callback([update, &exit_code] { exit_code = RunUpdate(*update); });

  auto import_db = std::make_shared<std::string>();
  auto import_paths = std::make_shared<std::vector<std::string>>();
  CLI::App* import_cmd = db->add_subcommand(
      "import", "build the DB from local OSV, Debian tracker or Alpine secdb files (offline)");
  import_cmd->add_option("PATH", *import_paths, "files, directories or OSV all.zip files")
      ->required();
  import_cmd->add_option("--db", *import_db, "advisory DB to write (default: " + default_db + ")");
  import_cmd->callback(
      [import_db, import_paths, &exit_code] { exit_code = RunImport(*import_db, *import_paths); });

  auto status_db = std::make_shared<std::string>();
  auto status_format = std::make_shared<std::string>("table");
  CLI::App* status_cmd = db->add_subcommand("status", "show the DB's sources, counts and age");
  status_cmd->add_option("--db", *status_db, "advisory DB (default: " + default_db + ")");
  status_cmd->add_option("-f,--format", *status_format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  status_cmd->callback([status_db, status_format, &exit_code] {
    exit_code = RunStatus(*status_db, *status_format);
  });
}

}  // namespace customs::cli
