#include "scan/census.h"

#include <fnmatch.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/file.h"
#include "store/census_store.h"
#include "vuln/updater.h"

namespace customs::scan {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The positive number of a --tags N, or 0.
size_t TagCount(std::string_view mode) {
  size_t n = 0;
  auto [end, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), n);
  if (ec != std::errc() || end != mode.data() + mode.size()) return 0;
  return n;
}

// A temporary layer cache for a run whose caller gave none; removed with
// this object.
class TempDir {
 public:
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  Status Create() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    auto made = MakeTempDirectory(base.string(), "customs-census-");
    if (!made.ok())
      return PermissionDenied("cannot create a temporary layer cache under " + base.string());
    path_ = *std::move(made);
    return Status::Ok();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Target {
  std::string reference;
  std::string repository;
  std::string tag;
};

}  // namespace

int CompareTags(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = IsDigit(a[i]), db = IsDigit(b[j]);
    if (da != db) return da ? -1 : 1;
    size_t ei = i, ej = j;
    while (ei < a.size() && IsDigit(a[ei]) == da) ++ei;
    while (ej < b.size() && IsDigit(b[ej]) == db) ++ej;
    std::string_view ra = a.substr(i, ei - i), rb = b.substr(j, ej - j);
    if (da) {
      // As numbers of any length: without leading zeros, longer is larger.
      std::string_view na = ra.substr(std::min(ra.find_first_not_of('0'), ra.size()));
      std::string_view nb = rb.substr(std::min(rb.find_first_not_of('0'), rb.size()));
      if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
      if (int c = na.compare(nb); c != 0) return c < 0 ? -1 : 1;
    } else {
      // "1.2-rc1" against "1.2": the longer one's '-' run starts a
      // pre-release only once the other has ended, handled below.
      if (int c = ra.compare(rb); c != 0) return c < 0 ? -1 : 1;
    }
    i = ei;
    j = ej;
  }
  if (i == a.size() && j == b.size()) return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  // One is a prefix of the other (in runs): a '-' suffix is a pre-release
  // and sorts first; any other suffix sorts after.
  if (i == a.size()) return b[j] == '-' ? 1 : -1;
  return a[i] == '-' ? -1 : 1;
}

Status CheckTagsMode(std::string_view mode) {
  if (mode == "latest" || mode == "all" || TagCount(mode) > 0) return Status::Ok();
  return InvalidArgument("--tags: '" + std::string(mode) +
                         "' is not latest, all or a positive number");
}

std::vector<std::string> SelectTags(std::vector<std::string> tags, std::string_view mode) {
  std::sort(tags.begin(), tags.end(),
            [](const std::string& a, const std::string& b) { return CompareTags(a, b) < 0; });
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  if (mode == "all") return tags;
  if (mode == "latest") {
    if (tags.empty()) return {};
    if (std::find(tags.begin(), tags.end(), "latest") != tags.end()) return {"latest"};
    return {tags.back()};
  }
  size_t n = TagCount(mode);
  if (n < tags.size()) tags.erase(tags.begin(), tags.end() - static_cast<ptrdiff_t>(n));
  return tags;
}

