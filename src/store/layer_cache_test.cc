#include "store/layer_cache.h"

#include <sys/stat.h>
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "gtest/gtest.h"
#include "store/layer_codec.h"
#include "tests/testing.h"

namespace customs::store {

namespace testdata {  // layer_codec_test.cc
layer::LayerResult FullResult();
layer::LayerResult LargeResult(int files, int packages);
}  // namespace testdata

namespace {

const std::string kHex = "4f2d8c1e" + std::string(56, '7');
const std::string kKey = "sha256:" + kHex;  // as scan::LayerCacheKey returns it

// A realistic result with every field of every struct in use.
layer::LayerResult Realistic() {
  layer::LayerResult r = testdata::LargeResult(10'000, 300);
  layer::LayerResult full = testdata::FullResult();
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(r.files, full.files);
  append(r.whiteouts, full.whiteouts);
  append(r.findings.packages, full.findings.packages);
  append(r.findings.package_files, full.findings.package_files);
  append(r.findings.package_licenses, full.findings.package_licenses);
  append(r.findings.detections, full.findings.detections);
  append(r.findings.diagnostics, full.findings.diagnostics);
  return r;
}

LayerCache OpenCache(const std::string& dir, uint64_t max_bytes = 0) {
  Result<LayerCache> cache = LayerCache::Open(dir, max_bytes);
  EXPECT_TRUE(cache.ok()) << cache.status().ToString();
  return std::move(cache).value();
}

std::string EntryPath(const LayerCache& cache) {
  Result<std::optional<std::string>> path = cache.disk().Path(kHex);
  return path.ok() && path->has_value() ? **path : "";
}

TEST(LayerCacheTest, PutGetRoundTrip) {
  std::string dir = testing::TempDir() + "/layers";
  LayerCache cache = OpenCache(dir);
  layer::LayerResult r = Realistic();

  Result<std::optional<layer::LayerResult>> miss = cache.Get(kKey, Limits{});
  ASSERT_TRUE(miss.ok()) << miss.status().ToString();
  EXPECT_FALSE(miss->has_value());

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(cache.Put(kKey, r).ok());
  auto t1 = std::chrono::steady_clock::now();
  Result<std::optional<layer::LayerResult>> hit = cache.Get(kKey, Limits{});
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  ASSERT_TRUE(hit->has_value());
  EXPECT_TRUE(LayerResultsEqual(**hit, r));
  EXPECT_EQ((*hit)->findings.packages, r.findings.packages);
  EXPECT_EQ((*hit)->findings.detections, r.findings.detections);
  EXPECT_EQ((*hit)->files.size(), 10'003u);

  // The entry sits in the DiskCache under the bare hex, zstd-compressed.
  std::string path = EntryPath(cache);
  EXPECT_EQ(path, dir + "/4f/" + kHex);
  Result<std::string> stored = ReadFile(path, 64 << 20);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->starts_with("\x28\xb5\x2f\xfd"));  // zstd frame magic
  size_t encoded = EncodeLayerResult(r).size();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("10k files, 300 packages: %zu bytes encoded, %zu stored; put %.2f ms, get %.2f ms\n",
              encoded, stored->size(), ms(t1 - t0), ms(t2 - t1));
  EXPECT_LT(stored->size(), encoded / 4);

  // The bare hex names the same entry.
  Result<std::optional<layer::LayerResult>> by_hex = cache.Get(kHex, Limits{});
  ASSERT_TRUE(by_hex.ok());
  EXPECT_TRUE(by_hex->has_value());

  Result<CacheStats> stats = cache.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, stored->size());

  // A second process (a new LayerCache over the directory) sees it.
  LayerCache again = OpenCache(dir);
  Result<std::optional<layer::LayerResult>> other = again.Get(kKey, Limits{});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->has_value());
  EXPECT_TRUE(LayerResultsEqual(**other, r));
}

TEST(LayerCacheTest, BadKeysAreRejected) {
  LayerCache cache = OpenCache(testing::TempDir());
  EXPECT_EQ(cache.Get("sha256:XYZ", Limits{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Get("", Limits{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Put("../../etc/passwd", layer::LayerResult{}).code(),
            StatusCode::kInvalidArgument);
}

// Each kind of damage: a miss, and the entry is gone.
TEST(LayerCacheTest, CorruptEntryIsAMissAndRemoved) {
  layer::LayerResult r = testdata::FullResult();
  Result<std::string> good = CompressLayerEntry(EncodeLayerResult(r));
  ASSERT_TRUE(good.ok());
  std::string flipped = *good;
  flipped[flipped.size() / 2] ^= 0x40;
  std::string not_codec = *CompressLayerEntry("CUSTOMSLR\x01 this is not a result");
  std::string two_frames = *good + *good;
  const std::pair<const char*, std::string> damage[] = {
      {"empty", ""},
      {"truncated", good->substr(0, good->size() / 2)},
      {"one byte short", good->substr(0, good->size() - 1)},
      {"flipped bit", flipped},
      {"not zstd", "CUSTOMSLR\x01 plain"},
      {"zstd of garbage", not_codec},
      {"two frames", two_frames},
  };
  for (const auto& [what, bytes] : damage) {
    LayerCache cache = OpenCache(testing::TempDir());
    ASSERT_TRUE(cache.Put(kKey, r).ok());
    std::string path = EntryPath(cache);
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
    Result<std::optional<layer::LayerResult>> got = cache.Get(kKey, Limits{});
    ASSERT_TRUE(got.ok()) << what << ": " << got.status().ToString();
    EXPECT_FALSE(got->has_value()) << what;
    EXPECT_EQ(EntryPath(cache), "") << what << ": entry not removed";
    // A fresh Put then hits.
    ASSERT_TRUE(cache.Put(kKey, r).ok());
    got = cache.Get(kKey, Limits{});
    ASSERT_TRUE(got.ok() && got->has_value()) << what;
  }
}

TEST(LayerCacheTest, OtherFormatVersionIsAMissAndRemoved) {
  std::string dir = testing::TempDir();
  LayerCache cache = OpenCache(dir);
  layer::LayerResult r = testdata::FullResult();
  std::string encoded = EncodeLayerResult(r);
  ASSERT_EQ(encoded[9], static_cast<char>(kLayerCodecVersion));
  encoded[9] = static_cast<char>(kLayerCodecVersion + 1);  // an entry from a newer customs
  Result<std::string> compressed = CompressLayerEntry(encoded);
  ASSERT_TRUE(compressed.ok());
  Result<DiskCache> disk = DiskCache::Open(dir, 0);  // as another customs would write it
  ASSERT_TRUE(disk.ok());
  ASSERT_TRUE(disk->Put(kHex, *compressed).ok());
  ASSERT_NE(EntryPath(cache), "");
  Result<std::optional<layer::LayerResult>> got = cache.Get(kKey, Limits{});
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(EntryPath(cache), "");
}

TEST(LayerCacheTest, EntryOverTheLimitsIsAMissButStays) {
  LayerCache cache = OpenCache(testing::TempDir());
  layer::LayerResult r = testdata::LargeResult(200, 2);
  ASSERT_TRUE(cache.Put(kKey, r).ok());
  Limits tight;
  tight.max_layer_entries = 100;
  Result<std::optional<layer::LayerResult>> got = cache.Get(kKey, tight);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_NE(EntryPath(cache), "");
  got = cache.Get(kKey, Limits{});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

TEST(LayerCacheTest, DecompressRefusesFramesWithoutContentSize) {
  std::string data(1000, 'x');
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{data.data(), data.size(), 0};
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(ctx, &ob, &ib, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  ASSERT_EQ(ZSTD_compressStream2(ctx, &ob, &none, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(ctx);
  out.resize(ob.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  Result<std::string> r = DecompressLayerEntry(out);
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "layer cache entry: zstd frame without a content size");

  Result<std::string> ok = DecompressLayerEntry(*CompressLayerEntry(data));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, data);
}

TEST(LayerCacheTest, ConcurrentPutsOfOneKey) {
  LayerCache cache = OpenCache(testing::TempDir(), 256 << 20);
  layer::LayerResult r = testdata::LargeResult(3000, 100);
  std::atomic<int> failures{0};
  std::atomic<int> hits{0};
  auto worker = [&] {
    for (int i = 0; i < 10; ++i) {
      if (!cache.Put(kKey, r).ok()) ++failures;
      Result<std::optional<layer::LayerResult>> got = cache.Get(kKey, Limits{});
      // Another thread's Put may replace the entry, never damage it.
      if (!got.ok() || !got->has_value() || !LayerResultsEqual(**got, r))
        ++failures;
      else
        ++hits;
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(hits.load(), 20);
  EXPECT_EQ(cache.Stats()->entries, 1u);
}

TEST(LayerCacheTest, PruneAndClearPassThrough) {
  LayerCache cache = OpenCache(testing::TempDir());
  for (int i = 0; i < 3; ++i) {
    std::string key = std::string(63, 'a') + static_cast<char>('0' + i);
    ASSERT_TRUE(cache.Put(key, testdata::LargeResult(10 * (i + 1), 1)).ok());
  }
  EXPECT_EQ(cache.Stats()->entries, 3u);
  Result<CacheStats> removed = cache.Prune(0);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->entries, 3u);
  ASSERT_TRUE(cache.Put(kKey, testdata::FullResult()).ok());
  ASSERT_TRUE(cache.Clear().ok());
  EXPECT_EQ(cache.Stats()->entries, 0u);
}

}  // namespace
}  // namespace customs::store
