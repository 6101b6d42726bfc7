// Advisory data normalised once (DESIGN.md rule 4): every importer (OSV JSON
// and YAML, the Debian security tracker, Alpine secdb) turns its records into
// these values, and the advisory DB stores them keyed by (ecosystem, package).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/vulnerability.h"

namespace customs::vuln {

// One OSV range event. Exactly one of the kinds; `version` is the value.
struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;  // "0" for introduced means "all versions before"
};

// An OSV range: events in the order given by the source.
struct Range {
  enum class Type { kEcosystem, kSemver, kGit };
  Type type = Type::kEcosystem;
  std::vector<RangeEvent> events;
};

// How one package of one ecosystem is affected by one advisory.
struct Affected {
  // OSV ecosystem string, exactly as OSV spells it: "Debian:12", "Alpine:v3.10",
  // "npm", "PyPI", "Go", "crates.io", "Maven", "RubyGems", "Packagist", "NuGet".
  std::string ecosystem;
  // Package name as the source gives it (the DB normalises it for lookup):
  // Debian source package, Alpine origin, "group:artifact" for Maven, Go
  // module path ("stdlib" for the Go standard library).
  std::string package;
  std::vector<Range> ranges;
  std::vector<std::string> versions;  // explicit affected versions (OSV)
  // The source's verdict when it gives one beyond the ranges: kFixed for a
  // fixed range, kAffected for an open issue with no fix, kWillNotFix,
  // kDeferred, kNotAffected (ranges then empty).
  model::VulnStatus status = model::VulnStatus::kFixed;
  // Distro rating for this package ("unimportant", "low", "medium", "high",
  // "not yet assigned"; Debian's trailing "**" removed), empty if none.
  std::string distro_severity;
};

// One advisory of one source.
struct Advisory {
  std::string id;                    // "GHSA-xvch-5gv4-984h", "CVE-2021-44906"
  std::vector<std::string> aliases;  // other IDs of the same vulnerability
  std::string source;                // "osv", "debian", "alpine"
  std::string summary;
  std::string details;
  std::string published;  // RFC 3339 as given, empty if unknown
  std::string modified;
  std::vector<model::CvssRecord> cvss;  // vectors as given; score filled by the DB import
  std::vector<Affected> affected;
  std::vector<std::string> references;  // URLs
  // OSV MAL- advisories (OpenSSF malicious packages): known malicious
  // versions, reported as contraband rather than as vulnerabilities.
  bool malicious = false;
};

// Receives each advisory as it is parsed; a non-ok Status stops the import.
using AdvisorySink = std::function<Status(Advisory&&)>;

}  // namespace customs::vuln
