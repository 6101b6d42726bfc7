// Contraband among an image's npm packages, judged from the inventory alone
// (no advisory DB needed): known malicious releases from public incident
// reports, install-time lifecycle scripts that fetch or unpack code and run
// it, and names one typo away from the most depended-upon packages.
//
// The OSV "MAL-" records the vulnerability matcher uses cover far more
// packages; this is the curated set that works offline and always.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/detection.h"
#include "model/package.h"

namespace customs::detect {

// Detections for the npm packages in `packages` (type "npm"; others are
// skipped): known malicious name@version pairs, lifecycle scripts that
// download and execute or decode and eval, and typosquats of the most
// depended-upon packages. Each detection has path = the package's db_path,
// purl = its purl, layer = its layer, category "malicious-package".
std::vector<model::Detection> CheckNpmPackages(const std::vector<model::Package>& packages);

// The parts of CheckNpmPackages, for tests and for other callers.

// What one lifecycle script does that an installed package's script should
// not. rule_id empty: nothing found.
struct ScriptFinding {
  std::string rule_id;  // "npm-script-download-exec", ...
  model::Disposition disposition = model::Disposition::kInfo;
  model::Confidence confidence = model::Confidence::kLow;
  std::string title;
  std::string reason;  // what matched, in words: "curl output piped into sh"
};
// Judges one script text (the value of "postinstall" etc.).
ScriptFinding JudgeLifecycleScript(std::string_view script);

// The popular package `name` is one edit (insert, delete, substitute,
// transpose) away from, or "" when none or when the pair is a known
// legitimate one. Scoped names ("@s/x") are never typosquats here.
std::string_view TyposquatTarget(std::string_view name);

// True when `a` and `b` differ by exactly one insertion, deletion,
// substitution or transposition of adjacent characters.
bool OneEditApart(std::string_view a, std::string_view b);

}  // namespace customs::detect
