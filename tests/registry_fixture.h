// Real registries on loopback for tests: Debian's `docker-registry` (the CNCF
// distribution registry, 2.8.x), optionally behind htpasswd Basic auth or a
// token issuer written for the tests (tests/registry/token_issuer.py), and a
// fault-injecting proxy (tests/registry/fault_proxy.py) to put in front of it.
// Images are pushed with `skopeo`.
//
// Behaviour of docker-registry 2.8 that tests can rely on (checked by
// registry_infra_test):
//  - htpasswd Basic auth works over plain HTTP (no TLS needed); GET /v2/
//    without credentials answers 401 `Www-Authenticate: Basic realm="..."`.
//  - Token auth: 401 `Www-Authenticate: Bearer realm="http://127.0.0.1:T/token",
//    service="customs-test-registry"` on /v2/, plus `,scope="repository:NAME:pull"`
//    on a repository, plus `,error="invalid_token"` when a bad token was sent
//    or `,error="insufficient_scope"` when it lacked the scope. The registry
//    accepts RS256 JWTs whose header has x5c = [the issuer's self-signed
//    cert], verified against `auth.token.rootcertbundle`; it adds 60 s of
//    leeway to `exp`.
//  - skopeo 1.9 (no --retry-times) does not retry a 503/429 and does not
//    resume a dropped blob ("unexpected EOF"); it rejects a corrupt or
//    truncated blob with "Digest did not match".
//  - Upload Location URLs are built from the request's Host header, so they
//    point at the proxy when a client pushes through it.
//
// Every process started here dies with the fixture object; it also dies when
// the test process dies (PR_SET_PDEATHSIG, on the thread that started it: start
// fixtures on the test's main thread), or at exit, and the Python servers end
// by themselves after `lifetime_seconds`.
//
// Example:
//   CUSTOMS_REQUIRE_REGISTRY_TOOLS();
//   LocalRegistry registry;
//   ASSERT_EQ(registry.Start({.auth = RegistryAuth::kBasic}), "");
//   ASSERT_EQ(registry.Push("oci:" + dir + ":v1", "tiny/app:v1"), "");
//   FaultProxy proxy;
//   ASSERT_EQ(proxy.Start(registry.host()), "");
//   proxy.SetFault("/blobs/", "corrupt");
//   ... pull docker://<proxy.host()>/tiny/app:v1 and expect a digest error
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace customs::testing {

// The names of the missing tools among docker-registry, skopeo, python3,
// openssl and htpasswd, space-separated, or "" when all are on PATH.
std::string MissingRegistryTools();

enum class RegistryAuth {
  kNone,   // anonymous pull and push
  kBasic,  // htpasswd (bcrypt) with user/password
  kToken,  // Bearer tokens from token_issuer.py, which wants user/password
};

struct RegistryOptions {
  RegistryAuth auth = RegistryAuth::kNone;
  std::string user = "tester";
  std::string password = "s3cret";
  // kToken: the issuer's expires_in (the registry still honours a token 60 s
  // past it), what it grants to requests without credentials ("deny" = 401,
  // "none" = a token granting nothing, "pull" = pull only), and a regex of
  // repository names it grants nothing for.
  int token_expires_in = 300;
  std::string token_anonymous = "deny";
  std::string token_deny_repo;
  // Serve HTTPS (registry and token issuer) with a fresh self-signed
  // certificate for 127.0.0.1 and localhost; its path is ca_cert().
  bool tls = false;
  // The Python servers exit by themselves after this many seconds.
  int lifetime_seconds = 600;
};

// The answer to a plain-HTTP request made by HttpRequest.
struct HttpReply {
  int status = 0;       // 0 when no HTTP answer came (refused, reset, ...)
  std::string headers;  // the raw header block, status line included
  std::string body;
  // The value of the first header named `name` (case-insensitive), or "".
  std::string Header(const std::string& name) const;
};

// A minimal HTTP/1.0 client over a loopback socket (no TLS, no redirects),
// for checking raw registry answers in tests. `headers` are extra
// "Name: value\r\n" lines; a non-empty body is sent with its Content-Length.
// Times out after 10 s.
HttpReply HttpRequest(const std::string& method, const std::string& host_port,
                      const std::string& path_and_query, const std::string& headers = "",
                      const std::string& body = "");

// `skopeo` with an empty auth file and registries.conf of its own (so the
// user's credentials and mirrors never leak in) and --insecure-policy:
// append a subcommand, e.g. SkopeoCommand() + " inspect --tls-verify=false ...".
std::string SkopeoCommand();

// A started child process (the registry or one of the Python servers): killed
// with its process group when destroyed. Move-only.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ~ChildProcess() { Kill(); }
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Whether it still runs (reaps it when it has exited).
  bool Running();
  void Kill();

 private:
  pid_t pid_ = -1;
};

// One of the Python servers of tests/registry: started, port read from its
// first line ("PORT PID [CONTROL_PORT]"), asked through its /_control
// endpoints (on CONTROL_PORT, plain HTTP, when the server speaks TLS).
class ScriptServer {
 public:
  // Runs python3 tests/registry/<script> ARGS... --lifetime N. Returns "" or
  // an error with the script's stderr.
  std::string Start(const std::string& script, const std::string& args_dir,
                    const std::vector<std::string>& args, int lifetime_seconds);
  std::string host() const { return host_; }
  // GET path_and_query on the server's control port; returns its body ("" when it failed,
  // with *ok false).
  std::string Control(const std::string& path_and_query, bool* ok = nullptr) const;
  void Stop() { process_.Kill(); }

