// PHP packages installed by Composer: `<vendor dir>/composer/installed.json`,
// which Composer rewrites on every install. Two layouts:
//
//   Composer 1:  [ {"name": "symfony/console", "version": "v5.4.3", ...}, ... ]
//   Composer 2:  {"packages": [ ... ], "dev": true,
//                 "dev-package-names": ["phpunit/phpunit", ...]}
//
// Each package object has "name" ("vendor/project"), "version" as the tag
// was written ("v5.4.3", "2.0.0-alpha4", "dev-main") and "license" (an array
// of SPDX ids; a plain string in some old files).
//
// The parser is pure: text in, values out. Broken JSON is an error; a package
// object without a usable name or version is skipped with a Diagnostic.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// A big Drupal or Laravel site has a few hundred packages and an
// installed.json of a few MiB; the image JSON bound is far above.
inline constexpr size_t kMaxComposerInstalledBytes = kMaxImageJsonBytes;
// Diagnostics one file may add.
inline constexpr size_t kMaxComposerDiagnostics = 32;

struct ComposerLimits {
  size_t max_bytes = kMaxComposerInstalledBytes;
  size_t max_packages = kMaxPackagesPerDb;
  size_t max_diagnostics = kMaxComposerDiagnostics;
};

struct ComposerInstalled {
  std::vector<model::Package> packages;        // in file order
  std::vector<model::Diagnostic> diagnostics;  // skipped entries, limits hit
};

// Parses installed.json in either layout. Package type "composer", name
// "vendor/project" as written, purl "pkg:composer/vendor/project@version"
// (namespace and name lowercased, version as written), db_path `db_path`.
// Scope: Composer 2 files say which packages are dev ("dev"; the rest
// "prod"); Composer 1 files do not (""). InvalidArgument / ResourceExhausted
// (naming `db_path`) when the document is not JSON, too big or too deep, or
// neither an array nor an object with a "packages" array.
Result<ComposerInstalled> ParseComposerInstalled(std::string_view text, std::string_view db_path,
                                                 const ComposerLimits& limits = {});

class ComposerCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/php"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxComposerInstalledBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
