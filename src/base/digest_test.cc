#include "base/digest.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

TEST(DigestTest, Sha256OfKnownStrings) {
  EXPECT_EQ(Sha256::Of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update(std::string_view("ab"));
  h.Update(std::string_view("c"));
  EXPECT_EQ(h.Finish().hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, ParseValidatesForm) {
  EXPECT_TRUE(Digest::Parse("sha256:" + std::string(64, 'a')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(63, 'a')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(64, 'A')).ok());
  auto other = Digest::Parse("sha512:" + std::string(128, 'a'));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kUnimplemented);
  EXPECT_FALSE(Digest::Parse("../../etc/passwd").ok());
}

}  // namespace
}  // namespace customs
