#include "layer/tar_reader.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "layer/walker.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::layer {
namespace {

using customs::testing::TarBuilder;

std::vector<FileInfo> ReadAllEntries(const std::string& tar, Status* error = nullptr) {
  MemoryStream in(tar);
  TarEntryReader reader(in, Limits(), "test.tar");
  std::vector<FileInfo> out;
  FileInfo info;
  while (true) {
    auto more = reader.Next(info);
    if (!more.ok()) {
      if (error) *error = more.status();
      return out;
    }
    if (!*more) break;
    out.push_back(info);
  }
  if (error) *error = reader.Finish();
  return out;
}

TEST(TarReaderTest, ReadsEntriesAndContent) {
  std::string long_name = "usr/share/" + std::string(150, 'x') + "/file.txt";
  std::string tar = TarBuilder()
                        .Dir("./etc/")
                        .File("./etc/hostname", "box\n")
                        .Symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
                        .Hardlink("bin/sh2", "./bin/sh")
                        .File(long_name, std::string(1000, 'a'), 04755)
                        .Build();
  Status err;
  auto entries = ReadAllEntries(tar, &err);
  ASSERT_TRUE(err.ok()) << err.ToString();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].path, "etc");
  EXPECT_EQ(entries[0].type, FileType::kDirectory);
  EXPECT_EQ(entries[1].path, "etc/hostname");
  EXPECT_EQ(entries[1].size, 4u);
  EXPECT_EQ(entries[2].type, FileType::kSymlink);
  EXPECT_EQ(entries[2].link_target, "/usr/share/zoneinfo/UTC");
  EXPECT_EQ(entries[3].type, FileType::kHardlink);
  EXPECT_EQ(entries[3].link_target, "bin/sh");
  EXPECT_EQ(entries[4].path, long_name);  // via a pax "path" record
  EXPECT_EQ(entries[4].size, 1000u);
  EXPECT_EQ(entries[4].mode, 04755u);
}

TEST(TarReaderTest, ContentIsReadable) {
  std::string tar = TarBuilder().File("a", "hello").File("b", "world!").Build();
  MemoryStream in(tar);
  TarReader reader(in, Limits(), "t");
  TarEntry e;
  ASSERT_TRUE(*reader.Next(e));
  ASSERT_TRUE(*reader.Next(e));  // skips "a" unread
  std::string buf(10, '\0');
  auto n = reader.ReadContent(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()), 10));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "world!");
  EXPECT_FALSE(*reader.Next(e));
}

TEST(TarReaderTest, RejectsUnsafeNames) {
  Status err;
  ReadAllEntries(TarBuilder().File("../../etc/passwd", "x").Build(), &err);
  EXPECT_EQ(err.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(err.message().find("escapes the image root"), std::string::npos) << err.message();
  ReadAllEntries(TarBuilder().File("/etc/passwd", "x").Build(), &err);
  EXPECT_NE(err.message().find("absolute member name"), std::string::npos) << err.message();
  ReadAllEntries(TarBuilder().Hardlink("x", "../../../etc/shadow").Build(), &err);
  EXPECT_NE(err.message().find("hardlink target"), std::string::npos) << err.message();
}

TEST(TarReaderTest, TruncatedAndCorrupt) {
  std::string tar = TarBuilder().File("a", std::string(2000, 'z')).Build();
  Status err;
  ReadAllEntries(tar.substr(0, 1000), &err);
  EXPECT_EQ(err.code(), StatusCode::kDataLoss);
  EXPECT_NE(err.message().find("truncated"), std::string::npos) << err.message();
  ReadAllEntries(tar.substr(0, 300), &err);
  EXPECT_NE(err.message().find("truncated tar header at offset 0"), std::string::npos);
  std::string corrupt = tar;
  corrupt[10] ^= 0x55;
  ReadAllEntries(corrupt, &err);
  EXPECT_NE(err.message().find("checksum mismatch at offset 0"), std::string::npos);
  ReadAllEntries(std::string(4096, 'A'), &err);
  EXPECT_EQ(err.code(), StatusCode::kInvalidArgument) << err.ToString();
}

// A header whose name has bytes >= 0x80 sums differently as unsigned (POSIX)
// and signed (old writers) chars; both are accepted, anything else is not.
TEST(TarReaderTest, UnsignedAndSignedHeaderChecksums) {
  std::string tar = TarBuilder().File("caf\xc3\xa9", "x").Build();
  auto with_checksum = [&](int64_t sum) {
    std::string t = tar;
    std::snprintf(t.data() + 148, 8, "%06llo", static_cast<unsigned long long>(sum));
    t[155] = ' ';
    return t;
  };
  int64_t unsigned_sum = 0, signed_sum = 0;
  for (size_t i = 0; i < 512; ++i) {
    char c = (i >= 148 && i < 156) ? ' ' : tar[i];
    unsigned_sum += static_cast<uint8_t>(c);
    signed_sum += static_cast<int8_t>(c);
  }
  ASSERT_NE(unsigned_sum, signed_sum);
  Status err;
  for (int64_t sum : {unsigned_sum, signed_sum}) {
    auto entries = ReadAllEntries(with_checksum(sum), &err);
    EXPECT_TRUE(err.ok()) << err.ToString();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].path, "caf\xc3\xa9");
  }
  ReadAllEntries(with_checksum(unsigned_sum + 1), &err);
  EXPECT_NE(err.message().find("checksum mismatch at offset 0"), std::string::npos);
}

