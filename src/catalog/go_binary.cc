#include "catalog/go_binary.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "base/strings.h"
#include "catalog/rust.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kBuildInfoMagic("\xff Go buildinf:", 14);
constexpr size_t kBuildInfoAlign = 16;
constexpr size_t kBuildInfoHeaderSize = 32;
constexpr uint8_t kFlagBigEndian = 0x1;
constexpr uint8_t kFlagInline = 0x2;
// The module info is wrapped in two 16-byte sentinels.
constexpr size_t kModInfoSentinel = 16;

std::string_view AsText(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The offset of the first 16-byte-aligned magic in `window`, if any.
std::optional<size_t> FindMagic(std::span<const uint8_t> window) {
  std::string_view text = AsText(window);
  size_t at = 0;
  // Each round starts past the previous find, so the loop ends.
  while (at < text.size()) {
    size_t found = text.find(kBuildInfoMagic, at);
    if (found == std::string_view::npos) return std::nullopt;
    if (found % kBuildInfoAlign == 0) {
      if (text.size() - found >= kBuildInfoHeaderSize) return found;
      return std::nullopt;
    }
    at = found - found % kBuildInfoAlign + kBuildInfoAlign;
  }
  return std::nullopt;
}

// Where the build-info header is in the file: its offset, or NotFound.
Result<size_t> LocateHeader(std::span<const uint8_t> bytes, const ElfFile& elf) {
  auto search = [&](uint64_t offset, uint64_t size) -> std::optional<size_t> {
    if (offset >= bytes.size()) return std::nullopt;
    uint64_t n = std::min<uint64_t>({size, bytes.size() - offset, kMaxGoBuildInfoSearchBytes});
    auto found = FindMagic(bytes.subspan(static_cast<size_t>(offset), static_cast<size_t>(n)));
    if (!found) return std::nullopt;
    return static_cast<size_t>(offset) + *found;
  };
  if (const ElfSection* s = elf.FindSection(".go.buildinfo")) {
    if (s->type == kElfSectionNoBits) return DataLoss("section .go.buildinfo has no file bytes");
    if (auto at = search(s->offset, s->size)) return *at;
    return DataLoss("section .go.buildinfo (offset " + std::to_string(s->offset) +
                    ") does not start with the build-info magic");
  }
  // No section headers (or a renamed section): the linker puts the build
  // info first in the writable, non-executable data segment.
  constexpr uint32_t kExec = 1;
  for (const auto& p : elf.segments) {
    if (p.type != kElfSegmentLoad) continue;
    if ((p.flags & (kExec | kElfSegmentWrite)) != kElfSegmentWrite) continue;
    if (auto at = search(p.offset, p.filesz)) return *at;
  }
  return NotFound("no Go build info");
}

// A uvarint-prefixed string at `r`'s position (Go 1.18+ inline format).
Result<std::string_view> InlineString(std::span<const uint8_t> data, size_t& pos,
                                      std::string_view what) {
  uint64_t n = 0;
  int shift = 0;
  size_t start = pos;
  while (true) {
    if (pos >= data.size())
      return DataLoss("Go build info: " + std::string(what) + " length at offset " +
                      std::to_string(start) + " is truncated");
    uint8_t b = data[pos++];
    if (shift == 63 && b > 1)
      return DataLoss("Go build info: " + std::string(what) + " length overflows");
    n |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
    if (shift > 63) return DataLoss("Go build info: " + std::string(what) + " length overflows");
  }
  if (n > kMaxGoModInfoBytes)
    return ResourceExhausted("Go build info: " + std::string(what) + " of " + std::to_string(n) +
                             " bytes exceeds kMaxGoModInfoBytes");
  if (n > data.size() - pos)
    return DataLoss("Go build info: " + std::string(what) + " of " + std::to_string(n) +
                    " bytes at offset " + std::to_string(pos) + " runs past the end");
  std::string_view s = AsText(data.subspan(pos, static_cast<size_t>(n)));
  pos += static_cast<size_t>(n);
  return s;
}

uint64_t LoadPointer(std::span<const uint8_t> b, size_t size, bool big) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    size_t k = big ? i : size - 1 - i;
    v = (v << 8) | b[k];
  }
  return v;
}

