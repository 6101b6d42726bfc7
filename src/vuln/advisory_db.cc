#include "vuln/advisory_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <set>
#include <system_error>
#include <utility>

#include "base/json.h"
#include "base/sqlite.h"
#include "base/strings.h"
#include "vuln/cvss.h"

// Schema (one for every source; see DESIGN.md rule 4):
//
//   meta(key, value)                 "schema_version" -> "2", "built_at" -> unix seconds
//   vulnerabilities(id PK, source, summary, published, modified, malicious 0/1,
//                   refs, all_aliases, cvss_list)
//                                    refs: URLs, one per line; all_aliases and
//                                    cvss_list: the aliases and cvss rows of
//                                    the id, written by Commit (see below)
//   aliases(id, alias) PK (id, alias), index (alias, id): either direction
//   cvss(vuln_id, seq, version, vector, score, source) PK (vuln_id, seq)
//   affected(ecosystem, package_key, vuln_id, seq, package, source, status,
//            distro_severity, ranges)
//            PK (ecosystem, package_key, vuln_id, seq): WITHOUT ROWID, so the
//            rows of one package are clustered in the primary key b-tree and
//            a lookup is one seek plus a short scan (this is the index on
//            (ecosystem, package)). package_key is NormalizePackageName of
//            package; status is one of 'fixed', 'affected', 'will_not_fix',
//            'deferred', 'not_affected'.
//   sources(name PK, url, etag, last_modified, imported_at, advisories)
//
// `seq` is the insertion order, so ranges, CVSS records and affected entries
// come back in the order the sources gave them.
//
// affected.ranges encodes Affected::ranges and Affected::versions as tokens
// separated by single spaces, in order:
//   E | S | G   opens a range of type ECOSYSTEM, SEMVER or GIT
//   i:V         introduced V      f:V  fixed V
//   a:V         last_affected V   l:V  limit V
//   v:V         an explicit affected version (Affected::versions)
// Event tokens belong to the last opened range. In V, '%', ' ' and control
// characters are written as %XX (upper-case hex). The minimist entry
// {ECOSYSTEM: introduced 0, fixed 0.2.4} is "E i:0 f:0.2.4"; no ranges and no
// versions is "". Chosen over JSON because it decodes several times faster
// (FindAffected decodes every row it returns) and stays readable in sqlite3.
//
// Commit copies what FindVulnerability needs from the aliases and cvss tables
// into the vulnerability's row, so a lookup is one seek instead of three:
// all_aliases lists, sorted, every id the aliases table links to the id in
// either direction; cvss_list holds four tokens per cvss row in seq order
// (version, vector, score, source). Each token there is '.' followed by the
// value escaped as above, so an empty value is the token ".".

