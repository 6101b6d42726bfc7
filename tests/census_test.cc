// `customs census` end to end: Debian's docker-registry on loopback holding
// the test images under several repositories and tags, plus one image whose
// layer blob was deleted from the registry's storage; a fault proxy in front
// to see what the census asks for. Expected figures come from the layouts
// (their configs' diff_ids), from tests/contraband_test.cc (the stand-ins of
// oci-contraband cover every harmful category) and from the GitHub
// advisories in ../shared/data (read by hand: minimist CVE-2021-44906 CVSS
// 9.8, lodash CVE-2021-23337 7.2, express CVE-2024-29041 6.1).
#include "scan/census.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "store/census_store.h"
#include "tests/registry_fixture.h"
#include "tests/testing.h"
#include "vuln/advisory_db.h"
#include "vuln/feeds.h"

namespace customs {
namespace {

using testing::FaultProxy;
using testing::LocalRegistry;

// The first diff_id and the layer blob digests of an OCI layout's only image.
struct LayoutFacts {
  std::string first_diff_id;
  std::vector<std::string> layer_digests;
};

LayoutFacts ReadLayout(const std::string& dir) {
  LayoutFacts facts;
  auto read = [](const std::string& path) {
    std::ifstream f(path);
    return nlohmann::json::parse(f, nullptr, false);
  };
  auto blob = [&](const std::string& digest) {
    return dir + "/blobs/sha256/" + digest.substr(digest.find(':') + 1);
  };
  auto index = read(dir + "/index.json");
  auto manifest = read(blob(index["manifests"][0]["digest"].get<std::string>()));
  auto config = read(blob(manifest["config"]["digest"].get<std::string>()));
  facts.first_diff_id = config["rootfs"]["diff_ids"][0].get<std::string>();
  for (const auto& l : manifest["layers"]) facts.layer_digests.push_back(l["digest"]);
  return facts;
}

// An OCI layout at `dir` holding one image "broken": one gzip layer with a
// file no other image has.
constexpr char kBrokenLayoutScript[] = R"py(
import gzip, hashlib, io, json, os, sys, tarfile, time
out = sys.argv[1]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(out + "/blobs/sha256/" + digest, "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)
tar_bytes = io.BytesIO()
with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as t:
    body = ("census test %f\n" % time.time()).encode()
    info = tarfile.TarInfo("srv/broken.txt")
    info.size = len(body)
    info.mtime = 0
    t.addfile(info, io.BytesIO(body))
raw = tar_bytes.getvalue()
layer, layer_size = put(gzip.compress(raw, mtime=0))
config, config_size = put(json.dumps({
    "architecture": "amd64", "os": "linux", "config": {},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]},
}).encode())
manifest, manifest_size = put(json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": config, "size": config_size},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": layer, "size": layer_size}],
}).encode())
with open(out + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest,
        "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": "broken"}}]}, f)
with open(out + "/oci-layout", "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
print(layer)
)py";

// Lines of a JSON-lines log that contain `needle`, and of those, the ones
// that contain none of `except`.
std::vector<std::string> LinesWith(const std::string& log, const std::string& needle) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

