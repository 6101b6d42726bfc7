#include "image/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace customs::image {
namespace {

// The OCI empty descriptor's digest (image-spec manifest.md): sha256 of "{}".
constexpr char kDigest[] =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

Reference Parse(std::string_view text) {
  auto ref = ParseReference(text);
  EXPECT_TRUE(ref.ok()) << text << ": " << ref.status().ToString();
  return ref.ok() ? *ref : Reference{};
}

void ExpectRef(std::string_view text, std::string_view registry, std::string_view repository,
               std::string_view tag, std::string_view digest) {
  Reference ref = Parse(text);
  EXPECT_EQ(ref.registry, registry) << text;
  EXPECT_EQ(ref.repository, repository) << text;
  EXPECT_EQ(ref.tag, tag) << text;
  EXPECT_EQ(ref.digest, digest) << text;
}

TEST(ReferenceTest, DockerHubShortNames) {
  ExpectRef("nginx", "docker.io", "library/nginx", "latest", "");
  ExpectRef("nginx:1.25", "docker.io", "library/nginx", "1.25", "");
  ExpectRef("user/app", "docker.io", "user/app", "latest", "");
  ExpectRef("user/app:v2.0_rc-1", "docker.io", "user/app", "v2.0_rc-1", "");
  ExpectRef("docker.io/nginx", "docker.io", "library/nginx", "latest", "");
  ExpectRef("docker.io/library/nginx:1.25", "docker.io", "library/nginx", "1.25", "");
  ExpectRef("library/nginx", "docker.io", "library/nginx", "latest", "");
  // A multi-component path on Docker Hub gets no "library/".
  ExpectRef("a/b/c", "docker.io", "a/b/c", "latest", "");
}

TEST(ReferenceTest, LegacyIndexDomainIsDockerIo) {
  ExpectRef("index.docker.io/nginx", "docker.io", "library/nginx", "latest", "");
  ExpectRef("index.docker.io/user/app:1", "docker.io", "user/app", "1", "");
  // registry-1.docker.io is a different host name as far as names go.
  ExpectRef("registry-1.docker.io/library/nginx", "registry-1.docker.io", "library/nginx", "latest",
            "");
}

TEST(ReferenceTest, HostsNeedDotColonOrLocalhost) {
  ExpectRef("localhost/app", "localhost", "app", "latest", "");
  ExpectRef("localhost:5000/a/b:c", "localhost:5000", "a/b", "c", "");
  ExpectRef("ghcr.io/org/tool:v1", "ghcr.io", "org/tool", "v1", "");
  ExpectRef("[::1]:5000/a", "[::1]:5000", "a", "latest", "");
  ExpectRef("[fe80::1]/team/app", "[fe80::1]", "team/app", "latest", "");
  // Without '.', ':' or "localhost" the first component is a namespace.
  ExpectRef("myregistry/app", "docker.io", "myregistry/app", "latest", "");
  // A single component is always a repository, even "localhost".
  ExpectRef("localhost", "docker.io", "library/localhost", "latest", "");
  ExpectRef("localhost:5000", "docker.io", "library/localhost", "5000", "");
}

TEST(ReferenceTest, Digests) {
  std::string with_port = std::string("registry.example.com:8443/team/app@") + kDigest;
  ExpectRef(with_port, "registry.example.com:8443", "team/app", "", kDigest);
  ExpectRef(std::string("name:tag@") + kDigest, "docker.io", "library/name", "tag", kDigest);
  ExpectRef(std::string("nginx@") + kDigest, "docker.io", "library/nginx", "", kDigest);
}

TEST(ReferenceTest, SkopeoTransportPrefix) {
  ExpectRef("docker://alpine:3.19", "docker.io", "library/alpine", "3.19", "");
  ExpectRef("docker://localhost:5000/x", "localhost:5000", "x", "latest", "");
}

TEST(ReferenceTest, SeparatorsInPathComponents) {
  ExpectRef("x/a.b_c__d--e---f", "docker.io", "x/a.b_c__d--e---f", "latest", "");
}

void ExpectInvalid(std::string_view text, std::string_view reason) {
  auto ref = ParseReference(text);
  ASSERT_FALSE(ref.ok()) << text << " parsed as " << ref->ToString();
  EXPECT_EQ(ref.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_NE(ref.status().message().find(reason), std::string::npos)
      << text << ": " << ref.status().message();
}

TEST(ReferenceTest, Rejects) {
  ExpectInvalid("Nginx", "repository name must be lowercase");
  ExpectInvalid("user/App:1", "repository name must be lowercase");
  ExpectInvalid("a//b", "empty path component");
  ExpectInvalid(":tag", "empty repository name");
  ExpectInvalid("", "empty reference");
  ExpectInvalid("docker://", "empty reference");
  ExpectInvalid("nginx:", "invalid tag");
  ExpectInvalid("nginx:-x", "invalid tag");
  ExpectInvalid("nginx:" + std::string(129, 'a'), "invalid tag");
  ExpectInvalid("nginx@sha256:abc", "invalid digest");
  ExpectInvalid(std::string("nginx@") + "sha256:" + std::string(64, 'A'), "invalid digest");
  ExpectInvalid("nginx@md5:d41d8cd98f00b204e9800998ecf8427e", "invalid digest");
  ExpectInvalid("a..b", "must match");
  ExpectInvalid("a___b", "must match");
  ExpectInvalid("-a", "must match");
  ExpectInvalid("a/", "empty path component");
  ExpectInvalid("localhost:/a", "invalid registry host");
  ExpectInvalid("local_host.com/a", "invalid registry host");
  ExpectInvalid("[::1/a", "invalid registry host");
  ExpectInvalid("ex ample.com/a", "invalid registry host");
  ExpectInvalid(std::string(64, 'a'), "image ID");
  // 255 is the limit on registry + "/" + repository.
  ExpectInvalid("r.io/" + std::string(251, 'a'), "more than 255 characters");
  ExpectInvalid(std::string(2000, 'a'), "exceeds the limit");
}

TEST(ReferenceTest, LongestNameAccepted) {
  // "r.io" + "/" + 250 = 255 characters.
  std::string name = "r.io/" + std::string(250, 'a');
  ExpectRef(name, "r.io", std::string(250, 'a'), "latest", "");
}

TEST(ReferenceTest, Strings) {
  Reference nginx = Parse("nginx:1.25");
  EXPECT_EQ(nginx.ToString(), "docker.io/library/nginx:1.25");
  EXPECT_EQ(nginx.Familiar(), "nginx:1.25");
  EXPECT_EQ(nginx.ApiHost(), "registry-1.docker.io");
  EXPECT_EQ(nginx.Scope(), "repository:library/nginx:pull");
  EXPECT_EQ(nginx.Scope("pull,push"), "repository:library/nginx:pull,push");
  EXPECT_EQ(nginx.ManifestSelector(), "1.25");

  Reference user = Parse("user/app:tag");
  EXPECT_EQ(user.ToString(), "docker.io/user/app:tag");
  EXPECT_EQ(user.Familiar(), "user/app:tag");

  Reference local = Parse("localhost:5000/a:b");
  EXPECT_EQ(local.ToString(), "localhost:5000/a:b");
  EXPECT_EQ(local.Familiar(), "localhost:5000/a:b");
  EXPECT_EQ(local.ApiHost(), "localhost:5000");
  EXPECT_EQ(local.Scope(), "repository:a:pull");

  Reference pinned = Parse(std::string("ghcr.io/org/tool:v1@") + kDigest);
  EXPECT_EQ(pinned.ToString(), std::string("ghcr.io/org/tool:v1@") + kDigest);
  EXPECT_EQ(pinned.ManifestSelector(), kDigest);
  Reference by_digest = Parse(std::string("nginx@") + kDigest);
  EXPECT_EQ(by_digest.ToString(), std::string("docker.io/library/nginx@") + kDigest);
  EXPECT_EQ(by_digest.Familiar(), std::string("nginx@") + kDigest);

  // Docker Hub repositories whose first component looks like a host keep
  // the registry, so that the short form still names them.
  EXPECT_EQ(Parse("docker.io/foo.com/app").Familiar(), "docker.io/foo.com/app:latest");
  EXPECT_EQ(Parse("docker.io/localhost/app").Familiar(), "docker.io/localhost/app:latest");
  // "library/" stays when the repository has more components.
  EXPECT_EQ(Parse("library/a/b").Familiar(), "library/a/b:latest");
}

TEST(ReferenceTest, ToStringRoundTrips) {
  for (std::string text :
       {std::string("nginx"), std::string("index.docker.io/user/app:x"),
        std::string("[::1]:5000/a/b"), std::string("localhost/app@") + kDigest,
        std::string("name:tag@") + kDigest, std::string("docker://quay.io/a/b-c:1.0")}) {
    Reference ref = Parse(text);
    EXPECT_EQ(Parse(ref.ToString()), ref) << text;
    EXPECT_EQ(Parse(ref.Familiar()), ref) << text;
  }
}

}  // namespace
}  // namespace customs::image