namespace customs::vuln {
namespace {

using sqlite::BindStaticText;
using sqlite::ColumnText;
using sqlite::DbHandle;
using sqlite::StmtHandle;
using sqlite::StmtScope;

// The file may come from a mirror: everything read from it is bounded.
// One affected entry's encoded ranges. The largest real OSV entry (an Ubuntu
// kernel livepatch listing every version) encodes to about 4 KiB.
constexpr size_t kMaxEncodedAffectedBytes = size_t{1} << 20;
// A vulnerability's references, one URL per line: real records list < 300 URLs (~40 KiB).
constexpr size_t kMaxReferencesBytes = size_t{4} << 20;
// Rows one FindAffected may return: Debian's "linux" has ~15k CVEs in one
// release, so 200k is far above any real package.
constexpr size_t kMaxAffectedPerLookup = 200'000;
// Encoded range bytes and tokens (range types, events, versions) one
// FindAffected may decode: together they bound its memory to ~100 MiB even
// for a file built to be expensive ("E E E ..."). Real lookups decode a few
// KiB; Debian's "linux" ~1 MiB and ~50k tokens.
constexpr size_t kMaxRangeBytesPerLookup = size_t{64} << 20;
constexpr size_t kMaxRangeTokensPerLookup = 2'000'000;
// Aliases and CVSS vectors of one vulnerability (real records: < 30, < 5).
constexpr size_t kMaxAliasesPerVulnerability = 10'000;
constexpr size_t kMaxCvssPerVulnerability = 1'000;
// Imported sources (OSV ecosystems + distro feeds: ~100 today).
constexpr size_t kMaxSources = 100'000;
// The longest single value sqlite may hand back (SQLITE_LIMIT_LENGTH) on a
// read-only connection: above every bound above except the per-lookup total.
constexpr int kMaxSqliteValueBytes = 16 << 20;
// Page cache of a reader: the lookup working set of a large image stays in
// memory (allocated as pages are read, not up front).
constexpr int kReaderCacheKiB = 64 << 10;

constexpr char kSchema[] = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE vulnerabilities (
  id TEXT PRIMARY KEY NOT NULL,
  source TEXT NOT NULL,
  summary TEXT NOT NULL,
  published TEXT NOT NULL,
  modified TEXT NOT NULL,
  malicious INTEGER NOT NULL CHECK (malicious IN (0, 1)),
  refs TEXT NOT NULL,
  all_aliases TEXT NOT NULL DEFAULT '',
  cvss_list TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE TABLE aliases (
  id TEXT NOT NULL,
  alias TEXT NOT NULL,
  PRIMARY KEY (id, alias)
) STRICT, WITHOUT ROWID;
CREATE INDEX aliases_by_alias ON aliases (alias, id);
CREATE TABLE cvss (
  vuln_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version TEXT NOT NULL,
  vector TEXT NOT NULL,
  score REAL NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (vuln_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  package_key TEXT NOT NULL,
  vuln_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  package TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('fixed', 'affected', 'will_not_fix', 'deferred', 'not_affected')),
  distro_severity TEXT NOT NULL,
  ranges TEXT NOT NULL,
  PRIMARY KEY (ecosystem, package_key, vuln_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE sources (
  name TEXT PRIMARY KEY NOT NULL,
  url TEXT NOT NULL,
  etag TEXT NOT NULL,
  last_modified TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  advisories INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

constexpr char kFindAffectedSql[] =
    "SELECT vuln_id, source, package, status, distro_severity, ranges FROM affected "
    "WHERE ecosystem = ?1 AND package_key = ?2 ORDER BY vuln_id, seq";

std::string_view StatusKey(model::VulnStatus status) {
  switch (status) {
    case model::VulnStatus::kFixed:
      return "fixed";
    case model::VulnStatus::kAffected:
      return "affected";
    case model::VulnStatus::kWillNotFix:
      return "will_not_fix";
    case model::VulnStatus::kDeferred:
      return "deferred";
    case model::VulnStatus::kNotAffected:
      return "not_affected";
  }
  return "affected";
}

std::optional<model::VulnStatus> ParseStatusKey(std::string_view key) {
  if (key == "fixed") return model::VulnStatus::kFixed;
  if (key == "affected") return model::VulnStatus::kAffected;
  if (key == "will_not_fix") return model::VulnStatus::kWillNotFix;
  if (key == "deferred") return model::VulnStatus::kDeferred;
  if (key == "not_affected") return model::VulnStatus::kNotAffected;
  return std::nullopt;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

void AppendEscaped(std::string_view value, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == ' ' || c < 0x20 || c == 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes %XX escapes of `value` into `out`; `offset` is the value's
// position in the encoded text, for errors.
Status UnescapeInto(std::string_view value, size_t offset, std::string& out) {
  size_t percent = value.find('%');
  if (percent == std::string_view::npos) {
    out.assign(value);
    return Status::Ok();
  }
  out.clear();
  out.reserve(value.size());
  out.append(value.substr(0, percent));
  for (size_t i = percent; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (value.size() - i < 3 || HexValue(value[i + 1]) < 0 || HexValue(value[i + 2]) < 0)
      return InvalidArgument("bad %XX escape at byte " + std::to_string(offset + i));
    out += static_cast<char>(HexValue(value[i + 1]) * 16 + HexValue(value[i + 2]));
    i += 2;
  }
  return Status::Ok();
}

std::string EncodeRanges(const Affected& affected) {
  std::string out;
  auto token = [&out](std::string_view text) {
    if (!out.empty()) out += ' ';
    out += text;
  };
  for (const Range& range : affected.ranges) {
    switch (range.type) {
      case Range::Type::kEcosystem:
        token("E");
        break;
      case Range::Type::kSemver:
        token("S");
        break;
      case Range::Type::kGit:
        token("G");
        break;
    }
    for (const RangeEvent& event : range.events) {
      switch (event.kind) {
        case RangeEvent::Kind::kIntroduced:
          token("i:");
          break;
        case RangeEvent::Kind::kFixed:
          token("f:");
          break;
        case RangeEvent::Kind::kLastAffected:
          token("a:");
          break;
        case RangeEvent::Kind::kLimit:
          token("l:");
          break;
      }
      AppendEscaped(event.version, out);
    }
  }
  for (const std::string& version : affected.versions) {
    token("v:");
    AppendEscaped(version, out);
  }
  return out;
}

// Fills ranges and versions of `out` from the encoding described at the top.
// Each token decoded takes one from `token_budget`.
Status DecodeRanges(std::string_view text, Affected& out, size_t& token_budget) {
  if (text.size() > kMaxEncodedAffectedBytes)
    return ResourceExhausted("encoded ranges of " + std::to_string(text.size()) +
                             " bytes exceed kMaxEncodedAffectedBytes (" +
                             std::to_string(kMaxEncodedAffectedBytes) + ")");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(pos, end - pos);
    if (token.empty()) return InvalidArgument("empty token at byte " + std::to_string(pos));
    if (token_budget == 0)
      return ResourceExhausted("more than kMaxRangeTokensPerLookup (" +
                               std::to_string(kMaxRangeTokensPerLookup) + ") range tokens");
    --token_budget;
    if (token.size() == 1) {
      Range range;
      range.events.reserve(2);  // the usual introduced + fixed
      if (token[0] == 'E')
        range.type = Range::Type::kEcosystem;
      else if (token[0] == 'S')
        range.type = Range::Type::kSemver;
      else if (token[0] == 'G')
        range.type = Range::Type::kGit;
      else
        return InvalidArgument("unknown range type '" + Printable(token) + "' at byte " +
                               std::to_string(pos));
      out.ranges.push_back(std::move(range));
    } else {
      if (token[1] != ':')
        return InvalidArgument("bad token '" + Printable(token, 40) + "' at byte " +
                               std::to_string(pos));
      std::string_view value = token.substr(2);
      if (token[0] == 'v') {
        CUSTOMS_TRY(UnescapeInto(value, pos + 2, out.versions.emplace_back()));
      } else {
        RangeEvent::Kind kind;
        switch (token[0]) {
          case 'i':
            kind = RangeEvent::Kind::kIntroduced;
            break;
          case 'f':
            kind = RangeEvent::Kind::kFixed;
            break;
          case 'a':
            kind = RangeEvent::Kind::kLastAffected;
            break;
          case 'l':
            kind = RangeEvent::Kind::kLimit;
            break;
          default:
            return InvalidArgument("unknown token kind '" + Printable(token.substr(0, 1)) +
                                   "' at byte " + std::to_string(pos));
        }
        if (out.ranges.empty())
          return InvalidArgument("range event before any range type at byte " +
                                 std::to_string(pos));
        RangeEvent& event = out.ranges.back().events.emplace_back();
        event.kind = kind;
        CUSTOMS_TRY(UnescapeInto(value, pos + 2, event.version));
      }
    }
    // A trailing space would end the loop silently: it is an empty token.
    if (end == text.size() - 1) return InvalidArgument("trailing space");
    pos = end + 1;
  }
  return Status::Ok();
}

// The token lists of all_aliases and cvss_list.
void AppendToken(std::string_view value, std::string& out) {
  if (!out.empty()) out += ' ';
  out += '.';
  AppendEscaped(value, out);
}

Result<std::vector<std::string>> DecodeTokens(std::string_view text, size_t max_tokens) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(pos, end - pos);
    if (token.empty() || token[0] != '.')
      return InvalidArgument("bad token at byte " + std::to_string(pos));
    if (out.size() >= max_tokens)
      return ResourceExhausted("more than " + std::to_string(max_tokens) + " tokens");
    CUSTOMS_TRY(UnescapeInto(token.substr(1), pos + 1, out.emplace_back()));
    if (end == text.size() - 1) return InvalidArgument("trailing space");
    pos = end + 1;
  }
  return out;
}

// References are URLs, one per line: cheaper to read back than JSON, and a
// URL cannot hold a line break (Encode drops any that an advisory carries).
Result<std::vector<std::string>> DecodeReferences(std::string_view text) {
  if (text.size() > kMaxReferencesBytes)
    return InvalidArgument("references exceed " + std::to_string(kMaxReferencesBytes) + " bytes");
  std::vector<std::string> refs;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.empty()) return InvalidArgument("an empty reference");
    refs.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
    if (text.empty()) return InvalidArgument("a trailing line break");
  }
  return refs;
}

std::string EncodeReferences(const std::vector<std::string>& refs) {
  std::string out;
  for (const std::string& ref : refs) {
    std::string url;
    for (char c : ref)
      if (c != '\n' && c != '\r') url += c;
    if (url.empty()) continue;
    if (!out.empty()) out += '\n';
    out += url;
  }
  return out;
}

Result<int64_t> ParseInt(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return DataLoss(std::string(what) + " is not an integer: '" + Printable(text, 40) + "'");
  return value;
}

// "file:/abs/path?immutable=1" with the path escaped as the URI needs.
std::string ImmutableUri(const std::filesystem::path& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (char ch : path.string()) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '%' || c == '?' || c == '#') {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    } else {
      uri += ch;
    }
  }
  return uri + "?immutable=1";
}

}  // namespace

