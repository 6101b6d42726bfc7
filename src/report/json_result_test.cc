#include <gtest/gtest.h>

#include "base/json.h"
#include "report/report.h"
#include "report/report_testdata.h"

namespace customs::report {
namespace {

Json Render(const std::vector<model::ScanResult>& results) {
  auto doc = ParseJson(RenderJson(results, testdata::Options()), "json result");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return *doc;
}

TEST(JsonResultTest, TopLevel) {
  Json doc = Render({testdata::Debian(), testdata::Rocky()});
  EXPECT_EQ(doc["schemaVersion"], 1);
  EXPECT_EQ(doc["tool"], Json::parse(R"({"name":"customs","version":"0.1.0"})"));
  EXPECT_EQ(doc["createdAt"], "2024-05-01T12:00:00Z");
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["results"][0]["complete"], true);   // a warning only
  EXPECT_EQ(doc["results"][1]["complete"], false);  // an error
}

TEST(JsonResultTest, ImageHasEveryField) {
  const Json image = Render({testdata::Debian()})["results"][0]["image"];
  EXPECT_EQ(image["reference"], "docker-archive:/tmp/debian-12.tar");
  EXPECT_EQ(image["source"], "docker-archive");
  EXPECT_EQ(image["manifestDigest"], testdata::kDebManifest);
  EXPECT_EQ(image["configDigest"],
            "sha256:df5912d9e55de22251af25ca4a4bc8d763e3bebcd22431c05e42c90d02edfd80");
  EXPECT_EQ(image["os"], "linux");
  EXPECT_EQ(image["architecture"], "amd64");
  EXPECT_EQ(image["variant"], "");
  EXPECT_EQ(image["created"], "2024-03-12T01:20:31Z");
  EXPECT_EQ(image["repoTags"], Json::parse(R"(["debian:12"])"));
  ASSERT_EQ(image["layers"].size(), 3u);
  EXPECT_EQ(
      image["layers"][1],
      Json::parse(
          std::string(R"({"index":1,"diffId":")") + testdata::kDebLayer1 +
          R"(","digest":"sha256:ca43e8cd3b519b0d675bcd49009472b104b279cc38edb0163fb20d335a3edd12",)"
          R"("createdBy":"RUN /bin/sh -c apt-get update && apt-get install -y openssl # buildkit"})"));
  ASSERT_EQ(image["history"].size(), 4u);
  EXPECT_EQ(image["history"][1]["emptyLayer"], true);
  EXPECT_EQ(image["history"][2]["comment"], "buildkit.dockerfile.v0");
  EXPECT_EQ(image["config"], Json::parse(R"({
      "user": "app",
      "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      "entrypoint": [], "cmd": ["bash"], "workingDir": "/app",
      "exposedPorts": ["8080/tcp"],
      "labels": {"org.opencontainers.image.source": "https://example.com/app"}})"));
}

TEST(JsonResultTest, OsPackagesAndDiagnostics) {
  const Json result = Render({testdata::Rocky()})["results"][0];
  EXPECT_EQ(result["os"], Json::parse(R"j({"id":"rocky","versionId":"9.3","versionCodename":"",
      "prettyName":"Rocky Linux 9.3 (Blue Onyx)","idLike":"rhel centos fedora",
      "sourcePath":"etc/os-release"})j"));
  ASSERT_EQ(result["packages"].size(), 6u);
  const Json& shadow = result["packages"][2];
  EXPECT_EQ(shadow["name"], "shadow-utils");
  EXPECT_EQ(shadow["version"], "4.9-8.el9");
  EXPECT_EQ(shadow["epoch"], 2);
  EXPECT_EQ(shadow["arch"], "x86_64");
  EXPECT_EQ(shadow["type"], "rpm");
  EXPECT_EQ(shadow["licenses"], Json::parse(R"(["BSD and GPLv2+"])"));
  EXPECT_EQ(shadow["dbPath"], "var/lib/rpm/rpmdb.sqlite");
  EXPECT_EQ(shadow["layer"]["index"], 0);
  EXPECT_EQ(result["packages"][0]["epoch"], nullptr);
  EXPECT_EQ(result["diagnostics"], Json::parse(R"([{"severity":"error","code":"bad-package-db",
      "layer":"sha256:b64d3d7e3cfac9dbf13494de5dc625d7b56a2e38d638504aaa45a580d066269a",
      "path":"usr/lib/sysimage/rpm/rpmdb.sqlite",
      "message":"rpmdb.sqlite: page 7 at offset 24576: bad b-tree page type 0x00"}])"));

  const Json libc = Render({testdata::Debian()})["results"][0]["packages"][1];
  EXPECT_EQ(libc["files"],
            Json::parse(R"(["lib/x86_64-linux-gnu/libc.so.6","usr/share/doc/libc6/copyright"])"));
  EXPECT_EQ(libc["sourceName"], "glibc");
  EXPECT_EQ(libc["sourceVersion"], "2.36-9+deb12u4");
  EXPECT_EQ(libc["purl"], "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
}

TEST(JsonResultTest, VulnerabilitiesHaveEveryField) {
  const Json result = Render({testdata::App()})["results"][0];
  ASSERT_EQ(result["vulnerabilities"].size(), 2u);
  EXPECT_EQ(result["vulnerabilities"][0], Json::parse(std::string(R"({
      "id": "CVE-2021-23337", "aliases": ["GHSA-35jh-r3h4-6jhm"],
      "packageIndex": 1, "packageName": "lodash", "packageType": "npm",
      "purl": "pkg:npm/lodash@4.17.20", "installedVersion": "4.17.20",
      "fixedVersions": ["4.17.21"], "status": "fixed", "severity": "HIGH",
      "severitySource": "cvss:ghsa", "distroSeverity": "",
      "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
                "score": 7.2, "source": "ghsa"}],
      "score": 7.2, "title": "Command Injection in lodash",
      "references": ["https://nvd.nist.gov/vuln/detail/CVE-2021-23337",
                     "https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c"],
      "published": "2021-05-06T16:05:51Z", "modified": "2022-02-08T21:35:09Z",
      "dataSource": "osv", "matchedBy": "npm package lodash 4.17.20",
      "layer": {"index": 1, "diffId": ")") + testdata::kAppLayer1 +
                                                      R"(", "digest": "",
                "createdBy": "COPY app /srv/app # buildkit"},
      "path": "srv/app/node_modules/lodash/package.json", "suppressedBy": ""})"));
  EXPECT_EQ(result["verdict"], "malicious");
  EXPECT_EQ(result["detections"], Json::parse(R"([{
      "category": "malicious-package", "ruleId": "MAL-2022-1", "severity": "CRITICAL",
      "disposition": "malicious", "confidence": "high", "reference": "", "owner": "",
      "title": "malicious crate `rustdecimal`", "purl": "pkg:cargo/rustdecimal@1.23.1",
      "path": "usr/local/bin/gitlab-helper",
      "layer": {"index": 2,
                "diffId": "sha256:7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5",
                "digest": "", "createdBy": "COPY gitlab-helper /usr/local/bin/ # buildkit"},
      "evidence": "osv advisory MAL-2022-1 lists rustdecimal 1.23.1 (crates.io) as malicious"}])"));
}

