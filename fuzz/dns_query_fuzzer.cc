// Fuzzes the sinkhole's DNS parser (packets come from the sandboxed
// container) and the response built from whatever it accepts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "sandbox/sinkhole.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> packet(data, size);
  auto query = customs::sandbox::ParseDnsQuery(packet);
  if (!query.ok()) return 0;
  std::string empty = customs::sandbox::BuildDnsResponse(packet, *query, std::nullopt);
  std::string answered =
      customs::sandbox::BuildDnsResponse(packet, *query, std::array<uint8_t, 4>{127, 53, 0, 1});
  // Our own invariants: the header and the echoed question, plus one
  // 16-byte A record when an address is given.
  if (empty.size() != query->question_end || answered.size() != empty.size() + 16) __builtin_trap();
  return 0;
}
