#include "catalog/rust.h"

#include <optional>
#include <string>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "catalog/db_diagnostic.h"
#include "layer/zip_reader.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

model::Package CargoPackage(std::string name, std::string version, std::string_view db_path) {
  model::Package p;
  p.type = "cargo";
  p.purl = CargoPurl(name, version);
  p.name = std::move(name);
  p.version = std::move(version);
  p.db_path = std::string(db_path);
  return p;
}

// A crate name or version: one word of printable characters.
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

// The bracket depth after `line`, starting at `depth`: brackets inside
// strings and after a comment do not count.
size_t ScanBrackets(std::string_view line, size_t depth) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (quote == '"' && c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '#') break;
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']' && depth > 0) {
      --depth;
    }
  }
  return depth;
}

// A TOML basic ("...") or literal ('...') string at the start of `value`,
// followed only by blanks or a comment.
std::optional<std::string> TomlString(std::string_view value) {
  if (value.empty() || (value[0] != '"' && value[0] != '\'')) return std::nullopt;
  char quote = value[0];
  std::string out;
  size_t i = 1;
  for (; i < value.size(); ++i) {
    char c = value[i];
    if (c == quote) break;
    if (quote == '"' && c == '\\') {
      if (++i >= value.size()) return std::nullopt;
      switch (value[i]) {
        case '"':
        case '\\':
          out += value[i];
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        default:
          return std::nullopt;  // \u escapes never appear in names or versions
      }
      continue;
    }
    out += c;
  }
  if (i >= value.size()) return std::nullopt;  // no closing quote
  std::string_view rest = Trim(value.substr(i + 1));
  if (!rest.empty() && rest[0] != '#') return std::nullopt;
  return out;
}

struct Table {
  size_t line = 0;
  std::optional<std::string> name, version, source;
  std::string error;
};

class LockParser {
 public:
  LockParser(std::string_view db_path, const CargoLockLimits& limits)
      : db_path_(db_path), limits_(limits) {}

  CargoLock Parse(std::string_view text) {
    size_t pos = 0;
    size_t number = 0;
    size_t array_depth = 0;
    bool in_multiline = false;
    std::string_view multiline_quote;
    // Every iteration consumes at least one byte, so the loop ends.
    while (pos < text.size() && !stop_) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++number;
      if (line.size() > limits_.max_line_bytes) {
        Diagnose(model::DiagnosticSeverity::kError,
                 "line " + std::to_string(number) + " is longer than " +
                     std::to_string(limits_.max_line_bytes) +
                     " bytes (kMaxCargoLockLineBytes); the rest of the file is ignored");
        break;
      }
      if (in_multiline) {
        if (line.find(multiline_quote) != std::string_view::npos) in_multiline = false;
        continue;
      }
      if (array_depth > 0) {
        array_depth = ScanBrackets(line, array_depth);
        continue;
      }
      std::string_view t = Trim(line);
      if (t.empty() || t[0] == '#') continue;
      if (t.substr(0, 2) == "[[") {
        Finish();
        size_t close = t.find("]]");
        std::string_view header =
            close == std::string_view::npos ? "" : Trim(t.substr(2, close - 2));
        if (header == "package") {
          table_.emplace();
          table_->line = number;
        }
        continue;
      }
      if (t[0] == '[') {
        Finish();
        continue;
      }
      size_t eq = t.find('=');
      if (eq == std::string_view::npos) {
        Fail("line " + std::to_string(number) + ": expected \"key = value\", got \"" +
             Printable(t, 60) + "\"");
        continue;
      }
      std::string_view key = Trim(t.substr(0, eq));
      if (key.size() >= 2 && key.front() == '"' && key.back() == '"')
        key = key.substr(1, key.size() - 2);
      std::string_view value = Trim(t.substr(eq + 1));
      if (value.substr(0, 3) == "\"\"\"" || value.substr(0, 3) == "'''") {
        multiline_quote = value.substr(0, 3);
        in_multiline = value.find(multiline_quote, 3) == std::string_view::npos;
        continue;
      }
      if (!value.empty() && (value[0] == '[' || value[0] == '{')) {
        array_depth = value[0] == '[' ? ScanBrackets(value, 0) : 0;
        continue;
      }
      if (!table_ || (key != "name" && key != "version" && key != "source")) continue;
      auto s = TomlString(value);
      if (!s) {
        Fail("line " + std::to_string(number) + ": " + std::string(key) +
             " is not a TOML string: \"" + Printable(value, 60) + "\"");
        continue;
      }
      auto& slot = key == "name"      ? table_->name
                   : key == "version" ? table_->version
                                      : table_->source;
      slot = std::move(*s);
    }
    Finish();
    return std::move(out_);
  }

 private:
  void Fail(std::string reason) {
    if (table_ && table_->error.empty())
      table_->error = std::move(reason);
    else if (!table_)
      Diagnose(model::DiagnosticSeverity::kWarning, std::move(reason));
  }

  void Diagnose(model::DiagnosticSeverity severity, std::string message) {
    AddDbDiagnostic(out_.diagnostics, limits_.max_diagnostics, db_path_, severity,
                    std::move(message));
  }

  void Finish() {
    if (!table_ || stop_) return;
    Table t = std::move(*table_);
    table_.reset();
    std::string where = "[[package]] at line " + std::to_string(t.line);
    if (!t.error.empty()) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": " + t.error + "; skipped");
      return;
    }
    if (!t.name || !IsWord(*t.name) || !t.version || !IsWord(*t.version)) {
      Diagnose(model::DiagnosticSeverity::kWarning, where + ": no valid name and version; skipped");
      return;
    }
    if (out_.packages.size() >= limits_.max_packages) {
      Diagnose(model::DiagnosticSeverity::kError,
               "more than " + std::to_string(limits_.max_packages) +
                   " packages (kMaxPackagesPerDb); the rest of the file is ignored");
      stop_ = true;
      return;
    }
    out_.packages.push_back(CargoPackage(std::move(*t.name), std::move(*t.version), db_path_));
  }

  std::string_view db_path_;
  const CargoLockLimits& limits_;
  std::optional<Table> table_;
  bool stop_ = false;
  CargoLock out_;
};

}  // namespace

