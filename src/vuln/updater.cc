#include "vuln/updater.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"

namespace customs::vuln {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOsvBase = "https://osv-vulnerabilities.storage.googleapis.com/";
constexpr std::string_view kDebianTrackerUrl =
    "https://security-tracker.debian.org/tracker/data/json";
constexpr std::string_view kAlpineSecdbBase = "https://secdb.alpinelinux.org/";

// OSV ecosystems customs matches (catalog/ has a cataloger for each).
constexpr std::string_view kOsvEcosystems[] = {"npm",   "PyPI",     "Go",        "crates.io",
                                               "Maven", "RubyGems", "Packagist", "NuGet"};
// secdb publishes v3.2 (main only; community started with v3.3) onwards.
constexpr int kAlpineFirstMinor = 2;
constexpr int kAlpineLastMinor = 22;

// Warnings kept in a report: the importers already cap theirs per source.
constexpr size_t kMaxReportWarnings = 200;
// Our own sidecar files are tiny; anything larger is not ours.
constexpr size_t kMaxMetaBytes = 64 << 10;
// Redirect hops (storage.googleapis.com and the tracker use at most one).
constexpr long kMaxRedirects = 10;
// Bytes of a downloaded file checked against the expected feed kind.
constexpr size_t kHeadBytes = 64 << 10;

std::string ErrnoText(int err) { return std::strerror(err); }

void AddWarning(std::vector<std::string>& warnings, std::string message) {
  if (warnings.size() < kMaxReportWarnings) warnings.push_back(std::move(message));
}

std::string Source(const FeedSource& s) { return "source " + s.name + " (" + s.url + ")"; }

// Name of a source's cached file: "alpine:v3.19/main" -> "alpine-v3.19-main.json".
std::string CacheFileName(const FeedSource& source) {
  std::string out;
  for (char c : source.name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '-');
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), 's');
  return out + (source.kind == FeedKind::kOsvZip ? ".zip" : ".json");
}

bool IsHttpUrl(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

std::string FormatBytes(uint64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(n));
  } else if (n < (uint64_t{1} << 20)) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(n) / 1024);
  } else if (n < (uint64_t{1} << 30)) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(n) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", static_cast<double>(n) / (1 << 30));
  }
  return buf;
}

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

