// Debian packages: the dpkg status database and its per-package file lists.
//
//   var/lib/dpkg/status         every package dpkg knows, one stanza each
//   var/lib/dpkg/status.d/<f>   distroless images: one or more stanzas per
//                               file, usually without a Status field
//   var/lib/dpkg/info/<p>.list  the paths package <p> installed, one a line
//
// The parsers are pure: text and limits in, values out. A stanza that cannot
// be read (no Package, no Version, a line that is neither "Field: value" nor
// a continuation, a limit hit) is skipped with a Diagnostic naming its line;
// the rest of the database still counts.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// One line of a control stanza. Real fields are a few KiB at most (long
// Depends of meta-packages); a longer line is not a status file.
inline constexpr size_t kMaxControlLineBytes = 1u << 20;
// Diagnostics one database may add: enough to see what is wrong with a
// corrupt file without letting a file of garbage flood the report.
inline constexpr size_t kMaxDiagnosticsPerDb = 32;

struct DpkgLimits {
  size_t max_stanzas = kMaxPackagesPerDb;
  size_t max_stanza_lines = kMaxRecordFields;
  size_t max_line_bytes = kMaxControlLineBytes;
  size_t max_list_lines = kMaxRecordFields;
  size_t max_diagnostics = kMaxDiagnosticsPerDb;
};

enum class DpkgStatusKind {
  kStatus,   // var/lib/dpkg/status: only "install ok installed" counts
  kStatusD,  // status.d/*: a stanza without Status counts as installed
};

struct DpkgStatus {
  std::vector<model::Package> packages;        // installed ones, in file order
  std::vector<model::Diagnostic> diagnostics;  // skipped stanzas, limits hit
};

// Parses a status file. Stanzas are separated by blank lines; a line starting
// with space or tab continues the previous field; field names are
// case-insensitive. Keeps stanzas whose Status is "install ok installed" (or
// "hold ok installed": a held package is just as installed). Package type is
// "deb", db_path is `db_path`; Source "name" or "name (version)" gives
// source_name/source_version, and without Source (or without its version)
// they are the binary's, so a binNMU "5.1-2+b3" of "Source: bash (5.1-2)"
// maps to its source version. Licenses are not in the status file.
DpkgStatus ParseDpkgStatus(std::string_view text, std::string_view db_path, DpkgStatusKind kind,
                           const DpkgLimits& limits = {});

// Parses var/lib/dpkg/info/<name>[:<arch>].list. Every listed path is kept
// without its leading "/", except the root entry "/.". Fails when the file
// name is not "<package>[:<arch>].list", or when a line is longer than
// kMaxPathBytes or there are more than max_list_lines lines.
Result<layer::PackageFiles> ParseDpkgFileList(std::string_view db_path, std::string_view text,
                                              const DpkgLimits& limits = {});

// The analyzer for the three kinds of file above.
class DpkgCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "os/dpkg"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxPackageDbBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
