#include "catalog/dpkg.h"

#include <optional>
#include <string>
#include <utility>

#include "base/strings.h"
#include "catalog/db_diagnostic.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kStatusPath = "var/lib/dpkg/status";
constexpr std::string_view kStatusDDir = "var/lib/dpkg/status.d/";
constexpr std::string_view kInfoDir = "var/lib/dpkg/info/";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A name, version or architecture: one word of printable characters.
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

// Walks lines without copying; a final line without "\n" counts. Each call
// consumes at least one byte, so the walk always ends.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  bool Next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    line = text_.substr(pos_, nl - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = nl + 1;
    ++number_;
    return true;
  }
  size_t number() const { return number_; }  // of the last line returned, from 1

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t number_ = 0;
};

// The fields of one stanza that we keep, as views into the text.
struct Stanza {
  size_t first_line = 0;
  size_t lines = 0;
  std::optional<std::string_view> package, version, arch, source, maintainer, status;
  std::string error;  // first reason the stanza is unreadable, "" when fine
  void Fail(std::string reason) {
    if (error.empty()) error = std::move(reason);
  }
};

// "install ok installed" and "hold ok installed" are installed; everything
// else (deinstall, purge, config-files, half-installed, ...) is not.
bool IsInstalled(std::string_view status) {
  std::vector<std::string_view> words;
  for (std::string_view w : Split(Trim(status), ' '))
    if (!w.empty()) words.push_back(w);
  return words.size() == 3 && (words[0] == "install" || words[0] == "hold") && words[1] == "ok" &&
         words[2] == "installed";
}

class StatusParser {
 public:
  StatusParser(std::string_view db_path, DpkgStatusKind kind, const DpkgLimits& limits)
      : db_path_(db_path), kind_(kind), limits_(limits) {}

  DpkgStatus Parse(std::string_view text) {
    LineCursor cursor(text);
    std::string_view line;
    std::optional<std::string_view>* last_field = nullptr;
    bool in_field = false;
    while (cursor.Next(line)) {
      if (Trim(line).empty()) {
        if (!Finish()) return std::move(out_);
        in_field = false;
        last_field = nullptr;
        continue;
      }
      if (!stanza_) {
        stanza_.emplace();
        stanza_->first_line = cursor.number();
      }
      Stanza& s = *stanza_;
      if (++s.lines > limits_.max_stanza_lines) {
        s.Fail("more than " + std::to_string(limits_.max_stanza_lines) + " lines in one stanza");
        continue;
      }
      if (line.size() > limits_.max_line_bytes) {
        s.Fail("line " + std::to_string(cursor.number()) + " is longer than " +
               std::to_string(limits_.max_line_bytes) + " bytes");
        continue;
      }
      if (line.front() == ' ' || line.front() == '\t') {
        // Continuation of a multi-line field (Description, Conffiles). The
        // fields we keep are single-line, so the text itself is not needed;
        // a Package, Version, Status, Source or Architecture that goes on
        // is not one we can read the way dpkg does.
        if (!in_field) {
          s.Fail("line " + std::to_string(cursor.number()) +
                 ": continuation line before any field");
        } else if (last_field != nullptr && last_field != &s.maintainer) {
          s.Fail("line " + std::to_string(cursor.number()) + ": field " +
                 std::string(FieldName(last_field)) + " continues on another line");
        }
        continue;
      }
      if (line.front() == '#') continue;  // deb822 comment
      size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        s.Fail("line " + std::to_string(cursor.number()) + ": expected \"Field: value\", got \"" +
               Printable(line, 60) + "\"");
        in_field = false;
        last_field = nullptr;
        continue;
      }
      std::string_view name = line.substr(0, colon);
      std::string_view value = Trim(line.substr(colon + 1));
      in_field = true;
      last_field = Slot(s, name);
      if (last_field == nullptr) continue;
      if (last_field->has_value()) {
        s.Fail("line " + std::to_string(cursor.number()) + ": duplicate field " +
               std::string(name));
        continue;
      }
      *last_field = value;
    }
    Finish();
    return std::move(out_);
  }

 private:
  std::optional<std::string_view>* Slot(Stanza& s, std::string_view name) {
    if (EqualsIgnoreCase(name, "Package")) return &s.package;
    if (EqualsIgnoreCase(name, "Version")) return &s.version;
    if (EqualsIgnoreCase(name, "Architecture")) return &s.arch;
    if (EqualsIgnoreCase(name, "Source")) return &s.source;
    if (EqualsIgnoreCase(name, "Maintainer")) return &s.maintainer;
    if (EqualsIgnoreCase(name, "Status")) return &s.status;
    return nullptr;
  }

  std::string_view FieldName(const std::optional<std::string_view>* slot) const {
    const Stanza& s = *stanza_;
    if (slot == &s.package) return "Package";
    if (slot == &s.version) return "Version";
    if (slot == &s.arch) return "Architecture";
    if (slot == &s.source) return "Source";
    if (slot == &s.maintainer) return "Maintainer";
    return "Status";
  }

  void Diagnose(model::DiagnosticSeverity severity, std::string message) {
    AddDbDiagnostic(out_.diagnostics, limits_.max_diagnostics, db_path_, severity,
                    std::move(message));
  }

  // Ends the current stanza, if any. False when the stanza limit is hit and
  // parsing must stop.
  bool Finish() {
    if (!stanza_) return true;
    Stanza s = std::move(*stanza_);
    stanza_.reset();
    if (++stanzas_ > limits_.max_stanzas) {
      Diagnose(model::DiagnosticSeverity::kError,
               "more than " + std::to_string(limits_.max_stanzas) +
                   " stanzas (kMaxPackagesPerDb); the rest of the file is ignored");
      return false;
    }
    std::string where = "stanza at line " + std::to_string(s.first_line);
    if (!s.error.empty()) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": " + s.error + "; skipped");
      return true;
    }
    // A package that is not installed (removed, config files only) is not an
    // error, even when it lacks a Version, as purged entries do.
    if (s.status) {
      if (!IsInstalled(*s.status)) return true;
    } else if (kind_ == DpkgStatusKind::kStatus) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": no Status field; skipped");
      return true;
    }
    if (!s.package || !IsWord(*s.package)) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": no valid Package field; skipped");
      return true;
    }
    if (!s.version || !IsWord(*s.version)) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": package " +
                                                        Printable(*s.package, 100) +
                                                        " has no valid Version field; skipped");
      return true;
    }
    model::Package p;
    p.type = "deb";
    p.name = std::string(*s.package);
    p.version = std::string(*s.version);
    if (s.arch && IsWord(*s.arch)) p.arch = std::string(*s.arch);
    if (s.maintainer && !ContainsControlChars(*s.maintainer))
      p.maintainer = std::string(*s.maintainer);
    p.source_name = p.name;
    p.source_version = p.version;
    if (s.source) {
      // "name" or "name (version)".
      std::string_view src = Trim(*s.source);
      size_t sp = src.find_first_of(" \t(");
      std::string_view name = src.substr(0, sp);
      if (IsWord(name)) p.source_name = std::string(name);
      if (sp != std::string_view::npos) {
        std::string_view rest = Trim(src.substr(sp));
        if (rest.size() > 2 && rest.front() == '(' && rest.back() == ')') {
          std::string_view version = Trim(rest.substr(1, rest.size() - 2));
          if (IsWord(version)) p.source_version = std::string(version);
        }
      }
    }
    p.db_path = std::string(db_path_);
    out_.packages.push_back(std::move(p));
    return true;
  }

  std::string_view db_path_;
  DpkgStatusKind kind_;
  const DpkgLimits& limits_;
  std::optional<Stanza> stanza_;
  size_t stanzas_ = 0;
  DpkgStatus out_;
};

}  // namespace

