#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "catalog/rpm_bdb.h"
#include "catalog/rpm_cataloger.h"
#include "catalog/rpm_header.h"
#include "catalog/rpm_ndb.h"
#include "catalog/rpm_sqlite.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------
// Builders for hand-made inputs. They follow the formats as documented, not
// the parsers' code.

void PutU16(Bytes& b, size_t at, uint16_t v, bool big) {
  for (size_t i = 0; i < 2; ++i) b[at + (big ? 1 - i : i)] = static_cast<uint8_t>(v >> (8 * i));
}
void PutU32(Bytes& b, size_t at, uint32_t v, bool big) {
  for (size_t i = 0; i < 4; ++i) b[at + (big ? 3 - i : i)] = static_cast<uint8_t>(v >> (8 * i));
}
void AppendU32Be(Bytes& b, uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A stored rpm header: big-endian {il, dl}, il entries, then the store.
class HeaderBuilder {
 public:
  HeaderBuilder& String(int32_t tag, std::string_view s) {
    uint32_t offset = static_cast<uint32_t>(store_.size());
    store_.insert(store_.end(), s.begin(), s.end());
    store_.push_back(0);
    return Entry(tag, 6, offset, 1);
  }
  HeaderBuilder& StringArray(int32_t tag, const std::vector<std::string>& items) {
    uint32_t offset = static_cast<uint32_t>(store_.size());
    for (const auto& s : items) {
      store_.insert(store_.end(), s.begin(), s.end());
      store_.push_back(0);
    }
    return Entry(tag, 8, offset, static_cast<uint32_t>(items.size()));
  }
  HeaderBuilder& Int32(int32_t tag, const std::vector<uint32_t>& values) {
    while (store_.size() % 4 != 0) store_.push_back(0);
    uint32_t offset = static_cast<uint32_t>(store_.size());
    for (uint32_t v : values) AppendU32Be(store_, v);
    return Entry(tag, 4, offset, static_cast<uint32_t>(values.size()));
  }
  // A raw index entry, for entries that point where they should not.
  HeaderBuilder& Entry(int32_t tag, uint32_t type, uint32_t offset, uint32_t count) {
    entries_.push_back({static_cast<uint32_t>(tag), type, offset, count});
    return *this;
  }
  // Bytes added to the store without an entry.
  HeaderBuilder& Pad(std::string_view bytes) {
    store_.insert(store_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  Bytes Build() const {
    Bytes out;
    AppendU32Be(out, static_cast<uint32_t>(entries_.size()));
    AppendU32Be(out, static_cast<uint32_t>(store_.size()));
    for (const auto& e : entries_)
      for (uint32_t v : e) AppendU32Be(out, v);
    out.insert(out.end(), store_.begin(), store_.end());
    return out;
  }

 private:
  std::vector<std::array<uint32_t, 4>> entries_;
  Bytes store_;
};

HeaderBuilder BasicHeader(std::string_view name, std::string_view version = "1.0",
                          std::string_view release = "1.el9") {
  HeaderBuilder h;
  h.String(1000, name).String(1001, version).String(1002, release).String(1022, "x86_64");
  return h;
}

// A BDB hash database with one hash page holding every pair (plus rpm's
// key-0 record) and one overflow chain per value.
struct BdbImage {
  Bytes bytes;
  uint32_t page_size = 0;
  std::vector<uint32_t> first_overflow;  // per record
  std::vector<uint32_t> last_overflow;   // per record
};

constexpr size_t kBdbPageHeader = 26;

BdbImage BuildBdb(const std::vector<std::pair<uint32_t, Bytes>>& records, bool big,
                  uint32_t page_size = 512) {
  BdbImage img;
  img.page_size = page_size;
  // Pages: 0 meta, 1 hash, 2.. overflow.
  std::vector<Bytes> overflow_pages;
  std::vector<std::pair<uint32_t, uint32_t>> chains;  // first pgno, length
  for (const auto& [key, value] : records) {
    size_t per_page = page_size - kBdbPageHeader;
    uint32_t first = static_cast<uint32_t>(2 + overflow_pages.size());
    size_t pos = 0;
    do {
      size_t n = std::min(per_page, value.size() - pos);
      Bytes page(page_size, 0);
      uint32_t pgno = static_cast<uint32_t>(2 + overflow_pages.size());
      PutU32(page, 8, pgno, big);
      PutU32(page, 12, pos == 0 ? 0 : pgno - 1, big);
      bool last = pos + n == value.size();
      PutU32(page, 16, last ? 0 : pgno + 1, big);
      PutU16(page, 20, 1, big);  // reference count
      PutU16(page, 22, static_cast<uint16_t>(n), big);
      page[25] = 7;
      std::copy_n(value.begin() + pos, n, page.begin() + kBdbPageHeader);
      overflow_pages.push_back(std::move(page));
      pos += n;
    } while (pos < value.size());
    chains.push_back({first, static_cast<uint32_t>(value.size())});
    img.first_overflow.push_back(first);
    img.last_overflow.push_back(static_cast<uint32_t>(1 + overflow_pages.size()));
  }
  uint32_t last_pgno = static_cast<uint32_t>(1 + overflow_pages.size());

  Bytes meta(page_size, 0);
  PutU32(meta, 12, 0x00061561, big);
  PutU32(meta, 16, 9, big);
  PutU32(meta, 20, page_size, big);
  meta[25] = 8;
  PutU32(meta, 32, last_pgno, big);

  Bytes hash(page_size, 0);
  PutU32(hash, 8, 1, big);
  hash[25] = 13;
  std::vector<uint16_t> inp;
  size_t top = page_size;
  auto add_keydata = [&](const Bytes& data) {
    top -= 1 + data.size();
    hash[top] = 1;
    std::copy(data.begin(), data.end(), hash.begin() + top + 1);
    inp.push_back(static_cast<uint16_t>(top));
  };
  auto key_bytes = [&](uint32_t key) {
    Bytes k(4);
    PutU32(k, 0, key, big);
    return k;
  };
  add_keydata(key_bytes(0));
  add_keydata(key_bytes(static_cast<uint32_t>(records.size() + 1)));
  for (size_t i = 0; i < records.size(); ++i) {
    add_keydata(key_bytes(records[i].first));
    top -= 12;
    hash[top] = 3;
    PutU32(hash, top + 4, chains[i].first, big);
    PutU32(hash, top + 8, chains[i].second, big);
    inp.push_back(static_cast<uint16_t>(top));
  }
  EXPECT_LE(kBdbPageHeader + 2 * inp.size(), top) << "test records do not fit one hash page";
  PutU16(hash, 20, static_cast<uint16_t>(inp.size()), big);
  PutU16(hash, 22, static_cast<uint16_t>(top), big);
  for (size_t i = 0; i < inp.size(); ++i) PutU16(hash, kBdbPageHeader + 2 * i, inp[i], big);

  img.bytes = meta;
  img.bytes.insert(img.bytes.end(), hash.begin(), hash.end());
  for (const auto& p : overflow_pages) img.bytes.insert(img.bytes.end(), p.begin(), p.end());
  return img;
}

size_t PageOffset(const BdbImage& img, uint32_t pgno) { return size_t{pgno} * img.page_size; }

// Adler-32 written out from its definition (RFC 1950, section 8.2).
uint32_t NaiveAdler32(const uint8_t* p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; ++i) {
    a = (a + p[i]) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

// An NDB package database: header and slots in page 0, blobs from block 256.
Bytes BuildNdb(const std::vector<std::pair<uint32_t, Bytes>>& blobs) {
  Bytes out(4096, 0);
  std::memcpy(out.data(), "RpmP", 4);
  PutU32(out, 8, 1, false);   // generation
  PutU32(out, 12, 1, false);  // slot pages
  PutU32(out, 16, static_cast<uint32_t>(blobs.size() + 1), false);
  for (size_t off = 32; off < 4096; off += 16) std::memcpy(out.data() + off, "Slot", 4);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const auto& [pkg, data] = blobs[i];
    size_t start = out.size();
    size_t total = (16 + data.size() + 12 + 15) / 16 * 16;
    out.resize(start + total, 0);
    std::memcpy(out.data() + start, "BlbS", 4);
    PutU32(out, start + 4, pkg, false);
    PutU32(out, start + 8, 1, false);
    PutU32(out, start + 12, static_cast<uint32_t>(data.size()), false);
    std::copy(data.begin(), data.end(), out.begin() + start + 16);
    size_t tail = start + total - 12;
    PutU32(out, tail, NaiveAdler32(out.data() + start, total - 12), false);
    PutU32(out, tail + 4, static_cast<uint32_t>(data.size()), false);
    std::memcpy(out.data() + tail + 8, "BlbE", 4);
    size_t slot = 32 + 16 * i;
    PutU32(out, slot + 4, pkg, false);
    PutU32(out, slot + 8, static_cast<uint32_t>(start / 16), false);
    PutU32(out, slot + 12, static_cast<uint32_t>(total / 16), false);
  }
  return out;
}

// An rpmdb.sqlite image made with sqlite itself, serialized from memory.
Bytes BuildSqlite(const std::vector<std::pair<int64_t, Bytes>>& rows,
                  const char* schema =
                      "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, "
                      "blob BLOB NOT NULL)") {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, schema, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  for (const auto& [hnum, blob] : rows) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "INSERT INTO Packages (hnum, blob) VALUES (?, ?)", -1, &stmt,
                                 nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_bind_int64(stmt, 1, hnum);
    sqlite3_bind_blob(stmt, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
  }
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(db, "main", &size, 0);
  Bytes out(data, data + size);
  sqlite3_free(data);
  sqlite3_close(db);
  return out;
}

Bytes ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<RpmHeader> ParseAll(const RpmDbContents& db) {
  std::vector<RpmHeader> out;
  for (const auto& blob : db.headers) {
    auto h = ParseRpmHeader(blob.bytes);
    EXPECT_TRUE(h.ok()) << "header " << blob.id << ": " << h.status().ToString();
    if (h.ok()) out.push_back(std::move(*h));
  }
  return out;
}

std::map<std::string, RpmHeader> ByName(const std::vector<RpmHeader>& headers) {
  std::map<std::string, RpmHeader> out;
  for (const auto& h : headers) out[h.name] = h;
  return out;
}

layer::Findings Analyze(const std::string& path, const Bytes& content, Status* status) {
  layer::FileInfo info;
  info.path = path;
  info.size = content.size();
  layer::File file{info, content};
  layer::Findings out;
  *status = RpmCataloger().Analyze(file, out);
  return out;
}

// ---------------------------------------------------------------------------
// ParseRpmHeader on hand-built headers.

TEST(RpmHeaderTest, ReadsNevraAndMetadata) {
  auto blob = BasicHeader("openssl-libs", "1.1.1k", "6.el8")
                  .Int32(1003, {1})
                  .String(1014, "OpenSSL and ASL 2.0")
                  .String(1044, "openssl-1.1.1k-6.el8.src.rpm")
                  .String(1011, "Red Hat, Inc.")
                  .Int32(1009, {3751462})
                  .Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->name, "openssl-libs");
  EXPECT_EQ(h->version, "1.1.1k");
  EXPECT_EQ(h->release, "6.el8");
  EXPECT_EQ(h->epoch, 1u);
  EXPECT_EQ(h->arch, "x86_64");
  EXPECT_EQ(h->license, "OpenSSL and ASL 2.0");
  EXPECT_EQ(h->source_rpm, "openssl-1.1.1k-6.el8.src.rpm");
  EXPECT_EQ(h->vendor, "Red Hat, Inc.");
  EXPECT_EQ(h->size, 3751462u);
  EXPECT_TRUE(h->files.empty());
}

TEST(RpmHeaderTest, EpochIsOptional) {
  auto h = ParseRpmHeader(BasicHeader("bash").Build());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_FALSE(h->epoch.has_value());
  EXPECT_FALSE(h->size.has_value());
}

TEST(RpmHeaderTest, JoinsDirnamesAndBasenames) {
  auto blob = BasicHeader("bash")
                  .StringArray(1117, {"bash", "sh", "bashrc", "README"})
                  .StringArray(1118, {"/usr/bin/", "/etc/skel/", "/usr/share/doc/bash/"})
                  .Int32(1116, {0, 0, 1, 2})
                  .Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_THAT(h->files, ElementsAre("/usr/bin/bash", "/usr/bin/sh", "/etc/skel/bashrc",
                                    "/usr/share/doc/bash/README"));
}

TEST(RpmHeaderTest, ReadsLegacyOldFilenames) {
  auto blob = BasicHeader("old").StringArray(1027, {"/bin/old", "/etc/old.conf"}).Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_THAT(h->files, ElementsAre("/bin/old", "/etc/old.conf"));
}

TEST(RpmHeaderTest, ToleratesRegionTags) {
  // A HEADER_IMMUTABLE region entry whose offset points at a trailer, as rpm
  // writes it, and a HEADER_IMAGE one with a nonsense offset: both skipped.
  HeaderBuilder h;
  h.Entry(63, 7, 0, 16).Entry(61, 7, 0xfffffff0, 16);
  h.Pad(std::string(16, '\0'));
  h.String(1000, "zlib").String(1001, "1.2.11").String(1002, "3.21.1");
  auto parsed = ParseRpmHeader(h.Build());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "zlib");
}

TEST(RpmHeaderTest, EveryTruncationFailsCleanly) {
  auto blob = BasicHeader("bash")
                  .StringArray(1117, {"bash"})
                  .StringArray(1118, {"/usr/bin/"})
                  .Int32(1116, {0})
                  .Build();
  ASSERT_TRUE(ParseRpmHeader(blob).ok());
  for (size_t n = 0; n < blob.size(); ++n) {
    auto h = ParseRpmHeader(std::span<const uint8_t>(blob.data(), n));
    EXPECT_FALSE(h.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(h.status().code(), StatusCode::kDataLoss) << n;
  }
}

TEST(RpmHeaderTest, RejectsOffsetOutsideStore) {
  auto blob = BasicHeader("bash").Entry(1014, 6, 100000, 1).Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(h.status().message(), HasSubstr("tag 1014"));
  EXPECT_THAT(h.status().message(), HasSubstr("offset 100000"));
}

TEST(RpmHeaderTest, RejectsIntArrayOverrunningStore) {
  auto blob = BasicHeader("bash").Entry(1116, 4, 0, 0x40000000).Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("overrun"));
}

TEST(RpmHeaderTest, RejectsStringWithoutNul) {
  // LICENSE starts inside the store but the store ends before its NUL.
  auto builder = BasicHeader("bash");
  Bytes probe = builder.Build();
  uint32_t store_end = static_cast<uint32_t>(probe.size() - 8 - 16 * 4);
  auto blob = builder.Entry(1014, 6, store_end, 1).Pad("GPLv3+").Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(h.status().message(), HasSubstr("no NUL"));
}

TEST(RpmHeaderTest, RejectsHugeIndexAndDataLengths) {
  Bytes huge_il;
  AppendU32Be(huge_il, 0x10000);
  AppendU32Be(huge_il, 0);
  EXPECT_EQ(ParseRpmHeader(huge_il).status().code(), StatusCode::kResourceExhausted);
  Bytes huge_dl;
  AppendU32Be(huge_dl, 1);
  AppendU32Be(huge_dl, 0x10000000);
  EXPECT_EQ(ParseRpmHeader(huge_dl).status().code(), StatusCode::kResourceExhausted);
  Bytes max_both;  // at the caps but with no data: truncated, not an allocation
  AppendU32Be(max_both, 0xffff);
  AppendU32Be(max_both, 0x0fffffff);
  EXPECT_EQ(ParseRpmHeader(max_both).status().code(), StatusCode::kDataLoss);
  Bytes none;
  AppendU32Be(none, 0);
  AppendU32Be(none, 0);
  EXPECT_FALSE(ParseRpmHeader(none).ok());
}

TEST(RpmHeaderTest, RejectsUnknownTypeAndOversizedArrays) {
  EXPECT_THAT(ParseRpmHeader(BasicHeader("a").Entry(1014, 42, 0, 1).Build()).status().message(),
              HasSubstr("unknown type 42"));
  EXPECT_THAT(ParseRpmHeader(BasicHeader("a").Entry(1117, 8, 0, 100000).Build()).status().message(),
              HasSubstr("100000 strings cannot fit"));
  // A STRING whose count is not 1 is still one string, as rpm reads it.
  auto odd = ParseRpmHeader(BasicHeader("a").Entry(1014, 6, 0, 2).Build());
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_EQ(odd->license, "a");
}

TEST(RpmHeaderTest, RejectsDirIndexOutOfRange) {
  auto blob = BasicHeader("bash")
                  .StringArray(1117, {"bash", "sh"})
                  .StringArray(1118, {"/usr/bin/"})
                  .Int32(1116, {0, 5})
                  .Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("DIRINDEXES[1] = 5"));
}

