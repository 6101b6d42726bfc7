#include "vuln/advisory_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing.h"
#include "vuln/feeds.h"

namespace customs::vuln {
namespace {

using model::VulnStatus;

RangeEvent Introduced(std::string v) { return {RangeEvent::Kind::kIntroduced, std::move(v)}; }
RangeEvent Fixed(std::string v) { return {RangeEvent::Kind::kFixed, std::move(v)}; }
RangeEvent LastAffected(std::string v) { return {RangeEvent::Kind::kLastAffected, std::move(v)}; }
RangeEvent Limit(std::string v) { return {RangeEvent::Kind::kLimit, std::move(v)}; }

Range MakeRange(Range::Type type, std::vector<RangeEvent> events) {
  Range range;
  range.type = type;
  range.events = std::move(events);
  return range;
}

Affected MakeAffected(std::string ecosystem, std::string package, std::vector<Range> ranges,
                      VulnStatus status = VulnStatus::kFixed, std::string severity = "",
                      std::vector<std::string> versions = {}) {
  Affected affected;
  affected.ecosystem = std::move(ecosystem);
  affected.package = std::move(package);
  affected.ranges = std::move(ranges);
  affected.versions = std::move(versions);
  affected.status = status;
  affected.distro_severity = std::move(severity);
  return affected;
}

// An unambiguous rendering of every field, so EXPECT_EQ shows a readable diff.
std::string Describe(const Affected& a) {
  std::ostringstream out;
  out << "eco=[" << a.ecosystem << "] pkg=[" << a.package
      << "] status=" << static_cast<int>(a.status) << " sev=[" << a.distro_severity << "]";
  for (const Range& r : a.ranges) {
    out << " range(" << static_cast<int>(r.type) << ":";
    for (const RangeEvent& e : r.events)
      out << " " << static_cast<int>(e.kind) << "=[" << e.version << "]";
    out << ")";
  }
  out << " versions:";
  for (const std::string& v : a.versions) out << " [" << v << "]";
  return out.str();
}

std::string Describe(const model::CvssRecord& c) {
  return c.version + "|" + c.vector + "|" + c.source;
}

// ../shared/data/osv/ghsa/GHSA-xvch-5gv4-984h.json (references shortened).
Advisory Minimist() {
  Advisory a;
  a.id = "GHSA-xvch-5gv4-984h";
  a.aliases = {"CVE-2021-44906"};
  a.source = "osv";
  a.summary = "Prototype Pollution in minimist";
  a.details = "Minimist prior to 1.2.6 and 0.2.4 is vulnerable to Prototype Pollution";
  a.published = "2022-03-18T00:01:09Z";
  a.modified = "2023-02-27T14:47:14Z";
  a.cvss = {{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "ghsa"}};
  a.affected = {
      MakeAffected("npm", "minimist",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("1.0.0"), Fixed("1.2.6")})}),
      MakeAffected("npm", "minimist",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("0"), Fixed("0.2.4")})}),
  };
  a.references = {"https://nvd.nist.gov/vuln/detail/CVE-2021-44906",
                  "https://github.com/minimistjs/minimist/issues/11",
                  "https://github.com/substack/minimist"};
  return a;
}

// Debian tracker (feeds/debian/security-tracker-json-excerpt.vulnerablecode.json):
// atomicparsley CVE-2021-37231, resolved in bookworm, open in bullseye/buster.
Advisory AtomicParsley() {
  Advisory a;
  a.id = "CVE-2021-37231";
  a.source = "debian";
  a.summary = "A stack-buffer-overflow occurs in Atomicparsley 20210124.204813.840499f";
  a.affected = {
      MakeAffected("Debian:12", "atomicparsley",
                   {MakeRange(Range::Type::kEcosystem,
                              {Introduced("0"), Fixed("20210715.151551.e7ad03a-1")})},
                   VulnStatus::kFixed, "not yet assigned"),
      MakeAffected("Debian:11", "atomicparsley",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("0")})}, VulnStatus::kAffected,
                   "not yet assigned"),
      MakeAffected("Debian:10", "atomicparsley",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("0")})}, VulnStatus::kAffected,
                   "not yet assigned"),
  };
  a.references = {"https://security-tracker.debian.org/tracker/CVE-2021-37231"};
  return a;
}

