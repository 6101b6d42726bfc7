#include "catalog/java.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "base/strings.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

constexpr std::string_view kManifestPath = "meta-inf/manifest.mf";

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return ToLower(s.substr(s.size() - suffix.size())) == suffix;
}

bool IsJavaArchiveName(std::string_view name) {
  return EndsWithNoCase(name, ".jar") || EndsWithNoCase(name, ".war") ||
         EndsWithNoCase(name, ".ear") || EndsWithNoCase(name, ".par");
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Splits on "\r\n", "\n" and a lone "\r" (all allowed by the properties and
// manifest grammars).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    out.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// A value with properties escapes resolved (\t \n \r \f, and \X -> X;
// \uXXXX is kept as written: coordinates are ASCII).
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u':
        out += "\\u";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// True when `line` ends in an odd number of backslashes (continued).
bool Continues(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

std::string MavenValue(std::string_view v) {
  std::string_view t = Trim(v);
  if (ContainsControlChars(t)) return "";
  return std::string(t);
}

}  // namespace

MavenCoordinates ParsePomProperties(std::string_view text) {
  MavenCoordinates out;
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
    size_t lead = 0;
    while (lead < raw.size() && IsBlank(raw[lead])) ++lead;
    raw.remove_prefix(lead);
    if (raw.empty() || raw[0] == '#' || raw[0] == '!') continue;
    std::string logical(raw);
    // Continuation lines: the backslash goes, the next line's leading blanks
    // too. Each one consumes a line, so the loop ends.
    while (Continues(logical) && i + 1 < lines.size()) {
      logical.pop_back();
      std::string_view next = lines[++i];
      while (!next.empty() && IsBlank(next.front())) next.remove_prefix(1);
      logical.append(next);
    }
    std::string_view line = logical;
    // The key ends at the first unescaped '=', ':' or blank.
    size_t k = 0;
    while (k < line.size() && line[k] != '=' && line[k] != ':' && !IsBlank(line[k])) {
      if (line[k] == '\\') ++k;
      ++k;
    }
    k = std::min(k, line.size());
    std::string key = Unescape(line.substr(0, k));
    size_t v = k;
    while (v < line.size() && IsBlank(line[v])) ++v;
    if (v < line.size() && (line[v] == '=' || line[v] == ':')) ++v;
    while (v < line.size() && IsBlank(line[v])) ++v;
    std::string value = Unescape(line.substr(v));
    if (key == "groupId") {
      out.group_id = MavenValue(value);
    } else if (key == "artifactId") {
      out.artifact_id = MavenValue(value);
    } else if (key == "version") {
      out.version = MavenValue(value);
    }
  }
  return out;
}

MavenCoordinates ParseJarManifest(std::string_view text) {
  // Unfold the main section: it ends at the first empty line; a line that
  // starts with one space continues the previous one.
  std::vector<std::string> attributes;
  for (std::string_view line : Lines(text)) {
    if (line.empty()) break;
    if (line[0] == ' ') {
      if (!attributes.empty()) attributes.back().append(line.substr(1));
      continue;
    }
    attributes.emplace_back(line);
  }
  std::string impl_vendor_id, impl_vendor, spec_vendor, symbolic_name;
  std::string impl_title, spec_title, bundle_name;
  std::string impl_version, spec_version, bundle_version, bundle_license;
  for (const std::string& a : attributes) {
    size_t colon = a.find(':');
    if (colon == std::string::npos) continue;
    std::string name = ToLower(Trim(std::string_view(a).substr(0, colon)));
    std::string value = MavenValue(std::string_view(a).substr(colon + 1));
    // "%bundleName": a variable resolved from a properties file we do not
    // read (OSGi localisation).
    if (value.empty() || value[0] == '%') continue;
    if (name == "implementation-vendor-id")
      impl_vendor_id = value;
    else if (name == "implementation-vendor")
      impl_vendor = value;
    else if (name == "specification-vendor")
      spec_vendor = value;
    else if (name == "bundle-symbolicname")
      symbolic_name = value;
    else if (name == "implementation-title")
      impl_title = value;
    else if (name == "specification-title")
      spec_title = value;
    else if (name == "bundle-name")
      bundle_name = value;
    else if (name == "implementation-version")
      impl_version = value;
    else if (name == "specification-version")
      spec_version = value;
    else if (name == "bundle-version")
      bundle_version = value;
    else if (name == "bundle-license")
      bundle_license = value;
  }
  MavenCoordinates out;
  for (auto item : Split(bundle_license, ',')) {
    std::string_view license = Trim(item.substr(0, item.find(';')));
    if (!license.empty() && out.licenses.size() < 16) out.licenses.emplace_back(license);
  }
  if (!impl_vendor_id.empty()) {
    out.group_id = impl_vendor_id;
  } else if (!symbolic_name.empty()) {
    // "org.springframework.core;singleton:=true" -> "org.springframework".
    std::string_view sn = Trim(std::string_view(symbolic_name).substr(0, symbolic_name.find(';')));
    size_t dot = sn.rfind('.');
    out.group_id = std::string(dot == std::string_view::npos || dot == 0 ? sn : sn.substr(0, dot));
  } else if (!impl_vendor.empty()) {
    out.group_id = impl_vendor;
  } else {
    out.group_id = spec_vendor;
  }
  out.artifact_id = !impl_title.empty()   ? impl_title
                    : !spec_title.empty() ? spec_title
                                          : bundle_name;
  out.version = !impl_version.empty()   ? impl_version
                : !spec_version.empty() ? spec_version
                                        : bundle_version;
  return out;
}

MavenCoordinates CoordinatesFromFileName(std::string_view file_name) {
  MavenCoordinates out;
  std::string_view name = BaseName(file_name);
  if (!IsJavaArchiveName(name)) return out;
  std::string_view stem = name.substr(0, name.size() - 4);
  for (size_t i = 1; i + 1 < stem.size(); ++i) {
    if (stem[i] != '-' || stem[i + 1] < '0' || stem[i + 1] > '9') continue;
    std::string_view version = stem.substr(i + 1);
    if (std::any_of(version.begin(), version.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20; }))
      return out;
    out.artifact_id = std::string(stem.substr(0, i));
    out.version = std::string(version);
    return out;
  }
  return out;
}

