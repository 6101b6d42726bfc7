// Importers over real advisory data. Expected values were computed
// independently with python3 (json, PyYAML) over the same files.
#include "vuln/feeds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::vuln {
namespace {

using model::VulnStatus;

std::vector<Advisory> Collect(Status (*parse)(std::string_view, const AdvisorySink&,
                                              const FeedLimits&),
                              std::string_view bytes, Status* status_out = nullptr,
                              const FeedLimits& limits = {}) {
  std::vector<Advisory> out;
  Status s = parse(
      bytes,
      [&out](Advisory&& a) {
        out.push_back(std::move(a));
        return Status::Ok();
      },
      limits);
  if (status_out != nullptr) {
    *status_out = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return out;
}

std::string Read(const std::string& path) {
  auto bytes = ReadFile(path, size_t{64} << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

const Advisory* Find(const std::vector<Advisory>& list, std::string_view id,
                     std::string_view package = "") {
  for (const Advisory& a : list)
    if (a.id == id &&
        (package.empty() || (!a.affected.empty() && a.affected[0].package == package)))
      return &a;
  return nullptr;
}

std::string Events(const Range& range) {
  std::string out;
  for (const RangeEvent& e : range.events) {
    static const char* kNames[] = {"introduced", "fixed", "last_affected", "limit"};
    if (!out.empty()) out += ",";
    out += std::string(kNames[static_cast<int>(e.kind)]) + "=" + e.version;
  }
  return out;
}

// Local names: the test does not depend on model's VulnStatusName.
std::string StatusName(VulnStatus status) {
  switch (status) {
    case VulnStatus::kFixed:
      return "fixed";
    case VulnStatus::kAffected:
      return "affected";
    case VulnStatus::kWillNotFix:
      return "will_not_fix";
    case VulnStatus::kDeferred:
      return "deferred";
    case VulnStatus::kNotAffected:
      return "not_affected";
  }
  return "?";
}

// --- OSV JSON ---------------------------------------------------------------

TEST(OsvJson, MinimistHasTwoAffectedEntriesAndCvss31) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/ghsa/GHSA-xvch-5gv4-984h.json");
  auto list = Collect(ParseOsvJson, Read(path));
  ASSERT_EQ(list.size(), 1u);
  const Advisory& a = list[0];
  EXPECT_EQ(a.id, "GHSA-xvch-5gv4-984h");
  EXPECT_EQ(a.source, "osv");
  EXPECT_EQ(a.aliases, std::vector<std::string>{"CVE-2021-44906"});
  EXPECT_EQ(a.summary, "Prototype Pollution in minimist");
  EXPECT_EQ(a.published, "2022-03-18T00:01:09Z");
  EXPECT_EQ(a.modified, "2023-02-27T14:47:14Z");
  EXPECT_EQ(a.references.size(), 14u);
  EXPECT_EQ(a.references[0], "https://nvd.nist.gov/vuln/detail/CVE-2021-44906");
  EXPECT_FALSE(a.malicious);
  ASSERT_EQ(a.cvss.size(), 1u);
  EXPECT_EQ(a.cvss[0].version, "3.1");
  EXPECT_EQ(a.cvss[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_EQ(a.cvss[0].source, "osv");
  ASSERT_EQ(a.affected.size(), 2u);
  for (const Affected& af : a.affected) {
    EXPECT_EQ(af.ecosystem, "npm");
    EXPECT_EQ(af.package, "minimist");
    EXPECT_EQ(af.status, VulnStatus::kFixed);
    ASSERT_EQ(af.ranges.size(), 1u);
    EXPECT_EQ(af.ranges[0].type, Range::Type::kEcosystem);
  }
  EXPECT_EQ(Events(a.affected[0].ranges[0]), "introduced=1.0.0,fixed=1.2.6");
  EXPECT_EQ(Events(a.affected[1].ranges[0]), "introduced=0,fixed=0.2.4");
}

TEST(OsvJson, GoStdlibRecord) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/go/GO-2021-0067.json");
  auto list = Collect(ParseOsvJson, Read(path));
  ASSERT_EQ(list.size(), 1u);
  const Advisory& a = list[0];
  EXPECT_EQ(a.id, "GO-2021-0067");
  EXPECT_EQ(a.aliases, std::vector<std::string>{"CVE-2021-27919"});
  EXPECT_EQ(a.summary, "Panic when opening archives in archive/zip");
  EXPECT_EQ(a.references.size(), 4u);
  EXPECT_TRUE(a.cvss.empty());
  ASSERT_EQ(a.affected.size(), 1u);
  EXPECT_EQ(a.affected[0].ecosystem, "Go");
  EXPECT_EQ(a.affected[0].package, "stdlib");
  ASSERT_EQ(a.affected[0].ranges.size(), 1u);
  EXPECT_EQ(a.affected[0].ranges[0].type, Range::Type::kSemver);
  EXPECT_EQ(Events(a.affected[0].ranges[0]), "introduced=1.16.0-0,fixed=1.16.1");
}

TEST(OsvJson, LastAffectedWithoutFixIsAffected) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/ghsa/GHSA-738q-mc72-2q22.json");
  auto list = Collect(ParseOsvJson, Read(path));
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].affected.size(), 1u);
  EXPECT_EQ(list[0].affected[0].ecosystem, "Hex");
  EXPECT_EQ(list[0].affected[0].package, "mtproto_proxy");
  EXPECT_EQ(list[0].affected[0].status, VulnStatus::kAffected);
  EXPECT_EQ(Events(list[0].affected[0].ranges[0]), "introduced=0,last_affected=0.7.2");
}

TEST(OsvJson, UbuntuPriorityBecomesDistroSeverity) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/ubuntu/UBUNTU-CVE-2021-3782.json");
  auto list = Collect(ParseOsvJson, Read(path));
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].cvss.size(), 2u);
  EXPECT_EQ(list[0].cvss[1].vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:H");
  ASSERT_EQ(list[0].affected.size(), 4u);
  EXPECT_EQ(list[0].affected[0].ecosystem, "Ubuntu:Pro:16.04:LTS");
  EXPECT_EQ(list[0].affected[0].package, "wayland");
  for (const Affected& af : list[0].affected) EXPECT_EQ(af.distro_severity, "medium");
}

