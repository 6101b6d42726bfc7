// Fuzzes the ignore-file parser in both formats (plain .trivyignore and
// YAML), then applies what it parsed, so purl and glob matching see the
// fuzzed filters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/suppress.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view name : {".trivyignore", ".trivyignore.yaml"}) {
    auto rules = customs::vuln::ParseIgnoreFile(text, name);
    if (!rules.ok()) continue;
    std::vector<customs::model::Vulnerability> vulns(2);
    vulns[0].id = "CVE-2024-1";
    vulns[0].aliases = {"GHSA-aaaa-bbbb-cccc"};
    vulns[0].purl = "pkg:npm/%40scope/name@1.0.0?arch=x";
    vulns[0].path = "srv/app/node_modules/name/package.json";
    vulns[1].id = rules->empty() ? "CVE-2" : rules->front().id;
    vulns[1].purl = "pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u5?arch=amd64";
    vulns[1].path = "var/lib/dpkg/status";
    std::vector<std::string> notices;
    customs::vuln::ApplySuppressions(vulns, *rules, {}, "2025-06-15", &notices);
  }
  return 0;
}
