#include "scan/scanner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "base/file.h"
#include "catalog/catalogers.h"
#include "catalog/os_release.h"
#include "catalog/relations.h"
#include "layer/merge.h"
#include "store/layer_cache.h"
#include "vuln/suppress.h"
#include "vuln/updater.h"

namespace customs::scan {

std::string AnalyzerSetVersion(const std::vector<const layer::Analyzer*>& analyzers) {
  std::string out;
  for (const auto* a : analyzers) {
    if (!out.empty()) out += ',';
    out += a->Name();
    out += '@';
    out += std::to_string(a->Version());
  }
  return out;
}

std::string LayerCacheKey(const Digest& diff_id,
                          const std::vector<const layer::Analyzer*>& analyzers,
                          const Limits& limits) {
  std::string limit_text = std::to_string(limits.max_layer_expanded_bytes) + "," +
                           std::to_string(limits.max_expansion_ratio) + "," +
                           std::to_string(limits.max_layer_entries) + "," +
                           std::to_string(limits.max_package_db_bytes);
  return Sha256::Of(diff_id.str() + "\n" + AnalyzerSetVersion(analyzers) + "\n" + limit_text).str();
}

Result<layer::LayerResult> AnalyzeLayerBlob(std::unique_ptr<ByteStream> blob,
                                            const image::LayerBlob& layer, size_t index,
                                            const std::vector<const layer::Analyzer*>& analyzers,
                                            const Limits& limits,
                                            layer::ContentPool* content_pool) {
  std::string what = "layer " + std::to_string(index + 1) + " (" + layer.location + ")";
  CUSTOMS_ASSIGN_OR_RETURN(auto stream, image::OpenLayerTar(std::move(blob), layer, what, limits));
  layer::TarEntryReader entries(*stream, limits, what);
  return layer::WalkLayer(entries, analyzers, layer.diff_id.str(), content_pool);
}

namespace {

// Runs fn(i) for i in [0, n) on up to `threads` threads; results in order.
template <typename T, typename Fn>
std::vector<std::optional<Result<T>>> ParallelMap(size_t n, unsigned threads, Fn fn) {
  std::vector<std::optional<Result<T>>> out(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) out[i].emplace(fn(i));
  };
  unsigned t = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n)));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < t; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return out;
}

// A layer being analyzed in this process, by cache key: a scan that needs
// the same layer meanwhile (census workers starting images of one base)
// waits, then finds it in the cache instead of analyzing it again.
class LayerClaim {
 public:
  explicit LayerClaim(std::string key) : key_(std::move(key)) {
    std::unique_lock lock(mu());
    done().wait(lock, [&] { return !keys().contains(key_); });
    keys().insert(key_);
  }
  ~LayerClaim() {
    {
      std::lock_guard lock(mu());
      keys().erase(key_);
    }
    done().notify_all();
  }
  LayerClaim(const LayerClaim&) = delete;
  LayerClaim& operator=(const LayerClaim&) = delete;

 private:
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static std::condition_variable& done() {
    static std::condition_variable c;
    return c;
  }
  static std::set<std::string>& keys() {
    static std::set<std::string> k;
    return k;
  }
  std::string key_;
};

bool PackageLess(const model::Package& a, const model::Package& b) {
  return std::tie(a.type, a.name, a.version, a.arch, a.db_path) <
         std::tie(b.type, b.name, b.version, b.arch, b.db_path);
}

}  // namespace

