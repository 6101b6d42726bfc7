#include "detect/clamav.h"

#include <clamav.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <vector>

#include "base/digest.h"
#include "base/file.h"
#include "detect/windows.h"

namespace customs::detect {
namespace {

// libclamav's log messages, kept for the Status of the call that caused
// them: Load and Scan point this at their own collector while they call
// libclamav on this thread; outside of them messages are dropped (they
// would otherwise be printed to stderr, in the middle of customs' output).
struct ClamAvMessages {
  // The first two errors: for a bad database, where ("Problem parsing
  // database at line 3") and which file ("Can't load x.ndb: Malformed
  // database").
  std::vector<std::string> errors;
  std::string first_warning;
};
constexpr size_t kMaxKeptErrors = 2;
thread_local ClamAvMessages* current_messages = nullptr;

void OnClamAvMessage(enum cl_msg severity, const char* /*fullmsg*/, const char* msg,
                     void* /*context*/) {
  if (current_messages == nullptr || msg == nullptr) return;
  std::string text(msg);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() > 512) text = text.substr(0, 512) + "...";
  if (severity == CL_MSG_ERROR) {
    if (current_messages->errors.size() < kMaxKeptErrors)
      current_messages->errors.push_back(std::move(text));
  } else if (severity == CL_MSG_WARN && current_messages->first_warning.empty())
    current_messages->first_warning = std::move(text);
}

// Points current_messages at `messages` for its lifetime.
class MessageCapture {
 public:
  explicit MessageCapture(ClamAvMessages& messages) : previous_(current_messages) {
    current_messages = &messages;
  }
  ~MessageCapture() { current_messages = previous_; }
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;

 private:
  ClamAvMessages* previous_;
};

// cl_init once per process (it sets up libclamav's crypto and globals); the
// message callback is installed first, as libclamav asks, before any thread
// scans.
cl_error_t InitializeClamAv() {
  static std::once_flag once;
  static cl_error_t rc = CL_SUCCESS;
  std::call_once(once, [] {
    cl_set_clcb_msg(OnClamAvMessage);
    rc = cl_init(CL_INIT_DEFAULT);
  });
  return rc;
}

// "<cl_strerror>: <libclamav's first error messages>" (or its first
// warning, or nothing).
std::string Describe(cl_error_t rc, const ClamAvMessages& messages) {
  std::string out = cl_strerror(rc);
  std::string detail;
  for (const std::string& e : messages.errors) detail += (detail.empty() ? "" : "; ") + e;
  if (detail.empty()) detail = messages.first_warning;
  if (!detail.empty()) out += ": " + detail;
  return out;
}

// Feeds the names, sizes and modification times of the database files at
// `path` (one file, or the files of one directory: cl_load does not descend)
// into `digest`, sorted by name.
void DigestDatabaseFiles(const std::string& path, Sha256& digest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      files.push_back(it->path());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const fs::path& file : files) {
    std::error_code size_ec, time_ec;
    uintmax_t size = fs::file_size(file, size_ec);
    auto mtime = fs::last_write_time(file, time_ec);
    digest.Update(file.filename().string());
    digest.Update(std::string_view("\0", 1));
    digest.Update(size_ec ? std::string("-") : std::to_string(size));
    digest.Update(std::string_view("\0", 1));
    digest.Update(time_ec ? std::string("-")
                          : std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               mtime.time_since_epoch())
                                               .count()));
    digest.Update(std::string_view("\0", 1));
  }
}

// What one scan collects; the virus-found callback's context.
struct ScanContext {
  std::vector<std::string> names;
  void Add(const char* name) {
    if (name == nullptr || *name == '\0') return;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
};

// Called for every signature that matches (all-match mode), from the
// scanning thread, with the context given to cl_scanmap_callback.
void OnVirusFound(int /*fd*/, const char* virname, void* context) {
  if (context != nullptr) static_cast<ScanContext*>(context)->Add(virname);
}

}  // namespace

ClamAvEngine::~ClamAvEngine() {
  if (engine_ != nullptr) cl_engine_free(engine_);
  if (!tmpdir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(tmpdir_, ec);
  }
}

std::string_view ClamAvEngine::version() const { return cl_retver(); }

