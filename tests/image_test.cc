// End-to-end tests on real images built by tests/images/build_images.sh with
// debootstrap, umoci and skopeo, in every source form.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "model/purl.h"
#include "scan/scanner.h"
#include "tests/testing.h"

namespace customs {
namespace {

using Tuple = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::set<Tuple> PackageSet(const model::ScanResult& r) {
  std::set<Tuple> out;
  for (const auto& p : r.packages)
    out.insert({p.name, p.version, p.arch, p.source_name, p.source_version});
  return out;
}

model::ScanResult MustScan(const std::string& arg, scan::ScanOptions options = {}) {
  auto r = scan::ScanImage(arg, options);
  EXPECT_TRUE(r.ok()) << arg << ": " << r.status().ToString();
  if (!r.ok() || r->empty()) return {};
  EXPECT_EQ(r->size(), 1u);
  return (*r)[0];
}

TEST(ImageTest, DebianSamePackagesInEverySourceForm) {
  CUSTOMS_REQUIRE_IMAGE(rootfs, "rootfs/debian");
  // The expected set, from dpkg itself reading the same database.
  std::string out;
  ASSERT_EQ(testing::Run("dpkg-query --admindir=" + rootfs +
                             "/var/lib/dpkg -W -f='${db:Status-Abbrev}|${Package}|${Version}|"
                             "${Architecture}|${source:Package}|${source:Version}\\n'",
                         &out),
            0)
      << out;
  std::set<Tuple> want;
  for (auto line : Split(out, '\n')) {
    auto f = Split(line, '|');
    if (f.size() == 6 && Trim(f[0]) == "ii")
      want.insert({std::string(f[1]), std::string(f[2]), std::string(f[3]), std::string(f[4]),
                   std::string(f[5])});
  }
  ASSERT_GT(want.size(), 80u);
  std::vector<std::string> forms = {"rootfs:" + rootfs};
  for (const char* rel :
       {"oci-debian", "debian.docker-archive.tar", "debian.oci-archive.tar", "oci-debian-zstd"}) {
    std::string p = testing::TestImage(rel);
    if (p.empty()) continue;
    std::string prefix = std::string(rel).starts_with("oci-")                   ? "oci:"
                         : std::string(rel).find("docker") != std::string::npos ? "docker-archive:"
                                                                                : "oci-archive:";
    forms.push_back(prefix + p);
  }
  ASSERT_GE(forms.size(), 4u);
  for (const auto& f : forms) {
    model::ScanResult r = MustScan(f);
    EXPECT_EQ(PackageSet(r), want) << f;
    EXPECT_EQ(r.os.id, "debian") << f;
    EXPECT_EQ(r.os.version_id, "12") << f;
    EXPECT_TRUE(r.complete()) << f;
    for (const auto& p : r.packages) {
      ASSERT_TRUE(p.purl.starts_with("pkg:deb/debian/" + model::PurlEncode(p.name) + "@"))
          << p.purl;
      ASSERT_NE(p.purl.find("distro=debian-12"), std::string::npos) << p.purl;
      if (p.name == "bash")
        EXPECT_NE(std::find(p.files.begin(), p.files.end(), "bin/bash"), p.files.end());
    }
  }
}

TEST(ImageTest, MultiLayerAttributionAndWhiteouts) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-multilayer");
  for (std::string arg : {"oci:" + layout + ":multi",
                          "docker-archive:" + testing::TestImage("multilayer.docker-archive.tar"),
                          "oci-archive:" + testing::TestImage("multilayer.oci-archive.tar")}) {
    model::ScanResult r = MustScan(arg);
    ASSERT_EQ(r.image.layers.size(), 3u) << arg;
    int hello = 0;
    for (const auto& p : r.packages) {
      if (p.name == "hello") {
        ++hello;
        EXPECT_EQ(p.version, "2.10-3");
        EXPECT_EQ(p.layer.index, 2) << arg;
        EXPECT_EQ(p.layer.diff_id, r.image.layers[2].diff_id);
        EXPECT_EQ(p.files.size() > 0, true);
      } else {
        EXPECT_EQ(p.layer.index, 0) << p.name << " in " << arg;
      }
    }
    EXPECT_EQ(hello, 1) << arg;
  }
}

TEST(ImageTest, MultiPlatformIndex) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-multiarch");
  auto arches = [](const model::ScanResult& r) {
    std::set<std::string> a;
    for (const auto& p : r.packages) a.insert(p.arch);
    return a;
  };
  model::ScanResult amd = MustScan("oci:" + layout + ":3.20.3");
  EXPECT_EQ(arches(amd), std::set<std::string>{"x86_64"});
  EXPECT_EQ(amd.image.architecture, "amd64");

  scan::ScanOptions arm;
  arm.platform.platform = {"linux", "arm64", ""};
  arm.platform.explicit_platform = true;
  model::ScanResult a64 = MustScan("oci:" + layout + ":3.20.3", arm);
  EXPECT_EQ(arches(a64), std::set<std::string>{"aarch64"});

  scan::ScanOptions all;
  all.platform.all = true;
  auto both = scan::ScanImage("oci:" + layout + ":3.20.3", all);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->size(), 2u);  // the attestation manifest is skipped
  EXPECT_EQ((*both)[0].packages.size(), 14u);
  EXPECT_EQ((*both)[1].packages.size(), (*both)[0].packages.size());

  scan::ScanOptions s390;
  s390.platform.platform = {"linux", "s390x", ""};
  s390.platform.explicit_platform = true;
  auto none = scan::ScanImage("oci:" + layout + ":3.20.3", s390);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("available: linux/amd64, linux/arm64/v8)"),
            std::string::npos)
      << none.status().message();
}

}  // namespace
}  // namespace customs