Result<std::vector<model::ScanResult>> ScanImage(const std::string& image_arg,
                                                 const ScanOptions& options) {
  CUSTOMS_ASSIGN_OR_RETURN(image::ImageSpec spec, image::ParseImageSpec(image_arg));
  CUSTOMS_ASSIGN_OR_RETURN(auto source,
                           image::OpenImageSource(spec, options.limits, &options.registry));
  CUSTOMS_ASSIGN_OR_RETURN(auto images, source->Resolve(options.platform));

  auto owned = catalog::OsCatalogers();
  for (auto& a : catalog::LanguageCatalogers()) owned.push_back(std::move(a));
  std::vector<const layer::Analyzer*> analyzers;
  for (const auto& a : owned) analyzers.push_back(a.get());
  std::shared_ptr<const detect::Detectors> detectors = options.detectors;
  if (detectors == nullptr) {
    CUSTOMS_ASSIGN_OR_RETURN(detect::Detectors created, detect::Detectors::Create(options.detect));
    detectors = std::make_shared<const detect::Detectors>(std::move(created));
  }
  for (const auto* a : detectors->analyzers()) analyzers.push_back(a);
  unsigned threads = options.parallelism != 0 ? options.parallelism
                                              : std::max(1u, std::thread::hardware_concurrency());
  std::optional<store::LayerCache> cache;
  if (!options.layer_cache_dir.empty()) {
    auto opened = store::LayerCache::Open(options.layer_cache_dir, options.layer_cache_max_bytes);
    if (!opened.ok()) return std::move(opened).status().WithContext("layer cache");
    cache.emplace(std::move(*opened));
  }
  ScanStats unused_stats;
  ScanStats& stats = options.stats != nullptr ? *options.stats : unused_stats;
  // Layers are walked side by side; content detectors run on threads the
  // walks share.
  std::unique_ptr<layer::ContentPool> pool;
  if (threads > 1 && std::any_of(analyzers.begin(), analyzers.end(),
                                 [](const layer::Analyzer* a) { return a->ScansContent(); }))
    pool = std::make_unique<layer::ContentPool>(threads);
  // One layer: from the cache, else read (a remote blob that fails to
  // verify is fetched once more) and then cached.
  auto analyze = [&](const image::ResolvedImage& img, size_t i) -> Result<layer::LayerResult> {
    stats.layers++;
    std::string key;
    std::optional<LayerClaim> claim;
    if (cache) {
      key = std::string(
          Digest::Parse(LayerCacheKey(img.layers[i].diff_id, analyzers, options.limits))->hex());
      claim.emplace(key);  // waits while another scan analyzes the layer
      auto hit = cache->Get(key, options.limits);
      if (hit.ok() && hit->has_value()) {
        stats.layers_cached++;
        return std::move(**hit);
      }
    }
    Result<layer::LayerResult> result = Internal("not analyzed");
    for (int attempt = 1; attempt <= (source->Remote() ? 2 : 1); ++attempt) {
      auto blob = source->OpenLayerBlob(img, i);
      if (!blob.ok()) return std::move(blob).status();
      result = AnalyzeLayerBlob(std::move(*blob), img.layers[i], i, analyzers, options.limits,
                                pool.get());
      if (result.ok() || result.status().code() != StatusCode::kDataLoss) break;
    }
    if (result.ok() && cache) (void)cache->Put(key, *result);
    return result;
  };

  std::vector<model::ScanResult> results;
  for (auto& img : images) {
    std::vector<layer::LayerResult> layers;
    if (!source->RootDirectory().empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(
          auto reader, layer::DirectoryEntryReader::Open(source->RootDirectory(), options.limits));
      CUSTOMS_ASSIGN_OR_RETURN(auto walked, layer::WalkLayer(*reader, analyzers, "", pool.get()));
      layers.push_back(std::move(walked));
      img.info.layers.push_back({0, "", "", ""});
    } else {
      auto walked = ParallelMap<layer::LayerResult>(img.layers.size(), threads,
                                                    [&](size_t i) { return analyze(img, i); });
      for (auto& r : walked) {
        if (!r->ok()) return std::move(*r).status();
        layers.push_back(std::move(**r));
      }
    }
    std::vector<const layer::LayerResult*> ptrs;
    for (const auto& l : layers) ptrs.push_back(&l);
    layer::MergedFindings merged = layer::Merge(ptrs);

    model::ScanResult result;
    result.image = img.info;
    result.os = catalog::ChooseOs(merged.findings.os);
    result.packages = std::move(merged.findings.packages);
    for (auto& p : result.packages)
      if (p.layer.index >= 0 && static_cast<size_t>(p.layer.index) < img.info.layers.size())
        p.layer = img.info.layers[static_cast<size_t>(p.layer.index)];
    catalog::FinishPackages(result.os, merged.findings.package_files,
                            merged.findings.package_licenses, result.packages);
    catalog::RelatePackages(result.packages);
    std::sort(result.packages.begin(), result.packages.end(), PackageLess);
    result.diagnostics = std::move(merged.diagnostics);
    if (options.detect.any()) {
      auto layer_ref = [&](const model::LayerRef& ref) {
        return ref.index >= 0 && static_cast<size_t>(ref.index) < img.info.layers.size()
                   ? img.info.layers[static_cast<size_t>(ref.index)]
                   : ref;
      };
      result.detections = std::move(merged.detections);
      for (auto& d : result.detections) {
        d.layer = layer_ref(d.layer);
        d.deleted_by = layer_ref(d.deleted_by);
      }
      detect::FinishDetections(options.detect, merged.tree, result);
    }
    results.push_back(std::move(result));
  }
  return results;
}

