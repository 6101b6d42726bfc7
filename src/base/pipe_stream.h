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

 private:
  struct Chunk {
    std::vector<uint8_t> data;
    size_t pos = 0;
  };
  void Produce();

  std::unique_ptr<ByteStream> source_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_;  // guarded by mu_
  bool done_ = false;        // guarded by mu_: the source ended or failed
  bool cancelled_ = false;   // guarded by mu_
  Status error_;             // guarded by mu_
  std::thread producer_;
};

}  // namespace customs
