#include "image/registry.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>
#include <set>
#include <thread>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"
#include "image/resolve.h"

namespace customs::image {
namespace {

constexpr int kMaxRedirects = 5;
constexpr size_t kMaxErrorBodyBytes = 64 << 10;
constexpr size_t kMaxTokenBytes = 1 << 20;
constexpr size_t kMaxListPageBytes = 16 << 20;
constexpr size_t kMaxListPages = 100000;
constexpr size_t kMaxListEntries = 1000000;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

bool Retryable(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string MediaTypeOf(std::string_view content_type) {
  return ToLower(Trim(content_type.substr(0, content_type.find(';'))));
}

// "MANIFEST_UNKNOWN: manifest unknown" from a registry error body, or the
// HTTP status when the body says nothing useful.
std::string ErrorText(http::Response& response) {
  std::string status = "HTTP " + std::to_string(response.status());
  auto body = response.ReadBody(kMaxErrorBodyBytes, "error body");
  if (!body.ok() || body->empty()) return status;
  auto doc = ParseJson(*body, "error body");
  if (!doc.ok() || !doc->is_object()) return status;
  auto errors = doc->find("errors");
  if (errors == doc->end() || !errors->is_array() || errors->empty()) return status;
  std::string out = status;
  for (const auto& e : *errors) {
    std::string code = JsonString(e, "code");
    std::string message = JsonString(e, "message");
    out += (out == status ? ": " : "; ") + code + (message.empty() ? "" : " (" + message + ")");
    if (out.size() > 500) break;
  }
  return Printable(out, 600);
}

}  // namespace

struct RegistryClient::Auth {
  std::mutex mu;
  std::optional<std::string> base_url;
  bool credentials_loaded = false;
  std::optional<Credentials> credentials;
  std::string scheme;  // "", "basic" or "bearer": what the registry asked for
  std::map<std::string, std::string> params;
  struct Token {
    std::string value;
    int64_t renew_at = 0;  // a little before it expires
  };
  std::map<std::string, Token> tokens;  // by scope
  std::set<std::string> notified;
};

RegistryClient::RegistryClient(std::string registry, RegistryOptions options)
    : registry_(std::move(registry)),
      options_(std::move(options)),
      auth_(std::make_unique<Auth>()) {
  if (!options_.blob_cache_dir.empty()) {
    auto cache = DiskCache::Open(options_.blob_cache_dir, options_.blob_cache_max_bytes);
    if (cache.ok()) {
      blob_cache_ = std::make_unique<DiskCache>(std::move(*cache));
    } else {
      Notify("blob cache disabled: " + cache.status().ToString());
    }
  }
}

RegistryClient::~RegistryClient() = default;

void RegistryClient::Notify(const std::string& message) {
  if (!options_.notify) return;
  {
    std::lock_guard lock(auth_->mu);
    if (!auth_->notified.insert(message).second) return;
  }
  options_.notify(message);
}

void RegistryClient::NoteRateLimit(const http::Response& response) {
  for (const auto& h : response.headers())
    if (h.name == "warning") Notify(registry_ + " warns: " + Printable(h.value, 4096));
  auto remaining = ParseRateLimit(response.Header("ratelimit-remaining"));
  auto limit = ParseRateLimit(response.Header("ratelimit-limit"));
  if (!remaining || remaining->count < 0) return;
  int64_t total = limit ? limit->count : -1;
  if (remaining->count <= 10 || (total > 0 && remaining->count * 5 <= total)) {
    std::string window = remaining->window_seconds > 0
                             ? " per " + std::to_string(remaining->window_seconds / 3600) + " h"
                             : "";
    Notify(registry_ + " pull rate limit: " + std::to_string(remaining->count) + " left" +
           (total > 0 ? " of " + std::to_string(total) : "") + window +
           " (log in to raise it; tags are resolved with HEAD, which does not count)");
  }
}

Result<std::string> RegistryClient::BaseUrl() {
  std::lock_guard lock(auth_->mu);
  if (auth_->base_url) return *auth_->base_url;
  Reference probe;
  probe.registry = registry_;
  std::string host = probe.ApiHost();
  bool insecure =
      std::find(options_.insecure_registries.begin(), options_.insecure_registries.end(),
                registry_) != options_.insecure_registries.end();
  if (!insecure) {
    auth_->base_url = "https://" + host;
    return *auth_->base_url;
  }
  // Named insecure: HTTPS without certificate checks when it answers, else
  // plain HTTP (what docker does for --insecure-registry).
  http::ClientOptions o = options_.http;
  o.tls_verify = false;
  o.connect_timeout_seconds = std::min<long>(o.connect_timeout_seconds, 10);
  http::Request request;
  request.url = "https://" + host + "/v2/";
  auto tls = http::Open(request, o);
  auth_->base_url = (tls.ok() ? "https://" : "http://") + host;
  if (tls.ok()) options_.http.tls_verify = false;
  return *auth_->base_url;
}

Result<std::string> RegistryClient::AuthorizationFor(const std::string& scope) {
  std::lock_guard lock(auth_->mu);
  if (auth_->scheme == "basic" && auth_->credentials && !auth_->credentials->username.empty())
    return "Authorization: Basic " +
           Base64(auth_->credentials->username + ":" + auth_->credentials->password);
  if (auth_->scheme == "bearer") {
    auto it = auth_->tokens.find(scope);
    if (it != auth_->tokens.end() && it->second.renew_at > NowSeconds())
      return "Authorization: Bearer " + it->second.value;
  }
  return std::string();
}

Status RegistryClient::Authenticate(const http::Response& challenge, const std::string& scope) {
  CUSTOMS_ASSIGN_OR_RETURN(auto challenges,
                           ParseWwwAuthenticate(challenge.Header("www-authenticate")),
                           registry_ + ": WWW-Authenticate");
  const Challenge* chosen = nullptr;
  for (const auto& c : challenges)
    if (c.scheme == "bearer") chosen = &c;
  if (chosen == nullptr)
    for (const auto& c : challenges)
      if (c.scheme == "basic") chosen = &c;
  if (chosen == nullptr)
    return PermissionDenied(registry_ + " requires authentication with a scheme customs " +
                            "does not support (" +
                            Printable(challenge.Header("www-authenticate"), 200) + ")");

  std::unique_lock lock(auth_->mu);
  if (!auth_->credentials_loaded) {
    auth_->credentials_loaded = true;
    if (options_.credentials && options_.credentials_registry == registry_) {
      auth_->credentials = options_.credentials;
    } else if (options_.lookup_stored) {
      lock.unlock();
      auto found = LookupCredentials(registry_, options_.lookup);
      lock.lock();
      if (!found.ok()) return found.status();
      auth_->credentials = *found;
    }
  }
  auth_->scheme = chosen->scheme;
  auth_->params = chosen->params;
  if (chosen->scheme == "basic") {
    if (!auth_->credentials || auth_->credentials->username.empty())
      return PermissionDenied(registry_ + " requires a login (Basic auth): docker login " +
                              registry_ + ", or --username with --password-stdin");
    return Status::Ok();
  }

  auto realm = chosen->params.find("realm");
  if (realm == chosen->params.end() || realm->second.empty())
    return PermissionDenied(registry_ + ": Bearer challenge without a realm");
  const std::string& realm_url = realm->second;
  if (!realm_url.starts_with("https://") && !realm_url.starts_with("http://"))
    return PermissionDenied(registry_ +
                            ": token realm is not an http(s) URL: " + Printable(realm_url, 200));
  std::string service;
  if (auto it = chosen->params.find("service"); it != chosen->params.end()) service = it->second;
  const auto& creds = auth_->credentials;
  http::Request request;
  if (creds && !creds->identity_token.empty()) {
    // An identity token (docker login's "identitytoken", a helper's
    // "<token>" user) is an OAuth2 refresh token: POST it to the realm.
    request.method = "POST";
    request.url = realm_url;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.body =
        "grant_type=refresh_token&client_id=customs&service=" + http::QueryEscape(service) +
        "&scope=" + http::QueryEscape(scope) +
        "&refresh_token=" + http::QueryEscape(creds->identity_token);
  } else {
    request.url = realm_url + (realm_url.find('?') == std::string::npos ? "?" : "&");
    if (!service.empty()) request.url += "service=" + http::QueryEscape(service) + "&";
    request.url += "scope=" + http::QueryEscape(scope);
    if (creds && !creds->username.empty())
      request.headers.push_back("Authorization: Basic " +
                                Base64(creds->username + ":" + creds->password));
  }
  http::ClientOptions o = options_.http;
  bool with_credentials = creds.has_value();
  lock.unlock();

  Result<std::unique_ptr<http::Response>> response = Unavailable("no attempt");
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    response = http::Open(request, o);
    if (response.ok() && !Retryable((*response)->status())) break;
    if (attempt < options_.max_attempts)
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.backoff_ms << (attempt - 1)));
  }
  if (!response.ok()) return std::move(response).status().WithContext(registry_ + ": token");
  http::Response& r = **response;
  if (r.status() != 200)
    return PermissionDenied(registry_ + ": token server " + http::Origin(realm_url) +
                            " refused: " + ErrorText(r) +
                            (with_credentials ? " (with credentials)" : " (anonymous)"));
  CUSTOMS_ASSIGN_OR_RETURN(std::string body, r.ReadBody(kMaxTokenBytes, "token response"));
  CUSTOMS_ASSIGN_OR_RETURN(BearerToken token, ParseTokenResponse(body),
                           registry_ + ": token response");
  int64_t issued = token.issued_at > 0 ? std::min(token.issued_at, NowSeconds()) : NowSeconds();
  int64_t lifetime = std::max<int64_t>(token.expires_in, 1);
  lock.lock();
  auth_->tokens[scope] = {token.token, issued + lifetime - std::min<int64_t>(5, lifetime / 2)};
  return Status::Ok();
}

