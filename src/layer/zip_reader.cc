#include "layer/zip_reader.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "base/byte_reader.h"

namespace customs::layer {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
// isal_inflate counts in uint32_t; feed it at most this much at a time.
constexpr size_t kInflateChunk = 1u << 30;

uint32_t LoadU32Le(std::span<const uint8_t> d, size_t at) {
  return static_cast<uint32_t>(d[at]) | static_cast<uint32_t>(d[at + 1]) << 8 |
         static_cast<uint32_t>(d[at + 2]) << 16 | static_cast<uint32_t>(d[at + 3]) << 24;
}

bool HasSignature(std::span<const uint8_t> d, uint64_t at, uint32_t signature) {
  return ByteReader::Fits(d.size(), at, 4) && LoadU32Le(d, at) == signature;
}

std::string At(uint64_t offset) { return "at offset " + std::to_string(offset); }

struct EndRecord {
  size_t position = 0;   // of the record that ends the central directory
  uint64_t entries = 0;  // as declared
  uint64_t directory_size = 0;
  uint64_t directory_offset = 0;
  bool zip64 = false;
};

// The last end-of-central-directory signature whose comment fits the data.
Result<size_t> FindEnd(std::span<const uint8_t> d) {
  if (d.size() < kEndSize)
    return DataLoss("not a zip archive: " + std::to_string(d.size()) +
                    " bytes is shorter than an end-of-central-directory record");
  size_t last = d.size() - kEndSize;
  size_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (size_t i = last + 1; i-- > first;) {
    if (LoadU32Le(d, i) != kEndSignature) continue;
    size_t comment = static_cast<size_t>(d[i + 20]) | static_cast<size_t>(d[i + 21]) << 8;
    if (comment <= d.size() - i - kEndSize) return i;
  }
  return DataLoss("not a zip archive: no end-of-central-directory record in the last " +
                  std::to_string(d.size() - first) + " bytes");
}

Result<EndRecord> ReadEnd(std::span<const uint8_t> d) {
  CUSTOMS_ASSIGN_OR_RETURN(size_t pos, FindEnd(d));
  ByteReader r(d);
  CUSTOMS_TRY(r.Seek(pos + 4));
  EndRecord end;
  end.position = pos;
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t disk, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t directory_disk, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t disk_entries, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t entries, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t size, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t offset, r.ReadU32Le());
  (void)disk;
  (void)directory_disk;
  (void)disk_entries;
  end.entries = entries;
  end.directory_size = size;
  end.directory_offset = offset;

  // A ZIP64 locator sits right before the end record.
  if (pos < kZip64LocatorSize || !HasSignature(d, pos - kZip64LocatorSize, kZip64LocatorSignature))
    return end;
  size_t locator = pos - kZip64LocatorSize;
  ByteReader lr(d);
  CUSTOMS_TRY(lr.Seek(locator + 8));
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t declared, lr.ReadU64Le());
  // The declared offset does not count bytes prepended to the archive; the
  // record is usually right before the locator, so look there as well.
  std::optional<uint64_t> record;
  if (declared < locator && HasSignature(d, declared, kZip64EndSignature)) {
    record = declared;
  } else if (locator >= kZip64EndSize &&
             HasSignature(d, locator - kZip64EndSize, kZip64EndSignature)) {
    record = locator - kZip64EndSize;
  }
  if (!record)
    return DataLoss("ZIP64 end-of-central-directory locator " + At(locator) +
                    " points to no ZIP64 end record (" + At(declared) + ")");
  ByteReader zr(d);
  CUSTOMS_TRY(zr.Seek(*record + 24), "ZIP64 end record " + At(*record));
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t entries64, zr.ReadU64Le(), "ZIP64 end record");
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t count64, zr.ReadU64Le(), "ZIP64 end record");
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t size64, zr.ReadU64Le(), "ZIP64 end record");
  CUSTOMS_ASSIGN_OR_RETURN(uint64_t offset64, zr.ReadU64Le(), "ZIP64 end record");
  (void)entries64;
  end.position = static_cast<size_t>(*record);
  end.entries = count64;
  end.directory_size = size64;
  end.directory_offset = offset64;
  end.zip64 = true;
  return end;
}

