#include "model/purl.h"

#include <gtest/gtest.h>

namespace customs::model {
namespace {

TEST(PurlTest, DebWithQualifiersSorted) {
  Purl p{.type = "deb",
         .namespace_ = "debian",
         .name = "curl",
         .version = "7.50.3-1",
         .qualifiers = {{"distro", "debian-12"}, {"arch", "i386"}}};
  EXPECT_EQ(p.ToString(), "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=debian-12");
}

TEST(PurlTest, EncodesSpecialCharacters) {
  Purl p{.type = "npm", .namespace_ = "@angular", .name = "core", .version = "1.0.0+b1"};
  EXPECT_EQ(p.ToString(), "pkg:npm/%40angular/core@1.0.0%2Bb1");
}

TEST(PurlTest, EmptyQualifierDropped) {
  Purl p{.type = "apk",
         .namespace_ = "alpine",
         .name = "musl",
         .version = "1.2.5-r0",
         .qualifiers = {{"arch", ""}, {"distro", "3.20.3"}}};
  EXPECT_EQ(p.ToString(), "pkg:apk/alpine/musl@1.2.5-r0?distro=3.20.3");
}

}  // namespace
}  // namespace customs::model
