// Pulling from real registries: Debian's docker-registry on loopback,
// anonymous, behind htpasswd and behind a token issuer, with a fault proxy in
// front. A registry image scans exactly like the same image read from disk.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>

#include "scan/scanner.h"
#include "tests/registry_fixture.h"
#include "tests/testing.h"

namespace customs {
namespace {

using testing::FaultProxy;
using testing::LocalRegistry;
using testing::RegistryAuth;

#define REQUIRE_LAYOUT(var, name)                                         \
  std::string var = testing::TestImage(name);                             \
  if (var.empty())                                                        \
  GTEST_SKIP() << "test image missing: run tests/images/build_images.sh " \
                  "tests/images/cache (as root)"

// Registry access to `host` over plain HTTP, quick retries, no stored
// logins, caches under `cache` when given.
scan::ScanOptions Options(const std::string& host, const std::string& cache = "") {
  scan::ScanOptions o;
  o.detect.malware = o.detect.secret = o.detect.config = true;
  o.registry.insecure_registries = {host};
  o.registry.lookup_stored = false;
  o.registry.backoff_ms = 20;
  if (!cache.empty()) {
    o.registry.blob_cache_dir = cache + "/blobs";
    o.layer_cache_dir = cache + "/layers";
  }
  return o;
}

// What a scan found, one line per fact, independent of where the image came
// from.
std::string Summary(const model::ScanResult& r) {
  std::string out = "os " + r.os.id + " " + r.os.version_id + "\n";
  out += "config " + r.image.config_digest + "\n";
  for (const auto& l : r.image.layers) out += "layer " + l.diff_id + "\n";
  for (const auto& p : r.packages)
    out += "pkg " + p.purl + " " + p.layer.diff_id + " " + std::to_string(p.files.size()) + "\n";
  for (const auto& d : r.detections)
    out += "det " + d.rule_id + " " + d.path + " " + d.layer.diff_id + " " + d.sha256 + "\n";
  for (const auto& d : r.diagnostics) out += "diag " + d.message + "\n";
  return out;
}

Result<std::vector<model::ScanResult>> Scan(const std::string& image,
                                            const scan::ScanOptions& options) {
  return scan::ScanImage(image, options);
}

// Lines of a JSON-lines log that contain every needle.
int CountLines(const std::string& log, std::initializer_list<std::string> needles) {
  int n = 0;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    bool all = !line.empty();
    for (const auto& needle : needles) all = all && line.find(needle) != std::string::npos;
    n += all ? 1 : 0;
    start = end + 1;
  }
  return n;
}

class RegistryTest : public ::testing::Test {
 protected:
  // One anonymous registry holding the test images, shared by the tests.
  static void SetUpTestSuite() {
    if (!testing::MissingRegistryTools().empty()) return;
    registry_ = std::make_unique<LocalRegistry>();
    start_error_ = registry_->Start({});
    if (!start_error_.empty()) return;
    for (const auto& [layout, tag, ref] :
         {std::tuple{"oci-alpine", "3.20.3", "library/alpine:3.20.3"},
          std::tuple{"oci-multilayer", "multi", "team/multi:1"},
          std::tuple{"oci-lang", "lang", "team/lang:1"}}) {
      std::string dir = testing::TestImage(layout);
      if (dir.empty()) continue;
      std::string err = registry_->Push("oci:" + dir + ":" + tag, ref);
      if (!err.empty()) start_error_ += "push " + std::string(layout) + ": " + err;
    }
  }
  static void TearDownTestSuite() { registry_.reset(); }
  void SetUp() override {
    if (std::string missing = testing::MissingRegistryTools(); !missing.empty())
      GTEST_SKIP() << "needs " << missing << " (scripts/install-deps.sh installs them)";
    ASSERT_EQ(start_error_, "");
  }