TEST(RpmHeaderTest, RejectsMismatchedFileArrays) {
  auto blob = BasicHeader("bash")
                  .StringArray(1117, {"bash", "sh"})
                  .StringArray(1118, {"/usr/bin/"})
                  .Int32(1116, {0})
                  .Build();
  EXPECT_FALSE(ParseRpmHeader(blob).ok());
}

TEST(RpmHeaderTest, BoundsJoinedFileList) {
  // One 1 MiB directory name shared by 100 files: 100 MiB of joined paths
  // from a 1 MiB store.
  std::vector<std::string> names(100, "f");
  auto blob = BasicHeader("bomb")
                  .StringArray(1117, names)
                  .StringArray(1118, {std::string(1 << 20, 'd')})
                  .Int32(1116, std::vector<uint32_t>(100, 0))
                  .Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kResourceExhausted);
}

TEST(RpmHeaderTest, BoundsFileCount) {
  // 1.1 million empty basenames fit a 1.1 MB store but are over the bound.
  HeaderBuilder h = BasicHeader("many");
  Bytes probe = h.Build();
  uint32_t offset = static_cast<uint32_t>(probe.size() - 8 - 16 * 4);
  h.Pad(std::string(1'100'000, '\0')).Entry(1117, 8, offset, 1'100'000);
  h.StringArray(1118, {"/"}).Int32(1116, std::vector<uint32_t>(1'100'000, 0));
  auto parsed = ParseRpmHeader(h.Build());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(parsed.status().message(), HasSubstr("kMaxRpmFilesPerPackage"));
}

