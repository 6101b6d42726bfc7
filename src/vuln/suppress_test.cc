#include "vuln/suppress.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing.h"

namespace customs::vuln {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

model::Vulnerability Vuln(std::string id, std::vector<std::string> aliases, std::string purl,
                          std::string path = "") {
  model::Vulnerability v;
  v.id = std::move(id);
  v.aliases = std::move(aliases);
  v.purl = std::move(purl);
  v.path = std::move(path);
  return v;
}

// ---- plain .trivyignore -------------------------------------------------------

TEST(ParseIgnoreFileTest, PlainTrivyIgnore) {
  const char* text =
      "# Header of the file, separated by a blank line\n"
      "\n"
      "# pip is not used at run time\n"
      "CVE-2023-5752\n"
      "CVE-2024-0001 exp:2025-01-31\n"
      "  GHSA-xvch-5gv4-984h   exp:2024-02-29  # leap day; trailing reason\r\n"
      "# a comment followed by a blank line is no reason\n"
      "\n"
      "CVE-2024-0002\n";
  auto rules = ParseIgnoreFile(text, ".trivyignore");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 4u);
  EXPECT_EQ((*rules)[0].id, "CVE-2023-5752");
  EXPECT_EQ((*rules)[0].reason, "pip is not used at run time");
  EXPECT_EQ((*rules)[0].expires, "");
  EXPECT_EQ((*rules)[0].line, 4);
  EXPECT_EQ((*rules)[0].file, ".trivyignore");
  EXPECT_EQ((*rules)[1].id, "CVE-2024-0001");
  EXPECT_EQ((*rules)[1].expires, "2025-01-31");
  EXPECT_EQ((*rules)[1].reason, "");  // the comment above belongs to the rule before
  EXPECT_EQ((*rules)[1].line, 5);
  EXPECT_EQ((*rules)[2].id, "GHSA-xvch-5gv4-984h");
  EXPECT_EQ((*rules)[2].expires, "2024-02-29");
  EXPECT_EQ((*rules)[2].reason, "leap day; trailing reason");
  EXPECT_EQ((*rules)[3].id, "CVE-2024-0002");
  EXPECT_EQ((*rules)[3].reason, "");
  EXPECT_EQ((*rules)[3].line, 9);
}

TEST(ParseIgnoreFileTest, MultiLineCommentBlockIsTheReason) {
  auto rules = ParseIgnoreFile("# Package: pip\n# Reason: not used\nCVE-2023-5752\n", "x");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].reason, "Package: pip Reason: not used");
}

TEST(ParseIgnoreFileTest, EmptyAndCommentOnlyFiles) {
  auto other_kinds = ParseIgnoreFile("misconfigurations:\n  - id: AVD-GIT-0001\n", "t.yaml");
  ASSERT_TRUE(other_kinds.ok()) << other_kinds.status().ToString();
  EXPECT_TRUE(other_kinds->empty());
  auto empty = ParseIgnoreFile("", ".trivyignore");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto comments = ParseIgnoreFile("# nothing\n\n", ".trivyignore");
  ASSERT_TRUE(comments.ok());
  EXPECT_TRUE(comments->empty());
}

TEST(ParseIgnoreFileTest, PlainRejectsBadDatesWithLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"CVE-1\nCVE-2 exp:2023-02-29\n", ".trivyignore:2: invalid expiry date \"2023-02-29\""},
      {"CVE-1 exp:2024-13-01\n", ".trivyignore:1: invalid expiry date \"2024-13-01\""},
      {"CVE-1 exp:2024-04-31\n", ".trivyignore:1: invalid expiry date"},
      {"CVE-1 exp:2024-4-1\n", ".trivyignore:1: invalid expiry date"},
      {"CVE-1 exp:\n", ".trivyignore:1: invalid expiry date"},
      {"\n\nCVE-1 until:2024-01-01\n", ".trivyignore:3: expected \"exp:YYYY-MM-DD\""},
      {"CVE-1 exp:2024-01-01 exp:2024-01-02\n", ".trivyignore:1: more than one exp:"},
      {"CVE-\x01\n", ".trivyignore:1: vulnerability id contains control characters"},
  };
  for (const Case& c : cases) {
    auto rules = ParseIgnoreFile(c.text, ".trivyignore");
    ASSERT_FALSE(rules.ok()) << c.text;
    EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(rules.status().message().find(c.message), std::string::npos)
        << rules.status().message();
  }
  // 2000 was a leap year, 1900 was not.
  EXPECT_TRUE(ParseIgnoreFile("CVE-1 exp:2000-02-29\n", "x").ok());
  EXPECT_FALSE(ParseIgnoreFile("CVE-1 exp:1900-02-29\n", "x").ok());
}

