// Pull-based byte streams: files, byte ranges of files, memory, and a stream
// that hashes what passes through it. Image sources hand out blobs as
// streams; the layer reader stacks decompression and hashing on them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/digest.h"
#include "base/status.h"

namespace customs {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to out.size() bytes; 0 means end of stream. Short reads are
  // allowed before the end.
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
  // Skips n bytes; DataLoss when the stream ends first. The default reads
  // (or views) through, so hashing streams see every byte; seekable streams
  // override.
  virtual Status Skip(uint64_t n);
  // Streams that already hold their bytes in memory can hand them out
  // without a copy: View returns the next bytes (at most `max`; empty at the
  // end), valid until the next call on the stream. Only where Viewable().
  virtual bool Viewable() const { return false; }
  virtual Result<std::span<const uint8_t>> View(size_t max);
};

// An open file, shared by the streams over its byte ranges. Move-only.
class OpenFile {
  struct Key {};  // only Open() constructs

 public:
  static Result<std::shared_ptr<OpenFile>> Open(const std::string& path);
  OpenFile(Key, int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // pread; thread-safe.
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) const;

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
};

// Reads [offset, offset + length) of a file. A file shorter than that is a
// DataLoss error ("truncated") at the point the bytes run out.
class FileRangeStream : public ByteStream {
 public:
  FileRangeStream(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length)
      : file_(std::move(file)), pos_(offset), end_(offset + length) {}
  Result<size_t> Read(std::span<uint8_t> out) override;
  Status Skip(uint64_t n) override;

 private:
  std::shared_ptr<const OpenFile> file_;
  uint64_t pos_;
  uint64_t end_;
};

class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Passes bytes through while hashing them. At end of stream it compares the
// digest with `expected` (when not empty) and fails with DataLoss naming
// `what` on a mismatch, so nothing downstream sees the end of a bad blob as
// success.
class HashingStream : public ByteStream {
 public:
  HashingStream(std::unique_ptr<ByteStream> inner, Digest expected, std::string what)
      : inner_(std::move(inner)), expected_(std::move(expected)), what_(std::move(what)) {}
  Result<size_t> Read(std::span<uint8_t> out) override;
  // Passes the inner stream's views through, hashing them.
  bool Viewable() const override { return inner_->Viewable(); }
  Result<std::span<const uint8_t>> View(size_t max) override;
  uint64_t bytes() const { return bytes_; }
  // Valid after the end of stream was read.
  const Digest& actual() const { return actual_; }

 private:
  std::unique_ptr<ByteStream> inner_;
  Digest expected_;
  std::string what_;
  Sha256 hash_;
  Digest actual_;
  // Hashes the bytes, or at the end (none) checks the digest.
  Status Take(std::span<const uint8_t> bytes);

  uint64_t bytes_ = 0;
  bool done_ = false;
};

// DataLoss "WHAT: digest mismatch: expected E, got A" when `expected` is set
// and differs from `actual`; Ok otherwise.
Status CheckDigest(const Digest& expected, const Digest& actual, const std::string& what);

// Reads the whole stream into a string, failing past max_bytes.
Result<std::string> ReadAll(ByteStream& in, size_t max_bytes, std::string_view what);

}  // namespace customs
