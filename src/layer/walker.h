// The one walk over a layer: every entry is read once, whiteouts and the
// file list are recorded, and each regular file is handed to the analyzers
// that want it. The result depends only on the layer's bytes and the
// analyzers, so it can be cached by diff_id plus analyzer versions.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/limits.h"
#include "base/stream.h"
#include "layer/analyzer.h"
#include "layer/tar_reader.h"

namespace customs::layer {

// A source of filesystem entries: a layer tarball or a directory.
class EntryReader {
 public:
  virtual ~EntryReader() = default;
  // Next entry with a normalised path; false at the end.
  virtual Result<bool> Next(FileInfo& info) = 0;
  // Content of the current regular file; 0 at its end.
  virtual Result<size_t> ReadContent(std::span<uint8_t> out) = 0;
  // Called after the last entry: reads whatever trails (tar padding) so that
  // digests over the stream cover every byte.
  virtual Status Finish() { return Status::Ok(); }
};

// Entries of a tar stream, with names normalised (an absolute name or one
// that climbs out of the root is an error naming the entry).
class TarEntryReader : public EntryReader {
 public:
  TarEntryReader(ByteStream& in, const Limits& limits, std::string what)
      : tar_(in, limits, what), what_(std::move(what)) {}
  Result<bool> Next(FileInfo& info) override;
  Result<size_t> ReadContent(std::span<uint8_t> out) override { return tar_.ReadContent(out); }
  Status Finish() override { return tar_.Drain(); }

 private:
  TarReader tar_;
  std::string what_;
};

// Entries of a directory tree on the host (rootfs: sources). Symlinks are
// reported as links, never followed; other file systems are not crossed.
class DirectoryEntryReader : public EntryReader {
  struct State;

 public:
  static Result<std::unique_ptr<DirectoryEntryReader>> Open(const std::string& root,
                                                            const Limits& limits);
  ~DirectoryEntryReader() override;
  Result<bool> Next(FileInfo& info) override;
  Result<size_t> ReadContent(std::span<uint8_t> out) override;

  explicit DirectoryEntryReader(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

// Threads that run content detectors for the walks of one scan: layers
// walked side by side share them, so that the cores stay busy while one
// large layer is the last walk left. Tasks queued when it is destroyed
// still run.
class ContentPool {
 public:
  explicit ContentPool(unsigned threads);
  ~ContentPool();
  ContentPool(const ContentPool&) = delete;
  ContentPool& operator=(const ContentPool&) = delete;
  void Run(std::function<void()> task);

 private:
  void Work();
  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

struct LayerResult {
  std::vector<FileInfo> files;           // every entry but whiteouts, in order
  std::vector<std::string> whiteouts;    // paths this layer deletes below it
  std::vector<std::string> opaque_dirs;  // dirs whose lower content it hides
  Findings findings;
  uint64_t entries = 0;
};

// Walks every entry once and runs the analyzers. Fails on broken archives
// (truncated, corrupt, unsafe names); a file an analyzer cannot parse is only
// a diagnostic. `layer_id` (the diff_id) is written into diagnostics.
// With a `content_pool`, the content detectors run on its threads while the
// walk reads on; the result is the same.
Result<LayerResult> WalkLayer(EntryReader& entries, const std::vector<const Analyzer*>& analyzers,
                              const std::string& layer_id, ContentPool* content_pool = nullptr);

}  // namespace customs::layer
