// Fuzzes the Cargo.lock scanner with default and small limits, so that the
// limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/rust.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)customs::catalog::ParseCargoLock(text, "Cargo.lock");
  customs::catalog::CargoLockLimits small;
  small.max_packages = 3;
  small.max_line_bytes = 64;
  small.max_diagnostics = 2;
  (void)customs::catalog::ParseCargoLock(text, "Cargo.lock", small);
  return 0;
}
