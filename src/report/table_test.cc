#include <gtest/gtest.h>

#include "report/report.h"
#include "report/report_testdata.h"

namespace customs::report {
namespace {

TEST(TableTest, AlpineExactOutput) {
  std::string expected =
      "alpine:3.19 (alpine 3.19.1, linux/amd64, "
      "sha256:186f9fed1cb18ad7ea5c2953470d4e4017b127a9d4ee5fc7e71c2b9e6bc1f227) - 5 packages\n"
      "\n"
      "NAME                    VERSION               ARCH    TYPE  SOURCE           LAYER\n"
      "busybox                 1.36.1-r15            x86_64  apk   -                0\n"
      "ca-certificates-bundle  20240226-r0           x86_64  apk   ca-certificates  0\n"
      "libcrypto3              3.1.4-r5              x86_64  apk   openssl          0\n"
      "musl                    1.2.4_git20230717-r4  x86_64  apk   -                0\n"
      "zlib                    1.3.1-r0              x86_64  apk   -                0\n";
  EXPECT_EQ(RenderTable({testdata::Alpine("amd64")}), expected);
}

TEST(TableTest, RowsSortedByNameWithEpochsSourcesAndLayers) {
  std::string table = RenderTable({testdata::Rocky()});
  std::string expected_rows =
      "NAME          VERSION           ARCH    TYPE  SOURCE   LAYER\n"
      "bash          5.1.8-6.el9_1     x86_64  rpm   -        0\n"
      "glibc         2.34-83.el9_3.7   x86_64  rpm   -        0\n"
      "openssl       1:3.0.7-25.el9_3  x86_64  rpm   -        1\n"
      "openssl-libs  1:3.0.7-25.el9_3  x86_64  rpm   openssl  1\n"
      "shadow-utils  2:4.9-8.el9       x86_64  rpm   -        0\n"
      "tzdata        2023c-1.el9       noarch  rpm   -        0\n";
  EXPECT_NE(table.find(expected_rows), std::string::npos) << table;
  EXPECT_EQ(table.rfind("oci:/srv/images/rocky:9.3 (rocky 9.3, linux/amd64, " +
                            std::string(testdata::kRpmManifest) + ") - 6 packages\n\n",
                        0),
            0u)
      << table;
}

TEST(TableTest, DiagnosticsAndIncompleteLine) {
  std::string table = RenderTable({testdata::Rocky()});
  EXPECT_NE(table.find("\nDiagnostics (1):\n"
                       "  error bad-package-db layer "
                       "sha256:b64d3d7e3cfac9dbf13494de5dc625d7b56a2e38d638504aaa45a580d066269a "
                       "usr/lib/sysimage/rpm/rpmdb.sqlite: rpmdb.sqlite: page 7 at offset 24576: "
                       "bad b-tree page type 0x00\n"
                       "\nThe result is incomplete: 1 error stopped parts of the scan, so "
                       "packages may be missing.\n"),
            std::string::npos)
      << table;
  // A warning is listed, but the result stays complete.
  std::string debian = RenderTable({testdata::Debian()});
  EXPECT_NE(debian.find("  warning file-too-large layer"), std::string::npos);
  EXPECT_EQ(debian.find("incomplete"), std::string::npos);
}

TEST(TableTest, DebianSourceColumnShowsDifferingSourceVersions) {
  std::string table = RenderTable({testdata::Debian()});
  EXPECT_NE(table.find("libblkid1   2.38.1-5+b1        amd64  deb   util-linux 2.38.1-5    0\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("passwd      1:4.13+dfsg1-1+b1  amd64  deb   shadow 1:4.13+dfsg1-1  0\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("libstdc++6  12.2.0-14          amd64  deb   gcc-12                 0\n"),
            std::string::npos)
      << table;
}

TEST(TableTest, SeveralImagesAreSeparatedByABlankLine) {
  std::string table = RenderTable({testdata::Alpine("amd64"), testdata::Alpine("arm64")});
  size_t second = table.find("alpine:3.19 (alpine 3.19.1, linux/arm64/v8, ");
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(table.substr(second - 2, 2), "\n\n");
  EXPECT_NE(table.find("musl                    1.2.4_git20230717-r4  aarch64  apk"),
            std::string::npos)
      << table;
}

TEST(TableTest, ControlCharactersCannotReachTheTerminal) {
  auto result = testdata::Alpine("amd64");
  result.packages[0].name = "evil\x1b[2J\nname";
  result.image.reference =
      "ref\rwith\x07"
      "bell";
  std::string table = RenderTable({result});
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.find('\r'), std::string::npos);
  EXPECT_EQ(table.find('\x07'), std::string::npos);
  EXPECT_NE(table.find("evil?[2J?name"), std::string::npos);
  EXPECT_EQ(table.rfind("ref?with?bell (", 0), 0u);
}

TEST(TableTest, WithoutPackageRowsOnlyFindingsOrAClearNone) {
  std::string app = RenderTable({testdata::App()}, /*list_packages=*/false);
  EXPECT_EQ(app.find("NAME "), std::string::npos) << app;  // no package rows
  EXPECT_NE(app.find("CVE-2021-23337"), std::string::npos) << app;
  EXPECT_EQ(app.find("No vulnerabilities"), std::string::npos) << app;
  std::string clean = RenderTable({testdata::Alpine("amd64")}, /*list_packages=*/false);
  EXPECT_EQ(clean.find("NAME "), std::string::npos) << clean;
  EXPECT_NE(clean.find("\n\nNo vulnerabilities or contraband found.\n"), std::string::npos)
      << clean;
}

TEST(TableTest, VulnerabilitiesPerTargetWithTotalsAndSuppressedCount) {
  std::string table = RenderTable({testdata::Debian()});
  std::string expected =
      "\nvar/lib/dpkg/status (debian 12)\n"
      "Total: 4 (UNKNOWN: 0, LOW: 3, MEDIUM: 1, HIGH: 0, CRITICAL: 0)\n"
      "\n"
      "LIBRARY     VULNERABILITY  SEVERITY  STATUS        INSTALLED VERSION  FIXED VERSION     "
      "TITLE\n"
      "libstdc++6  CVE-2023-4039  MEDIUM    affected      12.2.0-14          -                 "
      "gcc: -fstack-protector fails to guard dynamic stack allocations on ARM64\n"
      "libblkid1   CVE-2022-0563  LOW       will_not_fix  2.38.1-5           -                 "
      "util-linux: partial disclosure of arbitrary files in chfn and chsh when compiled...\n"
      "libssl3     CVE-2023-5678  LOW       fixed         3.0.11-1~deb12u2   3.0.13-1~deb12u1  "
      "openssl: Generating excessively long X9.42 DH keys or checking excessively long ...\n"
      "openssl     CVE-2023-5678  LOW       fixed         3.0.11-1~deb12u2   3.0.13-1~deb12u1  "
      "openssl: Generating excessively long X9.42 DH keys or checking excessively long ...\n"
      "\n3 suppressed: 2 ignore file .customsignore, 1 rated unimportant by debian\n"
      "\nDiagnostics (1):\n";
  EXPECT_NE(table.find(expected), std::string::npos) << table;
  // Suppressed ones are counted, not listed.
  EXPECT_EQ(table.find("CVE-2024-0727"), std::string::npos);
  EXPECT_EQ(table.find("CVE-2010-4756"), std::string::npos);
}

TEST(TableTest, LanguageTargetsAndContraband) {
  std::string table = RenderTable({testdata::App()});
  std::string expected =
      "\nsrv/app/node_modules/lodash/package.json (npm)\n"
      "Total: 2 (UNKNOWN: 0, LOW: 0, MEDIUM: 1, HIGH: 1, CRITICAL: 0)\n"
      "\n"
      "LIBRARY  VULNERABILITY   SEVERITY  STATUS  INSTALLED VERSION  FIXED VERSION  TITLE\n"
      "lodash   CVE-2021-23337  HIGH      fixed   4.17.20            4.17.21        "
      "Command Injection in lodash\n"
      "lodash   CVE-2020-28500  MEDIUM    fixed   4.17.20            4.17.21        "
      "Regular Expression Denial of Service (ReDoS) in lodash\n"
      "\nContraband (1), verdict: malicious\n"
      "DISPOSITION  SEVERITY  CATEGORY           RULE        PATH                         LAYER  "
      "EVIDENCE\n"
      "malicious    CRITICAL  malicious-package  MAL-2022-1  usr/local/bin/gitlab-helper  2      "
      "osv advisory MAL-2022-1 lists rustdecimal 1.23.1 (crates.io) as malicious\n";
  EXPECT_NE(table.find(expected), std::string::npos) << table;
  EXPECT_EQ(table.find("suppressed"), std::string::npos);
}

TEST(TableTest, NegligibleIsCountedOnlyWhenPresent) {
  auto r = testdata::Debian();
  r.vulnerabilities[4].suppressed_by.clear();  // CVE-2010-4756, NEGLIGIBLE
  std::string table = RenderTable({r});
  EXPECT_NE(table.find("Total: 5 (UNKNOWN: 0, NEGLIGIBLE: 1, LOW: 3, MEDIUM: 1, HIGH: 0, "
                       "CRITICAL: 0)\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("\n2 suppressed: 2 ignore file .customsignore\n"), std::string::npos)
      << table;
}

TEST(TableTest, VexSuppressionsAreCountedByStatus) {
  auto r = testdata::Debian();
  r.vulnerabilities[2].suppressed_by =
      "VEX https://example.com/vex/app.json: not_affected (vulnerable_code_not_present)";
  std::string table = RenderTable({r});
  EXPECT_NE(table.find("\n4 suppressed: 2 ignore file .customsignore, 1 VEX not_affected, 1 "
                       "rated unimportant by debian\n"),
            std::string::npos)
      << table;
}

TEST(TableTest, UnknownOsAndNoPackages) {
  model::ScanResult r;
  r.image.reference = "rootfs:/tmp/empty";
  EXPECT_EQ(RenderTable({r}),
            "rootfs:/tmp/empty (unknown OS) - 0 packages\n\n"
            "NAME  VERSION  ARCH  TYPE  SOURCE  LAYER\n");
}

}  // namespace
}  // namespace customs::report
