// Fuzzes the Debian copyright-file license reader, with default and small
// limits so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/dpkg_copyright.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto names = customs::catalog::ParseDpkgCopyright(text);
  customs::catalog::DpkgCopyrightLimits small;
  small.max_licenses = 2;
  small.max_name_bytes = 8;
  auto limited = customs::catalog::ParseDpkgCopyright(text, small);
  (void)names;
  (void)limited;
  return 0;
}
