#include "report/ids.h"

#include <gtest/gtest.h>

#include <regex>

#include "report/report_testdata.h"

namespace customs::report {
namespace {

TEST(NameBasedUuidTest, IsDeterministicVersion8) {
  // SHA-256("abc") = ba7816bf 8f01 cfea 4141 40de5dae2223b00361a396177a9cb410ff61f20015ad
  // -> version nibble 8 at position 12, variant 10xx: 0x4 & 3 | 8 = 8.
  EXPECT_EQ(NameBasedUuid("abc"), "ba7816bf-8f01-8fea-8141-40de5dae2223");
  EXPECT_EQ(NameBasedUuid("abc"), NameBasedUuid("abc"));
  EXPECT_NE(NameBasedUuid("abc"), NameBasedUuid("abd"));
  std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (const char* name : {"", "x", "customs", "sha256:0"})
    EXPECT_TRUE(std::regex_match(NameBasedUuid(name), shape)) << name;
}

TEST(DocumentSeedTest, NamesDigestsToolAndSeed) {
  auto options = testdata::Options();
  options.seed = "run-7";
  std::vector<model::ScanResult> results = {testdata::Debian()};
  EXPECT_EQ(DocumentSeed("spdx", results, options),
            std::string("spdx\ncustoms\n0.1.0\nrun-7\n") + testdata::kDebManifest);
  results[0].image.manifest_digest.clear();
  results[0].image.config_digest.clear();
  EXPECT_EQ(DocumentSeed("spdx", results, options),
            "spdx\ncustoms\n0.1.0\nrun-7\ndocker-archive:/tmp/debian-12.tar");
}

TEST(ImagePurlTest, BuildsOciPurlFromTagOrRegistryReference) {
  auto alpine = testdata::Alpine("amd64").image;
  EXPECT_EQ(ImagePurl(alpine), std::string("pkg:oci/alpine@") + testdata::kApkManifestAmd64 +
                                   "?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine"
                                   "&tag=3.19");
  auto debian = testdata::Debian().image;  // docker-archive with repo tag debian:12
  EXPECT_EQ(ImagePurl(debian), std::string("pkg:oci/debian@") + testdata::kDebManifest +
                                   "?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fdebian"
                                   "&tag=12");
  model::ImageInfo custom;
  custom.reference = "registry.local:5000/Team/App@" + std::string(testdata::kRpmManifest);
  custom.manifest_digest = testdata::kRpmManifest;
  EXPECT_EQ(ImagePurl(custom), std::string("pkg:oci/app@") + testdata::kRpmManifest +
                                   "?repository_url=registry.local:5000%2FTeam%2FApp");
  // An OCI layout without tags names no repository: no purl.
  EXPECT_EQ(ImagePurl(testdata::Rocky().image), "");
  custom.manifest_digest.clear();
  EXPECT_EQ(ImagePurl(custom), "");
}

TEST(DisplayVersionTest, PrefixesRpmEpochOnly) {
  auto rocky = testdata::Rocky();
  EXPECT_EQ(DisplayVersion(rocky.packages[4]), "1:3.0.7-25.el9_3");
  EXPECT_EQ(DisplayVersion(rocky.packages[0]), "5.1.8-6.el9_1");
  EXPECT_EQ(DisplayVersion(testdata::Debian().packages[4]), "1:4.13+dfsg1-1+b1");
}

TEST(PlatformTest, JoinsOsArchVariant) {
  EXPECT_EQ(Platform(testdata::Alpine("arm64").image), "linux/arm64/v8");
  EXPECT_EQ(Platform(testdata::Debian().image), "linux/amd64");
  EXPECT_EQ(Platform(model::ImageInfo{}), "");
}

TEST(IsUtcTimestampTest, AcceptsOnlySecondsPrecisionUtc) {
  EXPECT_TRUE(IsUtcTimestamp("2024-05-01T12:00:00Z"));
  EXPECT_TRUE(IsUtcTimestamp("2016-12-31T23:59:60Z"));
  EXPECT_FALSE(IsUtcTimestamp("2024-05-01T12:00:00.5Z"));
  EXPECT_FALSE(IsUtcTimestamp("2024-05-01T12:00:00+02:00"));
  EXPECT_FALSE(IsUtcTimestamp("2024-13-01T12:00:00Z"));
  EXPECT_FALSE(IsUtcTimestamp("2024-05-01 12:00:00Z"));
  EXPECT_FALSE(IsUtcTimestamp(""));
}

TEST(MakeUniqueTest, AppendsCounters) {
  std::set<std::string> used;
  EXPECT_EQ(MakeUnique(used, "a"), "a");
  EXPECT_EQ(MakeUnique(used, "a"), "a-2");
  EXPECT_EQ(MakeUnique(used, "a"), "a-3");
  EXPECT_EQ(MakeUnique(used, "b"), "b");
}

}  // namespace
}  // namespace customs::report
