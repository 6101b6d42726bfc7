#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/json.h"
#include "report/report.h"
#include "report/report_testdata.h"

namespace customs::report {
namespace {

Json Render(const std::vector<model::ScanResult>& results,
            const ReportOptions& options = testdata::Options()) {
  auto text = RenderCycloneDx(results, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto doc = ParseJson(*text, "cyclonedx");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return *doc;
}

std::map<std::string, std::vector<std::string>> Properties(const Json& component) {
  std::map<std::string, std::vector<std::string>> out;
  if (const Json* props = JsonArray(component, "properties"))
    for (const auto& p : *props) out[JsonString(p, "name")].push_back(JsonString(p, "value"));
  return out;
}

const Json* FindComponent(const Json& bom, const std::string& name) {
  for (const auto& c : bom["components"])
    if (JsonString(c, "name") == name) return &c;
  return nullptr;
}

TEST(CycloneDxTest, DocumentHeaderAndTool) {
  Json bom = Render({testdata::Debian()});
  EXPECT_EQ(JsonString(bom, "bomFormat"), "CycloneDX");
  EXPECT_EQ(JsonString(bom, "specVersion"), "1.5");
  EXPECT_EQ(JsonInt(bom, "version"), 1);
  EXPECT_EQ(bom["metadata"]["timestamp"], "2024-05-01T12:00:00Z");
  const Json& tool = bom["metadata"]["tools"]["components"][0];
  EXPECT_EQ(tool["type"], "application");
  EXPECT_EQ(tool["name"], "customs");
  EXPECT_EQ(tool["version"], "0.1.0");
}

TEST(CycloneDxTest, SerialNumberIsDerivedFromDigestsToolAndSeed) {
  auto options = testdata::Options();
  Json a = Render({testdata::Debian()}, options);
  Json b = Render({testdata::Debian()}, options);
  EXPECT_EQ(a["serialNumber"], b["serialNumber"]);
  std::string serial = JsonString(a, "serialNumber");
  ASSERT_EQ(serial.size(), 45u);
  EXPECT_EQ(serial.substr(0, 9), "urn:uuid:");
  EXPECT_EQ(serial[23], '8');  // version 8

  options.seed = "other";
  EXPECT_NE(JsonString(Render({testdata::Debian()}, options), "serialNumber"), serial);
  options = testdata::Options();
  options.tool_version = "0.2.0";
  EXPECT_NE(JsonString(Render({testdata::Debian()}, options), "serialNumber"), serial);
  EXPECT_NE(JsonString(Render({testdata::Rocky()}), "serialNumber"), serial);
}

TEST(CycloneDxTest, RenderingIsByteForByteDeterministic) {
  auto a = RenderCycloneDx({testdata::Debian(), testdata::Rocky()}, testdata::Options());
  auto b = RenderCycloneDx({testdata::Debian(), testdata::Rocky()}, testdata::Options());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(CycloneDxTest, ImageIsTheMetadataComponent) {
  Json bom = Render({testdata::Alpine("amd64")});
  const Json& image = bom["metadata"]["component"];
  EXPECT_EQ(image["type"], "container");
  EXPECT_EQ(image["name"], "alpine:3.19");
  EXPECT_EQ(image["version"], testdata::kApkManifestAmd64);
  EXPECT_EQ(image["purl"], std::string("pkg:oci/alpine@") + testdata::kApkManifestAmd64 +
                               "?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine"
                               "&tag=3.19");
  auto props = Properties(image);
  EXPECT_EQ(props["customs:Platform"], std::vector<std::string>{"linux/amd64"});
  EXPECT_EQ(props["customs:Source"], std::vector<std::string>{"registry"});
  EXPECT_EQ(props["customs:Complete"], std::vector<std::string>{"true"});
  EXPECT_EQ(props["customs:LayerDiffID"].size(), 1u);
}

TEST(CycloneDxTest, OsAndPackagesWithPurlsAndLayerProperties) {
  Json bom = Render({testdata::Debian()});
  // 1 OS + 8 packages.
  ASSERT_EQ(bom["components"].size(), 9u);
  const Json& os = bom["components"][0];
  EXPECT_EQ(os["type"], "operating-system");
  EXPECT_EQ(os["name"], "debian");
  EXPECT_EQ(os["version"], "12");
  EXPECT_EQ(os["description"], "Debian GNU/Linux 12 (bookworm)");

  const Json* libstdcxx = FindComponent(bom, "libstdc++6");
  ASSERT_NE(libstdcxx, nullptr);
  EXPECT_EQ((*libstdcxx)["type"], "library");
  EXPECT_EQ((*libstdcxx)["version"], "12.2.0-14");
  EXPECT_EQ((*libstdcxx)["purl"],
            "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12");

  const Json* openssl = FindComponent(bom, "openssl");
  ASSERT_NE(openssl, nullptr);
  auto props = Properties(*openssl);
  EXPECT_EQ(props["customs:LayerIndex"], std::vector<std::string>{"1"});
  EXPECT_EQ(props["customs:LayerDiffID"], std::vector<std::string>{testdata::kDebLayer1});
  EXPECT_EQ(props["customs:LayerCreatedBy"],
            std::vector<std::string>{
                "RUN /bin/sh -c apt-get update && apt-get install -y openssl # buildkit"});
  EXPECT_EQ(props["customs:DBPath"], std::vector<std::string>{"var/lib/dpkg/status"});
  EXPECT_EQ(props["customs:SrcName"], std::vector<std::string>{"openssl"});
  EXPECT_EQ(props["customs:SrcVersion"], std::vector<std::string>{"3.0.11-1~deb12u2"});
  EXPECT_EQ(props["customs:Arch"], std::vector<std::string>{"amd64"});
  EXPECT_EQ(props["customs:PkgType"], std::vector<std::string>{"deb"});
  EXPECT_EQ(props.count("customs:Epoch"), 0u);

  const Json* base = FindComponent(bom, "base-files");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ((*base)["publisher"], "Santiago Vila <sanvila@debian.org>");
}

TEST(CycloneDxTest, RpmEpochGoesIntoVersionAndProperty) {
  Json bom = Render({testdata::Rocky()});
  const Json* ssl = FindComponent(bom, "openssl-libs");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ((*ssl)["version"], "1:3.0.7-25.el9_3");
  EXPECT_EQ(Properties(*ssl)["customs:Epoch"], std::vector<std::string>{"1"});
  EXPECT_EQ((*ssl)["purl"],
            "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1");
  const Json& image = bom["metadata"]["component"];
  EXPECT_EQ(Properties(image)["customs:Complete"], std::vector<std::string>{"false"});
  EXPECT_EQ(Properties(image)["customs:Diagnostic"],
            std::vector<std::string>{
                "error bad-package-db layer "
                "sha256:b64d3d7e3cfac9dbf13494de5dc625d7b56a2e38d638504aaa45a580d066269a path "
                "usr/lib/sysimage/rpm/rpmdb.sqlite: rpmdb.sqlite: page 7 at offset 24576: bad "
                "b-tree page type 0x00"});
}

TEST(CycloneDxTest, LicensesAreOneExpressionOrNames) {
  Json bom = Render({testdata::Debian(), testdata::Rocky()});
  EXPECT_EQ(FindComponent(bom, "base-files")->at("licenses"),
            Json::parse(R"([{"expression":"GPL-2.0-or-later"}])"));
  EXPECT_EQ(FindComponent(bom, "libc6")->at("licenses"),
            Json::parse(R"([{"expression":"LGPL-2.1-or-later AND GPL-2.0-or-later"}])"));
  EXPECT_EQ(
      FindComponent(bom, "libssl3")->at("licenses"),
      Json::parse(R"j([{"expression":"Apache-2.0 AND (Artistic-1.0 OR GPL-1.0-or-later)"}])j"));
  // Any non-SPDX string: every string as a named license.
  EXPECT_EQ(FindComponent(bom, "libblkid1")->at("licenses"),
            Json::parse(R"([{"license":{"name":"GPL-2+ and BSD"}},
                            {"license":{"name":"LGPL-2.1-or-later"}}])"));
  EXPECT_EQ(FindComponent(bom, "bash")->at("licenses"),
            Json::parse(R"([{"license":{"name":"GPLv3+"}}])"));
}

TEST(CycloneDxTest, BomRefsAreUniqueAndDependenciesComplete) {
  Json bom = Render({testdata::Debian()});
  std::set<std::string> refs;
  std::string image_ref = bom["metadata"]["component"]["bom-ref"];
  refs.insert(image_ref);
  std::string os_ref;
  std::vector<std::string> package_refs;
  for (const auto& c : bom["components"]) {
    std::string ref = c["bom-ref"];
    EXPECT_TRUE(refs.insert(ref).second) << "duplicate bom-ref " << ref;
    if (c["type"] == "operating-system") {
      os_ref = ref;
    } else {
      package_refs.push_back(ref);
      // Package bom-refs are the purl made unique with package-id.
      EXPECT_EQ(ref.rfind(JsonString(c, "purl") + "&package-id=", 0), 0u) << ref;
    }
  }
  ASSERT_EQ(package_refs.size(), 8u);
  std::map<std::string, std::vector<std::string>> deps;
  for (const auto& d : bom["dependencies"]) {
    std::string ref = d["ref"];
    EXPECT_TRUE(refs.count(ref)) << "dependency on unknown ref " << ref;
    EXPECT_FALSE(deps.count(ref)) << "two entries for " << ref;
    deps[ref] = JsonStrings(d, "dependsOn");
  }
  EXPECT_EQ(deps[image_ref], std::vector<std::string>{os_ref});
  EXPECT_EQ(deps[os_ref], package_refs);
  for (const auto& ref : package_refs) {
    ASSERT_TRUE(deps.count(ref)) << ref;
    EXPECT_TRUE(deps[ref].empty());
  }
  EXPECT_EQ(deps.size(), 10u);
}

// A language package whose files an OS package installed: the OS package
// depends on it, and the component names its owner.
model::ScanResult WithOwnedPythonPackage() {
  model::ScanResult r = testdata::Debian();
  model::Package deb = r.packages[0];
  model::Package pypi;
  pypi.type = "pypi";
  pypi.name = "requests";
  pypi.version = "2.28.1";
  pypi.purl = "pkg:pypi/requests@2.28.1";
  pypi.db_path = "usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO";
  pypi.owner = deb.purl;
  r.packages.push_back(pypi);
  return r;
}

TEST(CycloneDxTest, OwnedLanguagePackageIsADependencyOfItsOsPackage) {
  model::ScanResult r = WithOwnedPythonPackage();
  Json bom = Render({r});
  std::string owner_ref, owned_ref;
  for (const auto& c : bom["components"]) {
    if (JsonString(c, "purl") == r.packages[0].purl) owner_ref = c["bom-ref"];
    if (JsonString(c, "purl") == "pkg:pypi/requests@2.28.1") {
      owned_ref = c["bom-ref"];
      EXPECT_EQ(Properties(c)["customs:OwnedBy"], std::vector<std::string>{r.packages[0].purl});
    }
  }
  ASSERT_FALSE(owner_ref.empty());
  ASSERT_FALSE(owned_ref.empty());
  int checked = 0;
  for (const auto& d : bom["dependencies"]) {
    if (d["ref"] == owner_ref) {
      EXPECT_EQ(JsonStrings(d, "dependsOn"), std::vector<std::string>{owned_ref});
      ++checked;
    } else if (JsonString(d, "ref") != JsonString(bom["metadata"]["component"], "bom-ref") &&
               JsonString(d, "ref").starts_with("pkg:")) {
      EXPECT_TRUE(JsonStrings(d, "dependsOn").empty()) << d.dump();
    }
  }
  EXPECT_EQ(checked, 1);
}

TEST(CycloneDxTest, SeveralPlatformsGetOneContainerEach) {
  Json bom = Render({testdata::Alpine("amd64"), testdata::Alpine("arm64")});
  const Json& root = bom["metadata"]["component"];
  EXPECT_EQ(root["name"], "alpine:3.19");
  EXPECT_EQ(root["type"], "container");
  std::vector<std::string> platforms;
  std::set<std::string> refs = {root["bom-ref"].get<std::string>()};
  size_t libraries = 0;
  for (const auto& c : bom["components"]) {
    EXPECT_TRUE(refs.insert(c["bom-ref"].get<std::string>()).second) << c["bom-ref"];
    if (c["type"] == "container") platforms.push_back(c["bom-ref"]);
    if (c["type"] == "library") ++libraries;
  }
  ASSERT_EQ(platforms.size(), 2u);
  EXPECT_EQ(libraries, 10u);
  const Json& first = bom["dependencies"][0];
  EXPECT_EQ(first["ref"], root["bom-ref"]);
  EXPECT_EQ(JsonStrings(first, "dependsOn"), platforms);
}

const Json* FindVulnerability(const Json& bom, const std::string& id) {
  if (!bom.contains("vulnerabilities")) return nullptr;
  for (const auto& v : bom["vulnerabilities"])
    if (JsonString(v, "id") == id) return &v;
  return nullptr;
}

std::string RefOf(const Json& bom, const std::string& name) {
  const Json* c = FindComponent(bom, name);
  return c ? JsonString(*c, "bom-ref") : "";
}

TEST(CycloneDxTest, NpmVulnerabilityWithRatingAliasAndAffects) {
  Json bom = Render({testdata::App()});
  ASSERT_EQ(bom["vulnerabilities"].size(), 2u);
  const Json* v = FindVulnerability(bom, "CVE-2021-23337");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ((*v)["bom-ref"], "customs:vulnerability:CVE-2021-23337");
  EXPECT_EQ((*v)["source"], Json::parse(R"({"name":"NVD",
      "url":"https://nvd.nist.gov/vuln/detail/CVE-2021-23337"})"));
  EXPECT_EQ((*v)["references"], Json::parse(R"([{"id":"GHSA-35jh-r3h4-6jhm",
      "source":{"name":"GitHub Advisories",
                "url":"https://github.com/advisories/GHSA-35jh-r3h4-6jhm"}}])"));
  EXPECT_EQ((*v)["ratings"], Json::parse(R"([{"source":{"name":"ghsa"},"score":7.2,
      "severity":"high","method":"CVSSv31",
      "vector":"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}])"));
  EXPECT_EQ((*v)["description"], "Command Injection in lodash");
  EXPECT_EQ((*v)["recommendation"], "Upgrade lodash to 4.17.21");
  EXPECT_EQ((*v)["advisories"][0]["url"], "https://nvd.nist.gov/vuln/detail/CVE-2021-23337");
  EXPECT_EQ((*v)["published"], "2021-05-06T16:05:51Z");
  EXPECT_EQ((*v)["updated"], "2022-02-08T21:35:09Z");
  std::string lodash = RefOf(bom, "lodash");
  ASSERT_FALSE(lodash.empty());
  EXPECT_EQ((*v)["affects"], Json::parse(R"([{"ref":")" + lodash + R"(","versions":[
      {"version":"4.17.20","status":"affected"},
      {"version":"4.17.21","status":"unaffected"}]}])"));
  // Rated by the database's severity only: a rating without score.
  const Json* redos = FindVulnerability(bom, "CVE-2020-28500");
  ASSERT_NE(redos, nullptr);
  EXPECT_EQ((*redos)["ratings"], Json::parse(R"([{"source":{"name":"ghsa"},
      "severity":"medium","method":"other"}])"));
}