TEST(ParseIgnoreFileTest, Limits) {
  std::string big(kMaxIgnoreFileBytes + 1, '#');
  auto too_big = ParseIgnoreFile(big, "big");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kResourceExhausted);

  std::string many;
  for (size_t i = 0; i <= kMaxIgnoreRules; ++i) many += "CVE-" + std::to_string(i) + "\n";
  auto too_many = ParseIgnoreFile(many, "many");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_many.status().message().find("many:10001:"), std::string::npos)
      << too_many.status().message();
}

// ---- YAML ---------------------------------------------------------------------

TEST(ParseIgnoreFileTest, TrivyIgnoreYaml) {
  const char* text =
      "vulnerabilities:\n"
      "  - id: CVE-2022-40897\n"
      "    paths:\n"
      "      - \"usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA\"\n"
      "    statement: Accept the risk\n"
      "  - id: CVE-2023-3817\n"
      "    purls:\n"
      "      - \"pkg:deb/debian/libssl1.1\"\n"
      "  - id: CVE-2020-15114\n"
      "    expired_at: 2024-08-20\n"
      "    statement: \"Review in 6 months\"\n"
      "misconfigurations:\n"
      "  - id: AVD-GIT-0001\n"
      "secrets:\n";
  auto rules = ParseIgnoreFile(text, ".trivyignore.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_EQ((*rules)[0].id, "CVE-2022-40897");
  EXPECT_EQ((*rules)[0].reason, "Accept the risk");
  EXPECT_EQ((*rules)[0].line, 2);
  ASSERT_EQ((*rules)[0].paths.size(), 1u);
  EXPECT_EQ((*rules)[0].paths[0],
            "usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA");
  EXPECT_EQ((*rules)[1].id, "CVE-2023-3817");
  EXPECT_EQ((*rules)[1].line, 6);
  ASSERT_EQ((*rules)[1].purls.size(), 1u);
  EXPECT_EQ((*rules)[1].purls[0], "pkg:deb/debian/libssl1.1");
  EXPECT_EQ((*rules)[2].id, "CVE-2020-15114");
  EXPECT_EQ((*rules)[2].expires, "2024-08-20");
  EXPECT_EQ((*rules)[2].reason, "Review in 6 months");
  EXPECT_EQ((*rules)[2].line, 9);
  EXPECT_EQ((*rules)[2].file, ".trivyignore.yaml");
}

TEST(ParseIgnoreFileTest, IgnoreListDetectedByContent) {
  // No .yaml name: the "ignore:" key makes it YAML.
  const char* text =
      "# customs ignore file\n"
      "ignore:\n"
      "- vulnerability: GHSA-jf85-cpcp-j695\n"
      "  reason: lodash is only used at build time\n"
      "  expires: 2030-12-31\n"
      "  purls: pkg:npm/lodash\n";
  auto rules = ParseIgnoreFile(text, "customs-ignore");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].id, "GHSA-jf85-cpcp-j695");
  EXPECT_EQ((*rules)[0].reason, "lodash is only used at build time");
  EXPECT_EQ((*rules)[0].expires, "2030-12-31");
  EXPECT_EQ((*rules)[0].purls, std::vector<std::string>{"pkg:npm/lodash"});
  EXPECT_EQ((*rules)[0].line, 3);
}

