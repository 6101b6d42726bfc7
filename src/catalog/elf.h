// A bounded reader of ELF headers: the file header, program headers and
// section headers (with names) of ELF32 and ELF64 files of either byte
// order. Enough to find a named section (.go.buildinfo, .dep-v0) and to read
// bytes at a virtual address through the loadable segments.
//
// Pure: bytes in, values out. Every offset and count comes from the file and
// is checked against its size before use; counts are capped.
//
//   if (!LooksLikeElf(bytes)) return;  // cheap magic test
//   CUSTOMS_ASSIGN_OR_RETURN(ElfFile elf, ParseElf(bytes));
//   if (const ElfSection* s = elf.FindSection(".dep-v0")) {
//     CUSTOMS_ASSIGN_OR_RETURN(auto data, SectionData(bytes, *s));
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace customs::catalog {

// Section and program headers: e_shnum is 16-bit but the extended numbering
// allows more; real binaries have < 100 sections (a few thousand with
// -ffunction-sections in relocatable objects). 65536 covers every real file.
inline constexpr size_t kMaxElfSections = 65536;
inline constexpr size_t kMaxElfSegments = 65536;
// One section name: real names are short (".gnu.version_r"); long ones
// appear in objects built with -ffunction-sections and C++ mangled names.
inline constexpr size_t kMaxElfSectionNameBytes = 4096;

constexpr uint32_t kElfSectionNoBits = 8;  // SHT_NOBITS: no bytes in the file
constexpr uint32_t kElfSegmentLoad = 1;    // PT_LOAD
constexpr uint32_t kElfSegmentWrite = 2;   // PF_W
constexpr uint64_t kElfSectionAlloc = 2;   // SHF_ALLOC

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct ElfSegment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

struct ElfFile {
  bool is_64 = false;
  bool big_endian = false;
  uint16_t type = 0;     // ET_EXEC 2, ET_DYN 3, ...
  uint16_t machine = 0;  // EM_X86_64 62, EM_AARCH64 183, ...
  std::vector<ElfSection> sections;
  std::vector<ElfSegment> segments;

  // The first section called `name`, or nullptr.
  const ElfSection* FindSection(std::string_view name) const;
};

// True when `bytes` starts with the ELF magic "\x7fELF".
bool LooksLikeElf(std::span<const uint8_t> bytes);

// Parses the headers. InvalidArgument when it is not ELF or of an unknown
// class or byte order; DataLoss when a table or name lies outside the file;
// ResourceExhausted over the section or segment limits. A file without
// section headers (stripped with sstrip) parses with no sections.
Result<ElfFile> ParseElf(std::span<const uint8_t> bytes);

// The bytes of a section, checked against the file; empty for SHT_NOBITS.
Result<std::span<const uint8_t>> SectionData(std::span<const uint8_t> bytes,
                                             const ElfSection& section);

// `n` bytes at virtual address `addr`, from the PT_LOAD segment that holds
// them in the file (or, without program headers, an allocated section).
// NotFound when no segment maps the whole range from file bytes.
Result<std::span<const uint8_t>> ReadVirtual(std::span<const uint8_t> bytes, const ElfFile& elf,
                                             uint64_t addr, uint64_t n);

}  // namespace customs::catalog
