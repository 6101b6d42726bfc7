// One comparison function per scheme, behind CompareVersions (version.h).
// Internal to the vuln module; each lives in its own version_<scheme>.cc.
#pragma once

#include <string_view>

#include "base/status.h"

namespace customs::vuln::internal {

int CompareDpkg(std::string_view a, std::string_view b);
Result<int> CompareApk(std::string_view a, std::string_view b);
int CompareRpm(std::string_view a, std::string_view b);
Result<int> CompareSemver(std::string_view a, std::string_view b);
Result<int> CompareGo(std::string_view a, std::string_view b);
Result<int> ComparePep440(std::string_view a, std::string_view b);
int CompareMaven(std::string_view a, std::string_view b);
Result<int> CompareRubyGems(std::string_view a, std::string_view b);
Result<int> CompareComposer(std::string_view a, std::string_view b);
Result<int> CompareNuGet(std::string_view a, std::string_view b);

}  // namespace customs::vuln::internal