TEST(RpmHeaderTest, RequiresName) {
  HeaderBuilder h;
  h.String(1001, "1.0").String(1002, "1");
  auto parsed = ParseRpmHeader(h.Build());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Source rpm names.

TEST(SplitSourceRpmTest, SplitsNameAndVersionRelease) {
  auto s = SplitSourceRpm("openssl-1.1.1k-6.el8.src.rpm");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->first, "openssl");
  EXPECT_EQ(s->second, "1.1.1k-6.el8");
  s = SplitSourceRpm("python-urllib3-1.26.5-3.el9.nosrc.rpm");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->first, "python-urllib3");
  EXPECT_EQ(s->second, "1.26.5-3.el9");
  EXPECT_FALSE(SplitSourceRpm("").has_value());
  EXPECT_FALSE(SplitSourceRpm("(none)").has_value());
  EXPECT_FALSE(SplitSourceRpm("1.0-1.src.rpm").has_value());
  EXPECT_FALSE(SplitSourceRpm("name-1.0-.src.rpm").has_value());
}

// ---------------------------------------------------------------------------
// Berkeley DB.

TEST(RpmBdbTest, ReadsOsqueryCentos6Database) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/osquery-bdb/Packages");
  auto db = ParseRpmBdb(ReadFixture(path));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->problems.empty());
  // osquery's own rpm test expects these three packages and SHA1HEADERs.
  auto by_name = ByName(ParseAll(*db));
  ASSERT_EQ(by_name.size(), 3u);
  const std::map<std::string, std::string> sha1 = {
      {"rpm-libs", "4bdccd7d66ec292581ae047c73e476869f43c704"},
      {"rpm-python", "e308afd6a0c0a0dc31ad8dbf64c0bd1651462c02"},
      {"rpm", "3b1c9206487936ed0d6190a794a2f3c40e3dd5b1"},
  };
  for (const auto& [name, digest] : sha1) {
    ASSERT_TRUE(by_name.count(name)) << name;
    const auto& h = by_name[name];
    EXPECT_EQ(h.version, "4.8.0") << name;
    EXPECT_EQ(h.release, "59.el6") << name;
    EXPECT_EQ(h.arch, "x86_64") << name;
    EXPECT_EQ(h.source_rpm, "rpm-4.8.0-59.el6.src.rpm") << name;
    EXPECT_EQ(h.vendor, "CentOS") << name;
    EXPECT_FALSE(h.epoch.has_value()) << name;
    EXPECT_EQ(h.sha1_header, digest) << name;
  }
  EXPECT_EQ(by_name["rpm-libs"].license, "GPLv2+ and LGPLv2+ with exceptions");
  EXPECT_THAT(by_name["rpm"].files, Contains("/bin/rpm"));
  EXPECT_THAT(by_name["rpm"].files, Contains("/usr/bin/rpmdb"));
  EXPECT_THAT(by_name["rpm-libs"].files, Contains("/usr/lib64/librpm.so.1.0.0"));
}

