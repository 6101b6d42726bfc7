#include "layer/decompress.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace customs::layer {

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

namespace {

constexpr size_t kInputChunk = 1 << 20;

// Input buffer shared by the decompressors: refills from the raw stream and
// counts compressed bytes for the ratio check.
class InputBuffer {
 public:
  explicit InputBuffer(std::unique_ptr<ByteStream> raw, std::string prefix)
      : raw_(std::move(raw)), buf_(kInputChunk) {
    std::memcpy(buf_.data(), prefix.data(), prefix.size());
    end_ = prefix.size();
    consumed_ = prefix.size();
  }
  // Makes sure some unread bytes are buffered; false at end of input.
  Result<bool> Fill() {
    if (pos_ < end_) return true;
    if (eof_) return false;
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, raw_->Read(std::span<uint8_t>(buf_.data(), buf_.size())));
    pos_ = 0;
    end_ = n;
    consumed_ += n;
    if (n == 0) eof_ = true;
    return n > 0;
  }
  uint8_t* data() { return buf_.data() + pos_; }
  size_t available() const { return end_ - pos_; }
  void Consume(size_t n) { pos_ += n; }
  uint64_t consumed() const { return consumed_; }

 private:
  std::unique_ptr<ByteStream> raw_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
};

class BoundedStream : public ByteStream {
 protected:
  BoundedStream(const Limits& limits, std::string what) : limits_(limits), what_(std::move(what)) {}
  Status CheckExpansion(uint64_t compressed) {
    if (produced_ > limits_.max_layer_expanded_bytes)
      return ResourceExhausted(what_ + ": expands to more than " +
                               std::to_string(limits_.max_layer_expanded_bytes) +
                               " bytes (limit max-layer-bytes)");
    if (produced_ > kRatioCheckAfterBytes && compressed > 0 &&
        produced_ / compressed > limits_.max_expansion_ratio)
      return ResourceExhausted(what_ + ": expands more than " +
                               std::to_string(limits_.max_expansion_ratio) +
                               ":1 (limit max-expansion-ratio); a decompression bomb?");
    return Status::Ok();
  }
  Limits limits_;
  std::string what_;
  uint64_t produced_ = 0;
};

class GzipStream : public BoundedStream {
 public:
  GzipStream(std::unique_ptr<ByteStream> raw, std::string prefix, const Limits& limits,
             std::string what)
      : BoundedStream(limits, std::move(what)), in_(std::move(raw), std::move(prefix)) {
    Reset();
  }

  Result<size_t> Read(std::span<uint8_t> out) override {
    if (finished_ || out.empty()) return size_t{0};
    size_t written = 0;
    while (written == 0) {
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // A gzip file may hold several members back to back (pigz, cat).
        CUSTOMS_ASSIGN_OR_RETURN(bool more, in_.Fill());
        if (!more) {
          finished_ = true;
          return size_t{0};
        }
        Reset();
      }
      CUSTOMS_ASSIGN_OR_RETURN(bool have, in_.Fill());
      state_.next_in = in_.data();
      state_.avail_in = static_cast<uint32_t>(in_.available());
      state_.next_out = out.data() + written;
      state_.avail_out = static_cast<uint32_t>(std::min<size_t>(out.size() - written, 1u << 30));
      int rc = isal_inflate(&state_);
      size_t used = in_.available() - state_.avail_in;
      in_.Consume(used);
      size_t produced = (out.size() - written) - state_.avail_out;
      written += produced;
      if (rc < 0) return DataLoss(what_ + ": corrupt gzip data (" + ErrorName(rc) + ")");
      if (used == 0 && produced == 0 && state_.block_state != ISAL_BLOCK_FINISH) {
        // No progress: input ended inside a member (or the decoder stalled,
        // which we treat the same rather than spin).
        return DataLoss(what_ + ": gzip stream is truncated after " +
                        std::to_string(in_.consumed()) + " compressed bytes" +
                        (have ? " (decoder made no progress)" : ""));
      }
    }
    produced_ += written;
    CUSTOMS_TRY(CheckExpansion(in_.consumed()));
    return written;
  }

 private:
  void Reset() {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }
  static std::string ErrorName(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK:
        return "invalid block";
      case ISAL_INVALID_SYMBOL:
        return "invalid symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported method";
      case ISAL_INCORRECT_CHECKSUM:
        return "CRC mismatch";
      default:
        return "error " + std::to_string(rc);
    }
  }
  InputBuffer in_;
  inflate_state state_;
  bool finished_ = false;
};