TEST(OsvJson, WithdrawnRecordIsSkipped) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/crates.io/RUSTSEC-2020-0053.json");
  std::string bytes = Read(path);
  ASSERT_NE(bytes.find("\"withdrawn\""), std::string::npos);
  EXPECT_TRUE(Collect(ParseOsvJson, bytes).empty());
}

TEST(OsvJson, ArrayOfRecordsMalwareAndUnknownRangeTypes) {
  auto list = Collect(ParseOsvJson, R"([
    {"id": "MAL-2024-1", "modified": "2024-01-01T00:00:00Z",
     "affected": [{"package": {"ecosystem": "npm", "name": "evil"}, "versions": ["1.0.0"]}]},
    {"id": "X-1", "withdrawn": "2024-01-01T00:00:00Z"},
    {"id": "X-2", "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                               {"type": "Ubuntu", "score": "medium"}],
     "affected": [{"package": {"ecosystem": "PyPI", "name": "p"},
                   "ranges": [{"type": "WEIRD", "events": [{"introduced": "0"}]},
                              {"type": "GIT", "repo": "r", "events": [{"introduced": "0"}, {"fixed": "abc"}]}]},
                  {"ranges": [{"type": "GIT", "events": [{"introduced": "0"}]}]}]}
  ])");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[0].malicious);
  ASSERT_EQ(list[0].affected.size(), 1u);
  EXPECT_EQ(list[0].affected[0].versions, std::vector<std::string>{"1.0.0"});
  EXPECT_EQ(list[0].affected[0].status, VulnStatus::kAffected);
  EXPECT_FALSE(list[1].malicious);
  ASSERT_EQ(list[1].cvss.size(), 1u);
  EXPECT_EQ(list[1].cvss[0].version, "2.0");
  ASSERT_EQ(list[1].affected.size(), 1u);  // the entry without a package is dropped
  ASSERT_EQ(list[1].affected[0].ranges.size(), 1u);
  EXPECT_EQ(list[1].affected[0].ranges[0].type, Range::Type::kGit);
  // A fixed commit is no fixed version.
  EXPECT_EQ(list[1].affected[0].status, VulnStatus::kAffected);
}

