#include "image/registry_auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::image {
namespace {

// ---- WWW-Authenticate ---------------------------------------------------------

TEST(WwwAuthenticateTest, DockerHubBearer) {
  auto c = ParseWwwAuthenticate(
      "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
      "scope=\"repository:library/alpine:pull\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].params.size(), 3u);
  EXPECT_EQ((*c)[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ((*c)[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ((*c)[0].params.at("scope"), "repository:library/alpine:pull");
}

TEST(WwwAuthenticateTest, GhcrLikeWithErrorAndCommaInScope) {
  auto c = ParseWwwAuthenticate(
      "Bearer realm=\"https://ghcr.io/token\", Service=\"ghcr.io\", "
      "scope=\"repository:org/app:pull,push\", error=\"insufficient_scope\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].params.at("realm"), "https://ghcr.io/token");
  EXPECT_EQ((*c)[0].params.at("service"), "ghcr.io");  // key lowercased
  EXPECT_EQ((*c)[0].params.at("scope"), "repository:org/app:pull,push");
  EXPECT_EQ((*c)[0].params.at("error"), "insufficient_scope");
}

TEST(WwwAuthenticateTest, BasicRealm) {
  auto c = ParseWwwAuthenticate("Basic realm=\"Registry Realm\"");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "basic");
  EXPECT_EQ((*c)[0].params.at("realm"), "Registry Realm");
}

TEST(WwwAuthenticateTest, SeveralChallengesToken68AndEscapes) {
  auto c = ParseWwwAuthenticate(
      "Negotiate YWJj==, BASIC realm=\"a \\\"quoted\\\" \\\\ realm\", charset=UTF-8 ,"
      " Bearer realm=https://auth.example/token,service=reg");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].scheme, "negotiate");
  EXPECT_TRUE((*c)[0].params.empty());
  EXPECT_EQ((*c)[1].scheme, "basic");
  EXPECT_EQ((*c)[1].params.at("realm"), "a \"quoted\" \\ realm");
  EXPECT_EQ((*c)[1].params.at("charset"), "UTF-8");
  EXPECT_EQ((*c)[2].scheme, "bearer");
  // Unquoted URL, as some registries send it.
  EXPECT_EQ((*c)[2].params.at("realm"), "https://auth.example/token");
  EXPECT_EQ((*c)[2].params.at("service"), "reg");
}

TEST(WwwAuthenticateTest, SchemeWithoutParamsAndEmpty) {
  auto c = ParseWwwAuthenticate("Bearer");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  auto empty = ParseWwwAuthenticate("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(WwwAuthenticateTest, RepeatedParamKeepsFirst) {
  auto c = ParseWwwAuthenticate("Bearer realm=\"a\",realm=\"b\"");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].params.at("realm"), "a");
}

TEST(WwwAuthenticateTest, Malformed) {
  auto unterminated = ParseWwwAuthenticate("Bearer realm=\"https://x");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unterminated.status().message().find("at byte 13"), std::string::npos)
      << unterminated.status().message();
  auto no_comma = ParseWwwAuthenticate("Bearer realm=\"a\" service=\"b\"");
  ASSERT_FALSE(no_comma.ok());
  EXPECT_NE(no_comma.status().message().find("',' between parameters at byte 17"),
            std::string::npos)
      << no_comma.status().message();
  EXPECT_TRUE(ParseWwwAuthenticate("Bearer realm=").ok());  // a token68
  EXPECT_FALSE(ParseWwwAuthenticate("Bearer a=b, realm=").ok());
  EXPECT_FALSE(ParseWwwAuthenticate("=x").ok());
  EXPECT_FALSE(ParseWwwAuthenticate("Bearer realm=\"a\x01\"").ok());
  auto big = ParseWwwAuthenticate(std::string(kMaxAuthHeaderBytes + 1, 'a'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  std::string many;
  for (int i = 0; i < 40; ++i) {
    many += 'p';
    many += std::to_string(i);
    many += "=v,";
  }
  EXPECT_EQ(ParseWwwAuthenticate("Bearer " + many).status().code(), StatusCode::kResourceExhausted);
}

// ---- token responses ------------------------------------------------------------

TEST(TokenResponseTest, Forms) {
  auto both = ParseTokenResponse(
      R"({"token":"tok","access_token":"acc","expires_in":300,"issued_at":"2025-01-01T00:00:00Z"})");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->token, "tok");
  EXPECT_EQ(both->expires_in, 300);
  EXPECT_EQ(both->issued_at, 1735689600);

  auto token_only = ParseTokenResponse(R"({"token":"tok"})");
  ASSERT_TRUE(token_only.ok());
  EXPECT_EQ(token_only->token, "tok");
  EXPECT_EQ(token_only->expires_in, 60);
  EXPECT_EQ(token_only->issued_at, 0);

  auto access_only = ParseTokenResponse(
      R"({"access_token":"acc","expires_in":0,"refresh_token":"ref","scope":"x"})");
  ASSERT_TRUE(access_only.ok());
  EXPECT_EQ(access_only->token, "acc");
  EXPECT_EQ(access_only->expires_in, 60);
  EXPECT_EQ(access_only->refresh_token, "ref");

  auto empty_token = ParseTokenResponse(R"({"token":"","access_token":"acc","expires_in":-5})");
  ASSERT_TRUE(empty_token.ok());
  EXPECT_EQ(empty_token->token, "acc");
  EXPECT_EQ(empty_token->expires_in, 60);

  auto fractional = ParseTokenResponse(
      R"({"token":"t","expires_in":120.9,"issued_at":"2016-10-20T23:05:51.123456789+02:00"})");
  ASSERT_TRUE(fractional.ok());
  EXPECT_EQ(fractional->expires_in, 120);
  EXPECT_EQ(fractional->issued_at, 1476997551);

  auto huge = ParseTokenResponse(R"({"token":"t","expires_in":99999999999999})");
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->expires_in, kMaxTokenLifetimeSeconds);

  auto bad_date = ParseTokenResponse(R"({"token":"t","issued_at":"yesterday"})");
  ASSERT_TRUE(bad_date.ok());
  EXPECT_EQ(bad_date->issued_at, 0);
}

TEST(TokenResponseTest, Errors) {
  auto none = ParseTokenResponse(R"({"expires_in":300})");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("neither \"token\" nor \"access_token\""),
            std::string::npos);
  EXPECT_FALSE(ParseTokenResponse("[]").ok());
  EXPECT_FALSE(ParseTokenResponse("{\"token\":").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"token":5})").ok());
  EXPECT_EQ(ParseTokenResponse(std::string(kMaxTokenResponseBytes + 1, ' ')).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(Rfc3339Test, Values) {
  EXPECT_EQ(ParseRfc3339("2024-02-29T23:59:59Z"), 1709251199);
  EXPECT_EQ(ParseRfc3339("2024-02-29t23:59:59z"), 1709251199);
  EXPECT_EQ(ParseRfc3339("2025-01-01T02:00:00+02:00"), 1735689600);
  EXPECT_EQ(ParseRfc3339("2024-12-31T23:00:00-01:00"), 1735689600);
  EXPECT_EQ(ParseRfc3339("2023-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-01T00:00:00"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-01T00:00:00.Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-01T00:00:00Zjunk"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-01T00:00:00+02"), std::nullopt);
}

// ---- Link -------------------------------------------------------------------------

TEST(LinkTest, Next) {
  EXPECT_EQ(ParseLinkNext("</v2/_catalog?n=20&last=b>; rel=\"next\""), "/v2/_catalog?n=20&last=b");
  EXPECT_EQ(ParseLinkNext("</v2/a/tags/list?last=x&n=2>;rel=next"), "/v2/a/tags/list?last=x&n=2");
  EXPECT_EQ(ParseLinkNext("</a>; rel=\"prev\""), std::nullopt);
  EXPECT_EQ(ParseLinkNext(""), std::nullopt);
  EXPECT_EQ(ParseLinkNext("</first>; rel=\"first\", <https://r.example/v2/x?last=c,d>; "
                          "title=\"a, b; c\"; REL=\"last Next\""),
            "https://r.example/v2/x?last=c,d");
  EXPECT_EQ(ParseLinkNext("</a>; rel=\"prev\", </b>; rel=\"next\", </c>; rel=\"next\""), "/b");
  // Malformed: no angle brackets, unterminated.
  EXPECT_EQ(ParseLinkNext("/v2/_catalog; rel=\"next\""), std::nullopt);
  EXPECT_EQ(ParseLinkNext("</v2/_catalog; rel=\"next\""), std::nullopt);
  EXPECT_EQ(ParseLinkNext("</a>; rel=\"next"), std::nullopt);
}

// ---- Retry-After and rate limits ---------------------------------------------------

TEST(RetryAfterTest, Forms) {
  EXPECT_EQ(ParseRetryAfter("120", 0), 120);
  EXPECT_EQ(ParseRetryAfter(" 0 ", 0), 0);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", 0), kMaxRetryAfterSeconds);
  // RFC 9110's example date is 784111777.
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 0), kMaxRetryAfterSeconds);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", INT64_MIN), kMaxRetryAfterSeconds);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", INT64_MAX), 0);
  EXPECT_EQ(ParseRetryAfter("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("12s", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Xyz 1994 08:49:37 GMT", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sun, 31 Nov 1994 08:49:37 GMT", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", 0), std::nullopt);
}

