// Fuzzes the npm checks: the input is a lifecycle script and, up to its
// first newline, a package name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detect/npm_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto finding = customs::detect::JudgeLifecycleScript(text);
  if (!finding.rule_id.empty() && finding.title.empty()) std::abort();
  std::string_view name = text.substr(0, text.find('\n'));
  // Names are compared case-insensitively (npm's legacy mixed-case names).
  std::string lower(name);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::string_view target = customs::detect::TyposquatTarget(name);
  if (!target.empty() && !customs::detect::OneEditApart(lower, target)) std::abort();
  customs::model::Package p;
  p.type = "npm";
  p.name = std::string(name);
  p.version = "1.0.0";
  p.scripts["postinstall"] = std::string(text);
  auto found = customs::detect::CheckNpmPackages({p});
  for (const auto& d : found)
    if (d.evidence.size() > 4096) std::abort();
  return 0;
}
