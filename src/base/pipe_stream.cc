#include "base/pipe_stream.h"

#include <cstring>

namespace customs {

PipeStream::PipeStream(std::unique_ptr<ByteStream> source) : source_(std::move(source)) {
  producer_ = std::thread([this] { Produce(); });
}

PipeStream::~PipeStream() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  changed_.notify_all();
  producer_.join();
}

void PipeStream::Produce() {
  while (true) {
    Chunk chunk;
    chunk.data.resize(kPipeChunkBytes);
    // Fill the chunk as far as the source goes, so the consumer gets big
    // pieces even from a source that returns small reads.
    size_t filled = 0;
    Status error;
    while (filled < chunk.data.size()) {
      auto n = source_->Read(std::span<uint8_t>(chunk.data).subspan(filled));
      if (!n.ok()) {
        error = n.status();
        break;
      }
      if (*n == 0) break;
      filled += *n;
    }
    chunk.data.resize(filled);
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return cancelled_ || queue_.size() < kPipeChunks; });
    if (cancelled_) return;
    if (filled > 0) queue_.push_back(std::move(chunk));
    if (!error.ok() || filled < kPipeChunkBytes) {
      done_ = true;
      error_ = std::move(error);
      lock.unlock();
      changed_.notify_all();
      return;
    }
    lock.unlock();
    changed_.notify_all();
  }
}

Result<size_t> PipeStream::Read(std::span<uint8_t> out) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return !queue_.empty() || done_; });
  if (queue_.empty()) {
    if (!error_.ok()) return error_;
    return size_t{0};
  }
  Chunk& front = queue_.front();
  size_t n = std::min(out.size(), front.data.size() - front.pos);
  std::memcpy(out.data(), front.data.data() + front.pos, n);
  front.pos += n;
  if (front.pos == front.data.size()) {
    queue_.pop_front();
    lock.unlock();
    changed_.notify_all();
  }
  return n;
}

}  // namespace customs
