#include "catalog/rust.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file.h"
#include "catalog/go_binary.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxCargoLockBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::vector<std::string> Names(const std::vector<model::Package>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) out.push_back(p.name + "@" + p.version);
  return out;
}

// Expected lists from Python's tomllib over the fixtures (an independent
// TOML parser): every [[package]] table's name and version, in order.
TEST(CargoLockTest, SyftFixture) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rust/syft-Cargo.lock");
  CargoLock lock = ParseCargoLock(Read(path), "src/app/Cargo.lock");
  EXPECT_TRUE(lock.diagnostics.empty());
  EXPECT_EQ(Names(lock.packages),
            (std::vector<std::string>{
                "ansi_term@0.12.1", "errno@0.3.9", "matches@0.1.8", "memchr@2.3.3", "natord@1.0.9",
                "nom@4.2.3", "schannel@0.1.26", "unicode-bidi@0.3.4", "version_check@0.1.5",
                "winapi@0.3.9", "winapi-i686-pc-windows-gnu@0.4.0",
                "winapi-x86_64-pc-windows-gnu@0.4.0", "windows-sys@0.52.0", "windows-sys@0.59.0"}));
  for (const auto& p : lock.packages) {
    EXPECT_EQ(p.type, "cargo");
    EXPECT_EQ(p.db_path, "src/app/Cargo.lock");
    EXPECT_EQ(p.purl, "pkg:cargo/" + p.name + "@" + p.version);
  }
}

TEST(CargoLockTest, TrivyFixture) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rust/trivy-integration-Cargo.lock");
  CargoLock lock = ParseCargoLock(Read(path), "Cargo.lock");
  EXPECT_TRUE(lock.diagnostics.empty());
  // "app" is the workspace member (no source); Trivy reports it too.
  EXPECT_EQ(Names(lock.packages),
            (std::vector<std::string>{
                "aho-corasick@0.7.20", "app@0.1.0", "libc@0.2.171", "memchr@1.0.2", "memchr@2.7.4",
                "regex@1.7.3", "regex-syntax@0.6.29", "winapi@0.3.9",
                "winapi-i686-pc-windows-gnu@0.4.0", "winapi-x86_64-pc-windows-gnu@0.4.0"}));
}

TEST(CargoLockTest, Syntax) {
  CargoLock lock = ParseCargoLock(
      "# comment\n"
      "[[package]]\n"
      "name = \"a\" # trailing comment\n"
      "version = '1.0.0'\n"
      "dependencies = [\n"
      " \"b 2.0.0 (registry+https://github.com/rust-lang/crates.io-index)\",\n"
      " \"name = \\\"fake\\\" ]\",\n"
      "]\n"
      "\n"
      "[[package]]\n"
      "version = \"2.0.0\"\n"
      "name = \"b\"\n"
      "features = { std = [\"x\"] }\n"
      "\n"
      "[[package]]\n"
      "name = \"no-version\"\n"
      "\n"
      "[[package]]\n"
      "name = 42\n"
      "version = \"1\"\n"
      "\n"
      "[metadata]\n"
      "name = \"not a package\"\n"
      "version = \"0\"\n"
      "\"checksum a 1.0.0 (registry+...)\" = \"abc\"\n",
      "Cargo.lock");
  EXPECT_EQ(Names(lock.packages), (std::vector<std::string>{"a@1.0.0", "b@2.0.0"}));
  ASSERT_EQ(lock.diagnostics.size(), 2u);
  EXPECT_NE(lock.diagnostics[0].message.find("line 15"), std::string::npos)
      << lock.diagnostics[0].message;
  EXPECT_NE(lock.diagnostics[1].message.find("line 19: name is not a TOML string"),
            std::string::npos)
      << lock.diagnostics[1].message;
}

TEST(CargoLockTest, Limits) {
  std::string text;
  for (int i = 0; i < 10; ++i)
    text += "[[package]]\nname = \"p" + std::to_string(i) + "\"\nversion = \"1\"\n";
  CargoLockLimits small;
  small.max_packages = 3;
  CargoLock lock = ParseCargoLock(text, "Cargo.lock", small);
  EXPECT_EQ(lock.packages.size(), 3u);
  ASSERT_EQ(lock.diagnostics.size(), 1u);
  EXPECT_NE(lock.diagnostics[0].message.find("kMaxPackagesPerDb"), std::string::npos);
  CargoLockLimits short_lines;
  short_lines.max_line_bytes = 10;
  CargoLock cut = ParseCargoLock(text, "Cargo.lock", short_lines);
  EXPECT_TRUE(cut.packages.empty());
  EXPECT_EQ(cut.diagnostics.size(), 1u);
}

TEST(CargoLockTest, Wants) {
  CargoLockCataloger c;
  layer::FileInfo info;
  for (const char* p : {"Cargo.lock", "src/app/Cargo.lock"}) {
    info.path = p;
    EXPECT_TRUE(c.Wants(info)) << p;
  }
  for (const char* p : {"cargo.lock", "Cargo.toml", "x/Cargo.lock.bak", "NotCargo.lock"}) {
    info.path = p;
    EXPECT_FALSE(c.Wants(info)) << p;
  }
}

