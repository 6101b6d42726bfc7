// `customs db import|status|update`, run the way users run them.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>

#include <filesystem>
#include <string>

#include "base/json.h"
#include "base/strings.h"
#include "tests/testing.h"

namespace customs {
namespace {

namespace fs = std::filesystem;

int RunCustoms(const std::string& args, std::string* out) {
  return testing::Run(testing::CustomsBinary() + " " + args, out);
}

// The RUSTSEC records: 1,206 files, 13 withdrawn; 1,193 affected entries
// over 901 crates (counted with python3 from the JSON).
constexpr int kCratesVulns = 1193;
constexpr int kCratesAffected = 1193;
constexpr int kCratesPackages = 901;

TEST(DbCliTest, ImportThenStatusShowsCounts) {
  CUSTOMS_REQUIRE_SHARED(crates, "osv/crates.io");
  std::string db = testing::TempDir() + "/sub/advisories.db";
  std::string out;
  ASSERT_EQ(RunCustoms("db import " + crates + " --db " + db, &out), 0) << out;
  EXPECT_NE(out.find("imported " + crates + ": 1193 advisories\n"), std::string::npos) << out;

  out.clear();
  ASSERT_EQ(RunCustoms("db status --db " + db, &out), 0) << out;
  EXPECT_NE(out.find("path:            " + db + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("schema:          2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("vulnerabilities: " + std::to_string(kCratesVulns) + "\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("affected:        " + std::to_string(kCratesAffected) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("packages:        " + std::to_string(kCratesPackages) + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("sources:         1\n"), std::string::npos) << out;
  // Built a moment ago: "(0 seconds ago)", "(1 second ago)", ...
  EXPECT_TRUE(out.find(" seconds ago)") != std::string::npos ||
              out.find(" second ago)") != std::string::npos)
      << out;
  EXPECT_NE(out.find("file://" + crates), std::string::npos) << out;

  out.clear();
  ASSERT_EQ(RunCustoms("db status -f json --db " + db + " 2>/dev/null", &out), 0) << out;
  auto json = ParseJson(out, "status");
  ASSERT_TRUE(json.ok()) << out;
  EXPECT_EQ(JsonInt(*json, "vulnerabilities"), kCratesVulns);
  EXPECT_EQ(JsonInt(*json, "affected"), kCratesAffected);
  EXPECT_EQ(JsonInt(*json, "packages"), kCratesPackages);
  EXPECT_EQ(JsonInt(*json, "schema_version"), 2);
  EXPECT_FALSE(JsonBool(*json, "stale", true));
  ASSERT_EQ((*json)["sources"].size(), 1u);
  EXPECT_EQ(JsonString((*json)["sources"][0], "name"), crates);
  EXPECT_EQ(JsonInt((*json)["sources"][0], "advisories"), kCratesVulns);
}

TEST(DbCliTest, MissingDbExitsTwo) {
  std::string db = testing::TempDir() + "/missing.db";
  std::string out;
  EXPECT_EQ(RunCustoms("db status --db " + db, &out), 2);
  EXPECT_EQ(out, "customs: not found: no advisory DB at " + db +
                     ": run `customs db update` (or `customs db import PATH` offline)\n");
  out.clear();
  EXPECT_EQ(RunCustoms("db import /nonexistent/osv --db " + db, &out), 2);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("/nonexistent/osv"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(db));
  out.clear();
  EXPECT_EQ(RunCustoms("db", &out), 2) << out;
  EXPECT_EQ(RunCustoms("db import --db " + db, &out), 2) << out;
}

TEST(DbCliTest, UpdateListsAndValidatesSources) {
  std::string out;
  ASSERT_EQ(RunCustoms("db update --list-sources", &out), 0) << out;
  EXPECT_EQ(SplitLines(out).size(), 52u) << out;
  EXPECT_NE(out.find("https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip"),
            std::string::npos);
  EXPECT_NE(out.find("https://secdb.alpinelinux.org/v3.22/community.json"), std::string::npos);
  out.clear();
  ASSERT_EQ(RunCustoms("db update --list-sources --ecosystem go,debian "
                       "--source-url debian=https://mirror.local/t.json",
                       &out),
            0)
      << out;
  EXPECT_EQ(out,
            "osv:Go                       osv-zip         "
            "https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip\n"
            "debian                       debian-tracker  https://mirror.local/t.json\n");
  out.clear();
  EXPECT_EQ(RunCustoms("db update --ecosystem cobol", &out), 2);
  EXPECT_TRUE(out.starts_with("customs: invalid input: unknown ecosystem 'cobol'")) << out;
}

// `customs db update` against the loopback feed server.
TEST(DbCliTest, UpdateFromMirror) {
  CUSTOMS_REQUIRE_SHARED(ghsa, "osv/ghsa");
  CUSTOMS_REQUIRE_SHARED(tracker, "feeds/debian/security-tracker-json-excerpt.vuls.json");
  std::string command = "exec python3 " + testing::SourceDir() +
                        "/tests/feed_server.py --route /npm/all.zip=zip:" + ghsa +
                        ":npm --route /tracker/data/json=" + tracker;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  int port = 0, pid = 0;
  ASSERT_EQ(std::fscanf(pipe, "%d %d", &port, &pid), 2);
  std::string dir = testing::TempDir();
  std::string args =
      "db update --ecosystem npm,Debian --mirror http://127.0.0.1:" + std::to_string(port) +
      " --db " + dir + "/a.db --cache-dir " + dir + "/c";
  std::string out;
  int first = RunCustoms(args, &out);
  std::string again;
  int second = RunCustoms(args, &again);
  ::kill(pid, SIGTERM);
  ::pclose(pipe);
  ASSERT_EQ(first, 0) << out;
  EXPECT_NE(out.find("[1/2] osv:npm: "), std::string::npos) << out;
  EXPECT_NE(out.find(" downloaded\n"), std::string::npos) << out;
  EXPECT_NE(out.find("imported osv:npm: 6 advisories"), std::string::npos) << out;
  EXPECT_NE(out.find("advisory DB " + dir + "/a.db built: "), std::string::npos) << out;
  ASSERT_EQ(second, 0) << again;
  EXPECT_NE(again.find("[2/2] debian: not modified\n"), std::string::npos) << again;
  EXPECT_NE(again.find("advisory DB " + dir + "/a.db is up to date: "), std::string::npos) << again;
}

}  // namespace
}  // namespace customs
