#include "layer/tar_reader.h"

#include <cstring>

#include "base/strings.h"

namespace customs::layer {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kBufferBytes = 1 << 20;

std::string_view Field(const uint8_t* h, size_t off, size_t len) {
  const char* p = reinterpret_cast<const char*>(h + off);
  size_t n = 0;
  while (n < len && p[n] != '\0') ++n;
  return {p, n};
}

// Octal ASCII (with spaces/NULs), or base-256 when the top bit is set.
Result<uint64_t> ParseNumber(const uint8_t* h, size_t off, size_t len, std::string_view what) {
  const uint8_t* p = h + off;
  if (p[0] & 0x80) {
    if (p[0] == 0xff) return InvalidArgument(std::string(what) + ": negative base-256 number");
    uint64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return InvalidArgument(std::string(what) + ": base-256 number overflows");
      v = (v << 8) | p[i];
    }
    return v;
  }
  uint64_t v = 0;
  size_t i = 0;
  while (i < len && (p[i] == ' ' || p[i] == '\0')) ++i;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return InvalidArgument(std::string(what) + ": octal number overflows");
    v = v * 8 + (p[i] - '0');
  }
  for (; i < len; ++i)
    if (p[i] != ' ' && p[i] != '\0')
      return InvalidArgument(std::string(what) + ": invalid character in octal field");
  return v;
}

bool IsZeroBlock(const uint8_t* h) {
  for (size_t i = 0; i < kBlock; ++i)
    if (h[i] != 0) return false;
  return true;
}

// The sum of the header's bytes with the checksum field (148..155) counted
// as spaces; unsigned as POSIX says, signed as some old writers did. Plain
// loops over the two ranges, which the compiler vectorizes.
bool ChecksumMatches(const uint8_t* h, uint64_t stored) {
  uint32_t unsigned_sum = 8 * ' ';
  for (size_t i = 0; i < 148; ++i) unsigned_sum += h[i];
  for (size_t i = 156; i < kBlock; ++i) unsigned_sum += h[i];
  if (stored == unsigned_sum) return true;
  int32_t signed_sum = 8 * ' ';
  for (size_t i = 0; i < 148; ++i) signed_sum += static_cast<int8_t>(h[i]);
  for (size_t i = 156; i < kBlock; ++i) signed_sum += static_cast<int8_t>(h[i]);
  return static_cast<int64_t>(stored) == signed_sum;
}

Result<uint64_t> ParseDecimal(std::string_view s, std::string_view what) {
  if (s.empty() || s.size() > 19)
    return InvalidArgument("pax " + std::string(what) + ": bad number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return InvalidArgument("pax " + std::string(what) + ": bad number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParsePaxRecords(std::string_view data) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == '\0') break;  // some writers pad with NULs
    size_t space = data.find(' ', pos);
    if (space == std::string_view::npos || space - pos > 19)
      return InvalidArgument("pax record at byte " + std::to_string(pos) + ": no length");
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t len, ParseDecimal(data.substr(pos, space - pos), "length"));
    if (len <= space - pos + 1 || len > data.size() - pos)
      return InvalidArgument("pax record at byte " + std::to_string(pos) + ": bad length");
    std::string_view rec = data.substr(space + 1, len - (space - pos) - 1);
    if (rec.empty() || rec.back() != '\n')
      return InvalidArgument("pax record at byte " + std::to_string(pos) + ": no newline");
    rec.remove_suffix(1);
    size_t eq = rec.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument("pax record at byte " + std::to_string(pos) + ": no '='");
    out.emplace_back(std::string(rec.substr(0, eq)), std::string(rec.substr(eq + 1)));
    pos += len;
  }
  return out;
}

TarReader::TarReader(ByteStream& in, const Limits& limits, std::string what)
    : in_(in), limits_(limits), what_(std::move(what)) {}

Result<size_t> TarReader::Fill() {
  buf_pos_ = buf_end_ = 0;
  size_t n;
  if (in_.Viewable()) {
    CUSTOMS_ASSIGN_OR_RETURN(auto view, in_.View(kBufferBytes));
    data_ = view.data();
    n = view.size();
  } else {
    if (buf_.empty()) buf_.resize(kBufferBytes);
    CUSTOMS_ASSIGN_OR_RETURN(n, in_.Read(std::span<uint8_t>(buf_.data(), buf_.size())));
    data_ = buf_.data();
  }
  if (n == 0) eof_ = true;
  buf_end_ = n;
  return n;
}