// 389-ds-base CVE-2016-5416: open in bullseye with nodsa_reason "ignored".
Advisory DsBaseWillNotFix() {
  Advisory a;
  a.id = "CVE-2016-5416";
  a.source = "debian";
  a.affected = {MakeAffected("Debian:11", "389-ds-base",
                             {MakeRange(Range::Type::kEcosystem, {Introduced("0")})},
                             VulnStatus::kWillNotFix, "not yet assigned")};
  return a;
}

// 389-ds-base CVE-2012-0833: bullseye fixed_version "0", urgency unimportant.
Advisory DsBaseNotAffected() {
  Advisory a;
  a.id = "CVE-2012-0833";
  a.source = "debian";
  a.affected = {
      MakeAffected("Debian:11", "389-ds-base", {}, VulnStatus::kNotAffected, "unimportant")};
  return a;
}

// Alpine secdb v3.10 community: botan 2.9.0-r0 fixes CVE-2018-20187.
Advisory Botan() {
  Advisory a;
  a.id = "CVE-2018-20187";
  a.source = "alpine";
  a.affected = {
      MakeAffected("Alpine:v3.10", "botan",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("0"), Fixed("2.9.0-r0")})})};
  return a;
}

// ../shared/data/osv/crates.io/RUSTSEC-2022-0042.json: a malicious crate.
Advisory RustDecimal() {
  Advisory a;
  a.id = "RUSTSEC-2022-0042";
  a.aliases = {"GHSA-7pwq-f4pq-78gm", "MAL-2022-1"};
  a.source = "osv";
  a.summary = "malicious crate `rustdecimal`";
  a.published = "2022-05-10T12:00:00Z";
  a.modified = "2026-03-17T22:31:38Z";
  a.affected = {MakeAffected("crates.io", "rustdecimal",
                             {MakeRange(Range::Type::kSemver, {Introduced("0.0.0-0")})})};
  a.references = {"https://crates.io/crates/rustdecimal",
                  "https://rustsec.org/advisories/RUSTSEC-2022-0042.html"};
  a.malicious = true;
  return a;
}

