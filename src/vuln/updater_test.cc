// The updater end to end: feeds served from ../shared/data by a loopback
// HTTP server (tests/feed_server.py), downloaded with libcurl, imported into
// a DB that replaces the old one atomically.
#include "vuln/updater.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "base/file.h"
#include "base/json.h"
#include "tests/testing.h"

namespace customs::vuln {
namespace {

namespace fs = std::filesystem;

// tests/feed_server.py, started with popen; killed when destroyed.
class FeedServer {
 public:
  static std::unique_ptr<FeedServer> Start(const std::vector<std::string>& routes) {
    std::string command = "exec python3 " + testing::SourceDir() + "/tests/feed_server.py";
    for (const std::string& r : routes) command += " --route '" + r + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return nullptr;
    int port = 0, pid = 0;
    if (std::fscanf(pipe, "%d %d", &port, &pid) != 2) {
      ::pclose(pipe);
      return nullptr;
    }
    return std::make_unique<FeedServer>(pipe, port, pid);
  }
  // Use Start(); public only for std::make_unique.
  FeedServer(FILE* pipe, int port, int pid) : pipe_(pipe), port_(port), pid_(pid) {}
  FeedServer(const FeedServer&) = delete;
  FeedServer& operator=(const FeedServer&) = delete;
  ~FeedServer() {
    ::kill(pid_, SIGTERM);
    ::pclose(pipe_);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // GET on the control endpoint; the body.
  std::string Control(const std::string& path_and_query) {
    std::string body;
    CURL* c = curl_easy_init();
    std::string url = base() + path_and_query;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
          static_cast<std::string*>(u)->append(d, s * n);
          return s * n;
        });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    EXPECT_EQ(rc, CURLE_OK) << url;
    return body;
  }
  void Fault(const std::string& path, const std::string& mode) {
    Control("/_control/fault?path=" + path + "&mode=" + mode);
  }
  void Swap(const std::string& path, const std::string& file) {
    Control("/_control/swap?path=" + path + "&file=" + file);
  }
  Json Log() {
    auto json = ParseJson(Control("/_control/log"), "log");
    EXPECT_TRUE(json.ok());
    return json.ok() ? *json : Json::array();
  }
  void ClearLog() { Control("/_control/clear"); }

 private:
  FILE* pipe_;
  int port_;
  int pid_;
};

std::string ReadAll(const fs::path& p) {
  auto text = ReadFile(p.string(), size_t{1} << 30);
  return text.ok() ? *text : "";
}

int64_t CountWith(const fs::path& path) {
  auto stats = ReadAdvisories(path, [](Advisory&&) { return Status::Ok(); });
  EXPECT_TRUE(stats.ok()) << path;
  return stats.ok() ? static_cast<int64_t>(stats->advisories) : -1;
}

// Files whose name contains a temp marker, anywhere under `dir`.
std::vector<std::string> Leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.find(".tmp-") != std::string::npos || name.find(".part-") != std::string::npos)
      out.push_back(name);
  }
  return out;
}

class UpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::SharedData("");
    if (data_.empty() || testing::SharedData("osv/crates.io").empty())
      GTEST_SKIP() << "needs ../shared/data (not present in a fresh clone; see README: Tests)";
    npm_files_ = {"GHSA-35jh-r3h4-6jhm.json", "GHSA-92r3-m2mg-pj97.json",
                  "GHSA-c2qf-rxjj-qqgw.json", "GHSA-p6mc-m468-83gw.json",
                  "GHSA-rv95-896h-c2vc.json", "GHSA-xvch-5gv4-984h.json"};
    files_ = {
        {"/npm/all.zip", "zip:" + data_ + "/osv/ghsa:npm"},
        {"/crates.io/all.zip", "zip:" + data_ + "/osv/crates.io"},
        {"/tracker/data/json", data_ + "/feeds/debian/security-tracker-json-excerpt.vunnel.json"},
        {"/v3.11/main.json",
         data_ + "/feeds/alpine-secdb/json-excerpts/vulnerablecode-v3.11-main.json"},
        {"/v3.16/community.json",
         data_ + "/feeds/alpine-secdb/json-excerpts/vuls-v3.16-community.json"},
        {"/edge/main.json", data_ + "/feeds/alpine-secdb/json-excerpts/vuls-edge-main.json"},
    };
    std::vector<std::string> routes;
    for (const auto& [path, spec] : files_) routes.push_back(path + "=" + spec);
    server_ = FeedServer::Start(routes);
    ASSERT_NE(server_, nullptr) << "tests/feed_server.py did not start";

    // The default sources, cut down to what the server has, pointed at it
    // with --mirror: the same paths as on the real hosts.
    auto all = DefaultSources({"npm", "crates.io", "Debian", "Alpine"});
    ASSERT_TRUE(all.ok());
    std::set<std::string> wanted = {
        "osv:npm",           "osv:crates.io",          "debian",
        "alpine:v3.11/main", "alpine:v3.16/community", "alpine:edge/main"};
    for (const FeedSource& s : *all)
      if (wanted.contains(s.name)) options_.sources.push_back(s);
    ASSERT_EQ(options_.sources.size(), wanted.size());
    ASSERT_TRUE(ApplySourceOverrides(options_.sources, server_->base(), {}).ok());
    dir_ = testing::TempDir();
    options_.db_path = fs::path(dir_) / "db" / "advisories.db";
    options_.cache_dir = fs::path(dir_) / "feeds";
    options_.connect_timeout_seconds = 5;
    options_.low_speed_seconds = 10;
  }

  // What the importers give for the served files, one count per source in
  // options_.sources order.
  std::map<std::string, int64_t> ExpectedCounts() {
    std::map<std::string, int64_t> out;
    int64_t npm = 0;
    for (const auto& f : npm_files_) npm += CountWith(data_ + "/osv/ghsa/" + f);
    out["osv:npm"] = npm;
    out["osv:crates.io"] = CountWith(data_ + "/osv/crates.io");
    out["debian"] = CountWith(files_["/tracker/data/json"]);
    out["alpine:v3.11/main"] = CountWith(files_["/v3.11/main.json"]);
    out["alpine:v3.16/community"] = CountWith(files_["/v3.16/community.json"]);
    out["alpine:edge/main"] = CountWith(files_["/edge/main.json"]);
    return out;
  }

  // The same data imported from the original files.
  std::vector<fs::path> OriginalPaths() {
    std::vector<fs::path> paths;
    for (const auto& f : npm_files_) paths.push_back(data_ + "/osv/ghsa/" + f);
    paths.push_back(data_ + "/osv/crates.io");
    for (const char* p :
         {"/tracker/data/json", "/v3.11/main.json", "/v3.16/community.json", "/edge/main.json"})
      paths.push_back(files_[p]);
    return paths;
  }

  Result<UpdateReport> Update() { return UpdateDb(options_); }

  std::string data_;
  std::vector<std::string> npm_files_;
  std::map<std::string, std::string> files_;
  std::unique_ptr<FeedServer> server_;
  UpdateOptions options_;
  std::string dir_;
};