std::string NormalizePackageName(std::string_view ecosystem, std::string_view name) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  if (EqualsIgnoreCase(base, "PyPI")) {
    // PEP 503: re.sub(r"[-_.]+", "-", name).lower()
    std::string out;
    out.reserve(name.size());
    bool in_separator = false;
    for (char c : name) {
      if (c == '-' || c == '_' || c == '.') {
        if (!in_separator) out += '-';
        in_separator = true;
      } else {
        out += AsciiLower(c);
        in_separator = false;
      }
    }
    return out;
  }
  if (EqualsIgnoreCase(base, "Maven") || EqualsIgnoreCase(base, "NuGet") ||
      EqualsIgnoreCase(base, "Packagist")) {
    std::string out(name);
    for (char& c : out) c = AsciiLower(c);
    return out;
  }
  return std::string(name);
}

struct AdvisoryDb::Impl {
  std::filesystem::path path;
  // Declared before the statements: members are destroyed in reverse order,
  // and sqlite3_close refuses to close while statements are alive.
  DbHandle db;
  bool writable = false;
  int64_t next_seq = 0;

  // Cached statements, prepared on first use.
  StmtHandle find_affected;
  StmtHandle find_vuln;
  StmtHandle find_vuln_by_alias;
  StmtHandle find_aliases;
  StmtHandle find_cvss;
  StmtHandle update_lists;
  StmtHandle select_meta;
  StmtHandle select_sources;
  StmtHandle count;
  StmtHandle insert_vuln;
  StmtHandle update_vuln;
  StmtHandle insert_alias;
  StmtHandle cvss_exists;
  StmtHandle insert_cvss;
  StmtHandle affected_exists;
  StmtHandle insert_affected;
  StmtHandle put_source;
  StmtHandle put_meta;

  Status Error(int rc, std::string_view what) const {
    return sqlite::Error(db.get(), rc, path.native(), what);
  }

  Result<sqlite3_stmt*> Statement(StmtHandle& slot, const char* sql) {
    return sqlite::Prepare(db.get(), slot, sql, path.native());
  }

  template <typename... Args>
  Status Bind(sqlite3_stmt* stmt, const Args&... args) {
    return sqlite::Bind(db.get(), stmt, path.native(), args...);
  }

