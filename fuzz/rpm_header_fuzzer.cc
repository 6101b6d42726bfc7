// Fuzz target for ParseRpmHeader: one stored rpm header blob.
#include <cstddef>
#include <cstdint>
#include <span>

#include "catalog/rpm_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto header = customs::catalog::ParseRpmHeader(std::span<const uint8_t>(data, size));
  (void)header;
  return 0;
}
