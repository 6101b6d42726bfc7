// The pure half of the sinkhole's DNS server: parse one query, build its
// answer. No IO; everything is read with explicit bounds checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sandbox/sinkhole.h"

namespace customs::sandbox {
namespace {

// RFC 1035 4.1.1: the fixed header.
constexpr size_t kHeaderBytes = 12;
// A DNS message over TCP carries a 16-bit length, so no honest one is larger;
// UDP ones are 512 bytes, or what EDNS0 allows (at most 64 KiB too).
constexpr size_t kMaxPacketBytes = 65535;
// RFC 1035 2.3.4: labels are 63 octets or less, names 255 octets or less
// (in wire form, length bytes and the final zero included).
constexpr size_t kMaxLabelBytes = 63;
constexpr size_t kMaxNameWireBytes = 255;
// Compression pointers followed while reading one name. A 255-byte name has
// at most 127 labels, but real encoders point once per name; 16 stops loops
// (and the pointers also have to go backwards) long before any cost.
constexpr int kMaxPointerJumps = 16;

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagOpcodeMask = 0x7800;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagRa = 0x0080;

Status Bad(size_t offset, const std::string& what) {
  return InvalidArgument("dns query: " + what + " at offset " + std::to_string(offset));
}

uint16_t U16(std::span<const uint8_t> p, size_t offset) {
  return static_cast<uint16_t>((p[offset] << 8) | p[offset + 1]);
}

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Appends one label byte in presentation form: ASCII letters lower-cased,
// '.' and '\' escaped with a backslash, bytes outside printable ASCII as
// \DDD (RFC 4343 2.1, as dig prints them), so the dotted text is unambiguous
// and always valid UTF-8.
void AppendLabelByte(std::string& name, uint8_t c) {
  if (c >= 'A' && c <= 'Z') {
    name.push_back(static_cast<char>(c - 'A' + 'a'));
  } else if (c == '.' || c == '\\') {
    name.push_back('\\');
    name.push_back(static_cast<char>(c));
  } else if (c > 0x20 && c < 0x7f) {
    name.push_back(static_cast<char>(c));
  } else {
    name.push_back('\\');
    name.push_back(static_cast<char>('0' + c / 100));
    name.push_back(static_cast<char>('0' + (c / 10) % 10));
    name.push_back(static_cast<char>('0' + c % 10));
  }
}

// Reads the name starting at `offset`. On success `end` is the offset just
// past the name as it sits at `offset` (after the first pointer, if any).
Status ParseName(std::span<const uint8_t> p, size_t offset, std::string& name, size_t& end) {
  size_t pos = offset;
  size_t wire = 0;
  int jumps = 0;
  bool jumped = false;
  name.clear();
  while (true) {
    if (pos >= p.size()) return Bad(pos, "name runs past the end of the packet (truncated)");
    uint8_t len = p[pos];
    if ((len & 0xc0) == 0xc0) {
      if (p.size() - pos < 2) return Bad(pos, "truncated compression pointer");
      size_t target = U16(p, pos) & 0x3fff;
      // Only backwards: a pointer names an earlier occurrence (RFC 1035
      // 4.1.4). Forward pointers are never produced by encoders and would
      // allow loops that the bound would otherwise have to catch alone.
      if (target >= pos)
        return Bad(
            pos, "compression pointer to " + std::to_string(target) + " does not point backwards");
      if (++jumps > kMaxPointerJumps)
        return Bad(pos, "more than " + std::to_string(kMaxPointerJumps) +
                            " compression pointers (a loop?)");
      if (!jumped) end = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    // 0x40-0xbf: the extended label types of RFC 2671 (withdrawn) and a
    // reserved one; as lengths they would be over 63.
    if ((len & 0xc0) != 0)
      return Bad(
          pos, "label length " + std::to_string(len) + " over 63 (and not a compression pointer)");
    wire += 1 + static_cast<size_t>(len);
    if (wire > kMaxNameWireBytes)
      return Bad(pos, "name longer than " + std::to_string(kMaxNameWireBytes) + " bytes");
    if (len == 0) {
      if (!jumped) end = pos + 1;
      return Status::Ok();
    }
    static_assert(kMaxLabelBytes == 0x3f, "the two top bits, checked above, bound a label");
    if (p.size() - pos - 1 < len)
      return Bad(pos, "label of " + std::to_string(len) + " bytes runs past the end");
    if (!name.empty()) name.push_back('.');
    for (size_t i = 0; i < len; ++i) AppendLabelByte(name, p[pos + 1 + i]);
    pos += 1 + len;
  }
}

}  // namespace

Result<DnsQuery> ParseDnsQuery(std::span<const uint8_t> packet) {
  if (packet.size() > kMaxPacketBytes)
    return Bad(0, "packet of " + std::to_string(packet.size()) + " bytes over 65535");
  if (packet.size() < kHeaderBytes)
    return Bad(0, "truncated header: " + std::to_string(packet.size()) + " of 12 bytes");
  DnsQuery q;
  q.id = U16(packet, 0);
  q.flags = U16(packet, 2);
  if (q.flags & kFlagQr) return Bad(2, "QR bit set (a response, expected a query)");
  uint16_t qdcount = U16(packet, 4);
  if (qdcount == 0) return Bad(4, "QDCOUNT is 0 (expected a question)");
  size_t name_end = 0;
  CUSTOMS_TRY(ParseName(packet, kHeaderBytes, q.name, name_end));
  if (packet.size() - name_end < 4)
    return Bad(name_end, "truncated question: QTYPE and QCLASS missing");
  q.qtype = U16(packet, name_end);
  q.qclass = U16(packet, name_end + 2);
  q.question_end = name_end + 4;
  return q;
}

std::string BuildDnsResponse(std::span<const uint8_t> packet, const DnsQuery& query,
                             const std::optional<std::array<uint8_t, 4>>& a) {
  // The question is echoed from the packet; a query that did not come from
  // this packet (question_end out of range) gets a bare header.
  bool have_question = query.question_end >= kHeaderBytes && query.question_end <= packet.size();
  std::string out;
  out.reserve(kHeaderBytes + (have_question ? query.question_end - kHeaderBytes : 0) + 16);
  PutU16(out, query.id);
  // QR, the opcode and RD copied (RFC 1035 4.1.1), RA, AA/TC/Z clear, RCODE 0.
  uint16_t flags = kFlagQr | (query.flags & kFlagOpcodeMask) | (query.flags & kFlagRd) | kFlagRa;
  PutU16(out, flags);
  PutU16(out, have_question ? 1 : 0);       // QDCOUNT
  PutU16(out, have_question && a ? 1 : 0);  // ANCOUNT
  PutU16(out, 0);                           // NSCOUNT
  PutU16(out, 0);                           // ARCOUNT: any OPT record is dropped
  if (!have_question) return out;
  out.append(reinterpret_cast<const char*>(packet.data()) + kHeaderBytes,
             query.question_end - kHeaderBytes);
  if (a) {
    PutU16(out, 0xc000 | kHeaderBytes);  // NAME: pointer to the question's name
    PutU16(out, 1);                      // TYPE A
    PutU16(out, 1);                      // CLASS IN
    PutU16(out, 0);                      // TTL 60 (32 bits)
    PutU16(out, 60);
    PutU16(out, 4);  // RDLENGTH
    for (uint8_t b : *a) out.push_back(static_cast<char>(b));
  }
  return out;
}

}  // namespace customs::sandbox