// Every event kind, a GIT range, explicit versions and values that need
// escaping in the encoding (space, '%', tab, empty).
Advisory Exotic() {
  Advisory a;
  a.id = "PYSEC-0000-EXOTIC";
  a.source = "osv";
  a.cvss = {{"2.0", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 0, "nvd"},
            {"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 0, "nvd"}};
  a.affected = {
      MakeAffected("PyPI", "Exotic_Pkg",
                   {MakeRange(Range::Type::kGit,
                              {Introduced("0"), Fixed("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")}),
                    MakeRange(Range::Type::kEcosystem, {Introduced("1.0"), LastAffected("1.4.2"),
                                                        Introduced("2.0 beta%2"), Limit("3.0\t")}),
                    MakeRange(Range::Type::kSemver, {})},
                   VulnStatus::kDeferred, "", {"1.0", "1.1", "", "1.4 rc 1", "100%"})};
  return a;
}

std::string TempPath(const std::string& name) { return ::customs::testing::TempDir() + "/" + name; }

AdvisoryDb BuildDb(const std::string& path, const std::vector<Advisory>& advisories) {
  auto db = AdvisoryDb::Create(path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->Begin().ok());
  for (const Advisory& a : advisories) {
    Status status = db->Insert(a);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  Status status = db->Commit();
  EXPECT_TRUE(status.ok()) << status.ToString();
  return std::move(db).value();
}

void ExpectSameAffected(const std::vector<AffectedRecord>& got, const Advisory& advisory,
                        const std::vector<size_t>& indexes) {
  ASSERT_EQ(got.size(), indexes.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].vuln_id, advisory.id);
    EXPECT_EQ(got[i].source, advisory.source);
    EXPECT_EQ(Describe(got[i].affected), Describe(advisory.affected[indexes[i]]));
  }
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(NormalizePackageNameTest, FollowsEachRegistry) {
  EXPECT_EQ(NormalizePackageName("PyPI", "Django"), "django");
  EXPECT_EQ(NormalizePackageName("PyPI", "zope.interface"), "zope-interface");
  EXPECT_EQ(NormalizePackageName("PyPI", "Zope_Interface"), "zope-interface");
  EXPECT_EQ(NormalizePackageName("PyPI", "Foo.-_Bar__baz"), "foo-bar-baz");
  EXPECT_EQ(NormalizePackageName("Maven", "org.Apache.logging.log4j:Log4j-Core"),
            "org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(NormalizePackageName("NuGet", "Newtonsoft.Json"), "newtonsoft.json");
  EXPECT_EQ(NormalizePackageName("Packagist", "Symfony/HTTP-Kernel"), "symfony/http-kernel");
  EXPECT_EQ(NormalizePackageName("npm", "JSONStream"), "JSONStream");
  EXPECT_EQ(NormalizePackageName("Go", "github.com/BurntSushi/toml"), "github.com/BurntSushi/toml");
  EXPECT_EQ(NormalizePackageName("Debian:12", "Foo_Bar"), "Foo_Bar");
}

TEST(AdvisoryDbTest, RoundTripsEveryField) {
  std::string path = TempPath("roundtrip.db");
  std::vector<Advisory> advisories = {
      Minimist(),    AtomicParsley(), DsBaseWillNotFix(), DsBaseNotAffected(), Botan(),
      RustDecimal(), Exotic()};
  int64_t before = time(nullptr);
  { AdvisoryDb built = BuildDb(path, advisories); }
  int64_t after = time(nullptr);

  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();

  auto minimist = db->FindAffected("npm", "minimist");
  ASSERT_TRUE(minimist.ok()) << minimist.status().ToString();
  ExpectSameAffected(*minimist, advisories[0], {0, 1});
  auto debian12 = db->FindAffected("Debian:12", "atomicparsley");
  ASSERT_TRUE(debian12.ok());
  ExpectSameAffected(*debian12, advisories[1], {0});
  auto debian11 = db->FindAffected("Debian:11", "atomicparsley");
  ASSERT_TRUE(debian11.ok());
  ExpectSameAffected(*debian11, advisories[1], {1});
  auto debian10 = db->FindAffected("Debian:10", "atomicparsley");
  ASSERT_TRUE(debian10.ok());
  ExpectSameAffected(*debian10, advisories[1], {2});

  // Two advisories of one package come back ordered by id.
  auto ds = db->FindAffected("Debian:11", "389-ds-base");
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ((*ds)[0].vuln_id, "CVE-2012-0833");
  EXPECT_EQ((*ds)[0].affected.status, VulnStatus::kNotAffected);
  EXPECT_EQ((*ds)[0].affected.distro_severity, "unimportant");
  EXPECT_TRUE((*ds)[0].affected.ranges.empty());
  EXPECT_EQ(Describe((*ds)[0].affected), Describe(advisories[3].affected[0]));
  EXPECT_EQ((*ds)[1].vuln_id, "CVE-2016-5416");
  EXPECT_EQ((*ds)[1].affected.status, VulnStatus::kWillNotFix);
  EXPECT_EQ(Describe((*ds)[1].affected), Describe(advisories[2].affected[0]));

  auto botan = db->FindAffected("Alpine:v3.10", "botan");
  ASSERT_TRUE(botan.ok());
  ExpectSameAffected(*botan, advisories[4], {0});
  EXPECT_EQ((*botan)[0].source, "alpine");
  auto rust = db->FindAffected("crates.io", "rustdecimal");
  ASSERT_TRUE(rust.ok());
  ExpectSameAffected(*rust, advisories[5], {0});
  auto exotic = db->FindAffected("PyPI", "exotic-pkg");
  ASSERT_TRUE(exotic.ok());
  ExpectSameAffected(*exotic, advisories[6], {0});
  EXPECT_EQ((*exotic)[0].affected.package, "Exotic_Pkg");  // as given

  // Unknown package, other release, other ecosystem: nothing.
  EXPECT_TRUE(db->FindAffected("npm", "minimist2")->empty());
  EXPECT_TRUE(db->FindAffected("Debian:13", "atomicparsley")->empty());
  EXPECT_TRUE(db->FindAffected("Alpine:v3.11", "botan")->empty());
  EXPECT_TRUE(db->FindAffected("npm", "Minimist")->empty());  // npm names are case-sensitive

  auto vuln = db->FindVulnerability("GHSA-xvch-5gv4-984h");
  ASSERT_TRUE(vuln.ok()) << vuln.status().ToString();
  ASSERT_TRUE(vuln->has_value());
  const VulnerabilityRecord& v = **vuln;
  EXPECT_EQ(v.id, "GHSA-xvch-5gv4-984h");
  EXPECT_EQ(v.aliases, std::vector<std::string>{"CVE-2021-44906"});
  EXPECT_EQ(v.source, "osv");
  EXPECT_EQ(v.summary, "Prototype Pollution in minimist");
  EXPECT_EQ(v.published, "2022-03-18T00:01:09Z");
  EXPECT_EQ(v.modified, "2023-02-27T14:47:14Z");
  EXPECT_EQ(v.references, advisories[0].references);
  EXPECT_FALSE(v.malicious);
  ASSERT_EQ(v.cvss.size(), 1u);
  EXPECT_EQ(Describe(v.cvss[0]), "3.1|CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H|ghsa");
  // 9.8 once vuln::ParseCvss is implemented, 0 until then.
  EXPECT_TRUE(v.cvss[0].score == 9.8 || v.cvss[0].score == 0) << v.cvss[0].score;

  auto mal = db->FindVulnerability("RUSTSEC-2022-0042");
  ASSERT_TRUE(mal.ok() && mal->has_value());
  EXPECT_TRUE((*mal)->malicious);
  EXPECT_EQ((*mal)->aliases, (std::vector<std::string>{"GHSA-7pwq-f4pq-78gm", "MAL-2022-1"}));
  EXPECT_TRUE((*mal)->cvss.empty());

  auto ex = db->FindVulnerability("PYSEC-0000-EXOTIC");
  ASSERT_TRUE(ex.ok() && ex->has_value());
  ASSERT_EQ((*ex)->cvss.size(), 2u);  // in the order given
  EXPECT_EQ(Describe((*ex)->cvss[0]), "2.0|AV:N/AC:L/Au:N/C:P/I:P/A:P|nvd");
  EXPECT_EQ(Describe((*ex)->cvss[1]),
            "4.0|CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N|nvd");
  EXPECT_TRUE((*ex)->references.empty());
  EXPECT_TRUE((*ex)->aliases.empty());

  auto missing = db->FindVulnerability("CVE-1999-0001");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto counts = db->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->vulnerabilities, 7);
  EXPECT_EQ(counts->affected, 10);  // 2 + 3 + 1 + 1 + 1 + 1 + 1
  // npm/minimist, Debian:12|11|10/atomicparsley, Debian:11/389-ds-base,
  // Alpine:v3.10/botan, crates.io/rustdecimal, PyPI/exotic-pkg
  EXPECT_EQ(counts->packages, 8);

  auto built_at = db->BuiltAt();
  ASSERT_TRUE(built_at.ok());
  EXPECT_GE(*built_at, before);
  EXPECT_LE(*built_at, after);

  // Read-only: writing is refused.
  EXPECT_EQ(db->Insert(Botan()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Begin().code(), StatusCode::kInvalidArgument);
}

TEST(AdvisoryDbTest, FindsVulnerabilityByAliasInBothDirections) {
  std::string path = TempPath("alias.db");
  // The Debian tracker's record of the same CVE that GHSA aliases.
  Advisory debian;
  debian.id = "CVE-2021-44906";
  debian.source = "debian";
  debian.summary = "Minimist <=1.2.5 is vulnerable to Prototype Pollution";
  debian.affected = {MakeAffected(
      "Debian:12", "node-minimist",
      {MakeRange(Range::Type::kEcosystem, {Introduced("0"), Fixed("1.2.5+~cs5.3.2-1")})})};
  { AdvisoryDb built = BuildDb(path, {Minimist(), RustDecimal(), debian}); }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());

  // An alias that is no id of its own resolves to the record listing it.
  auto by_alias = db->FindVulnerability("MAL-2022-1");
  ASSERT_TRUE(by_alias.ok() && by_alias->has_value());
  EXPECT_EQ((*by_alias)->id, "RUSTSEC-2022-0042");
  auto by_ghsa = db->FindVulnerability("GHSA-7pwq-f4pq-78gm");
  ASSERT_TRUE(by_ghsa.ok() && by_ghsa->has_value());
  EXPECT_EQ((*by_ghsa)->id, "RUSTSEC-2022-0042");

  // An id that is also someone's alias: its own record, which names the
  // records aliasing it.
  auto cve = db->FindVulnerability("CVE-2021-44906");
  ASSERT_TRUE(cve.ok() && cve->has_value());
  EXPECT_EQ((*cve)->id, "CVE-2021-44906");
  EXPECT_EQ((*cve)->source, "debian");
  EXPECT_EQ((*cve)->aliases, std::vector<std::string>{"GHSA-xvch-5gv4-984h"});
  auto ghsa = db->FindVulnerability("GHSA-xvch-5gv4-984h");
  ASSERT_TRUE(ghsa.ok() && ghsa->has_value());
  EXPECT_EQ((*ghsa)->aliases, std::vector<std::string>{"CVE-2021-44906"});
}

TEST(AdvisoryDbTest, MergesDuplicateIds) {
  std::string path = TempPath("merge.db");
  // The Debian tracker lists Dirty Pipe under two source packages, one
  // advisory each; a later record adds a CVSS vector, an alias and a reference.
  Advisory linux;
  linux.id = "CVE-2022-0847";
  linux.source = "debian";
  linux.summary = "A flaw was found in the way the \"flags\" member of the new pipe buffer";
  linux.references = {"https://security-tracker.debian.org/tracker/CVE-2022-0847"};
  linux.affected = {
      MakeAffected("Debian:11", "linux",
                   {MakeRange(Range::Type::kEcosystem, {Introduced("0"), Fixed("5.10.103-1")})},
                   VulnStatus::kFixed, "not yet assigned")};
  Advisory backport = linux;
  backport.summary = "";
  backport.affected = {MakeAffected(
      "Debian:10", "linux-5.10",
      {MakeRange(Range::Type::kEcosystem, {Introduced("0"), Fixed("5.10.103-1~deb10u1")})},
      VulnStatus::kFixed, "not yet assigned")};
  Advisory nvd;
  nvd.id = "CVE-2022-0847";
  nvd.source = "nvd";
  nvd.summary = "another summary, not taken";
  nvd.published = "2022-03-10T17:44:57Z";
  nvd.aliases = {"DSA-5092-1"};
  nvd.cvss = {{"3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 0, "nvd"}};
  nvd.references = {"https://security-tracker.debian.org/tracker/CVE-2022-0847",
                    "https://dirtypipe.cm4all.com/"};
  {
    // The same advisory twice (imported from two files) is stored once.
    AdvisoryDb built = BuildDb(path, {linux, backport, nvd, backport, nvd});
  }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  auto counts = db->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->vulnerabilities, 1);
  EXPECT_EQ(counts->affected, 2);
  EXPECT_EQ(counts->packages, 2);

  auto a = db->FindAffected("Debian:11", "linux");
  ASSERT_TRUE(a.ok());
  ExpectSameAffected(*a, linux, {0});
  auto b = db->FindAffected("Debian:10", "linux-5.10");
  ASSERT_TRUE(b.ok());
  ExpectSameAffected(*b, backport, {0});

  auto v = db->FindVulnerability("CVE-2022-0847");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->source, "debian");
  EXPECT_EQ((*v)->summary, linux.summary);
  EXPECT_EQ((*v)->published, "2022-03-10T17:44:57Z");  // first non-empty
  EXPECT_EQ((*v)->aliases, std::vector<std::string>{"DSA-5092-1"});
  EXPECT_EQ((*v)->references,
            (std::vector<std::string>{"https://security-tracker.debian.org/tracker/CVE-2022-0847",
                                      "https://dirtypipe.cm4all.com/"}));
  ASSERT_EQ((*v)->cvss.size(), 1u);
  EXPECT_EQ((*v)->cvss[0].vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
  auto by_dsa = db->FindVulnerability("DSA-5092-1");
  ASSERT_TRUE(by_dsa.ok() && by_dsa->has_value());
  EXPECT_EQ((*by_dsa)->id, "CVE-2022-0847");
}

TEST(AdvisoryDbTest, LooksUpPyPiNamesByPep503) {
  std::string path = TempPath("pep503.db");
  Advisory django;
  django.id = "PYSEC-2021-98";
  django.source = "osv";
  django.affected = {MakeAffected(
      "PyPI", "Django", {MakeRange(Range::Type::kEcosystem, {Introduced("3.2"), Fixed("3.2.4")})})};
  Advisory zope;
  zope.id = "PYSEC-2010-0000";
  zope.source = "osv";
  zope.affected = {MakeAffected("PyPI", "zope.interface",
                                {MakeRange(Range::Type::kEcosystem, {Introduced("0")})})};
  { AdvisoryDb built = BuildDb(path, {django, zope}); }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  for (const char* name : {"django", "Django", "DJANGO"}) {
    auto found = db->FindAffected("PyPI", name);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u) << name;
    EXPECT_EQ((*found)[0].vuln_id, "PYSEC-2021-98");
    EXPECT_EQ((*found)[0].affected.package, "Django");
  }
  for (const char* name :
       {"Zope_Interface", "zope-interface", "zope.interface", "ZOPE__interface"}) {
    auto found = db->FindAffected("PyPI", name);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u) << name;
    EXPECT_EQ((*found)[0].vuln_id, "PYSEC-2010-0000");
  }
  EXPECT_TRUE(db->FindAffected("PyPI", "zopeinterface")->empty());
}

TEST(AdvisoryDbTest, SourcesRoundTrip) {
  std::string path = TempPath("sources.db");
  {
    auto db = AdvisoryDb::Create(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Begin().ok());
    ASSERT_TRUE(
        db->PutSource({"osv:npm", "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip",
                       "\"abc123\"", "Tue, 02 Jan 2024 10:00:00 GMT", 1704189600, 1})
            .ok());
    ASSERT_TRUE(db->PutSource({"debian", "https://security-tracker.debian.org/tracker/data/json",
                               "", "", 1704189601, 40000})
                    .ok());
    // The same name again replaces the record.
    ASSERT_TRUE(db->PutSource({"osv:npm", "https://mirror.local/npm/all.zip", "\"def\"", "",
                               1704189700, 17000})
                    .ok());
    ASSERT_TRUE(db->Commit().ok());
  }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  auto sources = db->Sources();
  ASSERT_TRUE(sources.ok());
  ASSERT_EQ(sources->size(), 2u);
  const SourceRecord& debian = (*sources)[0];
  EXPECT_EQ(debian.name, "debian");
  EXPECT_EQ(debian.url, "https://security-tracker.debian.org/tracker/data/json");
  EXPECT_EQ(debian.etag, "");
  EXPECT_EQ(debian.last_modified, "");
  EXPECT_EQ(debian.imported_at, 1704189601);
  EXPECT_EQ(debian.advisories, 40000);
  const SourceRecord& npm = (*sources)[1];
  EXPECT_EQ(npm.name, "osv:npm");
  EXPECT_EQ(npm.url, "https://mirror.local/npm/all.zip");
  EXPECT_EQ(npm.etag, "\"def\"");
  EXPECT_EQ(npm.imported_at, 1704189700);
  EXPECT_EQ(npm.advisories, 17000);
  auto counts = db->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->vulnerabilities, 0);
  EXPECT_EQ(counts->affected, 0);
  EXPECT_EQ(counts->packages, 0);
}

