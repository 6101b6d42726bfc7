#include "catalog/go_binary.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<std::string> Summary(const std::vector<model::Package>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) out.push_back(p.name + "@" + p.version + " " + p.purl);
  return out;
}

Result<std::vector<model::Package>> Catalog(const std::string& bytes, const std::string& path) {
  CUSTOMS_ASSIGN_OR_RETURN(ElfFile elf, ParseElf(Bytes(bytes)));
  CUSTOMS_ASSIGN_OR_RETURN(GoBuildInfo info, ParseGoBuildInfo(Bytes(bytes), elf));
  return GoPackages(info, path);
}

// What `go version -m` (the Go toolchain's own reader, our reference)
// prints, turned into the packages Trivy derives from it.
struct Reference {
  std::string go_version;
  std::vector<std::string> packages;  // "name@version"
};

Reference GoVersionM(const std::string& binary) {
  Reference ref;
  std::string out;
  EXPECT_EQ(testing::Run("go version -m " + binary, &out), 0) << out;
  std::istringstream in(out);
  std::string line;
  std::vector<std::string> deps;
  std::string main;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t') {
      ref.go_version = line.substr(line.find(": ") + 2);
      continue;
    }
    std::vector<std::string> cols;
    std::istringstream f(line.substr(1));
    std::string col;
    while (std::getline(f, col, '\t')) cols.push_back(col);
    while (cols.size() < 3) cols.emplace_back();
    auto version = [](const std::string& v) { return v == "(devel)" ? "" : v; };
    if (cols[0] == "mod") main = cols[1] + "@" + version(cols[2]);
    if (cols[0] == "dep") deps.push_back(cols[1] + "@" + version(cols[2]));
    if (cols[0] == "=>") deps.back() = cols[1] + "@" + version(cols[2]);
  }
  ref.packages.push_back("stdlib@v" + ref.go_version.substr(2));
  for (const auto& d : deps) ref.packages.push_back(d);
  ref.packages.push_back(main);
  return ref;
}

std::vector<std::string> NamesAtVersions(const std::vector<model::Package>& pkgs) {
  std::vector<std::string> out;
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.type, "golang");
    out.push_back(p.name + "@" + p.version);
  }
  return out;
}

// Builds a small program with the Debian Go toolchain, offline: one
// dependency served by a file:// module proxy made here (so it has a real
// version and go.sum hash) and one replaced by a local directory.
class GoToolchainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::Run("command -v go") != 0 || testing::Run("python3 -c 'import zipfile'") != 0)
      return;
    dir_ = testing::TempDir();
    const std::string& d = dir_;
    auto write = [&](const std::string& rel, const std::string& text) {
      std::string path = d + "/" + rel;
      testing::Run("mkdir -p \"$(dirname " + path + ")\"");
      EXPECT_TRUE(WriteFileAtomic(path, text).ok()) << path;
    };
    write("app/go.mod",
          "module example.com/App\n\ngo 1.19\n\nrequire (\n\texample.com/dep v1.0.0\n"
          "\texample.com/lib v1.2.3\n)\n\nreplace example.com/lib v1.2.3 => ../lib\n");
    write(
        "app/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/dep\"\n\t\"example.com/lib\"\n)\n\n"
        "func main() { fmt.Println(dep.Name(), lib.Name()) }\n");
    write("lib/go.mod", "module example.com/lib\n\ngo 1.19\n");
    write("lib/lib.go", "package lib\n\nfunc Name() string { return \"lib\" }\n");
    std::string v = "proxy/example.com/dep/@v/";
    write(v + "list", "v1.0.0\n");
    write(v + "v1.0.0.info", R"({"Version":"v1.0.0","Time":"2023-01-01T00:00:00Z"})");
    write(v + "v1.0.0.mod", "module example.com/dep\n\ngo 1.19\n");
    write(
        "zip.py",
        "import sys, zipfile\n"
        "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
        "  z.writestr('example.com/dep@v1.0.0/go.mod', 'module example.com/dep\\n\\ngo 1.19\\n')\n"
        "  z.writestr('example.com/dep@v1.0.0/dep.go',\n"
        "             'package dep\\n\\nfunc Name() string { return \"dep\" }\\n')\n");
    std::string log;
    EXPECT_EQ(testing::Run("python3 " + d + "/zip.py " + d + "/" + v + "v1.0.0.zip", &log), 0)
        << log;
    // Offline and hermetic: a fresh environment, the file:// proxy, no
    // checksum database; -modcacherw keeps the module cache removable.
    std::string env = "cd " + d + "/app && env -i PATH=\"$PATH\" HOME=" + d + " GOPATH=" + d +
                      "/gopath GOCACHE=" + d + "/cache GOPROXY=file://" + d +
                      "/proxy GOSUMDB=off GOFLAGS='-mod=mod -modcacherw' CGO_ENABLED=0 ";
    // amd64: ELF64 little-endian; mips: ELF32 big-endian.
    for (const char* arch : {"amd64", "mips"}) {
      log.clear();
      int rc = testing::Run(
          env + "GOARCH=" + arch + " go build -trimpath -o " + d + "/app." + arch + " .", &log);
      EXPECT_EQ(rc, 0) << arch << ": " << log;
    }
  }

  void SetUp() override {
    if (dir_.empty()) GTEST_SKIP() << "needs the go toolchain (golang-go) and python3";
  }

  static std::string Binary(const std::string& arch) {
    auto r = ReadFile(dir_ + "/app." + arch, 256u << 20);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::string();
  }

  // The build directory; empty when the toolchain is missing.
  static inline std::string dir_;
};