TEST_F(UpdaterTest, FirstUpdateBuildsDbFromEverySource) {
  auto report = Update();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->rebuilt);
  ASSERT_EQ(report->sources.size(), 6u);
  std::map<std::string, int64_t> expected = ExpectedCounts();
  for (const SourceReport& s : report->sources) {
    EXPECT_EQ(s.outcome, SourceOutcome::kDownloaded) << s.name;
    EXPECT_GT(s.bytes, 0u) << s.name;
    EXPECT_EQ(s.advisories, expected[s.name]) << s.name;
  }
  // Independently of the importers: 6 npm GHSA records; 1,206 RUSTSEC
  // records of which 13 are withdrawn (counted with python3).
  EXPECT_EQ(expected["osv:npm"], 6);
  EXPECT_EQ(expected["osv:crates.io"], 1193);

  auto db = AdvisoryDb::Open(options_.db_path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto sources = db->Sources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 6u);
  for (const SourceRecord& s : *sources) {
    EXPECT_TRUE(s.url.starts_with(server_->base() + "/")) << s.url;
    EXPECT_EQ(s.etag.size(), 34u) << s.name << " " << s.etag;  // "<32 hex>"
    EXPECT_TRUE(s.last_modified.ends_with(" GMT")) << s.last_modified;
    EXPECT_EQ(s.advisories, expected[s.name]) << s.name;
  }
  // The same files imported from disk give the same DB contents.
  fs::path other = fs::path(dir_) / "imported.db";
  auto imported = ImportPaths(other, OriginalPaths());
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  auto counts = db->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->vulnerabilities, imported->counts.vulnerabilities);
  EXPECT_EQ(counts->affected, imported->counts.affected);
  EXPECT_EQ(counts->packages, imported->counts.packages);
  EXPECT_EQ(report->counts.vulnerabilities, counts->vulnerabilities);
  EXPECT_GT(counts->vulnerabilities, 1193);
  // Cache: the raw files, no temp files.
  EXPECT_TRUE(fs::exists(options_.cache_dir / "osv-crates.io.zip"));
  EXPECT_TRUE(fs::exists(options_.cache_dir / "alpine-v3.16-community.json"));
  EXPECT_EQ(ReadAll(options_.cache_dir / "debian.json"), ReadAll(files_["/tracker/data/json"]));
  EXPECT_TRUE(Leftovers(dir_).empty());
}

TEST_F(UpdaterTest, SecondUpdateIsConditionalAndDoesNotRebuild) {
  ASSERT_TRUE(Update().ok());
  std::string before = ReadAll(options_.db_path);
  auto first_log = server_->Log();
  std::map<std::string, std::string> etags;
  for (const Json& entry : first_log) {
    EXPECT_TRUE(entry["if_none_match"].is_null()) << entry.dump();
  }
  {
    auto db = AdvisoryDb::Open(options_.db_path);
    ASSERT_TRUE(db.ok());
    auto sources = db->Sources();
    ASSERT_TRUE(sources.ok());
    for (const SourceRecord& s : *sources) etags[s.url.substr(server_->base().size())] = s.etag;
  }
  server_->ClearLog();

  auto report = Update();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->rebuilt);
  for (const SourceReport& s : report->sources) {
    EXPECT_EQ(s.outcome, SourceOutcome::kNotModified) << s.name;
    EXPECT_EQ(s.bytes, 0u);
  }
  Json log = server_->Log();
  ASSERT_EQ(log.size(), 6u) << log.dump();
  for (const Json& entry : log) {
    std::string path = entry["path"];
    EXPECT_EQ(entry["status"], 304) << path;
    ASSERT_TRUE(entry["if_none_match"].is_string()) << path;
    EXPECT_EQ(entry["if_none_match"].get<std::string>(), etags[path]) << path;
    EXPECT_TRUE(entry["if_modified_since"].is_string()) << path;
  }
  EXPECT_EQ(ReadAll(options_.db_path), before);
  EXPECT_GT(report->counts.vulnerabilities, 0);

  // --force ignores the validators and rebuilds.
  options_.force = true;
  auto forced = Update();
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->rebuilt);
  EXPECT_EQ(forced->sources[0].outcome, SourceOutcome::kDownloaded);
}

TEST_F(UpdaterTest, ChangedFeedTriggersRebuild) {
  ASSERT_TRUE(Update().ok());
  std::string replacement = data_ + "/feeds/alpine-secdb/json-excerpts/vuls-edge-community.json";
  server_->Swap("/v3.16/community.json", replacement);
  server_->ClearLog();
  auto report = Update();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->rebuilt);
  for (const SourceReport& s : report->sources) {
    if (s.name == "alpine:v3.16/community") {
      EXPECT_EQ(s.outcome, SourceOutcome::kDownloaded);
      EXPECT_EQ(s.advisories, CountWith(replacement));
    } else {
      EXPECT_EQ(s.outcome, SourceOutcome::kNotModified) << s.name;
      EXPECT_EQ(s.advisories, ExpectedCounts()[s.name]) << s.name;  // rebuilt from the cache
    }
  }
  EXPECT_EQ(ReadAll(options_.cache_dir / "alpine-v3.16-community.json"), ReadAll(replacement));
  EXPECT_TRUE(Leftovers(dir_).empty());
}