TEST(ParseIgnoreFileTest, YamlErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"vulnerabilities:\n  - id: CVE-1\n  - statement: no id\n",
       "f.yaml:3: rule without an \"id\""},
      {"vulnerabilities:\n  - id: CVE-1\n    expired_at: 2024-02-30\n",
       "f.yaml:3: invalid \"expired_at\" date \"2024-02-30\""},
      {"vulnerabilities:\n  - id: CVE-1\n    purls: [\"lodash\"]\n",
       "f.yaml:3: \"lodash\" is not a package URL"},
      {"vulnerabilities:\n  - id: [a, b]\n", "f.yaml:2: \"id\" must be a string"},
      {"vulnerabilities:\n  - CVE-1\n", "f.yaml:2: expected a mapping"},
      {"vulnerabilities: CVE-1\n", "f.yaml:1: \"vulnerabilities\" must be a list"},
      {"other:\n  - id: MIT\n", "f.yaml: expected a top-level"},
      {"vulnerabilities:\n  - id: CVE-1\n    paths: {a: b}\n",
       "f.yaml:3: \"paths\" must be a list"},
      {"vulnerabilities:\n  - id: CVE-1\n  - id: CVE-2\n    statement: \"a\" b\n",
       "f.yaml:4: malformed YAML"},
      {"vulnerabilities:\n  - id: CVE-1\n   bad: [\n", "malformed YAML"},
  };
  for (const Case& c : cases) {
    auto rules = ParseIgnoreFile(c.text, "f.yaml");
    ASSERT_FALSE(rules.ok()) << c.text;
    EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(rules.status().message().find(c.message), std::string::npos)
        << rules.status().message();
  }
}

TEST(ParseIgnoreFileTest, YamlNestingAndAliasesAreBounded) {
  std::string deep = "vulnerabilities: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  auto d = ParseIgnoreFile(deep, "deep.yaml");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(d.status().message().find("deep.yaml: line 1:"), std::string::npos);

  std::string block = "vulnerabilities:\n";
  for (int i = 1; i < 80; ++i) block += std::string(i, ' ') + "- a\n";
  auto b = ParseIgnoreFile(block, "block.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted);

  // Aliases are read once per use, never expanded beyond the rule limits.
  const char* aliases =
      "base: &r {id: CVE-1, purls: [pkg:npm/a, pkg:npm/b]}\n"
      "vulnerabilities: [*r, *r, *r]\n";
  auto a = ParseIgnoreFile(aliases, "aliases.yaml");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 3u);
}

// ---- OpenVEX ------------------------------------------------------------------

TEST(ParseOpenVexTest, UbuntuDocument) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/ubuntu/vex/CVE-2023-38545.json");
  auto vex = ParseOpenVex(ReadFile(path), "CVE-2023-38545.json");
  ASSERT_TRUE(vex.ok()) << vex.status().ToString();
  // Checked with python3 json: 3 statements of 149, 113 and 356 products.
  ASSERT_EQ(vex->size(), 3u);
  const std::string doc =
      "https://github.com/canonical/ubuntu-security-notices/blob/main/vex/cve/2023/CVE-2023-38545";
  EXPECT_EQ((*vex)[0].status, "fixed");
  EXPECT_EQ((*vex)[1].status, "affected");
  EXPECT_EQ((*vex)[2].status, "not_affected");
  EXPECT_EQ((*vex)[0].products.size(), 149u);
  EXPECT_EQ((*vex)[1].products.size(), 113u);
  EXPECT_EQ((*vex)[2].products.size(), 356u);
  for (const VexStatement& st : *vex) {
    EXPECT_EQ(st.vulnerability, "CVE-2023-38545");
    EXPECT_EQ(st.document_id, doc);
    ASSERT_EQ(st.aliases.size(), 5u);
    EXPECT_EQ(st.aliases[3], "https://www.cve.org/CVERecord?id=CVE-2023-38545");
  }
  EXPECT_EQ((*vex)[0].products[0],
            "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=source&distro=jammy");
  EXPECT_EQ((*vex)[0].products.back(),
            "pkg:deb/ubuntu/libcurl4t64-dbgsym@8.5.0-2ubuntu10.9?arch=s390x&distro=noble");
  EXPECT_EQ(
      (*vex)[2].products[0],
      "pkg:deb/ubuntu/curl@7.35.0-1ubuntu2.20+esm19?arch=source&distro=esm-infra-legacy/trusty");
  EXPECT_EQ((*vex)[2].justification, "vulnerable_code_not_present");
  EXPECT_EQ(
      (*vex)[2].impact_statement.rfind("This package (for the given release), while related", 0),
      0u);
  EXPECT_EQ((*vex)[0].justification, "");

  // Applying it: libcurl4 on jammy at the fixed version is suppressed as
  // fixed; at an older jammy version it stays; focal's esm libcurl4 is not
  // affected; xenial's is affected and stays.
  std::vector<model::Vulnerability> vulns = {
      Vuln("CVE-2023-38545", {},
           "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=jammy"),
      Vuln("CVE-2023-38545", {},
           "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.20?arch=amd64&distro=jammy"),
      Vuln("CVE-2023-38545", {},
           "pkg:deb/ubuntu/libcurl4@7.68.0-1ubuntu2.25%2Besm3?arch=amd64&distro=esm-infra%2Ffocal"),
      Vuln("CVE-2023-38545", {}, "pkg:deb/ubuntu/curl@7.47.0-1ubuntu2.19?arch=amd64&distro=xenial"),
      Vuln("CVE-2023-38546", {},
           "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=jammy"),
      // A different distro qualifier on one side: no match.
      Vuln("CVE-2023-38545", {},
           "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=ubuntu-22.04"),
  };
  ApplySuppressions(vulns, {}, *vex, "2025-01-01", nullptr);
  EXPECT_EQ(vulns[0].suppressed_by, "VEX " + doc + ": fixed");
  EXPECT_EQ(vulns[1].suppressed_by, "");
  EXPECT_EQ(vulns[2].suppressed_by, "VEX " + doc + ": not_affected (vulnerable_code_not_present)");
  EXPECT_EQ(vulns[3].suppressed_by, "");
  EXPECT_EQ(vulns[4].suppressed_by, "");
  EXPECT_EQ(vulns[5].suppressed_by, "");
}