  // True for a row, false when done.
  Result<bool> Step(sqlite3_stmt* stmt, std::string_view what) {
    return sqlite::Step(db.get(), stmt, path.native(), what);
  }

  // Step for the per-finding reads: the error text is built only on an
  // error.
  Result<bool> StepVulnerability(sqlite3_stmt* stmt, std::string_view doing, std::string_view id) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error(rc, std::string(doing) + "vulnerability " + Printable(id));
  }

  Status Exec(const char* sql) { return sqlite::Exec(db.get(), sql, path.native()); }

  Status RequireWritable(std::string_view what) const {
    if (!writable)
      return InvalidArgument(path.string() + ": " + std::string(what) +
                             " on an advisory DB opened read-only");
    return Status::Ok();
  }

  Result<std::optional<std::string>> Meta(std::string_view key) {
    CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                             Statement(select_meta, "SELECT value FROM meta WHERE key = ?1"));
    StmtScope scope(stmt);
    CUSTOMS_TRY(Bind(stmt, key));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(stmt, "reading meta"));
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(std::string(ColumnText(stmt, 0)));
  }

  Status PutMeta(std::string_view key, std::string_view value) {
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * stmt,
        Statement(put_meta, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"));
    StmtScope scope(stmt);
    CUSTOMS_TRY(Bind(stmt, key, value));
    CUSTOMS_TRY(Step(stmt, "writing meta"));
    return Status::Ok();
  }

  Status InsertVulnerability(const Advisory& advisory);
  Status Denormalize();
  Status InsertAliases(const Advisory& advisory);
  Status InsertCvss(const Advisory& advisory);
  Status InsertAffected(const Advisory& advisory, const Affected& affected,
                        std::string_view package_key, std::string_view encoded);
};

AdvisoryDb::AdvisoryDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdvisoryDb::AdvisoryDb(AdvisoryDb&&) noexcept = default;
AdvisoryDb& AdvisoryDb::operator=(AdvisoryDb&&) noexcept = default;
AdvisoryDb::~AdvisoryDb() = default;

Result<AdvisoryDb> AdvisoryDb::Create(const std::filesystem::path& path) {
  // O_EXCL makes "must not exist" race-free; an empty file is an empty
  // SQLite database.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST)
      return InvalidArgument(path.string() +
                             ": already exists; an advisory DB is built into a new file");
    return ErrnoStatus(err, "creating advisory DB " + path.string());
  }
  ::close(fd);

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->writable = true;
  auto build = [&impl]() -> Status {
    sqlite3* raw = nullptr;
    int rc = sqlite::Open(impl->path.c_str(), &raw, SQLITE_OPEN_READWRITE);
    impl->db.reset(raw);
    if (rc != SQLITE_OK) return impl->Error(rc, "opening for writing");
    sqlite3_extended_result_codes(impl->db.get(), 1);
    // The file is built off to the side and renamed into place by the
    // updater, so a crash only loses a file nobody reads yet: no fsync and
    // the rollback journal in memory (kept, unlike OFF, so a failed statement
    // still rolls back cleanly).
    CUSTOMS_TRY(impl->Exec("PRAGMA page_size = 8192"));
    CUSTOMS_TRY(impl->Exec("PRAGMA journal_mode = MEMORY"));
    CUSTOMS_TRY(impl->Exec("PRAGMA synchronous = OFF"));
    CUSTOMS_TRY(impl->Exec("PRAGMA temp_store = MEMORY"));
    CUSTOMS_TRY(impl->Exec("PRAGMA cache_size = -65536"));  // 64 MiB
    CUSTOMS_TRY(impl->Exec(kSchema));
    return Status::Ok();
  };
  Status status = build();
  if (!status.ok()) {
    impl.reset();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return status;
  }
  return AdvisoryDb(std::move(impl));
}

Result<AdvisoryDb> AdvisoryDb::Open(const std::filesystem::path& path) {
  std::error_code ec;
  auto file_status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(file_status)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      return ErrnoStatus(ec.value(), "advisory DB " + path.string());
    return NotFound("advisory DB " + path.string() +
                    " does not exist: run `customs db update` (or `customs db import`)");
  }
  if (!std::filesystem::is_regular_file(file_status))
    return InvalidArgument("advisory DB " + path.string() + " is not a regular file");

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // immutable=1: a built DB is never written again (Create refuses existing
  // files; the updater renames a new file into place), so readers take no
  // locks and skip change detection. Any number of processes share the file,
  // and a lookup costs no system calls once its pages are cached (with
  // locking, each query took ~8: fcntl locks, journal stat, header read).
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) return ErrnoStatus(ec.value(), "advisory DB " + path.string());
  sqlite3* raw = nullptr;
  int rc = sqlite::Open(ImmutableUri(absolute).c_str(), &raw,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return impl->Error(rc, "opening read-only");
  sqlite3* db = impl->db.get();
  sqlite3_extended_result_codes(db, 1);
  // The file may come from a mirror: no code from its schema, bounded values.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, kMaxSqliteValueBytes);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);

  auto version = impl->Meta("schema_version");
  if (!version.ok()) {
    Status status = std::move(version).status();
    return Status(status.code(), status.message() + " (not a customs advisory DB?)");
  }
  if (!version->has_value())
    return DataLoss(path.string() + ": not a customs advisory DB: no schema_version in meta");
  auto number = ParseInt(**version, "schema_version");
  if (!number.ok()) return std::move(number).status().WithContext(path.string());
  if (*number != kSchemaVersion)
    return InvalidArgument(path.string() + ": advisory DB schema " + std::to_string(*number) +
                           ", this customs needs " + std::to_string(kSchemaVersion) +
                           ": run `customs db update`");
  CUSTOMS_TRY(impl->Exec(("PRAGMA cache_size = -" + std::to_string(kReaderCacheKiB)).c_str()));
  // One read transaction for the life of the reader: with an immutable file
  // it costs nothing and saves each query starting and ending its own.
  CUSTOMS_TRY(impl->Exec("BEGIN"));
  // The hot statement is ready before the first lookup.
  CUSTOMS_TRY(impl->Statement(impl->find_affected, kFindAffectedSql));
  return AdvisoryDb(std::move(impl));
}

