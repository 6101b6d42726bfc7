#include "catalog/elf.h"

#include <gtest/gtest.h>

#include <regex>
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

// Writes integers in a chosen byte order.
struct Writer {
  bool big;
  std::string out;
  void Put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) {
      int shift = big ? (n - 1 - i) * 8 : i * 8;
      out += static_cast<char>((v >> shift) & 0xff);
    }
  }
};

struct Section {
  std::string name;
  uint32_t type;
  uint64_t flags;
  uint64_t addr;
  std::string data;
};

constexpr uint64_t kBase = 0x400000;

// A hand-made ELF: header, one PT_LOAD (RW) mapping the whole file at
// kBase, the sections' data, .shstrtab and the section header table (with
// the null section first). Every field is written from the ELF spec's
// layout, independently of the parser.
std::string MakeElf(bool is_64, bool big, const std::vector<Section>& sections) {
  const uint64_t ehsize = is_64 ? 64 : 52, phentsize = is_64 ? 56 : 32, shentsize = is_64 ? 64 : 40;
  std::string data;
  std::vector<uint64_t> offsets;
  uint64_t at = ehsize + phentsize;
  for (const auto& s : sections) {
    offsets.push_back(at + data.size());
    data += s.data;
  }
  std::string shstrtab(1, '\0');
  std::vector<uint32_t> names;
  for (const auto& s : sections) {
    names.push_back(static_cast<uint32_t>(shstrtab.size()));
    shstrtab += s.name + '\0';
  }
  uint32_t shstrtab_name = static_cast<uint32_t>(shstrtab.size());
  shstrtab += std::string(".shstrtab") + '\0';
  uint64_t shstrtab_off = at + data.size();
  uint64_t shoff = shstrtab_off + shstrtab.size();
  uint64_t shnum = sections.size() + 2;
  uint64_t total = shoff + shnum * shentsize;

  Writer w{big, ""};
  w.out = std::string(
      "\x7f"
      "ELF",
      4);
  w.out += static_cast<char>(is_64 ? 2 : 1);
  w.out += static_cast<char>(big ? 2 : 1);
  w.out += '\1';
  w.out += std::string(9, '\0');
  w.Put(2, 2);   // ET_EXEC
  w.Put(62, 2);  // machine
  w.Put(1, 4);   // version
  int word = is_64 ? 8 : 4;
  w.Put(kBase, word);   // entry
  w.Put(ehsize, word);  // phoff
  w.Put(shoff, word);   // shoff
  w.Put(0, 4);          // flags
  w.Put(ehsize, 2);
  w.Put(phentsize, 2);
  w.Put(1, 2);  // phnum
  w.Put(shentsize, 2);
  w.Put(shnum, 2);
  w.Put(shnum - 1, 2);  // shstrndx: the last one
  // PT_LOAD, RW, the whole file at kBase.
  w.Put(1, 4);
  if (is_64) {
    w.Put(6, 4);
    w.Put(0, 8);
    w.Put(kBase, 8);
    w.Put(kBase, 8);
    w.Put(total, 8);
    w.Put(total, 8);
    w.Put(0x1000, 8);
  } else {
    w.Put(0, 4);
    w.Put(kBase, 4);
    w.Put(kBase, 4);
    w.Put(total, 4);
    w.Put(total, 4);
    w.Put(6, 4);
    w.Put(0x1000, 4);
  }
  w.out += data;
  w.out += shstrtab;
  auto header = [&](uint32_t name, uint32_t type, uint64_t flags, uint64_t addr, uint64_t off,
                    uint64_t size) {
    w.Put(name, 4);
    w.Put(type, 4);
    w.Put(flags, word);
    w.Put(addr, word);
    w.Put(off, word);
    w.Put(size, word);
    w.Put(0, 4);
    w.Put(0, 4);
    w.Put(1, word);
    w.Put(0, word);
  };
  header(0, 0, 0, 0, 0, 0);
  for (size_t i = 0; i < sections.size(); ++i)
    header(names[i], sections[i].type, sections[i].flags, sections[i].addr, offsets[i],
           sections[i].data.size());
  header(shstrtab_name, 3, 0, 0, shstrtab_off, shstrtab.size());
  return w.out;
}

