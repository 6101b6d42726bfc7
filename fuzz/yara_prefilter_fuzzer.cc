// Fuzzes the YARA prefilter. The first byte chooses what the rest is:
//   even: rule text, read by the prefilter (it must fail cleanly or build),
//         then asked about the text itself as a file;
//   odd:  a file's bytes, scanned with the built-in rules with and without
//         the prefilter: the findings must be the same (the second byte
//         picks the file's path, which some rules look at).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "detect/yara_prefilter.h"
#include "detect/yara_rules.h"

namespace {

using customs::detect::YaraPrefilter;
using customs::detect::YaraRules;

std::vector<std::string> Findings(const YaraRules& rules, const std::string& path,
                                  std::span<const uint8_t> data) {
  customs::layer::FileInfo info;
  info.path = path;
  info.size = data.size();
  info.mode = 0755;
  std::vector<customs::model::Detection> out;
  if (!rules.Scan(info, data, 0, out).ok()) std::abort();
  std::vector<std::string> ids;
  for (const auto& d : out) ids.push_back(d.rule_id + " " + d.evidence);
  return ids;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    std::string text(reinterpret_cast<const char*>(rest.data()), rest.size());
    auto prefilter = YaraPrefilter::Build({{"fuzz.yar", text}});
    if (!prefilter.ok()) return 0;
    auto scratch = (*prefilter)->NewScratch();
    if (!scratch.ok()) std::abort();
    YaraPrefilter::Input in;
    in.data = rest;
    in.filepath = "etc/fuzz.conf";
    in.filename = "fuzz.conf";
    (void)(*prefilter)->MayMatch(in, **scratch);
    return 0;
  }
  static const auto with = YaraRules::Compile(customs::detect::BuiltinRules());
  static const auto without =
      YaraRules::Compile(customs::detect::BuiltinRules(), {.prefilter = false});
  if (!with.ok() || !without.ok() || !(*with)->PrefilterState().starts_with("on:")) std::abort();
  static const char* const kPaths[] = {
      "srv/data.bin", "etc/crontab", "etc/cron.d/job", "app/.env", "usr/lib/liblzma.so.5.6.1",
      "root/.npmrc"};
  std::string path = kPaths[rest.empty() ? 0 : rest[0] % 6];
  if (!rest.empty()) rest = rest.subspan(1);
  auto a = Findings(**with, path, rest), b = Findings(**without, path, rest);
  if (a != b) {
    std::fprintf(stderr, "findings differ for %s\nwith the prefilter:\n", path.c_str());
    for (const auto& f : a) std::fprintf(stderr, "  %s\n", f.c_str());
    std::fprintf(stderr, "without:\n");
    for (const auto& f : b) std::fprintf(stderr, "  %s\n", f.c_str());
    std::abort();
  }
  return 0;
}
