// Fuzzes the .NET deps.json parser, with default and small limits so that
// the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/dotnet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto deps = customs::catalog::ParseDotnetDeps(text, "app/x.deps.json");
  customs::catalog::DotnetLimits small;
  small.max_packages = 2;
  small.max_diagnostics = 1;
  auto limited = customs::catalog::ParseDotnetDeps(text, "app/x.deps.json", small);
  (void)deps;
  (void)limited;
  return 0;
}
