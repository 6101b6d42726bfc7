// Fuzzes the dpkg status parser (both status and status.d rules) and the
// info/*.list parser, with small limits so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/dpkg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using customs::catalog::DpkgStatusKind;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto status =
      customs::catalog::ParseDpkgStatus(text, "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  auto status_d = customs::catalog::ParseDpkgStatus(text, "var/lib/dpkg/status.d/base",
                                                    DpkgStatusKind::kStatusD);
  customs::catalog::DpkgLimits small;
  small.max_stanzas = 4;
  small.max_stanza_lines = 16;
  small.max_line_bytes = 64;
  small.max_list_lines = 16;
  small.max_diagnostics = 2;
  auto limited = customs::catalog::ParseDpkgStatus(text, "var/lib/dpkg/status",
                                                   DpkgStatusKind::kStatus, small);
  auto list = customs::catalog::ParseDpkgFileList("var/lib/dpkg/info/libc6:amd64.list", text);
  auto list_limited =
      customs::catalog::ParseDpkgFileList("var/lib/dpkg/info/bash.list", text, small);
  (void)status;
  (void)status_d;
  (void)limited;
  (void)list;
  (void)list_limited;
  return 0;
}
