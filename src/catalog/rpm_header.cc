#include "catalog/rpm_header.h"

#include <cstring>
#include <string_view>

#include "base/byte_reader.h"

namespace customs::catalog {
namespace {

// Entry types (rpmTagType in rpm's header.h).
enum class RpmType : uint32_t {
  kNull = 0,
  kChar = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kString = 6,
  kBin = 7,
  kStringArray = 8,
  kI18nString = 9,
};
constexpr uint32_t kMaxType = 9;

// Tags read here (rpmTag_e in rpm's rpmtag.h).
constexpr int32_t kTagHeaderImage = 61;
constexpr int32_t kTagHeaderImmutable = 63;
constexpr int32_t kTagSha1Header = 269;
constexpr int32_t kTagName = 1000;
constexpr int32_t kTagVersion = 1001;
constexpr int32_t kTagRelease = 1002;
constexpr int32_t kTagEpoch = 1003;
constexpr int32_t kTagSize = 1009;
constexpr int32_t kTagVendor = 1011;
constexpr int32_t kTagLicense = 1014;
constexpr int32_t kTagArch = 1022;
constexpr int32_t kTagOldFilenames = 1027;
constexpr int32_t kTagSourceRpm = 1044;
constexpr int32_t kTagDirIndexes = 1116;
constexpr int32_t kTagBasenames = 1117;
constexpr int32_t kTagDirnames = 1118;
constexpr int32_t kTagLongSize = 5009;

constexpr size_t kPreambleBytes = 8;
constexpr size_t kEntryBytes = 16;

// Bytes one element of a fixed-size type occupies; 0 for strings and NULL.
uint64_t ElementSize(RpmType type) {
  switch (type) {
    case RpmType::kChar:
    case RpmType::kInt8:
    case RpmType::kBin:
      return 1;
    case RpmType::kInt16:
      return 2;
    case RpmType::kInt32:
      return 4;
    case RpmType::kInt64:
      return 8;
    default:
      return 0;
  }
}

bool IsStringType(RpmType type) {
  return type == RpmType::kString || type == RpmType::kStringArray || type == RpmType::kI18nString;
}

struct IndexEntry {
  size_t index = 0;  // position in the index, for messages
  int32_t tag = 0;
  RpmType type = RpmType::kNull;
  uint32_t offset = 0;
  uint32_t count = 0;
};

std::string Where(const IndexEntry& e) {
  return "rpm header entry " + std::to_string(e.index) + " (tag " + std::to_string(e.tag) +
         ", offset " + std::to_string(e.offset) + ")";
}

// The index and data store of one header, with every entry range-checked.
class HeaderView {
 public:
  static Result<HeaderView> Parse(std::span<const uint8_t> blob) {
    ByteReader r(blob);
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t il, r.ReadU32Be(), "rpm header index count");
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t dl, r.ReadU32Be(), "rpm header data length");
    if (il == 0) return DataLoss("rpm header has no index entries");
    if (il > kMaxRpmHeaderTags)
      return ResourceExhausted("rpm header index count " + std::to_string(il) +
                               " over kMaxRpmHeaderTags (" + std::to_string(kMaxRpmHeaderTags) +
                               ")");
    if (dl > kMaxRpmHeaderDataBytes)
      return ResourceExhausted("rpm header data length " + std::to_string(dl) +
                               " over kMaxRpmHeaderDataBytes (" +
                               std::to_string(kMaxRpmHeaderDataBytes) + ")");
    uint64_t needed = kPreambleBytes + uint64_t{il} * kEntryBytes + dl;
    if (needed > blob.size())
      return DataLoss("rpm header truncated: il " + std::to_string(il) + " and dl " +
                      std::to_string(dl) + " need " + std::to_string(needed) + " bytes, have " +
                      std::to_string(blob.size()));

