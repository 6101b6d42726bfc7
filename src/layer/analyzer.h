// The contract between the one walk over a layer and the code that looks at
// files: catalogers (packages, OS) and detectors (contraband).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "model/detection.h"
#include "model/package.h"

namespace customs::layer {

enum class FileType { kRegular, kDirectory, kSymlink, kHardlink, kOther };

// Metadata of one tar entry or rootfs file. `path` is normalised: relative to
// the image root, no leading "/" or "./", no "." or ".." components.
struct FileInfo {
  std::string path;
  FileType type = FileType::kRegular;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission and setuid/setgid/sticky bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string link_target;  // symlinks: as written; hardlinks: normalised path
  // The tar typeflag for kOther entries: '3' char device, '4' block device,
  // '6' FIFO; 0 for the other types and for entries not read from a tar.
  // Not stored by the layer cache (store/layer_codec).
  char typeflag = 0;
};

// A file handed to an analyzer: its metadata and its whole content, which is
// valid only during the Analyze call.
struct File {
  const FileInfo& info;
  std::span<const uint8_t> content;
  std::string_view text() const {
    return {reinterpret_cast<const char*>(content.data()), content.size()};
  }
};

// Files a package database lists for one package, read from a file of their
// own (dpkg's info/<name>.list). Joined to packages after the merge.
struct PackageFiles {
  std::string db_path;  // the list file
  std::string package;  // package name
  std::string arch;     // "" when the file name carries none
  std::vector<std::string> files;
};

// Licenses a package records in a file of its own (Debian's
// usr/share/doc/<package>/copyright). Joined to packages after the merge.
struct PackageLicenses {
  std::string db_path;  // the copyright file
  std::string package;  // package name
  std::vector<std::string> licenses;
};

// What analyzers found in one file. Everything records the path it came from
// (Package::db_path, OsInfo::source_path, PackageFiles::db_path), so that the
// merge keeps it only while that path is visible in the final filesystem.
struct Findings {
  std::vector<model::Package> packages;
  std::vector<model::OsInfo> os;
  std::vector<PackageFiles> package_files;
  std::vector<PackageLicenses> package_licenses;
  // Contraband in the file: `path` set, `layer` filled in by the merge.
  std::vector<model::Detection> detections;
  std::vector<model::Diagnostic> diagnostics;
};

// Content detectors see every regular file's bytes in windows of at most
// this many bytes; consecutive windows of one file overlap by
// kContentWindowOverlap so that a match of up to that length is never cut.
inline constexpr size_t kContentWindowBytes = size_t{16} << 20;
inline constexpr size_t kContentWindowOverlap = size_t{64} << 10;

// Inspects single files of a layer. Stateless and safe to call from several
// threads; the layer walker owns traversal.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Stable name used in reports and diagnostics, e.g. "os/dpkg".
  virtual std::string_view Name() const = 0;
  // Bumped whenever the output for the same input changes; part of the layer
  // cache key.
  virtual int Version() const = 0;
  // Cheap decision from path and metadata only; never reads content. Called
  // for regular files only.
  virtual bool Wants(const FileInfo& info) const = 0;
  // Largest file this analyzer reads; a larger wanted file becomes a
  // "file-too-large" diagnostic instead.
  virtual size_t MaxBytes() const { return kMaxSmallFileBytes; }
  // Parses one file. A bad file is a non-ok Status, which the walker turns
  // into a Diagnostic; it never aborts the scan.
  virtual Status Analyze(const File& file, Findings& out) const = 0;

  // A content detector answers true: it then sees every regular file
  // through ScanWindow (Wants, MaxBytes and Analyze are not used).
  virtual bool ScansContent() const { return false; }
  // One window of the file `info` starting at byte `offset` of it; `last` on
  // its final window. A file no larger than kContentWindowBytes comes whole
  // in one call. Errors become diagnostics, as for Analyze.
  virtual Status ScanWindow(const FileInfo& /*info*/, std::span<const uint8_t> /*window*/,
                            uint64_t /*offset*/, bool /*last*/, Findings& /*out*/) const {
    return Status::Ok();
  }
};

}  // namespace customs::layer
