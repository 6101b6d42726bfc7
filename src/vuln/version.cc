#include "vuln/version.h"

#include <string>

#include "vuln/version_schemes.h"

namespace customs::vuln {

std::string_view VersionSchemeName(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kDpkg:
      return "dpkg";
    case VersionScheme::kApk:
      return "apk";
    case VersionScheme::kRpm:
      return "rpm";
    case VersionScheme::kSemver:
      return "semver";
    case VersionScheme::kGo:
      return "go";
    case VersionScheme::kPep440:
      return "pep440";
    case VersionScheme::kMaven:
      return "maven";
    case VersionScheme::kRubyGems:
      return "rubygems";
    case VersionScheme::kComposer:
      return "composer";
    case VersionScheme::kNuGet:
      return "nuget";
  }
  return "unknown";
}

namespace {

struct EcosystemScheme {
  std::string_view ecosystem;  // OSV ecosystem name, the part before the first ':'
  VersionScheme scheme;
};

// OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field)
// whose versions one of our schemes orders. Names are case-sensitive in OSV.
constexpr EcosystemScheme kEcosystemSchemes[] = {
    {"Debian", VersionScheme::kDpkg},
    {"Ubuntu", VersionScheme::kDpkg},
    {"Alpine", VersionScheme::kApk},
    {"Wolfi", VersionScheme::kApk},
    {"Chainguard", VersionScheme::kApk},
    {"Red Hat", VersionScheme::kRpm},
    {"AlmaLinux", VersionScheme::kRpm},
    {"Rocky Linux", VersionScheme::kRpm},
    {"openSUSE", VersionScheme::kRpm},
    {"SUSE", VersionScheme::kRpm},
    {"Mageia", VersionScheme::kRpm},
    {"openEuler", VersionScheme::kRpm},
    {"Azure Linux", VersionScheme::kRpm},
    {"Photon OS", VersionScheme::kRpm},
    {"npm", VersionScheme::kSemver},
    {"crates.io", VersionScheme::kSemver},
    {"Hex", VersionScheme::kSemver},
    {"Pub", VersionScheme::kSemver},
    {"SwiftURL", VersionScheme::kSemver},
    {"GitHub Actions", VersionScheme::kSemver},
    {"Go", VersionScheme::kGo},
    {"PyPI", VersionScheme::kPep440},
    {"Maven", VersionScheme::kMaven},
    {"RubyGems", VersionScheme::kRubyGems},
    {"Packagist", VersionScheme::kComposer},
    {"NuGet", VersionScheme::kNuGet},
};

}  // namespace

std::optional<VersionScheme> SchemeForEcosystem(std::string_view ecosystem) {
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  for (const EcosystemScheme& entry : kEcosystemSchemes)
    if (entry.ecosystem == base) return entry.scheme;
  return std::nullopt;
}

Result<int> CompareVersions(VersionScheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case VersionScheme::kDpkg:
      return internal::CompareDpkg(a, b);
    case VersionScheme::kApk:
      return internal::CompareApk(a, b);
    case VersionScheme::kRpm:
      return internal::CompareRpm(a, b);
    case VersionScheme::kSemver:
      return internal::CompareSemver(a, b);
    case VersionScheme::kGo:
      return internal::CompareGo(a, b);
    case VersionScheme::kPep440:
      return internal::ComparePep440(a, b);
    case VersionScheme::kMaven:
      return internal::CompareMaven(a, b);
    case VersionScheme::kRubyGems:
      return internal::CompareRubyGems(a, b);
    case VersionScheme::kComposer:
      return internal::CompareComposer(a, b);
    case VersionScheme::kNuGet:
      return internal::CompareNuGet(a, b);
  }
  return Internal("unknown version scheme " + std::to_string(static_cast<int>(scheme)));
}

}  // namespace customs::vuln
