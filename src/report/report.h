// Reporters: turn scan results into the documents users read or feed to other
// tools. Each takes every result of one scan (a `--platform all` scan gives one
// per platform) and returns the whole document as a string.
//
// Reporters are pure: they read no clock and make no randomness. The caller
// passes the timestamp and an optional seed in ReportOptions, and document
// identifiers (CycloneDX serialNumber, SPDX documentNamespace) are derived
// from the image digests, the tool version and that seed, so the same scan
// renders byte-for-byte the same document.
//
//   ReportOptions opts{.tool_version = "0.1.0", .timestamp = "2024-05-01T12:00:00Z"};
//   CUSTOMS_ASSIGN_OR_RETURN(std::string bom, RenderCycloneDx(results, opts));
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "model/scan_result.h"

namespace customs::report {

struct ReportOptions {
  std::string tool_name = "customs";
  std::string tool_version;
  // When the document was made, "YYYY-MM-DDTHH:MM:SSZ" (UTC, no fraction:
  // SPDX 2.3 allows nothing else). CycloneDX omits it when empty; SPDX needs
  // one and fails without it.
  std::string timestamp;
  // Mixed into the serial number and namespace, so two documents about the
  // same image (say, before and after a rescan) can be told apart. Empty is
  // fine: then equal scans give equal identifiers.
  std::string seed;
  // SPDX documentNamespace is this prefix + "<image name>-<uuid>".
  std::string spdx_namespace_prefix = "https://spdx.org/spdxdocs/";
  // Where users read about the tool: SARIF tool.driver.informationUri. An
  // absolute URI; omitted when empty.
  std::string information_uri;
};

// CycloneDX 1.5 JSON (https://cyclonedx.org/docs/1.5/json/): the image as
// metadata.component (type "container"), then per result the OS
// ("operating-system") and every package ("library") with purl, licenses and
// "customs:" properties naming the layer, database and source package, and a
// dependency graph image -> OS -> packages. Several results (platforms) become
// one container component each under a metadata.component for the reference.
// Vulnerabilities are listed once per id, with ratings, aliases as references,
// the affected package components and their installed/fixed versions, and an
// analysis for suppressed or will-not-fix ones.
// Fails only on a malformed options.timestamp.
Result<std::string> RenderCycloneDx(const std::vector<model::ScanResult>& results,
                                    const ReportOptions& options);

// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): one package per
// image (primaryPackagePurpose CONTAINER), OS and installed package, with
// purls as PACKAGE-MANAGER external refs, licenseDeclared as a valid SPDX
// expression (strings that are not become LicenseRef-... listed in
// hasExtractedLicensingInfos), the layer in sourceInfo, and relationships
// DOCUMENT DESCRIBES image, image CONTAINS OS and each package. Owned files
// are not listed. Fails when options.timestamp is empty or malformed.
Result<std::string> RenderSpdx(const std::vector<model::ScanResult>& results,
                               const ReportOptions& options);

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), as GitHub
// code scanning accepts it: one run; a rule per vulnerability id and per
// contraband rule, with help text, tags and "security-severity"; a result per
// vulnerable package and per detection, located at the package database or
// file in the image (uriBaseId ROOTPATH) and, for images, at the image
// reference as a logical location. Suppressed vulnerabilities are results
// with an external suppression. Fails only on a malformed options.timestamp.
Result<std::string> RenderSarif(const std::vector<model::ScanResult>& results,
                                const ReportOptions& options);

// customs' own JSON result, schema version kJsonSchemaVersion, documented
// field by field in docs/json-result.md. Every field of the model is there.
inline constexpr int kJsonSchemaVersion = 1;
std::string RenderJson(const std::vector<model::ScanResult>& results, const ReportOptions& options);

// A plain-text table per image, like Trivy's and Grype's: a header line
// (reference, OS, platform, digest, package count), then NAME VERSION ARCH
// TYPE SOURCE LAYER sorted by name; then, when there are any, the
// vulnerabilities per target (package database or file) with a "Total: N
// (UNKNOWN: .., LOW: .., MEDIUM: .., HIGH: .., CRITICAL: ..)" line, the count
// of suppressed ones by reason, and the contraband; then the diagnostics and,
// when an error was recorded, a line saying the result is incomplete. No colour; control
// characters in names are replaced so output cannot drive the terminal.
// Without `list_packages` (a vulnerability scan, as Trivy's table) the
// package rows are left out and a result without findings says so.
std::string RenderTable(const std::vector<model::ScanResult>& results, bool list_packages = true);

}  // namespace customs::report
