#include "sandbox/rootfs_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/stream.h"
#include "layer/walker.h"
#include "sandbox/runtime_config.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::sandbox {
namespace {

using customs::testing::ListDirectory;
using customs::testing::ReadWholeFile;
using customs::testing::TarBuilder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool IsRoot() { return ::geteuid() == 0; }

Digest D(char c) { return *Digest::Parse("sha256:" + std::string(64, c)); }

// Keys of made-up images: 64 hex, distinct.
std::string Key(char c) { return std::string(64, c); }

class RootfsCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = customs::testing::TempDir();
    // The cache must be reachable by others (the container's root).
    ASSERT_EQ(::chmod(base_.c_str(), 0755), 0);
    options_.dir = base_ + "/cache";
    rootfs_.uid_base = IsRoot() ? 100000 : ::getuid();
  }

  RootfsCache Open(const RootfsCacheOptions& options) {
    auto cache = RootfsCache::Open(options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return std::move(cache).value();
  }

  // A build that writes one layer and counts its calls.
  RootfsCache::BuildFn Layer(const TarBuilder& tar) {
    std::string bytes = tar.Build();
    return [this, bytes](RootfsWriter& w) {
      ++builds_;
      MemoryStream stream(bytes);
      layer::TarEntryReader entries(stream, Limits(), "layer 1");
      return w.ApplyLayer(entries, "layer 1");
    };
  }

  RootfsLease Acquire(RootfsCache& cache, const std::string& key, const TarBuilder& tar,
                      const std::vector<MountTarget>& targets = {}) {
    auto lease = cache.Acquire(key, rootfs_, targets, Layer(tar));
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    return lease.ok() ? std::move(lease).value() : RootfsLease();
  }

  // Sets the last use of an entry (entry.json's mtime) to `t` seconds.
  void SetUsed(const std::string& key, time_t t) {
    timespec times[2] = {{t, 0}, {t, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (options_.dir + "/" + key + "/entry.json").c_str(), times, 0),
              0);
  }

  std::vector<std::string> Keys(RootfsCache& cache) {
    std::vector<std::string> keys;
    auto entries = cache.List();
    EXPECT_TRUE(entries.ok());
    if (entries.ok())
      for (const auto& e : *entries) keys.push_back(e.info.key);
    return keys;
  }

  std::string base_;
  RootfsCacheOptions options_;
  RootfsOptions rootfs_;
  int builds_ = 0;
};

TEST(RootfsCacheKeyTest, HashesTheVersionAndTheDiffIdsInOrder) {
  // sha256("customs-rootfs-1\n" "sha256:aa..a\n" "sha256:bb..b\n"), by python3 hashlib.
  EXPECT_EQ(RootfsCacheKey({D('a'), D('b')}),
            "bbc1a3416f479fbf9c90d97ee2f12070004349ed37a95b5b562b79bc830d2cd9");
  EXPECT_EQ(RootfsCacheKey({D('b'), D('a')}),
            "05eeba46c3ffdd03ba81ba502ea771ccb7ccb72cb0ab64343ae014ab4ecb36c4");
  EXPECT_EQ(RootfsCacheKey({}), "9b81e43295561279ec4899d1375bb97d3ab5f6efb4215b10f4e571ce72898c45");
}

TEST(MountTargetsTest, AreTheTopLevelDestinationsOfTheRuntimeConfig) {
  RuntimeConfigOptions o;
  o.rootfs = "/r";
  o.resolv_conf = "/b/resolv.conf";
  o.hosts = "/b/hosts";
  auto targets = MountTargets(BuildRuntimeConfig(ProcessSpec{}, o));
  // /dev/pts, /dev/shm and /dev/mqueue land in the /dev tmpfs.
  EXPECT_THAT(targets,
              ElementsAre(MountTarget{"/proc", false}, MountTarget{"/dev", false},
                          MountTarget{"/sys", false}, MountTarget{"/tmp", false},
                          MountTarget{"/var/tmp", false}, MountTarget{"/run", false},
                          MountTarget{"/etc/resolv.conf", true}, MountTarget{"/etc/hosts", true}));
}