TEST(ParseOpenVexTest, ProductShapesAndOldStringForm) {
  const char* doc = R"({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    "statements": [
      {"vulnerability": {"name": "CVE-2024-1", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
       "products": [{"@id": "pkg:oci/app@sha256%3Aabc",
                     "identifiers": {"purl": "pkg:oci/app"},
                     "subcomponents": [{"@id": "pkg:npm/lodash@4.17.20"},
                                       {"identifiers": {"purl": "pkg:npm/minimist"}}]}],
       "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
      {"vulnerability": "CVE-2024-2", "products": ["pkg:pypi/Django_Rest@1.0"],
       "subcomponents": ["pkg:golang/golang.org/x/net@v0.1.0"],
       "status": "under_investigation"}
    ]})";
  auto vex = ParseOpenVex(doc, "inline.json");
  ASSERT_TRUE(vex.ok()) << vex.status().ToString();
  ASSERT_EQ(vex->size(), 2u);
  EXPECT_EQ((*vex)[0].vulnerability, "CVE-2024-1");
  EXPECT_EQ((*vex)[0].aliases, std::vector<std::string>{"GHSA-aaaa-bbbb-cccc"});
  EXPECT_EQ((*vex)[0].products,
            (std::vector<std::string>{"pkg:oci/app", "pkg:oci/app@sha256%3Aabc",
                                      "pkg:npm/lodash@4.17.20", "pkg:npm/minimist"}));
  EXPECT_EQ((*vex)[0].justification, "vulnerable_code_not_in_execute_path");
  EXPECT_EQ((*vex)[1].vulnerability, "CVE-2024-2");
  EXPECT_EQ((*vex)[1].products, (std::vector<std::string>{"pkg:pypi/Django_Rest@1.0",
                                                          "pkg:golang/golang.org/x/net@v0.1.0"}));
  EXPECT_EQ((*vex)[1].status, "under_investigation");
  EXPECT_EQ((*vex)[1].document_id, "https://example.com/vex/1");
}

TEST(ParseOpenVexTest, Malformed) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {R"({"@context": "https://cyclonedx.org", "statements": []})", "v.json: @context: expected"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0"})", "v.json: statements: expected an array"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability":
          {"name": "CVE-1"}, "products": [], "status": "maybe"}]})",
       "v.json: statements[0].status: expected not_affected"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"status": "fixed"}, 1]})",
       "v.json: statements[0].vulnerability: expected present"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "C",
          "products": [{"@id": 5}], "status": "fixed"}]})",
       "v.json: statements[0].products[0].@id: expected a string"},
      {R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "C",
          "products": [{"subcomponents": [{"@id": "x", "subcomponents": []}]}],
          "status": "fixed"}]})",
       "statements[0].products[0].subcomponents[0].subcomponents: expected no deeper"},
      {"[1, 2", "v.json"},
  };
  for (const Case& c : cases) {
    auto vex = ParseOpenVex(c.text, "v.json");
    ASSERT_FALSE(vex.ok()) << c.text;
    EXPECT_NE(vex.status().message().find(c.message), std::string::npos) << vex.status().message();
  }
}