class ZstdStream : public BoundedStream {
 public:
  ZstdStream(std::unique_ptr<ByteStream> raw, std::string prefix, const Limits& limits,
             std::string what)
      : BoundedStream(limits, std::move(what)),
        in_(std::move(raw), std::move(prefix)),
        ctx_(ZSTD_createDStream()) {
    ZSTD_initDStream(ctx_);
    // Window sizes above 128 MiB need --long on the producer side; refusing
    // them bounds the decoder's memory.
    ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, 27);
  }
  ~ZstdStream() override { ZSTD_freeDStream(ctx_); }

  Result<size_t> Read(std::span<uint8_t> out) override {
    if (finished_ || out.empty()) return size_t{0};
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    while (ob.pos == 0) {
      CUSTOMS_ASSIGN_OR_RETURN(bool have, in_.Fill());
      if (!have) {
        if (frame_open_)
          return DataLoss(what_ + ": zstd stream is truncated after " +
                          std::to_string(in_.consumed()) + " compressed bytes");
        finished_ = true;
        return size_t{0};
      }
      ZSTD_inBuffer ib{in_.data(), in_.available(), 0};
      size_t rc = ZSTD_decompressStream(ctx_, &ob, &ib);
      in_.Consume(ib.pos);
      if (ZSTD_isError(rc))
        return DataLoss(what_ + ": corrupt zstd data (" + ZSTD_getErrorName(rc) + ")");
      frame_open_ = rc != 0;
    }
    produced_ += ob.pos;
    CUSTOMS_TRY(CheckExpansion(in_.consumed()));
    return ob.pos;
  }

 private:
  InputBuffer in_;
  ZSTD_DStream* ctx_;
  bool frame_open_ = true;
  bool finished_ = false;
};

// Replays the peeked prefix, then the rest of the raw stream; with limits,
// fails past the layer size limit.
class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::unique_ptr<ByteStream> raw, std::string prefix, std::optional<Limits> limits,
                 std::string what)
      : raw_(std::move(raw)), prefix_(std::move(prefix)), limits_(limits), what_(std::move(what)) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t n;
    if (pos_ < prefix_.size()) {
      n = std::min(out.size(), prefix_.size() - pos_);
      std::memcpy(out.data(), prefix_.data() + pos_, n);
      pos_ += n;
    } else {
      CUSTOMS_ASSIGN_OR_RETURN(n, raw_->Read(out));
    }
    CUSTOMS_TRY(Count(n));
    return n;
  }
  // Skips through the raw stream's own Skip: a file range seeks, a hashing
  // stream still reads every byte.
  Status Skip(uint64_t n) override {
    uint64_t from_prefix = std::min<uint64_t>(n, prefix_.size() - std::min(pos_, prefix_.size()));
    pos_ += from_prefix;
    if (n > from_prefix) CUSTOMS_TRY(raw_->Skip(n - from_prefix));
    return Count(n);
  }

 private:
  Status Count(uint64_t n) {
    total_ += n;
    if (limits_ && total_ > limits_->max_layer_expanded_bytes)
      return ResourceExhausted(what_ + ": larger than " +
                               std::to_string(limits_->max_layer_expanded_bytes) +
                               " bytes (limit max-layer-bytes)");
    return Status::Ok();
  }

  std::unique_ptr<ByteStream> raw_;
  std::string prefix_;
  size_t pos_ = 0;
  std::optional<Limits> limits_;
  std::string what_;
  uint64_t total_ = 0;
};

// The first bytes of a blob, enough to recognise every magic below.
Result<std::string> ReadHead(ByteStream& raw) {
  std::string head(6, '\0');
  size_t got = 0;
  while (got < head.size()) {
    CUSTOMS_ASSIGN_OR_RETURN(
        size_t n, raw.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(head.data()) + got,
                                              head.size() - got)));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  return head;
}

Result<Compression> Detect(std::string_view head, const std::string& what) {
  if (head.starts_with("\x1f\x8b")) return Compression::kGzip;
  if (head.starts_with("\x28\xb5\x2f\xfd")) return Compression::kZstd;
  if (head.starts_with("BZh"))
    return Unimplemented(what + ": bzip2-compressed layers are not supported");
  if (head.starts_with("\xfd"
                       "7zXZ"))
    return Unimplemented(what + ": xz-compressed layers are not supported");
  return Compression::kNone;
}

}  // namespace

Result<Compression> PeekCompression(std::unique_ptr<ByteStream>& raw, const std::string& what) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string head, ReadHead(*raw));
  CUSTOMS_ASSIGN_OR_RETURN(Compression c, Detect(head, what));
  raw = std::make_unique<PrefixedStream>(std::move(raw), std::move(head), std::nullopt, what);
  return c;
}

Result<std::unique_ptr<ByteStream>> OpenDecompressed(std::unique_ptr<ByteStream> raw,
                                                     const Limits& limits, std::string what,
                                                     Compression* detected) {
  CUSTOMS_ASSIGN_OR_RETURN(std::string prefix, ReadHead(*raw));
  CUSTOMS_ASSIGN_OR_RETURN(Compression c, Detect(prefix, what));
  if (detected != nullptr) *detected = c;
  switch (c) {
    case Compression::kGzip:
      return std::unique_ptr<ByteStream>(
          std::make_unique<GzipStream>(std::move(raw), std::move(prefix), limits, std::move(what)));
    case Compression::kZstd:
      return std::unique_ptr<ByteStream>(
          std::make_unique<ZstdStream>(std::move(raw), std::move(prefix), limits, std::move(what)));
    case Compression::kNone:
      break;
  }
  return std::unique_ptr<ByteStream>(
      std::make_unique<PrefixedStream>(std::move(raw), std::move(prefix), limits, std::move(what)));
}

}  // namespace customs::layer
