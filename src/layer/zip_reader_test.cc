#include "layer/zip_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::layer {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Read(const std::string& path) {
  auto r = ReadFile(path, 64u << 20);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

// Builds a zip with Python's zipfile module (an independent writer) from a
// Python expression run inside `with zipfile.ZipFile(out, "w") as z:`.
// Returns "" (and the test should skip) when python3 is missing.
std::string PythonZip(const std::string& body, const std::string& post = "") {
  if (testing::Run("python3 -c 'import zipfile'") != 0) return "";
  std::string dir = testing::TempDir();
  std::string script = dir + "/make.py";
  std::string out = dir + "/out.zip";
  std::string code =
      "import zipfile, sys\nout = sys.argv[1]\nwith zipfile.ZipFile(out, 'w') as z:\n" + body +
      "\n" + post + "\n";
  EXPECT_TRUE(WriteFileAtomic(script, code).ok());
  std::string log;
  int rc = testing::Run("python3 " + script + " " + out, &log);
  EXPECT_EQ(rc, 0) << log;
  return Read(out);
}

std::map<std::string, std::string> ReadAll(ZipArchive& zip) {
  std::map<std::string, std::string> out;
  for (const auto& e : zip.entries()) {
    if (e.IsDirectory()) continue;
    auto m = zip.Read(e);
    EXPECT_TRUE(m.ok()) << e.name << ": " << m.status().ToString();
    if (m.ok()) out[e.name] = std::string(m->text());
  }
  return out;
}

