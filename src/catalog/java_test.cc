#include "catalog/java.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxJavaArchiveBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// name@version purl inner_path, one per package, for compact comparisons.
std::vector<std::string> Summary(const JavaArchive& a) {
  std::vector<std::string> out;
  for (const auto& p : a.packages) {
    EXPECT_EQ(p.type, "maven");
    out.push_back(p.name + "@" + p.version + " " + p.purl + " " + p.inner_path);
  }
  return out;
}

Result<JavaArchive> ParseFixture(const std::string& path, const std::string& db_path,
                                 const JavaLimits& limits = {}) {
  std::string bytes = Read(path);
  return ParseJavaArchive(Bytes(bytes), db_path, limits);
}

// Expected values: read from the fixtures with unzip -p and a python3
// zipfile walk over the nested archives, and matching the upstream tests
// (osv-scalibr archive_test.go, Trivy jar parse_test.go offline mode).
TEST(JavaArchiveTest, PomPropertiesAtRoot) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/scalibr-simple.jar");
  auto a = ParseFixture(path, "app/simple.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a), (std::vector<std::string>{
                             "package-name@1.2.3 pkg:maven/com.some.package/package-name@1.2.3 "
                             "pom.properties"}));
  EXPECT_EQ(a->packages[0].db_path, "app/simple.jar");
  EXPECT_TRUE(a->diagnostics.empty());
}

TEST(JavaArchiveTest, NestedBootInfJar) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/scalibr-complex.jar");
  auto a = ParseFixture(path, "app/complex.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a),
            (std::vector<std::string>{
                "package-name@1.2.3 pkg:maven/com.some.package/package-name@1.2.3 pom.properties",
                "another-package-name@3.2.1 "
                "pkg:maven/com.some.anotherpackage/another-package-name@3.2.1 "
                "BOOT-INF/lib/inner.jar!/pom.properties"}));
  for (const auto& p : a->packages) EXPECT_EQ(p.db_path, "app/complex.jar");
}

TEST(JavaArchiveTest, NestedTenDeep) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/scalibr-nested_at_10.jar");
  auto a = ParseFixture(path, "nested_at_10.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::string inner;
  for (int i = 0; i < 9; ++i) inner += "nested.jar!/";
  inner += "pom.properties";
  EXPECT_EQ(Summary(*a),
            (std::vector<std::string>{
                "package-name@1.2.3 pkg:maven/com.some.package/package-name@1.2.3 " + inner}));
  EXPECT_TRUE(a->diagnostics.empty());

  // With a depth limit of 4 the package is out of reach, and a diagnostic
  // says where the walk stopped.
  JavaLimits shallow;
  shallow.max_depth = 4;
  auto b = ParseFixture(path, "nested_at_10.jar", shallow);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->packages.empty());
  ASSERT_EQ(b->diagnostics.size(), 1u);
  EXPECT_EQ(b->diagnostics[0].code, "archive-limit");
  EXPECT_NE(b->diagnostics[0].message.find("nested.jar!/nested.jar!/nested.jar!/nested.jar!/"
                                           "nested.jar is 5 levels deep"),
            std::string::npos)
      << b->diagnostics[0].message;
}

TEST(JavaArchiveTest, ThreeLevelsOfPomProperties) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/trivy-nested.jar");
  auto a = ParseFixture(path, "nested.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a),
            (std::vector<std::string>{
                "nested@0.0.1 pkg:maven/test/nested@0.0.1 META-INF/nested/pom.properties",
                "nested2@0.0.2 pkg:maven/test/nested2@0.0.2 "
                "META-INF/jars/nested2.jar!/META-INF/nested2/pom.properties",
                "nested3@0.0.3 pkg:maven/test/nested3@0.0.3 "
                "META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar!/META-INF/nested3/"
                "pom.properties"}));
}

TEST(JavaArchiveTest, MavenLayout) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/trivy-multi-license-1.0.0.jar");
  auto a = ParseFixture(path, "lib/multi-license-1.0.0.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a), (std::vector<std::string>{
                             "multi-license@1.0.0 pkg:maven/com.example/multi-license@1.0.0 "
                             "META-INF/maven/com.example/multi-license/pom.properties"}));
}

TEST(JavaArchiveTest, IncompletePomPropertiesIsIgnored) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/scalibr-pom_missing_group_id.jar");
  auto a = ParseFixture(path, "pom_missing_group_id.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->packages.empty());
  // With a version in the file name, the name is the fallback.
  auto b = ParseFixture(path, "pom_missing_group_id-2.4.0.jar");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Summary(*b), (std::vector<std::string>{
                             "pom_missing_group_id@2.4.0 pkg:maven/pom_missing_group_id@2.4.0 "}));
}

