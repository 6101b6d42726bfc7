#include "scan/scanner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "base/file.h"
#include "base/json.h"
#include "base/strings.h"
#include "tests/testing.h"

namespace customs::scan {
namespace {

namespace fs = std::filesystem;

Result<model::ScanResult> ScanOne(const std::string& arg, ScanOptions options = {}) {
  CUSTOMS_ASSIGN_OR_RETURN(auto results, ScanImage(arg, options));
  if (results.size() != 1) return Internal("expected one result");
  return results[0];
}

TEST(ScannerTest, AlpineDockerSave) {
  CUSTOMS_REQUIRE_SHARED(archive, "images/docker-archive/alpine-3.10-docker-save.tar.gz");
  CUSTOMS_REQUIRE_SHARED(golden, "pkgdb/inventories/trivy-fanal-goldens/alpine-310.json");
  auto r = ScanOne("docker-archive:" + archive);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->os.id, "alpine");
  EXPECT_EQ(r->os.version_id, "3.10.4");
  EXPECT_TRUE(r->complete());
  // The expected set, derived without customs: the installed database pulled
  // out with tar, read with a few lines of shell.
  std::string tmp = testing::TempDir();
  std::string out;
  ASSERT_EQ(testing::Run("cd " + tmp + " && tar -xzf " + archive +
                             " && tar -xOf */layer.tar lib/apk/db/installed | "
                             "awk -F: '/^P:/{p=$2} /^V:/{v=$2} /^A:/{a=$2} /^o:/{o=$2} "
                             "/^$/{if(p!=\"\")print p\" \"v\" \"a\" \"o; p=\"\"}'",
                         &out),
            0);
  std::set<std::string> want, got, names;
  for (auto line : Split(out, '\n'))
    if (!line.empty()) want.insert(std::string(line));
  for (const auto& p : r->packages) {
    got.insert(p.name + " " + p.version + " " + p.arch + " " + p.source_name);
    names.insert(p.name);
    EXPECT_EQ(p.layer.index, 0);
    EXPECT_EQ(p.layer.diff_id, r->image.layers[0].diff_id);
    EXPECT_TRUE(p.purl.starts_with("pkg:apk/alpine/" + p.name + "@" + p.version +
                                   "?arch=x86_64&distro=3.10.4"))
        << p.purl;
    if (p.name == "musl") {
      EXPECT_EQ(p.files,
                (std::vector<std::string>{"lib/libc.musl-x86_64.so.1", "lib/ld-musl-x86_64.so.1"}));
    }
  }
  EXPECT_EQ(got.size(), 14u);
  EXPECT_EQ(got, want);
  // Trivy's golden for this image (taken at 3.10.2) lists the same 14 names.
  auto golden_json = ParseJson(*ReadFile(golden, 1 << 20), "golden");
  ASSERT_TRUE(golden_json.ok());
  std::set<std::string> golden_names;
  for (const auto& p : *golden_json) golden_names.insert(p["Name"].get<std::string>());
  EXPECT_EQ(names, golden_names);
}

TEST(ScannerTest, DockerEngine25ArchiveIsAnOciLayout) {
  CUSTOMS_REQUIRE_SHARED(archive, "images/docker-archive/hello-world-docker-save-oci.tar");
  auto r = ScanOne(archive);  // plain path, detected
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->image.layers.size(), 1u);
  EXPECT_FALSE(r->image.manifest_digest.empty());
  EXPECT_TRUE(r->packages.empty());
}

TEST(ScannerTest, TrimmedArchivesFailVerification) {
  // These fixtures were cut down by hand: their manifests list fewer layers
  // than their configs, so nothing in them can be verified.
  CUSTOMS_REQUIRE_SHARED(archive, "images/docker-archive/nginx-trimmed-docker-save.tar");
  auto r = ScanOne("docker-archive:" + archive);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("manifest.json lists 1 layers but the config has 3 diff_ids"),
            std::string::npos)
      << r.status().message();
}

TEST(ScannerTest, OciLayoutWithTagAndPlatform) {
  CUSTOMS_REQUIRE_SHARED(dir, "images/busybox-oci/busybox-latest-musl-amd64");
  auto r = ScanOne("oci:" + dir + ":busybox:1.38.0-musl");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->image.manifest_digest,
            "sha256:a34ce92094b7b100a98fbd21411a92825f6827b1bc5f6918c253516c90556998");
  EXPECT_EQ(r->image.architecture, "amd64");
  ScanOptions arm;
  arm.platform.platform = {"linux", "arm64", ""};
  arm.platform.explicit_platform = true;
  auto missing = ScanOne("oci:" + dir, arm);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(
      missing.status().message().find("no image for platform linux/arm64 (available: linux/amd64)"),
      std::string::npos)
      << missing.status().message();
  auto badtag = ScanOne("oci:" + dir + ":nope");
  ASSERT_FALSE(badtag.ok());
  EXPECT_NE(badtag.status().message().find("tags: busybox:1.38.0-musl"), std::string::npos);
}