std::string MavenPurl(std::string_view group, std::string_view artifact, std::string_view version) {
  model::Purl purl;
  purl.type = "maven";
  purl.namespace_ = std::string(group);
  purl.name = std::string(artifact);
  purl.version = std::string(version);
  return purl.ToString();
}

namespace {

class ArchiveWalker {
 public:
  ArchiveWalker(std::string_view path, const JavaLimits& limits) : path_(path), limits_(limits) {}

  Status Walk(std::span<const uint8_t> bytes) {
    CUSTOMS_ASSIGN_OR_RETURN(layer::ZipArchive zip, layer::ZipArchive::Parse(bytes, limits_.zip));
    WalkArchive(zip, "", BaseName(path_), 0);
    return Status::Ok();
  }

  JavaArchive Take() { return std::move(out_); }

 private:
  // `prefix`: the inner path of this archive, "" or "a.jar!/b.jar!/".
  void WalkArchive(layer::ZipArchive& zip, const std::string& prefix, std::string_view file_name,
                   size_t depth) {
    size_t first_package = out_.packages.size();
    const layer::ZipEntry* manifest = nullptr;
    std::vector<const layer::ZipEntry*> nested;
    bool found_pom = false;
    for (const auto& e : zip.entries()) {
      if (e.IsDirectory()) continue;
      std::string_view base = BaseName(e.name);
      if (base == "pom.properties") {
        auto member = ReadMetadata(zip, e, prefix);
        if (!member) continue;
        MavenCoordinates c = ParsePomProperties(member->text());
        if (!c.Complete()) continue;  // Maven writes all three; others are not Maven's
        found_pom = true;
        Add(c, prefix + e.name, prefix);
      } else if (ToLower(e.name) == kManifestPath) {
        manifest = &e;
      } else if (IsJavaArchiveName(base)) {
        nested.push_back(&e);
      }
    }
    MavenCoordinates from_manifest;
    if (manifest != nullptr)
      if (auto member = ReadMetadata(zip, *manifest, prefix))
        from_manifest = ParseJarManifest(member->text());
    if (!found_pom) {
      MavenCoordinates c;
      std::string inner;
      if (manifest != nullptr && !from_manifest.artifact_id.empty()) {
        c = from_manifest;
        inner = prefix + manifest->name;
      }
      if (!c.Complete()) {
        c = CoordinatesFromFileName(file_name);
        c.group_id.clear();
        // The archive itself: "" for the outer file, "x.jar!/y.jar" nested.
        inner = prefix.size() >= 2 ? prefix.substr(0, prefix.size() - 2) : "";
      }
      if (!c.artifact_id.empty() && !c.version.empty()) Add(c, inner, prefix);
    }
    // The manifest's licenses describe this archive: they go to its package
    // when it is one (a shaded jar's bundled artifacts have their own).
    if (out_.packages.size() == first_package + 1 && out_.packages.back().licenses.empty())
      out_.packages.back().licenses = from_manifest.licenses;
    for (const layer::ZipEntry* e : nested) {
      if (depth + 1 > limits_.max_depth) {
        Limit("nested archive " + prefix + e->name + " is " + std::to_string(depth + 1) +
              " levels deep, past the limit of " + std::to_string(limits_.max_depth) +
              " (kMaxJarNestingDepth); not opened");
        continue;
      }
      uint64_t left = limits_.max_expanded_bytes - std::min(expanded_, limits_.max_expanded_bytes);
      if (e->uncompressed_size > left) {
        Limit("nested archive " + prefix + e->name + " (" + std::to_string(e->uncompressed_size) +
              " bytes) would exceed the budget of " + std::to_string(limits_.max_expanded_bytes) +
              " expanded bytes (kMaxJarExpandedBytes); not opened");
        continue;
      }
      auto member = zip.Read(*e, left);
      if (!member.ok()) {
        Warn("nested archive " + prefix + e->name + ": " + member.status().ToString());
        continue;
      }
      expanded_ += member->bytes().size();
      auto inner = layer::ZipArchive::Parse(member->bytes(), limits_.zip);
      if (!inner.ok()) {
        Warn("nested archive " + prefix + e->name + ": " + inner.status().ToString());
        continue;
      }
      WalkArchive(*inner, prefix + e->name + "!/", BaseName(e->name), depth + 1);
    }
  }

