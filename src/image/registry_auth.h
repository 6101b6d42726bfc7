// Registry authentication pieces: the header parsers a registry client needs
// (WWW-Authenticate, token responses, Link, Retry-After, rate limits), the
// Docker / containers credential files, and the credential lookup that runs
// docker-credential-* helpers.
//
// Everything named Parse* is pure (bytes in, values out). DefaultAuthFiles
// reads the environment; LookupCredentials reads files and runs helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace customs::image {

// A WWW-Authenticate or Link header: real ones are < 1 KiB; HTTP servers
// refuse header blocks over 8-16 KiB anyway.
inline constexpr size_t kMaxAuthHeaderBytes = 16u << 10;
// Challenges in one WWW-Authenticate value, and parameters in one challenge:
// registries send one challenge of 3-4 parameters.
inline constexpr size_t kMaxChallenges = 16;
inline constexpr size_t kMaxChallengeParams = 32;
// Links in one Link header (pagination sends one or two).
inline constexpr size_t kMaxLinks = 64;
// A token endpoint's JSON answer: a JWT with many scopes is a few KiB.
inline constexpr size_t kMaxTokenResponseBytes = 1u << 20;
// A token lifetime longer than a year is treated as a year, so that
// issued_at + expires_in never overflows in the caller.
inline constexpr int64_t kMaxTokenLifetimeSeconds = 365LL * 24 * 3600;
// config.json / auth.json: a few KiB with dozens of registries.
inline constexpr size_t kMaxAuthFileBytes = 4u << 20;
// What a credential helper may print (the helper protocol's answer is one
// small JSON object).
inline constexpr size_t kMaxHelperOutputBytes = 64u << 10;
// Retry-After is clamped to this: waiting longer than an hour inside a scan
// is never what the user wants.
inline constexpr int64_t kMaxRetryAfterSeconds = 3600;

struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercased: realm, service, scope, error
};

// RFC 7235 WWW-Authenticate: one or several challenges separated by commas,
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
//          scope="repository:library/alpine:pull"
//   Basic realm="Registry Realm"
// Parameter values are tokens or quoted strings (\-escapes removed; commas
// inside quotes kept: scope="repository:a:pull,push"); a token68 after the
// scheme is skipped; a repeated parameter keeps its first value. Bounded by
// kMaxAuthHeaderBytes, kMaxChallenges and kMaxChallengeParams.
// InvalidArgument with the byte offset when malformed; an empty header gives
// an empty list.
Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header);

struct BearerToken {
  std::string token;          // "token", else "access_token"
  int64_t expires_in = 60;    // seconds; 60 when absent or < 1 (token spec)
  int64_t issued_at = 0;      // unix seconds when present and parseable (RFC 3339), else 0
  std::string refresh_token;  // OAuth2 / offline_token=true answers, else ""
};
// The token endpoint's JSON answer. InvalidArgument when it is not a JSON
// object or has neither a non-empty "token" nor "access_token";
// ResourceExhausted over kMaxTokenResponseBytes.
Result<BearerToken> ParseTokenResponse(std::string_view json);

// RFC 3339 date-time ("2025-01-01T00:00:00Z", "…T00:00:00.123+02:00") as
// unix seconds; nullopt when malformed.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// The target of rel="next" in a Link header
//   </v2/_catalog?n=20&last=b>; rel="next"  ->  /v2/_catalog?n=20&last=b
// nullopt when there is none or the header is malformed. Several links are
// separated by commas; rel may be a quoted list ("next last").
std::optional<std::string> ParseLinkNext(std::string_view header);

// Retry-After: delta-seconds ("120") or an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT") taken relative to `now` (unix seconds).
// Clamped to [0, kMaxRetryAfterSeconds]; nullopt when unparseable.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now);

// Docker Hub "ratelimit-remaining: 20;w=21600" / "ratelimit-limit: 100;w=21600".
struct RateLimitValue {
  int64_t count = -1;
  int64_t window_seconds = 0;  // 0 when no w= parameter
};
// nullopt when the count is not a non-negative integer.
std::optional<RateLimitValue> ParseRateLimit(std::string_view value);

struct Credentials {
  std::string username;
  std::string password;
  // docker's "identitytoken" / a helper's Username "<token>": an OAuth2
  // refresh token, exchanged at the token endpoint.
  std::string identity_token;
  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

// ~/.docker/config.json and containers' auth.json (same "auths" shape):
// {"auths": {"host": {"auth": base64("user:pass"), "username":…, "password":…,
//  "identitytoken":…}}, "credHelpers": {"host": "name"}, "credsStore": "name"}
struct DockerConfig {
  std::map<std::string, Credentials> auths;         // keys as written
  std::map<std::string, std::string> cred_helpers;  // host -> helper name
  std::string creds_store;
};
// Pure. "auth" wins over "username"/"password" when both are there, as in
// docker. Unknown members are ignored. InvalidArgument naming `what` and the
// key for malformed JSON, a known member of the wrong type, bad base64 or an
// "auth" without ':'; ResourceExhausted over kMaxAuthFileBytes.
Result<DockerConfig> ParseDockerConfig(std::string_view json, std::string_view what);

// The config keys that name `registry` (as in Reference::registry), best
// first: the exact key, then for docker.io "https://index.docker.io/v1/";
// other keys match when their host (without http:// or https:// and without
// a trailing path) equals the registry, or for docker.io is one of
// docker.io, index.docker.io, registry-1.docker.io. Host comparison ignores
// case. Pure; exposed for tests.
std::vector<std::string> MatchingAuthKeys(const DockerConfig& config, std::string_view registry);

struct CredentialLookup {
  // Files tried in order (missing ones skipped). Empty: DefaultAuthFiles().
  std::vector<std::string> files;
  // Where docker-credential-<name> helpers are looked up (':'-separated
  // directories): $PATH when empty.
  std::string helper_path;
  int helper_timeout_seconds = 10;
};

// $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json,
// ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json,
// ${DOCKER_CONFIG:-~/.docker}/config.json, in that order; unset variables
// leave their entry out.
std::vector<std::string> DefaultAuthFiles();

// Credentials for `registry` (as in Reference::registry). For each file in
// order: credHelpers[key] (authoritative for that file: if the helper has
// nothing, the next file is tried), else a non-empty auths entry, else
// credsStore. The first file that yields credentials wins; nullopt when
// nothing is configured.
//
// A helper runs as `docker-credential-<name> get` (posix_spawn, no shell,
// in its own process group) with the server URL on stdin
// ("https://index.docker.io/v1/" for docker.io, else the registry) and
// prints {"ServerURL":…,"Username":…,"Secret":…}; Username "<token>" means
// Secret is an identity token. An exit 1 saying "credentials not found"
// means none. Output is bounded to kMaxHelperOutputBytes; the helper's
// process group is killed after helper_timeout_seconds.
//
// Errors name the file or helper: a malformed or unreadable file, a helper
// name with '/' in it, a helper that is not installed, fails, times out or
// prints something that is not the expected JSON.
Result<std::optional<Credentials>> LookupCredentials(std::string_view registry,
                                                     const CredentialLookup& lookup);

}  // namespace customs::image
