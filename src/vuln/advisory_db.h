// The advisory DB: one SQLite file holding every source's advisories in one
// schema keyed by (ecosystem, normalised package name) (DESIGN.md rule 4).
//
// Writers build a new file (Create), Insert advisories inside one
// transaction, record the sources and Commit; the updater then renames the
// file over the old one so readers never see a half-built DB. Readers Open
// the file read-only. One AdvisoryDb is used from one thread at a time;
// several read-only instances may share a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vuln/advisory.h"

namespace customs::vuln {

// The key the DB looks packages up by: PEP 503 for PyPI (lower case, runs of
// -_. as one '-'); lower case for Packagist, NuGet and Maven, whose
// registries are case-insensitive; as given for the others (npm, Go,
// crates.io, RubyGems, distro packages). Applied on import and on lookup.
std::string NormalizePackageName(std::string_view ecosystem, std::string_view name);

// A vulnerability as stored: the advisory without its affected list.
struct VulnerabilityRecord {
  std::string id;
  // Sorted; both directions: the aliases this id lists and the ids that list
  // it as an alias (a GHSA record aliasing a Debian CVE record).
  std::vector<std::string> aliases;
  std::string source;
  std::string summary;
  std::string published;
  std::string modified;
  std::vector<model::CvssRecord> cvss;  // with computed scores
  std::vector<std::string> references;
  bool malicious = false;
};

// One affected entry with the advisory it belongs to.
struct AffectedRecord {
  std::string vuln_id;
  std::string source;
  Affected affected;
};

// One imported source and its HTTP validators for conditional updates.
struct SourceRecord {
  std::string name;  // "osv:npm", "debian", "alpine:v3.19/main", a file path
  std::string url;
  std::string etag;
  std::string last_modified;
  int64_t imported_at = 0;  // unix seconds
  int64_t advisories = 0;
};

class AdvisoryDb {
 public:
  // Schema version stored in the file; Open refuses other versions with a
  // message telling the user to run `customs db update`.
  static constexpr int kSchemaVersion = 2;

  // A new, empty DB at `path` (which must not exist), open for writing.
  static Result<AdvisoryDb> Create(const std::filesystem::path& path);
  // An existing DB, read-only. NotFound when the file is missing.
  static Result<AdvisoryDb> Open(const std::filesystem::path& path);
  // A second read-only connection to the same file, for another thread (a
  // connection is used by one thread at a time). Internal for a
  // DB open for writing.
  Result<AdvisoryDb> OpenAnotherReader() const;

  AdvisoryDb(AdvisoryDb&&) noexcept;
  AdvisoryDb& operator=(AdvisoryDb&&) noexcept;
  ~AdvisoryDb();

  // Writing (Create only). Insert merges an advisory whose id is already
  // stored (the Debian tracker yields one per package): affected entries are
  // added, aliases, CVSS and references unioned.
  Status Begin();
  Status Insert(const Advisory& advisory);
  Status PutSource(const SourceRecord& source);
  Status Commit();  // also records kSchemaVersion and build time

  // Reading. FindAffected returns the entries of one (ecosystem, package)
  // ordered by vuln id, then in insertion order; the package name is
  // normalised with NormalizePackageName, the ecosystem must match exactly.
  // DataLoss naming the vuln id when a stored entry does not decode.
  Result<std::vector<AffectedRecord>> FindAffected(std::string_view ecosystem,
                                                   std::string_view package) const;
  // By id or, with `follow_aliases`, by alias (the record FindAliasOwner
  // names); nullopt when neither.
  Result<std::optional<VulnerabilityRecord>> FindVulnerability(std::string_view id,
                                                               bool follow_aliases = true) const;
  // The first id in sort order that lists `alias` as an alias; nullopt when
  // none does.
  Result<std::optional<std::string>> FindAliasOwner(std::string_view alias) const;
  Result<std::vector<SourceRecord>> Sources() const;
  Result<int64_t> BuiltAt() const;  // unix seconds of the last Commit
  struct Counts {
    int64_t vulnerabilities = 0;
    int64_t affected = 0;
    int64_t packages = 0;
  };
  Result<Counts> Count() const;

 private:
  struct Impl;
  explicit AdvisoryDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace customs::vuln