TEST(ZipReaderTest, StoredAndDeflatedMembers) {
  std::string zip_bytes = PythonZip(
      "  z.writestr('a.txt', 'hello', compress_type=zipfile.ZIP_STORED)\n"
      "  z.writestr('dir/', '')\n"
      "  z.writestr('dir/b.txt', 'x' * 100000 + 'end', compress_type=zipfile.ZIP_DEFLATED)\n"
      "  z.writestr('empty', '', compress_type=zipfile.ZIP_DEFLATED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  auto zip = ZipArchive::Parse(Bytes(zip_bytes));
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  ASSERT_EQ(zip->entries().size(), 4u);
  EXPECT_EQ(zip->entries()[0].name, "a.txt");
  EXPECT_EQ(zip->entries()[0].method, 0);
  EXPECT_TRUE(zip->entries()[1].IsDirectory());
  EXPECT_EQ(zip->entries()[2].method, 8);
  EXPECT_EQ(zip->entries()[2].uncompressed_size, 100003u);
  auto all = ReadAll(*zip);
  EXPECT_EQ(all["a.txt"], "hello");
  EXPECT_EQ(all["dir/b.txt"], std::string(100000, 'x') + "end");
  EXPECT_EQ(all["empty"], "");
  EXPECT_EQ(zip->bytes_read(), 5u + 100003u);
}

TEST(ZipReaderTest, Zip64RecordsAndExtraFields) {
  // force_zip64 writes ZIP64 extra fields in the local headers; many entries
  // past 65535 make Python write the ZIP64 end record and locator.
  std::string zip_bytes = PythonZip(
      "  with z.open('big.txt', 'w', force_zip64=True) as f: f.write(b'zip64 body')\n"
      "  for i in range(65540): z.writestr('e%d' % i, '', compress_type=zipfile.ZIP_STORED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  auto zip = ZipArchive::Parse(Bytes(zip_bytes));
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  ASSERT_EQ(zip->entries().size(), 65541u);
  EXPECT_EQ(zip->entries().back().name, "e65539");
  auto m = zip->Read(zip->entries()[0]);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->text(), "zip64 body");

  ZipLimits small;
  small.max_entries = 1000;
  auto limited = ZipArchive::Parse(Bytes(zip_bytes), small);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
}

TEST(ZipReaderTest, PrependedBytesAndComment) {
  std::string zip_bytes = PythonZip(
      "  z.comment = b'a comment PK\\x05\\x06 with a fake signature'\n"
      "  z.writestr('m.txt', 'member', compress_type=zipfile.ZIP_DEFLATED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  // A launch script before the archive, as in Spring Boot executable jars.
  std::string prefixed = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n" + zip_bytes;
  for (const std::string* bytes : {&zip_bytes, &prefixed}) {
    auto zip = ZipArchive::Parse(Bytes(*bytes));
    ASSERT_TRUE(zip.ok()) << zip.status().ToString();
    ASSERT_EQ(zip->entries().size(), 1u);
    auto m = zip->Read(zip->entries()[0]);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->text(), "member");
  }
}

TEST(ZipReaderTest, RejectsCorruptCrcAndData) {
  std::string zip_bytes = PythonZip(
      "  z.writestr('s.txt', 'stored text', compress_type=zipfile.ZIP_STORED)\n"
      "  z.writestr('d.txt', 'deflated text ' * 50, compress_type=zipfile.ZIP_DEFLATED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  // Flip a byte of the stored member's data: its CRC no longer matches.
  std::string bad = zip_bytes;
  size_t at = bad.find("stored text");
  ASSERT_NE(at, std::string::npos);
  bad[at] = 'S';
  auto zip = ZipArchive::Parse(Bytes(bad));
  ASSERT_TRUE(zip.ok());
  auto m = zip->Read(zip->entries()[0]);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(m.status().message().find("CRC-32"), std::string::npos) << m.status().message();

  // Garbage in place of the deflate stream.
  auto good = ZipArchive::Parse(Bytes(zip_bytes));
  ASSERT_TRUE(good.ok());
  const ZipEntry& d = good->entries()[1];
  std::string broken = zip_bytes;
  size_t data = d.local_header_offset + 30 + d.name.size();
  for (size_t i = 0; i < d.compressed_size; ++i) broken[data + i] = static_cast<char>(0xff);
  auto zip2 = ZipArchive::Parse(Bytes(broken));
  ASSERT_TRUE(zip2.ok());
  auto m2 = zip2->Read(zip2->entries()[1]);
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.status().code(), StatusCode::kDataLoss) << m2.status().ToString();
}

TEST(ZipReaderTest, SizeCapsAndBombs) {
  // 50 MiB of zeros deflate to ~50 KiB: a ratio near deflate's maximum.
  std::string zip_bytes = PythonZip(
      "  z.writestr('zeros', b'\\0' * (50 << 20), compress_type=zipfile.ZIP_DEFLATED)\n"
      "  z.writestr('small', b'abc', compress_type=zipfile.ZIP_DEFLATED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  auto zip = ZipArchive::Parse(Bytes(zip_bytes));
  ASSERT_TRUE(zip.ok());
  const ZipEntry& zeros = zip->entries()[0];
  EXPECT_EQ(zeros.uncompressed_size, 50u << 20);

  // The caller's cap.
  auto capped = zip->Read(zeros, 1u << 20);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.status().code(), StatusCode::kResourceExhausted);

  // The ratio cap.
  ZipLimits ratio;
  ratio.max_ratio = 100;
  auto z2 = ZipArchive::Parse(Bytes(zip_bytes), ratio);
  ASSERT_TRUE(z2.ok());
  auto r2 = z2->Read(z2->entries()[0]);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r2.status().message().find("kMaxZipRatio"), std::string::npos);

  // The archive total: the first read fits, the second is refused.
  ZipLimits total;
  total.max_total_bytes = (50u << 20) + 2;
  auto z3 = ZipArchive::Parse(Bytes(zip_bytes), total);
  ASSERT_TRUE(z3.ok());
  auto first = z3->Read(z3->entries()[0]);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->bytes().size(), 50u << 20);
  auto second = z3->Read(z3->entries()[1]);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted);

  // A central directory that understates the size: inflating produces more
  // than declared and is refused, not written past the buffer.
  std::string lie = zip_bytes;
  size_t cd = lie.rfind(std::string("PK\x01\x02", 4));
  ASSERT_NE(cd, std::string::npos);
  // The first central entry ("zeros") is the earlier of the two.
  cd = lie.find(std::string("PK\x01\x02", 4));
  uint32_t small_size = 1000;
  std::memcpy(&lie[cd + 24], &small_size, 4);
  auto z4 = ZipArchive::Parse(Bytes(lie));
  ASSERT_TRUE(z4.ok());
  auto r4 = z4->Read(z4->entries()[0]);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.status().code(), StatusCode::kDataLoss) << r4.status().ToString();
}