Result<size_t> TarReader::ReadRaw(std::span<uint8_t> out) {
  if (buf_pos_ == buf_end_) {
    if (eof_) return size_t{0};
    // Large reads go straight into the caller's buffer.
    if (out.size() >= kBufferBytes && !in_.Viewable()) {
      CUSTOMS_ASSIGN_OR_RETURN(size_t n, in_.Read(out));
      if (n == 0) eof_ = true;
      offset_ += n;
      return n;
    }
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, Fill());
    if (n == 0) return size_t{0};
  }
  size_t n = std::min(out.size(), buf_end_ - buf_pos_);
  std::memcpy(out.data(), data_ + buf_pos_, n);
  buf_pos_ += n;
  offset_ += n;
  return n;
}

Status TarReader::ReadExact(std::span<uint8_t> out, std::string_view what) {
  size_t got = 0;
  while (got < out.size()) {
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, ReadRaw(out.subspan(got)));
    if (n == 0)
      return DataLoss(what_ + ": truncated tar: " + std::string(what) + " ends at offset " +
                      std::to_string(offset_));
    got += n;
  }
  return Status::Ok();
}

Status TarReader::SkipBytes(uint64_t n) {
  while (n > 0) {
    if (buf_pos_ < buf_end_) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, buf_end_ - buf_pos_));
      buf_pos_ += k;
      offset_ += k;
      n -= k;
      continue;
    }
    if (eof_) break;
    if (n >= kBufferBytes) {
      // Whole buffers' worth: let the stream skip (seek when it can).
      uint64_t whole = n - n % kBlock;
      Status s = in_.Skip(whole);
      if (!s.ok()) {
        eof_ = true;
        return std::move(s).WithContext(what_ + ": skipping entry content at offset " +
                                        std::to_string(offset_));
      }
      offset_ += whole;
      n -= whole;
      continue;
    }
    CUSTOMS_ASSIGN_OR_RETURN(size_t got, Fill());
    if (got == 0) break;
  }
  if (n > 0)
    return DataLoss(what_ + ": truncated tar: entry content ends at offset " +
                    std::to_string(offset_) + ", " + std::to_string(n) + " bytes missing");
  return Status::Ok();
}

Result<std::string> TarReader::ReadLongField(uint64_t size, std::string_view what) {
  if (size > kMaxTarExtendedHeaderBytes)
    return ResourceExhausted(what_ + ": " + std::string(what) + " of " + std::to_string(size) +
                             " bytes at offset " + std::to_string(offset_) +
                             " exceeds the limit of " + std::to_string(kMaxTarExtendedHeaderBytes));
  std::string data(static_cast<size_t>(size), '\0');
  CUSTOMS_TRY(
      ReadExact(std::span<uint8_t>(reinterpret_cast<uint8_t*>(data.data()), data.size()), what));
  CUSTOMS_TRY(SkipBytes((kBlock - size % kBlock) % kBlock));
  return data;
}

Result<size_t> TarReader::ReadContent(std::span<uint8_t> out) {
  if (remaining_ == 0 || out.empty()) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
  CUSTOMS_ASSIGN_OR_RETURN(size_t n, ReadRaw(out.first(want)));
  if (n == 0)
    return DataLoss(what_ + ": truncated tar: entry content ends at offset " +
                    std::to_string(offset_));
  remaining_ -= n;
  return n;
}

Status TarReader::Drain() {
  while (!eof_) {
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, Fill());
    offset_ += n;
  }
  return Status::Ok();
}

