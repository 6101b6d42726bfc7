// A bounded reader of ZIP archives held in memory (jar, war, ear, ...), and
// the raw-deflate / zlib inflater it uses.
//
// Pure: the archive bytes and limits in, entries and member bytes out; no IO.
// The reader trusts nothing in the archive: every offset and size is checked
// against the buffer before use, entry counts, member sizes, the expansion
// ratio and the total bytes produced are capped (zip bombs), and entry names
// are kept as the bytes they are, never used as host paths.
//
//   CUSTOMS_ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::Parse(bytes));
//   for (const ZipEntry& e : zip.entries())
//     if (e.name == "META-INF/MANIFEST.MF") {
//       CUSTOMS_ASSIGN_OR_RETURN(ZipMember m, zip.Read(e, 1 << 20));
//       Use(m.text());
//     }
//
// Supported: the end of central directory record (with a comment and with
// bytes prepended to the archive, as in self-extracting or "fully
// executable" Spring Boot jars), ZIP64 end records and ZIP64 extra fields,
// members stored (method 0) or deflated (method 8). Encrypted members, other
// methods and multi-disk archives are Unimplemented.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace customs::layer {

// Entries in one archive: the largest real jars (fat jars of big
// applications) hold ~100k entries; a million stops a central directory
// built only to fill memory with entry records.
inline constexpr size_t kMaxZipEntries = 1'000'000;
// Bytes one member may expand to. Nested jars inside a Spring Boot jar are
// tens of MiB at most; 256 MiB matches the largest archive we read.
inline constexpr uint64_t kMaxZipMemberBytes = 256ull << 20;
// Bytes all members read from one archive may expand to together: stops
// archives whose entries overlap the same compressed data (the
// "non-recursive" zip bomb) from multiplying the work.
inline constexpr uint64_t kMaxZipTotalBytes = 1ull << 30;
// Declared expansion ratio of one member. Deflate cannot honestly exceed
// about 1032:1, so a larger declared ratio is a bomb or a lie.
inline constexpr uint64_t kMaxZipRatio = 1100;
// Members smaller than this skip the ratio check: a few KiB of zeros
// compress to almost nothing and are harmless.
inline constexpr uint64_t kZipRatioCheckAfterBytes = 1u << 20;

struct ZipLimits {
  size_t max_entries = kMaxZipEntries;
  uint64_t max_member_bytes = kMaxZipMemberBytes;
  uint64_t max_total_bytes = kMaxZipTotalBytes;
  uint64_t max_ratio = kMaxZipRatio;
};

// One central directory entry, sizes and offsets already taken from the
// ZIP64 extra field where the 32-bit fields say so.
struct ZipEntry {
  std::string name;  // as stored; untrusted, may contain "..", "/", anything
  uint16_t method = 0;
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  // Offset of the local header inside the buffer given to Parse (any
  // prepended bytes already added).
  uint64_t local_header_offset = 0;

  bool IsDirectory() const { return !name.empty() && name.back() == '/'; }
  bool IsEncrypted() const { return (flags & 0x1) != 0; }
};

// A member's content: a view into the archive for stored members, an owned
// buffer for inflated ones. A view is valid as long as the archive bytes.
class ZipMember {
 public:
  ZipMember() = default;
  static ZipMember View(std::span<const uint8_t> bytes);
  static ZipMember Owned(std::vector<uint8_t> bytes);

  std::span<const uint8_t> bytes() const {
    return owned_ ? std::span<const uint8_t>(data_) : view_;
  }
  std::string_view text() const {
    auto b = bytes();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

 private:
  bool owned_ = false;
  std::vector<uint8_t> data_;
  std::span<const uint8_t> view_;
};

class ZipArchive {
 public:
  // Reads the end records and the whole central directory. `data` must
  // outlive the archive and every view member read from it. DataLoss when
  // the records are missing, truncated or point outside the data;
  // ResourceExhausted when there are more than max_entries entries.
  static Result<ZipArchive> Parse(std::span<const uint8_t> data, const ZipLimits& limits = {});

  const std::vector<ZipEntry>& entries() const { return entries_; }

  // Reads one member (an entry of this archive). `max_bytes` caps its size
  // below the limits (the caller's own budget). ResourceExhausted over a
  // cap, the ratio or the archive's total; DataLoss when the local header,
  // the compressed data, the size or the CRC-32 is wrong; Unimplemented for
  // encrypted members and methods other than stored and deflate.
  Result<ZipMember> Read(const ZipEntry& entry,
                         uint64_t max_bytes = std::numeric_limits<uint64_t>::max());

  // Bytes produced by Read so far (stored and inflated).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  ZipArchive(std::span<const uint8_t> data, const ZipLimits& limits)
      : data_(data), limits_(limits) {}

  std::span<const uint8_t> data_;
  ZipLimits limits_;
  std::vector<ZipEntry> entries_;
  uint64_t bytes_read_ = 0;
};

enum class DeflateWrapper { kRaw, kZlib };

// Inflates a whole deflate stream (raw, or in a zlib wrapper whose Adler-32
// is checked). ResourceExhausted when the output would exceed `max_bytes`;
// DataLoss when the stream is corrupt or ends early. Trailing bytes after
// the stream are ignored. `what` names the data in errors.
Result<std::vector<uint8_t>> Inflate(std::span<const uint8_t> in, DeflateWrapper wrapper,
                                     uint64_t max_bytes, std::string_view what);

}  // namespace customs::layer
