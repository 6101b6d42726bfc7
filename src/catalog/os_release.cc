#include "catalog/os_release.h"

#include <optional>
#include <string>

#include "base/strings.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kEtcOsRelease = "etc/os-release";
constexpr std::string_view kUsrLibOsRelease = "usr/lib/os-release";
constexpr std::string_view kAlpineRelease = "etc/alpine-release";
constexpr std::string_view kDebianVersion = "etc/debian_version";
constexpr std::string_view kRedhatRelease = "etc/redhat-release";
constexpr std::string_view kCentosRelease = "etc/centos-release";
constexpr std::string_view kLsbRelease = "etc/lsb-release";
constexpr std::string_view kSuseRelease = "etc/SuSE-release";
constexpr std::string_view kSystemRelease = "etc/system-release";
constexpr std::string_view kApkRepositories = "etc/apk/repositories";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A version or codename as distributions write them: "6.9", "3.19_alpha2023",
// "bullseye/sid", "2018.03". Anything else is not trusted as a version.
bool IsVersionToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c) && !IsAlpha(c) && c != '.' && c != '_' && c != '-' && c != '~' && c != '+' &&
        c != '/')
      return false;
  }
  return true;
}

// Values go into reports; one with control characters is dropped.
std::string Clean(std::string_view s) {
  if (ContainsControlChars(s)) return "";
  return std::string(s);
}

std::string_view FirstLine(std::string_view text) {
  size_t nl = text.find('\n');
  return Trim(nl == std::string_view::npos ? text : text.substr(0, nl));
}

// The value part of a shell-style assignment, per os-release(5): either
// wholly in double quotes (backslash escapes \" \\ \$ \`; other backslashes
// stay), wholly in single quotes (literal), or bare (backslash escapes the
// next character). An unterminated quote takes the rest of the line.
std::string UnquoteShellValue(std::string_view raw) {
  std::string_view v = Trim(raw);
  std::string out;
  if (!v.empty() && v.front() == '"') {
    for (size_t i = 1; i < v.size(); ++i) {
      char c = v[i];
      if (c == '"') break;
      if (c == '\\' && i + 1 < v.size()) {
        char n = v[i + 1];
        if (n == '"' || n == '\\' || n == '$' || n == '`') {
          out += n;
          ++i;
          continue;
        }
      }
      out += c;
    }
    return out;
  }
  if (!v.empty() && v.front() == '\'') {
    size_t end = v.find('\'', 1);
    return std::string(v.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      out += v[++i];
    } else {
      out += v[i];
    }
  }
  return out;
}

// Calls `fn(key, value)` for every KEY=VALUE line; skips comments, blank
// lines and lines without "=".
template <typename Fn>
void ForEachAssignment(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(start, nl - start));
    start = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    fn(Trim(line.substr(0, eq)), UnquoteShellValue(line.substr(eq + 1)));
  }
}

// Lower rank wins in ChooseOs.
int Rank(std::string_view source_path) {
  if (source_path == kEtcOsRelease) return 0;
  if (source_path == kUsrLibOsRelease) return 1;
  // The distribution's own release file names it most precisely.
  if (source_path == kCentosRelease) return 2;
  if (source_path == kRedhatRelease || source_path == kSystemRelease ||
      source_path == kSuseRelease || source_path == kAlpineRelease)
    return 3;
  // Ubuntu ships etc/debian_version too ("squeeze/sid"): lsb-release first.
  if (source_path == kLsbRelease) return 4;
  if (source_path == kDebianVersion) return 5;
  if (source_path == kApkRepositories) return 6;
  return 7;
}

}  // namespace

