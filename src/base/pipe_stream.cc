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
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        chunk.data = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (chunk.data == nullptr)
      chunk.data = std::make_unique_for_overwrite<uint8_t[]>(kPipeChunkBytes);
    // Fill the chunk as far as the source goes, so the consumer gets big
    // pieces even from a source that returns small reads.
    size_t filled = 0;
    Status error;
    while (filled < kPipeChunkBytes) {
      auto n =
          source_->Read(std::span<uint8_t>(chunk.data.get() + filled, kPipeChunkBytes - filled));
      if (!n.ok()) {
        error = n.status();
        break;
      }
      if (*n == 0) break;
      filled += *n;
    }
    chunk.size = filled;
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

Result<PipeStream::Chunk*> PipeStream::Front(std::unique_lock<std::mutex>& lock) {
  if (!queue_.empty() && queue_.front().pos == queue_.front().size) {
    free_.push_back(std::move(queue_.front().data));
    queue_.pop_front();
    changed_.notify_all();
  }
  changed_.wait(lock, [&] { return !queue_.empty() || done_; });
  if (queue_.empty()) {
    if (!error_.ok()) return error_;
    return nullptr;
  }
  return &queue_.front();
}

Result<size_t> PipeStream::Read(std::span<uint8_t> out) {
  std::unique_lock<std::mutex> lock(mu_);
  CUSTOMS_ASSIGN_OR_RETURN(Chunk * front, Front(lock));
  if (front == nullptr) return size_t{0};
  size_t n = std::min(out.size(), front->size - front->pos);
  std::memcpy(out.data(), front->data.get() + front->pos, n);
  front->pos += n;
  return n;
}

Result<std::span<const uint8_t>> PipeStream::View(size_t max) {
  std::unique_lock<std::mutex> lock(mu_);
  CUSTOMS_ASSIGN_OR_RETURN(Chunk * front, Front(lock));
  if (front == nullptr) return std::span<const uint8_t>();
  size_t n = std::min(max, front->size - front->pos);
  std::span<const uint8_t> out(front->data.get() + front->pos, n);
  front->pos += n;
  return out;
}

Status PipeStream::Skip(uint64_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  while (n > 0) {
    CUSTOMS_ASSIGN_OR_RETURN(Chunk * front, Front(lock));
    if (front == nullptr)
      return DataLoss("truncated: stream ended " + std::to_string(n) + " bytes early");
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, front->size - front->pos));
    front->pos += k;
    n -= k;
  }
  return Status::Ok();
}

}  // namespace customs
