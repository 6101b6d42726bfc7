// npm lockfiles: what a JavaScript project pins, read where the project
// lives in the image (not inside node_modules).
//
//   package-lock.json, npm-shrinkwrap.json
//     v1: "dependencies": {name: {version, dev, dependencies: {...}}},
//         nested to any depth; an alias has version "npm:real@1.2.3".
//     v2, v3: "packages": {"node_modules/a/node_modules/b": {version, dev,
//         name (aliases only), link}}. The root "" and link entries (and
//         workspace folders, keys without node_modules/) are the project's
//         own and are skipped. v2 repeats the v1 tree; "packages" wins.
//   yarn.lock
//     v1 (yarn classic, its own format):
//         "@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
//           version "7.12.11"
//     berry (yarn 2+, YAML, has a __metadata entry):
//         "ansi-regex@npm:^6.0.0":
//           version: 6.0.1
//           resolution: "ansi-regex@npm:6.0.1"
//         The name is the resolution's; workspace: (the project itself)
//         and patch: (a patched copy of an npm entry also listed) are
//         skipped.
//   pnpm-lock.yaml (YAML), entries of "packages:" keyed
//     v5 "/name/1.0.0" (peers: "_peer@1.0.0"), v6 "/name@1.0.0(peer@1.0.0)",
//     v9 "name@1.0.0"; "name:"/"version:" fields in the entry win (tarball
//     and git dependencies); "dev: true|false" where the version writes it.
//
// Scope: "dev" for entries marked dev (package-lock "dev": true, pnpm
// "dev": true), "prod" where the lockfile says an entry is not dev, "" where
// the format does not say (yarn, pnpm v9). npm's "devOptional" (needed by a
// dev dependency and optionally by a prod one) is "prod": npm installs it
// in production unless optional dependencies are omitted.
//
// Versions that are not registry versions (git URLs, file: paths in v1
// lockfiles) are skipped. The same name@version appears once per lockfile;
// when its occurrences differ in scope, "prod" wins over "" over "dev".
//
// Parsers are pure: text and limits in, values out. YAML is bounded (size,
// and a pre-scan of indentation, sequence indicators and flow brackets
// bounds the nesting) before yaml-cpp sees it, and its exceptions stop here.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// A lockfile: big monorepos' lockfiles reach 10-20 MiB; the YAML and JSON
// trees built from them take about 10-20 times their size in memory.
inline constexpr size_t kMaxNpmLockfileBytes = 32u << 20;
// package-lock v1 "dependencies" nesting. npm nests a copy only where the
// hoisted one conflicts; real trees are under 10 deep.
inline constexpr size_t kMaxNpmLockDepth = 30;
// YAML nesting bound checked before parsing (yaml-cpp recurses once per
// level). pnpm and yarn lockfiles nest 4 deep.
inline constexpr size_t kMaxYamlNesting = 128;
// Diagnostics one lockfile may add.
inline constexpr size_t kMaxNpmLockDiagnostics = 32;

struct NpmLockLimits {
  size_t max_bytes = kMaxNpmLockfileBytes;
  size_t max_packages = kMaxPackagesPerDb;
  size_t max_depth = kMaxNpmLockDepth;
  size_t max_yaml_nesting = kMaxYamlNesting;
  size_t max_diagnostics = kMaxNpmLockDiagnostics;
};

struct NpmLockfile {
  std::vector<model::Package> packages;        // first occurrence order
  std::vector<model::Diagnostic> diagnostics;  // skipped entries, limits hit
};

// Each parser returns InvalidArgument (with line or byte offset) for a
// document it cannot read at all and ResourceExhausted over a limit; bad
// single entries are skipped with a diagnostic. Packages have type "npm",
// purl, scope and db_path = `db_path`.
Result<NpmLockfile> ParsePackageLockJson(std::string_view text, std::string_view db_path,
                                         const NpmLockLimits& limits = {});
// yarn.lock of either generation (berry when a line is "__metadata:").
Result<NpmLockfile> ParseYarnLock(std::string_view text, std::string_view db_path,
                                  const NpmLockLimits& limits = {});
Result<NpmLockfile> ParsePnpmLock(std::string_view text, std::string_view db_path,
                                  const NpmLockLimits& limits = {});

class NpmLockCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/npm-lock"; }
  int Version() const override { return 1; }
  // package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml
  // anywhere but inside node_modules.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxNpmLockfileBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
