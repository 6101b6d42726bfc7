#include "catalog/rpm_sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include "base/limits.h"
#include "base/sqlite.h"

namespace customs::catalog {
namespace {

using sqlite::DbHandle;
using sqlite::StmtHandle;

constexpr char kSqliteMagic[] = "SQLite format 3";  // 16 bytes with its NUL
constexpr size_t kSqliteHeaderBytes = 100;
// Header bytes 18 and 19 (write and read format version): 2 means WAL, 1
// means rollback journal. The in-memory image has no -wal file beside it.
constexpr size_t kWriteVersionOffset = 18;
constexpr size_t kReadVersionOffset = 19;

// VM instructions one read may run, counted by the progress handler every
// kProgressPeriod instructions. Reading 200k rows takes a few million; a
// schema built to spin (a generated column, an expensive index) stops here,
// after a second or two.
constexpr int kProgressPeriod = 1000;
constexpr uint64_t kMaxSqliteVmSteps = 200'000'000;
// SQL text sqlite may parse: rpm's schema statements are ~200 bytes each.
constexpr int kMaxSqliteSqlBytes = 64 << 10;
// Columns in one table of the image: rpm's tables have 2 or 3.
constexpr int kMaxSqliteColumns = 64;

struct StepBudget {
  uint64_t steps = 0;
};

int OnProgress(void* arg) {
  auto* budget = static_cast<StepBudget*>(arg);
  budget->steps += kProgressPeriod;
  return budget->steps > kMaxSqliteVmSteps ? 1 : 0;
}

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = "rpmdb.sqlite: " + std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return DataLoss(std::move(message));
    case SQLITE_INTERRUPT:
      return ResourceExhausted(message + " (over kMaxSqliteVmSteps)");
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
    case SQLITE_FULL:
      return ResourceExhausted(std::move(message));
    case SQLITE_ERROR:
      return InvalidArgument(std::move(message));
    default:
      return DataLoss(std::move(message));
  }
}

Result<StmtHandle> Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) return SqliteError(db, rc, std::string("preparing ") + sql);
  return stmt;
}

// Opens an in-memory, read-only copy of `file` with hostile-schema defences.
Result<DbHandle> OpenImage(std::span<const uint8_t> file, StepBudget& budget) {
  sqlite3* raw = nullptr;
  int rc = sqlite::Open(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "opening an in-memory database");
  sqlite3_busy_timeout(db.get(), 0);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  // No value can be longer than the image it is stored in.
  int max_length = static_cast<int>(std::min<uint64_t>(file.size() + 1, INT_MAX));
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, max_length);
  sqlite3_limit(db.get(), SQLITE_LIMIT_SQL_LENGTH, kMaxSqliteSqlBytes);
  sqlite3_limit(db.get(), SQLITE_LIMIT_COLUMN, kMaxSqliteColumns);
  sqlite3_limit(db.get(), SQLITE_LIMIT_EXPR_DEPTH, 64);
  sqlite3_limit(db.get(), SQLITE_LIMIT_COMPOUND_SELECT, 4);
  sqlite3_limit(db.get(), SQLITE_LIMIT_VDBE_OP, 10000);
  sqlite3_limit(db.get(), SQLITE_LIMIT_FUNCTION_ARG, 8);
  sqlite3_limit(db.get(), SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 64);
  sqlite3_limit(db.get(), SQLITE_LIMIT_VARIABLE_NUMBER, 8);
  sqlite3_limit(db.get(), SQLITE_LIMIT_TRIGGER_DEPTH, 1);
  sqlite3_progress_handler(db.get(), kProgressPeriod, OnProgress, &budget);

  // sqlite owns the copy from here on (FREEONCLOSE), also when it fails.
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(file.size()));
  if (copy == nullptr)
    return ResourceExhausted("rpmdb.sqlite: cannot allocate " + std::to_string(file.size()) +
                             " bytes for the image");
  std::memcpy(copy, file.data(), file.size());
  if (copy[kWriteVersionOffset] == 2) copy[kWriteVersionOffset] = 1;
  if (copy[kReadVersionOffset] == 2) copy[kReadVersionOffset] = 1;
  rc = sqlite3_deserialize(db.get(), "main", copy, static_cast<sqlite3_int64>(file.size()),
                           static_cast<sqlite3_int64>(file.size()),
                           SQLITE_DESERIALIZE_READONLY | SQLITE_DESERIALIZE_FREEONCLOSE);
  if (rc != SQLITE_OK) return SqliteError(db.get(), rc, "loading the image");
  return db;
}

// Packages must be an ordinary table: a virtual table would run a module's
// code over the hostile image.
Status CheckPackagesTable(sqlite3* db) {
  CUSTOMS_ASSIGN_OR_RETURN(
      StmtHandle stmt,
      Prepare(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'Packages'"));
  int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return InvalidArgument("rpmdb.sqlite has no Packages table");
  if (rc != SQLITE_ROW) return SqliteError(db, rc, "reading the schema");
  const auto* sql = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
  std::string_view text = sql != nullptr ? sql : "";
  if (text.size() >= 14 && sqlite3_strnicmp(text.data(), "CREATE VIRTUAL", 14) == 0)
    return Unimplemented("rpmdb.sqlite: Packages is a virtual table");
  return Status::Ok();
}

}  // namespace

Result<RpmDbContents> ParseRpmSqlite(std::span<const uint8_t> file) {
  if (file.size() < kSqliteHeaderBytes ||
      std::memcmp(file.data(), kSqliteMagic, sizeof(kSqliteMagic)) != 0)
    return InvalidArgument("not an SQLite database: no \"SQLite format 3\" header");
  StepBudget budget;
  CUSTOMS_ASSIGN_OR_RETURN(DbHandle db, OpenImage(file, budget));
  CUSTOMS_TRY(CheckPackagesTable(db.get()));
  CUSTOMS_ASSIGN_OR_RETURN(StmtHandle stmt, Prepare(db.get(), "SELECT hnum, blob FROM Packages"));

  RpmDbContents out;
  uint64_t blob_bytes = 0;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    sqlite3_int64 hnum = sqlite3_column_int64(stmt.get(), 0);
    if (sqlite3_column_type(stmt.get(), 1) != SQLITE_BLOB) {
      out.problems.push_back("rpmdb.sqlite: Packages row hnum " + std::to_string(hnum) +
                             ": blob column is not a BLOB");
      continue;
    }
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt.get(), 1));
    int size = sqlite3_column_bytes(stmt.get(), 1);
    // Rows of a sound database share no pages, so their blobs together are
    // smaller than the image.
    blob_bytes += static_cast<uint64_t>(size);
    if (blob_bytes > file.size())
      return DataLoss("rpmdb.sqlite: Packages blobs add up to more than the file");
    if (out.headers.size() >= kMaxPackagesPerDb)
      return ResourceExhausted("rpmdb.sqlite holds more than kMaxPackagesPerDb (" +
                               std::to_string(kMaxPackagesPerDb) + ") packages");
    RpmHeaderBlob blob;
    blob.id = static_cast<uint32_t>(hnum);
    if (data != nullptr && size > 0) blob.bytes.assign(data, data + size);
    out.headers.push_back(std::move(blob));
  }
  if (rc != SQLITE_DONE) return SqliteError(db.get(), rc, "reading Packages");
  return out;
}

}  // namespace customs::catalog