// ---- matching -----------------------------------------------------------------

TEST(PurlMatchesTest, Rules) {
  EXPECT_TRUE(PurlMatches("pkg:npm/lodash", "pkg:npm/lodash@4.17.20"));
  EXPECT_FALSE(PurlMatches("pkg:npm/lodash", "pkg:npm/lodash.merge@4.6.2"));
  EXPECT_TRUE(PurlMatches("pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.20"));
  EXPECT_FALSE(PurlMatches("pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21"));
  EXPECT_FALSE(PurlMatches("pkg:npm/lodash@4.17.20", "pkg:npm/lodash"));
  EXPECT_TRUE(PurlMatches("pkg:npm/%40angular/core", "pkg:npm/@angular/core@17.0.0"));
  EXPECT_FALSE(PurlMatches("pkg:npm/%40angular/core", "pkg:npm/core@17.0.0"));
  EXPECT_TRUE(
      PurlMatches("pkg:deb/debian/libssl1.1", "pkg:deb/debian/libssl1.1@1.1.1n-0?arch=amd64"));
  EXPECT_FALSE(PurlMatches("pkg:deb/debian/libssl1.1", "pkg:deb/ubuntu/libssl1.1@1.1.1n-0"));
  EXPECT_FALSE(PurlMatches("pkg:deb/debian/libssl1.1", "pkg:rpm/debian/libssl1.1@1.1.1n-0"));
  // Qualifiers only count when both sides have them.
  EXPECT_TRUE(PurlMatches("pkg:deb/debian/a@1?arch=amd64", "pkg:deb/debian/a@1?distro=debian-12"));
  EXPECT_TRUE(PurlMatches("pkg:deb/debian/a@1?arch=amd64", "pkg:deb/debian/a@1?arch=amd64&x=y"));
  EXPECT_FALSE(PurlMatches("pkg:deb/debian/a@1?arch=amd64", "pkg:deb/debian/a@1?arch=arm64"));
  EXPECT_TRUE(PurlMatches("PKG:PyPI/django_rest", "pkg:pypi/Django-Rest@3.0"));
  EXPECT_TRUE(PurlMatches("pkg:golang/golang.org/x/net", "pkg:golang/golang.org/x/net@v0.17.0"));
  EXPECT_FALSE(PurlMatches("pkg:golang/golang.org/x/net", "pkg:golang/golang.org/x/text@v0.1.0"));
  EXPECT_FALSE(PurlMatches("lodash", "pkg:npm/lodash@1"));
  EXPECT_FALSE(PurlMatches("pkg:npm/lodash", ""));
  EXPECT_FALSE(PurlMatches("pkg:npm", "pkg:npm"));
}

TEST(PathGlobMatchesTest, Globs) {
  EXPECT_TRUE(PathGlobMatches("srv/app/**", "srv/app/node_modules/lodash/package.json"));
  EXPECT_TRUE(PathGlobMatches("/srv/app/**", "srv/app/package-lock.json"));
  EXPECT_FALSE(PathGlobMatches("srv/app/**", "srv/other/package-lock.json"));
  EXPECT_TRUE(PathGlobMatches("srv/*/package-lock.json", "srv/app/package-lock.json"));
  EXPECT_FALSE(PathGlobMatches("srv/*/package-lock.json", "srv/app/x/package-lock.json"));
  EXPECT_TRUE(PathGlobMatches("**/METADATA", "usr/lib/python3/dist-packages/a.dist-info/METADATA"));
  EXPECT_TRUE(PathGlobMatches("**/METADATA", "METADATA"));
  EXPECT_TRUE(PathGlobMatches("srv/**/x.json", "srv/x.json"));
  EXPECT_TRUE(PathGlobMatches("srv/**/x.json", "srv/a/b/x.json"));
  EXPECT_TRUE(PathGlobMatches("var/lib/dpkg/statu?", "var/lib/dpkg/status"));
  EXPECT_FALSE(PathGlobMatches("var/lib/dpkg/status", "var/lib/dpkg/status.d/x"));
  EXPECT_TRUE(PathGlobMatches("var/lib/dpkg/status", "/var/lib/dpkg/status"));
  EXPECT_FALSE(PathGlobMatches("a?b", "a/b"));
}

