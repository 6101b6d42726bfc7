// CVSS v2.0, v3.0, v3.1 and v4.0 vector parsing and scoring.
//
// v2.0: "A Complete Guide to the Common Vulnerability Scoring System Version
// 2.0" (FIRST), section 3.2 equations. v3.0 / v3.1: the FIRST specification
// documents, section 7 (Roundup of v3.1 appendix A). v4.0: the FIRST v4.0
// specification and its reference calculator (macro vectors EQ1..EQ6, the
// macro-vector score table, highest-severity vectors, severity distances and
// the mean proportional distance), reimplemented here.
#include "vuln/cvss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/strings.h"

namespace customs::vuln {
namespace {

constexpr size_t kMaxVectorBytes = 1024;
constexpr int kMaxMetrics = 32;

// One metric of a version's vector: its abbreviation and its allowed values,
// space separated. A parsed value is stored as its index in that list.
struct MetricDef {
  std::string_view name;
  std::string_view values;
  bool mandatory;
};

// Parsed metric values: index into MetricDef::values, -1 when absent.
using Values = std::array<int, kMaxMetrics>;

// Index of `value` in the space-separated list `values`, or -1.
int ValueIndex(std::string_view values, std::string_view value) {
  int index = 0;
  size_t pos = 0;
  while (pos <= values.size()) {
    size_t end = values.find(' ', pos);
    if (end == std::string_view::npos) end = values.size();
    if (values.substr(pos, end - pos) == value) return index;
    ++index;
    pos = end + 1;
  }
  return -1;
}

std::string AllowedList(std::string_view values) {
  std::string out;
  for (char c : values) out += c == ' ' ? std::string(", ") : std::string(1, c);
  return out;
}

// Parses "K:V/K:V/..." (`body`, which starts at byte `offset` of the vector)
// against `defs`. `ordered`: metrics must follow the order of `defs`.
template <size_t N>
Status ParseMetrics(std::string_view body, size_t offset, const MetricDef (&defs)[N], bool ordered,
                    std::string_view version, Values& out) {
  static_assert(N <= kMaxMetrics);
  out.fill(-1);
  int last = -1;
  size_t pos = 0;
  while (true) {
    size_t end = body.find('/', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view token = body.substr(pos, end - pos);
    const std::string where =
        "CVSS " + std::string(version) + " vector: offset " + std::to_string(offset + pos) + ": ";
    if (token.empty()) return InvalidArgument(where + "empty metric (expected NAME:VALUE)");
    size_t colon = token.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument(where + "metric \"" + Printable(token, 24) +
                             "\" has no value (expected NAME:VALUE)");
    }
    std::string_view name = token.substr(0, colon);
    std::string_view value = token.substr(colon + 1);
    int index = -1;
    for (size_t i = 0; i < N; ++i) {
      if (defs[i].name == name) index = static_cast<int>(i);
    }
    if (index < 0) {
      return InvalidArgument(where + "unknown metric \"" + Printable(name, 24) + "\"");
    }
    const MetricDef& def = defs[index];
    const std::string metric = "metric " + std::string(def.name) + ": ";
    if (out[index] >= 0) return InvalidArgument(where + metric + "duplicate");
    if (ordered && index < last) {
      return InvalidArgument(where + metric + "out of order (must come before " +
                             std::string(defs[last].name) + ")");
    }
    int value_index = ValueIndex(def.values, value);
    if (value.empty() || value_index < 0) {
      return InvalidArgument(where + metric + "bad value \"" + Printable(value, 24) +
                             "\" (expected one of " + AllowedList(def.values) + ")");
    }
    out[index] = value_index;
    last = index;
    if (end == body.size()) break;
    pos = end + 1;
  }
  for (size_t i = 0; i < N; ++i) {
    if (defs[i].mandatory && out[i] < 0) {
      return InvalidArgument("CVSS " + std::string(version) + " vector: metric " +
                             std::string(defs[i].name) + ": mandatory base metric missing");
    }
  }
  return Status::Ok();
}

// Rounds a non-negative score to one decimal, half up. The value is first
// rounded to five decimals so that binary floating-point noise (8.5 computed
// as 8.4999999999) does not move it across a boundary; scores are decimal
// quantities in the specs.
double RoundHalfUp1(double x) {
  int64_t n = std::llround(x * 100000.0);
  if (n <= 0) return 0.0;
  return static_cast<double>((n + 5000) / 10000) / 10.0;
}

// v3.x Roundup: the smallest one-decimal number >= x. This is v3.1's
// definition (appendix A), which works on x rounded to five decimals to avoid
// floating-point error; v3.0 defines Roundup as plain ceil-to-one-decimal of
// the exact value, and the two agree on every v3.0 test vector.
double Roundup(double x) {
  int64_t n = std::llround(x * 100000.0);
  if (n <= 0) return 0.0;
  if (n % 10000 == 0) return static_cast<double>(n) / 100000.0;
  return static_cast<double>(n / 10000 + 1) / 10.0;
}

// ---------------------------------------------------------------------------
// CVSS v2.0

enum V2Metric {
  kV2AV,
  kV2AC,
  kV2Au,
  kV2C,
  kV2I,
  kV2A,
  kV2E,
  kV2RL,
  kV2RC,
  kV2CDP,
  kV2TD,
  kV2CR,
  kV2IR,
  kV2AR
};

// In the guide's order (section 2.4, table 13).
constexpr MetricDef kV2Metrics[] = {
    {"AV", "L A N", true},        {"AC", "H M L", true},
    {"Au", "M S N", true},        {"C", "N P C", true},
    {"I", "N P C", true},         {"A", "N P C", true},
    {"E", "U POC F H ND", false}, {"RL", "OF TF W U ND", false},
    {"RC", "UC UR C ND", false},  {"CDP", "N L LM MH H ND", false},
    {"TD", "N L M H ND", false},  {"CR", "L M H ND", false},
    {"IR", "L M H ND", false},    {"AR", "L M H ND", false},
};

constexpr double kV2AccessVector[] = {0.395, 0.646, 1.0};
constexpr double kV2AccessComplexity[] = {0.35, 0.61, 0.71};
constexpr double kV2Authentication[] = {0.45, 0.56, 0.704};
constexpr double kV2Impact[] = {0.0, 0.275, 0.660};
constexpr double kV2Exploitability[] = {0.85, 0.9, 0.95, 1.0, 1.0};
constexpr double kV2RemediationLevel[] = {0.87, 0.90, 0.95, 1.0, 1.0};
constexpr double kV2ReportConfidence[] = {0.90, 0.95, 1.0, 1.0};
constexpr double kV2CollateralDamage[] = {0.0, 0.1, 0.3, 0.4, 0.5, 0.0};
constexpr double kV2TargetDistribution[] = {0.0, 0.25, 0.75, 1.0, 1.0};
constexpr double kV2Requirement[] = {0.5, 1.0, 1.51, 1.0};

double V2BaseEquation(double impact, double exploitability) {
  double f = impact == 0.0 ? 0.0 : 1.176;
  return RoundHalfUp1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
}

// Each group is written whole when present (the guide's vector table lists
// E/RL/RC and CDP/TD/CR/IR/AR as units; claircore enforces this).
Status CheckV2Group(const Values& v, int first, int last, std::string_view group) {
  int present = 0;
  for (int i = first; i <= last; ++i) present += v[i] >= 0 ? 1 : 0;
  if (present == 0 || present == last - first + 1) return Status::Ok();
  for (int i = first; i <= last; ++i) {
    if (v[i] < 0) {
      return InvalidArgument("CVSS 2.0 vector: metric " + std::string(kV2Metrics[i].name) +
                             ": missing from the " + std::string(group) +
                             " group (v2 groups are written whole)");
    }
  }
  return Status::Ok();
}

Result<CvssScore> ScoreV2(std::string_view body, size_t offset) {
  Values v;
  CUSTOMS_TRY(ParseMetrics(body, offset, kV2Metrics, /*ordered=*/true, "2.0", v));
  CUSTOMS_TRY(CheckV2Group(v, kV2E, kV2RC, "temporal E/RL/RC"));
  CUSTOMS_TRY(CheckV2Group(v, kV2CDP, kV2AR, "environmental CDP/TD/CR/IR/AR"));

  const double c = kV2Impact[v[kV2C]], i = kV2Impact[v[kV2I]], a = kV2Impact[v[kV2A]];
  const double impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const double exploitability =
      20 * kV2AccessVector[v[kV2AV]] * kV2AccessComplexity[v[kV2AC]] * kV2Authentication[v[kV2Au]];
  CvssScore score;
  score.version = CvssVersion::kV2;
  score.base_score = V2BaseEquation(impact, exploitability);

  const bool has_temporal = v[kV2E] >= 0;
  const double temporal_factor = has_temporal
                                     ? kV2Exploitability[v[kV2E]] * kV2RemediationLevel[v[kV2RL]] *
                                           kV2ReportConfidence[v[kV2RC]]
                                     : 1.0;
  if (has_temporal) score.temporal_score = RoundHalfUp1(score.base_score * temporal_factor);
  if (v[kV2CDP] >= 0) {
    const double cr = kV2Requirement[v[kV2CR]], ir = kV2Requirement[v[kV2IR]],
                 ar = kV2Requirement[v[kV2AR]];
    const double adjusted_impact =
        std::min(10.0, 10.41 * (1 - (1 - c * cr) * (1 - i * ir) * (1 - a * ar)));
    const double adjusted_base = V2BaseEquation(adjusted_impact, exploitability);
    const double adjusted_temporal = RoundHalfUp1(adjusted_base * temporal_factor);
    const double cdp = kV2CollateralDamage[v[kV2CDP]];
    const double td = kV2TargetDistribution[v[kV2TD]];
    score.environmental_score =
        RoundHalfUp1((adjusted_temporal + (10 - adjusted_temporal) * cdp) * td);
  }
  return score;
}

// ---------------------------------------------------------------------------
// CVSS v3.0 / v3.1

enum V3Metric {
  kV3AV,
  kV3AC,
  kV3PR,
  kV3UI,
  kV3S,
  kV3C,
  kV3I,
  kV3A,
  kV3E,
  kV3RL,
  kV3RC,
  kV3CR,
  kV3IR,
  kV3AR,
  kV3MAV,
  kV3MAC,
  kV3MPR,
  kV3MUI,
  kV3MS,
  kV3MC,
  kV3MI,
  kV3MA
};

// Modified metrics list the base values after "X" in the same order, so
// value index - 1 of a modified metric is the base metric's index.
constexpr MetricDef kV3Metrics[] = {
    {"AV", "N A L P", true},    {"AC", "L H", true},       {"PR", "N L H", true},
    {"UI", "N R", true},        {"S", "U C", true},        {"C", "H L N", true},
    {"I", "H L N", true},       {"A", "H L N", true},      {"E", "X U P F H", false},
    {"RL", "X O T W U", false}, {"RC", "X U R C", false},  {"CR", "X L M H", false},
    {"IR", "X L M H", false},   {"AR", "X L M H", false},  {"MAV", "X N A L P", false},
    {"MAC", "X L H", false},    {"MPR", "X N L H", false}, {"MUI", "X N R", false},
    {"MS", "X U C", false},     {"MC", "X H L N", false},  {"MI", "X H L N", false},
    {"MA", "X H L N", false},
};

constexpr double kV3AttackVector[] = {0.85, 0.62, 0.55, 0.2};
constexpr double kV3AttackComplexity[] = {0.77, 0.44};
constexpr double kV3PrivilegesUnchanged[] = {0.85, 0.62, 0.27};
constexpr double kV3PrivilegesChanged[] = {0.85, 0.68, 0.5};
constexpr double kV3UserInteraction[] = {0.85, 0.62};
constexpr double kV3Impact[] = {0.56, 0.22, 0.0};
constexpr double kV3ExploitMaturity[] = {1.0, 0.91, 0.94, 0.97, 1.0};
constexpr double kV3RemediationLevel[] = {1.0, 0.95, 0.96, 0.97, 1.0};
constexpr double kV3ReportConfidence[] = {1.0, 0.92, 0.96, 1.0};
constexpr double kV3Requirement[] = {1.0, 0.5, 1.0, 1.5};

// The base value index, replaced by the modified metric's when that is set
// and not X.
int Effective(const Values& v, int base, int modified) {
  return v[modified] > 0 ? v[modified] - 1 : v[base];
}

Result<CvssScore> ScoreV3(std::string_view body, size_t offset, bool v31) {
  Values v;
  CUSTOMS_TRY(ParseMetrics(body, offset, kV3Metrics, /*ordered=*/false, v31 ? "3.1" : "3.0", v));
  CvssScore score;
  score.version = v31 ? CvssVersion::kV31 : CvssVersion::kV30;

  const bool changed = v[kV3S] == 1;
  const double iss =
      1 - (1 - kV3Impact[v[kV3C]]) * (1 - kV3Impact[v[kV3I]]) * (1 - kV3Impact[v[kV3A]]);
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability =
      8.22 * kV3AttackVector[v[kV3AV]] * kV3AttackComplexity[v[kV3AC]] *
      (changed ? kV3PrivilegesChanged : kV3PrivilegesUnchanged)[v[kV3PR]] *
      kV3UserInteraction[v[kV3UI]];
  if (impact <= 0) {
    score.base_score = 0;
  } else if (changed) {
    score.base_score = Roundup(std::min(1.08 * (impact + exploitability), 10.0));
  } else {
    score.base_score = Roundup(std::min(impact + exploitability, 10.0));
  }

  auto weight = [&v](int metric, const double* table) {
    return v[metric] >= 0 ? table[v[metric]] : 1.0;
  };
  const double temporal_factor = weight(kV3E, kV3ExploitMaturity) *
                                 weight(kV3RL, kV3RemediationLevel) *
                                 weight(kV3RC, kV3ReportConfidence);
  if (v[kV3E] >= 0 || v[kV3RL] >= 0 || v[kV3RC] >= 0) {
    score.temporal_score = Roundup(score.base_score * temporal_factor);
  }

  bool has_environmental = false;
  for (int m = kV3CR; m <= kV3MA; ++m) has_environmental |= v[m] >= 0;
  if (has_environmental) {
    const bool m_changed = Effective(v, kV3S, kV3MS) == 1;
    const double miss = std::min(
        1 - (1 - weight(kV3CR, kV3Requirement) * kV3Impact[Effective(v, kV3C, kV3MC)]) *
                (1 - weight(kV3IR, kV3Requirement) * kV3Impact[Effective(v, kV3I, kV3MI)]) *
                (1 - weight(kV3AR, kV3Requirement) * kV3Impact[Effective(v, kV3A, kV3MA)]),
        0.915);
    double m_impact;
    if (!m_changed) {
      m_impact = 6.42 * miss;
    } else if (v31) {
      m_impact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss * 0.9731 - 0.02, 13);
    } else {
      m_impact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss - 0.02, 15);
    }
    const double m_exploitability =
        8.22 * kV3AttackVector[Effective(v, kV3AV, kV3MAV)] *
        kV3AttackComplexity[Effective(v, kV3AC, kV3MAC)] *
        (m_changed ? kV3PrivilegesChanged : kV3PrivilegesUnchanged)[Effective(v, kV3PR, kV3MPR)] *
        kV3UserInteraction[Effective(v, kV3UI, kV3MUI)];
    if (m_impact <= 0) {
      score.environmental_score = 0.0;
    } else {
      const double sum =
          m_changed ? 1.08 * (m_impact + m_exploitability) : m_impact + m_exploitability;
      score.environmental_score = Roundup(Roundup(std::min(sum, 10.0)) * temporal_factor);
    }
  }
  return score;
}

