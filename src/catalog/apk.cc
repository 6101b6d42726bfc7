#include "catalog/apk.h"

#include <optional>
#include <string>
#include <utility>

#include "base/strings.h"
#include "catalog/db_diagnostic.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kLibApkInstalled = "lib/apk/db/installed";
constexpr std::string_view kUsrLibApkInstalled = "usr/lib/apk/db/installed";

// A name, version or architecture: one word of printable characters.
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

std::string_view StripSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

struct Record {
  size_t first_line = 0;
  size_t lines = 0;
  std::optional<std::string_view> name, version;
  std::string_view arch, origin, license, maintainer;
  std::string_view dir;  // the last F line, "" for the root
  std::vector<std::string> files;
  std::string error;  // first reason the record is unreadable
  void Fail(std::string reason) {
    if (error.empty()) error = std::move(reason);
  }
};

class InstalledParser {
 public:
  InstalledParser(std::string_view db_path, const ApkLimits& limits)
      : db_path_(db_path), limits_(limits) {}

  ApkInstalled Parse(std::string_view text) {
    LineCursor lines(text);
    std::string_view line;
    while (lines.Next(line)) {
      const size_t number = lines.number();
      if (Trim(line).empty()) {
        if (!Finish()) return std::move(out_);
        continue;
      }
      if (!record_) {
        record_.emplace();
        record_->first_line = number;
      }
      Line(*record_, line, number);
    }
    Finish();
    return std::move(out_);
  }

 private:
  void Line(Record& r, std::string_view line, size_t number) {
    if (!r.error.empty()) return;
    if (++r.lines > limits_.max_record_lines) {
      r.Fail("more than " + std::to_string(limits_.max_record_lines) + " lines in one record");
      return;
    }
    if (line.size() > limits_.max_line_bytes) {
      r.Fail("line " + std::to_string(number) + " is longer than " +
             std::to_string(limits_.max_line_bytes) + " bytes");
      return;
    }
    if (line.size() < 2 || line[1] != ':') {
      r.Fail("line " + std::to_string(number) + ": expected \"X:value\", got \"" +
             Printable(line, 60) + "\"");
      return;
    }
    std::string_view value = line.substr(2);
    switch (line[0]) {
      case 'P':
      case 'V': {
        auto& slot = line[0] == 'P' ? r.name : r.version;
        if (slot) {
          r.Fail("line " + std::to_string(number) + ": second " + std::string(1, line[0]) +
                 " line in one record");
          return;
        }
        slot = value;
        break;
      }
      case 'A':
        r.arch = value;
        break;
      case 'o':
        r.origin = value;
        break;
      case 'L':
        r.license = value;
        break;
      case 'm':
        r.maintainer = value;
        break;
      case 'F':
        r.dir = StripSlashes(value);
        break;
      case 'R':
        AddFile(r, value, number);
        break;
      default:
        break;  // checksums, sizes, dependencies, ...
    }
  }

  void AddFile(Record& r, std::string_view name, size_t number) {
    name = StripSlashes(name);
    if (name.empty()) return;
    size_t size = r.dir.empty() ? name.size() : r.dir.size() + 1 + name.size();
    if (size > kMaxPathBytes) {
      r.Fail("line " + std::to_string(number) + ": path longer than kMaxPathBytes (" +
             std::to_string(kMaxPathBytes) + ")");
      return;
    }
    if (size > limits_.max_file_list_bytes - file_bytes_) {
      if (!files_exhausted_) {
        files_exhausted_ = true;
        Diagnose(model::DiagnosticSeverity::kWarning,
                 "line " + std::to_string(number) + ": more than " +
                     std::to_string(limits_.max_file_list_bytes) +
                     " bytes of file paths (kMaxApkFileListBytes); later files are not recorded");
      }
      return;
    }
    file_bytes_ += size;
    std::string path;
    path.reserve(size);
    if (!r.dir.empty()) {
      path.append(r.dir);
      path.push_back('/');
    }
    path.append(name);
    r.files.push_back(std::move(path));
  }

  void Diagnose(model::DiagnosticSeverity severity, std::string message) {
    AddDbDiagnostic(out_.diagnostics, limits_.max_diagnostics, db_path_, severity,
                    std::move(message));
  }

  // Ends the current record, if any. False when the record limit is hit and
  // parsing must stop.
  bool Finish() {
    if (!record_) return true;
    Record r = std::move(*record_);
    record_.reset();
    if (++records_ > limits_.max_records) {
      Diagnose(model::DiagnosticSeverity::kError,
               "more than " + std::to_string(limits_.max_records) +
                   " records (kMaxPackagesPerDb); the rest of the file is ignored");
      return false;
    }
    std::string where = "record at line " + std::to_string(r.first_line);
    if (!r.error.empty()) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": " + r.error + "; skipped");
      return true;
    }
    if (!r.name || !IsWord(*r.name)) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": no valid P: line; skipped");
      return true;
    }
    if (!r.version || !IsWord(*r.version)) {
      Diagnose(model::DiagnosticSeverity::kWarning,
               where + ": package " + Printable(*r.name, 100) + " has no valid V: line; skipped");
      return true;
    }
    model::Package p;
    p.type = "apk";
    p.name = std::string(*r.name);
    p.version = std::string(*r.version);
    if (IsWord(r.arch)) p.arch = std::string(r.arch);
    p.source_name = IsWord(r.origin) ? std::string(r.origin) : p.name;
    p.source_version = p.version;
    std::string_view license = Trim(r.license);
    if (!license.empty() && !ContainsControlChars(license)) p.licenses.emplace_back(license);
    if (!ContainsControlChars(r.maintainer)) p.maintainer = std::string(Trim(r.maintainer));
    p.db_path = std::string(db_path_);
    p.files = std::move(r.files);
    out_.packages.push_back(std::move(p));
    return true;
  }

  std::string_view db_path_;
  const ApkLimits& limits_;
  std::optional<Record> record_;
  size_t records_ = 0;
  size_t file_bytes_ = 0;
  bool files_exhausted_ = false;
  ApkInstalled out_;
};

}  // namespace

ApkInstalled ParseApkInstalled(std::string_view text, std::string_view db_path,
                               const ApkLimits& limits) {
  return InstalledParser(db_path, limits).Parse(text);
}

bool ApkCataloger::Wants(const layer::FileInfo& info) const {
  return info.type == layer::FileType::kRegular &&
         (info.path == kLibApkInstalled || info.path == kUsrLibApkInstalled);
}

Status ApkCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  ApkInstalled db = ParseApkInstalled(file.text(), file.info.path);
  for (auto& p : db.packages) out.packages.push_back(std::move(p));
  for (auto& d : db.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
