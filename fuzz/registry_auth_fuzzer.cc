// Fuzzes the registry header and credential-file parsers with one input.
#include <cstdint>
#include <string_view>

#include "image/registry_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)customs::image::ParseWwwAuthenticate(text);
  (void)customs::image::ParseTokenResponse(text);
  (void)customs::image::ParseRfc3339(text);
  (void)customs::image::ParseLinkNext(text);
  (void)customs::image::ParseRetryAfter(text, 1735689600);
  (void)customs::image::ParseRetryAfter(text, INT64_MIN);
  (void)customs::image::ParseRateLimit(text);
  auto config = customs::image::ParseDockerConfig(text, "fuzz");
  if (config.ok()) {
    (void)customs::image::MatchingAuthKeys(*config, "docker.io");
    (void)customs::image::MatchingAuthKeys(*config, "localhost:5000");
  }
  return 0;
}