class CensusTest : public ::testing::Test {
 protected:
  // One registry for the suite:
  //   library/alpine  3.19 3.20.3 latest  (oci-alpine, one image)
  //   team/multi      1 2                 (oci-multilayer)
  //   team/lang       1.0                 (oci-lang; no "latest")
  //   sus/contraband  latest              (oci-contraband)
  //   broken/app      1                   (its layer blob deleted)
  // multi, lang and contraband share oci-debian's layer as their first.
  static void SetUpTestSuite() {
    if (!testing::MissingRegistryTools().empty()) return;
    for (const char* name : {"oci-alpine", "oci-multilayer", "oci-lang", "oci-contraband"})
      if (testing::TestImage(name).empty()) missing_image_ = name;
    if (!missing_image_.empty()) return;
    registry_ = std::make_unique<LocalRegistry>();
    start_error_ = registry_->Start({});
    if (!start_error_.empty()) return;
    std::string alpine = testing::TestImage("oci-alpine");
    for (const auto& [src, ref] : {
             std::pair{"oci:" + alpine + ":3.20.3", "library/alpine:3.19"},
             std::pair{"oci:" + alpine + ":3.20.3", "library/alpine:3.20.3"},
             std::pair{"oci:" + alpine + ":3.20.3", "library/alpine:latest"},
             std::pair{"oci:" + testing::TestImage("oci-multilayer") + ":multi", "team/multi:1"},
             std::pair{"oci:" + testing::TestImage("oci-multilayer") + ":multi", "team/multi:2"},
             std::pair{"oci:" + testing::TestImage("oci-lang") + ":lang", "team/lang:1.0"},
             std::pair{"oci:" + testing::TestImage("oci-contraband") + ":contraband",
                       "sus/contraband:latest"},
         }) {
      std::string err = registry_->Push(src, ref);
      if (!err.empty()) start_error_ += "push " + std::string(ref) + ": " + err + "\n";
    }
    debian_diff_id_ = ReadLayout(testing::TestImage("oci-multilayer")).first_diff_id;
    // The broken image: pushed whole, then its layer blob removed from
    // the registry's storage, so the manifest and config answer and the
    // layer is "blob unknown".
    std::string layout = testing::TempDir() + "/broken";
    std::string script = testing::TempDir() + "/broken_layout.py";
    std::ofstream(script) << kBrokenLayoutScript;
    std::string out;
    if (testing::Run("python3 '" + script + "' '" + layout + "'", &out) != 0) {
      start_error_ += "broken layout: " + out;
      return;
    }
    broken_layer_ = out.substr(0, out.find('\n'));
    std::string err = registry_->Push("oci:" + layout + ":broken", "broken/app:1");
    if (!err.empty()) start_error_ += "push broken/app:1: " + err;
    std::string hex = broken_layer_.substr(7);
    std::string data = registry_->dir() + "/data/docker/registry/v2/blobs/sha256/" +
                       hex.substr(0, 2) + "/" + hex + "/data";
    std::error_code ec;
    if (!std::filesystem::remove(data, ec)) start_error_ += "cannot remove " + data;
  }
  static void TearDownTestSuite() { registry_.reset(); }
  void SetUp() override {
    if (std::string missing = testing::MissingRegistryTools(); !missing.empty())
      GTEST_SKIP() << "needs " << missing << " (scripts/install-deps.sh installs them)";
    if (!missing_image_.empty())
      GTEST_SKIP() << "test image " << missing_image_
                   << " missing: run tests/images/build_images.sh tests/images/cache (as root)";
    ASSERT_EQ(start_error_, "");
  }

  // A census of `host` with every detector, its store and caches in `dir`.
  static scan::CensusOptions Options(const std::string& host, const std::string& dir) {
    scan::CensusOptions o;
    o.registry = host;
    o.scan.detect.malware = o.scan.detect.secret = o.scan.detect.config = true;
    o.scan.registry.insecure_registries = {host};
    o.scan.registry.lookup_stored = false;
    o.scan.registry.backoff_ms = 20;
    o.scan.layer_cache_dir = dir + "/layers";
    o.store_path = dir + "/census.db";
    return o;
  }

  static int64_t Category(const model::CensusSummary& s, std::string_view name) {
    for (const auto& c : s.categories)
      if (c.category == name) return c.images;
    return -1;
  }

  static std::unique_ptr<LocalRegistry> registry_;
  static std::string start_error_;
  static std::string missing_image_;
  static std::string debian_diff_id_;
  static std::string broken_layer_;
};

std::unique_ptr<LocalRegistry> CensusTest::registry_;
std::string CensusTest::start_error_;
std::string CensusTest::missing_image_;
std::string CensusTest::debian_diff_id_;
std::string CensusTest::broken_layer_;