  static std::unique_ptr<LocalRegistry> registry_;
  static std::string start_error_;
};

std::unique_ptr<LocalRegistry> RegistryTest::registry_;
std::string RegistryTest::start_error_;

TEST_F(RegistryTest, RegistryImageScansExactlyLikeTheLayoutItWasPushedFrom) {
  REQUIRE_LAYOUT(dir, "oci-multilayer");
  auto local = Scan("oci:" + dir + ":multi", Options(registry_->host()));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto remote = Scan(registry_->host() + "/team/multi:1", Options(registry_->host()));
  ASSERT_TRUE(remote.ok()) << remote.status().ToString();
  ASSERT_EQ(remote->size(), 1u);
  EXPECT_EQ(Summary((*remote)[0]), Summary((*local)[0]));
  EXPECT_EQ((*remote)[0].image.source, "registry");
  EXPECT_EQ((*remote)[0].image.manifest_digest, (*local)[0].image.manifest_digest);
  ASSERT_EQ((*remote)[0].image.repo_tags.size(), 1u);
  EXPECT_EQ((*remote)[0].image.repo_tags[0], registry_->host() + "/team/multi:1");
  EXPECT_GT((*remote)[0].packages.size(), 80u);
  // The same by digest.
  auto by_digest = Scan(registry_->host() + "/team/multi@" + (*local)[0].image.manifest_digest,
                        Options(registry_->host()));
  ASSERT_TRUE(by_digest.ok()) << by_digest.status().ToString();
  EXPECT_EQ(Summary((*by_digest)[0]), Summary((*local)[0]));
}

TEST_F(RegistryTest, MultiPlatformIndexPicksThePlatformAndFetchesOnlyItsManifest) {
  REQUIRE_LAYOUT(dir, "oci-multiarch");
  ASSERT_EQ(registry_->Push("oci:" + dir + ":3.20.3", "multi/alpine:3.20.3", "--all"), "");
  FaultProxy proxy;
  ASSERT_EQ(proxy.Start(registry_->host()), "");
  std::string image = proxy.host() + "/multi/alpine:3.20.3";

  auto options = Options(proxy.host());
  options.platform.all = true;
  auto all = Scan(image, options);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);  // the attestation manifest is not an image
  EXPECT_EQ((*all)[0].image.architecture, "amd64");
  EXPECT_EQ((*all)[1].image.architecture, "arm64");
  EXPECT_TRUE((*all)[1].image.platform_from_index);

  proxy.ClearLog();
  auto arm = Options(proxy.host());
  arm.platform.platform = {"linux", "arm64", ""};
  arm.platform.explicit_platform = true;
  auto one = Scan(image, arm);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].image.manifest_digest, (*all)[1].image.manifest_digest);
  // HEAD of the tag, GET of the index and of the arm64 manifest: nothing else
  // counts against a pull limit.
  std::string log = proxy.Log();
  EXPECT_EQ(CountLines(log, {"/manifests/", "\"GET\""}), 2) << log;
  EXPECT_EQ(CountLines(log, {"/manifests/" + (*all)[0].image.manifest_digest}), 0) << log;

  auto missing = Options(proxy.host());
  missing.platform.platform = {"linux", "s390x", ""};
  missing.platform.explicit_platform = true;
  auto none = Scan(image, missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("available: linux/amd64, linux/arm64"), std::string::npos)
      << none.status().ToString();
}

TEST_F(RegistryTest, UnknownTagAndRepositoryAreNotFound) {
  auto tag = Scan(registry_->host() + "/team/multi:nope", Options(registry_->host()));
  ASSERT_FALSE(tag.ok());
  EXPECT_EQ(tag.status().code(), StatusCode::kNotFound) << tag.status().ToString();
  EXPECT_NE(tag.status().message().find("team/multi:nope"), std::string::npos);
  auto repo = Scan(registry_->host() + "/nobody/here:1", Options(registry_->host()));
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.status().code(), StatusCode::kNotFound) << repo.status().ToString();
}

