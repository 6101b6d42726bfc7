// Validates the reporters' output against the official CycloneDX 1.5 and
// SPDX 2.3 JSON schemas (tests/schemas, see SOURCES.md there) and customs'
// own result schema, with tests/validate_schema.py (python3-jsonschema,
// offline). Any schema error fails the test and is printed.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/json.h"
#include "report/report.h"
#include "report/report_testdata.h"
#include "tests/testing.h"

namespace customs::report {
namespace {

struct Validation {
  int exit_code = -1;
  std::string output;
};

// Writes `document` to a fresh temporary file, validates it and removes it.
Validation Validate(const std::string& schema, const std::string& document) {
  std::string path = std::filesystem::temp_directory_path().string() + "/customs-report-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return {-1, "mkstemp failed for " + path};
  ::close(fd);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << document;
  std::string source = ::customs::testing::SourceDir();
  Validation v;
  v.exit_code =
      ::customs::testing::Run("python3 '" + source + "/tests/validate_schema.py' '" + source +
                                  "/tests/schemas/" + schema + "' '" + path + "'",
                              &v.output);
  std::filesystem::remove(path);
  return v;
}

std::vector<std::vector<model::ScanResult>> Cases() {
  return {
      {testdata::Debian()},
      {testdata::Alpine("amd64")},
      {testdata::Rocky()},
      {testdata::Alpine("amd64"), testdata::Alpine("arm64")},
      {testdata::Debian(), testdata::Rocky(), testdata::Alpine("arm64")},
      {},
  };
}

TEST(SchemaValidationTest, CycloneDxValidatesAgainstOfficialSchema) {
  for (const auto& results : Cases()) {
    auto bom = RenderCycloneDx(results, testdata::Options());
    ASSERT_TRUE(bom.ok()) << bom.status().ToString();
    auto v = Validate("bom-1.5.schema.json", *bom);
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
}

TEST(SchemaValidationTest, SpdxValidatesAgainstOfficialSchema) {
  for (const auto& results : Cases()) {
    auto doc = RenderSpdx(results, testdata::Options());
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    auto v = Validate("spdx-2.3.schema.json", *doc);
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
}

TEST(SchemaValidationTest, JsonResultValidatesAgainstItsSchema) {
  for (const auto& results : Cases()) {
    auto v = Validate("customs-result-1.schema.json", RenderJson(results, testdata::Options()));
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
}

// The validator must be able to fail: documents broken on purpose are refused.
TEST(SchemaValidationTest, BrokenDocumentsAreRejected) {
  auto bom = ParseJson(*RenderCycloneDx({testdata::Debian()}, testdata::Options()), "bom");
  ASSERT_TRUE(bom.ok());
  Json broken = *bom;
  broken["components"][1].erase("name");
  broken["serialNumber"] = "not-a-uuid";
  auto v = Validate("bom-1.5.schema.json", DumpJson(broken));
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("'name' is a required property"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("serialNumber"), std::string::npos) << v.output;

  // A license id outside the SPDX list (resolved through spdx.schema.json).
  broken = *bom;
  broken["components"][1]["licenses"] = Json::parse(R"([{"license":{"id":"GPL-2+"}}])");
  EXPECT_EQ(Validate("bom-1.5.schema.json", DumpJson(broken)).exit_code, 1);

  auto spdx = ParseJson(*RenderSpdx({testdata::Debian()}, testdata::Options()), "spdx");
  ASSERT_TRUE(spdx.ok());
  broken = *spdx;
  broken["packages"][2]["SPDXID"] = "SPDXRef-libstdc++6";
  broken["creationInfo"]["created"] = "2024-05-01 12:00";
  v = Validate("spdx-2.3.schema.json", DumpJson(broken));
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("SPDXRef-libstdc++6"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("2024-05-01 12:00"), std::string::npos) << v.output;

  auto result = ParseJson(RenderJson({testdata::Rocky()}, testdata::Options()), "json");
  ASSERT_TRUE(result.ok());
  broken = *result;
  broken["results"][0]["packages"][0]["epoch"] = "1";
  EXPECT_EQ(Validate("customs-result-1.schema.json", DumpJson(broken)).exit_code, 1);
}

}  // namespace
}  // namespace customs::report
