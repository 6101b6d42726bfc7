// Python packages installed into an interpreter's package directories:
//
//   <dir>/<dist>.dist-info/METADATA          wheels (pip)
//   <dir>/<dist>.egg-info/PKG-INFO           setuptools, directory form
//   <dir>/<dist>.egg-info                    setuptools, single-file form
//   <dir>/<dist>.egg/EGG-INFO/PKG-INFO       eggs
//
// where <dir> is a "site-packages" or "dist-packages" directory anywhere in
// the image (lib/python3.X/site-packages of venvs and of the interpreter,
// Debian's usr/lib/python3/dist-packages).
//
// The metadata is RFC 822 style (core metadata spec): "Key: value" headers,
// a line starting with space or tab continues the previous header, the first
// empty line ends the headers (the rest is the description). We read
//   Name, Version, License-Expression, License, Classifier: License :: ...
// and ignore the rest.
//
// The parser is pure: text and limits in, a package or an error out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// METADATA files carry the whole README as description: the largest seen on
// PyPI are a few MiB. Only the headers are read.
inline constexpr size_t kMaxPythonMetadataBytes = 8u << 20;
// A License header longer than this (or spanning several lines) is the full
// license text pasted in, not a name; classifiers are used instead.
inline constexpr size_t kMaxPythonLicenseNameBytes = 256;
// License classifiers kept per package; real packages have 1-3.
inline constexpr size_t kMaxPythonLicenseClassifiers = 16;

struct PythonLimits {
  size_t max_license_name_bytes = kMaxPythonLicenseNameBytes;
  size_t max_license_classifiers = kMaxPythonLicenseClassifiers;
};

// "Foo.Bar__baz" -> "foo-bar-baz" (PEP 503): lowercase, every run of '-',
// '_' and '.' becomes one '-'.
std::string NormalizePythonName(std::string_view name);

// Parses one metadata file. Package type "pypi", name as written in the
// metadata, purl name PEP 503-normalised, db_path `db_path`. Licenses:
// License-Expression if present; else License unless empty, "UNKNOWN" or
// full license text; else the last segment of each "License :: ..."
// classifier ("License :: OSI Approved :: MIT License" -> "MIT License").
// InvalidArgument (naming `db_path` and the line) without Name or Version.
Result<model::Package> ParsePythonMetadata(std::string_view text, std::string_view db_path,
                                           const PythonLimits& limits = {});

class PythonCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/python"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxPythonMetadataBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
