#include "layer/decompress.h"

#include <gtest/gtest.h>

#include "tests/tar_builder.h"

namespace customs::layer {
namespace {

Result<std::string> Decompress(const std::string& data, const Limits& limits = Limits(),
                               Compression* c = nullptr) {
  CUSTOMS_ASSIGN_OR_RETURN(
      auto s, OpenDecompressed(std::make_unique<MemoryStream>(data), limits, "blob", c));
  return ReadAll(*s, 1u << 30, "blob");
}

TEST(DecompressTest, DetectsAndInflates) {
  std::string plain;
  for (int i = 0; i < 100000; ++i) plain += std::to_string(i) + ",";
  Compression c;
  EXPECT_EQ(*Decompress(testing::Gzip(plain), Limits(), &c), plain);
  EXPECT_EQ(c, Compression::kGzip);
  EXPECT_EQ(*Decompress(testing::Zstd(plain), Limits(), &c), plain);
  EXPECT_EQ(c, Compression::kZstd);
  EXPECT_EQ(*Decompress(plain, Limits(), &c), plain);
  EXPECT_EQ(c, Compression::kNone);
  EXPECT_EQ(*Decompress(""), "");
  // Concatenated gzip members form one stream.
  EXPECT_EQ(*Decompress(testing::Gzip("abc") + testing::Gzip("def")), "abcdef");
}

TEST(DecompressTest, TruncatedAndCorrupt) {
  std::string plain(200000, 'q');
  for (size_t i = 0; i < plain.size(); i += 7) plain[i] = static_cast<char>('a' + i % 26);
  std::string gz = testing::Gzip(plain);
  auto r = Decompress(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
  std::string bad = gz;
  bad[bad.size() - 6] ^= 1;  // CRC
  r = Decompress(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("blob: corrupt gzip"), std::string::npos)
      << r.status().message();
  std::string zs = testing::Zstd(plain);
  r = Decompress(zs.substr(0, zs.size() - 3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

TEST(DecompressTest, BombsStopAtLimits) {
  std::string zeros(200u << 20, '\0');
  std::string gz = testing::Gzip(zeros);
  auto r = Decompress(gz);  // ratio ~1000:1 passes the default 2000:1
  ASSERT_TRUE(r.ok());
  Limits tight;
  tight.max_expansion_ratio = 100;
  r = Decompress(gz, tight);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("max-expansion-ratio"), std::string::npos);
  Limits small;
  small.max_layer_expanded_bytes = 1 << 20;
  r = Decompress(testing::Zstd(zeros), small);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("max-layer-bytes"), std::string::npos);
  r = Decompress(std::string(2 << 20, 'x'), small);
  EXPECT_FALSE(r.ok());
}

TEST(DecompressTest, UnsupportedFormatsNamed) {
  auto r = Decompress("BZh91AY&SY");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("bzip2"), std::string::npos);
}

}  // namespace
}  // namespace customs::layer
