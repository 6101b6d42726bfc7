#include "tests/tar_builder.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace customs::testing {

namespace {
void PutOctal(std::string& h, size_t off, size_t len, uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*llo", static_cast<int>(len - 1),
                static_cast<unsigned long long>(v));
  std::memcpy(&h[off], buf, len - 1);
}

std::string PaxRecord(const std::string& key, const std::string& value) {
  std::string body = " " + key + "=" + value + "\n";
  size_t len = body.size();
  size_t digits = std::to_string(len).size();
  while (std::to_string(len + digits).size() != digits) ++digits;
  return std::to_string(len + digits) + body;
}

std::string Pad(const std::string& s) {
  return s + std::string((512 - s.size() % 512) % 512, '\0');
}
}  // namespace

std::string TarBuilder::Header(const std::string& name, uint64_t size, char typeflag,
                               const std::string& link, uint32_t mode, uint32_t uid,
                               uint32_t gid) const {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
  PutOctal(h, 100, 8, mode);
  PutOctal(h, 108, 8, uid);
  PutOctal(h, 116, 8, gid);
  PutOctal(h, 124, 12, size);
  PutOctal(h, 136, 12, 0);
  h[156] = typeflag;
  std::memcpy(&h[157], link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%06o", sum);
  std::memcpy(&h[148], buf, 7);
  return h;
}

TarBuilder& TarBuilder::Add(const std::string& name, const std::string& content, char typeflag,
                            const std::string& link, uint32_t mode, uint32_t uid, uint32_t gid) {
  if (name.size() > 100 || link.size() > 100) {
    std::string pax;
    if (name.size() > 100) pax += PaxRecord("path", name);
    if (link.size() > 100) pax += PaxRecord("linkpath", link);
    data_ += Header("PaxHeaders/x", pax.size(), 'x', "", 0644) + Pad(pax);
  }
  data_ += Header(name, content.size(), typeflag, link, mode, uid, gid);
  data_ += Pad(content);
  return *this;
}

std::string Gzip(const std::string& data) {
  std::vector<uint8_t> out(data.size() + data.size() / 2 + 1024);
  isal_zstream s;
  isal_deflate_stateless_init(&s);
  s.gzip_flag = IGZIP_GZIP;
  s.flush = NO_FLUSH;
  s.end_of_stream = 1;
  s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uint32_t>(data.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uint32_t>(out.size());
  std::vector<uint8_t> level_buf(ISAL_DEF_LVL1_DEFAULT);
  s.level = 1;
  s.level_buf = level_buf.data();
  s.level_buf_size = static_cast<uint32_t>(level_buf.size());
  if (isal_deflate_stateless(&s) != COMP_OK) std::abort();
  return std::string(reinterpret_cast<char*>(out.data()), s.total_out);
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) std::abort();
  out.resize(n);
  return out;
}

}  // namespace customs::testing
