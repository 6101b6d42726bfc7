#include "base/stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace customs {

Result<std::shared_ptr<OpenFile>> OpenFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string msg = "cannot open " + path + ": " + std::strerror(errno);
    if (errno == ENOENT) return NotFound(msg);
    if (errno == EACCES) return PermissionDenied(msg);
    return InvalidArgument(msg);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + " is not a regular file");
  }
  return std::make_shared<OpenFile>(Key{}, fd, path, static_cast<uint64_t>(st.st_size));
}

OpenFile::~OpenFile() { ::close(fd_); }

Result<size_t> OpenFile::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  while (true) {
    ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR)
      return DataLoss("read " + path_ + " at offset " + std::to_string(offset) + ": " +
                      std::strerror(errno));
  }
}

Status ByteStream::Skip(uint64_t n) {
  if (Viewable()) {
    while (n > 0) {
      CUSTOMS_ASSIGN_OR_RETURN(auto view,
                               View(static_cast<size_t>(std::min<uint64_t>(n, 1 << 20))));
      if (view.empty())
        return DataLoss("truncated: stream ended " + std::to_string(n) + " bytes early");
      n -= view.size();
    }
    return Status::Ok();
  }
  uint8_t buf[65536];
  while (n > 0) {
    CUSTOMS_ASSIGN_OR_RETURN(size_t got,
                             Read(std::span<uint8_t>(buf, std::min<uint64_t>(n, sizeof(buf)))));
    if (got == 0) return DataLoss("truncated: stream ended " + std::to_string(n) + " bytes early");
    n -= got;
  }
  return Status::Ok();
}

Result<std::span<const uint8_t>> ByteStream::View(size_t) {
  return Unimplemented("this stream cannot be viewed; read it");
}

Status FileRangeStream::Skip(uint64_t n) {
  if (n > end_ - pos_ || pos_ + n > file_->size())
    return DataLoss(file_->path() + " is truncated: cannot skip " + std::to_string(n) +
                    " bytes at offset " + std::to_string(pos_));
  pos_ += n;
  return Status::Ok();
}

Result<size_t> FileRangeStream::Read(std::span<uint8_t> out) {
  if (pos_ >= end_ || out.empty()) return size_t{0};
  uint64_t want = std::min<uint64_t>(out.size(), end_ - pos_);
  CUSTOMS_ASSIGN_OR_RETURN(size_t n, file_->ReadAt(pos_, out.first(want)));
  if (n == 0)
    return DataLoss(file_->path() + " is truncated: " + std::to_string(end_ - pos_) +
                    " bytes missing at offset " + std::to_string(pos_));
  pos_ += n;
  return n;
}

Result<size_t> MemoryStream::Read(std::span<uint8_t> out) {
  size_t n = std::min(out.size(), data_.size() - pos_);
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status HashingStream::Take(std::span<const uint8_t> bytes) {
  if (!bytes.empty()) {
    hash_.Update(bytes);
    bytes_ += bytes.size();
    return Status::Ok();
  }
  done_ = true;
  actual_ = hash_.Finish();
  return CheckDigest(expected_, actual_, what_);
}

Status CheckDigest(const Digest& expected, const Digest& actual, const std::string& what) {
  if (expected.empty() || actual == expected) return Status::Ok();
  return DataLoss(what + ": digest mismatch: expected " + expected.str() + ", got " + actual.str());
}

Result<size_t> HashingStream::Read(std::span<uint8_t> out) {
  if (done_) return size_t{0};
  CUSTOMS_ASSIGN_OR_RETURN(size_t n, inner_->Read(out));
  CUSTOMS_TRY(Take(out.first(n)));
  return n;
}

Result<std::span<const uint8_t>> HashingStream::View(size_t max) {
  if (done_) return std::span<const uint8_t>();
  CUSTOMS_ASSIGN_OR_RETURN(auto view, inner_->View(max));
  CUSTOMS_TRY(Take(view));
  return view;
}

Result<std::string> ReadAll(ByteStream& in, size_t max_bytes, std::string_view what) {
  std::string out;
  char buf[65536];
  while (true) {
    CUSTOMS_ASSIGN_OR_RETURN(
        size_t n, in.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf), sizeof(buf))));
    if (n == 0) return out;
    if (out.size() + n > max_bytes)
      return ResourceExhausted(std::string(what) + ": larger than the limit of " +
                               std::to_string(max_bytes) + " bytes");
    out.append(buf, n);
  }
}

}  // namespace customs