TEST_F(RegistryTest, ListsRepositoriesAndTagsFollowingLinkPages) {
  REQUIRE_LAYOUT(alpine, "oci-alpine");  // built from ../shared, absent in a fresh clone
  std::string extra = registry_->Push("oci:" + alpine + ":3.20.3", "library/alpine:edge");
  ASSERT_EQ(extra, "");
  image::RegistryOptions o = Options(registry_->host()).registry;
  image::RegistryClient client(registry_->host(), o);
  auto repos = client.ListRepositories();
  ASSERT_TRUE(repos.ok()) << repos.status().ToString();
  EXPECT_NE(std::find(repos->begin(), repos->end(), "team/multi"), repos->end());
  EXPECT_NE(std::find(repos->begin(), repos->end(), "library/alpine"), repos->end());
  // One repository per page: the registry sends a Link to the next one
  // (distribution 2.8 pages _catalog, not tags/list).
  auto paged = client.Send("GET", "/v2/_catalog?n=1", "registry:catalog:*", {});
  ASSERT_TRUE(paged.ok());
  EXPECT_NE((*paged)->Header("link").find("rel=\"next\""), std::string_view::npos);
  auto one_by_one = client.ListRepositories(1);
  ASSERT_TRUE(one_by_one.ok()) << one_by_one.status().ToString();
  EXPECT_EQ(*one_by_one, *repos);
  auto tags = client.ListTags("library/alpine");
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  std::sort(tags->begin(), tags->end());
  EXPECT_EQ(*tags, (std::vector<std::string>{"3.20.3", "edge"}));
}

TEST_F(RegistryTest, SecondScanOfACachedImageDownloadsNoBlob) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.Start(registry_->host()), "");
  std::string cache = testing::TempDir();
  std::string image = proxy.host() + "/team/multi:1";
  scan::ScanStats first_stats;
  auto options = Options(proxy.host(), cache);
  options.stats = &first_stats;
  auto first = Scan(image, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first_stats.layers.load(), 3u);
  EXPECT_EQ(first_stats.layers_cached.load(), 0u);
  EXPECT_EQ(CountLines(proxy.Log(), {"/blobs/"}), 4);  // config + 3 layers

  proxy.ClearLog();
  scan::ScanStats second_stats;
  options.stats = &second_stats;
  auto second = Scan(image, options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(Summary((*second)[0]), Summary((*first)[0]));
  EXPECT_EQ(second_stats.layers_cached.load(), 3u);
  std::string log = proxy.Log();
  EXPECT_EQ(CountLines(log, {"/blobs/"}), 0) << log;
  // Only the tag is resolved, with HEAD (free on Docker Hub).
  EXPECT_EQ(CountLines(log, {"/manifests/", "\"GET\""}), 0) << log;
  EXPECT_EQ(CountLines(log, {"/manifests/1", "\"HEAD\""}), 1) << log;
}

TEST_F(RegistryTest, ImageOnAKnownBaseDownloadsOnlyItsNewLayers) {
  FaultProxy proxy;
  ASSERT_EQ(proxy.Start(registry_->host()), "");
  std::string cache = testing::TempDir();
  auto options = Options(proxy.host(), cache);
  auto base = Scan(proxy.host() + "/team/multi:1", options);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  proxy.ClearLog();
  scan::ScanStats stats;
  options.stats = &stats;
  auto lang = Scan(proxy.host() + "/team/lang:1", options);
  ASSERT_TRUE(lang.ok()) << lang.status().ToString();
  // oci-lang's first layer is the Debian base of oci-multilayer.
  EXPECT_EQ(stats.layers.load(), 4u);
  EXPECT_EQ(stats.layers_cached.load(), 1u);
  std::string base_blob = (*base)[0].image.layers[0].digest;
  std::string log = proxy.Log();
  EXPECT_EQ(CountLines(log, {"/blobs/" + base_blob}), 0) << log;
  EXPECT_EQ(CountLines(log, {"/blobs/"}), 4) << log;  // config + 3 new layers
  // And the cached base gives the same result as reading it.
  REQUIRE_LAYOUT(dir, "oci-lang");
  auto local = Scan("oci:" + dir + ":lang", Options(registry_->host()));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(Summary((*lang)[0]), Summary((*local)[0]));
}

// ---- faults ----

class RegistryFaultTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(proxy_.Start(registry_->host()), "");
    std::string dir = testing::TestImage("oci-alpine");
    if (dir.empty()) GTEST_SKIP() << "test image oci-alpine missing";
    auto local = Scan("oci:" + dir + ":3.20.3", Options(registry_->host()));
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    expected_ = Summary((*local)[0]);
    layer_ = "/blobs/" + (*local)[0].image.layers[0].digest;
    config_ = "/blobs/" + (*local)[0].image.config_digest;
  }
  // Scans alpine through the proxy (no cache) and returns the error, or ""
  // after checking the result is the expected one.
  std::string ScanThroughProxy() {
    auto got = Scan(proxy_.host() + "/library/alpine:3.20.3", Options(proxy_.host()));
    if (!got.ok()) return got.status().ToString();
    EXPECT_EQ(Summary((*got)[0]), expected_);
    return "";
  }
  FaultProxy proxy_;
  std::string expected_;
  std::string layer_;   // "/blobs/<the layer's digest>"
  std::string config_;  // "/blobs/<the config's digest>"
};

