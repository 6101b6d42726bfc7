#include "detect/file_checks.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "base/strings.h"
#include "model/detection.h"

namespace customs::detect {
namespace {

using model::Confidence;
using model::Detection;
using model::Disposition;
using model::Severity;

// Accounts of one shadow file reported one by one; the rest are counted in
// a diagnostic so a file of 100k hashed accounts does not flood the report.
constexpr size_t kMaxShadowFindings = 32;
// Bytes of one name (library, key comment, account) quoted in evidence.
constexpr size_t kMaxQuotedName = 128;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

bool IsCryptChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

// A name for the evidence: printable, bounded, never cut inside a UTF-8
// sequence (reports are JSON).
std::string Quoted(std::string_view s, size_t max = kMaxQuotedName) {
  if (s.size() > max) {
    size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return Printable(s.substr(0, n), n) + "...";
  }
  return Printable(s, s.size());
}

Detection MakeDetection(std::string_view path, std::string_view category, std::string_view rule,
                        Severity severity, Disposition disposition, Confidence confidence,
                        std::string title, std::string evidence, std::string_view reference) {
  Detection d = model::MakeDetection(category, rule, severity, disposition, confidence,
                                     std::move(title), std::move(evidence), reference);
  d.path = std::string(path);
  return d;
}

// "$6$" for "$6$salt$hash", "DES" for a 13-character hash: names the scheme
// without a byte of the salt or hash.
std::string HashScheme(std::string_view password) {
  if (!password.empty() && password[0] == '$') {
    size_t end = password.find('$', 1);
    return std::string(password.substr(0, end + 1));
  }
  if (!password.empty() && password[0] == '_') return "BSDi";
  return "DES";
}

}  // namespace

ShadowPassword ClassifyShadowPassword(std::string_view password) {
  if (password.empty()) return ShadowPassword::kEmpty;
  if (password[0] == '!' || password[0] == '*') return ShadowPassword::kLocked;
  if (password[0] == '$') {
    // "$id$rest" with a non-empty alphanumeric id: $1$ $5$ $6$ $y$ $2b$ ...
    size_t end = password.find('$', 1);
    if (end == std::string_view::npos || end == 1 || end + 1 >= password.size())
      return ShadowPassword::kOther;
    for (size_t i = 1; i < end; ++i) {
      char c = password[i];
      bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return ShadowPassword::kOther;
    }
    return ShadowPassword::kHash;
  }
  if (password.size() == 13 && std::all_of(password.begin(), password.end(), IsCryptChar))
    return ShadowPassword::kHash;  // traditional DES crypt
  if (password.size() == 20 && password[0] == '_' &&
      std::all_of(password.begin() + 1, password.end(), IsCryptChar))
    return ShadowPassword::kHash;  // BSDi extended DES
  return ShadowPassword::kOther;
}

Result<std::vector<ShadowEntry>> ParseShadow(std::string_view text) {
  std::vector<ShadowEntry> entries;
  LineCursor lines(text);
  for (std::string_view line; lines.Next(line);) {
    if (lines.number() > kMaxShadowLines)
      return ResourceExhausted("shadow: more than " + std::to_string(kMaxShadowLines) +
                               " lines (kMaxShadowLines) at line " +
                               std::to_string(lines.number()));
    if (line.size() > kMaxShadowLineBytes)
      return ResourceExhausted("shadow line " + std::to_string(lines.number()) + ": " +
                               std::to_string(line.size()) + " bytes, longer than " +
                               std::to_string(kMaxShadowLineBytes) + " (kMaxShadowLineBytes)");
    if (Trim(line).empty()) continue;
    // NIS compat entries ("+", "+name", "-name") hold no local password.
    if (line[0] == '+' || line[0] == '-') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view rest = line.substr(colon + 1);
    std::string_view password = rest.substr(0, rest.find(':'));
    entries.push_back({.name = std::string(line.substr(0, colon)),
                       .password = std::string(password),
                       .line = lines.number()});
  }
  return entries;
}

bool ShadowAnalyzer::Wants(const layer::FileInfo& info) const {
  // shadow- is the copy shadow's tools keep before each change: it still
  // holds the previous hashes.
  return info.path == "etc/shadow" || info.path == "etc/shadow-";
}

Status ShadowAnalyzer::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::vector<ShadowEntry> entries, ParseShadow(file.text()),
                           file.info.path);
  size_t reported = 0, unreported = 0;
  for (const ShadowEntry& e : entries) {
    ShadowPassword kind = ClassifyShadowPassword(e.password);
    if (kind != ShadowPassword::kHash && kind != ShadowPassword::kEmpty) continue;
    if (reported == kMaxShadowFindings) {
      ++unreported;
      continue;
    }
    ++reported;
    std::string account = Quoted(e.name, 64);
    if (kind == ShadowPassword::kHash) {
      out.detections.push_back(
          MakeDetection(file.info.path, model::kCategorySecret, "shadow-unlocked-hash",
                        Severity::kHigh, Disposition::kSuspicious, Confidence::kHigh,
                        "Password hash of account " + account + " shipped in the image",
                        "account " + account + " has a password hash (" + HashScheme(e.password) +
                            "\u2026, redacted) at line " + std::to_string(e.line),
                        "https://man7.org/linux/man-pages/man5/shadow.5.html"));
    } else {
      out.detections.push_back(
          MakeDetection(file.info.path, model::kCategorySecret, "shadow-empty-password",
                        Severity::kHigh, Disposition::kSuspicious, Confidence::kHigh,
                        "Account " + account + " has an empty password",
                        "account " + account + " has an empty password field at line " +
                            std::to_string(e.line) + ": it logs in without a password",
                        // Alpine's images shipped root with an empty password this way.
                        "CVE-2019-5021"));
    }
  }
  if (unreported > 0) {
    out.diagnostics.push_back(
        {.severity = model::DiagnosticSeverity::kWarning,
         .code = "detections-truncated",
         .layer = "",
         .path = file.info.path,
         .message = std::string(Name()) + ": " + std::to_string(unreported) +
                    " more accounts with a password hash or an empty password not reported"});
  }
  return Status::Ok();
}