// Removes a file unless released: temp DBs and partial downloads.
class TempFile {
 public:
  explicit TempFile(fs::path path) : path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  const fs::path& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

// An exclusive flock on "<db>.lock", held for the life of the object.
class UpdateLock {
 public:
  static Result<UpdateLock> Acquire(const fs::path& db_path) {
    fs::path lock_path = db_path;
    lock_path += ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PermissionDenied(lock_path.string() + ": " + ErrnoText(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return Unavailable("another `customs db update` or `import` is writing " +
                           db_path.string() + " (" + lock_path.string() + " is locked)");
      return PermissionDenied(lock_path.string() + ": " + ErrnoText(err));
    }
    return UpdateLock(fd);
  }
  UpdateLock(UpdateLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UpdateLock& operator=(UpdateLock&&) = delete;
  ~UpdateLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
  }

 private:
  explicit UpdateLock(int fd) : fd_(fd) {}
  int fd_;
};

// Leftovers of an update that was killed: "<db>.tmp-<pid>" and
// "<cache file>.part-<pid>". Only called with the lock held, so no live
// update owns them.
void RemoveLeftovers(const fs::path& dir, std::string_view marker) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.find(marker) != std::string::npos) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

Status SyncPath(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return PermissionDenied(path.string() + ": " + ErrnoText(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return DataLoss("fsync " + path.string() + ": " + ErrnoText(err));
  return Status::Ok();
}

// ---- cache metadata: "<file>.meta", the validators of the cached copy ----

struct CacheMeta {
  std::string url;
  std::string etag;
  std::string last_modified;
  int64_t downloaded_at = 0;
};

fs::path MetaPath(const fs::path& file) {
  fs::path meta = file;
  meta += ".meta";
  return meta;
}

std::optional<CacheMeta> ReadMeta(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  auto text = ReadFile(MetaPath(file).string(), kMaxMetaBytes);
  if (!text.ok()) return std::nullopt;
  auto json = ParseJson(*text, MetaPath(file).string(), kMaxMetaBytes, 4);
  if (!json.ok() || !json->is_object()) return std::nullopt;
  CacheMeta meta;
  meta.url = JsonString(*json, "url");
  meta.etag = JsonString(*json, "etag");
  meta.last_modified = JsonString(*json, "last_modified");
  meta.downloaded_at = JsonInt(*json, "downloaded_at");
  return meta;
}

Status WriteMeta(const fs::path& file, const CacheMeta& meta) {
  Json json = {{"url", meta.url},
               {"etag", meta.etag},
               {"last_modified", meta.last_modified},
               {"downloaded_at", meta.downloaded_at}};
  return WriteFileAtomic(MetaPath(file).string(), DumpJson(json, 2) + "\n");
}

// ---- progress ----

class Progress {
 public:
  Progress(FILE* out, size_t total) : out_(out), total_(total) {
    terminal_ = out_ != nullptr && ::isatty(::fileno(out_)) == 1;
  }

  void Start(const FeedSource& source, size_t index) {
    label_ = "[" + std::to_string(index + 1) + "/" + std::to_string(total_) + "] " + source.name;
    last_draw_ = {};
    if (terminal_) Draw(0, 0, true);
  }

  void Update(uint64_t now, uint64_t expected) {
    if (!terminal_) return;
    Draw(now, expected, false);
  }

  void Finish(std::string_view outcome) {
    if (out_ == nullptr) return;
    if (terminal_) {
      std::fprintf(out_, "\r%s: %.*s\033[K\n", label_.c_str(), static_cast<int>(outcome.size()),
                   outcome.data());
    } else {
      std::fprintf(out_, "%s: %.*s\n", label_.c_str(), static_cast<int>(outcome.size()),
                   outcome.data());
    }
    std::fflush(out_);
  }

  void Line(std::string_view text) {
    if (out_ == nullptr) return;
    std::fprintf(out_, "%.*s\n", static_cast<int>(text.size()), text.data());
    std::fflush(out_);
  }

 private:
  void Draw(uint64_t now, uint64_t expected, bool force) {
    auto t = std::chrono::steady_clock::now();
    if (!force && t - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = t;
    constexpr int kWidth = 24;
    std::string bar;
    if (expected > 0) {
      int filled = static_cast<int>(std::min<uint64_t>(now, expected) * kWidth / expected);
      bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " +
            FormatBytes(now) + " / " + FormatBytes(expected);
    } else {
      bar = FormatBytes(now);
    }
    std::fprintf(out_, "\r%-40s %s\033[K", label_.c_str(), bar.c_str());
    std::fflush(out_);
  }

  FILE* out_;
  size_t total_;
  bool terminal_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// ---- downloads ----

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  FILE* out = nullptr;
  uint64_t received = 0;
  uint64_t max_bytes = 0;
  bool too_big = false;
  int write_errno = 0;
  std::string etag;
  std::string last_modified;
  Progress* progress = nullptr;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (n > t->max_bytes - std::min(t->received, t->max_bytes)) {
    t->too_big = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (std::fwrite(data, 1, n, t->out) != n) {
    t->write_errno = errno != 0 ? errno : EIO;
    return 0;
  }
  t->received += n;
  return n;
}

// Header lines of every response (one block per redirect hop): the
// validators are those of the last block.
size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->etag.clear();
    t->last_modified.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string key = ToLower(Trim(line.substr(0, colon)));
  std::string_view value = Trim(line.substr(colon + 1));
  // Validators are echoed back in a request header: no control characters.
  if (ContainsControlChars(value) || value.size() > 1024) return n;
  if (key == "etag") t->etag = std::string(value);
  if (key == "last-modified") t->last_modified = std::string(value);
  return n;
}

int OnProgress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->progress != nullptr)
    t->progress->Update(static_cast<uint64_t>(std::max<curl_off_t>(dlnow, 0)),
                        static_cast<uint64_t>(std::max<curl_off_t>(dltotal, 0)));
  return 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Fetched {
  bool not_modified = false;
  uint64_t bytes = 0;
};

// One easy handle for every source, so connections to the same host are
// reused.
class Downloader {
 public:
  explicit Downloader(const UpdateOptions& options) : options_(options) {
    InitCurlOnce();
    curl_.reset(curl_easy_init());
  }

  // Downloads `source` into `target` (via "<target>.part-<pid>", renamed on
  // success) unless `validators` (the cached copy's) are still current.
  Result<Fetched> Fetch(const FeedSource& source, const fs::path& target,
                        const std::optional<CacheMeta>& validators, Progress& progress) {
    if (curl_ == nullptr) return Internal("curl_easy_init failed");
    CURL* c = curl_.get();
    curl_easy_reset(c);

    fs::path part_path = target;
    part_path += ".part-" + std::to_string(::getpid());
    TempFile part(part_path);
    int fd = ::open(part_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PermissionDenied(part_path.string() + ": " + ErrnoText(errno));
    FILE* out = ::fdopen(fd, "wb");
    if (out == nullptr) {
      ::close(fd);
      return Internal("fdopen " + part_path.string());
    }
    std::unique_ptr<FILE, int (*)(FILE*)> out_guard(out, &std::fclose);

    Transfer t;
    t.out = out;
    t.max_bytes = options_.max_source_bytes;
    t.progress = &progress;

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&headers](const std::string& h) {
      curl_slist* next = curl_slist_append(headers.get(), h.c_str());
      if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
    };
    bool conditional = validators.has_value() && !options_.force;
    if (conditional && !validators->etag.empty()) add_header("If-None-Match: " + validators->etag);
    if (conditional && !validators->last_modified.empty())
      add_header("If-Modified-Since: " + validators->last_modified);

    char error[CURL_ERROR_SIZE] = {0};
    bool https = source.url.starts_with("https://");
    curl_easy_setopt(c, CURLOPT_URL, source.url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    // An https source is never downgraded by a redirect.
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_seconds);
    curl_easy_setopt(
        c, CURLOPT_MAXFILESIZE_LARGE,
        static_cast<curl_off_t>(std::min<uint64_t>(options_.max_source_bytes, uint64_t{1} << 62)));
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate when offered
    curl_easy_setopt(c, CURLOPT_USERAGENT, "customs (advisory DB updater)");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &ReadHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);

    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    long http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    curl_off_t content_length = -1;
    curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &content_length);
    curl_off_t wire_bytes = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &wire_bytes);

    std::string where = Source(source);
    if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED)
      return ResourceExhausted(where + ": larger than the limit of " +
                               FormatBytes(options_.max_source_bytes) + " per source");
    if (t.write_errno != 0)
      return PermissionDenied(where + ": writing " + part_path.string() + ": " +
                              ErrnoText(t.write_errno));
    if (rc == CURLE_PARTIAL_FILE)
      return DataLoss(where + ": transfer closed after " + std::to_string(wire_bytes) + " of " +
                      std::to_string(content_length) + " bytes (truncated download)");
    if (rc != CURLE_OK) {
      std::string detail = error[0] != 0 ? error : curl_easy_strerror(rc);
      return Unavailable(where + ": " + detail);
    }
    if (http == 304) {
      if (!conditional)
        return Unavailable(where + ": HTTP 304 Not Modified to a request without validators");
      return Fetched{.not_modified = true, .bytes = 0};
    }
    if (http != 200) return Unavailable(where + ": HTTP " + std::to_string(http));
    if (content_length >= 0 && wire_bytes != content_length)
      return DataLoss(where + ": received " + std::to_string(wire_bytes) + " of " +
                      std::to_string(content_length) + " bytes (truncated download)");