// ---------------------------------------------------------------------------
// CVSS v4.0

enum V4Metric {
  kV4AV,
  kV4AC,
  kV4AT,
  kV4PR,
  kV4UI,
  kV4VC,
  kV4VI,
  kV4VA,
  kV4SC,
  kV4SI,
  kV4SA,
  kV4E,
  kV4CR,
  kV4IR,
  kV4AR,
  kV4MAV,
  kV4MAC,
  kV4MAT,
  kV4MPR,
  kV4MUI,
  kV4MVC,
  kV4MVI,
  kV4MVA,
  kV4MSC,
  kV4MSI,
  kV4MSA
};

// In the specification's order (section 7), which a v4.0 vector must follow.
constexpr MetricDef kV4Metrics[] = {
    // Base.
    {"AV", "N A L P", true},
    {"AC", "L H", true},
    {"AT", "N P", true},
    {"PR", "N L H", true},
    {"UI", "N P A", true},
    {"VC", "H L N", true},
    {"VI", "H L N", true},
    {"VA", "H L N", true},
    {"SC", "H L N", true},
    {"SI", "H L N", true},
    {"SA", "H L N", true},
    // Threat.
    {"E", "X A P U", false},
    // Environmental.
    {"CR", "X H M L", false},
    {"IR", "X H M L", false},
    {"AR", "X H M L", false},
    {"MAV", "X N A L P", false},
    {"MAC", "X L H", false},
    {"MAT", "X N P", false},
    {"MPR", "X N L H", false},
    {"MUI", "X N P A", false},
    {"MVC", "X H L N", false},
    {"MVI", "X H L N", false},
    {"MVA", "X H L N", false},
    {"MSC", "X H L N", false},
    {"MSI", "X S H L N", false},
    {"MSA", "X S H L N", false},
    // Supplemental: parsed, never scored.
    {"S", "X N P", false},
    {"AU", "X N Y", false},
    {"R", "X A U I", false},
    {"V", "X D C", false},
    {"RE", "X L M H", false},
    {"U", "X Clear Green Amber Red", false},
};

