// Fuzzes the zip reader: the central directory parse and every member read,
// with default and small limits, and the zlib/raw inflater on its own.
#include <cstddef>
#include <cstdint>
#include <span>

#include "layer/zip_reader.h"

namespace {

void ReadAll(std::span<const uint8_t> bytes, const customs::layer::ZipLimits& limits,
             uint64_t member_cap) {
  auto zip = customs::layer::ZipArchive::Parse(bytes, limits);
  if (!zip.ok()) return;
  for (const auto& e : zip->entries()) (void)zip->Read(e, member_cap);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  ReadAll(bytes, {}, 1u << 20);
  customs::layer::ZipLimits small;
  small.max_entries = 16;
  small.max_member_bytes = 4096;
  small.max_total_bytes = 16384;
  small.max_ratio = 10;
  ReadAll(bytes, small, 4096);
  (void)customs::layer::Inflate(bytes, customs::layer::DeflateWrapper::kRaw, 1u << 16, "fuzz");
  (void)customs::layer::Inflate(bytes, customs::layer::DeflateWrapper::kZlib, 1u << 16, "fuzz");
  return 0;
}
