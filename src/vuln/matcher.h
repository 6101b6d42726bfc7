// Matching: installed packages joined against the advisory DB.
//
// OS packages are matched against their distro's data only, through the
// source package and source version (Debian, Ubuntu; Alpine's origin), in
// the image's release ("Debian:12", "Alpine:v3.19"). Language packages are
// matched by ecosystem and normalised name, except those an OS package
// installed (Package::owner): the distro's data for the owner covers them.
// Advisories that name each other (CVE, GHSA, PYSEC, DSA, ...) become one
// vulnerability per package with all its IDs. OSV MAL- advisories become
// contraband detections, not vulnerabilities.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "model/detection.h"
#include "model/package.h"
#include "model/vulnerability.h"
#include "vuln/advisory_db.h"

namespace customs::vuln {

struct MatchOptions {
  // Debian rates some CVEs "unimportant" (no security impact in Debian's
  // build); they are returned suppressed unless this is set (osv-scanner's
  // --all-vulns).
  bool include_unimportant = false;
  // Kernel CVEs against linux-libc-dev and kernel headers describe the
  // kernel, which a container does not ship: off by default (Grype's
  // match-upstream-kernel-headers).
  bool match_kernel_headers = false;
  // When set, Explain lines are recorded for every decision about an
  // advisory with this ID or alias (`customs explain ID IMAGE`).
  std::string explain_id;
  // Threads matching a large package set, each with its own DB connection:
  // 0 for one per core (at most 2), 1 for none. The output is the same.
  int threads = 0;
};

struct MatchOutput {
  std::vector<model::Vulnerability> vulnerabilities;  // sorted: severity desc, id, package
  std::vector<model::Detection> detections;           // malicious package versions
  std::vector<model::Diagnostic> diagnostics;         // versions that could not be compared
  std::vector<std::string> explanation;               // with MatchOptions::explain_id
};

// The distro ecosystems an image's OS is matched in, most specific first
// ("Debian:12"; "Alpine:v3.19"; "Ubuntu:22.04:LTS", "Ubuntu:22.04"). Empty
// for an OS customs has no distro data for.
std::vector<std::string> DistroEcosystems(const model::OsInfo& os);

// The OSV ecosystem of a language package type ("npm" -> "npm", "pypi" ->
// "PyPI", "golang" -> "Go", ...), empty when none.
std::string_view LanguageEcosystem(std::string_view package_type);

// Matches every package. Fails only when the DB cannot be read; a version
// the ecosystem's rules reject is a warning diagnostic and that package is
// skipped for that advisory.
Result<MatchOutput> MatchPackages(const AdvisoryDb& db, const model::OsInfo& os,
                                  const std::vector<model::Package>& packages,
                                  const MatchOptions& options = {});

}  // namespace customs::vuln