// The effective values the v4.0 equations use, one letter each: a modified
// metric overrides its base metric unless X; E:X counts as A and CR/IR/AR:X
// as H (the worst case).
struct V4Point {
  char av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e;
};

char Letter(const MetricDef& def, int index) {
  int i = 0;
  for (size_t pos = 0; pos < def.values.size(); ++pos) {
    if (def.values[pos] == ' ') {
      ++i;
    } else if (i == index) {
      return def.values[pos];
    }
  }
  return '?';
}

char EffectiveV4(const Values& v, int base, int modified) {
  if (modified >= 0 && v[modified] > 0) return Letter(kV4Metrics[modified], v[modified]);
  return Letter(kV4Metrics[base], v[base]);
}

char DefaultedV4(const Values& v, int metric, char fallback) {
  return v[metric] > 0 ? Letter(kV4Metrics[metric], v[metric]) : fallback;
}

// Macro-vector scores from the v4.0 specification, indexed
// [eq1 * 6 + eq2 * 3 + eq3][eq4 * 6 + eq5 * 2 + eq6]. kNo: the macro vector
// does not exist (eq3 = 2 implies eq6 = 1).
constexpr double kNo = -1;
constexpr double kMacroScores[18][18] = {
    // eq1=0 eq2=0 eq3=0
    {10, 9.9, 9.8, 9.5, 9.5, 9.2, 10, 9.6, 9.3, 8.7, 9.1, 8.1, 9.3, 9.0, 8.9, 8.0, 8.1, 6.8},
    // eq1=0 eq2=0 eq3=1
    {9.8, 9.5, 9.5, 9.2, 9.0, 8.4, 9.3, 9.2, 8.9, 8.1, 8.1, 6.5, 8.8, 8.0, 7.8, 7.0, 6.9, 4.8},
    // eq1=0 eq2=0 eq3=2
    {kNo, 9.2, kNo, 8.2, kNo, 7.2, kNo, 7.9, kNo, 6.9, kNo, 5.0, kNo, 6.9, kNo, 5.5, kNo, 2.7},
    // eq1=0 eq2=1 eq3=0
    {9.9, 9.7, 9.5, 9.2, 9.2, 8.5, 9.5, 9.1, 9.0, 8.3, 8.4, 7.1, 9.2, 8.1, 8.2, 7.1, 7.2, 5.3},
    // eq1=0 eq2=1 eq3=1
    {9.5, 9.3, 9.2, 8.5, 8.5, 7.3, 9.2, 8.2, 8.0, 7.2, 7.0, 5.9, 8.4, 7.0, 7.1, 5.2, 5.0, 3.0},
    // eq1=0 eq2=1 eq3=2
    {kNo, 8.6, kNo, 7.5, kNo, 5.2, kNo, 7.1, kNo, 5.2, kNo, 2.9, kNo, 6.3, kNo, 2.9, kNo, 1.7},
    // eq1=1 eq2=0 eq3=0
    {9.8, 9.5, 9.4, 8.7, 9.1, 8.1, 9.4, 8.9, 8.6, 7.4, 7.7, 6.4, 8.7, 7.5, 7.4, 6.3, 6.3, 4.9},
    // eq1=1 eq2=0 eq3=1
    {9.4, 8.9, 8.8, 7.7, 7.6, 6.7, 8.6, 7.6, 7.4, 5.8, 5.9, 5.0, 7.2, 5.7, 5.7, 5.2, 5.2, 2.5},
    // eq1=1 eq2=0 eq3=2
    {kNo, 8.3, kNo, 7.0, kNo, 5.4, kNo, 6.5, kNo, 5.8, kNo, 2.6, kNo, 5.3, kNo, 2.1, kNo, 1.3},
    // eq1=1 eq2=1 eq3=0
    {9.5, 9.0, 8.8, 7.6, 7.6, 7.0, 9.0, 7.7, 7.5, 6.2, 6.1, 5.3, 7.7, 6.6, 6.8, 5.9, 5.2, 3.0},
    // eq1=1 eq2=1 eq3=1
    {8.9, 7.8, 7.6, 6.7, 6.2, 5.8, 7.4, 5.9, 5.7, 5.7, 4.7, 2.3, 6.1, 5.2, 5.7, 2.9, 2.4, 1.6},
    // eq1=1 eq2=1 eq3=2
    {kNo, 7.1, kNo, 5.9, kNo, 3.0, kNo, 5.8, kNo, 2.6, kNo, 1.5, kNo, 2.3, kNo, 1.3, kNo, 0.6},
    // eq1=2 eq2=0 eq3=0
    {9.3, 8.7, 8.6, 7.2, 7.5, 5.8, 8.6, 7.4, 7.4, 6.1, 5.6, 3.4, 7.0, 5.4, 5.2, 4.0, 4.0, 2.2},
    // eq1=2 eq2=0 eq3=1
    {8.5, 7.5, 7.4, 5.5, 6.2, 5.1, 7.2, 5.7, 5.5, 4.1, 4.6, 1.9, 5.3, 3.6, 3.4, 1.9, 1.9, 0.8},
    // eq1=2 eq2=0 eq3=2
    {kNo, 6.4, kNo, 5.1, kNo, 2.0, kNo, 4.7, kNo, 2.1, kNo, 1.1, kNo, 2.4, kNo, 0.9, kNo, 0.4},
    // eq1=2 eq2=1 eq3=0
    {8.8, 7.5, 7.3, 5.3, 6.0, 5.0, 7.3, 5.5, 5.9, 4.0, 4.1, 2.0, 5.4, 4.3, 4.5, 2.2, 2.0, 1.1},
    // eq1=2 eq2=1 eq3=1
    {7.5, 5.5, 5.8, 4.5, 4.0, 2.1, 6.1, 5.1, 4.8, 1.8, 2.0, 0.9, 4.6, 1.8, 1.7, 0.7, 0.8, 0.2},
    // eq1=2 eq2=1 eq3=2
    {kNo, 5.3, kNo, 2.4, kNo, 1.4, kNo, 2.4, kNo, 1.2, kNo, 0.5, kNo, 1.0, kNo, 0.3, kNo, 0.1},
};