TEST(ApplySuppressionsTest, ExpiryBoundary) {
  auto rules = ParseIgnoreFile(
      "# accepted until the end of the day it names\n"
      "CVE-2024-1000 exp:2025-06-15\n"
      "CVE-2024-2000 exp:2025-06-14\n"
      "CVE-2024-3000\n",
      ".trivyignore");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<model::Vulnerability> vulns = {
      Vuln("CVE-2024-1000", {}, "pkg:npm/a@1"), Vuln("CVE-2024-2000", {}, "pkg:npm/b@1"),
      Vuln("CVE-2024-2000", {}, "pkg:npm/c@1"), Vuln("CVE-2024-3000", {}, "pkg:npm/d@1"),
      Vuln("CVE-2024-4000", {}, "pkg:npm/e@1"),
  };
  std::vector<std::string> notices;
  ApplySuppressions(vulns, *rules, {}, "2025-06-15", &notices);
  EXPECT_EQ(vulns[0].suppressed_by,
            "ignore file .trivyignore:2: accepted until the end of the day it names");
  EXPECT_EQ(vulns[1].suppressed_by, "");
  EXPECT_EQ(vulns[2].suppressed_by, "");
  EXPECT_EQ(vulns[3].suppressed_by, "ignore file .trivyignore:4: no reason given");
  EXPECT_EQ(vulns[4].suppressed_by, "");
  // One notice per expired rule, not per vulnerability.
  EXPECT_EQ(notices, std::vector<std::string>{
                         "ignore rule for CVE-2024-2000 expired on 2025-06-14 (.trivyignore:3)"});
}

TEST(ApplySuppressionsTest, AliasMatching) {
  auto rules = ParseIgnoreFile("GHSA-jf85-cpcp-j695 # build-time only\n", ".trivyignore");
  ASSERT_TRUE(rules.ok());
  std::vector<model::Vulnerability> vulns = {
      Vuln("CVE-2019-10744", {"GHSA-jf85-cpcp-j695"}, "pkg:npm/lodash@4.17.11"),
      Vuln("CVE-2019-10744", {}, "pkg:npm/lodash@4.17.11"),
      Vuln("ghsa-jf85-cpcp-j695", {}, "pkg:npm/lodash@4.17.11"),
  };
  ApplySuppressions(vulns, *rules, {}, "2025-01-01", nullptr);
  EXPECT_EQ(vulns[0].suppressed_by, "ignore file .trivyignore:1: build-time only");
  EXPECT_EQ(vulns[1].suppressed_by, "");
  EXPECT_EQ(vulns[2].suppressed_by, "ignore file .trivyignore:1: build-time only");
}

TEST(ApplySuppressionsTest, PurlAndPathFilters) {
  const char* text =
      "vulnerabilities:\n"
      "  - id: CVE-2023-3817\n"
      "    purls: [\"pkg:deb/debian/libssl1.1\"]\n"
      "    statement: only libssl1.1\n"
      "  - id: CVE-2022-40897\n"
      "    paths: [\"srv/app/**\"]\n"
      "    statement: only the app\n"
      "  - id: CVE-2024-5000\n"
      "    purls: [\"pkg:npm/lodash\"]\n"
      "    paths: [\"srv/**\"]\n";
  auto rules = ParseIgnoreFile(text, "ig.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<model::Vulnerability> vulns = {
      Vuln("CVE-2023-3817", {}, "pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u5?arch=amd64",
           "var/lib/dpkg/status"),
      Vuln("CVE-2023-3817", {}, "pkg:deb/debian/openssl@1.1.1n-0+deb11u5?arch=amd64",
           "var/lib/dpkg/status"),
      Vuln("CVE-2022-40897", {}, "pkg:pypi/setuptools@58.1.0",
           "srv/app/venv/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA"),
      Vuln("CVE-2022-40897", {}, "pkg:pypi/setuptools@58.1.0",
           "usr/lib/python3/dist-packages/setuptools-58.1.0.dist-info/METADATA"),
      Vuln("CVE-2024-5000", {}, "pkg:npm/lodash@4.17.20", "srv/node_modules/lodash/package.json"),
      Vuln("CVE-2024-5000", {}, "pkg:npm/lodash@4.17.20", "opt/node_modules/lodash/package.json"),
  };
  ApplySuppressions(vulns, *rules, {}, "2025-01-01", nullptr);
  EXPECT_EQ(vulns[0].suppressed_by, "ignore file ig.yaml:2: only libssl1.1");
  EXPECT_EQ(vulns[1].suppressed_by, "");
  EXPECT_EQ(vulns[2].suppressed_by, "ignore file ig.yaml:5: only the app");
  EXPECT_EQ(vulns[3].suppressed_by, "");
  EXPECT_EQ(vulns[4].suppressed_by, "ignore file ig.yaml:8: no reason given");
  EXPECT_EQ(vulns[5].suppressed_by, "");  // purl matches, path does not
}

