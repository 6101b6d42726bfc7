// Alpine packages: apk's installed database (lib/apk/db/installed, or
// usr/lib/apk/db/installed on newer releases).
//
// The format: one record per package, records separated by blank lines,
// every line "X:value" with a one-letter key. We read
//   P name   V version   A arch   o origin (the source package)
//   L license expression   m maintainer
//   F directory, then R file lines: "F:usr/bin" + "R:foo" -> "usr/bin/foo"
//     (an R before any F is in the root directory)
// and ignore the rest (checksums, dependencies, sizes, ...).
//
// The parser is pure: text and limits in, values out. A record that cannot
// be read (no P, no V, a line not of the form "X:value", a limit hit) is
// skipped with a Diagnostic naming its line; the rest still counts.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// Bytes of file paths one database may produce. "F:" + many short "R:"
// lines turns a few bytes of input into a long path each, so the output is
// bounded apart from the input; a full Alpine with thousands of packages
// lists ~100k files, ~5 MiB of paths.
inline constexpr size_t kMaxApkFileListBytes = 64u << 20;
// One line of the database; real lines are short (the longest are D:
// dependency lists, a few KiB).
inline constexpr size_t kMaxApkLineBytes = 1u << 20;
// Diagnostics one database may add (see kMaxDiagnosticsPerDb in dpkg.h).
inline constexpr size_t kMaxApkDiagnostics = 32;

struct ApkLimits {
  size_t max_records = kMaxPackagesPerDb;
  size_t max_record_lines = kMaxRecordFields;
  size_t max_line_bytes = kMaxApkLineBytes;
  size_t max_file_list_bytes = kMaxApkFileListBytes;
  size_t max_diagnostics = kMaxApkDiagnostics;
};

struct ApkInstalled {
  std::vector<model::Package> packages;        // in file order
  std::vector<model::Diagnostic> diagnostics;  // skipped records, limits hit
};

// Parses an installed database. Package type "apk", db_path `db_path`;
// source_name is the origin (the name when there is none) and
// source_version the version; the L line is kept as one license
// expression. When the file-path budget is spent, later packages keep no
// files and a diagnostic says so.
ApkInstalled ParseApkInstalled(std::string_view text, std::string_view db_path,
                               const ApkLimits& limits = {});

class ApkCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "os/apk"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxPackageDbBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
