#include "report/census.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "report/text.h"

namespace customs::report {
namespace {

using OJson = nlohmann::ordered_json;

std::string Count(int64_t n) { return std::to_string(n); }

// n as a percentage of `of`, "-" when there is nothing to divide by.
std::string Percent(int64_t n, int64_t of) {
  if (of <= 0) return "-";
  return Format("%.1f%%", 100.0 * static_cast<double>(n) / static_cast<double>(of));
}

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string RenderCensusTable(const model::CensusSummary& s) {
  const int64_t n = s.images_scanned;
  std::string out = "Census of " + Cell(s.registry.empty() ? "every registry" : s.registry) + "\n";
  out += "Images: " + Count(n) + " scanned, " + Count(s.images_failed) + " failed";
  if (s.wall_seconds > 0 || s.run_images > 0 || s.resumed_images > 0)
    out += " (this run: " + Count(s.run_images) + " in " + Format("%.1f", s.wall_seconds) + " s, " +
           Format("%.2f", s.images_per_second) + " images/s; " + Count(s.resumed_images) +
           " already stored)";
  out += "\n\n";

  out += "Vulnerable images\n";
  const model::SeverityCounts& m = s.images_by_max_severity;
  AppendRows(
      {{"", "IMAGES", "%"},
       {"with >= 1 critical", Count(s.images_with_critical), Percent(s.images_with_critical, n)},
       {"with >= 1 high", Count(s.images_with_high), Percent(s.images_with_high, n)},
       {"with >= 1 of any severity", Count(s.images_with_any), Percent(s.images_with_any, n)},
       {"without any", Count(s.images_without_vulnerabilities),
        Percent(s.images_without_vulnerabilities, n)}},
      out, {1, 2});
  out += "\nImages by most severe vulnerability\n";
  AppendRows({{"SEVERITY", "IMAGES", "%"},
              {"CRITICAL", Count(m.critical), Percent(m.critical, n)},
              {"HIGH", Count(m.high), Percent(m.high, n)},
              {"MEDIUM", Count(m.medium), Percent(m.medium, n)},
              {"LOW", Count(m.low), Percent(m.low, n)},
              {"NEGLIGIBLE", Count(m.negligible), Percent(m.negligible, n)},
              {"UNKNOWN", Count(m.unknown), Percent(m.unknown, n)},
              {"none", Count(s.images_without_vulnerabilities),
               Percent(s.images_without_vulnerabilities, n)}},
             out, {1, 2});
  out += "\nVulnerabilities per image: mean " + Format("%.1f", s.mean_vulnerabilities) +
         ", median " + Format("%g", s.median_vulnerabilities) + "\n";

  out +=
      "\nHarmful images: " + Count(s.harmful_images) + " (" + Percent(s.harmful_images, n) + ")\n";
  std::vector<Row> categories = {{"CATEGORY", "IMAGES", "%"}};
  for (const auto& c : s.categories)
    categories.push_back({Cell(c.category), Count(c.images), Percent(c.images, n)});
  AppendRows(categories, out, {1, 2});

  if (s.top_vulnerabilities.empty()) {
    out += "\nTop vulnerabilities by images affected\n(none)\n";
  } else {
    out += "\nTop " +
           Plural(static_cast<int64_t>(s.top_vulnerabilities.size()), "vulnerability",
                  "vulnerabilities") +
           " by images affected\n";
    std::vector<Row> rows = {{"ID", "SEVERITY", "IMAGES", "%", "PACKAGES"}};
    for (const auto& v : s.top_vulnerabilities) {
      std::string packages;
      for (const auto& p : v.packages) packages += (packages.empty() ? "" : ", ") + p;
      rows.push_back({Cell(v.id), std::string(model::SeverityName(v.severity)), Count(v.images),
                      Percent(v.images, n), Cell(packages)});
    }
    AppendRows(rows, out, {2, 3});
  }

  if (s.top_packages.empty()) {
    out += "\nTop packages by images affected\n(none)\n";
  } else {
    out += "\nTop " + Plural(static_cast<int64_t>(s.top_packages.size()), "package", "packages") +
           " by images affected\n";
    std::vector<Row> rows = {{"PACKAGE", "IMAGES", "%", "VULNERABILITIES"}};
    for (const auto& p : s.top_packages)
      rows.push_back(
          {Cell(p.package), Count(p.images), Percent(p.images, n), Count(p.vulnerabilities)});
    AppendRows(rows, out, {1, 2, 3});
  }

  out += "\nMost shared layers\n";
  if (s.shared_layers.empty()) {
    out += "(no layer is in two images)\n";
  } else {
    std::vector<Row> rows = {{"DIFF_ID", "IMAGES", "%", "FIRST SEEN IN"}};
    for (const auto& l : s.shared_layers)
      rows.push_back(
          {Cell(l.diff_id), Count(l.images), Percent(l.images, n), Cell(l.first_repository)});
    AppendRows(rows, out, {1, 2});
  }
  out += "\nLayers: " + Count(s.layers) + " in the images scanned, " + Count(s.unique_layers) +
         " unique; " + Count(s.layers_cached) + " answered by the layer cache (" +
         Percent(s.layers_cached, s.layers) + " reused)\n";

  if (!s.failures.empty()) {
    out += "\nFailed images (" + Count(static_cast<int64_t>(s.failures.size())) + ")\n";
    std::vector<Row> rows = {{"REFERENCE", "ERROR"}};
    for (const auto& f : s.failures) rows.push_back({Cell(f.reference), Cell(f.error, 300)});
    AppendRows(rows, out, {});
  }
  return out;
}

std::string RenderCensusJson(const model::CensusSummary& s) {
  const model::SeverityCounts& m = s.images_by_max_severity;
  OJson categories = OJson::array();
  for (const auto& c : s.categories)
    categories.push_back(OJson{{"category", c.category}, {"images", c.images}});
  OJson vulnerabilities = OJson::array();
  for (const auto& v : s.top_vulnerabilities)
    vulnerabilities.push_back(OJson{{"id", v.id},
                                    {"severity", std::string(model::SeverityName(v.severity))},
                                    {"images", v.images},
                                    {"packages", v.packages}});
  OJson packages = OJson::array();
  for (const auto& p : s.top_packages)
    packages.push_back(OJson{
        {"package", p.package}, {"images", p.images}, {"vulnerabilities", p.vulnerabilities}});
  OJson layers = OJson::array();
  for (const auto& l : s.shared_layers)
    layers.push_back(OJson{
        {"diffId", l.diff_id}, {"images", l.images}, {"firstRepository", l.first_repository}});
  OJson failures = OJson::array();
  for (const auto& f : s.failures)
    failures.push_back(OJson{{"reference", f.reference}, {"error", f.error}});
  OJson doc{{"schemaVersion", kCensusJsonSchemaVersion},
            {"registry", s.registry},
            {"images", OJson{{"scanned", s.images_scanned},
                             {"failed", s.images_failed},
                             {"withCritical", s.images_with_critical},
                             {"withHigh", s.images_with_high},
                             {"withAny", s.images_with_any},
                             {"withoutVulnerabilities", s.images_without_vulnerabilities},
                             {"byMaxSeverity", OJson{{"CRITICAL", m.critical},
                                                     {"HIGH", m.high},
                                                     {"MEDIUM", m.medium},
                                                     {"LOW", m.low},
                                                     {"NEGLIGIBLE", m.negligible},
                                                     {"UNKNOWN", m.unknown},
                                                     {"none", s.images_without_vulnerabilities}}}}},
            {"vulnerabilitiesPerImage",
             OJson{{"mean", s.mean_vulnerabilities}, {"median", s.median_vulnerabilities}}},
            {"harmful", OJson{{"images", s.harmful_images}, {"categories", std::move(categories)}}},
            {"topVulnerabilities", std::move(vulnerabilities)},
            {"topPackages", std::move(packages)},
            {"sharedLayers", std::move(layers)},
            {"layers",
             OJson{{"total", s.layers}, {"cached", s.layers_cached}, {"unique", s.unique_layers}}},
            {"run", OJson{{"images", s.run_images},
                          {"resumed", s.resumed_images},
                          {"wallSeconds", s.wall_seconds},
                          {"imagesPerSecond", s.images_per_second}}},
            {"failures", std::move(failures)}};
  return DumpReportJson(doc);
}

}  // namespace customs::report
