#include "catalog/relations.h"

#include <gtest/gtest.h>

namespace customs::catalog {
namespace {

model::Package Pkg(std::string type, std::string name, std::string version, std::string db_path) {
  model::Package p;
  p.type = std::move(type);
  p.name = std::move(name);
  p.version = std::move(version);
  p.db_path = std::move(db_path);
  return p;
}

TEST(RelationsTest, OsPackageOwnsLanguagePackageFiles) {
  model::Package deb = Pkg("deb", "python3-requests", "2.28.1+dfsg-1", "var/lib/dpkg/status");
  deb.purl = "pkg:deb/debian/python3-requests@2.28.1%2Bdfsg-1?arch=all";
  deb.files = {"usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
               "bin/fzf"};  // dpkg's merged-usr spelling
  model::Package apk = Pkg("apk", "py3-six", "1.16.0-r0", "lib/apk/db/installed");
  apk.purl = "pkg:apk/alpine/py3-six@1.16.0-r0";
  apk.files = {"usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"};
  std::vector<model::Package> packages = {
      deb,
      apk,
      Pkg("pypi", "requests", "2.28.1",
          "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO"),
      Pkg("golang", "stdlib", "v1.19.8", "usr/bin/fzf"),
      Pkg("pypi", "six", "1.16.0",
          "usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"),
      Pkg("pypi", "flask", "3.0.0",
          "usr/local/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA"),
  };
  RelatePackages(packages);
  ASSERT_EQ(packages.size(), 6u);
  EXPECT_EQ(packages[2].owner, deb.purl);
  EXPECT_EQ(packages[3].owner, deb.purl);
  EXPECT_EQ(packages[4].owner, apk.purl);
  EXPECT_EQ(packages[5].owner, "");
  EXPECT_EQ(packages[0].owner, "");  // OS packages are never owned
}

TEST(RelationsTest, InstalledLockfileEntriesReportedOnce) {
  auto lock = [](std::string name, std::string version, std::string scope, std::string path) {
    model::Package p = Pkg("npm", std::move(name), std::move(version), std::move(path));
    p.scope = std::move(scope);
    return p;
  };
  std::vector<model::Package> packages = {
      lock("express", "4.17.1", "prod", "srv/app/package-lock.json"),
      lock("jest", "29.0.0", "dev", "srv/app/package-lock.json"),  // not installed: kept
      lock("ms", "2.1.1", "prod", "srv/app/package-lock.json"),
      lock("ms", "2.1.1", "dev", "srv/other/yarn.lock"),  // other project, not installed there
      Pkg("npm", "express", "4.17.1", "srv/app/node_modules/express/package.json"),
      Pkg("npm", "ms", "2.1.1", "srv/app/node_modules/send/node_modules/ms/package.json"),
      Pkg("npm", "ms", "2.1.1", "usr/lib/node_modules/npm/node_modules/ms/package.json"),
  };
  RelatePackages(packages);
  std::vector<std::tuple<std::string, std::string, std::string>> got;
  for (const auto& p : packages) got.emplace_back(p.name, p.db_path, p.scope);
  std::vector<std::tuple<std::string, std::string, std::string>> want = {
      {"jest", "srv/app/package-lock.json", "dev"},
      {"ms", "srv/other/yarn.lock", "dev"},
      {"express", "srv/app/node_modules/express/package.json", "prod"},
      {"ms", "srv/app/node_modules/send/node_modules/ms/package.json", "prod"},
      {"ms", "usr/lib/node_modules/npm/node_modules/ms/package.json", ""},
  };
  EXPECT_EQ(got, want);
}

TEST(RelationsTest, LockfileAtImageRoot) {
  std::vector<model::Package> packages = {
      Pkg("npm", "a", "1.0.0", "package-lock.json"),
      Pkg("npm", "a", "1.0.0", "node_modules/a/package.json"),
  };
  packages[0].scope = "dev";
  RelatePackages(packages);
  ASSERT_EQ(packages.size(), 1u);
  EXPECT_EQ(packages[0].db_path, "node_modules/a/package.json");
  EXPECT_EQ(packages[0].scope, "dev");
}

}  // namespace
}  // namespace customs::catalog
