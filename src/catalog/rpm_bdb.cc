#include "catalog/rpm_bdb.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/limits.h"

namespace customs::catalog {
namespace {

// Layout facts from Berkeley DB's dbinc/db_page.h and dbinc/hash.h.
constexpr uint32_t kHashMagic = 0x00061561;
constexpr uint32_t kBtreeMagic = 0x00053162;
constexpr size_t kHashMetaBytes = 512;  // HMETA: the meta page's used part
constexpr uint32_t kMinPageSize = 512;
constexpr uint32_t kMaxPageSize = 65536;

// DBMETA fields.
constexpr size_t kMetaMagic = 12;
constexpr size_t kMetaPageSize = 20;
constexpr size_t kMetaEncryptAlg = 24;
constexpr size_t kMetaLastPgno = 32;

// PAGE header fields, shared by every page type.
constexpr size_t kPageHeaderBytes = 26;
constexpr size_t kPageNextPgno = 16;
constexpr size_t kPageEntries = 20;
constexpr size_t kPageHfOffset = 22;  // overflow pages: bytes of data held
constexpr size_t kPageType = 25;

// Page types.
constexpr uint8_t kPageHashUnsorted = 2;
constexpr uint8_t kPageOverflow = 7;
constexpr uint8_t kPageHashMeta = 8;
constexpr uint8_t kPageHash = 13;

// Hash item types; an H_OFFPAGE item is {type, 3 unused, pgno, tlen}.
constexpr uint8_t kItemKeyData = 1;
constexpr uint8_t kItemOffPage = 3;
constexpr size_t kOffPageBytes = 12;
constexpr size_t kOffPagePgno = 4;
constexpr size_t kOffPageLength = 8;

// Reads integers in the database's byte order (the writer's native order).
class EndianReader {
 public:
  EndianReader(std::span<const uint8_t> bytes, bool big) : bytes_(bytes), big_(big) {}

  Result<uint8_t> U8(size_t offset) const {
    ByteReader r(bytes_);
    CUSTOMS_TRY(r.Seek(offset));
    return r.ReadU8();
  }
  Result<uint16_t> U16(size_t offset) const {
    ByteReader r(bytes_);
    CUSTOMS_TRY(r.Seek(offset));
    return big_ ? r.ReadU16Be() : r.ReadU16Le();
  }
  Result<uint32_t> U32(size_t offset) const {
    ByteReader r(bytes_);
    CUSTOMS_TRY(r.Seek(offset));
    return big_ ? r.ReadU32Be() : r.ReadU32Le();
  }

 private:
  std::span<const uint8_t> bytes_;
  bool big_;
};

std::string PageWhere(uint32_t pgno) { return "BDB page " + std::to_string(pgno); }

class BdbFile {
 public:
  static Result<BdbFile> Open(std::span<const uint8_t> file) {
    if (file.size() < kHashMetaBytes)
      return DataLoss("BDB file of " + std::to_string(file.size()) +
                      " bytes is shorter than its 512-byte meta page");
    EndianReader le(file, false);
    EndianReader be(file, true);
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t magic_le, le.U32(kMetaMagic));
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t magic_be, be.U32(kMetaMagic));
    bool big;
    if (magic_le == kHashMagic) {
      big = false;
    } else if (magic_be == kHashMagic) {
      big = true;
    } else if (magic_le == kBtreeMagic || magic_be == kBtreeMagic) {
      return Unimplemented("BDB btree database; rpm's Packages is a hash database");
    } else {
      return InvalidArgument("not a Berkeley DB hash database: magic at offset 12 is " +
                             std::to_string(magic_le));
    }
    EndianReader meta(file, big);
    CUSTOMS_ASSIGN_OR_RETURN(uint8_t type, meta.U8(kPageType));
    if (type != kPageHashMeta)
      return DataLoss("BDB meta page has page type " + std::to_string(type) +
                      ", expected 8 (hash meta)");
    CUSTOMS_ASSIGN_OR_RETURN(uint8_t encrypt, meta.U8(kMetaEncryptAlg));
    if (encrypt != 0) return Unimplemented("encrypted BDB database");
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t page_size, meta.U32(kMetaPageSize));
    if (page_size < kMinPageSize || page_size > kMaxPageSize || (page_size & (page_size - 1)) != 0)
      return DataLoss("BDB page size " + std::to_string(page_size) +
                      " is not a power of two from 512 to 65536");
    if (file.size() < page_size)
      return DataLoss("BDB file of " + std::to_string(file.size()) +
                      " bytes is shorter than one page of " + std::to_string(page_size));
    CUSTOMS_ASSIGN_OR_RETURN(uint32_t last_pgno, meta.U32(kMetaLastPgno));