namespace {

Result<std::vector<vuln::IgnoreRule>> ReadIgnoreRules(const std::vector<std::string>& files) {
  std::vector<vuln::IgnoreRule> rules;
  for (const auto& path : files) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, vuln::kMaxIgnoreFileBytes), path);
    CUSTOMS_ASSIGN_OR_RETURN(auto parsed, vuln::ParseIgnoreFile(text, path));
    rules.insert(rules.end(), parsed.begin(), parsed.end());
  }
  return rules;
}

std::string Today(int64_t now_seconds) {
  std::time_t now = static_cast<std::time_t>(now_seconds);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char today[16];
  std::strftime(today, sizeof(today), "%Y-%m-%d", &tm);
  return today;
}

}  // namespace

Result<std::vector<std::string>> ApplyContrabandAllowList(
    std::vector<model::ScanResult>& results, const std::vector<std::string>& ignore_files,
    int64_t now) {
  std::vector<std::string> notices;
  CUSTOMS_ASSIGN_OR_RETURN(auto rules, ReadIgnoreRules(ignore_files));
  if (rules.empty()) return notices;
  std::string today = Today(now);
  for (auto& r : results) vuln::ApplyAllowList(r.detections, rules, today, &notices);
  std::sort(notices.begin(), notices.end());
  notices.erase(std::unique(notices.begin(), notices.end()), notices.end());
  return notices;
}

Result<VulnScanNotices> MatchVulnerabilities(std::vector<model::ScanResult>& results,
                                             const VulnScanOptions& options) {
  VulnScanNotices notices;
  CUSTOMS_ASSIGN_OR_RETURN(vuln::DbState state, vuln::CheckDb(options.db_path, options.now));
  if (state.stale) notices.warnings.push_back(state.message);
  CUSTOMS_ASSIGN_OR_RETURN(auto db, vuln::AdvisoryDb::Open(options.db_path));

  CUSTOMS_ASSIGN_OR_RETURN(auto rules, ReadIgnoreRules(options.ignore_files));
  std::vector<vuln::VexStatement> vex;
  for (const auto& path : options.vex_files) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, vuln::kMaxVexBytes), path);
    CUSTOMS_ASSIGN_OR_RETURN(auto parsed, vuln::ParseOpenVex(text, path));
    vex.insert(vex.end(), parsed.begin(), parsed.end());
  }
  std::string today = Today(options.now);

  for (auto& r : results) {
    CUSTOMS_ASSIGN_OR_RETURN(auto out, vuln::MatchPackages(db, r.os, r.packages, options.match));
    r.vulnerabilities = std::move(out.vulnerabilities);
    for (auto& d : out.detections) r.detections.push_back(std::move(d));
    detect::SortDetections(r.detections);
    for (auto& d : out.diagnostics) r.diagnostics.push_back(std::move(d));
    for (auto& line : out.explanation) notices.explanation.push_back(std::move(line));
    if (!rules.empty() || !vex.empty())
      vuln::ApplySuppressions(r.vulnerabilities, rules, vex, today, &notices.warnings);
    const std::string& id = options.match.explain_id;
    for (const auto& v : r.vulnerabilities)
      if (!id.empty() && !v.suppressed_by.empty() &&
          (v.id == id || std::find(v.aliases.begin(), v.aliases.end(), id) != v.aliases.end()))
        notices.explanation.push_back(v.purl + ": " + v.id + " suppressed: " + v.suppressed_by);
  }
  // One notice per expired rule, however many results it met.
  std::sort(notices.warnings.begin(), notices.warnings.end());
  notices.warnings.erase(std::unique(notices.warnings.begin(), notices.warnings.end()),
                         notices.warnings.end());
  return notices;
}

Status AddBehavior(std::vector<model::ScanResult>& results, const std::string& image_arg,
                   const sandbox::SandboxOptions& options) {
  CUSTOMS_ASSIGN_OR_RETURN(sandbox::SandboxRun run, sandbox::RunSandbox(image_arg, options),
                           "sandbox");
  model::ScanResult* target = results.empty() ? nullptr : &results[0];
  for (auto& r : results)
    if (r.image.config_digest == run.image.config_digest) {
      target = &r;
      break;
    }
  if (target == nullptr) {
    results.emplace_back();
    target = &results.back();
    target->image = run.image;
  }
  for (auto& d : run.detections) target->detections.push_back(std::move(d));
  detect::SortDetections(target->detections);
  target->behavior = std::move(run.report);
  return Status::Ok();
}

}  // namespace customs::scan
