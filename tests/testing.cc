#include "tests/testing.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <vector>

#include "base/file.h"

namespace customs::testing {

namespace {
std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != 0 ? v : fallback;
}

std::vector<std::string>& TempDirs() {
  static std::vector<std::string> dirs;
  return dirs;
}

void RemoveTempDirs() {
  for (const auto& d : TempDirs()) {
    std::error_code ec;
    std::filesystem::remove_all(d, ec);
  }
}
}  // namespace

std::string SharedData(const std::string& rel) {
  std::string root = Env("CUSTOMS_SHARED_DATA", CUSTOMS_DEFAULT_SHARED_DATA);
  std::string path = root + "/" + rel;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::filesystem::canonical(path).string();
}

std::string TestImage(const std::string& rel) {
  std::string root = Env("CUSTOMS_TEST_IMAGES", "");
  if (root.empty()) root = SourceDir() + "/tests/images/cache";
  std::string path = root + "/" + rel;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::filesystem::canonical(path).string();
}

std::vector<std::string> ListDirectory(const std::string& dir) {
  auto names = customs::ListDirectory(dir);
  return names.ok() ? std::move(names).value() : std::vector<std::string>();
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string TempDir() {
  static std::once_flag once;
  // Construct the list before registering the handler, so that it is
  // destroyed after the handler runs.
  std::call_once(once, [] {
    TempDirs();
    std::atexit(RemoveTempDirs);
  });
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/customs-test-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  TempDirs().push_back(tmpl);
  return tmpl;
}

int Run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  if (output != nullptr) output->clear();
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
    if (output != nullptr) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string CustomsBinary() {
  return Env("CUSTOMS_BINARY_DIR", CUSTOMS_DEFAULT_BINARY_DIR) + std::string("/src/cli/customs");
}

std::string SourceDir() { return Env("CUSTOMS_SOURCE_DIR", CUSTOMS_DEFAULT_SOURCE_DIR); }

}  // namespace customs::testing
