#include "catalog/apk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxPackageDbBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

const model::Package* Find(const std::vector<model::Package>& pkgs, const std::string& name) {
  auto it = std::find_if(pkgs.begin(), pkgs.end(),
                         [&](const model::Package& p) { return p.name == name; });
  return it == pkgs.end() ? nullptr : &*it;
}

size_t FileCount(const std::vector<model::Package>& pkgs) {
  size_t n = 0;
  for (const auto& p : pkgs) n += p.files.size();
  return n;
}

// Expected values counted independently of this parser (python3 over the
// fixtures: split on blank lines, keep records with P and V; `grep -c`
// of ^P: and ^R: agree), and read from the files by hand.
struct Fixture {
  const char* rel;
  size_t packages;
  size_t diagnostics;
  size_t files;  // R: lines of the kept records
  const char* first;
  const char* last;
};

class ApkFixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(ApkFixtureTest, CountsPackagesAndFiles) {
  const Fixture& f = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("pkgdb/apk/") + f.rel);
  ApkInstalled db = ParseApkInstalled(Read(path), "lib/apk/db/installed");
  EXPECT_EQ(db.packages.size(), f.packages);
  EXPECT_EQ(db.diagnostics.size(), f.diagnostics);
  EXPECT_EQ(FileCount(db.packages), f.files);
  ASSERT_FALSE(db.packages.empty());
  EXPECT_EQ(db.packages.front().name, f.first);
  EXPECT_EQ(db.packages.back().name, f.last);
  for (const auto& p : db.packages) {
    EXPECT_EQ(p.type, "apk");
    EXPECT_EQ(p.arch, "x86_64") << p.name;
    EXPECT_FALSE(p.source_name.empty()) << p.name;
    EXPECT_EQ(p.source_version, p.version) << p.name;
    EXPECT_EQ(p.licenses.size(), 1u) << p.name;
    EXPECT_EQ(p.db_path, "lib/apk/db/installed");
    for (const auto& file : p.files) EXPECT_NE(file.front(), '/') << file;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ApkFixtureTest,
    ::testing::Values(Fixture{"scalibr-installed", 15, 0, 109, "alpine-baselayout", "zlib"},
                      Fixture{"snyk-alpine-2.6.6-installed", 13, 0, 245, "libc", "alpine-base"},
                      Fixture{"snyk-alpine-3.7.0-installed", 11, 0, 72, "musl", "libc-utils"},
                      Fixture{"syft-multiple-2-installed", 14, 0, 105, "alpine-baselayout-data",
                              "libc-utils"},
                      Fixture{"trivy-apk-installed", 15, 1, 76, "musl", "ada-libs"}),
    [](const auto& info) {
      std::string name = info.param.rel;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(ApkInstalledTest, TrivyValuesAndInvalidRecord) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/apk/trivy-apk-installed");
  ApkInstalled db = ParseApkInstalled(Read(path), "lib/apk/db/installed");
  ASSERT_EQ(db.packages.size(), 15u);
  const model::Package& musl = db.packages[0];
  EXPECT_EQ(musl.name, "musl");
  EXPECT_EQ(musl.version, "1.1.14-r10");
  EXPECT_EQ(musl.source_name, "musl");
  EXPECT_EQ(musl.licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(musl.maintainer, "Timo Teräs <timo.teras@iki.fi>");
  EXPECT_EQ(musl.files,
            (std::vector<std::string>{"lib/libc.musl-x86_64.so.1", "lib/ld-musl-x86_64.so.1"}));

  // "P:invalidPackageWithoutAVersion" alone at line 23.
  EXPECT_EQ(Find(db.packages, "invalidPackageWithoutAVersion"), nullptr);
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_EQ(db.diagnostics[0].code, "bad-package-db");
  EXPECT_EQ(db.diagnostics[0].path, "lib/apk/db/installed");
  EXPECT_EQ(db.diagnostics[0].message,
            "lib/apk/db/installed: record at line 23: package invalidPackageWithoutAVersion "
            "has no valid V: line; skipped");

  const model::Package* sqlite = Find(db.packages, "sqlite-libs");
  ASSERT_NE(sqlite, nullptr);
  EXPECT_EQ(sqlite->version, "3.26.0-r3");
  EXPECT_EQ(sqlite->source_name, "sqlite");
  EXPECT_EQ(sqlite->source_version, "3.26.0-r3");

  const model::Package* test = Find(db.packages, "test");
  ASSERT_NE(test, nullptr);
  EXPECT_EQ(test->version, "2.9.11_pre20061021-r2");
  EXPECT_EQ(test->source_name, "test-parent");
  EXPECT_EQ(test->licenses, std::vector<std::string>{"Public-Domain"});
  EXPECT_EQ(test->files,
            (std::vector<std::string>{"usr/lib/libsqlite3.so", "usr/lib/pkgconfig/sqlite3.pc",
                                      "usr/include/sqlite3ext.h", "usr/include/sqlite3.h"}));

  // A license expression stays one string.
  const model::Package& ada = db.packages.back();
  EXPECT_EQ(ada.source_name, "ada");
  EXPECT_EQ(ada.licenses, std::vector<std::string>{"( Apache-2.0 OR MIT ) AND MPL-2.0"});
}

TEST(ApkInstalledTest, ScalibrOriginsAndFiles) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/apk/scalibr-installed");
  ApkInstalled db = ParseApkInstalled(Read(path), "usr/lib/apk/db/installed");
  const model::Package* crypto = Find(db.packages, "libcrypto3");
  ASSERT_NE(crypto, nullptr);
  EXPECT_EQ(crypto->version, "3.1.0-r4");
  EXPECT_EQ(crypto->source_name, "openssl");
  EXPECT_EQ(crypto->licenses, std::vector<std::string>{"Apache-2.0"});
  ASSERT_GE(crypto->files.size(), 5u);
  EXPECT_EQ(crypto->files[0], "etc/ssl/ct_log_list.cnf");
  EXPECT_EQ(crypto->files[4], "etc/ssl/misc/CA.pl");
  EXPECT_EQ(crypto->db_path, "usr/lib/apk/db/installed");
  const model::Package* zlib = Find(db.packages, "zlib");
  ASSERT_NE(zlib, nullptr);
  EXPECT_EQ(zlib->files, (std::vector<std::string>{"lib/libz.so.1", "lib/libz.so.1.2.13"}));
}

TEST(ApkInstalledTest, OldAlpineValues) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/apk/snyk-alpine-2.6.6-installed");
  ApkInstalled db = ParseApkInstalled(Read(path), "lib/apk/db/installed");
  const model::Package* libc = Find(db.packages, "libc");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->version, "0.9.33.2-r22");
  EXPECT_EQ(libc->source_name, "libc0.9.32");
  EXPECT_EQ(libc->licenses, std::vector<std::string>{"LGPL-2"});
  const model::Package* crypto = Find(db.packages, "libcrypto1.0");
  ASSERT_NE(crypto, nullptr);
  EXPECT_EQ(crypto->version, "1.0.1m-r0");
  EXPECT_EQ(crypto->source_name, "openssl");
}