TEST(AdvisoryDbTest, OpenMissingFileIsNotFound) {
  std::string path = TempPath("does-not-exist.db");
  auto db = AdvisoryDb::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound);
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().message();
  EXPECT_FALSE(std::filesystem::exists(path));  // read-only open creates nothing
}

TEST(AdvisoryDbTest, OpenGarbageIsDataLoss) {
  std::string path = TempPath("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not an SQLite database ";
  }
  auto db = AdvisoryDb::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kDataLoss) << db.status().ToString();
  EXPECT_NE(db.status().message().find(path), std::string::npos) << db.status().message();

  // An SQLite file of another program: no meta table.
  std::string other = TempPath("other.db");
  ExecSql(other, "CREATE TABLE t (x INTEGER)");
  auto not_ours = AdvisoryDb::Open(other);
  ASSERT_FALSE(not_ours.ok());
  EXPECT_EQ(not_ours.status().code(), StatusCode::kDataLoss) << not_ours.status().ToString();
  EXPECT_NE(not_ours.status().message().find(other), std::string::npos);
}

TEST(AdvisoryDbTest, OpenOtherSchemaVersionSaysToUpdate) {
  std::string path = TempPath("schema1.db");
  { AdvisoryDb built = BuildDb(path, {Botan()}); }
  ExecSql(path, "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  auto db = AdvisoryDb::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find(
                "advisory DB schema 1, this customs needs 2: run `customs db update`"),
            std::string::npos)
      << db.status().message();
}