bool PreloadAnalyzer::Wants(const layer::FileInfo& info) const {
  return info.path == "etc/ld.so.preload";
}

Status PreloadAnalyzer::Analyze(const layer::File& file, layer::Findings& out) const {
  // ld.so reads the file as names separated by white space or ':'; "#"
  // starts a comment to the end of the line.
  std::vector<std::string_view> libraries;
  size_t count = 0;
  LineCursor lines(file.text());
  for (std::string_view line; lines.Next(line);) {
    line = line.substr(0, line.find('#'));
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ':' ||
                                 line[i] == '\r' || line[i] == '\v' || line[i] == '\f'))
        ++i;
      size_t start = i;
      while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == ':' ||
                                  line[i] == '\r' || line[i] == '\v' || line[i] == '\f'))
        ++i;
      if (i == start) continue;
      ++count;
      if (libraries.size() < kMaxQuotedEntries) libraries.push_back(line.substr(start, i - start));
    }
  }
  if (count == 0) return Status::Ok();
  std::string evidence =
      std::string(file.info.path) + " preloads " + std::to_string(count) +
      (count == 1 ? " library into every process: " : " libraries into every process: ");
  for (size_t i = 0; i < libraries.size(); ++i) {
    if (i > 0) evidence += ", ";
    evidence += Quoted(libraries[i]);
  }
  if (count > libraries.size()) evidence += ", ...";
  out.detections.push_back(
      MakeDetection(file.info.path, model::kCategoryBackdoor, "ld-so-preload", Severity::kHigh,
                    Disposition::kMalicious, Confidence::kMedium,
                    "etc/ld.so.preload hooks every process (userland rootkit technique)",
                    std::move(evidence), "https://man7.org/linux/man-pages/man8/ld.so.8.html"));
  return Status::Ok();
}

