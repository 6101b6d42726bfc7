// Tests for CVSS parsing and scoring, run over the public test vectors in
// ../shared/data/cvss (claircore's lists and Red Hat's cvss library vectors,
// whose scores were computed per the FIRST specifications and cross-checked
// against FIRST's calculators).
#include "vuln/cvss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "tests/testing.h"

namespace customs::vuln {
namespace {

using model::Severity;

std::vector<std::string> ReadLines(const std::string& path) {
  Result<std::string> text = ReadFile(path, 1 << 20);
  EXPECT_TRUE(text.ok()) << path << ": " << text.status().ToString();
  std::vector<std::string> lines;
  if (!text.ok()) return lines;
  for (std::string_view line : SplitLines(*text)) lines.emplace_back(line);
  return lines;
}

// Strips a "# comment" and surrounding whitespace.
std::string_view Uncomment(std::string_view line) {
  size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  return Trim(line);
}

// Scores are compared as tenths: every expected value has one decimal.
int Tenths(double score) { return static_cast<int>(std::lround(score * 10)); }

double ParseNumber(std::string_view text) { return std::stod(std::string(text)); }

// claircore's v3 lists mix CVSS:3.0 and CVSS:3.1 vectors.
CvssVersion Family(CvssVersion v) { return v == CvssVersion::kV30 ? CvssVersion::kV31 : v; }

// ---------------------------------------------------------------------------
// claircore (quay/claircore toolkit/types/cvss/testdata)

// vN_score.list: "VECTOR  SCORE  # comment". The expected score is the most
// specific score the vector defines (v2/v3: environmental if the vector has
// environmental metrics, else temporal, else base; v4: the single v4 score),
// i.e. CvssScore::OverallScore().
struct ScoreList {
  const char* file;
  CvssVersion version;
  int vectors;  // counted independently: grep -c '^[^#]' FILE
};

class ClaircoreScoreTest : public ::testing::TestWithParam<ScoreList> {};

TEST_P(ClaircoreScoreTest, MatchesExpectedScores) {
  const ScoreList& list = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("cvss/claircore/") + list.file);
  int checked = 0;
  for (const std::string& raw : ReadLines(path)) {
    std::string_view line = Uncomment(raw);
    if (line.empty()) continue;
    size_t space = line.find_first_of(" \t");
    ASSERT_NE(space, std::string_view::npos) << raw;
    std::string_view vector = line.substr(0, space);
    double expected = ParseNumber(Trim(line.substr(space)));
    Result<CvssScore> score = ParseCvss(vector);
    ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
    EXPECT_EQ(score->version, list.version) << vector;
    EXPECT_EQ(Tenths(score->OverallScore()), Tenths(expected)) << vector;
    ++checked;
  }
  EXPECT_EQ(checked, list.vectors) << list.file;
}

INSTANTIATE_TEST_SUITE_P(Lists, ClaircoreScoreTest,
                         ::testing::Values(ScoreList{"v2_score.list", CvssVersion::kV2, 12},
                                           ScoreList{"v30_score.list", CvssVersion::kV30, 32},
                                           ScoreList{"v31_score.list", CvssVersion::kV31, 35},
                                           ScoreList{"v4_score.list", CvssVersion::kV40, 40}));

// vN_error.list: lines marked "#OK" are valid vectors of that version, every
// other line must be rejected as a vector of that version: ParseCvss fails
// with InvalidArgument, or (one line of v4_error.list, a valid CVSS:3.1
// vector) it is not a vector of the list's version.
struct ErrorList {
  const char* file;
  CvssVersion version;
  int valid;    // grep -c '#OK' FILE
  int invalid;  // wc -l FILE minus the above
};

class ClaircoreErrorTest : public ::testing::TestWithParam<ErrorList> {};

TEST_P(ClaircoreErrorTest, RejectsInvalidAcceptsValid) {
  const ErrorList& list = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("cvss/claircore/") + list.file);
  int valid = 0, invalid = 0;
  for (const std::string& raw : ReadLines(path)) {
    if (Trim(raw).empty()) continue;
    bool ok_expected = raw.find("#OK") != std::string::npos;
    std::string_view vector = ok_expected ? Uncomment(raw) : std::string_view(raw);
    Result<CvssScore> score = ParseCvss(vector);
    if (ok_expected) {
      ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
      EXPECT_EQ(Family(score->version), list.version) << vector;
      ++valid;
    } else {
      if (score.ok()) {
        EXPECT_NE(Family(score->version), list.version) << "accepted invalid vector " << vector;
      } else {
        EXPECT_EQ(score.status().code(), StatusCode::kInvalidArgument) << vector;
      }
      ++invalid;
    }
  }
  EXPECT_EQ(valid, list.valid) << list.file;
  EXPECT_EQ(invalid, list.invalid) << list.file;
}