TEST(AdvisoryDbTest, CreateRefusesAnExistingPath) {
  std::string path = TempPath("existing.db");
  { std::ofstream(path) << "keep me"; }
  auto db = AdvisoryDb::Create(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("already exists"), std::string::npos);
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "keep me");

  // A committed DB is not reopened for writing either.
  std::string built_path = TempPath("built.db");
  { AdvisoryDb built = BuildDb(built_path, {Botan()}); }
  EXPECT_FALSE(AdvisoryDb::Create(built_path).ok());
  EXPECT_TRUE(AdvisoryDb::Open(built_path).ok());
}

TEST(AdvisoryDbTest, CorruptRowsAreDataLossNamingTheVulnerability) {
  std::string path = TempPath("corrupt-rows.db");
  { AdvisoryDb built = BuildDb(path, {Minimist(), Botan(), AtomicParsley()}); }
  // As a hostile mirror could ship them.
  ExecSql(path,
          "UPDATE affected SET ranges = 'E i:0 x:1' WHERE vuln_id = 'CVE-2018-20187';"
          "UPDATE affected SET ranges = 'E i:%G0' WHERE ecosystem = 'Debian:12';"
          "UPDATE affected SET ranges = 'E ' || replace(hex(zeroblob(600000)), '00', 'i:0 ') "
          "  || 'f:1' WHERE ecosystem = 'Debian:11';"
          "UPDATE vulnerabilities SET refs = 'https://a.example\n\nhttps://b.example' WHERE id = "
          "'GHSA-xvch-5gv4-984h';");
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  auto bad_kind = db->FindAffected("Alpine:v3.10", "botan");
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad_kind.status().message().find("CVE-2018-20187"), std::string::npos)
      << bad_kind.status().message();
  auto bad_escape = db->FindAffected("Debian:12", "atomicparsley");
  ASSERT_FALSE(bad_escape.ok());
  EXPECT_EQ(bad_escape.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad_escape.status().message().find("CVE-2021-37231"), std::string::npos);
  auto too_big = db->FindAffected("Debian:11", "atomicparsley");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(too_big.status().message().find("kMaxEncodedAffectedBytes"), std::string::npos)
      << too_big.status().message();
  auto bad_refs = db->FindVulnerability("GHSA-xvch-5gv4-984h");
  ASSERT_FALSE(bad_refs.ok());
  EXPECT_EQ(bad_refs.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad_refs.status().message().find("GHSA-xvch-5gv4-984h"), std::string::npos);
  // Rows that were not touched still read.
  auto minimist = db->FindAffected("npm", "minimist");
  ASSERT_TRUE(minimist.ok());
  EXPECT_EQ(minimist->size(), 2u);
}

