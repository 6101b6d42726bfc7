// Fuzzes the Go build-info reader over an ELF file (both formats, section
// and segment search) and the module-info text parser.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "catalog/go_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto elf = customs::catalog::ParseElf(bytes);
  if (elf.ok()) {
    auto info = customs::catalog::ParseGoBuildInfo(bytes, *elf);
    if (info.ok()) (void)customs::catalog::GoPackages(*info, "bin/x");
  }
  customs::catalog::GoBuildInfo text_info;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (customs::catalog::ParseGoModInfo(text, text_info).ok())
    (void)customs::catalog::GoPackages(text_info, "bin/x");
  return 0;
}