    HeaderView view;
    view.store_ = blob.subspan(kPreambleBytes + size_t{il} * kEntryBytes, dl);
    view.entries_.reserve(il);
    for (size_t i = 0; i < il; ++i) {
      IndexEntry e;
      e.index = i;
      CUSTOMS_ASSIGN_OR_RETURN(uint32_t tag, r.ReadU32Be());
      CUSTOMS_ASSIGN_OR_RETURN(uint32_t type, r.ReadU32Be());
      CUSTOMS_ASSIGN_OR_RETURN(e.offset, r.ReadU32Be());
      CUSTOMS_ASSIGN_OR_RETURN(e.count, r.ReadU32Be());
      e.tag = static_cast<int32_t>(tag);
      // Region tags mark the signed immutable part; their trailer carries a
      // negative offset that is only meaningful to rpm's own verifier.
      if (e.tag >= kTagHeaderImage && e.tag <= kTagHeaderImmutable) continue;
      if (type > kMaxType) return DataLoss(Where(e) + ": unknown type " + std::to_string(type));
      e.type = static_cast<RpmType>(type);
      if (e.offset > dl)
        return DataLoss(Where(e) + ": offset beyond data store of " + std::to_string(dl) +
                        " bytes");
      uint64_t room = dl - e.offset;
      if (uint64_t size = ElementSize(e.type); size != 0 && uint64_t{e.count} * size > room)
        return DataLoss(Where(e) + ": " + std::to_string(e.count) + " elements of " +
                        std::to_string(size) + " bytes overrun data store of " +
                        std::to_string(dl) + " bytes");
      // Every string takes at least its NUL, so `count` strings need `count`
      // bytes; the terminators themselves are checked when a string is read.
      // A STRING is one string whatever its count says.
      if ((e.type == RpmType::kStringArray || e.type == RpmType::kI18nString) && e.count > room)
        return DataLoss(Where(e) + ": " + std::to_string(e.count) +
                        " strings cannot fit in the remaining " + std::to_string(room) + " bytes");
      view.entries_.push_back(e);
    }
    return view;
  }

  // The first entry with `tag`, or nullptr.
  const IndexEntry* Find(int32_t tag) const {
    for (const auto& e : entries_)
      if (e.tag == tag) return &e;
    return nullptr;
  }

  // `count` NUL-terminated strings starting at the entry's offset.
  Result<std::vector<std::string_view>> Strings(const IndexEntry& e, uint32_t count) const {
    if (!IsStringType(e.type))
      return DataLoss(Where(e) + ": expected a string type, found type " +
                      std::to_string(static_cast<uint32_t>(e.type)));
    // Only file lists have many strings; the bound keeps a store of NULs
    // from becoming 16 bytes of view per byte.
    if (count > kMaxRpmFilesPerPackage)
      return ResourceExhausted(Where(e) + ": " + std::to_string(count) +
                               " strings, over kMaxRpmFilesPerPackage (" +
                               std::to_string(kMaxRpmFilesPerPackage) + ")");
    std::vector<std::string_view> out;
    out.reserve(count);
    size_t pos = e.offset;
    for (uint32_t i = 0; i < count; ++i) {
      if (pos >= store_.size())
        return DataLoss(Where(e) + ": string " + std::to_string(i) + " starts past the store");
      const auto* begin = store_.data() + pos;
      const void* nul = std::memchr(begin, 0, store_.size() - pos);
      if (nul == nullptr)
        return DataLoss(Where(e) + ": string " + std::to_string(i) + " at store offset " +
                        std::to_string(pos) + " has no NUL before the end of the store");
      size_t len = static_cast<const uint8_t*>(nul) - begin;
      out.emplace_back(reinterpret_cast<const char*>(begin), len);
      pos += len + 1;
    }
    return out;
  }

  // A single string: a STRING, or the first element of a string array.
  Result<std::string> String(int32_t tag) const {
    const IndexEntry* e = Find(tag);
    if (e == nullptr) return std::string();
    if (e->count == 0) return std::string();
    CUSTOMS_ASSIGN_OR_RETURN(auto strings, Strings(*e, 1));
    return std::string(strings[0]);
  }

