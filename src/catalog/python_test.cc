#include "catalog/python.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxPythonMetadataBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

using Strings = std::vector<std::string>;

// Expected values read from the fixtures by hand and with python3's
// email.parser (Name, Version, License headers; License classifiers).
struct Fixture {
  const char* rel;
  const char* name;
  const char* version;
  const char* purl;
  Strings licenses;
};

class PythonFixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(PythonFixtureTest, ReadsNameVersionLicense) {
  const Fixture& f = GetParam();
  CUSTOMS_REQUIRE_SHARED(path, std::string("pkgdb/python/") + f.rel);
  const std::string db = "usr/lib/python3/dist-packages/x.dist-info/METADATA";
  auto p = ParsePythonMetadata(Read(path), db);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->type, "pypi");
  EXPECT_EQ(p->name, f.name);
  EXPECT_EQ(p->version, f.version);
  EXPECT_EQ(p->purl, f.purl);
  EXPECT_EQ(p->licenses, f.licenses);
  EXPECT_EQ(p->db_path, db);
  EXPECT_TRUE(p->files.empty());
  EXPECT_TRUE(p->source_name.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PythonFixtureTest,
    ::testing::Values(
        Fixture{"scalibr-distinfo_meta", "pip", "22.2.2", "pkg:pypi/pip@22.2.2", {"MIT"}},
        Fixture{"scalibr-pyopenssl-26.0.0.dist-info",
                "pyOpenSSL",
                "26.0.0",
                "pkg:pypi/pyopenssl@26.0.0",
                {"Apache License, Version 2.0"}},
        Fixture{"scalibr-pkginfo", "httplib2", "0.20.4", "pkg:pypi/httplib2@0.20.4", {"MIT"}},
        // "License: UNKNOWN": the classifier names it.
        Fixture{"scalibr-egginfo_pkginfo",
                "setuptools",
                "57.4.0",
                "pkg:pypi/setuptools@57.4.0",
                {"MIT License"}}),
    [](const auto& info) {
      std::string name = info.param.rel;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(PythonMetadataTest, NormalizesPurlName) {
  EXPECT_EQ(NormalizePythonName("Foo.Bar__baz"), "foo-bar-baz");
  EXPECT_EQ(NormalizePythonName("zope.interface"), "zope-interface");
  EXPECT_EQ(NormalizePythonName("A-_.-B"), "a-b");
  EXPECT_EQ(NormalizePythonName("ruamel.yaml.clib"), "ruamel-yaml-clib");
  auto p = ParsePythonMetadata("Name: Zope.Interface\nVersion: 5.4.0\n", "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "Zope.Interface");
  EXPECT_EQ(p->purl, "pkg:pypi/zope-interface@5.4.0");
}

TEST(PythonMetadataTest, LicensePrecedence) {
  // License-Expression (PEP 639) wins over the deprecated License.
  auto p = ParsePythonMetadata(
      "Metadata-Version: 2.4\r\nName: a\r\nVersion: 1\r\nLicense: BSD\r\n"
      "License-Expression: MIT OR Apache-2.0\r\n"
      "Classifier: License :: OSI Approved :: MIT License\r\n",
      "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->licenses, Strings{"MIT OR Apache-2.0"});

  // The whole license text pasted into License (continuation lines): use
  // the classifiers, every one of them, skipping the bare "OSI Approved".
  p = ParsePythonMetadata(
      "Name: b\nVersion: 2\nLicense: Copyright (c) 2020 Someone\n"
      "        Permission is hereby granted, free of charge, to any person\n"
      "Classifier: License :: OSI Approved\n"
      "Classifier: License :: OSI Approved :: MIT License\n"
      "Classifier: Programming Language :: Python\n"
      "Classifier: License :: OSI Approved :: Apache Software License\n",
      "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->licenses, (Strings{"MIT License", "Apache Software License"}));

  // Neither: no licenses.
  p = ParsePythonMetadata("Name: c\nVersion: 3\nLicense: UNKNOWN\n", "m");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->licenses.empty());
}

TEST(PythonMetadataTest, HeadersEndAtFirstEmptyLine) {
  // Old PKG-INFO: a multi-line Description header (continuation lines, some
  // only blanks) before the Classifiers; then the body, which may look like
  // headers but is not.
  auto p = ParsePythonMetadata(
      "Metadata-Version: 1.2\nName: toml\nVersion: 0.10.2\nDescription: ****\n"
      "        TOML\n        \n        ****\nClassifier: License :: OSI Approved :: MIT "
      "License\n\nName: other\nVersion: 9\n",
      "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "toml");
  EXPECT_EQ(p->version, "0.10.2");
  EXPECT_EQ(p->licenses, Strings{"MIT License"});

  p = ParsePythonMetadata("Name: a\n\nVersion: 1\n", "site-packages/a.egg-info");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().ToString().find("site-packages/a.egg-info: package a has no valid "
                                       "Version header"),
            std::string::npos)
      << p.status().ToString();
}

TEST(PythonMetadataTest, MalformedInput) {
  EXPECT_FALSE(ParsePythonMetadata("", "m").ok());
  EXPECT_FALSE(ParsePythonMetadata(std::string_view("\x00\x01\nName\x00: a\n", 12), "m").ok());
  EXPECT_FALSE(ParsePythonMetadata("Version: 1\n", "m").ok());
  EXPECT_FALSE(ParsePythonMetadata("Name: \nVersion: 1\n", "m").ok());
  // A garbage line among the headers is skipped, as Python's parser does.
  auto p = ParsePythonMetadata("Name: a\ngarbage line\nVersion: 1\n", "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->version, "1");
  // No trailing newline, first value wins.
  p = ParsePythonMetadata("name: a\nName: b\nversion: 1", "m");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "a");
  EXPECT_EQ(p->version, "1");
}

TEST(PythonCatalogerTest, Wants) {
  PythonCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  EXPECT_TRUE(wants("usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA"));
  EXPECT_TRUE(wants("usr/local/lib/python3.12/site-packages/pip-24.0.dist-info/METADATA"));
  EXPECT_TRUE(wants("opt/venv/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"));
  EXPECT_TRUE(wants("usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO"));
  EXPECT_TRUE(wants("usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info"));
  EXPECT_TRUE(wants("usr/lib/python3.9/site-packages/foo-1.0-py3.9.egg/EGG-INFO/PKG-INFO"));
  EXPECT_TRUE(wants("site-packages/a-1.dist-info/METADATA"));

  EXPECT_FALSE(wants("usr/lib/python3/dist-packages/pip/_vendor/x.dist-info/METADATA"));
  EXPECT_FALSE(wants("src/a-1.dist-info/METADATA"));
  EXPECT_FALSE(wants("usr/lib/python3/dist-packages/a-1.dist-info/RECORD"));
  EXPECT_FALSE(wants("usr/lib/python3/dist-packages/.dist-info/METADATA"));
  EXPECT_FALSE(wants("usr/lib/python3/dist-packages/foo/PKG-INFO"));
  EXPECT_FALSE(wants("usr/lib/python3/dist-packages/foo.egg/PKG-INFO"));
  EXPECT_FALSE(wants("METADATA"));
  EXPECT_FALSE(c.Wants(layer::FileInfo{.path = "usr/lib/python3/dist-packages/a.egg-info",
                                       .type = layer::FileType::kDirectory}));
  EXPECT_EQ(c.Name(), "lang/python");
}

TEST(PythonCatalogerTest, Analyze) {
  PythonCataloger c;
  std::string text = "Name: Django\nVersion: 4.2.1\nLicense: BSD-3-Clause\n\nbody\n";
  layer::FileInfo info{.path =
                           "app/venv/lib/python3.11/site-packages/Django-4.2.1.dist-info/METADATA"};
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  ASSERT_TRUE(c.Analyze(file, out).ok());
  ASSERT_EQ(out.packages.size(), 1u);
  EXPECT_EQ(out.packages[0].purl, "pkg:pypi/django@4.2.1");
  EXPECT_EQ(out.packages[0].db_path, info.path);
  EXPECT_EQ(out.packages[0].licenses, Strings{"BSD-3-Clause"});

  std::string bad = "Version: 1\n";
  layer::File bad_file{info, {reinterpret_cast<const uint8_t*>(bad.data()), bad.size()}};
  EXPECT_FALSE(c.Analyze(bad_file, out).ok());
  EXPECT_EQ(out.packages.size(), 1u);
}

}  // namespace
}  // namespace customs::catalog