TEST(AdvisoryDbTest, SeveralReadersShareAFile) {
  std::string path = TempPath("shared.db");
  { AdvisoryDb built = BuildDb(path, {Minimist(), Botan()}); }
  auto first = AdvisoryDb::Open(path);
  auto second = AdvisoryDb::Open(path);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->FindAffected("npm", "minimist")->size(), 2u);
  EXPECT_EQ(second->FindAffected("Alpine:v3.10", "botan")->size(), 1u);
  AdvisoryDb moved = std::move(first).value();
  EXPECT_EQ(moved.FindAffected("npm", "minimist")->size(), 2u);
}

TEST(AdvisoryDbTest, OpensPathsThatNeedUriEscaping) {
  std::string dir = TempPath("dir with space%20");
  std::filesystem::create_directories(dir);
  std::string path = dir + "/a?b#c%d.db";
  { AdvisoryDb built = BuildDb(path, {Botan()}); }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->FindAffected("Alpine:v3.10", "botan")->size(), 1u);
  // A relative path is resolved against the working directory.
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto relative = AdvisoryDb::Open("a?b#c%d.db");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(relative.ok()) << relative.status().ToString();
  EXPECT_EQ(relative->FindAffected("Alpine:v3.10", "botan")->size(), 1u);
}

// ~50k affected rows over 10k packages, then 10k lookups: the matcher's
// budget is 10k packages in well under 100 ms. Prints the figures; timing is
// not asserted (shared machines vary).
TEST(AdvisoryDbTest, TenThousandLookups) {
  constexpr int kPackages = 10'000;
  constexpr int kAdvisories = 25'000;  // two affected entries each
  std::string path = TempPath("perf.db");
  auto start = std::chrono::steady_clock::now();
  {
    auto db = AdvisoryDb::Create(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Begin().ok());
    for (int i = 0; i < kAdvisories; ++i) {
      Advisory a;
      char id[32];
      std::snprintf(id, sizeof(id), "GHSA-perf-%05d", i);
      a.id = id;
      a.aliases = {"CVE-2099-" + std::to_string(10000 + i)};
      a.source = "osv";
      a.summary = "Synthetic advisory for the lookup benchmark";
      a.published = "2024-01-01T00:00:00Z";
      a.modified = "2024-01-02T00:00:00Z";
      a.cvss = {{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, "ghsa"}};
      a.references = {"https://github.com/advisories/" + a.id};
      for (int k = 0; k < 2; ++k) {
        int package = (2 * i + k) % kPackages;
        a.affected.push_back(
            MakeAffected("npm", "package-" + std::to_string(package),
                         {MakeRange(Range::Type::kSemver,
                                    {Introduced("0"), Fixed("1.2." + std::to_string(i % 50))}),
                          MakeRange(Range::Type::kSemver, {Introduced("2.0.0"), Fixed("2.4.1")})}));
      }
      Status status = db->Insert(a);
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
    ASSERT_TRUE(db->Commit().ok());
  }
  double build_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  auto counts = db->Count();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->affected, 2 * kAdvisories);
  EXPECT_EQ(counts->packages, kPackages);
  EXPECT_EQ(counts->vulnerabilities, kAdvisories);

  std::vector<std::string> names;
  for (int p = 0; p < kPackages; ++p) names.push_back("package-" + std::to_string(p));
  size_t rows = 0;
  start = std::chrono::steady_clock::now();
  std::clock_t cpu_start = std::clock();
  for (const std::string& name : names) {
    auto found = db->FindAffected("npm", name);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    rows += found->size();
  }
  double lookup_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  double lookup_cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  EXPECT_EQ(rows, static_cast<size_t>(2 * kAdvisories));
  // Misses (most packages of an image have no advisory) cost one seek each.
  start = std::chrono::steady_clock::now();
  for (const std::string& name : names) ASSERT_TRUE(db->FindAffected("npm", name + "-x")->empty());
  double miss_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto file_bytes = std::filesystem::file_size(path);
  std::printf(
      "[ perf ] build %d advisories / %d affected rows: %.0f ms; DB %.1f MiB (%llu bytes)\n"
      "[ perf ] %d lookups (%zu rows): %.1f ms (%.1f ms CPU); %d missing lookups: %.1f ms\n",
      kAdvisories, 2 * kAdvisories, build_ms, file_bytes / 1048576.0,
      static_cast<unsigned long long>(file_bytes), kPackages, rows, lookup_ms, lookup_cpu_ms,
      kPackages, miss_ms);
}