TEST(JsonResultTest, StatusNamesAndSuppressedVulnerabilities) {
  const Json vulns = Render({testdata::Debian()})["results"][0]["vulnerabilities"];
  ASSERT_EQ(vulns.size(), 7u);
  std::vector<std::string> statuses, suppressed;
  for (const auto& v : vulns) {
    statuses.push_back(v["status"]);
    if (!v["suppressedBy"].get<std::string>().empty()) suppressed.push_back(v["id"]);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"affected", "will_not_fix", "fixed", "fixed",
                                                "affected", "fixed", "fixed"}));
  EXPECT_EQ(suppressed,
            (std::vector<std::string>{"CVE-2010-4756", "CVE-2024-0727", "CVE-2024-0727"}));
  EXPECT_EQ(vulns[4]["severity"], "NEGLIGIBLE");
  EXPECT_EQ(vulns[4]["distroSeverity"], "unimportant");
  EXPECT_EQ(vulns[4]["suppressedBy"],
            "rated unimportant by debian (--include-unimportant to show)");
  EXPECT_EQ(vulns[2]["installedVersion"], "3.0.11-1~deb12u2");
  EXPECT_EQ(vulns[2]["fixedVersions"], Json::parse(R"(["3.0.13-1~deb12u1"])"));
  EXPECT_EQ(vulns[2]["matchedBy"], "Debian:12 source package openssl 3.0.11-1~deb12u2");
  // Results without findings still have both lists.
  const Json rocky = Render({testdata::Rocky()})["results"][0];
  EXPECT_EQ(rocky["vulnerabilities"], Json::array());
  EXPECT_EQ(rocky["detections"], Json::array());
}

TEST(JsonResultTest, InvalidUtf8IsReplacedNotFatal) {
  auto result = testdata::Alpine("amd64");
  result.packages[0].name = "bad\xFFname";
  Json doc = Render({result});
  EXPECT_EQ(doc["results"][0]["packages"][0]["name"], "bad\xEF\xBF\xBDname");
}

}  // namespace
}  // namespace customs::report