Result<std::unique_ptr<http::Response>> RegistryClient::Send(const std::string& method,
                                                             const std::string& path,
                                                             const std::string& scope,
                                                             std::vector<std::string> headers,
                                                             uint64_t range_from) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string base, BaseUrl());
  std::string url = path.find("://") != std::string::npos ? path : base + path;
  std::string origin = http::Origin(base);
  int redirects = 0;
  bool authenticated = false;
  Status last = Unavailable(url + ": no attempt made");
  for (int attempt = 1; attempt <= options_.max_attempts;) {
    http::Request request{
        .method = method, .url = url, .headers = headers, .range_from = range_from};
    // Credentials and tokens go to the registry's own origin only.
    if (http::Origin(url) == origin) {
      CUSTOMS_ASSIGN_OR_RETURN(std::string authorization, AuthorizationFor(scope));
      if (!authorization.empty()) request.headers.push_back(std::move(authorization));
    }
    auto response = http::Open(request, options_.http);
    long wait_ms = static_cast<long>(options_.backoff_ms) << (attempt - 1);
    if (response.ok()) {
      http::Response& r = **response;
      long status = r.status();
      if (status == 401 && !authenticated && http::Origin(url) == origin) {
        authenticated = true;
        CUSTOMS_TRY(Authenticate(r, scope));
        continue;
      }
      if (IsRedirect(status)) {
        std::string_view location = r.Header("location");
        if (location.empty() || ++redirects > kMaxRedirects)
          return Unavailable(url + ": HTTP " + std::to_string(status) +
                             (location.empty() ? " without a Location" : ": too many redirects"));
        url = http::ResolveUrl(url, location);
        continue;
      }
      if (!Retryable(status)) return std::move(*response);
      auto retry_after = ParseRetryAfter(r.Header("retry-after"), NowSeconds());
      if (retry_after)
        wait_ms = std::min<long>(*retry_after, options_.max_retry_after_seconds) * 1000;
      last = Unavailable(registry_ + ": " + method + " " + path + ": " + ErrorText(r));
    } else {
      if (response.status().code() != StatusCode::kUnavailable) return response.status();
      last = std::move(response).status();
    }
    if (++attempt > options_.max_attempts) break;
    // Up to a quarter more, so that parallel downloads do not retry in step.
    static thread_local std::minstd_rand jitter(std::random_device{}());
    wait_ms += static_cast<long>(jitter() % static_cast<unsigned>(wait_ms / 4 + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  }
  return last.WithContext("after " + std::to_string(options_.max_attempts) + " attempts");
}

Result<ManifestResponse> RegistryClient::Manifest(const std::string& repo,
                                                  const std::string& reference, bool head) {
  std::string what =
      registry_ + "/" + repo + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  CUSTOMS_ASSIGN_OR_RETURN(
      auto response,
      Send(head ? "HEAD" : "GET", "/v2/" + repo + "/manifests/" + reference,
           "repository:" + repo + ":pull", {"Accept: " + std::string(kManifestAccept)}),
      what);
  http::Response& r = *response;
  NoteRateLimit(r);
  if (r.status() == 404) return NotFound(what + ": not found (" + ErrorText(r) + ")");
  if (r.status() == 401 || r.status() == 403)
    return PermissionDenied(what + ": access denied (" + ErrorText(r) +
                            "); log in with docker login or --username/--password-stdin");
  if (r.status() != 200) return Unavailable(what + ": " + ErrorText(r));
  ManifestResponse out;
  out.media_type = MediaTypeOf(r.Header("content-type"));
  out.size = r.content_length();
  std::string_view header_digest = r.Header("docker-content-digest");
  Digest announced;
  if (!header_digest.empty()) {
    auto d = Digest::Parse(header_digest);
    if (d.ok()) announced = *d;
  }
  if (head) {
    if (announced.empty())
      return Unimplemented(what + ": HEAD answered without a Docker-Content-Digest");
    out.digest = announced;
    return out;
  }
  CUSTOMS_ASSIGN_OR_RETURN(out.body, r.ReadBody(kMaxRegistryDocumentBytes, what));
  out.digest = Sha256::Of(out.body);
  if (!announced.empty() && announced != out.digest)
    return DataLoss(what + ": manifest digest mismatch: the registry says " + announced.str() +
                    ", the bytes hash to " + out.digest.str());
  if (reference.starts_with("sha256:") && reference != out.digest.str())
    return DataLoss(what + ": manifest digest mismatch: got " + out.digest.str());
  return out;
}

Result<std::string> RegistryClient::SmallBlob(const std::string& repo, const Digest& digest,
                                              int64_t size, size_t max_bytes) {
  Result<std::string> out = Internal("not read");
  // A copy that fails to verify is fetched once more (nothing has used it).
  for (int attempt = 1; attempt <= 2; ++attempt) {
    CUSTOMS_ASSIGN_OR_RETURN(auto stream, OpenBlob(repo, digest, size));
    out = ReadAll(*stream, max_bytes, registry_ + "/" + repo + "@" + digest.str());
    if (out.ok() || out.status().code() != StatusCode::kDataLoss) break;
  }
  return out;
}

namespace {

// A blob from the registry: resumed with Range after a broken connection or
// a short body, hashed on the way and checked at the end, and copied into
// the blob cache, which keeps it only when it verified.
class BlobStream : public ByteStream {
 public:
  BlobStream(RegistryClient& client, std::string repo, Digest digest, int64_t size,
             int max_attempts)
      : client_(client),
        repo_(std::move(repo)),
        digest_(std::move(digest)),
        size_(size),
        max_attempts_(max_attempts),
        what_(client.registry() + "/" + repo_ + "@" + digest_.str()) {}

  Status Start() {
    if (client_.blob_cache() != nullptr) {
      auto writer = client_.blob_cache()->BeginInsert(std::string(digest_.hex()));
      if (writer.ok()) cache_ = std::move(*writer);
    }
    return Connect();
  }

  Result<size_t> Read(std::span<uint8_t> out) override {
    if (done_ || out.empty()) return size_t{0};
    while (true) {
      if (response_ == nullptr) {
        // The connection broke or the body ended short: resume where it
        // stopped. Connect's own request is retried by Send.
        if (++resumes_ >= max_attempts_)
          return last_error_.WithContext(what_ + ": gave up after " + std::to_string(resumes_) +
                                         " resumed downloads");
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << std::min(resumes_, 5)));
        CUSTOMS_TRY(Connect());
        continue;
      }
      auto n = response_->Read(out);
      if (!n.ok()) {
        last_error_ = std::move(n).status();
        response_.reset();
        continue;
      }
      if (*n == 0) {
        if (size_ >= 0 && static_cast<int64_t>(delivered_) < size_) {
          last_error_ = DataLoss("the body ended after " + std::to_string(delivered_) + " of " +
                                 std::to_string(size_) + " bytes (truncated)");
          response_.reset();
          continue;
        }
        return Finish();
      }
      if (size_ >= 0 && delivered_ + *n > static_cast<uint64_t>(size_))
        return DataLoss(what_ + ": more bytes than the " + std::to_string(size_) +
                        " its descriptor gives");
      std::span<const uint8_t> got(out.data(), *n);
      hash_.Update(got);
      if (cache_ != nullptr && !cache_->Write(got).ok()) cache_.reset();
      delivered_ += *n;
      return *n;
    }
  }

 private:
  Status Connect() {
    CUSTOMS_ASSIGN_OR_RETURN(auto response,
                             client_.Send("GET", "/v2/" + repo_ + "/blobs/" + digest_.str(),
                                          "repository:" + repo_ + ":pull", {}, delivered_),
                             what_);
    http::Response& r = *response;
    if (r.status() == 404) return NotFound(what_ + ": blob unknown to the registry");
    if (r.status() == 401 || r.status() == 403)
      return PermissionDenied(what_ + ": access denied (" + ErrorText(r) + ")");
    if (r.status() == 206 && delivered_ > 0) {
      std::string_view range = r.Header("content-range");
      std::string expect = "bytes " + std::to_string(delivered_) + "-";
      if (!range.starts_with(expect))
        return DataLoss(what_ + ": resumed at the wrong offset (Content-Range: " +
                        Printable(range, 100) + ", wanted " + expect + ")");
    } else if (r.status() == 200) {
      // No Range support: read past what we already have.
      std::vector<uint8_t> scratch(64 << 10);
      for (uint64_t skip = delivered_; skip > 0;) {
        CUSTOMS_ASSIGN_OR_RETURN(
            size_t n, r.Read({scratch.data(), std::min<uint64_t>(scratch.size(), skip)}), what_);
        if (n == 0) return DataLoss(what_ + ": the body ended before the resume point");
        skip -= n;
      }
    } else {
      return Unavailable(what_ + ": " + ErrorText(r));
    }
    response_ = std::move(response);
    return Status::Ok();
  }

  Result<size_t> Finish() {
    done_ = true;
    Digest actual = hash_.Finish();
    if (actual != digest_)
      return DataLoss(what_ + ": digest mismatch: the " + std::to_string(delivered_) +
                      " bytes received hash to " + actual.str() + " (corrupted in transit?)");
    if (cache_ != nullptr) (void)cache_->Commit();
    cache_.reset();
    return size_t{0};
  }

  RegistryClient& client_;
  std::string repo_;
  Digest digest_;
  int64_t size_;
  int max_attempts_;
  std::string what_;
  std::unique_ptr<http::Response> response_;
  std::unique_ptr<DiskCache::Writer> cache_;
  Sha256 hash_;
  uint64_t delivered_ = 0;
  int resumes_ = 0;
  bool done_ = false;
  Status last_error_ = Unavailable("not connected");
};

}  // namespace

