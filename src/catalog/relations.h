// Relations between packages that different catalogers found, resolved once
// the layers are merged and OS packages carry their file lists and purls.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/package.h"

namespace customs::catalog {

// Two rules, applied in place:
//
// Ownership: a language package whose db_path is a file some OS package
// installed (Debian's python3-requests ships
// usr/lib/python3/dist-packages/requests-2.28.1.egg-info) gets that OS
// package's purl as Package::owner. Paths are compared across the merged-usr
// links (bin, sbin, lib*, so "lib/x" and "usr/lib/x" are one file).
//
// Installed lockfile entries: a package-lock.json / yarn.lock /
// pnpm-lock.yaml entry whose name and version are installed below the
// lockfile's directory in node_modules is dropped, so the package is
// reported once, from its package.json; the lockfile's scope (prod/dev) is
// copied onto the installed package when it has none. Lockfile entries not
// installed stay: the image ships the lockfile that names them.
//
// Packages keep their order otherwise.
void RelatePackages(std::vector<model::Package>& packages);

// Which OS package installed a path, from the file lists of the OS packages
// (compared across merged-usr links as above). Refers into `packages`,
// which must outlive it unchanged.
class FileOwners {
 public:
  explicit FileOwners(const std::vector<model::Package>& packages);
  const model::Package* Find(std::string_view path) const;  // nullptr: no package
  bool empty() const { return owner_of_.empty(); }

 private:
  std::unordered_map<std::string, const model::Package*> owner_of_;
};

}  // namespace customs::catalog
