// rpm's NDB package database ("Packages.db", SUSE since SLE 15 SP3 and
// openSUSE): a little-endian file with a "RpmP" header, slot pages that map
// package indexes to blob positions, and "BlbS" blobs holding stored rpm
// headers, each with an Adler-32 checked "BlbE" tail.
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "catalog/rpm_header.h"

namespace customs::catalog {

// Collects the header blob of every used slot of the NDB file `file` (the
// whole file). Pure. Fails (non-ok) when the header is not an NDB package
// database header or the slot pages lie outside the file. A slot whose blob
// is out of range, has a bad magic, a foreign package index, a tail that
// disagrees or a wrong checksum becomes a problem and the others are still
// returned. Blobs may not overlap, which bounds the work by the file size.
Result<RpmDbContents> ParseRpmNdb(std::span<const uint8_t> file);

}  // namespace customs::catalog
