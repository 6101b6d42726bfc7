// rpm's Berkeley DB package database ("Packages", rpm before 4.16 and every
// RHEL/CentOS up to 8): a BDB hash database whose values are stored rpm
// headers, keyed by a 4-byte header number.
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "catalog/rpm_header.h"

namespace customs::catalog {

// Collects every value of the hash database in `file` (the whole file).
// Pure. Reads the meta page in either byte order, visits every hash page up
// to the last page the meta page names, and assembles values stored on
// overflow page chains (H_OFFPAGE items) or inline (H_KEYDATA). The record
// under key 0 (rpm's instance counter) is skipped.
//
// Fails (non-ok) when the file is not a BDB hash database, is encrypted, or
// has a nonsensical page size. A single value that cannot be read (an
// overflow chain that leaves the file, loops, shares a page with another
// chain, or disagrees with its stated length) becomes a problem in the
// result and the others are still returned; no page is read twice, so the
// work is bounded by the file size.
Result<RpmDbContents> ParseRpmBdb(std::span<const uint8_t> file);

}  // namespace customs::catalog