// Runs python3 to zlib-compress `json` into `out`.
bool Zlib(const std::string& json, const std::string& out) {
  std::string dir = testing::TempDir();
  if (!WriteFileAtomic(dir + "/in.json", json).ok()) return false;
  std::string log;
  return testing::Run(
             "python3 -c \"import sys, zlib; open(sys.argv[2], 'wb').write("
             "zlib.compress(open(sys.argv[1], 'rb').read(), 9))\" " +
                 dir + "/in.json " + out,
             &log) == 0;
}

const char kAuditJson[] =
    R"({"packages":[)"
    R"({"name":"auditable-demo","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},)"
    R"({"name":"serde","version":"1.0.193","source":"crates.io","dependencies":[3]},)"
    R"({"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},)"
    R"({"name":"serde_derive","version":"1.0.193","source":"crates.io","kind":"runtime"},)"
    R"({"name":"","version":"1"},{"version":"2"},"junk"]})";

// A small C program compiled here, with a hand-made .dep-v0 section (JSON
// compressed by Python's zlib) added by objcopy, as cargo-auditable does.
TEST(RustAuditTest, DepSectionInElf) {
  if (testing::Run("command -v cc && command -v objcopy && python3 -c 'import zlib'") != 0)
    GTEST_SKIP() << "needs cc, objcopy and python3";
  std::string dir = testing::TempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/m.c", "int main(void) { return 0; }\n").ok());
  ASSERT_TRUE(Zlib(kAuditJson, dir + "/dep.z"));
  std::string log;
  ASSERT_EQ(testing::Run("cc -o " + dir + "/m " + dir + "/m.c && objcopy --add-section .dep-v0=" +
                             dir + "/dep.z " + dir + "/m " + dir + "/m.audit",
                         &log),
            0)
      << log;
  auto bytes = ReadFile(dir + "/m.audit", 64u << 20);
  ASSERT_TRUE(bytes.ok());
  layer::FileInfo info;
  info.path = "usr/bin/auditable-demo";
  info.size = bytes->size();
  info.mode = 0755;
  BinaryCataloger c;
  ASSERT_TRUE(c.Wants(info));
  layer::Findings out;
  ASSERT_TRUE(c.Analyze({info, Bytes(*bytes)}, out).ok());
  EXPECT_TRUE(out.diagnostics.empty());
  // Runtime packages only: "cc" is a build dependency; nameless entries go.
  EXPECT_EQ(Names(out.packages), (std::vector<std::string>{"auditable-demo@0.1.0", "serde@1.0.193",
                                                           "serde_derive@1.0.193"}));
  for (const auto& p : out.packages) {
    EXPECT_EQ(p.type, "cargo");
    EXPECT_EQ(p.db_path, "usr/bin/auditable-demo");
  }
  EXPECT_EQ(out.packages[1].purl, "pkg:cargo/serde@1.0.193");

  // The same binary without the section: nothing.
  auto plain = ReadFile(dir + "/m", 64u << 20);
  ASSERT_TRUE(plain.ok());
  layer::Findings none;
  ASSERT_TRUE(c.Analyze({info, Bytes(*plain)}, none).ok());
  EXPECT_TRUE(none.packages.empty());
  EXPECT_TRUE(none.diagnostics.empty());

  // A section that is not zlib: a diagnostic, the scan goes on.
  ASSERT_TRUE(WriteFileAtomic(dir + "/junk", "this is not zlib data").ok());
  ASSERT_EQ(
      testing::Run(
          "objcopy --add-section .dep-v0=" + dir + "/junk " + dir + "/m " + dir + "/m.junk", &log),
      0)
      << log;
  auto junk = ReadFile(dir + "/m.junk", 64u << 20);
  ASSERT_TRUE(junk.ok());
  layer::Findings bad;
  ASSERT_TRUE(c.Analyze({info, Bytes(*junk)}, bad).ok());
  EXPECT_TRUE(bad.packages.empty());
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_NE(bad.diagnostics[0].message.find("cargo-auditable"), std::string::npos);
}

TEST(RustAuditTest, Bounds) {
  if (testing::Run("python3 -c 'import zlib'") != 0) GTEST_SKIP() << "needs python3";
  std::string dir = testing::TempDir();
  // 9 MiB of JSON whitespace compresses to ~9 KiB: over kMaxRustAuditBytes.
  std::string big = "{\"packages\":[]" + std::string(9u << 20, ' ') + "}";
  ASSERT_TRUE(Zlib(big, dir + "/big.z"));
  auto z = ReadFile(dir + "/big.z", 1u << 20);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(ParseRustAudit(Bytes(*z), "x").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ParseRustAuditJson("[1,2]", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRustAuditJson("{\"packages\":", "x").status().code(),
            StatusCode::kInvalidArgument);
  auto empty = ParseRustAuditJson("{\"packages\":[]}", "x");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace customs::catalog