struct Macro {
  int eq1, eq2, eq3, eq4, eq5, eq6;
};

// The macro vector's score, or nullopt when it does not exist.
std::optional<double> MacroScore(const Macro& m) {
  if (m.eq1 < 0 || m.eq1 > 2 || m.eq2 < 0 || m.eq2 > 1 || m.eq3 < 0 || m.eq3 > 2 || m.eq4 < 0 ||
      m.eq4 > 2 || m.eq5 < 0 || m.eq5 > 2 || m.eq6 < 0 || m.eq6 > 1) {
    return std::nullopt;
  }
  double s = kMacroScores[m.eq1 * 6 + m.eq2 * 3 + m.eq3][m.eq4 * 6 + m.eq5 * 2 + m.eq6];
  if (s < 0) return std::nullopt;
  return s;
}

Macro MacroOf(const V4Point& p) {
  Macro m;
  // EQ1: AV/PR/UI.
  if (p.av == 'N' && p.pr == 'N' && p.ui == 'N') {
    m.eq1 = 0;
  } else if ((p.av == 'N' || p.pr == 'N' || p.ui == 'N') && p.av != 'P') {
    m.eq1 = 1;
  } else {
    m.eq1 = 2;
  }
  // EQ2: AC/AT.
  m.eq2 = (p.ac == 'L' && p.at == 'N') ? 0 : 1;
  // EQ3: VC/VI/VA.
  if (p.vc == 'H' && p.vi == 'H') {
    m.eq3 = 0;
  } else if (p.vc == 'H' || p.vi == 'H' || p.va == 'H') {
    m.eq3 = 1;
  } else {
    m.eq3 = 2;
  }
  // EQ4: SC/SI/SA (MSI/MSA:S, safety, is the top class).
  if (p.si == 'S' || p.sa == 'S') {
    m.eq4 = 0;
  } else if (p.sc == 'H' || p.si == 'H' || p.sa == 'H') {
    m.eq4 = 1;
  } else {
    m.eq4 = 2;
  }
  // EQ5: E.
  m.eq5 = p.e == 'A' ? 0 : p.e == 'P' ? 1 : 2;
  // EQ6: CR/IR/AR with VC/VI/VA.
  m.eq6 =
      ((p.cr == 'H' && p.vc == 'H') || (p.ir == 'H' && p.vi == 'H') || (p.ar == 'H' && p.va == 'H'))
          ? 0
          : 1;
  return m;
}

