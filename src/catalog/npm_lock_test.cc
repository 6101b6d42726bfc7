#include "catalog/npm_lock.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "base/file.h"
#include "base/yaml_nesting.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

// name, version, scope
using Entry = std::tuple<std::string, std::string, std::string>;

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxNpmLockfileBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::vector<Entry> Entries(const NpmLockfile& lock) {
  std::vector<Entry> out;
  for (const auto& p : lock.packages) out.emplace_back(p.name, p.version, p.scope);
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectCommonFields(const NpmLockfile& lock, const std::string& db_path) {
  for (const auto& p : lock.packages) {
    EXPECT_EQ(p.type, "npm");
    EXPECT_EQ(p.db_path, db_path);
    EXPECT_FALSE(p.purl.empty());
  }
}

// Expected packages: the upstream osv-scalibr tests of these fixtures
// (extractor/filesystem/language/javascript/{packagelockjson,yarnlock,
// pnpmlock}/*_test.go) list the same name@version sets; scopes were
// checked with python3 over the JSON ("dev" flags) and PyYAML.
struct Fixture {
  const char* rel;
  std::vector<Entry> want;
};

class NpmLockFixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(NpmLockFixtureTest, ListsExactPackages) {
  const Fixture& f = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("pkgdb/npm/") + f.rel);
  std::string rel = f.rel;
  std::string text = Read(path);
  Result<NpmLockfile> lock = rel.ends_with(".json")   ? ParsePackageLockJson(text, rel)
                             : rel.ends_with(".yaml") ? ParsePnpmLock(text, rel)
                                                      : ParseYarnLock(text, rel);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_TRUE(lock->diagnostics.empty()) << lock->diagnostics.front().message;
  std::vector<Entry> want = f.want;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Entries(*lock), want);
  ExpectCommonFields(*lock, rel);
}

INSTANTIATE_TEST_SUITE_P(
    Scalibr, NpmLockFixtureTest,
    ::testing::Values(
        Fixture{"scalibr-package-lock.one-package.v1.json", {{"wrappy", "1.0.2", "prod"}}},
        Fixture{"scalibr-package-lock.one-package.v2.json", {{"wrappy", "1.0.2", "prod"}}},
        Fixture{"scalibr-package-lock.nested-dependencies.v1.json",
                {{"postcss", "6.0.23", "prod"},
                 {"postcss", "7.0.16", "prod"},
                 {"postcss-calc", "7.0.1", "prod"},
                 {"supports-color", "6.1.0", "prod"},
                 {"supports-color", "5.5.0", "prod"}}},
        Fixture{"scalibr-package-lock.nested-dependencies.v2.json",
                {{"postcss", "6.0.23", "prod"},
                 {"postcss", "7.0.16", "prod"},
                 {"postcss-calc", "7.0.1", "prod"},
                 {"supports-color", "6.1.0", "prod"},
                 {"supports-color", "5.5.0", "prod"}}},
        // 36 entries, all supports-color at two versions.
        Fixture{"scalibr-package-lock.nested-dependencies-dup.v2.json",
                {{"supports-color", "6.1.0", "prod"}, {"supports-color", "2.0.0", "prod"}}},
        Fixture{"scalibr-package-lock.scoped-packages.v2.json",
                {{"wrappy", "1.0.2", "prod"}, {"@babel/code-frame", "7.0.0", "prod"}}},
        // Keys babel-code-frame and string-width-cjs are aliases: the
        // "name" field names the real package.
        Fixture{"scalibr-package-lock.alias.v2.json",
                {{"@babel/code-frame", "7.0.0", "prod"},
                 {"string-width", "4.2.0", "prod"},
                 {"string-width", "5.1.2", "prod"}}},
        // "optional" and "devOptional" are installed in production.
        Fixture{"scalibr-package-lock.optional-package.v2.json",
                {{"wrappy", "1.0.2", "prod"}, {"supports-color", "5.5.0", "prod"}}},
        Fixture{"scalibr-package-lock.bundled-dependencies.v3.json",
                {{"ansi-regex", "6.2.2", "prod"},
                 {"semver", "7.7.2", "dev"},
                 {"strip-ansi", "7.1.2", "prod"}}},
        Fixture{"scalibr-yarn.two-packages.v1.lock",
                {{"concat-map", "0.0.1", ""}, {"concat-stream", "1.6.2", ""}}},
        Fixture{"scalibr-yarn.scoped-packages.v1.lock",
                {{"@babel/code-frame", "7.12.11", ""}, {"@babel/compat-data", "7.14.0", ""}}},
        // The workspace entry "mine@workspace:." is the project itself.
        Fixture{"scalibr-yarn.with-aliases.v2.lock",
                {{"@babel/helper-validator-identifier", "7.22.20", ""},
                 {"ansi-regex", "6.0.1", ""},
                 {"ansi-regex", "5.0.1", ""}}},
        Fixture{"scalibr-pnpm-lock.multiple-packages.yaml",
                {{"aws-sdk", "2.1087.0", "prod"},
                 {"base64-js", "1.5.1", "prod"},
                 {"buffer", "4.9.2", "prod"},
                 {"events", "1.1.1", "prod"},
                 {"ieee754", "1.1.13", "prod"},
                 {"isarray", "1.0.0", "prod"},
                 {"jmespath", "0.16.0", "prod"},
                 {"punycode", "1.3.2", "prod"},
                 {"querystring", "0.2.0", "prod"},
                 {"sax", "1.2.1", "prod"},
                 {"url", "0.10.3", "prod"},
                 {"uuid", "3.3.2", "prod"},
                 {"xml2js", "0.4.19", "prod"},
                 {"xmlbuilder", "9.0.7", "prod"}}},
        // v9 writes no dev flags in "packages".
        Fixture{"scalibr-pnpm-lock.peer-dependencies.v9.yaml",
                {{"acorn-jsx", "5.3.2", ""}, {"acorn", "8.11.3", ""}}}));

