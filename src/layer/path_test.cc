#include "layer/path.h"

#include <gtest/gtest.h>

namespace customs::layer {
namespace {

TEST(PathTest, NormalizesMemberNames) {
  EXPECT_EQ(*NormalizeMemberName("./usr//bin/"), "usr/bin");
  EXPECT_EQ(*NormalizeMemberName("./"), "");
  EXPECT_EQ(*NormalizeMemberName("/"), "");
  EXPECT_EQ(*NormalizeMemberName("a/b/../c"), "a/c");
  EXPECT_FALSE(NormalizeMemberName("../etc/passwd").ok());
  EXPECT_FALSE(NormalizeMemberName("a/../../b").ok());
  auto abs = NormalizeMemberName("/etc/passwd");
  ASSERT_FALSE(abs.ok());
  EXPECT_NE(abs.status().message().find("absolute member name '/etc/passwd'"), std::string::npos);
}

TEST(PathTest, LinkTargetsStayInsideRoot) {
  EXPECT_EQ(ResolveLinkTarget("usr/bin/sh", "bash"), "usr/bin/bash");
  EXPECT_EQ(ResolveLinkTarget("usr/bin/sh", "../../bin/bash"), "bin/bash");
  EXPECT_EQ(ResolveLinkTarget("a/b", "/../../etc/x"), "etc/x");
  EXPECT_EQ(ResolveLinkTarget("a/b", "../../../../etc/shadow"), "etc/shadow");
  EXPECT_EQ(ResolveLinkTarget("lib", "usr/lib"), "usr/lib");
}

}  // namespace
}  // namespace customs::layer