Result<AdvisoryDb> AdvisoryDb::OpenAnotherReader() const {
  if (impl_->writable)
    return Internal(impl_->path.string() + ": a DB open for writing has no second reader");
  return Open(impl_->path);
}

Status AdvisoryDb::Begin() {
  CUSTOMS_TRY(impl_->RequireWritable("Begin"));
  return impl_->Exec("BEGIN");
}

Status AdvisoryDb::Impl::InsertVulnerability(const Advisory& advisory) {
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * find,
      Statement(find_vuln,
                "SELECT id, source, summary, published, modified, malicious, refs "
                "FROM vulnerabilities WHERE id = ?1"));
  std::optional<std::string> old_source, old_summary, old_published, old_modified, old_refs;
  bool old_malicious = false;
  {
    StmtScope scope(find);
    CUSTOMS_TRY(Bind(find, advisory.id));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(find, "reading vulnerability " + advisory.id));
    if (row) {
      old_source = std::string(ColumnText(find, 1));
      old_summary = std::string(ColumnText(find, 2));
      old_published = std::string(ColumnText(find, 3));
      old_modified = std::string(ColumnText(find, 4));
      old_malicious = sqlite3_column_int64(find, 5) != 0;
      old_refs = std::string(ColumnText(find, 6));
    }
  }
  if (!old_source) {
    // References deduplicated, first occurrence kept.
    std::vector<std::string> refs;
    std::set<std::string_view> seen;
    for (const std::string& ref : advisory.references)
      if (seen.insert(ref).second) refs.push_back(ref);
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * insert,
        Statement(insert_vuln,
                  "INSERT INTO vulnerabilities "
                  "(id, source, summary, published, modified, malicious, refs) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    StmtScope scope(insert);
    CUSTOMS_TRY(Bind(insert, advisory.id, advisory.source, advisory.summary, advisory.published,
                     advisory.modified, int64_t{advisory.malicious ? 1 : 0},
                     EncodeReferences(refs)));
    CUSTOMS_TRY(Step(insert, "inserting vulnerability " + advisory.id));
    return Status::Ok();
  }
  // Merge: each field keeps its first non-empty value, references are
  // unioned in order, malicious if either says so.
  auto refs = DecodeReferences(*old_refs);
  if (!refs.ok())
    return DataLoss(path.string() + ": references of " + advisory.id + ": " +
                    refs.status().message());
  std::set<std::string> seen(refs->begin(), refs->end());
  for (const std::string& ref : advisory.references)
    if (seen.insert(ref).second) refs->push_back(ref);
  auto pick = [](const std::string& old_value, const std::string& new_value) {
    return old_value.empty() ? new_value : old_value;
  };
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * update,
      Statement(update_vuln,
                "UPDATE vulnerabilities SET source = ?2, summary = ?3, published = ?4, "
                "modified = ?5, malicious = ?6, refs = ?7 WHERE id = ?1"));
  StmtScope scope(update);
  CUSTOMS_TRY(Bind(update, advisory.id, pick(*old_source, advisory.source),
                   pick(*old_summary, advisory.summary), pick(*old_published, advisory.published),
                   pick(*old_modified, advisory.modified),
                   int64_t{old_malicious || advisory.malicious ? 1 : 0}, EncodeReferences(*refs)));
  CUSTOMS_TRY(Step(update, "updating vulnerability " + advisory.id));
  return Status::Ok();
}

// Fills all_aliases and cvss_list of every vulnerability (see the top).
Status AdvisoryDb::Impl::Denormalize() {
  std::vector<std::string> ids;
  {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db.get(), "SELECT id FROM vulnerabilities", -1, &raw, nullptr);
    StmtHandle all(raw);
    if (rc != SQLITE_OK) return Error(rc, "listing vulnerabilities");
    while (true) {
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(all.get(), "listing vulnerabilities"));
      if (!row) break;
      ids.emplace_back(ColumnText(all.get(), 0));
    }
  }
  CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * aliases,
                           Statement(find_aliases,
                                     "SELECT alias FROM aliases WHERE id = ?1 UNION "
                                     "SELECT id FROM aliases WHERE alias = ?1 ORDER BY 1"));
  CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * cvss,
                           Statement(find_cvss,
                                     "SELECT version, vector, score, source FROM cvss "
                                     "WHERE vuln_id = ?1 ORDER BY seq"));
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * update,
      Statement(update_lists,
                "UPDATE vulnerabilities SET all_aliases = ?2, cvss_list = ?3 WHERE id = ?1"));
  for (const std::string& id : ids) {
    std::string alias_list, cvss_list;
    {
      StmtScope scope(aliases);
      CUSTOMS_TRY(Bind(aliases, id));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(aliases, "reading aliases of " + id));
        if (!row) break;
        std::string_view alias = ColumnText(aliases, 0);
        if (alias != id) AppendToken(alias, alias_list);
      }
    }
    {
      StmtScope scope(cvss);
      CUSTOMS_TRY(Bind(cvss, id));
      while (true) {
        CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(cvss, "reading CVSS of " + id));
        if (!row) break;
        char score[32];
        auto [end, ec] = std::to_chars(score, score + sizeof score, sqlite3_column_double(cvss, 2));
        AppendToken(ColumnText(cvss, 0), cvss_list);
        AppendToken(ColumnText(cvss, 1), cvss_list);
        AppendToken(ec == std::errc() ? std::string_view(score, end - score) : "0", cvss_list);
        AppendToken(ColumnText(cvss, 3), cvss_list);
      }
    }
    StmtScope scope(update);
    CUSTOMS_TRY(Bind(update, id, alias_list, cvss_list));
    CUSTOMS_TRY(Step(update, "writing aliases and CVSS of " + id));
  }
  return Status::Ok();
}

