#include "base/byte_reader.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

TEST(ByteReaderTest, ReadsIntegersBothEndians) {
  const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  ByteReader r(std::span<const uint8_t>(data, sizeof(data)));
  EXPECT_EQ(*r.ReadU16Be(), 0x0102);
  EXPECT_EQ(*r.ReadU16Le(), 0x0403);
  EXPECT_EQ(*r.ReadU32Be(), 0x05060708u);
  EXPECT_EQ(r.remaining(), 1u);
  auto fail = r.ReadU32Le();
  ASSERT_FALSE(fail.ok());
  EXPECT_EQ(fail.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(fail.status().message().find("offset 8"), std::string::npos);
  EXPECT_EQ(*r.ReadU8(), 9);
}

TEST(ByteReaderTest, BoundsAreOverflowSafe) {
  EXPECT_TRUE(ByteReader::Fits(10, 2, 8));
  EXPECT_FALSE(ByteReader::Fits(10, 2, 9));
  EXPECT_FALSE(ByteReader::Fits(10, 11, 0));
  EXPECT_FALSE(ByteReader::Fits(10, 2, SIZE_MAX));
  ByteReader r(std::string_view("abc"));
  EXPECT_FALSE(r.Skip(SIZE_MAX).ok());
  EXPECT_FALSE(r.Seek(4).ok());
  EXPECT_EQ(*r.ReadString(3), "abc");
}

}  // namespace
}  // namespace customs