DpkgStatus ParseDpkgStatus(std::string_view text, std::string_view db_path, DpkgStatusKind kind,
                           const DpkgLimits& limits) {
  return StatusParser(db_path, kind, limits).Parse(text);
}

Result<layer::PackageFiles> ParseDpkgFileList(std::string_view db_path, std::string_view text,
                                              const DpkgLimits& limits) {
  std::string_view base = db_path.substr(db_path.rfind('/') + 1);
  constexpr std::string_view kSuffix = ".list";
  if (base.size() <= kSuffix.size() || !base.ends_with(kSuffix))
    return InvalidArgument(std::string(db_path) + ": expected a file named <package>.list");
  std::string_view stem = base.substr(0, base.size() - kSuffix.size());
  layer::PackageFiles list;
  list.db_path = std::string(db_path);
  size_t colon = stem.find(':');
  std::string_view package = stem.substr(0, colon);
  std::string_view arch = colon == std::string_view::npos ? "" : stem.substr(colon + 1);
  if (!IsWord(package) || (colon != std::string_view::npos && !IsWord(arch)) ||
      arch.find(':') != std::string_view::npos)
    return InvalidArgument(std::string(db_path) +
                           ": expected a file named <package>[:<arch>].list");
  list.package = std::string(package);
  list.arch = std::string(arch);

  LineCursor cursor(text);
  std::string_view line;
  while (cursor.Next(line)) {
    if (cursor.number() > limits.max_list_lines)
      return ResourceExhausted(std::string(db_path) + ": more than " +
                               std::to_string(limits.max_list_lines) + " lines");
    if (line.size() > kMaxPathBytes)
      return DataLoss(std::string(db_path) + " line " + std::to_string(cursor.number()) +
                      ": path longer than kMaxPathBytes (" + std::to_string(kMaxPathBytes) + ")");
    if (line == "/." || line.empty()) continue;
    if (line.front() == '/') line.remove_prefix(1);
    if (line.empty()) continue;
    list.files.emplace_back(line);
  }
  return list;
}

bool DpkgCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view p = info.path;
  if (p == kStatusPath) return true;
  if (p.starts_with(kStatusDDir)) {
    std::string_view name = p.substr(kStatusDDir.size());
    return !name.empty() && name.find('/') == std::string_view::npos && !name.ends_with(".md5sums");
  }
  if (p.starts_with(kInfoDir)) {
    std::string_view name = p.substr(kInfoDir.size());
    return name.size() > 5 && name.find('/') == std::string_view::npos && name.ends_with(".list");
  }
  return false;
}

Status DpkgCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  std::string_view path = file.info.path;
  if (path.starts_with(kInfoDir)) {
    CUSTOMS_ASSIGN_OR_RETURN(layer::PackageFiles list, ParseDpkgFileList(path, file.text()));
    out.package_files.push_back(std::move(list));
    return Status::Ok();
  }
  DpkgStatus status = ParseDpkgStatus(
      file.text(), path, path == kStatusPath ? DpkgStatusKind::kStatus : DpkgStatusKind::kStatusD);
  for (auto& p : status.packages) out.packages.push_back(std::move(p));
  for (auto& d : status.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
