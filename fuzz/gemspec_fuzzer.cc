// Fuzzes the installed-gemspec line scanner.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/ruby.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = customs::catalog::ParseGemspec(text, "specifications/x-1.gemspec");
  (void)p;
  return 0;
}