TEST(CycloneDxTest, DebianVulnerabilitiesOncePerIdWithDistroRating) {
  Json bom = Render({testdata::Debian()});
  std::vector<std::string> ids;
  for (const auto& v : bom["vulnerabilities"]) ids.push_back(v["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"CVE-2023-4039", "CVE-2022-0563", "CVE-2023-5678",
                                           "CVE-2010-4756", "CVE-2024-0727"}));
  const Json* dh = FindVulnerability(bom, "CVE-2023-5678");
  ASSERT_NE(dh, nullptr);
  EXPECT_EQ((*dh)["source"]["url"], "https://security-tracker.debian.org/tracker/CVE-2023-5678");
  EXPECT_EQ((*dh)["ratings"], Json::parse(R"([
      {"source":{"name":"nvd"},"score":5.3,"severity":"medium","method":"CVSSv31",
       "vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"},
      {"source":{"name":"debian"},"severity":"low","method":"other"}])"));
  EXPECT_EQ((*dh)["recommendation"],
            "Upgrade libssl3 to 3.0.13-1~deb12u1, openssl to 3.0.13-1~deb12u1");
  ASSERT_EQ((*dh)["affects"].size(), 2u);
  EXPECT_EQ((*dh)["affects"][0]["ref"], RefOf(bom, "libssl3"));
  EXPECT_EQ((*dh)["affects"][1]["ref"], RefOf(bom, "openssl"));
  EXPECT_EQ((*dh)["affects"][1]["versions"], Json::parse(R"([
      {"version":"3.0.11-1~deb12u2","status":"affected"},
      {"version":"3.0.13-1~deb12u1","status":"unaffected"}])"));
  EXPECT_EQ((*dh)["analysis"], Json::parse(R"({"response":["update"]})"));

  const Json* blkid = FindVulnerability(bom, "CVE-2022-0563");
  ASSERT_NE(blkid, nullptr);
  EXPECT_EQ((*blkid)["analysis"], Json::parse(R"({"response":["will_not_fix"]})"));
  EXPECT_FALSE(blkid->contains("recommendation"));
  // Unimportant: Debian's rating becomes "info"; the suppression is the detail.
  const Json* libc = FindVulnerability(bom, "CVE-2010-4756");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ((*libc)["ratings"][0]["severity"], "info");
  EXPECT_EQ((*libc)["analysis"]["detail"],
            "Suppressed: rated unimportant by debian (--include-unimportant to show)");
  // Every affects ref names a component of the document.
  std::set<std::string> refs;
  for (const auto& c : bom["components"]) refs.insert(c["bom-ref"].get<std::string>());
  for (const auto& v : bom["vulnerabilities"])
    for (const auto& a : v["affects"]) EXPECT_TRUE(refs.count(a["ref"].get<std::string>()));
}

