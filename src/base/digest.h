// Content digests ("sha256:<64 lowercase hex>") and streaming SHA-256 on
// OpenSSL's EVP interface (SHA-NI where the CPU has it).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace customs {

// A validated digest. Only sha256 is accepted: it is the only algorithm the
// OCI and Docker specs require, and the one every registry serves.
class Digest {
 public:
  Digest() = default;
  // Accepts "sha256:" + 64 lowercase hex characters.
  static Result<Digest> Parse(std::string_view text);
  static Digest FromSha256(const std::array<uint8_t, 32>& raw);

  const std::string& str() const { return text_; }
  std::string_view hex() const { return std::string_view(text_).substr(7); }
  bool empty() const { return text_.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  std::string text_;
};

// Streaming SHA-256. Move-only; not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // Ends the stream; the object must not be updated afterwards.
  Digest Finish();

  static Digest Of(std::string_view data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string HexEncode(std::span<const uint8_t> bytes);

}  // namespace customs