TEST(OsvJson, BrokenInputsAreErrors) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/ghsa/GHSA-xvch-5gv4-984h.json");
  std::string bytes = Read(path);
  Status s;
  Collect(ParseOsvJson, bytes.substr(0, 300), &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("malformed JSON at byte"), std::string::npos) << s.message();

  Collect(ParseOsvJson, std::string(10000, '[') + std::string(10000, ']'), &s);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);

  Collect(ParseOsvJson, R"({"id": "GHSA-1", "affected": "npm"})", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "OSV record GHSA-1: affected: expected an array");

  Collect(ParseOsvJson,
          R"({"id": "GHSA-2", "affected": [{"package": {"ecosystem": "npm", "name": "x"},
              "ranges": [{"type": "SEMVER", "events": [{"introduced": 1}]}]}]})",
          &s);
  EXPECT_EQ(s.message(),
            "OSV record GHSA-2: affected[0].ranges[0].events[0].introduced: expected a string");

  Collect(ParseOsvJson, R"({"summary": "no id"})", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  Collect(ParseOsvJson, "42", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);

  FeedLimits small;
  small.max_record_bytes = 100;
  Collect(ParseOsvJson, bytes, &s, small);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

// --- OSV YAML ---------------------------------------------------------------

TEST(OsvYaml, PysecRequestsRecord) {
  CUSTOMS_REQUIRE_SHARED(path, "osv/pypi/requests/PYSEC-2023-74.yaml");
  auto list = Collect(ParseOsvYaml, Read(path));
  ASSERT_EQ(list.size(), 1u);
  const Advisory& a = list[0];
  EXPECT_EQ(a.id, "PYSEC-2023-74");
  EXPECT_EQ(a.aliases, (std::vector<std::string>{"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"}));
  EXPECT_EQ(a.published, "2023-05-26T18:15:00Z");
  EXPECT_EQ(a.modified, "2023-06-05T01:13:00.534973Z");
  EXPECT_EQ(a.details.size(), 815u);  // "|+" keeps both trailing newlines
  EXPECT_EQ(a.references.size(), 5u);
  ASSERT_EQ(a.affected.size(), 1u);
  const Affected& af = a.affected[0];
  EXPECT_EQ(af.ecosystem, "PyPI");
  EXPECT_EQ(af.package, "requests");
  EXPECT_EQ(af.status, VulnStatus::kFixed);
  EXPECT_EQ(af.versions.size(), 66u);
  EXPECT_EQ(af.versions.front(), "2.10.0");
  EXPECT_EQ(af.versions.back(), "2.9.2");
  ASSERT_EQ(af.ranges.size(), 2u);
  EXPECT_EQ(af.ranges[0].type, Range::Type::kGit);
  EXPECT_EQ(af.ranges[1].type, Range::Type::kEcosystem);
  EXPECT_EQ(Events(af.ranges[1]), "introduced=2.3.0,fixed=2.31.0");
}

TEST(OsvYaml, BombsAndDeepNestingAreRefused) {
  // Billion laughs: nine levels of nine aliases.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [*" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  bomb += "id: BOMB\n";
  Status s;
  Collect(ParseOsvYaml, bomb, &s);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();

  Collect(ParseOsvYaml, "id: " + std::string(5000, '[') + std::string(5000, ']'), &s);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();

  std::string block;  // "- - - - ... x": block nesting without brackets
  for (int i = 0; i < 3000; ++i) block += "- ";
  block += "x\n";
  Collect(ParseOsvYaml, block, &s);
  EXPECT_FALSE(s.ok());

  std::string nested;  // within yaml-cpp's own guard, beyond ours
  for (int i = 0; i < 100; ++i) nested += "- ";
  nested += "x\n";
  Collect(ParseOsvYaml, nested, &s);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();

  Collect(ParseOsvYaml, "id: [unclosed\n", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line"), std::string::npos) << s.message();

  Collect(ParseOsvYaml, "id: X\naffected: {a: 1}\n", &s);
  EXPECT_EQ(s.message(), "OSV record X: affected: expected an array");
}

// --- Debian tracker ---------------------------------------------------------

struct TrackerCounts {
  size_t advisories = 0;
  std::map<VulnStatus, size_t> statuses;
  std::map<std::string, size_t> ecosystems;
};

TrackerCounts Count(const std::vector<Advisory>& list) {
  TrackerCounts c;
  c.advisories = list.size();
  for (const Advisory& a : list)
    for (const Affected& af : a.affected) {
      ++c.statuses[af.status];
      ++c.ecosystems[af.ecosystem];
    }
  return c;
}

TEST(DebianTracker, VulnerablecodeExcerpt) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/debian/security-tracker-json-excerpt.vulnerablecode.json");
  auto list = Collect(ParseDebianTracker, Read(path));
  TrackerCounts c = Count(list);
  EXPECT_EQ(c.advisories, 6u);
  EXPECT_EQ(c.statuses,
            (std::map<VulnStatus, size_t>{{VulnStatus::kFixed, 8}, {VulnStatus::kAffected, 8}}));
  EXPECT_EQ(
      c.ecosystems,
      (std::map<std::string, size_t>{
          {"Debian:8", 1}, {"Debian:9", 5}, {"Debian:10", 6}, {"Debian:11", 2}, {"Debian:12", 2}}));
  const Advisory* temp = Find(list, "TEMP-0000000-A2EB44");
  ASSERT_NE(temp, nullptr);
  EXPECT_EQ(temp->source, "debian");
  ASSERT_EQ(temp->affected.size(), 2u);
  std::map<std::string, std::string> fixed;
  for (const Affected& af : temp->affected) {
    EXPECT_EQ(af.package, "mimetex");
    EXPECT_EQ(af.distro_severity, "medium");
    fixed[af.ecosystem] = Events(af.ranges.at(0));
  }
  EXPECT_EQ(fixed["Debian:9"], "introduced=0,fixed=1.3.3");
  EXPECT_EQ(fixed["Debian:10"], "introduced=0,fixed=1.4.5");
  const Advisory* open = Find(list, "CVE-2014-8242");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->summary, "librsync before 1.0.0 uses a truncated MD4 checksum to match blocks");
  for (const Affected& af : open->affected) {
    EXPECT_EQ(af.status, VulnStatus::kAffected);
    EXPECT_EQ(Events(af.ranges.at(0)), "introduced=0");
    EXPECT_EQ(af.distro_severity, "low");
  }
}

