#include "catalog/catalogers.h"

#include <gtest/gtest.h>

namespace customs::catalog {
namespace {

TEST(FinishPackagesTest, SetsPurlsAndJoinsDpkgFileLists) {
  model::OsInfo os{.id = "debian", .version_id = "12"};
  std::vector<model::Package> pkgs(3);
  pkgs[0] = {.type = "deb", .name = "login", .version = "1:4.13+dfsg1-1", .arch = "amd64"};
  pkgs[1] = {.type = "deb", .name = "libc6", .version = "2.36-9", .arch = "amd64"};
  pkgs[2] = {.type = "apk", .name = "musl", .version = "1.2.5-r0", .arch = "x86_64"};
  std::vector<layer::PackageFiles> lists = {{.db_path = "var/lib/dpkg/info/libc6:amd64.list",
                                             .package = "libc6",
                                             .arch = "amd64",
                                             .files = {"lib/x86_64-linux-gnu/libc.so.6"}}};
  FinishPackages(os, lists, {}, pkgs);
  EXPECT_EQ(pkgs[0].purl,
            "pkg:deb/debian/login@4.13%2Bdfsg1-1?arch=amd64&distro=debian-12&epoch=1");
  EXPECT_EQ(pkgs[1].files, std::vector<std::string>{"lib/x86_64-linux-gnu/libc.so.6"});
  EXPECT_TRUE(pkgs[0].files.empty());
  EXPECT_EQ(pkgs[2].purl, "pkg:apk/debian/musl@1.2.5-r0?arch=x86_64&distro=12");
}

}  // namespace
}  // namespace customs::catalog
