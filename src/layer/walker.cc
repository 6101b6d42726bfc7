#include "layer/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "base/strings.h"
#include "layer/path.h"

namespace customs::layer {

Result<bool> TarEntryReader::Next(FileInfo& info) {
  TarEntry e;
  CUSTOMS_ASSIGN_OR_RETURN(bool more, tar_.Next(e));
  if (!more) return false;
  std::string at = what_ + ": entry at offset " + std::to_string(e.header_offset);
  CUSTOMS_ASSIGN_OR_RETURN(info.path, NormalizeMemberName(e.name), at);
  info.type = e.type;
  info.size = e.type == FileType::kRegular ? e.size : 0;
  info.mode = e.mode;
  info.uid = e.uid;
  info.gid = e.gid;
  info.link_target.clear();
  info.typeflag = e.type == FileType::kOther ? e.typeflag : 0;
  if (e.type == FileType::kSymlink) {
    info.link_target = e.link_name;
  } else if (e.type == FileType::kHardlink) {
    // Hardlink targets name another member; the same safety rules apply.
    CUSTOMS_ASSIGN_OR_RETURN(info.link_target, NormalizeMemberName(e.link_name),
                             at + " (hardlink target)");
  }
  return true;
}

struct DirectoryEntryReader::State {
  struct Dir {
    DIR* dir;
    std::string rel;  // relative path of this directory ("" for the root)
  };
  std::string root;
  dev_t root_dev = 0;
  std::vector<Dir> stack;
  int current_fd = -1;
  std::string current_path;
  uint64_t entries = 0;
  Limits limits;
  ~State() {
    for (auto& d : stack) ::closedir(d.dir);
    if (current_fd >= 0) ::close(current_fd);
  }
};

DirectoryEntryReader::DirectoryEntryReader(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
DirectoryEntryReader::~DirectoryEntryReader() = default;

Result<std::unique_ptr<DirectoryEntryReader>> DirectoryEntryReader::Open(const std::string& root,
                                                                         const Limits& limits) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0)
    return NotFound("cannot open rootfs " + root + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return InvalidArgument("rootfs " + root + " is not a directory");
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr)
    return PermissionDenied("cannot read rootfs " + root + ": " + std::strerror(errno));
  auto state = std::make_unique<State>();
  state->root = root;
  state->root_dev = st.st_dev;
  state->limits = limits;
  state->stack.push_back({d, ""});
  return std::make_unique<DirectoryEntryReader>(std::move(state));
}