TEST(ScannerTest, CorruptBlobIsNamed) {
  CUSTOMS_REQUIRE_SHARED(dir, "images/busybox-oci/busybox-latest-musl-amd64");
  std::string copy = testing::TempDir() + "/layout";
  fs::copy(dir, copy, fs::copy_options::recursive);
  // Find the largest blob (the layer) and flip one byte in its middle.
  fs::path layer;
  uintmax_t biggest = 0;
  for (const auto& e : fs::directory_iterator(copy + "/blobs/sha256"))
    if (e.file_size() > biggest) biggest = e.file_size(), layer = e.path();
  fs::permissions(layer, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(layer, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(biggest / 2));
    char c;
    f.read(&c, 1);
    c ^= 0x20;
    f.seekp(static_cast<std::streamoff>(biggest / 2));
    f.write(&c, 1);
  }
  auto r = ScanOne("oci:" + copy);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  // Either the gzip CRC or the digest catches it; both name the blob.
  EXPECT_NE(r.status().message().find(layer.filename().string()), std::string::npos)
      << r.status().message();
}

TEST(ScannerTest, MultiImageArchiveNeedsAName) {
  CUSTOMS_REQUIRE_SHARED(archive, "images/layer-edge-cases/ggcr-test_bundle-multi-image.tar");
  auto r = ScanOne("docker-archive:" + archive);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("holds 2 images"), std::string::npos) << r.status().message();
  auto first = ScanOne("docker-archive:" + archive + ":@1");
  EXPECT_TRUE(first.ok()) << first.status().ToString();
}

TEST(ScannerTest, WhiteoutImageMerges) {
  CUSTOMS_REQUIRE_SHARED(archive, "images/layer-edge-cases/ggcr-whiteout_image-3layers.tar");
  auto r = ScanOne("docker-archive:" + archive);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->image.layers.size(), 3u);
}

TEST(ScannerTest, AllSharedImagesScanOrFailCleanly) {
  CUSTOMS_REQUIRE_SHARED(dir, "images/docker-archive");
  for (const auto& e : fs::directory_iterator(dir)) {
    auto r = ScanImage(e.path().string(), {});
    if (e.path().filename().string().find("trimmed") != std::string::npos) {
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << e.path();
    } else {
      EXPECT_TRUE(r.ok()) << e.path() << ": " << r.status().ToString();
    }
  }
}

TEST(ScannerTest, RootfsOfAlpineMinirootfs) {
  CUSTOMS_REQUIRE_SHARED(tarball,
                         "images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz");
  std::string root = testing::TempDir() + "/root";
  fs::create_directories(root);
  ASSERT_EQ(testing::Run("tar -xzf " + tarball + " -C " + root), 0);
  auto r = ScanOne("rootfs:" + root);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->os.id, "alpine");
  EXPECT_EQ(r->os.version_id, "3.20.3");
  std::map<std::string, std::string> versions;
  for (const auto& p : r->packages) versions[p.name] = p.version;
  EXPECT_EQ(versions.size(), 14u);
  EXPECT_EQ(versions["musl"], "1.2.5-r0");
  EXPECT_EQ(versions["busybox"], "1.36.1-r29");
  EXPECT_EQ(versions["libcrypto3"], "3.3.2-r0");
  EXPECT_EQ(versions["zlib"], "1.3.1-r1");
}

class Versioned : public layer::Analyzer {
 public:
  explicit Versioned(int v) : v_(v) {}
  std::string_view Name() const override { return "test/versioned"; }
  int Version() const override { return v_; }
  bool Wants(const layer::FileInfo&) const override { return false; }
  Status Analyze(const layer::File&, layer::Findings&) const override { return Status::Ok(); }

 private:
  int v_;
};

TEST(ScannerTest, LayerCacheKeyFollowsDiffIdAndAnalyzerVersions) {
  Versioned v1(1), v2(2);
  Digest a = Sha256::Of("a"), b = Sha256::Of("b");
  EXPECT_EQ(AnalyzerSetVersion({&v1, &v2}), "test/versioned@1,test/versioned@2");
  EXPECT_EQ(LayerCacheKey(a, {&v1}), LayerCacheKey(a, {&v1}));
  EXPECT_NE(LayerCacheKey(a, {&v1}), LayerCacheKey(b, {&v1}));
  EXPECT_NE(LayerCacheKey(a, {&v1}), LayerCacheKey(a, {&v2}));
  EXPECT_TRUE(Digest::Parse(LayerCacheKey(a, {&v1})).ok());
}

}  // namespace
}  // namespace customs::scan
