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
};

// CycloneDX 1.5 JSON (https://cyclonedx.org/docs/1.5/json/): the image as
// metadata.component (type "container"), then per result the OS
// ("operating-system") and every package ("library") with purl, licenses and
// "customs:" properties naming the layer, database and source package, and a
// dependency graph image -> OS -> packages. Several results (platforms) become
// one container component each under a metadata.component for the reference.
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

// customs' own JSON result, schema version kJsonSchemaVersion, documented
// field by field in docs/json-result.md. Every field of the model is there.
inline constexpr int kJsonSchemaVersion = 1;
std::string RenderJson(const std::vector<model::ScanResult>& results, const ReportOptions& options);

// A plain-text table per image, like Trivy's and Grype's: a header line
// (reference, OS, platform, digest, package count), then NAME VERSION ARCH
// TYPE SOURCE LAYER sorted by name, then the diagnostics and, when an error
// was recorded, a line saying the result is incomplete. No colour; control
// characters in names are replaced so output cannot drive the terminal.
std::string RenderTable(const std::vector<model::ScanResult>& results);

}  // namespace customs::report
