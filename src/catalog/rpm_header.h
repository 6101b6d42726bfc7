// The rpm package header as rpmdb stores it, and the values the rpm readers
// hand to the cataloger.
//
// A stored header is the on-disk header structure without the lead and the
// 8-byte header magic: a big-endian u32 index count `il`, a u32 data length
// `dl`, `il` 16-byte index entries {tag, type, offset, count} and a data
// store of `dl` bytes that the entries point into. ParseRpmHeader checks every
// entry it reads against the store and never reads outside the blob.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/limits.h"
#include "base/status.h"

namespace customs::catalog {

// Index entries in one header: rpm's own import refuses more (hdrchkTags in
// lib/header.c); real packages carry 60-120.
inline constexpr uint32_t kMaxRpmHeaderTags = 0xffff;
// Data store bytes of one header: rpm's own import refuses more (hdrchkData,
// 256 MiB); the largest real headers (texlive, kernel-devel) are a few MiB.
inline constexpr uint32_t kMaxRpmHeaderDataBytes = 0x0fffffff;
// A whole stored header: preamble, index and store at their maxima.
inline constexpr uint64_t kMaxRpmHeaderBytes =
    8 + uint64_t{kMaxRpmHeaderTags} * 16 + kMaxRpmHeaderDataBytes;
// Files listed for one package: the biggest real packages list ~100k; the
// shared per-record bound stops a store of empty names that would otherwise
// become tens of millions of strings.
inline constexpr size_t kMaxRpmFilesPerPackage = kMaxRecordFields;
// Bytes of all joined file paths of one package. DIRNAMES are shared between
// files, so the joined list can be far larger than the store; a real package
// with 100k files of 100 bytes needs 10 MiB.
inline constexpr size_t kMaxRpmFileListBytes = 64u << 20;

// The values customs reads from one header. Strings are empty when the tag is
// absent.
struct RpmHeader {
  std::string name;               // NAME (1000)
  std::string version;            // VERSION (1001)
  std::string release;            // RELEASE (1002)
  std::optional<uint32_t> epoch;  // EPOCH (1003), absent in most packages
  std::string arch;               // ARCH (1022)
  std::string license;            // LICENSE (1014)
  std::string source_rpm;         // SOURCERPM (1044), "openssl-1.1.1k-6.el8.src.rpm"
  std::string vendor;             // VENDOR (1011)
  std::optional<uint64_t> size;   // SIZE (1009) or LONGSIZE (5009): installed bytes
  std::string sha1_header;        // SHA1HEADER (269), hex digest of the immutable region
  // Absolute paths as rpm stores them ("/usr/bin/bash"), from DIRNAMES +
  // BASENAMES + DIRINDEXES, or the legacy OLDFILENAMES.
  std::vector<std::string> files;
};

// Parses one stored header. Pure. Fails with DataLoss (naming the entry, tag
// and offset) when the blob is truncated or an entry points outside the
// store, with ResourceExhausted when il, dl or the file list is over the
// bounds above, and with InvalidArgument when NAME, VERSION or RELEASE is
// missing. Region tags (61-63) and tags customs does not read are only
// range-checked.
Result<RpmHeader> ParseRpmHeader(std::span<const uint8_t> blob);

// One stored header found in a package database, with the key it was stored
// under (BDB record key, NDB package index, SQLite hnum).
struct RpmHeaderBlob {
  uint32_t id = 0;
  std::vector<uint8_t> bytes;
};

// What a database reader found: the header blobs in database order, and one
// message per record that could not be read (the others still count).
struct RpmDbContents {
  std::vector<RpmHeaderBlob> headers;
  std::vector<std::string> problems;
};

}  // namespace customs::catalog