TEST(DebianTracker, VulsExcerptNotAffectedAndIgnored) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/debian/security-tracker-json-excerpt.vuls.json");
  auto list = Collect(ParseDebianTracker, Read(path));
  TrackerCounts c = Count(list);
  EXPECT_EQ(c.advisories, 4u);
  EXPECT_EQ(c.statuses, (std::map<VulnStatus, size_t>{{VulnStatus::kFixed, 1},
                                                      {VulnStatus::kNotAffected, 2},
                                                      {VulnStatus::kWillNotFix, 1}}));
  EXPECT_EQ(c.ecosystems, (std::map<std::string, size_t>{{"Debian:11", 4}}));  // sid skipped
  const Advisory* na = Find(list, "CVE-2012-0833");
  ASSERT_NE(na, nullptr);
  ASSERT_EQ(na->affected.size(), 1u);
  EXPECT_EQ(na->affected[0].package, "389-ds-base");
  EXPECT_EQ(na->affected[0].status, VulnStatus::kNotAffected);
  EXPECT_TRUE(na->affected[0].ranges.empty());
  EXPECT_EQ(na->affected[0].distro_severity, "unimportant");
  const Advisory* ignored = Find(list, "CVE-2016-5416");
  ASSERT_NE(ignored, nullptr);
  ASSERT_EQ(ignored->affected.size(), 1u);
  EXPECT_EQ(ignored->affected[0].status, VulnStatus::kWillNotFix);
  EXPECT_EQ(ignored->affected[0].distro_severity, "not yet assigned");
}