TEST_F(GoToolchainTest, MatchesGoVersionM) {
  for (const char* arch : {"amd64", "mips"}) {
    SCOPED_TRACE(arch);
    std::string bytes = Binary(arch);
    auto pkgs = Catalog(bytes, "usr/local/bin/app");
    ASSERT_TRUE(pkgs.ok()) << pkgs.status().ToString();
    Reference ref = GoVersionM(dir_ + "/app." + arch);
    EXPECT_EQ(NamesAtVersions(*pkgs), ref.packages);
    // And what we set up: dep at its proxy version, lib replaced by a local
    // directory (no version), the main module "(devel)" (no version).
    ASSERT_EQ(pkgs->size(), 4u);
    EXPECT_EQ((*pkgs)[0].name, "stdlib");
    EXPECT_EQ((*pkgs)[0].purl.substr(0, 21), "pkg:golang/stdlib@v1.");
    EXPECT_EQ((*pkgs)[1].purl, "pkg:golang/example.com/dep@v1.0.0");
    EXPECT_EQ((*pkgs)[2].name, "../lib");
    EXPECT_EQ((*pkgs)[2].version, "");
    EXPECT_EQ((*pkgs)[3].name, "example.com/App");
    EXPECT_EQ((*pkgs)[3].purl, "pkg:golang/example.com/app");
    for (const auto& p : *pkgs) EXPECT_EQ(p.db_path, "usr/local/bin/app");
  }
}

TEST_F(GoToolchainTest, WithoutSectionHeaders) {
  // Zero e_shoff, e_shnum and e_shstrndx (ELF64 LE offsets 40, 60, 62): the
  // build info must then be found by scanning the writable segment.
  std::string bytes = Binary("amd64");
  ASSERT_GT(bytes.size(), 64u);
  for (int i = 40; i < 48; ++i) bytes[i] = 0;
  for (int i = 60; i < 64; ++i) bytes[i] = 0;
  auto elf = ParseElf(Bytes(bytes));
  ASSERT_TRUE(elf.ok());
  ASSERT_TRUE(elf->sections.empty());
  auto pkgs = Catalog(bytes, "app");
  ASSERT_TRUE(pkgs.ok()) << pkgs.status().ToString();
  EXPECT_EQ(NamesAtVersions(*pkgs), GoVersionM(dir_ + "/app.amd64").packages);
}

