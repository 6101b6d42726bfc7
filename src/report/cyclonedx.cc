// CycloneDX 1.5 JSON. Layout follows what container scanners emit (Trivy's
// "aquasecurity:trivy:*" properties become "customs:*" here): the image is
// metadata.component, the OS and packages are components, and dependencies
// run image -> OS -> packages.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "base/digest.h"
#include "base/json.h"
#include "report/ids.h"
#include "report/license.h"
#include "report/report.h"

namespace customs::report {

namespace {

using OJson = nlohmann::ordered_json;

void AddProperty(OJson& props, const std::string& name, const std::string& value) {
  if (value.empty()) return;
  // Member by member: a braced initializer list deep-copies every element.
  OJson& p = props.emplace_back(OJson::value_t::object);
  p["name"] = name;
  p["value"] = value;
}

std::string PackageRef(size_t result_index, const model::Package& p) {
  std::string hash(Sha256::Of(PackageIdentity(result_index, p)).hex().substr(0, 16));
  if (p.purl.empty()) return "customs:package:" + hash;
  // Trivy's convention: the purl, made unique with a package-id qualifier.
  return p.purl + (p.purl.find('?') == std::string::npos ? "?" : "&") + "package-id=" + hash;
}

OJson Licenses(const model::Package& p) {
  OJson out = OJson::array();
  std::string expression = DeclaredLicenseExpression(p.licenses, nullptr);
  if (!expression.empty()) {
    // licenseChoice: exactly one expression, or a list of licenses; never both.
    out.push_back(OJson{{"expression", expression}});
    return out;
  }
  std::set<std::string> seen;
  for (const auto& license : p.licenses) {
    if (license.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    if (!seen.insert(license).second) continue;
    out.push_back(OJson{{"license", OJson{{"name", license}}}});
  }
  return out;
}

OJson PackageComponent(const std::string& ref, const model::Package& p) {
  OJson c;
  c["bom-ref"] = ref;
  c["type"] = "library";
  c["name"] = p.name;
  std::string version = DisplayVersion(p);
  if (!version.empty()) c["version"] = version;
  if (!p.maintainer.empty()) c["publisher"] = p.maintainer;
  OJson licenses = Licenses(p);
  if (!licenses.empty()) c["licenses"] = std::move(licenses);
  if (!p.purl.empty()) c["purl"] = p.purl;
  OJson props = OJson::array();
  AddProperty(props, "customs:PkgType", p.type);
  AddProperty(props, "customs:Arch", p.arch);
  if (p.epoch) AddProperty(props, "customs:Epoch", std::to_string(*p.epoch));
  AddProperty(props, "customs:SrcName", p.source_name);
  AddProperty(props, "customs:SrcVersion", p.source_version);
  AddProperty(props, "customs:DBPath", p.db_path);
  AddProperty(props, "customs:InnerPath", p.inner_path);
  AddProperty(props, "customs:Scope", p.scope);
  for (const auto& [stage, command] : p.scripts)
    AddProperty(props, "customs:Script", stage + ": " + command);
  AddProperty(props, "customs:OwnedBy", p.owner);
  if (p.layer.index >= 0) AddProperty(props, "customs:LayerIndex", std::to_string(p.layer.index));
  AddProperty(props, "customs:LayerDiffID", p.layer.diff_id);
  AddProperty(props, "customs:LayerDigest", p.layer.digest);
  AddProperty(props, "customs:LayerCreatedBy", p.layer.created_by);
  if (!props.empty()) c["properties"] = std::move(props);
  return c;
}

std::string DiagnosticText(const model::Diagnostic& d) {
  std::string out = d.severity == model::DiagnosticSeverity::kError ? "error " : "warning ";
  out += d.code;
  if (!d.layer.empty()) out += " layer " + d.layer;
  if (!d.path.empty()) out += " path " + d.path;
  out += ": " + d.message;
  return out;
}

OJson ImageComponent(const std::string& ref, const model::ScanResult& r) {
  const auto& image = r.image;
  OJson c;
  c["bom-ref"] = ref;
  c["type"] = "container";
  c["name"] = image.reference.empty() ? "unknown" : image.reference;
  if (!image.manifest_digest.empty()) c["version"] = image.manifest_digest;
  std::string purl = ImagePurl(image);
  if (!purl.empty()) c["purl"] = purl;
  OJson props = OJson::array();
  AddProperty(props, "customs:Source", image.source);
  AddProperty(props, "customs:ManifestDigest", image.manifest_digest);
  AddProperty(props, "customs:ConfigDigest", image.config_digest);
  AddProperty(props, "customs:Platform", Platform(image));
  AddProperty(props, "customs:Created", image.created);
  for (const auto& tag : image.repo_tags) AddProperty(props, "customs:RepoTag", tag);
  for (const auto& layer : image.layers) AddProperty(props, "customs:LayerDiffID", layer.diff_id);
  AddProperty(props, "customs:Complete", r.complete() ? "true" : "false");
  for (const auto& d : r.diagnostics) AddProperty(props, "customs:Diagnostic", DiagnosticText(d));
  c["properties"] = std::move(props);
  return c;
}

OJson OsComponent(const std::string& ref, const model::OsInfo& os) {
  OJson c;
  c["bom-ref"] = ref;
  c["type"] = "operating-system";
  c["name"] = os.id;
  if (!os.version_id.empty()) c["version"] = os.version_id;
  if (!os.pretty_name.empty()) c["description"] = os.pretty_name;
  OJson props = OJson::array();
  AddProperty(props, "customs:OSCodename", os.version_codename);
  AddProperty(props, "customs:OSIDLike", os.id_like);
  AddProperty(props, "customs:OSReleasePath", os.source_path);
  if (!props.empty()) c["properties"] = std::move(props);
  return c;
}

OJson Dependency(const std::string& ref, const std::vector<std::string>& depends_on) {
  OJson d{{"ref", ref}};
  if (!depends_on.empty()) d["dependsOn"] = depends_on;
  return d;
}

// --- vulnerabilities -------------------------------------------------------

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// CycloneDX severities: critical high medium low info none unknown.
std::string CdxSeverity(model::Severity severity) {
  if (severity == model::Severity::kNegligible) return "info";
  return Lower(model::SeverityName(severity));
}

std::string ScoreMethod(std::string_view cvss_version) {
  if (cvss_version == "2.0") return "CVSSv2";
  if (cvss_version == "3.0") return "CVSSv3";
  if (cvss_version == "3.1") return "CVSSv31";
  if (cvss_version == "4.0") return "CVSSv4";
  return "other";
}

// The qualitative rating of a base score: CVSS v2 has no "critical".
std::string ScoreSeverity(std::string_view cvss_version, double score) {
  if (score <= 0) return "none";
  if (cvss_version == "2.0") return score >= 7 ? "high" : score >= 4 ? "medium" : "low";
  return score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low";
}

// Where an id is documented, by its form ("CVE-", "GHSA-") or the database
// that reported it.
OJson IdSource(const std::string& id, std::string_view data_source) {
  if (data_source == "debian")
    return OJson{{"name", "debian"}, {"url", "https://security-tracker.debian.org/tracker/" + id}};
  if (data_source == "ubuntu")
    return OJson{{"name", "ubuntu"}, {"url", "https://ubuntu.com/security/" + id}};
  if (data_source == "alpine")
    return OJson{{"name", "alpine"}, {"url", "https://security.alpinelinux.org/vuln/" + id}};
  if (id.starts_with("CVE-"))
    return OJson{{"name", "NVD"}, {"url", "https://nvd.nist.gov/vuln/detail/" + id}};
  if (id.starts_with("GHSA-"))
    return OJson{{"name", "GitHub Advisories"}, {"url", "https://github.com/advisories/" + id}};
  return OJson{{"name", "OSV"}, {"url", "https://osv.dev/vulnerability/" + id}};
}

bool Digits(std::string_view s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// Advisory dates as RFC 3339 date-times, which the schema requires: a full
// timestamp ("2021-05-06T16:05:51Z", "...51.123+02:00") is kept, a bare date
// gets midnight UTC; anything else is dropped ("").
std::string DateTime(std::string_view s) {
  if (!Digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' ||
      !Digits(s, 8, 2))
    return "";
  if (s.size() == 10) return std::string(s) + "T00:00:00Z";
  if ((s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2) || s.size() < 19 || s[13] != ':' ||
      !Digits(s, 14, 2) || s[16] != ':' || !Digits(s, 17, 2))
    return "";
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return "";
  }
  std::string_view zone = s.substr(i);
  if (zone == "Z" || zone == "z") return std::string(s);
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2) &&
      zone[3] == ':' && Digits(zone, 4, 2))
    return std::string(s);
  return "";
}

// OpenVEX justifications (as a VEX suppression reason quotes them) and the
// CycloneDX ones they correspond to.
std::string Justification(std::string_view reason) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"vulnerable_code_not_in_execute_path", "code_not_reachable"},
      {"vulnerable_code_cannot_be_controlled_by_adversary", "protected_by_mitigating_control"},
      {"inline_mitigations_already_exist", "protected_by_mitigating_control"},
      {"vulnerable_code_not_present", "code_not_present"},
      {"component_not_present", "code_not_present"},
      {"code_not_present", "code_not_present"},
      {"code_not_reachable", "code_not_reachable"},
      {"requires_configuration", "requires_configuration"},
      {"requires_dependency", "requires_dependency"},
      {"requires_environment", "requires_environment"},
      {"protected_by_compiler", "protected_by_compiler"},
      {"protected_at_runtime", "protected_at_runtime"},
      {"protected_at_perimeter", "protected_at_perimeter"},
      {"protected_by_mitigating_control", "protected_by_mitigating_control"},
  };
  for (const auto& [token, justification] : kMap)
    if (reason.find(token) != std::string_view::npos) return std::string(justification);
  return "";
}

