// The census tables (`customs census`): the figures of the 2020 Docker Hub
// studies for one registry, as text or JSON. Pure, like the other reporters.
#pragma once

#include <string>

#include "model/census.h"

namespace customs::report {

// Plain-text tables: images scanned and failed; images with >= 1 critical,
// high or any vulnerability and by most severe vulnerability, with % of
// the images scanned; mean and median vulnerabilities per image; harmful
// images per category; the top vulnerabilities and packages by images
// affected; the most shared layers; layer reuse; the failed images with
// their reasons. Control characters in registry data are replaced.
std::string RenderCensusTable(const model::CensusSummary& summary);

// The same as JSON, schema kCensusJsonSchemaVersion; docs/census.md lists
// every field. Fields are added, never renamed or removed, without raising
// the version.
inline constexpr int kCensusJsonSchemaVersion = 1;
std::string RenderCensusJson(const model::CensusSummary& summary);

}  // namespace customs::report