Result<bool> DirectoryEntryReader::Next(FileInfo& info) {
  State& s = *state_;
  if (s.current_fd >= 0) {
    ::close(s.current_fd);
    s.current_fd = -1;
  }
  while (!s.stack.empty()) {
    State::Dir& top = s.stack.back();
    errno = 0;
    struct dirent* de = ::readdir(top.dir);
    if (de == nullptr) {
      ::closedir(top.dir);
      s.stack.pop_back();
      continue;
    }
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    if (++s.entries > s.limits.max_layer_entries)
      return ResourceExhausted("rootfs " + s.root + ": more than " +
                               std::to_string(s.limits.max_layer_entries) + " files");
    std::string rel = top.rel.empty() ? std::string(name) : top.rel + "/" + std::string(name);
    if (rel.size() > kMaxPathBytes) continue;
    std::string full = s.root + "/" + rel;
    struct stat st {};
    if (::fstatat(dirfd(top.dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    info = FileInfo();
    info.path = rel;
    info.mode = st.st_mode & 07777;
    info.uid = st.st_uid;
    info.gid = st.st_gid;
    if (S_ISREG(st.st_mode)) {
      info.type = FileType::kRegular;
      info.size = static_cast<uint64_t>(st.st_size);
      s.current_path = full;
    } else if (S_ISDIR(st.st_mode)) {
      info.type = FileType::kDirectory;
      if (st.st_dev == s.root_dev && s.stack.size() < kMaxPathDepth) {
        int fd =
            ::openat(dirfd(top.dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
          DIR* child = ::fdopendir(fd);
          if (child != nullptr)
            s.stack.push_back({child, rel});
          else
            ::close(fd);
        }
      }
    } else if (S_ISLNK(st.st_mode)) {
      info.type = FileType::kSymlink;
      std::string target(4096, '\0');
      ssize_t n = ::readlinkat(dirfd(top.dir), de->d_name, target.data(), target.size());
      target.resize(n > 0 ? static_cast<size_t>(n) : 0);
      info.link_target = target;
    } else {
      info.type = FileType::kOther;
    }
    return true;
  }
  return false;
}

Result<size_t> DirectoryEntryReader::ReadContent(std::span<uint8_t> out) {
  State& s = *state_;
  if (s.current_fd < 0) {
    s.current_fd = ::open(s.current_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (s.current_fd < 0)
      return PermissionDenied("cannot read " + s.current_path + ": " + std::strerror(errno));
  }
  while (true) {
    ssize_t n = ::read(s.current_fd, out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR)
      return DataLoss("cannot read " + s.current_path + ": " + std::strerror(errno));
  }
}

namespace {
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
}  // namespace

ContentPool::ContentPool(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

ContentPool::~ContentPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (auto& t : workers_) t.join();
}

void ContentPool::Run(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  work_.notify_one();
}

void ContentPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

namespace {

// Content detectors' view of one file: its bytes, window by window
// (analyzer.h: kContentWindowBytes, overlapping by kContentWindowOverlap).
// A detector that fails is a diagnostic and sees no more of the file.
class FileScan {
 public:
  FileScan(const FileInfo& info, const std::vector<const Analyzer*>& detectors,
           const std::string& layer_id, Findings& findings)
      : info_(info),
        detectors_(detectors),
        layer_id_(layer_id),
        findings_(findings),
        failed_(detectors.size(), false) {}

  void Window(std::span<const uint8_t> window, uint64_t offset, bool last) {
    for (size_t i = 0; i < detectors_.size(); ++i) {
      if (failed_[i]) continue;
      Status s = detectors_[i]->ScanWindow(info_, window, offset, last, findings_);
      if (s.ok()) continue;
      failed_[i] = true;
      findings_.diagnostics.push_back(
          {.severity = model::DiagnosticSeverity::kError,
           .code = "scan-failed",
           .layer = layer_id_,
           .path = info_.path,
           .message = std::string(detectors_[i]->Name()) + ": " + s.ToString()});
    }
  }

  // The whole file, already in memory.
  void Whole(std::span<const uint8_t> data) {
    constexpr uint64_t kStep = kContentWindowBytes - kContentWindowOverlap;
    for (uint64_t offset = 0;; offset += kStep) {
      size_t len =
          static_cast<size_t>(std::min<uint64_t>(kContentWindowBytes, data.size() - offset));
      bool last = offset + len >= data.size();
      Window(data.subspan(static_cast<size_t>(offset), len), offset, last);
      if (last) return;
    }
  }

  // The file read from `entries` into `buffer` one window at a time, so
  // that memory stays bounded.
  Status Streamed(EntryReader& entries, std::vector<uint8_t>& buffer) {
    buffer.resize(static_cast<size_t>(std::min<uint64_t>(kContentWindowBytes, info_.size)));
    uint64_t offset = 0;  // of buffer[0] in the file
    size_t kept = 0;      // bytes carried over from the previous window
    while (true) {
      size_t got = kept;
      while (got < buffer.size()) {
        CUSTOMS_ASSIGN_OR_RETURN(size_t n,
                                 entries.ReadContent(std::span<uint8_t>(buffer).subspan(got)));
        if (n == 0) break;
        got += n;
      }
      uint64_t end = offset + got;
      if (got < buffer.size() && end < info_.size)
        return DataLoss(layer_id_ + ": " + info_.path + " ends after " + std::to_string(end) +
                        " of " + std::to_string(info_.size) + " bytes");
      bool last = end >= info_.size;
      Window(std::span<const uint8_t>(buffer.data(), got), offset, last);
      if (last) return Status::Ok();
      std::copy(buffer.end() - static_cast<ptrdiff_t>(kContentWindowOverlap), buffer.end(),
                buffer.begin());
      kept = kContentWindowOverlap;
      offset = end - kContentWindowOverlap;
    }
  }

 private:
  const FileInfo& info_;
  const std::vector<const Analyzer*>& detectors_;
  const std::string& layer_id_;
  Findings& findings_;
  std::vector<bool> failed_;
};

// Reads the rest of the current file into `out` (its size: info.size).
Status ReadWhole(EntryReader& entries, const FileInfo& info, const std::string& layer_id,
                 std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(info.size));
  size_t got = 0;
  while (got < out.size()) {
    CUSTOMS_ASSIGN_OR_RETURN(size_t n, entries.ReadContent(std::span<uint8_t>(out).subspan(got)));
    if (n == 0) break;
    got += n;
  }
  if (got != out.size())
    return DataLoss(layer_id + ": " + info.path + " ends after " + std::to_string(got) + " of " +
                    std::to_string(out.size()) + " bytes");
  return Status::Ok();
}

// The content scanning of one walk. Files no larger than one window are
// handed over whole and scanned on the pool's threads while the walk reads
// on; larger ones are scanned window by window on the walk's thread. What
// each file yields is kept apart and appended in walk order at the end, so
// that the result is the same with or without a pool.
class ContentScans {
 public:
  // Bytes handed over and not yet scanned, at most (one file more when
  // nothing is pending).
  static constexpr size_t kMaxPendingBytes = size_t{8} << 20;
  // Buffers kept for reuse: a few, none larger than this.
  static constexpr size_t kMaxSpareBytes = size_t{1} << 20;
  static constexpr size_t kMaxSpareBuffers = 4;

  ContentScans(const std::vector<const Analyzer*>& detectors, const std::string& layer_id,
               ContentPool* pool)
      : detectors_(detectors), layer_id_(layer_id), pool_(pool) {}
  // Waits for the scans handed over (they refer to this object), also
  // when the walk ends early with an error.
  ~ContentScans() { Wait(); }
  ContentScans(const ContentScans&) = delete;
  ContentScans& operator=(const ContentScans&) = delete;

  // A buffer for the next whole file (one a finished scan left, if any).
  std::vector<uint8_t> Buffer() {
    std::lock_guard lock(mu_);
    if (spare_.empty()) return {};
    std::vector<uint8_t> b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }

  // Scans `data`, the whole content of `info`: on the pool; here without
  // one, or when it is larger than one window (an executable an analyzer
  // read whole), so that the walk does not read on while holding it.
  void Whole(const FileInfo& info, std::vector<uint8_t> data) {
    if (pool_ == nullptr || data.size() > kContentWindowBytes) {
      FileScan(info, detectors_, layer_id_, NewSlot()).Whole(data);
      return;
    }
    Findings* slot;
    {
      std::unique_lock lock(mu_);
      room_.wait(lock, [&] {
        return pending_bytes_ == 0 || pending_bytes_ + data.size() <= kMaxPendingBytes;
      });
      pending_bytes_ += data.size();
      slot = &slots_.emplace_back();
    }
    pool_->Run([this, info, data = std::move(data), slot]() mutable {
      FileScan(info, detectors_, layer_id_, *slot).Whole(data);
      std::lock_guard lock(mu_);
      pending_bytes_ -= data.size();
      if (spare_.size() < kMaxSpareBuffers && data.capacity() <= kMaxSpareBytes)
        spare_.push_back(std::move(data));
      room_.notify_all();
    });
  }

  // Scans the current file of `entries` window by window, here.
  Status Streamed(EntryReader& entries, const FileInfo& info, std::vector<uint8_t>& buffer) {
    return FileScan(info, detectors_, layer_id_, NewSlot()).Streamed(entries, buffer);
  }

  // Waits for the scans and appends every file's findings to `out`.
  void Finish(Findings& out) {
    Wait();
    for (auto& slot : slots_) {
      for (auto& d : slot.detections) out.detections.push_back(std::move(d));
      for (auto& d : slot.diagnostics) out.diagnostics.push_back(std::move(d));
    }
    slots_.clear();
  }

 private:
  Findings& NewSlot() {
    std::lock_guard lock(mu_);
    return slots_.emplace_back();
  }

  void Wait() {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return pending_bytes_ == 0; });
  }

  const std::vector<const Analyzer*>& detectors_;
  const std::string& layer_id_;
  ContentPool* pool_;
  std::mutex mu_;
  std::condition_variable room_;
  // One per file scanned, in walk order; a deque, so that a slot stays
  // where it is while more are added.
  std::deque<Findings> slots_;
  std::vector<std::vector<uint8_t>> spare_;
  size_t pending_bytes_ = 0;
};

}  // namespace

Result<LayerResult> WalkLayer(EntryReader& entries, const std::vector<const Analyzer*>& analyzers,
                              const std::string& layer_id, ContentPool* content_pool) {
  LayerResult result;
  FileInfo info;
  std::vector<const Analyzer*> whole_file, detectors, wanting;
  for (const Analyzer* a : analyzers) (a->ScansContent() ? detectors : whole_file).push_back(a);
  ContentScans scans(detectors, layer_id, content_pool);
  std::vector<uint8_t> content, window;
  while (true) {
    CUSTOMS_ASSIGN_OR_RETURN(bool more, entries.Next(info));
    if (!more) break;
    ++result.entries;
    if (info.path.empty()) continue;  // the root directory itself
    std::string_view base = BaseName(info.path);
    if (base.substr(0, kWhiteoutPrefix.size()) == kWhiteoutPrefix) {
      std::string parent(ParentDir(info.path));
      if (base == kOpaqueMarker) {
        result.opaque_dirs.push_back(parent);
      } else if (base.substr(0, 2 * kWhiteoutPrefix.size()) == ".wh..wh.") {
        // Other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): not files.
      } else if (base.size() == kWhiteoutPrefix.size()) {
        return InvalidArgument(layer_id + ": whiteout entry '" + info.path + "' names no file");
      } else {
        std::string victim(base.substr(kWhiteoutPrefix.size()));
        result.whiteouts.push_back(parent.empty() ? victim : parent + "/" + victim);
      }
      continue;
    }
    result.files.push_back(info);
    if (info.type != FileType::kRegular) continue;

    wanting.clear();
    for (const Analyzer* a : whole_file) {
      if (!a->Wants(info)) continue;
      if (info.size > a->MaxBytes()) {
        result.findings.diagnostics.push_back(
            {.severity = model::DiagnosticSeverity::kError,
             .code = "file-too-large",
             .layer = layer_id,
             .path = info.path,
             .message = std::string(a->Name()) + ": " + std::to_string(info.size) +
                        " bytes exceeds the limit of " + std::to_string(a->MaxBytes())});
        continue;
      }
      wanting.push_back(a);
    }
    if (wanting.empty()) {
      if (detectors.empty()) continue;
      if (info.size > kContentWindowBytes) {
        CUSTOMS_TRY(scans.Streamed(entries, info, window));
      } else if (info.size > 0) {
        std::vector<uint8_t> data = scans.Buffer();
        CUSTOMS_TRY(ReadWhole(entries, info, layer_id, data));
        scans.Whole(info, std::move(data));
      }
      continue;
    }
    CUSTOMS_TRY(ReadWhole(entries, info, layer_id, content));
    File file{info, std::span<const uint8_t>(content)};
    for (const Analyzer* a : wanting) {
      size_t first_diag = result.findings.diagnostics.size();
      Status s = a->Analyze(file, result.findings);
      if (!s.ok()) {
        result.findings.diagnostics.push_back(
            {.severity = model::DiagnosticSeverity::kError,
             .code = "bad-file",
             .layer = layer_id,
             .path = info.path,
             .message = std::string(a->Name()) + ": " + s.ToString()});
      }
      for (size_t i = first_diag; i < result.findings.diagnostics.size(); ++i) {
        auto& d = result.findings.diagnostics[i];
        if (d.layer.empty()) d.layer = layer_id;
        if (d.path.empty()) d.path = info.path;
      }
    }
    // The content goes to the scans whole; the next file gets a buffer of theirs.
    if (!detectors.empty() && !content.empty()) {
      scans.Whole(info, std::move(content));
      content = scans.Buffer();
    }
  }
  scans.Finish(result.findings);
  CUSTOMS_TRY(entries.Finish());
  return result;
}

}  // namespace customs::layer
