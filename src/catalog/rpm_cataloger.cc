#include "catalog/rpm_cataloger.h"

#include <array>
#include <cstring>

#include "catalog/rpm_bdb.h"
#include "catalog/rpm_header.h"
#include "catalog/rpm_ndb.h"
#include "catalog/rpm_sqlite.h"

namespace customs::catalog {
namespace {

constexpr std::array<std::string_view, 7> kDatabasePaths = {
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/share/rpm/rpmdb.sqlite",
};

bool StartsWith(std::span<const uint8_t> bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() &&
         std::memcmp(bytes.data(), prefix.data(), prefix.size()) == 0;
}

Result<RpmDbContents> ParseRpmDatabase(std::span<const uint8_t> bytes) {
  if (StartsWith(bytes, std::string_view("SQLite format 3\0", 16))) return ParseRpmSqlite(bytes);
  if (StartsWith(bytes, "RpmP")) return ParseRpmNdb(bytes);
  return ParseRpmBdb(bytes);
}

model::Diagnostic BadDatabase(const std::string& path, std::string message) {
  model::Diagnostic d;
  d.severity = model::DiagnosticSeverity::kError;
  d.code = "bad-package-db";
  d.path = path;
  d.message = std::move(message);
  return d;
}

model::Package ToPackage(RpmHeader h, const std::string& db_path) {
  model::Package p;
  p.type = "rpm";
  p.name = std::move(h.name);
  p.version = h.version + "-" + h.release;
  p.epoch = h.epoch;
  p.arch = std::move(h.arch);
  if (auto source = SplitSourceRpm(h.source_rpm)) {
    p.source_name = std::move(source->first);
    p.source_version = std::move(source->second);
  } else {
    p.source_name = p.name;
    p.source_version = p.version;
  }
  if (!h.license.empty()) p.licenses.push_back(std::move(h.license));
  p.maintainer = std::move(h.vendor);
  p.db_path = db_path;
  p.files.reserve(h.files.size());
  for (auto& f : h.files) {
    size_t skip = 0;
    while (skip < f.size() && f[skip] == '/') ++skip;
    p.files.push_back(f.substr(skip));
  }
  return p;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> SplitSourceRpm(std::string_view name) {
  for (std::string_view suffix : {".src.rpm", ".nosrc.rpm"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.remove_suffix(suffix.size());
      size_t release_dash = name.rfind('-');
      if (release_dash == std::string_view::npos || release_dash == 0) return std::nullopt;
      size_t version_dash = name.rfind('-', release_dash - 1);
      if (version_dash == std::string_view::npos || version_dash == 0) return std::nullopt;
      if (release_dash + 1 == name.size() || version_dash + 1 == release_dash) return std::nullopt;
      return std::pair<std::string, std::string>(std::string(name.substr(0, version_dash)),
                                                 std::string(name.substr(version_dash + 1)));
    }
  }
  return std::nullopt;
}

bool RpmCataloger::Wants(const layer::FileInfo& info) const {
  for (auto path : kDatabasePaths)
    if (info.path == path) return true;
  return false;
}

Status RpmCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  const std::string& path = file.info.path;
  CUSTOMS_ASSIGN_OR_RETURN(RpmDbContents db, ParseRpmDatabase(file.content), path);
  for (auto& problem : db.problems) out.diagnostics.push_back(BadDatabase(path, problem));
  for (const auto& blob : db.headers) {
    auto header = ParseRpmHeader(blob.bytes);
    if (!header.ok()) {
      out.diagnostics.push_back(BadDatabase(
          path, "header " + std::to_string(blob.id) + ": " + header.status().ToString()));
      continue;
    }
    if (header->name == "gpg-pubkey") continue;  // an imported key, not a package
    out.packages.push_back(ToPackage(std::move(*header), path));
  }
  return Status::Ok();
}

}  // namespace customs::catalog