TEST(RateLimitTest, DockerHubHeaders) {
  auto remaining = ParseRateLimit("20;w=21600");
  ASSERT_TRUE(remaining);
  EXPECT_EQ(remaining->count, 20);
  EXPECT_EQ(remaining->window_seconds, 21600);
  auto limit = ParseRateLimit(" 100 ; w=21600 ");
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->count, 100);
  EXPECT_EQ(limit->window_seconds, 21600);
  auto bare = ParseRateLimit("7");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->count, 7);
  EXPECT_EQ(bare->window_seconds, 0);
  auto list = ParseRateLimit("10, 10;w=1");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->count, 10);
  EXPECT_EQ(ParseRateLimit(""), std::nullopt);
  EXPECT_EQ(ParseRateLimit("-1;w=5"), std::nullopt);
  EXPECT_EQ(ParseRateLimit("abc"), std::nullopt);
}

// ---- docker config -----------------------------------------------------------------

TEST(DockerConfigTest, Entries) {
  // base64("alice:s3cr:et") and base64("bob:pw"), checked with coreutils base64.
  auto c = ParseDockerConfig(R"({
    "auths": {
      "registry.example.com": {"auth": "YWxpY2U6czNjcjpldA=="},
      "https://index.docker.io/v1/": {"auth": "Ym9iOnB3", "email": "x@y"},
      "plain.example": {"username": "u", "password": "p"},
      "oauth.example": {"identitytoken": "refresh-me"},
      "both.example": {"auth": "Ym9iOnB3", "username": "ignored", "password": "ignored"},
      "empty.example": {}
    },
    "credHelpers": {"gcr.io": "gcloud", "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
    "credsStore": "desktop",
    "psFormat": "table {{.ID}}"
  })",
                             "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->auths.size(), 6u);
  EXPECT_EQ(c->auths.at("registry.example.com").username, "alice");
  EXPECT_EQ(c->auths.at("registry.example.com").password, "s3cr:et");
  EXPECT_EQ(c->auths.at("https://index.docker.io/v1/").username, "bob");
  EXPECT_EQ(c->auths.at("https://index.docker.io/v1/").password, "pw");
  EXPECT_EQ(c->auths.at("plain.example").username, "u");
  EXPECT_EQ(c->auths.at("plain.example").password, "p");
  EXPECT_EQ(c->auths.at("oauth.example").identity_token, "refresh-me");
  EXPECT_EQ(c->auths.at("both.example").username, "bob");
  EXPECT_TRUE(c->auths.at("empty.example").empty());
  EXPECT_EQ(c->cred_helpers.size(), 2u);
  EXPECT_EQ(c->cred_helpers.at("gcr.io"), "gcloud");
  EXPECT_EQ(c->creds_store, "desktop");
}

