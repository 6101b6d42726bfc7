#include "catalog/relations.h"

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace customs::catalog {
namespace {

bool IsOsPackage(const model::Package& p) {
  return p.type == "deb" || p.type == "apk" || p.type == "rpm";
}

// One spelling for paths that merged-usr systems reach two ways: Debian 12's
// dpkg lists "/bin/bash" while the layer holds usr/bin/bash under a bin ->
// usr/bin link, and older images the other way round.
std::string CanonicalPath(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.starts_with("/")) path.remove_prefix(1);
  for (std::string_view dir : {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"})
    if (path.starts_with(dir)) return "usr/" + std::string(path);
  return std::string(path);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsLockfile(std::string_view path) {
  std::string_view base = BaseName(path);
  return base == "package-lock.json" || base == "npm-shrinkwrap.json" || base == "yarn.lock" ||
         base == "pnpm-lock.yaml";
}

std::string_view ParentDir(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

void AssignOwners(std::vector<model::Package>& packages) {
  FileOwners owners(packages);
  if (owners.empty()) return;
  for (auto& p : packages) {
    if (IsOsPackage(p) || p.db_path.empty()) continue;
    if (const model::Package* owner = owners.Find(p.db_path)) p.owner = owner->purl;
  }
}

void MergeInstalledLockEntries(std::vector<model::Package>& packages) {
  // Installed npm packages by (name, version): the directories they sit in.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> installed;
  for (size_t i = 0; i < packages.size(); ++i) {
    const auto& p = packages[i];
    if (p.type == "npm" && !IsLockfile(p.db_path)) installed[{p.name, p.version}].push_back(i);
  }
  if (installed.empty()) return;
  std::vector<bool> drop(packages.size(), false);
  for (size_t i = 0; i < packages.size(); ++i) {
    const auto& lock = packages[i];
    if (lock.type != "npm" || !IsLockfile(lock.db_path)) continue;
    auto it = installed.find({lock.name, lock.version});
    if (it == installed.end()) continue;
    std::string_view dir = ParentDir(lock.db_path);
    std::string prefix = dir.empty() ? "node_modules/" : std::string(dir) + "/node_modules/";
    for (size_t j : it->second) {
      auto& p = packages[j];
      if (!std::string_view(p.db_path).starts_with(prefix)) continue;
      drop[i] = true;
      if (p.scope.empty()) p.scope = lock.scope;
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < packages.size(); ++i)
    if (!drop[i]) {
      if (kept != i) packages[kept] = std::move(packages[i]);
      ++kept;
    }
  packages.resize(kept);
}

}  // namespace

FileOwners::FileOwners(const std::vector<model::Package>& packages) {
  for (const auto& p : packages)
    if (IsOsPackage(p))
      for (const auto& f : p.files) owner_of_.emplace(CanonicalPath(f), &p);
}

const model::Package* FileOwners::Find(std::string_view path) const {
  auto it = owner_of_.find(CanonicalPath(path));
  return it == owner_of_.end() ? nullptr : it->second;
}

void RelatePackages(std::vector<model::Package>& packages) {
  AssignOwners(packages);
  MergeInstalledLockEntries(packages);
}

}  // namespace customs::catalog
