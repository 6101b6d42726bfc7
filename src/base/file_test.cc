#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/testing.h"

namespace customs {
namespace {

TEST(WriteFileAtomicTest, ReplacesFilesButWritesDevicesInPlace) {
  std::string path = testing::TempDir() + "/out.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two").ok());
  EXPECT_EQ(*ReadFile(path, 100), "two");
  // -o /dev/null must not turn the device into a regular file.
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode)) << "/dev/null is not a device on this machine";
  ASSERT_TRUE(WriteFileAtomic("/dev/null", "discarded").ok());
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, before.st_rdev);
}

}  // namespace
}  // namespace customs