class ElfLayoutTest : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(ElfLayoutTest, SectionsSegmentsAndVirtualReads) {
  auto [is_64, big] = GetParam();
  std::string bytes = MakeElf(is_64, big,
                              {{".text", 1, 6, kBase + 0x100, "code"},
                               {".dep-v0", 1, 0, 0, "payload bytes"},
                               {".bss", 8, 3, kBase + 0x200, ""}});
  ASSERT_TRUE(LooksLikeElf(Bytes(bytes)));
  auto elf = ParseElf(Bytes(bytes));
  ASSERT_TRUE(elf.ok()) << elf.status().ToString();
  EXPECT_EQ(elf->is_64, is_64);
  EXPECT_EQ(elf->big_endian, big);
  EXPECT_EQ(elf->type, 2);
  EXPECT_EQ(elf->machine, 62);
  ASSERT_EQ(elf->sections.size(), 5u);
  EXPECT_EQ(elf->sections[0].name, "");
  EXPECT_EQ(elf->sections[4].name, ".shstrtab");
  const ElfSection* dep = elf->FindSection(".dep-v0");
  ASSERT_NE(dep, nullptr);
  auto data = SectionData(Bytes(bytes), *dep);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(std::string(data->begin(), data->end()), "payload bytes");
  const ElfSection* bss = elf->FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  EXPECT_TRUE(SectionData(Bytes(bytes), *bss)->empty());
  EXPECT_EQ(elf->FindSection(".nothere"), nullptr);

  ASSERT_EQ(elf->segments.size(), 1u);
  EXPECT_EQ(elf->segments[0].type, kElfSegmentLoad);
  EXPECT_EQ(elf->segments[0].flags, 6u);
  // The segment maps the file at kBase: .dep-v0's bytes are at kBase + offset.
  auto v = ReadVirtual(Bytes(bytes), *elf, kBase + dep->offset, 7);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(std::string(v->begin(), v->end()), "payload");
  EXPECT_EQ(ReadVirtual(Bytes(bytes), *elf, kBase - 1, 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadVirtual(Bytes(bytes), *elf, kBase + bytes.size() - 1, 2).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ReadVirtual(Bytes(bytes), *elf, UINT64_MAX, 2).status().code(), StatusCode::kNotFound);

  // Every truncation fails cleanly or parses; none reads out of bounds.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto cut = ParseElf(Bytes(bytes.substr(0, n)));
    if (cut.ok())
      for (const auto& s : cut->sections) (void)SectionData(Bytes(bytes.substr(0, n)), s);
  }
}

INSTANTIATE_TEST_SUITE_P(ClassesAndByteOrders, ElfLayoutTest,
                         ::testing::Values(std::make_pair(true, false), std::make_pair(true, true),
                                           std::make_pair(false, false),
                                           std::make_pair(false, true)),
                         [](const auto& info) {
                           return std::string(info.param.first ? "Elf64" : "Elf32") +
                                  (info.param.second ? "Big" : "Little");
                         });

TEST(ElfTest, ExtendedSectionNumbering) {
  std::string bytes = MakeElf(true, false, {{".a", 1, 0, 0, "x"}});
  auto plain = ParseElf(Bytes(bytes));
  ASSERT_TRUE(plain.ok());
  // Move e_shnum and e_shstrndx into section 0 (sh_size and sh_link), as
  // linkers do when there are 0xff00 sections or more.
  uint64_t shoff = 0;
  for (int i = 0; i < 8; ++i) shoff |= uint64_t{static_cast<uint8_t>(bytes[40 + i])} << (8 * i);
  std::string ext = bytes;
  ext[60] = ext[61] = 0;                        // e_shnum = 0
  ext[62] = ext[63] = static_cast<char>(0xff);  // e_shstrndx = SHN_XINDEX
  ext[shoff + 32] = 3;                          // section 0 sh_size = 3
  ext[shoff + 40] = 2;                          // section 0 sh_link = 2
  auto elf = ParseElf(Bytes(ext));
  ASSERT_TRUE(elf.ok()) << elf.status().ToString();
  ASSERT_EQ(elf->sections.size(), 3u);
  EXPECT_EQ(elf->sections[1].name, ".a");
  EXPECT_EQ(elf->sections[2].name, ".shstrtab");
  // A huge extended count is refused before anything is allocated.
  ext[shoff + 34] = 0x10;  // sh_size = 0x100003
  EXPECT_EQ(ParseElf(Bytes(ext)).status().code(), StatusCode::kResourceExhausted);
}