TEST(RpmBdbTest, ReadsSyftDiveDatabase) {
  // The same file is grype's centos and sles match-coverage fixture.
  for (const char* rel : {"pkgdb/rpm/syft-bdb/Packages", "pkgdb/rpm/grype-centos-bdb/Packages",
                          "pkgdb/rpm/grype-sles-bdb/Packages"}) {
    CUSTOMS_REQUIRE_SHARED(path, rel);
    auto db = ParseRpmBdb(ReadFixture(path));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto headers = ParseAll(*db);
    ASSERT_EQ(headers.size(), 1u) << rel;
    EXPECT_EQ(headers[0].name, "dive");
    EXPECT_EQ(headers[0].version, "0.9.2");
    EXPECT_EQ(headers[0].release, "1");
    EXPECT_EQ(headers[0].arch, "x86_64");
    EXPECT_EQ(headers[0].license, "MIT");
    EXPECT_EQ(headers[0].source_rpm, "dive-0.9.2-1.src.rpm");
    EXPECT_THAT(headers[0].files, ElementsAre("/usr/local/bin/dive"));
  }
}

TEST(RpmBdbTest, ReadsScalibrEpochDatabaseAndSkipsFreedPages) {
  // The file still holds the freed pages of an earlier "dive" record; only
  // "hello" is live (scalibr's test expects exactly one package).
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/scalibr-bdb-epoch/Packages");
  auto db = ParseRpmBdb(ReadFixture(path));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto headers = ParseAll(*db);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].name, "hello");
  EXPECT_EQ(headers[0].version, "0.0.1");
  EXPECT_EQ(headers[0].release, "rls");
  EXPECT_EQ(headers[0].epoch, 1u);
  EXPECT_EQ(headers[0].arch, "x86_64");
  EXPECT_EQ(headers[0].license, "GPL");
  EXPECT_EQ(headers[0].source_rpm, "hello-0.0.1-rls.src.rpm");
  EXPECT_EQ(headers[0].vendor, "");
  EXPECT_THAT(headers[0].files, ElementsAre("/usr/bin/hello.sh"));
}

