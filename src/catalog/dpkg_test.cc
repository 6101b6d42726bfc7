#include "catalog/dpkg.h"

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

// Installed-stanza counts, counted independently of this parser (python3:
// split on blank lines, keep "Status: install ok installed"; in status.d a
// stanza without Status counts) and by `grep -c '^Status: install ok
// installed'`.
struct Fixture {
  const char* rel;
  DpkgStatusKind kind;
  size_t packages;
  size_t diagnostics;
};

class DpkgFixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(DpkgFixtureTest, CountsInstalledPackages) {
  const Fixture& f = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("pkgdb/dpkg/") + f.rel);
  DpkgStatus db = ParseDpkgStatus(Read(path), "var/lib/dpkg/status", f.kind);
  EXPECT_EQ(db.packages.size(), f.packages);
  EXPECT_EQ(db.diagnostics.size(), f.diagnostics);
  for (const auto& p : db.packages) {
    EXPECT_EQ(p.type, "deb");
    EXPECT_FALSE(p.name.empty());
    EXPECT_FALSE(p.version.empty());
    EXPECT_FALSE(p.arch.empty()) << p.name;
    EXPECT_FALSE(p.source_name.empty()) << p.name;
    EXPECT_FALSE(p.source_version.empty()) << p.name;
    EXPECT_TRUE(p.licenses.empty());
    EXPECT_EQ(p.db_path, "var/lib/dpkg/status");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DpkgFixtureTest,
    ::testing::Values(
        Fixture{"debian-10-buster-status-from-nginx-image", DpkgStatusKind::kStatus, 84, 0},
        Fixture{"grype-debian-match-coverage-status", DpkgStatusKind::kStatus, 1, 0},
        Fixture{"scalibr-valid-status", DpkgStatusKind::kStatus, 7, 0},
        Fixture{"snyk-ubuntu-10.04-status", DpkgStatusKind::kStatus, 140, 0},
        Fixture{"trivy-ubuntu-18.04-status", DpkgStatusKind::kStatus, 90, 0},
        Fixture{"distroless-status.d/libsqlite3-0", DpkgStatusKind::kStatusD, 1, 0},
        Fixture{"syft-status.d/coreutils-relationships", DpkgStatusKind::kStatusD, 9, 0},
        Fixture{"syft-status.d/deinstall", DpkgStatusKind::kStatusD, 1, 0},
        Fixture{"syft-status.d/multiple", DpkgStatusKind::kStatusD, 2, 2},
        Fixture{"syft-status.d/single", DpkgStatusKind::kStatusD, 1, 0}),
    [](const auto& info) {
      std::string name = info.param.rel;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(DpkgStatusTest, TrivyUbuntuSourcesAndBinNmus) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/dpkg/trivy-ubuntu-18.04-status");
  DpkgStatus db = ParseDpkgStatus(Read(path), "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  ASSERT_EQ(db.packages.size(), 90u);
  EXPECT_EQ(db.packages.front().name, "fdisk");
  EXPECT_EQ(db.packages.back().name, "libustr-1.0-1");

  // binNMU: "Source: xz-utils (5.1.1alpha+20120614-2)", Version ...-2+b3.
  const model::Package* lzma = Find(db.packages, "liblzma5");
  ASSERT_NE(lzma, nullptr);
  EXPECT_EQ(lzma->version, "5.1.1alpha+20120614-2+b3");
  EXPECT_EQ(lzma->source_name, "xz-utils");
  EXPECT_EQ(lzma->source_version, "5.1.1alpha+20120614-2");
  EXPECT_EQ(lzma->arch, "amd64");
  EXPECT_EQ(lzma->maintainer, "Jonathan Nieder <jrnieder@gmail.com>");

  const model::Package* ustr = Find(db.packages, "libustr-1.0-1");
  ASSERT_NE(ustr, nullptr);
  EXPECT_EQ(ustr->version, "1.0.4-3+b2");
  EXPECT_EQ(ustr->source_name, "ustr");
  EXPECT_EQ(ustr->source_version, "1.0.4-3");

  // Source with a version that differs from the binary's (epoch only there).
  const model::Package* gcc = Find(db.packages, "libgcc1");
  ASSERT_NE(gcc, nullptr);
  EXPECT_EQ(gcc->version, "1:8-20180414-1ubuntu2");
  EXPECT_EQ(gcc->source_name, "gcc-8");
  EXPECT_EQ(gcc->source_version, "8-20180414-1ubuntu2");

  // Source without version: the binary's version.
  const model::Package* libc = Find(db.packages, "libc6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->source_name, "glibc");
  EXPECT_EQ(libc->source_version, "2.27-3ubuntu1");

  // No Source: the binary itself.
  const model::Package* bash = Find(db.packages, "bash");
  ASSERT_NE(bash, nullptr);
  EXPECT_EQ(bash->version, "4.4.18-2ubuntu1");
  EXPECT_EQ(bash->source_name, "bash");
  EXPECT_EQ(bash->source_version, "4.4.18-2ubuntu1");

  // "Status: deinstall ok config-files" is not installed.
  EXPECT_EQ(Find(db.packages, "git"), nullptr);
}

TEST(DpkgStatusTest, DebianBusterValues) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/dpkg/debian-10-buster-status-from-nginx-image");
  DpkgStatus db = ParseDpkgStatus(Read(path), "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  ASSERT_EQ(db.packages.size(), 84u);
  EXPECT_EQ(db.packages.front().name, "adduser");
  EXPECT_EQ(db.packages.front().version, "3.118");
  EXPECT_EQ(db.packages.front().arch, "all");
  const model::Package* zlib = Find(db.packages, "zlib1g");
  ASSERT_NE(zlib, nullptr);
  EXPECT_EQ(zlib->version, "1:1.2.11.dfsg-1");
  EXPECT_EQ(zlib->source_name, "zlib");
  EXPECT_EQ(zlib->source_version, "1:1.2.11.dfsg-1");
  EXPECT_EQ(zlib->maintainer, "Mark Brown <broonie@debian.org>");
}

TEST(DpkgStatusTest, ScalibrBinNmuWithEpochAndOddVersion) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/dpkg/scalibr-valid-status");
  DpkgStatus db = ParseDpkgStatus(Read(path), "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  ASSERT_EQ(db.packages.size(), 7u);
  const model::Package* ul = Find(db.packages, "util-linux-extra");
  ASSERT_NE(ul, nullptr);
  EXPECT_EQ(ul->version, "2.38.1-5+b1");
  EXPECT_EQ(ul->source_name, "util-linux");
  EXPECT_EQ(ul->source_version, "2.38.1-5");
  const model::Package* attr = Find(db.packages, "attr");
  ASSERT_NE(attr, nullptr);
  EXPECT_EQ(attr->version, "1:2.5.1-4");
  const model::Package* admin = Find(db.packages, "admin-session");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->version, "2023.06.26.c543406313-00");
}

TEST(DpkgStatusTest, DistrolessStatusDWithoutStatusField) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/dpkg/distroless-status.d/libsqlite3-0");
  std::string text = Read(path);
  DpkgStatus db =
      ParseDpkgStatus(text, "var/lib/dpkg/status.d/libsqlite3-0", DpkgStatusKind::kStatusD);
  ASSERT_EQ(db.packages.size(), 1u);
  const model::Package& p = db.packages[0];
  EXPECT_EQ(p.name, "libsqlite3-0");
  EXPECT_EQ(p.version, "3.34.1-3");
  EXPECT_EQ(p.arch, "arm64");
  EXPECT_EQ(p.source_name, "sqlite3");
  EXPECT_EQ(p.source_version, "3.34.1-3");
  EXPECT_EQ(p.db_path, "var/lib/dpkg/status.d/libsqlite3-0");
  // The same stanza in the main status file lacks the Status it needs there.
  DpkgStatus strict = ParseDpkgStatus(text, "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  EXPECT_TRUE(strict.packages.empty());
  ASSERT_EQ(strict.diagnostics.size(), 1u);
  EXPECT_NE(strict.diagnostics[0].message.find("no Status field"), std::string::npos);
}

TEST(DpkgStatusTest, SyftStatusDDeinstallAndMalformed) {
  CUSTOMS_REQUIRE_SHARED(deinstall, "pkgdb/dpkg/syft-status.d/deinstall");
  DpkgStatus d = ParseDpkgStatus(Read(deinstall), "x", DpkgStatusKind::kStatusD);
  ASSERT_EQ(d.packages.size(), 1u);
  EXPECT_EQ(d.packages[0].name, "linux-image-6.14.0-1012-aws");
  EXPECT_EQ(d.packages[0].version, "6.14.0-1012.12~24.04.1");
  EXPECT_EQ(d.packages[0].source_name, "linux-signed-aws-6.14");

  CUSTOMS_REQUIRE_SHARED(multiple, "pkgdb/dpkg/syft-status.d/multiple");
  DpkgStatus m =
      ParseDpkgStatus(Read(multiple), "var/lib/dpkg/status.d/multiple", DpkgStatusKind::kStatusD);
  ASSERT_EQ(m.packages.size(), 2u);
  EXPECT_EQ(m.packages[0].name, "tzdata");
  EXPECT_EQ(m.packages[0].version, "2020a-0+deb10u1");
  EXPECT_EQ(m.packages[0].arch, "all");
  EXPECT_EQ(m.packages[0].source_name, "tzdata-dev");
  EXPECT_EQ(m.packages[0].source_version, "2020a-0+deb10u1");
  EXPECT_EQ(m.packages[1].name, "util-linux");
  EXPECT_EQ(m.packages[1].version, "2.33.1-0.1");
  // "Package:" (empty) at line 1 and "Package: no-version" at line 3.
  ASSERT_EQ(m.diagnostics.size(), 2u);
  EXPECT_EQ(m.diagnostics[0].code, "bad-package-db");
  EXPECT_EQ(m.diagnostics[0].path, "var/lib/dpkg/status.d/multiple");
  EXPECT_NE(m.diagnostics[0].message.find("line 1:"), std::string::npos)
      << m.diagnostics[0].message;
  EXPECT_NE(m.diagnostics[1].message.find("line 3:"), std::string::npos)
      << m.diagnostics[1].message;
  EXPECT_NE(m.diagnostics[1].message.find("no-version"), std::string::npos);
}

TEST(DpkgStatusTest, FieldsAreCaseInsensitiveAndContinuationsSkipped) {
  std::string text =
      "package: a\r\n"
      "STATUS: install ok installed\r\n"
      "version: 1.0-1\r\n"
      "Description: first\r\n"
      " more\r\n"
      " .\r\n"
      "\tand more\r\n"
      "source: b (0.9-2)\r\n"
      "\r\n"
      "\r\n"
      "Package: held\n"
      "Status: hold ok installed\n"
      "Version: 2\n"
      "Architecture: amd64\n"
      "\n"
      "Package: half\n"
      "Status: install reinstreq half-installed\n"
      "Version: 3\n"
      "\n"
      "Package: purged\n"
      "Status: purge ok not-installed\n"
      "\n"
      "Package: last\n"
      "Status: install ok installed\n"
      "Version: 4";  // no final newline
  DpkgStatus db = ParseDpkgStatus(text, "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  EXPECT_TRUE(db.diagnostics.empty());
  ASSERT_EQ(db.packages.size(), 3u);
  EXPECT_EQ(db.packages[0].name, "a");
  EXPECT_EQ(db.packages[0].version, "1.0-1");
  EXPECT_EQ(db.packages[0].source_name, "b");
  EXPECT_EQ(db.packages[0].source_version, "0.9-2");
  EXPECT_EQ(db.packages[0].arch, "");
  EXPECT_EQ(db.packages[1].name, "held");
  EXPECT_EQ(db.packages[1].arch, "amd64");
  EXPECT_EQ(db.packages[2].name, "last");
  EXPECT_EQ(db.packages[2].version, "4");
}

TEST(DpkgStatusTest, MalformedStanzasAreSkippedWithLineNumbers) {
  std::string text =
      "Package: ok1\n"
      "Status: install ok installed\n"
      "Version: 1\n"
      "\n"
      "Package: bad-line\n"  // line 5
      "Status: install ok installed\n"
      "this is not a field\n"  // line 7
      "Version: 1\n"
      "\n"
      "Package: dup\n"  // line 10
      "Version: 1\n"
      "Version: 2\n"  // line 12
      "Status: install ok installed\n"
      "\n"
      " continuation first\n"  // line 15
      "Package: x\n"
      "Version: 1\n"
      "Status: install ok installed\n"
      "\n"
      "Package: folded\n"  // line 20
      "Version: 1\n"
      " 2\n"  // line 22
      "Status: install ok installed\n"
      "\n"
      "Package: ok2\n"
      "Status: install ok installed\n"
      "Version: 2\n";
  DpkgStatus db = ParseDpkgStatus(text, "var/lib/dpkg/status", DpkgStatusKind::kStatus);
  ASSERT_EQ(db.packages.size(), 2u);
  EXPECT_EQ(db.packages[0].name, "ok1");
  EXPECT_EQ(db.packages[1].name, "ok2");
  ASSERT_EQ(db.diagnostics.size(), 4u);
  EXPECT_EQ(db.diagnostics[0].message,
            "var/lib/dpkg/status: stanza at line 5: line 7: expected \"Field: value\", got "
            "\"this is not a field\"; skipped");
  EXPECT_EQ(db.diagnostics[1].message,
            "var/lib/dpkg/status: stanza at line 10: line 12: duplicate field Version; skipped");
  EXPECT_EQ(db.diagnostics[2].message,
            "var/lib/dpkg/status: stanza at line 15: line 15: continuation line before any "
            "field; skipped");
  EXPECT_EQ(db.diagnostics[3].message,
            "var/lib/dpkg/status: stanza at line 20: line 22: field Version continues on "
            "another line; skipped");
  for (const auto& d : db.diagnostics) {
    EXPECT_EQ(d.code, "bad-package-db");
    EXPECT_EQ(d.severity, model::DiagnosticSeverity::kWarning);
  }
}

TEST(DpkgStatusTest, LimitsStopCleanly) {
  std::string stanza = "Package: p\nStatus: install ok installed\nVersion: 1\n\n";
  std::string text;
  for (int i = 0; i < 10; ++i) text += stanza;
  DpkgLimits limits;
  limits.max_stanzas = 3;
  DpkgStatus db = ParseDpkgStatus(text, "var/lib/dpkg/status", DpkgStatusKind::kStatus, limits);
  EXPECT_EQ(db.packages.size(), 3u);
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_EQ(db.diagnostics[0].severity, model::DiagnosticSeverity::kError);
  EXPECT_NE(db.diagnostics[0].message.find("more than 3 stanzas"), std::string::npos);

  limits = {};
  limits.max_line_bytes = 16;
  db = ParseDpkgStatus(
      "Package: p\nStatus: install ok installed\nVersion: 1\n\nPackage: q\nVersion: 2\n"
      "Status: install ok installed\n",
      "s", DpkgStatusKind::kStatus, limits);
  // "Status: install ok installed" is 28 bytes: both stanzas are too long.
  EXPECT_TRUE(db.packages.empty());
  EXPECT_EQ(db.diagnostics.size(), 2u);

  limits = {};
  limits.max_stanza_lines = 2;
  db = ParseDpkgStatus(stanza, "s", DpkgStatusKind::kStatus, limits);
  EXPECT_TRUE(db.packages.empty());
  ASSERT_EQ(db.diagnostics.size(), 1u);
  EXPECT_NE(db.diagnostics[0].message.find("more than 2 lines"), std::string::npos);

  limits = {};
  limits.max_diagnostics = 2;
  db = ParseDpkgStatus("x\n\ny\n\nz\n\n", "s", DpkgStatusKind::kStatus, limits);
  EXPECT_EQ(db.diagnostics.size(), 2u);
}

TEST(DpkgFileListTest, KeepsPathsWithoutRootEntry) {
  auto list =
      ParseDpkgFileList("var/lib/dpkg/info/libc6:amd64.list",
                        "/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n/usr/share/doc/libc6\n");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->db_path, "var/lib/dpkg/info/libc6:amd64.list");
  EXPECT_EQ(list->package, "libc6");
  EXPECT_EQ(list->arch, "amd64");
  EXPECT_EQ(list->files, (std::vector<std::string>{"lib", "lib/x86_64-linux-gnu/libc.so.6",
                                                   "usr/share/doc/libc6"}));

  auto bash = ParseDpkgFileList("var/lib/dpkg/info/bash.list", "/.\n/bin\n/bin/bash");
  ASSERT_TRUE(bash.ok());
  EXPECT_EQ(bash->package, "bash");
  EXPECT_EQ(bash->arch, "");
  EXPECT_EQ(bash->files, (std::vector<std::string>{"bin", "bin/bash"}));
}

TEST(DpkgFileListTest, RejectsBadNamesAndLimits) {
  EXPECT_FALSE(ParseDpkgFileList("var/lib/dpkg/info/.list", "").ok());
  EXPECT_FALSE(ParseDpkgFileList("var/lib/dpkg/info/a:.list", "").ok());
  EXPECT_FALSE(ParseDpkgFileList("var/lib/dpkg/info/a:b:c.list", "").ok());
  EXPECT_FALSE(ParseDpkgFileList("var/lib/dpkg/info/a.md5sums", "").ok());

  auto too_long = ParseDpkgFileList("var/lib/dpkg/info/a.list",
                                    "/ok\n/" + std::string(kMaxPathBytes, 'x') + "\n");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(too_long.status().message().find("line 2"), std::string::npos);

  DpkgLimits limits;
  limits.max_list_lines = 2;
  auto too_many = ParseDpkgFileList("var/lib/dpkg/info/a.list", "/a\n/b\n/c\n", limits);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);
}

TEST(DpkgCatalogerTest, WantsStatusStatusDAndLists) {
  DpkgCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("var/lib/dpkg/status"));
  EXPECT_TRUE(wants("var/lib/dpkg/status.d/base"));
  EXPECT_TRUE(wants("var/lib/dpkg/status.d/libssl1.1"));
  EXPECT_TRUE(wants("var/lib/dpkg/info/libc6:amd64.list"));
  EXPECT_TRUE(wants("var/lib/dpkg/info/bash.list"));
  EXPECT_FALSE(wants("var/lib/dpkg/status.d/base.md5sums"));
  EXPECT_FALSE(wants("var/lib/dpkg/status.d/sub/x"));
  EXPECT_FALSE(wants("var/lib/dpkg/status-old"));
  EXPECT_FALSE(wants("var/lib/dpkg/available"));
  EXPECT_FALSE(wants("var/lib/dpkg/info/bash.md5sums"));
  EXPECT_FALSE(wants("var/lib/dpkg/info/.list"));
  EXPECT_FALSE(wants("usr/var/lib/dpkg/status"));
  EXPECT_FALSE(
      c.Wants(layer::FileInfo{.path = "var/lib/dpkg/status", .type = layer::FileType::kSymlink}));
  EXPECT_EQ(c.Name(), "os/dpkg");
  EXPECT_EQ(c.MaxBytes(), kMaxPackageDbBytes);
}

TEST(DpkgCatalogerTest, AnalyzeFillsFindings) {
  DpkgCataloger c;
  layer::Findings out;
  std::string status =
      "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: broken\n"
      "Status: install ok installed\n";
  layer::FileInfo info{.path = "var/lib/dpkg/status"};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(status.data()), status.size()}};
  ASSERT_TRUE(c.Analyze(file, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].db_path, "var/lib/dpkg/status");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].path, "var/lib/dpkg/status");

  std::string list = "/.\n/bin\n/bin/bash\n";
  layer::FileInfo list_info{.path = "var/lib/dpkg/info/bash.list"};
  layer::File list_file{list_info, {reinterpret_cast<const uint8_t*>(list.data()), list.size()}};
  ASSERT_TRUE(c.Analyze(list_file, out).ok());
  ASSERT_EQ(out.package_files.size(), 1u);
  EXPECT_EQ(out.package_files[0].package, "bash");
  EXPECT_EQ(out.package_files[0].files, (std::vector<std::string>{"bin", "bin/bash"}));
}

}  // namespace
}  // namespace customs::catalog
