#include "catalog/catalogers.h"

#include <map>
#include <tuple>

#include "catalog/apk.h"
#include "catalog/dpkg.h"
#include "catalog/os_release.h"
#include "catalog/rpm_cataloger.h"
#include "model/purl.h"

namespace customs::catalog {

std::vector<std::unique_ptr<layer::Analyzer>> OsCatalogers() {
  std::vector<std::unique_ptr<layer::Analyzer>> list;
  // Each cataloger adds itself here, explicitly.
  list.push_back(std::make_unique<OsReleaseCataloger>());
  list.push_back(std::make_unique<DpkgCataloger>());
  list.push_back(std::make_unique<ApkCataloger>());
  list.push_back(std::make_unique<RpmCataloger>());
  return list;
}

namespace {

// "1:2.36-9" -> {1, "2.36-9"}; no epoch -> {nullopt, version}.
std::pair<std::optional<uint32_t>, std::string> SplitDebEpoch(const std::string& v) {
  auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 9) return {std::nullopt, v};
  uint32_t epoch = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (v[i] < '0' || v[i] > '9') return {std::nullopt, v};
    epoch = epoch * 10 + static_cast<uint32_t>(v[i] - '0');
  }
  return {epoch, v.substr(colon + 1)};
}

std::string OsPurlNamespace(const model::OsInfo& os, const std::string& fallback) {
  return os.id.empty() ? fallback : os.id;
}

std::string Purl(const model::OsInfo& os, const model::Package& p) {
  model::Purl purl;
  purl.type = p.type;
  purl.name = p.name;
  purl.version = p.version;
  purl.qualifiers["arch"] = p.arch;
  if (p.type == "deb") {
    purl.namespace_ = OsPurlNamespace(os, "debian");
    auto [epoch, version] = SplitDebEpoch(p.version);
    purl.version = version;
    if (epoch) purl.qualifiers["epoch"] = std::to_string(*epoch);
    if (!os.id.empty()) purl.qualifiers["distro"] = os.id + "-" + os.version_id;
  } else if (p.type == "apk") {
    purl.namespace_ = OsPurlNamespace(os, "alpine");
    purl.qualifiers["distro"] = os.version_id;
  } else if (p.type == "rpm") {
    purl.namespace_ = OsPurlNamespace(os, "redhat");
    if (p.epoch && *p.epoch != 0) purl.qualifiers["epoch"] = std::to_string(*p.epoch);
    if (!os.id.empty()) purl.qualifiers["distro"] = os.id + "-" + os.version_id;
  }
  return purl.ToString();
}

}  // namespace

void FinishPackages(const model::OsInfo& os,
                    const std::vector<layer::PackageFiles>& package_files,
                    std::vector<model::Package>& packages) {
  // dpkg names list files "<name>.list" or "<name>:<arch>.list" (multi-arch).
  std::map<std::pair<std::string, std::string>, const layer::PackageFiles*> lists;
  for (const auto& pf : package_files) lists[{pf.package, pf.arch}] = &pf;
  for (auto& p : packages) {
    if (p.files.empty() && p.type == "deb") {
      auto it = lists.find({p.name, p.arch});
      if (it == lists.end()) it = lists.find({p.name, ""});
      if (it != lists.end()) p.files = it->second->files;
    }
    if (p.purl.empty()) p.purl = Purl(os, p);
  }
}

}  // namespace customs::catalog