// The status of the VEX statement that suppressed a vulnerability, from the
// suppressor's "VEX <document>: <status>[ (<justification>)]"; "" otherwise.
std::string VexStatus(const std::string& reason) {
  if (!reason.starts_with("VEX ")) return "";
  size_t colon = reason.rfind(": ");
  if (colon == std::string::npos) return "";
  std::string status = reason.substr(colon + 2);
  return status.substr(0, status.find(" ("));
}

bool SuppressedAsNotAffected(const model::Vulnerability& v) {
  return v.status == model::VulnStatus::kNotAffected ||
         VexStatus(v.suppressed_by) == "not_affected";
}

// Everything reported under one id in the document, in order of appearance.
struct VulnGroup {
  std::vector<const model::Vulnerability*> found;
  std::vector<std::string> package_refs;  // parallel to found; "" when unknown
};

OJson VulnerabilityJson(const std::string& ref, const VulnGroup& group) {
  const model::Vulnerability& first = *group.found.front();
  std::string data_source = first.data_source.substr(0, first.data_source.find(','));
  OJson v;
  v["bom-ref"] = ref;
  v["id"] = first.id;
  v["source"] = IdSource(first.id, data_source);

  std::vector<std::string> aliases;
  for (const auto* f : group.found)
    for (const auto& a : f->aliases)
      if (a != first.id && std::find(aliases.begin(), aliases.end(), a) == aliases.end())
        aliases.push_back(a);
  if (!aliases.empty()) {
    OJson refs = OJson::array();
    for (const auto& a : aliases) refs.push_back(OJson{{"id", a}, {"source", IdSource(a, "")}});
    v["references"] = std::move(refs);
  }

  // Every distinct rating: each CVSS vector with its score, and the rating
  // that is not a score (a distro's urgency, a database's severity).
  OJson ratings = OJson::array();
  std::set<std::string> seen;
  for (const auto* f : group.found) {
    for (const auto& c : f->cvss) {
      if (c.vector.empty() && c.score <= 0) continue;
      if (!seen.insert("cvss|" + c.source + "|" + c.vector + "|" + std::to_string(c.score)).second)
        continue;
      OJson rating;
      if (!c.source.empty()) rating["source"] = OJson{{"name", c.source}};
      if (c.score > 0) rating["score"] = c.score;
      rating["severity"] = ScoreSeverity(c.version, c.score);
      rating["method"] = ScoreMethod(c.version);
      if (!c.vector.empty()) rating["vector"] = c.vector;
      ratings.push_back(std::move(rating));
    }
    bool from_score = f->severity_source.starts_with("cvss:");
    if (!from_score && (!f->severity_source.empty() || !f->distro_severity.empty())) {
      std::string source = f->severity_source.empty() ? data_source : f->severity_source;
      if (!seen.insert("other|" + source + "|" + CdxSeverity(f->severity)).second) continue;
      OJson rating;
      if (!source.empty()) rating["source"] = OJson{{"name", source}};
      rating["severity"] = CdxSeverity(f->severity);
      rating["method"] = "other";
      ratings.push_back(std::move(rating));
    }
  }
  if (!ratings.empty()) v["ratings"] = std::move(ratings);
  if (!first.title.empty()) v["description"] = first.title;

  std::vector<std::string> upgrades;
  for (const auto* f : group.found) {
    if (f->fixed_versions.empty() || !f->suppressed_by.empty()) continue;
    std::string step = f->package_name + " to " + f->fixed_versions.front();
    if (std::find(upgrades.begin(), upgrades.end(), step) == upgrades.end())
      upgrades.push_back(step);
  }
  if (!upgrades.empty()) {
    std::string text = "Upgrade ";
    for (size_t i = 0; i < upgrades.size(); ++i) text += (i ? ", " : "") + upgrades[i];
    v["recommendation"] = text;
  }

  OJson advisories = OJson::array();
  std::set<std::string> urls;
  for (const auto* f : group.found)
    for (const auto& url : f->references)
      if (!url.empty() && urls.insert(url).second) advisories.push_back(OJson{{"url", url}});
  if (!advisories.empty()) v["advisories"] = std::move(advisories);
  std::string published = DateTime(first.published);
  if (!published.empty()) v["published"] = published;
  std::string updated = DateTime(first.modified);
  if (!updated.empty()) v["updated"] = updated;

  // Analysis: not_affected (or resolved) when a VEX statement says so for
  // every package, not_affected also when the source does; the responses a fix or a distro decision
  // implies; the suppression reasons as detail.
  bool all_suppressed = true, all_not_affected = true, all_vex_fixed = true, any_fixed = false,
       any_wont_fix = false;
  std::vector<std::string> reasons;
  for (const auto* f : group.found) {
    all_suppressed = all_suppressed && !f->suppressed_by.empty();
    all_not_affected = all_not_affected && SuppressedAsNotAffected(*f);
    all_vex_fixed = all_vex_fixed && VexStatus(f->suppressed_by) == "fixed";
    any_fixed = any_fixed || f->status == model::VulnStatus::kFixed;
    any_wont_fix = any_wont_fix || f->status == model::VulnStatus::kWillNotFix;
    if (!f->suppressed_by.empty() &&
        std::find(reasons.begin(), reasons.end(), f->suppressed_by) == reasons.end())
      reasons.push_back(f->suppressed_by);
  }
  OJson analysis;
  if (all_not_affected) {
    analysis["state"] = "not_affected";
    std::string justification = Justification(first.suppressed_by);
    if (!justification.empty()) analysis["justification"] = justification;
  } else if (all_vex_fixed) {
    analysis["state"] = "resolved";
  }
  OJson response = OJson::array();
  if (any_fixed) response.push_back("update");
  if (any_wont_fix) response.push_back("will_not_fix");
  if (!response.empty() && !all_not_affected) analysis["response"] = std::move(response);
  if (!reasons.empty()) {
    std::string detail = all_suppressed ? "Suppressed: " : "Suppressed for some packages: ";
    for (size_t i = 0; i < reasons.size(); ++i) detail += (i ? "; " : "") + reasons[i];
    analysis["detail"] = detail;
  }
  if (!analysis.empty()) v["analysis"] = std::move(analysis);

  OJson affects = OJson::array();
  std::map<std::string, size_t> by_ref;
  for (size_t k = 0; k < group.found.size(); ++k) {
    const auto& ref = group.package_refs[k];
    if (ref.empty()) continue;
    const model::Vulnerability& f = *group.found[k];
    auto [it, added] = by_ref.emplace(ref, affects.size());
    if (added) affects.push_back(OJson{{"ref", ref}, {"versions", OJson::array()}});
    OJson& versions = affects[it->second]["versions"];
    auto add = [&](const std::string& version, const char* status) {
      if (version.empty()) return;
      OJson entry{{"version", version}, {"status", status}};
      for (const auto& e : versions)
        if (e == entry) return;
      versions.push_back(std::move(entry));
    };
    add(f.installed_version, SuppressedAsNotAffected(f) ? "unaffected" : "affected");
    for (const auto& fixed : f.fixed_versions) add(fixed, "unaffected");
  }
  for (auto& a : affects)
    if (a["versions"].empty()) a.erase("versions");
  if (!affects.empty()) v["affects"] = std::move(affects);

  OJson props = OJson::array();
  AddProperty(props, "customs:DataSource", first.data_source);
  AddProperty(props, "customs:SeveritySource", first.severity_source);
  AddProperty(props, "customs:DistroSeverity", first.distro_severity);
  for (const auto* f : group.found)
    AddProperty(props, "customs:Status",
                f->package_name + " " + std::string(model::VulnStatusName(f->status)));
  if (!props.empty()) v["properties"] = std::move(props);
  return v;
}