model::OsInfo ParseOsRelease(std::string_view text) {
  model::OsInfo os;
  std::string ubuntu_codename;
  ForEachAssignment(text, [&](std::string_view key, std::string value) {
    if (key == "ID") {
      os.id = ToLower(Clean(value));
    } else if (key == "VERSION_ID") {
      os.version_id = Clean(value);
    } else if (key == "VERSION_CODENAME") {
      os.version_codename = Clean(value);
    } else if (key == "UBUNTU_CODENAME") {
      ubuntu_codename = Clean(value);
    } else if (key == "PRETTY_NAME") {
      os.pretty_name = Clean(value);
    } else if (key == "ID_LIKE") {
      os.id_like = Clean(value);
    }
  });
  if (os.id.empty()) return {};
  if (os.version_codename.empty()) os.version_codename = ubuntu_codename;
  return os;
}

model::OsInfo ParseRedhatRelease(std::string_view text) {
  std::string_view line = FirstLine(text);
  constexpr std::string_view kRelease = " release ";
  size_t at = line.find(kRelease);
  if (at == std::string_view::npos || ContainsControlChars(line)) return {};
  std::string name = ToLower(Trim(line.substr(0, at)));
  std::string_view rest = Trim(line.substr(at + kRelease.size()));
  size_t sp = rest.find_first_of(" \t");
  std::string_view version = rest.substr(0, sp);
  if (!IsVersionToken(version) || !IsDigit(version.front())) return {};

  model::OsInfo os;
  struct Vendor {
    std::string_view needle;
    std::string_view id;
  };
  static constexpr Vendor kVendors[] = {
      {"centos", "centos"}, {"red hat", "rhel"},          {"oracle", "ol"},
      {"amazon", "amzn"},   {"rocky", "rocky"},           {"almalinux", "almalinux"},
      {"fedora", "fedora"}, {"scientific", "scientific"}, {"cloudlinux", "cloudlinux"},
  };
  for (const auto& v : kVendors) {
    if (name.find(v.needle) != std::string::npos) {
      os.id = std::string(v.id);
      break;
    }
  }
  if (os.id.empty()) {
    std::string_view first = std::string_view(name).substr(0, name.find(' '));
    if (!IsVersionToken(first)) return {};
    os.id = std::string(first);
  }
  os.version_id = std::string(version);
  size_t open = rest.find('(');
  size_t close = rest.find(')', open == std::string_view::npos ? 0 : open);
  if (open != std::string_view::npos && close != std::string_view::npos) {
    os.version_codename = ToLower(Trim(rest.substr(open + 1, close - open - 1)));
  }
  os.pretty_name = std::string(line);
  return os;
}

model::OsInfo ParseDebianVersion(std::string_view text) {
  std::string_view line = FirstLine(text);
  if (!IsVersionToken(line)) return {};
  model::OsInfo os;
  os.id = "debian";
  os.version_id = std::string(line);
  if (!IsDigit(line.front())) os.version_codename = std::string(line.substr(0, line.find('/')));
  return os;
}

model::OsInfo ParseLsbRelease(std::string_view text) {
  model::OsInfo os;
  ForEachAssignment(text, [&](std::string_view key, std::string value) {
    if (key == "DISTRIB_ID") {
      os.id = ToLower(Clean(value));
    } else if (key == "DISTRIB_RELEASE") {
      os.version_id = Clean(value);
    } else if (key == "DISTRIB_CODENAME") {
      os.version_codename = Clean(value);
    } else if (key == "DISTRIB_DESCRIPTION") {
      os.pretty_name = Clean(value);
    }
  });
  if (!IsVersionToken(os.id)) return {};
  return os;
}

model::OsInfo ParseAlpineRelease(std::string_view text) {
  std::string_view line = FirstLine(text);
  if (!IsVersionToken(line) || !IsDigit(line.front())) return {};
  model::OsInfo os;
  os.id = "alpine";
  os.version_id = std::string(line);
  return os;
}

