#include "vuln/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testing.h"
#include "vuln/feeds.h"

namespace customs::vuln {
namespace {

using model::Severity;
using model::VulnStatus;

model::Package Deb(std::string name, std::string version, std::string source = "",
                   std::string source_version = "") {
  model::Package p;
  p.type = "deb";
  p.name = std::move(name);
  p.version = std::move(version);
  p.source_name = source.empty() ? p.name : std::move(source);
  p.source_version = source_version.empty() ? p.version : std::move(source_version);
  p.purl = "pkg:deb/debian/" + p.name + "@" + p.version;
  p.db_path = "var/lib/dpkg/status";
  return p;
}

model::Package Lang(std::string type, std::string name, std::string version) {
  model::Package p;
  p.type = std::move(type);
  p.name = std::move(name);
  p.version = std::move(version);
  p.purl = "pkg:" + p.type + "/" + p.name + "@" + p.version;
  p.db_path = "app/" + p.name;
  return p;
}

// A tracker-style advisory: one package, one release.
Advisory Tracker(std::string cve, std::string package, std::string release, VulnStatus status,
                 std::string fixed, std::string urgency) {
  Advisory a;
  a.id = std::move(cve);
  a.source = "debian";
  a.summary = "summary of " + a.id;
  Affected af;
  af.ecosystem = std::move(release);
  af.package = std::move(package);
  af.status = status;
  af.distro_severity = std::move(urgency);
  if (status != VulnStatus::kNotAffected) {
    Range r;
    r.events.push_back({RangeEvent::Kind::kIntroduced, "0"});
    if (!fixed.empty()) r.events.push_back({RangeEvent::Kind::kFixed, fixed});
    af.ranges.push_back(r);
  }
  a.affected.push_back(af);
  return a;
}

Advisory Osv(std::string id, std::vector<std::string> aliases, std::string ecosystem,
             std::string package, std::string introduced, std::string fixed) {
  Advisory a;
  a.id = std::move(id);
  a.aliases = std::move(aliases);
  a.source = "osv";
  Affected af;
  af.ecosystem = std::move(ecosystem);
  af.package = std::move(package);
  Range r;
  r.type = Range::Type::kSemver;
  r.events.push_back({RangeEvent::Kind::kIntroduced, introduced});
  if (!fixed.empty()) r.events.push_back({RangeEvent::Kind::kFixed, fixed});
  af.ranges.push_back(r);
  a.affected.push_back(af);
  return a;
}

AdvisoryDb MakeDb(const std::vector<Advisory>& advisories) {
  std::string path = testing::TempDir() + "/db.sqlite";
  auto db = AdvisoryDb::Create(path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->Begin().ok());
  for (const auto& a : advisories) EXPECT_TRUE(db->Insert(a).ok()) << a.id;
  EXPECT_TRUE(db->Commit().ok());
  auto reader = AdvisoryDb::Open(path);
  EXPECT_TRUE(reader.ok());
  return std::move(*reader);
}

model::OsInfo Debian12() {
  model::OsInfo os;
  os.id = "debian";
  os.version_id = "12";
  return os;
}

const model::Vulnerability* Find(const MatchOutput& out, std::string_view id,
                                 std::string_view package) {
  for (const auto& v : out.vulnerabilities)
    if (v.id == id && v.package_name == package) return &v;
  return nullptr;
}

TEST(MatcherTest, DistroEcosystems) {
  model::OsInfo os;
  os.id = "alpine";
  os.version_id = "3.20.3";
  EXPECT_EQ(DistroEcosystems(os), std::vector<std::string>{"Alpine:v3.20"});
  os.version_id = "3.21.0_alpha20240807";
  EXPECT_EQ(DistroEcosystems(os), std::vector<std::string>{"Alpine:edge"});
  EXPECT_EQ(DistroEcosystems(Debian12()), std::vector<std::string>{"Debian:12"});
  os = {};
  os.id = "debian";
  os.version_codename = "trixie";  // testing images have no VERSION_ID
  EXPECT_EQ(DistroEcosystems(os), std::vector<std::string>{"Debian:13"});
  os = {};
  os.id = "ubuntu";
  os.version_id = "22.04";
  EXPECT_EQ(DistroEcosystems(os), (std::vector<std::string>{"Ubuntu:22.04:LTS", "Ubuntu:22.04"}));
  os.id = "gentoo";
  EXPECT_TRUE(DistroEcosystems(os).empty());
}

TEST(MatcherTest, DebianBySourcePackageWithStatuses) {
  AdvisoryDb db = MakeDb({
      Tracker("CVE-2023-5678", "openssl", "Debian:12", VulnStatus::kFixed, "3.0.13-1~deb12u1",
              "medium"),
      Tracker("CVE-2023-0001", "openssl", "Debian:12", VulnStatus::kAffected, "", "low"),
      Tracker("CVE-2023-0002", "openssl", "Debian:12", VulnStatus::kWillNotFix, "", "low"),
      Tracker("CVE-2023-0003", "openssl", "Debian:12", VulnStatus::kNotAffected, "", ""),
      Tracker("CVE-2023-0004", "openssl", "Debian:12", VulnStatus::kAffected, "", "unimportant"),
      Tracker("CVE-2023-0005", "openssl", "Debian:11", VulnStatus::kAffected, "", "high"),
      Tracker("CVE-2023-0006", "openssl", "Debian:12", VulnStatus::kFixed, "3.0.11-1~deb12u2",
              "high"),  // fixed in exactly the installed version
      Tracker("CVE-2024-0001", "linux", "Debian:12", VulnStatus::kAffected, "", "high"),
  });
  // libssl3 is a binNMU-free binary of source openssl; linux-libc-dev of linux.
  std::vector<model::Package> packages = {
      Deb("libssl3", "3.0.11-1~deb12u2", "openssl"),
      Deb("linux-libc-dev", "6.1.55-1", "linux"),
  };
  auto out = MatchPackages(db, Debian12(), packages);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::set<std::string> ids;
  for (const auto& v : out->vulnerabilities) ids.insert(v.id);
  EXPECT_EQ(ids, (std::set<std::string>{"CVE-2023-5678", "CVE-2023-0001", "CVE-2023-0002",
                                        "CVE-2023-0004"}));
  const auto* fixed = Find(*out, "CVE-2023-5678", "libssl3");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->status, VulnStatus::kFixed);
  EXPECT_EQ(fixed->fixed_versions, std::vector<std::string>{"3.0.13-1~deb12u1"});
  EXPECT_EQ(fixed->severity, Severity::kMedium);
  EXPECT_EQ(fixed->severity_source, "debian");
  EXPECT_EQ(fixed->matched_by, "Debian:12 source package openssl 3.0.11-1~deb12u2");
  EXPECT_EQ(Find(*out, "CVE-2023-0001", "libssl3")->status, VulnStatus::kAffected);
  EXPECT_EQ(Find(*out, "CVE-2023-0002", "libssl3")->status, VulnStatus::kWillNotFix);
  const auto* unimportant = Find(*out, "CVE-2023-0004", "libssl3");
  EXPECT_EQ(unimportant->severity, Severity::kNegligible);
  EXPECT_NE(unimportant->suppressed_by.find("unimportant"), std::string::npos);
  EXPECT_TRUE(fixed->suppressed_by.empty());

