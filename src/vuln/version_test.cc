#include "vuln/version.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "tests/testing.h"
#include "vuln/version_schemes.h"

namespace customs::vuln {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One line "a OP b" of a vector file.
struct Vector {
  size_t line = 0;
  std::string a, op, b;
};

int ExpectedSign(const std::string& op) {
  if (op == "<") return -1;
  if (op == ">") return 1;
  return 0;  // "=" or "=="
}

// Reads a vector file: lines "a OP b" with OP one of < > = ==; blank lines
// and lines starting with '#' or "//" are comments. A line of any other shape
// is a test failure, so a changed format cannot silently skip vectors.
std::vector<Vector> ReadVectors(const std::string& path) {
  std::vector<Vector> out;
  std::istringstream text(ReadFile(path));
  std::string line;
  for (size_t number = 1; std::getline(text, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line.compare(first, 2, "//") == 0)
      continue;
    std::istringstream fields(line);
    Vector v;
    v.line = number;
    std::string extra;
    fields >> v.a >> v.op >> v.b;
    bool ok = !v.b.empty() && !(fields >> extra) &&
              (v.op == "<" || v.op == ">" || v.op == "=" || v.op == "==");
    EXPECT_TRUE(ok) << path << ":" << number << ": not \"a OP b\": " << line;
    if (ok) out.push_back(std::move(v));
  }
  return out;
}

// Runs every vector of `path` through `compare` in both directions; returns
// the number of vectors checked. At most 20 failures are printed in full.
template <typename Compare>
size_t CheckVectors(const std::string& path, Compare compare) {
  std::vector<Vector> vectors = ReadVectors(path);
  size_t failures = 0;
  for (const Vector& v : vectors) {
    Result<int> ab = compare(v.a, v.b);
    Result<int> ba = compare(v.b, v.a);
    std::string problem;
    if (!ab.ok()) {
      problem = ab.status().ToString();
    } else if (!ba.ok()) {
      problem = ba.status().ToString();
    } else if (Sign(*ab) != ExpectedSign(v.op)) {
      problem = "compare gave " + std::to_string(*ab);
    } else if (Sign(*ba) != -ExpectedSign(v.op)) {
      problem = "reversed compare gave " + std::to_string(*ba);
    }
    if (problem.empty()) continue;
    if (++failures <= 20)
      ADD_FAILURE() << path << ":" << v.line << ": " << v.a << " " << v.op << " " << v.b << ": "
                    << problem;
  }
  EXPECT_EQ(failures, 0u) << path;
  return vectors.size();
}

size_t CheckScheme(const std::string& path, VersionScheme scheme) {
  return CheckVectors(path, [scheme](const std::string& a, const std::string& b) {
    return CompareVersions(scheme, a, b);
  });
}

// Vector counts below are the non-comment lines of each file, counted with
//   grep -vE '^\s*(#|//|$)' FILE | wc -l
TEST(DpkgVersion, OsvScalibrVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/debian-versions.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kDpkg), 30u);
}

TEST(DpkgVersion, OsvScalibrGeneratedVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/debian-versions-generated.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kDpkg), 14442u);
}

TEST(DpkgVersion, Rules) {
  auto cmp = [](std::string_view a, std::string_view b) { return internal::CompareDpkg(a, b); };
  EXPECT_LT(cmp("1.0~rc1", "1.0"), 0);   // ~ before the end
  EXPECT_LT(cmp("1.0~~", "1.0~~a"), 0);  // deb-version(7) example chain
  EXPECT_LT(cmp("1.0~~a", "1.0~"), 0);
  EXPECT_LT(cmp("1.0~", "1.0"), 0);
  EXPECT_LT(cmp("1.0", "1.0a"), 0);
  EXPECT_LT(cmp("1.0a", "1.0+"), 0);   // letters before non-letters
  EXPECT_LT(cmp("1.0+", "1.0.1"), 0);  // '+' before '.'
  EXPECT_GT(cmp("1:0.1", "9.9"), 0);   // epoch first
  EXPECT_EQ(cmp("0:1.0", "1.0"), 0);
  EXPECT_EQ(cmp("1.0", "1.0-0"), 0);  // missing revision is "0"
  EXPECT_LT(cmp("1.0-1", "1.0-1ubuntu1"), 0);
  EXPECT_LT(cmp("2.30-1", "2.30-1+deb12u1"), 0);
  EXPECT_EQ(cmp("1.001", "1.1"), 0);  // numbers, not strings
  EXPECT_LT(cmp("99999999999999999999999", "100000000000000000000000"), 0);
  EXPECT_GT(cmp("100000000000000000000:1", "99999999999999999999:1"), 0);
  // Not an epoch: the whole string is the version.
  EXPECT_LT(cmp("a:1", "b:1"), 0);
  EXPECT_EQ(cmp("", ""), 0);
  EXPECT_LT(cmp("", "0.1"), 0);
}

