// Rust crates: Cargo.lock files, and the dependency data cargo-auditable
// embeds in binaries.
//
// Cargo.lock is TOML; we read the subset Cargo writes with a bounded line
// scanner: `[[package]]` tables and their `name`, `version` and `source`
// string keys. Other tables (`[metadata]`, `[root]` of very old lockfiles)
// and other keys (`checksum`, multi-line `dependencies = [...]` arrays) are
// skipped. Every [[package]] becomes a package, workspace members (no
// source) included, as Trivy does; a table without name or version is
// skipped with a diagnostic naming its line.
//
// cargo-auditable (https://github.com/rust-secure-code/cargo-auditable)
// stores zlib-compressed JSON in the ELF section ".dep-v0":
//   {"packages":[{"name":"serde","version":"1.0.0","source":"crates.io",
//                 "kind":"build","dependencies":[1,2],"root":true}, ...]}
// "kind" is "runtime" when absent. Build-time dependencies are not in the
// binary and are skipped (as Trivy does); the rest become packages. The
// executables are read by "lang/binary" (catalog/go_binary.h).
//
// Packages: type "cargo", purl pkg:cargo/<name>@<version>.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

inline constexpr std::string_view kRustAuditSection = ".dep-v0";
// Inflated .dep-v0 JSON: cargo-auditable's own reader refuses more than
// 8 MiB; a binary with ~1000 crates needs ~150 KiB.
inline constexpr size_t kMaxRustAuditBytes = 8u << 20;
// Cargo.lock files: big workspaces (rust-lang/rust) are ~300 KiB.
inline constexpr size_t kMaxCargoLockBytes = 16u << 20;
// One line of a Cargo.lock: real lines are under 200 bytes.
inline constexpr size_t kMaxCargoLockLineBytes = 64u << 10;
// Diagnostics one lockfile may add (see kMaxDiagnosticsPerDb in dpkg.h).
inline constexpr size_t kMaxCargoLockDiagnostics = 32;

struct CargoLockLimits {
  size_t max_packages = kMaxPackagesPerDb;
  size_t max_line_bytes = kMaxCargoLockLineBytes;
  size_t max_diagnostics = kMaxCargoLockDiagnostics;
};

struct CargoLock {
  std::vector<model::Package> packages;        // in file order
  std::vector<model::Diagnostic> diagnostics;  // skipped tables, limits hit
};

// Parses a Cargo.lock read from `db_path`.
CargoLock ParseCargoLock(std::string_view text, std::string_view db_path,
                         const CargoLockLimits& limits = {});

// Decodes a .dep-v0 section (zlib, then JSON). DataLoss when it does not
// inflate, ResourceExhausted over kMaxRustAuditBytes, InvalidArgument when
// the JSON is malformed or has no "packages" array.
Result<std::vector<model::Package>> ParseRustAudit(std::span<const uint8_t> section,
                                                   std::string_view db_path);
// The JSON step alone. Entries without a string name and version are
// skipped.
Result<std::vector<model::Package>> ParseRustAuditJson(std::string_view json,
                                                       std::string_view db_path);

// pkg:cargo/<name>@<version>.
std::string CargoPurl(std::string_view name, std::string_view version);

class CargoLockCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "lang/rust"; }
  int Version() const override { return 1; }
  // Files named Cargo.lock anywhere.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxCargoLockBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
