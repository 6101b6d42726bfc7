// SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning reads
// properties.tags, properties."security-severity" and the rule help). The
// layout follows what container scanners upload: one rule per vulnerability
// id, one result per vulnerable package, located at the package's database or
// file inside the image relative to a ROOTPATH base.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/digest.h"
#include "base/json.h"
#include "report/ids.h"
#include "report/report.h"

namespace customs::report {

namespace {

using OJson = nlohmann::ordered_json;
using model::Severity;

constexpr char kSarifSchema[] =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

// GitHub ranks alerts by "security-severity" (critical above 9.0, high 7.0
// to 8.9, medium 4.0 to 6.9, low 0.1 to 3.9). Without a CVSS score behind
// the severity, the severity's bucket gives a value inside it.
std::string SecuritySeverity(Severity severity, double score, bool score_rated) {
  double value = score;
  if (!score_rated || score <= 0) {
    switch (severity) {
      case Severity::kCritical:
        value = 9.5;
        break;
      case Severity::kHigh:
        value = 8.0;
        break;
      case Severity::kMedium:
        value = 5.5;
        break;
      case Severity::kLow:
        value = 2.0;
        break;
      case Severity::kNegligible:
      case Severity::kUnknown:
        value = 0.0;
        break;
    }
  }
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f", std::clamp(value, 0.0, 10.0));
  return buffer;
}

std::string_view Level(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    default:
      return "note";
  }
}

// The score decides the rank only when it is what the severity came from
// ("cvss:nvd"); a distro's own rating ("debian": low) wins over NVD's score.
bool ScoreRated(const model::Vulnerability& v) {
  return v.severity_source.starts_with("cvss:") && v.score > 0;
}

bool IsAbsoluteHttpUri(std::string_view s) {
  return (s.starts_with("https://") || s.starts_with("http://")) &&
         s.find_first_of(" \t\r\n\"<>\\^`{|}") == std::string_view::npos;
}

// A path inside the image as a relative URI reference: no leading "/",
// characters outside RFC 3986's unreserved set and "/" percent-encoded.
std::string PathUri(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '+' || c == '@';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string FirstLink(const std::vector<std::string>& references) {
  for (const auto& r : references)
    if (IsAbsoluteHttpUri(r)) return r;
  return "";
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// Markdown table cells: "|" and line breaks would end the cell.
std::string MarkdownCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out.empty() ? "-" : out;
}

// One rule: a vulnerability id or a contraband rule, with every package it
// was reported on (for the help table) and its worst severity.
struct Rule {
  std::string id;
  bool contraband = false;
  std::string title;
  std::string category;  // contraband only
  std::vector<std::string> aliases;
  std::vector<std::string> references;
  Severity severity = Severity::kUnknown;
  double score = 0;
  bool score_rated = false;
  // package, installed, fixed, severity, status: the help table's rows.
  std::vector<std::array<std::string, 5>> rows;
};

void Raise(Rule& rule, Severity severity, double score, bool score_rated) {
  if (severity > rule.severity || (severity == rule.severity && score > rule.score)) {
    rule.severity = severity;
    rule.score = score;
    rule.score_rated = score_rated;
  }
}

OJson RuleJson(const Rule& rule) {
  OJson r;
  r["id"] = rule.id;
  r["name"] = rule.contraband ? "Contraband" : "Vulnerability";
  std::string title = rule.title.empty() ? rule.id : rule.title;
  r["shortDescription"] = OJson{{"text", title}};
  std::string full = title;
  if (!rule.aliases.empty()) full += " (also " + Join(rule.aliases, ", ") + ")";
  if (rule.contraband) full = rule.category + ": " + full;
  r["fullDescription"] = OJson{{"text", full}};
  r["defaultConfiguration"] = OJson{{"level", Level(rule.severity)}};
  std::string link = FirstLink(rule.references);
  if (!link.empty()) r["helpUri"] = link;

  std::string severity(model::SeverityName(rule.severity));
  std::string text, markdown;
  if (rule.contraband) {
    text = "Contraband " + rule.id + "\nCategory: " + rule.category + "\nSeverity: " + severity +
           "\n" + title;
    markdown = "**Contraband " + MarkdownCell(rule.id) + "**\n| Category | Severity | Path |\n" +
               "| --- | --- | --- |\n";
    for (const auto& row : rule.rows) {
      markdown += '|';
      markdown += MarkdownCell(rule.category) + "|" + severity + "|" + MarkdownCell(row[0]) + "|\n";
    }
  } else {
    text = "Vulnerability " + rule.id + "\nSeverity: " + severity + "\n" + title;
    markdown = "**Vulnerability " + MarkdownCell(rule.id) + "**\n" +
               "| Package | Installed Version | Fixed Version | Severity | Status |\n" +
               "| --- | --- | --- | --- | --- |\n";
    for (const auto& row : rule.rows) {
      text +=
          "\nPackage: " + row[0] + " " + row[1] + (row[2].empty() ? "" : ", fixed in " + row[2]);
      markdown += '|';
      markdown += MarkdownCell(row[0]) + "|" + MarkdownCell(row[1]) + "|" + MarkdownCell(row[2]) +
                  "|" + row[3] + "|" + row[4] + "|\n";
    }
  }
  if (!link.empty()) {
    text += "\nLink: " + link;
    markdown += "\n[" + MarkdownCell(rule.id) + "](" + link + ")\n";
  }
  r["help"] = OJson{{"text", text}, {"markdown", markdown}};
  OJson tags = OJson::array();
  if (rule.contraband) {
    tags = OJson::array({"contraband", "security", severity});
    if (!rule.category.empty() && rule.category != "contraband" && rule.category != "security" &&
        rule.category != severity)
      tags.push_back(rule.category);
  } else {
    tags = OJson::array({"vulnerability", "security", severity});
  }
  r["properties"] =
      OJson{{"precision", "very-high"},
            {"security-severity", SecuritySeverity(rule.severity, rule.score, rule.score_rated)},
            {"tags", std::move(tags)}};
  return r;
}

OJson Location(const model::ScanResult& r, const std::string& path, const std::string& message) {
  OJson physical{
      {"artifactLocation", OJson{{"uri", PathUri(path)}, {"uriBaseId", "ROOTPATH"}}},
      {"region", OJson{{"startLine", 1}, {"startColumn", 1}, {"endLine", 1}, {"endColumn", 1}}}};
  OJson location{{"physicalLocation", std::move(physical)}, {"message", OJson{{"text", message}}}};
  const auto& image = r.image;
  if (!image.reference.empty()) {
    std::string qualified = image.reference;
    if (!image.manifest_digest.empty() && qualified.find('@') == std::string::npos)
      qualified += "@" + image.manifest_digest;
    std::string platform = Platform(image);
    if (!platform.empty()) qualified += " (" + platform + ")";
    location["logicalLocations"] = OJson::array(
        {OJson{{"name", image.reference}, {"fullyQualifiedName", qualified}, {"kind", "image"}}});
  }
  return location;
}

std::string LayerText(const model::LayerRef& layer) {
  if (layer.index < 0 && layer.diff_id.empty()) return "";
  std::string out = "Layer:";
  if (layer.index >= 0) {
    out += ' ';
    out += std::to_string(layer.index);
  }
  if (!layer.diff_id.empty()) out += " " + layer.diff_id;
  return out;
}

}  // namespace

Result<std::string> RenderSarif(const std::vector<model::ScanResult>& results,
                                const ReportOptions& options) {
  if (!options.timestamp.empty() && !IsUtcTimestamp(options.timestamp))
    return InvalidArgument("report options: timestamp \"" + options.timestamp +
                           "\" is not of the form YYYY-MM-DDTHH:MM:SSZ");
  std::vector<Rule> rules;
  std::map<std::pair<bool, std::string>, size_t> rule_index;  // (contraband, id)
  auto rule_for = [&](bool contraband, const std::string& id) -> size_t {
    auto [it, added] = rule_index.emplace(std::make_pair(contraband, id), rules.size());
    if (added) {
      Rule& rule = rules.emplace_back();
      rule.id = id;
      rule.contraband = contraband;
    }
    return it->second;
  };

  OJson sarif_results = OJson::array();
  for (const auto& r : results) {
    for (const auto& v : r.vulnerabilities) {
      if (v.id.empty()) continue;
      size_t index = rule_for(false, v.id);
      Rule& rule = rules[index];
      if (rule.title.empty()) rule.title = v.title;
      for (const auto& a : v.aliases)
        if (std::find(rule.aliases.begin(), rule.aliases.end(), a) == rule.aliases.end())
          rule.aliases.push_back(a);
      for (const auto& ref : v.references)
        if (std::find(rule.references.begin(), rule.references.end(), ref) == rule.references.end())
          rule.references.push_back(ref);
      Raise(rule, v.severity, v.score, ScoreRated(v));
      std::string fixed = Join(v.fixed_versions, ", ");
      std::string severity(model::SeverityName(v.severity));
      rule.rows.push_back({v.package_name, v.installed_version, fixed, severity,
                           std::string(model::VulnStatusName(v.status))});

      std::string link = FirstLink(v.references);
      std::string text = "Package: " + v.package_name +
                         "\nInstalled Version: " + v.installed_version + "\nVulnerability " + v.id +
                         "\nSeverity: " + severity + "\nFixed Version: " + fixed;
      if (!link.empty()) text += "\nLink: [" + v.id + "](" + link + ")";
      OJson result{
          {"ruleId", v.id},
          {"ruleIndex", index},
          {"level", Level(v.severity)},
          {"message", OJson{{"text", text}}},
          {"locations",
           OJson::array({Location(
               r, v.path, PathUri(v.path) + ": " + v.package_name + "@" + v.installed_version)})}};
      // Two packages of one database share a location; this keeps their
      // alerts apart across uploads.
      result["partialFingerprints"] = OJson{
          {"customsPackage/v1",
           std::string(Sha256::Of(v.id + "\n" + v.purl + "\n" + v.path + "\n" + v.package_name)
                           .hex()
                           .substr(0, 32))}};
      if (!v.suppressed_by.empty())
        result["suppressions"] =
            OJson::array({OJson{{"kind", "external"}, {"justification", v.suppressed_by}}});
      OJson props{{"status", model::VulnStatusName(v.status)}};
      if (!v.purl.empty()) props["purl"] = v.purl;
      if (v.layer.index >= 0) props["layerIndex"] = v.layer.index;
      if (!v.layer.diff_id.empty()) props["layerDiffId"] = v.layer.diff_id;
      result["properties"] = std::move(props);
      sarif_results.push_back(std::move(result));
    }
    for (const auto& d : r.detections) {
      std::string id = d.rule_id.empty() ? d.category : d.rule_id;
      if (id.empty()) continue;
      size_t index = rule_for(true, id);
      Rule& rule = rules[index];
      if (rule.title.empty()) rule.title = d.title;
      if (rule.category.empty()) rule.category = d.category;
      if (!d.reference.empty() && std::find(rule.references.begin(), rule.references.end(),
                                            d.reference) == rule.references.end())
        rule.references.push_back(d.reference);
      Raise(rule, d.severity, 0, false);
      rule.rows.push_back({d.path, "", "", std::string(model::SeverityName(d.severity)), ""});

      std::string text = "Contraband: " + d.category + " (" +
                         std::string(model::DispositionName(d.disposition)) + ")\nRule: " + id +
                         "\nSeverity: " + std::string(model::SeverityName(d.severity)) +
                         "\nConfidence: " + std::string(model::ConfidenceName(d.confidence));
      if (!d.title.empty()) text += "\nTitle: " + d.title;
      if (!d.purl.empty()) text += "\nPackage: " + d.purl;
      if (!d.owner.empty()) text += "\nInstalled by: " + d.owner;
      if (!d.evidence.empty()) text += "\nEvidence: " + d.evidence;
      std::string layer = LayerText(d.layer);
      if (!layer.empty()) text += "\n" + layer;
      if (d.deleted_by.index >= 0)
        text += "\nDeleted by a later layer (" + LayerText(d.deleted_by) +
                "), still shipped in the image";
      // SARIF levels follow the disposition: error for malicious, warning
      // for suspicious, note for info.
      std::string_view level = d.disposition == model::Disposition::kMalicious    ? "error"
                               : d.disposition == model::Disposition::kSuspicious ? "warning"
                                                                                  : "note";
      std::string where = d.path.empty() ? "(image config)" : d.path;
      OJson result{
          {"ruleId", id},
          {"ruleIndex", index},
          {"level", level},
          {"message", OJson{{"text", text}}},
          {"locations", OJson::array({Location(r, where, PathUri(where) + ": " + d.category)})}};
      result["partialFingerprints"] =
          OJson{{"customsContraband/v1",
                 std::string(Sha256::Of(id + "\n" + d.path + "\n" + d.layer.diff_id + "\n" + d.purl)
                                 .hex()
                                 .substr(0, 32))}};
      if (!d.suppressed_by.empty())
        result["suppressions"] =
            OJson::array({OJson{{"kind", "external"}, {"justification", d.suppressed_by}}});
      OJson props{{"category", d.category},
                  {"disposition", model::DispositionName(d.disposition)},
                  {"confidence", model::ConfidenceName(d.confidence)}};
      if (!d.purl.empty()) props["purl"] = d.purl;
      if (!d.owner.empty()) props["owner"] = d.owner;
      if (d.layer.index >= 0) props["layerIndex"] = d.layer.index;
      if (!d.layer.diff_id.empty()) props["layerDiffId"] = d.layer.diff_id;
      if (d.deleted_by.index >= 0) props["deletedByLayerIndex"] = d.deleted_by.index;
      result["properties"] = std::move(props);
      sarif_results.push_back(std::move(result));
    }
  }

  OJson driver{{"name", options.tool_name.empty() ? "customs" : options.tool_name}};
  if (!options.tool_version.empty()) {
    driver["version"] = options.tool_version;
    driver["fullName"] = driver["name"].get<std::string>() + " " + options.tool_version;
  }
  if (IsAbsoluteHttpUri(options.information_uri))
    driver["informationUri"] = options.information_uri;
  OJson rule_list = OJson::array();
  for (const auto& rule : rules) rule_list.push_back(RuleJson(rule));
  driver["rules"] = std::move(rule_list);

  OJson run{{"tool", OJson{{"driver", std::move(driver)}}},
            {"results", std::move(sarif_results)},
            {"columnKind", "utf16CodeUnits"},
            {"originalUriBaseIds", OJson{{"ROOTPATH", OJson{{"uri", "file:///"}}}}}};
  // Diagnostics become notifications; an error means parts of an image were
  // not analysed, so the run did not fully succeed.
  bool complete = true;
  OJson notifications = OJson::array();
  for (const auto& r : results) {
    complete = complete && r.complete();
    for (const auto& d : r.diagnostics) {
      std::string text = d.code + ": " + d.message;
      if (!d.path.empty()) text += " (" + d.path + ")";
      if (!r.image.reference.empty()) text += " in " + r.image.reference;
      notifications.push_back(
          OJson{{"level", d.severity == model::DiagnosticSeverity::kError ? "error" : "warning"},
                {"message", OJson{{"text", text}}}});
    }
  }
  OJson invocation{{"executionSuccessful", complete}};
  if (!options.timestamp.empty()) invocation["endTimeUtc"] = options.timestamp;
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);
  run["invocations"] = OJson::array({std::move(invocation)});
  std::string title = DocumentTitle(results, "");
  if (!title.empty()) run["properties"] = OJson{{"imageName", title}};

  OJson sarif{{"$schema", kSarifSchema}, {"version", "2.1.0"}};
  sarif["runs"] = OJson::array({std::move(run)});
  return DumpReportJson(sarif);
}

}  // namespace customs::report
