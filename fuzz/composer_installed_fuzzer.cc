// Fuzzes the Composer installed.json parser (both layouts), with default
// and small limits so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/composer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto db = customs::catalog::ParseComposerInstalled(text, "vendor/composer/installed.json");
  customs::catalog::ComposerLimits small;
  small.max_packages = 2;
  small.max_diagnostics = 1;
  auto limited =
      customs::catalog::ParseComposerInstalled(text, "vendor/composer/installed.json", small);
  (void)db;
  (void)limited;
  return 0;
}
