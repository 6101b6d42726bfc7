// CycloneDX 1.5 JSON. Layout follows what container scanners emit (Trivy's
// "aquasecurity:trivy:*" properties become "customs:*" here): the image is
// metadata.component, the OS and packages are components, and dependencies
// run image -> OS -> packages.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "base/digest.h"
#include "report/ids.h"
#include "report/license.h"
#include "report/report.h"

namespace customs::report {

namespace {

using OJson = nlohmann::ordered_json;

void AddProperty(OJson& props, const std::string& name, const std::string& value) {
  if (value.empty()) return;
  props.push_back(OJson{{"name", name}, {"value", value}});
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
    for (size_t k = 0; k < package_refs.size(); ++k)
      dependencies.push_back(Dependency(package_refs[k], owned[k]));
  }
  if (multi) dependencies.insert(dependencies.begin(), Dependency(root_ref, platform_refs));

  bom["metadata"] = std::move(metadata);
  bom["components"] = std::move(components);
  bom["dependencies"] = std::move(dependencies);
  return bom.dump(2, ' ', false, OJson::error_handler_t::replace) + "\n";
}

}  // namespace customs::report