TEST(ApplySuppressionsTest, FirstReasonWinsAndLaterVexOverrides) {
  auto vex = ParseOpenVex(R"({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "doc-1",
    "statements": [
      {"vulnerability": {"name": "CVE-2024-1", "aliases": ["GHSA-x"]},
       "products": ["pkg:npm/a"], "status": "not_affected",
       "justification": "inline_mitigations_already_exist"},
      {"vulnerability": {"name": "CVE-2024-2"}, "products": ["pkg:npm/a"],
       "status": "not_affected", "justification": "component_not_present"},
      {"vulnerability": {"name": "CVE-2024-2"}, "products": ["pkg:npm/a@2"],
       "status": "affected"}
    ]})",
                          "vex.json");
  ASSERT_TRUE(vex.ok()) << vex.status().ToString();
  auto rules = ParseIgnoreFile("# ours\nCVE-2024-1\n", ".trivyignore");
  ASSERT_TRUE(rules.ok());
  std::vector<model::Vulnerability> vulns = {
      Vuln("CVE-2024-1", {}, "pkg:npm/a@1"),          // ignore file first
      Vuln("CVE-2024-3", {"GHSA-x"}, "pkg:npm/a@1"),  // VEX by alias
      Vuln("CVE-2024-2", {}, "pkg:npm/a@1"),          // not_affected
      Vuln("CVE-2024-2", {}, "pkg:npm/a@2"),          // the later "affected" wins
      Vuln("CVE-2024-2", {}, "pkg:npm/b@1"),          // other package
  };
  vulns.push_back(Vuln("CVE-2024-2", {}, "pkg:npm/a@1"));
  vulns.back().suppressed_by = "unimportant";  // already suppressed: kept
  ApplySuppressions(vulns, *rules, *vex, "2025-01-01", nullptr);
  EXPECT_EQ(vulns[0].suppressed_by, "ignore file .trivyignore:2: ours");
  EXPECT_EQ(vulns[1].suppressed_by, "VEX doc-1: not_affected (inline_mitigations_already_exist)");
  EXPECT_EQ(vulns[2].suppressed_by, "VEX doc-1: not_affected (component_not_present)");
  EXPECT_EQ(vulns[3].suppressed_by, "");
  EXPECT_EQ(vulns[4].suppressed_by, "");
  EXPECT_EQ(vulns[5].suppressed_by, "unimportant");
}

}  // namespace
}  // namespace customs::vuln