    if (std::fflush(out) != 0 || ::fsync(::fileno(out)) != 0)
      return DataLoss(where + ": writing " + part_path.string() + ": " + ErrnoText(errno));
    out_guard.reset();
    std::error_code ec;
    fs::rename(part_path, target, ec);
    if (ec)
      return PermissionDenied(where + ": renaming into " + target.string() + ": " + ec.message());
    part.Release();
    CacheMeta meta{.url = source.url,
                   .etag = t.etag,
                   .last_modified = t.last_modified,
                   .downloaded_at = NowSeconds()};
    CUSTOMS_TRY(WriteMeta(target, meta), where);
    return Fetched{.not_modified = false, .bytes = t.received};
  }

 private:
  const UpdateOptions& options_;
  std::unique_ptr<CURL, CurlDeleter> curl_;
};

// ---- building the DB ----

struct BuildInput {
  SourceRecord record;
  fs::path file;
  std::optional<FeedKind> kind;  // checked against the file's format when set
  std::string what;              // "source osv:npm (URL)" or "path"
};

Status CheckKind(const BuildInput& input) {
  if (!input.kind) return Status::Ok();
  int fd = ::open(input.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound(input.what + ": " + input.file.string() + ": " + ErrnoText(errno));
  std::string head(kHeadBytes, '\0');
  ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  FeedFormat format = DetectFeedFormat(input.file.filename().string(), head);
  FeedFormat want = FeedFormat::kUnknown;
  std::string_view expected;
  switch (*input.kind) {
    case FeedKind::kOsvZip:
      // The name ends in .zip, so check the magic itself.
      if (head.starts_with(std::string_view("PK\x03\x04", 4)) ||
          head.starts_with(std::string_view("PK\x05\x06", 4)))
        return Status::Ok();
      return InvalidArgument(input.what + ": not a zip archive (first bytes: '" +
                             Printable(head.substr(0, 40), 40) + "')");
    case FeedKind::kDebianTracker:
      want = FeedFormat::kDebianTracker;
      expected = "the Debian security tracker JSON";
      break;
    case FeedKind::kAlpineSecdb:
      want = FeedFormat::kAlpineSecdb;
      expected = "an Alpine secdb document";
      break;
  }
  if (format != want)
    return InvalidArgument(input.what + ": not " + std::string(expected) + " (first bytes: '" +
                           Printable(head.substr(0, 40), 40) + "')");
  return Status::Ok();
}

// Builds "<db>.tmp-<pid>" from `inputs` and renames it over `db_path`. On
// failure the temp file is removed and `db_path` is untouched.
Result<AdvisoryDb::Counts> BuildDb(const fs::path& db_path, std::vector<BuildInput>& inputs,
                                   const FeedLimits& limits, std::vector<std::string>& warnings,
                                   Progress& progress) {
  fs::path tmp_path = db_path;
  tmp_path += ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp_path, ec);
  TempFile tmp(tmp_path);
  {
    CUSTOMS_ASSIGN_OR_RETURN(AdvisoryDb db, AdvisoryDb::Create(tmp_path));
    CUSTOMS_TRY(db.Begin());
    int64_t imported_at = NowSeconds();
    for (BuildInput& input : inputs) {
      CUSTOMS_TRY(CheckKind(input));
      auto sink = [&db](Advisory&& advisory) { return db.Insert(advisory); };
      CUSTOMS_ASSIGN_OR_RETURN(ReadStats stats, ReadAdvisories(input.file, sink, limits),
                               input.what);
      if (stats.files == 0)
        return InvalidArgument(input.what + ": no advisory documents in " + input.file.string());
      if (stats.skipped_files == stats.files) {
        std::string first = stats.warnings.empty() ? "" : ": " + stats.warnings.front();
        return InvalidArgument(input.what + ": none of its " + std::to_string(stats.files) +
                               " document(s) could be read" + first);
      }
      for (std::string& w : stats.warnings) AddWarning(warnings, input.record.name + ": " + w);
      if (stats.skipped_files > stats.warnings.size())
        AddWarning(warnings, input.record.name + ": " + std::to_string(stats.skipped_files) +
                                 " document(s) skipped in all");
      input.record.advisories = static_cast<int64_t>(stats.advisories);
      input.record.imported_at = imported_at;
      CUSTOMS_TRY(db.PutSource(input.record), input.what);
      progress.Line("imported " + input.record.name + ": " + std::to_string(stats.advisories) +
                    " advisories");
    }
    CUSTOMS_TRY(db.Commit(), "committing " + tmp_path.string());
  }
  // Create runs with synchronous=OFF: the file reaches the disk here, before
  // it replaces the DB in service.
  CUSTOMS_TRY(SyncPath(tmp_path, O_RDONLY));
  {
    // Validate what we built before it goes into service.
    CUSTOMS_ASSIGN_OR_RETURN(AdvisoryDb check, AdvisoryDb::Open(tmp_path), "the new DB");
    (void)check;
  }
  fs::rename(tmp_path, db_path, ec);
  if (ec)
    return PermissionDenied("renaming " + tmp_path.string() + " to " + db_path.string() + ": " +
                            ec.message());
  tmp.Release();
  (void)SyncPath(db_path.parent_path().empty() ? fs::path(".") : db_path.parent_path(),
                 O_RDONLY | O_DIRECTORY);
  CUSTOMS_ASSIGN_OR_RETURN(AdvisoryDb db, AdvisoryDb::Open(db_path));
  return db.Count();
}

