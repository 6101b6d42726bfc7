#include "store/census_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "tests/testing.h"

namespace customs::store {
namespace {

using model::CensusImage;
using model::Severity;

CensusImage Image(const std::string& registry, const std::string& repo, const std::string& tag) {
  CensusImage image;
  image.registry = registry;
  image.repository = repo;
  image.tag = tag;
  image.reference = registry + "/" + repo + ":" + tag;
  image.platform = "linux/amd64";
  image.manifest_digest = "sha256:" + std::string(64, 'a');
  image.seconds = 0.5;
  return image;
}

// Five images of reg:5000 (one broken) and one of another registry; the
// expected figures below are worked out by hand from these.
//   A lib/a: CVE-1 critical openssl, CVE-2 high openssl, CVE-3 low zlib;
//            coin-miner; layers L1 L2; 0 cached
//   B lib/b: CVE-1 critical openssl, CVE-4 medium curl; coin-miner, secret;
//            layers L1 L3; 1 cached
//   C team/c: nothing; layers L1 L2; 2 cached
//   D team/d: CVE-2 high in openssl and libssl3 (one ID), CVE-5 unknown
//            busybox; malicious-package; layer L4
//   E team/e: broken ("manifest unknown")
//   F other:1 x/f: CVE-9 critical; layer L1
std::vector<CensusImage> Images() {
  std::vector<CensusImage> out;
  CensusImage a = Image("reg:5000", "lib/a", "1");
  a.findings = {{"CVE-1", Severity::kCritical, "openssl"},
                {"CVE-2", Severity::kHigh, "openssl"},
                {"CVE-3", Severity::kLow, "zlib"}};
  a.vulnerabilities = {.critical = 1, .high = 1, .low = 1, .total = 3};
  a.categories = {"coin-miner"};
  a.layers = {"sha256:L1", "sha256:L2"};
  out.push_back(a);
  CensusImage b = Image("reg:5000", "lib/b", "latest");
  b.findings = {{"CVE-1", Severity::kCritical, "openssl"}, {"CVE-4", Severity::kMedium, "curl"}};
  b.vulnerabilities = {.critical = 1, .medium = 1, .total = 2};
  b.categories = {"coin-miner", "secret"};
  b.layers = {"sha256:L1", "sha256:L3"};
  b.layers_cached = 1;
  out.push_back(b);
  CensusImage c = Image("reg:5000", "team/c", "2.0");
  c.layers = {"sha256:L1", "sha256:L2"};
  c.layers_cached = 2;
  out.push_back(c);
  CensusImage d = Image("reg:5000", "team/d", "v1");
  d.findings = {{"CVE-2", Severity::kHigh, "openssl"},
                {"CVE-2", Severity::kHigh, "libssl3"},
                {"CVE-5", Severity::kUnknown, "busybox"}};
  d.vulnerabilities = {.high = 1, .unknown = 1, .total = 2};
  d.categories = {"malicious-package"};
  d.layers = {"sha256:L4"};
  out.push_back(d);
  CensusImage e = Image("reg:5000", "team/e", "broken");
  e.error = "manifest unknown";
  e.manifest_digest.clear();
  out.push_back(e);
  CensusImage f = Image("other:1", "x/f", "1");
  f.findings = {{"CVE-9", Severity::kCritical, "x"}};
  f.vulnerabilities = {.critical = 1, .total = 1};
  f.layers = {"sha256:L1"};
  out.push_back(f);
  return out;
}

CensusStore OpenFilled(const std::string& path) {
  auto store = CensusStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& image : Images()) EXPECT_TRUE(store->Put(image).ok()) << image.reference;
  return std::move(*store);
}

TEST(CensusStoreTest, SummaryOfOneRegistry) {
  std::string path = testing::TempDir() + "/census.db";
  CensusStore store = OpenFilled(path);
  auto s = store.Summarize(10, {.registry = "reg:5000"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->registry, "reg:5000");
  EXPECT_EQ(s->images_scanned, 4);
  EXPECT_EQ(s->images_failed, 1);
  EXPECT_EQ(s->images_with_critical, 2);  // A B
  EXPECT_EQ(s->images_with_high, 2);      // A D
  EXPECT_EQ(s->images_with_any, 3);       // A B D
  EXPECT_EQ(s->images_by_max_severity,
            (model::SeverityCounts{.critical = 2, .high = 1, .total = 3}));
  EXPECT_EQ(s->images_without_vulnerabilities, 1);  // C
  EXPECT_DOUBLE_EQ(s->mean_vulnerabilities, 7.0 / 4.0);
  EXPECT_DOUBLE_EQ(s->median_vulnerabilities, 2.0);  // 0 2 2 3
  EXPECT_EQ(s->harmful_images, 3);
  ASSERT_EQ(s->categories.size(), 7u);
  std::vector<std::pair<std::string, int64_t>> categories;
  for (const auto& c : s->categories) categories.emplace_back(c.category, c.images);
  EXPECT_EQ(categories, (std::vector<std::pair<std::string, int64_t>>{{"coin-miner", 2},
                                                                      {"malicious-package", 1},
                                                                      {"hacking-tool", 0},
                                                                      {"windows-malware", 0},
                                                                      {"backdoor", 0},
                                                                      {"secret", 1},
                                                                      {"malware", 0}}));
  ASSERT_EQ(s->top_vulnerabilities.size(), 5u);
  EXPECT_EQ(s->top_vulnerabilities[0].id, "CVE-1");
  EXPECT_EQ(s->top_vulnerabilities[0].images, 2);
  EXPECT_EQ(s->top_vulnerabilities[0].severity, Severity::kCritical);
  EXPECT_EQ(s->top_vulnerabilities[0].packages, std::vector<std::string>{"openssl"});
  EXPECT_EQ(s->top_vulnerabilities[1].id, "CVE-2");
  EXPECT_EQ(s->top_vulnerabilities[1].images, 2);
  EXPECT_EQ(s->top_vulnerabilities[1].severity, Severity::kHigh);
  EXPECT_EQ(s->top_vulnerabilities[1].packages, (std::vector<std::string>{"libssl3", "openssl"}));
  EXPECT_EQ(s->top_vulnerabilities[2].id, "CVE-3");
  EXPECT_EQ(s->top_vulnerabilities[3].id, "CVE-4");
  EXPECT_EQ(s->top_vulnerabilities[4].id, "CVE-5");
  EXPECT_EQ(s->top_vulnerabilities[4].images, 1);
  EXPECT_EQ(s->top_vulnerabilities[4].severity, Severity::kUnknown);
  std::vector<std::tuple<std::string, int64_t, int64_t>> packages;
  for (const auto& p : s->top_packages)
    packages.emplace_back(p.package, p.images, p.vulnerabilities);
  EXPECT_EQ(packages, (std::vector<std::tuple<std::string, int64_t, int64_t>>{{"openssl", 3, 2},
                                                                              {"busybox", 1, 1},
                                                                              {"curl", 1, 1},
                                                                              {"libssl3", 1, 1},
                                                                              {"zlib", 1, 1}}));
  EXPECT_EQ(s->layers, 7);  // 2 + 2 + 2 + 1
  EXPECT_EQ(s->layers_cached, 3);
  EXPECT_EQ(s->unique_layers, 4);
  ASSERT_EQ(s->shared_layers.size(), 2u);
  EXPECT_EQ(s->shared_layers[0].diff_id, "sha256:L1");
  EXPECT_EQ(s->shared_layers[0].images, 3);  // F is another registry's
  EXPECT_EQ(s->shared_layers[0].first_repository, "lib/a");
  EXPECT_EQ(s->shared_layers[1].diff_id, "sha256:L2");
  EXPECT_EQ(s->shared_layers[1].images, 2);
  EXPECT_EQ(s->shared_layers[1].first_repository, "lib/a");
  ASSERT_EQ(s->failures.size(), 1u);
  EXPECT_EQ(s->failures[0].reference, "reg:5000/team/e:broken");
  EXPECT_EQ(s->failures[0].error, "manifest unknown");
  EXPECT_EQ(s->run_images, 0);
  EXPECT_EQ(s->wall_seconds, 0);
}

TEST(CensusStoreTest, TopListsAreCutAtTopN) {
  CensusStore store = OpenFilled(testing::TempDir() + "/census.db");
  auto s = store.Summarize(1, {.registry = "reg:5000"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->top_vulnerabilities.size(), 1u);
  EXPECT_EQ(s->top_vulnerabilities[0].id, "CVE-1");
  ASSERT_EQ(s->top_packages.size(), 1u);
  EXPECT_EQ(s->top_packages[0].package, "openssl");
  ASSERT_EQ(s->shared_layers.size(), 1u);
  EXPECT_EQ(s->categories.size(), 7u);  // not a top list
}

TEST(CensusStoreTest, EveryRegistryAndASelectionOfReferences) {
  CensusStore store = OpenFilled(testing::TempDir() + "/census.db");
  auto all = store.Summarize();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->images_scanned, 5);
  EXPECT_EQ(all->images_with_critical, 3);
  EXPECT_EQ(all->shared_layers[0].images, 4);          // L1 in A B C F
  EXPECT_DOUBLE_EQ(all->median_vulnerabilities, 2.0);  // 0 1 2 2 3

  auto some =
      store.Summarize(10, {.registry = "reg:5000",
                           .references = std::vector<std::string>{
                               "reg:5000/lib/a:1", "reg:5000/team/c:2.0", "reg:5000/team/e:broken",
                               "other:1/x/f:1", "reg:5000/not/stored:1"}});
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  EXPECT_EQ(some->images_scanned, 2);  // A C (F is another registry's)
  EXPECT_EQ(some->images_failed, 1);
  EXPECT_EQ(some->images_with_any, 1);
  EXPECT_DOUBLE_EQ(some->mean_vulnerabilities, 1.5);
  EXPECT_DOUBLE_EQ(some->median_vulnerabilities, 1.5);  // 0 3
  EXPECT_EQ(some->harmful_images, 1);
  EXPECT_EQ(some->layers, 4);
  EXPECT_EQ(some->unique_layers, 2);
  ASSERT_EQ(some->shared_layers.size(), 2u);
  EXPECT_EQ(some->shared_layers[0].images, 2);

  auto empty = store.Summarize(10, {.registry = "nowhere:1"});
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->images_scanned, 0);
  EXPECT_EQ(empty->mean_vulnerabilities, 0);
  EXPECT_EQ(empty->median_vulnerabilities, 0);
  EXPECT_EQ(empty->categories.size(), 7u);
  EXPECT_TRUE(empty->top_vulnerabilities.empty());
}

TEST(CensusStoreTest, DoneListsImagesStoredWithoutErrorAndSurvivesReopening) {
  std::string path = testing::TempDir() + "/sub/dir/census.db";
  { CensusStore store = OpenFilled(path); }
  auto store = CensusStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto done = store->Done("reg:5000");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*done, (std::vector<std::string>{"reg:5000/lib/a:1", "reg:5000/lib/b:latest",
                                             "reg:5000/team/c:2.0", "reg:5000/team/d:v1"}));
  auto everywhere = store->Done();
  ASSERT_TRUE(everywhere.ok());
  EXPECT_EQ(everywhere->size(), 5u);
  auto s = store->Summarize(10, {.registry = "reg:5000"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->images_scanned, 4);
}

TEST(CensusStoreTest, FindGivesBackWhatWasPut) {
  CensusStore store = OpenFilled(testing::TempDir() + "/census.db");
  auto b = store.Find("reg:5000/lib/b:latest");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(b->has_value());
  CensusImage want = Images()[1];
  // Findings come back sorted by (id, package).
  EXPECT_EQ(**b, want);
  auto none = store.Find("reg:5000/no/such:1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(CensusStoreTest, PutReplacesTheReferenceAndKeepsAPairOnceAtItsHighestSeverity) {
  CensusStore store = OpenFilled(testing::TempDir() + "/census.db");
  // A again, broken this time: its vulnerabilities, categories and layers
  // go, and L1 is now first seen in lib/b.
  CensusImage a = Image("reg:5000", "lib/a", "1");
  a.error = "blob unknown";
  ASSERT_TRUE(store.Put(a).ok());
  auto s = store.Summarize(10, {.registry = "reg:5000"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->images_scanned, 3);
  EXPECT_EQ(s->images_failed, 2);
  EXPECT_EQ(s->top_vulnerabilities[0].id, "CVE-1");
  EXPECT_EQ(s->top_vulnerabilities[0].images, 1);
  ASSERT_EQ(s->shared_layers.size(), 1u);
  EXPECT_EQ(s->shared_layers[0].diff_id, "sha256:L1");
  EXPECT_EQ(s->shared_layers[0].images, 2);
  EXPECT_EQ(s->shared_layers[0].first_repository, "lib/b");
  auto done = store.Done("reg:5000");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->size(), 3u);

  CensusImage twice = Image("reg:5000", "lib/t", "1");
  twice.findings = {{"CVE-7", Severity::kLow, "p"}, {"CVE-7", Severity::kHigh, "p"}};
  ASSERT_TRUE(store.Put(twice).ok());
  auto found = store.Find(twice.reference);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->findings,
            (std::vector<model::CensusVulnerability>{{"CVE-7", Severity::kHigh, "p"}}));
}

TEST(CensusStoreTest, RefusesOtherFilesAndOtherSchemaVersions) {
  std::string dir = testing::TempDir();
  std::ofstream(dir + "/junk.db") << std::string(4096, 'x');
  auto junk = CensusStore::Open(dir + "/junk.db");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), StatusCode::kDataLoss) << junk.status().ToString();
  EXPECT_NE(junk.status().message().find(dir + "/junk.db"), std::string::npos);

  std::string path = dir + "/old.db";
  { ASSERT_TRUE(CensusStore::Open(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto old = CensusStore::Open(path);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(old.status().message().find("census store schema 99"), std::string::npos)
      << old.status().ToString();

  CensusStore store = OpenFilled(dir + "/ok.db");
  EXPECT_EQ(store.Put(CensusImage{}).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace customs::store
