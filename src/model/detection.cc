#include "model/detection.h"

namespace customs::model {

std::string_view DispositionName(Disposition d) {
  switch (d) {
    case Disposition::kInfo:
      return "info";
    case Disposition::kSuspicious:
      return "suspicious";
    case Disposition::kMalicious:
      return "malicious";
  }
  return "info";
}

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kLow:
      return "low";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kHigh:
      return "high";
  }
  return "low";
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kClean:
      return "clean";
    case Verdict::kSuspicious:
      return "suspicious";
    case Verdict::kMalicious:
      return "malicious";
  }
  return "clean";
}

Detection MakeDetection(std::string_view category, std::string_view rule, Severity severity,
                        Disposition disposition, Confidence confidence, std::string title,
                        std::string evidence, std::string_view reference) {
  Detection d;
  d.category = std::string(category);
  d.rule_id = std::string(rule);
  d.severity = severity;
  d.disposition = disposition;
  d.confidence = confidence;
  d.title = std::move(title);
  d.evidence = std::move(evidence);
  d.reference = std::string(reference);
  return d;
}

Verdict ImageVerdict(const std::vector<Detection>& detections) {
  Verdict verdict = Verdict::kClean;
  for (const auto& d : detections) {
    if (!d.suppressed_by.empty()) continue;
    if (d.disposition == Disposition::kMalicious) return Verdict::kMalicious;
    if (d.disposition == Disposition::kSuspicious) verdict = Verdict::kSuspicious;
  }
  return verdict;
}

}  // namespace customs::model