Result<std::unique_ptr<ByteStream>> RegistryClient::OpenBlob(const std::string& repo,
                                                             const Digest& digest, int64_t size) {
  if (blob_cache_ != nullptr) {
    auto path = blob_cache_->Path(std::string(digest.hex()));
    if (path.ok() && *path) {
      auto file = OpenFile::Open(**path);
      if (file.ok()) {
        uint64_t length = (*file)->size();
        return std::unique_ptr<ByteStream>(
            std::make_unique<FileRangeStream>(std::move(*file), 0, length));
      }
    }
  }
  auto stream = std::make_unique<BlobStream>(*this, repo, digest, size, options_.max_attempts);
  CUSTOMS_TRY(stream->Start());
  return std::unique_ptr<ByteStream>(std::move(stream));
}

Result<std::vector<std::string>> RegistryClient::ListPaged(const std::string& path,
                                                           const std::string& scope,
                                                           std::string_view field) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::string next = path;
  for (size_t page = 0; !next.empty(); ++page) {
    if (page >= kMaxListPages || !seen.insert(next).second)
      return ResourceExhausted(registry_ + path + ": pagination does not end");
    CUSTOMS_ASSIGN_OR_RETURN(auto response, Send("GET", next, scope, {}));
    http::Response& r = *response;
    if (r.status() == 404) return NotFound(registry_ + path + ": " + ErrorText(r));
    if (r.status() == 401 || r.status() == 403)
      return PermissionDenied(registry_ + path + ": access denied (" + ErrorText(r) + ")");
    if (r.status() != 200) return Unavailable(registry_ + path + ": " + ErrorText(r));
    auto link = ParseLinkNext(r.Header("link"));
    std::string page_url = r.url();
    CUSTOMS_ASSIGN_OR_RETURN(std::string body, r.ReadBody(kMaxListPageBytes, registry_ + path));
    CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(body, registry_ + path));
    for (auto& name : JsonStrings(doc, field)) {
      if (out.size() >= kMaxListEntries)
        return ResourceExhausted(registry_ + path + ": more than " +
                                 std::to_string(kMaxListEntries) + " entries");
      out.push_back(std::move(name));
    }
    next = link ? http::ResolveUrl(page_url, *link) : "";
  }
  return out;
}

