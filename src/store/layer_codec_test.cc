#include "store/layer_codec.h"

#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/file.h"
#include "gtest/gtest.h"
#include "tests/testing.h"

namespace customs::store {

// Results for the codec and cache tests (declared again in
// layer_cache_test.cc, which links into the same test binary).
namespace testdata {

// Every field of every struct set to a distinct, non-default value, plus
// extreme values and awkward bytes.
layer::LayerResult FullResult() {
  layer::LayerResult r;
  layer::FileInfo f;
  f.path = "usr/bin/tool";
  f.type = layer::FileType::kSymlink;
  f.size = 4096;
  f.mode = 04755;
  f.uid = 1000;
  f.gid = 1001;
  f.link_target = "../lib/tool";
  r.files.push_back(f);
  f = {};
  f.path = "usr/lib/libx.so.1";
  f.type = layer::FileType::kHardlink;
  f.link_target = "usr/lib/libx.so";
  f.gid = 7;
  r.files.push_back(f);
  f = {};
  f.path = std::string("odd\0name\n\xff", 10);
  f.type = layer::FileType::kOther;
  f.size = UINT64_MAX;
  f.mode = UINT32_MAX;
  f.uid = UINT32_MAX;
  f.gid = UINT32_MAX;
  r.files.push_back(f);
  r.whiteouts = {"etc/old.conf", "var/cache/apt/pkgcache.bin"};
  r.opaque_dirs = {"opt/app"};

  model::Package p;
  p.type = "deb";
  p.name = "bash";
  p.version = "5.2.15-2+b2";
  p.epoch = 3;
  p.arch = "amd64";
  p.source_name = "bash-src";
  p.source_version = "5.2.15-2";
  p.licenses = {"GPL-3.0-or-later", "MIT"};
  p.maintainer = "Matthias Klose <doko@debian.org>";
  p.purl = "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64";
  p.db_path = "var/lib/dpkg/status";
  p.inner_path = "BOOT-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties";
  p.scope = "prod";
  p.scripts = {{"postinstall", "node install.js"}, {"preinstall", "echo \"hi\""}};
  p.layer = {2, "sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b'),
             "RUN /bin/sh -c apt-get install -y bash"};
  p.owner = "pkg:deb/debian/python3-requests@2.28.1";
  p.files = {"usr/bin/bash", "usr/share/doc/bash/copyright"};
  r.findings.packages.push_back(p);
  model::Package q;
  q.type = "npm";
  q.name = "caf\xc3\xa9";
  q.version = "1.0.0";
  q.epoch = 0;  // present and zero, unlike absent
  q.scope = "dev";
  q.scripts = {{"", ""}};
  q.layer.index = INT_MIN;
  r.findings.packages.push_back(q);

  model::OsInfo os;
  os.id = "debian";
  os.version_id = "12";
  os.version_codename = "bookworm";
  os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
  os.id_like = "debian-like";
  os.source_path = "etc/os-release";
  r.findings.os.push_back(os);

  r.findings.package_files.push_back(
      {"var/lib/dpkg/info/bash.list", "bash", "amd64", {"bin/bash", "usr/bin/bashbug"}});
  r.findings.package_licenses.push_back(
      {"usr/share/doc/bash/copyright", "bash", {"GPL-3.0-or-later", "BSD-4-Clause-UC"}});

  model::Detection d;
  d.category = std::string(model::kCategoryCoinMiner);
  d.rule_id = "miner_stratum_url";
  d.severity = model::Severity::kHigh;
  d.disposition = model::Disposition::kSuspicious;
  d.confidence = model::Confidence::kMedium;
  d.title = "Stratum mining pool URL";
  d.reference = "https://example.org/rules/miner";
  d.purl = "pkg:npm/evil@1.0.0";
  d.path = "opt/miner/xmrig";
  d.layer = {1, "sha256:" + std::string(64, 'c'), "sha256:" + std::string(64, 'd'), "ADD x /"};
  d.evidence = "stratum+tcp:// at offset 4096";
  d.owner = "pkg:deb/debian/xmrig@6.19";
  d.deleted_by = {3, "sha256:" + std::string(64, 'e'), "", "RUN rm -rf /opt/miner"};
  d.sha256 = "sha256:" + std::string(64, 'f');
  d.suppressed_by = "allow-list: ours";
  r.findings.detections.push_back(d);
  model::Detection e;
  e.severity = model::Severity::kUnknown;
  e.disposition = model::Disposition::kInfo;
  e.confidence = model::Confidence::kLow;
  e.deleted_by.index = INT_MAX;
  r.findings.detections.push_back(e);

  model::Diagnostic g;
  g.severity = model::DiagnosticSeverity::kWarning;
  g.code = "bad-package-db";
  g.layer = "sha256:" + std::string(64, '1');
  g.path = "var/lib/rpm/Packages";
  g.message = "offset 12: truncated header";
  r.findings.diagnostics.push_back(g);
  r.entries = 12345;
  return r;
}

// A realistic layer: `files` entries, `packages` dpkg packages of 20 files
// each, a few detections and diagnostics.
layer::LayerResult LargeResult(int files, int packages) {
  layer::LayerResult r;
  r.files.reserve(files);
  for (int i = 0; i < files; ++i) {
    layer::FileInfo f;
    f.path = "usr/lib/x86_64-linux-gnu/perl5/5.36/auto/module" + std::to_string(i / 50) + "/file" +
             std::to_string(i) + ".so";
    f.size = 1000 + 37 * static_cast<uint64_t>(i);
    f.mode = i % 10 == 0 ? 0777 : 0644;
    f.type = i % 10 == 0 ? layer::FileType::kSymlink : layer::FileType::kRegular;
    if (f.type == layer::FileType::kSymlink) f.link_target = "file" + std::to_string(i + 1) + ".so";
    r.files.push_back(std::move(f));
  }
  for (int i = 0; i < files / 100; ++i) r.whiteouts.push_back("var/tmp/gone" + std::to_string(i));
  r.opaque_dirs = {"etc/apt/sources.list.d"};
  for (int i = 0; i < packages; ++i) {
    model::Package p;
    p.type = "deb";
    p.name = "libpackage" + std::to_string(i);
    p.version = "1:2." + std::to_string(i) + "-3+deb12u1";
    p.arch = "amd64";
    p.source_name = "package-src" + std::to_string(i / 3);
    p.source_version = "2." + std::to_string(i) + "-3+deb12u1";
    p.licenses = {"GPL-2.0-only", "LGPL-2.1-or-later"};
    p.maintainer = "Debian Maintainers <maint@lists.debian.org>";
    p.purl = "pkg:deb/debian/" + p.name + "@" + p.version + "?arch=amd64&distro=debian-12";
    p.db_path = "var/lib/dpkg/status";
    p.layer = {0, "sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b'),
               "ADD rootfs.tar.xz /"};
    for (int j = 0; j < 20; ++j)
      p.files.push_back("usr/share/doc/" + p.name + "/file" + std::to_string(j));
    r.findings.packages.push_back(std::move(p));
  }
  model::OsInfo os;
  os.id = "debian";
  os.version_id = "12";
  os.source_path = "etc/os-release";
  r.findings.os.push_back(os);
  for (int i = 0; i < 5; ++i) {
    model::Detection d;
    d.category = std::string(model::kCategorySecret);
    d.rule_id = "aws-access-key";
    d.title = "AWS access key";
    d.path = "root/.aws/credentials" + std::to_string(i);
    d.evidence = "AKIA**************** at line 3";
    r.findings.detections.push_back(d);
  }
  model::Diagnostic g;
  g.code = "file-too-large";
  g.path = "var/lib/big.db";
  g.message = "300 MiB exceeds 256 MiB";
  r.findings.diagnostics.push_back(g);
  r.entries = static_cast<uint64_t>(files) + r.whiteouts.size();
  return r;
}

}  // namespace testdata

namespace {

using testdata::FullResult;
using testdata::LargeResult;

// Every field of `v` differs from its default (nested structs as a whole).
template <typename... Ts>
void ExpectNonDefault(const char* what, const Ts&... fields) {
  int i = 0;
  auto check = [&](const auto& field) {
    using T = std::decay_t<decltype(field)>;
    EXPECT_FALSE(field == T{}) << what << " field " << i;
    ++i;
  };
  (check(fields), ...);
}

// FullResult really sets every field: a field left at its default would let
// a codec that drops it pass the round trip. The structured bindings stop
// compiling when a struct gains a field, pointing here.
TEST(LayerCodecTest, FullResultSetsEveryField) {
  layer::LayerResult r = FullResult();
  {
    auto& [files, whiteouts, opaque_dirs, findings, entries] = r;
    EXPECT_FALSE(files.empty());
    EXPECT_FALSE(whiteouts.empty());
    EXPECT_FALSE(opaque_dirs.empty());
    EXPECT_NE(entries, 0u);
    auto& [packages, os, package_files, package_licenses, detections, diagnostics] = findings;
    EXPECT_FALSE(packages.empty() || os.empty() || package_files.empty() ||
                 package_licenses.empty() || detections.empty() || diagnostics.empty());
  }
  {
    // typeflag is deliberately not encoded (see layer_codec.cc).
    [[maybe_unused]] auto& [path, type, size, mode, uid, gid, link_target, typeflag] = r.files[0];
    ExpectNonDefault("FileInfo", path, type, size, mode, uid, gid, link_target);
  }
  {
    auto& [type, name, version, epoch, arch, source_name, source_version, licenses, maintainer,
           purl, db_path, inner_path, scope, scripts, layer, owner, files] = r.findings.packages[0];
    ExpectNonDefault("Package", type, name, version, epoch, arch, source_name, source_version,
                     licenses, maintainer, purl, db_path, inner_path, scope, scripts, layer, owner,
                     files);
    auto& [index, diff_id, digest, created_by] = layer;
    ExpectNonDefault("LayerRef", index, diff_id, digest, created_by);
  }
  {
    auto& [id, version_id, version_codename, pretty_name, id_like, source_path] = r.findings.os[0];
    ExpectNonDefault("OsInfo", id, version_id, version_codename, pretty_name, id_like, source_path);
  }
  {
    auto& [db_path, package, arch, files] = r.findings.package_files[0];
    ExpectNonDefault("PackageFiles", db_path, package, arch, files);
  }
  {
    auto& [db_path, package, licenses] = r.findings.package_licenses[0];
    ExpectNonDefault("PackageLicenses", db_path, package, licenses);
  }
  {
    auto& [category, rule_id, severity, disposition, confidence, title, reference, purl, path,
           layer, evidence, owner, deleted_by, sha256, suppressed_by] = r.findings.detections[0];
    // The enum defaults are the most grave values; FullResult picks others.
    ExpectNonDefault("Detection", category, rule_id, title, reference, purl, path, layer, evidence,
                     owner, deleted_by, sha256, suppressed_by);
    EXPECT_NE(severity, model::Detection{}.severity);
    EXPECT_NE(disposition, model::Detection{}.disposition);
    EXPECT_NE(confidence, model::Detection{}.confidence);
  }
  {
    auto& [severity, code, layer, path, message] = r.findings.diagnostics[0];
    ExpectNonDefault("Diagnostic", code, layer, path, message);
    EXPECT_NE(severity, model::Diagnostic{}.severity);
  }
}

TEST(LayerCodecTest, RoundTripsEveryField) {
  layer::LayerResult r = FullResult();
  std::string bytes = EncodeLayerResult(r);
  Result<layer::LayerResult> back = DecodeLayerResult(bytes, Limits{});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(LayerResultsEqual(*back, r));
  // The model structs compare with their own operator== as well.
  EXPECT_EQ(back->findings.packages, r.findings.packages);
  EXPECT_EQ(back->findings.os, r.findings.os);
  EXPECT_EQ(back->findings.detections, r.findings.detections);
  EXPECT_EQ(back->findings.diagnostics, r.findings.diagnostics);
  ASSERT_EQ(back->files.size(), r.files.size());
  for (size_t i = 0; i < r.files.size(); ++i) {
    EXPECT_EQ(back->files[i].path, r.files[i].path);
    EXPECT_EQ(back->files[i].type, r.files[i].type);
    EXPECT_EQ(back->files[i].size, r.files[i].size);
    EXPECT_EQ(back->files[i].mode, r.files[i].mode);
    EXPECT_EQ(back->files[i].uid, r.files[i].uid);
    EXPECT_EQ(back->files[i].gid, r.files[i].gid);
    EXPECT_EQ(back->files[i].link_target, r.files[i].link_target);
  }
  EXPECT_EQ(back->entries, r.entries);
  // Extreme values survive: 64-bit sizes, 32-bit ids, negative indexes.
  EXPECT_EQ(back->files.back().size, UINT64_MAX);
  EXPECT_EQ(back->files.back().uid, UINT32_MAX);
  EXPECT_EQ(back->findings.packages.back().layer.index, INT_MIN);
  EXPECT_EQ(back->findings.detections.back().deleted_by.index, INT_MAX);
  // Encoding is deterministic.
  EXPECT_EQ(EncodeLayerResult(*back), bytes);
}

TEST(LayerCodecTest, EqualitySeesEveryField) {
  layer::LayerResult a = FullResult();
  EXPECT_TRUE(LayerResultsEqual(a, a));
  layer::LayerResult b = a;
  b.files[1].gid = 1234;
  EXPECT_FALSE(LayerResultsEqual(a, b));
  b = a;
  b.findings.packages[0].layer.created_by += "x";
  EXPECT_FALSE(LayerResultsEqual(a, b));
  b = a;
  b.findings.package_licenses[0].licenses.pop_back();
  EXPECT_FALSE(LayerResultsEqual(a, b));
  b = a;
  b.entries += 1;
  EXPECT_FALSE(LayerResultsEqual(a, b));
}

TEST(LayerCodecTest, EmptyResultRoundTrips) {
  layer::LayerResult empty;
  std::string bytes = EncodeLayerResult(empty);
  // magic, version 1, then 3 empty lists, 6 empty finding lists, entries 0.
  EXPECT_EQ(bytes, std::string("CUSTOMSLR\x01", 10) + std::string(10, '\0'));
  Result<layer::LayerResult> back = DecodeLayerResult(bytes, Limits{});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(LayerResultsEqual(*back, empty));
}

// The format, pinned byte by byte (worked out by hand from the header's
// description): changing it must bump kLayerCodecVersion.
std::string TinyEncoding() {
  return std::string(
      "CUSTOMSLR"
      "\x01"  // version 1
      "\x01"  // 1 file
      "\x01"
      "a"         // path
      "\x02"      // FileType::kSymlink
      "\xac\x02"  // size 300
      "\xed\x03"  // mode 0755 = 493
      "\x01"      // uid 1
      "\x02"      // gid 2
      "\x01"
      "b"  // link target
      "\x01"
      "\x03"
      "w/x"                   // whiteouts
      "\x00"                  // opaque dirs
      "\x00\x00\x00\x00\x00"  // packages, os, package files and licenses, detections
      "\x01"                  // 1 diagnostic
      "\x00"                  // kWarning
      "\x01"
      "c"
      "\x00"
      "\x00"
      "\x01"
      "m"          // code, layer, path, message
      "\x80\x01",  // entries 128
      43);
}

layer::LayerResult TinyResult() {
  layer::LayerResult r;
  layer::FileInfo f;
  f.path = "a";
  f.type = layer::FileType::kSymlink;
  f.size = 300;
  f.mode = 0755;
  f.uid = 1;
  f.gid = 2;
  f.link_target = "b";
  r.files.push_back(f);
  r.whiteouts.push_back("w/x");
  model::Diagnostic d;
  d.severity = model::DiagnosticSeverity::kWarning;
  d.code = "c";
  d.message = "m";
  r.findings.diagnostics.push_back(d);
  r.entries = 128;
  return r;
}

TEST(LayerCodecTest, FormatIsPinned) {
  ASSERT_EQ(kLayerCodecVersion, 1u) << "update TinyEncoding with the new format";
  EXPECT_EQ(EncodeLayerResult(TinyResult()), TinyEncoding());
  Result<layer::LayerResult> back = DecodeLayerResult(TinyEncoding(), Limits{});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(LayerResultsEqual(*back, TinyResult()));
}

TEST(LayerCodecTest, OtherVersionIsRefused) {
  std::string bytes = TinyEncoding();
  bytes[9] = '\x02';
  Result<layer::LayerResult> r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(r.status().message(), "cache entry format 2, expected 1");
  bytes[9] = '\x00';
  EXPECT_EQ(DecodeLayerResult(bytes, Limits{}).status().message(),
            "cache entry format 0, expected 1");
}

TEST(LayerCodecTest, BadMagicIsDataLoss) {
  for (std::string bytes : {std::string(), std::string("CUSTOMS"), std::string("customslr\x01"),
                            std::string("\x28\xb5\x2f\xfd")}) {
    Result<layer::LayerResult> r = DecodeLayerResult(bytes, Limits{});
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << bytes;
    EXPECT_NE(r.status().message().find("CUSTOMSLR"), std::string::npos);
  }
}

TEST(LayerCodecTest, EveryTruncationFails) {
  std::string bytes = EncodeLayerResult(FullResult());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<layer::LayerResult> r =
        DecodeLayerResult(std::string_view(bytes).substr(0, n), Limits{});
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    ASSERT_EQ(r.status().code(), StatusCode::kDataLoss) << n << ": " << r.status().ToString();
  }
}

TEST(LayerCodecTest, TrailingBytesFail) {
  Result<layer::LayerResult> r = DecodeLayerResult(TinyEncoding() + "x", Limits{});
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "layer cache entry: offset 43: 1 trailing bytes");
}

