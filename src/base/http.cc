#include "base/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/strings.h"

namespace customs::http {
namespace {

// Header blocks bigger than this are an error, not a memory sink.
constexpr size_t kMaxHeaderBytes = 256 << 10;
constexpr size_t kMaxHeaderCount = 256;
// The write callback pauses the transfer once this much is buffered.
constexpr size_t kMaxBuffered = 1 << 20;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct Response::State {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  std::string url;

  long status = 0;
  std::vector<HeaderField> headers;
  size_t header_bytes = 0;
  bool headers_done = false;  // the blank line after the final header block
  bool header_overflow = false;

  std::string buffer;  // body bytes not yet handed out
  size_t buffer_pos = 0;
  bool paused = false;
  bool finished = false;
  CURLcode result = CURLE_OK;
  uint64_t delivered = 0;
  int64_t content_length = -1;

  ~State() {
    if (multi != nullptr && easy != nullptr) curl_multi_remove_handle(multi, easy);
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (header_list != nullptr) curl_slist_free_all(header_list);
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* s = static_cast<State*>(user);
    size_t n = size * count;
    s->header_bytes += n;
    if (s->header_bytes > kMaxHeaderBytes) {
      s->header_overflow = true;
      return 0;
    }
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
      // A new block (an interim 100 Continue came before): start over.
      s->headers.clear();
      s->headers_done = false;
      size_t sp = line.find(' ');
      s->status = sp == std::string_view::npos ? 0 : std::strtol(data + sp + 1, nullptr, 10);
      return n;
    }
    std::string_view trimmed = Trim(line);
    if (trimmed.empty()) {
      // 1xx blocks are followed by the real one.
      if (s->status >= 200) s->headers_done = true;
      return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || s->headers.size() >= kMaxHeaderCount) return n;
    s->headers.push_back(
        {ToLower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
    return n;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* s = static_cast<State*>(user);
    size_t n = size * count;
    if (s->buffer.size() - s->buffer_pos >= kMaxBuffered) {
      s->paused = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    if (s->buffer_pos > 0 && s->buffer_pos == s->buffer.size()) {
      s->buffer.clear();
      s->buffer_pos = 0;
    }
    s->buffer.append(data, n);
    s->headers_done = true;
    return n;
  }

  // Drives the transfer until `ready()` or the end. Never blocks for long:
  // curl's own timeouts end a stalled transfer.
  template <typename Ready>
  void Pump(Ready ready) {
    while (!ready() && !finished) {
      if (paused) {
        paused = false;
        curl_easy_pause(easy, CURLPAUSE_CONT);
      }
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        finished = true;
        result = CURLE_RECV_ERROR;
        break;
      }
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE) {
          finished = true;
          result = msg->data.result;
        }
      }
      if (ready() || finished) break;
      if (paused) continue;
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
  }

  std::string TransportError() const {
    std::string detail = error[0] != 0 ? error : curl_easy_strerror(result);
    return url + ": " + detail;
  }
};

Response::Response(std::unique_ptr<State> state) : state_(std::move(state)) {}
Response::~Response() = default;

long Response::status() const { return state_->status; }
const std::vector<HeaderField>& Response::headers() const { return state_->headers; }
const std::string& Response::url() const { return state_->url; }
int64_t Response::content_length() const { return state_->content_length; }

std::string_view Response::Header(std::string_view name) const {
  for (const auto& h : state_->headers)
    if (h.name == name) return h.value;
  return {};
}

Result<size_t> Response::Read(std::span<uint8_t> out) {
  State& s = *state_;
  if (out.empty()) return size_t{0};
  s.Pump([&] { return s.buffer_pos < s.buffer.size(); });
  size_t avail = s.buffer.size() - s.buffer_pos;
  if (avail > 0) {
    size_t n = std::min(avail, out.size());
    std::memcpy(out.data(), s.buffer.data() + s.buffer_pos, n);
    s.buffer_pos += n;
    s.delivered += n;
    return n;
  }
  if (s.result != CURLE_OK) {
    std::string got = "after " + std::to_string(s.delivered) + " bytes";
    if (s.content_length >= 0) got += " of " + std::to_string(s.content_length);
    return Unavailable(s.TransportError() + " (" + got + ")");
  }
  return size_t{0};
}

Result<std::string> Response::ReadBody(size_t max_bytes, std::string_view what) {
  return ReadAll(*this, max_bytes, what);
}

Result<std::unique_ptr<Response>> Open(const Request& request, const ClientOptions& options) {
  InitCurlOnce();
  auto s = std::make_unique<Response::State>();
  s->url = request.url;
  s->multi = curl_multi_init();
  s->easy = curl_easy_init();
  if (s->multi == nullptr || s->easy == nullptr) return Internal("curl initialisation failed");
  CURL* c = s->easy;
  for (const auto& h : request.headers) {
    curl_slist* next = curl_slist_append(s->header_list, h.c_str());
    if (next == nullptr) return Internal("curl_slist_append failed");
    s->header_list = next;
  }
  bool https = request.url.starts_with("https://");
  if (!https && !request.url.starts_with("http://"))
    return InvalidArgument("not an http(s) URL: " + request.url);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options.low_speed_seconds);
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->header_list);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Response::State::OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, s.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Response::State::OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, s.get());
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L << 10);
  if (!options.tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  } else if (request.method != "GET") {
    return InvalidArgument("unsupported HTTP method " + request.method);
  }
  std::string range;
  if (request.range_from > 0) {
    range = std::to_string(request.range_from) + "-";
    curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  }
  if (curl_multi_add_handle(s->multi, c) != CURLM_OK) return Internal("curl_multi_add_handle");
  s->Pump([&] { return s->headers_done; });
  if (s->header_overflow)
    return ResourceExhausted(request.url + ": response headers larger than " +
                             std::to_string(kMaxHeaderBytes) + " bytes");
  if (!s->headers_done && s->result != CURLE_OK) {
    // A name that does not resolve is not worth retrying (a typo, or no DNS).
    if (s->result == CURLE_COULDNT_RESOLVE_HOST) return NotFound(s->TransportError());
    return Unavailable(s->TransportError());
  }
  if (s->status == 0) return Unavailable(request.url + ": no HTTP response");
  curl_off_t length = -1;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK)
    s->content_length = length;
  return std::make_unique<Response>(std::move(s));
}

std::string Origin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t end = url.find_first_of("/?#", scheme + 3);
  return ToLower(url.substr(0, end));
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos) return std::string(ref);
  std::string origin = Origin(base);
  if (ref.starts_with("//"))
    return std::string(base.substr(0, base.find("://") + 1)) + std::string(ref);
  if (ref.starts_with("/")) return origin + std::string(ref);
  std::string_view path = base.substr(origin.size());
  path = path.substr(0, path.find_first_of("?#"));
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string_view::npos ? "/" : std::string(path.substr(0, slash + 1));
  return origin + dir + std::string(ref);
}

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace customs::http