TEST(ZipReaderTest, EncryptedAndUnknownMethods) {
  std::string zip_bytes = PythonZip("  z.writestr('a', 'x', compress_type=zipfile.ZIP_STORED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  size_t cd = zip_bytes.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(cd, std::string::npos);
  std::string encrypted = zip_bytes;
  encrypted[cd + 8] = 1;  // general purpose flag bit 0
  auto z1 = ZipArchive::Parse(Bytes(encrypted));
  ASSERT_TRUE(z1.ok());
  EXPECT_EQ(z1->Read(z1->entries()[0]).status().code(), StatusCode::kUnimplemented);
  std::string bzip2 = zip_bytes;
  bzip2[cd + 10] = 12;  // method 12: bzip2
  auto z2 = ZipArchive::Parse(Bytes(bzip2));
  ASSERT_TRUE(z2.ok());
  EXPECT_EQ(z2->Read(z2->entries()[0]).status().code(), StatusCode::kUnimplemented);
}

TEST(ZipReaderTest, TruncatedAndNotZip) {
  std::string zip_bytes =
      PythonZip("  z.writestr('a', 'x' * 1000, compress_type=zipfile.ZIP_DEFLATED)");
  if (zip_bytes.empty()) GTEST_SKIP() << "needs python3";
  EXPECT_EQ(ZipArchive::Parse(Bytes("")).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ZipArchive::Parse(Bytes("not a zip file at all, just some text")).status().code(),
            StatusCode::kDataLoss);
  // Every prefix fails cleanly or parses; none crashes.
  for (size_t n = 0; n < zip_bytes.size(); ++n) {
    auto zip = ZipArchive::Parse(Bytes(zip_bytes.substr(0, n)));
    if (zip.ok())
      for (const auto& e : zip->entries()) (void)zip->Read(e);
  }
  // The central directory cut off: the end record points past it.
  std::string cut = zip_bytes;
  size_t cd = cut.find(std::string("PK\x01\x02", 4));
  cut[cd] = 'X';
  EXPECT_EQ(ZipArchive::Parse(Bytes(cut)).status().code(), StatusCode::kDataLoss);
}

TEST(ZipReaderTest, InflateZlib) {
  // zlib.compress(b'hello zlib' * 100) made by Python's zlib, the reference.
  if (testing::Run("python3 -c 'import zlib'") != 0) GTEST_SKIP() << "needs python3";
  std::string dir = testing::TempDir();
  std::string log;
  ASSERT_EQ(testing::Run("python3 -c \"import zlib,sys; open(sys.argv[1],'wb').write("
                         "zlib.compress(b'hello zlib' * 100))\" " +
                             dir + "/z",
                         &log),
            0)
      << log;
  std::string z = Read(dir + "/z");
  auto out = Inflate(Bytes(z), DeflateWrapper::kZlib, 1u << 20, "test");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "hello zlib";
  EXPECT_EQ(std::string(out->begin(), out->end()), expected);
  // Exactly the size fits; one byte less does not.
  EXPECT_TRUE(Inflate(Bytes(z), DeflateWrapper::kZlib, 1000, "test").ok());
  EXPECT_EQ(Inflate(Bytes(z), DeflateWrapper::kZlib, 999, "test").status().code(),
            StatusCode::kResourceExhausted);
  // A wrong Adler-32 is caught.
  std::string bad = z;
  bad.back() ^= 1;
  EXPECT_EQ(Inflate(Bytes(bad), DeflateWrapper::kZlib, 1u << 20, "test").status().code(),
            StatusCode::kDataLoss);
  // Truncated.
  EXPECT_EQ(Inflate(Bytes(z.substr(0, z.size() / 2)), DeflateWrapper::kZlib, 1u << 20, "test")
                .status()
                .code(),
            StatusCode::kDataLoss);
}

TEST(ZipReaderTest, RealJarFixture) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/java/trivy-multi-license-1.0.0.jar");
  std::string bytes = Read(path);
  auto zip = ZipArchive::Parse(Bytes(bytes));
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  // `unzip -l`: 8 entries, LICENSE 11358 bytes, pom.properties 59 bytes.
  ASSERT_EQ(zip->entries().size(), 8u);
  std::map<std::string, const ZipEntry*> by_name;
  for (const auto& e : zip->entries()) by_name[e.name] = &e;
  ASSERT_TRUE(by_name.count("LICENSE"));
  ASSERT_TRUE(by_name.count("META-INF/maven/com.example/multi-license/pom.properties"));
  auto license = zip->Read(*by_name["LICENSE"]);
  ASSERT_TRUE(license.ok()) << license.status().ToString();
  EXPECT_EQ(license->bytes().size(), 11358u);
  auto pom = zip->Read(*by_name["META-INF/maven/com.example/multi-license/pom.properties"]);
  ASSERT_TRUE(pom.ok());
  EXPECT_EQ(pom->bytes().size(), 59u);
  EXPECT_NE(pom->text().find("artifactId=multi-license"), std::string::npos);
}

}  // namespace
}  // namespace customs::layer