// End to end over a real OSV file, once the feed parsers work.
TEST(AdvisoryDbTest, ImportsRealOsvRecord) {
  CUSTOMS_REQUIRE_SHARED(file, "osv/ghsa/GHSA-xvch-5gv4-984h.json");
  std::vector<Advisory> read;
  auto stats = ReadAdvisories(file, [&read](Advisory&& a) {
    read.push_back(std::move(a));
    return Status::Ok();
  });
  if (!stats.ok() || read.size() != 1) GTEST_SKIP() << "ReadAdvisories does not read OSV JSON yet";
  std::string path = TempPath("real.db");
  { AdvisoryDb built = BuildDb(path, read); }
  auto db = AdvisoryDb::Open(path);
  ASSERT_TRUE(db.ok());
  auto found = db->FindAffected("npm", "minimist");
  ASSERT_TRUE(found.ok());
  Advisory expected = Minimist();
  ExpectSameAffected(*found, expected, {0, 1});
  auto v = db->FindVulnerability("CVE-2021-44906");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->id, "GHSA-xvch-5gv4-984h");
  EXPECT_EQ((*v)->references.size(), 14u);
  EXPECT_EQ((*v)->published, "2022-03-18T00:01:09Z");
}

}  // namespace
}  // namespace customs::vuln
