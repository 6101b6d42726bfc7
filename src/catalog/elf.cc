#include "catalog/elf.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "base/byte_reader.h"

namespace customs::catalog {
namespace {

constexpr size_t kIdentSize = 16;
constexpr uint8_t kClass32 = 1;
constexpr uint8_t kClass64 = 2;
constexpr uint8_t kDataLittle = 1;
constexpr uint8_t kDataBig = 2;
constexpr uint16_t kSectionIndexExtended = 0xffff;  // SHN_XINDEX
constexpr uint16_t kProgramCountExtended = 0xffff;  // PN_XNUM

// A ByteReader that reads in the file's byte order and word size.
class ElfReader {
 public:
  ElfReader(std::span<const uint8_t> bytes, bool big, bool is_64)
      : r_(bytes), big_(big), is_64_(is_64) {}
  Status Seek(uint64_t at) {
    if (at > r_.size()) return DataLoss("offset " + std::to_string(at) + " is past the end");
    return r_.Seek(static_cast<size_t>(at));
  }
  Status Skip(size_t n) { return r_.Skip(n); }
  Result<uint16_t> U16() { return big_ ? r_.ReadU16Be() : r_.ReadU16Le(); }
  Result<uint32_t> U32() { return big_ ? r_.ReadU32Be() : r_.ReadU32Le(); }
  Result<uint64_t> U64() { return big_ ? r_.ReadU64Be() : r_.ReadU64Le(); }
  // An address or offset: 4 bytes in ELF32, 8 in ELF64.
  Result<uint64_t> Word() {
    if (is_64_) return U64();
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t v, U32());
    return uint64_t{v};
  }

 private:
  ByteReader r_;
  bool big_;
  bool is_64_;
};

struct Header {
  uint64_t phoff = 0, shoff = 0;
  uint16_t phentsize = 0, phnum = 0, shentsize = 0, shnum = 0, shstrndx = 0;
};

Result<ElfSection> ReadSectionHeader(ElfReader& r, bool is_64, uint32_t* name_offset,
                                     uint32_t* link, uint32_t* info) {
  ElfSection s;
  CUSTOMS_ASSIGN_OR_RETURN(*name_offset, r.U32());
  CUSTOMS_ASSIGN_OR_RETURN(s.type, r.U32());
  CUSTOMS_ASSIGN_OR_RETURN(s.flags, r.Word());
  CUSTOMS_ASSIGN_OR_RETURN(s.addr, r.Word());
  CUSTOMS_ASSIGN_OR_RETURN(s.offset, r.Word());
  CUSTOMS_ASSIGN_OR_RETURN(s.size, r.Word());
  CUSTOMS_ASSIGN_OR_RETURN(*link, r.U32());
  CUSTOMS_ASSIGN_OR_RETURN(*info, r.U32());
  (void)is_64;
  return s;
}

Result<ElfSegment> ReadProgramHeader(ElfReader& r, bool is_64) {
  ElfSegment p;
  CUSTOMS_ASSIGN_OR_RETURN(p.type, r.U32());
  if (is_64) {
    CUSTOMS_ASSIGN_OR_RETURN(p.flags, r.U32());
    CUSTOMS_ASSIGN_OR_RETURN(p.offset, r.U64());
    CUSTOMS_ASSIGN_OR_RETURN(p.vaddr, r.U64());
    CUSTOMS_TRY(r.Skip(8));  // p_paddr
    CUSTOMS_ASSIGN_OR_RETURN(p.filesz, r.U64());
    CUSTOMS_ASSIGN_OR_RETURN(p.memsz, r.U64());
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(p.offset, r.Word());
    CUSTOMS_ASSIGN_OR_RETURN(p.vaddr, r.Word());
    CUSTOMS_TRY(r.Skip(4));  // p_paddr
    CUSTOMS_ASSIGN_OR_RETURN(p.filesz, r.Word());
    CUSTOMS_ASSIGN_OR_RETURN(p.memsz, r.Word());
    CUSTOMS_ASSIGN_OR_RETURN(p.flags, r.U32());
  }
  return p;
}

// The table of `count` entries of `entsize` bytes at `offset` must lie in the
// file, and each entry must hold at least `minimum` bytes.
Status CheckTable(std::span<const uint8_t> bytes, std::string_view what, uint64_t offset,
                  uint64_t count, uint64_t entsize, uint64_t minimum) {
  if (count == 0) return Status::Ok();
  if (entsize < minimum)
    return DataLoss(std::string(what) + " entries are " + std::to_string(entsize) +
                    " bytes, fewer than the " + std::to_string(minimum) + " required");
  if (count > bytes.size() / entsize || !ByteReader::Fits(bytes.size(), offset, count * entsize))
    return DataLoss(std::string(what) + " of " + std::to_string(count) + " entries at offset " +
                    std::to_string(offset) + " runs past the end of the file (" +
                    std::to_string(bytes.size()) + " bytes)");
  return Status::Ok();
}

}  // namespace

