// Fuzzes the /etc/shadow parser and the password classification, and the
// shadow analyzer over the same bytes (its evidence must never quote a
// hash).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "detect/file_checks.h"
#include "layer/analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entries = customs::detect::ParseShadow(text);
  if (entries.ok()) {
    for (const auto& e : *entries) {
      if (e.name.empty() || e.line == 0) std::abort();
      (void)customs::detect::ClassifyShadowPassword(e.password);
    }
  }
  customs::layer::FileInfo info;
  info.path = "etc/shadow";
  info.size = size;
  customs::layer::File file{info, std::span<const uint8_t>(data, size)};
  customs::layer::Findings out;
  customs::detect::ShadowAnalyzer analyzer;
  customs::Status s = analyzer.Analyze(file, out);
  if (s.ok() != entries.ok()) std::abort();
  return 0;
}
