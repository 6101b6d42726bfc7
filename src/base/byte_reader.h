// A checked cursor over untrusted bytes. Every read checks
// `n <= size - offset` first and returns DataLoss naming the offset when the
// input is too short; nothing reads past the end, whatever the input says.
//
//   ByteReader r(bytes);
//   CUSTOMS_ASSIGN_OR_RETURN(uint32_t magic, r.ReadU32Be());
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace customs {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  explicit ByteReader(std::string_view data)
      : data_(reinterpret_cast<const uint8_t*>(data.data()), data.size()) {}

  size_t offset() const { return offset_; }
  size_t size() const { return data_.size(); }
  size_t remaining() const { return data_.size() - offset_; }
  bool empty() const { return remaining() == 0; }

  Status Seek(size_t offset);
  Status Skip(size_t n);
  Result<uint8_t> ReadU8();
  Result<uint16_t> ReadU16Le();
  Result<uint16_t> ReadU16Be();
  Result<uint32_t> ReadU32Le();
  Result<uint32_t> ReadU32Be();
  Result<uint64_t> ReadU64Le();
  Result<uint64_t> ReadU64Be();
  // A view of the next n bytes; valid as long as the underlying data.
  Result<std::span<const uint8_t>> ReadBytes(size_t n);
  Result<std::string_view> ReadString(size_t n);

  // True when [offset, offset + n) lies inside the data (overflow-safe).
  static bool Fits(size_t total, size_t offset, size_t n) {
    return offset <= total && n <= total - offset;
  }

 private:
  Status Short(size_t wanted) const;

  std::span<const uint8_t> data_;
  size_t offset_ = 0;
};

}  // namespace customs
