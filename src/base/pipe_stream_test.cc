#include "base/pipe_stream.h"

#include <gtest/gtest.h>

#include <cstring>

namespace customs {
namespace {

// Returns its bytes in odd-sized pieces, then optionally fails.
class Trickle : public ByteStream {
 public:
  Trickle(std::string data, bool fail) : data_(std::move(data)), fail_(fail) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    if (pos_ == data_.size()) {
      if (fail_) return DataLoss("source broke");
      return size_t{0};
    }
    size_t n = std::min({out.size(), data_.size() - pos_, size_t{777}});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
  bool fail_;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + i / 4096);
  return s;
}

TEST(PipeStreamTest, DeliversEveryByteInOrder) {
  std::string data = Pattern(5 * PipeStream::kPipeChunkBytes + 12345);
  PipeStream pipe(std::make_unique<Trickle>(data, false));
  auto all = ReadAll(pipe, data.size() + 1, "pipe");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, data);
}

TEST(PipeStreamTest, PropagatesSourceErrorAfterData) {
  std::string data = Pattern(3 * PipeStream::kPipeChunkBytes);
  PipeStream pipe(std::make_unique<Trickle>(data, true));
  auto all = ReadAll(pipe, data.size() + 1, "pipe");
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().message(), "source broke");
}

TEST(PipeStreamTest, DestroyedEarlyStopsProducer) {
  std::string data = Pattern(20 * PipeStream::kPipeChunkBytes);
  PipeStream pipe(std::make_unique<Trickle>(data, false));
  uint8_t buf[10];
  ASSERT_TRUE(pipe.Read(buf).ok());
  // Leaving scope must not hang although the producer is blocked on a full queue.
}

}  // namespace
}  // namespace customs