TEST(LayerCodecTest, EnumOutOfRangeFails) {
  std::string bytes = TinyEncoding();
  ASSERT_EQ(bytes[13], '\x02');  // the FileType
  bytes[13] = '\x05';
  Result<layer::LayerResult> r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "layer cache entry: offset 13: enum value 5 out of range");
  bytes[13] = '\x04';  // kOther, the last one
  EXPECT_TRUE(DecodeLayerResult(bytes, Limits{}).ok());

  bytes = TinyEncoding();
  ASSERT_EQ(bytes[34], '\x00');  // the DiagnosticSeverity
  bytes[34] = '\x02';
  EXPECT_EQ(DecodeLayerResult(bytes, Limits{}).status().message(),
            "layer cache entry: offset 34: enum value 2 out of range");
}

TEST(LayerCodecTest, IntegersOutOfRangeFail) {
  // uid 2^32: five varint bytes.
  std::string bytes = TinyEncoding();
  bytes.replace(18, 1, std::string("\x80\x80\x80\x80\x10", 5));
  Result<layer::LayerResult> r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().message(), "layer cache entry: offset 18: integer above 2^32");
  // A varint of more than 64 bits.
  bytes = TinyEncoding();
  bytes.replace(14, 2, std::string(10, '\xff') + "\x01");
  r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().message(), "layer cache entry: offset 14: varint longer than 64 bits");
  // The largest 64-bit varint is fine.
  bytes = TinyEncoding();
  bytes.replace(14, 2, std::string(9, '\xff') + "\x01");
  r = DecodeLayerResult(bytes, Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files[0].size, UINT64_MAX);
}