Status PrepareDir(const fs::path& dir) {
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return PermissionDenied("creating " + dir.string() + ": " + ec.message());
  return Status::Ok();
}

fs::path Parent(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

using SourceKey = std::tuple<std::string, std::string, std::string, std::string>;

// Whether the DB in service was built from exactly these sources at these
// versions.
bool DbMatches(const fs::path& db_path, const std::vector<BuildInput>& inputs) {
  auto db = AdvisoryDb::Open(db_path);
  if (!db.ok()) return false;
  auto sources = db->Sources();
  if (!sources.ok()) return false;
  std::set<SourceKey> have, want;
  for (const SourceRecord& s : *sources) have.emplace(s.name, s.url, s.etag, s.last_modified);
  for (const BuildInput& in : inputs)
    want.emplace(in.record.name, in.record.url, in.record.etag, in.record.last_modified);
  return have == want;
}

}  // namespace

fs::path DefaultDbPath() { return fs::path(UserCacheDir()) / "db" / "advisories.db"; }
fs::path DefaultFeedCacheDir() { return fs::path(UserCacheDir()) / "feeds"; }

std::string_view FeedKindName(FeedKind kind) {
  switch (kind) {
    case FeedKind::kOsvZip:
      return "osv-zip";
    case FeedKind::kDebianTracker:
      return "debian-tracker";
    case FeedKind::kAlpineSecdb:
      return "alpine-secdb";
  }
  return "unknown";
}