model::OsInfo ParseSuseRelease(std::string_view text) {
  std::string_view first = FirstLine(text);
  if (first.empty() || ContainsControlChars(first)) return {};
  std::string lower = ToLower(first);
  model::OsInfo os;
  if (lower.find("opensuse") != std::string::npos) {
    os.id = "opensuse";
  } else if (lower.find("enterprise server") != std::string::npos) {
    os.id = "sles";
  } else if (lower.find("enterprise desktop") != std::string::npos) {
    os.id = "sled";
  } else {
    return {};
  }
  std::string version, patchlevel;
  ForEachAssignment(text, [&](std::string_view key, std::string value) {
    if (key == "VERSION") version = value;
    if (key == "PATCHLEVEL") patchlevel = value;
  });
  if (!IsVersionToken(version)) return {};
  os.version_id = version;
  if (IsVersionToken(patchlevel) && patchlevel != "0") os.version_id += "." + patchlevel;
  os.pretty_name = std::string(first);
  return os;
}

model::OsInfo ParseApkRepositories(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(start, nl - start));
    start = nl + 1;
    // "@tag https://..." repositories hold a few pinned packages from another
    // branch; they do not say which release the image is.
    if (line.empty() || line.front() == '#' || line.front() == '@') continue;
    for (std::string_view segment : Split(line, '/')) {
      std::string version;
      if (segment == "edge") {
        version = "edge";
      } else if (segment.size() >= 4 && segment[0] == 'v' && IsDigit(segment[1]) &&
                 segment.find('.') != std::string_view::npos && IsVersionToken(segment.substr(1))) {
        version = std::string(segment.substr(1));
      } else {
        continue;
      }
      model::OsInfo os;
      os.id = "alpine";
      os.version_id = std::move(version);
      return os;
    }
  }
  return {};
}

model::OsInfo ParseOsFile(std::string_view path, std::string_view text) {
  model::OsInfo os;
  if (path == kEtcOsRelease || path == kUsrLibOsRelease) {
    os = ParseOsRelease(text);
  } else if (path == kRedhatRelease || path == kCentosRelease || path == kSystemRelease) {
    os = ParseRedhatRelease(text);
  } else if (path == kDebianVersion) {
    os = ParseDebianVersion(text);
  } else if (path == kLsbRelease) {
    os = ParseLsbRelease(text);
  } else if (path == kAlpineRelease) {
    os = ParseAlpineRelease(text);
  } else if (path == kSuseRelease) {
    os = ParseSuseRelease(text);
  } else if (path == kApkRepositories) {
    os = ParseApkRepositories(text);
  }
  if (!os.empty()) os.source_path = std::string(path);
  return os;
}

model::OsInfo ChooseOs(const std::vector<model::OsInfo>& candidates) {
  const model::OsInfo* best = nullptr;
  for (const auto& c : candidates) {
    if (c.empty()) continue;
    if (best == nullptr || Rank(c.source_path) < Rank(best->source_path)) best = &c;
  }
  if (best == nullptr) return {};
  model::OsInfo os = *best;
  if (os.version_id.empty()) {
    const model::OsInfo* donor = nullptr;
    for (const auto& c : candidates) {
      if (&c == best || c.id != os.id || c.version_id.empty()) continue;
      if (donor == nullptr || Rank(c.source_path) < Rank(donor->source_path)) donor = &c;
    }
    if (donor != nullptr) {
      os.version_id = donor->version_id;
      if (os.version_codename.empty()) os.version_codename = donor->version_codename;
    }
  }
  return os;
}

bool OsReleaseCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  const std::string& p = info.path;
  return p == kEtcOsRelease || p == kUsrLibOsRelease || p == kAlpineRelease ||
         p == kDebianVersion || p == kRedhatRelease || p == kCentosRelease || p == kLsbRelease ||
         p == kSuseRelease || p == kSystemRelease || p == kApkRepositories;
}

Status OsReleaseCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  model::OsInfo os = ParseOsFile(file.info.path, file.text());
  if (!os.empty()) out.os.push_back(std::move(os));
  return Status::Ok();
}

}  // namespace customs::catalog