  // Every element of an INT32 (or INT16/INT8/CHAR, widened) entry.
  Result<std::vector<uint32_t>> Ints(const IndexEntry& e) const {
    uint64_t size = ElementSize(e.type);
    if (size == 0 || size > 4 || e.type == RpmType::kBin)
      return DataLoss(Where(e) + ": expected an integer type, found type " +
                      std::to_string(static_cast<uint32_t>(e.type)));
    ByteReader r(store_);
    CUSTOMS_TRY(r.Seek(e.offset), Where(e));
    std::vector<uint32_t> out;
    out.reserve(e.count);
    for (uint32_t i = 0; i < e.count; ++i) {
      uint32_t v = 0;
      if (size == 4) {
        CUSTOMS_ASSIGN_OR_RETURN(v, r.ReadU32Be(), Where(e));
      } else if (size == 2) {
        CUSTOMS_ASSIGN_OR_RETURN(v, r.ReadU16Be(), Where(e));
      } else {
        CUSTOMS_ASSIGN_OR_RETURN(v, r.ReadU8(), Where(e));
      }
      out.push_back(v);
    }
    return out;
  }

  // The first element of an integer entry, or nullopt when absent or empty.
  Result<std::optional<uint64_t>> FirstInt(int32_t tag) const {
    const IndexEntry* e = Find(tag);
    if (e == nullptr || e->count == 0) return std::optional<uint64_t>();
    ByteReader r(store_);
    CUSTOMS_TRY(r.Seek(e->offset), Where(*e));
    switch (e->type) {
      case RpmType::kInt64: {
        CUSTOMS_ASSIGN_OR_RETURN(uint64_t v, r.ReadU64Be(), Where(*e));
        return std::optional<uint64_t>(v);
      }
      case RpmType::kInt32: {
        CUSTOMS_ASSIGN_OR_RETURN(uint32_t v, r.ReadU32Be(), Where(*e));
        return std::optional<uint64_t>(v);
      }
      case RpmType::kInt16: {
        CUSTOMS_ASSIGN_OR_RETURN(uint16_t v, r.ReadU16Be(), Where(*e));
        return std::optional<uint64_t>(v);
      }
      case RpmType::kInt8:
      case RpmType::kChar: {
        CUSTOMS_ASSIGN_OR_RETURN(uint8_t v, r.ReadU8(), Where(*e));
        return std::optional<uint64_t>(v);
      }
      default:
        return DataLoss(Where(*e) + ": expected an integer type, found type " +
                        std::to_string(static_cast<uint32_t>(e->type)));
    }
  }

 private:
  std::vector<IndexEntry> entries_;  // region entries left out
  std::span<const uint8_t> store_;
};

Status AddFile(std::string path, size_t& total_bytes, std::vector<std::string>& files) {
  if (files.size() >= kMaxRpmFilesPerPackage)
    return ResourceExhausted("rpm header lists more than kMaxRpmFilesPerPackage (" +
                             std::to_string(kMaxRpmFilesPerPackage) + ") files");
  total_bytes += path.size();
  if (total_bytes > kMaxRpmFileListBytes)
    return ResourceExhausted("rpm header file list over kMaxRpmFileListBytes (" +
                             std::to_string(kMaxRpmFileListBytes) + ")");
  files.push_back(std::move(path));
  return Status::Ok();
}