TEST_F(CensusTest, LatestTagsScannedOnceThenResumedWithoutPullingAgain) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.Start(registry_->host()), "");
  const std::string host = proxy.host();
  std::string dir = testing::TempDir();
  auto options = Options(host, dir);
  // One image at a time: the order (repositories sorted) fixes which image
  // analyzes the shared Debian layer and which find it in the cache.
  options.parallel_images = 1;
  std::vector<scan::CensusProgress> seen;
  options.progress = [&](const scan::CensusProgress& p) { seen.push_back(p); };
  auto s = scan::RunCensus(options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();

  // broken/app:1, library/alpine:latest, sus/contraband:latest,
  // team/lang:1.0 (the newest tag: no "latest"), team/multi:2.
  EXPECT_EQ(s->registry, host);
  EXPECT_EQ(s->images_scanned, 4);
  EXPECT_EQ(s->images_failed, 1);
  EXPECT_EQ(s->run_images, 5);
  EXPECT_EQ(s->resumed_images, 0);
  EXPECT_GT(s->wall_seconds, 0);
  EXPECT_GT(s->images_per_second, 0);
  ASSERT_EQ(s->failures.size(), 1u);
  EXPECT_EQ(s->failures[0].reference, host + "/broken/app:1");
  EXPECT_NE(s->failures[0].error.find(broken_layer_), std::string::npos) << s->failures[0].error;
  EXPECT_NE(s->failures[0].error.find("not found"), std::string::npos) << s->failures[0].error;

  // Contraband: only oci-contraband, in every category.
  EXPECT_EQ(s->harmful_images, 1);
  for (auto category : model::kHarmfulCategories) EXPECT_EQ(Category(*s, category), 1) << category;
  auto store = store::CensusStore::Open(options.store_path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto contraband = store->Find(host + "/sus/contraband:latest");
  ASSERT_TRUE(contraband.ok() && contraband->has_value());
  EXPECT_EQ((*contraband)->categories,
            (std::vector<std::string>{"backdoor", "coin-miner", "hacking-tool", "malicious-package",
                                      "malware", "secret", "windows-malware"}));
  EXPECT_EQ((*contraband)->layers.size(), 4u);
  EXPECT_EQ((*contraband)->layers[0], debian_diff_id_);
  EXPECT_EQ((*contraband)->platform, "linux/amd64");
  auto lang = store->Find(host + "/team/lang:1.0");
  ASSERT_TRUE(lang.ok() && lang->has_value());
  EXPECT_TRUE((*lang)->categories.empty());
  EXPECT_EQ((*lang)->layers_cached, 1);  // the Debian layer, from contraband's scan

  // Layers: alpine 1, contraband 4, lang 4, multi 3; the Debian layer
  // analyzed once (by contraband) and found in the cache twice.
  EXPECT_EQ(s->layers, 12);
  EXPECT_EQ(s->layers_cached, 2);
  EXPECT_EQ(s->unique_layers, 10);
  ASSERT_FALSE(s->shared_layers.empty());
  EXPECT_EQ(s->shared_layers[0].diff_id, debian_diff_id_);
  EXPECT_EQ(s->shared_layers[0].images, 3);  // once per image holding it
  EXPECT_EQ(s->shared_layers[0].first_repository, "sus/contraband");
  EXPECT_EQ(s->shared_layers.size(), 1u);

  // No advisory DB asked for: no vulnerabilities.
  EXPECT_EQ(s->images_with_any, 0);
  EXPECT_EQ(s->images_without_vulnerabilities, 4);
  EXPECT_TRUE(s->top_vulnerabilities.empty());

  // Progress: once after listing, then after each image.
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].done, 0u);
  EXPECT_EQ(seen[0].total, 5u);
  EXPECT_EQ(seen.back().done, 5u);
  EXPECT_EQ(seen.back().failed, 1u);
  EXPECT_EQ(seen.back().layers, 12u);
  EXPECT_EQ(seen.back().layers_cached, 2u);
  EXPECT_NEAR(seen.back().layers_reused_percent, 100.0 * 2 / 12, 1e-9);
  EXPECT_EQ(seen[1].reference, host + "/broken/app:1");
  EXPECT_FALSE(seen[1].error.empty());

  // Resumed: the four scanned images are not asked for again; the broken
  // one is tried once more.
  proxy.ClearLog();
  seen.clear();
  auto again = scan::RunCensus(options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->resumed_images, 4);
  EXPECT_EQ(again->run_images, 1);
  EXPECT_EQ(again->images_scanned, 4);
  EXPECT_EQ(again->images_failed, 1);
  EXPECT_EQ(again->layers, 12);
  EXPECT_EQ(again->harmful_images, 1);
  std::string log = proxy.Log();
  auto manifests = LinesWith(log, "/manifests/");
  EXPECT_FALSE(manifests.empty()) << log;
  for (const auto& line : manifests)
    EXPECT_NE(line.find("/v2/broken/app/"), std::string::npos) << line;
  for (const auto& line : LinesWith(log, "/blobs/"))
    EXPECT_NE(line.find("/v2/broken/app/"), std::string::npos) << line;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].total, 1u);
  EXPECT_EQ(seen[0].resumed, 4u);
}

