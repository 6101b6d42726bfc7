// Fuzzes the OpenVEX parser, then applies the statements it parsed so purl
// matching sees fuzzed products.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/suppress.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto vex = customs::vuln::ParseOpenVex(text, "fuzz.openvex.json");
  if (!vex.ok()) return 0;
  std::vector<customs::model::Vulnerability> vulns(2);
  vulns[0].id = "CVE-2023-38545";
  vulns[0].purl = "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=jammy";
  vulns[1].id = vex->empty() ? "CVE-2" : vex->front().vulnerability;
  vulns[1].purl =
      vex->empty() || vex->front().products.empty() ? "pkg:npm/a@1" : vex->front().products.front();
  customs::vuln::ApplySuppressions(vulns, {}, *vex, "2025-06-15", nullptr);
  for (const auto& st : *vex)
    for (const auto& p : st.products) (void)customs::vuln::PurlMatches(p, vulns[0].purl);
  return 0;
}