  // Unimportant shown when asked; kernel headers matched when asked.
  MatchOptions all;
  all.include_unimportant = true;
  all.match_kernel_headers = true;
  out = MatchPackages(db, Debian12(), packages, all);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(Find(*out, "CVE-2023-0004", "libssl3")->suppressed_by.empty());
  EXPECT_NE(Find(*out, "CVE-2024-0001", "linux-libc-dev"), nullptr);
}

TEST(MatcherTest, BinNmuComparesTheSourceVersion) {
  AdvisoryDb db = MakeDb(
      {Tracker("CVE-2022-1", "zlib", "Debian:12", VulnStatus::kFixed, "1:1.2.13.dfsg-1", "high")});
  // zlib1g 1:1.2.13.dfsg-1+b1 is a binNMU of source zlib 1:1.2.13.dfsg-1: fixed.
  auto out = MatchPackages(db, Debian12(),
                           {Deb("zlib1g", "1:1.2.13.dfsg-1+b1", "zlib", "1:1.2.13.dfsg-1")});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->vulnerabilities.empty());
  out = MatchPackages(db, Debian12(),
                      {Deb("zlib1g", "1:1.2.12.dfsg-1+b1", "zlib", "1:1.2.12.dfsg-1")});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->vulnerabilities.size(), 1u);
  EXPECT_EQ(out->vulnerabilities[0].installed_version, "1:1.2.12.dfsg-1");
}

