// Fuzzes the npm lockfile parsers (package-lock.json, yarn.lock v1 and
// berry, pnpm-lock.yaml) on the same bytes, with default and small limits
// so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/npm_lock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs::catalog;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  NpmLockLimits small;
  small.max_packages = 3;
  small.max_depth = 2;
  small.max_yaml_nesting = 16;
  small.max_diagnostics = 2;
  for (const NpmLockLimits& limits : {NpmLockLimits{}, small}) {
    auto lock = ParsePackageLockJson(text, "package-lock.json", limits);
    auto yarn = ParseYarnLock(text, "yarn.lock", limits);
    auto pnpm = ParsePnpmLock(text, "pnpm-lock.yaml", limits);
    (void)lock;
    (void)yarn;
    (void)pnpm;
  }
  return 0;
}