TEST_F(RegistryFaultTest, ServiceUnavailableAndTooManyRequestsAreRetriedAfterRetryAfter) {
  ASSERT_EQ(proxy_.SetFault("/manifests/", "503", 2, 1), "");
  ASSERT_EQ(proxy_.SetFault("/blobs/", "429", 1, 1), "");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ScanThroughProxy(), "");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string log = proxy_.Log();
  EXPECT_EQ(CountLines(log, {"\"status\": 503"}), 2) << log;
  EXPECT_EQ(CountLines(log, {"\"status\": 429"}), 1) << log;
  // Retry-After: 1 was honoured three times (not the 20 ms backoff).
  EXPECT_GE(seconds, 3.0);
}

TEST_F(RegistryFaultTest, ADroppedBlobDownloadResumesWithRange) {
  ASSERT_EQ(proxy_.SetFault(layer_, "drop", 1, 1, "GET"), "");
  EXPECT_EQ(ScanThroughProxy(), "");
  std::string log = proxy_.Log();
  EXPECT_EQ(CountLines(log, {"\"fault\": \"drop\""}), 1) << log;
  EXPECT_EQ(CountLines(log, {"\"range\": \"bytes="}), 1) << log;
}

TEST_F(RegistryFaultTest, TruncatedAndCorruptedBlobsAreFetchedAgain) {
  for (const std::string& blob : {layer_, config_}) {
    for (const char* mode : {"truncate", "corrupt"}) {
      SCOPED_TRACE(std::string(mode) + " " + blob);
      proxy_.ClearLog();
      ASSERT_EQ(proxy_.SetFault(blob, mode, 1, 1, "GET"), "");
      EXPECT_EQ(ScanThroughProxy(), "");
      std::string log = proxy_.Log();
      EXPECT_EQ(CountLines(log, {"\"fault\": \"" + std::string(mode) + "\"", blob}), 1) << log;
      EXPECT_EQ(CountLines(log, {"\"GET\"", blob}), 2) << log;
    }
  }
}

TEST_F(RegistryFaultTest, ABlobThatAlwaysArrivesCorruptedFailsClearly) {
  ASSERT_EQ(proxy_.SetFault(layer_, "corrupt", -1, 1, "GET"), "");
  std::string error = ScanThroughProxy();
  // The flipped byte is caught by the gzip CRC or the blob digest, whichever
  // sees it first; either way the error names the blob.
  EXPECT_NE(error.find("corrupt data: layer 1"), std::string::npos) << error;
  EXPECT_NE(error.find(layer_.substr(7)), std::string::npos) << error;
  EXPECT_TRUE(error.find("digest mismatch") != std::string::npos ||
              error.find("CRC mismatch") != std::string::npos)
      << error;
}

TEST_F(RegistryFaultTest, AResetConnectionIsRetriedAndADeadOneReported) {
  ASSERT_EQ(proxy_.SetFault("/manifests/", "reset", 1), "");
  EXPECT_EQ(ScanThroughProxy(), "");
  ASSERT_EQ(proxy_.SetFault("/manifests/", "503", -1, 0), "");
  std::string error = ScanThroughProxy();
  EXPECT_NE(error.find("after 5 attempts"), std::string::npos) << error;
  EXPECT_NE(error.find("503"), std::string::npos) << error;
}

TEST_F(RegistryFaultTest, LowRateLimitIsShown) {
  ASSERT_EQ(proxy_.AddHeader("/manifests/", "ratelimit-limit", "100;w=21600"), "");
  ASSERT_EQ(proxy_.AddHeader("/manifests/", "ratelimit-remaining", "7;w=21600"), "");
  auto options = Options(proxy_.host());
  std::vector<std::string> notices;
  std::mutex mu;
  options.registry.notify = [&](const std::string& m) {
    std::lock_guard lock(mu);
    notices.push_back(m);
  };
  auto got = Scan(proxy_.host() + "/library/alpine:3.20.3", options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("7 left of 100 per 6 h"), std::string::npos) << notices[0];
}