std::string ImageRefName(const model::ImageInfo& image, size_t index) {
  const std::string& key = !image.manifest_digest.empty() ? image.manifest_digest
                           : !image.config_digest.empty() ? image.config_digest
                                                          : image.reference;
  return "customs:image:" + std::to_string(index) + ":" + key;
}

}  // namespace

Result<std::string> RenderCycloneDx(const std::vector<model::ScanResult>& results,
                                    const ReportOptions& options) {
  if (!options.timestamp.empty() && !IsUtcTimestamp(options.timestamp))
    return InvalidArgument("report options: timestamp \"" + options.timestamp +
                           "\" is not of the form YYYY-MM-DDTHH:MM:SSZ");
  std::set<std::string> used;
  OJson bom;
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = "urn:uuid:" + NameBasedUuid(DocumentSeed("cyclonedx", results, options));
  bom["version"] = 1;

  OJson metadata;
  if (!options.timestamp.empty()) metadata["timestamp"] = options.timestamp;
  OJson tool{{"type", "application"}, {"name", options.tool_name}};
  if (!options.tool_version.empty()) tool["version"] = options.tool_version;
  metadata["tools"] = OJson{{"components", OJson::array({tool})}};

  OJson components = OJson::array();
  OJson dependencies = OJson::array();
  std::vector<std::string> vuln_order;
  std::map<std::string, VulnGroup> vuln_groups;
  bool multi = results.size() > 1;
  std::string root_ref;
  std::vector<std::string> platform_refs;
  if (multi) {
    // One document for an image index (or several images): a container named
    // after the reference on top, one container component per result below.
    bool one_reference = std::all_of(results.begin(), results.end(), [&](const auto& r) {
      return r.image.reference == results.front().image.reference;
    });
    std::string title = one_reference && !results.front().image.reference.empty()
                            ? results.front().image.reference
                            : DocumentTitle(results, "unknown");
    root_ref = MakeUnique(used, "customs:scan:" + title);
    OJson root{{"bom-ref", root_ref}, {"type", "container"}, {"name", title}};
    OJson props = OJson::array();
    AddProperty(props, "customs:PlatformCount", std::to_string(results.size()));
    root["properties"] = std::move(props);
    metadata["component"] = std::move(root);
  }

  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::string image_ref = MakeUnique(used, ImageRefName(r.image, i));
    if (multi) {
      components.push_back(ImageComponent(image_ref, r));
      platform_refs.push_back(image_ref);
    } else {
      metadata["component"] = ImageComponent(image_ref, r);
    }
    std::vector<std::string> package_refs;
    std::vector<OJson> package_components;
    std::map<std::string, size_t> by_purl;  // OS packages, for owned language packages
    for (const auto& p : r.packages) {
      std::string ref = MakeUnique(used, PackageRef(i, p));
      if (!p.purl.empty() && (p.type == "deb" || p.type == "apk" || p.type == "rpm"))
        by_purl.emplace(p.purl, package_refs.size());
      package_refs.push_back(ref);
      package_components.push_back(PackageComponent(ref, p));
    }
    // An OS package depends on the language packages whose files it installed.
    std::vector<std::vector<std::string>> owned(package_refs.size());
    for (size_t k = 0; k < r.packages.size(); ++k) {
      auto it = r.packages[k].owner.empty() ? by_purl.end() : by_purl.find(r.packages[k].owner);
      if (it != by_purl.end()) owned[it->second].push_back(package_refs[k]);
    }
    if (!r.os.empty()) {
      std::string os_ref = MakeUnique(
          used, "customs:os:" + std::to_string(i) + ":" + r.os.id + ":" + r.os.version_id);
      components.push_back(OsComponent(os_ref, r.os));
      dependencies.push_back(Dependency(image_ref, {os_ref}));
      dependencies.push_back(Dependency(os_ref, package_refs));
    } else {
      dependencies.push_back(Dependency(image_ref, package_refs));
    }
    for (auto& c : package_components) components.push_back(std::move(c));
    for (const auto& v : r.vulnerabilities) {
      if (v.id.empty()) continue;
      auto [it, added] = vuln_groups.try_emplace(v.id);
      if (added) vuln_order.push_back(v.id);
      it->second.found.push_back(&v);
      it->second.package_refs.push_back(
          v.package_index < package_refs.size() ? package_refs[v.package_index] : std::string());
    }
    for (size_t k = 0; k < package_refs.size(); ++k)
      dependencies.push_back(Dependency(package_refs[k], owned[k]));
  }
  if (multi) dependencies.insert(dependencies.begin(), Dependency(root_ref, platform_refs));

  bom["metadata"] = std::move(metadata);
  bom["components"] = std::move(components);
  bom["dependencies"] = std::move(dependencies);
  if (!vuln_order.empty()) {
    OJson vulnerabilities = OJson::array();
    for (const auto& id : vuln_order)
      vulnerabilities.push_back(
          VulnerabilityJson(MakeUnique(used, "customs:vulnerability:" + id), vuln_groups[id]));
    bom["vulnerabilities"] = std::move(vulnerabilities);
  }
  return DumpReportJson(bom);
}

}  // namespace customs::report