TEST(ElfTest, BrokenTables) {
  std::string bytes = MakeElf(false, true, {{".a", 1, 0, 0, "x"}});
  EXPECT_EQ(ParseElf(Bytes(std::string("MZ\x90\x00"))).status().code(),
            StatusCode::kInvalidArgument);
  std::string bad_class = bytes;
  bad_class[4] = 3;
  EXPECT_EQ(ParseElf(Bytes(bad_class)).status().code(), StatusCode::kInvalidArgument);
  // Section header table offset past the end (ELF32 big-endian e_shoff at 32).
  std::string far = bytes;
  far[32] = 0x7f;
  EXPECT_EQ(ParseElf(Bytes(far)).status().code(), StatusCode::kDataLoss);
  // Section entry size below the minimum (e_shentsize at 46).
  std::string small = bytes;
  small[46] = 0;
  small[47] = 8;
  EXPECT_EQ(ParseElf(Bytes(small)).status().code(), StatusCode::kDataLoss);
  // No section headers at all (e_shoff = 0): fine, no sections.
  std::string none = bytes;
  for (int i = 32; i < 36; ++i) none[i] = 0;
  auto elf = ParseElf(Bytes(none));
  ASSERT_TRUE(elf.ok());
  EXPECT_TRUE(elf->sections.empty());
  EXPECT_EQ(elf->segments.size(), 1u);
}

// A real executable compiled here; section count, program header count and
// section sizes compared with binutils' readelf and size (the references).
TEST(ElfTest, RealExecutable) {
  if (testing::Run("command -v cc && command -v readelf && command -v size") != 0)
    GTEST_SKIP() << "needs cc, readelf and size";
  std::string dir = testing::TempDir();
  ASSERT_TRUE(
      WriteFileAtomic(dir + "/m.c", "int data[100] = {1};\nint main(void) { return data[0]; }\n")
          .ok());
  std::string log;
  ASSERT_EQ(testing::Run("cc -O1 -o " + dir + "/m " + dir + "/m.c", &log), 0) << log;
  auto content = ReadFile(dir + "/m", 64u << 20);
  ASSERT_TRUE(content.ok());
  auto elf = ParseElf(Bytes(*content));
  ASSERT_TRUE(elf.ok()) << elf.status().ToString();

  std::string header;
  ASSERT_EQ(testing::Run("readelf -h " + dir + "/m", &header), 0);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(header, m, std::regex(R"(Number of section headers:\s+(\d+))")));
  EXPECT_EQ(elf->sections.size(), std::stoul(m[1]));
  ASSERT_TRUE(std::regex_search(header, m, std::regex(R"(Number of program headers:\s+(\d+))")));
  EXPECT_EQ(elf->segments.size(), std::stoul(m[1]));

  std::string sizes;
  ASSERT_EQ(testing::Run("size -A -d " + dir + "/m", &sizes), 0);
  std::istringstream in(sizes);
  std::string line;
  size_t checked = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string name;
    uint64_t size = 0, addr = 0;
    if (!(f >> name >> size >> addr) || name.empty() || name[0] != '.') continue;
    const ElfSection* s = elf->FindSection(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(s->size, size) << name;
    EXPECT_EQ(s->addr, addr) << name;
    ++checked;
  }
  EXPECT_GT(checked, 10u);
  // .data holds the initialised array; it reads back through the segments.
  const ElfSection* data = elf->FindSection(".data");
  ASSERT_NE(data, nullptr);
  auto v = ReadVirtual(Bytes(*content), *elf, data->addr, data->size);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->data(), reinterpret_cast<const uint8_t*>(content->data()) + data->offset);
}

}  // namespace
}  // namespace customs::catalog
