// `customs db update|import|status`: downloads the public advisory feeds and
// builds the advisory DB from them, or from local files (air-gapped).
//
// The DB is always built into a new file next to the target and renamed
// over it once complete (DESIGN.md rule 4), so a failed, interrupted or
// concurrent update leaves the previous DB in service:
//
//   auto report = UpdateDb({.sources = *DefaultSources({})});
//   if (!report.ok()) ...  // the old DB is untouched, no temp files remain
//
// Impure: these functions do network and file IO. Not thread-safe with
// respect to the same DB path; a lock file ("<db>.lock") makes a second
// concurrent update of the same DB fail instead of racing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vuln/advisory_db.h"
#include "vuln/feeds.h"

namespace customs::vuln {

// $XDG_CACHE_HOME/customs/db/advisories.db, or ~/.cache/customs/db/… when
// XDG_CACHE_HOME is unset or not absolute ("./.cache/…" without HOME).
std::filesystem::path DefaultDbPath();
// $XDG_CACHE_HOME/customs/feeds: the raw downloads kept for conditional
// requests (a 304 reuses the cached copy).
std::filesystem::path DefaultFeedCacheDir();

enum class FeedKind { kOsvZip, kDebianTracker, kAlpineSecdb };
std::string_view FeedKindName(FeedKind kind);

// One downloadable feed. `name` is stable ("osv:npm", "debian",
// "alpine:v3.19/main") and names the source in the DB, in errors and in
// --source-url overrides.
struct FeedSource {
  std::string name;
  std::string url;
  FeedKind kind = FeedKind::kOsvZip;
};

// The ecosystems `customs db update` knows, as accepted by DefaultSources:
// the OSV ecosystems npm, PyPI, Go, crates.io, Maven, RubyGems, Packagist,
// NuGet, and the distro feeds Debian (security tracker JSON) and Alpine
// (secdb, every release v3.2 … v3.22 and edge, main and community).
std::vector<std::string> SupportedEcosystems();

// The public endpoints for `ecosystems` (matched case-insensitively; empty
// means all supported), in a stable order:
//   https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip
//   https://security-tracker.debian.org/tracker/data/json
//   https://secdb.alpinelinux.org/v3.N/{main,community}.json
// InvalidArgument naming the ecosystem and the supported list when unknown.
Result<std::vector<FeedSource>> DefaultSources(const std::vector<std::string>& ecosystems);

// Applies `--mirror BASE` (each URL's scheme://host is replaced by BASE, the
// path kept: https://secdb.alpinelinux.org/v3.19/main.json ->
// BASE/v3.19/main.json) and then `--source-url NAME=URL` overrides (one
// source's URL replaced). InvalidArgument for a malformed override, an
// unknown NAME (listing a few known ones) or a URL that is not http(s).
Status ApplySourceOverrides(std::vector<FeedSource>& sources, std::string_view mirror,
                            const std::vector<std::string>& overrides);

struct UpdateOptions {
  std::filesystem::path db_path;    // empty: DefaultDbPath()
  std::filesystem::path cache_dir;  // empty: DefaultFeedCacheDir()
  std::vector<FeedSource> sources;  // must not be empty
  // Progress lines go here (nullptr: none). On a terminal (isatty) one line
  // per source is redrawn with '\r' and a bar; otherwise one plain line per
  // source when it is done.
  FILE* progress = nullptr;
  // Ignore saved validators: download everything and rebuild.
  bool force = false;
  // When a source fails to download but a cached copy from an earlier
  // successful download exists, build from the cached copy and add a
  // warning instead of failing. Off by default: a user who runs `update`
  // expects current data or an error.
  bool use_cache_on_failure = false;
  // Transfer bounds. A transfer slower than low_speed_bytes per second for
  // low_speed_seconds is aborted (a stalled server), as is one whose body
  // exceeds max_source_bytes (OSV's largest all.zip is ~1 GiB today).
  long connect_timeout_seconds = 30;
  long low_speed_bytes = 1024;
  long low_speed_seconds = 60;
  uint64_t max_source_bytes = uint64_t{2} << 30;
  FeedLimits limits;
};

enum class SourceOutcome {
  kDownloaded,          // 200: new content
  kNotModified,         // 304: the cached copy was current
  kCachedAfterFailure,  // failed; the cached copy was used (see warnings)
};

struct SourceReport {
  std::string name;
  std::string url;
  SourceOutcome outcome = SourceOutcome::kDownloaded;
  uint64_t bytes = 0;      // bytes received over the network (0 for 304)
  int64_t advisories = 0;  // imported from this source (0 when not rebuilt)
};

struct UpdateReport {
  std::filesystem::path db_path;
  // False when every source answered 304 and the DB already held exactly
  // these sources at these versions: nothing was rebuilt.
  bool rebuilt = false;
  std::vector<SourceReport> sources;
  std::vector<std::string> warnings;  // files skipped by the importers, stale caches used
  AdvisoryDb::Counts counts;          // of the DB now in service
};

// Downloads every source (HTTPS via libcurl, redirects followed, conditional
// with the ETag/Last-Modified saved next to the cached copy), then builds a
// new DB from the cached files and renames it over options.db_path. Any
// failure (network, HTTP status other than 200/304, a truncated body, a
// document that is not the expected feed, a source none of whose documents
// parse) returns an error naming the source and URL; the old DB stays, the
// temp DB and partial downloads are removed. A successfully downloaded file
// stays in the cache even when a later source fails.
Result<UpdateReport> UpdateDb(const UpdateOptions& options);

// `customs db import PATH…`: a new DB from local files and directories (any
// format ReadAdvisories reads), atomically replacing `db_path`. Each path is
// one source named by its path. An unreadable path, or a path with files of
// which none parse, is an error and leaves the old DB.
Result<UpdateReport> ImportPaths(const std::filesystem::path& db_path,
                                 const std::vector<std::filesystem::path>& paths,
                                 const FeedLimits& limits = {});

// The DB's freshness, for `scan`: NotFound with the message
//   no advisory DB at X: run `customs db update` (or `customs db import PATH` offline)
// when missing, the Open error when unreadable, else its age. `message` is
// set when stale (older than max_age_seconds):
//   advisory DB at X is 3 days old; run `customs db update`
struct DbState {
  std::filesystem::path path;
  int64_t built_at = 0;     // unix seconds
  int64_t age_seconds = 0;  // now - built_at, 0 when the clock is behind
  bool stale = false;
  std::string message;
};
inline constexpr int64_t kDbMaxAgeSeconds = 24 * 3600;
Result<DbState> CheckDb(const std::filesystem::path& path, int64_t now,
                        int64_t max_age_seconds = kDbMaxAgeSeconds);

// "45 seconds", "12 minutes", "5 hours", "3 days".
std::string FormatAge(int64_t seconds);

}  // namespace customs::vuln