  std::optional<layer::ZipMember> ReadMetadata(layer::ZipArchive& zip, const layer::ZipEntry& e,
                                               const std::string& prefix) {
    uint64_t left = limits_.max_expanded_bytes - std::min(expanded_, limits_.max_expanded_bytes);
    auto member = zip.Read(e, std::min<uint64_t>(left, limits_.max_metadata_bytes));
    if (!member.ok()) {
      Warn(prefix + e.name + ": " + member.status().ToString());
      return std::nullopt;
    }
    expanded_ += member->bytes().size();
    return std::move(*member);
  }

  void Add(const MavenCoordinates& c, std::string inner_path, const std::string& prefix) {
    if (!seen_.insert({c.group_id, c.artifact_id, c.version, prefix}).second) return;
    if (out_.packages.size() >= limits_.max_packages) {
      Limit("more than " + std::to_string(limits_.max_packages) +
            " packages (kMaxPackagesPerDb); the rest are not recorded");
      return;
    }
    model::Package p;
    p.type = "maven";
    p.name = c.artifact_id;
    p.version = c.version;
    p.purl = MavenPurl(c.group_id, c.artifact_id, c.version);
    p.db_path = std::string(path_);
    p.inner_path = std::move(inner_path);
    out_.packages.push_back(std::move(p));
  }

  void Diagnose(std::string code, std::string message) {
    if (out_.diagnostics.size() >= limits_.max_diagnostics) return;
    model::Diagnostic d;
    d.severity = model::DiagnosticSeverity::kWarning;
    d.code = std::move(code);
    d.path = std::string(path_);
    d.message = std::string(path_) + ": " + std::move(message);
    out_.diagnostics.push_back(std::move(d));
  }
  void Warn(std::string message) { Diagnose("bad-package-db", std::move(message)); }
  void Limit(std::string message) { Diagnose("archive-limit", std::move(message)); }

  std::string_view path_;
  const JavaLimits& limits_;
  uint64_t expanded_ = 0;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen_;
  JavaArchive out_;
};

}  // namespace

Result<JavaArchive> ParseJavaArchive(std::span<const uint8_t> bytes, std::string_view path,
                                     const JavaLimits& limits) {
  ArchiveWalker walker(path, limits);
  CUSTOMS_TRY(walker.Walk(bytes), std::string(path));
  return walker.Take();
}

bool JavaArchiveCataloger::Wants(const layer::FileInfo& info) const {
  return info.type == layer::FileType::kRegular && IsJavaArchiveName(info.path);
}

Status JavaArchiveCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(JavaArchive archive, ParseJavaArchive(file.content, file.info.path));
  for (auto& p : archive.packages) out.packages.push_back(std::move(p));
  for (auto& d : archive.diagnostics) out.diagnostics.push_back(std::move(d));
  return Status::Ok();
}

}  // namespace customs::catalog