std::vector<std::string> SupportedEcosystems() {
  std::vector<std::string> out(std::begin(kOsvEcosystems), std::end(kOsvEcosystems));
  out.push_back("Debian");
  out.push_back("Alpine");
  return out;
}

Result<std::vector<FeedSource>> DefaultSources(const std::vector<std::string>& ecosystems) {
  std::vector<std::string> supported = SupportedEcosystems();
  std::set<std::string> wanted;
  for (const std::string& e : ecosystems) {
    auto it = std::find_if(supported.begin(), supported.end(),
                           [&](const std::string& s) { return ToLower(s) == ToLower(Trim(e)); });
    if (it == supported.end()) {
      std::string list;
      for (const std::string& s : supported) list += (list.empty() ? "" : ", ") + s;
      return InvalidArgument("unknown ecosystem '" + Printable(e, 100) + "' (supported: " + list +
                             ")");
    }
    wanted.insert(*it);
  }
  auto want = [&](std::string_view name) {
    return wanted.empty() || wanted.contains(std::string(name));
  };
  std::vector<FeedSource> out;
  for (std::string_view eco : kOsvEcosystems) {
    if (!want(eco)) continue;
    out.push_back({"osv:" + std::string(eco), std::string(kOsvBase) + std::string(eco) + "/all.zip",
                   FeedKind::kOsvZip});
  }
  if (want("Debian"))
    out.push_back({"debian", std::string(kDebianTrackerUrl), FeedKind::kDebianTracker});
  if (want("Alpine")) {
    std::vector<std::string> releases;
    for (int minor = kAlpineFirstMinor; minor <= kAlpineLastMinor; ++minor)
      releases.push_back("v3." + std::to_string(minor));
    releases.push_back("edge");
    for (const std::string& release : releases) {
      for (std::string_view repo : {"main", "community"}) {
        if (release == "v3.2" && repo == "community") continue;
        out.push_back({"alpine:" + release + "/" + std::string(repo),
                       std::string(kAlpineSecdbBase) + release + "/" + std::string(repo) + ".json",
                       FeedKind::kAlpineSecdb});
      }
    }
  }
  return out;
}