INSTANTIATE_TEST_SUITE_P(Lists, ClaircoreErrorTest,
                         ::testing::Values(ErrorList{"v2_error.list", CvssVersion::kV2, 4, 8},
                                           ErrorList{"v3_error.list", CvssVersion::kV31, 2, 19},
                                           ErrorList{"v4_error.list", CvssVersion::kV40, 1, 14}));

TEST(ClaircoreErrorTest, V30VectorIsV30) {
  Result<CvssScore> score = ParseCvss("CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N");
  ASSERT_TRUE(score.ok());
  EXPECT_EQ(score->version, CvssVersion::kV30);
  EXPECT_EQ(score->base_score, 0.0);
}

// vN_roundtrip.list: valid vectors (with "# comment"); we have no formatter,
// so they must parse as vectors of the list's version.
struct RoundtripList {
  const char* file;
  CvssVersion version;
  int vectors;  // grep -c '^[^#]' FILE
};

class ClaircoreRoundtripTest : public ::testing::TestWithParam<RoundtripList> {};

TEST_P(ClaircoreRoundtripTest, Parses) {
  const RoundtripList& list = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("cvss/claircore/") + list.file);
  int checked = 0;
  for (const std::string& raw : ReadLines(path)) {
    std::string_view vector = Uncomment(raw);
    if (vector.empty()) continue;
    Result<CvssScore> score = ParseCvss(vector);
    ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
    EXPECT_EQ(Family(score->version), list.version) << vector;
    ++checked;
  }
  EXPECT_EQ(checked, list.vectors) << list.file;
}

INSTANTIATE_TEST_SUITE_P(
    Lists, ClaircoreRoundtripTest,
    ::testing::Values(RoundtripList{"v2_roundtrip.list", CvssVersion::kV2, 6},
                      RoundtripList{"v3_roundtrip.list", CvssVersion::kV31, 22},
                      RoundtripList{"v4_roundtrip.list", CvssVersion::kV40, 43}));

// ---------------------------------------------------------------------------
// Red Hat (RedHatProductSecurity/cvss tests/vectors_*)
//
// Lines are "VECTOR - (BASE, TEMPORAL, ENVIRONMENTAL)" for v2/v3 (None where
// the library has no score: v2 without temporal/environmental metrics),
// "VECTOR - (SCORE,)" for v4 base vectors and "VECTOR - SCORE" for v4 vectors
// with threat, environmental or supplemental metrics. Every column is
// compared:
//   v2:  base -> base_score; TEMPORAL/ENVIRONMENTAL -> temporal_score /
//        environmental_score, which must be unset where the file says None.
//   v3:  the library scores temporal and environmental for every vector (all
//        metrics Not Defined when absent). When our optional score is unset
//        (no metric of that group in the vector) we parse the same vector with
//        an explicit "/E:X" resp. "/CR:X" appended — the same vector in the
//        spec's terms, as X means Not Defined and v3 allows any order — and
//        compare that score.
//   v4:  the single score -> base_score (the score the whole vector defines).

struct RedHatList {
  const char* file;
  int vectors;  // wc -l FILE (no blank or comment lines)
};

// Vectors that Red Hat's library scores but we reject, each with the reason
// the vector is not valid per the spec (and claircore's error lists).
struct Exception {
  const char* vector;
  const char* reason;
};
constexpr Exception kRedHatExceptions[] = {
    // The v2 guide's vector table writes the temporal group E/RL/RC and the
    // environmental group CDP/TD/CR/IR/AR whole; claircore's v2_error.list
    // rejects partial groups ("…/E:F" alone, "…/CDP:H/TD:H/CR:H"). Red Hat's
    // library fills the missing metrics with ND.
    {"AV:N/AC:M/Au:M/C:C/I:N/A:P/RL:W/RC:UC/CDP:LM/TD:M/CR:L/IR:L/AR:L",
     "v2 temporal group without E"},
    {"AV:L/AC:L/Au:S/C:P/I:P/A:P/E:U/RC:C/CDP:LM/TD:L/IR:H/AR:M",
     "v2 temporal group without RL, environmental group without CR"},
};