TEST_F(GoToolchainTest, BinaryCataloger) {
  std::string bytes = Binary("amd64");
  layer::FileInfo info;
  info.path = "usr/bin/app";
  info.size = bytes.size();
  info.mode = 0755;
  BinaryCataloger c;
  ASSERT_TRUE(c.Wants(info));
  layer::Findings out;
  ASSERT_TRUE(c.Analyze({info, Bytes(bytes)}, out).ok());
  EXPECT_EQ(out.packages.size(), 4u);
  EXPECT_TRUE(out.diagnostics.empty());
  // A corrupt build info (the modinfo length made huge) is a diagnostic.
  auto elf = ParseElf(Bytes(bytes));
  ASSERT_TRUE(elf.ok());
  const ElfSection* s = elf->FindSection(".go.buildinfo");
  ASSERT_NE(s, nullptr);
  std::string broken = bytes;
  size_t at = s->offset + 32;  // the Go version's length varint
  broken[at] = static_cast<char>(0xff);
  broken[at + 1] = static_cast<char>(0xff);
  broken[at + 2] = 0x7f;
  layer::Findings bad;
  ASSERT_TRUE(c.Analyze({info, Bytes(broken)}, bad).ok());
  EXPECT_TRUE(bad.packages.empty());
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_NE(bad.diagnostics[0].message.find("Go version"), std::string::npos)
      << bad.diagnostics[0].message;
}

// A pre-1.18 build info, hand-made: the header holds pointers to Go string
// headers {data, len}, read through a PT_LOAD segment at kBase. No section
// headers. Written from the layout Go's debug/buildinfo documents.
std::string OldFormatElf(bool is_64, bool big, const std::string& version,
                         const std::string& modinfo) {
  const uint64_t kBase = 0x10000;
  const int word = is_64 ? 8 : 4;
  const uint64_t ehsize = is_64 ? 64 : 52, phentsize = is_64 ? 56 : 32;
  auto put = [&](std::string& s, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) {
      int shift = big ? (n - 1 - i) * 8 : i * 8;
      s += static_cast<char>((v >> shift) & 0xff);
    }
  };
  // Data: [buildinfo header 32][version hdr][modinfo hdr][version][modinfo]
  uint64_t data_off = ehsize + phentsize;
  data_off = (data_off + 15) & ~uint64_t{15};
  uint64_t vhdr = data_off + 32, mhdr = vhdr + 2 * word, vstr = mhdr + 2 * word,
           mstr = vstr + version.size();
  std::string data("\xff Go buildinf:", 14);
  data += static_cast<char>(word);
  data += static_cast<char>(big ? 1 : 0);
  put(data, kBase + vhdr, word);
  put(data, kBase + mhdr, word);
  data.resize(32, '\0');
  put(data, kBase + vstr, word);
  put(data, version.size(), word);
  put(data, kBase + mstr, word);
  put(data, modinfo.size(), word);
  data += version + modinfo;
  uint64_t total = data_off + data.size();

  std::string out = std::string(
      "\x7f"
      "ELF",
      4);
  out += static_cast<char>(is_64 ? 2 : 1);
  out += static_cast<char>(big ? 2 : 1);
  out += '\1';
  out += std::string(9, '\0');
  put(out, 2, 2);
  put(out, 8, 2);
  put(out, 1, 4);
  put(out, kBase, word);
  put(out, ehsize, word);  // phoff
  put(out, 0, word);       // shoff: none
  put(out, 0, 4);
  put(out, ehsize, 2);
  put(out, phentsize, 2);
  put(out, 1, 2);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, 1, 4);  // PT_LOAD
  if (is_64) {
    put(out, 6, 4);  // RW
    put(out, 0, 8);
    put(out, kBase, 8);
    put(out, kBase, 8);
    put(out, total, 8);
    put(out, total, 8);
    put(out, 16, 8);
  } else {
    put(out, 0, 4);
    put(out, kBase, 4);
    put(out, kBase, 4);
    put(out, total, 4);
    put(out, total, 4);
    put(out, 6, 4);
    put(out, 16, 4);
  }
  out.resize(data_off, '\0');
  return out + data;
}