TEST(ApkInstalledTest, FilesRootDirAndSynthetic) {
  std::string text =
      "P:a\r\n"
      "V:1.0-r0\r\n"
      "R:rootfile\r\n"
      "F:/usr/bin/\r\n"
      "R:x\r\n"
      "a:0:0:755\r\n"
      "Z:Q1abc=\r\n"
      "F:\r\n"
      "R:y\r\n"
      "\r\n"
      "\r\n"
      "P:b\n"
      "V:2\n";  // no blank line at the end, no origin, no license
  ApkInstalled db = ParseApkInstalled(text, "lib/apk/db/installed");
  EXPECT_TRUE(db.diagnostics.empty());
  ASSERT_EQ(db.packages.size(), 2u);
  EXPECT_EQ(db.packages[0].files, (std::vector<std::string>{"rootfile", "usr/bin/x", "y"}));
  EXPECT_EQ(db.packages[0].arch, "");
  EXPECT_EQ(db.packages[1].name, "b");
  EXPECT_EQ(db.packages[1].source_name, "b");
  EXPECT_EQ(db.packages[1].source_version, "2");
  EXPECT_TRUE(db.packages[1].licenses.empty());
}

TEST(ApkInstalledTest, MalformedRecordsAreSkippedWithLineNumbers) {
  std::string text =
      "P:ok1\n"
      "V:1\n"
      "\n"
      "P:bad\n"  // line 4
      "V:1\n"
      "garbage\n"  // line 6
      "\n"
      "V:2\n"  // line 8: no P
      "\n"
      "P:c\n"  // line 10
      "P:d\n"  // line 11
      "V:3\n"
      "\n"
      "P:ok2\n"
      "V:2\n";
  ApkInstalled db = ParseApkInstalled(text, "lib/apk/db/installed");
  ASSERT_EQ(db.packages.size(), 2u);
  EXPECT_EQ(db.packages[0].name, "ok1");
  EXPECT_EQ(db.packages[1].name, "ok2");
  ASSERT_EQ(db.diagnostics.size(), 3u);
  EXPECT_EQ(db.diagnostics[0].message,
            "lib/apk/db/installed: record at line 4: line 6: expected \"X:value\", got "
            "\"garbage\"; skipped");
  EXPECT_EQ(db.diagnostics[1].message,
            "lib/apk/db/installed: record at line 8: no valid P: line; skipped");
  EXPECT_EQ(db.diagnostics[2].message,
            "lib/apk/db/installed: record at line 10: line 11: second P line in one record; "
            "skipped");
}

