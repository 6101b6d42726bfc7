// SPDX 2.3 JSON. Every element's SPDXID is "SPDXRef-" + an idstring of
// letters, digits, '.' and '-' made from its name and version plus a short
// hash, so ids are valid, stable across runs and unique in the document.
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/digest.h"
#include "base/json.h"
#include "report/ids.h"
#include "report/license.h"
#include "report/report.h"

namespace customs::report {

namespace {

using OJson = nlohmann::ordered_json;

constexpr char kNoAssertion[] = "NOASSERTION";

std::string Hash8(const std::string& text) {
  return std::string(Sha256::Of(text).hex().substr(0, 8));
}

OJson PurlRef(const std::string& purl) {
  return OJson{{"referenceCategory", "PACKAGE-MANAGER"},
               {"referenceType", "purl"},
               {"referenceLocator", purl}};
}

std::string SourceInfo(const model::Package& p) {
  std::vector<std::string> parts;
  if (p.layer.index >= 0 || !p.layer.diff_id.empty()) {
    std::string layer = "installed by layer";
    if (p.layer.index >= 0) {
      layer += ' ';
      layer += std::to_string(p.layer.index);
    }
    if (!p.layer.diff_id.empty()) layer += " (" + p.layer.diff_id + ")";
    if (!p.layer.created_by.empty()) layer += " created by: " + p.layer.created_by;
    parts.push_back(std::move(layer));
  }
  if (!p.db_path.empty()) parts.push_back("recorded in " + p.db_path);
  if (!p.source_name.empty()) {
    std::string source = "built from source package " + p.source_name;
    if (!p.source_version.empty()) source += " " + p.source_version;
    parts.push_back(std::move(source));
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

OJson ImagePackage(const std::string& id, const model::ScanResult& r) {
  const auto& image = r.image;
  OJson p;
  p["SPDXID"] = id;
  p["name"] = image.reference.empty() ? "unknown" : image.reference;
  if (!image.manifest_digest.empty()) p["versionInfo"] = image.manifest_digest;
  p["downloadLocation"] = kNoAssertion;
  p["filesAnalyzed"] = false;
  auto digest = Digest::Parse(image.manifest_digest);
  if (digest.ok())
    p["checksums"] = OJson::array(
        {OJson{{"algorithm", "SHA256"}, {"checksumValue", std::string(digest->hex())}}});
  p["licenseConcluded"] = kNoAssertion;
  p["licenseDeclared"] = kNoAssertion;
  std::string purl = ImagePurl(image);
  if (!purl.empty()) p["externalRefs"] = OJson::array({PurlRef(purl)});
  p["primaryPackagePurpose"] = "CONTAINER";
  std::string comment;
  std::string platform = Platform(image);
  if (!platform.empty()) comment += "platform " + platform + "; ";
  if (!image.config_digest.empty()) comment += "config " + image.config_digest + "; ";
  comment += r.complete() ? "scan complete" : "scan incomplete: see the diagnostics";
  p["comment"] = comment;
  return p;
}

OJson OsPackage(const std::string& id, const model::OsInfo& os) {
  OJson p;
  p["SPDXID"] = id;
  p["name"] = os.id;
  if (!os.version_id.empty()) p["versionInfo"] = os.version_id;
  p["downloadLocation"] = kNoAssertion;
  p["filesAnalyzed"] = false;
  p["licenseConcluded"] = kNoAssertion;
  p["licenseDeclared"] = kNoAssertion;
  if (!os.pretty_name.empty()) p["description"] = os.pretty_name;
  p["primaryPackagePurpose"] = "OPERATING-SYSTEM";
  return p;
}

OJson InstalledPackage(const std::string& id, const model::Package& pkg, LicenseRefTable& refs) {
  OJson p;
  p["SPDXID"] = id;
  p["name"] = pkg.name;
  std::string version = DisplayVersion(pkg);
  if (!version.empty()) p["versionInfo"] = version;
  p["downloadLocation"] = kNoAssertion;
  p["filesAnalyzed"] = false;
  p["licenseConcluded"] = kNoAssertion;
  size_t refs_before = refs.refs().size();
  std::string declared = DeclaredLicenseExpression(pkg.licenses, &refs);
  p["licenseDeclared"] = declared.empty() ? kNoAssertion : declared;
  bool used_ref = declared.find("LicenseRef-") != std::string::npos;
  if (used_ref || refs.refs().size() != refs_before) {
    std::string original;
    for (const auto& l : pkg.licenses) original += (original.empty() ? "" : "; ") + l;
    p["licenseComments"] = "license strings in the package database: " + original;
  }
  if (!pkg.purl.empty()) p["externalRefs"] = OJson::array({PurlRef(pkg.purl)});
  std::string source_info = SourceInfo(pkg);
  if (!source_info.empty()) p["sourceInfo"] = source_info;
  return p;
}

OJson Relationship(const std::string& from, const char* type, const std::string& to) {
  return OJson{{"spdxElementId", from}, {"relationshipType", type}, {"relatedSpdxElement", to}};
}

}  // namespace

Result<std::string> RenderSpdx(const std::vector<model::ScanResult>& results,
                               const ReportOptions& options) {
  if (!IsUtcTimestamp(options.timestamp))
    return InvalidArgument(
        "report options: SPDX needs a creation timestamp of the form "
        "YYYY-MM-DDTHH:MM:SSZ, got \"" +
        options.timestamp + "\"");
  std::set<std::string> used = {"SPDXRef-DOCUMENT"};
  LicenseRefTable refs;
  OJson packages = OJson::array();
  OJson relationships = OJson::array();

  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::string image_key = std::to_string(i) + "\n" + r.image.manifest_digest + "\n" +
                            r.image.config_digest + "\n" + r.image.reference;
    std::string image_id = MakeUnique(
        used, "SPDXRef-Image-" + SpdxIdString(r.image.reference) + "-" + Hash8(image_key));
    packages.push_back(ImagePackage(image_id, r));
    relationships.push_back(Relationship("SPDXRef-DOCUMENT", "DESCRIBES", image_id));
    if (!r.os.empty()) {
      std::string os_id =
          MakeUnique(used, "SPDXRef-OperatingSystem-" + SpdxIdString(r.os.id) + "-" +
                               SpdxIdString(r.os.version_id) + "-" +
                               Hash8(image_key + "\n" + r.os.id + "\n" + r.os.version_id));
      packages.push_back(OsPackage(os_id, r.os));
      relationships.push_back(Relationship(image_id, "CONTAINS", os_id));
    }
    std::map<std::string, std::string> os_ids;  // purl -> SPDX id, for owners
    std::vector<std::string> ids;
    for (const auto& pkg : r.packages) {
      std::string id = MakeUnique(
          used, "SPDXRef-Package-" + SpdxIdString(pkg.type) + "-" + SpdxIdString(pkg.name) + "-" +
                    SpdxIdString(DisplayVersion(pkg)) + "-" + Hash8(PackageIdentity(i, pkg)));
      packages.push_back(InstalledPackage(id, pkg, refs));
      relationships.push_back(Relationship(image_id, "CONTAINS", id));
      if (!pkg.purl.empty() && (pkg.type == "deb" || pkg.type == "apk" || pkg.type == "rpm"))
        os_ids.emplace(pkg.purl, id);
      ids.push_back(std::move(id));
    }
    // The OS package that installed a language package's files contains it.
    for (size_t k = 0; k < r.packages.size(); ++k) {
      auto it = r.packages[k].owner.empty() ? os_ids.end() : os_ids.find(r.packages[k].owner);
      if (it != os_ids.end()) relationships.push_back(Relationship(it->second, "CONTAINS", ids[k]));
    }
  }

  std::string name = DocumentTitle(results, "customs-scan");
  OJson doc;
  doc["spdxVersion"] = "SPDX-2.3";
  doc["dataLicense"] = "CC0-1.0";
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["name"] = name;
  doc["documentNamespace"] = options.spdx_namespace_prefix + SpdxIdString(name) + "-" +
                             NameBasedUuid(DocumentSeed("spdx", results, options));
  std::string creator = "Tool: " + options.tool_name;
  if (!options.tool_version.empty()) creator += "-" + options.tool_version;
  doc["creationInfo"] =
      OJson{{"creators", OJson::array({creator})}, {"created", options.timestamp}};
  doc["packages"] = std::move(packages);
  doc["relationships"] = std::move(relationships);
  if (!refs.refs().empty()) {
    OJson infos = OJson::array();
    for (const auto& ref : refs.refs())
      infos.push_back(OJson{{"licenseId", ref.id},
                            {"name", ref.text},
                            {"extractedText", ref.text},
                            {"comment",
                             "license as named in the package database; not an "
                             "SPDX license expression"}});
    doc["hasExtractedLicensingInfos"] = std::move(infos);
  }
  return DumpReportJson(doc);
}

}  // namespace customs::report