TEST(DockerConfigTest, Errors) {
  auto bad_b64 = ParseDockerConfig(R"({"auths":{"r.io":{"auth":"!!!!"}}})", "/x/config.json");
  ASSERT_FALSE(bad_b64.ok());
  EXPECT_EQ(bad_b64.status().message(), "/x/config.json: auths[\"r.io\"].auth is not valid base64");
  // base64("nocolon")
  auto no_colon = ParseDockerConfig(R"({"auths":{"r.io":{"auth":"bm9jb2xvbg=="}}})", "c.json");
  ASSERT_FALSE(no_colon.ok());
  EXPECT_NE(no_colon.status().message().find("does not decode to \"user:password\""),
            std::string::npos);
  EXPECT_FALSE(ParseDockerConfig(R"({"auths":[]})", "c.json").ok());
  EXPECT_FALSE(ParseDockerConfig(R"({"auths":{"r":"x"}})", "c.json").ok());
  EXPECT_FALSE(ParseDockerConfig(R"({"auths":{"r":{"username":1}}})", "c.json").ok());
  EXPECT_FALSE(ParseDockerConfig(R"({"credHelpers":{"r":1}})", "c.json").ok());
  EXPECT_FALSE(ParseDockerConfig(R"({"credsStore":{}})", "c.json").ok());
  auto malformed = ParseDockerConfig("{\"auths\":", "c.json");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("c.json"), std::string::npos);
  EXPECT_TRUE(ParseDockerConfig("{}", "c.json").ok());
}

