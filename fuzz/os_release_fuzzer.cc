// Fuzzes the OS detection parsers: the input goes to every file kind
// (os-release, redhat-release, debian_version, lsb-release, alpine-release,
// SuSE-release, apk/repositories) and the candidates through ChooseOs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "catalog/os_release.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static constexpr std::string_view kPaths[] = {
      "etc/os-release",     "usr/lib/os-release",  "etc/alpine-release", "etc/debian_version",
      "etc/redhat-release", "etc/centos-release",  "etc/lsb-release",    "etc/SuSE-release",
      "etc/system-release", "etc/apk/repositories"};
  std::vector<customs::model::OsInfo> candidates;
  for (std::string_view path : kPaths) {
    customs::model::OsInfo os = customs::catalog::ParseOsFile(path, text);
    if (!os.empty()) candidates.push_back(std::move(os));
  }
  customs::model::OsInfo chosen = customs::catalog::ChooseOs(candidates);
  (void)chosen;
  return 0;
}