    BdbFile db;
    db.file_ = file;
    db.big_ = big;
    db.page_size_ = page_size;
    uint64_t in_file = file.size() / page_size;
    uint64_t in_meta = uint64_t{last_pgno} + 1;
    db.pages_ = static_cast<uint32_t>(std::min(in_file, in_meta));
    if (in_meta > in_file)
      db.truncation_ = "BDB meta page names last page " + std::to_string(last_pgno) +
                       " but the file holds " + std::to_string(in_file) + " pages";
    db.claimed_.assign(db.pages_, false);
    return db;
  }

  Result<RpmDbContents> ReadAll() {
    RpmDbContents out;
    if (!truncation_.empty()) out.problems.push_back(truncation_);
    for (uint32_t pgno = 1; pgno < pages_; ++pgno) {
      auto page = Page(pgno);
      uint8_t type = page[kPageType];
      if (type != kPageHash && type != kPageHashUnsorted) continue;
      CUSTOMS_TRY(ReadHashPage(pgno, out));
    }
    return out;
  }

 private:
  std::span<const uint8_t> Page(uint32_t pgno) const {
    return file_.subspan(size_t{pgno} * page_size_, page_size_);
  }

  // Adds the values of one hash page. Only a limit stops the whole read;
  // anything wrong with one page or pair is a problem.
  Status ReadHashPage(uint32_t pgno, RpmDbContents& out) {
    EndianReader page(Page(pgno), big_);
    auto entries = page.U16(kPageEntries);
    if (!entries.ok()) return entries.status();
    size_t n = *entries;
    size_t max_entries = (page_size_ - kPageHeaderBytes) / 2;
    if (n > max_entries) {
      out.problems.push_back(PageWhere(pgno) + ": " + std::to_string(n) +
                             " entries cannot fit in the page");
      return Status::Ok();
    }
    if (n % 2 != 0)
      out.problems.push_back(PageWhere(pgno) + ": odd entry count " + std::to_string(n) +
                             "; last entry ignored");
    std::vector<uint16_t> inp(n);
    for (size_t i = 0; i < n; ++i) {
      auto v = page.U16(kPageHeaderBytes + 2 * i);
      if (!v.ok()) return v.status();
      inp[i] = *v;
    }
    size_t items_start = kPageHeaderBytes + 2 * n;
    for (size_t i = 0; i + 1 < n; i += 2) {
      std::string where = PageWhere(pgno) + " pair " + std::to_string(i / 2);
      // Items fill the page from its end, so item k normally ends where item
      // k-1 starts. Only inline values need that length; keys and off-page
      // items have fixed sizes and are read wherever they sit.
      auto item = [&](size_t k) -> Result<std::pair<size_t, size_t>> {
        size_t begin = inp[k];
        if (begin < items_start || begin >= page_size_)
          return DataLoss(where + ": item offset " + std::to_string(begin) +
                          " outside the page's item area");
        size_t end = k == 0 ? page_size_ : inp[k - 1];
        size_t length = end > begin ? end - begin : 0;  // 0: unknown
        return std::pair<size_t, size_t>(begin, length);
      };
      auto key = item(i);
      auto value = item(i + 1);
      if (!key.ok() || !value.ok()) {
        out.problems.push_back(!key.ok() ? key.status().message() : value.status().message());
        continue;
      }
      auto [key_off, key_len] = *key;
      auto [value_off, value_len] = *value;
      uint32_t id = 0;
      auto key_type = page.U8(key_off);
      if (!key_type.ok()) return key_type.status();
      if (*key_type == kItemKeyData && (key_len == 5 || key_len == 0) &&
          key_off + 5 <= page_size_) {
        auto k = page.U32(key_off + 1);
        if (!k.ok()) return k.status();
        id = *k;
        if (id == 0) continue;  // rpm's record of the next header number
      }
      auto value_type = page.U8(value_off);
      if (!value_type.ok()) return value_type.status();
      RpmHeaderBlob blob;
      blob.id = id;
      if (*value_type == kItemKeyData) {
        if (value_len == 0) {
          out.problems.push_back(where + ": inline value at offset " + std::to_string(value_off) +
                                 " has no length (items out of order)");
          continue;
        }
        auto bytes = Page(pgno).subspan(value_off + 1, value_len - 1);
        blob.bytes.assign(bytes.begin(), bytes.end());
      } else if (*value_type == kItemOffPage) {
        if (value_off + kOffPageBytes > page_size_) {
          out.problems.push_back(where + ": off-page item at offset " + std::to_string(value_off) +
                                 " runs past the page");
          continue;
        }
        auto first = page.U32(value_off + kOffPagePgno);
        auto length = page.U32(value_off + kOffPageLength);
        if (!first.ok() || !length.ok()) return first.ok() ? length.status() : first.status();
        auto bytes = ReadOverflow(*first, *length);
        if (!bytes.ok()) {
          out.problems.push_back(where + ": " + bytes.status().message());
          continue;
        }
        blob.bytes = std::move(*bytes);
      } else {
        out.problems.push_back(where + ": value item type " + std::to_string(*value_type) +
                               " is not a stored header");
        continue;
      }
      if (out.headers.size() >= kMaxPackagesPerDb)
        return ResourceExhausted("BDB database holds more than kMaxPackagesPerDb (" +
                                 std::to_string(kMaxPackagesPerDb) + ") records");
      out.headers.push_back(std::move(blob));
    }
    return Status::Ok();
  }

  // Follows an overflow chain. Every page may belong to one chain only, which
  // both stops cycles and bounds the total work by the file size.
  Result<std::vector<uint8_t>> ReadOverflow(uint32_t first, uint32_t length) {
    if (length > kMaxRpmHeaderBytes)
      return ResourceExhausted("off-page value of " + std::to_string(length) +
                               " bytes over kMaxRpmHeaderBytes");
    if (length > file_.size())
      return DataLoss("off-page value of " + std::to_string(length) +
                      " bytes is larger than the file");
    std::vector<uint8_t> out;
    out.reserve(length);
    for (uint32_t pgno = first; pgno != 0;) {
      if (pgno >= pages_)
        return DataLoss("overflow chain from page " + std::to_string(first) + " reaches page " +
                        std::to_string(pgno) + " past the last page " + std::to_string(pages_ - 1));
      if (claimed_[pgno])
        return DataLoss("overflow chain from page " + std::to_string(first) + " revisits page " +
                        std::to_string(pgno) + " (a cycle, or a page shared with another chain)");
      claimed_[pgno] = true;
      EndianReader page(Page(pgno), big_);
      CUSTOMS_ASSIGN_OR_RETURN(uint8_t type, page.U8(kPageType));
      if (type != kPageOverflow)
        return DataLoss("overflow chain from page " + std::to_string(first) + " reaches page " +
                        std::to_string(pgno) + " of type " + std::to_string(type) +
                        ", expected 7 (overflow)");
      CUSTOMS_ASSIGN_OR_RETURN(uint16_t used, page.U16(kPageHfOffset));
      if (used > page_size_ - kPageHeaderBytes)
        return DataLoss(PageWhere(pgno) + ": overflow length " + std::to_string(used) +
                        " exceeds the page");
      if (used > length - out.size())
        return DataLoss("overflow chain from page " + std::to_string(first) +
                        " holds more than the item's " + std::to_string(length) + " bytes");
      auto data = Page(pgno).subspan(kPageHeaderBytes, used);
      out.insert(out.end(), data.begin(), data.end());
      CUSTOMS_ASSIGN_OR_RETURN(pgno, page.U32(kPageNextPgno));
    }
    if (out.size() != length)
      return DataLoss("overflow chain from page " + std::to_string(first) + " holds " +
                      std::to_string(out.size()) + " bytes, the item says " +
                      std::to_string(length));
    return out;
  }

  std::span<const uint8_t> file_;
  bool big_ = false;
  uint32_t page_size_ = 0;
  uint32_t pages_ = 0;  // pages both named by the meta page and present
  std::string truncation_;
  std::vector<bool> claimed_;  // overflow pages already part of a chain
};

}  // namespace

Result<RpmDbContents> ParseRpmBdb(std::span<const uint8_t> file) {
  CUSTOMS_ASSIGN_OR_RETURN(BdbFile db, BdbFile::Open(file));
  return db.ReadAll();
}

}  // namespace customs::catalog