Result<bool> TarReader::Next(TarEntry& entry) {
  CUSTOMS_TRY(SkipBytes(remaining_));
  remaining_ = 0;
  // The padding after the last entry may be missing when a writer stopped
  // without closing the archive (umoci 0.4.7 does for large inserts): the
  // content is complete and covered by the digest, so a stream that ends
  // inside that padding ends the archive.
  uint64_t padding = padding_;
  padding_ = 0;
  while (padding > 0) {
    uint8_t pad[kBlock];
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, ReadRaw(std::span<uint8_t>(pad, padding)));
    if (n == 0) return false;
    padding -= n;
  }

  std::string long_name, long_link;
  std::vector<std::pair<std::string, std::string>> pax;
  bool have_pax = false;
  uint8_t h[kBlock];
  while (true) {
    uint64_t header_offset = offset_;
    // End of stream at a header boundary ends the archive (some writers
    // omit the end blocks).
    size_t got = 0;
    while (got < kBlock) {
      CUSTOMS_ASSIGN_OR_RETURN(size_t n, ReadRaw(std::span<uint8_t>(h + got, kBlock - got)));
      if (n == 0) break;
      got += n;
    }
    if (got == 0) {
      if (!long_name.empty() || have_pax)
        return DataLoss(what_ + ": truncated tar: extended header without entry");
      return false;
    }
    if (got < kBlock)
      return DataLoss(what_ + ": truncated tar header at offset " + std::to_string(header_offset));
    if (IsZeroBlock(h)) return false;  // end of archive; Drain() reads the rest

    if (++entries_ > limits_.max_layer_entries)
      return ResourceExhausted(what_ + ": more than " + std::to_string(limits_.max_layer_entries) +
                               " tar entries (limit max-layer-entries)");
    std::string at = " at offset " + std::to_string(header_offset);
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t chksum, ParseNumber(h, 148, 8, "checksum"), what_ + at);
    if (!ChecksumMatches(h, chksum))
      return DataLoss(what_ + ": tar header checksum mismatch" + at + " (not a tar, or corrupt)");
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t size, ParseNumber(h, 124, 12, "size"), what_ + at);
    char typeflag = static_cast<char>(h[156]);

    if (typeflag == 'L' || typeflag == 'K') {
      CUSTOMS_ASSIGN_OR_RETURN(std::string v, ReadLongField(size, "GNU long name"));
      auto nul = v.find('\0');
      if (nul != std::string::npos) v.resize(nul);
      (typeflag == 'L' ? long_name : long_link) = std::move(v);
      continue;
    }
    if (typeflag == 'x' || typeflag == 'g') {
      CUSTOMS_ASSIGN_OR_RETURN(std::string v, ReadLongField(size, "pax header"));
      CUSTOMS_ASSIGN_OR_RETURN(auto records, ParsePaxRecords(v), what_ + at);
      if (typeflag == 'g') {
        global_pax_ = std::move(records);
      } else {
        pax = std::move(records);
        have_pax = true;
      }
      continue;
    }

    entry = TarEntry();
    entry.header_offset = header_offset;
    std::string_view magic = Field(h, 257, 6);
    std::string name(Field(h, 0, 100));
    if (magic == "ustar" && h[262] == '\0') {  // POSIX ustar: prefix field
      std::string_view prefix = Field(h, 345, 155);
      if (!prefix.empty()) name = std::string(prefix) + "/" + name;
    }
    entry.name = long_name.empty() ? std::move(name) : std::move(long_name);
    entry.link_name = long_link.empty() ? std::string(Field(h, 157, 100)) : std::move(long_link);
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t mode, ParseNumber(h, 100, 8, "mode"), what_ + at);
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t uid, ParseNumber(h, 108, 8, "uid"), what_ + at);
    CUSTOMS_ASSIGN_OR_RETURN(uint64_t gid, ParseNumber(h, 116, 8, "gid"), what_ + at);
    entry.mode = static_cast<uint32_t>(mode & 07777);
    entry.uid = static_cast<uint32_t>(uid);
    entry.gid = static_cast<uint32_t>(gid);
    entry.size = size;
    entry.typeflag = typeflag;
    for (const auto* list : {&global_pax_, &pax}) {
      for (const auto& [k, v] : *list) {
        if (k == "path") {
          entry.name = v;
        } else if (k == "linkpath") {
          entry.link_name = v;
        } else if (k == "size") {
          CUSTOMS_ASSIGN_OR_RETURN(entry.size, ParseDecimal(v, "size"), what_ + at);
        } else if (k == "uid") {
          CUSTOMS_ASSIGN_OR_RETURN(uint64_t u, ParseDecimal(v, "uid"), what_ + at);
          entry.uid = static_cast<uint32_t>(u);
        } else if (k == "gid") {
          CUSTOMS_ASSIGN_OR_RETURN(uint64_t g, ParseDecimal(v, "gid"), what_ + at);
          entry.gid = static_cast<uint32_t>(g);
        }
      }
    }
    switch (typeflag) {
      case '0':
      case '\0':
      case '7':
        entry.type = FileType::kRegular;
        break;
      case '1':
        entry.type = FileType::kHardlink;
        break;
      case '2':
        entry.type = FileType::kSymlink;
        break;
      case '5':
        entry.type = FileType::kDirectory;
        break;
      default:
        entry.type = FileType::kOther;  // devices, fifos, sparse, unknown
        break;
    }
    // Only regular files (and unknown types, conservatively) carry content;
    // a hardlink or symlink with a size field set has none in practice, but
    // the bytes are there to skip all the same.
    remaining_ = entry.size;
    padding_ = (kBlock - entry.size % kBlock) % kBlock;
    if (entry.type != FileType::kRegular && entry.type != FileType::kOther) {
      // ustar: size of links and dirs is 0; honour a non-zero one by skipping.
      entry.size = remaining_;
    }
    return true;
  }
}

}  // namespace customs::layer
