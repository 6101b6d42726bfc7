// Fuzzes the streaming Debian security tracker parser, with default and
// small limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/feeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sink = [](customs::vuln::Advisory&&) { return customs::Status::Ok(); };
  (void)customs::vuln::ParseDebianTracker(text, sink);
  customs::vuln::FeedLimits small;
  small.max_document_bytes = 4096;
  small.max_depth = 6;
  (void)customs::vuln::ParseDebianTracker(text, sink, small);
  return 0;
}