Status ApplySourceOverrides(std::vector<FeedSource>& sources, std::string_view mirror,
                            const std::vector<std::string>& overrides) {
  if (!mirror.empty()) {
    if (!IsHttpUrl(mirror))
      return InvalidArgument("--mirror '" + Printable(mirror, 200) +
                             "': expected an http:// or https:// URL");
    std::string base(mirror);
    while (!base.empty() && base.back() == '/') base.pop_back();
    for (FeedSource& s : sources) {
      size_t scheme = s.url.find("://");
      size_t path = scheme == std::string::npos ? std::string::npos : s.url.find('/', scheme + 3);
      s.url = base + (path == std::string::npos ? "/" : s.url.substr(path));
    }
  }
  for (const std::string& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("--source-url '" + Printable(o, 200) + "': expected NAME=URL");
    std::string name = o.substr(0, eq);
    std::string url = o.substr(eq + 1);
    if (!IsHttpUrl(url) || ContainsControlChars(url))
      return InvalidArgument("--source-url " + Printable(name, 100) + ": '" + Printable(url, 200) +
                             "' is not an http:// or https:// URL");
    auto it = std::find_if(sources.begin(), sources.end(),
                           [&](const FeedSource& s) { return s.name == name; });
    if (it == sources.end()) {
      std::string known;
      for (size_t i = 0; i < sources.size() && i < 12; ++i)
        known += (i == 0 ? "" : ", ") + sources[i].name;
      if (sources.size() > 12) known += ", …";
      return InvalidArgument("--source-url: no source named '" + Printable(name, 100) +
                             "' (sources: " + known + ")");
    }
    it->url = url;
  }
  return Status::Ok();
}

Result<UpdateReport> UpdateDb(const UpdateOptions& options) {
  if (options.sources.empty()) return InvalidArgument("no sources to update from");
  UpdateReport report;
  report.db_path = options.db_path.empty() ? DefaultDbPath() : options.db_path;
  fs::path cache_dir = options.cache_dir.empty() ? DefaultFeedCacheDir() : options.cache_dir;
  CUSTOMS_TRY(PrepareDir(Parent(report.db_path)));
  CUSTOMS_TRY(PrepareDir(cache_dir));
  CUSTOMS_ASSIGN_OR_RETURN(UpdateLock lock, UpdateLock::Acquire(report.db_path));
  RemoveLeftovers(Parent(report.db_path), report.db_path.filename().string() + ".tmp-");
  RemoveLeftovers(cache_dir, ".part-");

  std::set<std::string> names;
  for (const FeedSource& s : options.sources)
    if (!names.insert(CacheFileName(s)).second)
      return InvalidArgument("two sources share the name " + s.name);

  Progress progress(options.progress, options.sources.size());
  Downloader downloader(options);
  std::vector<BuildInput> inputs;
  bool changed = options.force;
  for (size_t i = 0; i < options.sources.size(); ++i) {
    const FeedSource& source = options.sources[i];
    fs::path file = cache_dir / CacheFileName(source);
    std::optional<CacheMeta> cached = ReadMeta(file);
    if (cached && cached->url != source.url) cached.reset();  // another URL: not its validators
    progress.Start(source, i);
    SourceReport sr{.name = source.name, .url = source.url};
    auto fetched = downloader.Fetch(source, file, cached, progress);
    if (!fetched.ok()) {
      if (!options.use_cache_on_failure || !cached) {
        progress.Finish("failed");
        return std::move(fetched).status();
      }
      progress.Finish("failed, using the cached copy");
      AddWarning(report.warnings, fetched.status().message() + "; using the copy downloaded " +
                                      FormatAge(NowSeconds() - cached->downloaded_at) + " ago");
      sr.outcome = SourceOutcome::kCachedAfterFailure;
    } else if (fetched->not_modified) {
      progress.Finish("not modified");
      sr.outcome = SourceOutcome::kNotModified;
    } else {
      progress.Finish(FormatBytes(fetched->bytes) + " downloaded");
      sr.outcome = SourceOutcome::kDownloaded;
      sr.bytes = fetched->bytes;
      changed = true;
      cached = ReadMeta(file);
    }
    if (!cached) return Internal(Source(source) + ": no cache metadata after download");
    BuildInput in;
    in.record.name = source.name;
    in.record.url = source.url;
    in.record.etag = cached->etag;
    in.record.last_modified = cached->last_modified;
    in.file = file;
    in.kind = source.kind;
    in.what = Source(source);
    inputs.push_back(std::move(in));
    report.sources.push_back(std::move(sr));
  }

  if (!changed && DbMatches(report.db_path, inputs)) {
    progress.Line("advisory DB " + report.db_path.string() + " is up to date");
    CUSTOMS_ASSIGN_OR_RETURN(AdvisoryDb db, AdvisoryDb::Open(report.db_path));
    CUSTOMS_ASSIGN_OR_RETURN(report.counts, db.Count());
    return report;
  }
  progress.Line("building advisory DB " + report.db_path.string());
  CUSTOMS_ASSIGN_OR_RETURN(
      report.counts, BuildDb(report.db_path, inputs, options.limits, report.warnings, progress));
  report.rebuilt = true;
  for (size_t i = 0; i < inputs.size(); ++i)
    report.sources[i].advisories = inputs[i].record.advisories;
  return report;
}