TEST(RpmBdbTest, ReadsBothByteOrders) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta", "2.0", "3").Pad(std::string(1500, 'x')).Build();  // 4 pages
  for (bool big : {false, true}) {
    auto img = BuildBdb({{1, a}, {2, b}}, big);
    auto db = ParseRpmBdb(img.bytes);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_TRUE(db->problems.empty()) << db->problems[0];
    ASSERT_EQ(db->headers.size(), 2u) << "big endian: " << big;
    EXPECT_EQ(db->headers[0].id, 1u);
    EXPECT_EQ(db->headers[0].bytes, a);
    EXPECT_EQ(db->headers[1].id, 2u);
    EXPECT_EQ(db->headers[1].bytes, b);
  }
}

TEST(RpmBdbTest, ReadsPairsWhoseItemsAreOutOfOrder) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Build();
  auto img = BuildBdb({{1, a}, {2, b}}, false);
  // Swap the index slots of the two records: their items no longer sit in
  // index order, so only fixed-size items can be read.
  size_t inp = PageOffset(img, 1) + kBdbPageHeader;
  for (size_t k = 0; k < 4; ++k) std::swap(img.bytes[inp + 4 + k], img.bytes[inp + 8 + k]);
  auto db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->problems.empty());
  ASSERT_EQ(db->headers.size(), 2u);
  EXPECT_EQ(db->headers[0].bytes, b);
  EXPECT_EQ(db->headers[1].bytes, a);
}

TEST(RpmBdbTest, DetectsOverflowCycle) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Pad(std::string(1500, 'x')).Build();
  auto img = BuildBdb({{1, a}, {2, b}}, false);
  // The last page of b's chain points back at its first.
  PutU32(img.bytes, PageOffset(img, img.last_overflow[1]) + 16, img.first_overflow[1], false);
  auto db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_EQ(db->headers.size(), 1u);
  EXPECT_EQ(db->headers[0].bytes, a);
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_THAT(db->problems[0], HasSubstr("revisits page"));
}

TEST(RpmBdbTest, DetectsSelfLoopAndSharedPages) {
  auto a = BasicHeader("alpha").Pad(std::string(600, 'x')).Build();
  auto img = BuildBdb({{1, a}, {2, a}}, true);
  // Record 2's chain starts on record 1's pages.
  auto hash = PageOffset(img, 1);
  uint16_t entries = static_cast<uint16_t>(img.bytes[hash + 20] << 8 | img.bytes[hash + 21]);
  size_t inp_last = hash + kBdbPageHeader + 2 * (entries - 1);
  size_t item = hash + (img.bytes[inp_last] << 8 | img.bytes[inp_last + 1]);
  PutU32(img.bytes, item + 4, img.first_overflow[0], true);
  auto db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->headers.size(), 1u);
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_THAT(db->problems[0], HasSubstr("revisits page"));

  auto single = BuildBdb({{1, BasicHeader("x").Build()}}, false);
  PutU32(single.bytes, PageOffset(single, single.first_overflow[0]) + 16, single.first_overflow[0],
         false);
  db = ParseRpmBdb(single.bytes);
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE(db->headers.empty());
  EXPECT_EQ(db->problems.size(), 1u);
}

TEST(RpmBdbTest, ReportsChainsLeavingTheFileOrWrongLength) {
  auto a = BasicHeader("alpha").Pad(std::string(600, 'x')).Build();
  auto img = BuildBdb({{1, a}}, false);
  PutU32(img.bytes, PageOffset(img, img.first_overflow[0]) + 16, 999999, false);
  auto db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_THAT(db->problems[0], HasSubstr("past the last page"));

  img = BuildBdb({{1, a}}, false);
  PutU16(img.bytes, PageOffset(img, img.last_overflow[0]) + 22, 3, false);
  db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_THAT(db->problems[0], HasSubstr("the item says"));
}

TEST(RpmBdbTest, TruncatedFileKeepsWhatIsThere) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Pad(std::string(1500, 'x')).Build();
  auto img = BuildBdb({{1, a}, {2, b}}, false);
  img.bytes.resize(PageOffset(img, img.first_overflow[1] + 1));
  auto db = ParseRpmBdb(img.bytes);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->headers.size(), 1u);
  EXPECT_EQ(db->problems.size(), 2u);  // the truncation, and beta's chain
}

TEST(RpmBdbTest, RejectsWhatIsNotAHashDatabase) {
  EXPECT_FALSE(ParseRpmBdb(Bytes()).ok());
  EXPECT_FALSE(ParseRpmBdb(Bytes(4096, 0)).ok());
  auto img = BuildBdb({{1, BasicHeader("a").Build()}}, false);
  Bytes bad_size = img.bytes;
  PutU32(bad_size, 20, 1000, false);
  EXPECT_EQ(ParseRpmBdb(bad_size).status().code(), StatusCode::kDataLoss);
  Bytes encrypted = img.bytes;
  encrypted[24] = 1;
  EXPECT_EQ(ParseRpmBdb(encrypted).status().code(), StatusCode::kUnimplemented);
  Bytes btree = img.bytes;
  PutU32(btree, 12, 0x00053162, false);
  EXPECT_EQ(ParseRpmBdb(btree).status().code(), StatusCode::kUnimplemented);
}

