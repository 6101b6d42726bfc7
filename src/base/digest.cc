#include "base/digest.h"

#include <openssl/evp.h>

namespace customs {

Result<Digest> Digest::Parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    auto colon = text.find(':');
    if (colon < 32)  // npos is larger
      return Unimplemented("digest algorithm '" + std::string(text.substr(0, colon)) +
                           "' is not supported (only sha256)");
    return InvalidArgument("malformed digest '" + std::string(text.substr(0, 80)) + "'");
  }
  auto hex = text.substr(kPrefix.size());
  bool valid = hex.size() == 64;
  for (char c : hex) valid = valid && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!valid)
    return InvalidArgument("malformed sha256 digest '" + std::string(text.substr(0, 80)) + "'");
  Digest d;
  d.text_ = std::string(text);
  return d;
}

Digest Digest::FromSha256(const std::array<uint8_t, 32>& raw) {
  Digest d;
  d.text_ = "sha256:" + HexEncode(raw);
  return d;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Allocation failure of a 200-byte context is not recoverable here.
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1) std::abort();
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::span<const uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}
void Sha256::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

Digest Sha256::Finish() {
  std::array<uint8_t, 32> raw{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, raw.data(), &len);
  return Digest::FromSha256(raw);
}

Digest Sha256::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

}  // namespace customs