TEST(GoBuildInfoTest, PointerFormatBeforeGo118) {
  const std::string sentinel_start = "0123456789abcdef";
  const std::string sentinel_end = "fedcba9876543210";
  std::string modinfo = sentinel_start +
                        "path\tgithub.com/Example/tool/cmd/tool\n"
                        "mod\tgithub.com/Example/tool\tv1.4.0\th1:abc=\n"
                        "dep\tgithub.com/pkg/errors\tv0.9.1\th1:def=\n"
                        "dep\tgolang.org/x/sys\tv0.0.0-20200930185726-fdedc70b468f\n"
                        "=>\tgolang.org/x/sys\tv0.1.0\th1:ghi=\n" +
                        sentinel_end;
  for (bool is_64 : {true, false}) {
    for (bool big : {false, true}) {
      SCOPED_TRACE(std::string(is_64 ? "64" : "32") + (big ? " big" : " little"));
      std::string bytes = OldFormatElf(is_64, big, "go1.16.15", modinfo);
      auto pkgs = Catalog(bytes, "bin/tool");
      ASSERT_TRUE(pkgs.ok()) << pkgs.status().ToString();
      EXPECT_EQ(Summary(*pkgs),
                (std::vector<std::string>{
                    "stdlib@v1.16.15 pkg:golang/stdlib@v1.16.15",
                    "github.com/pkg/errors@v0.9.1 pkg:golang/github.com/pkg/errors@v0.9.1",
                    "golang.org/x/sys@v0.1.0 pkg:golang/golang.org/x/sys@v0.1.0",
                    "github.com/Example/tool@v1.4.0 pkg:golang/github.com/example/tool@v1.4.0"}));
    }
  }
  // A string header pointing outside every segment is an error, not a read
  // out of bounds.
  std::string bytes = OldFormatElf(true, false, "go1.16", modinfo);
  std::string broken = bytes;
  size_t magic = broken.find("\xff Go buildinf:");
  ASSERT_NE(magic, std::string::npos);
  broken[magic + 16 + 7] = 0x7f;  // version header pointer's top byte
  auto r = Catalog(broken, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  // Every truncation is handled.
  for (size_t n = 0; n < bytes.size(); ++n) (void)Catalog(bytes.substr(0, n), "x");
}

TEST(GoBuildInfoTest, ModInfoErrors) {
  GoBuildInfo info;
  EXPECT_EQ(ParseGoModInfo("path\ta\n=>\tb\tv1\th1:x\n", info).code(),
            StatusCode::kInvalidArgument);
  GoBuildInfo info2;
  Status s = ParseGoModInfo("path\ta\nmod\ta\n", info2);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
  GoBuildInfo info3;
  EXPECT_TRUE(ParseGoModInfo("future\tline\nbuild\t-compiler=gc\nbuild\tnoequals\n", info3).ok());
  ASSERT_EQ(info3.settings.size(), 1u);
  EXPECT_EQ(info3.settings[0].first, "-compiler");
  EXPECT_EQ(info3.settings[0].second, "gc");
}

TEST(GoBuildInfoTest, StdlibVersions) {
  GoBuildInfo info;
  info.go_version = "go1.22.3 X:boringcrypto";
  auto pkgs = GoPackages(info, "x");
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].version, "v1.22.3");
  EXPECT_EQ(pkgs[0].purl, "pkg:golang/stdlib@v1.22.3");
  info.go_version = "devel go1.23-abcdef";
  EXPECT_TRUE(GoPackages(info, "x").empty());
  EXPECT_EQ(GoPurl("github.com/BurntSushi/toml", "v1.3.2"),
            "pkg:golang/github.com/burntsushi/toml@v1.3.2");
}

TEST(BinaryCatalogerTest, WantsAndNonElf) {
  BinaryCataloger c;
  layer::FileInfo info;
  info.path = "usr/bin/tool";
  info.size = 1u << 20;
  info.mode = 0755;
  EXPECT_TRUE(c.Wants(info));
  info.mode = 0644;
  EXPECT_FALSE(c.Wants(info));
  info.mode = 0100;
  info.size = 100;
  EXPECT_FALSE(c.Wants(info));  // too small to be a Go or Rust program
  info.size = 1u << 20;
  info.type = layer::FileType::kSymlink;
  EXPECT_FALSE(c.Wants(info));
  info.type = layer::FileType::kRegular;
  // A script and an ELF file that is not Go: nothing, and no diagnostics.
  std::string script = "#!/bin/sh\necho hi\n" + std::string(5000, '#');
  layer::Findings out;
  ASSERT_TRUE(c.Analyze({info, Bytes(script)}, out).ok());
  std::string not_go = OldFormatElf(true, false, "go1.16", "");
  not_go.replace(not_go.find("\xff Go buildinf:"), 14, 14, 'x');
  ASSERT_TRUE(c.Analyze({info, Bytes(not_go)}, out).ok());
  EXPECT_TRUE(out.packages.empty());
  EXPECT_TRUE(out.diagnostics.empty());
}

}  // namespace
}  // namespace customs::catalog