// ---------------------------------------------------------------------------
// NDB.

TEST(RpmNdbTest, ReadsOsquerySuseDatabase) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/osquery-ndb/Packages.db");
  auto db = ParseRpmNdb(ReadFixture(path));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->problems.empty());
  ASSERT_EQ(db->headers.size(), 3u);
  auto headers = ParseAll(*db);
  ASSERT_EQ(headers.size(), 3u);
  // osquery's rpm test: names, versions and SHA1HEADERs (it lists them in
  // Name-index order, not slot order).
  auto by_name = ByName(headers);
  ASSERT_EQ(by_name.size(), 3u);
  EXPECT_EQ(by_name["binutils"].version, "2.35.1");
  EXPECT_EQ(by_name["binutils"].release, "7.18.1");
  EXPECT_EQ(by_name["binutils"].sha1_header, "2e706f0d18f426555620350d5c665f834ae20317");
  EXPECT_EQ(by_name["binutils"].source_rpm, "binutils-2.35.1-7.18.1.src.rpm");
  EXPECT_EQ(by_name["zlib-devel"].version, "1.2.11");
  EXPECT_EQ(by_name["zlib-devel"].release, "3.21.1");
  EXPECT_EQ(by_name["zlib-devel"].sha1_header, "202827943881ba133a7e8ca91290dcc71083a8e1");
  EXPECT_EQ(by_name["zlib-devel"].source_rpm, "zlib-1.2.11-3.21.1.src.rpm");
  EXPECT_EQ(by_name["ncurses-devel"].version, "6.1");
  EXPECT_EQ(by_name["ncurses-devel"].release, "5.6.2");
  EXPECT_EQ(by_name["ncurses-devel"].sha1_header, "04c2780ee303bc28ca3568233fe7310d964d3b0c");
  EXPECT_EQ(by_name["ncurses-devel"].source_rpm, "ncurses-6.1-5.6.2.src.rpm");
  for (const auto& h : headers) {
    EXPECT_EQ(h.arch, "x86_64");
    EXPECT_EQ(h.vendor, "SUSE LLC <https://www.suse.com/>");
  }
}

TEST(RpmNdbTest, ReadsHandBuiltDatabase) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Build();
  auto db = ParseRpmNdb(BuildNdb({{1, a}, {7, b}}));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->problems.empty());
  ASSERT_EQ(db->headers.size(), 2u);
  EXPECT_EQ(db->headers[0].id, 1u);
  EXPECT_EQ(db->headers[0].bytes, a);
  EXPECT_EQ(db->headers[1].id, 7u);
  EXPECT_EQ(db->headers[1].bytes, b);
}

TEST(RpmNdbTest, BadBlobIsAProblemOthersStillCount) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Build();
  auto image = BuildNdb({{1, a}, {2, b}});
  image[4096 + 20] ^= 0xff;  // a byte of alpha's header: checksum fails
  auto db = ParseRpmNdb(image);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->headers.size(), 1u);
  EXPECT_EQ(db->headers[0].bytes, b);
  ASSERT_EQ(db->problems.size(), 1u);
  EXPECT_THAT(db->problems[0], HasSubstr("Adler-32"));

  image = BuildNdb({{1, a}, {2, b}});
  PutU32(image, 32 + 8, 0x7fffffff, false);  // alpha's slot points past the end
  PutU32(image, 48 + 4, 9, false);           // beta's slot names another package
  db = ParseRpmNdb(image);
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE(db->headers.empty());
  ASSERT_EQ(db->problems.size(), 2u);
  EXPECT_THAT(db->problems[0], HasSubstr("past the end"));
  EXPECT_THAT(db->problems[1], HasSubstr("belongs to package 2"));
}

TEST(RpmNdbTest, OverlappingBlobsStop) {
  auto a = BasicHeader("alpha").Pad(std::string(3000, 'x')).Build();
  auto image = BuildNdb({{1, a}});
  // 300 slots, each naming a different package over the same blob.
  for (uint32_t i = 1; i < 300; ++i) {
    std::memcpy(image.data() + 32 + 16 * i, image.data() + 32, 16);
    PutU32(image, 32 + 16 * i + 4, i + 1, false);
  }
  auto db = ParseRpmNdb(image);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.status().message(), HasSubstr("overlap"));
}

TEST(RpmNdbTest, RejectsBadHeaders) {
  EXPECT_FALSE(ParseRpmNdb(Bytes()).ok());
  auto image = BuildNdb({{1, BasicHeader("a").Build()}});
  Bytes bad_magic = image;
  bad_magic[0] = 'X';
  EXPECT_EQ(ParseRpmNdb(bad_magic).status().code(), StatusCode::kInvalidArgument);
  Bytes many_pages = image;
  PutU32(many_pages, 12, 0xffffffff, false);
  EXPECT_EQ(ParseRpmNdb(many_pages).status().code(), StatusCode::kDataLoss);
  Bytes version = image;
  PutU32(version, 4, 3, false);
  EXPECT_EQ(ParseRpmNdb(version).status().code(), StatusCode::kUnimplemented);
}

// ---------------------------------------------------------------------------
// SQLite.

