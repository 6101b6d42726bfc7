#include "cli/cache_command.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "base/disk_cache.h"
#include "base/file.h"
#include "base/strings.h"
#include "image/registry.h"
#include "scan/scanner.h"

namespace customs::cli {
namespace {

std::string HumanBytes(uint64_t bytes);

// The limits default to those a scan prunes to.
struct CacheFlags {
  std::string cache_dir;
  std::string max_blobs = HumanBytes(image::RegistryOptions{}.blob_cache_max_bytes);
  std::string max_layers = HumanBytes(scan::ScanOptions{}.layer_cache_max_bytes);
  bool all = false;
};

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

struct Part {
  const char* name;
  std::string dir;
  uint64_t max_bytes;
};

Result<std::vector<Part>> Parts(const CacheFlags& f) {
  std::string root = f.cache_dir.empty() ? UserCacheDir() : f.cache_dir;
  uint64_t blobs = 0;
  uint64_t layers = 0;
  if (!ParseByteSize(f.max_blobs, blobs))
    return InvalidArgument("--max-blobs: not a size: '" + f.max_blobs + "'");
  if (!ParseByteSize(f.max_layers, layers))
    return InvalidArgument("--max-layers: not a size: '" + f.max_layers + "'");
  return std::vector<Part>{{"layer results", root + "/layers", layers},
                           {"registry blobs", root + "/blobs", blobs}};
}

int Report(const Status& s) {
  if (s.ok()) return 0;
  std::fprintf(stderr, "customs: %s\n", Printable(s.ToString(), 2000).c_str());
  return 2;
}

Status ShowStatus(const CacheFlags& f) {
  CUSTOMS_ASSIGN_OR_RETURN(auto parts, Parts(f));
  for (const auto& p : parts) {
    CUSTOMS_ASSIGN_OR_RETURN(DiskCache cache, DiskCache::Open(p.dir, p.max_bytes));
    CUSTOMS_ASSIGN_OR_RETURN(CacheStats stats, cache.Stats());
    std::printf("%-15s %8llu entries %12s (limit %s)  %s\n", p.name,
                static_cast<unsigned long long>(stats.entries), HumanBytes(stats.bytes).c_str(),
                HumanBytes(p.max_bytes).c_str(), p.dir.c_str());
  }
  return Status::Ok();
}

Status Prune(const CacheFlags& f) {
  CUSTOMS_ASSIGN_OR_RETURN(auto parts, Parts(f));
  for (const auto& p : parts) {
    CUSTOMS_ASSIGN_OR_RETURN(DiskCache cache, DiskCache::Open(p.dir, p.max_bytes));
    CUSTOMS_ASSIGN_OR_RETURN(CacheStats removed, cache.Prune(f.all ? 0 : p.max_bytes));
    CUSTOMS_ASSIGN_OR_RETURN(CacheStats left, cache.Stats());
    std::printf("%-15s removed %llu entries (%s), %llu left (%s)\n", p.name,
                static_cast<unsigned long long>(removed.entries), HumanBytes(removed.bytes).c_str(),
                static_cast<unsigned long long>(left.entries), HumanBytes(left.bytes).c_str());
  }
  return Status::Ok();
}

}  // namespace

bool ParseByteSize(std::string_view text, uint64_t& bytes) {
  text = Trim(text);
  size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
    ++end;
  if (end == 0) return false;
  double value = std::strtod(std::string(text.substr(0, end)).c_str(), nullptr);
  std::string unit = ToLower(Trim(text.substr(end)));
  if (unit.ends_with("ib")) unit.erase(unit.size() - 2);
  if (unit.ends_with("b")) unit.pop_back();
  static constexpr std::string_view kUnits = "kmgt";
  double scale = 1;
  if (!unit.empty()) {
    size_t pos = kUnits.find(unit);
    if (unit.size() != 1 || pos == std::string_view::npos) return false;
    scale = std::pow(1024.0, static_cast<double>(pos + 1));
  }
  double total = value * scale;
  if (!std::isfinite(total) || total < 0 || total > 9.0e18) return false;
  bytes = static_cast<uint64_t>(total);
  return true;
}

void AddCacheCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CacheFlags>();
  CLI::App* cache = app.add_subcommand("cache", "layer-result and registry-blob caches");
  cache->require_subcommand(1);
  auto add_dir = [&](CLI::App* cmd) {
    cmd->add_option("--cache-dir", flags->cache_dir,
                    "cache directory (default: " + UserCacheDir() + ")");
    cmd->add_option("--max-blobs", flags->max_blobs, "size the blob cache is pruned to")
        ->capture_default_str();
    cmd->add_option("--max-layers", flags->max_layers, "size the layer cache is pruned to")
        ->capture_default_str();
  };
  CLI::App* status = cache->add_subcommand("status", "entries and bytes of each cache");
  add_dir(status);
  status->callback([flags, &exit_code] { exit_code = Report(ShowStatus(*flags)); });
  CLI::App* prune =
      cache->add_subcommand("prune", "evict least recently used entries down to the limits");
  add_dir(prune);
  prune->add_flag("--all", flags->all, "remove everything");
  prune->callback([flags, &exit_code] { exit_code = Report(Prune(*flags)); });
}

}  // namespace customs::cli