Status AdvisoryDb::Impl::InsertAliases(const Advisory& advisory) {
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * insert,
      Statement(insert_alias, "INSERT OR IGNORE INTO aliases (id, alias) VALUES (?1, ?2)"));
  for (const std::string& alias : advisory.aliases) {
    if (alias.empty() || alias == advisory.id) continue;
    StmtScope scope(insert);
    CUSTOMS_TRY(Bind(insert, advisory.id, alias));
    CUSTOMS_TRY(Step(insert, "inserting alias " + alias + " of " + advisory.id));
  }
  return Status::Ok();
}

Status AdvisoryDb::Impl::InsertCvss(const Advisory& advisory) {
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * exists,
      Statement(cvss_exists,
                "SELECT 1 FROM cvss WHERE vuln_id = ?1 AND vector = ?2 AND source = ?3"));
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * insert,
      Statement(insert_cvss,
                "INSERT INTO cvss (vuln_id, seq, version, vector, score, source) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const model::CvssRecord& record : advisory.cvss) {
    {
      StmtScope scope(exists);
      CUSTOMS_TRY(Bind(exists, advisory.id, record.vector, record.source));
      CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(exists, "reading CVSS of " + advisory.id));
      if (row) continue;
    }
    // A vector the calculator rejects is kept with score 0 (unknown).
    double score = 0;
    std::string version = record.version;
    auto parsed = ParseCvss(record.vector);
    if (parsed.ok()) {
      score = parsed->base_score;
      if (version.empty()) version = std::string(CvssVersionName(parsed->version));
    }
    StmtScope scope(insert);
    CUSTOMS_TRY(
        Bind(insert, advisory.id, next_seq++, version, record.vector, score, record.source));
    CUSTOMS_TRY(Step(insert, "inserting CVSS of " + advisory.id));
  }
  return Status::Ok();
}

Status AdvisoryDb::Impl::InsertAffected(const Advisory& advisory, const Affected& affected,
                                        std::string_view package_key, std::string_view encoded) {
  std::string_view status = StatusKey(affected.status);
  {
    // The same entry twice (a record imported from two files) is stored once.
    CUSTOMS_ASSIGN_OR_RETURN(
        sqlite3_stmt * exists,
        Statement(affected_exists,
                  "SELECT 1 FROM affected WHERE ecosystem = ?1 AND package_key = ?2 AND "
                  "vuln_id = ?3 AND package = ?4 AND source = ?5 AND status = ?6 AND "
                  "distro_severity = ?7 AND ranges = ?8 LIMIT 1"));
    StmtScope scope(exists);
    CUSTOMS_TRY(Bind(exists, affected.ecosystem, package_key, advisory.id, affected.package,
                     advisory.source, status, affected.distro_severity, encoded));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(exists, "reading affected of " + advisory.id));
    if (row) return Status::Ok();
  }
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * insert,
      Statement(insert_affected,
                "INSERT INTO affected (ecosystem, package_key, vuln_id, seq, package, source, "
                "status, distro_severity, ranges) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  StmtScope scope(insert);
  CUSTOMS_TRY(Bind(insert, affected.ecosystem, package_key, advisory.id, next_seq++,
                   affected.package, advisory.source, status, affected.distro_severity, encoded));
  CUSTOMS_TRY(Step(insert, "inserting affected " + affected.package + " of " + advisory.id));
  return Status::Ok();
}

Status AdvisoryDb::Insert(const Advisory& advisory) {
  Impl& impl = *impl_;
  CUSTOMS_TRY(impl.RequireWritable("Insert"));
  if (advisory.id.empty()) return InvalidArgument("advisory without an id");
  // Everything that can fail on the advisory's content is checked before the
  // first write, so a rejected advisory leaves nothing behind.
  std::vector<std::pair<std::string, std::string>> keyed;  // package key, encoded ranges
  keyed.reserve(advisory.affected.size());
  for (const Affected& affected : advisory.affected) {
    if (affected.ecosystem.empty() || affected.package.empty())
      return InvalidArgument(advisory.id + ": affected entry without ecosystem or package");
    std::string encoded = EncodeRanges(affected);
    if (encoded.size() > kMaxEncodedAffectedBytes)
      return ResourceExhausted(advisory.id + ": ranges of " + affected.package + " encode to " +
                               std::to_string(encoded.size()) +
                               " bytes, over kMaxEncodedAffectedBytes (" +
                               std::to_string(kMaxEncodedAffectedBytes) + ")");
    keyed.emplace_back(NormalizePackageName(affected.ecosystem, affected.package),
                       std::move(encoded));
  }
  CUSTOMS_TRY(impl.InsertVulnerability(advisory));
  CUSTOMS_TRY(impl.InsertAliases(advisory));
  CUSTOMS_TRY(impl.InsertCvss(advisory));
  for (size_t i = 0; i < advisory.affected.size(); ++i)
    CUSTOMS_TRY(
        impl.InsertAffected(advisory, advisory.affected[i], keyed[i].first, keyed[i].second));
  return Status::Ok();
}