TEST(RootfsEntryInfoTest, RoundTripsAndRejectsBadFields) {
  RootfsEntryInfo info;
  info.key = Key('c');
  info.uid_base = 1'000'065'536;
  info.id_count = 65536;
  info.stats.files = 3;
  info.stats.bytes = 17'000'000'000;
  info.stats.ids_clamped = 2;
  info.mount_targets = {{"/proc", false}, {"/etc/hosts", true}};
  info.built_unix = 1'700'000'000;
  std::string text = RenderRootfsEntryInfo(info);
  EXPECT_THAT(text, HasSubstr("\"built\": \"2023-11-14T22:13:20Z\""));
  auto back = ParseRootfsEntryInfo(text, "entry.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->key, info.key);
  EXPECT_EQ(back->uid_base, 1'000'065'536u);
  EXPECT_EQ(back->id_count, 65536u);
  EXPECT_EQ(back->stats.files, 3u);
  EXPECT_EQ(back->stats.bytes, 17'000'000'000u);
  EXPECT_EQ(back->stats.ids_clamped, 2u);
  EXPECT_EQ(back->mount_targets, info.mount_targets);
  EXPECT_EQ(back->built_unix, 1'700'000'000);

  auto bad = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return ParseRootfsEntryInfo(t, "entry.json").status();
  };
  EXPECT_THAT(bad("\"format\": 1", "\"format\": 2").message(), HasSubstr("format is not 1"));
  EXPECT_THAT(bad(Key('c'), "cc").message(), HasSubstr("\"key\" is not 64 lowercase hex"));
  EXPECT_THAT(bad("\"uidBase\": 1000065536", "\"uidBase\": 0").message(),
              HasSubstr("not a usable id range"));
  EXPECT_THAT(bad("\"files\": 3", "\"files\": -3").message(),
              HasSubstr("entry.json stats: \"files\" is missing"));
  EXPECT_THAT(bad("\"path\": \"/proc\"", "\"path\": \"proc\"").message(),
              HasSubstr("not an absolute path"));
  EXPECT_FALSE(ParseRootfsEntryInfo("{", "entry.json").ok());
  EXPECT_FALSE(ParseRootfsEntryInfo("[]", "entry.json").ok());
}

TEST_F(RootfsCacheTest, OpenCreatesTheDirectoryReachableAndPrivate) {
  options_.dir = base_ + "/var/cache/rootfs/";
  RootfsCache cache = Open(options_);
  EXPECT_EQ(cache.dir(), base_ + "/var/cache/rootfs");
  struct stat st {};
  ASSERT_EQ(::stat((base_ + "/var/cache/rootfs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
  ASSERT_EQ(::stat((base_ + "/var/cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  // Opening again is fine.
  EXPECT_TRUE(RootfsCache::Open(options_).ok());
}

TEST_F(RootfsCacheTest, UnsafeDirectoriesAreRefused) {
  std::string real = base_ + "/real";
  ASSERT_EQ(::mkdir(real.c_str(), 0711), 0);
  ASSERT_EQ(::chmod(real.c_str(), 0711), 0);
  ASSERT_EQ(::symlink(real.c_str(), (base_ + "/link").c_str()), 0);
  options_.dir = base_ + "/link";
  EXPECT_THAT(RootfsCache::Open(options_).status().message(), HasSubstr("is a symlink"));

  options_.dir = real;
  ASSERT_EQ(::chmod(real.c_str(), 0731), 0);
  EXPECT_THAT(RootfsCache::Open(options_).status().message(),
              HasSubstr(real + " is writable by group or others"));
  ASSERT_EQ(::chmod(real.c_str(), 0713), 0);
  EXPECT_THAT(RootfsCache::Open(options_).status().message(),
              HasSubstr("writable by group or others"));
  ASSERT_EQ(::chmod(real.c_str(), 0700), 0);
  EXPECT_THAT(RootfsCache::Open(options_).status().message(),
              HasSubstr(real + " has no search permission for others"));
  ASSERT_EQ(::chmod(real.c_str(), 0711), 0);
  EXPECT_TRUE(RootfsCache::Open(options_).ok());
  if (IsRoot()) {
    ASSERT_EQ(::chown(real.c_str(), 1234, 1234), 0);
    EXPECT_THAT(RootfsCache::Open(options_).status().message(),
                HasSubstr(real + " is owned by uid 1234"));
  }
  std::ofstream(base_ + "/file") << "x";
  options_.dir = base_ + "/file";
  EXPECT_THAT(RootfsCache::Open(options_).status().message(), HasSubstr("is not a directory"));
}

TEST_F(RootfsCacheTest, BuildsOnceThenHitsWithTheStoredUidBaseAndStats) {
  RootfsCache cache = Open(options_);
  TarBuilder tar;
  tar.Dir("etc").File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").File("bin/tool", "12345");
  tar.Dir("data").Symlink("etc/hosts", "/data/hosts");  // dangling: its target is made
  tar.Symlink("run", "var/run").Dir("var");             // dangling dir symlink
  std::vector<MountTarget> targets = {
      {"/proc", false}, {"/run", false}, {"/etc/resolv.conf", true}, {"/etc/hosts", true}};
  RootfsLease first = Acquire(cache, Key('1'), tar, targets);
  EXPECT_FALSE(first.hit());
  EXPECT_EQ(builds_, 1);
  std::string entry = options_.dir + "/" + Key('1');
  EXPECT_EQ(first.rootfs(), entry + "/rootfs");
  EXPECT_EQ(first.info().key, Key('1'));
  EXPECT_EQ(first.info().uid_base, rootfs_.uid_base);
  EXPECT_EQ(first.info().stats.files, 2u);
  EXPECT_EQ(first.info().stats.bytes, 35u);  // 30 + 5
  EXPECT_EQ(first.info().stats.symlinks, 2u);
  EXPECT_EQ(first.info().mount_targets, targets);
  EXPECT_THAT(ListDirectory(entry), ElementsAre("entry.json", "rootfs"));
  EXPECT_THAT(ListDirectory(options_.dir), ::testing::Contains(Key('1') + ".lock"));
  // Mount points: made in the tree, through the dangling symlinks.
  struct stat st {};
  ASSERT_EQ(::lstat((entry + "/rootfs/proc").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(::lstat((entry + "/rootfs/var/run").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_EQ(::lstat((entry + "/rootfs/etc/resolv.conf").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  if (IsRoot()) {
    EXPECT_EQ(st.st_uid, 100000u);
  }
  ASSERT_EQ(::lstat((entry + "/rootfs/etc/hosts").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(::lstat((entry + "/rootfs/data/hosts").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(::stat(entry.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);

  // A second run: no build, another uid base offered, the stored one used.
  RootfsOptions other = rootfs_;
  other.uid_base += 65536;
  auto second = cache.Acquire(Key('1'), other, targets, Layer(tar));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->hit());
  EXPECT_EQ(builds_, 1);
  EXPECT_EQ(second->rootfs(), first.rootfs());
  EXPECT_EQ(second->info().uid_base, rootfs_.uid_base);
  EXPECT_EQ(second->info().stats.bytes, 35u);
  EXPECT_EQ(second->info().stats.files, 2u);

  // The tree reads as the container would see it.
  auto reader = RootfsWriter::Open(second->rootfs(), rootfs_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto passwd = (*reader)->ReadFile("/etc/passwd", 1 << 20);
  ASSERT_TRUE(passwd.ok());
  EXPECT_EQ(*passwd, "root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_FALSE(RootfsWriter::Open(base_ + "/nothing", rootfs_).ok());
}

TEST_F(RootfsCacheTest, IncompleteEntriesAreNeverUsedAndArePruned) {
  RootfsCache cache = Open(options_);
  TarBuilder tar;
  tar.File("good", "built by customs");
  // Left by hand or damaged: a tree without metadata, and one with garbage.
  std::string k2 = options_.dir + "/" + Key('2');
  std::string k3 = options_.dir + "/" + Key('3');
  ASSERT_EQ(::mkdir(k2.c_str(), 0711), 0);
  ASSERT_EQ(::mkdir((k2 + "/rootfs").c_str(), 0755), 0);
  std::ofstream(k2 + "/rootfs/bad") << "not from customs";
  ASSERT_EQ(::mkdir(k3.c_str(), 0711), 0);
  ASSERT_EQ(::mkdir((k3 + "/rootfs").c_str(), 0755), 0);
  std::ofstream(k3 + "/entry.json") << "{\"format\": 1, \"key\": \"" << Key('3') << "\"}";
  EXPECT_TRUE(Keys(cache).empty());

  RootfsLease lease = Acquire(cache, Key('2'), tar);
  EXPECT_FALSE(lease.hit());
  EXPECT_EQ(builds_, 1);
  EXPECT_THAT(ListDirectory(k2 + "/rootfs"), ElementsAre("good"));
  EXPECT_EQ(ReadWholeFile(k2 + "/rootfs/good"), "built by customs");

  auto removed = cache.Prune();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->entries, 1u);  // k3
  EXPECT_THAT(Keys(cache), ElementsAre(Key('2')));
  EXPECT_FALSE(std::filesystem::exists(k3));
}

TEST_F(RootfsCacheTest, AFailedBuildLeavesNothing) {
  RootfsCache cache = Open(options_);
  auto lease = cache.Acquire(Key('4'), rootfs_, {}, [](RootfsWriter& w) {
    EXPECT_TRUE(w.MakeDirectory("/half").ok());
    return DataLoss("layer 1: diff_id mismatch");
  });
  ASSERT_FALSE(lease.ok());
  EXPECT_THAT(lease.status().message(), HasSubstr("diff_id mismatch"));
  for (const auto& name : ListDirectory(options_.dir))
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
  EXPECT_FALSE(std::filesystem::exists(options_.dir + "/" + Key('4')));
  EXPECT_FALSE(cache.Acquire("../etc", rootfs_, {}, Layer(TarBuilder())).ok());
}

TEST_F(RootfsCacheTest, EvictsTheLeastRecentlyUsedPastTheCount) {
  options_.max_entries = 2;
  RootfsCache cache = Open(options_);
  for (char c : {'a', 'b', 'c'}) Acquire(cache, Key(c), TarBuilder().File("f", "x"));
  SetUsed(Key('a'), 1000);
  SetUsed(Key('b'), 2000);
  SetUsed(Key('c'), 3000);
  // A hit makes an entry the most recently used.
  RootfsLease used = Acquire(cache, Key('a'), TarBuilder());
  EXPECT_TRUE(used.hit());
  used = RootfsLease();
  EXPECT_THAT(Keys(cache), ElementsAre(Key('a'), Key('c'), Key('b')));
  auto removed = cache.Prune();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_EQ(removed->bytes, 1u);
  EXPECT_THAT(Keys(cache), ElementsAre(Key('a'), Key('c')));
  EXPECT_FALSE(std::filesystem::exists(options_.dir + "/" + Key('b')));
  EXPECT_FALSE(std::filesystem::exists(options_.dir + "/" + Key('b') + ".lock"));
  for (const auto& name : ListDirectory(options_.dir))
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
}

TEST_F(RootfsCacheTest, EvictsPastTheByteBudget) {
  options_.max_entries = 10;
  options_.max_bytes = 4500;
  RootfsCache cache = Open(options_);
  Acquire(cache, Key('a'), TarBuilder().File("f", std::string(1000, 'a')));
  Acquire(cache, Key('b'), TarBuilder().File("f", std::string(2000, 'b')));
  Acquire(cache, Key('c'), TarBuilder().File("f", std::string(3000, 'c')));
  SetUsed(Key('a'), 1000);
  SetUsed(Key('b'), 2000);
  SetUsed(Key('c'), 3000);
  // c (3000) fits; b (2000) would pass 4500; a (1000) still fits.
  auto removed = cache.Prune();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_EQ(removed->bytes, 2000u);
  EXPECT_THAT(Keys(cache), ElementsAre(Key('c'), Key('a')));
}

TEST_F(RootfsCacheTest, BusyEntriesAreNotEvicted) {
  options_.max_entries = 1;
  RootfsCache cache = Open(options_);
  RootfsLease old = Acquire(cache, Key('a'), TarBuilder().File("f", "old"));
  Acquire(cache, Key('b'), TarBuilder().File("f", "new"));
  SetUsed(Key('a'), 1000);
  SetUsed(Key('b'), 2000);
  auto removed = cache.Prune();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->entries, 0u);
  EXPECT_THAT(Keys(cache), ElementsAre(Key('b'), Key('a')));
  EXPECT_EQ(ReadWholeFile(old.rootfs() + "/f"), "old");
  old = RootfsLease();  // the run is over
  removed = cache.Prune();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_THAT(Keys(cache), ElementsAre(Key('b')));
}

TEST_F(RootfsCacheTest, TemporariesOfDeadBuildersArePruned) {
  options_.stale_temp_seconds = 0;
  RootfsCache cache = Open(options_);
  std::string dead = options_.dir + "/" + Key('d') + ".tmp-AAAAAA";
  std::string alive = options_.dir + "/" + Key('e') + ".tmp-BBBBBB";
  ASSERT_EQ(::mkdir(dead.c_str(), 0711), 0);
  ASSERT_EQ(::mkdir((dead + "/rootfs").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(alive.c_str(), 0711), 0);
  int fd = ::open(alive.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // its builder is still at work
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto removed = cache.Prune();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->entries, 1u);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(alive));
  ::close(fd);
}

TEST_F(RootfsCacheTest, TwoBuildersRaceOneWinsBothUseIt) {
  RootfsCache cache = Open(options_);
  std::latch both_building(2);
  std::atomic<int> builds{0};
  auto build = [&](RootfsWriter& w) -> Status {
    ++builds;
    both_building.arrive_and_wait();  // neither has renamed yet
    return w.MakeDirectory("/built");
  };
  Result<RootfsLease> leases[2] = {Internal("not run"), Internal("not run")};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      RootfsOptions o = rootfs_;
      o.uid_base += static_cast<uint32_t>(i) * 65536;
      auto c = RootfsCache::Open(options_);  // as two processes would
      if (c.ok()) leases[i] = c->Acquire(Key('f'), o, {{"/proc", false}}, build);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(builds.load(), 2);
  ASSERT_TRUE(leases[0].ok()) << leases[0].status().ToString();
  ASSERT_TRUE(leases[1].ok()) << leases[1].status().ToString();
  EXPECT_EQ(leases[0]->rootfs(), leases[1]->rootfs());
  // Both use the winner's entry, with its uid base.
  EXPECT_EQ(leases[0]->info().uid_base, leases[1]->info().uid_base);
  auto stored = ParseRootfsEntryInfo(ReadWholeFile(options_.dir + "/" + Key('f') + "/entry.json"),
                                     "entry.json");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->uid_base, leases[0]->info().uid_base);
  if (IsRoot()) {
    struct stat st {};
    ASSERT_EQ(::stat((leases[0]->rootfs() + "/built").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, stored->uid_base);
  }
  // One entry, the loser's copy gone.
  EXPECT_THAT(ListDirectory(options_.dir), ElementsAre(Key('f'), Key('f') + ".lock"));
  EXPECT_THAT(Keys(cache), ElementsAre(Key('f')));
}

}  // namespace
}  // namespace customs::sandbox
