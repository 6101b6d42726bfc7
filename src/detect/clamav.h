// ClamAV signature databases (--clamav-db) through libclamav: the user's
// official databases (main/daily/bytecode .cvd/.cld, signature-verified by
// libclamav) or their own (.hdb/.hsb/.mdb hashes, .ndb/.ldb body and logical
// signatures, .yar, ... whatever cl_load accepts with CL_DB_STDOPT; PUA
// signatures and unsigned bytecode are not loaded).
//
//   auto engine = ClamAvEngine::Load("/var/lib/clamav");
//   if (!engine.ok()) return engine.status();
//   ClamAvScanner scanner(*engine);  // a content detector for the layer walk
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"

struct cl_engine;

namespace customs::detect {

// What libclamav may do with one scanned file (the member files it unpacks
// included). Beyond a limit it stops quietly: the rest is not scanned, and
// no error is reported (heuristic alerts are off).
// The largest file, or unpacked member, scanned at all: as the YARA
// scanner's archive members (yara_rules.h kMaxArchiveMemberBytes).
inline constexpr uint64_t kClamAvMaxFileBytes = 64ull << 20;
// All the data scanned for one file, unpacked members included: as one
// archive of the YARA scanner (kMaxArchiveTotalBytes).
inline constexpr uint64_t kClamAvMaxScanBytes = 256ull << 20;
// Nesting of containers: ClamAV counts every unpack and normalisation step
// (gzip in tar in zip, a script inside HTML), so it needs more than our own
// archive depth; 16 is just under libclamav's default of 17.
inline constexpr uint32_t kClamAvMaxRecursion = 16;
// Members of one file: zip bombs with millions of entries end here.
inline constexpr uint32_t kClamAvMaxFiles = 10'000;
// Wall-clock time for one file, in milliseconds: as the YARA scanner's
// timeout, so a pathological file cannot stall a layer.
inline constexpr uint32_t kClamAvMaxScanMillis = 60'000;

// A compiled ClamAV engine. Immutable once loaded and thread-safe: libclamav
// engines may be shared by scanning threads once compiled (every option is
// set before cl_engine_compile). libclamav's own log messages are routed to
// customs (errors end up in the Status of Load or Scan), not to stderr.
class ClamAvEngine {
 public:
  // Loads the databases at `path` (a directory of them, or one file) and
  // compiles them. NotFound when `path` does not exist; InvalidArgument with
  // the path, libclamav's error (cl_strerror) and its first two error
  // messages (the line, then the file: "Malformed database: Problem parsing
  // database at line 2; Can't load <dir>/x.ndb: Malformed database") when
  // they do not load or compile, or hold no signature; Internal when
  // libclamav cannot be initialised.
  static Result<std::shared_ptr<const ClamAvEngine>> Load(const std::string& path);
  ~ClamAvEngine();
  ClamAvEngine(const ClamAvEngine&) = delete;
  ClamAvEngine& operator=(const ClamAvEngine&) = delete;

  // How many signatures cl_load reported.
  unsigned signatures() const { return signatures_; }
  const std::string& path() const { return path_; }
  // libclamav's version, e.g. "1.4.3".
  std::string_view version() const;
  // "sha256:..." over libclamav's version, the database version and the
  // names, sizes and modification times of the database files: part of the
  // layer cache key, so updated databases rescan.
  const std::string& Digest() const { return digest_; }

  // Scans one in-memory file, `name` its path (ClamAV uses it in its
  // file-type logic). Archives and documents are unpacked as ClamAV knows
  // how (within the limits above); heuristic alerts are off. Returns the
  // names of every signature that matched, each once, in the order ClamAV
  // reported them; empty when clean. A libclamav error (out of memory, a
  // temporary file it could not write) is ResourceExhausted / Internal with
  // its message, unless signatures had matched already: those are returned.
  // Thread-safe.
  Result<std::vector<std::string>> Scan(std::span<const uint8_t> data,
                                        const std::string& name) const;

 private:
  // Only Load makes one (a passkey: make_shared needs a public constructor).
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit ClamAvEngine(Key) {}

 private:
  cl_engine* engine_ = nullptr;  // owned, freed by the destructor
  std::string tmpdir_;           // private, removed by the destructor
  std::string path_;
  std::string digest_;
  unsigned signatures_ = 0;
};

// A content detector (layer::Analyzer with ScansContent) over an engine:
// reports each signature that matches a file once, as category "malware",
// rule_id "clamav:<signature>", critical, malicious, high confidence.
// A file no larger than layer::kContentWindowBytes is scanned whole. A
// larger one is scanned window by window, each window as if it were a file
// of its own: body signatures still match (windows overlap), but whole-file
// hash signatures (.hdb, .hsb) and ClamAV's format parsing of the file
// cannot apply to it.
class ClamAvScanner : public layer::Analyzer {
 public:
  explicit ClamAvScanner(std::shared_ptr<const ClamAvEngine> engine);
  // "detect/clamav:<12 hex of the engine's Digest>".
  std::string_view Name() const override { return name_; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo&) const override { return false; }
  Status Analyze(const layer::File&, layer::Findings&) const override { return Status::Ok(); }
  bool ScansContent() const override { return true; }
  Status ScanWindow(const layer::FileInfo& info, std::span<const uint8_t> window, uint64_t offset,
                    bool last, layer::Findings& out) const override;

 private:
  std::shared_ptr<const ClamAvEngine> engine_;
  std::string name_;
};

}  // namespace customs::detect