TEST(JavaArchiveTest, ManifestFallback) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/trivy-test.jar");
  // Trivy offline: "org.springframework:Spring Framework" 2.5.6.SEC03.
  auto a = ParseFixture(path, "test.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a), (std::vector<std::string>{
                             "Spring Framework@2.5.6.SEC03 "
                             "pkg:maven/org.springframework/Spring%20Framework@2.5.6.SEC03 "
                             "META-INF/MANIFEST.MF"}));
}

TEST(JavaArchiveTest, ManifestBundleFields) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/scalibr-com.google.src.yolo-0.1.2.jar");
  // Bundle-SymbolicName "com.google.src.yolo;singleton:=true", Bundle-Name
  // "src-yolo (foobar)", Bundle-Version 0.1.2.
  auto a = ParseFixture(path, "com.google.src.yolo-0.1.2.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->packages.size(), 1u);
  EXPECT_EQ(a->packages[0].name, "src-yolo (foobar)");
  EXPECT_EQ(a->packages[0].version, "0.1.2");
  EXPECT_EQ(a->packages[0].purl, "pkg:maven/com.google.src/src-yolo%20%28foobar%29@0.1.2");
}

TEST(JavaArchiveTest, FileNameHeuristic) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/trivy-heuristic-1.0.0-SNAPSHOT.jar");
  // MANIFEST.MF holds only Manifest-Version: the file name is all there is.
  auto a = ParseFixture(path, "opt/app/heuristic-1.0.0-SNAPSHOT.jar");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(
      Summary(*a),
      (std::vector<std::string>{"heuristic@1.0.0-SNAPSHOT pkg:maven/heuristic@1.0.0-SNAPSHOT "}));
}

TEST(JavaArchiveTest, PomPropertiesFiles) {
  CUSTOMS_REQUIRE_SHARED(mssql, "pkgdb/java/snyk-mssql-jdbc.pom.properties");
  CUSTOMS_REQUIRE_SHARED(valid, "pkgdb/java/snyk-valid.pom.properties");
  MavenCoordinates a = ParsePomProperties(Read(mssql));
  EXPECT_EQ(a.group_id, "com.microsoft.sqlserver");
  EXPECT_EQ(a.artifact_id, "mssql-jdbc");
  EXPECT_EQ(a.version, "12.10.2");
  MavenCoordinates b = ParsePomProperties(Read(valid));
  EXPECT_EQ(b.group_id, "org.test");
  EXPECT_EQ(b.artifact_id, "org.test.dependency");
  EXPECT_EQ(b.version, "1.0.0");
}

TEST(JavaArchiveTest, PropertiesSyntax) {
  MavenCoordinates c = ParsePomProperties(
      "#Generated by Maven\r\n! also a comment\r\n  groupId : org.ex\\\n    ample\r\n"
      "artifactId lib\\:core\rversion=1.0\\=1   \n");
  EXPECT_EQ(c.group_id, "org.example");
  EXPECT_EQ(c.artifact_id, "lib:core");
  EXPECT_EQ(c.version, "1.0=1");
  EXPECT_FALSE(ParsePomProperties("groupId=a\nartifactId=b\n").Complete());
}

TEST(JavaArchiveTest, ManifestSyntax) {
  MavenCoordinates c = ParseJarManifest(
      "Manifest-Version: 1.0\r\nImplementation-Title: very-long-artif\r\n act-name\r\n"
      "Bundle-Name: %bundle.name\r\nimplementation-vendor-id: com.example\r\n"
      "Specification-Version: 9\r\n\r\nName: org/example/\r\nImplementation-Version: 2.0\r\n");
  EXPECT_EQ(c.group_id, "com.example");
  EXPECT_EQ(c.artifact_id, "very-long-artifact-name");
  // Implementation-Version of the per-entry section does not count.
  EXPECT_EQ(c.version, "9");
  MavenCoordinates d = ParseJarManifest("Bundle-SymbolicName: tool\nBundle-Version: 1\n");
  EXPECT_EQ(d.group_id, "tool");
  EXPECT_TRUE(d.artifact_id.empty());
  EXPECT_TRUE(d.licenses.empty());
  // OSGi Bundle-License: a list, each entry with optional attributes.
  MavenCoordinates e = ParseJarManifest(
      "Bundle-License: Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE-2.0\", \r\n"
      " https://opensource.org/licenses/MIT\r\n");
  EXPECT_EQ(e.licenses,
            (std::vector<std::string>{"Apache-2.0", "https://opensource.org/licenses/MIT"}));
}