TEST(CycloneDxTest, VexNotAffectedBecomesAnalysisState) {
  auto r = testdata::Debian();
  r.vulnerabilities = {r.vulnerabilities[2]};  // CVE-2023-5678 on libssl3
  r.vulnerabilities[0].suppressed_by =
      "VEX https://example.com/vex/app.json: not_affected (vulnerable_code_not_in_execute_path)";
  Json bom = Render({r});
  const Json& v = bom["vulnerabilities"][0];
  EXPECT_EQ(v["analysis"]["state"], "not_affected");
  EXPECT_EQ(v["analysis"]["justification"], "code_not_reachable");
  EXPECT_FALSE(v["analysis"].contains("response"));
  EXPECT_EQ(v["affects"][0]["versions"][0],
            Json::parse(R"({"version":"3.0.11-1~deb12u2","status":"unaffected"})"));
  EXPECT_FALSE(v.contains("recommendation"));
}

TEST(CycloneDxTest, VexFixedBecomesResolved) {
  auto r = testdata::App();
  r.vulnerabilities[0].suppressed_by = "VEX https://example.com/vex/app.json: fixed";
  Json bom = Render({r});
  const Json* v = FindVulnerability(bom, "CVE-2021-23337");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ((*v)["analysis"]["state"], "resolved");
  EXPECT_EQ((*v)["analysis"]["detail"], "Suppressed: VEX https://example.com/vex/app.json: fixed");
  // The other lodash vulnerability is not suppressed: no state.
  EXPECT_FALSE(FindVulnerability(bom, "CVE-2020-28500")->at("analysis").contains("state"));
}

TEST(CycloneDxTest, AdvisoryDatesBecomeDateTimesOrAreDropped) {
  auto r = testdata::App();
  r.vulnerabilities[0].published = "2021-05-06";
  r.vulnerabilities[0].modified = "last tuesday";
  Json bom = Render({r});
  const Json* v = FindVulnerability(bom, "CVE-2021-23337");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ((*v)["published"], "2021-05-06T00:00:00Z");
  EXPECT_FALSE(v->contains("updated"));
}

TEST(CycloneDxTest, NoVulnerabilitiesNoArray) {
  EXPECT_FALSE(Render({testdata::Rocky()}).contains("vulnerabilities"));
}

TEST(CycloneDxTest, RejectsMalformedTimestamp) {
  auto options = testdata::Options();
  options.timestamp = "May 1st";
  auto bom = RenderCycloneDx({testdata::Debian()}, options);
  ASSERT_FALSE(bom.ok());
  EXPECT_EQ(bom.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bom.status().message().find("May 1st"), std::string::npos);
  options.timestamp.clear();
  Json without = Render({testdata::Debian()}, options);
  EXPECT_FALSE(without["metadata"].contains("timestamp"));
}

}  // namespace
}  // namespace customs::report
