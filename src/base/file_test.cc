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

TEST(ListDirectoryTest, SortedNamesWithinTheBound) {
  std::string dir = testing::TempDir() + "/list";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  for (const char* name : {"b", "a", ".hidden", "c"})
    ASSERT_TRUE(WriteFileAtomic(dir + "/" + name, "x").ok());
  auto names = ListDirectory(dir);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a", "b", "c"}));
  auto bounded = ListDirectory(dir, 3);
  ASSERT_FALSE(bounded.ok());
  EXPECT_EQ(bounded.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ListDirectory(dir + "/missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace customs
