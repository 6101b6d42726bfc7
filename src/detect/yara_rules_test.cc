#include "detect/yara_rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "base/stream.h"
#include "detect/contraband.h"
#include "layer/walker.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::detect {
namespace {

using customs::testing::TarBuilder;

std::shared_ptr<const YaraRules> MustCompile(const std::string& text) {
  auto rules = YaraRules::Compile({{"test.yar", text}});
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  return rules.ok() ? *rules : nullptr;
}

std::vector<model::Detection> ScanText(const YaraRules& rules, const std::string& path,
                                       const std::string& text, uint32_t mode = 0644) {
  layer::FileInfo info;
  info.path = path;
  info.size = text.size();
  info.mode = mode;
  std::vector<model::Detection> out;
  auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  Status s = rules.Scan(info, bytes, 0, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

constexpr char kMinerRule[] = R"(
rule test_stratum {
  meta:
    category = "coin-miner"
    severity = "high"
    disposition = "suspicious"
    confidence = "high"
    description = "a stratum mining URL"
    reference = "https://example.org/stratum"
  strings:
    $url = "stratum+tcp://"
  condition:
    $url
}
rule test_other {
  strings:
    $a = "nothing-like-this-here"
  condition:
    $a
}
)";

TEST(YaraRulesTest, ScanReportsMetadataAndEvidence) {
  auto rules = MustCompile(kMinerRule);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->RuleCount(), 2u);
  EXPECT_TRUE(rules->Digest().starts_with("sha256:"));
  auto found = ScanText(*rules, "opt/app/config.json", "xxxx\"url\": \"stratum+tcp://pool:3333\"");
  ASSERT_EQ(found.size(), 1u);
  const auto& d = found[0];
  EXPECT_EQ(d.rule_id, "test_stratum");
  EXPECT_EQ(d.category, "coin-miner");
  EXPECT_EQ(d.severity, model::Severity::kHigh);
  EXPECT_EQ(d.disposition, model::Disposition::kSuspicious);
  EXPECT_EQ(d.confidence, model::Confidence::kHigh);
  EXPECT_EQ(d.title, "a stratum mining URL");
  EXPECT_EQ(d.reference, "https://example.org/stratum");
  EXPECT_EQ(d.path, "opt/app/config.json");
  EXPECT_EQ(d.evidence, "$url \"stratum+tcp://\" at offset 12");
  EXPECT_TRUE(ScanText(*rules, "a", "stratum+udp:// only").empty());
}

TEST(YaraRulesTest, RuleWithoutMetadataIsSuspiciousMalware) {
  auto rules = MustCompile("rule plain { strings: $a = \"evil-marker\" condition: $a }");
  ASSERT_NE(rules, nullptr);
  auto found = ScanText(*rules, "x", "some evil-marker here");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].category, "malware");
  EXPECT_EQ(found[0].disposition, model::Disposition::kSuspicious);
  EXPECT_EQ(found[0].severity, model::Severity::kMedium);
  EXPECT_EQ(found[0].title, "plain");
}

TEST(YaraRulesTest, SecretsAreRedacted) {
  auto rules = MustCompile(R"(
rule test_aws_key {
  meta:
    category = "secret"
  strings:
    $id = /AKIA[0-9A-Z]{16}/
  condition:
    $id
})");
  ASSERT_NE(rules, nullptr);
  const std::string key = "AKIAQWERTYUIOPASDFGH";
  auto found = ScanText(*rules, "root/.aws/credentials", "aws_access_key_id = " + key + "\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].evidence, "$id \"AKIA... (20 bytes, redacted)\" at offset 20");
  for (const std::string& s : {found[0].evidence, found[0].title, found[0].rule_id})
    EXPECT_EQ(s.find("QWERTY"), std::string::npos) << s;
}

TEST(YaraRulesTest, ExternalVariablesDescribeTheFile) {
  auto rules = MustCompile(R"(
rule in_cron {
  strings: $c = "curl"
  condition: $c and filepath matches /^etc\/cron\.d\// and filename != "README"
}
rule setuid_file { condition: filemode & 0x800 }
)");
  ASSERT_NE(rules, nullptr);
  auto names = [](const std::vector<model::Detection>& v) {
    std::set<std::string> out;
    for (const auto& d : v) out.insert(d.rule_id);
    return out;
  };
  EXPECT_EQ(names(ScanText(*rules, "etc/cron.d/job", "curl x | sh")),
            std::set<std::string>{"in_cron"});
  EXPECT_TRUE(ScanText(*rules, "etc/cron.d/README", "curl x | sh").empty());
  EXPECT_TRUE(ScanText(*rules, "usr/share/doc/cron", "curl x | sh").empty());
  auto suid = ScanText(*rules, "usr/local/bin/x", "abc", 04755);
  EXPECT_EQ(names(suid), std::set<std::string>{"setuid_file"});
  EXPECT_EQ(suid[0].evidence, "rule condition holds (no string matched)");
}

