// SARIF 2.1.0: rule/result content and cross references, and validation
// against the official OASIS schema (tests/schemas/sarif-schema-2.1.0.json,
// see SOURCES.md) with tests/validate_schema.py.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/json.h"
#include "report/report.h"
#include "report/report_testdata.h"
#include "tests/testing.h"

namespace customs::report {
namespace {

Json Render(const std::vector<model::ScanResult>& results,
            const ReportOptions& options = testdata::Options()) {
  auto text = RenderSarif(results, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto doc = ParseJson(*text, "sarif");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return *doc;
}

const Json& FirstRun(const Json& doc) { return doc["runs"][0]; }

const Json* FindRule(const Json& doc, const std::string& id) {
  for (const auto& r : FirstRun(doc)["tool"]["driver"]["rules"])
    if (r["id"] == id) return &r;
  return nullptr;
}

std::vector<const Json*> ResultsFor(const Json& doc, const std::string& rule_id) {
  std::vector<const Json*> out;
  for (const auto& r : FirstRun(doc)["results"])
    if (r["ruleId"] == rule_id) out.push_back(&r);
  return out;
}

TEST(SarifTest, OneRunWithTheTool) {
  Json doc = Render({testdata::Debian(), testdata::App()});
  EXPECT_EQ(doc["version"], "2.1.0");
  EXPECT_EQ(doc["$schema"],
            "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
            "sarif-schema-2.1.0.json");
  ASSERT_EQ(doc["runs"].size(), 1u);
  const Json& driver = FirstRun(doc)["tool"]["driver"];
  EXPECT_EQ(driver["name"], "customs");
  EXPECT_EQ(driver["version"], "0.1.0");
  EXPECT_EQ(driver["informationUri"], "https://example.com/customs");
  EXPECT_EQ(FirstRun(doc)["originalUriBaseIds"]["ROOTPATH"]["uri"], "file:///");
  // A warning diagnostic is a notification; the run still succeeded.
  const Json& invocation = FirstRun(doc)["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], true);
  EXPECT_EQ(invocation["endTimeUtc"], "2024-05-01T12:00:00Z");
  ASSERT_EQ(invocation["toolExecutionNotifications"].size(), 1u);
  EXPECT_EQ(invocation["toolExecutionNotifications"][0]["level"], "warning");
  // An error diagnostic: the run did not fully succeed.
  EXPECT_EQ(FirstRun(Render({testdata::Rocky()}))["invocations"][0]["executionSuccessful"], false);
}

TEST(SarifTest, OneRulePerVulnerabilityIdAndOneResultPerPackage) {
  Json doc = Render({testdata::Debian(), testdata::App()});
  const Json& rules = FirstRun(doc)["tool"]["driver"]["rules"];
  std::vector<std::string> ids;
  for (const auto& r : rules) ids.push_back(r["id"]);
  // 5 Debian ids (CVE-2023-5678 and CVE-2024-0727 on two packages each),
  // 2 lodash ids, 1 contraband rule; in order of first appearance.
  EXPECT_EQ(ids, (std::vector<std::string>{"CVE-2023-4039", "CVE-2022-0563", "CVE-2023-5678",
                                           "CVE-2010-4756", "CVE-2024-0727", "CVE-2021-23337",
                                           "CVE-2020-28500", "MAL-2022-1"}));
  EXPECT_EQ(FirstRun(doc)["results"].size(), 10u);
  EXPECT_EQ(ResultsFor(doc, "CVE-2023-5678").size(), 2u);
  // Every result points at its rule by id and by index.
  for (const auto& result : FirstRun(doc)["results"]) {
    int64_t index = result["ruleIndex"];
    ASSERT_GE(index, 0);
    ASSERT_LT(static_cast<size_t>(index), rules.size());
    EXPECT_EQ(rules[index]["id"], result["ruleId"]);
    EXPECT_EQ(rules[index]["defaultConfiguration"]["level"], result["level"]);
  }
}

TEST(SarifTest, RuleOfAnNpmVulnerability) {
  Json doc = Render({testdata::App()});
  const Json* rule = FindRule(doc, "CVE-2021-23337");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ((*rule)["shortDescription"]["text"], "Command Injection in lodash");
  EXPECT_EQ((*rule)["fullDescription"]["text"],
            "Command Injection in lodash (also GHSA-35jh-r3h4-6jhm)");
  EXPECT_EQ((*rule)["helpUri"], "https://nvd.nist.gov/vuln/detail/CVE-2021-23337");
  EXPECT_EQ((*rule)["defaultConfiguration"]["level"], "error");
  EXPECT_EQ((*rule)["properties"]["security-severity"], "7.2");
  EXPECT_EQ((*rule)["properties"]["tags"], Json::parse(R"(["vulnerability","security","HIGH"])"));
  EXPECT_EQ((*rule)["help"]["markdown"],
            "**Vulnerability CVE-2021-23337**\n"
            "| Package | Installed Version | Fixed Version | Severity | Status |\n"
            "| --- | --- | --- | --- | --- |\n"
            "|lodash|4.17.20|4.17.21|HIGH|fixed|\n"
            "\n[CVE-2021-23337](https://nvd.nist.gov/vuln/detail/CVE-2021-23337)\n");
  EXPECT_NE(JsonString((*rule)["help"], "text").find("Package: lodash 4.17.20, fixed in 4.17.21"),
            std::string::npos);
}

TEST(SarifTest, SecuritySeverityFromScoreOrSeverity) {
  Json doc = Render({testdata::Debian(), testdata::App()});
  auto severity = [&](const std::string& id) {
    const Json* rule = FindRule(doc, id);
    return rule ? JsonString((*rule)["properties"], "security-severity") : "missing";
  };
  EXPECT_EQ(severity("CVE-2021-23337"), "7.2");  // rated by its CVSS 3.1 score
  EXPECT_EQ(severity("CVE-2023-4039"), "4.8");   // MEDIUM from NVD's 4.8
  // Rated by the GHSA database severity (MEDIUM), no score.
  EXPECT_EQ(severity("CVE-2020-28500"), "5.5");
  // Rated "low" by Debian: the distro's rating ranks it, not NVD's 5.3.
  EXPECT_EQ(severity("CVE-2023-5678"), "2.0");
  EXPECT_EQ(severity("MAL-2022-1"), "9.5");     // CRITICAL
  EXPECT_EQ(severity("CVE-2010-4756"), "0.0");  // NEGLIGIBLE
  EXPECT_EQ(FindRule(doc, "CVE-2023-5678")->at("defaultConfiguration")["level"], "note");
  EXPECT_EQ(FindRule(doc, "CVE-2023-4039")->at("defaultConfiguration")["level"], "warning");
}

TEST(SarifTest, ResultMessageAndLocation) {
  Json doc = Render({testdata::Debian()});
  auto results = ResultsFor(doc, "CVE-2023-5678");
  ASSERT_EQ(results.size(), 2u);
  const Json& libssl = *results[0];
  EXPECT_EQ(libssl["level"], "note");
  EXPECT_EQ(libssl["message"]["text"],
            "Package: libssl3\n"
            "Installed Version: 3.0.11-1~deb12u2\n"
            "Vulnerability CVE-2023-5678\n"
            "Severity: LOW\n"
            "Fixed Version: 3.0.13-1~deb12u1\n"
            "Link: [CVE-2023-5678](https://security-tracker.debian.org/tracker/CVE-2023-5678)");
  const Json& location = libssl["locations"][0];
  EXPECT_EQ(location["physicalLocation"]["artifactLocation"],
            Json::parse(R"({"uri":"var/lib/dpkg/status","uriBaseId":"ROOTPATH"})"));
  EXPECT_EQ(location["physicalLocation"]["region"]["startLine"], 1);
  EXPECT_EQ(location["logicalLocations"][0]["name"], "docker-archive:/tmp/debian-12.tar");
  EXPECT_EQ(location["logicalLocations"][0]["fullyQualifiedName"],
            std::string("docker-archive:/tmp/debian-12.tar@") + testdata::kDebManifest +
                " (linux/amd64)");
  EXPECT_EQ(libssl["properties"]["layerIndex"], 1);
  EXPECT_EQ(libssl["properties"]["layerDiffId"], testdata::kDebLayer1);
  // The two packages at one location keep distinct fingerprints.
  EXPECT_NE(libssl["partialFingerprints"], (*results[1])["partialFingerprints"]);
  EXPECT_NE(JsonString((*results[1])["message"], "text").find("Package: openssl\n"),
            std::string::npos);

  // An unfixed vulnerability says so with an empty fixed version.
  auto gcc = ResultsFor(doc, "CVE-2023-4039");
  ASSERT_EQ(gcc.size(), 1u);
  EXPECT_NE(JsonString((*gcc[0])["message"], "text").find("\nFixed Version: \nLink: "),
            std::string::npos);
}

TEST(SarifTest, SuppressedVulnerabilitiesCarryTheirReason) {
  Json doc = Render({testdata::Debian()});
  size_t suppressed = 0;
  for (const auto& r : FirstRun(doc)["results"])
    if (r.contains("suppressions")) ++suppressed;
  EXPECT_EQ(suppressed, 3u);
  auto ignored = ResultsFor(doc, "CVE-2024-0727");
  ASSERT_EQ(ignored.size(), 2u);
  EXPECT_EQ((*ignored[0])["suppressions"], Json::parse(R"j([{"kind":"external","justification":
                "ignore file .customsignore:3: the app never parses PKCS12"}])j"));
  EXPECT_FALSE(ResultsFor(doc, "CVE-2023-5678")[0]->contains("suppressions"));
}

TEST(SarifTest, ContrabandIsAResultWithAContrabandRule) {
  Json doc = Render({testdata::App()});
  const Json* rule = FindRule(doc, "MAL-2022-1");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ((*rule)["properties"]["tags"],
            Json::parse(R"(["contraband","security","CRITICAL","malicious-package"])"));
  EXPECT_EQ((*rule)["shortDescription"]["text"], "malicious crate `rustdecimal`");
  EXPECT_EQ((*rule)["defaultConfiguration"]["level"], "error");
  auto results = ResultsFor(doc, "MAL-2022-1");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ((*results[0])["level"], "error");
  EXPECT_EQ((*results[0])["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "usr/local/bin/gitlab-helper");
  EXPECT_NE(JsonString((*results[0])["message"], "text")
                .find("Evidence: osv advisory MAL-2022-1 lists rustdecimal 1.23.1 (crates.io) "
                      "as malicious"),
            std::string::npos);
  EXPECT_EQ((*results[0])["properties"]["purl"], "pkg:cargo/rustdecimal@1.23.1");
}

TEST(SarifTest, PathsBecomeRelativeUriReferences) {
  auto r = testdata::App();
  r.vulnerabilities[0].path = "/srv/my app/node_modules/lodash/package.json";
  Json doc = Render({r});
  EXPECT_EQ(ResultsFor(doc, "CVE-2021-23337")[0]->at(
                "locations")[0]["physicalLocation"]["artifactLocation"]["uri"],
            "srv/my%20app/node_modules/lodash/package.json");
}

TEST(SarifTest, NoFindingsGiveAnEmptyResultList) {
  Json doc = Render({testdata::Alpine("amd64")});
  EXPECT_TRUE(FirstRun(doc)["results"].is_array());
  EXPECT_TRUE(FirstRun(doc)["results"].empty());
  EXPECT_TRUE(FirstRun(doc)["tool"]["driver"]["rules"].empty());
}

TEST(SarifTest, RejectsMalformedTimestamp) {
  auto options = testdata::Options();
  options.timestamp = "yesterday";
  auto sarif = RenderSarif({testdata::Debian()}, options);
  ASSERT_FALSE(sarif.ok());
  EXPECT_NE(sarif.status().message().find("yesterday"), std::string::npos);
}

struct Validation {
  int exit_code = -1;
  std::string output;
};

Validation Validate(const std::string& document) {
  std::string path = std::filesystem::temp_directory_path().string() + "/customs-sarif-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return {-1, "mkstemp failed for " + path};
  ::close(fd);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << document;
  std::string source = ::customs::testing::SourceDir();
  Validation v;
  v.exit_code =
      ::customs::testing::Run("python3 '" + source + "/tests/validate_schema.py' '" + source +
                                  "/tests/schemas/sarif-schema-2.1.0.json' '" + path + "'",
                              &v.output);
  std::filesystem::remove(path);
  return v;
}

TEST(SarifTest, ValidatesAgainstTheOfficialSchema) {
  std::vector<std::vector<model::ScanResult>> cases = {
      {testdata::Debian()},
      {testdata::App()},
      {testdata::Debian(), testdata::App(), testdata::Rocky()},
      {testdata::Alpine("amd64"), testdata::Alpine("arm64")},
      {},
  };
  for (const auto& results : cases) {
    auto sarif = RenderSarif(results, testdata::Options());
    ASSERT_TRUE(sarif.ok()) << sarif.status().ToString();
    auto v = Validate(*sarif);
    EXPECT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("Draft4Validator"), std::string::npos) << v.output;
  }
}

// The schema check must be able to fail.
TEST(SarifTest, SchemaRejectsBrokenDocuments) {
  Json doc = Render({testdata::App()});
  Json broken = doc;
  broken["runs"][0]["results"][0]["level"] = "fatal";
  broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0;
  broken["runs"][0]["tool"]["driver"].erase("name");
  auto v = Validate(DumpJson(broken));
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("'fatal' is not one of"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("'name' is a required property"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("startLine"), std::string::npos) << v.output;
}

}  // namespace
}  // namespace customs::report
