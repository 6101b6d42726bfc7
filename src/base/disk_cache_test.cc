#include "base/disk_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "gtest/gtest.h"
#include "tests/testing.h"

namespace customs {
namespace {

// A key of 64 hex digits from a small number.
std::string Key(int n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016x", n);
  return std::string(buf) + std::string(48, 'a');
}

// `size` bytes that name their key, so a reader can tell a whole entry from
// a partial or foreign one.
std::string Content(const std::string& key, size_t size) {
  std::string out;
  while (out.size() < size) out += key + "|";
  out.resize(size);
  return out;
}

void SetMtime(const std::string& path, time_t seconds) {
  const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

DiskCache OpenCache(const std::string& dir, uint64_t max_bytes = 0) {
  Result<DiskCache> cache = DiskCache::Open(dir, max_bytes);
  EXPECT_TRUE(cache.ok()) << cache.status().ToString();
  return std::move(cache).value();
}

TEST(DiskCacheTest, OpenCreatesPrivateDirectories) {
  std::string dir = testing::TempDir() + "/a/b/cache";
  DiskCache cache = OpenCache(dir);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(cache.dir(), dir);

  // A file where the directory should be.
  ASSERT_TRUE(WriteFileAtomic(dir + "/f", "x").ok());
  Result<DiskCache> bad = DiskCache::Open(dir + "/f", 0);
  EXPECT_FALSE(bad.ok());
}

TEST(DiskCacheTest, PutPathReadStatsRemove) {
  DiskCache cache = OpenCache(testing::TempDir());
  std::string key = Key(1);
  std::string bytes = Content(key, 1000);
  ASSERT_TRUE(cache.Put(key, bytes).ok());

  Result<std::optional<std::string>> path = cache.Path(key);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  ASSERT_TRUE(path->has_value());
  EXPECT_EQ(**path, cache.dir() + "/00/" + key);
  Result<std::string> on_disk = ReadFile(**path, 1 << 20);
  ASSERT_TRUE(on_disk.ok());
  EXPECT_EQ(*on_disk, bytes);

  Result<std::optional<std::string>> read = cache.Read(key, 1 << 20);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, bytes);
  // Larger than the caller's bound.
  Result<std::optional<std::string>> big = cache.Read(key, 999);
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);

  Result<std::optional<std::string>> missing = cache.Path(Key(2));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  Result<std::optional<std::string>> missing_read = cache.Read(Key(2), 100);
  ASSERT_TRUE(missing_read.ok());
  EXPECT_FALSE(missing_read->has_value());

  ASSERT_TRUE(cache.Put(Key(2), "12345").ok());
  Result<CacheStats> stats = cache.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 2u);
  EXPECT_EQ(stats->bytes, 1005u);

  ASSERT_TRUE(cache.Remove(key).ok());
  ASSERT_TRUE(cache.Remove(key).ok());  // absent is fine
  EXPECT_FALSE(cache.Path(key)->has_value());
  stats = cache.Stats();
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, 5u);

  ASSERT_TRUE(cache.Clear().ok());
  stats = cache.Stats();
  EXPECT_EQ(stats->entries, 0u);
  EXPECT_EQ(stats->bytes, 0u);
  EXPECT_TRUE(ListDir(cache.dir() + "/tmp").empty());
}

TEST(DiskCacheTest, StatsIgnoresForeignFiles) {
  DiskCache cache = OpenCache(testing::TempDir());
  ASSERT_TRUE(cache.Put(Key(7), "abc").ok());
  // Files that are not entries: wrong fan-out, bad names, the lock file.
  ASSERT_TRUE(WriteFileAtomic(cache.dir() + "/00/" + Key(0x1000000).substr(0, 63) + "g", "x").ok());
  ASSERT_EQ(::mkdir((cache.dir() + "/ff").c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(cache.dir() + "/ff/" + Key(3), "misplaced").ok());
  ASSERT_TRUE(WriteFileAtomic(cache.dir() + "/README", "hello").ok());
  Result<CacheStats> stats = cache.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, 3u);
}