TEST(YaraRulesTest, SyntaxErrorNamesTheFileAndLine) {
  auto rules = YaraRules::Compile({{"good.yar", "rule a { condition: true }"},
                                   {"broken.yar", "rule b {\n  condition:\n    $x\n}"}});
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rules.status().message().find("broken.yar:4: undefined string \"$x\""),
            std::string::npos)
      << rules.status().message();
}

TEST(YaraRulesTest, ReadRuleFilesWalksADirectoryInOrder) {
  std::string dir = testing::TempDir() + "/rules-dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(dir + "/b.yar") << "rule b { condition: false }";
  std::ofstream(dir + "/sub/a.yara") << "rule a { condition: false }";
  std::ofstream(dir + "/notes.txt") << "not a rule";
  auto files = ReadRuleFiles(dir);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].name, dir + "/b.yar");
  EXPECT_EQ((*files)[1].name, dir + "/sub/a.yara");
  EXPECT_EQ((*files)[1].text, "rule a { condition: false }");
  EXPECT_EQ(ReadRuleFiles(dir + "/missing").status().code(), StatusCode::kNotFound);
  std::filesystem::create_directories(dir + "/empty");
  EXPECT_EQ(ReadRuleFiles(dir + "/empty").status().code(), StatusCode::kInvalidArgument);
}

// The walk hands big files over in overlapping windows: a marker anywhere,
// even across a window boundary, is found once, at its offset in the file.
TEST(ContentScannerTest, WindowsCoverEveryByteOnce) {
  auto rules = MustCompile(R"(
rule marker_a { strings: $a = "MARKER-AAAA-0123456789" condition: $a }
rule marker_b { strings: $b = "MARKER-BBBB-0123456789" condition: $b }
)");
  ASSERT_NE(rules, nullptr);
  ContentScanner scanner(rules);
  const std::string a = "MARKER-AAAA-0123456789", b = "MARKER-BBBB-0123456789";
  std::string big(layer::kContentWindowBytes * 2 + 12345, 'x');
  size_t across = layer::kContentWindowBytes - 7;  // straddles the first boundary
  big.replace(across, a.size(), a);
  size_t late = big.size() - 100;  // only in the last window
  big.replace(late, b.size(), b);
  big.replace(layer::kContentWindowBytes + 100, a.size(), a);  // a again, in the same window
  std::string tar = TarBuilder().File("data/big.bin", big).File("small.txt", "x " + b).Build();
  MemoryStream in(tar);
  layer::TarEntryReader reader(in, Limits(), "layer");
  auto walked = layer::WalkLayer(reader, {&scanner}, "sha256:l");
  ASSERT_TRUE(walked.ok()) << walked.status().ToString();
  const auto& found = walked->findings.detections;
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].path, "data/big.bin");
  EXPECT_EQ(found[0].rule_id, "marker_a");
  EXPECT_EQ(found[0].evidence, "$a \"" + a + "\" at offset " + std::to_string(across));
  EXPECT_EQ(found[1].path, "data/big.bin");
  EXPECT_EQ(found[1].rule_id, "marker_b");
  EXPECT_EQ(found[1].evidence, "$b \"" + b + "\" at offset " + std::to_string(late));
  EXPECT_EQ(found[2].path, "small.txt");
  EXPECT_EQ(found[2].rule_id, "marker_b");
  EXPECT_TRUE(walked->findings.diagnostics.empty());
}

