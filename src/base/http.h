// HTTP(S) requests over libcurl with the body as a pull stream, so a blob can
// flow from the network into the layer reader without landing on disk.
//
//   http::Request req{.url = "https://registry-1.docker.io/v2/"};
//   CUSTOMS_ASSIGN_OR_RETURN(auto resp, http::Open(req, options));
//   if (resp->status() == 401) ... resp->Header("www-authenticate") ...
//   CUSTOMS_ASSIGN_OR_RETURN(std::string body, resp->ReadBody(1 << 20, "token"));
//
// Redirects are not followed here: callers follow them (registries must not
// forward Authorization to another host). Retries are the caller's too.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/stream.h"

namespace customs::http {

struct Request {
  std::string method = "GET";        // GET, HEAD or POST
  std::string url;                   // http:// or https://
  std::vector<std::string> headers;  // "Name: value" lines
  uint64_t range_from = 0;           // > 0: "Range: bytes=<range_from>-"
  std::string body;                  // POST only
};

struct ClientOptions {
  long connect_timeout_seconds = 30;
  // A transfer slower than low_speed_bytes per second for low_speed_seconds
  // is abandoned (a stalled connection never hangs a scan).
  long low_speed_bytes = 1024;
  long low_speed_seconds = 60;
  bool tls_verify = true;
  std::string ca_file;  // extra CA bundle; "" for the system's
  std::string user_agent = "customs";
};

struct HeaderField {
  std::string name;  // lowercased
  std::string value;
};

// A response whose status line and headers have arrived; Read() yields the
// body. A connection that breaks mid-body is an Unavailable error from Read
// that says how many bytes arrived.
class Response : public ByteStream {
 public:
  ~Response() override;
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  long status() const;
  // The value of the first header of that name (lowercase), "" when absent.
  std::string_view Header(std::string_view name) const;
  const std::vector<HeaderField>& headers() const;
  // Content-Length, or -1 when the server sent none.
  int64_t content_length() const;
  const std::string& url() const;

  Result<size_t> Read(std::span<uint8_t> out) override;
  // The whole body, failing past max_bytes; `what` names it in errors.
  Result<std::string> ReadBody(size_t max_bytes, std::string_view what);

  struct State;
  explicit Response(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

// Sends the request and waits for the response headers. Transport failures
// (refused, reset, timeout, TLS) are Unavailable naming the URL; a host name
// that does not resolve is NotFound.
Result<std::unique_ptr<Response>> Open(const Request& request, const ClientOptions& options);

// "scheme://host[:port]" of a URL, lowercased ("" when it has none).
std::string Origin(std::string_view url);
// `ref` (a Location or Link target) resolved against `base`: absolute URLs
// as they are, "/path" on base's origin, anything else relative to base's
// directory.
std::string ResolveUrl(std::string_view base, std::string_view ref);
// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string QueryEscape(std::string_view value);

}  // namespace customs::http