const ElfSection* ElfFile::FindSection(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

bool LooksLikeElf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F';
}

Result<ElfFile> ParseElf(std::span<const uint8_t> bytes) {
  if (!LooksLikeElf(bytes)) return InvalidArgument("not an ELF file (no \\x7fELF magic)");
  if (bytes.size() < kIdentSize) return DataLoss("ELF identification is truncated");
  ElfFile elf;
  uint8_t cls = bytes[4];
  uint8_t data = bytes[5];
  if (cls != kClass32 && cls != kClass64)
    return InvalidArgument("ELF class " + std::to_string(cls) + " is neither 32- nor 64-bit");
  if (data != kDataLittle && data != kDataBig)
    return InvalidArgument("ELF data encoding " + std::to_string(data) +
                           " is neither little- nor big-endian");
  elf.is_64 = cls == kClass64;
  elf.big_endian = data == kDataBig;
  ElfReader r(bytes, elf.big_endian, elf.is_64);
  Header h;
  CUSTOMS_TRY(r.Seek(kIdentSize));
  CUSTOMS_ASSIGN_OR_RETURN(elf.type, r.U16(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(elf.machine, r.U16(), "ELF header");
  CUSTOMS_TRY(r.Skip(4), "ELF header");  // e_version
  CUSTOMS_TRY(r.Word(), "ELF header");   // e_entry
  CUSTOMS_ASSIGN_OR_RETURN(h.phoff, r.Word(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(h.shoff, r.Word(), "ELF header");
  CUSTOMS_TRY(r.Skip(4 + 2), "ELF header");  // e_flags, e_ehsize
  CUSTOMS_ASSIGN_OR_RETURN(h.phentsize, r.U16(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(h.phnum, r.U16(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(h.shentsize, r.U16(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(h.shnum, r.U16(), "ELF header");
  CUSTOMS_ASSIGN_OR_RETURN(h.shstrndx, r.U16(), "ELF header");

  const uint64_t sh_min = elf.is_64 ? 64 : 40;
  const uint64_t ph_min = elf.is_64 ? 56 : 32;

  // Extended numbering: section 0 holds the real counts when they overflow.
  uint64_t shnum = h.shnum;
  uint64_t shstrndx = h.shstrndx;
  uint64_t phnum = h.phnum;
  if (h.shoff != 0 &&
      (h.shnum == 0 || h.shstrndx == kSectionIndexExtended || h.phnum == kProgramCountExtended)) {
    CUSTOMS_TRY(CheckTable(bytes, "ELF section header table", h.shoff, 1, h.shentsize, sh_min));
    ElfReader s0(bytes, elf.big_endian, elf.is_64);
    CUSTOMS_TRY(s0.Seek(h.shoff));
    uint32_t name = 0, link = 0, info = 0;
    CUSTOMS_ASSIGN_OR_RETURN(ElfSection zero, ReadSectionHeader(s0, elf.is_64, &name, &link, &info),
                             "ELF section 0");
    if (h.shnum == 0) shnum = zero.size;
    if (h.shstrndx == kSectionIndexExtended) shstrndx = link;
    if (h.phnum == kProgramCountExtended) phnum = info;
  }
  if (h.shoff == 0) shnum = 0;
  if (h.phoff == 0) phnum = 0;
  if (shnum > kMaxElfSections)
    return ResourceExhausted("ELF file has " + std::to_string(shnum) +
                             " section headers, more than kMaxElfSections (" +
                             std::to_string(kMaxElfSections) + ")");
  if (phnum > kMaxElfSegments)
    return ResourceExhausted("ELF file has " + std::to_string(phnum) +
                             " program headers, more than kMaxElfSegments (" +
                             std::to_string(kMaxElfSegments) + ")");

  CUSTOMS_TRY(CheckTable(bytes, "ELF program header table", h.phoff, phnum, h.phentsize, ph_min));
  elf.segments.reserve(static_cast<size_t>(phnum));
  for (uint64_t i = 0; i < phnum; ++i) {
    CUSTOMS_TRY(r.Seek(h.phoff + i * h.phentsize));
    CUSTOMS_ASSIGN_OR_RETURN(ElfSegment p, ReadProgramHeader(r, elf.is_64),
                             "ELF program header " + std::to_string(i));
    elf.segments.push_back(p);
  }

  CUSTOMS_TRY(CheckTable(bytes, "ELF section header table", h.shoff, shnum, h.shentsize, sh_min));
  std::vector<uint32_t> name_offsets;
  name_offsets.reserve(static_cast<size_t>(shnum));
  elf.sections.reserve(static_cast<size_t>(shnum));
  for (uint64_t i = 0; i < shnum; ++i) {
    CUSTOMS_TRY(r.Seek(h.shoff + i * h.shentsize));
    uint32_t name = 0, link = 0, info = 0;
    CUSTOMS_ASSIGN_OR_RETURN(ElfSection s, ReadSectionHeader(r, elf.is_64, &name, &link, &info),
                             "ELF section header " + std::to_string(i));
    name_offsets.push_back(name);
    elf.sections.push_back(std::move(s));
  }
  if (shnum == 0) return elf;
  // Names come from the section-name string table; without one (or with an
  // index past the table) sections stay unnamed rather than failing: the
  // rest of the file may still be useful.
  if (shstrndx >= shnum) return elf;
  const ElfSection& strtab = elf.sections[static_cast<size_t>(shstrndx)];
  if (strtab.type == kElfSectionNoBits) return elf;
  CUSTOMS_ASSIGN_OR_RETURN(auto names, SectionData(bytes, strtab), "ELF section-name table");
  for (size_t i = 0; i < elf.sections.size(); ++i) {
    uint32_t at = name_offsets[i];
    if (at >= names.size())
      return DataLoss("ELF section " + std::to_string(i) + " name offset " + std::to_string(at) +
                      " is past the section-name table (" + std::to_string(names.size()) +
                      " bytes)");
    size_t end = at;
    size_t stop = std::min(names.size(), at + kMaxElfSectionNameBytes + 1);
    while (end < stop && names[end] != 0) ++end;
    if (end == stop)
      return DataLoss("ELF section " + std::to_string(i) + " name at offset " + std::to_string(at) +
                      " is not terminated within " + std::to_string(kMaxElfSectionNameBytes) +
                      " bytes");
    elf.sections[i].name.assign(reinterpret_cast<const char*>(names.data()) + at, end - at);
  }
  return elf;
}

Result<std::span<const uint8_t>> SectionData(std::span<const uint8_t> bytes,
                                             const ElfSection& section) {
  if (section.type == kElfSectionNoBits) return std::span<const uint8_t>();
  if (!ByteReader::Fits(bytes.size(), section.offset, section.size))
    return DataLoss("ELF section \"" + section.name + "\" (" + std::to_string(section.size) +
                    " bytes at offset " + std::to_string(section.offset) +
                    ") runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
  return bytes.subspan(static_cast<size_t>(section.offset), static_cast<size_t>(section.size));
}

Result<std::span<const uint8_t>> ReadVirtual(std::span<const uint8_t> bytes, const ElfFile& elf,
                                             uint64_t addr, uint64_t n) {
  auto within = [&](uint64_t start, uint64_t size,
                    uint64_t offset) -> std::optional<std::span<const uint8_t>> {
    if (addr < start || addr - start > size || n > size - (addr - start)) return std::nullopt;
    uint64_t file_at = offset + (addr - start);
    if (file_at < offset || !ByteReader::Fits(bytes.size(), file_at, n)) return std::nullopt;
    return bytes.subspan(static_cast<size_t>(file_at), static_cast<size_t>(n));
  };
  for (const auto& p : elf.segments) {
    if (p.type != kElfSegmentLoad) continue;
    if (auto s = within(p.vaddr, p.filesz, p.offset)) return *s;
  }
  if (elf.segments.empty()) {
    for (const auto& s : elf.sections) {
      if ((s.flags & kElfSectionAlloc) == 0 || s.type == kElfSectionNoBits) continue;
      if (auto d = within(s.addr, s.size, s.offset)) return *d;
    }
  }
  return NotFound("no loadable ELF segment holds " + std::to_string(n) +
                  " bytes at virtual address 0x" + [addr] {
                    char buf[24];
                    std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(addr));
                    return std::string(buf);
                  }());
}

}  // namespace customs::catalog
