// Suppression of matched vulnerabilities: ignore files (Trivy's .trivyignore
// and .trivyignore.yaml, a Grype-like `ignore:` list) and OpenVEX documents.
//
// The parsers are pure (text in, rules out; the caller reads the files) and
// bounded; ApplySuppressions marks vulnerabilities with the reason instead of
// dropping them, so reports can --show-suppressed and `explain` can tell why.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/detection.h"
#include "model/vulnerability.h"

namespace customs::vuln {

// Ignore files are written by hand: the biggest real ones list a few hundred
// IDs. 1 MiB and 10,000 rules are far above that and keep a hostile file
// from costing more than a moment.
inline constexpr size_t kMaxIgnoreFileBytes = size_t{1} << 20;
inline constexpr size_t kMaxIgnoreRules = 10'000;
// purls + paths of one rule.
inline constexpr size_t kMaxIgnoreRuleFilters = 1'000;
// One id, purl, path glob or reason.
inline constexpr size_t kMaxIgnoreFieldBytes = 4096;
// YAML nesting the ignore file may reach (it needs 4: top map, list, rule
// map, purl list); checked on the text before yaml-cpp, which recurses per
// level, sees it.
inline constexpr size_t kMaxIgnoreYamlNesting = 64;

// OpenVEX documents: Ubuntu's per-CVE documents are ~100 KiB with a few
// hundred products; vendors' whole-product documents reach a few MiB.
inline constexpr size_t kMaxVexBytes = size_t{16} << 20;
inline constexpr size_t kMaxVexStatements = 100'000;
inline constexpr size_t kMaxVexProducts = 1'000'000;  // in one document, all statements
inline constexpr size_t kMaxVexDepth = 16;            // JSON nesting (real documents: 6)

struct IgnoreRule {
  // What the rule may suppress: a line of a .trivyignore text file names a
  // vulnerability or a contraband rule alike; YAML says which.
  enum class Kind { kAny, kVulnerability, kContraband };
  Kind kind = Kind::kAny;
  // A vulnerability ID (primary id or any alias) or a contraband rule id
  // ("customs_coin_miner_stratum_url", "npm-known-malicious"); may be empty
  // for a contraband rule with other filters.
  std::string id;
  std::string reason;   // "" when the file gives none
  std::string expires;  // "YYYY-MM-DD" (last day it applies) or "" for never
  // Optional filters; a rule with none applies to every package.
  // Package purls; a purl without version matches every version of the
  // package ("pkg:npm/lodash"), see PurlMatches.
  std::vector<std::string> purls;
  // Globs on the package's db_path ("srv/app/**", "usr/lib/*/METADATA"):
  // `*` and `?` stay within one path segment, `**` crosses segments. A
  // leading "/" is ignored on both sides.
  std::vector<std::string> paths;
  // Contraband only: the file's SHA-256 ("sha256:<hex>" or bare hex,
  // compared lower-case), which customs records for files a rule matched.
  std::vector<std::string> sha256s;
  int line = 0;      // of the rule in its file, from 1
  std::string file;  // the file name given to ParseIgnoreFile
};

// Parses an ignore file. The format is detected from the content (and a
// ".yaml"/".yml" file name):
//  - Trivy's .trivyignore: one ID per line, optionally followed by
//    "exp:YYYY-MM-DD"; "#" starts a comment. Comment lines directly above a
//    rule (no blank line between) become its reason, as does a trailing
//    "# comment" on the rule's own line.
//  - YAML: a top-level `vulnerabilities:` (Trivy's .trivyignore.yaml) and/or
//    `ignore:` list of mappings with `id` (or `vulnerability`), `statement`
//    or `reason`, `expired_at` or `expires`, `purls`, `paths`; and the
//    contraband allow-list, top-level `contraband:` and/or `secrets:`
//    (Trivy's key for its secret rules): mappings with any of `id` (the
//    rule), `paths`, `purls` (the package the finding is about or the OS
//    package that installed the file), `sha256`, plus the reason and expiry
//    keys. Other top-level keys (misconfigurations, licenses) and other rule
//    keys are ignored.
// Dates must be real calendar dates. Errors are InvalidArgument naming
// `file_name` and the line; ResourceExhausted over the limits above.
Result<std::vector<IgnoreRule>> ParseIgnoreFile(std::string_view text, std::string_view file_name);

struct VexStatement {
  std::string vulnerability;         // its name: "CVE-2023-38545"
  std::vector<std::string> aliases;  // as written (may be URLs)
  // Product and subcomponent identifiers: @id and identifiers.purl of each
  // product and of its subcomponents (purls or other ids, as written).
  // Subcomponents are flattened: a statement about package P inside image I
  // applies to P wherever it is found.
  std::vector<std::string> products;
  std::string status;  // not_affected | affected | fixed | under_investigation
  std::string justification;
  std::string impact_statement;
  std::string document_id;  // the document's "@id", else `file_name`
};

// Parses an OpenVEX document (0.2.0; also the older shape where
// `vulnerability` and products are plain strings and subcomponents sit on
// the statement). Fails with InvalidArgument naming `file_name` and the
// field ("statements[2].status") when the document is not OpenVEX.
Result<std::vector<VexStatement>> ParseOpenVex(std::string_view json, std::string_view file_name);

// Whether package purl `package` is one `pattern` names: same type,
// namespace and name; the same version if `pattern` has one; qualifiers
// present in both must agree (others are ignored). Components are compared
// percent-decoded; pypi names are normalised (case, "_" and "." to "-").
// False when either is not a purl.
bool PurlMatches(std::string_view pattern, std::string_view package);

// Glob match of a db_path as described at IgnoreRule::paths.
bool PathGlobMatches(std::string_view glob, std::string_view path);

// Marks suppressed vulnerabilities (sets suppressed_by; nothing is removed).
// In order, and a vulnerability keeps the first reason it gets:
//  1. An ignore rule whose id equals the vulnerability's id or one of its
//     aliases (ASCII case-insensitively), and whose purls/paths filters (if
//     any) match its purl/path: "ignore file <file>:<line>: <reason>". A rule
//     that expired (expires < today) does not suppress; one notice per such
//     rule says "ignore rule for <id> expired on <date> (<file>:<line>)".
//  2. VEX: of the statements whose vulnerability name or aliases meet the
//     vulnerability's ids and one of whose products matches its purl
//     (PurlMatches), the last one in `vex` decides (OpenVEX: later
//     statements override earlier ones): not_affected or fixed suppress with
//     "VEX <document id>: <status> (<justification>)"; affected and
//     under_investigation do not.
// `today` is "YYYY-MM-DD". `notices` may be null. Contraband rules are not
// used here.
void ApplySuppressions(std::vector<model::Vulnerability>& vulns,
                       const std::vector<IgnoreRule>& rules, const std::vector<VexStatement>& vex,
                       std::string_view today, std::vector<std::string>* notices);

// The contraband allow-list: marks detections (suppressed_by) that a rule of
// kind kAny or kContraband names: every filter the rule has must match (id
// = the rule id, ASCII case-insensitively; a path glob; a purl matching the
// detection's purl or owner; a SHA-256 equal to the file's). Expiry and
// notices as for ApplySuppressions.
void ApplyAllowList(std::vector<model::Detection>& detections, const std::vector<IgnoreRule>& rules,
                    std::string_view today, std::vector<std::string>* notices);

}  // namespace customs::vuln