 private:
  ChildProcess process_;
  std::string host_;
  std::string control_host_;
};

class LocalRegistry {
 public:
  LocalRegistry() = default;
  ~LocalRegistry() = default;
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  // Starts docker-registry on 127.0.0.1:<free port> with storage in a
  // TempDir; for kBasic with an htpasswd file (`htpasswd -Bbn`); for kToken
  // with token_issuer.py on another port holding a fresh RSA key and
  // self-signed certificate made with openssl, the registry configured with
  // auth.token {realm, service, issuer, rootcertbundle}. Nothing in the
  // configuration reaches beyond loopback. Waits until GET /v2/ answers.
  // Returns "" or an error (with the registry's log).
  std::string Start(const RegistryOptions& options);
  void Stop();

  std::string host() const { return host_; }  // "127.0.0.1:PORT"
  // "http" or "https".
  std::string scheme() const { return options_.tls ? "https" : "http"; }
  // The token issuer's "127.0.0.1:PORT", or "" when auth is not kToken.
  std::string token_host() const { return issuer_.host(); }
  // The registry's auth.token service and issuer names.
  static constexpr const char* kService = "customs-test-registry";
  static constexpr const char* kIssuer = "customs-test-issuer";
  // PEM of the self-signed TLS certificate when options.tls, else "".
  std::string ca_cert() const { return ca_cert_; }
  // The registry's working directory (config.yml, registry.log, data/).
  std::string dir() const { return dir_; }
  const RegistryOptions& options() const { return options_; }

  // skopeo copy SRC (e.g. "docker-archive:/x.tar", "oci:/dir:tag") to
  // docker://host/REF with --dest-tls-verify=false, and --dest-creds for the
  // auth modes. Stores the pushed manifest's digest in *digest when given.
  // Returns "" or skopeo's output.
  std::string Push(const std::string& src, const std::string& ref,
                   const std::string& extra_flags = "", std::string* digest = nullptr);
  // "--creds user:password" (PREFIX "src-" gives "--src-creds ...") for the
  // auth modes, "" for kNone.
  std::string CredsFlag(const std::string& prefix = "") const;

  // The token issuer's request log, JSON lines formatted as FaultProxy::Log
  // (fields in token_issuer.py: method, path, query, form, authorization,
  // basic, user, status, granted), and its reset; "" / no-op without kToken.
  std::string TokenLog() const;
  void ClearTokenLog();
  // Changes the issuer's settings at run time (see token_issuer.py
  // /_control/config), e.g. "expires_in=5&deny_repo=%5Esecret%2F".
  std::string ConfigureTokenIssuer(const std::string& query);

 private:
  RegistryOptions options_;
  std::string dir_;
  std::string host_;
  std::string ca_cert_;
  ScriptServer issuer_;
  ChildProcess registry_;
};

// fault_proxy.py in front of an upstream HOST:PORT.
class FaultProxy {
 public:
  // upstream_ca: the upstream's CA certificate when it serves HTTPS
  // (LocalRegistry::ca_cert()); the proxy itself always serves plain HTTP.
  std::string Start(const std::string& upstream, const std::string& upstream_ca = "",
                    int lifetime_seconds = 600);
  void Stop() { server_.Stop(); }
  std::string host() const { return server_.host(); }

  // mode: "ok", "drop" (headers + half the body, then close), "429" / "503"
  // (with Retry-After: retry_after), "truncate" (body shortened by 1 KiB, or
  // halved when <= 2 KiB, with a matching Content-Length), "corrupt" (one
  // byte in the middle flipped), "reset" (close without answering), "stall"
  // (headers, then silence for retry_after seconds, then close), "slow"
  // (1 KiB every 0.2 s). Applies to requests whose path matches path_regex
  // (a Python regex, searched), for the next `count` matching requests;
  // count < 0 = always. Body modes skip HEAD requests and non-2xx answers.
  // method: "" any, or e.g. "GET". Returns "" or an error.
  std::string SetFault(const std::string& path_regex, const std::string& mode, int count = 1,
                       int retry_after = 1, const std::string& method = "");
  std::string ClearFaults();
  // Adds "name: value" to every answer for matching paths (e.g. rate-limit
  // headers).
  std::string AddHeader(const std::string& path_regex, const std::string& name,
                        const std::string& value);
  // Requests seen, oldest first, one JSON object a line with sorted keys and
  // Python's default separators (so `"status": 503` can be searched for):
  // method, path, query, range, authorization (bool), auth_scheme, status
  // (sent; 0 for reset), fault (mode applied, "ok" otherwise), bytes (body
  // bytes sent), upstream_status. A request is in the log before its answer
  // is sent.
  std::string Log() const;
  void ClearLog();

 private:
  ScriptServer server_;
};

// Percent-encodes everything but unreserved characters, for query values.
std::string UrlEncode(const std::string& text);

}  // namespace customs::testing

// Skips the test when the registry tools are not installed, saying which.
#define CUSTOMS_REQUIRE_REGISTRY_TOOLS()                                                  \
  if (std::string missing = ::customs::testing::MissingRegistryTools(); !missing.empty()) \
  GTEST_SKIP() << "needs " << missing << " (scripts/install-deps.sh installs them)"