TEST(RpmSqliteTest, ReadsOsqueryFedora33Database) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/osquery-sqlite/rpmdb.sqlite");
  auto db = ParseRpmSqlite(ReadFixture(path));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE(db->problems.empty());
  ASSERT_EQ(db->headers.size(), 9u);
  std::vector<uint32_t> ids;
  for (const auto& h : db->headers) ids.push_back(h.id);
  EXPECT_THAT(ids, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
  auto by_name = ByName(ParseAll(*db));
  // osquery's rpm test: names, versions and SHA1HEADERs.
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"deltarpm", {"3.6.2", "b94aeacccb128594c1c385a19a36b7237fd7bd55"}},
      {"python3-rpm", {"4.16.0", "cb4fd19975ffb22a6c67fa1ced0dd98cf039e2c3"}},
      {"rpm", {"4.16.0", "f1b7a4ad5d2497a44039ba20a2e83e7e60d52472"}},
      {"rpm-build-libs", {"4.16.0", "0e964be137e7489228e91d16d16ade7a38474bce"}},
      {"rpm-libs", {"4.16.0", "4eb167bef01b1c0684f870ef791ec4de3db96ca2"}},
      {"rpm-plugin-selinux", {"4.16.0", "2118e44fbdbdcd7bbf8306630bf03c289a6401cc"}},
      {"rpm-plugin-systemd-inhibit", {"4.16.0", "74890e714d68b144750b5529617361b4a4f64430"}},
      {"rpm-sign-libs", {"4.16.0", "01c6d988e05b320c9620e66b8bda57b8dd1749fe"}},
      {"systemd-rpm-macros", {"246.6", "50805b7fdfeef333d918a0da76c636e7ef182e36"}},
  };
  ASSERT_EQ(by_name.size(), expected.size());
  for (const auto& [name, want] : expected) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_EQ(by_name[name].version, want.first) << name;
    EXPECT_EQ(by_name[name].sha1_header, want.second) << name;
    EXPECT_EQ(by_name[name].vendor, "Fedora Project") << name;
  }
  EXPECT_EQ(by_name["rpm"].release, "1.fc33");
  EXPECT_EQ(by_name["rpm"].arch, "x86_64");
  EXPECT_EQ(by_name["rpm"].license, "GPLv2+");
  EXPECT_EQ(by_name["deltarpm"].release, "7.fc33");
  EXPECT_EQ(by_name["systemd-rpm-macros"].release, "3.fc33");
  EXPECT_EQ(by_name["systemd-rpm-macros"].arch, "noarch");
  EXPECT_EQ(by_name["systemd-rpm-macros"].source_rpm, "systemd-246.6-3.fc33.src.rpm");
  EXPECT_EQ(by_name["python3-rpm"].source_rpm, "rpm-4.16.0-1.fc33.src.rpm");
}

TEST(RpmSqliteTest, ReadsHandBuiltDatabase) {
  auto a = BasicHeader("alpha").Build();
  auto b = BasicHeader("beta").Build();
  auto db = ParseRpmSqlite(BuildSqlite({{3, a}, {10, b}}));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_EQ(db->headers.size(), 2u);
  EXPECT_EQ(db->headers[0].id, 3u);
  EXPECT_EQ(db->headers[0].bytes, a);
  EXPECT_EQ(db->headers[1].id, 10u);
  EXPECT_EQ(db->headers[1].bytes, b);
}

TEST(RpmSqliteTest, NonBlobRowIsAProblem) {
  // A text row next to a blob row.
  Bytes image;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob);"
                         "INSERT INTO Packages VALUES (1, x'00000001'), (2, 'text');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(db, "main", &size, 0);
  image.assign(data, data + size);
  sqlite3_free(data);
  sqlite3_close(db);
  auto parsed = ParseRpmSqlite(image);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->headers.size(), 1u);
  ASSERT_EQ(parsed->problems.size(), 1u);
  EXPECT_THAT(parsed->problems[0], HasSubstr("hnum 2"));
}

TEST(RpmSqliteTest, RejectsMissingTableViewsAndCorruption) {
  EXPECT_EQ(ParseRpmSqlite(Bytes(100, 0)).status().code(), StatusCode::kInvalidArgument);
  auto no_table = BuildSqlite({}, "CREATE TABLE Other (x)");
  // BuildSqlite inserts nothing when rows is empty, so the schema alone.
  EXPECT_EQ(ParseRpmSqlite(no_table).status().code(), StatusCode::kInvalidArgument);

  // A view named Packages that would never end if it were run.
  auto view = BuildSqlite({},
                          "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                          "SELECT x + 1 FROM c) SELECT x AS hnum, x AS blob FROM c");
  EXPECT_FALSE(ParseRpmSqlite(view).ok());

  auto good = BuildSqlite({{1, BasicHeader("a").Pad(std::string(20000, 'x')).Build()}});
  ASSERT_TRUE(ParseRpmSqlite(good).ok());
  // Scribble over every page after the first: b-tree pages become garbage.
  Bytes corrupt = good;
  for (size_t i = 4096; i < corrupt.size(); ++i) corrupt[i] = static_cast<uint8_t>(i * 7);
  auto parsed = ParseRpmSqlite(corrupt);
  EXPECT_FALSE(parsed.ok());
  // A truncated image.
  Bytes cut(good.begin(), good.begin() + 4096 + 100);
  EXPECT_FALSE(ParseRpmSqlite(cut).ok());
}

// ---------------------------------------------------------------------------
// The cataloger.

TEST(RpmCatalogerTest, WantsTheDatabasePaths) {
  RpmCataloger c;
  EXPECT_EQ(c.Name(), "os/rpm");
  EXPECT_EQ(c.MaxBytes(), kMaxPackageDbBytes);
  for (const char* path :
       {"var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/share/rpm/rpmdb.sqlite"}) {
    layer::FileInfo info;
    info.path = path;
    EXPECT_TRUE(c.Wants(info)) << path;
  }
  for (const char* path : {"var/lib/rpm/Name", "rpm/Packages", "foo/var/lib/rpm/Packages",
                           "var/lib/rpm/Packages.bak", "var/lib/dpkg/status"}) {
    layer::FileInfo info;
    info.path = path;
    EXPECT_FALSE(c.Wants(info)) << path;
  }
}