Result<std::vector<std::string>> RegistryClient::ListRepositories(size_t page_size) {
  return ListPaged("/v2/_catalog?n=" + std::to_string(page_size), "registry:catalog:*",
                   "repositories");
}

Result<std::vector<std::string>> RegistryClient::ListTags(const std::string& repo,
                                                          size_t page_size) {
  return ListPaged("/v2/" + repo + "/tags/list?n=" + std::to_string(page_size),
                   "repository:" + repo + ":pull", "tags");
}

namespace {

class RegistrySource : public ImageSource {
 public:
  RegistrySource(ImageSpec spec, Reference ref, std::unique_ptr<RegistryClient> client)
      : spec_(std::move(spec)), ref_(std::move(ref)), client_(std::move(client)) {}

  Result<std::vector<ResolvedImage>> Resolve(const PlatformRequest& request) override {
    Descriptor root;
    if (!ref_.digest.empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(root.digest, Digest::Parse(ref_.digest));
    } else {
      // HEAD resolves the tag without counting as a pull.
      auto head = client_->Manifest(ref_.repository, ref_.tag, true);
      if (head.ok()) {
        root.digest = head->digest;
        root.media_type = head->media_type;
      } else if (head.status().code() == StatusCode::kUnimplemented) {
        CUSTOMS_ASSIGN_OR_RETURN(auto got, client_->Manifest(ref_.repository, ref_.tag, false));
        root.digest = got.digest;
        root.media_type = got.media_type;
        Remember(got.digest, got.body);
      } else {
        return head.status();
      }
    }
    model::ImageInfo info;
    info.reference = spec_.text;
    info.source = "registry";
    if (ref_.digest.empty()) info.repo_tags.push_back(ref_.Familiar());
    ResolveContext context{
        .name = ref_.ToString(),
        .info = info,
        .fetch = [this](const Descriptor& d, std::string_view what) { return Fetch(d, what); },
        .location =
            [this](const Descriptor& d) {
              return ref_.registry + "/" + ref_.repository + "@" + d.digest.str();
            }};
    CUSTOMS_ASSIGN_OR_RETURN(auto images, ResolveDescriptors({root}, request, context));
    for (auto& img : images)
      for (auto& l : img.layers) l.blob_checked = true;
    return images;
  }