// Severity levels of each metric value (distance unit 0.1, higher = less
// severe), as the reference calculator defines them.
double Level(char metric_class, char value) {
  switch (metric_class) {
    case 'v':  // AV
      return value == 'N' ? 0.0 : value == 'A' ? 0.1 : value == 'L' ? 0.2 : 0.3;
    case 'p':  // PR
      return value == 'N' ? 0.0 : value == 'L' ? 0.1 : 0.2;
    case 'u':  // UI
      return value == 'N' ? 0.0 : value == 'P' ? 0.1 : 0.2;
    case 'c':  // AC
      return value == 'L' ? 0.0 : 0.1;
    case 't':  // AT
      return value == 'N' ? 0.0 : 0.1;
    case 'i':  // VC, VI, VA
      return value == 'H' ? 0.0 : value == 'L' ? 0.1 : 0.2;
    case 's':  // SC, SI, SA
      return value == 'S' ? 0.0 : value == 'H' ? 0.1 : value == 'L' ? 0.2 : 0.3;
    case 'r':  // CR, IR, AR
      return value == 'H' ? 0.0 : value == 'M' ? 0.1 : 0.2;
    case 'e':  // E
      return value == 'A' ? 0.0 : value == 'P' ? 0.1 : 0.2;
  }
  return 0.0;
}