TEST(ApkVersion, OsvScalibrVectors) {
  // The file marks some lines as differing between apk-tools 2 (Alpine 3.x)
  // and the newest apk-tools; its expected operators are what we follow (see
  // version_apk.cc).
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/alpine-versions.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kApk), 778u);
}

TEST(ApkVersion, OsvScalibrGeneratedVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/alpine-versions-generated.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kApk), 13979u);
}

TEST(ApkVersion, Rules) {
  auto cmp = [](std::string_view a, std::string_view b) {
    Result<int> r = internal::CompareApk(a, b);
    EXPECT_TRUE(r.ok()) << a << " vs " << b;
    return r.value_or(99);
  };
  EXPECT_LT(cmp("1.2_alpha1", "1.2_beta1"), 0);
  EXPECT_LT(cmp("1.2_beta", "1.2_pre1"), 0);
  EXPECT_LT(cmp("1.2_pre2", "1.2_rc1"), 0);
  EXPECT_LT(cmp("1.2_rc9", "1.2"), 0);
  EXPECT_LT(cmp("1.2", "1.2_cvs"), 0);  // "no suffix" sits between _rc and _cvs
  EXPECT_LT(cmp("1.2_cvs", "1.2_svn"), 0);
  EXPECT_LT(cmp("1.2_git", "1.2_hg"), 0);
  EXPECT_LT(cmp("1.2_hg9", "1.2_p1"), 0);
  EXPECT_LT(cmp("1.2_p1", "1.2_p1-r1"), 0);
  EXPECT_LT(cmp("1.2-r9", "1.2-r10"), 0);
  EXPECT_EQ(cmp("1.2-r0", "1.2"), 0);
  EXPECT_LT(cmp("1.2", "1.2a"), 0);
  EXPECT_LT(cmp("1.2a", "1.2b"), 0);
  EXPECT_LT(cmp("1.2", "1.2.0"), 0);
  EXPECT_LT(cmp("1.05", "1.1"), 0);              // leading zero: compared as a fraction
  EXPECT_EQ(cmp("1.2~abc123-r1", "1.2-r1"), 0);  // commit hash ignored
  EXPECT_LT(cmp("3.0.8-r0", "3.0.12-r0"), 0);
  EXPECT_GT(cmp("99999999999999999999999", "1"), 0);
}

TEST(RpmVersion, ClaircoreRpmvercmpVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/claircore-rpmver/rpmvercmp");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kRpm), 113u);
}

TEST(RpmVersion, OsvScalibrRedHatVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/redhat-versions.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kRpm), 165u);
}

// A NEVRA (name-[epoch:]version-release.arch) split the way claircore's
// vectors mean it: the arch is a known architecture after the last '.', the
// release follows the last '-', a name precedes the version when another '-'
// is left. Optional parts are nullopt when absent.
struct Nevra {
  std::optional<std::string> name, epoch;
  std::string version;
  std::optional<std::string> release, arch;
};