TEST_F(CensusTest, AllTagsNewestTagsAndRepositoryGlob) {
  const std::string host = registry_->host();
  std::string cache = testing::TempDir();
  auto run = [&](const std::string& repos, const std::string& tags) {
    auto options = Options(host, cache);
    options.store_path = testing::TempDir() + "/census.db";  // a store per run
    options.repos_glob = repos;
    options.tags = tags;
    return scan::RunCensus(options);
  };
  auto all = run("*", "all");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  // 3 alpine tags, 2 multi, 1 lang, 1 contraband, 1 broken.
  EXPECT_EQ(all->run_images, 8);
  EXPECT_EQ(all->images_scanned, 7);
  EXPECT_EQ(all->images_failed, 1);
  // The Debian layer in multi:1, multi:2, lang and contraband; alpine's in
  // its three tags; multi's two upper layers in its two tags.
  ASSERT_GE(all->shared_layers.size(), 2u);
  EXPECT_EQ(all->shared_layers[0].diff_id, debian_diff_id_);
  EXPECT_EQ(all->shared_layers[0].images, 4);
  EXPECT_EQ(all->shared_layers[1].images, 3);
  EXPECT_EQ(all->shared_layers[1].first_repository, "library/alpine");
  EXPECT_EQ(all->shared_layers.size(), 4u);
  EXPECT_EQ(all->layers, 3 * 1 + 2 * 3 + 4 + 4);
  EXPECT_EQ(all->unique_layers, 10);
  EXPECT_GT(all->layers_cached, 0);

  auto team = run("team/*", "all");
  ASSERT_TRUE(team.ok()) << team.status().ToString();
  EXPECT_EQ(team->run_images, 3);  // lang:1.0, multi:1, multi:2
  EXPECT_EQ(team->images_scanned, 3);
  EXPECT_TRUE(team->failures.empty());
  EXPECT_EQ(team->harmful_images, 0);

  auto newest = run("library/*", "2");
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  EXPECT_EQ(newest->run_images, 2);  // 3.20.3 and latest (after every version)

  auto latest = run("library/alp*", "latest");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->run_images, 1);

  auto none = run("nothing/*", "all");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->run_images, 0);
  EXPECT_EQ(none->images_scanned, 0);
}

