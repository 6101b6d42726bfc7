// Runs a ByteStream on a thread of its own and hands its bytes over through a
// small bounded queue, so that producing (reading, hashing, inflating) and
// consuming (hashing, parsing) overlap on two cores. Memory is bounded by
// kPipeChunks * kPipeChunkBytes.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/digest.h"
#include "base/stream.h"

namespace customs {

class PipeStream : public ByteStream {
 public:
  static constexpr size_t kPipeChunks = 4;
  static constexpr size_t kPipeChunkBytes = 1 << 20;

  // Starts reading `source` on a new thread at once.
  explicit PipeStream(std::unique_ptr<ByteStream> source);
  // Stops the producer (it finishes its current read) and joins it.
  ~PipeStream() override;
  PipeStream(const PipeStream&) = delete;
  PipeStream& operator=(const PipeStream&) = delete;

  // Bytes in the order the source produced them; the source's error, if
  // any, once everything before it was read.
  Result<size_t> Read(std::span<uint8_t> out) override;
  // A view into the front chunk, which stays queued until the next call.
  // Skip (ByteStream's, through views) copies nothing.
  bool Viewable() const override { return true; }
  Result<std::span<const uint8_t>> View(size_t max) override;

 private:
  // Buffers are recycled through free_, so a long stream costs
  // kPipeChunks + 1 allocations, not one (zeroed, page-faulted) per megabyte.
  struct Chunk {
    std::unique_ptr<uint8_t[]> data;
    size_t size = 0;
    size_t pos = 0;
  };
  void Produce();
  // Waits for a chunk with bytes left (recycling a used-up front chunk);
  // nullptr at the end of the stream. Called with mu_ held by `lock`.
  Result<Chunk*> Front(std::unique_lock<std::mutex>& lock);

  std::unique_ptr<ByteStream> source_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_;                       // guarded by mu_
  std::vector<std::unique_ptr<uint8_t[]>> free_;  // guarded by mu_
  bool done_ = false;                             // guarded by mu_: the source ended or failed
  bool cancelled_ = false;                        // guarded by mu_
  Status error_;                                  // guarded by mu_
  std::thread producer_;
};

// Reads its source on the caller's thread and hashes the bytes on a thread
// of its own: for a blob whose bytes are the tar itself, the tar reader and
// SHA-256 (the larger cost) overlap on two cores, and the bytes are read
// once, into buffers handed to both without a copy. At the end of the
// stream the digest is compared with each check's expected digest; a
// mismatch is DataLoss naming that check, so nothing downstream sees the
// end of a bad blob as success. Memory: kBuffers * kBufferBytes.
class HashAheadStream : public ByteStream {
 public:
  static constexpr size_t kBuffers = 4;
  static constexpr size_t kBufferBytes = 1 << 20;
  struct Check {
    Digest expected;
    std::string what;  // "layer 1 (...) blob"
  };

  HashAheadStream(std::unique_ptr<ByteStream> source, std::vector<Check> checks);
  // Stops the hashing thread (it finishes its current buffer) and joins it.
  ~HashAheadStream() override;
  HashAheadStream(const HashAheadStream&) = delete;
  HashAheadStream& operator=(const HashAheadStream&) = delete;

  Result<size_t> Read(std::span<uint8_t> out) override;
  bool Viewable() const override { return true; }
  Result<std::span<const uint8_t>> View(size_t max) override;

 private:
  struct Buffer {
    std::unique_ptr<uint8_t[]> data;
    size_t size = 0;
    int holders = 0;  // guarded by mu_: the reader and the hasher, while they use it
  };
  void Hash();
  // The end of the source: waits for the digest and checks it.
  Status Finish();
  void Release(size_t index);  // drops one holder of buffers_[index]

  std::unique_ptr<ByteStream> source_;
  std::vector<Check> checks_;
  Buffer buffers_[kBuffers];
  size_t current_ = kBuffers;  // the buffer being read from; kBuffers: none
  size_t pos_ = 0;
  bool done_ = false;  // the end (or an error) was returned
  Status end_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<size_t> to_hash_;  // guarded by mu_
  bool ended_ = false;          // guarded by mu_: no more buffers will come
  bool cancelled_ = false;      // guarded by mu_
  bool hashed_ = false;         // guarded by mu_: actual_ is set
  Digest actual_;               // guarded by mu_
  std::thread hasher_;
};

}  // namespace customs
