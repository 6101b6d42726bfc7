// Fuzzes the Python core-metadata parser (METADATA / PKG-INFO), with
// default and small limits so that the limit paths run too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/python.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = customs::catalog::ParsePythonMetadata(text, "site-packages/x.dist-info/METADATA");
  customs::catalog::PythonLimits small;
  small.max_license_name_bytes = 4;
  small.max_license_classifiers = 1;
  auto limited =
      customs::catalog::ParsePythonMetadata(text, "site-packages/x.dist-info/METADATA", small);
  (void)customs::catalog::NormalizePythonName(text);
  (void)p;
  (void)limited;
  return 0;
}
