// .NET packages of a built application: `<app>.deps.json`, which the SDK
// writes next to the application's assemblies and the host reads at start.
//
//   {"runtimeTarget": {"name": ".NETCoreApp,Version=v6.0"},
//    "targets": {".NETCoreApp,Version=v6.0": {
//        "Newtonsoft.Json/13.0.1": {"runtime": {"lib/.../Newtonsoft.Json.dll": {}}},
//        "Microsoft.NETCore.Platforms/1.1.0": {}}},
//    "libraries": {
//        "app/1.0.0": {"type": "project"},
//        "Newtonsoft.Json/13.0.1": {"type": "package", "sha512": "..."}}}
//
// Every "libraries" entry keyed "Name/Version" of type "package" is a NuGet
// package (type "runtimepack", the runtime bundled into a self-contained
// app, is reported under its name without the "runtimepack." prefix);
// "project" (the application and its project references) and "reference"
// entries are not packages. When the runtime target is listed in "targets",
// a library that appears there without any "runtime", "runtimeTargets" or
// "native" assets ships no code (build-time or meta package) and is left
// out; a library missing from the target is kept, as Trivy does, so that
// nothing is lost to an incomplete file.
//
// The parser is pure: text in, values out.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// Big ASP.NET applications have deps.json files of a few hundred KiB.
inline constexpr size_t kMaxDotnetDepsBytes = kMaxImageJsonBytes;
inline constexpr size_t kMaxDotnetDiagnostics = 32;

struct DotnetLimits {
  size_t max_bytes = kMaxDotnetDepsBytes;
  size_t max_packages = kMaxPackagesPerDb;
  size_t max_diagnostics = kMaxDotnetDiagnostics;
};

struct DotnetDeps {
  std::vector<model::Package> packages;  // sorted by "Name/Version" key
  std::vector<model::Diagnostic> diagnostics;
};

// Parses a deps.json file. Package type "nuget", purl
// "pkg:nuget/Name@Version" (case kept), db_path `db_path`. An ill-formed
// key ("Name" without "/Version") is skipped with a Diagnostic.
// A file without "libraries" has no packages. InvalidArgument /
// ResourceExhausted (naming `db_path`) when the document is not JSON, too
// big or too deep, or not an object.
Result<DotnetDeps> ParseDotnetDeps(std::string_view text, std::string_view db_path,
                                   const DotnetLimits& limits = {});

class DotnetDepsCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/dotnet"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxDotnetDepsBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
