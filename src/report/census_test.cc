#include "report/census.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace customs::report {
namespace {

model::CensusSummary Summary() {
  model::CensusSummary s;
  s.registry = "reg.example:5000";
  s.images_scanned = 8;
  s.images_failed = 1;
  s.images_with_critical = 4;
  s.images_with_high = 2;
  s.images_with_any = 6;
  s.images_by_max_severity = {.critical = 4, .high = 1, .medium = 1, .total = 6};
  s.images_without_vulnerabilities = 2;
  s.mean_vulnerabilities = 12.25;
  s.median_vulnerabilities = 7.5;
  s.harmful_images = 3;
  for (auto c : model::kHarmfulCategories) s.categories.push_back({std::string(c), 0});
  s.categories[0].images = 2;  // coin-miner
  s.categories[5].images = 1;  // secret
  s.top_vulnerabilities = {{"CVE-2023-1", model::Severity::kCritical, 4, {"libssl3", "openssl"}}};
  s.top_packages = {{"openssl", 5, 9}};
  s.shared_layers = {{"sha256:abc", 7, "library/debian"}};
  s.layers = 20;
  s.layers_cached = 15;
  s.unique_layers = 6;
  s.run_images = 9;
  s.wall_seconds = 4.5;
  s.images_per_second = 2;
  s.failures = {{"reg.example:5000/team/bad:1", "not found: manifest\x1b[31m unknown"}};
  return s;
}

bool HasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(CensusReportTest, TableHasEveryFigureWithItsPercentage) {
  std::string t = RenderCensusTable(Summary());
  EXPECT_TRUE(HasLine(t, "Census of reg.example:5000")) << t;
  EXPECT_TRUE(HasLine(t,
                      "Images: 8 scanned, 1 failed (this run: 9 in 4.5 s, 2.00 images/s; 0 "
                      "already stored)"))
      << t;
  EXPECT_TRUE(HasLine(t, "with >= 1 critical              4  50.0%")) << t;
  EXPECT_TRUE(HasLine(t, "with >= 1 high                  2  25.0%")) << t;
  EXPECT_TRUE(HasLine(t, "with >= 1 of any severity       6  75.0%")) << t;
  EXPECT_TRUE(HasLine(t, "HIGH             1  12.5%")) << t;
  EXPECT_TRUE(HasLine(t, "none             2  25.0%")) << t;
  EXPECT_TRUE(HasLine(t, "Vulnerabilities per image: mean 12.2, median 7.5") ||
              HasLine(t, "Vulnerabilities per image: mean 12.3, median 7.5"))
      << t;
  EXPECT_TRUE(HasLine(t, "Harmful images: 3 (37.5%)")) << t;
  EXPECT_TRUE(HasLine(t, "coin-miner              2  25.0%")) << t;
  EXPECT_TRUE(HasLine(t, "malware                 0   0.0%")) << t;
  EXPECT_TRUE(HasLine(t, "Top 1 vulnerability by images affected")) << t;
  EXPECT_TRUE(HasLine(t, "Top 1 package by images affected")) << t;
  EXPECT_TRUE(HasLine(t, "CVE-2023-1  CRITICAL       4  50.0%  libssl3, openssl")) << t;
  EXPECT_TRUE(HasLine(t, "openssl       5  62.5%                9")) << t;
  EXPECT_TRUE(HasLine(t, "sha256:abc       7  87.5%  library/debian")) << t;
  EXPECT_TRUE(HasLine(t,
                      "Layers: 20 in the images scanned, 6 unique; 15 answered by the layer cache "
                      "(75.0% reused)"))
      << t;
  // The registry's error text cannot drive the terminal.
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
  EXPECT_TRUE(HasLine(t, "reg.example:5000/team/bad:1  not found: manifest?[31m unknown")) << t;
}

TEST(CensusReportTest, EmptyCensusHasNoDivisionByZero) {
  model::CensusSummary s;
  s.registry = "r:1";
  std::string t = RenderCensusTable(s);
  EXPECT_TRUE(HasLine(t, "Images: 0 scanned, 0 failed")) << t;
  EXPECT_TRUE(HasLine(t, "Harmful images: 0 (-)")) << t;
  EXPECT_EQ(t.find("nan"), std::string::npos) << t;
  EXPECT_EQ(t.find("Failed images"), std::string::npos) << t;
  EXPECT_NE(t.find("\nTop vulnerabilities by images affected\n(none)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("\nTop packages by images affected\n(none)\n"), std::string::npos) << t;
  EXPECT_TRUE(HasLine(t, "(no layer is in two images)")) << t;
}

TEST(CensusReportTest, JsonFields) {
  auto j = nlohmann::json::parse(RenderCensusJson(Summary()));
  EXPECT_EQ(j["schemaVersion"], 1);
  EXPECT_EQ(j["registry"], "reg.example:5000");
  EXPECT_EQ(j["images"]["scanned"], 8);
  EXPECT_EQ(j["images"]["failed"], 1);
  EXPECT_EQ(j["images"]["withCritical"], 4);
  EXPECT_EQ(j["images"]["withHigh"], 2);
  EXPECT_EQ(j["images"]["withAny"], 6);
  EXPECT_EQ(j["images"]["withoutVulnerabilities"], 2);
  EXPECT_EQ(j["images"]["byMaxSeverity"]["CRITICAL"], 4);
  EXPECT_EQ(j["images"]["byMaxSeverity"]["MEDIUM"], 1);
  EXPECT_EQ(j["images"]["byMaxSeverity"]["none"], 2);
  EXPECT_EQ(j["vulnerabilitiesPerImage"]["mean"], 12.25);
  EXPECT_EQ(j["vulnerabilitiesPerImage"]["median"], 7.5);
  EXPECT_EQ(j["harmful"]["images"], 3);
  ASSERT_EQ(j["harmful"]["categories"].size(), 7u);
  EXPECT_EQ(j["harmful"]["categories"][0]["category"], "coin-miner");
  EXPECT_EQ(j["harmful"]["categories"][0]["images"], 2);
  EXPECT_EQ(j["harmful"]["categories"][5]["category"], "secret");
  EXPECT_EQ(j["topVulnerabilities"][0]["id"], "CVE-2023-1");
  EXPECT_EQ(j["topVulnerabilities"][0]["severity"], "CRITICAL");
  EXPECT_EQ(j["topVulnerabilities"][0]["images"], 4);
  EXPECT_EQ(j["topVulnerabilities"][0]["packages"][1], "openssl");
  EXPECT_EQ(j["topPackages"][0]["package"], "openssl");
  EXPECT_EQ(j["topPackages"][0]["vulnerabilities"], 9);
  EXPECT_EQ(j["sharedLayers"][0]["diffId"], "sha256:abc");
  EXPECT_EQ(j["sharedLayers"][0]["firstRepository"], "library/debian");
  EXPECT_EQ(j["layers"]["total"], 20);
  EXPECT_EQ(j["layers"]["cached"], 15);
  EXPECT_EQ(j["layers"]["unique"], 6);
  EXPECT_EQ(j["run"]["images"], 9);
  EXPECT_EQ(j["run"]["resumed"], 0);
  EXPECT_EQ(j["run"]["wallSeconds"], 4.5);
  EXPECT_EQ(j["run"]["imagesPerSecond"], 2.0);
  EXPECT_EQ(j["failures"][0]["reference"], "reg.example:5000/team/bad:1");
}

}  // namespace
}  // namespace customs::report
