#include "catalog/dpkg_copyright.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "catalog/catalogers.h"
#include "layer/merge.h"

namespace customs::catalog {
namespace {

using Strings = std::vector<std::string>;

TEST(DpkgCopyrightTest, MachineReadable) {
  // DEP-5: License in Files paragraphs and stand-alone paragraphs; only the
  // first line names licenses, the rest is text (and its common-licenses
  // pointer adds nothing).
  std::string text =
      "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
      "Upstream-Name: demo\n"
      "\n"
      "Files: *\n"
      "Copyright: 2001 Someone\n"
      "License: GPL-2+\n"
      "\n"
      "Files: lib/*\n"
      "License: LGPL-2.1+ or MIT\n"
      "\n"
      "Files: parse.y\n"
      "License: GPL-3+ with Bison exception\n"
      "\n"
      "Files: compat/*\n"
      "License: (BSD-3-clause or Expat), and Zlib\n"
      "\n"
      "Files: contrib/*\n"
      "License: The MIT License (MIT)\n"
      "\n"
      "License: GPL-2+\n"
      " This program is free software; you can redistribute it under the terms of\n"
      " the GNU General Public License, version 2 or later.\n"
      " On Debian systems the full text is in /usr/share/common-licenses/GPL-2.\n"
      "\n"
      "license: Zlib\n";
  EXPECT_EQ(ParseDpkgCopyright(text),
            (Strings{"GPL-2+", "LGPL-2.1+", "MIT", "GPL-3+ with Bison exception", "BSD-3-clause",
                     "Expat", "Zlib", "The MIT License"}));
}

TEST(DpkgCopyrightTest, CommonLicenseReferences) {
  std::string text =
      "This is the Debian prepackaged version of demo.\n"
      "\n"
      "  On Debian systems, the complete text of the GNU Library General Public\n"
      "  License can be found in `/usr/share/common-licenses/LGPL-2.1'.\n"
      "The GNU Public Licenses in /usr/share/common-licenses were taken from ftp.gnu.org.\n"
      "See /usr/share/common-licenses/GPL-2. And /usr/share/common-licenses/GPL-2 again,\n"
      "and /usr/share/common-licenses/Apache-2.0 and /usr/share/common-licenses/\n";
  EXPECT_EQ(ParseDpkgCopyright(text), (Strings{"LGPL-2.1", "GPL-2", "Apache-2.0"}));
}

TEST(DpkgCopyrightTest, FreeFormPhrases) {
  // GPL with "either version 2 ... or (at your option) any later version",
  // repeated later without a version (not reported again), then LGPL 2.1
  // only, Apache 2.0, MPL v2.0 and an MIT grant across line breaks.
  std::string text =
      "Copyright (C) 1995-2011 Somebody.\n\n"
      "This program is free software; you can redistribute it and/or modify\n"
      "it under the terms of the GNU General Public License as published by\n"
      "the Free Software Foundation; either version 2 of the License, or\n"
      "(at your option) any later version.\n\n"
      "This program is distributed in the hope that it will be useful,\n"
      "but WITHOUT ANY WARRANTY.  See the\n"
      "GNU General Public License for more details.\n\n"
      "The library is under the GNU Lesser General Public License version 2.1.\n"
      "Some files: Licensed under the Apache License, Version 2.0 (the \"License\").\n"
      "Others: Mozilla Public License, v. 2.0.\n"
      "   Permission is hereby granted, free of charge, to any person obtaining\n"
      "   a copy of this software and associated documentation files\n";
  EXPECT_EQ(ParseDpkgCopyright(text),
            (Strings{"GPL-2+", "LGPL-2.1", "Apache-2.0", "MPL-2.0", "MIT"}));

  // A family named only without version stays unversioned.
  EXPECT_EQ(ParseDpkgCopyright("Distributed under the GNU General Public License.\n"),
            Strings{"GPL"});
  EXPECT_TRUE(ParseDpkgCopyright("Public domain. Do what you want.\n").empty());
  EXPECT_TRUE(ParseDpkgCopyright("").empty());
}

TEST(DpkgCopyrightTest, Bounds) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "License: L" + std::to_string(i) + "\n";
  text += "License: " + std::string(kMaxDpkgLicenseNameBytes + 1, 'x') + "\n";
  auto names = ParseDpkgCopyright(text);
  ASSERT_EQ(names.size(), kMaxDpkgCopyrightLicenses);
  EXPECT_EQ(names.back(), "L63");
  DpkgCopyrightLimits limits;
  limits.max_licenses = 2;
  EXPECT_EQ(ParseDpkgCopyright(text, limits), (Strings{"L0", "L1"}));
  // Empty and odd License lines name nothing, never crash.
  EXPECT_TRUE(
      ParseDpkgCopyright("License:\nLicense: ()\nLicense: , and or\nLicense: (((\n").empty());
  EXPECT_EQ(ParseDpkgCopyright("License: GPL version 2 or later\n"), Strings{"GPL version 2"});
}

// Real copyright files of this machine's Debian packages, when present.
// Expected values read from the files by hand (grep '^License:' and
// grep common-licenses).
struct HostFile {
  const char* package;
  Strings licenses;
};

class DpkgCopyrightHostTest : public ::testing::TestWithParam<HostFile> {};

TEST_P(DpkgCopyrightHostTest, ReadsHostFile) {
  const HostFile& h = GetParam();
  std::string path = std::string("/usr/share/doc/") + h.package + "/copyright";
  if (!std::filesystem::is_regular_file(path)) GTEST_SKIP() << path << " not on this machine";
  auto text = ReadFile(path, kMaxDpkgCopyrightBytes);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(ParseDpkgCopyright(*text), h.licenses);
}

INSTANTIATE_TEST_SUITE_P(
    Host, DpkgCopyrightHostTest,
    ::testing::Values(HostFile{"bash",
                               {"GPL-3+", "GPL-3+ with Bison exception", "GPL-2+", "GFDL-NIV-1.3",
                                "Latex2e", "BSD-4-clause-UC", "MIT-like", "permissive"}},
                      HostFile{"coreutils",
                               {"GPL-3+", "BSD-4-clause-UC", "ISC", "FSFULLR", "GFDL-NIV-1.3"}},
                      HostFile{"zlib1g", {"Zlib"}},
                      HostFile{"openssl", {"Apache-2.0", "Artistic", "GPL-1+"}},
                      HostFile{"adduser", {"GPL-2+"}},
                      // Free-form: common-licenses pointers.
                      HostFile{"libc6", {"LGPL-2.1", "GPL-2"}}, HostFile{"base-files", {"GPL"}},
                      // Free-form: only the MIT grant.
                      HostFile{"debootstrap", {"MIT"}}, HostFile{"libdrm2", {"MIT"}}),
    [](const auto& info) {
      std::string name = info.param.package;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(DpkgCopyrightCatalogerTest, WantsAndAnalyze) {
  DpkgCopyrightCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("usr/share/doc/zlib1g/copyright"));
  EXPECT_TRUE(wants("usr/share/doc/libstdc++6/copyright"));
  EXPECT_FALSE(
      wants("usr/share/doc/ca-certificates/examples/ca-certificates-local/debian/"
            "copyright"));
  EXPECT_FALSE(wants("usr/share/doc/copyright"));
  EXPECT_FALSE(wants("usr/share/doc//copyright"));
  EXPECT_FALSE(wants("usr/share/doc/eject/copyright/foo"));
  EXPECT_FALSE(wants("x/usr/share/doc/eject/copyright"));
  EXPECT_FALSE(c.Wants(
      layer::FileInfo{.path = "usr/share/doc/a/copyright", .type = layer::FileType::kSymlink}));
  EXPECT_EQ(c.Name(), "os/dpkg-copyright");

  std::string text = "Format: x\n\nFiles: *\nLicense: Zlib\n";
  layer::FileInfo info{.path = "usr/share/doc/zlib1g/copyright"};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  ASSERT_EQ(out.package_licenses.size(), 1u);
  EXPECT_EQ(out.package_licenses[0].db_path, "usr/share/doc/zlib1g/copyright");
  EXPECT_EQ(out.package_licenses[0].package, "zlib1g");
  EXPECT_EQ(out.package_licenses[0].licenses, Strings{"Zlib"});
  EXPECT_TRUE(out.packages.empty());

  // A file that names nothing adds nothing.
  std::string none = "Copyright 2001 nobody.\n";
  layer::File none_file{info, {reinterpret_cast<const uint8_t*>(none.data()), none.size()}};
  ASSERT_TRUE(c.Analyze(none_file, out).ok());
  EXPECT_EQ(out.package_licenses.size(), 1u);
}

TEST(DpkgCopyrightCatalogerTest, FinishPackagesJoinsByName) {
  model::OsInfo os{.id = "debian", .version_id = "12"};
  std::vector<model::Package> pkgs(4);
  pkgs[0] = {.type = "deb", .name = "zlib1g", .version = "1:1.2.13", .arch = "amd64"};
  pkgs[1] = {.type = "deb", .name = "zlib1g", .version = "1:1.2.13", .arch = "i386"};
  pkgs[2] = {.type = "deb", .name = "bash", .version = "5.2", .arch = "amd64"};
  pkgs[2].licenses = {"already"};
  pkgs[3] = {.type = "apk", .name = "zlib1g", .version = "1"};
  std::vector<layer::PackageLicenses> licenses = {
      {.db_path = "usr/share/doc/zlib1g/copyright", .package = "zlib1g", .licenses = {"Zlib"}},
      {.db_path = "usr/share/doc/bash/copyright", .package = "bash", .licenses = {"GPL-3+"}},
      {.db_path = "usr/share/doc/zlib1g/copyright",
       .package = "zlib1g",
       .licenses = {"MIT", "Zlib"}}};
  FinishPackages(os, {}, licenses, pkgs);
  EXPECT_EQ(pkgs[0].licenses, (Strings{"Zlib", "MIT"}));
  EXPECT_EQ(pkgs[1].licenses, (Strings{"Zlib", "MIT"}));
  EXPECT_EQ(pkgs[2].licenses, Strings{"already"});
  EXPECT_TRUE(pkgs[3].licenses.empty());
  EXPECT_EQ(pkgs[0].purl, "pkg:deb/debian/zlib1g@1.2.13?arch=amd64&distro=debian-12&epoch=1");
}

TEST(DpkgCopyrightCatalogerTest, MergeKeepsOnlyVisibleCopyrightFiles) {
  // Layer 0 installs two packages' docs; layer 1 deletes one copyright file
  // and replaces the other.
  layer::LayerResult l0, l1;
  l0.files = {{.path = "usr/share/doc/a/copyright"}, {.path = "usr/share/doc/b/copyright"}};
  l0.findings.package_licenses = {
      {.db_path = "usr/share/doc/a/copyright", .package = "a", .licenses = {"GPL-2"}},
      {.db_path = "usr/share/doc/b/copyright", .package = "b", .licenses = {"MIT"}}};
  l1.whiteouts = {"usr/share/doc/a/copyright"};
  l1.files = {{.path = "usr/share/doc/b/copyright"}};
  l1.findings.package_licenses = {
      {.db_path = "usr/share/doc/b/copyright", .package = "b", .licenses = {"Apache-2.0"}}};
  auto merged = layer::Merge({&l0, &l1});
  ASSERT_EQ(merged.findings.package_licenses.size(), 1u);
  EXPECT_EQ(merged.findings.package_licenses[0].package, "b");
  EXPECT_EQ(merged.findings.package_licenses[0].licenses, Strings{"Apache-2.0"});
}

}  // namespace
}  // namespace customs::catalog