Result<std::vector<std::string>> ParseFiles(const HeaderView& view) {
  std::vector<std::string> files;
  size_t total_bytes = 0;
  const IndexEntry* basenames = view.Find(kTagBasenames);
  if (basenames == nullptr) {
    const IndexEntry* old = view.Find(kTagOldFilenames);
    if (old == nullptr) return files;
    CUSTOMS_ASSIGN_OR_RETURN(auto names, view.Strings(*old, old->count), "OLDFILENAMES");
    for (auto name : names) CUSTOMS_TRY(AddFile(std::string(name), total_bytes, files));
    return files;
  }
  const IndexEntry* dirnames = view.Find(kTagDirnames);
  const IndexEntry* dirindexes = view.Find(kTagDirIndexes);
  if (dirnames == nullptr || dirindexes == nullptr)
    return DataLoss(Where(*basenames) + ": BASENAMES without DIRNAMES and DIRINDEXES");
  if (dirindexes->count != basenames->count)
    return DataLoss(Where(*dirindexes) + ": " + std::to_string(dirindexes->count) +
                    " DIRINDEXES for " + std::to_string(basenames->count) + " BASENAMES");
  CUSTOMS_ASSIGN_OR_RETURN(auto base, view.Strings(*basenames, basenames->count), "BASENAMES");
  CUSTOMS_ASSIGN_OR_RETURN(auto dirs, view.Strings(*dirnames, dirnames->count), "DIRNAMES");
  CUSTOMS_ASSIGN_OR_RETURN(auto index, view.Ints(*dirindexes), "DIRINDEXES");
  files.reserve(base.size());
  for (size_t i = 0; i < base.size(); ++i) {
    if (index[i] >= dirs.size())
      return DataLoss(Where(*dirindexes) + ": DIRINDEXES[" + std::to_string(i) +
                      "] = " + std::to_string(static_cast<int32_t>(index[i])) + " outside the " +
                      std::to_string(dirs.size()) + " DIRNAMES");
    std::string path;
    path.reserve(dirs[index[i]].size() + base[i].size());
    path.append(dirs[index[i]]).append(base[i]);
    CUSTOMS_TRY(AddFile(std::move(path), total_bytes, files));
  }
  return files;
}

}  // namespace

Result<RpmHeader> ParseRpmHeader(std::span<const uint8_t> blob) {
  CUSTOMS_ASSIGN_OR_RETURN(HeaderView view, HeaderView::Parse(blob));
  RpmHeader h;
  CUSTOMS_ASSIGN_OR_RETURN(h.name, view.String(kTagName), "NAME");
  CUSTOMS_ASSIGN_OR_RETURN(h.version, view.String(kTagVersion), "VERSION");
  CUSTOMS_ASSIGN_OR_RETURN(h.release, view.String(kTagRelease), "RELEASE");
  if (h.name.empty()) return InvalidArgument("rpm header has no NAME");
  if (h.version.empty()) return InvalidArgument("rpm header of " + h.name + " has no VERSION");
  if (h.release.empty()) return InvalidArgument("rpm header of " + h.name + " has no RELEASE");
  CUSTOMS_ASSIGN_OR_RETURN(auto epoch, view.FirstInt(kTagEpoch), "EPOCH");
  if (epoch) h.epoch = static_cast<uint32_t>(*epoch);
  CUSTOMS_ASSIGN_OR_RETURN(h.arch, view.String(kTagArch), "ARCH");
  CUSTOMS_ASSIGN_OR_RETURN(h.license, view.String(kTagLicense), "LICENSE");
  CUSTOMS_ASSIGN_OR_RETURN(h.source_rpm, view.String(kTagSourceRpm), "SOURCERPM");
  CUSTOMS_ASSIGN_OR_RETURN(h.vendor, view.String(kTagVendor), "VENDOR");
  CUSTOMS_ASSIGN_OR_RETURN(h.sha1_header, view.String(kTagSha1Header), "SHA1HEADER");
  CUSTOMS_ASSIGN_OR_RETURN(h.size, view.FirstInt(kTagLongSize), "LONGSIZE");
  if (!h.size) {
    CUSTOMS_ASSIGN_OR_RETURN(h.size, view.FirstInt(kTagSize), "SIZE");
  }
  CUSTOMS_ASSIGN_OR_RETURN(h.files, ParseFiles(view), "file list of " + h.name);
  return h;
}

}  // namespace customs::catalog
