// The rpm cataloger: reads rpm's package database in any of its three
// backends (Berkeley DB "Packages", NDB "Packages.db", SQLite
// "rpmdb.sqlite") natively, without librpm.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "layer/analyzer.h"

namespace customs::catalog {

// "openssl-1.1.1k-6.el8.src.rpm" -> {"openssl", "1.1.1k-6.el8"}; nullopt when
// the name does not end in ".src.rpm"/".nosrc.rpm" or lacks a version or
// release.
std::optional<std::pair<std::string, std::string>> SplitSourceRpm(std::string_view source_rpm);

// Records one model::Package of type "rpm" per installed package (gpg-pubkey
// pseudo-packages left out). The backend is chosen from the file's first
// bytes. A header that cannot be parsed, and a record the database reader
// could not extract, become "bad-package-db" diagnostics while the other
// packages still count; a database that cannot be read at all is a non-ok
// Status. Stateless and thread-safe.
class RpmCataloger final : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "os/rpm"; }
  int Version() const override { return 1; }
  // var/lib/rpm/, usr/lib/sysimage/rpm/ {Packages, Packages.db, rpmdb.sqlite}
  // and usr/share/rpm/rpmdb.sqlite.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxPackageDbBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
