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

HashAheadStream::HashAheadStream(std::unique_ptr<ByteStream> source, std::vector<Check> checks)
    : source_(std::move(source)), checks_(std::move(checks)) {
  hasher_ = std::thread([this] { Hash(); });
}

HashAheadStream::~HashAheadStream() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  changed_.notify_all();
  hasher_.join();
}

void HashAheadStream::Hash() {
  Sha256 sha;
  while (true) {
    size_t index;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] { return cancelled_ || ended_ || !to_hash_.empty(); });
      if (cancelled_) return;
      if (to_hash_.empty()) {  // ended, and everything hashed
        actual_ = sha.Finish();
        hashed_ = true;
        lock.unlock();
        changed_.notify_all();
        return;
      }
      index = to_hash_.front();
      to_hash_.pop_front();
    }
    sha.Update(std::span<const uint8_t>(buffers_[index].data.get(), buffers_[index].size));
    Release(index);
  }
}

void HashAheadStream::Release(size_t index) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --buffers_[index].holders;
  }
  changed_.notify_all();
}

Status HashAheadStream::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  ended_ = true;
  changed_.notify_all();
  changed_.wait(lock, [&] { return hashed_; });
  for (const auto& check : checks_) CUSTOMS_TRY(CheckDigest(check.expected, actual_, check.what));
  return Status::Ok();
}

Result<std::span<const uint8_t>> HashAheadStream::View(size_t max) {
  if (max == 0) return std::span<const uint8_t>();
  if (done_) {
    if (!end_.ok()) return end_;
    return std::span<const uint8_t>();
  }
  if (current_ == kBuffers || pos_ == buffers_[current_].size) {
    if (current_ != kBuffers) Release(current_);
    current_ = kBuffers;
    size_t free = kBuffers;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] {
        for (size_t i = 0; i < kBuffers; ++i)
          if (buffers_[i].holders == 0) {
            free = i;
            return true;
          }
        return false;
      });
    }
    Buffer& buffer = buffers_[free];
    if (buffer.data == nullptr)
      buffer.data = std::make_unique_for_overwrite<uint8_t[]>(kBufferBytes);
    size_t filled = 0;
    while (filled < kBufferBytes) {
      auto n = source_->Read(std::span<uint8_t>(buffer.data.get() + filled, kBufferBytes - filled));
      if (!n.ok()) {
        done_ = true;
        end_ = n.status();
        return end_;
      }
      if (*n == 0) break;
      filled += *n;
    }
    if (filled == 0) {
      done_ = true;
      end_ = Finish();
      if (!end_.ok()) return end_;
      return std::span<const uint8_t>();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      buffer.size = filled;
      buffer.holders = 2;
      to_hash_.push_back(free);
    }
    changed_.notify_all();
    current_ = free;
    pos_ = 0;
  }
  size_t n = std::min(max, buffers_[current_].size - pos_);
  std::span<const uint8_t> out(buffers_[current_].data.get() + pos_, n);
  pos_ += n;
  return out;
}

Result<size_t> HashAheadStream::Read(std::span<uint8_t> out) {
  CUSTOMS_ASSIGN_OR_RETURN(auto view, View(out.size()));
  if (!view.empty()) std::memcpy(out.data(), view.data(), view.size());  // no null source
  return view.size();
}

}  // namespace customs