TEST(PackageLockTest, PurlAndScopedNames) {
  auto lock = ParsePackageLockJson(R"({"lockfileVersion": 3, "packages": {
      "": {"name": "app", "version": "1.0.0"},
      "node_modules/@babel/core": {"version": "7.1.0", "dev": true},
      "node_modules/@babel/core/node_modules/ms": {"version": "2.1.3", "dev": true},
      "node_modules/ms": {"version": "2.1.3"},
      "node_modules/linked": {"resolved": "packages/linked", "link": true},
      "packages/linked": {"name": "linked", "version": "0.0.1"},
      "node_modules/no-version": {"resolved": "x"},
      "node_modules/not-an-object": 7
    }})",
                                   "srv/package-lock.json");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  std::vector<Entry> want = {{"@babel/core", "7.1.0", "dev"}, {"ms", "2.1.3", "prod"}};
  EXPECT_EQ(Entries(*lock), want);
  ASSERT_EQ(lock->packages.size(), 2u);
  EXPECT_EQ(lock->packages[0].purl, "pkg:npm/%40babel/core@7.1.0");
  EXPECT_EQ(lock->packages[0].db_path, "srv/package-lock.json");
}

TEST(PackageLockTest, ProdWinsOverDevForTheSameVersion) {
  auto lock = ParsePackageLockJson(R"({"lockfileVersion": 2, "packages": {
      "node_modules/a/node_modules/ms": {"version": "2.0.0", "dev": true},
      "node_modules/ms": {"version": "2.0.0"},
      "node_modules/b/node_modules/ms": {"version": "2.0.0", "dev": true}
    }})",
                                   "package-lock.json");
  ASSERT_TRUE(lock.ok());
  std::vector<Entry> want = {{"ms", "2.0.0", "prod"}};
  EXPECT_EQ(Entries(*lock), want);
}

