// Vulnerability matching end to end, on real images and real advisory data:
// customs's findings against what tests/expected_vulns.py derives
// independently (its own package reading, version ordering and range logic).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "scan/scanner.h"
#include "tests/testing.h"
#include "vuln/advisory_db.h"
#include "vuln/feeds.h"

namespace customs {
namespace {

using Pairs = std::set<std::pair<std::string, std::string>>;

// A DB built from the given feed files and directories.
std::string BuildDb(const std::vector<std::string>& paths) {
  std::string db_path = testing::TempDir() + "/advisories.db";
  auto db = vuln::AdvisoryDb::Create(db_path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return "";
  EXPECT_TRUE(db->Begin().ok());
  for (const auto& p : paths) {
    auto stats = vuln::ReadAdvisories(p, [&](vuln::Advisory&& a) { return db->Insert(a); });
    EXPECT_TRUE(stats.ok()) << p << ": " << stats.status().ToString();
    if (stats.ok()) {
      EXPECT_EQ(stats->skipped_files, 0u) << p;
    }
  }
  EXPECT_TRUE(db->Commit().ok());
  return db_path;
}

std::vector<model::ScanResult> ScanAndMatch(const std::string& image, const std::string& db,
                                            vuln::MatchOptions match = {}) {
  auto results = scan::ScanImage(image, {});
  EXPECT_TRUE(results.ok()) << image << ": " << results.status().ToString();
  if (!results.ok()) return {};
  scan::VulnScanOptions options;
  options.db_path = db;
  options.match = match;
  auto notices = scan::MatchVulnerabilities(*results, options);
  EXPECT_TRUE(notices.ok()) << notices.status().ToString();
  return std::move(*results);
}

// "<name> <id>" lines of expected_vulns.py.
Pairs Expected(const std::string& args) {
  std::string out;
  EXPECT_EQ(
      testing::Run("python3 '" + testing::SourceDir() + "/tests/expected_vulns.py' " + args, &out),
      0)
      << out;
  Pairs pairs;
  for (auto line : Split(out, '\n')) {
    auto f = Split(Trim(line), ' ');
    if (f.size() == 2) pairs.insert({std::string(f[0]), std::string(f[1])});
  }
  return pairs;
}

// (package, id) for every reported vulnerability, where id is the primary ID
// or, when `prefix` is given, each of its IDs with that prefix.
Pairs Reported(const model::ScanResult& r, std::string_view prefix = "") {
  Pairs pairs;
  for (const auto& v : r.vulnerabilities) {
    if (prefix.empty()) {
      pairs.insert({v.package_name, v.id});
      continue;
    }
    if (v.id.starts_with(prefix)) pairs.insert({v.package_name, v.id});
    for (const auto& a : v.aliases)
      if (a.starts_with(prefix)) pairs.insert({v.package_name, a});
  }
  return pairs;
}

TEST(VulnTest, AlpineImagesAgainstSecdb) {
  CUSTOMS_REQUIRE_SHARED(data, "feeds/alpine-secdb/yaml");
  struct Case {
    std::string image, feed;
  };
  for (const Case& c :
       {Case{"images/docker-archive/alpine-3.10-docker-save.tar.gz", "v3.10"},
        Case{"images/alpine-minirootfs/alpine-minirootfs-3.11.13-x86_64.tar.gz", "v3.11"}}) {
    std::string image = testing::SharedData(c.image);
    std::string feed = data + "/" + c.feed;
    std::string db = BuildDb({feed + "/main.yaml", feed + "/community.yaml"});
    std::string arg = c.image.find("docker") != std::string::npos ? "docker-archive:" + image : "";
    if (arg.empty()) {
      // A minirootfs is a root filesystem tarball: scan it unpacked.
      std::string root = testing::TempDir() + "/rootfs";
      ASSERT_EQ(
          testing::Run("mkdir -p '" + root + "' && tar -C '" + root + "' -xzf '" + image + "'"), 0);
      arg = "rootfs:" + root;
      image = root;
    }
    auto results = ScanAndMatch(arg, db);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_GE(results[0].packages.size(), 14u);
    EXPECT_EQ(Reported(results[0]), Expected("alpine '" + image + "' '" + feed + "/main.yaml' '" +
                                             feed + "/community.yaml'"))
        << c.image;
  }
}

// The real images above are patched past every fix in their secdb; this
// rolls two packages back so the comparison has findings to agree on.
TEST(VulnTest, AlpineRolledBackPackagesMatch) {
  CUSTOMS_REQUIRE_SHARED(tgz, "images/alpine-minirootfs/alpine-minirootfs-3.11.13-x86_64.tar.gz");
  std::string feed = testing::SharedData("feeds/alpine-secdb/yaml/v3.11");
  std::string root = testing::TempDir() + "/rootfs";
  ASSERT_EQ(testing::Run("mkdir -p '" + root + "' && tar -C '" + root + "' -xzf '" + tgz + "'"), 0);
  // musl 1.1.24-r3 -> 1.1.23-r1 (below the 1.1.23-r2 fix) and busybox
  // 1.31.1-r11 -> 1.30.1-r1 (below 1.30.1-r2), in the database only.
  std::string installed = root + "/lib/apk/db/installed";
  std::string out;
  ASSERT_EQ(testing::Run("grep -c '^V:1.1.24-r3$' '" + installed + "'", &out), 0) << out;
  ASSERT_EQ(testing::Run("sed -i 's/^V:1.1.24-r3$/V:1.1.23-r1/; s/^V:1.31.1-r11$/V:1.30.1-r1/' '" +
                         installed + "'"),
            0);
  std::string db = BuildDb({feed + "/main.yaml", feed + "/community.yaml"});
  auto results = ScanAndMatch("rootfs:" + root, db);
  ASSERT_EQ(results.size(), 1u);
  Pairs want =
      Expected("alpine '" + root + "' '" + feed + "/main.yaml' '" + feed + "/community.yaml'");
  EXPECT_GE(want.size(), 2u);
  EXPECT_EQ(Reported(results[0]), want);
  for (const auto& v : results[0].vulnerabilities) {
    EXPECT_EQ(v.status, model::VulnStatus::kFixed) << v.id;
    EXPECT_FALSE(v.fixed_versions.empty()) << v.id;
    EXPECT_EQ(v.data_source, "alpine");
    EXPECT_TRUE(v.matched_by.starts_with("Alpine:v3.11 source package ")) << v.matched_by;
  }
}

// The npm application and the Go program of the oci-lang image against the
// GitHub advisories and the Go vulnerability database; Debian's python and
// java packages are owned by OS packages and not matched upstream.
TEST(VulnTest, LanguagePackagesOfTheLangImage) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-lang");
  CUSTOMS_REQUIRE_SHARED(osv, "osv");
  std::string db = BuildDb({osv + "/ghsa", osv + "/go", osv + "/pypi/requests"});
  auto results = ScanAndMatch("oci:" + layout + ":lang", db);
  ASSERT_EQ(results.size(), 1u);
  const auto& r = results[0];

  std::string npm_args, go_version;
  for (const auto& p : r.packages) {
    if (p.type == "npm") npm_args += " '" + p.name + "=" + p.version + "'";
    if (p.type == "golang" && p.name == "stdlib" && p.db_path == "usr/local/bin/hello-go")
      go_version = p.version;
  }
  ASSERT_FALSE(go_version.empty());
  Pairs npm_want = Expected("osv npm '" + osv + "/ghsa'" + npm_args);
  EXPECT_EQ(npm_want, (Pairs{{"express", "GHSA-rv95-896h-c2vc"},
                             {"lodash", "GHSA-35jh-r3h4-6jhm"},
                             {"minimist", "GHSA-xvch-5gv4-984h"}}));
  Pairs npm_got;
  for (const auto& v : r.vulnerabilities)
    if (v.package_type == "npm") {
      for (const auto& a : v.aliases)
        if (a.starts_with("GHSA-")) npm_got.insert({v.package_name, a});
      if (v.id.starts_with("GHSA-")) npm_got.insert({v.package_name, v.id});
    }
  EXPECT_EQ(npm_got, npm_want);

  // Go stdlib of both binaries: every GO- record whose ranges hold the version.
  Pairs go_want = Expected("osv Go '" + osv + "/go' 'stdlib=" + go_version + "'");
  EXPECT_GE(go_want.size(), 20u);
  Pairs go_got;
  for (const auto& v : r.vulnerabilities)
    if (v.package_type == "golang" && v.path == "usr/local/bin/hello-go") {
      if (v.id.starts_with("GO-")) go_got.insert({v.package_name, v.id});
      for (const auto& a : v.aliases)
        if (a.starts_with("GO-")) go_got.insert({v.package_name, a});
    }
  EXPECT_EQ(go_got, go_want);

  for (const auto& v : r.vulnerabilities) {
    EXPECT_NE(v.package_type, "pypi") << v.id << ": Debian's requests is owned by python3-requests";
    EXPECT_NE(v.package_type, "maven") << v.id;
    EXPECT_TRUE(v.suppressed_by.empty()) << v.id;
  }
  // lodash: CVE-2021-23337 is the primary ID, fixed in 4.17.21, CVSS 3.1 7.2.
  bool lodash = false;
  for (const auto& v : r.vulnerabilities)
    if (v.package_name == "lodash" && v.id == "CVE-2021-23337") {
      lodash = true;
      EXPECT_EQ(v.fixed_versions, std::vector<std::string>{"4.17.21"});
      EXPECT_EQ(v.status, model::VulnStatus::kFixed);
      EXPECT_EQ(v.severity, model::Severity::kHigh);
      EXPECT_DOUBLE_EQ(v.score, 7.2);
      EXPECT_EQ(v.path, "srv/app/node_modules/lodash/package.json");
      EXPECT_EQ(v.layer.index, 2);
    }
  EXPECT_TRUE(lodash);
}

// A Go program built here with the Debian toolchain against a module served
// from a file:// GOPROXY written by the test (golang.org/x/text v0.3.5, a
// stub package: the build info records the real module path and version).
TEST(VulnTest, GoModuleAndStdlibOfABinaryBuiltHere) {
  CUSTOMS_REQUIRE_SHARED(go_osv, "osv/go");
  std::string out;
  if (testing::Run("go version", &out) != 0) GTEST_SKIP() << "needs the Go toolchain (golang-go)";
  std::string dir = testing::TempDir();
  std::string script = R"(set -e
cd ")" + dir + R"("
v=golang.org/x/text@v0.3.5
mkdir -p proxy/golang.org/x/text/@v src/$v/language app rootfs/usr/local/bin
printf 'module golang.org/x/text\n' >src/$v/go.mod
printf 'package language\n\nfunc Tag() string { return "en" }\n' >src/$v/language/language.go
(cd src && zip -qr ../proxy/golang.org/x/text/@v/v0.3.5.zip $v)
cp src/$v/go.mod proxy/golang.org/x/text/@v/v0.3.5.mod
printf '{"Version":"v0.3.5","Time":"2021-01-01T00:00:00Z"}' >proxy/golang.org/x/text/@v/v0.3.5.info
printf 'v0.3.5\n' >proxy/golang.org/x/text/@v/list
printf 'module example.com/app\n\ngo 1.19\n\nrequire golang.org/x/text v0.3.5\n' >app/go.mod
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"golang.org/x/text/language"\n)\n\nfunc main() { fmt.Println(language.Tag()) }\n' >app/main.go
cd app
GOPROXY="file://$PWD/../proxy" GOSUMDB=off GOFLAGS="-mod=mod -modcacherw" GOMODCACHE="$PWD/../modcache" \
  go build -trimpath -o ../rootfs/usr/local/bin/app .
go version ../rootfs/usr/local/bin/app
)";
  { std::ofstream(dir + "/build.sh") << script; }
  ASSERT_EQ(testing::Run("bash '" + dir + "/build.sh'", &out), 0) << out;
  // "…/app: go1.19.8" -> stdlib v1.19.8
  std::string go_version(Trim(out.substr(out.rfind(": go") + 4)));
  std::string db = BuildDb({go_osv});
  auto results = ScanAndMatch("rootfs:" + dir + "/rootfs", db);
  ASSERT_EQ(results.size(), 1u);
  Pairs want = Expected("osv Go '" + go_osv + "' golang.org/x/text=v0.3.5 stdlib=v" + go_version);
  Pairs text_want;
  for (const auto& p : want)
    if (p.first == "golang.org/x/text") text_want.insert(p);
  EXPECT_GE(text_want.size(), 2u);  // GO-2021-0113, GO-2022-1059 (fixed in 0.3.7, 0.3.8)
  EXPECT_GE(want.size() - text_want.size(), 20u);
  EXPECT_EQ(Reported(results[0], "GO-"), want);
  for (const auto& v : results[0].vulnerabilities) {
    EXPECT_EQ(v.path, "usr/local/bin/app");
    EXPECT_EQ(v.status, model::VulnStatus::kFixed) << v.id;
  }
}

