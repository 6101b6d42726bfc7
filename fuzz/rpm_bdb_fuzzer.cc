// Fuzz target for ParseRpmBdb: a Berkeley DB hash Packages file, then every header blob it yields.
#include <cstddef>
#include <cstdint>
#include <span>

#include "catalog/rpm_bdb.h"
#include "catalog/rpm_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto db = customs::catalog::ParseRpmBdb(std::span<const uint8_t>(data, size));
  if (!db.ok()) return 0;
  for (const auto& blob : db->headers) {
    auto header = customs::catalog::ParseRpmHeader(blob.bytes);
    (void)header;
  }
  return 0;
}