  Result<std::unique_ptr<ByteStream>> OpenLayerBlob(const ResolvedImage& image,
                                                    size_t layer) override {
    if (layer >= image.layers.size()) return Internal("layer index out of range");
    const LayerBlob& blob = image.layers[layer];
    return client_->OpenBlob(ref_.repository, blob.digest, blob.size);
  }

  bool Remote() const override { return true; }

 private:
  // Manifests and configs by digest: from the cache, else the registry.
  Result<std::string> Fetch(const Descriptor& d, std::string_view what) {
    if (auto it = documents_.find(d.digest.str()); it != documents_.end()) return it->second;
    if (DiskCache* cache = client_->blob_cache()) {
      auto path = cache->Path(std::string(d.digest.hex()));
      if (path.ok() && *path) {
        auto data = ReadFile(**path, kMaxRegistryDocumentBytes);
        if (data.ok() && Sha256::Of(*data) == d.digest) return *data;
      }
    }
    std::string body;
    if (what == "config") {
      CUSTOMS_ASSIGN_OR_RETURN(
          body, client_->SmallBlob(ref_.repository, d.digest, d.size, kMaxRegistryDocumentBytes));
      return body;  // the blob stream cached it
    }
    CUSTOMS_ASSIGN_OR_RETURN(auto got, client_->Manifest(ref_.repository, d.digest.str(), false));
    Remember(got.digest, got.body);
    return std::move(got.body);
  }

  void Remember(const Digest& digest, const std::string& body) {
    documents_[digest.str()] = body;
    if (DiskCache* cache = client_->blob_cache()) (void)cache->Put(std::string(digest.hex()), body);
  }

  ImageSpec spec_;
  Reference ref_;
  std::unique_ptr<RegistryClient> client_;
  std::map<std::string, std::string> documents_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> OpenRegistrySource(const ImageSpec& spec, const Limits&,
                                                        const RegistryOptions& options) {
  CUSTOMS_ASSIGN_OR_RETURN(Reference ref, ParseReference(spec.path));
  auto client = std::make_unique<RegistryClient>(ref.registry, options);
  return std::unique_ptr<ImageSource>(
      std::make_unique<RegistrySource>(spec, std::move(ref), std::move(client)));
}

}  // namespace customs::image