// A pip-installed requests (not owned by an OS package) is matched upstream,
// and the PyPA record and the GitHub advisory of the same CVE become one
// vulnerability with all three IDs.
TEST(VulnTest, PypiAliasesMergeIntoOneVulnerability) {
  CUSTOMS_REQUIRE_SHARED(osv, "osv");
  std::string root = testing::TempDir() + "/rootfs";
  std::string info = root + "/usr/local/lib/python3.11/site-packages/requests-2.28.1.dist-info";
  std::filesystem::create_directories(info);
  std::ofstream(info + "/METADATA") << "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n";
  std::string db = BuildDb({osv + "/ghsa/GHSA-j8r2-6x86-q33q.json", osv + "/pypi/requests"});
  auto results = ScanAndMatch("rootfs:" + root, db);
  ASSERT_EQ(results.size(), 1u);
  int found = 0;
  for (const auto& v : results[0].vulnerabilities) {
    if (v.id != "CVE-2023-32681") continue;
    ++found;
    EXPECT_EQ(v.aliases, (std::vector<std::string>{"GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"}));
    EXPECT_EQ(v.fixed_versions, std::vector<std::string>{"2.31.0"});
  }
  EXPECT_EQ(found, 1);
  Pairs want = Expected("osv PyPI '" + osv + "/ghsa' requests=2.28.1");
  EXPECT_EQ(want, (Pairs{{"requests", "GHSA-j8r2-6x86-q33q"}}));
}