TEST(DiskCacheTest, InvalidKeysRejected) {
  DiskCache cache = OpenCache(testing::TempDir());
  const std::string bad[] = {
      "",
      "0123456789abcde",                      // 15 digits
      std::string(129, 'a'),                  // too long
      "0123456789ABCDEF",                     // upper case
      "0123456789abcdeg",                     // not hex
      "../../../../etc/passwd0123456789",     // a path
      "sha256:0123456789abcdef0123456789ab",  // a digest string
      std::string("0123456789abcdef\0", 17),
  };
  for (const std::string& key : bad) {
    EXPECT_EQ(cache.Path(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(cache.Read(key, 10).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(cache.BeginInsert(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(cache.Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(cache.Remove(key).code(), StatusCode::kInvalidArgument) << key;
  }
  EXPECT_TRUE(cache.Put("0123456789abcdef", "x").ok());
  EXPECT_TRUE(cache.Put(std::string(128, 'f'), "x").ok());
  EXPECT_EQ(cache.Stats()->entries, 2u);
}

TEST(DiskCacheTest, PruneEvictsLeastRecentlyUsedFirst) {
  DiskCache cache = OpenCache(testing::TempDir());
  std::vector<std::string> paths;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(cache.Put(Key(i), Content(Key(i), 100)).ok());
    paths.push_back(**cache.Path(Key(i)));
  }
  // Used at 1000, 2000, 3000, 4000 (seconds since the epoch) ...
  for (int i = 0; i < 4; ++i) SetMtime(paths[i], 1000 * (i + 1));
  // ... then entry 0 is used again now: 1 and 2 are the oldest.
  ASSERT_TRUE(cache.Path(Key(0))->has_value());
  struct stat st {};
  ASSERT_EQ(::stat(paths[0].c_str(), &st), 0);
  EXPECT_GT(st.st_mtim.tv_sec, 1'600'000'000);

  Result<CacheStats> removed = cache.Prune(250);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->entries, 2u);
  EXPECT_EQ(removed->bytes, 200u);
  EXPECT_TRUE(cache.Path(Key(0))->has_value());
  EXPECT_FALSE(cache.Path(Key(1))->has_value());
  EXPECT_FALSE(cache.Path(Key(2))->has_value());
  EXPECT_TRUE(cache.Path(Key(3))->has_value());

  // Already small enough: nothing to do.
  removed = cache.Prune(200);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->entries, 0u);
  // Read marks used too: entry 3 (now) outlives entry 0 (set back to 5000).
  SetMtime(paths[0], 5000);
  SetMtime(paths[3], 4000);
  ASSERT_TRUE(cache.Read(Key(3), 1000)->has_value());
  removed = cache.Prune(100);
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_FALSE(cache.Path(Key(0))->has_value());
  EXPECT_TRUE(cache.Path(Key(3))->has_value());
  removed = cache.Prune(0);
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_EQ(cache.Stats()->entries, 0u);
}

TEST(DiskCacheTest, InsertsPruneToTheBound) {
  DiskCache cache = OpenCache(testing::TempDir(), 1000);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(cache.Put(Key(i), Content(Key(i), 100)).ok());
    Result<CacheStats> stats = cache.Stats();
    ASSERT_TRUE(stats.ok());
    EXPECT_LE(stats->bytes, 1000u) << "after insert " << i;
    // The entry just inserted is the most recently used: never evicted.
    EXPECT_TRUE(cache.Path(Key(i))->has_value());
  }
  // Pruning goes to 90% of the bound, then inserts fill it again.
  EXPECT_GE(cache.Stats()->bytes, 900u);
}

TEST(DiskCacheTest, AbandonedWriterRemovesItsTempFile) {
  DiskCache cache = OpenCache(testing::TempDir());
  std::string key = Key(5);
  {
    Result<std::unique_ptr<DiskCache::Writer>> writer = cache.BeginInsert(key);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("partial").ok());
    std::vector<std::string> temps = ListDir(cache.dir() + "/tmp");
    ASSERT_EQ(temps.size(), 1u);
    EXPECT_TRUE(temps[0].starts_with(key + "." + std::to_string(::getpid()) + "."));
    EXPECT_FALSE(cache.Path(key)->has_value());  // not visible before Commit
  }
  EXPECT_TRUE(ListDir(cache.dir() + "/tmp").empty());
  EXPECT_FALSE(cache.Path(key)->has_value());
  EXPECT_EQ(cache.Stats()->entries, 0u);

  // A committed writer leaves no temp file and refuses further use.
  Result<std::unique_ptr<DiskCache::Writer>> writer = cache.BeginInsert(key);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("whole").ok());
  Result<std::string> path = (*writer)->Commit();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*ReadFile(*path, 100), "whole");
  EXPECT_TRUE(ListDir(cache.dir() + "/tmp").empty());
  EXPECT_EQ((*writer)->Write("more").code(), StatusCode::kInternal);
  EXPECT_EQ((*writer)->Commit().status().code(), StatusCode::kInternal);
}

