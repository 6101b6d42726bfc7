// Fuzzes the ClamAV .hsb hash-list parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detect/hash_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = customs::detect::ParseHashList(text, "fuzz.hsb");
  if (list.ok())
    for (const auto& e : *list)
      if (e.sha256.size() != 64 || e.name.empty()) std::abort();
  return 0;
}