Nevra SplitNevra(std::string s) {
  static const char* const kArches[] = {"noarch",  "x86_64",  "i686",  "i386",
                                        "aarch64", "ppc64le", "s390x", "armv7hl",
                                        "riscv",   "riscv64", "src"};
  Nevra n;
  if (size_t dot = s.rfind('.'); dot != std::string::npos) {
    for (const char* arch : kArches) {
      if (s.compare(dot + 1, std::string::npos, arch) == 0) {
        n.arch = s.substr(dot + 1);
        s.erase(dot);
        break;
      }
    }
  }
  if (size_t dash = s.rfind('-'); dash != std::string::npos) {
    n.release = s.substr(dash + 1);
    s.erase(dash);
  }
  if (size_t dash = s.rfind('-'); dash != std::string::npos) {
    n.name = s.substr(0, dash);
    s.erase(0, dash + 1);
  }
  if (size_t colon = s.find(':'); colon != std::string::npos) {
    n.epoch = s.substr(0, colon);
    s.erase(0, colon + 1);
  }
  n.version = s;
  return n;
}

int CompareOptional(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (a.has_value() != b.has_value()) return a.has_value() ? 1 : -1;
  return a.has_value() ? Sign(a->compare(*b)) : 0;
}

TEST(RpmVersion, NevraSplitMatchesClaircoreParseVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/claircore-rpmver/parse");
  std::istringstream text(ReadFile(path));
  std::string line;
  size_t checked = 0;
  auto field = [](const std::string& f) -> std::optional<std::string> {
    if (f == "''" || f == "\"\"") return std::nullopt;
    return f;
  };
  while (std::getline(text, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string in, n, e, v, r, a;
    ASSERT_TRUE(fields >> in >> n >> e >> v >> r >> a) << line;
    Nevra got = SplitNevra(in);
    EXPECT_EQ(got.name, field(n)) << line;
    EXPECT_EQ(got.epoch, field(e)) << line;
    EXPECT_EQ(got.version, v) << line;
    EXPECT_EQ(got.release, field(r)) << line;
    EXPECT_EQ(got.arch, field(a)) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 4u);
}

TEST(RpmVersion, ClaircoreNevraCompareVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/claircore-rpmver/compare");
  size_t n = CheckVectors(path, [](const std::string& a, const std::string& b) -> Result<int> {
    Nevra x = SplitNevra(a), y = SplitNevra(b);
    if (int d = CompareOptional(x.name, y.name); d != 0) return d;
    auto evr = [](const Nevra& v) {
      return (v.epoch ? *v.epoch + ":" : "") + v.version + (v.release ? "-" + *v.release : "");
    };
    if (int d = internal::CompareRpm(evr(x), evr(y)); d != 0) return d;
    return CompareOptional(x.arch, y.arch);
  });
  EXPECT_EQ(n, 12u);
}

TEST(RpmVersion, Rules) {
  auto cmp = [](std::string_view a, std::string_view b) { return internal::CompareRpm(a, b); };
  EXPECT_GT(cmp("1:1.0-1.el8", "0:9.9-9.el8"), 0);
  EXPECT_EQ(cmp("0:1.0-1.el8", "1.0-1.el8"), 0);
  EXPECT_LT(cmp("2.28-211.el9", "2.28-211.el9_3.1"), 0);
  EXPECT_LT(cmp("1.0~rc1-1", "1.0-1"), 0);
  EXPECT_LT(cmp("1.0-1", "1.0^post1-1"), 0);
  EXPECT_LT(cmp("1.0^post1-1", "1.0.1-1"), 0);
  EXPECT_LT(cmp("1.0", "1.0-1"), 0);  // no release sorts first (osv-scalibr)
  EXPECT_EQ(cmp("", ""), 0);
  EXPECT_LT(cmp("18446744073709551616", "18446744073709551617"), 0);
}

TEST(SemverVersion, OsvScalibrVectors) {
  CUSTOMS_REQUIRE_SHARED(path, "versions/osv-scalibr/semver-versions.txt");
  EXPECT_EQ(CheckScheme(path, VersionScheme::kSemver), 86u);
}

TEST(SemverVersion, SpecPrecedenceChain) {
  // https://semver.org/#spec-item-11, each one older than the next.
  const char* const chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                               "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                               "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                               "1.1.0",       "2.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i) {
    Result<int> r = CompareVersions(VersionScheme::kSemver, chain[i], chain[i + 1]);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_LT(*r, 0) << chain[i] << " < " << chain[i + 1];
  }
}

