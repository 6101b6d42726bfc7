// Importers: each public advisory format parsed into Advisory values.
//
// Parsers are pure (bytes in, advisories to the sink); ReadAdvisories is the
// impure edge that walks files, directories and OSV's per-ecosystem all.zip.
// Documents are bounded (size, depth, counts); a malformed record is an error
// naming the record, and ReadAdvisories turns a bad file into a warning and
// goes on with the next.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "vuln/advisory.h"

namespace customs::vuln {

struct FeedLimits {
  // The Debian tracker JSON is ~70 MB today; OSV records are < 1 MiB but
  // kernel records reach a few MiB.
  size_t max_document_bytes = size_t{512} << 20;
  size_t max_record_bytes = size_t{32} << 20;
  size_t max_depth = 32;
  size_t max_zip_members = 2'000'000;  // OSV's PyPI all.zip holds ~20k
  // YAML documents (PyPA records of a few KiB, Alpine secdb YAML < 1 MiB):
  // yaml-cpp spends a few hundred bytes per node, so a YAML document costs
  // far more memory than its size; 8 MiB keeps that under ~1 GiB.
  size_t max_yaml_bytes = size_t{8} << 20;
};

// One OSV record (schema 1.x) in JSON; a JSON array of records is accepted
// too. Withdrawn records (`withdrawn` set) are skipped, not sunk. `MAL-` ids
// and records whose database_specific marks malware (OpenSSF's
// "malicious-packages-origins") set Advisory::malicious. Affected entries
// without a package are dropped; status is kFixed when a non-GIT range has
// a fixed event, else kAffected. Severity keeps CVSS_V2/V3/V4 vectors only.
Status ParseOsvJson(std::string_view bytes, const AdvisorySink& sink,
                    const FeedLimits& limits = {});
// The same in YAML (the PyPA advisory database's form).
Status ParseOsvYaml(std::string_view bytes, const AdvisorySink& sink,
                    const FeedLimits& limits = {});

// security-tracker.debian.org/tracker/data/json: source package -> CVE ->
// release codename -> {status, fixed_version, urgency, nodsa, nodsa_reason}.
// Read package by package without a DOM of the whole document. One Advisory
// per (package, CVE) with one Affected per release, ecosystem "Debian:<N>"
// (codename mapped to the release number; sid/unknown codenames skipped):
// resolved+fixed_version "0" -> kNotAffected; resolved -> kFixed with range
// introduced 0, fixed V; open -> kAffected (or kWillNotFix for nodsa_reason
// "ignored", kDeferred for "postponed") with range introduced 0;
// undetermined -> skipped. Urgency kept in distro_severity. An entry with
// no release left (only sid, undetermined, or `"releases": []`) is not sunk;
// the summary is the description's first line, at most 512 bytes.
Status ParseDebianTracker(std::string_view bytes, const AdvisorySink& sink,
                          const FeedLimits& limits = {});

// Alpine secdb (secdb.alpinelinux.org/vX.Y/{main,community}.json, or the YAML
// form of the old alpine-secdb repository). One Advisory per (package, CVE)
// with ecosystem "Alpine:vX.Y" and range introduced 0, fixed <secfix
// version>; a "0" secfix version means not affected. Entries like
// "CVE-2019-1 CVE-2019-2" or with trailing comments are split/trimmed.
// Details: every CVE id of an entry is an advisory ("CVE_2019-1",
// "CVE 2019-1" and suffixes like "CVE-2017-17434-1" are read as the CVE);
// other ids on the same entry (XSA-, TALOS-, GHSA-) become its aliases, or,
// with no CVE, the first of them is the advisory; text from a "(" on is a
// comment. A (package, id) fixed in several secfix versions gets one range
// per version. Files without `distroversion` are Wolfi ("Wolfi", source
// "wolfi") or Chainguard ("Chainguard", source "chainguard") by urlprefix.
Status ParseAlpineSecdb(std::string_view bytes, const AdvisorySink& sink,
                        const FeedLimits& limits = {});

namespace internal {
// One YAML document as a JSON value (every scalar a string, null for empty
// and `~`), shared by the OSV YAML and Alpine secdb parsers. Bounded: size
// (max_yaml_bytes), nesting (max_depth) and nodes visited, so aliases cannot
// expand into a billion laughs. InvalidArgument with line and column when
// malformed. `what` names the document in errors.
Result<Json> ParseYamlAsJson(std::string_view bytes, std::string_view what,
                             const FeedLimits& limits);
}  // namespace internal

// What a file holds, from its name and first bytes.
enum class FeedFormat { kOsvJson, kOsvYaml, kDebianTracker, kAlpineSecdb, kZip, kUnknown };
FeedFormat DetectFeedFormat(std::string_view file_name, std::string_view head);

struct ReadStats {
  size_t files = 0;  // documents read: each *.json member of a zip counts one
  size_t advisories = 0;
  size_t skipped_files = 0;
  std::vector<std::string> warnings;  // "path: message", at most 100 kept
};

// Reads a file (any FeedFormat; a zip's *.json members as OSV), or a
// directory recursively (*.json, *.yaml, *.yml, *.zip; hidden entries and
// symlinks leaving the directory skipped), sinking every advisory. Files that
// fail to parse are counted and warned about; an error from the sink, or an
// unreadable top-level path, stops and is returned.
Result<ReadStats> ReadAdvisories(const std::filesystem::path& path, const AdvisorySink& sink,
                                 const FeedLimits& limits = {});

}  // namespace customs::vuln
