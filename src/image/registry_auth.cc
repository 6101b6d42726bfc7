#include "image/registry_auth.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/file.h"
#include "base/json.h"
#include "base/process.h"
#include "base/strings.h"
#include "image/reference.h"

extern char** environ;

namespace customs::image {

namespace {

// ---- character classes (RFC 9110 token, RFC 7235 token68) -----------------

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsTchar(char c) {
  if (IsAlpha(c) || IsDigit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}
bool IsToken68Char(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
         c == '/';
}
bool IsWs(char c) { return c == ' ' || c == '\t'; }
bool IsCtl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

// A cursor over one header value; every Read* either consumes bytes or
// returns empty, so loops built on it make progress or stop.
class HeaderCursor {
 public:
  explicit HeaderCursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  void Advance() { ++pos_; }
  void SkipWs() {
    while (!AtEnd() && IsWs(s_[pos_])) ++pos_;
  }
  // Skips whitespace and empty list elements (",  ,").
  void SkipListSeparators() {
    SkipWs();
    while (!AtEnd() && s_[pos_] == ',') {
      ++pos_;
      SkipWs();
    }
  }
  std::string_view ReadToken() {
    size_t start = pos_;
    while (!AtEnd() && IsTchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // A value that is not quoted: a token, or leniently anything up to the
  // next separator (some registries send realm=https://… unquoted).
  std::string_view ReadBareValue(std::string_view stops) {
    size_t start = pos_;
    while (!AtEnd() && !IsWs(s_[pos_]) && !IsCtl(s_[pos_]) && s_[pos_] != '"' &&
           stops.find(s_[pos_]) == std::string_view::npos)
      ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // quoted-string at the cursor (which is on the opening quote), with
  // quoted-pairs unescaped. nullopt when unterminated or holding a control
  // character.
  std::optional<std::string> ReadQuoted() {
    ++pos_;  // opening quote
    std::string out;
    while (!AtEnd()) {
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (AtEnd()) return std::nullopt;
        c = s_[pos_++];
      }
      if (IsCtl(c)) return std::nullopt;
      out += c;
    }
    return std::nullopt;
  }
  // Whether a token68 (as the only credentials of a challenge) starts at
  // the cursor: token68 chars, then '='s, then the end or a comma.
  bool AtToken68(size_t* end) const {
    size_t p = pos_;
    while (p < s_.size() && IsToken68Char(s_[p])) ++p;
    if (p == pos_) return false;
    while (p < s_.size() && s_[p] == '=') ++p;
    while (p < s_.size() && IsWs(s_[p])) ++p;
    if (p < s_.size() && s_[p] != ',') return false;
    *end = p;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Status HeaderError(std::string_view what, size_t offset, std::string_view expected) {
  return InvalidArgument(std::string(what) + ": expected " + std::string(expected) + " at byte " +
                         std::to_string(offset));
}

// Non-negative decimal with at most 18 digits (no overflow); nullopt else.
std::optional<int64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Fixed-width decimal field at `s[pos..pos+width)`.
std::optional<int> Digits(std::string_view s, size_t pos, size_t width) {
  if (pos > s.size() || width > s.size() - pos) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<int64_t> UnixSeconds(int year, int month, int day, int hour, int minute, int second) {
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  int64_t days = sys_days(ymd).time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

// ---- base64 (standard alphabet; padding optional) --------------------------

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> DecodeBase64(std::string_view in) {
  size_t pad = 0;
  while (!in.empty() && in.back() == '=' && pad < 2) {
    in.remove_suffix(1);
    ++pad;
  }
  if (in.size() % 4 == 1) return std::nullopt;
  if (pad > 0 && (in.size() + pad) % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// ---- docker config ----------------------------------------------------------

Result<std::string> OptionalString(const Json& obj, std::string_view key, std::string_view what,
                                   std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return InvalidArgument(std::string(what) + ": " + std::string(where) + "." + std::string(key) +
                           " is not a string");
  return it->get<std::string>();
}

Result<Credentials> ParseAuthEntry(const Json& entry, std::string_view what,
                                   const std::string& key) {
  std::string where = "auths[\"" + Printable(key) + "\"]";
  if (!entry.is_object())
    return InvalidArgument(std::string(what) + ": " + where + " is not an object");
  Credentials creds;
  CUSTOMS_ASSIGN_OR_RETURN(std::string auth, OptionalString(entry, "auth", what, where));
  CUSTOMS_ASSIGN_OR_RETURN(creds.username, OptionalString(entry, "username", what, where));
  CUSTOMS_ASSIGN_OR_RETURN(creds.password, OptionalString(entry, "password", what, where));
  CUSTOMS_ASSIGN_OR_RETURN(creds.identity_token,
                           OptionalString(entry, "identitytoken", what, where));
  if (!auth.empty()) {
    std::optional<std::string> decoded = DecodeBase64(auth);
    if (!decoded)
      return InvalidArgument(std::string(what) + ": " + where + ".auth is not valid base64");
    size_t colon = decoded->find(':');
    if (colon == std::string::npos)
      return InvalidArgument(std::string(what) + ": " + where +
                             ".auth does not decode to \"user:password\"");
    creds.username = decoded->substr(0, colon);
    std::string_view password = std::string_view(*decoded).substr(colon + 1);
    // Docker trims NULs some tools leave at the end.
    while (!password.empty() && password.back() == '\0') password.remove_suffix(1);
    while (!password.empty() && password.front() == '\0') password.remove_prefix(1);
    creds.password = std::string(password);
  }
  return creds;
}

// ---- key matching -------------------------------------------------------------

// "https://Host:5000/v1/" -> "host:5000".
std::string KeyHost(std::string_view key) {
  std::string lower = ToLower(key);
  std::string_view k = lower;
  if (k.starts_with("https://"))
    k.remove_prefix(8);
  else if (k.starts_with("http://"))
    k.remove_prefix(7);
  size_t slash = k.find('/');
  if (slash != std::string_view::npos) k = k.substr(0, slash);
  return std::string(k);
}

constexpr std::string_view kDockerHubLegacyKey = "https://index.docker.io/v1/";

bool HostNamesRegistry(std::string_view host, std::string_view registry_lower) {
  if (host == registry_lower) return true;
  if (registry_lower == kDockerHubDomain)
    return host == "index.docker.io" || host == kDockerHubApiHost;
  return false;
}

template <typename Map>
std::vector<std::string> BestKeys(const Map& map, std::string_view registry) {
  std::vector<std::string> out;
  std::string reg = ToLower(registry);
  auto add = [&](const std::string& k) {
    for (const auto& have : out)
      if (have == k) return;
    out.push_back(k);
  };
  if (map.count(std::string(registry)) != 0) add(std::string(registry));
  if (reg == kDockerHubDomain && map.count(std::string(kDockerHubLegacyKey)) != 0)
    add(std::string(kDockerHubLegacyKey));
  for (const auto& [key, value] : map)
    if (HostNamesRegistry(KeyHost(key), reg)) add(key);
  return out;
}

// ---- credential helpers ----------------------------------------------------

std::string ServerUrl(std::string_view registry) {
  if (ToLower(registry) == kDockerHubDomain) return std::string(kDockerHubLegacyKey);
  return std::string(registry);
}

bool IsValidHelperName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_' && c != '.' && c != '+') return false;
  return true;
}

bool SaysNotFound(std::string_view text) {
  return ToLower(text).find("credentials not found") != std::string::npos;
}

// Runs docker-credential-<name> for `server_url`; nullopt when it has no
// credentials for it.
Result<std::optional<Credentials>> RunCredentialHelper(const std::string& name,
                                                       const std::string& server_url,
                                                       const CredentialLookup& lookup) {
  if (!IsValidHelperName(name))
    return InvalidArgument("credential helper name \"" + Printable(name) +
                           "\" is not valid (letters, digits, '-', '_', '.', '+')");
  std::string exe = "docker-credential-" + name;
  std::string dirs = lookup.helper_path;
  if (dirs.empty()) {
    const char* path = std::getenv("PATH");
    dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  }
  std::optional<std::string> path = FindExecutable(exe, dirs);
  if (!path) return NotFound("credential helper " + exe + " not found in " + Printable(dirs));
  int timeout = lookup.helper_timeout_seconds > 0 ? lookup.helper_timeout_seconds : 1;
  ProcessOptions options;
  options.input = server_url;
  options.timeout = std::chrono::seconds(timeout);
  options.max_output = kMaxHelperOutputBytes;
  options.label = exe;
  CUSTOMS_ASSIGN_OR_RETURN(ProcessRun run, RunProcess({*path, "get"}, options));
  if (run.signal != 0)
    return Unavailable(exe + " was killed by signal " + std::to_string(run.signal));
  if (run.exit_code != 0) {
    if (SaysNotFound(run.out) || SaysNotFound(run.err)) return std::optional<Credentials>();
    std::string said = std::string(Trim(run.out));
    std::string err = std::string(Trim(run.err));
    if (!err.empty()) said += (said.empty() ? "" : "; ") + err;
    return Unavailable(exe + " get failed (exit " + std::to_string(run.exit_code) +
                       "): " + Printable(said));
  }
  CUSTOMS_ASSIGN_OR_RETURN(
      Json doc, ParseJson(run.out, "output of " + exe, kMaxHelperOutputBytes, kMaxJsonDepth));
  if (!doc.is_object()) return InvalidArgument("output of " + exe + " is not a JSON object");
  std::string username = JsonString(doc, "Username");
  std::string secret = JsonString(doc, "Secret");
  Credentials creds;
  if (username == "<token>") {
    creds.identity_token = secret;
  } else {
    creds.username = username;
    creds.password = secret;
  }
  if (creds.empty()) return std::optional<Credentials>();
  return std::optional<Credentials>(std::move(creds));
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string HomeDir() {
  std::string home = Env("HOME");
  if (!home.empty()) return home;
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::array<char, 4096> buf;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr)
    return found->pw_dir;
  return "";
}

}  // namespace

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view header) {
  constexpr std::string_view kWhat = "WWW-Authenticate";
  if (header.size() > kMaxAuthHeaderBytes)
    return ResourceExhausted("WWW-Authenticate header of " + std::to_string(header.size()) +
                             " bytes exceeds the limit of " + std::to_string(kMaxAuthHeaderBytes));
  std::vector<Challenge> out;
  HeaderCursor cur(header);
  while (true) {
    cur.SkipListSeparators();
    if (cur.AtEnd()) break;
    size_t scheme_at = cur.pos();
    std::string_view scheme = cur.ReadToken();
    if (scheme.empty()) return HeaderError(kWhat, scheme_at, "an auth scheme");
    if (out.size() >= kMaxChallenges)
      return ResourceExhausted("WWW-Authenticate has more than " + std::to_string(kMaxChallenges) +
                               " challenges");
    Challenge challenge;
    challenge.scheme = ToLower(scheme);
    bool had_space = !cur.AtEnd() && IsWs(cur.Peek());
    cur.SkipWs();
    if (cur.AtEnd() || cur.Peek() == ',') {
      out.push_back(std::move(challenge));
      continue;
    }
    if (!had_space) return HeaderError(kWhat, cur.pos(), "a space after the auth scheme");
    size_t token68_end = 0;
    if (cur.AtToken68(&token68_end)) {
      cur.set_pos(token68_end);  // credentials we have no use for
      out.push_back(std::move(challenge));
      continue;
    }
    bool first = true;
    while (true) {
      size_t item_at = cur.pos();
      std::string_view name = cur.ReadToken();
      if (name.empty()) return HeaderError(kWhat, item_at, "a parameter name");
      cur.SkipWs();
      if (cur.AtEnd() || cur.Peek() != '=') {
        if (first) return HeaderError(kWhat, cur.pos(), "'=' after the parameter name");
        cur.set_pos(item_at);  // the scheme of the next challenge
        break;
      }
      cur.Advance();
      cur.SkipWs();
      std::string value;
      size_t value_at = cur.pos();
      if (!cur.AtEnd() && cur.Peek() == '"') {
        std::optional<std::string> quoted = cur.ReadQuoted();
        if (!quoted) return HeaderError(kWhat, value_at, "a terminated quoted string");
        value = std::move(*quoted);
      } else {
        std::string_view bare = cur.ReadBareValue(",");
        if (bare.empty()) return HeaderError(kWhat, value_at, "a token or quoted string");
        value = std::string(bare);
      }
      if (challenge.params.size() >= kMaxChallengeParams)
        return ResourceExhausted("WWW-Authenticate challenge has more than " +
                                 std::to_string(kMaxChallengeParams) + " parameters");
      challenge.params.emplace(ToLower(name), std::move(value));
      first = false;
      cur.SkipWs();
      if (cur.AtEnd()) break;
      if (cur.Peek() != ',') return HeaderError(kWhat, cur.pos(), "',' between parameters");
      cur.SkipListSeparators();
      if (cur.AtEnd()) break;
    }
    out.push_back(std::move(challenge));
  }
  return out;
}

std::optional<int64_t> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20 || s.size() > 64) return std::nullopt;
  auto year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  auto hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return std::nullopt;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    auto oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (!oh || !om || s[pos + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto t = UnixSeconds(*year, *month, *day, *hour, *minute, *second);
  if (!t) return std::nullopt;
  return *t - offset;
}

Result<BearerToken> ParseTokenResponse(std::string_view json) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, "token response", kMaxTokenResponseBytes, 16));
  if (!doc.is_object()) return InvalidArgument("token response: not a JSON object");
  BearerToken token;
  token.token = JsonString(doc, "token");
  if (token.token.empty()) token.token = JsonString(doc, "access_token");
  if (token.token.empty())
    return InvalidArgument("token response: has neither \"token\" nor \"access_token\"");
  token.refresh_token = JsonString(doc, "refresh_token");
  int64_t expires = 0;
  auto it = doc.find("expires_in");
  if (it != doc.end()) {
    if (it->is_number_integer() || it->is_number_unsigned()) {
      expires = JsonInt(doc, "expires_in", kMaxTokenLifetimeSeconds);
    } else if (it->is_number_float()) {
      double d = it->get<double>();
      if (std::isfinite(d))
        expires = d > static_cast<double>(kMaxTokenLifetimeSeconds) ? kMaxTokenLifetimeSeconds
                                                                    : static_cast<int64_t>(d);
    }
  }
  token.expires_in = expires < 1 ? 60 : std::min(expires, kMaxTokenLifetimeSeconds);
  std::string issued = JsonString(doc, "issued_at");
  if (!issued.empty()) token.issued_at = ParseRfc3339(issued).value_or(0);
  return token;
}

std::optional<std::string> ParseLinkNext(std::string_view header) {
  if (header.size() > kMaxAuthHeaderBytes) return std::nullopt;
  HeaderCursor cur(header);
  for (size_t links = 0; links < kMaxLinks; ++links) {
    cur.SkipListSeparators();
    if (cur.AtEnd() || cur.Peek() != '<') return std::nullopt;
    size_t close = header.find('>', cur.pos());
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = header.substr(cur.pos() + 1, close - cur.pos() - 1);
    cur.set_pos(close + 1);
    bool next = false;
    while (true) {
      cur.SkipWs();
      if (cur.AtEnd() || cur.Peek() == ',') break;
      if (cur.Peek() != ';') return std::nullopt;
      cur.Advance();
      cur.SkipWs();
      std::string_view name = cur.ReadToken();
      if (name.empty()) return std::nullopt;
      cur.SkipWs();
      std::string value;
      if (!cur.AtEnd() && cur.Peek() == '=') {
        cur.Advance();
        cur.SkipWs();
        if (!cur.AtEnd() && cur.Peek() == '"') {
          std::optional<std::string> quoted = cur.ReadQuoted();
          if (!quoted) return std::nullopt;
          value = std::move(*quoted);
        } else {
          value = std::string(cur.ReadBareValue(",;"));
        }
      }
      if (ToLower(name) == "rel") {
        for (std::string_view rel : Split(value, ' '))
          if (ToLower(rel) == "next") next = true;
      }
    }
    if (next && !target.empty()) return std::string(target);
  }
  return std::nullopt;
}

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now) {
  std::string_view v = Trim(value);
  if (v.empty()) return std::nullopt;
  if (IsDigit(v.front())) {
    int64_t seconds = 0;
    for (char c : v) {
      if (!IsDigit(c)) return std::nullopt;
      seconds = std::min<int64_t>(seconds * 10 + (c - '0'), kMaxRetryAfterSeconds + 1);
    }
    return std::min(seconds, kMaxRetryAfterSeconds);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (v.size() != 29) return std::nullopt;
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool day_ok = false;
  for (auto d : kDays) day_ok = day_ok || v.substr(0, 3) == d;
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (v.substr(8, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  if (!day_ok || month == 0 || v.substr(3, 2) != ", " || v[7] != ' ' || v[11] != ' ' ||
      v[16] != ' ' || v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT")
    return std::nullopt;
  auto day = Digits(v, 5, 2), year = Digits(v, 12, 4);
  auto hour = Digits(v, 17, 2), minute = Digits(v, 20, 2), second = Digits(v, 23, 2);
  if (!day || !year || !hour || !minute || !second) return std::nullopt;
  auto when = UnixSeconds(*year, month, *day, *hour, *minute, *second);
  if (!when) return std::nullopt;
  // Compared before subtracting: `now` comes from the caller and may be
  // anything.
  if (now >= *when) return 0;
  if (now < *when - kMaxRetryAfterSeconds) return kMaxRetryAfterSeconds;
  return *when - now;
}

std::optional<RateLimitValue> ParseRateLimit(std::string_view value) {
  std::string_view v = value.substr(0, value.find(','));
  size_t semi = v.find(';');
  auto count = ParseDecimal(Trim(v.substr(0, semi)));
  if (!count) return std::nullopt;
  RateLimitValue out;
  out.count = *count;
  if (semi != std::string_view::npos) {
    for (std::string_view param : Split(v.substr(semi + 1), ';')) {
      param = Trim(param);
      if (param.size() > 2 && (param[0] == 'w' || param[0] == 'W') && param[1] == '=') {
        if (auto w = ParseDecimal(param.substr(2))) out.window_seconds = *w;
      }
    }
  }
  return out;
}

Result<DockerConfig> ParseDockerConfig(std::string_view json, std::string_view what) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, what, kMaxAuthFileBytes, kMaxJsonDepth));
  if (!doc.is_object()) return InvalidArgument(std::string(what) + ": not a JSON object");
  DockerConfig config;
  auto auths = doc.find("auths");
  if (auths != doc.end() && !auths->is_null()) {
    if (!auths->is_object())
      return InvalidArgument(std::string(what) + ": \"auths\" is not an object");
    for (auto it = auths->begin(); it != auths->end(); ++it) {
      CUSTOMS_ASSIGN_OR_RETURN(Credentials creds, ParseAuthEntry(it.value(), what, it.key()));
      config.auths.emplace(it.key(), std::move(creds));
    }
  }
  auto helpers = doc.find("credHelpers");
  if (helpers != doc.end() && !helpers->is_null()) {
    if (!helpers->is_object())
      return InvalidArgument(std::string(what) + ": \"credHelpers\" is not an object");
    for (auto it = helpers->begin(); it != helpers->end(); ++it) {
      if (!it.value().is_string())
        return InvalidArgument(std::string(what) + ": credHelpers[\"" + Printable(it.key()) +
                               "\"] is not a string");
      config.cred_helpers.emplace(it.key(), it.value().get<std::string>());
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(config.creds_store, OptionalString(doc, "credsStore", what, "config"));
  return config;
}

std::vector<std::string> MatchingAuthKeys(const DockerConfig& config, std::string_view registry) {
  std::map<std::string, int> keys;
  for (const auto& [k, v] : config.auths) keys.emplace(k, 0);
  for (const auto& [k, v] : config.cred_helpers) keys.emplace(k, 0);
  return BestKeys(keys, registry);
}

std::vector<std::string> DefaultAuthFiles() {
  std::vector<std::string> files;
  std::string env = Env("REGISTRY_AUTH_FILE");
  if (!env.empty()) files.push_back(env);
  std::string runtime = Env("XDG_RUNTIME_DIR");
  if (!runtime.empty()) files.push_back(runtime + "/containers/auth.json");
  std::string home = HomeDir();
  std::string config_home = Env("XDG_CONFIG_HOME");
  if (config_home.empty() && !home.empty()) config_home = home + "/.config";
  if (!config_home.empty()) files.push_back(config_home + "/containers/auth.json");
  std::string docker = Env("DOCKER_CONFIG");
  if (docker.empty() && !home.empty()) docker = home + "/.docker";
  if (!docker.empty()) files.push_back(docker + "/config.json");
  return files;
}

Result<std::optional<Credentials>> LookupCredentials(std::string_view registry,
                                                     const CredentialLookup& lookup) {
  std::vector<std::string> files = lookup.files.empty() ? DefaultAuthFiles() : lookup.files;
  for (const std::string& file : files) {
    Result<std::string> text = ReadFile(file, kMaxAuthFileBytes);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) continue;
      return std::move(text).status().WithContext("credentials for " + Printable(registry));
    }
    CUSTOMS_ASSIGN_OR_RETURN(DockerConfig config, ParseDockerConfig(*text, file));
    std::string context = "credentials for " + Printable(registry) + " from " + file;

    std::vector<std::string> helper_keys = BestKeys(config.cred_helpers, registry);
    if (!helper_keys.empty() && !config.cred_helpers[helper_keys.front()].empty()) {
      CUSTOMS_ASSIGN_OR_RETURN(std::optional<Credentials> creds,
                               RunCredentialHelper(config.cred_helpers[helper_keys.front()],
                                                   ServerUrl(registry), lookup),
                               context);
      if (creds) return creds;
      continue;  // the helper is authoritative for this file
    }
    std::vector<std::string> auth_keys = BestKeys(config.auths, registry);
    for (const std::string& key : auth_keys)
      if (!config.auths[key].empty()) return std::optional<Credentials>(config.auths[key]);
    if (!config.creds_store.empty()) {
      // A store keeps credentials under the key docker login wrote (listed,
      // empty, in auths); without one, under the usual server URL.
      std::string server = auth_keys.empty() ? ServerUrl(registry) : auth_keys.front();
      CUSTOMS_ASSIGN_OR_RETURN(std::optional<Credentials> creds,
                               RunCredentialHelper(config.creds_store, server, lookup), context);
      if (creds) return creds;
    }
  }
  return std::optional<Credentials>();
}

}  // namespace customs::image
