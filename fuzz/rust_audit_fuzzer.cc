// Fuzzes the cargo-auditable decoder: the input as a .dep-v0 section (zlib
// then JSON) and as JSON text.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "catalog/rust.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)customs::catalog::ParseRustAudit(std::span<const uint8_t>(data, size), "bin/x");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)customs::catalog::ParseRustAuditJson(text, "bin/x");
  return 0;
}