TEST(DockerConfigTest, MatchingKeys) {
  auto c = ParseDockerConfig(R"({"auths": {
      "docker.io": {}, "https://index.docker.io/v1/": {}, "registry-1.docker.io": {},
      "index.docker.io": {}, "http://Reg.Example:5000/v2/": {}, "reg.example:5000": {},
      "reg.example": {}, "quay.io/org": {}}})",
                             "c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(MatchingAuthKeys(*c, "docker.io"),
            (std::vector<std::string>{"docker.io", "https://index.docker.io/v1/", "index.docker.io",
                                      "registry-1.docker.io"}));
  EXPECT_EQ(MatchingAuthKeys(*c, "reg.example:5000"),
            (std::vector<std::string>{"reg.example:5000", "http://Reg.Example:5000/v2/"}));
  EXPECT_EQ(MatchingAuthKeys(*c, "reg.example"), (std::vector<std::string>{"reg.example"}));
  EXPECT_EQ(MatchingAuthKeys(*c, "quay.io"), (std::vector<std::string>{"quay.io/org"}));
  EXPECT_TRUE(MatchingAuthKeys(*c, "ghcr.io").empty());
}

// ---- credential lookup ---------------------------------------------------------------

void WriteExecutable(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(path, text).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
}

class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    bin_ = dir_ + "/bin";
    ASSERT_EQ(::mkdir(bin_.c_str(), 0755), 0);
    // Records the server URL it was given, answers for two servers.
    WriteExecutable(bin_ + "/docker-credential-fake", R"(#!/bin/sh
[ "$1" = get ] || exit 9
url=$(cat)
printf '%s' "$url" > ")" + dir_ + R"(/fake.stdin"
case "$url" in
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"hubuser","Secret":"hubpass"}' ;;
  gcr.io) echo '{"ServerURL":"gcr.io","Username":"<token>","Secret":"identity-abc"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
)");
    WriteExecutable(bin_ + "/docker-credential-broken",
                    "#!/bin/sh\necho 'keychain locked' >&2\nexit 3\n");
    WriteExecutable(bin_ + "/docker-credential-hang", "#!/bin/sh\nsleep 30\n");
    WriteExecutable(bin_ + "/docker-credential-none",
                    "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n");
    WriteExecutable(bin_ + "/docker-credential-garbage", "#!/bin/sh\necho 'not json'\n");
    lookup_.helper_path = bin_;
    lookup_.helper_timeout_seconds = 5;
  }

  std::string WriteConfig(const std::string& name, const std::string& json) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(path, json).ok());
    return path;
  }

  std::string ReadStdin() {
    auto text = ReadFile(dir_ + "/fake.stdin", 1024);
    return text.ok() ? *text : "<none>";
  }

  std::string dir_, bin_;
  CredentialLookup lookup_;
};

