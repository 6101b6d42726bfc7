// Helpers shared by the tests: where the shared data and the built tools are.
#pragma once

#include <string>
#include <vector>

namespace customs::testing {

// Absolute path of ../shared/data/<rel>, or "" when the shared data is not
// there (a fresh clone): callers skip with SkipWithoutSharedData.
std::string SharedData(const std::string& rel);
// Absolute path of <test images>/<rel> (built by tests/images/build_images.sh
// into $CUSTOMS_TEST_IMAGES, default tests/images/cache), or "" when absent.
std::string TestImage(const std::string& rel);
// A fresh empty temporary directory, removed at process exit.
std::string TempDir();
// The names in `dir` (without . and ..), sorted; empty when unreadable.
std::vector<std::string> ListDirectory(const std::string& dir);
// The whole file at `path`; "" when unreadable.
std::string ReadWholeFile(const std::string& path);
// Runs a shell command; returns its exit status and stdout+stderr.
int Run(const std::string& command, std::string* output = nullptr);
// The built `customs` executable.
std::string CustomsBinary();
std::string SourceDir();

}  // namespace customs::testing

// Skips the test when ../shared/data is missing, saying so.
#define CUSTOMS_REQUIRE_SHARED(path_var, rel)                 \
  std::string path_var = ::customs::testing::SharedData(rel); \
  if (path_var.empty())                                       \
  GTEST_SKIP() << "needs ../shared/data/" << (rel)            \
               << " (not present in a fresh clone; see README: Tests)"

// Skips the test when the images of tests/images/build_images.sh are missing.
#define CUSTOMS_REQUIRE_IMAGE(path_var, rel)                 \
  std::string path_var = ::customs::testing::TestImage(rel); \
  if (path_var.empty())                                      \
  GTEST_SKIP() << "needs test image " << (rel)               \
               << ": run tests/images/build_images.sh (scripts/test.sh does)"