TEST(SemverVersion, Leniency) {
  auto cmp = [](std::string_view a, std::string_view b) {
    Result<int> r = internal::CompareSemver(a, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.value_or(99);
  };
  EXPECT_EQ(cmp("v1.2.3", "1.2.3"), 0);
  EXPECT_EQ(cmp("=1.2.3", "1.2.3"), 0);
  EXPECT_EQ(cmp("=v1.2.3", " 1.2.3 "), 0);
  EXPECT_EQ(cmp("1.2", "1.2.0"), 0);
  EXPECT_EQ(cmp("1", "1.0.0"), 0);
  EXPECT_EQ(cmp("1.2.3+build.1", "1.2.3+build.2"), 0);
  EXPECT_EQ(cmp("01.2.3", "1.2.3"), 0);
  EXPECT_LT(cmp("1.2.3-alpha.01", "1.2.3-alpha.2"), 0);
}

TEST(SemverVersion, InvalidVersionsAreErrorsNamingTheVersion) {
  for (const char* bad : {"", "abc", "1.2.3-", "1.2.3+", "1..2", "1.2.", "1.2.3-a..b", "1.2.3 beta",
                          "1.2.3-\xce\xb1", "1.2.3beta", "v", "1.2.3-a+b+c"}) {
    Result<int> r = CompareVersions(VersionScheme::kSemver, bad, "1.0.0");
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("\"" + std::string(bad) + "\""), std::string::npos)
        << r.status().message();
    Result<int> reversed = CompareVersions(VersionScheme::kSemver, "1.0.0", bad);
    EXPECT_FALSE(reversed.ok()) << bad;
  }
  Result<int> r = CompareVersions(VersionScheme::kSemver, "1.0.0", "not-a-version");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "invalid semver version \"not-a-version\": expected a number at offset 0");
}

TEST(GoVersion, ModuleVersions) {
  auto cmp = [](std::string_view a, std::string_view b) {
    Result<int> r = internal::CompareGo(a, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.value_or(99);
  };
  EXPECT_EQ(cmp("v1.2.3", "1.2.3"), 0);
  EXPECT_EQ(cmp("v1", "v1.0.0"), 0);
  EXPECT_EQ(cmp("v1.2", "v1.2.0"), 0);
  // Pseudo-versions: vX.0.0-timestamp-hash, vX.Y.(Z+1)-0.timestamp-hash,
  // vX.Y.Z-pre.0.timestamp-hash.
  EXPECT_LT(cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"), 0);
  EXPECT_LT(cmp("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-000000000000"), 0);
  EXPECT_GT(cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), 0);
  EXPECT_LT(cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), 0);
  EXPECT_LT(cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-alpha"), 0);
  EXPECT_GT(cmp("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre"), 0);
  EXPECT_LT(cmp("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre.1"), 0);
  // +incompatible is build metadata.
  EXPECT_EQ(cmp("v2.0.0+incompatible", "v2.0.0"), 0);
  EXPECT_LT(cmp("v2.0.0+incompatible", "v2.0.1+incompatible"), 0);
  EXPECT_LT(cmp("v4.5.0-rc1+incompatible", "v4.5.0+incompatible"), 0);
}

TEST(GoVersion, ToolchainVersions) {
  auto cmp = [](std::string_view a, std::string_view b) {
    Result<int> r = internal::CompareGo(a, b);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.value_or(99);
  };
  EXPECT_EQ(cmp("go1.21.0", "1.21.0"), 0);
  EXPECT_EQ(cmp("go1.21", "1.21.0"), 0);  // language version = the .0 release
  EXPECT_EQ(cmp("go1.21rc2", "1.21.0-rc.2"), 0);
  EXPECT_EQ(cmp("1.9.2beta1", "v1.9.2-beta.1"), 0);
  EXPECT_LT(cmp("1.21rc1", "1.21.0"), 0);
  EXPECT_LT(cmp("go1.21beta1", "go1.21rc1"), 0);
  EXPECT_LT(cmp("go1.21rc1", "go1.21rc2"), 0);
  EXPECT_LT(cmp("go1.20", "go1.20.1"), 0);
  EXPECT_LT(cmp("go1.9.7", "go1.10"), 0);
  // The vulnerability database's stdlib ranges ("introduced": "1.21.0-0").
  EXPECT_LT(cmp("1.21.0-0", "go1.21rc1"), 0);
  EXPECT_LT(cmp("1.21.0-0", "1.21.0-rc.1"), 0);
  EXPECT_GT(cmp("go1.20.14", "1.20.0-0"), 0);
  EXPECT_LT(cmp("go1.20.14", "1.21.0-0"), 0);
}

TEST(GoVersion, InvalidVersionsAreErrors) {
  for (const char* bad : {"", "v", "go", "v1.2.3.4", "1.2.3-", "1.21rcX", "1.21gamma1",
                          "go1.21.0 X:boringcrypto", "devel go1.22-abc", "V1.2.3"}) {
    Result<int> r = CompareVersions(VersionScheme::kGo, bad, "v1.0.0");
    ASSERT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("\"" + std::string(bad) + "\""), std::string::npos)
        << r.status().message();
  }
}

