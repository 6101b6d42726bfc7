#include "catalog/catalogers.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "catalog/apk.h"
#include "catalog/composer.h"
#include "catalog/dotnet.h"
#include "catalog/dpkg.h"
#include "catalog/dpkg_copyright.h"
#include "catalog/go_binary.h"
#include "catalog/java.h"
#include "catalog/npm.h"
#include "catalog/npm_lock.h"
#include "catalog/os_release.h"
#include "catalog/python.h"
#include "catalog/rpm_cataloger.h"
#include "catalog/ruby.h"
#include "catalog/rust.h"
#include "model/purl.h"

namespace customs::catalog {

std::vector<std::unique_ptr<layer::Analyzer>> OsCatalogers() {
  std::vector<std::unique_ptr<layer::Analyzer>> list;
  // Each cataloger adds itself here, explicitly.
  list.push_back(std::make_unique<OsReleaseCataloger>());
  list.push_back(std::make_unique<DpkgCataloger>());
  list.push_back(std::make_unique<DpkgCopyrightCataloger>());
  list.push_back(std::make_unique<ApkCataloger>());
  list.push_back(std::make_unique<RpmCataloger>());
  return list;
}

std::vector<std::unique_ptr<layer::Analyzer>> LanguageCatalogers() {
  std::vector<std::unique_ptr<layer::Analyzer>> list;
  // Each cataloger adds itself here, explicitly.
  list.push_back(std::make_unique<NpmPackageCataloger>());
  list.push_back(std::make_unique<NpmLockCataloger>());
  list.push_back(std::make_unique<PythonCataloger>());
  list.push_back(std::make_unique<GemspecCataloger>());
  list.push_back(std::make_unique<ComposerCataloger>());
  list.push_back(std::make_unique<DotnetDepsCataloger>());
  list.push_back(std::make_unique<JavaArchiveCataloger>());
  // Go and cargo-auditable Rust binaries: one analyzer, one ELF parse per executable.
  list.push_back(std::make_unique<BinaryCataloger>());
  list.push_back(std::make_unique<CargoLockCataloger>());
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

void FinishPackages(const model::OsInfo& os, const std::vector<layer::PackageFiles>& package_files,
                    const std::vector<layer::PackageLicenses>& package_licenses,
                    std::vector<model::Package>& packages) {
  // Debian copyright files, by package name: usr/share/doc/<name>/copyright
  // serves every architecture of a multi-arch package.
  std::map<std::string, std::vector<std::string>> licenses;
  for (const auto& pl : package_licenses) {
    auto& names = licenses[pl.package];
    for (const auto& l : pl.licenses)
      if (std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
  }
  // dpkg names list files "<name>.list" or "<name>:<arch>.list" (multi-arch).
  std::map<std::pair<std::string, std::string>, const layer::PackageFiles*> lists;
  for (const auto& pf : package_files) lists[{pf.package, pf.arch}] = &pf;
  for (auto& p : packages) {
    if (p.licenses.empty() && p.type == "deb") {
      auto it = licenses.find(p.name);
      if (it != licenses.end()) p.licenses = it->second;
    }
    if (p.files.empty() && p.type == "deb") {
      auto it = lists.find({p.name, p.arch});
      if (it == lists.end()) it = lists.find({p.name, ""});
      if (it != lists.end()) p.files = it->second->files;
    }
    if (p.purl.empty()) p.purl = Purl(os, p);
  }
}

}  // namespace customs::catalog