TEST_F(CensusTest, SummaryCoversTheRunsSelectionOnly) {
  // A store holding the whole registry, then a census of one repository
  // with it: the tables are about that repository.
  const std::string host = registry_->host();
  std::string dir = testing::TempDir();
  auto options = Options(host, dir);
  ASSERT_TRUE(scan::RunCensus(options).ok());
  options.repos_glob = "team/lang";
  auto s = scan::RunCensus(options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->resumed_images, 1);
  EXPECT_EQ(s->run_images, 0);
  EXPECT_EQ(s->images_scanned, 1);
  EXPECT_EQ(s->images_failed, 0);
  EXPECT_EQ(s->harmful_images, 0);
}

TEST_F(CensusTest, VulnerabilityFiguresFromTheGithubAdvisories) {
  CUSTOMS_REQUIRE_SHARED(ghsa, "osv/ghsa");
  std::string dir = testing::TempDir();
  std::string db_path = dir + "/advisories.db";
  {
    auto db = vuln::AdvisoryDb::Create(db_path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(db->Begin().ok());
    auto stats = vuln::ReadAdvisories(ghsa, [&](vuln::Advisory&& a) { return db->Insert(a); });
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_TRUE(db->Commit().ok());
  }
  auto options = Options(registry_->host(), dir);
  options.match_vulns = true;
  options.vuln.db_path = db_path;
  auto s = scan::RunCensus(options);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // Of the four images scanned only oci-lang's npm application matches:
  // minimist (critical), lodash (high), express (medium).
  EXPECT_EQ(s->images_scanned, 4);
  EXPECT_EQ(s->images_with_critical, 1);
  EXPECT_EQ(s->images_with_high, 1);
  EXPECT_EQ(s->images_with_any, 1);
  EXPECT_EQ(s->images_by_max_severity.critical, 1);
  EXPECT_EQ(s->images_by_max_severity.high, 0);
  EXPECT_EQ(s->images_without_vulnerabilities, 3);
  EXPECT_DOUBLE_EQ(s->mean_vulnerabilities, 0.75);  // 3 / 4
  EXPECT_DOUBLE_EQ(s->median_vulnerabilities, 0);   // 0 0 0 3
  std::vector<std::tuple<std::string, model::Severity, int64_t>> top;
  for (const auto& v : s->top_vulnerabilities) top.emplace_back(v.id, v.severity, v.images);
  EXPECT_EQ(top, (std::vector<std::tuple<std::string, model::Severity, int64_t>>{
                     {"CVE-2021-23337", model::Severity::kHigh, 1},
                     {"CVE-2021-44906", model::Severity::kCritical, 1},
                     {"CVE-2024-29041", model::Severity::kMedium, 1}}));
  std::vector<std::string> packages;
  for (const auto& p : s->top_packages) packages.push_back(p.package);
  EXPECT_EQ(packages, (std::vector<std::string>{"express", "lodash", "minimist"}));

  auto store = store::CensusStore::Open(options.store_path);
  ASSERT_TRUE(store.ok());
  auto lang = store->Find(registry_->host() + "/team/lang:1.0");
  ASSERT_TRUE(lang.ok() && lang->has_value());
  EXPECT_EQ((*lang)->vulnerabilities,
            (model::SeverityCounts{.critical = 1, .high = 1, .medium = 1, .total = 3}));
  EXPECT_EQ((*lang)->findings, (std::vector<model::CensusVulnerability>{
                                   {"CVE-2021-23337", model::Severity::kHigh, "lodash"},
                                   {"CVE-2021-44906", model::Severity::kCritical, "minimist"},
                                   {"CVE-2024-29041", model::Severity::kMedium, "express"}}));

  // Without the DB the census does not start.
  options.vuln.db_path = dir + "/none.db";
  options.store_path = dir + "/other.db";
  auto missing = scan::RunCensus(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir + "/other.db"));
}

int RunCustoms(const std::string& args, std::string* out, std::string* err = nullptr) {
  std::string errfile = testing::TempDir() + "/stderr";
  // Run adds 2>&1 after the command: the group keeps stderr in its file.
  int rc =
      testing::Run("{ '" + testing::CustomsBinary() + "' " + args + " 2>'" + errfile + "'; }", out);
  if (err != nullptr) {
    std::ifstream f(errfile);
    err->assign(std::istreambuf_iterator<char>(f), {});
  }
  return rc;
}