// Highest-severity vectors of each macro-vector class, in the reference
// calculator's order (the first one the scored vector does not exceed wins).
struct Eq1Max {
  char av, pr, ui;
};
struct Eq2Max {
  char ac, at;
};
struct Eq36Max {
  char vc, vi, va, cr, ir, ar;
};
struct Eq4Max {
  char sc, si, sa;
};

constexpr Eq1Max kEq1Max0[] = {{'N', 'N', 'N'}};
constexpr Eq1Max kEq1Max1[] = {{'A', 'N', 'N'}, {'N', 'L', 'N'}, {'N', 'N', 'P'}};
constexpr Eq1Max kEq1Max2[] = {{'P', 'N', 'N'}, {'A', 'L', 'P'}};
constexpr Eq2Max kEq2Max0[] = {{'L', 'N'}};
constexpr Eq2Max kEq2Max1[] = {{'H', 'N'}, {'L', 'P'}};
constexpr Eq36Max kEq36Max00[] = {{'H', 'H', 'H', 'H', 'H', 'H'}};
constexpr Eq36Max kEq36Max01[] = {{'H', 'H', 'L', 'M', 'M', 'H'}, {'H', 'H', 'H', 'M', 'M', 'M'}};
constexpr Eq36Max kEq36Max10[] = {{'L', 'H', 'H', 'H', 'H', 'H'}, {'H', 'L', 'H', 'H', 'H', 'H'}};
constexpr Eq36Max kEq36Max11[] = {{'L', 'H', 'L', 'H', 'M', 'H'},
                                  {'L', 'H', 'H', 'H', 'M', 'M'},
                                  {'H', 'L', 'H', 'M', 'H', 'M'},
                                  {'H', 'L', 'L', 'M', 'H', 'H'},
                                  {'L', 'L', 'H', 'H', 'H', 'M'}};
constexpr Eq36Max kEq36Max21[] = {{'L', 'L', 'L', 'H', 'H', 'H'}};
constexpr Eq4Max kEq4Max[] = {{'H', 'S', 'S'}, {'H', 'H', 'H'}, {'L', 'L', 'L'}};
constexpr char kEq5Max[] = {'A', 'P', 'U'};

std::span<const Eq1Max> Eq1Maxes(int eq1) {
  if (eq1 == 0) return kEq1Max0;
  if (eq1 == 1) return kEq1Max1;
  return kEq1Max2;
}
std::span<const Eq2Max> Eq2Maxes(int eq2) {
  if (eq2 == 0) return kEq2Max0;
  return kEq2Max1;
}
std::span<const Eq36Max> Eq36Maxes(int eq3, int eq6) {
  if (eq3 == 0 && eq6 == 0) return kEq36Max00;
  if (eq3 == 0) return kEq36Max01;
  if (eq3 == 1 && eq6 == 0) return kEq36Max10;
  if (eq3 == 1) return kEq36Max11;
  return kEq36Max21;
}