// A failed update: the old DB stays byte-identical and readable, no temp
// files are left, the error names the source and its URL.
void ExpectOldDbKept(const Result<UpdateReport>& report, const std::string& before,
                     const fs::path& db_path, const std::string& dir, const std::string& source,
                     const std::string& url, const std::string& what) {
  ASSERT_FALSE(report.ok());
  std::string message = report.status().ToString();
  EXPECT_NE(message.find("source " + source + " (" + url + ")"), std::string::npos) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
  EXPECT_EQ(ReadAll(db_path), before);
  EXPECT_TRUE(AdvisoryDb::Open(db_path).ok());
  EXPECT_TRUE(Leftovers(dir).empty());
}

TEST_F(UpdaterTest, ServerDyingMidDownloadLeavesOldDb) {
  ASSERT_TRUE(Update().ok());
  std::string before = ReadAll(options_.db_path);
  std::string cached_before = ReadAll(options_.cache_dir / "osv-crates.io.zip");
  // A new npm feed downloads fine; then crates.io dies halfway.
  server_->Swap("/npm/all.zip", "zip:" + data_ + "/osv/ghsa:Maven");
  server_->Fault("/crates.io/all.zip", "die");
  auto report = Update();
  ExpectOldDbKept(report, before, options_.db_path, dir_, "osv:crates.io",
                  server_->base() + "/crates.io/all.zip", "truncated");
  EXPECT_EQ(report.status().code(), StatusCode::kDataLoss);
  // The cached copy of the failed source is the old one, whole.
  EXPECT_EQ(ReadAll(options_.cache_dir / "osv-crates.io.zip"), cached_before);

  // The next update after the server recovers picks up the new npm feed
  // (its validators are the new download's) and rebuilds.
  server_->Fault("/crates.io/all.zip", "ok");
  auto recovered = Update();
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_TRUE(recovered->rebuilt);
  EXPECT_EQ(recovered->sources[0].name, "osv:npm");
  EXPECT_EQ(recovered->sources[0].outcome, SourceOutcome::kNotModified);
  EXPECT_EQ(recovered->sources[0].advisories, 5);  // the 5 Maven GHSA records
}

TEST_F(UpdaterTest, FirstUpdateDyingLeavesNoDb) {
  server_->Fault("/tracker/data/json", "die");
  auto report = Update();
  ASSERT_FALSE(report.ok());
  EXPECT_FALSE(fs::exists(options_.db_path));
  EXPECT_TRUE(Leftovers(dir_).empty());
}

TEST_F(UpdaterTest, Http500LeavesOldDb) {
  ASSERT_TRUE(Update().ok());
  std::string before = ReadAll(options_.db_path);
  server_->Swap("/edge/main.json",
                data_ + "/feeds/alpine-secdb/json-excerpts/vuls-edge-community.json");
  server_->Fault("/v3.11/main.json", "500");
  auto report = Update();
  ExpectOldDbKept(report, before, options_.db_path, dir_, "alpine:v3.11/main",
                  server_->base() + "/v3.11/main.json", "HTTP 500");
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
}

TEST_F(UpdaterTest, CachedCopyUsedOnFailureWhenAsked) {
  ASSERT_TRUE(Update().ok());
  server_->Fault("/v3.11/main.json", "500");
  server_->Swap("/edge/main.json",
                data_ + "/feeds/alpine-secdb/json-excerpts/vuls-edge-community.json");
  options_.use_cache_on_failure = true;
  auto report = Update();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->rebuilt);
  ASSERT_FALSE(report->warnings.empty());
  EXPECT_NE(report->warnings[0].find("alpine:v3.11/main"), std::string::npos);
  EXPECT_NE(report->warnings[0].find("using the copy downloaded"), std::string::npos);
  for (const SourceReport& s : report->sources)
    if (s.name == "alpine:v3.11/main") {
      EXPECT_EQ(s.outcome, SourceOutcome::kCachedAfterFailure);
      EXPECT_EQ(s.advisories, ExpectedCounts()[s.name]);
    }
}

