// Fuzzes the image documents: index, manifest and config parsers.
#include <cstdint>
#include <string_view>

#include "image/oci.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)customs::image::ParseIndex(text, "fuzz");
  (void)customs::image::ParseManifest(text, "fuzz");
  auto config = customs::image::ParseConfig(text, "fuzz");
  if (config.ok()) (void)customs::image::LayerHistory(*config, config->diff_ids.size());
  (void)customs::image::LooksLikeIndex(text);
  return 0;
}
