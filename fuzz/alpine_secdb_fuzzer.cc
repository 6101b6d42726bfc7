// Fuzzes the Alpine / Wolfi secdb parser in both its JSON and YAML forms.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/feeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sink = [](customs::vuln::Advisory&&) { return customs::Status::Ok(); };
  (void)customs::vuln::ParseAlpineSecdb(text, sink);
  customs::vuln::FeedLimits small;
  small.max_yaml_bytes = 4096;
  small.max_depth = 6;
  (void)customs::vuln::ParseAlpineSecdb(text, sink, small);
  return 0;
}