TEST(DiskCacheTest, PruneRemovesStaleTempFilesOnly) {
  DiskCache cache = OpenCache(testing::TempDir());
  std::string stale = cache.dir() + "/tmp/" + Key(1) + ".99999.0011223344556677";
  std::string fresh = cache.dir() + "/tmp/" + Key(2) + ".99999.8899aabbccddeeff";
  ASSERT_TRUE(WriteFileAtomic(stale, "left by a killed process").ok());
  ASSERT_TRUE(WriteFileAtomic(fresh, "being written").ok());
  SetMtime(stale, ::time(nullptr) - DiskCache::kStaleTempSeconds - 60);
  SetMtime(fresh, ::time(nullptr) - DiskCache::kStaleTempSeconds + 60);
  // Temp files are not entries.
  EXPECT_EQ(cache.Stats()->entries, 0u);
  Result<CacheStats> removed = cache.Prune(1 << 30);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->entries, 0u);
  std::vector<std::string> left = ListDir(cache.dir() + "/tmp");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(cache.dir() + "/tmp/" + left[0], fresh);
}

TEST(DiskCacheTest, ConcurrentInsertersOfOneKeyFromThreads) {
  DiskCache cache = OpenCache(testing::TempDir(), 64 << 20);
  std::string key = Key(42);
  std::string bytes = Content(key, 3 << 20);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        Result<std::unique_ptr<DiskCache::Writer>> writer = cache.BeginInsert(key);
        if (!writer.ok()) {
          ++failures;
          continue;
        }
        // In chunks, so that writers interleave.
        for (size_t off = 0; off < bytes.size(); off += 64 << 10)
          if (!(*writer)->Write(std::string_view(bytes).substr(off, 64 << 10)).ok()) ++failures;
        if (!(*writer)->Commit().ok()) ++failures;
        Result<std::optional<std::string>> got = cache.Read(key, 8 << 20);
        if (!got.ok() || !got->has_value() || **got != bytes) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Result<CacheStats> stats = cache.Stats();
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, bytes.size());
  EXPECT_EQ(**cache.Read(key, 8 << 20), bytes);
  EXPECT_TRUE(ListDir(cache.dir() + "/tmp").empty());
}