TEST(DebianTracker, VunnelExcerptUrgencyAndNewReleases) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/debian/security-tracker-json-excerpt.vunnel.json");
  auto list = Collect(ParseDebianTracker, Read(path));
  TrackerCounts c = Count(list);
  // 7 CVEs; chromium-browser's CVE-2022-0358 has no releases ([]).
  EXPECT_EQ(c.advisories, 6u);
  EXPECT_EQ(Find(list, "CVE-2022-0358"), nullptr);
  EXPECT_EQ(c.statuses, (std::map<VulnStatus, size_t>{{VulnStatus::kFixed, 14},
                                                      {VulnStatus::kNotAffected, 3},
                                                      {VulnStatus::kAffected, 2}}));
  EXPECT_EQ(c.ecosystems, (std::map<std::string, size_t>{{"Debian:8", 4},
                                                         {"Debian:9", 5},
                                                         {"Debian:10", 5},
                                                         {"Debian:11", 2},
                                                         {"Debian:12", 2},
                                                         {"Debian:13", 1}}));
  const Advisory* proto = Find(list, "CVE-2008-7220");
  ASSERT_NE(proto, nullptr);
  ASSERT_EQ(proto->affected.size(), 3u);
  for (const Affected& af : proto->affected) EXPECT_EQ(af.distro_severity, "high");  // "high**"
  const Advisory* chromium = Find(list, "CVE-2022-0456");
  ASSERT_NE(chromium, nullptr);
  std::map<std::string, std::string> by_release;
  for (const Affected& af : chromium->affected)
    by_release[af.ecosystem] =
        StatusName(af.status) + " " + (af.ranges.empty() ? "" : Events(af.ranges[0]));
  EXPECT_EQ(by_release["Debian:11"], "fixed introduced=0,fixed=98.0.4758.80-1~deb11u1");
  EXPECT_EQ(by_release["Debian:10"], "affected introduced=0");
}

