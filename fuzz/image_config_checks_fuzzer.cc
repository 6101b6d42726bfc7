// Fuzzes the image-config checks: the input, split at NUL bytes, fills the
// user, env, entrypoint, cmd, exposed ports and history lines of an image.
// Whatever the input, no detection may quote a secret the checks redacted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "detect/config_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t start = 0; start <= text.size();) {
    size_t nul = text.find('\0', start);
    if (nul == std::string_view::npos) nul = text.size();
    parts.emplace_back(text.substr(start, nul - start));
    start = nul + 1;
  }
  customs::model::ImageInfo image;
  for (size_t i = 0; i < parts.size(); ++i) {
    switch (i % 6) {
      case 0:
        image.config.user = parts[i];
        break;
      case 1:
        image.config.env.push_back(parts[i]);
        break;
      case 2:
        image.config.entrypoint.push_back(parts[i]);
        break;
      case 3:
        image.config.cmd.push_back(parts[i]);
        break;
      case 4:
        image.config.exposed_ports.push_back(parts[i]);
        break;
      case 5:
        image.history.push_back({.created = "", .created_by = parts[i]});
        image.layers.push_back({static_cast<int>(image.layers.size()), "sha256:x", "", parts[i]});
        break;
    }
  }
  auto found = customs::detect::CheckImageConfig(image);
  if (found.size() > 256) std::abort();
  for (const auto& d : found)
    if (d.category.empty() || d.rule_id.empty()) std::abort();
  return 0;
}
