// Fuzzes the Java archive cataloger (nested archives, pom.properties,
// MANIFEST.MF, file names) with default and small limits, and the two text
// parsers on the raw input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "catalog/java.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  (void)customs::catalog::ParseJavaArchive(bytes, "app/lib-1.0.jar");
  customs::catalog::JavaLimits small;
  small.max_depth = 2;
  small.max_expanded_bytes = 1u << 16;
  small.max_metadata_bytes = 512;
  small.max_packages = 4;
  small.max_diagnostics = 2;
  small.zip.max_entries = 64;
  (void)customs::catalog::ParseJavaArchive(bytes, "x.war", small);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)customs::catalog::ParsePomProperties(text);
  (void)customs::catalog::ParseJarManifest(text);
  (void)customs::catalog::CoordinatesFromFileName(text);
  return 0;
}