TEST(ApkInstalledTest, LimitsStopCleanly) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "P:p\nV:1\nF:usr/lib\nR:libfoo.so\n\n";
  ApkLimits limits;
  limits.max_records = 4;
  ApkInstalled db = ParseApkInstalled(text, "db", limits);
  EXPECT_EQ(db.packages.size(), 4u);
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_EQ(db.diagnostics[0].severity, model::DiagnosticSeverity::kError);

  // "usr/lib/libfoo.so" is 17 bytes: a budget of 40 holds two.
  limits = {};
  limits.max_file_list_bytes = 40;
  db = ParseApkInstalled(text, "db", limits);
  EXPECT_EQ(db.packages.size(), 10u);
  EXPECT_EQ(FileCount(db.packages), 2u);
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_NE(db.diagnostics[0].message.find("line 14"), std::string::npos)
      << db.diagnostics[0].message;

  limits = {};
  limits.max_line_bytes = 8;
  db = ParseApkInstalled(text, "db", limits);
  EXPECT_TRUE(db.packages.empty());
  EXPECT_EQ(db.diagnostics.size(), 10u);  // "F:usr/lib" is 9 bytes

  limits = {};
  limits.max_record_lines = 3;
  db = ParseApkInstalled(text, "db", limits);
  EXPECT_TRUE(db.packages.empty());

  // A path longer than PATH_MAX is not a path.
  db = ParseApkInstalled("P:a\nV:1\nF:" + std::string(kMaxPathBytes, 'd') + "\nR:f\n", "db");
  EXPECT_TRUE(db.packages.empty());
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_NE(db.diagnostics[0].message.find("kMaxPathBytes"), std::string::npos);
}

TEST(ApkCatalogerTest, WantsAndAnalyze) {
  ApkCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("lib/apk/db/installed"));
  EXPECT_TRUE(wants("usr/lib/apk/db/installed"));
  EXPECT_FALSE(wants("lib/apk/db/triggers"));
  EXPECT_FALSE(wants("x/lib/apk/db/installed"));
  EXPECT_EQ(c.Name(), "os/apk");
  EXPECT_EQ(c.MaxBytes(), kMaxPackageDbBytes);

  std::string text = "P:musl\nV:1.2.5-r0\nA:x86_64\n\nP:nov\n";
  layer::FileInfo info{.path = "lib/apk/db/installed"};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].name, "musl");
  EXPECT_EQ(out.packages[0].db_path, "lib/apk/db/installed");
  EXPECT_EQ(out.diagnostics.size(), 1u);
}

}  // namespace
}  // namespace customs::catalog