Status AdvisoryDb::PutSource(const SourceRecord& source) {
  Impl& impl = *impl_;
  CUSTOMS_TRY(impl.RequireWritable("PutSource"));
  if (source.name.empty()) return InvalidArgument("source without a name");
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * stmt,
      impl.Statement(impl.put_source,
                     "INSERT OR REPLACE INTO sources "
                     "(name, url, etag, last_modified, imported_at, advisories) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  StmtScope scope(stmt);
  CUSTOMS_TRY(impl.Bind(stmt, source.name, source.url, source.etag, source.last_modified,
                        source.imported_at, source.advisories));
  CUSTOMS_TRY(impl.Step(stmt, "writing source " + source.name));
  return Status::Ok();
}

Status AdvisoryDb::Commit() {
  Impl& impl = *impl_;
  CUSTOMS_TRY(impl.RequireWritable("Commit"));
  CUSTOMS_TRY(impl.PutMeta("schema_version", std::to_string(kSchemaVersion)));
  CUSTOMS_TRY(impl.PutMeta("built_at", std::to_string(static_cast<int64_t>(time(nullptr)))));
  CUSTOMS_TRY(impl.Denormalize());
  if (sqlite3_get_autocommit(impl.db.get()) == 0) CUSTOMS_TRY(impl.Exec("COMMIT"));
  // Statistics for the planner; the lookup query does not need them, but
  // ad-hoc queries (`customs db status`, sqlite3) do.
  CUSTOMS_TRY(impl.Exec("ANALYZE"));
  return Status::Ok();
}

Result<std::vector<AffectedRecord>> AdvisoryDb::FindAffected(std::string_view ecosystem,
                                                             std::string_view package) const {
  Impl& impl = *impl_;
  std::string key = NormalizePackageName(ecosystem, package);
  CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                           impl.Statement(impl.find_affected, kFindAffectedSql));
  StmtScope scope(stmt);
  // Bound without a copy: both outlive the statement's use here, and the
  // scope clears the bindings before returning.
  int rc = BindStaticText(stmt, 1, ecosystem);
  if (rc == SQLITE_OK) rc = BindStaticText(stmt, 2, key);
  if (rc != SQLITE_OK) return impl.Error(rc, "binding a lookup");
  std::vector<AffectedRecord> out;
  size_t range_bytes = 0;
  size_t token_budget = kMaxRangeTokensPerLookup;
  while (true) {
    CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(stmt, "looking up affected"));
    if (!row) break;
    if (out.size() >= kMaxAffectedPerLookup)
      return ResourceExhausted(impl.path.string() + ": more than kMaxAffectedPerLookup (" +
                               std::to_string(kMaxAffectedPerLookup) + ") entries for " +
                               std::string(ecosystem) + "/" + Printable(package));
    if (out.empty()) out.reserve(8);
    AffectedRecord& record = out.emplace_back();
    record.vuln_id = std::string(ColumnText(stmt, 0));
    record.source = std::string(ColumnText(stmt, 1));
    record.affected.ecosystem = std::string(ecosystem);
    record.affected.package = std::string(ColumnText(stmt, 2));
    std::string_view status = ColumnText(stmt, 3);
    auto parsed_status = ParseStatusKey(status);
    if (!parsed_status)
      return DataLoss(impl.path.string() + ": affected entry of " + Printable(record.vuln_id) +
                      " has unknown status '" + Printable(status, 40) + "'");
    record.affected.status = *parsed_status;
    record.affected.distro_severity = std::string(ColumnText(stmt, 4));
    std::string_view ranges = ColumnText(stmt, 5);
    range_bytes += ranges.size();
    if (range_bytes > kMaxRangeBytesPerLookup)
      return ResourceExhausted(impl.path.string() + ": ranges of " + std::string(ecosystem) + "/" +
                               Printable(package) + " exceed kMaxRangeBytesPerLookup");
    Status decoded = DecodeRanges(ranges, record.affected, token_budget);
    if (!decoded.ok())
      return DataLoss(impl.path.string() + ": ranges of " + Printable(record.vuln_id) + " for " +
                      std::string(ecosystem) + "/" + Printable(record.affected.package) + ": " +
                      decoded.message());
  }
  return out;
}

Result<std::optional<std::string>> AdvisoryDb::FindAliasOwner(std::string_view alias) const {
  Impl& impl = *impl_;
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * by_alias,
      impl.Statement(impl.find_vuln_by_alias,
                     "SELECT id FROM aliases WHERE alias = ?1 ORDER BY id LIMIT 1"));
  StmtScope scope(by_alias);
  CUSTOMS_TRY(impl.Bind(by_alias, alias));
  CUSTOMS_ASSIGN_OR_RETURN(bool found,
                           impl.StepVulnerability(by_alias, "reading aliases of ", alias));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(ColumnText(by_alias, 0));
}

