// Fuzzes the CVSS vector parser: the whole input as one vector, then each
// line as a vector. Scores of accepted vectors must lie in 0..10, with the
// version's severity known.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/cvss.h"

namespace {

void Check(std::string_view vector) {
  customs::Result<customs::vuln::CvssScore> score = customs::vuln::ParseCvss(vector);
  if (!score.ok()) return;
  for (double s : {score->base_score, score->OverallScore()}) {
    if (!(s >= 0.0 && s <= 10.0)) __builtin_trap();
    if (customs::vuln::SeverityForScore(score->version, s) == customs::model::Severity::kUnknown) {
      __builtin_trap();
    }
  }
  (void)customs::vuln::CvssVersionName(score->version);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(text);
  int lines = 0;
  for (size_t start = 0; start < text.size() && lines < 64; ++lines) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    Check(text.substr(start, nl - start));
    start = nl + 1;
  }
  return 0;
}