TEST(TarReaderTest, MissingFinalPaddingEndsTheArchive) {
  // As umoci 0.4.7 writes large layers: the last entry's content is
  // complete, but its padding and the end blocks are missing.
  std::string tar = TarBuilder().File("a", "x").File("b", std::string(700, 'b')).BuildWithoutEnd();
  Status err;
  auto entries = ReadAllEntries(tar.substr(0, tar.size() - 324), &err);
  EXPECT_TRUE(err.ok()) << err.ToString();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].size, 700u);
  // Content itself cut short is still an error.
  ReadAllEntries(tar.substr(0, tar.size() - 400), &err);
  EXPECT_EQ(err.code(), StatusCode::kDataLoss);
}

TEST(TarReaderTest, EntryLimit) {
  TarBuilder b;
  for (int i = 0; i < 20; ++i) b.File("f" + std::to_string(i), "");
  std::string tar = b.Build();
  MemoryStream in(tar);
  Limits limits;
  limits.max_layer_entries = 10;
  TarReader reader(in, limits, "t");
  TarEntry e;
  Result<bool> r = true;
  int n = 0;
  while ((r = reader.Next(e)).ok() && *r) ++n;
  EXPECT_EQ(n, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("max-layer-entries"), std::string::npos);
}

TEST(TarReaderTest, PaxRecords) {
  auto r = ParsePaxRecords("30 mtime=1350244992.023960108\n12 path=abc\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].second, "abc");
  EXPECT_FALSE(ParsePaxRecords("99 path=abc\n").ok());
  EXPECT_FALSE(ParsePaxRecords("3 x\n").ok());
  EXPECT_FALSE(ParsePaxRecords("12 pathabc\n\n").ok());
}

TEST(TarReaderTest, SharedLayerEdgeCases) {
  CUSTOMS_REQUIRE_SHARED(dir, "images/layer-edge-cases");
  // Every fixture reads to the end without error, and the whiteout layers
  // record their whiteouts.
  for (const char* name : {"claircore-whiteout.layer.tar", "claircore-whiteout_opaque.layer.tar",
                           "claircore-whiteout_advanced.layer.tar", "scalibr-symlink-cycle.tar",
                           "scalibr-symlink-attack.tar", "scalibr-basic.tar"}) {
    auto file = OpenFile::Open(dir + "/" + name);
    ASSERT_TRUE(file.ok());
    FileRangeStream in(*file, 0, (*file)->size());
    TarEntryReader reader(in, Limits(), name);
    auto result = WalkLayer(reader, {}, name);
    ASSERT_TRUE(result.ok()) << name << ": " << result.status().ToString();
    EXPECT_GT(result->entries, 0u) << name;
  }
}

}  // namespace
}  // namespace customs::layer