// Maximal severity depth of each class, in distance steps (the calculator's
// "max severity" table).
int Eq1Depth(int eq1) { return eq1 == 0 ? 1 : eq1 == 1 ? 4 : 5; }
int Eq2Depth(int eq2) { return eq2 == 0 ? 1 : 2; }
int Eq36Depth(int eq3, int eq6) {
  if (eq3 == 0) return eq6 == 0 ? 7 : 6;
  if (eq3 == 1) return 8;
  return 10;
}
int Eq4Depth(int eq4) { return eq4 == 0 ? 6 : eq4 == 1 ? 5 : 4; }

struct Distances {
  double av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e;
  bool AllNonNegative() const {
    for (double d : {av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar, e}) {
      if (d < 0) return false;
    }
    return true;
  }
};

// Rounds half up to one decimal the way the reference calculator does:
// Math.round((x + 1e-6) * 10) / 10 on doubles. The 1e-6 keeps exact halves
// that floating point computes a hair low (6.1 - 0.45 = 5.6499999999999995)
// rounding up, as the decimal definition wants.
double RoundV4(double x) {
  constexpr double kEpsilon = 1e-6;
  double shifted = (x + kEpsilon) * 10;
  double r = std::floor(shifted);
  if (shifted - r >= 0.5) r += 1;
  return r / 10;
}

double ScoreV4Point(const V4Point& p) {
  if (p.vc == 'N' && p.vi == 'N' && p.va == 'N' && p.sc == 'N' && p.si == 'N' && p.sa == 'N') {
    return 0.0;
  }
  const Macro m = MacroOf(p);
  const double value = *MacroScore(m);  // MacroOf only yields existing vectors.

  // Maximal scoring difference to the next lower macro vector of each EQ.
  std::optional<double> lower1 = MacroScore({m.eq1 + 1, m.eq2, m.eq3, m.eq4, m.eq5, m.eq6});
  std::optional<double> lower2 = MacroScore({m.eq1, m.eq2 + 1, m.eq3, m.eq4, m.eq5, m.eq6});
  std::optional<double> lower36;
  if (m.eq3 == 0 && m.eq6 == 0) {
    // Two ways down (eq6 0->1 or eq3 0->1): the higher score.
    std::optional<double> left = MacroScore({m.eq1, m.eq2, m.eq3, m.eq4, m.eq5, 1});
    std::optional<double> right = MacroScore({m.eq1, m.eq2, 1, m.eq4, m.eq5, 0});
    if (left && right) lower36 = std::max(*left, *right);
  } else if (m.eq3 == 1 && m.eq6 == 0) {
    lower36 = MacroScore({m.eq1, m.eq2, m.eq3, m.eq4, m.eq5, 1});
  } else {
    // 01 -> 11, 11 -> 21; 21 has nothing lower.
    lower36 = MacroScore({m.eq1, m.eq2, m.eq3 + 1, m.eq4, m.eq5, m.eq6});
  }
  std::optional<double> lower4 = MacroScore({m.eq1, m.eq2, m.eq3, m.eq4 + 1, m.eq5, m.eq6});
  std::optional<double> lower5 = MacroScore({m.eq1, m.eq2, m.eq3, m.eq4, m.eq5 + 1, m.eq6});

  // Severity distance from the first highest-severity vector of the macro
  // vector that the scored vector does not exceed in any metric.
  Distances d{};
  bool found = false;
  for (const Eq1Max& x1 : Eq1Maxes(m.eq1)) {
    for (const Eq2Max& x2 : Eq2Maxes(m.eq2)) {
      for (const Eq36Max& x3 : Eq36Maxes(m.eq3, m.eq6)) {
        const Eq4Max& x4 = kEq4Max[m.eq4];
        const char x5 = kEq5Max[m.eq5];
        d.av = Level('v', p.av) - Level('v', x1.av);
        d.pr = Level('p', p.pr) - Level('p', x1.pr);
        d.ui = Level('u', p.ui) - Level('u', x1.ui);
        d.ac = Level('c', p.ac) - Level('c', x2.ac);
        d.at = Level('t', p.at) - Level('t', x2.at);
        d.vc = Level('i', p.vc) - Level('i', x3.vc);
        d.vi = Level('i', p.vi) - Level('i', x3.vi);
        d.va = Level('i', p.va) - Level('i', x3.va);
        d.sc = Level('s', p.sc) - Level('s', x4.sc);
        d.si = Level('s', p.si) - Level('s', x4.si);
        d.sa = Level('s', p.sa) - Level('s', x4.sa);
        d.cr = Level('r', p.cr) - Level('r', x3.cr);
        d.ir = Level('r', p.ir) - Level('r', x3.ir);
        d.ar = Level('r', p.ar) - Level('r', x3.ar);
        d.e = Level('e', p.e) - Level('e', x5);
        if (d.AllNonNegative()) {
          found = true;
          break;
        }
      }
      if (found) break;
    }
    if (found) break;
  }
  // (When none qualifies the calculator keeps the last distances; so do we.)

  constexpr double kStep = 0.1;
  const double distance1 = d.av + d.pr + d.ui;
  const double distance2 = d.ac + d.at;
  const double distance36 = d.vc + d.vi + d.va + d.cr + d.ir + d.ar;
  const double distance4 = d.sc + d.si + d.sa;

  int existing = 0;
  double n1 = 0, n2 = 0, n36 = 0, n4 = 0, n5 = 0;
  if (lower1) {
    ++existing;
    n1 = (value - *lower1) * (distance1 / (Eq1Depth(m.eq1) * kStep));
  }
  if (lower2) {
    ++existing;
    n2 = (value - *lower2) * (distance2 / (Eq2Depth(m.eq2) * kStep));
  }
  if (lower36) {
    ++existing;
    n36 = (value - *lower36) * (distance36 / (Eq36Depth(m.eq3, m.eq6) * kStep));
  }
  if (lower4) {
    ++existing;
    n4 = (value - *lower4) * (distance4 / (Eq4Depth(m.eq4) * kStep));
  }
  if (lower5) {
    ++existing;  // EQ5's proportion is always 0.
    n5 = (value - *lower5) * 0.0;
  }
  const double mean = existing == 0 ? 0.0 : (n1 + n2 + n36 + n4 + n5) / existing;
  return RoundV4(std::max(0.0, std::min(10.0, value - mean)));
}

