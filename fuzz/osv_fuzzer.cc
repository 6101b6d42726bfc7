// Fuzzes the OSV importers: inputs starting with '{' or '[' go to the JSON
// parser, all others to the YAML one (aliases, deep nesting, bad types).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/feeds.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sink = [](customs::vuln::Advisory&&) { return customs::Status::Ok(); };
  customs::vuln::FeedLimits small;
  small.max_record_bytes = 4096;
  small.max_depth = 8;
  if (!text.empty() && (text[0] == '{' || text[0] == '[')) {
    (void)customs::vuln::ParseOsvJson(text, sink);
    (void)customs::vuln::ParseOsvJson(text, sink, small);
  } else {
    (void)customs::vuln::ParseOsvYaml(text, sink);
    (void)customs::vuln::ParseOsvYaml(text, sink, small);
  }
  (void)customs::vuln::DetectFeedFormat("x.json", text);
  return 0;
}
