// Fuzzes the apk installed-database parser, with default and small limits
// so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/apk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto db = customs::catalog::ParseApkInstalled(text, "lib/apk/db/installed");
  customs::catalog::ApkLimits small;
  small.max_records = 4;
  small.max_record_lines = 32;
  small.max_line_bytes = 128;
  small.max_file_list_bytes = 256;
  small.max_diagnostics = 2;
  auto limited = customs::catalog::ParseApkInstalled(text, "lib/apk/db/installed", small);
  (void)db;
  (void)limited;
  return 0;
}