TEST(JavaArchiveTest, FileNames) {
  auto c = CoordinatesFromFileName("a/b/commons-lang3-3.11.jar");
  EXPECT_EQ(c.artifact_id, "commons-lang3");
  EXPECT_EQ(c.version, "3.11");
  c = CoordinatesFromFileName("spring-core-5.3.4-SNAPSHOT.JAR");
  EXPECT_EQ(c.artifact_id, "spring-core");
  EXPECT_EQ(c.version, "5.3.4-SNAPSHOT");
  c = CoordinatesFromFileName("netty-transport-native-epoll-4.1.86.Final-linux-x86_64.jar");
  EXPECT_EQ(c.artifact_id, "netty-transport-native-epoll");
  EXPECT_EQ(c.version, "4.1.86.Final-linux-x86_64");
  EXPECT_TRUE(CoordinatesFromFileName("app.jar").artifact_id.empty());
  EXPECT_TRUE(CoordinatesFromFileName("-1.0.jar").artifact_id.empty());
  EXPECT_TRUE(CoordinatesFromFileName("lib-1.0.zip").artifact_id.empty());
}

TEST(JavaArchiveTest, WarWithLibrariesAndBudget) {
  if (testing::Run("python3 -c 'import zipfile'") != 0) GTEST_SKIP() << "needs python3";
  std::string dir = testing::TempDir();
  // A war with one stored and one deflated library jar (each ~200 KB
  // expanded), made by Python's zipfile (an independent writer).
  std::string script = R"(
import io, sys, zipfile
def jar(g, a, v, method):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', method) as z:
        z.writestr('META-INF/maven/%s/%s/pom.properties' % (g, a),
                   'groupId=%s\nartifactId=%s\nversion=%s\n' % (g, a, v))
        z.writestr('data.bin', b'\0' * 200000)
    return b.getvalue()
with zipfile.ZipFile(sys.argv[1], 'w') as w:
    w.writestr('WEB-INF/web.xml', '<web-app/>')
    w.writestr('WEB-INF/lib/a-1.0.jar', jar('org.a', 'a', '1.0', zipfile.ZIP_STORED), zipfile.ZIP_STORED)
    w.writestr('WEB-INF/lib/b-2.0.jar', jar('org.b', 'b', '2.0', zipfile.ZIP_STORED), zipfile.ZIP_DEFLATED)
    w.writestr('WEB-INF/lib/broken-3.0.jar', b'not a zip', zipfile.ZIP_STORED)
)";
  ASSERT_TRUE(WriteFileAtomic(dir + "/make.py", script).ok());
  std::string log;
  ASSERT_EQ(testing::Run("python3 " + dir + "/make.py " + dir + "/app.war", &log), 0) << log;
  std::string war = Read(dir + "/app.war");
  auto a = ParseJavaArchive(Bytes(war), "srv/app.war");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Summary(*a),
            (std::vector<std::string>{
                "a@1.0 pkg:maven/org.a/a@1.0 WEB-INF/lib/a-1.0.jar!/META-INF/maven/org.a/a/"
                "pom.properties",
                "b@2.0 pkg:maven/org.b/b@2.0 WEB-INF/lib/b-2.0.jar!/META-INF/maven/org.b/b/"
                "pom.properties"}));
  ASSERT_EQ(a->diagnostics.size(), 1u);
  EXPECT_NE(a->diagnostics[0].message.find("WEB-INF/lib/broken-3.0.jar"), std::string::npos);

  // A budget too small for the second library: the first is read, the
  // second is reported as not opened.
  JavaLimits tight;
  tight.max_expanded_bytes = 250000;
  auto b = ParseJavaArchive(Bytes(war), "srv/app.war", tight);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->packages.size(), 1u);
  EXPECT_EQ(b->packages[0].name, "a");
  bool limit = false;
  for (const auto& d : b->diagnostics)
    limit |= d.code == "archive-limit" && d.message.find("b-2.0.jar") != std::string::npos;
  EXPECT_TRUE(limit);
}

TEST(JavaArchiveTest, NotAZip) {
  auto a = ParseJavaArchive(Bytes(std::string("plain text, not a jar")), "x.jar");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("x.jar"), std::string::npos);
}

TEST(JavaArchiveTest, Wants) {
  JavaArchiveCataloger c;
  layer::FileInfo info;
  for (const char* p : {"app.jar", "opt/x/App.WAR", "a.ear", "b.par"}) {
    info.path = p;
    EXPECT_TRUE(c.Wants(info)) << p;
  }
  for (const char* p : {"jar", "a.jar.txt", "a.zip", "META-INF/MANIFEST.MF"}) {
    info.path = p;
    EXPECT_FALSE(c.Wants(info)) << p;
  }
  info.path = "a.jar";
  info.type = layer::FileType::kSymlink;
  EXPECT_FALSE(c.Wants(info));
}

}  // namespace
}  // namespace customs::catalog
