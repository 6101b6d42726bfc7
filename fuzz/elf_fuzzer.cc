// Fuzzes the ELF header reader, section data and virtual-address reads.
#include <cstddef>
#include <cstdint>
#include <span>

#include "catalog/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto elf = customs::catalog::ParseElf(bytes);
  if (!elf.ok()) return 0;
  for (const auto& s : elf->sections) {
    (void)customs::catalog::SectionData(bytes, s);
    (void)customs::catalog::ReadVirtual(bytes, *elf, s.addr, 16);
  }
  for (const auto& p : elf->segments) {
    (void)customs::catalog::ReadVirtual(bytes, *elf, p.vaddr, p.filesz);
    (void)customs::catalog::ReadVirtual(bytes, *elf, p.vaddr + p.filesz - 1, 2);
  }
  return 0;
}