const Exception* FindException(std::string_view vector) {
  for (const Exception& e : kRedHatExceptions) {
    if (vector == e.vector) return &e;
  }
  return nullptr;
}

// "(9.2, None, 8.1)" or "(9.2,)" or "9.2" -> the columns, nullopt for None.
std::vector<std::optional<double>> ParseColumns(std::string_view text) {
  text = Trim(text);
  std::vector<std::optional<double>> columns;
  if (!text.empty() && text.front() == '(') text = text.substr(1, text.size() - 2);
  for (std::string_view cell : Split(text, ',')) {
    cell = Trim(cell);
    if (cell.empty()) continue;  // "(9.2,)"
    if (cell == "None") {
      columns.push_back(std::nullopt);
    } else {
      columns.push_back(ParseNumber(cell));
    }
  }
  return columns;
}

class RedHatTest : public ::testing::TestWithParam<RedHatList> {};

TEST_P(RedHatTest, MatchesEveryColumn) {
  const RedHatList& list = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("cvss/redhat-cvss/") + list.file);
  int checked = 0, excepted = 0;
  for (const std::string& raw : ReadLines(path)) {
    if (Trim(raw).empty()) continue;
    size_t sep = raw.find(" - ");
    ASSERT_NE(sep, std::string::npos) << raw;
    std::string vector = raw.substr(0, sep);
    std::vector<std::optional<double>> columns =
        ParseColumns(std::string_view(raw).substr(sep + 3));
    ASSERT_FALSE(columns.empty()) << raw;
    ASSERT_TRUE(columns[0].has_value()) << raw;
    ++checked;

    Result<CvssScore> score = ParseCvss(vector);
    if (const Exception* e = FindException(vector)) {
      EXPECT_FALSE(score.ok()) << "listed exception now parses: " << vector << " (" << e->reason
                               << ")";
      ++excepted;
      continue;
    }
    ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
    EXPECT_EQ(Tenths(score->base_score), Tenths(*columns[0])) << vector << " base";

    if (score->version == CvssVersion::kV40) {
      EXPECT_EQ(columns.size(), 1u) << raw;
      continue;
    }
    ASSERT_EQ(columns.size(), 3u) << raw;
    if (score->version == CvssVersion::kV2) {
      ASSERT_EQ(score->temporal_score.has_value(), columns[1].has_value()) << vector;
      if (columns[1]) {
        EXPECT_EQ(Tenths(*score->temporal_score), Tenths(*columns[1])) << vector << " temporal";
      }
      ASSERT_EQ(score->environmental_score.has_value(), columns[2].has_value()) << vector;
      if (columns[2]) {
        EXPECT_EQ(Tenths(*score->environmental_score), Tenths(*columns[2]))
            << vector << " environmental";
      }
      continue;
    }
    ASSERT_TRUE(columns[1] && columns[2]) << raw;
    std::optional<double> temporal = score->temporal_score;
    if (!temporal) {
      Result<CvssScore> with_x = ParseCvss(vector + "/E:X");
      ASSERT_TRUE(with_x.ok() && with_x->temporal_score) << vector;
      temporal = with_x->temporal_score;
    }
    std::optional<double> environmental = score->environmental_score;
    if (!environmental) {
      Result<CvssScore> with_x = ParseCvss(vector + "/CR:X");
      ASSERT_TRUE(with_x.ok() && with_x->environmental_score) << vector;
      environmental = with_x->environmental_score;
    }
    EXPECT_EQ(Tenths(*temporal), Tenths(*columns[1])) << vector << " temporal";
    EXPECT_EQ(Tenths(*environmental), Tenths(*columns[2])) << vector << " environmental";
  }
  EXPECT_EQ(checked, list.vectors) << list.file;
  int listed = 0;
  for (const Exception& e : kRedHatExceptions) {
    std::string text = ReadFile(path, 1 << 20).value_or("");
    if (text.find(std::string(e.vector) + " - ") != std::string::npos) ++listed;
  }
  EXPECT_EQ(excepted, listed) << list.file;
}