Result<std::optional<VulnerabilityRecord>> AdvisoryDb::FindVulnerability(
    std::string_view id, bool follow_aliases) const {
  Impl& impl = *impl_;
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * find,
      impl.Statement(impl.find_vuln,
                     "SELECT id, source, summary, published, modified, malicious, refs, "
                     "all_aliases, cvss_list FROM vulnerabilities WHERE id = ?1"));
  VulnerabilityRecord record;
  std::string target(id);
  for (int attempt = 0;; ++attempt) {
    StmtScope scope(find);
    CUSTOMS_TRY(impl.Bind(find, target));
    CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.StepVulnerability(find, "reading ", id));
    if (row) {
      record.id = std::string(ColumnText(find, 0));
      record.source = std::string(ColumnText(find, 1));
      record.summary = std::string(ColumnText(find, 2));
      record.published = std::string(ColumnText(find, 3));
      record.modified = std::string(ColumnText(find, 4));
      record.malicious = sqlite3_column_int64(find, 5) != 0;
      auto refs = DecodeReferences(ColumnText(find, 6));
      if (!refs.ok())
        return DataLoss(impl.path.string() + ": references of " + Printable(record.id) + ": " +
                        refs.status().message());
      record.references = std::move(refs).value();
      auto aliases = DecodeTokens(ColumnText(find, 7), kMaxAliasesPerVulnerability);
      if (!aliases.ok())
        return DataLoss(impl.path.string() + ": aliases of " + Printable(record.id) + ": " +
                        aliases.status().message());
      record.aliases = std::move(aliases).value();
      auto cvss = DecodeTokens(ColumnText(find, 8), 4 * kMaxCvssPerVulnerability);
      if (!cvss.ok() || cvss->size() % 4 != 0)
        return DataLoss(impl.path.string() + ": CVSS of " + Printable(record.id) + ": " +
                        (cvss.ok() ? "not four tokens per vector" : cvss.status().message()));
      for (size_t i = 0; i < cvss->size(); i += 4) {
        model::CvssRecord& item = record.cvss.emplace_back();
        item.version = std::move((*cvss)[i]);
        item.vector = std::move((*cvss)[i + 1]);
        const std::string& score = (*cvss)[i + 2];
        auto [end, ec] = std::from_chars(score.data(), score.data() + score.size(), item.score);
        if (ec != std::errc() || end != score.data() + score.size())
          return DataLoss(impl.path.string() + ": CVSS of " + Printable(record.id) +
                          ": bad score '" + Printable(score, 40) + "'");
        item.source = std::move((*cvss)[i + 3]);
      }
      break;
    }
    // Not found as itself, nor (a dangling alias) as its owner.
    if (attempt > 0 || !follow_aliases) return std::optional<VulnerabilityRecord>();
    CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> owner, FindAliasOwner(id));
    if (!owner) return std::optional<VulnerabilityRecord>();
    target = std::move(*owner);
  }
  return std::optional<VulnerabilityRecord>(std::move(record));
}

Result<std::vector<SourceRecord>> AdvisoryDb::Sources() const {
  Impl& impl = *impl_;
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * stmt,
      impl.Statement(impl.select_sources,
                     "SELECT name, url, etag, last_modified, imported_at, advisories "
                     "FROM sources ORDER BY name"));
  StmtScope scope(stmt);
  std::vector<SourceRecord> out;
  while (true) {
    CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(stmt, "reading sources"));
    if (!row) break;
    if (out.size() >= kMaxSources)
      return ResourceExhausted(impl.path.string() + ": more than kMaxSources sources");
    SourceRecord& source = out.emplace_back();
    source.name = std::string(ColumnText(stmt, 0));
    source.url = std::string(ColumnText(stmt, 1));
    source.etag = std::string(ColumnText(stmt, 2));
    source.last_modified = std::string(ColumnText(stmt, 3));
    source.imported_at = sqlite3_column_int64(stmt, 4);
    source.advisories = sqlite3_column_int64(stmt, 5);
  }
  return out;
}

Result<int64_t> AdvisoryDb::BuiltAt() const {
  CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> value, impl_->Meta("built_at"));
  if (!value) return NotFound(impl_->path.string() + ": no built_at: the DB was never committed");
  auto parsed = ParseInt(*value, "built_at");
  if (!parsed.ok()) return std::move(parsed).status().WithContext(impl_->path.string());
  return *parsed;
}

Result<AdvisoryDb::Counts> AdvisoryDb::Count() const {
  Impl& impl = *impl_;
  CUSTOMS_ASSIGN_OR_RETURN(
      sqlite3_stmt * stmt,
      impl.Statement(impl.count,
                     "SELECT (SELECT count(*) FROM vulnerabilities), "
                     "(SELECT count(*) FROM affected), "
                     "(SELECT count(*) FROM (SELECT DISTINCT ecosystem, package_key "
                     "FROM affected))"));
  StmtScope scope(stmt);
  CUSTOMS_ASSIGN_OR_RETURN(bool row, impl.Step(stmt, "counting"));
  if (!row) return Internal(impl.path.string() + ": counting returned no row");
  Counts counts;
  counts.vulnerabilities = sqlite3_column_int64(stmt, 0);
  counts.affected = sqlite3_column_int64(stmt, 1);
  counts.packages = sqlite3_column_int64(stmt, 2);
  return counts;
}

}  // namespace customs::vuln
