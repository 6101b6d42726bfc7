#include "catalog/dotnet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace customs::catalog {
namespace {

constexpr std::string_view kDb = "app/Shop.Api.deps.json";

// Shaped like what `dotnet publish` writes: the project, a runtime package,
// one with only native assets per RID, a meta package without assets, a
// package missing from the target, a project reference and a reference
// assembly.
constexpr std::string_view kDeps = R"({
  "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0", "signature": ""},
  "compilationOptions": {},
  "targets": {
    ".NETCoreApp,Version=v8.0": {
      "Shop.Api/1.0.0": {
        "dependencies": {"Newtonsoft.Json": "13.0.1", "Shop.Data": "1.0.0"},
        "runtime": {"Shop.Api.dll": {}}
      },
      "Newtonsoft.Json/13.0.1": {
        "runtime": {"lib/net6.0/Newtonsoft.Json.dll": {"assemblyVersion": "13.0.0.0"}}
      },
      "SQLitePCLRaw.lib.e_sqlite3/2.1.6": {
        "runtimeTargets": {
          "runtimes/linux-x64/native/libe_sqlite3.so": {"rid": "linux-x64", "assetType": "native"}
        }
      },
      "Microsoft.NETCore.Platforms/1.1.0": {},
      "NETStandard.Library/2.0.3": {"dependencies": {"Microsoft.NETCore.Platforms": "1.1.0"}},
      "Shop.Data/1.0.0": {"runtime": {"Shop.Data.dll": {}}}
    }
  },
  "libraries": {
    "Shop.Api/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "Newtonsoft.Json/13.0.1": {
      "type": "package", "serviceable": true, "sha512": "sha512-x",
      "path": "newtonsoft.json/13.0.1", "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"
    },
    "SQLitePCLRaw.lib.e_sqlite3/2.1.6": {"type": "package", "serviceable": true},
    "Microsoft.NETCore.Platforms/1.1.0": {"type": "package", "serviceable": true},
    "NETStandard.Library/2.0.3": {"type": "package", "serviceable": true},
    "System.Text.Json/8.0.0": {"type": "package", "serviceable": true},
    "Shop.Data/1.0.0": {"type": "project"},
    "mscorlib/4.0.0.0": {"type": "reference"}
  }
})";

std::vector<std::string> Purls(const std::vector<model::Package>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) out.push_back(p.purl);
  return out;
}

TEST(DotnetDepsTest, RuntimePackagesOnly) {
  auto deps = ParseDotnetDeps(kDeps, kDb);
  ASSERT_TRUE(deps.ok()) << deps.status().ToString();
  EXPECT_TRUE(deps->diagnostics.empty());
  // Sorted by key (JSON objects are read as sorted maps).
  EXPECT_EQ(Purls(deps->packages),
            (std::vector<std::string>{"pkg:nuget/Newtonsoft.Json@13.0.1",
                                      "pkg:nuget/SQLitePCLRaw.lib.e_sqlite3@2.1.6",
                                      "pkg:nuget/System.Text.Json@8.0.0"}));
  const model::Package& json = deps->packages[0];
  EXPECT_EQ(json.type, "nuget");
  EXPECT_EQ(json.name, "Newtonsoft.Json");
  EXPECT_EQ(json.version, "13.0.1");
  EXPECT_EQ(json.db_path, kDb);
  EXPECT_TRUE(json.licenses.empty());
}

TEST(DotnetDepsTest, WithoutTargetEveryPackageCounts) {
  // The runtime target is not among "targets": keep every package.
  std::string text(kDeps);
  text.replace(text.find("\"name\": \".NETCoreApp,Version=v8.0\""),
               std::string_view("\"name\": \".NETCoreApp,Version=v8.0\"").size(),
               "\"name\": \".NETCoreApp,Version=v9.0\"");
  auto deps = ParseDotnetDeps(text, kDb);
  ASSERT_TRUE(deps.ok());
  EXPECT_EQ(deps->packages.size(), 5u);  // not the projects and the reference
}

TEST(DotnetDepsTest, RuntimePackAndBadKeys) {
  auto deps = ParseDotnetDeps(R"({
    "runtimeTarget": {"name": "t"},
    "targets": {"t": {
      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {
        "runtime": {"System.Private.CoreLib.dll": {}}}}},
    "libraries": {
      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.1": {"type": "runtimepack"},
      "NoVersion": {"type": "package"},
      "A/1/2": {"type": "package"},
      "/1.0": {"type": "Package"},
      "B/2.0": {"type": "Package"},
      "C/3.0": "not an object"
    }})",
                              kDb);
  ASSERT_TRUE(deps.ok()) << deps.status().ToString();
  EXPECT_EQ(Purls(deps->packages),
            (std::vector<std::string>{"pkg:nuget/B@2.0",
                                      "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.1"}));
  ASSERT_EQ(deps->diagnostics.size(), 3u);
  EXPECT_EQ(deps->diagnostics[0].message,
            std::string(kDb) + ": library \"/1.0\": expected a key \"Name/Version\"; skipped");
  EXPECT_EQ(deps->diagnostics[0].code, "bad-package-db");
}

TEST(DotnetDepsTest, BadDocuments) {
  EXPECT_EQ(ParseDotnetDeps("", kDb).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDotnetDeps("[]", kDb).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDotnetDeps("{\"libraries\": {", kDb).status().code(),
            StatusCode::kInvalidArgument);
  auto none = ParseDotnetDeps("{\"runtimeTarget\": {\"name\": \"t\"}}", kDb);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->packages.empty());
  DotnetLimits limits;
  limits.max_packages = 1;
  auto one = ParseDotnetDeps(kDeps, kDb, limits);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->packages.size(), 1u);
  ASSERT_EQ(one->diagnostics.size(), 1u);
  EXPECT_EQ(one->diagnostics[0].severity, model::DiagnosticSeverity::kError);
}

TEST(DotnetDepsCatalogerTest, WantsAndAnalyze) {
  DotnetDepsCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("app/Shop.Api.deps.json"));
  EXPECT_TRUE(
      wants("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.1/Microsoft.NETCore.App.deps.json"));
  EXPECT_TRUE(wants("x.deps.json"));
  EXPECT_FALSE(wants("app/.deps.json"));
  EXPECT_FALSE(wants(".deps.json"));
  EXPECT_FALSE(wants("app/Shop.Api.runtimeconfig.json"));
  EXPECT_FALSE(wants("app/deps.json"));
  EXPECT_EQ(c.Name(), "lang/dotnet");

  layer::FileInfo info{.path = std::string(kDb)};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(kDeps.data()), kDeps.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  EXPECT_EQ(out.packages.size(), 3u);
}

}  // namespace
}  // namespace customs::catalog