INSTANTIATE_TEST_SUITE_P(
    Files, RedHatTest,
    ::testing::Values(RedHatList{"vectors_calculator2", 5}, RedHatList{"vectors_calculator3", 2},
                      RedHatList{"vectors_cvsslib2", 24}, RedHatList{"vectors_cvsslib3", 29},
                      RedHatList{"vectors_security4", 54}, RedHatList{"vectors_simple2", 729},
                      RedHatList{"vectors_simple3", 2592}, RedHatList{"vectors_simple31", 2592},
                      RedHatList{"vectors_simple4", 1058}, RedHatList{"vectors_supplemental4", 576},
                      RedHatList{"vectors_threat4", 6}));

// Every vector file in the shared data is covered by one of the tables above.
TEST(CvssDataTest, EveryFileIsTested) {
  CUSTOMS_REQUIRE_SHARED(dir, "cvss");
  const std::set<std::string> tested = {
      "claircore/v2_score.list",         "claircore/v30_score.list",
      "claircore/v31_score.list",        "claircore/v4_score.list",
      "claircore/v2_error.list",         "claircore/v3_error.list",
      "claircore/v4_error.list",         "claircore/v2_roundtrip.list",
      "claircore/v3_roundtrip.list",     "claircore/v4_roundtrip.list",
      "redhat-cvss/vectors_calculator2", "redhat-cvss/vectors_calculator3",
      "redhat-cvss/vectors_cvsslib2",    "redhat-cvss/vectors_cvsslib3",
      "redhat-cvss/vectors_security4",   "redhat-cvss/vectors_simple2",
      "redhat-cvss/vectors_simple3",     "redhat-cvss/vectors_simple31",
      "redhat-cvss/vectors_simple4",     "redhat-cvss/vectors_supplemental4",
      "redhat-cvss/vectors_threat4",
  };
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(entry.path(), dir).generic_string();
    EXPECT_TRUE(tested.count(rel)) << "untested CVSS vector file " << rel;
    ++files;
  }
  EXPECT_EQ(files, 21);
}

// ---------------------------------------------------------------------------
// Hand-checked cases.

TEST(ParseCvssTest, SpecExamples) {
  // v3.1 spec example: base 3.8, temporal with E:F = Roundup(3.8 * 0.97) = 3.7.
  Result<CvssScore> s = ParseCvss("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F/RL:X");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, CvssVersion::kV31);
  EXPECT_DOUBLE_EQ(s->base_score, 3.8);
  ASSERT_TRUE(s->temporal_score.has_value());
  EXPECT_DOUBLE_EQ(*s->temporal_score, 3.7);
  EXPECT_FALSE(s->environmental_score.has_value());
  EXPECT_DOUBLE_EQ(s->OverallScore(), 3.7);

  // v2, NVD style with parentheses; CVE-2002-0392: 7.8.
  s = ParseCvss("(AV:N/AC:L/Au:N/C:N/I:N/A:C)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, CvssVersion::kV2);
  EXPECT_DOUBLE_EQ(s->base_score, 7.8);
  EXPECT_FALSE(s->temporal_score.has_value());

  // v4: CVE-2024-3094-like critical network vector, 10.0; with E:U, 9.3 -> lower.
  s = ParseCvss(" CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->version, CvssVersion::kV40);
  EXPECT_DOUBLE_EQ(s->base_score, 10.0);
  EXPECT_FALSE(s->temporal_score.has_value());
  // No impact at all scores 0 whatever else is set.
  s = ParseCvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A");
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->base_score, 0.0);
}