model::CensusImage ToCensusImage(const model::ScanResult& result) {
  model::CensusImage image;
  const model::ImageInfo& info = result.image;
  image.manifest_digest = info.manifest_digest;
  if (!info.os.empty() || !info.architecture.empty())
    image.platform =
        info.os + "/" + info.architecture + (info.variant.empty() ? "" : "/" + info.variant);
  for (const auto& layer : info.layers) image.layers.push_back(layer.diff_id);

  std::map<std::string, model::Severity> by_id;
  std::map<std::pair<std::string, std::string>, model::Severity> pairs;
  for (const auto& v : result.vulnerabilities) {
    if (!v.suppressed_by.empty()) continue;
    auto [it, inserted] = by_id.emplace(v.id, v.severity);
    if (!inserted) it->second = std::max(it->second, v.severity);
    auto [pit, pair_inserted] = pairs.emplace(std::pair{v.id, v.package_name}, v.severity);
    if (!pair_inserted) pit->second = std::max(pit->second, v.severity);
  }
  model::SeverityCounts& counts = image.vulnerabilities;
  for (const auto& [id, severity] : by_id) {
    switch (severity) {
      case model::Severity::kCritical:
        ++counts.critical;
        break;
      case model::Severity::kHigh:
        ++counts.high;
        break;
      case model::Severity::kMedium:
        ++counts.medium;
        break;
      case model::Severity::kLow:
        ++counts.low;
        break;
      case model::Severity::kNegligible:
        ++counts.negligible;
        break;
      case model::Severity::kUnknown:
        ++counts.unknown;
        break;
    }
    ++counts.total;
  }
  for (const auto& [key, severity] : pairs)
    image.findings.push_back({key.first, severity, key.second});

  std::set<std::string> categories;
  for (const auto& d : result.detections) {
    if (!d.suppressed_by.empty() || d.disposition == model::Disposition::kInfo) continue;
    for (std::string_view harmful : model::kHarmfulCategories)
      if (d.category == harmful) categories.insert(d.category);
  }
  image.categories.assign(categories.begin(), categories.end());
  return image;
}

