// The pure DNS parser and builder of the sinkhole, on packets built by hand
// from RFC 1035 4.1 (header, question, answer layouts).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/sinkhole.h"

namespace customs::sandbox {
namespace {

using Bytes = std::vector<uint8_t>;

// 12-byte header: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
Bytes Header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t ar = 0) {
  return {static_cast<uint8_t>(id >> 8),
          static_cast<uint8_t>(id),
          static_cast<uint8_t>(flags >> 8),
          static_cast<uint8_t>(flags),
          static_cast<uint8_t>(qd >> 8),
          static_cast<uint8_t>(qd),
          0,
          0,
          0,
          0,
          static_cast<uint8_t>(ar >> 8),
          static_cast<uint8_t>(ar)};
}

// "pool.supportxmr.com" -> 4 p o o l 10 s u p p o r t x m r 3 c o m 0.
Bytes Name(const std::vector<std::string>& labels) {
  Bytes out;
  for (const auto& l : labels) {
    out.push_back(static_cast<uint8_t>(l.size()));
    out.insert(out.end(), l.begin(), l.end());
  }
  out.push_back(0);
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes TypeClass(uint16_t type, uint16_t cls = 1) {
  return {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type),
          static_cast<uint8_t>(cls >> 8), static_cast<uint8_t>(cls)};
}

Bytes Query(const std::vector<std::string>& labels, uint16_t type, uint16_t id = 0x1234) {
  return Cat({Header(id, 0x0100, 1), Name(labels), TypeClass(type)});
}

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(ParseDnsQuery, ParsesAQuery) {
  Bytes p = Query({"pool", "supportxmr", "com"}, 1, 0xbeef);
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->id, 0xbeef);
  EXPECT_EQ(q->flags, 0x0100);
  EXPECT_EQ(q->name, "pool.supportxmr.com");
  EXPECT_EQ(q->qtype, 1);
  EXPECT_EQ(q->qclass, 1);
  // 12 header + (1+4)+(1+10)+(1+3)+1 name + 4.
  EXPECT_EQ(q->question_end, 37u);
  EXPECT_EQ(p.size(), 37u);
}

TEST(ParseDnsQuery, LowerCasesAndReadsOtherTypes) {
  auto q = ParseDnsQuery(Query({"Pool", "SupportXMR", "COM"}, 28));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "pool.supportxmr.com");
  EXPECT_EQ(q->qtype, 28);
  auto txt = ParseDnsQuery(Query({"_dmarc", "example", "org"}, 16));
  ASSERT_TRUE(txt.ok());
  EXPECT_EQ(txt->name, "_dmarc.example.org");
  EXPECT_EQ(txt->qtype, 16);
}

TEST(ParseDnsQuery, RootName) {
  auto q = ParseDnsQuery(Cat({Header(1, 0, 1), Bytes{0}, TypeClass(2)}));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "");
  EXPECT_EQ(q->qtype, 2);
  EXPECT_EQ(q->question_end, 17u);
}

TEST(ParseDnsQuery, UsesFirstQuestionAndIgnoresTheRest) {
  // Two questions and an EDNS0 OPT record in the additional section.
  Bytes opt = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
  Bytes p = Cat({Header(7, 0x0100, 2, 1), Name({"a", "example"}), TypeClass(1),
                 Name({"b", "example"}), TypeClass(28), opt});
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "a.example");
  EXPECT_EQ(q->question_end, 12u + 11u + 4u);  // 1 a 7 example 0
}

TEST(ParseDnsQuery, FollowsBackwardPointer) {
  // "www" then a pointer to offset 4, the high byte of QDCOUNT (0): the root.
  Bytes p = Cat({Header(1, 0, 1), Bytes{3, 'w', 'w', 'w', 0xc0, 0x04}, TypeClass(1)});
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "www");
  EXPECT_EQ(q->question_end, 22u);  // just past the pointer and type/class
  EXPECT_EQ(q->qtype, 1);
}

TEST(ParseDnsQuery, PointerIntoAnEarlierLabel) {
  // Label "x\007example\003com\000" (14 bytes) at 12, then a pointer to 14,
  // inside it, where "example.com" sits as labels.
  Bytes name = {14, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0xc0, 14};
  auto q = ParseDnsQuery(Cat({Header(1, 0, 1), name, TypeClass(16)}));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "x\\007example\\003com\\000.example.com");
  EXPECT_EQ(q->question_end, 12u + 17u + 4u);
}

TEST(ParseDnsQuery, EscapesDotsBackslashesAndControlBytes) {
  auto q =
      ParseDnsQuery(Cat({Header(1, 0, 1), Bytes{4, 'a', '.', '\\', 1, 1, 0xff, 0}, TypeClass(1)}));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->name, "a\\.\\\\\\001.\\255");
}

TEST(ParseDnsQuery, NameOf255BytesIsTheLimit) {
  std::string l63(63, 'a');
  // 3 * 64 + 62 + 1 = 255 bytes on the wire.
  auto ok = ParseDnsQuery(Query({l63, l63, l63, std::string(61, 'b')}, 1));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->name.size(), 63u * 3 + 61 + 3);
  auto over = ParseDnsQuery(Query({l63, l63, l63, std::string(62, 'b')}, 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("longer than 255"), std::string::npos)
      << over.status().message();
}

void ExpectError(const Bytes& p, const std::string& what, const std::string& offset) {
  auto q = ParseDnsQuery(p);
  ASSERT_FALSE(q.ok()) << "parsed as " << q->name;
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q.status().message().find(what), std::string::npos) << q.status().message();
  EXPECT_NE(q.status().message().find("at offset " + offset), std::string::npos)
      << q.status().message();
}