TEST(MatcherTest, AliasesMergeAndOwnedAndMaliciousPackages) {
  Advisory ghsa = Osv("GHSA-aaaa-bbbb-cccc", {"CVE-2024-1111"}, "PyPI", "Requests", "0", "2.31.0");
  ghsa.cvss.push_back({"3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 0, "osv"});
  Advisory pysec = Osv("PYSEC-2024-1", {"CVE-2024-1111"}, "PyPI", "requests", "2.0.0", "2.31.0");
  Advisory mal = Osv("MAL-2024-9", {}, "npm", "evil-pkg", "0", "");
  mal.malicious = true;
  mal.summary = "Malicious code in evil-pkg (npm)";
  AdvisoryDb db = MakeDb({ghsa, pysec, mal});

  model::Package owned = Lang("pypi", "requests", "2.28.1");
  owned.owner = "pkg:deb/debian/python3-requests@2.28.1%2Bdfsg-1";
  std::vector<model::Package> packages = {Lang("pypi", "requests", "2.28.1"), owned,
                                          Lang("npm", "evil-pkg", "1.0.0")};
  auto out = MatchPackages(db, {}, packages);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->vulnerabilities.size(), 1u);  // one vulnerability, the owned copy skipped
  const auto& v = out->vulnerabilities[0];
  EXPECT_EQ(v.id, "CVE-2024-1111");
  EXPECT_EQ(v.aliases, (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc", "PYSEC-2024-1"}));
  EXPECT_EQ(v.package_index, 0u);
  EXPECT_EQ(v.fixed_versions, std::vector<std::string>{"2.31.0"});
  EXPECT_DOUBLE_EQ(v.score, 6.1);  // AV:N/AC:H/PR:N/UI:R/S:C/C:H: 6.1 by the 3.1 calculator
  EXPECT_EQ(v.severity, Severity::kMedium);
  EXPECT_EQ(v.severity_source, "cvss:osv");

  ASSERT_EQ(out->detections.size(), 1u);
  EXPECT_EQ(out->detections[0].category, "malicious-package");
  EXPECT_EQ(out->detections[0].rule_id, "MAL-2024-9");
  EXPECT_EQ(out->detections[0].purl, "pkg:npm/evil-pkg@1.0.0");
  EXPECT_EQ(out->detections[0].title, "Malicious code in evil-pkg (npm)");

  MatchOptions explain;
  explain.explain_id = "PYSEC-2024-1";
  out = MatchPackages(db, {}, packages, explain);
  ASSERT_TRUE(out.ok());
  std::string text;
  for (const auto& line : out->explanation) text += line + "\n";
  EXPECT_NE(text.find("inside [introduced 2.0.0, fixed 2.31.0]"), std::string::npos) << text;
  EXPECT_NE(text.find("was installed by pkg:deb/debian/python3-requests"), std::string::npos)
      << text;
}

TEST(MatcherTest, UncomparableVersionIsAWarningNotAFailure) {
  AdvisoryDb db = MakeDb({Osv("GHSA-x", {}, "npm", "left-pad", "0", "1.3.0")});
  auto out = MatchPackages(db, {}, {Lang("npm", "left-pad", "not a version")});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->vulnerabilities.empty());
  ASSERT_EQ(out->diagnostics.size(), 1u);
  EXPECT_EQ(out->diagnostics[0].code, "version-not-comparable");
  EXPECT_NE(out->diagnostics[0].message.find("not a version"), std::string::npos);
}

// Events listed out of order are sorted once per range and then hold for
// every version of the package; a range whose own events do not compare is
// a warning for each version, never a silent miss of the other ranges.
TEST(MatcherTest, RangeEventsOutOfOrderAndUncomparable) {
  Advisory a = Osv("GHSA-aaaa-0000-0001", {}, "npm", "qs", "0", "");
  Range& r = a.affected[0].ranges[0];
  r.events = {{RangeEvent::Kind::kFixed, "2.0.0"},
              {RangeEvent::Kind::kIntroduced, "1.5.0"},
              {RangeEvent::Kind::kFixed, "1.2.0"},
              {RangeEvent::Kind::kIntroduced, "0"}};
  Range bad;
  bad.type = Range::Type::kSemver;
  bad.events = {{RangeEvent::Kind::kIntroduced, "3.0.0"}, {RangeEvent::Kind::kFixed, "x.y"}};
  a.affected[0].ranges.push_back(bad);
  AdvisoryDb db = MakeDb({a});
  std::vector<model::Package> packages = {Lang("npm", "qs", "1.0.0"), Lang("npm", "qs", "1.3.0"),
                                          Lang("npm", "qs", "1.6.0"), Lang("npm", "qs", "2.0.0")};
  auto out = MatchPackages(db, {}, packages);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  using Fixed = std::vector<std::string>;
  std::vector<std::pair<size_t, Fixed>> got;
  for (const auto& v : out->vulnerabilities) got.emplace_back(v.package_index, v.fixed_versions);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::pair<size_t, Fixed>>{{0, Fixed{"1.2.0"}}, {2, Fixed{"2.0.0"}}}));
  ASSERT_EQ(out->diagnostics.size(), 4u);  // one per version: each was compared once
  EXPECT_NE(out->diagnostics[0].message.find("x.y"), std::string::npos)
      << out->diagnostics[0].message;
}

