// Runs a ByteStream on a thread of its own and hands its bytes over through a
// small bounded queue, so that producing (reading, hashing, inflating) and
// consuming (hashing, parsing) overlap on two cores. Memory is bounded by
// kPipeChunks * kPipeChunkBytes.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

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
  // Skips within the queued chunks, without copying.
  Status Skip(uint64_t n) override;
  // A view into the front chunk, which stays queued until the next call.
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

}  // namespace customs
