// Builds tar archives (and gzip/zstd-compressed ones) in memory for tests,
// including malformed ones, so the tests do not depend on a tar binary.
#pragma once

#include <cstdint>
#include <string>

namespace customs::testing {

class TarBuilder {
 public:
  // typeflag: '0' file, '1' hardlink, '2' symlink, '3' char device,
  // '4' block device, '5' dir, '6' FIFO.
  TarBuilder& Add(const std::string& name, const std::string& content = "", char typeflag = '0',
                  const std::string& link = "", uint32_t mode = 0644, uint32_t uid = 0,
                  uint32_t gid = 0);
  TarBuilder& File(const std::string& name, const std::string& content, uint32_t mode = 0644) {
    return Add(name, content, '0', "", mode);
  }
  TarBuilder& Dir(const std::string& name) { return Add(name, "", '5', "", 0755); }
  TarBuilder& Symlink(const std::string& name, const std::string& target) {
    return Add(name, "", '2', target, 0777);
  }
  TarBuilder& Hardlink(const std::string& name, const std::string& target) {
    return Add(name, "", '1', target);
  }
  TarBuilder& Fifo(const std::string& name, uint32_t mode = 0644) {
    return Add(name, "", '6', "", mode);
  }
  TarBuilder& CharDevice(const std::string& name) { return Add(name, "", '3', "", 0666); }
  // Adds raw bytes (for corrupt headers).
  TarBuilder& Raw(const std::string& bytes) {
    data_ += bytes;
    return *this;
  }
  // The archive with its two end blocks.
  std::string Build() const { return data_ + std::string(1024, '\0'); }
  std::string BuildWithoutEnd() const { return data_; }

 private:
  std::string Header(const std::string& name, uint64_t size, char typeflag, const std::string& link,
                     uint32_t mode, uint32_t uid = 0, uint32_t gid = 0) const;
  std::string data_;
};

std::string Gzip(const std::string& data);
std::string Zstd(const std::string& data);

}  // namespace customs::testing
