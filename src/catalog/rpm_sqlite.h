// rpm's SQLite package database ("rpmdb.sqlite", rpm 4.16+: Fedora 33+,
// RHEL 9+): table Packages(hnum INTEGER PRIMARY KEY, blob BLOB) whose blobs
// are stored rpm headers.
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "catalog/rpm_header.h"

namespace customs::catalog {

// Runs `SELECT hnum, blob FROM Packages` over the database image `file` (the
// whole file). Pure as far as the caller can see: the bytes are copied into
// an in-memory SQLite database opened read-only with sqlite3_deserialize, so
// no file is created or read. A WAL-mode image is read as a rollback-journal
// one (the -wal file is not part of the image). Views, triggers and untrusted
// schema functions are disabled, statement lengths and VM steps are bounded,
// and the busy timeout is 0.
//
// Fails (non-ok) when the image is not an SQLite database, is corrupt, has no
// Packages table or runs over a bound. A row whose blob is not a BLOB becomes
// a problem and the others are still returned.
Result<RpmDbContents> ParseRpmSqlite(std::span<const uint8_t> file);

}  // namespace customs::catalog
