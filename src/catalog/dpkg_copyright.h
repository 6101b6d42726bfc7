// Licenses of Debian packages. The dpkg status database has none; every
// package ships `usr/share/doc/<package>/copyright`, in one of two forms:
//
//   machine-readable (DEP-5, copyright-format 1.0): paragraphs with
//     "License: GPL-2+" (a short name or an expression of them with
//     "and"/"or", a "with <x> exception" suffix, and the license text as
//     continuation lines), in "Files:" paragraphs and stand-alone ones;
//   free-form (older packages): prose that points to the license text in
//     `/usr/share/common-licenses/GPL-2`, or only names the license
//     ("under the terms of the GNU General Public License ... version 2").
//
// ParseDpkgCopyright reads, in this order of precedence (the first source
// that names any license wins, so that a DEP-5 file's explanatory prose does
// not add "GPL-2" next to its "GPL-2+"):
//   1. the first line of every License: field, split on "and", "or" and
//      ",", with grouping parentheses dropped and a parenthesised annotation
//      after a name dropped ("The MIT License (MIT)" -> "The MIT License");
//   2. every `/usr/share/common-licenses/<NAME>` reference -> "<NAME>";
//   3. common phrasings of the GNU licenses, Apache, MPL, Artistic, GFDL
//      (with "version N" and "or later" -> "GPL-2+") and the MIT/Expat
//      permission grant -> "MIT".
// Names are Debian's short names as written (they are not SPDX ids; the
// reporters turn non-SPDX ones into LicenseRefs), deduplicated, in the order
// first seen. Trivy's dpkg license analyzer reads sources 1 and 2.
//
// The parser is pure and never fails: text in, names out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"

namespace customs::catalog {

// Copyright files are usually a few KiB; the largest in Debian (Boost,
// texlive) are about 2 MiB.
inline constexpr size_t kMaxDpkgCopyrightBytes = 8u << 20;
// Distinct licenses kept per file; the longest DEP-5 files name ~40.
inline constexpr size_t kMaxDpkgCopyrightLicenses = 64;
// One license name; longer "names" are prose, not a short name.
inline constexpr size_t kMaxDpkgLicenseNameBytes = 128;

struct DpkgCopyrightLimits {
  size_t max_licenses = kMaxDpkgCopyrightLicenses;
  size_t max_name_bytes = kMaxDpkgLicenseNameBytes;
};

std::vector<std::string> ParseDpkgCopyright(std::string_view text,
                                            const DpkgCopyrightLimits& limits = {});

// Reads usr/share/doc/<package>/copyright (not files below it, such as
// examples' own debian/copyright) into a layer::PackageLicenses for
// <package>; a file that names no license adds nothing.
class DpkgCopyrightCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "os/dpkg-copyright"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxDpkgCopyrightBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