namespace customs::vuln {
namespace {

model::Detection Found(std::string rule, std::string path, std::string purl = "",
                       std::string owner = "", std::string sha256 = "") {
  model::Detection d;
  d.rule_id = std::move(rule);
  d.path = std::move(path);
  d.purl = std::move(purl);
  d.owner = std::move(owner);
  d.sha256 = std::move(sha256);
  return d;
}

const std::string kHash = "sha256:" + std::string(64, 'a');

TEST(AllowListTest, YamlContrabandAndSecretsLists) {
  auto rules = ParseIgnoreFile(R"(contraband:
  - id: customs_hacking_tool_nmap
    paths: ["opt/tools/**"]
    reason: our scanner image
  - sha256: SHA256:)" + std::string(64, 'A') +
                                   R"(
    expires: 2030-01-01
secrets:
  - id: customs_secret_private_key_pem
    paths: [etc/ssl/test/*.pem]
vulnerabilities:
  - id: CVE-2021-44906
)",
                               "allow.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 4u);
  EXPECT_EQ((*rules)[0].kind, IgnoreRule::Kind::kVulnerability);
  EXPECT_EQ((*rules)[1].kind, IgnoreRule::Kind::kContraband);
  EXPECT_EQ((*rules)[1].id, "customs_hacking_tool_nmap");
  EXPECT_EQ((*rules)[1].paths, std::vector<std::string>{"opt/tools/**"});
  EXPECT_EQ((*rules)[2].sha256s, std::vector<std::string>{kHash});
  EXPECT_EQ((*rules)[2].expires, "2030-01-01");
  EXPECT_EQ((*rules)[3].kind, IgnoreRule::Kind::kContraband);

  auto empty = ParseIgnoreFile("contraband:\n  - reason: everything\n", "a.yaml");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("a.yaml:2: contraband rule without"), std::string::npos)
      << empty.status().message();
  auto bad = ParseIgnoreFile("contraband:\n  - sha256: abc\n", "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is not a SHA-256"), std::string::npos);
}

TEST(AllowListTest, EveryFilterMustMatch) {
  std::vector<IgnoreRule> rules(5);
  rules[0].kind = IgnoreRule::Kind::kContraband;
  rules[0].id = "customs_hacking_tool_nmap";
  rules[0].paths = {"opt/tools/**"};
  rules[0].reason = "scanner image";
  rules[1].kind = IgnoreRule::Kind::kContraband;
  rules[1].sha256s = {kHash};
  rules[2].kind = IgnoreRule::Kind::kContraband;
  rules[2].purls = {"pkg:deb/debian/nmap"};
  rules[3].kind = IgnoreRule::Kind::kVulnerability;  // never applies to detections
  rules[3].id = "npm-known-malicious";
  rules[4].kind = IgnoreRule::Kind::kAny;  // a .trivyignore line
  rules[4].id = "SHADOW-UNLOCKED-HASH";
  rules[4].expires = "2020-01-01";
  for (size_t i = 0; i < rules.size(); ++i) {
    rules[i].file = "allow.yaml";
    rules[i].line = static_cast<int>(i + 1);
  }
  std::vector<model::Detection> found = {
      Found("customs_hacking_tool_nmap", "opt/tools/sub/nmap"),
      Found("customs_hacking_tool_nmap", "usr/local/bin/nmap"),
      Found("customs_malware_eicar_test_file", "opt/x.com", "", "", kHash),
      Found("customs_backdoor_reverse_shell_netcat", "usr/share/nmap/scripts/x.nse", "",
            "pkg:deb/debian/nmap@7.93%2Bdfsg1-1?arch=amd64&distro=debian-12"),
      Found("npm-known-malicious", "srv/app/node_modules/event-stream/package.json",
            "pkg:npm/event-stream@3.3.6"),
      Found("shadow-unlocked-hash", "etc/shadow"),
  };
  std::vector<std::string> notices;
  ApplyAllowList(found, rules, "2026-11-22", &notices);
  EXPECT_EQ(found[0].suppressed_by, "ignore file allow.yaml:1: scanner image");
  EXPECT_EQ(found[1].suppressed_by, "");  // path filter
  EXPECT_EQ(found[2].suppressed_by, "ignore file allow.yaml:2: no reason given");
  EXPECT_EQ(found[3].suppressed_by, "ignore file allow.yaml:3: no reason given");
  EXPECT_EQ(found[4].suppressed_by, "");  // a vulnerability rule
  EXPECT_EQ(found[5].suppressed_by, "");  // expired
  EXPECT_EQ(notices,
            std::vector<std::string>{"ignore rule for SHADOW-UNLOCKED-HASH expired on 2020-01-01 "
                                     "(allow.yaml:5)"});
  // Contraband rules never suppress vulnerabilities.
  std::vector<model::Vulnerability> vulns = {Vuln("CVE-1", {}, "pkg:deb/debian/nmap@1")};
  ApplySuppressions(vulns, rules, {}, "2026-11-22", nullptr);
  EXPECT_EQ(vulns[0].suppressed_by, "");
}

}  // namespace
}  // namespace customs::vuln
