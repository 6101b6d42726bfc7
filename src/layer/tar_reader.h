// A streaming tar reader for layer tarballs: ustar, GNU (long names 'L'/'K',
// base-256 numbers) and POSIX pax ('x', 'g') headers. It reads strictly
// forward through a ByteStream, so every byte of the layer passes once.
//
//   TarReader tar(stream, limits, "layer sha256:ab..");
//   TarEntry e;
//   while (true) {
//     CUSTOMS_ASSIGN_OR_RETURN(bool more, tar.Next(e));
//     if (!more) break;
//     ... tar.ReadContent(buf) ...   // optional; Next() skips the rest
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/limits.h"
#include "base/stream.h"
#include "layer/analyzer.h"

namespace customs::layer {

struct TarEntry {
  std::string name;  // as recorded (after pax/GNU overrides), not normalised
  FileType type = FileType::kRegular;
  uint64_t size = 0;  // content bytes that follow the header
  uint32_t mode = 0;
  uint32_t uid = 0, gid = 0;
  std::string link_name;
  char typeflag = 0;           // the header's typeflag ('0', '5', '6', ...)
  uint64_t header_offset = 0;  // where the entry's first header starts
};

class TarReader {
 public:
  // `what` names the stream in errors ("layer 2 (sha256:...)").
  TarReader(ByteStream& in, const Limits& limits, std::string what);

  // Advances to the next entry, skipping unread content of the current one.
  // Returns false at the end of the archive (two zero blocks, or end of
  // stream at a header boundary). Errors name the byte offset.
  Result<bool> Next(TarEntry& entry);
  // Reads content of the current entry; 0 at its end.
  Result<size_t> ReadContent(std::span<uint8_t> out);
  // Reads on to the end of the underlying stream (the padding after the end
  // blocks), so that a wrapping HashingStream sees every byte.
  Status Drain();

  uint64_t offset() const { return offset_; }

 private:
  // Refills the buffer: a view of the stream's own memory where it has one,
  // else a read into buf_. 0 at the end of the stream.
  Result<size_t> Fill();
  Result<size_t> ReadRaw(std::span<uint8_t> out);
  Status ReadExact(std::span<uint8_t> out, std::string_view what);
  Status SkipBytes(uint64_t n);
  Result<std::string> ReadLongField(uint64_t size, std::string_view what);

  ByteStream& in_;
  Limits limits_;
  std::string what_;
  std::vector<uint8_t> buf_;       // allocated on first use: views need none
  const uint8_t* data_ = nullptr;  // buf_ or the stream's view
  size_t buf_pos_ = 0, buf_end_ = 0;
  bool eof_ = false;
  uint64_t offset_ = 0;     // bytes consumed from the stream
  uint64_t remaining_ = 0;  // content bytes left in the current entry
  uint64_t padding_ = 0;    // padding after the current entry's content
  uint64_t entries_ = 0;
  // Global pax records ('g') apply to every following entry.
  std::vector<std::pair<std::string, std::string>> global_pax_;
};

// Parses pax extended header records "LEN key=value\n"; pure, bounded.
Result<std::vector<std::pair<std::string, std::string>>> ParsePaxRecords(std::string_view data);

}  // namespace customs::layer