// ---- auth ----

TEST(RegistryAuthTest, BasicAuthWithCredentialsForThatRegistryOnly) {
  CUSTOMS_REQUIRE_REGISTRY_TOOLS();
  REQUIRE_LAYOUT(dir, "oci-alpine");
  LocalRegistry registry;
  ASSERT_EQ(registry.Start({.auth = RegistryAuth::kBasic}), "");
  ASSERT_EQ(registry.Push("oci:" + dir + ":3.20.3", "private/alpine:1"), "");
  std::string image = registry.host() + "/private/alpine:1";

  auto anonymous = Scan(image, Options(registry.host()));
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(anonymous.status().message().find("requires a login"), std::string::npos)
      << anonymous.status().ToString();

  auto options = Options(registry.host());
  options.registry.credentials = image::Credentials{.username = "tester", .password = "s3cret"};
  options.registry.credentials_registry = "elsewhere.example:5000";  // not this registry
  EXPECT_FALSE(Scan(image, options).ok());
  options.registry.credentials_registry = registry.host();
  auto ok = Scan(image, options);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].os.id, "alpine");

  options.registry.credentials->password = "wrong";
  auto wrong = Scan(image, options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied) << wrong.status().ToString();

  // docker login's config.json.
  std::string config = testing::TempDir() + "/config.json";
  std::ofstream(config) << "{\"auths\":{\"" << registry.host()
                        << "\":{\"auth\":\"dGVzdGVyOnMzY3JldA==\"}}}";  // tester:s3cret
  auto stored = Options(registry.host());
  stored.registry.lookup_stored = true;
  stored.registry.lookup.files = {config};
  auto from_config = Scan(image, stored);
  ASSERT_TRUE(from_config.ok()) << from_config.status().ToString();
}

TEST(RegistryAuthTest, BearerTokenFlowSendsCredentialsToTheIssuerAndTokensToTheRegistry) {
  CUSTOMS_REQUIRE_REGISTRY_TOOLS();
  REQUIRE_LAYOUT(dir, "oci-multilayer");
  LocalRegistry registry;
  ASSERT_EQ(registry.Start({.auth = RegistryAuth::kToken}), "");
  ASSERT_EQ(registry.Push("oci:" + dir + ":multi", "team/multi:1"), "");
  FaultProxy proxy;
  ASSERT_EQ(proxy.Start(registry.host()), "");
  registry.ClearTokenLog();

  auto options = Options(proxy.host());
  options.registry.credentials = image::Credentials{.username = "tester", .password = "s3cret"};
  options.registry.credentials_registry = proxy.host();
  auto got = Scan(proxy.host() + "/team/multi:1", options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)[0].image.layers.size(), 3u);

  // One token for the repository, asked for with the login, reused by the
  // parallel layer downloads.
  std::string tokens = registry.TokenLog();
  EXPECT_EQ(CountLines(tokens, {"repository:team/multi:pull", "\"user\": \"tester\""}), 1)
      << tokens;
  // The registry saw Bearer tokens, never the password.
  std::string log = proxy.Log();
  EXPECT_EQ(CountLines(log, {"\"auth_scheme\": \"Basic\""}), 0) << log;
  EXPECT_GE(CountLines(log, {"\"auth_scheme\": \"Bearer\"", "/blobs/"}), 4) << log;

  // Anonymous: the issuer refuses, and the error says so.
  auto anonymous = Scan(proxy.host() + "/team/multi:1", Options(proxy.host()));
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(anonymous.status().message().find("token server"), std::string::npos)
      << anonymous.status().ToString();
}

