// npm packages installed in node_modules: one package.json per package.
//
// A package is the package.json directly inside a package directory of a
// node_modules folder, at any depth:
//   app/node_modules/lodash/package.json
//   app/node_modules/@babel/core/package.json
//   app/node_modules/a/node_modules/b/package.json   (nested or bundled)
//   app/node_modules/.pnpm/x@1.0.0/node_modules/x/package.json   (pnpm)
// Other package.json files are not packages and are not read: the app's own
// one outside node_modules (Trivy and Syft report it only as the root),
// node_modules/x/lib/package.json, node_modules/.bin/..., and so on.
//
// From each we take name and version (the file's own name: an npm alias
// installs "string-width" under node_modules/string-width-cjs, and the
// package is string-width), licenses ("license" as a string or a legacy
// {"type": ...} object, or a legacy "licenses" array), and the lifecycle
// scripts npm runs on install (preinstall, install, postinstall, prepare),
// kept for the contraband checks.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// One package.json. Real ones are a few KiB; old npm versions copied the
// whole README into a "readme" field, which reaches a few hundred KiB.
inline constexpr size_t kMaxNpmPackageJsonBytes = 4u << 20;
// Longest name and version kept. npm allows names of 214 characters; the
// version bound is generous for SemVer with prerelease and build metadata.
inline constexpr size_t kMaxNpmNameBytes = 512;
inline constexpr size_t kMaxNpmVersionBytes = 256;
// One lifecycle script kept in Package::scripts. Real ones are one command
// line; longer ones are cut (the contraband checks see the start).
inline constexpr size_t kMaxNpmScriptBytes = 64u << 10;

// True for "<anything>node_modules/<name>/package.json" and
// "<anything>node_modules/@scope/<name>/package.json" where the
// node_modules component is a whole path component and <name> does not
// start with ".".
bool IsNodeModulesPackageJson(std::string_view path);

// A valid npm package name or version as we keep them: non-empty, bounded,
// no whitespace or control characters.
bool IsNpmName(std::string_view s);
bool IsNpmVersion(std::string_view s);

// The purl of an npm package: "@babel/core" 7.1.0 ->
// "pkg:npm/%40babel/core@7.1.0".
std::string NpmPurl(std::string_view name, std::string_view version);

// Parses one package.json. Malformed JSON (or not an object at the top) is
// InvalidArgument naming `db_path` and the offset; a document without a
// valid name or version is not a package: nullopt. The package has type
// "npm", purl and db_path = `db_path` set.
Result<std::optional<model::Package>> ParseNpmPackageJson(std::string_view text,
                                                          std::string_view db_path);

class NpmPackageCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/npm"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxNpmPackageJsonBytes; }
  // A malformed package.json becomes a warning diagnostic: packages ship
  // broken ones on purpose as test fixtures inside node_modules.
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