// Every SEMVER range event of an OSV ecosystem parses, and no "introduced"
// (other than OSV's "0", meaning "since the beginning") is newer than the
// "fixed"/"last_affected" event that follows it. `empty` counts the pairs
// where they are equal (an empty range, present in real data).
struct RangeCheck {
  size_t events = 0, pairs = 0, empty = 0;
};

RangeCheck CheckOsvRanges(const std::string& dir, VersionScheme scheme) {
  RangeCheck out;
  size_t failures = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::string path = entry.path().string();
    Result<Json> doc = ParseJson(ReadFile(path), path, 16u << 20);
    if (!doc.ok()) {
      ADD_FAILURE() << doc.status().ToString();
      continue;
    }
    const Json* affected = JsonArray(*doc, "affected");
    if (affected == nullptr) continue;
    for (const Json& a : *affected) {
      const Json* ranges = JsonArray(a, "ranges");
      if (ranges == nullptr) continue;
      for (const Json& range : *ranges) {
        if (JsonString(range, "type") != "SEMVER") continue;
        const Json* events = JsonArray(range, "events");
        if (events == nullptr) continue;
        std::string prev_kind, prev_version;
        for (const Json& event : *events) {
          if (!event.is_object() || event.size() != 1) continue;
          std::string kind = event.begin().key();
          std::string version = event.begin().value().is_string()
                                    ? event.begin().value().get<std::string>()
                                    : std::string();
          ++out.events;
          Result<int> self = CompareVersions(scheme, version, version);
          if (!self.ok() || *self != 0) {
            if (++failures <= 20)
              ADD_FAILURE() << path << ": " << version << ": "
                            << (self.ok() ? "not equal to itself" : self.status().ToString());
          }
          if (prev_kind == "introduced" && prev_version != "0" &&
              (kind == "fixed" || kind == "last_affected")) {
            ++out.pairs;
            Result<int> r = CompareVersions(scheme, prev_version, version);
            if (r.ok() && *r == 0) ++out.empty;
            if (!r.ok() || *r > 0) {
              if (++failures <= 20)
                ADD_FAILURE() << path << ": introduced " << prev_version << " is after " << kind
                              << " " << version;
            }
          }
          prev_kind = kind;
          prev_version = version;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0u) << dir;
  return out;
}

// Counts from python3 over the same files (json.load, type == SEMVER).
TEST(GoVersion, EveryGoVulnDbRangeOrders) {
  CUSTOMS_REQUIRE_SHARED(dir, "osv/go");
  RangeCheck check = CheckOsvRanges(dir, VersionScheme::kGo);
  EXPECT_EQ(check.events, 12888u);
  EXPECT_EQ(check.pairs, 2268u);
  EXPECT_EQ(check.empty, 0u);
}

TEST(SemverVersion, EveryCratesIoRangeOrders) {
  CUSTOMS_REQUIRE_SHARED(dir, "osv/crates.io");
  RangeCheck check = CheckOsvRanges(dir, VersionScheme::kSemver);
  EXPECT_EQ(check.events, 2466u);
  EXPECT_EQ(check.pairs, 1000u);
  // RUSTSEC-2022-0012, -2023-0039, -2024-0399, -2026-0149: introduced == fixed.
  EXPECT_EQ(check.empty, 4u);
}

TEST(SchemeForEcosystem, OsvEcosystems) {
  struct Case {
    const char* ecosystem;
    VersionScheme scheme;
  };
  const Case cases[] = {
      {"Debian:12", VersionScheme::kDpkg},
      {"Debian:3.0", VersionScheme::kDpkg},
      {"Debian", VersionScheme::kDpkg},
      {"Ubuntu:22.04:LTS", VersionScheme::kDpkg},
      {"Ubuntu:Pro:18.04:LTS", VersionScheme::kDpkg},
      {"Ubuntu:24.10", VersionScheme::kDpkg},
      {"Alpine:v3.18", VersionScheme::kApk},
      {"Alpine:v3.22", VersionScheme::kApk},
      {"Wolfi", VersionScheme::kApk},
      {"Chainguard", VersionScheme::kApk},
      {"AlmaLinux:8", VersionScheme::kRpm},
      {"Rocky Linux:9", VersionScheme::kRpm},
      {"Red Hat", VersionScheme::kRpm},
      {"Red Hat:enterprise_linux:9::appstream", VersionScheme::kRpm},
      {"openSUSE:Leap 15.5", VersionScheme::kRpm},
      {"SUSE:Linux Enterprise Server 15 SP5", VersionScheme::kRpm},
      {"npm", VersionScheme::kSemver},
      {"crates.io", VersionScheme::kSemver},
      {"Hex", VersionScheme::kSemver},
      {"Pub", VersionScheme::kSemver},
      {"SwiftURL", VersionScheme::kSemver},
      {"GitHub Actions", VersionScheme::kSemver},
      {"Go", VersionScheme::kGo},
      {"PyPI", VersionScheme::kPep440},
      {"Maven", VersionScheme::kMaven},
      {"Maven:https://repo1.maven.org/maven2/", VersionScheme::kMaven},
      {"RubyGems", VersionScheme::kRubyGems},
      {"Packagist", VersionScheme::kComposer},
      {"NuGet", VersionScheme::kNuGet},
  };
  for (const Case& c : cases) {
    std::optional<VersionScheme> got = SchemeForEcosystem(c.ecosystem);
    ASSERT_TRUE(got.has_value()) << c.ecosystem;
    EXPECT_EQ(*got, c.scheme) << c.ecosystem << " gave " << VersionSchemeName(*got);
  }
  for (const char* unknown : {"", "debian", "Linux", "OSS-Fuzz", "UbuntuPro", ":Debian", "CRAN"})
    EXPECT_FALSE(SchemeForEcosystem(unknown).has_value()) << unknown;
}

TEST(VersionSchemeName, Names) {
  EXPECT_EQ(VersionSchemeName(VersionScheme::kDpkg), "dpkg");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kApk), "apk");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kRpm), "rpm");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kSemver), "semver");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kGo), "go");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kPep440), "pep440");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kMaven), "maven");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kRubyGems), "rubygems");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kComposer), "composer");
  EXPECT_EQ(VersionSchemeName(VersionScheme::kNuGet), "nuget");
}

TEST(CompareVersions, DispatchesToTheScheme) {
  // The same pair orders differently under different schemes.
  EXPECT_LT(CompareVersions(VersionScheme::kDpkg, "1.0~rc1", "1.0").value(), 0);
  EXPECT_LT(CompareVersions(VersionScheme::kRpm, "1.0~rc1", "1.0").value(), 0);
  // dpkg: letters sort before other characters; rpm: '+' only separates.
  EXPECT_LT(CompareVersions(VersionScheme::kDpkg, "1.0a", "1.0+").value(), 0);
  EXPECT_GT(CompareVersions(VersionScheme::kRpm, "1.0a", "1.0+").value(), 0);
  EXPECT_LT(CompareVersions(VersionScheme::kApk, "1.0_rc1", "1.0").value(), 0);
  EXPECT_LT(CompareVersions(VersionScheme::kSemver, "1.0.0-rc.1", "1.0.0").value(), 0);
  EXPECT_LT(CompareVersions(VersionScheme::kGo, "go1.21rc1", "go1.21.0").value(), 0);
  EXPECT_FALSE(CompareVersions(VersionScheme::kSemver, "go1.21.0", "1.21.0").ok());
}

}  // namespace
}  // namespace customs::vuln