// A Go string header {data pointer, length} at `addr`, then its bytes
// (pre-1.18 format).
Result<std::string_view> PointerString(std::span<const uint8_t> bytes, const ElfFile& elf,
                                       uint64_t addr, size_t ptr_size, bool big,
                                       std::string_view what) {
  // A pointer that leads nowhere is corrupt build info, not a missing one.
  auto corrupt = [&](const Status& s) {
    return DataLoss("Go build info: " + std::string(what) + ": " + s.message());
  };
  auto header_bytes = ReadVirtual(bytes, elf, addr, 2 * ptr_size);
  if (!header_bytes.ok()) return corrupt(header_bytes.status());
  auto header = *header_bytes;
  uint64_t data = LoadPointer(header, ptr_size, big);
  uint64_t len = LoadPointer(header.subspan(ptr_size), ptr_size, big);
  if (len > kMaxGoModInfoBytes)
    return ResourceExhausted("Go build info: " + std::string(what) + " of " + std::to_string(len) +
                             " bytes exceeds kMaxGoModInfoBytes");
  if (len == 0) return std::string_view();
  auto s = ReadVirtual(bytes, elf, data, len);
  if (!s.ok()) return corrupt(s.status());
  return AsText(*s);
}

Result<GoModule> ModuleLine(const std::vector<std::string_view>& cols, size_t line) {
  if (cols.size() != 2 && cols.size() != 3)
    return InvalidArgument("Go module info line " + std::to_string(line) +
                           ": expected 2 or 3 tab-separated columns after the keyword, got " +
                           std::to_string(cols.size()));
  GoModule m;
  m.path = std::string(cols[0]);
  m.version = std::string(cols[1]);
  if (cols.size() == 3) m.sum = std::string(cols[2]);
  return m;
}

void AddPackage(std::vector<model::Package>& out, std::string_view path, std::string_view version,
                std::string_view db_path) {
  model::Package p;
  p.type = "golang";
  p.name = std::string(path);
  p.version = version == "(devel)" ? "" : std::string(version);
  p.purl = GoPurl(p.name, p.version);
  p.db_path = std::string(db_path);
  out.push_back(std::move(p));
}

void Diagnose(layer::Findings& out, std::string_view path, std::string message) {
  model::Diagnostic d;
  d.severity = model::DiagnosticSeverity::kWarning;
  d.code = "bad-file";
  d.path = std::string(path);
  d.message = "lang/binary: " + std::move(message);
  out.diagnostics.push_back(std::move(d));
}

}  // namespace

Result<GoBuildInfo> ParseGoBuildInfo(std::span<const uint8_t> bytes, const ElfFile& elf) {
  CUSTOMS_ASSIGN_OR_RETURN(size_t at, LocateHeader(bytes, elf));
  auto data = bytes.subspan(at);  // at least the header, checked by FindMagic
  uint8_t ptr_size = data[14];
  uint8_t flags = data[15];
  std::string_view version, modinfo;
  if ((flags & kFlagInline) != 0) {
    size_t pos = kBuildInfoHeaderSize;
    CUSTOMS_ASSIGN_OR_RETURN(version, InlineString(data, pos, "Go version"));
    CUSTOMS_ASSIGN_OR_RETURN(modinfo, InlineString(data, pos, "module info"));
  } else {
    if (ptr_size != 4 && ptr_size != 8)
      return DataLoss("Go build info at offset " + std::to_string(at) + ": pointer size " +
                      std::to_string(ptr_size) + " is neither 4 nor 8");
    // Before Go 1.18 the flags byte was only the byte order.
    bool big = (flags & kFlagBigEndian) != 0;
    uint64_t version_addr = LoadPointer(data.subspan(16), ptr_size, big);
    uint64_t modinfo_addr = LoadPointer(data.subspan(16 + ptr_size), ptr_size, big);
    CUSTOMS_ASSIGN_OR_RETURN(version,
                             PointerString(bytes, elf, version_addr, ptr_size, big, "Go version"));
    CUSTOMS_ASSIGN_OR_RETURN(modinfo,
                             PointerString(bytes, elf, modinfo_addr, ptr_size, big, "module info"));
  }
  if (version.empty()) return NotFound("Go build info has no Go version");
  GoBuildInfo info;
  info.go_version = std::string(version);
  // Strip the sentinels; Go treats anything else as "no module info".
  if (modinfo.size() >= 2 * kModInfoSentinel + 1 &&
      modinfo[modinfo.size() - kModInfoSentinel - 1] == '\n') {
    modinfo = modinfo.substr(kModInfoSentinel, modinfo.size() - 2 * kModInfoSentinel);
    CUSTOMS_TRY(ParseGoModInfo(modinfo, info));
  }
  return info;
}