// Members of zip and gzip files are scanned as "<file>!/<member>", nested
// archives too.
TEST(ContentScannerTest, ArchiveMembersAreScanned) {
  auto rules =
      MustCompile("rule marker { strings: $a = \"MARKER-ZZZZ-0123456789\" condition: $a }");
  ASSERT_NE(rules, nullptr);
  ContentScanner scanner(rules);
  std::string dir = testing::TempDir() + "/zips";
  std::filesystem::create_directories(dir);
  std::string out;
  ASSERT_EQ(testing::Run("cd '" + dir +
                             "' && python3 -c \""
                             "import zipfile\n"
                             "with zipfile.ZipFile('inner.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
                             "    z.writestr('deep/evil.txt', 'x MARKER-ZZZZ-0123456789 x')\n"
                             "with zipfile.ZipFile('outer.jar', 'w', zipfile.ZIP_STORED) as z:\n"
                             "    z.writestr('a.txt', 'MARKER-ZZZZ-0123456789')\n"
                             "    z.writestr('clean.txt', 'nothing')\n"
                             "    z.write('inner.zip')\n"
                             "\"",
                         &out),
            0)
      << out;
  std::ifstream jar_in(dir + "/outer.jar", std::ios::binary);
  std::string jar((std::istreambuf_iterator<char>(jar_in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(jar.empty());
  std::string tar =
      TarBuilder()
          .File("opt/app.jar", jar)
          .File("usr/share/doc/notes.txt.gz", testing::Gzip("doc MARKER-ZZZZ-0123456789 doc"))
          .Build();
  MemoryStream in(tar);
  layer::TarEntryReader reader(in, Limits(), "layer");
  auto walked = layer::WalkLayer(reader, {&scanner}, "sha256:l");
  ASSERT_TRUE(walked.ok()) << walked.status().ToString();
  std::set<std::string> paths;
  for (const auto& d : walked->findings.detections) paths.insert(d.path);
  // The jar stores a.txt uncompressed: the marker is in its own bytes too.
  EXPECT_EQ(paths, (std::set<std::string>{"opt/app.jar", "opt/app.jar!/a.txt",
                                          "opt/app.jar!/inner.zip!/deep/evil.txt",
                                          "usr/share/doc/notes.txt.gz!/notes.txt"}));
}

// Every built-in rule carries the metadata customs reports, with values
// from the documented sets.
TEST(BuiltinRulesTest, CompileWithCompleteMetadata) {
  const auto& sources = BuiltinRules();
  ASSERT_FALSE(sources.empty());
  auto rules = YaraRules::Compile(sources);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const std::set<std::string> categories = {"coin-miner", "hacking-tool", "windows-malware",
                                            "backdoor",   "secret",       "malware"};
  const std::set<std::string> severities = {"critical", "high", "medium", "low"};
  const std::set<std::string> dispositions = {"malicious", "suspicious", "info"};
  const std::set<std::string> confidences = {"high", "medium", "low"};
  std::regex rule_re(R"((^|\n)\s*(private\s+)?rule\s+(\w+)[^{]*\{)");
  std::regex meta_re(R"re(\n\s*(\w+)\s*=\s*"([^"]*)")re");
  size_t public_rules = 0;
  for (const auto& source : sources) {
    std::string text = source.text;
    std::vector<std::pair<size_t, std::string>> starts;
    for (std::sregex_iterator it(text.begin(), text.end(), rule_re), end; it != end; ++it)
      if (!(*it)[2].matched) starts.emplace_back(it->position(), (*it)[3].str());
    for (size_t i = 0; i < starts.size(); ++i) {
      size_t end = i + 1 < starts.size() ? starts[i + 1].first : text.size();
      std::string body = text.substr(starts[i].first, end - starts[i].first);
      std::smatch section;
      std::regex section_re(R"(\n\s*(strings|condition):)");
      std::string meta = std::regex_search(body, section, section_re)
                             ? body.substr(0, static_cast<size_t>(section.position()))
                             : body;
      std::map<std::string, std::string> values;
      for (std::sregex_iterator it(meta.begin(), meta.end(), meta_re), e; it != e; ++it)
        values[(*it)[1].str()] = (*it)[2].str();
      std::string where = source.name + " rule " + starts[i].second;
      EXPECT_TRUE(categories.count(values["category"])) << where;
      EXPECT_EQ(values["category"] == "secret", IsSecretRuleFile(source))
          << where << ": secrets.yar holds the secret rules and only those";
      EXPECT_TRUE(severities.count(values["severity"])) << where;
      EXPECT_TRUE(dispositions.count(values["disposition"])) << where;
      EXPECT_TRUE(confidences.count(values["confidence"])) << where;
      EXPECT_FALSE(values["description"].empty()) << where;
      EXPECT_TRUE(values["reference"].starts_with("https://") ||
                  values["reference"].starts_with("http://"))
          << where << ": the reference must be a public URL";
      ++public_rules;
    }
  }
  EXPECT_GT(public_rules, 0u);
}

// A scan compiles the built-in rules of the scanners it runs only.
TEST(BuiltinRulesTest, OnlyTheScannersAskedFor) {
  auto count = [](bool malware, bool secret) -> size_t {
    auto detectors = Detectors::Create({.malware = malware, .secret = secret});
    EXPECT_TRUE(detectors.ok()) << detectors.status().ToString();
    return detectors.ok() ? detectors->rule_count() : 0;
  };
  size_t all = count(true, true), malware = count(true, false), secret = count(false, true);
  EXPECT_GT(malware, 0u);
  EXPECT_GT(secret, 0u);
  EXPECT_EQ(malware + secret, all);
  size_t secret_rules = 0;
  for (const auto& source : BuiltinRules())
    if (IsSecretRuleFile(source)) {
      auto rules = YaraRules::Compile({source});
      ASSERT_TRUE(rules.ok()) << rules.status().ToString();
      secret_rules += (*rules)->RuleCount();
    }
  EXPECT_EQ(secret, secret_rules);
}

}  // namespace
}  // namespace customs::detect
