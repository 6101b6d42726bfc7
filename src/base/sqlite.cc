#include "base/sqlite.h"

#include <mutex>

namespace customs::sqlite {

int Open(const char* filename, sqlite3** db, int flags) {
  static std::once_flag configured;
  // SQLITE_MISUSE when SQLite was initialised already (another library of
  // the process opened a connection first): then it keeps its defaults.
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  return sqlite3_open_v2(filename, db, flags, nullptr);
}

int BindOne(sqlite3_stmt* stmt, int index, std::string_view text) {
  const char* data = text.data() != nullptr ? text.data() : "";
  return sqlite3_bind_text64(stmt, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

int BindOne(sqlite3_stmt* stmt, int index, int64_t value) {
  return sqlite3_bind_int64(stmt, index, value);
}

int BindOne(sqlite3_stmt* stmt, int index, double value) {
  return sqlite3_bind_double(stmt, index, value);
}

int BindStaticText(sqlite3_stmt* stmt, int index, std::string_view text) {
  const char* data = text.data() != nullptr ? text.data() : "";
  return sqlite3_bind_text64(stmt, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

std::string_view ColumnText(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
}

Status Error(sqlite3* db, int rc, std::string_view path, std::string_view what) {
  std::string message = std::string(path) + ": " + std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
    case SQLITE_MISMATCH:
      return DataLoss(std::move(message));
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
    case SQLITE_FULL:
      return ResourceExhausted(std::move(message));
    case SQLITE_CANTOPEN:
      return NotFound(std::move(message));
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return PermissionDenied(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    case SQLITE_ERROR:
      // "no such table" and friends: the file is not a DB of the schema.
      return DataLoss(std::move(message));
    default:
      return DataLoss(std::move(message));
  }
}

Result<sqlite3_stmt*> Prepare(sqlite3* db, StmtHandle& slot, const char* sql,
                              std::string_view path) {
  if (slot == nullptr) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) return Error(db, rc, path, std::string("preparing \"") + sql + "\"");
    slot = std::move(stmt);
  }
  return slot.get();
}

Result<bool> Step(sqlite3* db, sqlite3_stmt* stmt, std::string_view path, std::string_view what) {
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(db, rc, path, what);
}

Status Exec(sqlite3* db, const char* sql, std::string_view path) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(db, rc, path, std::string("running \"") + sql + "\"");
  return Status::Ok();
}

}  // namespace customs::sqlite
