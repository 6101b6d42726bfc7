// CVSS base scores computed from vectors: v2.0, v3.0, v3.1 and v4.0.
//
// Scores follow the FIRST specifications (v3.x roundup, v4.0 macro vectors
// and severity distances); tests run the vectors in ../shared/data/cvss.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/vulnerability.h"

namespace customs::vuln {

enum class CvssVersion { kV2, kV30, kV31, kV40 };

struct CvssScore {
  CvssVersion version = CvssVersion::kV31;
  // 0.0 - 10.0, one decimal. v2 and v3.x: the base equation only (temporal and
  // environmental metrics do not change it). v4.0: the score the vector as
  // written defines, as FIRST's v4.0 calculator computes it: CVSS-B for a
  // base-only vector, CVSS-BT / CVSS-BE / CVSS-BTE when it carries the threat
  // metric E or environmental metrics (CR/IR/AR, M*), because v4.0 has one
  // equation over all of them (E:X counts as E:A, CR/IR/AR:X as H).
  // Supplemental metrics (S, AU, R, V, RE, U) never change a score.
  double base_score = 0;
  // Added: v2 and v3.x only, each set when the vector has metrics of its group
  // (v2: the complete E/RL/RC or CDP/TD/CR/IR/AR group; v3.x: any of
  // E/RL/RC or CR/IR/AR/M*, "X" included), computed with the spec's
  // equations (unset metrics count as Not Defined). Never set for v4.0.
  std::optional<double> temporal_score;
  std::optional<double> environmental_score;

  // Added: the most specific score the vector defines: environmental, else
  // temporal, else base. What NVD's and claircore's calculators display.
  double OverallScore() const {
    if (environmental_score) return *environmental_score;
    if (temporal_score) return *temporal_score;
    return base_score;
  }
};

// Parses a vector and computes its scores. The version comes from the prefix
// ("CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"); no prefix means v2
// ("AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally wrapped in parentheses; a
// "CVSS:2.0/" prefix is rejected, as claircore does).
// Surrounding ASCII whitespace is ignored. Metric order: free for v3.x (the
// spec allows any order); the spec's order for v2 and v4.0, where the v2
// temporal and environmental groups must each be complete when present.
// v4.0 accepts "X" for every non-base metric. InvalidArgument naming the metric
// (and its byte offset) for unknown metrics, bad values, duplicates, wrong
// order or missing mandatory base metrics; vectors over 1024 bytes are
// rejected. Pure and thread-safe.
Result<CvssScore> ParseCvss(std::string_view vector);

std::string_view CvssVersionName(CvssVersion version);  // "2.0", "3.0", "3.1", "4.0"

// The qualitative bucket of a base score: v3/v4 use None 0, Low 0.1-3.9,
// Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0 (None maps to kNegligible
// only when the score is exactly 0); v2 uses Low 0-3.9, Medium 4.0-6.9,
// High 7.0-10.0 (NVD's v2 ratings, no Critical). Scores outside 0..10 and NaN
// give kUnknown.
model::Severity SeverityForScore(CvssVersion version, double score);

}  // namespace customs::vuln