TEST(DebianTracker, BrokenInputs) {
  Status s;
  Collect(ParseDebianTracker, R"({"pkg": {"CVE-1": {"releases": {"bookworm": )", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("malformed JSON at byte"), std::string::npos) << s.message();
  Collect(ParseDebianTracker, R"({"pkg": 5})", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  Collect(ParseDebianTracker, R"({"pkg": {"CVE-1": {"releases": {"bookworm": "x"}}}})", &s);
  EXPECT_EQ(s.message(),
            "Debian tracker: package pkg, CVE-1: releases.bookworm: expected an object");
  Collect(ParseDebianTracker, R"([1, 2])", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  Collect(ParseDebianTracker,
          R"({"p": {"CVE-1": {"releases": {"bookworm": {"status": "undetermined"}}}}})", &s);
  EXPECT_TRUE(s.ok());
}

TEST(DebianTracker, StopsAtSinkError) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/debian/security-tracker-json-excerpt.vunnel.json");
  int seen = 0;
  Status s = ParseDebianTracker(Read(path), [&seen](Advisory&&) {
    ++seen;
    return seen == 2 ? Internal("full") : Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(seen, 2);
}

// --- Alpine secdb -----------------------------------------------------------

TEST(AlpineSecdb, Yaml310Main) {
  CUSTOMS_REQUIRE_SHARED(path, "feeds/alpine-secdb/yaml/v3.10/main.yaml");
  auto list = Collect(ParseAlpineSecdb, Read(path));
  EXPECT_EQ(list.size(), 1158u);  // (package, id) pairs
  size_t ranges = 0;
  for (const Advisory& a : list) {
    EXPECT_EQ(a.source, "alpine");
    ASSERT_EQ(a.affected.size(), 1u);
    EXPECT_EQ(a.affected[0].ecosystem, "Alpine:v3.10");
    EXPECT_EQ(a.affected[0].status, VulnStatus::kFixed);
    ranges += a.affected[0].ranges.size();
  }
  EXPECT_EQ(ranges, 1178u);
  const Advisory* rsync = Find(list, "CVE-2017-17434", "rsync");  // "CVE-2017-17434-1" and "-2"
  ASSERT_NE(rsync, nullptr);
  ASSERT_EQ(rsync->affected[0].ranges.size(), 1u);
  EXPECT_EQ(Events(rsync->affected[0].ranges[0]), "introduced=0,fixed=3.1.2-r7");
  const Advisory* xen = Find(list, "CVE-2016-6258", "xen");  // "CVE-2016-6258 XSA-182"
  ASSERT_NE(xen, nullptr);
  EXPECT_EQ(xen->aliases, std::vector<std::string>{"XSA-182"});
  EXPECT_EQ(Events(xen->affected[0].ranges[0]), "introduced=0,fixed=4.7.0-r0");
  const Advisory* tcpdump = Find(list, "CVE-2018-10103", "tcpdump");  // "(SMB - ...)" comment
  ASSERT_NE(tcpdump, nullptr);
  EXPECT_TRUE(tcpdump->aliases.empty());
}

TEST(AlpineSecdb, JsonExcerptAndWolfiChainguard) {
  {
    CUSTOMS_REQUIRE_SHARED(path, "feeds/alpine-secdb/json-excerpts/claircore-v3.10-community.json");
    auto list = Collect(ParseAlpineSecdb, Read(path));
    EXPECT_EQ(list.size(), 9u);
    for (const Advisory& a : list) EXPECT_EQ(a.affected.at(0).ecosystem, "Alpine:v3.10");
  }
  {
    CUSTOMS_REQUIRE_SHARED(path, "feeds/alpine-secdb/json-excerpts/vuls-edge-main.json");
    auto list = Collect(ParseAlpineSecdb, Read(path));
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].id, "CVE-2021-30473");
    EXPECT_EQ(list[0].affected.at(0).ecosystem, "Alpine:edge");
    EXPECT_EQ(list[0].affected.at(0).package, "aom");
    EXPECT_EQ(Events(list[0].affected[0].ranges.at(0)), "introduced=0,fixed=3.1.1-r0");
  }
  for (auto [rel, ecosystem, source, pairs, not_affected] :
       {std::tuple{"feeds/wolfi-secdb/wolfi-security-excerpt.json", "Wolfi", "wolfi", 59, 6},
        std::tuple{"feeds/wolfi-secdb/chainguard-security-excerpt.json", "Chainguard", "chainguard",
                   197, 19}}) {
    CUSTOMS_REQUIRE_SHARED(path, rel);
    auto list = Collect(ParseAlpineSecdb, Read(path));
    EXPECT_EQ(list.size(), static_cast<size_t>(pairs)) << rel;
    size_t na = 0;
    for (const Advisory& a : list) {
      EXPECT_EQ(a.source, source);
      EXPECT_EQ(a.affected.at(0).ecosystem, ecosystem);
      if (a.affected[0].status == VulnStatus::kNotAffected) {
        ++na;
        EXPECT_TRUE(a.affected[0].ranges.empty());
      }
    }
    EXPECT_EQ(na, static_cast<size_t>(not_affected)) << rel;
  }
  {
    CUSTOMS_REQUIRE_SHARED(path, "feeds/wolfi-secdb/wolfi-security-excerpt.json");
    auto list = Collect(ParseAlpineSecdb, Read(path));
    const Advisory* coreutils = Find(list, "CVE-2016-2781", "coreutils");  // secfix "0"
    ASSERT_NE(coreutils, nullptr);
    EXPECT_EQ(coreutils->affected[0].status, VulnStatus::kNotAffected);
    EXPECT_NE(Find(list, "GHSA-jq35-85cj-fj4p"), nullptr);
  }
}

TEST(AlpineSecdb, BrokenInputs) {
  Status s;
  Collect(ParseAlpineSecdb, "distroversion: v3.10\npackages: 5\n", &s);
  EXPECT_EQ(s.message(), "Alpine secdb YAML: packages: expected an array");
  Collect(ParseAlpineSecdb, R"({"distroversion": "v3.1", "packages": [{"pkg": {"name": "a",
      "secfixes": {"1-r0": "CVE-2020-1234"}}}]})",
          &s);
  EXPECT_EQ(s.message(), "Alpine secdb JSON: package a.secfixes.1-r0: expected an array");
  Collect(ParseAlpineSecdb, R"({"packages": []})", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);  // no release named
  Collect(ParseAlpineSecdb, R"({"distroversion": "v3.1", "packages": [{"pkg)", &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto list = Collect(
      ParseAlpineSecdb,
      "distroversion: v3.9\npackages:\n  - pkg:\n      name: x\n      secfixes:\n"
      "        1.0-r0:\n          - CVE 2018-16859\n          - CVE-???"
      "?-?????  XSA-295\n"
      "          - CVE_2019-2426\n          - ZBX-11023\n        0:\n          - CVE-2019-1\n");
  std::vector<std::string> ids;
  for (const Advisory& a : list) ids.push_back(a.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids,
            (std::vector<std::string>{"CVE-2018-16859", "CVE-2019-2426", "XSA-295", "ZBX-11023"}));
}

