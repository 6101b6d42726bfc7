#include "base/byte_reader.h"

namespace customs {

Status ByteReader::Short(size_t wanted) const {
  return DataLoss("truncated: wanted " + std::to_string(wanted) + " bytes at offset " +
                  std::to_string(offset_) + ", have " + std::to_string(remaining()));
}

Status ByteReader::Seek(size_t offset) {
  if (offset > data_.size())
    return DataLoss("offset " + std::to_string(offset) + " beyond end " +
                    std::to_string(data_.size()));
  offset_ = offset;
  return Status::Ok();
}

Status ByteReader::Skip(size_t n) {
  if (n > remaining()) return Short(n);
  offset_ += n;
  return Status::Ok();
}

Result<std::span<const uint8_t>> ByteReader::ReadBytes(size_t n) {
  if (n > remaining()) return Short(n);
  auto out = data_.subspan(offset_, n);
  offset_ += n;
  return out;
}

Result<std::string_view> ByteReader::ReadString(size_t n) {
  CUSTOMS_ASSIGN_OR_RETURN(auto bytes, ReadBytes(n));
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<uint8_t> ByteReader::ReadU8() {
  if (remaining() < 1) return Short(1);
  return data_[offset_++];
}

namespace {
template <typename T, bool kBig>
T Decode(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    size_t idx = kBig ? i : sizeof(T) - 1 - i;
    v = static_cast<T>((v << 8) | p[idx]);
  }
  return v;
}
}  // namespace

#define CUSTOMS_READ_INT(Name, T, big)                    \
  Result<T> ByteReader::Name() {                          \
    if (remaining() < sizeof(T)) return Short(sizeof(T)); \
    T v = Decode<T, big>(data_.data() + offset_);         \
    offset_ += sizeof(T);                                 \
    return v;                                             \
  }
CUSTOMS_READ_INT(ReadU16Le, uint16_t, false)
CUSTOMS_READ_INT(ReadU16Be, uint16_t, true)
CUSTOMS_READ_INT(ReadU32Le, uint32_t, false)
CUSTOMS_READ_INT(ReadU32Be, uint32_t, true)
CUSTOMS_READ_INT(ReadU64Le, uint64_t, false)
CUSTOMS_READ_INT(ReadU64Be, uint64_t, true)
#undef CUSTOMS_READ_INT

}  // namespace customs
