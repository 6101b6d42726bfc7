// Ruby gems installed by rubygems: the specification it writes for every
// installed gem, `<gem home>/specifications/<name>-<version>.gemspec` (and
// `specifications/default/` for the gems bundled with Ruby). The
// `gems/<name>-<version>/<name>.gemspec` shipped inside a gem's own files is
// the author's source, not a record of an installation, and is not read.
//
// An installed gemspec is Ruby code that rubygems generates:
//
//   # stub: rails 7.0.0 ruby lib
//   Gem::Specification.new do |s|
//     s.name = "rails".freeze
//     s.version = "7.0.0"
//     s.licenses = ["MIT".freeze]
//
// It is never evaluated. A bounded line scanner reads the assignments
// `<var>.name`, `.version`, `.license`, `.licenses` and `.platform` whose
// value is a string literal ("..", '..', %q{..}, optionally .freeze) or an
// array of them, with <var> taken from `Gem::Specification.new do |var|`.
// Without such assignments the "# stub: name version" line is the fallback.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// Installed gemspecs are a few KiB; the biggest (long descriptions and file
// lists) stay well under 1 MiB.
inline constexpr size_t kMaxGemspecBytes = 1u << 20;
// One string literal; names, versions and license ids are short.
inline constexpr size_t kMaxGemspecLiteralBytes = 1024;
// Licenses in one `licenses = [...]`; rubygems itself warns past a few.
inline constexpr size_t kMaxGemspecLicenses = 32;

// Parses one installed gemspec. Package type "gem", purl "pkg:gem/<name>@<v>"
// (with ?platform= for a platform other than "ruby"), db_path `db_path`.
// InvalidArgument, naming `db_path`, when no name or version is found.
Result<model::Package> ParseGemspec(std::string_view text, std::string_view db_path);

class GemspecCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/ruby"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxGemspecBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