TEST(RegistryAuthTest, IdentityTokenIsExchangedWithOAuth2) {
  CUSTOMS_REQUIRE_REGISTRY_TOOLS();
  REQUIRE_LAYOUT(dir, "oci-alpine");
  LocalRegistry registry;
  ASSERT_EQ(registry.Start({.auth = RegistryAuth::kToken}), "");
  ASSERT_EQ(registry.Push("oci:" + dir + ":3.20.3", "library/alpine:1"), "");
  // What `docker login` keeps for OAuth registries: a refresh token.
  auto reply = testing::HttpRequest(
      "GET", registry.token_host(),
      "/token?service=customs-test-registry&offline_token=true&scope=repository:x:pull",
      "Authorization: Basic dGVzdGVyOnMzY3JldA==\r\n");  // tester:s3cret
  ASSERT_EQ(reply.status, 200) << reply.body;
  size_t at = reply.body.find("\"refresh_token\": \"");
  ASSERT_NE(at, std::string::npos) << reply.body;
  std::string refresh = reply.body.substr(at + 18, reply.body.find('"', at + 18) - at - 18);
  registry.ClearTokenLog();

  std::string config = testing::TempDir() + "/config.json";
  std::ofstream(config) << "{\"auths\":{\"" << registry.host() << "\":{\"identitytoken\":\""
                        << refresh << "\"}}}";
  auto options = Options(registry.host());
  options.registry.lookup_stored = true;
  options.registry.lookup.files = {config};
  auto got = Scan(registry.host() + "/library/alpine:1", options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::string log = registry.TokenLog();
  EXPECT_EQ(CountLines(log, {"\"POST\"", "refresh_token"}), 1) << log;
  EXPECT_EQ(CountLines(log, {"\"GET\""}), 0) << log;
}

TEST(RegistryAuthTest, ExpiredTokensAreRenewed) {
  CUSTOMS_REQUIRE_REGISTRY_TOOLS();
  REQUIRE_LAYOUT(dir, "oci-alpine");
  LocalRegistry registry;
  ASSERT_EQ(registry.Start({.auth = RegistryAuth::kToken, .token_expires_in = 1}), "");
  ASSERT_EQ(registry.Push("oci:" + dir + ":3.20.3", "library/alpine:1"), "");
  registry.ClearTokenLog();
  auto options = Options(registry.host());
  options.registry.credentials = image::Credentials{.username = "tester", .password = "s3cret"};
  options.registry.credentials_registry = registry.host();
  image::RegistryClient client(registry.host(), options.registry);
  auto first = client.Manifest("library/alpine", "1", true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto second = client.Manifest("library/alpine", "1", true);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(CountLines(registry.TokenLog(), {"repository:library/alpine:pull"}), 2);
}

// ---- the command line ----

TEST_F(RegistryTest, CommandLineScansARegistryImageWithCacheAndShowsTheCache) {
  REQUIRE_LAYOUT(alpine, "oci-alpine");  // pushed as library/alpine:3.20.3 when present
  std::string cache = testing::TempDir();
  std::string out;
  std::string cmd = "'" + testing::CustomsBinary() +
                    "' scan --scanners none -f json --cache-dir '" + cache +
                    "' --insecure-registry " + registry_->host() + " " + registry_->host() +
                    "/library/alpine:3.20.3 2>&1";
  ASSERT_EQ(testing::Run(cmd, &out), 0) << out;
  EXPECT_NE(out.find("\"pkg:apk/alpine/musl@1.2.5-r0"), std::string::npos) << out.substr(0, 2000);
  ASSERT_EQ(
      testing::Run(
          "'" + testing::CustomsBinary() + "' cache status --cache-dir '" + cache + "' 2>&1", &out),
      0)
      << out;
  EXPECT_NE(out.find("layer results          1 entries"), std::string::npos) << out;
  EXPECT_NE(out.find("registry blobs         3 entries"), std::string::npos) << out;
  ASSERT_EQ(testing::Run("'" + testing::CustomsBinary() + "' cache prune --all --cache-dir '" +
                             cache + "' 2>&1",
                         &out),
            0)
      << out;
  ASSERT_EQ(
      testing::Run(
          "'" + testing::CustomsBinary() + "' cache status --cache-dir '" + cache + "' 2>&1", &out),
      0);
  EXPECT_NE(out.find("layer results          0 entries"), std::string::npos) << out;

  // A password on stdin without a user name is a usage error.
  std::string bad = "echo secret | '" + testing::CustomsBinary() +
                    "' scan --password-stdin --insecure-registry " + registry_->host() + " " +
                    registry_->host() + "/library/alpine:3.20.3 2>&1";
  EXPECT_EQ(testing::Run(bad, &out), 2) << out;
  EXPECT_NE(out.find("--password-stdin needs --username"), std::string::npos) << out;
}

}  // namespace
}  // namespace customs