Result<CvssScore> ScoreV4(std::string_view body, size_t offset) {
  Values v;
  CUSTOMS_TRY(ParseMetrics(body, offset, kV4Metrics, /*ordered=*/true, "4.0", v));
  V4Point p;
  p.av = EffectiveV4(v, kV4AV, kV4MAV);
  p.ac = EffectiveV4(v, kV4AC, kV4MAC);
  p.at = EffectiveV4(v, kV4AT, kV4MAT);
  p.pr = EffectiveV4(v, kV4PR, kV4MPR);
  p.ui = EffectiveV4(v, kV4UI, kV4MUI);
  p.vc = EffectiveV4(v, kV4VC, kV4MVC);
  p.vi = EffectiveV4(v, kV4VI, kV4MVI);
  p.va = EffectiveV4(v, kV4VA, kV4MVA);
  p.sc = EffectiveV4(v, kV4SC, kV4MSC);
  p.si = EffectiveV4(v, kV4SI, kV4MSI);
  p.sa = EffectiveV4(v, kV4SA, kV4MSA);
  p.e = DefaultedV4(v, kV4E, 'A');
  p.cr = DefaultedV4(v, kV4CR, 'H');
  p.ir = DefaultedV4(v, kV4IR, 'H');
  p.ar = DefaultedV4(v, kV4AR, 'H');
  CvssScore score;
  score.version = CvssVersion::kV40;
  score.base_score = ScoreV4Point(p);
  return score;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Result<CvssScore> ParseCvss(std::string_view vector) {
  if (vector.size() > kMaxVectorBytes) {
    return InvalidArgument("CVSS vector of " + std::to_string(vector.size()) +
                           " bytes: longer than the limit of " + std::to_string(kMaxVectorBytes));
  }
  size_t offset = 0;
  while (offset < vector.size() && IsSpace(vector[offset])) ++offset;
  size_t end = vector.size();
  while (end > offset && IsSpace(vector[end - 1])) --end;
  std::string_view s = vector.substr(offset, end - offset);
  if (s.empty()) return InvalidArgument("CVSS vector: empty");

  constexpr std::string_view kPrefix = "CVSS:";
  if (s.substr(0, kPrefix.size()) == kPrefix) {
    size_t slash = s.find('/');
    std::string_view version =
        s.substr(kPrefix.size(),
                 slash == std::string_view::npos ? std::string_view::npos : slash - kPrefix.size());
    if (version != "3.0" && version != "3.1" && version != "4.0") {
      return InvalidArgument("CVSS vector: offset " + std::to_string(offset) +
                             ": unsupported version \"CVSS:" + Printable(version, 16) +
                             "\" (expected CVSS:3.0, CVSS:3.1, CVSS:4.0 or a v2 vector without "
                             "prefix)");
    }
    if (slash == std::string_view::npos) {
      return InvalidArgument("CVSS " + std::string(version) + " vector: no metrics after prefix");
    }
    std::string_view body = s.substr(slash + 1);
    size_t body_offset = offset + slash + 1;
    if (version == "4.0") return ScoreV4(body, body_offset);
    return ScoreV3(body, body_offset, version == "3.1");
  }
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    s = s.substr(1, s.size() - 2);
    ++offset;
  }
  return ScoreV2(s, offset);
}

std::string_view CvssVersionName(CvssVersion version) {
  switch (version) {
    case CvssVersion::kV2:
      return "2.0";
    case CvssVersion::kV30:
      return "3.0";
    case CvssVersion::kV31:
      return "3.1";
    case CvssVersion::kV40:
      return "4.0";
  }
  return "unknown";
}

model::Severity SeverityForScore(CvssVersion version, double score) {
  using model::Severity;
  if (!(score >= 0.0 && score <= 10.0)) return Severity::kUnknown;  // NaN too.
  if (version == CvssVersion::kV2) {
    if (score >= 7.0) return Severity::kHigh;
    if (score >= 4.0) return Severity::kMedium;
    return Severity::kLow;
  }
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score > 0.0) return Severity::kLow;
  return Severity::kNegligible;
}

}  // namespace customs::vuln