TEST(ParseDnsQuery, RejectsMalformedPackets) {
  Bytes good = Query({"example", "com"}, 1);
  ExpectError(Bytes(good.begin(), good.begin() + 11), "truncated header", "0");
  ExpectError(Bytes{}, "truncated header", "0");
  // QR=1: a response.
  ExpectError(Cat({Header(1, 0x8180, 1), Name({"a"}), TypeClass(1)}), "QR bit", "2");
  ExpectError(Cat({Header(1, 0, 0), Name({"a"}), TypeClass(1)}), "QDCOUNT is 0", "4");
  // Length byte 64: over 63 and not a pointer.
  Bytes l64 = Cat({Header(1, 0, 1), Bytes{64}, Bytes(64, 'a'), Bytes{0}, TypeClass(1)});
  ExpectError(l64, "label length 64 over 63", "12");
  // Label of 5 bytes with only 2 there.
  ExpectError(Cat({Header(1, 0, 1), Bytes{5, 'a', 'b'}}), "runs past the end", "12");
  // No terminating zero.
  ExpectError(Cat({Header(1, 0, 1), Bytes{1, 'a'}}), "past the end of the packet", "14");
  // Type/class cut short.
  ExpectError(Cat({Header(1, 0, 1), Name({"a"}), Bytes{0, 1}}), "QTYPE and QCLASS missing", "15");
  // Half a pointer.
  ExpectError(Cat({Header(1, 0, 1), Bytes{0xc0}}), "truncated compression pointer", "12");
}

TEST(ParseDnsQuery, RejectsForwardAndSelfPointers) {
  // Pointer at 12 to 20: forward.
  ExpectError(Cat({Header(1, 0, 1), Bytes{0xc0, 20}, TypeClass(1), Name({"a", "b"})}),
              "does not point backwards", "12");
  // Pointer at 12 to itself.
  ExpectError(Cat({Header(1, 0, 1), Bytes{0xc0, 12}, TypeClass(1)}), "does not point backwards",
              "12");
}

TEST(ParseDnsQuery, RejectsPointerLoop) {
  // 12: "a", 14: pointer back to 12 -> "a" -> pointer ... forever.
  ExpectError(Cat({Header(1, 0, 1), Bytes{1, 'a', 0xc0, 12}, TypeClass(1)}),
              "more than 16 compression pointers", "14");
}

TEST(ParseDnsQuery, RejectsHugePacket) {
  Bytes p = Query({"a"}, 1);
  p.resize(65536);
  ExpectError(p, "over 65535", "0");
}

TEST(ParseDnsQuery, NeverReadsPastAnyTruncation) {
  Bytes p = Cat({Header(9, 0x0100, 1), Bytes{3, 'w', 'w', 'w', 0xc0, 0x04}, TypeClass(1)});
  for (size_t n = 0; n < p.size(); ++n) {
    Bytes cut(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(ParseDnsQuery(cut).ok()) << n;
  }
}

TEST(BuildDnsResponse, ExactBytesOfAnAnswerAndOptDropped) {
  Bytes opt = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
  Bytes p = Cat({Header(0xabcd, 0x0120, 1, 1), Name({"example", "com"}), TypeClass(1), opt});
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  std::string r = BuildDnsResponse(p, *q, std::array<uint8_t, 4>{127, 53, 0, 1});
  Bytes expected = {0xab, 0xcd,  // ID
                    0x81, 0x80,  // QR, RD copied, RA; AD (0x20) of the query not copied
                    0,    1,    0,   1,   0,   0,   0,   0,  // QD 1, AN 1, NS 0, AR 0
                    7,    'e',  'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  // QNAME
                    0,    1,    0,   1,                                             // A IN
                    0xc0, 0x0c, 0,   1,   0,   1,   0,   0,   0, 60,  0,   4,   127,
                    53,   0,    1};  // the answer
  EXPECT_EQ(ToBytes(r), expected);
}

TEST(BuildDnsResponse, ExactBytesWithoutAnswer) {
  Bytes p = Cat({Header(0x0102, 0x0000, 1), Name({"x", "org"}), TypeClass(28)});
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok());
  std::string r = BuildDnsResponse(p, *q, std::nullopt);
  Bytes expected = {0x01, 0x02, 0x80, 0x80, 0,   1,   0, 0, 0,  0, 0, 0,
                    1,    'x',  3,    'o',  'r', 'g', 0, 0, 28, 0, 1};
  EXPECT_EQ(ToBytes(r), expected);
}

TEST(BuildDnsResponse, CopiesCompressedQuestionAsItWas) {
  Bytes p = Cat({Header(5, 0x0100, 1), Bytes{3, 'w', 'w', 'w', 0xc0, 0x04}, TypeClass(1)});
  auto q = ParseDnsQuery(p);
  ASSERT_TRUE(q.ok());
  std::string r = BuildDnsResponse(p, *q, std::array<uint8_t, 4>{127, 53, 1, 2});
  ASSERT_EQ(r.size(), 12u + 10u + 16u);
  EXPECT_EQ(ToBytes(r.substr(12, 10)), Bytes(p.begin() + 12, p.end()));
  // The response parses back (as a query would, after clearing QR).
  Bytes back = ToBytes(r);
  back[2] &= 0x7f;
  auto again = ParseDnsQuery(back);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->name, "www");
}

TEST(BuildDnsResponse, QuestionOutOfRangeGivesBareHeader) {
  Bytes p = Query({"a"}, 1);
  DnsQuery q;
  q.id = 3;
  q.question_end = p.size() + 5;
  std::string r = BuildDnsResponse(p, q, std::array<uint8_t, 4>{1, 2, 3, 4});
  EXPECT_EQ(ToBytes(r), (Bytes{0, 3, 0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace customs::sandbox
