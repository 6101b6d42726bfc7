// Go and Rust packages compiled into executables.
//
// Go: the build info the Go linker writes into every binary (Go 1.13+), as
// `go version -m` prints it. It sits in the ELF section .go.buildinfo or,
// in binaries without section headers, 16-byte aligned near the start of
// the first writable segment, behind the 14-byte magic "\xff Go buildinf:".
// The 32-byte header holds the pointer size and flags; since Go 1.18 the Go
// version and the module info follow inline as varint-prefixed strings,
// before that the header holds two pointers to Go string headers
// (runtime.buildVersion, runtime.modinfo) read through the segments.
//
// Rust: binaries built with cargo-auditable carry their Cargo dependency
// tree as zlib-compressed JSON in the ELF section .dep-v0 (catalog/rust.h).
//
// One analyzer, "lang/binary", looks at every executable for both, so that
// each executable is read and its ELF headers parsed once; Cargo.lock files
// are "lang/rust" (catalog/rust.h).
//
// Packages follow Trivy: "stdlib" at the Go version ("go1.19.8" -> version
// "v1.19.8"), every dep (its replacement's path and version when replaced,
// as Go's debug/buildinfo reports them), and the main module; the version
// "(devel)" becomes "" (unknown). Purls are pkg:golang/<path>@<version>
// with the path lowercased, as the purl spec asks.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "catalog/elf.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// Bytes searched for the build-info magic from the start of a section or
// segment: the Go linker puts it first; Go's own reader searches 64 KiB.
inline constexpr size_t kMaxGoBuildInfoSearchBytes = 64u << 10;
// The Go version and module-info strings: the modinfo of the largest
// binaries (kubelet, ~300 modules) is ~30 KiB.
inline constexpr size_t kMaxGoModInfoBytes = 4u << 20;
// Executables smaller than this are scripts or stubs, not Go or Rust
// programs (the smallest Go binary is over 1 MiB).
inline constexpr uint64_t kMinBinaryBytes = 4096;
// Executables read whole into memory; larger ones become a file-too-large
// diagnostic. The largest real Go binaries are ~200 MiB.
inline constexpr size_t kMaxBinaryBytes = 256u << 20;

struct GoModule {
  std::string path;
  std::string version;
  std::string sum;
  bool replaced = false;
  std::string replace_path;  // a module path or a local directory
  std::string replace_version;
  std::string replace_sum;
};

struct GoBuildInfo {
  std::string go_version;  // "go1.19.8"
  std::string path;        // the main package's import path
  GoModule main;
  std::vector<GoModule> deps;
  std::vector<std::pair<std::string, std::string>> settings;  // build lines
};

// Finds and decodes the build info of a parsed ELF file. NotFound when there
// is none (not a Go binary); DataLoss or InvalidArgument when it is there
// but broken; ResourceExhausted over kMaxGoModInfoBytes.
Result<GoBuildInfo> ParseGoBuildInfo(std::span<const uint8_t> bytes, const ElfFile& elf);

// Parses module-info text into `info`: "path", "mod", "dep", "=>" and
// "build" lines, tab-separated. InvalidArgument naming the line when a
// line has the wrong number of columns or a replacement follows no module;
// unknown line kinds are skipped (newer Go versions may add some).
Status ParseGoModInfo(std::string_view text, GoBuildInfo& info);

// The packages of `info`, read from the file at `db_path`.
std::vector<model::Package> GoPackages(const GoBuildInfo& info, std::string_view db_path);

// pkg:golang/<lowercased path>@<version>.
std::string GoPurl(std::string_view module_path, std::string_view version);

class BinaryCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/binary"; }
  int Version() const override { return 1; }
  // Regular files with any execute bit, at least kMinBinaryBytes.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxBinaryBytes; }
  // Non-ELF files and ELF files without Go or Rust data give nothing; broken
  // build info or a broken .dep-v0 section gives a diagnostic.
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