// A finding whose records carry no CVSS vector takes one from another
// source's record of its CVE (here the GHSA record aliasing it); when the
// only record listing the CVE is its own, it stays unscored.
TEST(MatcherTest, CvssFromAnotherRecordOfTheCve) {
  Advisory go = Osv("GO-2024-0001", {"CVE-2024-2222"}, "Go", "example.com/m", "0", "1.2.0");
  Advisory ghsa = Osv("GHSA-2222-3333-4444", {"CVE-2024-2222"}, "npm", "other", "0", "1.0.0");
  ghsa.cvss.push_back({"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "ghsa"});
  Advisory lone = Osv("GO-2024-0002", {"CVE-2024-3333"}, "Go", "example.com/m", "0", "1.2.0");
  AdvisoryDb db = MakeDb({go, ghsa, lone});
  auto out = MatchPackages(db, {}, {Lang("golang", "example.com/m", "v1.1.0")});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const model::Vulnerability* scored = Find(*out, "CVE-2024-2222", "example.com/m");
  ASSERT_NE(scored, nullptr);
  EXPECT_EQ(scored->aliases, std::vector<std::string>{"GO-2024-0001"});
  EXPECT_DOUBLE_EQ(scored->score, 9.8);
  EXPECT_EQ(scored->severity, Severity::kCritical);
  EXPECT_EQ(scored->severity_source, "cvss:ghsa");
  const model::Vulnerability* unscored = Find(*out, "CVE-2024-3333", "example.com/m");
  ASSERT_NE(unscored, nullptr);
  EXPECT_EQ(unscored->score, 0);
  EXPECT_EQ(unscored->severity, Severity::kUnknown);
  EXPECT_TRUE(unscored->cvss.empty());
}

// A package set large enough for two threads gives the output of one:
// vulnerabilities in the same order, detections and diagnostics in package
// order (packages of both shards interleaved).
TEST(MatcherTest, TwoThreadsGiveTheOutputOfOne) {
  std::vector<Advisory> advisories;
  std::vector<model::Package> packages;
  for (int i = 0; i < 400; ++i) {
    std::string name = "pkg-" + std::to_string(i);
    // Two advisories per package, one sharing a CVE with the next package's.
    advisories.push_back(Osv("GHSA-" + std::to_string(i), {"CVE-2024-" + std::to_string(i)}, "npm",
                             name, "0", "2.0.0"));
    advisories.push_back(Osv("GHSA-b" + std::to_string(i), {"CVE-2024-" + std::to_string(i + 1)},
                             "npm", name, "1.0.0", ""));
    packages.push_back(Lang("npm", name, "1.5.0"));
    packages.push_back(Lang("npm", name, i % 3 == 0 ? "bad version" : "0.5.0"));
  }
  for (int i = 0; i < 40; ++i) {
    Advisory mal =
        Osv("MAL-2024-" + std::to_string(i), {}, "npm", "evil-" + std::to_string(i), "0", "");
    mal.malicious = true;
    advisories.push_back(mal);
    packages.insert(packages.begin() + 20 * i, Lang("npm", "evil-" + std::to_string(i), "1.0.0"));
  }
  AdvisoryDb db = MakeDb(advisories);
  MatchOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = MatchPackages(db, {}, packages, one);
  auto b = MatchPackages(db, {}, packages, two);
  ASSERT_TRUE(a.ok() && b.ok());
  // 400 packages at 1.5.0 are in both ranges, 266 at 0.5.0 in the first.
  ASSERT_EQ(a->vulnerabilities.size(), 400u * 2 + 266);
  ASSERT_EQ(b->vulnerabilities.size(), a->vulnerabilities.size());
  for (size_t i = 0; i < a->vulnerabilities.size(); ++i) {
    const auto &x = a->vulnerabilities[i], &y = b->vulnerabilities[i];
    ASSERT_EQ(x.id, y.id) << i;
    ASSERT_EQ(x.package_index, y.package_index) << i;
    ASSERT_EQ(x.installed_version, y.installed_version) << i;
    ASSERT_EQ(x.aliases, y.aliases) << i;
    ASSERT_EQ(x.fixed_versions, y.fixed_versions) << i;
  }
  ASSERT_EQ(a->detections.size(), 40u);
  ASSERT_EQ(b->detections.size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(a->detections[i].rule_id, "MAL-2024-" + std::to_string(i));
    EXPECT_EQ(b->detections[i].rule_id, a->detections[i].rule_id);
  }
  // 134 uncomparable versions, capped at 100 warnings, the first 100 by package.
  ASSERT_EQ(a->diagnostics.size(), 100u);
  ASSERT_EQ(b->diagnostics.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(a->diagnostics[i].message, b->diagnostics[i].message);
}

// The Debian tracker excerpt vunnel tests with: real records, by release.
TEST(MatcherTest, DebianTrackerExcerpt) {
  CUSTOMS_REQUIRE_SHARED(feed, "feeds/debian/security-tracker-json-excerpt.vunnel.json");
  std::string path = testing::TempDir() + "/tracker.db";
  {
    auto db = AdvisoryDb::Create(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Begin().ok());
    auto read = ReadAdvisories(feed, [&](Advisory&& a) { return db->Insert(a); });
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_TRUE(db->Commit().ok());
  }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  model::OsInfo buster;
  buster.id = "debian";
  buster.version_id = "10";
  // txt2man CVE-2013-1444: buster fixed in 1.5.5-4.1 (urgency low**);
  // prototypejs: CVE-2007-2383 not affected in buster ("0"), CVE-2008-7220
  // fixed in 1.6.0.2-1; chromium CVE-2022-0456: open in buster (end-of-life).
  std::vector<model::Package> packages = {Deb("txt2man", "1.5.5-4"),
                                          Deb("libjs-prototype", "1.7.1-3", "prototypejs"),
                                          Deb("chromium", "89.0.4389.114-1~deb10u1")};
  auto out = MatchPackages(*db, buster, packages);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& v : out->vulnerabilities) got.insert({v.package_name, v.id});
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"txt2man", "CVE-2013-1444"},
                                                                {"chromium", "CVE-2022-0456"}}));
  const auto* txt2man = Find(*out, "CVE-2013-1444", "txt2man");
  EXPECT_EQ(txt2man->severity, Severity::kLow);
  EXPECT_EQ(txt2man->fixed_versions, std::vector<std::string>{"1.5.5-4.1"});
  const auto* chromium = Find(*out, "CVE-2022-0456", "chromium");
  EXPECT_EQ(chromium->status, VulnStatus::kAffected);
  EXPECT_TRUE(chromium->fixed_versions.empty());
  // Bookworm's chromium 98.0.4758.102-1 is past the 98.0.4758.80-1 fix.
  out = MatchPackages(*db, Debian12(), {Deb("chromium", "98.0.4758.102-1")});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->vulnerabilities.empty());
}