// Replaces 0xffffffff fields with the values of the ZIP64 extra field.
Status ApplyZip64Extra(std::span<const uint8_t> extra, bool need_usize, bool need_csize,
                       bool need_offset, ZipEntry& e, uint64_t entry_offset) {
  ByteReader r(extra);
  while (r.remaining() >= 4) {
    CUSTOMS_ASSIGN_OR_RETURN(uint16_t id, r.ReadU16Le());
    CUSTOMS_ASSIGN_OR_RETURN(uint16_t size, r.ReadU16Le());
    CUSTOMS_ASSIGN_OR_RETURN(auto field, r.ReadBytes(size),
                             "extra field of entry " + At(entry_offset));
    if (id != kZip64ExtraId) continue;
    ByteReader f(field);
    if (need_usize) {
      CUSTOMS_ASSIGN_OR_RETURN(e.uncompressed_size, f.ReadU64Le(),
                               "ZIP64 extra field of entry " + At(entry_offset));
    }
    if (need_csize) {
      CUSTOMS_ASSIGN_OR_RETURN(e.compressed_size, f.ReadU64Le(),
                               "ZIP64 extra field of entry " + At(entry_offset));
    }
    if (need_offset) {
      CUSTOMS_ASSIGN_OR_RETURN(e.local_header_offset, f.ReadU64Le(),
                               "ZIP64 extra field of entry " + At(entry_offset));
    }
    return Status::Ok();
  }
  if (need_usize || need_csize || need_offset)
    return DataLoss("entry " + At(entry_offset) +
                    " has 32-bit fields set to 0xffffffff but no ZIP64 extra field");
  return Status::Ok();
}

Result<ZipEntry> ReadCentralEntry(ByteReader& r, uint64_t base) {
  uint64_t start = r.offset();
  CUSTOMS_TRY(r.Skip(4));  // signature, checked by the caller
  CUSTOMS_TRY(r.Skip(4));  // versions made by / needed
  ZipEntry e;
  CUSTOMS_ASSIGN_OR_RETURN(e.flags, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(e.method, r.ReadU16Le());
  CUSTOMS_TRY(r.Skip(4));  // time, date
  CUSTOMS_ASSIGN_OR_RETURN(e.crc32, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t csize, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t usize, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t name_len, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t extra_len, r.ReadU16Le());
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t comment_len, r.ReadU16Le());
  CUSTOMS_TRY(r.Skip(8));  // disk start, internal and external attributes
  CUSTOMS_ASSIGN_OR_RETURN(uint32_t offset, r.ReadU32Le());
  CUSTOMS_ASSIGN_OR_RETURN(std::string_view name, r.ReadString(name_len));
  CUSTOMS_ASSIGN_OR_RETURN(auto extra, r.ReadBytes(extra_len));
  CUSTOMS_TRY(r.Skip(comment_len));
  e.name = std::string(name);
  e.compressed_size = csize;
  e.uncompressed_size = usize;
  e.local_header_offset = offset;
  constexpr uint32_t kFull = 0xffffffff;
  CUSTOMS_TRY(ApplyZip64Extra(extra, usize == kFull, csize == kFull, offset == kFull, e, start));
  if (e.local_header_offset > UINT64_MAX - base)
    return DataLoss("entry " + At(start) + ": local header offset overflows");
  e.local_header_offset += base;
  return e;
}

std::string InflateError(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK:
      return "invalid block";
    case ISAL_INVALID_SYMBOL:
      return "invalid symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid zlib header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported method";
    case ISAL_INCORRECT_CHECKSUM:
      return "checksum mismatch";
    default:
      return "error " + std::to_string(rc);
  }
}