Result<UpdateReport> ImportPaths(const fs::path& db_path, const std::vector<fs::path>& paths,
                                 const FeedLimits& limits) {
  if (paths.empty()) return InvalidArgument("no paths to import");
  UpdateReport report;
  report.db_path = db_path.empty() ? DefaultDbPath() : db_path;
  std::vector<BuildInput> inputs;
  std::set<std::string> names;
  for (const fs::path& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return NotFound(p.string() + ": no such file or directory");
    fs::path absolute = fs::absolute(p, ec).lexically_normal();
    std::string name = p.lexically_normal().string();
    if (!names.insert(name).second) continue;  // named twice
    BuildInput in;
    in.record.name = name;
    in.record.url = "file://" + absolute.string();
    in.file = p;
    in.what = p.string();
    inputs.push_back(std::move(in));
  }
  CUSTOMS_TRY(PrepareDir(Parent(report.db_path)));
  CUSTOMS_ASSIGN_OR_RETURN(UpdateLock lock, UpdateLock::Acquire(report.db_path));
  RemoveLeftovers(Parent(report.db_path), report.db_path.filename().string() + ".tmp-");
  Progress progress(nullptr, inputs.size());
  CUSTOMS_ASSIGN_OR_RETURN(report.counts,
                           BuildDb(report.db_path, inputs, limits, report.warnings, progress));
  report.rebuilt = true;
  for (const BuildInput& in : inputs)
    report.sources.push_back(SourceReport{.name = in.record.name,
                                          .url = in.record.url,
                                          .outcome = SourceOutcome::kDownloaded,
                                          .bytes = 0,
                                          .advisories = in.record.advisories});
  return report;
}

std::string FormatAge(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  auto unit = [](int64_t n, const char* name) {
    return std::to_string(n) + " " + name + (n == 1 ? "" : "s");
  };
  if (seconds < 120) return unit(seconds, "second");
  if (seconds < 2 * 3600) return unit(seconds / 60, "minute");
  if (seconds < 2 * 86400) return unit(seconds / 3600, "hour");
  return unit(seconds / 86400, "day");
}

Result<DbState> CheckDb(const fs::path& path, int64_t now, int64_t max_age_seconds) {
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec)
    return NotFound("no advisory DB at " + path.string() +
                    ": run `customs db update` (or `customs db import PATH` offline)");
  CUSTOMS_ASSIGN_OR_RETURN(AdvisoryDb db, AdvisoryDb::Open(path));
  CUSTOMS_ASSIGN_OR_RETURN(int64_t built_at, db.BuiltAt(), path.string());
  DbState state;
  state.path = path;
  state.built_at = built_at;
  state.age_seconds = std::max<int64_t>(0, now - built_at);
  state.stale = state.age_seconds > max_age_seconds;
  if (state.stale)
    state.message = "advisory DB at " + path.string() + " is " + FormatAge(state.age_seconds) +
                    " old; run `customs db update`";
  return state;
}

}  // namespace customs::vuln