// The error names the metric (and the byte offset) so a feed problem can be
// found.
TEST(ParseCvssTest, ErrorsNameTheMetric) {
  struct Case {
    const char* vector;
    const char* needle;
  };
  const Case cases[] = {
      {"CVSS:4.0/AV:Z/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", "metric AV: bad value"},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/SA:N",
       "metric SA: duplicate"},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N", "metric SA: mandatory"},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/E:A/SA:N",
       "metric SA: out of order"},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:X", "metric A: bad value \"X\""},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N/AV:X", "metric AV: duplicate"},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N", "metric A: mandatory"},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/Q:N", "unknown metric \"Q\""},
      {"CVSS:3.3/AV:P", "unsupported version"},
      {"AV:A/AC:L/Au:N/C:C/I:C/A:C/E:F", "metric RL: missing from the temporal"},
      {"AV:A/AC:L/Au:N/A:C/I:C/C:C", "metric I: out of order"},
      {"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N/", "offset 45: empty metric"},
  };
  for (const Case& c : cases) {
    Result<CvssScore> s = ParseCvss(c.vector);
    ASSERT_FALSE(s.ok()) << c.vector;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << c.vector;
    EXPECT_NE(s.status().message().find(c.needle), std::string::npos)
        << c.vector << " -> " << s.status().message();
  }
}

TEST(ParseCvssTest, BoundsAndGarbage) {
  EXPECT_FALSE(ParseCvss("").ok());
  EXPECT_FALSE(ParseCvss("   ").ok());
  EXPECT_FALSE(ParseCvss("CVSS:").ok());
  EXPECT_FALSE(ParseCvss("CVSS:3.1/").ok());
  EXPECT_FALSE(ParseCvss("()").ok());
  EXPECT_FALSE(ParseCvss(std::string_view("AV:N\0/AC:L", 10)).ok());
  std::string long_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  while (long_vector.size() <= 1024) long_vector += "/E:X";
  Result<CvssScore> s = ParseCvss(long_vector);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("longer than"), std::string::npos);
}

TEST(CvssVersionNameTest, Names) {
  EXPECT_EQ(CvssVersionName(CvssVersion::kV2), "2.0");
  EXPECT_EQ(CvssVersionName(CvssVersion::kV30), "3.0");
  EXPECT_EQ(CvssVersionName(CvssVersion::kV31), "3.1");
  EXPECT_EQ(CvssVersionName(CvssVersion::kV40), "4.0");
}

TEST(SeverityForScoreTest, V3AndV4Boundaries) {
  for (CvssVersion v : {CvssVersion::kV30, CvssVersion::kV31, CvssVersion::kV40}) {
    EXPECT_EQ(SeverityForScore(v, 0.0), Severity::kNegligible);
    EXPECT_EQ(SeverityForScore(v, 0.1), Severity::kLow);
    EXPECT_EQ(SeverityForScore(v, 3.9), Severity::kLow);
    EXPECT_EQ(SeverityForScore(v, 4.0), Severity::kMedium);
    EXPECT_EQ(SeverityForScore(v, 6.9), Severity::kMedium);
    EXPECT_EQ(SeverityForScore(v, 7.0), Severity::kHigh);
    EXPECT_EQ(SeverityForScore(v, 8.9), Severity::kHigh);
    EXPECT_EQ(SeverityForScore(v, 9.0), Severity::kCritical);
    EXPECT_EQ(SeverityForScore(v, 10.0), Severity::kCritical);
    EXPECT_EQ(SeverityForScore(v, -0.1), Severity::kUnknown);
    EXPECT_EQ(SeverityForScore(v, 10.1), Severity::kUnknown);
    EXPECT_EQ(SeverityForScore(v, std::numeric_limits<double>::quiet_NaN()), Severity::kUnknown);
  }
}

TEST(SeverityForScoreTest, V2Boundaries) {
  const CvssVersion v = CvssVersion::kV2;
  EXPECT_EQ(SeverityForScore(v, 0.0), Severity::kLow);
  EXPECT_EQ(SeverityForScore(v, 3.9), Severity::kLow);
  EXPECT_EQ(SeverityForScore(v, 4.0), Severity::kMedium);
  EXPECT_EQ(SeverityForScore(v, 6.9), Severity::kMedium);
  EXPECT_EQ(SeverityForScore(v, 7.0), Severity::kHigh);
  EXPECT_EQ(SeverityForScore(v, 9.0), Severity::kHigh);
  EXPECT_EQ(SeverityForScore(v, 10.0), Severity::kHigh);
  EXPECT_EQ(SeverityForScore(v, 10.5), Severity::kUnknown);
}

}  // namespace
}  // namespace customs::vuln
