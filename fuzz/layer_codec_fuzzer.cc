// Fuzzes the layer cache entry decoder: any bytes decode or fail cleanly,
// and whatever decodes encodes again to bytes that decode to an equal
// result (a field the encoder or decoder mishandles shows up here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/layer_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  customs::Limits limits;
  auto decoded = customs::store::DecodeLayerResult(bytes, limits);
  if (!decoded.ok()) return 0;
  std::string again = customs::store::EncodeLayerResult(*decoded);
  auto redecoded = customs::store::DecodeLayerResult(again, limits);
  if (!redecoded.ok()) std::abort();
  if (!customs::store::LayerResultsEqual(*decoded, *redecoded)) std::abort();
  if (customs::store::EncodeLayerResult(*redecoded) != again) std::abort();
  return 0;
}