TEST_F(LookupTest, AuthsInFiles) {
  std::string first = WriteConfig("auth.json", R"({"auths":{"ghcr.io":{"auth":"YWI6Yw=="}}})");
  std::string second = WriteConfig("config.json", R"({"auths":{
      "https://index.docker.io/v1/":{"auth":"Ym9iOnB3"},
      "ghcr.io":{"username":"later","password":"x"},
      "localhost:5000":{"identitytoken":"tok"}}})");
  lookup_.files = {dir_ + "/missing.json", first, second};

  auto ghcr = LookupCredentials("ghcr.io", lookup_);
  ASSERT_TRUE(ghcr.ok()) << ghcr.status().ToString();
  ASSERT_TRUE(ghcr->has_value());
  EXPECT_EQ((*ghcr)->username, "ab");  // base64("ab:c"): the first file wins
  EXPECT_EQ((*ghcr)->password, "c");

  auto hub = LookupCredentials("docker.io", lookup_);
  ASSERT_TRUE(hub.ok());
  ASSERT_TRUE(hub->has_value());
  EXPECT_EQ((*hub)->username, "bob");
  EXPECT_EQ((*hub)->password, "pw");

  auto local = LookupCredentials("localhost:5000", lookup_);
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(local->has_value());
  EXPECT_EQ((*local)->identity_token, "tok");

  auto none = LookupCredentials("quay.io", lookup_);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(LookupTest, CredHelpers) {
  lookup_.files = {WriteConfig("config.json", R"({
      "auths": {"gcr.io": {"auth": "YWI6Yw=="}},
      "credHelpers": {"gcr.io": "fake", "docker.io": "fake", "nothere.io": "none",
                      "broken.io": "broken", "hang.io": "hang", "missing.io": "absent",
                      "garbage.io": "garbage", "evil.io": "../../bin/sh"}})")};

  auto gcr = LookupCredentials("gcr.io", lookup_);
  ASSERT_TRUE(gcr.ok()) << gcr.status().ToString();
  ASSERT_TRUE(gcr->has_value());
  EXPECT_EQ((*gcr)->identity_token, "identity-abc");  // Username "<token>"
  EXPECT_EQ((*gcr)->username, "");
  EXPECT_EQ(ReadStdin(), "gcr.io");

  auto hub = LookupCredentials("docker.io", lookup_);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  ASSERT_TRUE(hub->has_value());
  EXPECT_EQ((*hub)->username, "hubuser");
  EXPECT_EQ((*hub)->password, "hubpass");
  EXPECT_EQ(ReadStdin(), "https://index.docker.io/v1/");

  auto none = LookupCredentials("nothere.io", lookup_);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());

  auto broken = LookupCredentials("broken.io", lookup_);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(broken.status().message().find("docker-credential-broken get failed (exit 3): "
                                           "keychain locked"),
            std::string::npos)
      << broken.status().message();
  EXPECT_NE(broken.status().message().find(dir_ + "/config.json"), std::string::npos);

  auto missing = LookupCredentials("missing.io", lookup_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("docker-credential-absent not found"),
            std::string::npos)
      << missing.status().message();

  auto garbage = LookupCredentials("garbage.io", lookup_);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("output of docker-credential-garbage"),
            std::string::npos)
      << garbage.status().message();

  auto evil = LookupCredentials("evil.io", lookup_);
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LookupTest, HangingHelperIsKilled) {
  lookup_.files = {WriteConfig("config.json", R"({"credHelpers": {"hang.io": "hang"}})")};
  lookup_.helper_timeout_seconds = 1;
  auto start = std::chrono::steady_clock::now();
  auto hang = LookupCredentials("hang.io", lookup_);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(hang.ok());
  EXPECT_EQ(hang.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(hang.status().message().find("docker-credential-hang timed out after 1 s"),
            std::string::npos)
      << hang.status().message();
  // The shell and its sleep (same process group) are gone well before 30 s.
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(LookupTest, CredsStoreAfterAuths) {
  // As Docker Desktop writes it: an empty auths entry, secrets in the store.
  lookup_.files = {WriteConfig("config.json", R"({
      "auths": {"https://index.docker.io/v1/": {}, "own.io": {"auth": "YWI6Yw=="}},
      "credsStore": "fake"})")};
  auto hub = LookupCredentials("docker.io", lookup_);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  ASSERT_TRUE(hub->has_value());
  EXPECT_EQ((*hub)->username, "hubuser");
  auto own = LookupCredentials("own.io", lookup_);
  ASSERT_TRUE(own.ok());
  ASSERT_TRUE(own->has_value());
  EXPECT_EQ((*own)->username, "ab");
  // Not in the store: "credentials not found" means none.
  auto other = LookupCredentials("other.io", lookup_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_FALSE(other->has_value());
  EXPECT_EQ(ReadStdin(), "other.io");
}

TEST_F(LookupTest, MalformedFileIsAnError) {
  std::string bad = WriteConfig("bad.json", "{\"auths\": {");
  lookup_.files = {bad};
  auto r = LookupCredentials("ghcr.io", lookup_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
}

TEST(DefaultAuthFilesTest, Order) {
  ::setenv("REGISTRY_AUTH_FILE", "/r/auth.json", 1);
  ::setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", "/home/u", 1);
  ::setenv("DOCKER_CONFIG", "/d", 1);
  EXPECT_EQ(DefaultAuthFiles(),
            (std::vector<std::string>{"/r/auth.json", "/run/user/7/containers/auth.json",
                                      "/home/u/.config/containers/auth.json", "/d/config.json"}));
  ::unsetenv("REGISTRY_AUTH_FILE");
  ::unsetenv("XDG_RUNTIME_DIR");
  ::unsetenv("DOCKER_CONFIG");
  EXPECT_EQ(DefaultAuthFiles(), (std::vector<std::string>{"/home/u/.config/containers/auth.json",
                                                          "/home/u/.docker/config.json"}));
}

}  // namespace
}  // namespace customs::image
