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

// Views, skips and reads mixed, over more chunks than the queue holds (so
// chunk buffers are recycled): every byte arrives once, in order, and a
// HashingStream on top hashes the viewed and skipped bytes too.
TEST(PipeStreamTest, ViewsSkipsAndReadsMixed) {
  std::string data = Pattern(9 * PipeStream::kPipeChunkBytes + 4321);
  HashingStream hashed(std::make_unique<PipeStream>(std::make_unique<Trickle>(data, false)),
                       Sha256::Of(data), "pipe");
  ASSERT_TRUE(hashed.Viewable());
  std::string seen;
  size_t pos = 0;
  for (int round = 0; pos < data.size(); ++round) {
    if (round % 3 == 0) {
      auto view = hashed.View(100000);
      ASSERT_TRUE(view.ok()) << view.status().ToString();
      ASSERT_FALSE(view->empty());
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(view->data()), view->size()),
                data.substr(pos, view->size()));
      pos += view->size();
    } else if (round % 3 == 1) {
      size_t n = std::min<size_t>(PipeStream::kPipeChunkBytes + 17, data.size() - pos);
      ASSERT_TRUE(hashed.Skip(n).ok());
      pos += n;
    } else {
      uint8_t buf[5000];
      auto n = hashed.Read(buf);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf), *n), data.substr(pos, *n));
      pos += *n;
    }
  }
  auto end = hashed.View(10);
  ASSERT_TRUE(end.ok()) << end.status().ToString();  // the digest matched
  EXPECT_TRUE(end->empty());
  EXPECT_EQ(hashed.bytes(), data.size());
}

TEST(PipeStreamTest, SkipPastTheEndIsDataLoss) {
  PipeStream pipe(std::make_unique<Trickle>(Pattern(1000), false));
  Status s = pipe.Skip(1001);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST(PipeStreamTest, ViewedBytesThatDoNotMatchTheDigestFail) {
  std::string data = Pattern(3 * PipeStream::kPipeChunkBytes);
  HashingStream hashed(std::make_unique<PipeStream>(std::make_unique<Trickle>(data, false)),
                       Sha256::Of(data + "x"), "blob");
  Status last;
  while (true) {
    auto view = hashed.View(1 << 20);
    if (!view.ok()) {
      last = view.status();
      break;
    }
    if (view->empty()) break;
  }
  EXPECT_EQ(last.code(), StatusCode::kDataLoss);
  EXPECT_NE(last.message().find("digest mismatch"), std::string::npos) << last.ToString();
}

// Reads a stream of `size` bytes through views, reads and skips; returns
// the status of its end.
Status Consume(ByteStream& s, size_t size, std::string* seen) {
  for (int round = 0;; ++round) {
    if (round % 3 == 1) {
      size_t n = std::min<size_t>(1000, size - std::min(size, seen->size()));
      if (n == 0) continue;
      Status skipped = s.Skip(n);
      if (!skipped.ok()) return skipped;
      seen->append(n, '?');
      continue;
    }
    std::string piece;
    if (round % 3 == 0) {
      auto view = s.View(300000);
      if (!view.ok()) return view.status();
      piece.assign(reinterpret_cast<const char*>(view->data()), view->size());
    } else {
      uint8_t buf[7000];
      auto n = s.Read(buf);
      if (!n.ok()) return n.status();
      piece.assign(reinterpret_cast<const char*>(buf), *n);
    }
    if (piece.empty()) return Status::Ok();
    *seen += piece;
  }
}

TEST(HashAheadStreamTest, EveryByteOnceAndTheDigestChecked) {
  std::string data = Pattern(6 * HashAheadStream::kBufferBytes + 11);
  HashAheadStream s(std::make_unique<Trickle>(data, false),
                    {{Sha256::Of(data), "blob"}, {Sha256::Of(data), "diff_id"}});
  std::string seen;
  Status end = Consume(s, data.size(), &seen);
  EXPECT_TRUE(end.ok()) << end.ToString();
  ASSERT_EQ(seen.size(), data.size());
  for (size_t i = 0; i < data.size(); ++i)
    if (seen[i] != '?' && seen[i] != data[i]) FAIL() << "byte " << i << " differs";
  // The end stays the end.
  auto again = s.View(10);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST(HashAheadStreamTest, AMismatchNamesItsCheck) {
  std::string data = Pattern(3 * HashAheadStream::kBufferBytes + 5);
  HashAheadStream s(std::make_unique<Trickle>(data, false),
                    {{Sha256::Of(data), "layer 1 blob"}, {Sha256::Of("other"), "layer 1 diff_id"}});
  std::string seen;
  Status end = Consume(s, data.size(), &seen);
  EXPECT_EQ(end.code(), StatusCode::kDataLoss);
  EXPECT_EQ(end.message().find("layer 1 diff_id: digest mismatch: expected " +
                               Sha256::Of("other").str() + ", got " + Sha256::Of(data).str()),
            0u)
      << end.ToString();
  auto again = s.View(10);
  EXPECT_FALSE(again.ok());
}

TEST(HashAheadStreamTest, SourceErrorsPassThrough) {
  HashAheadStream s(std::make_unique<Trickle>(Pattern(2 * HashAheadStream::kBufferBytes), true),
                    {{Sha256::Of("x"), "blob"}});
  std::string seen;
  Status end = Consume(s, 2 * HashAheadStream::kBufferBytes, &seen);
  EXPECT_EQ(end.message(), "source broke");
}

TEST(HashAheadStreamTest, DestroyedEarlyStopsTheHasher) {
  HashAheadStream s(std::make_unique<Trickle>(Pattern(20 * HashAheadStream::kBufferBytes), false),
                    {{Sha256::Of("x"), "blob"}});
  auto view = s.View(10);
  ASSERT_TRUE(view.ok());
  // Leaving scope must not hang with buffers queued for hashing.
}

}  // namespace
}  // namespace customs