// A real Debian OSV record (DSA-5474-1, intel-microcode) matched by release.
TEST(MatcherTest, DebianOsvRecord) {
  CUSTOMS_REQUIRE_SHARED(dsa, "osv/debian/DSA-5474-1.json");
  std::vector<Advisory> advisories;
  auto read = ReadAdvisories(dsa, [&](Advisory&& a) {
    advisories.push_back(std::move(a));
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  AdvisoryDb db = MakeDb(advisories);
  auto out = MatchPackages(db, Debian12(), {Deb("intel-microcode", "3.20230512.1")});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->vulnerabilities.size(), 1u);
  EXPECT_EQ(out->vulnerabilities[0].id, "DSA-5474-1");
  EXPECT_EQ(out->vulnerabilities[0].fixed_versions,
            std::vector<std::string>{"3.20230808.1~deb12u1"});
  // The bookworm fix itself, and bullseye's fix seen from bookworm.
  out = MatchPackages(db, Debian12(), {Deb("intel-microcode", "3.20230808.1~deb12u1")});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->vulnerabilities.empty());
  model::OsInfo bullseye;
  bullseye.id = "debian";
  bullseye.version_id = "11";
  out = MatchPackages(db, bullseye, {Deb("intel-microcode", "3.20230808.1~deb11u1")});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->vulnerabilities.empty());
}

}  // namespace
}  // namespace customs::vuln