TEST_F(UpdaterTest, StalledServerIsAbandoned) {
  ASSERT_TRUE(Update().ok());
  std::string before = ReadAll(options_.db_path);
  server_->Fault("/crates.io/all.zip", "slow");  // 128 bytes per second
  options_.low_speed_bytes = 1024;
  options_.low_speed_seconds = 2;
  options_.force = true;
  auto report = Update();
  ExpectOldDbKept(report, before, options_.db_path, dir_, "osv:crates.io",
                  server_->base() + "/crates.io/all.zip", "");
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
}

TEST_F(UpdaterTest, WrongDocumentAndSizeLimitAreErrors) {
  ASSERT_TRUE(Update().ok());
  std::string before = ReadAll(options_.db_path);
  // A captive portal's page instead of the tracker JSON.
  server_->Swap("/tracker/data/json", data_ + "/SOURCES.md");
  auto report = Update();
  ExpectOldDbKept(report, before, options_.db_path, dir_, "debian",
                  server_->base() + "/tracker/data/json", "not the Debian security tracker JSON");

  server_->Swap("/tracker/data/json", files_["/tracker/data/json"]);
  options_.max_source_bytes = 4096;
  options_.force = true;
  report = Update();
  ExpectOldDbKept(report, before, options_.db_path, dir_, "osv:npm",
                  server_->base() + "/npm/all.zip", "larger than the limit of 4.0 KiB");
  EXPECT_EQ(report.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(UpdaterTest, ImportPathsReplacesAtomically) {
  fs::path db = fs::path(dir_) / "imp" / "a.db";
  auto first = ImportPaths(db, {files_["/tracker/data/json"]});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->sources.size(), 1u);
  EXPECT_EQ(first->sources[0].advisories, CountWith(files_["/tracker/data/json"]));
  std::string before = ReadAll(db);

  // A path that does not exist, or holds nothing readable: the DB stays.
  auto missing = ImportPaths(db, {data_ + "/osv/go", "/nonexistent/feed.json"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto garbage = ImportPaths(db, {data_ + "/SOURCES.md"});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("could be read"), std::string::npos)
      << garbage.status().ToString();
  EXPECT_EQ(ReadAll(db), before);
  EXPECT_TRUE(Leftovers(dir_).empty());

  auto second = ImportPaths(db, {data_ + "/osv/crates.io", files_["/v3.11/main.json"]});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto opened = AdvisoryDb::Open(db);
  ASSERT_TRUE(opened.ok());
  auto sources = opened->Sources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 2u);
  std::set<std::string> names;
  for (const auto& s : *sources) names.insert(s.name);
  EXPECT_TRUE(names.contains(data_ + "/osv/crates.io"));
  for (const auto& s : *sources) {
    if (s.name == data_ + "/osv/crates.io") {
      EXPECT_EQ(s.advisories, 1193);
    }
  }
}

TEST(UpdaterSourcesTest, DefaultSourcesAreThePublicEndpoints) {
  auto all = DefaultSources({});
  ASSERT_TRUE(all.ok());
  // 8 OSV ecosystems, the tracker, Alpine v3.2 main + v3.3..v3.22 and edge
  // main and community.
  EXPECT_EQ(all->size(), 8u + 1u + 1u + 20u * 2u + 2u);
  std::map<std::string, std::string> urls;
  for (const auto& s : *all) urls[s.name] = s.url;
  EXPECT_EQ(urls["osv:PyPI"], "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip");
  EXPECT_EQ(urls["osv:crates.io"],
            "https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip");
  EXPECT_EQ(urls["debian"], "https://security-tracker.debian.org/tracker/data/json");
  EXPECT_EQ(urls["alpine:v3.2/main"], "https://secdb.alpinelinux.org/v3.2/main.json");
  EXPECT_EQ(urls.count("alpine:v3.2/community"), 0u);
  EXPECT_EQ(urls["alpine:v3.22/community"], "https://secdb.alpinelinux.org/v3.22/community.json");
  EXPECT_EQ(urls["alpine:edge/main"], "https://secdb.alpinelinux.org/edge/main.json");

  auto some = DefaultSources({"pypi", "GO"});
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].name, "osv:PyPI");
  EXPECT_EQ((*some)[1].name, "osv:Go");

  auto bad = DefaultSources({"cobol"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown ecosystem 'cobol' (supported: npm, PyPI"),
            std::string::npos);
}

TEST(UpdaterSourcesTest, MirrorAndSourceUrlOverrides) {
  auto sources = DefaultSources({"npm", "Debian"});
  ASSERT_TRUE(sources.ok());
  ASSERT_TRUE(ApplySourceOverrides(*sources, "https://mirror.local/feeds/",
                                   {"debian=https://deb.local/tracker.json"})
                  .ok());
  EXPECT_EQ((*sources)[0].url, "https://mirror.local/feeds/npm/all.zip");
  EXPECT_EQ((*sources)[1].url, "https://deb.local/tracker.json");

  Status s = ApplySourceOverrides(*sources, "", {"nosuch=https://x/"});
  EXPECT_EQ(s.message(), "--source-url: no source named 'nosuch' (sources: osv:npm, debian)");
  s = ApplySourceOverrides(*sources, "", {"debian"});
  EXPECT_EQ(s.message(), "--source-url 'debian': expected NAME=URL");
  s = ApplySourceOverrides(*sources, "", {"debian=file:///etc/passwd"});
  EXPECT_EQ(s.message(),
            "--source-url debian: 'file:///etc/passwd' is not an http:// or https:// URL");
  s = ApplySourceOverrides(*sources, "ftp://x", {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(UpdaterPathsTest, DefaultPathsFollowXdg) {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  std::string saved = old_xdg != nullptr ? old_xdg : "";
  ::setenv("XDG_CACHE_HOME", "/var/cache/x", 1);
  EXPECT_EQ(DefaultDbPath(), fs::path("/var/cache/x/customs/db/advisories.db"));
  EXPECT_EQ(DefaultFeedCacheDir(), fs::path("/var/cache/x/customs/feeds"));
  ::unsetenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != 0) {
    EXPECT_EQ(DefaultDbPath(), fs::path(home) / ".cache/customs/db/advisories.db");
  }
  if (old_xdg != nullptr) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
}

TEST(UpdaterCheckTest, MissingFreshAndStale) {
  std::string dir = testing::TempDir();
  fs::path db = fs::path(dir) / "advisories.db";
  auto missing = CheckDb(db, 1'000'000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "no advisory DB at " + db.string() +
                ": run `customs db update` (or `customs db import PATH` offline)");

  CUSTOMS_REQUIRE_SHARED(osv, "osv/debian");
  ASSERT_TRUE(ImportPaths(db, {osv}).ok());
  auto built = AdvisoryDb::Open(db)->BuiltAt();
  ASSERT_TRUE(built.ok());
  auto fresh = CheckDb(db, *built + 3600);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->stale);
  EXPECT_EQ(fresh->age_seconds, 3600);
  EXPECT_EQ(fresh->message, "");
  auto stale = CheckDb(db, *built + 3 * 86400 + 100);
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->message,
            "advisory DB at " + db.string() + " is 3 days old; run `customs db update`");

  ASSERT_TRUE(WriteFileAtomic((fs::path(dir) / "junk.db").string(), "not sqlite").ok());
  EXPECT_FALSE(CheckDb(fs::path(dir) / "junk.db", 0).ok());
}

TEST(UpdaterCheckTest, FormatAge) {
  EXPECT_EQ(FormatAge(1), "1 second");
  EXPECT_EQ(FormatAge(59), "59 seconds");
  EXPECT_EQ(FormatAge(600), "10 minutes");
  EXPECT_EQ(FormatAge(5 * 3600 + 5), "5 hours");
  EXPECT_EQ(FormatAge(86400), "24 hours");
  EXPECT_EQ(FormatAge(3 * 86400), "3 days");
  EXPECT_EQ(FormatAge(-5), "0 seconds");
}

}  // namespace
}  // namespace customs::vuln
