// Fuzzes the node_modules package.json parser and the path test of its
// cataloger.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/npm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = customs::catalog::ParseNpmPackageJson(text, "app/node_modules/x/package.json");
  (void)parsed;
  (void)customs::catalog::IsNodeModulesPackageJson(text);
  return 0;
}
