#include "image/oci.h"

#include <gtest/gtest.h>

#include "image/source.h"

namespace customs::image {
namespace {

std::string Layer(const std::string& media_type) {
  return R"({"mediaType":")" + media_type + R"(","digest":"sha256:)" + std::string(64, 'a') +
         R"(","size":10})";
}

std::string ManifestWith(const std::string& layer_type,
                         const std::string& config_type = std::string(kOciConfig)) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("config":{"mediaType":")" +
         config_type + R"(","digest":"sha256:)" + std::string(64, 'b') + R"(","size":5},)" +
         R"("layers":[)" + Layer(layer_type) + "]}";
}

TEST(OciTest, ParsesManifestsOfBothFamilies) {
  auto m = ParseManifest(ManifestWith("application/vnd.oci.image.layer.v1.tar+zstd"), "m");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 10);
  auto d = ParseManifest(
      ManifestWith("application/vnd.docker.image.rootfs.diff.tar.gzip", std::string(kDockerConfig)),
      "m");
  EXPECT_TRUE(d.ok()) << d.status().ToString();
}

TEST(OciTest, RejectsUnknownMediaTypesAndArtifacts) {
  auto m = ParseManifest(ManifestWith("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
                         "manifest sha256:x");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(m.status().message(),
            "manifest sha256:x: layers[0]: unknown layer media type "
            "'application/vnd.cncf.helm.chart.content.v1.tar+gzip'");
  auto a = ParseManifest(ManifestWith("application/vnd.oci.image.layer.v1.tar",
                                      "application/vnd.cncf.helm.config.v1+json"),
                         "m");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("is not a container image"), std::string::npos);
  auto v1 = ParseManifest(R"({"schemaVersion":1,"fsLayers":[]})", "m");
  EXPECT_EQ(v1.status().code(), StatusCode::kUnimplemented);
  auto bad = ParseManifest(R"({"schemaVersion":2,"config":{"digest":"md5:abc"},"layers":[]})", "m");
  EXPECT_FALSE(bad.ok());
}

TEST(OciTest, ConfigFieldsAndHistory) {
  auto c = ParseConfig(R"({"architecture":"arm64","os":"linux","variant":"v8",
    "config":{"User":"app","Env":["A=1"],"Entrypoint":["/bin/app"],"Cmd":["-v"],
              "ExposedPorts":{"22/tcp":{}},"Labels":{"k":"v"}},
    "rootfs":{"type":"layers","diff_ids":["sha256:)" +
                           std::string(64, 'c') + R"(","sha256:)" + std::string(64, 'd') +
                           R"("]},
    "history":[{"created_by":"ADD rootfs"},{"created_by":"CMD x","empty_layer":true},
               {"created_by":"RUN apk add curl"}]})",
                       "config");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->platform.ToString(), "linux/arm64/v8");
  EXPECT_EQ(c->run.user, "app");
  EXPECT_EQ(c->run.exposed_ports, std::vector<std::string>{"22/tcp"});
  EXPECT_EQ(LayerHistory(*c, 2), (std::vector<std::string>{"ADD rootfs", "RUN apk add curl"}));
  EXPECT_EQ(LayerHistory(*c, 3).back(), "");
  EXPECT_FALSE(ParseConfig(R"({"rootfs":{"diff_ids":["sha256:zz"]}})", "c").ok());
  EXPECT_FALSE(ParseConfig(R"([1,2])", "c").ok());
}

TEST(OciTest, PlatformsAndAttestations) {
  EXPECT_TRUE(PlatformMatches({"linux", "arm64", "v8"}, {"linux", "arm64", ""}));
  EXPECT_TRUE(PlatformMatches({"linux", "arm", ""}, {"linux", "arm", "v7"}));
  EXPECT_FALSE(PlatformMatches({"linux", "arm", "v6"}, {"linux", "arm", "v7"}));
  EXPECT_FALSE(PlatformMatches({"linux", "amd64", ""}, {"windows", "amd64", ""}));
  EXPECT_FALSE(ParsePlatform("linux").ok());
  EXPECT_FALSE(ParsePlatform("linux/amd64/v1/x").ok());
  auto index = ParseIndex(R"({"manifests":[
    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
                              std::string(64, 'e') +
                              R"(","platform":{"os":"unknown","architecture":"unknown"},
     "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]})",
                          "index.json");
  ASSERT_TRUE(index.ok());
  EXPECT_TRUE(index->manifests[0].IsAttestation());
}

TEST(OciTest, ImageSpecForms) {
  auto s = ParseImageSpec("oci:/no/such/dir:v1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, SourceKind::kOciLayout);
  EXPECT_EQ(s->path, "/no/such/dir");
  EXPECT_EQ(s->tag, "v1");
  auto d = ParseImageSpec("oci:/x@sha256:" + std::string(64, 'f'));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->digest, "sha256:" + std::string(64, 'f'));
  auto a = ParseImageSpec("docker-archive:/tmp/a.tar:repo:tag");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->path, "/tmp/a.tar");
  EXPECT_EQ(a->tag, "repo:tag");
  // Anything else is a registry reference, normalised as Docker does.
  auto reg = ParseImageSpec("nginx:1.25");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->kind, SourceKind::kRegistry);
  EXPECT_EQ(reg->path, "docker.io/library/nginx:1.25");
  EXPECT_EQ(reg->text, "nginx:1.25");
  auto pinned = ParseImageSpec("docker://localhost:5000/team/app@sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(pinned.ok()) << pinned.status().ToString();
  EXPECT_EQ(pinned->path, "localhost:5000/team/app@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(pinned->digest, "sha256:" + std::string(64, 'a'));
  auto forced = ParseImageSpec("registry:alpine");
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->path, "docker.io/library/alpine:latest");
  // Not a path, not a reference: the reason is given.
  auto bad = ParseImageSpec("Not_A/Reference");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_NE(bad.status().message().find("nor an image reference"), std::string::npos);
  // A tag of an existing layout needs no oci: prefix.
  std::string layout = ::testing::TempDir() + "/spec-layout";
  ASSERT_EQ(
      std::system(("mkdir -p '" + layout + "' && echo '{}' > '" + layout + "/index.json'").c_str()),
      0);
  auto tagged = ParseImageSpec(layout + ":v2");
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->kind, SourceKind::kOciLayout);
  EXPECT_EQ(tagged->path, layout);
  EXPECT_EQ(tagged->tag, "v2");
  auto missing = ParseImageSpec("/no/such/file.tar");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace customs::image