TEST(PackageLockTest, V1AliasesGitAndDevFlags) {
  auto lock = ParsePackageLockJson(R"({"lockfileVersion": 1, "dependencies": {
      "string-width-cjs": {"version": "npm:string-width@4.2.3"},
      "scoped-alias": {"version": "npm:@babel/core@7.2.0", "dev": true},
      "from-git": {"version": "github:user/repo#0123abc", "dependencies": {
          "inner": {"version": "1.0.0"}}},
      "local": {"version": "file:../local"},
      "jest": {"version": "29.0.0", "dev": true}
    }})",
                                   "package-lock.json");
  ASSERT_TRUE(lock.ok());
  std::vector<Entry> want = {{"@babel/core", "7.2.0", "dev"},
                             {"inner", "1.0.0", "prod"},
                             {"jest", "29.0.0", "dev"},
                             {"string-width", "4.2.3", "prod"}};
  EXPECT_EQ(Entries(*lock), want);
}

TEST(PackageLockTest, V1DepthIsBounded) {
  // a -> a -> a ... 10 deep, each at version N.
  std::string json = R"({"dependencies":)";
  for (int i = 1; i <= 10; ++i)
    json += R"({"a":{"version":")" + std::to_string(i) + R"(.0.0","dependencies":)";
  json += "{}";
  for (int i = 1; i <= 10; ++i) json += "}}";
  json += "}";
  NpmLockLimits limits;
  limits.max_depth = 4;
  auto lock = ParsePackageLockJson(json, "package-lock.json", limits);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(lock->packages.size(), 4u);
  ASSERT_EQ(lock->diagnostics.size(), 1u);
  EXPECT_NE(lock->diagnostics[0].message.find("kMaxNpmLockDepth"), std::string::npos);
}

TEST(PackageLockTest, PackageLimitStopsWithADiagnostic) {
  NpmLockLimits limits;
  limits.max_packages = 2;
  auto lock = ParsePackageLockJson(R"({"packages": {
      "node_modules/a": {"version": "1.0.0"}, "node_modules/b": {"version": "1.0.0"},
      "node_modules/c": {"version": "1.0.0"}, "node_modules/d": {"version": "1.0.0"}}})",
                                   "package-lock.json", limits);
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->packages.size(), 2u);
  ASSERT_EQ(lock->diagnostics.size(), 1u);
  EXPECT_EQ(lock->diagnostics[0].severity, model::DiagnosticSeverity::kError);
}

TEST(PackageLockTest, MalformedJsonIsAnError) {
  auto lock = ParsePackageLockJson(R"({"packages": {)", "app/package-lock.json");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(lock.status().message().find("app/package-lock.json"), std::string::npos);
  EXPECT_FALSE(ParsePackageLockJson("[]", "package-lock.json").ok());
}

TEST(YarnLockTest, V1AliasesQuotedKeysAndNestedVersions) {
  constexpr std::string_view kLock = R"(# yarn lockfile v1


"string-width-cjs@npm:string-width@^4.2.0":
  version "4.2.3"
  resolved "https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz"

"@types/node@*", "@types/node@^18.0.0":
  version "18.11.9"
  dependencies:
    version "not-this"

ms@2.0.0, ms@^2.0.0:
  version "2.0.0"

ms@~2.0.0:
  version "2.0.0"

git-dep@https://github.com/x/y.git#abc:
  version "1.0.0"

no-version@^1.0.0:
  resolved "x"
)";
  auto lock = ParseYarnLock(kLock, "yarn.lock");
  ASSERT_TRUE(lock.ok());
  std::vector<Entry> want = {{"@types/node", "18.11.9", ""},
                             {"git-dep", "1.0.0", ""},
                             {"ms", "2.0.0", ""},
                             {"string-width", "4.2.3", ""}};
  EXPECT_EQ(Entries(*lock), want);
  ASSERT_EQ(lock->diagnostics.size(), 1u);
  EXPECT_NE(lock->diagnostics[0].message.find("line 22"), std::string::npos)
      << lock->diagnostics[0].message;
}

