// Small helpers over the SQLite C API: owning handles, a scope that resets
// a cached statement, Bind overloads, and SQLite result codes as Status.
//
//   CUSTOMS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(db, sql, slot, path));
//   StmtScope scope(stmt);
//   CUSTOMS_TRY(Bind(db, stmt, path, "binding", id, int64_t{42}));
//   CUSTOMS_ASSIGN_OR_RETURN(bool row, Step(db, stmt, path, "reading"));
//
// Every error names the database file and what was being done, followed by
// SQLite's own message. Nothing here is thread-safe beyond what SQLite
// gives a connection; callers serialize use of one connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace customs::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
// Owning handles. A DbHandle must outlive every StmtHandle of it:
// sqlite3_close refuses to close while statements are alive, so declare the
// DbHandle member before the statements (members are destroyed in reverse).
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// sqlite3_open_v2, after configuring SQLite for this process once: memory
// statistics off (SQLITE_CONFIG_MEMSTATUS), which otherwise take a global
// mutex on every allocation and make connections on two threads wait for
// each other. Nothing here uses the heap limits that need them. Every
// connection customs opens goes through this.
int Open(const char* filename, sqlite3** db, int flags);

// Resets a cached statement and its bindings when a call is done with it.
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;
  ~StmtScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

// Binds one parameter (1-based `index`); returns SQLite's result code.
// Text is copied (SQLITE_TRANSIENT): callers may bind temporaries. A null
// data pointer binds the empty string, not SQL NULL.
int BindOne(sqlite3_stmt* stmt, int index, std::string_view text);
inline int BindOne(sqlite3_stmt* stmt, int index, const std::string& text) {
  return BindOne(stmt, index, std::string_view(text));
}
inline int BindOne(sqlite3_stmt* stmt, int index, const char* text) {
  return BindOne(stmt, index, std::string_view(text != nullptr ? text : ""));
}
int BindOne(sqlite3_stmt* stmt, int index, int64_t value);
int BindOne(sqlite3_stmt* stmt, int index, double value);
// Binds text without a copy: it must stay valid until the statement is
// reset (a StmtScope clears the binding).
int BindStaticText(sqlite3_stmt* stmt, int index, std::string_view text);

// Text of a column; NULL reads as "". Valid until the next step or reset.
std::string_view ColumnText(sqlite3_stmt* stmt, int column);

// An SQLite result code as a Status: "<path>: <what>: <sqlite message>".
// The message is the connection's last error when `db` is given, else the
// generic text of `rc`. Codes map as: CORRUPT/NOTADB/FORMAT/MISMATCH/ERROR
// -> DataLoss, TOOBIG/NOMEM/FULL -> ResourceExhausted, CANTOPEN -> NotFound,
// PERM/AUTH/READONLY -> PermissionDenied, BUSY/LOCKED -> Unavailable.
Status Error(sqlite3* db, int rc, std::string_view path, std::string_view what);

// Prepares `sql` into `slot` on first use (SQLITE_PREPARE_PERSISTENT) and
// returns it; later calls return the cached statement.
Result<sqlite3_stmt*> Prepare(sqlite3* db, StmtHandle& slot, const char* sql,
                              std::string_view path);

// Binds `args` to parameters 1, 2, ... in order.
template <typename... Args>
Status Bind(sqlite3* db, sqlite3_stmt* stmt, std::string_view path, const Args&... args) {
  int index = 0;
  int rc = SQLITE_OK;
  ((rc = rc == SQLITE_OK ? BindOne(stmt, ++index, args) : rc), ...);
  if (rc != SQLITE_OK) return Error(db, rc, path, "binding a parameter");
  return Status::Ok();
}

// One step: true for a row, false when done.
Result<bool> Step(sqlite3* db, sqlite3_stmt* stmt, std::string_view path, std::string_view what);

// Runs one or more statements without results.
Status Exec(sqlite3* db, const char* sql, std::string_view path);

}  // namespace customs::sqlite