namespace {

// Key types of sshd's authorized_keys format (sshd(8) AUTHORIZED_KEYS FILE
// FORMAT), certificates included.
bool IsKeyType(std::string_view w) {
  constexpr std::string_view kTypes[] = {"ssh-rsa",
                                         "ssh-dss",
                                         "ssh-ed25519",
                                         "ssh-ed448",
                                         "ecdsa-sha2-nistp256",
                                         "ecdsa-sha2-nistp384",
                                         "ecdsa-sha2-nistp521",
                                         "sk-ssh-ed25519@openssh.com",
                                         "sk-ecdsa-sha2-nistp256@openssh.com"};
  for (std::string_view t : kTypes)
    if (w == t) return true;
  // "ssh-rsa-cert-v01@openssh.com" and friends.
  return EndsWith(w, "-cert-v01@openssh.com") &&
         (StartsWith(w, "ssh-") || StartsWith(w, "ecdsa-") || StartsWith(w, "sk-"));
}

struct AuthorizedKey {
  std::string_view type;
  std::string_view comment;
};

// Splits a line into words at blanks outside double quotes (options such
// as command="a b" hold blanks).
std::vector<std::string_view> KeyLineWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    size_t start = i;
    bool quoted = false;
    while (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) {
      if (line[i] == '\\' && quoted && i + 1 < line.size()) {
        i += 2;
        continue;
      }
      if (line[i] == '"') quoted = !quoted;
      ++i;
    }
    words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

bool AuthorizedKeysAnalyzer::Wants(const layer::FileInfo& info) const {
  std::string_view p = info.path;
  for (std::string_view name : {".ssh/authorized_keys", ".ssh/authorized_keys2"}) {
    if (p == name) return true;
    if (EndsWith(p, name) && p[p.size() - name.size() - 1] == '/') return true;
  }
  // sshd_config's AuthorizedKeysFile /etc/ssh/authorized_keys/%u and the like.
  return StartsWith(p, "etc/ssh/authorized_keys");
}

Status AuthorizedKeysAnalyzer::Analyze(const layer::File& file, layer::Findings& out) const {
  std::vector<AuthorizedKey> keys;
  size_t count = 0;
  LineCursor lines(file.text());
  for (std::string_view line; lines.Next(line);) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> words = KeyLineWords(line);
    // [options] keytype base64-key [comment]: the type is the first or
    // second word.
    for (size_t i = 0; i < words.size() && i < 2; ++i) {
      if (!IsKeyType(words[i]) || i + 1 >= words.size()) continue;
      ++count;
      if (keys.size() < kMaxQuotedEntries) {
        std::string_view comment;
        if (i + 2 < words.size()) {
          size_t at = words[i + 2].data() - line.data();
          comment = Trim(line.substr(at));
        }
        keys.push_back({words[i], comment});
      }
      break;
    }
  }
  if (count == 0) return Status::Ok();
  std::string evidence = std::to_string(count) + (count == 1 ? " key: " : " keys: ");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) evidence += ", ";
    evidence +=
        Quoted(keys[i].type, 64) + " " +
        (keys[i].comment.empty() ? std::string("(no comment)") : Quoted(keys[i].comment, 64));
  }
  if (count > keys.size()) evidence += ", ...";
  out.detections.push_back(MakeDetection(
      file.info.path, model::kCategoryBackdoor, "ssh-authorized-keys", Severity::kHigh,
      Disposition::kSuspicious, Confidence::kHigh,
      "SSH authorized_keys shipped in the image lets its key holders log in", std::move(evidence),
      "https://man.openbsd.org/sshd.8#AUTHORIZED_KEYS_FILE_FORMAT"));
  return Status::Ok();
}

bool TempElfAnalyzer::Wants(const layer::FileInfo& info) const {
  if (info.size < 4 || info.size > kMaxTempElfBytes || (info.mode & 0111) == 0) return false;
  std::string_view p = info.path;
  return StartsWith(p, "tmp/") || StartsWith(p, "var/tmp/") || StartsWith(p, "dev/shm/");
}

Status TempElfAnalyzer::Analyze(const layer::File& file, layer::Findings& out) const {
  std::span<const uint8_t> c = file.content;
  if (c.size() < 20 || c[0] != 0x7f || c[1] != 'E' || c[2] != 'L' || c[3] != 'F')
    return Status::Ok();
  // e_type at offset 16, in the byte order EI_DATA (offset 5) names:
  // ET_EXEC 2 and ET_DYN 3 run; relocatable objects (.o) and cores do not.
  uint16_t type = c[5] == 2 ? static_cast<uint16_t>(c[16] << 8 | c[17])
                            : static_cast<uint16_t>(c[17] << 8 | c[16]);
  if (type != 2 && type != 3) return Status::Ok();
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", file.info.mode & 07777);
  std::string_view dir = StartsWith(file.info.path, "tmp/")       ? "tmp/"
                         : StartsWith(file.info.path, "var/tmp/") ? "var/tmp/"
                                                                  : "dev/shm/";
  out.detections.push_back(MakeDetection(
      file.info.path, model::kCategoryBackdoor, "elf-in-temp-dir", Severity::kMedium,
      Disposition::kSuspicious, Confidence::kLow, "Executable dropped in a temporary directory",
      std::string(type == 2 ? "ELF executable" : "ELF shared object or PIE executable") +
          " under " + std::string(dir) + ", mode " + mode + ", " + std::to_string(file.info.size) +
          " bytes",
      "https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml"));
  return Status::Ok();
}

std::vector<std::unique_ptr<layer::Analyzer>> FileCheckAnalyzers() {
  std::vector<std::unique_ptr<layer::Analyzer>> out;
  out.push_back(std::make_unique<ShadowAnalyzer>());
  out.push_back(std::make_unique<PreloadAnalyzer>());
  out.push_back(std::make_unique<AuthorizedKeysAnalyzer>());
  out.push_back(std::make_unique<TempElfAnalyzer>());
  return out;
}

}  // namespace customs::detect