TEST(LayerCodecTest, CountsAreBounded) {
  // A count far beyond the bytes that follow: refused before any allocation.
  std::string bytes = std::string("CUSTOMSLR\x01", 10) + "\xff\xff\xff\xff\x0f";
  Result<layer::LayerResult> r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);   // 2^32-1 > 10M entries
  bytes = std::string("CUSTOMSLR\x01", 10) + "\x80\xad\xe2\x04";  // 10M exactly
  r = DecodeLayerResult(bytes, Limits{});
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(),
            "layer cache entry: offset 10: truncated list of 10000000 items (4 bytes left)");

  Limits tight;
  tight.max_layer_entries = 100;
  layer::LayerResult big;
  big.files.resize(101);
  r = DecodeLayerResult(EncodeLayerResult(big), tight);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "layer cache entry: offset 10: list of 101 items exceeds the limit of 100");
  big.files.resize(100);
  EXPECT_TRUE(DecodeLayerResult(EncodeLayerResult(big), tight).ok());
  big.entries = 101;
  EXPECT_EQ(DecodeLayerResult(EncodeLayerResult(big), tight).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(LayerCodecTest, StringsAreBounded) {
  Limits tight;
  tight.max_package_db_bytes = 10;  // the bound is then kMaxTarExtendedHeaderBytes
  layer::LayerResult r;
  r.whiteouts.push_back(std::string(kMaxTarExtendedHeaderBytes, 'x'));
  EXPECT_TRUE(DecodeLayerResult(EncodeLayerResult(r), tight).ok());
  r.whiteouts[0].push_back('x');
  Result<layer::LayerResult> back = DecodeLayerResult(EncodeLayerResult(r), tight);
  EXPECT_EQ(back.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(DecodeLayerResult(EncodeLayerResult(r), Limits{}).ok());
}

TEST(LayerCodecTest, MapKeysMustBeSortedAndUnique) {
  layer::LayerResult r;
  model::Package p;
  p.scripts = {{"a", "1"}, {"b", "2"}};
  r.findings.packages.push_back(p);
  std::string bytes = EncodeLayerResult(r);
  const std::string sorted(
      "\x02\x01"
      "a\x01"
      "1\x01"
      "b\x01"
      "2",
      9);
  size_t at = bytes.find(sorted);
  ASSERT_NE(at, std::string::npos);
  std::string swapped = bytes;
  swapped.replace(at, sorted.size(),
                  std::string("\x02\x01"
                              "b\x01"
                              "2\x01"
                              "a\x01"
                              "1",
                              9));
  Result<layer::LayerResult> back = DecodeLayerResult(swapped, Limits{});
  EXPECT_EQ(back.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(back.status().message().find("map keys out of order"), std::string::npos);
  std::string duplicate = bytes;
  duplicate.replace(at, sorted.size(),
                    std::string("\x02\x01"
                                "a\x01"
                                "2\x01"
                                "a\x01"
                                "1",
                                9));
  EXPECT_EQ(DecodeLayerResult(duplicate, Limits{}).status().code(), StatusCode::kDataLoss);
}

TEST(LayerCodecTest, OptionalFlagMustBeZeroOrOne) {
  layer::LayerResult r;
  r.findings.packages.emplace_back();
  std::string bytes = EncodeLayerResult(r);
  // The package: 3 empty strings, then the epoch flag.
  size_t at = 10 + 3 + 1 + 3;
  ASSERT_EQ(bytes[at], '\0');
  bytes[at] = '\x02';
  EXPECT_EQ(DecodeLayerResult(bytes, Limits{}).status().message(),
            "layer cache entry: offset 17: optional flag 2");
}

TEST(LayerCodecTest, LargeResultIsFast) {
  layer::LayerResult r = LargeResult(10'000, 300);
  auto t0 = std::chrono::steady_clock::now();
  std::string bytes = EncodeLayerResult(r);
  auto t1 = std::chrono::steady_clock::now();
  Result<layer::LayerResult> back = DecodeLayerResult(bytes, Limits{});
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(LayerResultsEqual(*back, r));
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("10k files, 300 packages: %zu bytes; encode %.2f ms, decode %.2f ms\n", bytes.size(),
              ms(t1 - t0), ms(t2 - t1));
}

// The fuzzer's seeds decode (valid_*) or fail cleanly (bad_*).
// CUSTOMS_WRITE_CORPUS=1 rewrites the valid seeds first, after a format
// change.
TEST(LayerCodecTest, SeedCorpus) {
  std::string dir = testing::SourceDir() + "/fuzz/corpus/layer_codec";
  if (const char* w = std::getenv("CUSTOMS_WRITE_CORPUS"); w != nullptr && std::string(w) == "1") {
    ASSERT_TRUE(WriteFileAtomic(dir + "/valid_tiny", TinyEncoding()).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/valid_full", EncodeLayerResult(FullResult())).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/valid_files", EncodeLayerResult(LargeResult(40, 3))).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/valid_empty", EncodeLayerResult({})).ok());
    std::string old = TinyEncoding();
    old[9] = '\x07';
    ASSERT_TRUE(WriteFileAtomic(dir + "/bad_version", old).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/bad_truncated", TinyEncoding().substr(0, 30)).ok());
  }
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no " << dir;
  int valid = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    Result<std::string> bytes = ReadFile(e.path().string(), 1 << 20);
    ASSERT_TRUE(bytes.ok());
    Result<layer::LayerResult> r = DecodeLayerResult(*bytes, Limits{});
    if (name.starts_with("valid_")) {
      EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      ++valid;
    } else if (name.starts_with("bad_")) {
      EXPECT_FALSE(r.ok()) << name;
    }
  }
  EXPECT_EQ(valid, 4);
}

}  // namespace
}  // namespace customs::store