std::string CargoPurl(std::string_view name, std::string_view version) {
  model::Purl purl;
  purl.type = "cargo";
  purl.name = std::string(name);
  purl.version = std::string(version);
  return purl.ToString();
}

CargoLock ParseCargoLock(std::string_view text, std::string_view db_path,
                         const CargoLockLimits& limits) {
  return LockParser(db_path, limits).Parse(text);
}

Result<std::vector<model::Package>> ParseRustAuditJson(std::string_view json,
                                                       std::string_view db_path) {
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(json, "cargo-auditable JSON", kMaxRustAuditBytes));
  const Json* packages = doc.is_object() ? JsonArray(doc, "packages") : nullptr;
  if (packages == nullptr || !packages->is_array())
    return InvalidArgument("cargo-auditable JSON has no \"packages\" array");
  std::vector<model::Package> out;
  for (const Json& p : *packages) {
    if (!p.is_object()) continue;
    std::string name = JsonString(p, "name");
    std::string version = JsonString(p, "version");
    if (!IsWord(name) || !IsWord(version)) continue;
    if (JsonString(p, "kind", "runtime") == "build") continue;
    if (out.size() >= kMaxPackagesPerDb)
      return ResourceExhausted("cargo-auditable JSON lists more than kMaxPackagesPerDb packages");
    out.push_back(CargoPackage(std::move(name), std::move(version), db_path));
  }
  return out;
}

Result<std::vector<model::Package>> ParseRustAudit(std::span<const uint8_t> section,
                                                   std::string_view db_path) {
  CUSTOMS_ASSIGN_OR_RETURN(
      std::vector<uint8_t> json,
      layer::Inflate(section, layer::DeflateWrapper::kZlib, kMaxRustAuditBytes, ".dep-v0"));
  return ParseRustAuditJson({reinterpret_cast<const char*>(json.data()), json.size()}, db_path);
}

bool CargoLockCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view path = info.path;
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return base == "Cargo.lock";
}

Status CargoLockCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CargoLock lock = ParseCargoLock(file.text(), file.info.path);
  for (auto& p : lock.packages) out.packages.push_back(std::move(p));
  for (auto& d : lock.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