TEST(DiskCacheTest, ConcurrentInsertersOfOneKeyFromProcesses) {
  std::string dir = testing::TempDir();
  std::string key = Key(43);
  std::string bytes = Content(key, 1 << 20);
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child: its own DiskCache over the same directory.
      Result<DiskCache> cache = DiskCache::Open(dir, 64 << 20);
      int bad = cache.ok() ? 0 : 1;
      for (int round = 0; round < 10 && bad == 0; ++round) {
        Result<std::unique_ptr<DiskCache::Writer>> writer = cache->BeginInsert(key);
        if (!writer.ok()) {
          bad = 2;
          break;
        }
        for (size_t off = 0; off < bytes.size(); off += 32 << 10)
          if (!(*writer)->Write(std::string_view(bytes).substr(off, 32 << 10)).ok()) bad = 3;
        if (!(*writer)->Commit().ok()) bad = 4;
        Result<std::optional<std::string>> got = cache->Read(key, 2 << 20);
        if (!got.ok() || !got->has_value() || **got != bytes) bad = 5;
      }
      ::_exit(bad);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "child " << pid;
  }
  DiskCache cache = OpenCache(dir);
  Result<CacheStats> stats = cache.Stats();
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_EQ(stats->bytes, bytes.size());
  EXPECT_EQ(**cache.Read(key, 2 << 20), bytes);
  EXPECT_TRUE(ListDir(dir + "/tmp").empty());
}

TEST(DiskCacheTest, ReaderRacingWithPruneNeverSeesPartialEntries) {
  DiskCache cache = OpenCache(testing::TempDir());
  constexpr int kKeys = 200;
  constexpr size_t kSize = 256 << 10;
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};
  std::thread writer([&] {
    for (int i = 0; i < kKeys; ++i) {
      // In small chunks: a reader of a half-written file would notice.
      std::string bytes = Content(Key(i), kSize);
      Result<std::unique_ptr<DiskCache::Writer>> w = cache.BeginInsert(Key(i));
      ASSERT_TRUE(w.ok());
      for (size_t off = 0; off < bytes.size(); off += 4096) {
        ASSERT_TRUE((*w)->Write(std::string_view(bytes).substr(off, 4096)).ok());
        if (off % (64 << 10) == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      ASSERT_TRUE((*w)->Commit().ok());
      inserted.store(i + 1);
      // Keep about four entries: the reader keeps losing the race.
      ASSERT_TRUE(cache.Prune(4 * kSize).ok());
    }
    done = true;
  });
  int hits = 0, misses = 0, bad = 0;
  std::map<int, std::string> expected;
  while (!done.load()) {
    int n = inserted.load();
    // Up to the entry being written now.
    for (int i = std::max(0, n - 6); i <= n && i < kKeys; ++i) {
      Result<std::optional<std::string>> got = cache.Read(Key(i), 2 * kSize);
      if (!got.ok()) {
        ++bad;
        continue;
      }
      if (!got->has_value()) {
        ++misses;
        continue;
      }
      ++hits;
      auto [it, added] = expected.try_emplace(i);
      if (added) it->second = Content(Key(i), kSize);
      if (**got != it->second) ++bad;
    }
  }
  writer.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(hits, 0);
  std::printf("reader: %d hits, %d misses\n", hits, misses);
  EXPECT_LE(cache.Stats()->bytes, 4 * kSize);
}

TEST(DiskCacheTest, TwoPrunersDoNotOverEvict) {
  DiskCache cache = OpenCache(testing::TempDir());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(cache.Put(Key(i), Content(Key(i), 1000)).ok());
  for (int i = 0; i < 100; ++i) SetMtime(**cache.Path(Key(i)), 1000 + i);
  CacheStats a, b;
  std::thread t1([&] { a = *cache.Prune(50'000); });
  std::thread t2([&] { b = *cache.Prune(50'000); });
  t1.join();
  t2.join();
  // Serialized by the lock: together they removed exactly the 50 oldest.
  EXPECT_EQ(a.entries + b.entries, 50u);
  EXPECT_EQ(cache.Stats()->entries, 50u);
  EXPECT_FALSE(cache.Path(Key(49))->has_value());
  EXPECT_TRUE(cache.Path(Key(50))->has_value());
}

}  // namespace
}  // namespace customs
