// The pure parts of the census: tag selection and what is kept of a scan.
// The census end to end (a registry, the store, the CLI) is in
// tests/census_test.cc.
#include "scan/census.h"

#include <gtest/gtest.h>

namespace customs::scan {
namespace {

using model::Disposition;
using model::Severity;

TEST(CensusTagsTest, VersionOrder) {
  EXPECT_LT(CompareTags("1.9", "1.10"), 0);
  EXPECT_LT(CompareTags("1.2", "1.2.1"), 0);
  EXPECT_LT(CompareTags("1.2-rc1", "1.2"), 0);
  EXPECT_LT(CompareTags("1.2-rc1", "1.2-rc2"), 0);
  EXPECT_LT(CompareTags("1.2-rc9", "1.2-rc10"), 0);
  EXPECT_LT(CompareTags("3.20", "latest"), 0);
  EXPECT_LT(CompareTags("v2", "v10"), 0);
  EXPECT_GT(CompareTags("2024.01.10", "2023.12.31"), 0);
  EXPECT_EQ(CompareTags("1.0", "1.0"), 0);
  // Equal as numbers, still a strict order.
  EXPECT_NE(CompareTags("01", "1"), 0);
  EXPECT_EQ(CompareTags("01", "1"), -CompareTags("1", "01"));
  EXPECT_LT(CompareTags("", "1"), 0);
}

TEST(CensusTagsTest, SelectByMode) {
  std::vector<std::string> tags = {"1.10", "latest", "1.9", "1.2-rc1", "1.2", "edge"};
  EXPECT_EQ(SelectTags(tags, "all"),
            (std::vector<std::string>{"1.2-rc1", "1.2", "1.9", "1.10", "edge", "latest"}));
  EXPECT_EQ(SelectTags(tags, "latest"), std::vector<std::string>{"latest"});
  EXPECT_EQ(SelectTags(tags, "2"), (std::vector<std::string>{"edge", "latest"}));
  EXPECT_EQ(SelectTags({"1.10", "1.9", "1.2"}, "2"), (std::vector<std::string>{"1.9", "1.10"}));
  EXPECT_EQ(SelectTags({"1.10", "1.9", "1.2"}, "10").size(), 3u);
  // Without a "latest" tag, the newest one.
  EXPECT_EQ(SelectTags({"1.10", "1.9"}, "latest"), std::vector<std::string>{"1.10"});
  EXPECT_TRUE(SelectTags({}, "latest").empty());

  EXPECT_TRUE(CheckTagsMode("latest").ok());
  EXPECT_TRUE(CheckTagsMode("all").ok());
  EXPECT_TRUE(CheckTagsMode("3").ok());
  for (const char* bad : {"0", "-1", "", "newest", "3x"}) {
    Status s = CheckTagsMode(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
}

model::Vulnerability Vuln(const std::string& id, Severity severity, const std::string& package,
                          const std::string& suppressed = "") {
  model::Vulnerability v;
  v.id = id;
  v.severity = severity;
  v.package_name = package;
  v.suppressed_by = suppressed;
  return v;
}

model::Detection Det(std::string_view category, Disposition disposition,
                     const std::string& suppressed = "") {
  model::Detection d = model::MakeDetection(category, "rule", Severity::kHigh, disposition,
                                            model::Confidence::kHigh, "title", "evidence");
  d.suppressed_by = suppressed;
  return d;
}

TEST(CensusImageTest, KeepsUniqueUnsuppressedVulnerabilitiesAndHarmfulCategories) {
  model::ScanResult r;
  r.image.manifest_digest = "sha256:m";
  r.image.os = "linux";
  r.image.architecture = "arm64";
  r.image.variant = "v8";
  r.image.layers = {{0, "sha256:a", "", ""}, {1, "sha256:b", "", ""}};
  r.vulnerabilities = {
      Vuln("CVE-1", Severity::kHigh, "openssl"),
      Vuln("CVE-1", Severity::kCritical, "libssl3"),  // the same ID: counted once, critical
      Vuln("CVE-2", Severity::kLow, "zlib"),
      Vuln("CVE-2", Severity::kMedium, "zlib"),  // the same pair: kept once, medium
      Vuln("CVE-3", Severity::kNegligible, "tar"),
      Vuln("CVE-4", Severity::kUnknown, "bash"),
      Vuln("CVE-5", Severity::kCritical, "linux-libc-dev", "kernel headers"),
  };
  r.detections = {
      Det(model::kCategoryCoinMiner, Disposition::kSuspicious),
      Det(model::kCategoryHackingTool, Disposition::kInfo),  // a packaged nmap: not harmful
      Det(model::kCategorySecret, Disposition::kMalicious, "allow-listed"),
      Det(model::kCategoryConfig, Disposition::kSuspicious),  // not a harmful category
      Det(model::kCategoryBackdoor, Disposition::kMalicious),
      Det(model::kCategoryBackdoor, Disposition::kSuspicious),
  };
  model::CensusImage image = ToCensusImage(r);
  EXPECT_EQ(image.manifest_digest, "sha256:m");
  EXPECT_EQ(image.platform, "linux/arm64/v8");
  EXPECT_EQ(image.layers, (std::vector<std::string>{"sha256:a", "sha256:b"}));
  EXPECT_EQ(image.vulnerabilities,
            (model::SeverityCounts{
                .critical = 1, .medium = 1, .negligible = 1, .unknown = 1, .total = 4}));
  EXPECT_EQ(image.findings, (std::vector<model::CensusVulnerability>{
                                {"CVE-1", Severity::kCritical, "libssl3"},
                                {"CVE-1", Severity::kHigh, "openssl"},
                                {"CVE-2", Severity::kMedium, "zlib"},
                                {"CVE-3", Severity::kNegligible, "tar"},
                                {"CVE-4", Severity::kUnknown, "bash"},
                            }));
  EXPECT_EQ(image.categories, (std::vector<std::string>{"backdoor", "coin-miner"}));
  EXPECT_EQ(image.error, "");
}

TEST(CensusRunTest, BadOptionsFailBeforeAnything) {
  CensusOptions options;
  EXPECT_EQ(RunCensus(options).status().code(), StatusCode::kInvalidArgument);
  options.registry = "127.0.0.1:1";
  options.tags = "newest";
  EXPECT_EQ(RunCensus(options).status().code(), StatusCode::kInvalidArgument);
  options.tags = "latest";
  options.match_vulns = true;
  options.vuln.db_path = "/nonexistent/advisories.db";
  auto missing = RunCensus(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("customs db update"), std::string::npos)
      << missing.status().ToString();
}

}  // namespace
}  // namespace customs::scan
