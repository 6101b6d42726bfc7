// Fuzzes the SPDX license-expression parser with package-database strings.
#include <cstdint>
#include <string>
#include <vector>

#include "report/license.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::report::CanonicalSpdxExpression(text);
  (void)customs::report::SpdxIdString(text);
  customs::report::LicenseRefTable refs;
  std::vector<std::string> licenses;
  for (size_t start = 0; start <= text.size() && licenses.size() < 16;) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    licenses.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  (void)customs::report::DeclaredLicenseExpression(licenses, &refs);
  return 0;
}