TEST(RpmCatalogerTest, EmitsPackagesFromBdb) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/osquery-bdb/Packages");
  Status status;
  auto found = Analyze("var/lib/rpm/Packages", ReadFixture(path), &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(found.diagnostics.empty());
  ASSERT_EQ(found.packages.size(), 3u);
  std::vector<std::string> names;
  for (const auto& p : found.packages) {
    names.push_back(p.name);
    EXPECT_EQ(p.type, "rpm");
    EXPECT_EQ(p.version, "4.8.0-59.el6");
    EXPECT_FALSE(p.epoch.has_value());
    EXPECT_EQ(p.arch, "x86_64");
    EXPECT_EQ(p.source_name, "rpm");
    EXPECT_EQ(p.source_version, "4.8.0-59.el6");
    EXPECT_EQ(p.maintainer, "CentOS");
    EXPECT_EQ(p.db_path, "var/lib/rpm/Packages");
    for (const auto& f : p.files) EXPECT_NE(f.front(), '/') << f;
  }
  EXPECT_THAT(names, UnorderedElementsAre("rpm", "rpm-libs", "rpm-python"));
  for (const auto& p : found.packages) {
    if (p.name == "rpm") {
      EXPECT_THAT(p.files, Contains("bin/rpm"));
      EXPECT_EQ(p.licenses, std::vector<std::string>{"GPLv2+"});
    }
  }
}

TEST(RpmCatalogerTest, EmitsEpochAndSource) {
  CUSTOMS_REQUIRE_SHARED(path, "pkgdb/rpm/scalibr-bdb-epoch/Packages");
  Status status;
  auto found = Analyze("usr/lib/sysimage/rpm/Packages", ReadFixture(path), &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(found.packages.size(), 1u);
  const auto& p = found.packages[0];
  EXPECT_EQ(p.name, "hello");
  EXPECT_EQ(p.version, "0.0.1-rls");
  EXPECT_EQ(p.epoch, 1u);
  EXPECT_EQ(p.source_name, "hello");
  EXPECT_EQ(p.source_version, "0.0.1-rls");
  EXPECT_EQ(p.licenses, std::vector<std::string>{"GPL"});
  EXPECT_EQ(p.files, std::vector<std::string>{"usr/bin/hello.sh"});
}

TEST(RpmCatalogerTest, EmitsPackagesFromNdbAndSqlite) {
  CUSTOMS_REQUIRE_SHARED(ndb, "pkgdb/rpm/osquery-ndb/Packages.db");
  CUSTOMS_REQUIRE_SHARED(sqlite, "pkgdb/rpm/osquery-sqlite/rpmdb.sqlite");
  Status status;
  auto found = Analyze("usr/lib/sysimage/rpm/Packages.db", ReadFixture(ndb), &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(found.packages.size(), 3u);
  auto zlib = std::find_if(found.packages.begin(), found.packages.end(),
                           [](const model::Package& p) { return p.name == "zlib-devel"; });
  ASSERT_NE(zlib, found.packages.end());
  EXPECT_EQ(zlib->version, "1.2.11-3.21.1");
  EXPECT_EQ(zlib->source_name, "zlib");
  EXPECT_EQ(zlib->source_version, "1.2.11-3.21.1");
  EXPECT_EQ(zlib->maintainer, "SUSE LLC <https://www.suse.com/>");

  found = Analyze("var/lib/rpm/rpmdb.sqlite", ReadFixture(sqlite), &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(found.packages.size(), 9u);
  EXPECT_EQ(found.packages[0].name, "systemd-rpm-macros");
  EXPECT_EQ(found.packages[0].version, "246.6-3.fc33");
  EXPECT_EQ(found.packages[0].arch, "noarch");
  EXPECT_EQ(found.packages[0].source_name, "systemd");
  EXPECT_EQ(found.packages[0].source_version, "246.6-3.fc33");
  EXPECT_EQ(found.packages[0].maintainer, "Fedora Project");
}

TEST(RpmCatalogerTest, BadHeaderIsADiagnosticAndGpgKeysAreSkipped) {
  auto good = BasicHeader("bash", "5.1.8", "9.el9").Build();
  auto key = BasicHeader("gpg-pubkey", "fd431d51", "4ae0493b").Build();
  Bytes bad = BasicHeader("broken").Build();
  bad.resize(bad.size() - 3);
  auto img = BuildBdb({{1, good}, {2, bad}, {3, key}}, false);
  Status status;
  auto found = Analyze("var/lib/rpm/Packages", img.bytes, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(found.packages.size(), 1u);
  EXPECT_EQ(found.packages[0].name, "bash");
  EXPECT_EQ(found.packages[0].version, "5.1.8-9.el9");
  EXPECT_EQ(found.packages[0].source_name, "bash");  // no SOURCERPM: the binary's
  EXPECT_EQ(found.packages[0].source_version, "5.1.8-9.el9");
  ASSERT_EQ(found.diagnostics.size(), 1u);
  EXPECT_EQ(found.diagnostics[0].code, "bad-package-db");
  EXPECT_EQ(found.diagnostics[0].path, "var/lib/rpm/Packages");
  EXPECT_THAT(found.diagnostics[0].message, HasSubstr("header 2"));
}

TEST(RpmCatalogerTest, UnreadableDatabaseIsAnError) {
  Status status;
  auto found = Analyze("var/lib/rpm/Packages", Bytes(8192, 0x5a), &status);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("var/lib/rpm/Packages"));
  EXPECT_TRUE(found.packages.empty());
  Bytes not_sqlite(4096, 0);
  std::memcpy(not_sqlite.data(), "SQLite format 3", 16);
  Analyze("var/lib/rpm/rpmdb.sqlite", not_sqlite, &status);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace customs::catalog
