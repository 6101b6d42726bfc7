// Tests the PyPI, Maven, RubyGems, Packagist and NuGet comparators against
// the osv-scalibr vectors in ../shared/data/versions/osv-scalibr (lines
// "A < B", "A = B", "A > B"; blank lines and lines starting with "#" or "//"
// are comments) and against hand-written edge cases. Every vector is checked
// both ways round (cmp(a, b) and cmp(b, a)).
//
// The expected counts per file were taken with
//   grep -cvE '^$|^# |^// ' FILE
// and the exceptions below were confirmed against the reference
// implementations: Python packaging 23.0, RubyGems 3.3 (Gem::Version),
// PHP 8.2 version_compare with composer/semver's VersionParser, and Maven's
// ComparableVersion.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "tests/testing.h"
#include "vuln/version.h"
#include "vuln/version_schemes.h"

namespace customs::vuln {
namespace {

using Comparator = std::function<Result<int>(std::string_view, std::string_view)>;

Result<int> Maven(std::string_view a, std::string_view b) { return internal::CompareMaven(a, b); }

int Sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

int ExpectedSign(std::string_view op) {
  if (op == "<") return -1;
  if (op == ">") return 1;
  return 0;
}

// A vector line whose expectation is not what the reference does.
enum class Deviation {
  kInvalid,  // the reference rejects a version of the line: InvalidArgument
  kOrdered,  // the reference orders the pair as `actual` says
};

struct Exception {
  const char* file;
  const char* line;
  Deviation deviation;
  int actual;  // for kOrdered: sign of cmp(A, B) in the reference
  const char* reason;
};

// Legacy (non-PEP 440) versions: the vectors come from a `packaging` that
// still had LegacyVersion (removed in packaging 22); PEP 440 and current pip
// reject them, and so does customs.
constexpr const char* kLegacyPypi =
    "not a PEP 440 version (setuptools LegacyVersion, removed in packaging 22): "
    "InvalidArgument";

constexpr Exception kExceptions[] = {
    {"pypi-versions.txt", "0.1-bulbasaur < 0.1-charmander", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.1-charmander < 0.9-doduo", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-doduo < 0.9-eevee", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-eevee < 0.9-fearow", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-fearow < 0.9-gyarados", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-gyarados < 0.9-horsea", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-horsea < 0.9-ivysaur", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "0.9-ivysaur < 1.0", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions.txt", "-class.-jw.util.version.version-pre < 1.0", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions.txt", "-class.-jw.util.version.version-preview < 1.0", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions.txt", "-class.-jw.util.version.version-dev < 1.0", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.1-bulbasaur < 0.1-charmander", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.1-charmander < 0.9-doduo", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-doduo < 0.9-eevee", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-eevee < 0.9-fearow", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-fearow < 0.9-gyarados", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-gyarados < 0.9-horsea", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-horsea < 0.9-ivysaur", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.9-ivysaur < 1.0", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2.0.1rc2-git < 0.8", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.1.fix1 < 0.7.4.svn.r2010", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.4.svn.r2010 < 0.6.4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-01-21T20:33:09+0100 < 2013-01-23T17:11:52+0100",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-01-23T17:11:52+0100 < 2013-02-01T20:50:46+0100",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-02-01T20:50:46+0100 < 2013-02-02T19:59:03+0100",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-02-02T19:59:03+0100 < 2013-02-02T20:23:17+0100",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-02-02T20:23:17+0100 < 2013-02-08T17:40:57+0000",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-02-08T17:40:57+0000 < 2013-03-27T16:32:26+0100",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-03-27T16:32:26+0100 < 2013-05-09T12:47:53+0200",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-05-09T12:47:53+0200 < 2013-05-10T17:55:56+0200",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-05-10T17:55:56+0200 < 2013-05-14T20:16:05+0200",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-05-14T20:16:05+0200 < 2013-06-01T10:32:51+0200",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-06-01T10:32:51+0200 < 2013-07-19T09:11:08+0000",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-07-19T09:11:08+0000 < 2013-08-12T21:48:56+0200",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-08-12T21:48:56+0200 < 2013-09-11T19-27-10",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-09-11T19-27-10 < 2013-12-23T17-51-15",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2013-12-23T17-51-15 < 2014-01-12T15-52-10",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2014-01-12T15-52-10 < 0.2016.3.21", Deviation::kInvalid, 0,
     kLegacyPypi},
    {"pypi-versions-generated.txt", "0.0.1-test1 < 3.0.0a4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.10p1 < 0.7.11p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.11p1 < 0.7.11p2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.11p2 < 0.7.11p3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.7.11p3 < 0.8.1p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.1p1 < 0.8.3p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.3p1 < 0.8.4p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.4p1 < 0.8.4p2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.4p2 < 0.8.6p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.6p1 < 0.8.7p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.8.7p1 < 0.7.3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "-class.-jw.util.version.Version- < 1.0.dev1",
     Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "trunk < 3.2.3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3m1 < 0.3m2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3m2 < 0.3m3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3m3 < 0.3m4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3m4 < 0.3m5", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3m5 < 0.4m1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4m1 < 0.4m2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4m2 < 0.4m3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4m3 < 0.4m4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4m4 < 0.4m5", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4m5 < 0.5m1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.5m1 < 0.5m2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.5m2 < 0.5m3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.5m3 < 0.5m4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.5m4 < 0.5m5", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.5m5 < 0.6m1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m1 < 0.6m2", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m2 < 0.6m3", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m3 < 0.6m4", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m4 < 0.6m5", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m5 < 0.6m6", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.6m6 < 0.2rc0", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "1.3.1-STAGING < 0.0.1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "4.11-final < 5.0-final", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "5.0-final < 5.1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "a3 < 2.0b1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "2.0.0-final < 0.10", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "1.0beta6.1 < 1.0b6", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.3.1-p1 < 0.4.0-p1", Deviation::kInvalid, 0, kLegacyPypi},
    {"pypi-versions-generated.txt", "0.4.0-p1 < 0.0.1", Deviation::kInvalid, 0, kLegacyPypi},
    // Gem::Version's pattern needs a '.' before letters that follow the
    // first number: Gem::Version.new("1beta") raises "Malformed version
    // number string". The vectors come from a lenient reimplementation.
    {"rubygems-versions.txt", "1 > 1beta", Deviation::kInvalid, 0,
     "Gem::Version rejects \"1beta\" (malformed)"},
    {"rubygems-versions.txt", "1 > 1gamma", Deviation::kInvalid, 0,
     "Gem::Version rejects \"1gamma\" (malformed)"},
    // From PHP's own version_compare tests, which do not normalise: Composer
    // normalises both to 1.0.0.0, so for Packagist they are equal.
    {"packagist-versions.txt", "1.0.0 > 1.0", Deviation::kOrdered, 0,
     "Composer normalises both to 1.0.0.0 (raw PHP version_compare says >)"},
    // This line follows the trimming text of Maven's POM reference, not
    // ComparableVersion: "1-ga-1" parses as [1, [[1]]] ("ga" is null and
    // trimmed, leaving a list in a list) and a number beats a list, so
    // ComparableVersion (3.8.6 and 3.8.7 alike) says 1-1 > 1-ga-1.
    {"maven-versions.txt", "1-1 = 1-ga-1", Deviation::kOrdered, 1,
     "ComparableVersion: [1, [1]] > [1, [[1]]]"},
};

struct VectorFile {
  const char* name;
  Comparator compare;
  size_t min_vectors;  // grep -cvE '^$|^# |^// ' FILE
};

const VectorFile kVectorFiles[] = {
    {"pypi-versions.txt", internal::ComparePep440, 37},
    {"pypi-versions-generated.txt", internal::ComparePep440, 12375},
    {"maven-versions.txt", Maven, 102},
    {"maven-versions-generated.txt", Maven, 14752},
    {"rubygems-versions.txt", internal::CompareRubyGems, 25},
    {"rubygems-versions-generated.txt", internal::CompareRubyGems, 4098},
    {"packagist-versions.txt", internal::CompareComposer, 95},
    {"nuget-versions.txt", internal::CompareNuGet, 35},
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Describe(const Result<int>& r) {
  return r.ok() ? std::to_string(*r) : r.status().ToString();
}

class VectorFileTest : public ::testing::TestWithParam<VectorFile> {};

TEST_P(VectorFileTest, MatchesReferenceOrder) {
  const VectorFile& vf = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("versions/osv-scalibr/") + vf.name);
  std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << path;

  std::map<std::string, const Exception*> exceptions;
  for (const Exception& e : kExceptions)
    if (std::string_view(e.file) == vf.name) exceptions[e.line] = &e;
  std::set<std::string> exceptions_seen;

  size_t checked = 0;
  LineCursor lines(text);
  for (std::string_view line; lines.Next(line);) {
    if (line.empty() || line.starts_with("#") || line.starts_with("//")) continue;
    std::vector<std::string_view> parts = Split(line, ' ');
    ASSERT_EQ(parts.size(), 3u) << vf.name << ":" << lines.number() << ": " << line;
    ASSERT_TRUE(parts[1] == "<" || parts[1] == "=" || parts[1] == ">")
        << vf.name << ":" << lines.number() << ": " << line;
    ++checked;
    std::string where =
        std::string(vf.name) + ":" + std::to_string(lines.number()) + ": " + std::string(line);
    Result<int> ab = vf.compare(parts[0], parts[2]);
    Result<int> ba = vf.compare(parts[2], parts[0]);

    auto it = exceptions.find(std::string(line));
    if (it != exceptions.end()) {
      exceptions_seen.insert(it->first);
      const Exception& e = *it->second;
      if (e.deviation == Deviation::kInvalid) {
        EXPECT_FALSE(ab.ok()) << where << " (" << e.reason << ")";
        EXPECT_FALSE(ba.ok()) << where;
        if (!ab.ok()) {
          EXPECT_EQ(ab.status().code(), StatusCode::kInvalidArgument) << where;
        }
      } else {
        ASSERT_TRUE(ab.ok() && ba.ok()) << where << ": " << Describe(ab);
        EXPECT_EQ(Sign(*ab), e.actual) << where << " (" << e.reason << ")";
        EXPECT_EQ(Sign(*ba), -e.actual) << where;
      }
      continue;
    }
    int want = ExpectedSign(parts[1]);
    ASSERT_TRUE(ab.ok()) << where << ": " << ab.status().ToString();
    ASSERT_TRUE(ba.ok()) << where << ": " << ba.status().ToString();
    EXPECT_EQ(Sign(*ab), want) << where;
    EXPECT_EQ(Sign(*ba), -want) << where << " (reversed)";
  }
  EXPECT_GE(checked, vf.min_vectors) << vf.name;
  // Every exception must still match a line: a stale entry is an error.
  for (const auto& [line, e] : exceptions)
    EXPECT_TRUE(exceptions_seen.count(line)) << "exception not in " << vf.name << ": " << line;
}

INSTANTIATE_TEST_SUITE_P(OsvScalibr, VectorFileTest, ::testing::ValuesIn(kVectorFiles),
                         [](const ::testing::TestParamInfo<VectorFile>& info) {
                           std::string name = info.param.name;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(VersionLangTest, ExceptionTableIsSmall) {
  // 80 legacy PyPI lines + 4 others; growing this table needs a reason.
  EXPECT_EQ(std::size(kExceptions), 84u);
}

struct Case {
  const char* a;
  const char* op;
  const char* b;
};

void CheckCases(const Comparator& compare, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Result<int> ab = compare(c.a, c.b);
    Result<int> ba = compare(c.b, c.a);
    ASSERT_TRUE(ab.ok()) << c.a << " " << c.op << " " << c.b << ": " << ab.status().ToString();
    ASSERT_TRUE(ba.ok()) << c.b << " vs " << c.a << ": " << ba.status().ToString();
    int want = ExpectedSign(c.op);
    EXPECT_EQ(Sign(*ab), want) << c.a << " " << c.op << " " << c.b;
    EXPECT_EQ(Sign(*ba), -want) << c.b << " vs " << c.a;
  }
}

void CheckInvalid(const Comparator& compare, const std::vector<std::string>& versions,
                  std::string_view valid) {
  for (const std::string& v : versions) {
    for (bool first : {true, false}) {
      Result<int> r = first ? compare(v, valid) : compare(valid, v);
      ASSERT_FALSE(r.ok()) << "\"" << v << "\" accepted";
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << v;
      // The message names the offending version.
      EXPECT_NE(r.status().message().find(Printable(v)), std::string::npos) << r.status().message();
    }
  }
}

// Checked against packaging 23.0's Version.
TEST(VersionLangTest, Pep440EdgeCases) {
  CheckCases(internal::ComparePep440,
             {
                 // release: trailing zeros, leading zeros, normalisation
                 {"1.0", "=", "1.0.0"},
                 {"1.0", "=", "1.0.0.0.0"},
                 {"01.002", "=", "1.2"},
                 {"v1.0", "=", "1.0"},
                 {"V1.0", "=", "1.0"},
                 {"  1.0\t\n", "=", "1.0"},
                 {"1.0.1", ">", "1.0"},
                 {"1.10", ">", "1.9"},
                 {"123456789012345678901234567890", "<", "123456789012345678901234567891"},
                 // epochs
                 {"1!0.1", ">", "2.0"},
                 {"0!1.0", "=", "1.0"},
                 {"1!1.0", "<", "2!0.1"},
                 // pre-releases: spellings, separators, implicit 0
                 {"1.0a1", "=", "1.0alpha1"},
                 {"1.0a1", "=", "1.0-a-1"},
                 {"1.0a1", "=", "1.0_a_1"},
                 {"1.0a1", "=", "1.0.A.1"},
                 {"1.0b", "=", "1.0b0"},
                 {"1.0beta2", "=", "1.0b2"},
                 {"1.0c1", "=", "1.0rc1"},
                 {"1.0pre1", "=", "1.0rc1"},
                 {"1.0preview1", "=", "1.0rc1"},
                 {"1.0a2", "<", "1.0b1"},
                 {"1.0b2", "<", "1.0rc1"},
                 {"1.0rc1", "<", "1.0"},
                 {"1.0a10", ">", "1.0a9"},
                 // post releases
                 {"1.0-1", "=", "1.0.post1"},
                 {"1.0rev1", "=", "1.0.post1"},
                 {"1.0r1", "=", "1.0.post1"},
                 {"1.0-post-1", "=", "1.0.post1"},
                 {"1.0.post", "=", "1.0.post0"},
                 {"1.0.post1", ">", "1.0"},
                 {"1.0.post1", "<", "1.0.1"},
                 {"1.0rc1.post1", ">", "1.0rc1"},
                 {"1.0rc1.post1", "<", "1.0"},
                 // dev releases: dev < pre < release < post
                 {"1.0.dev0", "<", "1.0a0"},
                 {"1.0.dev0", "<", "1.0a1"},
                 {"1.0a1.dev1", "<", "1.0a1"},
                 {"1.0a1.dev1", ">", "1.0a0"},
                 {"1.0.post1.dev1", "<", "1.0.post1"},
                 {"1.0.post1.dev1", ">", "1.0"},
                 {"1.0.dev1", "<", "1.0"},
                 {"1.0.dev", "=", "1.0.dev0"},
                 {"1.0.DEV2", "=", "1.0.dev2"},
                 {"1.0-dev-2", "=", "1.0.dev2"},
                 {"0.9", "<", "1.0.dev0"},
                 // local versions
                 {"1.0+local", ">", "1.0"},
                 {"1.0+local", "<", "1.0.post1"},
                 {"1.0+local", "<", "1.0.1"},
                 {"1.0+abc.5", "<", "1.0+abc.10"},
                 {"1.0+5", ">", "1.0+abc"},
                 {"1.0+ABC", "=", "1.0+abc"},
                 {"1.0+abc-1", "=", "1.0+abc.1"},
                 {"1.0+abc_1", "=", "1.0+abc.1"},
                 {"1.0+abc", "<", "1.0+abc.0"},
                 {"1.0+007", "=", "1.0+7"},
                 {"1.0+abd", ">", "1.0+abc"},
             });
  CheckInvalid(
      internal::ComparePep440,
      {"", "   ", "abc", "1.0-bulbasaur", "1..0", "1.0.", "1.0+", "1.0+a..b", "1.0 .1", "1.0a1a",
       "1!", "!1.0", "1.0-", "vv1.0", "1.0+a+b", "1.0devx", "2013-01-21T20:33:09+0100"},
      "1.0");
}

// Checked against maven-artifact 3.8.7's ComparableVersion (none of these
// touches the MNG-7644 change).
TEST(VersionLangTest, MavenEdgeCases) {
  CheckCases(Maven, {
                        {"1.0-SNAPSHOT", "<", "1.0"},
                        {"1.0-alpha-1", "<", "1.0-beta"},
                        {"1.0-alpha-1", "=", "1.0-a1"},
                        {"1.0-a", ">", "1.0-alpha"},  // "a" is an alias only before a digit
                        {"1.0-rc1", "<", "1.0"},
                        {"1.0-CR1", "=", "1.0-rc1"},
                        {"1.0-milestone-1", "<", "1.0-rc-1"},
                        {"1.0-snapshot", "<", "1.0-ga"},
                        {"1.0-sp1", ">", "1.0"},
                        {"1.0-foo", ">", "1.0-sp"},
                        {"1.0-bar", "<", "1.0-foo"},
                        {"1.0", "<", "1.0-1"},
                        {"1-1", "<", "1.1"},
                        {"1.0.0", "=", "1"},
                        {"1.0-GA", "=", "1.0"},
                        {"1.0.FINAL", "=", "1.0"},
                        {"1.0-release", "=", "1.0"},
                        {"1.0.0.0.0.0.1", ">", "1"},
                        {"1.0.1", ">", "1.0-sp"},
                        {"2.0.0.RELEASE", ">", "2.0.0.M1"},
                        {"2.0.0.RC1", "<", "2.0.0.RELEASE"},
                        {"123456789012345678901234567890", "<", "123456789012345678901234567891"},
                        {"1.9999999999", "<", "1.10000000000"},
                        {"0001.2", "=", "1.2"},
                        {"", "=", "0"},
                        {"-", "=", "0"},
                        {"...", "=", "0"},
                        {"1-", "=", "1"},
                        {"1.", "=", "1"},
                    });
}

// Maven orders any string; make sure odd ones neither fail nor break
// antisymmetry.
TEST(VersionLangTest, MavenAcceptsAnything) {
  const std::vector<std::string> odd = {"",
                                        "-",
                                        "--",
                                        ".-.",
                                        "a",
                                        "é",
                                        "1-1-1-1-1-1-1-1-1-1",
                                        "1a1a1a1a1a1a",
                                        std::string(3000, '-'),
                                        std::string(3000, '9')};
  for (const std::string& a : odd) {
    for (const std::string& b : odd) {
      EXPECT_EQ(Sign(internal::CompareMaven(a, b)), -Sign(internal::CompareMaven(b, a)))
          << a << " vs " << b;
    }
  }
}

// Checked against Gem::Version (RubyGems 3.3).
TEST(VersionLangTest, RubyGemsEdgeCases) {
  CheckCases(internal::CompareRubyGems, {
                                            {"1.0.a", "<", "1.0"},
                                            {"1.0.0", "=", "1"},
                                            {"1.0-1", "=", "1.0.pre.1"},
                                            {"1.0-a", "<", "1.0"},
                                            {"1.a", "=", "1.0.a"},
                                            {"1.0.a.0", "=", "1.a"},
                                            {"1.0.A", "<", "1.0.a"},
                                            {"1.0.b1", ">", "1.0.a2"},
                                            {"1.0.rc1", "<", "1.0"},
                                            {"1.0.rc10", ">", "1.0.rc9"},
                                            {"2.0.0.pre", "<", "2.0.0"},
                                            {"1.2.3", "<", "1.2.3.1"},
                                            {"", "=", "0"},
                                            {"  ", "=", "0.0"},
                                            {" 1.0 ", "=", "1"},
                                            {"1.0\n", "=", "1"},
                                            {"10.0", ">", "9.9.9"},
                                        });
  CheckInvalid(
      internal::CompareRubyGems,
      {"1beta", "1..2", "v1.0", "1.0 2", "junk", "1.0.", "1.0-", "-1", ".1", "1.0_1", "1.0+1"},
      "1.0");
}

// Checked against PHP 8.2 version_compare on composer/semver's
// VersionParser::normalize of both sides, except where a comment says.
TEST(VersionLangTest, ComposerEdgeCases) {
  CheckCases(internal::CompareComposer,
             {
                 {"v1.0.0", "=", "1.0.0"},
                 {"1.0", "=", "1.0.0.0"},
                 {"1", "=", "1.0.0"},
                 {"1.0.0-beta2", "=", "1.0.0-b2"},
                 {"1.0.0-BETA2", "=", "1.0.0-beta2"},
                 {"1.0.0-alpha1", "=", "1.0.0a1"},
                 {"1.0.0-rc1", "=", "1.0.0-RC1"},
                 {"1.0.0-dev", "<", "1.0.0-alpha1"},
                 {"1.0.0-alpha1", "<", "1.0.0-beta1"},
                 {"1.0.0-beta1", "<", "1.0.0-RC1"},
                 {"1.0.0-RC1", "<", "1.0.0"},
                 {"1.0.0-patch1", ">", "1.0.0"},
                 {"1.0.0-p1", "=", "1.0.0-pl1"},
                 {"1.0.0-stable", "=", "1.0.0"},
                 {"1.0.0+build5", "=", "1.0.0"},
                 {"1.0.0@beta", "=", "1.0.0"},
                 {"1.0.0-beta.2", ">", "1.0.0-beta.1"},
                 {"1.0.0-beta10", ">", "1.0.0-beta9"},
                 {"1.0.0", "<", "1.0.1"},
                 {"1.10.0", ">", "1.9.0"},
                 {"dev-master", "<", "0.0.1"},
                 {"dev-master", "=", "master"},
                 {"dev-foo", ">", "dev-bar"},  // customs' rule, not PHP's (see version_composer.cc)
                 {"2.x-dev", ">", "2.999.0"},
                 {"2.x-dev", "<", "3.0.0-dev"},
                 {"2.1.x-dev", "=", "2.1.*-dev"},
                 {"20230101", "<", "20230102"},
                 {"2023-01-01", "<", "2023.01.01"},  // 2023.01.01 vs 2023.01.01.0
                 {"2023.01.01", "=", "2023.1.1"},
                 {"4.3-2RC1", "<", "4.3-2"},  // not normalisable: raw version_compare
             });
  CheckInvalid(internal::CompareComposer, {"", "   ", "1.0 beta", "...", "1.0\x01"}, "1.0.0");
}

// NuGet.Versioning semantics (SemVer 2 with a fourth number); the ordered run
// of 1.0.1 labels is the example list of NuGet's "Package versioning" page.
TEST(VersionLangTest, NuGetEdgeCases) {
  CheckCases(internal::CompareNuGet, {
                                         {"1.0", "=", "1.0.0.0"},
                                         {"1", "=", "1.0.0"},
                                         {"1.0.0-Beta", "=", "1.0.0-beta"},
                                         {"1.0.0+meta", "=", "1.0.0"},
                                         {"1.0.0+a", "=", "1.0.0+b"},
                                         {"1.0.0-1", "<", "1.0.0-a"},
                                         {"1.0.0-alpha", "<", "1.0.0-alpha.1"},
                                         {"1.0.0-alpha.1", "<", "1.0.0-alpha.beta"},
                                         {"1.0.0-rc.2", "<", "1.0.0-rc.10"},
                                         {"1.0.0-rc", "<", "1.0.0"},
                                         {"1.0.0.1", ">", "1.0.0"},
                                         {"1.0.0.1-beta", ">", "1.0.0"},
                                         {"1.0.0-beta-2", ">", "1.0.0-beta"},
                                         {"01.02.03", "=", "1.2.3"},
                                         {" 1.0 ", "=", "1.0"},
                                         {"1.0.1", ">", "1.0.1-zzz"},
                                         {"1.0.1-zzz", ">", "1.0.1-rc.10"},
                                         {"1.0.1-rc.10", ">", "1.0.1-rc.2"},
                                         {"1.0.1-rc.2", ">", "1.0.1-open"},
                                         {"1.0.1-open", ">", "1.0.1-beta"},
                                         {"1.0.1-beta", ">", "1.0.1-alpha2"},
                                         {"1.0.1-alpha2", ">", "1.0.1-alpha10"},
                                         {"1.0.1-alpha10", ">", "1.0.1-aaa"},
                                     });
  CheckInvalid(internal::CompareNuGet,
               {"", "v1.0", "1.0.0.0.0", "1..0", "1.0-", "1.0+", "1.0-beta..1", "a.b",
                "1.0.0-beta_1", "1.0.x", "-1.0"},
               "1.0.0");
}

// Once version.cc dispatches, the schemes are reachable through
// CompareVersions too.
TEST(VersionLangTest, ThroughCompareVersions) {
  Result<int> r = CompareVersions(VersionScheme::kPep440, "1.0rc1", "1.0");
  if (!r.ok() && r.status().code() == StatusCode::kUnimplemented)
    GTEST_SKIP() << "CompareVersions does not dispatch yet: " << r.status().ToString();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_LT(*r, 0);
  EXPECT_GT(CompareVersions(VersionScheme::kMaven, "1.0", "1.0-SNAPSHOT").value_or(0), 0);
  EXPECT_LT(CompareVersions(VersionScheme::kRubyGems, "1.0.a", "1.0").value_or(0), 0);
  EXPECT_EQ(CompareVersions(VersionScheme::kComposer, "v1.0", "1.0.0").value_or(1), 0);
  EXPECT_EQ(CompareVersions(VersionScheme::kNuGet, "1.0", "1.0.0.0").value_or(1), 0);
  Result<int> bad = CompareVersions(VersionScheme::kPep440, "1.0", "not-a-version");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace customs::vuln
