#include "catalog/composer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

using Strings = std::vector<std::string>;

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxComposerInstalledBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

constexpr std::string_view kDb = "var/www/vendor/composer/installed.json";

// Composer 2 layout, as `composer install` writes it (abridged).
constexpr std::string_view kV2 = R"({
    "packages": [
        {
            "name": "symfony/console",
            "version": "v5.4.3",
            "version_normalized": "5.4.3.0",
            "type": "library",
            "license": ["MIT"],
            "install-path": "../symfony/console"
        },
        {
            "name": "phpunit/phpunit",
            "version": "9.5.10",
            "license": ["BSD-3-Clause"],
            "install-path": "../phpunit/phpunit"
        },
        {
            "name": "Monolog/Monolog",
            "version": "2.9.1",
            "license": "MIT"
        }
    ],
    "dev": true,
    "dev-package-names": ["phpunit/phpunit"]
})";

// Composer 1 layout: a bare array.
constexpr std::string_view kV1 = R"([
    {"name": "guzzlehttp/guzzle", "version": "7.4.4", "license": ["MIT"]},
    {"name": "drupal/core", "version": "10.4.5", "license": ["GPL-2.0-or-later", "MIT", "MIT"]}
])";

TEST(ComposerInstalledTest, Composer2) {
  auto db = ParseComposerInstalled(kV2, kDb);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->diagnostics.empty());
  ASSERT_EQ(db->packages.size(), 3u);
  const model::Package& console = db->packages[0];
  EXPECT_EQ(console.type, "composer");
  EXPECT_EQ(console.name, "symfony/console");
  EXPECT_EQ(console.version, "v5.4.3");
  EXPECT_EQ(console.purl, "pkg:composer/symfony/console@v5.4.3");
  EXPECT_EQ(console.licenses, Strings{"MIT"});
  EXPECT_EQ(console.scope, "prod");
  EXPECT_EQ(console.db_path, kDb);
  EXPECT_EQ(db->packages[1].name, "phpunit/phpunit");
  EXPECT_EQ(db->packages[1].scope, "dev");
  EXPECT_EQ(db->packages[1].licenses, Strings{"BSD-3-Clause"});
  // Old files write license as a string; purl parts are lowercased.
  EXPECT_EQ(db->packages[2].name, "Monolog/Monolog");
  EXPECT_EQ(db->packages[2].purl, "pkg:composer/monolog/monolog@2.9.1");
  EXPECT_EQ(db->packages[2].licenses, Strings{"MIT"});
}

TEST(ComposerInstalledTest, Composer1) {
  auto db = ParseComposerInstalled(kV1, kDb);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_EQ(db->packages.size(), 2u);
  EXPECT_EQ(db->packages[0].purl, "pkg:composer/guzzlehttp/guzzle@7.4.4");
  EXPECT_EQ(db->packages[0].scope, "");
  EXPECT_EQ(db->packages[1].licenses, (Strings{"GPL-2.0-or-later", "MIT"}));
}

// composer.lock's "packages" entries have the same shape as installed.json's
// (python3 over the fixtures: 3 and 2 entries; packages-dev is not part of
// installed.json and not read).
TEST(ComposerInstalledTest, LockFixturesPackageEntries) {
  {
    CUSTOMS_REQUIRE_SHARED(path, "pkgdb/php/scalibr-composer.lock.drupal-packages.json");
    auto db = ParseComposerInstalled(Read(path), kDb);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_EQ(db->packages.size(), 3u);
    EXPECT_EQ(db->packages[0].name, "drupal/core");
    EXPECT_EQ(db->packages[0].version, "10.4.5");
    EXPECT_EQ(db->packages[0].licenses, Strings{"GPL-2.0-or-later"});
    EXPECT_EQ(db->packages[1].purl, "pkg:composer/drupal/tfa@2.0.0-alpha4");
    EXPECT_EQ(db->packages[2].name, "theseer/tokenizer");
    EXPECT_EQ(db->packages[2].licenses, Strings{"BSD-3-Clause"});
  }
  {
    CUSTOMS_REQUIRE_SHARED(path, "pkgdb/php/trivy-integration-composer.lock");
    auto db = ParseComposerInstalled(Read(path), kDb);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_EQ(db->packages.size(), 2u);
    EXPECT_EQ(db->packages[0].purl, "pkg:composer/guzzlehttp/guzzle@7.4.4");
    EXPECT_EQ(db->packages[1].purl, "pkg:composer/guzzlehttp/psr7@1.8.3");
  }
}

TEST(ComposerInstalledTest, BadEntriesAreDiagnosed) {
  auto db = ParseComposerInstalled(
      R"([{"name": "a/b", "version": "1"}, 7, {"name": "noslash", "version": "1"},
          {"name": "c/d"}, {"name": "/x", "version": "1"}, {"name": "e/f", "version": "2"}])",
      kDb);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->packages.size(), 2u);
  EXPECT_EQ(db->packages[1].name, "e/f");
  ASSERT_EQ(db->diagnostics.size(), 4u);
  EXPECT_EQ(db->diagnostics[0].message, std::string(kDb) + ": package #1: not an object; skipped");
  EXPECT_EQ(db->diagnostics[1].message,
            std::string(kDb) +
                ": package #2: no \"name\" of the form \"vendor/project\" (got \"noslash\"); "
                "skipped");
  EXPECT_EQ(db->diagnostics[2].message,
            std::string(kDb) + ": package #3 (c/d): no valid \"version\"; skipped");
  EXPECT_EQ(db->diagnostics[0].code, "bad-package-db");
  EXPECT_EQ(db->diagnostics[0].path, kDb);

  ComposerLimits limits;
  limits.max_packages = 1;
  db = ParseComposerInstalled(kV1, kDb, limits);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->packages.size(), 1u);
  ASSERT_EQ(db->diagnostics.size(), 1u);
  EXPECT_EQ(db->diagnostics[0].severity, model::DiagnosticSeverity::kError);
}

TEST(ComposerInstalledTest, BadDocuments) {
  EXPECT_EQ(ParseComposerInstalled("", kDb).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseComposerInstalled("{\"packages\": [", kDb).status().code(),
            StatusCode::kInvalidArgument);
  auto r = ParseComposerInstalled("{\"packages\": {}}", kDb);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find(std::string(kDb) + ": expected a JSON array"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_FALSE(ParseComposerInstalled("\"x\"", kDb).ok());
  EXPECT_EQ(
      ParseComposerInstalled(std::string(200, '[') + std::string(200, ']'), kDb).status().code(),
      StatusCode::kResourceExhausted);
}

TEST(ComposerCatalogerTest, WantsAndAnalyze) {
  ComposerCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("var/www/html/vendor/composer/installed.json"));
  EXPECT_TRUE(wants("app/lib/composer/installed.json"));  // a renamed vendor-dir
  EXPECT_TRUE(wants("composer/installed.json"));
  EXPECT_FALSE(wants("var/www/html/vendor/mycomposer/installed.json"));
  EXPECT_FALSE(wants("var/www/html/composer.lock"));
  EXPECT_FALSE(wants("var/www/html/vendor/composer/installed.php"));
  EXPECT_EQ(c.Name(), "lang/php");

  layer::FileInfo info{.path = std::string(kDb)};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(kV2.data()), kV2.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  EXPECT_EQ(out.packages.size(), 3u);
  std::string bad = "{";
  layer::File bad_file{info, {reinterpret_cast<const uint8_t*>(bad.data()), bad.size()}};
  EXPECT_FALSE(c.Analyze(bad_file, out).ok());
}

}  // namespace
}  // namespace customs::catalog