TEST(YarnLockTest, BerrySkipsWorkspacesAndPatches) {
  constexpr std::string_view kLock = R"(__metadata:
  version: 6
  cacheKey: 8

"@babel/core@npm:^7.0.0, @babel/core@npm:^7.1.0":
  version: 7.1.0
  resolution: "@babel/core@npm:7.1.0"

"resolve@patch:resolve@^1.20.0#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=07638b"

"resolve@npm:^1.20.0":
  version: 1.22.1
  resolution: "resolve@npm:1.22.1"

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."

"no-resolution@npm:^2":
  version: 2.0.1
)";
  auto lock = ParseYarnLock(kLock, "yarn.lock");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  std::vector<Entry> want = {
      {"@babel/core", "7.1.0", ""}, {"no-resolution", "2.0.1", ""}, {"resolve", "1.22.1", ""}};
  EXPECT_EQ(Entries(*lock), want);
  EXPECT_TRUE(lock->diagnostics.empty());
}

TEST(YarnLockTest, MalformedBerryIsAnErrorWithLine) {
  auto lock =
      ParseYarnLock("__metadata:\n  version: 6\n\"a@npm:1\":\n  version: [1, 2\n", "yarn.lock");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(lock.status().message().find("yarn.lock: malformed YAML at line"), std::string::npos)
      << lock.status().message();
}

TEST(PnpmLockTest, V5ScopedKeysWithPeerSuffixesAndDevFlags) {
  constexpr std::string_view kLock = R"(lockfileVersion: 5.4

packages:

  /@emotion/react/11.10.5_@types+react@18.0.25:
    resolution: {integrity: sha512-x}
    dev: false

  /jest/29.3.1_@types+node@18.11.9:
    resolution: {integrity: sha512-y}
    dev: true

  /lodash.get/4.4.2:
    resolution: {integrity: sha512-z}

  registry.example.com/private-pkg/1.2.3:
    resolution: {tarball: https://registry.example.com/private-pkg/-/private-pkg-1.2.3.tgz}
    dev: false

  github.com/user/repo/0123abc:
    resolution: {tarball: https://codeload.github.com/user/repo/tar.gz/0123abc}
    name: from-git
    version: 2.0.0
    dev: false
)";
  auto lock = ParsePnpmLock(kLock, "pnpm-lock.yaml");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  std::vector<Entry> want = {{"@emotion/react", "11.10.5", "prod"},
                             {"from-git", "2.0.0", "prod"},
                             {"jest", "29.3.1", "dev"},
                             {"lodash.get", "4.4.2", ""},
                             {"private-pkg", "1.2.3", "prod"}};
  EXPECT_EQ(Entries(*lock), want);
  EXPECT_TRUE(lock->diagnostics.empty());
}

TEST(PnpmLockTest, V6AndV9Keys) {
  constexpr std::string_view kV6 = R"(lockfileVersion: '6.0'

packages:

  /@babel/core@7.20.5:
    resolution: {integrity: sha512-a}
    dev: true

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-b}
    dev: false

  /react-dom@18.2.0(react@18.3.0):
    resolution: {integrity: sha512-b}
    dev: true
)";
  auto v6 = ParsePnpmLock(kV6, "pnpm-lock.yaml");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  std::vector<Entry> want6 = {{"@babel/core", "7.20.5", "dev"}, {"react-dom", "18.2.0", "prod"}};
  EXPECT_EQ(Entries(*v6), want6);

  constexpr std::string_view kV9 = R"(---
lockfileVersion: '9.0'

importers:
  .:
    configDependencies: {}

---
lockfileVersion: '9.0'

