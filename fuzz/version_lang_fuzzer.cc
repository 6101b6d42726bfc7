// Fuzzes the PEP 440, Maven, RubyGems, Composer and NuGet comparators.
//
// Input: one selector byte, then version A, a NUL byte, version B (without a
// NUL, the rest is split in half). The selector's low three bits pick one
// comparator (0-4) or all five (5-7). Aborts when a comparison is not
// antisymmetric (sign(cmp(a, b)) != -sign(cmp(b, a))), not reflexive
// (cmp(a, a) != 0), or fails one way round but not the other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vuln/version_schemes.h"

namespace {

using customs::Result;
namespace internal = customs::vuln::internal;

constexpr size_t kMaxInput = 4096;  // versions are short; keeps runs fast

int Sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

void Check(const Result<int>& ab, const Result<int>& ba, const Result<int>& aa) {
  if (ab.ok() != ba.ok()) std::abort();
  if (ab.ok() && Sign(*ab) != -Sign(*ba)) std::abort();
  if (aa.ok() && *aa != 0) std::abort();
}

template <typename F>
void Run(F compare, std::string_view a, std::string_view b) {
  Check(compare(a, b), compare(b, a), compare(a, a));
}

Result<int> Maven(std::string_view a, std::string_view b) { return internal::CompareMaven(a, b); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > kMaxInput) return 0;
  unsigned selector = data[0] & 7u;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nul = rest.find('\0');
  size_t split = nul == std::string_view::npos ? rest.size() / 2 : nul;
  std::string_view a = rest.substr(0, split);
  std::string_view b = rest.substr(nul == std::string_view::npos ? split : split + 1);
  if (selector == 0 || selector > 4) Run(internal::ComparePep440, a, b);
  if (selector == 1 || selector > 4) Run(Maven, a, b);
  if (selector == 2 || selector > 4) Run(internal::CompareRubyGems, a, b);
  if (selector == 3 || selector > 4) Run(internal::CompareComposer, a, b);
  if (selector == 4 || selector > 4) Run(internal::CompareNuGet, a, b);
  return 0;
}