// Inflates with ISA-L into a buffer that starts at `initial` bytes and grows
// up to `max_bytes`. When the buffer is full at max_bytes, a one-byte probe
// tells a stream that ends there from one that would go on.
Result<std::vector<uint8_t>> InflateImpl(std::span<const uint8_t> in, int crc_flag,
                                         uint64_t max_bytes, uint64_t initial,
                                         std::string_view what) {
  auto state = std::make_unique<inflate_state>();
  isal_inflate_init(state.get());
  state->crc_flag = crc_flag;
  std::vector<uint8_t> out(static_cast<size_t>(std::min(initial, max_bytes)));
  size_t in_pos = 0;
  size_t out_pos = 0;
  uint8_t probe = 0;
  // Every iteration either makes progress (input consumed or output
  // produced) or returns, so the loop ends.
  while (state->block_state != ISAL_BLOCK_FINISH) {
    if (state->avail_in == 0 && in_pos < in.size()) {
      size_t n = std::min(in.size() - in_pos, kInflateChunk);
      state->next_in = const_cast<uint8_t*>(in.data() + in_pos);
      state->avail_in = static_cast<uint32_t>(n);
      in_pos += n;
    }
    bool probing = false;
    if (out_pos == out.size()) {
      if (out.size() >= max_bytes) {
        probing = true;
      } else {
        uint64_t grown = std::max<uint64_t>(out.size() * 2, 64u << 10);
        out.resize(static_cast<size_t>(std::min(grown, max_bytes)));
      }
    }
    uint8_t* next = probing ? &probe : out.data() + out_pos;
    uint32_t room =
        probing ? 1 : static_cast<uint32_t>(std::min(out.size() - out_pos, kInflateChunk));
    state->next_out = next;
    state->avail_out = room;
    uint32_t in_before = state->avail_in;
    int rc = isal_inflate(state.get());
    if (rc < 0)
      return DataLoss(std::string(what) + ": corrupt deflate data (" + InflateError(rc) +
                      ") after " + std::to_string(in_pos - state->avail_in) + " input bytes");
    uint32_t produced = room - state->avail_out;
    uint32_t consumed = in_before - state->avail_in;
    if (probing && produced > 0)
      return ResourceExhausted(std::string(what) + ": inflates to more than " +
                               std::to_string(max_bytes) + " bytes");
    if (!probing) out_pos += produced;
    if (produced == 0 && consumed == 0 && state->block_state != ISAL_BLOCK_FINISH)
      return DataLoss(std::string(what) + ": deflate stream is truncated after " +
                      std::to_string(in.size()) + " input bytes");
  }
  out.resize(out_pos);
  return out;
}

}  // namespace

ZipMember ZipMember::View(std::span<const uint8_t> bytes) {
  ZipMember m;
  m.view_ = bytes;
  return m;
}

ZipMember ZipMember::Owned(std::vector<uint8_t> bytes) {
  ZipMember m;
  m.owned_ = true;
  m.data_ = std::move(bytes);
  return m;
}

Result<ZipArchive> ZipArchive::Parse(std::span<const uint8_t> data, const ZipLimits& limits) {
  CUSTOMS_ASSIGN_OR_RETURN(EndRecord end, ReadEnd(data));
  if (end.entries > limits.max_entries)
    return ResourceExhausted("zip archive declares " + std::to_string(end.entries) +
                             " entries, more than the limit of " +
                             std::to_string(limits.max_entries) + " (kMaxZipEntries)");
  if (end.directory_size > end.position)
    return DataLoss("central directory of " + std::to_string(end.directory_size) +
                    " bytes does not fit before the end record " + At(end.position));
  // Bytes may be prepended to an archive (a launch script, a stub); the
  // offsets inside then miss them. Trust the declared offset when a central
  // directory starts there, else the one implied by where it ends.
  uint64_t base = 0;
  uint64_t directory = end.directory_offset;
  if (end.entries > 0 && !HasSignature(data, directory, kCentralSignature)) {
    uint64_t implied = end.position - end.directory_size;
    if (end.directory_offset > implied || !HasSignature(data, implied, kCentralSignature))
      return DataLoss("central directory offset " + std::to_string(end.directory_offset) +
                      " (end record " + At(end.position) + ") holds no central directory entry");
    base = implied - end.directory_offset;
    directory = implied;
  }
  ZipArchive zip(data, limits);
  ByteReader r(data);
  CUSTOMS_TRY(r.Seek(std::min<uint64_t>(directory, data.size())), "central directory");
  // Read entries while signatures follow: writers that overflow the 16-bit
  // count without ZIP64 leave the count modulo 65536 (checked below).
  zip.entries_.reserve(static_cast<size_t>(std::min<uint64_t>(
      end.entries, (end.position - std::min<uint64_t>(directory, end.position)) / kCentralSize)));
  while (r.offset() < end.position && HasSignature(data, r.offset(), kCentralSignature)) {
    if (zip.entries_.size() >= limits.max_entries)
      return ResourceExhausted("zip archive has more than " + std::to_string(limits.max_entries) +
                               " entries (kMaxZipEntries)");
    CUSTOMS_ASSIGN_OR_RETURN(ZipEntry e, ReadCentralEntry(r, base),
                             "central directory entry " + std::to_string(zip.entries_.size()));
    zip.entries_.push_back(std::move(e));
  }
  uint64_t found = zip.entries_.size();
  bool count_ok = end.zip64 ? found == end.entries : (found & 0xffff) == end.entries;
  if (!count_ok)
    return DataLoss("central directory " + At(directory) + " holds " + std::to_string(found) +
                    " entries, the end record declares " + std::to_string(end.entries));
  return zip;
}

