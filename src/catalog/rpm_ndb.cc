#include "catalog/rpm_ndb.h"

#include <algorithm>
#include <set>
#include <string>

#include "base/byte_reader.h"
#include "base/limits.h"

namespace customs::catalog {
namespace {

// Layout facts from rpm's lib/backend/ndb/rpmpkg.c.
constexpr uint32_t kHeaderMagic = 'R' | 'p' << 8 | 'm' << 16 | uint32_t{'P'} << 24;
constexpr uint32_t kSlotMagic = 'S' | 'l' << 8 | 'o' << 16 | uint32_t{'t'} << 24;
constexpr uint32_t kBlobMagic = 'B' | 'l' << 8 | 'b' << 16 | uint32_t{'S'} << 24;
constexpr uint32_t kBlobTailMagic = 'B' | 'l' << 8 | 'b' << 16 | uint32_t{'E'} << 24;
constexpr uint32_t kVersion = 0;
constexpr size_t kPageBytes = 4096;
constexpr size_t kFileHeaderBytes = 32;  // occupies the first two slots
constexpr size_t kSlotBytes = 16;        // {magic, pkgidx, blkoff, blkcnt}
constexpr size_t kBlockBytes = 16;       // blob offsets and sizes count blocks
constexpr size_t kBlobHeaderBytes = 16;  // {magic, pkgidx, generation, length}
constexpr size_t kBlobTailBytes = 12;    // {adler32, length, magic}

uint32_t Adler32(std::span<const uint8_t> data) {
  constexpr uint32_t kMod = 65521;
  constexpr size_t kChunk = 5552;  // largest run before the sums can overflow
  uint32_t a = 1, b = 0;
  while (!data.empty()) {
    size_t n = std::min(data.size(), kChunk);
    for (size_t i = 0; i < n; ++i) {
      a += data[i];
      b += a;
    }
    a %= kMod;
    b %= kMod;
    data = data.subspan(n);
  }
  return (b << 16) | a;
}

std::string SlotWhere(size_t offset, uint32_t pkg) {
  return "NDB slot at offset " + std::to_string(offset) + " (package " + std::to_string(pkg) + ")";
}

// Reads the blob a slot points to; the error says what is wrong with it.
Result<RpmHeaderBlob> ReadBlob(std::span<const uint8_t> file, uint32_t pkg, uint32_t blk_offset,
                               uint32_t blk_count) {
  uint64_t offset = uint64_t{blk_offset} * kBlockBytes;
  uint64_t size = uint64_t{blk_count} * kBlockBytes;
  if (!ByteReader::Fits(file.size(), offset, size))
    return DataLoss("blob at offset " + std::to_string(offset) + " of " + std::to_string(size) +
                    " bytes runs past the end of the file (" + std::to_string(file.size()) +
                    " bytes)");
  if (size < kBlobHeaderBytes + kBlobTailBytes)
    return DataLoss("blob at offset " + std::to_string(offset) + " of " + std::to_string(size) +
                    " bytes is too small for its header and tail");
  auto blob = file.subspan(offset, size);
  ByteReader r(blob);
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t magic, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t blob_pkg, r.ReadU32Le());
  CUSTOMS_TRY(r.Skip(4));  // generation
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t length, r.ReadU32Le());
  if (magic != kBlobMagic)
    return DataLoss("blob at offset " + std::to_string(offset) + " has no BlbS magic");
  if (blob_pkg != pkg)
    return DataLoss("blob at offset " + std::to_string(offset) + " belongs to package " +
                    std::to_string(blob_pkg));
  if (uint64_t{length} > size - kBlobHeaderBytes - kBlobTailBytes)
    return DataLoss("blob at offset " + std::to_string(offset) + " says " + std::to_string(length) +
                    " bytes but its " + std::to_string(blk_count) + " blocks hold at most " +
                    std::to_string(size - kBlobHeaderBytes - kBlobTailBytes));
  CUSTOMS_TRY(r.Seek(size - kBlobTailBytes));
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t checksum, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t tail_length, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t tail_magic, r.ReadU32Le());
  if (tail_magic != kBlobTailMagic || tail_length != length)
    return DataLoss("blob at offset " + std::to_string(offset) +
                    " has a tail that does not match its header");
  uint32_t actual = Adler32(blob.first(size - kBlobTailBytes));
  if (actual != checksum)
    return DataLoss("blob at offset " + std::to_string(offset) + " fails its Adler-32 check");
  auto data = blob.subspan(kBlobHeaderBytes, length);
  RpmHeaderBlob out;
  out.id = pkg;
  out.bytes.assign(data.begin(), data.end());
  return out;
}

}  // namespace

Result<RpmDbContents> ParseRpmNdb(std::span<const uint8_t> file) {
  ByteReader r(file);
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t magic, r.ReadU32Le(), "NDB header");
  if (magic != kHeaderMagic) return InvalidArgument("not an rpm NDB database: no RpmP magic");
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t version, r.ReadU32Le(), "NDB header");
  if (version != kVersion) return Unimplemented("NDB database version " + std::to_string(version));
  CUSTOMS_TRY(r.Skip(4), "NDB header");  // generation
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t slot_pages, r.ReadU32Le(), "NDB header");
  if (slot_pages == 0) return DataLoss("NDB header names no slot pages");
  uint64_t slot_end = uint64_t{slot_pages} * kPageBytes;
  if (slot_end > file.size())
    return DataLoss("NDB header names " + std::to_string(slot_pages) +
                    " slot pages but the file holds " + std::to_string(file.size()) + " bytes");

  RpmDbContents out;
  std::set<uint32_t> seen;
  uint64_t blob_bytes = 0;
  size_t used_slots = 0;
  for (size_t off = kFileHeaderBytes; off + kSlotBytes <= slot_end; off += kSlotBytes) {
    CUSTOMS_TRY(r.Seek(off));
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t slot_magic, r.ReadU32Le());
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t pkg, r.ReadU32Le());
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t blk_offset, r.ReadU32Le());
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t blk_count, r.ReadU32Le());
    if (slot_magic != kSlotMagic) {
      out.problems.push_back(SlotWhere(off, pkg) + ": no Slot magic");
      continue;
    }
    if (pkg == 0 || blk_offset == 0) continue;  // free slot
    if (++used_slots > kMaxPackagesPerDb)
      return ResourceExhausted("NDB database holds more than kMaxPackagesPerDb (" +
                               std::to_string(kMaxPackagesPerDb) + ") packages");
    if (!seen.insert(pkg).second) {
      out.problems.push_back(SlotWhere(off, pkg) + ": package index used by an earlier slot");
      continue;
    }
    uint64_t size = uint64_t{blk_count} * kBlockBytes;
    if (!ByteReader::Fits(file.size(), uint64_t{blk_offset} * kBlockBytes, size)) {
      out.problems.push_back(SlotWhere(off, pkg) + ": blob at block " + std::to_string(blk_offset) +
                             " of " + std::to_string(blk_count) +
                             " blocks runs past the end of the file");
      continue;
    }
    // Valid blobs are disjoint and lie after the slot pages, so together
    // they are smaller than the file; anything more is overlap.
    blob_bytes += size;
    if (blob_bytes > file.size())
      return DataLoss(SlotWhere(off, pkg) + ": blobs add up to more than the file; they overlap");
    auto blob = ReadBlob(file, pkg, blk_offset, blk_count);
    if (!blob.ok()) {
      out.problems.push_back(SlotWhere(off, pkg) + ": " + blob.status().message());
      continue;
    }
    out.headers.push_back(std::move(*blob));
  }
  return out;
}

}  // namespace customs::catalog
