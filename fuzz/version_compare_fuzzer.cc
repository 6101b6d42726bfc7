// Fuzzes the version comparators. Byte 0 picks the scheme checked first (its
// value modulo the number of schemes) and, with bit 7 set, that it is the only
// one; the rest is split at the first NUL into two versions. A scheme must not
// crash or hang, must be antisymmetric (when both directions succeed,
// sign(cmp(a, b)) == -sign(cmp(b, a))) and must find a version equal to
// itself; a violation aborts so the fuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include "vuln/version.h"

namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

constexpr customs::vuln::VersionScheme kSchemes[] = {
    customs::vuln::VersionScheme::kDpkg,     customs::vuln::VersionScheme::kApk,
    customs::vuln::VersionScheme::kRpm,      customs::vuln::VersionScheme::kSemver,
    customs::vuln::VersionScheme::kGo,       customs::vuln::VersionScheme::kPep440,
    customs::vuln::VersionScheme::kMaven,    customs::vuln::VersionScheme::kRubyGems,
    customs::vuln::VersionScheme::kComposer, customs::vuln::VersionScheme::kNuGet,
};

void Check(customs::vuln::VersionScheme scheme, std::string_view a, std::string_view b) {
  customs::Result<int> ab = customs::vuln::CompareVersions(scheme, a, b);
  customs::Result<int> ba = customs::vuln::CompareVersions(scheme, b, a);
  if (ab.ok() && ba.ok() && Sign(*ab) != -Sign(*ba)) {
    std::fprintf(stderr, "%.*s: cmp(\"%.*s\", \"%.*s\") = %d but reversed = %d\n",
                 static_cast<int>(customs::vuln::VersionSchemeName(scheme).size()),
                 customs::vuln::VersionSchemeName(scheme).data(), static_cast<int>(a.size()),
                 a.data(), static_cast<int>(b.size()), b.data(), *ab, *ba);
    std::abort();
  }
  customs::Result<int> aa = customs::vuln::CompareVersions(scheme, a, a);
  if (aa.ok() && *aa != 0) {
    std::fprintf(stderr, "%.*s: cmp(\"%.*s\", itself) = %d\n",
                 static_cast<int>(customs::vuln::VersionSchemeName(scheme).size()),
                 customs::vuln::VersionSchemeName(scheme).data(), static_cast<int>(a.size()),
                 a.data(), *aa);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t first = data[0] % std::size(kSchemes);
  bool only_first = (data[0] & 0x80) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nul = rest.find('\0');
  std::string_view a = rest.substr(0, nul);
  std::string_view b = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  Check(kSchemes[first], a, b);
  if (!only_first)
    for (customs::vuln::VersionScheme scheme : kSchemes)
      if (scheme != kSchemes[first]) Check(scheme, a, b);
  return 0;
}