Result<std::shared_ptr<const ClamAvEngine>> ClamAvEngine::Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) || ec)
    return NotFound("ClamAV database " + path + " does not exist");
  if (cl_error_t rc = InitializeClamAv(); rc != CL_SUCCESS)
    return Internal(std::string("cannot initialise libclamav: ") + cl_strerror(rc));

  auto out = std::make_shared<ClamAvEngine>(Key{});
  out->path_ = path;
  out->engine_ = cl_engine_new();
  if (out->engine_ == nullptr) return ResourceExhausted("cannot create a ClamAV engine");
  cl_engine* engine = out->engine_;

  // libclamav writes the members it unpacks to temporary files: into a
  // directory of our own, removed with the engine (KEEPTMP stays off, so
  // it also deletes each file after use).
  std::error_code tmp_ec;
  std::string tmp = std::filesystem::temp_directory_path(tmp_ec).string();
  if (tmp_ec) tmp = "/tmp";
  auto made = MakeTempDirectory(tmp, "customs-clamav-");
  if (!made.ok())
    return Internal("cannot create a temporary directory in " + tmp + " for libclamav");
  out->tmpdir_ = *std::move(made);

  ClamAvMessages messages;
  MessageCapture capture(messages);
  auto set_num = [&](cl_engine_field field, long long value) {
    return cl_engine_set_num(engine, field, value) == CL_SUCCESS;
  };
  // The limits of one scanned file (see clamav.h for their reasons).
  if (cl_engine_set_str(engine, CL_ENGINE_TMPDIR, out->tmpdir_.c_str()) != CL_SUCCESS ||
      !set_num(CL_ENGINE_KEEPTMP, 0) ||
      !set_num(CL_ENGINE_MAX_FILESIZE, static_cast<long long>(kClamAvMaxFileBytes)) ||
      !set_num(CL_ENGINE_MAX_SCANSIZE, static_cast<long long>(kClamAvMaxScanBytes)) ||
      !set_num(CL_ENGINE_MAX_RECURSION, kClamAvMaxRecursion) ||
      !set_num(CL_ENGINE_MAX_FILES, kClamAvMaxFiles) ||
      !set_num(CL_ENGINE_MAX_SCANTIME, kClamAvMaxScanMillis))
    return Internal("cannot set the ClamAV engine limits: " + Describe(CL_EARG, messages));
  // Set before compiling: an engine in use must not be changed.
  cl_engine_set_clcb_virus_found(engine, OnVirusFound);

  unsigned signatures = 0;
  // CL_DB_STDOPT: phishing signatures and signed bytecode; not PUA, not
  // unsigned bytecode (which could run arbitrary code).
  if (cl_error_t rc = cl_load(path.c_str(), engine, &signatures, CL_DB_STDOPT); rc != CL_SUCCESS)
    return InvalidArgument("ClamAV database " + path + ": " + Describe(rc, messages));
  if (signatures == 0) return InvalidArgument("ClamAV database " + path + " holds no signatures");
  if (cl_error_t rc = cl_engine_compile(engine); rc != CL_SUCCESS)
    return InvalidArgument("ClamAV database " + path +
                           ": cannot compile: " + Describe(rc, messages));
  out->signatures_ = signatures;

  int err = 0;
  long long db_version = cl_engine_get_num(engine, CL_ENGINE_DB_VERSION, &err);
  Sha256 digest;
  digest.Update(std::string("clamav ") + cl_retver() + " db " +
                std::to_string(err == 0 ? db_version : -1) + " sigs " + std::to_string(signatures));
  digest.Update(std::string_view("\0", 1));
  DigestDatabaseFiles(path, digest);
  out->digest_ = digest.Finish().str();
  return std::shared_ptr<const ClamAvEngine>(std::move(out));
}

Result<std::vector<std::string>> ClamAvEngine::Scan(std::span<const uint8_t> data,
                                                    const std::string& name) const {
  // An empty file has nothing to match (and an empty map cannot be opened).
  if (data.empty()) return std::vector<std::string>{};
  cl_fmap_t* map = cl_fmap_open_memory(data.data(), data.size());
  if (map == nullptr) return ResourceExhausted("ClamAV scan of " + name + ": cannot map the data");
  std::unique_ptr<cl_fmap_t, void (*)(cl_fmap_t*)> guard(map, cl_fmap_close);

  struct cl_scan_options options = {};
  options.general = CL_SCAN_GENERAL_ALLMATCHES;  // every signature, not the first only
  options.parse = ~0u;                           // unpack every format ClamAV knows
  options.heuristic = 0;                         // no heuristic alerts
  options.mail = 0;
  options.dev = 0;

  ScanContext context;
  ClamAvMessages messages;
  MessageCapture capture(messages);
  const char* virname = nullptr;
  unsigned long scanned = 0;
  cl_error_t rc =
      cl_scanmap_callback(map, name.c_str(), &virname, &scanned, engine_, &options, &context);
  if (rc == CL_VIRUS) context.Add(virname);
  if (rc == CL_CLEAN || rc == CL_VIRUS || !context.names.empty()) return std::move(context.names);
  std::string message = "ClamAV scan of " + name + ": " + Describe(rc, messages);
  if (rc == CL_EMEM || rc == CL_ETIMEOUT || rc == CL_EMAXSIZE || rc == CL_EMAXFILES ||
      rc == CL_EMAXREC)
    return ResourceExhausted(std::move(message));
  return Internal(std::move(message));
}

ClamAvScanner::ClamAvScanner(std::shared_ptr<const ClamAvEngine> engine)
    : engine_(std::move(engine)), name_("detect/clamav:" + engine_->Digest().substr(7, 12)) {}

Status ClamAvScanner::ScanWindow(const layer::FileInfo& info, std::span<const uint8_t> window,
                                 uint64_t offset, bool last, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<std::string> names, engine_->Scan(window, info.path));
  if (names.empty()) return Status::Ok();
  std::string digest = WholeFileDigest(window, offset, last);
  return ScanWindowOnce(info.path, offset, out.detections, [&](auto& detections) {
    for (const std::string& name : names) {
      model::Detection d = model::MakeDetection(
          model::kCategoryMalware, "clamav:" + name, model::Severity::kCritical,
          model::Disposition::kMalicious, model::Confidence::kHigh, "ClamAV signature " + name,
          "ClamAV " + std::string(engine_->version()) + " signature " + name + " (" +
              std::to_string(engine_->signatures()) + " signatures loaded from " + engine_->path() +
              ")");
      d.path = info.path;
      d.sha256 = digest;
      detections.push_back(std::move(d));
    }
    return Status::Ok();
  });
}

}  // namespace customs::detect
