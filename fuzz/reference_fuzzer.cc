// Fuzzes image reference parsing; a parsed reference must survive a round
// trip through its fully qualified and its familiar form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "image/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ref = customs::image::ParseReference(text);
  if (!ref.ok()) return 0;
  (void)ref->ApiHost();
  (void)ref->Scope();
  for (const std::string& form : {ref->ToString(), ref->Familiar()}) {
    auto again = customs::image::ParseReference(form);
    if (!again.ok() || !(*again == *ref)) std::abort();
  }
  return 0;
}