Result<model::CensusSummary> RunCensus(const CensusOptions& options) {
  const Clock::time_point start = Clock::now();
  if (options.registry.empty()) return InvalidArgument("census: no registry given");
  CUSTOMS_TRY(CheckTagsMode(options.tags));
  VulnScanOptions vuln_options = options.vuln;
  if (vuln_options.now == 0) vuln_options.now = static_cast<int64_t>(std::time(nullptr));
  if (options.match_vulns) {
    // Up front: a census without its DB would store every image without
    // vulnerabilities.
    CUSTOMS_ASSIGN_OR_RETURN(vuln::DbState state,
                             vuln::CheckDb(vuln_options.db_path, vuln_options.now));
    if (state.stale && options.scan.registry.notify) options.scan.registry.notify(state.message);
  }
  std::string store_path =
      options.store_path.empty() ? store::CensusStore::DefaultPath() : options.store_path;
  CUSTOMS_ASSIGN_OR_RETURN(store::CensusStore store, store::CensusStore::Open(store_path));

  ScanOptions scan_options = options.scan;
  TempDir temp_cache;
  if (scan_options.layer_cache_dir.empty()) {
    CUSTOMS_TRY(temp_cache.Create());
    scan_options.layer_cache_dir = temp_cache.path();
  }
  // One set of analyzers (compiled rules) for every image of the run.
  if (scan_options.detectors == nullptr) {
    CUSTOMS_ASSIGN_OR_RETURN(detect::Detectors detectors,
                             detect::Detectors::Create(scan_options.detect));
    scan_options.detectors = std::make_shared<const detect::Detectors>(std::move(detectors));
  }
  const unsigned workers_wanted = std::max(1u, options.parallel_images);
  if (scan_options.parallelism == 0)
    scan_options.parallelism = std::max(1u, std::thread::hardware_concurrency() / workers_wanted);

  // The images: every tag the mode selects in every repository the glob
  // takes. A repository whose tags cannot be listed is a failed image.
  image::RegistryClient client(options.registry, scan_options.registry);
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<std::string> repositories, client.ListRepositories(),
                           "listing the repositories of " + options.registry);
  std::sort(repositories.begin(), repositories.end());
  std::vector<Target> targets;
  std::vector<std::string> selected;  // every reference of the run, for the summary
  size_t listing_failures = 0;
  for (const std::string& repo : repositories) {
    if (fnmatch(options.repos_glob.c_str(), repo.c_str(), 0) != 0) continue;
    auto tags = client.ListTags(repo);
    if (!tags.ok()) {
      model::CensusImage failed;
      failed.registry = options.registry;
      failed.repository = repo;
      failed.reference = options.registry + "/" + repo;
      failed.error = "listing tags: " + tags.status().ToString();
      CUSTOMS_TRY(store.Put(failed));
      selected.push_back(failed.reference);
      ++listing_failures;
      continue;
    }
    for (std::string& tag : SelectTags(std::move(*tags), options.tags)) {
      std::string reference = options.registry + "/" + repo + ":" + tag;
      selected.push_back(reference);
      targets.push_back({std::move(reference), repo, std::move(tag)});
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<std::string> done_list, store.Done(options.registry));
  std::set<std::string> done(done_list.begin(), done_list.end());
  std::vector<Target> pending;
  for (auto& t : targets)
    if (!done.count(t.reference)) pending.push_back(std::move(t));
  const size_t resumed = targets.size() - pending.size();

  std::mutex mu;  // guards progress and first_error
  CensusProgress progress;
  progress.total = pending.size() + listing_failures;
  progress.done = listing_failures;
  progress.failed = listing_failures;
  progress.resumed = resumed;
  Status first_error;
  auto report = [&] {
    progress.elapsed_seconds = SecondsSince(start);
    progress.images_per_second =
        progress.elapsed_seconds > 0 ? progress.done / progress.elapsed_seconds : 0;
    progress.layers_reused_percent =
        progress.layers > 0 ? 100.0 * progress.layers_cached / progress.layers : 0;
    if (options.progress) options.progress(progress);
  };
  report();

  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (size_t i; !stop.load() && (i = next.fetch_add(1)) < pending.size();) {
      const Target& target = pending[i];
      const Clock::time_point image_start = Clock::now();
      ScanStats stats;
      ScanOptions image_options = scan_options;
      image_options.stats = &stats;
      model::CensusImage image;
      std::string error;
      auto results = ScanImage(target.reference, image_options);
      if (!results.ok()) {
        error = results.status().ToString();
      } else if (results->empty()) {
        error = "no image for the requested platform";
      } else {
        if (options.match_vulns) {
          auto matched = MatchVulnerabilities(*results, vuln_options);
          if (!matched.ok()) error = "matching vulnerabilities: " + matched.status().ToString();
        }
        if (error.empty()) image = ToCensusImage((*results)[0]);
      }
      image.reference = target.reference;
      image.registry = options.registry;
      image.repository = target.repository;
      image.tag = target.tag;
      image.error = error;
      image.layers_cached = static_cast<int64_t>(stats.layers_cached.load());
      image.seconds = SecondsSince(image_start);
      Status stored = store.Put(image);
      std::lock_guard lock(mu);
      if (!stored.ok()) {
        if (first_error.ok()) first_error = std::move(stored);
        stop = true;
        return;
      }
      ++progress.done;
      if (!error.empty()) {
        ++progress.failed;
      } else {
        // As the summary counts them: the layers of the images scanned.
        progress.layers += stats.layers.load();
        progress.layers_cached += stats.layers_cached.load();
      }
      progress.reference = target.reference;
      progress.error = error;
      report();
    }
  };
  const unsigned workers =
      static_cast<unsigned>(std::min<size_t>(workers_wanted, std::max<size_t>(1, pending.size())));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < workers; ++k) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  CUSTOMS_TRY(first_error, "census store " + store.path());

  CUSTOMS_ASSIGN_OR_RETURN(
      model::CensusSummary summary,
      store.Summarize(options.top_n, {.registry = options.registry, .references = selected}));
  summary.run_images = static_cast<int64_t>(progress.done);
  summary.resumed_images = static_cast<int64_t>(resumed);
  summary.wall_seconds = SecondsSince(start);
  summary.images_per_second =
      summary.wall_seconds > 0 ? static_cast<double>(summary.run_images) / summary.wall_seconds : 0;
  return summary;
}

}  // namespace customs::scan