TEST_F(CensusTest, CommandLine) {
  const std::string host = registry_->host();
  std::string dir = testing::TempDir();
  std::string access = host + " --insecure-registry " + host + " --store '" + dir +
                       "/census.db' --cache-dir '" + dir + "/cache'";
  std::string common = access + " --scanners malware,secret,config";
  std::string out, err;
  ASSERT_EQ(RunCustoms("census " + common + " -f json -o '" + dir + "/census.json'", &out, &err), 0)
      << out << err;
  // Not a terminal: a progress line at the end (and every 10 images).
  EXPECT_NE(err.find("census: 5/5 images"), std::string::npos) << err;
  EXPECT_NE(err.find("1 error"), std::string::npos) << err;
  std::ifstream f(dir + "/census.json");
  auto j = nlohmann::json::parse(f, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["schemaVersion"], 1);
  EXPECT_EQ(j["registry"], host);
  EXPECT_EQ(j["images"]["scanned"], 4);
  EXPECT_EQ(j["images"]["failed"], 1);
  EXPECT_EQ(j["images"]["withAny"], 0);
  EXPECT_EQ(j["images"]["byMaxSeverity"]["none"], 4);
  EXPECT_EQ(j["harmful"]["images"], 1);
  ASSERT_EQ(j["harmful"]["categories"].size(), 7u);
  for (const auto& c : j["harmful"]["categories"]) EXPECT_EQ(c["images"], 1) << c["category"];
  EXPECT_EQ(j["sharedLayers"][0]["diffId"], debian_diff_id_);
  EXPECT_EQ(j["sharedLayers"][0]["images"], 3);
  EXPECT_EQ(j["layers"]["total"], 12);
  EXPECT_EQ(j["layers"]["unique"], 10);
  EXPECT_EQ(j["run"]["images"], 5);
  EXPECT_EQ(j["failures"][0]["reference"], host + "/broken/app:1");
  EXPECT_TRUE(j["topVulnerabilities"].is_array());
  EXPECT_TRUE(j["topPackages"].is_array());
  EXPECT_TRUE(j["vulnerabilitiesPerImage"].contains("median"));

  // The table, resumed from the store: nothing scanned but the broken one.
  ASSERT_EQ(RunCustoms("census " + common, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("Census of " + host + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Images: 4 scanned, 1 failed (this run: 1 in "), std::string::npos) << out;
  EXPECT_NE(out.find("4 already stored)"), std::string::npos) << out;
  EXPECT_NE(out.find("Harmful images: 1 (25.0%)"), std::string::npos) << out;
  EXPECT_NE(out.find(host + "/broken/app:1  "), std::string::npos) << out;

  // Usage and registry errors: exit 2 with a reason.
  EXPECT_EQ(RunCustoms("census " + common + " --tags newest", &out, &err), 2);
  EXPECT_NE(err.find("--tags: 'newest'"), std::string::npos) << err;
  EXPECT_EQ(RunCustoms("census " + host + "/team/lang --store '" + dir + "/x.db'", &out, &err), 2);
  EXPECT_NE(err.find("is not a registry"), std::string::npos) << err;
  EXPECT_EQ(RunCustoms("census 127.0.0.1:1 --insecure-registry 127.0.0.1:1 --store '" + dir +
                           "/x.db' --scanners none",
                       &out, &err),
            2);
  EXPECT_NE(err.find("listing the repositories of 127.0.0.1:1"), std::string::npos) << err;
  EXPECT_EQ(RunCustoms("census " + access + " --db '" + dir + "/none.db'", &out, &err), 2);
  EXPECT_NE(err.find("customs db update"), std::string::npos) << err;
}

}  // namespace
}  // namespace customs