Status ParseGoModInfo(std::string_view text, GoBuildInfo& info) {
  GoModule* last = nullptr;  // the module a "=>" line replaces
  size_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    std::string_view key = line.substr(0, tab);
    std::string_view rest = tab == std::string_view::npos ? "" : line.substr(tab + 1);
    if (key == "go") {
      info.go_version = std::string(rest);
    } else if (key == "path") {
      info.path = std::string(rest);
      last = nullptr;
    } else if (key == "mod") {
      CUSTOMS_ASSIGN_OR_RETURN(info.main, ModuleLine(Split(rest, '\t'), number));
      last = &info.main;
    } else if (key == "dep") {
      if (info.deps.size() >= kMaxPackagesPerDb)
        return ResourceExhausted("Go module info line " + std::to_string(number) +
                                 ": more than kMaxPackagesPerDb dependencies");
      CUSTOMS_ASSIGN_OR_RETURN(GoModule m, ModuleLine(Split(rest, '\t'), number));
      info.deps.push_back(std::move(m));
      last = &info.deps.back();
    } else if (key == "=>") {
      auto cols = Split(rest, '\t');
      if (cols.size() != 3)
        return InvalidArgument("Go module info line " + std::to_string(number) +
                               ": expected 3 columns in a replacement, got " +
                               std::to_string(cols.size()));
      if (last == nullptr)
        return InvalidArgument("Go module info line " + std::to_string(number) +
                               ": replacement without a module on the line before");
      last->replaced = true;
      last->replace_path = std::string(cols[0]);
      last->replace_version = std::string(cols[1]);
      last->replace_sum = std::string(cols[2]);
      last = nullptr;
    } else if (key == "build") {
      size_t eq = rest.find('=');
      if (eq == std::string_view::npos) continue;
      if (info.settings.size() < kMaxRecordFields)
        info.settings.emplace_back(std::string(rest.substr(0, eq)),
                                   std::string(rest.substr(eq + 1)));
    }
  }
  return Status::Ok();
}

std::string GoPurl(std::string_view module_path, std::string_view version) {
  model::Purl purl;
  purl.type = "golang";
  std::string lower = ToLower(module_path);
  size_t slash = lower.rfind('/');
  if (slash == std::string::npos) {
    purl.name = lower;
  } else {
    purl.namespace_ = lower.substr(0, slash);
    purl.name = lower.substr(slash + 1);
  }
  purl.version = std::string(version);
  return purl.ToString();
}

std::vector<model::Package> GoPackages(const GoBuildInfo& info, std::string_view db_path) {
  std::vector<model::Package> out;
  // "go1.22.3 X:boringcrypto" -> "v1.22.3"; a devel toolchain has no
  // release version and gives no stdlib package.
  std::string_view go = info.go_version;
  if (go.substr(0, 2) == "go") {
    go.remove_prefix(2);
    go = go.substr(0, go.find(' '));
    if (!go.empty() && go[0] >= '0' && go[0] <= '9')
      AddPackage(out, "stdlib", "v" + std::string(go), db_path);
  }
  for (const auto& dep : info.deps) {
    if (dep.path.empty()) continue;  // old toolchains list a pathless "(devel)" dep
    if (dep.replaced)
      AddPackage(out, dep.replace_path, dep.replace_version, db_path);
    else
      AddPackage(out, dep.path, dep.version, db_path);
  }
  if (!info.main.path.empty()) AddPackage(out, info.main.path, info.main.version, db_path);
  return out;
}

bool BinaryCataloger::Wants(const layer::FileInfo& info) const {
  return info.type == layer::FileType::kRegular && (info.mode & 0111) != 0 &&
         info.size >= kMinBinaryBytes;
}

Status BinaryCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  if (!LooksLikeElf(file.content)) return Status::Ok();
  CUSTOMS_ASSIGN_OR_RETURN(ElfFile elf, ParseElf(file.content));
  const std::string& path = file.info.path;
  auto go = ParseGoBuildInfo(file.content, elf);
  if (go.ok()) {
    for (auto& p : GoPackages(*go, path)) out.packages.push_back(std::move(p));
  } else if (go.status().code() != StatusCode::kNotFound) {
    Diagnose(out, path, "Go build info: " + go.status().ToString());
  }
  if (const ElfSection* s = elf.FindSection(std::string(kRustAuditSection))) {
    auto data = SectionData(file.content, *s);
    auto rust = data.ok() ? ParseRustAudit(*data, path)
                          : Result<std::vector<model::Package>>(data.status());
    if (rust.ok()) {
      for (auto& p : *rust) out.packages.push_back(std::move(p));
    } else {
      Diagnose(out, path, "cargo-auditable data: " + rust.status().ToString());
    }
  }
  return Status::Ok();
}

}  // namespace customs::catalog
