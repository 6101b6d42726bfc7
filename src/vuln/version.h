// Version comparison with each ecosystem's own rules.
//
// Advisory ranges are only as right as the comparison behind them: dpkg's `~`
// sorts before everything, rpm's `^` after, PEP 440's `1.0rc1` before `1.0`,
// Maven's `1.0-SNAPSHOT` before `1.0`. Each scheme follows its reference
// implementation; the tests run the vectors in ../shared/data/versions.
#pragma once

#include <optional>
#include <string_view>

#include "base/status.h"

namespace customs::vuln {

enum class VersionScheme {
  kDpkg,      // Debian, Ubuntu: [epoch:]upstream[-revision], deb-version(7)
  kApk,       // Alpine, Wolfi: apk-tools' version ordering (suffixes, -rN)
  kRpm,       // Red Hat family: rpmvercmp with [epoch:]version[-release]
  kSemver,    // SemVer 2.0.0 (npm, crates.io, SEMVER ranges of any ecosystem)
  kGo,        // Go modules: SemVer with a `v` prefix optional, pseudo-versions,
              // `+incompatible`; Go toolchain versions `go1.21.0`, `1.21rc2`
  kPep440,    // PyPI
  kMaven,     // Maven ComparableVersion
  kRubyGems,  // Gem::Version
  kComposer,  // Packagist: PHP version_compare after Composer's normalisation
  kNuGet,     // NuGet: SemVer 2 with 4-part numbers, case-insensitive labels
};

std::string_view VersionSchemeName(VersionScheme scheme);

// The scheme for an OSV ecosystem name: "Debian:12" and "Ubuntu:22.04" -> dpkg,
// "Alpine:v3.19" -> apk, "npm" and "crates.io" -> semver, "Go" -> go,
// "PyPI" -> pep440, "Maven", "RubyGems", "Packagist" -> composer, "NuGet",
// "AlmaLinux:8", "Rocky Linux:9", "Red Hat" -> rpm. Only the part before the
// first ':' decides. nullopt for ecosystems customs does not compare.
std::optional<VersionScheme> SchemeForEcosystem(std::string_view ecosystem);

// Compares two versions: negative if a < b, 0 if equal, positive if a > b.
// InvalidArgument (naming the version) when a or b is not a version of the
// scheme; schemes whose reference implementation orders any string (dpkg,
// rpm, maven) accept any input. Pure, thread-safe, no allocation beyond the
// versions' size.
Result<int> CompareVersions(VersionScheme scheme, std::string_view a, std::string_view b);

}  // namespace customs::vuln
