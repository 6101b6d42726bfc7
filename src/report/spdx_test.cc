#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "base/json.h"
#include "report/report.h"
#include "report/report_testdata.h"

namespace customs::report {
namespace {

Json Render(const std::vector<model::ScanResult>& results,
            const ReportOptions& options = testdata::Options()) {
  auto text = RenderSpdx(results, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto doc = ParseJson(*text, "spdx");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return *doc;
}

const Json* FindPackage(const Json& doc, const std::string& name) {
  for (const auto& p : doc["packages"])
    if (JsonString(p, "name") == name) return &p;
  return nullptr;
}

TEST(SpdxTest, DocumentFields) {
  Json doc = Render({testdata::Debian()});
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], "docker-archive:/tmp/debian-12.tar");
  EXPECT_EQ(doc["creationInfo"]["created"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(doc["creationInfo"]["creators"], Json::parse(R"(["Tool: customs-0.1.0"])"));
  std::string ns = doc["documentNamespace"];
  std::regex shape(
      "^https://spdx\\.org/spdxdocs/docker-archive-tmp-debian-12\\.tar-"
      "[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(ns, shape)) << ns;
  EXPECT_EQ(Render({testdata::Debian()})["documentNamespace"], ns);
  auto options = testdata::Options();
  options.seed = "rescan";
  EXPECT_NE(Render({testdata::Debian()}, options)["documentNamespace"], ns);
}

TEST(SpdxTest, ImageOsAndPackages) {
  Json doc = Render({testdata::Debian()});
  // image + OS + 8 packages
  ASSERT_EQ(doc["packages"].size(), 10u);
  const Json& image = doc["packages"][0];
  EXPECT_EQ(image["primaryPackagePurpose"], "CONTAINER");
  EXPECT_EQ(image["versionInfo"], testdata::kDebManifest);
  EXPECT_EQ(image["checksums"][0]["algorithm"], "SHA256");
  EXPECT_EQ(image["checksums"][0]["checksumValue"], std::string(testdata::kDebManifest).substr(7));
  EXPECT_EQ(image["externalRefs"][0]["referenceLocator"],
            std::string("pkg:oci/debian@") + testdata::kDebManifest +
                "?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fdebian&tag=12");
  const Json& os = doc["packages"][1];
  EXPECT_EQ(os["primaryPackagePurpose"], "OPERATING-SYSTEM");
  EXPECT_EQ(os["name"], "debian");
  EXPECT_EQ(os["versionInfo"], "12");

  const Json* passwd = FindPackage(doc, "passwd");
  ASSERT_NE(passwd, nullptr);
  EXPECT_EQ((*passwd)["versionInfo"], "1:4.13+dfsg1-1+b1");
  EXPECT_EQ((*passwd)["downloadLocation"], "NOASSERTION");
  EXPECT_EQ((*passwd)["licenseConcluded"], "NOASSERTION");
  EXPECT_EQ((*passwd)["filesAnalyzed"], false);
  EXPECT_EQ((*passwd)["externalRefs"],
            Json::parse(R"([{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl",
              "referenceLocator":
              "pkg:deb/debian/passwd@4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12&epoch=1"}])"));
  EXPECT_EQ((*passwd)["sourceInfo"],
            std::string("installed by layer 0 (") + testdata::kDebLayer0 +
                ") created by: /bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011 in / ; recorded in "
                "var/lib/dpkg/status; built from source package shadow 1:4.13+dfsg1-1");
  EXPECT_FALSE(passwd->contains("files"));
  EXPECT_FALSE(doc.contains("files"));
}

TEST(SpdxTest, OsPackageContainsTheLanguagePackageItInstalled) {
  model::ScanResult r = testdata::Debian();
  model::Package pypi;
  pypi.type = "pypi";
  pypi.name = "requests";
  pypi.version = "2.28.1";
  pypi.purl = "pkg:pypi/requests@2.28.1";
  pypi.owner = r.packages[0].purl;
  r.packages.push_back(pypi);
  Json doc = Render({r});
  std::map<std::string, std::string> id_of;  // purl -> SPDXID
  for (const auto& p : doc["packages"])
    if (const Json* refs = JsonArray(p, "externalRefs"))
      for (const auto& ref : *refs)
        if (JsonString(ref, "referenceType") == "purl")
          id_of[JsonString(ref, "referenceLocator")] = JsonString(p, "SPDXID");
  std::string owner = id_of[r.packages[0].purl], owned = id_of["pkg:pypi/requests@2.28.1"];
  ASSERT_FALSE(owner.empty());
  ASSERT_FALSE(owned.empty());
  int contains = 0;
  for (const auto& rel : doc["relationships"])
    if (JsonString(rel, "spdxElementId") == owner &&
        JsonString(rel, "relationshipType") == "CONTAINS") {
      EXPECT_EQ(JsonString(rel, "relatedSpdxElement"), owned);
      ++contains;
    }
  EXPECT_EQ(contains, 1);
}

TEST(SpdxTest, SpdxIdsAreValidUniqueAndDerivedFromNameAndVersion) {
  Json doc = Render({testdata::Debian(), testdata::Rocky()});
  std::regex valid("^SPDXRef-[a-zA-Z0-9.-]+$");
  std::set<std::string> ids;
  for (const auto& p : doc["packages"]) {
    std::string id = p["SPDXID"];
    EXPECT_TRUE(std::regex_match(id, valid)) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
  }
  std::string libstdcxx = FindPackage(doc, "libstdc++6")->at("SPDXID");
  EXPECT_EQ(libstdcxx.rfind("SPDXRef-Package-deb-libstdc-6-12.2.0-14-", 0), 0u) << libstdcxx;
  EXPECT_EQ(libstdcxx.size(), std::string("SPDXRef-Package-deb-libstdc-6-12.2.0-14-").size() + 8);
  std::string openssl = FindPackage(doc, "openssl-libs")->at("SPDXID");
  EXPECT_EQ(openssl.rfind("SPDXRef-Package-rpm-openssl-libs-1-3.0.7-25.el9_3", 0),
            std::string::npos);  // '_' is not allowed
  EXPECT_EQ(openssl.rfind("SPDXRef-Package-rpm-openssl-libs-1-3.0.7-25.el9-3-", 0), 0u) << openssl;
}

TEST(SpdxTest, TwoIdenticalPackagesStillGetDistinctIds) {
  auto result = testdata::Debian();
  result.packages.push_back(result.packages[0]);
  Json doc = Render({result});
  std::set<std::string> ids;
  for (const auto& p : doc["packages"])
    EXPECT_TRUE(ids.insert(p["SPDXID"].get<std::string>()).second);
  EXPECT_EQ(ids.size(), 11u);
}

TEST(SpdxTest, RelationshipsDescribeImageAndContainEverything) {
  Json doc = Render({testdata::Debian(), testdata::Rocky()});
  std::vector<std::string> images;
  std::map<std::string, std::string> parent;  // package id -> image id
  for (const auto& r : doc["relationships"]) {
    std::string type = r["relationshipType"];
    if (type == "DESCRIBES") {
      EXPECT_EQ(r["spdxElementId"], "SPDXRef-DOCUMENT");
      images.push_back(r["relatedSpdxElement"].get<std::string>());
    } else {
      EXPECT_EQ(type, "CONTAINS");
      EXPECT_TRUE(parent
                      .emplace(r["relatedSpdxElement"].get<std::string>(),
                               r["spdxElementId"].get<std::string>())
                      .second);
    }
  }
  ASSERT_EQ(images.size(), 2u);
  size_t contained = 0;
  for (const auto& p : doc["packages"]) {
    std::string id = p["SPDXID"];
    if (p.value("primaryPackagePurpose", "") == "CONTAINER") {
      EXPECT_FALSE(parent.count(id));
      continue;
    }
    ASSERT_TRUE(parent.count(id)) << id << " is in no image";
    ++contained;
  }
  // Debian: OS + 8, Rocky: OS + 6.
  EXPECT_EQ(contained, 16u);
  EXPECT_EQ(parent[FindPackage(doc, "bash")->at("SPDXID")], images[1]);
  EXPECT_EQ(parent[FindPackage(doc, "libc6")->at("SPDXID")], images[0]);
}

TEST(SpdxTest, LicensesDeclaredAsExpressionsOrLicenseRefs) {
  Json doc = Render({testdata::Debian(), testdata::Rocky()});
  EXPECT_EQ(FindPackage(doc, "base-files")->at("licenseDeclared"), "GPL-2.0-or-later");
  EXPECT_EQ(FindPackage(doc, "libstdc++6")->at("licenseDeclared"),
            "GPL-3.0-or-later WITH GCC-exception-3.1");
  EXPECT_EQ(FindPackage(doc, "libblkid1")->at("licenseDeclared"),
            "LicenseRef-GPL-2-and-BSD AND LGPL-2.1-or-later");
  EXPECT_EQ(FindPackage(doc, "passwd")->at("licenseDeclared"), "LicenseRef-GPL-2-and-BSD");
  EXPECT_EQ(FindPackage(doc, "libblkid1")->at("licenseComments"),
            "license strings in the package database: GPL-2+ and BSD; LGPL-2.1-or-later");
  EXPECT_FALSE(FindPackage(doc, "base-files")->contains("licenseComments"));
  EXPECT_EQ(FindPackage(doc, "openssl-libs")->at("licenseDeclared"), "LicenseRef-ASL-2.0");
  EXPECT_EQ(FindPackage(doc, "tzdata")->at("licenseDeclared"), "LicenseRef-public-domain");
  EXPECT_EQ(doc["packages"][0]["licenseDeclared"], "NOASSERTION");

  std::map<std::string, std::string> extracted;
  for (const auto& e : doc["hasExtractedLicensingInfos"])
    extracted[e["licenseId"].get<std::string>()] = e["extractedText"].get<std::string>();
  EXPECT_EQ(extracted["LicenseRef-GPL-2-and-BSD"], "GPL-2+ and BSD");
  EXPECT_EQ(extracted["LicenseRef-GPLv3"], "GPLv3+");
  // Ids differing only in case clash (SPDX matches ids case-insensitively).
  EXPECT_EQ(extracted["LicenseRef-Public-Domain-2"], "Public Domain");
  EXPECT_EQ(extracted["LicenseRef-public-domain"], "public-domain");
  EXPECT_EQ(extracted["LicenseRef-ASL-2.0"], "ASL 2.0");
  // Every LicenseRef used in a package is defined, and only those.
  std::set<std::string> used;
  std::regex ref("LicenseRef-[A-Za-z0-9.-]+");
  for (const auto& p : doc["packages"]) {
    std::string declared = p["licenseDeclared"];
    for (std::sregex_iterator it(declared.begin(), declared.end(), ref), end; it != end; ++it)
      used.insert(it->str());
  }
  std::set<std::string> defined;
  for (const auto& [id, text] : extracted) defined.insert(id);
  EXPECT_EQ(used, defined);
}

TEST(SpdxTest, NeedsTimestamp) {
  auto options = testdata::Options();
  options.timestamp.clear();
  auto doc = RenderSpdx({testdata::Debian()}, options);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  options.timestamp = "2024-05-01T12:00:00.123Z";
  EXPECT_FALSE(RenderSpdx({testdata::Debian()}, options).ok());
}

TEST(SpdxTest, DocumentNameSaysPlatformsOrImages) {
  EXPECT_EQ(Render({testdata::Alpine("amd64"), testdata::Alpine("arm64")})["name"],
            "alpine:3.19 (2 platforms)");
  EXPECT_EQ(Render({testdata::Alpine("amd64"), testdata::Rocky()})["name"],
            "alpine:3.19, oci:/srv/images/rocky:9.3");
}

TEST(SpdxTest, EmptyResultListIsAValidEmptyDocument) {
  Json doc = Render({});
  EXPECT_EQ(doc["name"], "customs-scan");
  EXPECT_TRUE(doc["packages"].empty());
  EXPECT_TRUE(doc["relationships"].empty());
}

}  // namespace
}  // namespace customs::report