// --- Detection and ReadAdvisories -------------------------------------------

TEST(DetectFeedFormat, FromNameAndHead) {
  EXPECT_EQ(DetectFeedFormat("all.zip", ""), FeedFormat::kZip);
  EXPECT_EQ(DetectFeedFormat("x", std::string("PK\x03\x04", 4)), FeedFormat::kZip);
  EXPECT_EQ(DetectFeedFormat("a.json", R"({"schema_version": "1.4.0", "id": "GHSA-1"})"),
            FeedFormat::kOsvJson);
  EXPECT_EQ(DetectFeedFormat("a.json", R"({ "zlib" : { "CVE-2018-25032": {)"),
            FeedFormat::kDebianTracker);
  EXPECT_EQ(DetectFeedFormat("a.json", R"({"apkurl": "x", "distroversion": "v3.1"})"),
            FeedFormat::kAlpineSecdb);
  EXPECT_EQ(DetectFeedFormat("main.yaml", "---\ndistroversion: v3.10\n"), FeedFormat::kAlpineSecdb);
  EXPECT_EQ(DetectFeedFormat("P.yaml", "id: PYSEC-1\nmodified: x\n"), FeedFormat::kOsvYaml);
  EXPECT_EQ(DetectFeedFormat("P.yaml", "name: x\n"), FeedFormat::kUnknown);
  EXPECT_EQ(DetectFeedFormat("x.json", R"({"a": 1})"), FeedFormat::kUnknown);
  for (const char* rel :
       {"feeds/debian/security-tracker-json-excerpt.vuls.json",
        "feeds/wolfi-secdb/wolfi-security-excerpt.json", "osv/pypi/requests/PYSEC-2023-74.yaml"}) {
    CUSTOMS_REQUIRE_SHARED(path, rel);
    FeedFormat expected =
        std::string(rel).find("debian") != std::string::npos  ? FeedFormat::kDebianTracker
        : std::string(rel).find("wolfi") != std::string::npos ? FeedFormat::kAlpineSecdb
                                                              : FeedFormat::kOsvYaml;
    EXPECT_EQ(DetectFeedFormat(std::filesystem::path(path).filename().string(), Read(path)),
              expected)
        << rel;
  }
}

TEST(ReadAdvisories, WholeOsvDirectory) {
  CUSTOMS_REQUIRE_SHARED(path, "osv");
  std::set<std::string> ids;
  size_t yaml_ids = 0;
  auto stats = ReadAdvisories(path, [&](Advisory&& a) {
    if (a.id.rfind("PYSEC-", 0) == 0) ++yaml_ids;
    ids.insert(a.id);
    return Status::Ok();
  });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->files, 8203u);       // 5,542 JSON + 2,661 YAML
  EXPECT_EQ(stats->advisories, 8161u);  // minus 42 withdrawn
  EXPECT_EQ(stats->skipped_files, 0u);
  EXPECT_TRUE(stats->warnings.empty()) << stats->warnings.front();
  EXPECT_EQ(ids.size(), 8161u);
  EXPECT_EQ(yaml_ids, 2661u - 10u);  // 10 PyPA records are withdrawn
  EXPECT_EQ(ids.count("RUSTSEC-2020-0053"), 0u);
}

