// The customs executable, run the way users run it: exit codes, the one-line
// error on stderr, and SBOMs validated against the official JSON schemas.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/digest.h"
#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs {
namespace {

namespace fs = std::filesystem;

using testing::TarBuilder;

std::string Customs() { return testing::CustomsBinary(); }

int RunCustoms(const std::string& args, std::string* out) {
  return testing::Run(Customs() + " " + args, out);
}

// Writes a docker-archive whose single layer is `layer` (any bytes), with
// a matching config, so that only the layer's content is under test.
std::string WriteArchive(const std::string& dir, const std::string& layer) {
  std::string diff_id = Sha256::Of(layer).str();
  std::string config =
      R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" + diff_id +
      R"("]},"history":[{"created_by":"test"}]})";
  std::string cfg_name = std::string(Sha256::Of(config).hex()) + ".json";
  std::string manifest =
      R"([{"Config":")" + cfg_name + R"(","RepoTags":["t:1"],"Layers":["l/layer.tar"]}])";
  std::string tar = TarBuilder()
                        .File("manifest.json", manifest)
                        .File(cfg_name, config)
                        .File("l/layer.tar", layer)
                        .Build();
  std::string path = dir + "/image.tar";
  EXPECT_TRUE(WriteFileAtomic(path, tar).ok());
  return path;
}

TEST(CliTest, UsageAndMissingInputExitTwo) {
  std::string out;
  EXPECT_EQ(RunCustoms("", &out), 2) << out;
  EXPECT_EQ(RunCustoms("scan", &out), 2) << out;
  out.clear();
  EXPECT_EQ(RunCustoms("scan docker-archive:/nonexistent/x.tar", &out), 2);
  EXPECT_EQ(out, "customs: not found: docker-archive /nonexistent/x.tar is not a file\n");
  out.clear();
  EXPECT_EQ(RunCustoms("version", &out), 0);
  EXPECT_TRUE(out.starts_with("customs ")) << out;
}

TEST(CliTest, BadLayersExitTwoWithOneLine) {
  std::string dir = testing::TempDir();
  struct Case {
    std::string name, layer, expect;
  };
  std::string bomb =
      testing::Gzip(TarBuilder().File("zeros", std::string(300u << 20, '\0')).Build());
  std::vector<Case> cases = {
      {"escape", TarBuilder().File("../../etc/cron.d/x", "boom").Build(), "escapes the image root"},
      {"absolute", TarBuilder().File("/etc/passwd", "x").Build(), "absolute member name"},
      {"truncated", TarBuilder().File("a", std::string(5000, 'a')).Build().substr(0, 2000),
       "truncated"},
      {"bomb", bomb, "max-expansion-ratio"},
      {"garbage", std::string(4096, 'G'), "checksum"},
  };
  for (const auto& c : cases) {
    std::string archive = WriteArchive(dir, c.layer);
    std::string out;
    int code = RunCustoms("scan --max-expansion-ratio 100 " + archive, &out);
    EXPECT_EQ(code, 2) << c.name << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << c.name << ": " << out;
    EXPECT_NE(out.find(c.expect), std::string::npos) << c.name << ": " << out;
    EXPECT_NE(out.find("layer 1 (l/layer.tar)"), std::string::npos) << c.name << ": " << out;
  }
}

TEST(CliTest, DigestMismatchNamesTheLayer) {
  std::string dir = testing::TempDir();
  std::string layer = TarBuilder().File("etc/hostname", "box").Build();
  std::string archive = WriteArchive(dir, layer);
  // Same length, different content: only the diff_id check can tell.
  std::string tar = *ReadFile(archive, 1 << 20);
  auto pos = tar.find("box");
  ASSERT_NE(pos, std::string::npos);
  tar[pos] = 'f';
  ASSERT_TRUE(WriteFileAtomic(archive, tar).ok());
  std::string out;
  EXPECT_EQ(RunCustoms("scan " + archive, &out), 2);
  EXPECT_NE(out.find("layer 1 (l/layer.tar) diff_id: digest mismatch: expected sha256:"),
            std::string::npos)
      << out;
}

TEST(CliTest, SbomsValidateAgainstOfficialSchemas) {
  CUSTOMS_REQUIRE_IMAGE(layout, "oci-multilayer");
  std::string dir = testing::TempDir();
  std::string schemas = testing::SourceDir() + "/tests/schemas";
  std::string validate = "python3 " + testing::SourceDir() + "/tests/validate_schema.py ";
  std::string out;
  ASSERT_EQ(RunCustoms("sbom oci:" + layout + ":multi -o " + dir + "/cdx.json", &out), 0) << out;
  EXPECT_EQ(testing::Run(validate + schemas + "/bom-1.5.schema.json " + dir + "/cdx.json", &out), 0)
      << out;
  ASSERT_EQ(
      RunCustoms("sbom --format spdx-json oci:" + layout + ":multi -o " + dir + "/spdx.json", &out),
      0)
      << out;
  EXPECT_EQ(testing::Run(validate + schemas + "/spdx-2.3.schema.json " + dir + "/spdx.json", &out),
            0)
      << out;
  ASSERT_EQ(RunCustoms(
                "scan --scanners none --format json oci:" + layout + ":multi -o " + dir + "/r.json",
                &out),
            0)
      << out;
  EXPECT_EQ(
      testing::Run(validate + schemas + "/customs-result-1.schema.json " + dir + "/r.json", &out),
      0)
      << out;
  // The CycloneDX BOM lists `hello` with its layer.
  auto bom = ParseJson(*ReadFile(dir + "/cdx.json", 64 << 20), "cdx", 64 << 20);
  ASSERT_TRUE(bom.ok());
  bool found = false;
  for (const auto& c : (*bom)["components"]) {
    if (c.value("name", "") != "hello") continue;
    found = true;
    EXPECT_EQ(c.value("version", ""), "2.10-3");
    EXPECT_TRUE(c.value("purl", "").starts_with("pkg:deb/debian/hello@2.10-3?arch=amd64"));
  }
  EXPECT_TRUE(found);
}

TEST(CliTest, TableListsPackages) {
  CUSTOMS_REQUIRE_SHARED(archive, "images/docker-archive/alpine-3.10-docker-save.tar.gz");
  std::string out;
  ASSERT_EQ(RunCustoms("scan --scanners none " + archive, &out), 0) << out;
  EXPECT_NE(out.find("musl-utils"), std::string::npos) << out;
  EXPECT_NE(out.find("alpine 3.10.4"), std::string::npos) << out;
}

}  // namespace
}  // namespace customs