Result<ZipMember> ZipArchive::Read(const ZipEntry& e, uint64_t max_bytes) {
  std::string what = "zip member \"" + e.name + "\"";
  if (e.IsEncrypted()) return Unimplemented(what + " is encrypted");
  if (e.method != kMethodStored && e.method != kMethodDeflate)
    return Unimplemented(what + " uses compression method " + std::to_string(e.method) +
                         " (only stored and deflate are supported)");
  uint64_t cap = std::min(limits_.max_member_bytes, max_bytes);
  if (e.uncompressed_size > cap)
    return ResourceExhausted(what + " is " + std::to_string(e.uncompressed_size) +
                             " bytes, more than the limit of " + std::to_string(cap));
  if (e.uncompressed_size >
      limits_.max_total_bytes - std::min(bytes_read_, limits_.max_total_bytes))
    return ResourceExhausted(what + ": reading it would expand the archive to more than " +
                             std::to_string(limits_.max_total_bytes) +
                             " bytes (kMaxZipTotalBytes)");
  if (e.uncompressed_size > kZipRatioCheckAfterBytes &&
      e.uncompressed_size / std::max<uint64_t>(e.compressed_size, 1) > limits_.max_ratio)
    return ResourceExhausted(what + " declares " + std::to_string(e.uncompressed_size) +
                             " bytes from " + std::to_string(e.compressed_size) +
                             ", a ratio over " + std::to_string(limits_.max_ratio) +
                             " (kMaxZipRatio)");

  ByteReader r(data_);
  CUSTOMS_TRY(r.Seek(std::min<uint64_t>(e.local_header_offset, data_.size())));
  if (!HasSignature(data_, e.local_header_offset, kLocalSignature))
    return DataLoss(what + ": no local header " + At(e.local_header_offset));
  // The name and extra field lengths are the fixed part's last 4 bytes.
  CUSTOMS_TRY(r.Skip(kLocalSize - 4), what + ": local header");
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t name_len, r.ReadU16Le(), what + ": local header");
  CUSTOMS_ASSIGN_OR_RETURN(uint16_t extra_len, r.ReadU16Le(), what + ": local header");
  CUSTOMS_TRY(r.Skip(static_cast<size_t>(name_len) + extra_len), what + ": local header");
  uint64_t start = r.offset();
  if (!ByteReader::Fits(data_.size(), start, e.compressed_size))
    return DataLoss(what + ": " + std::to_string(e.compressed_size) + " compressed bytes " +
                    At(start) + " run past the end of the archive (" +
                    std::to_string(data_.size()) + " bytes)");
  auto compressed =
      data_.subspan(static_cast<size_t>(start), static_cast<size_t>(e.compressed_size));

  ZipMember member;
  if (e.method == kMethodStored) {
    if (e.compressed_size != e.uncompressed_size)
      return DataLoss(what + " is stored but its sizes differ (" +
                      std::to_string(e.compressed_size) + " and " +
                      std::to_string(e.uncompressed_size) + ")");
    member = ZipMember::View(compressed);
  } else {
    auto out =
        InflateImpl(compressed, ISAL_DEFLATE, e.uncompressed_size, e.uncompressed_size, what);
    if (!out.ok()) {
      if (out.status().code() == StatusCode::kResourceExhausted)
        return DataLoss(what + " inflates to more than its declared " +
                        std::to_string(e.uncompressed_size) + " bytes");
      return std::move(out).status();
    }
    if (out->size() != e.uncompressed_size)
      return DataLoss(what + " inflates to " + std::to_string(out->size()) +
                      " bytes, its entry declares " + std::to_string(e.uncompressed_size));
    member = ZipMember::Owned(std::move(*out));
  }
  auto bytes = member.bytes();
  uint32_t crc = bytes.empty() ? 0 : crc32_gzip_refl(0, bytes.data(), bytes.size());
  if (crc != e.crc32)
    return DataLoss(what + ": CRC-32 mismatch (computed " + std::to_string(crc) + ", entry has " +
                    std::to_string(e.crc32) + ")");
  bytes_read_ += e.uncompressed_size;
  return member;
}

Result<std::vector<uint8_t>> Inflate(std::span<const uint8_t> in, DeflateWrapper wrapper,
                                     uint64_t max_bytes, std::string_view what) {
  int flag = wrapper == DeflateWrapper::kZlib ? ISAL_ZLIB : ISAL_DEFLATE;
  // The output size is unknown: start near a typical ratio and grow.
  uint64_t initial = std::min<uint64_t>(static_cast<uint64_t>(in.size()) * 4, 1u << 20);
  return InflateImpl(in, flag, max_bytes, initial, what);
}

}  // namespace customs::layer