// The command line: gates, filters, explain, ignore files, SARIF, and the
// message when there is no DB.
TEST(VulnCliTest, GatesFiltersExplainAndSuppression) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-lang");
  CUSTOMS_REQUIRE_SHARED(ghsa, "osv/ghsa");
  std::string dir = testing::TempDir();
  std::string db = dir + "/adv.db";
  std::string customs = testing::CustomsBinary();
  std::string image = " oci:" + layout + ":lang --db " + db;
  std::string out;
  ASSERT_EQ(testing::Run(customs + " db import " + ghsa + " --db " + db, &out), 0) << out;

  // minimist is CRITICAL (CVSS 9.8), lodash HIGH, express MEDIUM.
  EXPECT_EQ(testing::Run(customs + " scan" + image + " --fail-on critical", &out), 1) << out;
  EXPECT_NE(out.find("CVE-2021-44906"), std::string::npos) << out;
  EXPECT_EQ(
      testing::Run(customs + " scan" + image + " --fail-on critical --severity HIGH,MEDIUM", &out),
      0)
      << out;
  EXPECT_EQ(out.find("CVE-2021-44906"), std::string::npos) << out;
  EXPECT_NE(out.find("CVE-2021-23337"), std::string::npos) << out;

  // An ignore file naming the GHSA ID suppresses the CVE-keyed finding.
  std::string ignore = dir + "/ignore";
  {
    std::ofstream f(ignore);
    f << "# only reachable through the CLI parser, which we do not ship\n"
         "GHSA-xvch-5gv4-984h\n";
  }
  EXPECT_EQ(
      testing::Run(customs + " scan" + image + " --fail-on critical --ignorefile " + ignore, &out),
      0)
      << out;
  EXPECT_NE(out.find("1 suppressed"), std::string::npos) << out;
  ASSERT_EQ(
      testing::Run(customs + " explain CVE-2021-44906" + image + " --ignorefile " + ignore, &out),
      0)
      << out;
  EXPECT_NE(out.find("inside [introduced 1.0.0, fixed 1.2.6] by semver rules"), std::string::npos)
      << out;
  EXPECT_NE(out.find("suppressed: ignore file"), std::string::npos) << out;
  EXPECT_NE(out.find("only reachable through the CLI parser"), std::string::npos) << out;

  // JSON keeps suppressed findings only when asked.
  std::string json = dir + "/r.json";
  ASSERT_EQ(testing::Run(customs + " scan" + image + " -f json -o " + json + " --ignorefile " +
                             ignore + " --show-suppressed",
                         &out),
            0)
      << out;
  std::string text;
  ASSERT_EQ(testing::Run("grep -c '\"suppressedBy\": \"ignore file' " + json, &text), 0) << text;
  EXPECT_EQ(Trim(text), "1");
  std::string schemas = testing::SourceDir() + "/tests/schemas/";
  std::string validate = "python3 '" + testing::SourceDir() + "/tests/validate_schema.py' ";
  EXPECT_EQ(testing::Run(validate + schemas + "customs-result-1.schema.json " + json, &out), 0)
      << out;
  std::string cdx = dir + "/r.cdx.json";
  ASSERT_EQ(testing::Run(customs + " scan" + image + " -f cyclonedx -o " + cdx, &out), 0) << out;
  EXPECT_EQ(testing::Run(validate + schemas + "bom-1.5.schema.json " + cdx, &out), 0) << out;
  ASSERT_EQ(testing::Run("grep -c '\"id\": \"CVE-2021-44906\"' " + cdx, &text), 0) << text;

  // SARIF valid against the official 2.1.0 schema.
  std::string sarif = dir + "/r.sarif";
  ASSERT_EQ(testing::Run(customs + " scan" + image + " -f sarif -o " + sarif, &out), 0) << out;
  ASSERT_EQ(
      testing::Run("python3 '" + testing::SourceDir() + "/tests/validate_schema.py' '" +
                       testing::SourceDir() + "/tests/schemas/sarif-schema-2.1.0.json' " + sarif,
                   &out),
      0)
      << out;

  EXPECT_EQ(testing::Run(customs + " scan oci:" + layout + ":lang --db " + dir + "/none.db", &out),
            2);
  EXPECT_NE(out.find("no advisory DB at " + dir + "/none.db: run `customs db update`"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace customs