packages:

  '@babel/code-frame@7.24.7':
    resolution: {integrity: sha512-c}

  tarball-dep@https://example.com/t.tgz:
    resolution: {tarball: https://example.com/t.tgz}
    version: 1.0.0

  no-version-key:
    resolution: {integrity: sha512-d}
)";
  auto v9 = ParsePnpmLock(kV9, "pnpm-lock.yaml");
  ASSERT_TRUE(v9.ok()) << v9.status().ToString();
  std::vector<Entry> want9 = {{"@babel/code-frame", "7.24.7", ""}, {"tarball-dep", "1.0.0", ""}};
  EXPECT_EQ(Entries(*v9), want9);
  // Lines count from the start of the file, across documents.
  ASSERT_EQ(v9->diagnostics.size(), 1u);
  EXPECT_NE(v9->diagnostics[0].message.find("pnpm-lock.yaml: line 20: package key"),
            std::string::npos)
      << v9->diagnostics[0].message;
}

TEST(YamlNestingTest, RefusesDeepDocumentsBeforeParsing) {
  EXPECT_TRUE(CheckYamlNesting("a:\n  b:\n    c: {d: [1, 2]}\n", "x", 16, "kMaxYamlNesting").ok());
  std::string flow(1000, '[');
  Status s = CheckYamlNesting("a: " + flow, "pnpm-lock.yaml", kMaxYamlNesting, "kMaxYamlNesting");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("pnpm-lock.yaml: line 1"), std::string::npos) << s.message();
  // Flow nesting carried across lines.
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += "[\n";
  EXPECT_FALSE(CheckYamlNesting(lines, "x", kMaxYamlNesting, "kMaxYamlNesting").ok());
  // Compact sequences nest without indentation.
  std::string compact;
  for (int i = 0; i < 100; ++i) compact += "- ";
  EXPECT_FALSE(CheckYamlNesting(compact + "x\n", "x", kMaxYamlNesting, "kMaxYamlNesting").ok());
  std::string indented = "a:\n" + std::string(300, ' ') + "b: 1\n";
  EXPECT_FALSE(CheckYamlNesting(indented, "x", kMaxYamlNesting, "kMaxYamlNesting").ok());

  // And the parsers refuse them too, without crashing.
  std::string deep = "packages:\n  a: " + std::string(100000, '[');
  auto lock = ParsePnpmLock(deep, "pnpm-lock.yaml");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kResourceExhausted);
}

TEST(NpmLockCatalogerTest, WantsLockfilesOutsideNodeModules) {
  NpmLockCataloger cataloger;
  auto wants = [&](std::string path) {
    layer::FileInfo info;
    info.path = std::move(path);
    return cataloger.Wants(info);
  };
  EXPECT_TRUE(wants("package-lock.json"));
  EXPECT_TRUE(wants("usr/src/app/package-lock.json"));
  EXPECT_TRUE(wants("app/npm-shrinkwrap.json"));
  EXPECT_TRUE(wants("app/yarn.lock"));
  EXPECT_TRUE(wants("app/pnpm-lock.yaml"));
  EXPECT_FALSE(wants("app/node_modules/x/package-lock.json"));
  EXPECT_FALSE(wants("node_modules/x/yarn.lock"));
  EXPECT_FALSE(wants("app/node_modules/.package-lock.json"));
  EXPECT_FALSE(wants("app/my-package-lock.json"));
  EXPECT_FALSE(wants("app/package.json"));
}

TEST(NpmLockCatalogerTest, AnalyzeDispatchesOnFileName) {
  NpmLockCataloger cataloger;
  layer::FileInfo info;
  info.path = "srv/yarn.lock";
  std::string text = "lodash@^4.17.0:\n  version \"4.17.21\"\n";
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  ASSERT_TRUE(cataloger.Analyze(file, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].purl, "pkg:npm/lodash@4.17.21");
  EXPECT_EQ(out.packages[0].db_path, "srv/yarn.lock");

  info.path = "srv/package-lock.json";
  layer::Findings bad;
  EXPECT_FALSE(cataloger.Analyze(file, bad).ok());  // yarn text is not JSON
}

}  // namespace
}  // namespace customs::catalog
