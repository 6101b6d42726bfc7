// Java archives: jar, war, ear and par files, and the archives nested in
// them (Spring Boot BOOT-INF/lib/*.jar, WEB-INF/lib/*.jar, shaded jars).
//
// In each archive, in this order of trust (Trivy's and osv-scalibr's):
//   1. every member named pom.properties (Maven writes
//      META-INF/maven/<groupId>/<artifactId>/pom.properties; shaded and uber
//      jars keep one per bundled artifact, so one archive may give several
//      packages) with groupId, artifactId and version all set;
//   2. if there is none, the main section of META-INF/MANIFEST.MF, as
//      Trivy reads it offline: groupId from Implementation-Vendor-Id, else
//      Bundle-SymbolicName up to its last '.', else Implementation-Vendor,
//      else Specification-Vendor; artifactId from Implementation-Title,
//      Specification-Title or Bundle-Name; version from
//      Implementation-Version, Specification-Version or Bundle-Version. All
//      three must be found.
//   3. else the archive's file name "name-1.2.3.jar" (the version starts at
//      the first "-" followed by a digit). The group is unknown: such a
//      package has an empty purl namespace (pkg:maven/name@1.2.3), which is
//      how a consumer tells a file-name guess from a Maven coordinate.
// Nested archives (members ending in .jar, .war, .ear, .par) are opened
// recursively up to a depth and a budget of expanded bytes; what lies past
// a limit is reported as an "archive-limit" diagnostic.
//
// Packages: type "maven", name = artifactId, purl
// pkg:maven/<groupId>/<artifactId>@<version>, db_path = the archive file in
// the image, inner_path = where inside it the package was found:
// "META-INF/maven/g/a/pom.properties" or, nested,
// "BOOT-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties"; for a file-name
// guess the nested archive's own path ("BOOT-INF/lib/x-1.0.jar"), or "" for
// the outer file. Identical (group, artifact, version) found twice in one
// archive are reported once. Licenses are not read yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "layer/zip_reader.h"
#include "model/package.h"

namespace customs::catalog {

// Archives within archives: Spring Boot nests 2 deep, Java EE ears 3;
// osv-scalibr's test fixture nests 10 deep. Past 16 it is a bomb.
inline constexpr size_t kMaxJarNestingDepth = 16;
// Bytes read from members (nested archives, metadata) of one outer archive,
// across all nesting levels: bounds memory and work for archives that
// repeat or nest the same data.
inline constexpr uint64_t kMaxJarExpandedBytes = 512ull << 20;
// One pom.properties or MANIFEST.MF: real ones are a few KiB.
inline constexpr size_t kMaxJarMetadataBytes = 1u << 20;
// Archive files read into memory: fat jars of big applications are
// ~200 MiB.
inline constexpr size_t kMaxJavaArchiveBytes = 256u << 20;
// Diagnostics one outer archive may add.
inline constexpr size_t kMaxJavaDiagnostics = 32;

struct JavaLimits {
  size_t max_depth = kMaxJarNestingDepth;
  uint64_t max_expanded_bytes = kMaxJarExpandedBytes;
  size_t max_metadata_bytes = kMaxJarMetadataBytes;
  size_t max_packages = kMaxPackagesPerDb;
  size_t max_diagnostics = kMaxJavaDiagnostics;
  layer::ZipLimits zip;
};

// Maven coordinates as read from one source.
struct MavenCoordinates {
  std::string group_id;
  std::string artifact_id;
  std::string version;
  // MANIFEST.MF Bundle-License entries (OSGi: comma-separated SPDX ids or
  // license URLs, attributes after ';' dropped); pom.properties has none.
  std::vector<std::string> licenses;
  bool Complete() const { return !group_id.empty() && !artifact_id.empty() && !version.empty(); }
};

// groupId, artifactId and version of a pom.properties (Java properties
// syntax: "key=value", "key: value" or "key value", # and ! comments).
MavenCoordinates ParsePomProperties(std::string_view text);
// The coordinates the main section of a MANIFEST.MF gives (rules above);
// fields not found stay empty.
MavenCoordinates ParseJarManifest(std::string_view text);
// artifactId and version from "name-1.2.3.jar"; empty when the name has no
// version.
MavenCoordinates CoordinatesFromFileName(std::string_view file_name);

struct JavaArchive {
  std::vector<model::Package> packages;
  std::vector<model::Diagnostic> diagnostics;  // nested archives skipped, limits
};

// Parses the archive at image path `path`. Non-ok when the outer file is
// not a readable zip archive; problems inside it become diagnostics.
Result<JavaArchive> ParseJavaArchive(std::span<const uint8_t> bytes, std::string_view path,
                                     const JavaLimits& limits = {});

// pkg:maven/<group>/<artifact>@<version> (no namespace when group is "").
std::string MavenPurl(std::string_view group, std::string_view artifact, std::string_view version);

class JavaArchiveCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/java"; }
  int Version() const override { return 1; }
  // *.jar, *.war, *.ear, *.par in any letter case, anywhere.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxJavaArchiveBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