TEST(ReadAdvisories, ZipOfOsvRecordsMatchesTheDirectory) {
  CUSTOMS_REQUIRE_SHARED(dir, "osv/ghsa");
  std::string tmp = testing::TempDir();
  std::string zip = tmp + "/all.zip";
  std::string out;
  ASSERT_EQ(testing::Run("cd '" + dir + "' && zip -q -r '" + zip + "' . && cd '" + tmp +
                             "' && mkdir sub && echo '{\"id\": \"BROKEN\", \"modified\": [' > "
                             "sub/broken.json && echo hi > sub/readme.txt && zip -q -r '" +
                             zip + "' sub",
                         &out),
            0)
      << out;
  std::vector<std::string> from_dir, from_zip;
  auto collect = [](std::vector<std::string>& ids) {
    return [&ids](Advisory&& a) {
      ids.push_back(a.id);
      return Status::Ok();
    };
  };
  auto dir_stats = ReadAdvisories(dir, collect(from_dir));
  ASSERT_TRUE(dir_stats.ok());
  EXPECT_EQ(dir_stats->advisories, 24u);
  auto zip_stats = ReadAdvisories(zip, collect(from_zip));
  ASSERT_TRUE(zip_stats.ok()) << zip_stats.status().ToString();
  EXPECT_EQ(zip_stats->files, 25u);  // 24 records + the broken member; readme.txt ignored
  EXPECT_EQ(zip_stats->advisories, 24u);
  EXPECT_EQ(zip_stats->skipped_files, 1u);
  ASSERT_EQ(zip_stats->warnings.size(), 1u);
  EXPECT_NE(zip_stats->warnings[0].find("sub/broken.json: OSV JSON: malformed JSON"),
            std::string::npos)
      << zip_stats->warnings[0];
  std::sort(from_dir.begin(), from_dir.end());
  std::sort(from_zip.begin(), from_zip.end());
  EXPECT_EQ(from_dir, from_zip);
}

TEST(ReadAdvisories, BadFilesWarnSinkErrorsStop) {
  CUSTOMS_REQUIRE_SHARED(minimist, "osv/ghsa/GHSA-xvch-5gv4-984h.json");
  namespace fs = std::filesystem;
  fs::path tmp = testing::TempDir();
  fs::create_directories(tmp / "feed/deeper");
  fs::copy_file(minimist, tmp / "feed/deeper/GHSA-xvch-5gv4-984h.json");
  std::ofstream(tmp / "feed/bad.json") << R"({"id": "X", "affected": 3})";
  std::ofstream(tmp / "feed/other.json") << R"({"hello": "world"})";
  std::ofstream(tmp / "feed/.hidden.json") << "garbage";
  std::ofstream(tmp / "outside.json") << "garbage";
  fs::create_symlink(tmp / "outside.json", tmp / "feed/link.json");
  fs::create_directory_symlink(tmp / "feed", tmp / "feed/deeper/loop");

  size_t sunk = 0;
  auto stats = ReadAdvisories(tmp / "feed", [&sunk](Advisory&&) {
    ++sunk;
    return Status::Ok();
  });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->files, 3u);
  EXPECT_EQ(stats->advisories, 1u);
  EXPECT_EQ(sunk, 1u);
  EXPECT_EQ(stats->skipped_files, 2u);
  ASSERT_EQ(stats->warnings.size(), 2u);
  EXPECT_EQ(stats->warnings[0],
            (tmp / "feed/bad.json").string() + ": OSV record X: affected: expected an array");

  auto stopped = ReadAdvisories(tmp / "feed", [](Advisory&&) { return Internal("disk full"); });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kInternal);

  EXPECT_FALSE(ReadAdvisories(tmp / "missing", [](Advisory&&) { return Status::Ok(); }).ok());
}

}  // namespace
}  // namespace customs::vuln
