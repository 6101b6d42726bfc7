// Feed format detection and the file/directory/zip walk over the importers.
#include "vuln/feeds.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/strings.h"
#include "layer/zip_reader.h"

namespace customs::vuln {

namespace fs = std::filesystem;

namespace {

// Directory levels below the path given: OSV's trees nest 2 deep
// (ecosystem/package/record); 32 stops a symlink-free but absurd tree.
constexpr size_t kMaxDirectoryDepth = 32;
// Warnings kept in ReadStats; the counts still cover every file.
constexpr size_t kMaxWarnings = 100;
// Bytes of a file DetectFeedFormat looks at.
constexpr size_t kHeadBytes = 64 << 10;

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return ToLower(s.substr(s.size() - suffix.size())) == suffix;
}

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  return pos;
}

// At a '"': the string's content (escapes not decoded) and the position
// after its closing quote, or npos.
size_t ReadJsonString(std::string_view s, size_t pos, std::string_view& out) {
  if (pos >= s.size() || s[pos] != '"') return std::string_view::npos;
  size_t start = ++pos;
  while (pos < s.size() && s[pos] != '"') pos += s[pos] == '\\' ? 2 : 1;
  if (pos >= s.size()) return std::string_view::npos;
  out = s.substr(start, pos - start);
  return pos + 1;
}

// `{ "<package>": { "CVE-…" | "TEMP-…": {` — the Debian tracker's opening.
bool LooksLikeDebianTracker(std::string_view head) {
  size_t pos = SkipSpace(head, 0);
  if (pos >= head.size() || head[pos] != '{') return false;
  std::string_view key;
  pos = ReadJsonString(head, SkipSpace(head, pos + 1), key);
  if (pos == std::string_view::npos) return false;
  pos = SkipSpace(head, pos);
  if (pos >= head.size() || head[pos] != ':') return false;
  pos = SkipSpace(head, pos + 1);
  if (pos >= head.size() || head[pos] != '{') return false;
  pos = ReadJsonString(head, SkipSpace(head, pos + 1), key);
  if (pos == std::string_view::npos) return false;
  return key.substr(0, 4) == "CVE-" || key.substr(0, 5) == "TEMP-";
}

// A YAML document with `key:` at the start of a line (top level).
bool YamlHasTopKey(std::string_view head, std::string_view key) {
  LineCursor lines(head);
  for (std::string_view line; lines.Next(line);)
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':')
      return true;
  return false;
}

class Walker {
 public:
  Walker(const AdvisorySink& sink, const FeedLimits& limits) : limits_(limits) {
    // Tells sink errors (which stop the import) from parse errors (which
    // skip one file).
    sink_ = [this, &sink](Advisory&& advisory) {
      Status s = sink(std::move(advisory));
      if (!s.ok()) {
        sink_failed_ = true;
        return s;
      }
      ++pending_;
      return Status::Ok();
    };
  }

  ReadStats& stats() { return stats_; }

  void Warn(std::string message) {
    if (stats_.warnings.size() < kMaxWarnings) stats_.warnings.push_back(std::move(message));
  }

  // Parses one document; a parse failure is counted and warned about, a
  // sink failure returned.
  Status ParseDocument(std::string_view name, std::string_view bytes, FeedFormat format) {
    ++stats_.files;
    pending_ = 0;
    Status s;
    switch (format) {
      case FeedFormat::kOsvJson:
        s = ParseOsvJson(bytes, sink_, limits_);
        break;
      case FeedFormat::kOsvYaml:
        s = ParseOsvYaml(bytes, sink_, limits_);
        break;
      case FeedFormat::kDebianTracker:
        s = ParseDebianTracker(bytes, sink_, limits_);
        break;
      case FeedFormat::kAlpineSecdb:
        s = ParseAlpineSecdb(bytes, sink_, limits_);
        break;
      case FeedFormat::kZip:
      case FeedFormat::kUnknown:
        s = Unimplemented("not a known advisory format");
        break;
    }
    stats_.advisories += pending_;
    if (sink_failed_) return std::move(s).WithContext(name);
    if (!s.ok()) {
      ++stats_.skipped_files;
      Warn(std::string(name) + ": " + s.message());
    }
    return Status::Ok();
  }

  Status ParseZip(const std::string& name, std::string_view bytes) {
    layer::ZipLimits zip_limits;
    zip_limits.max_entries = limits_.max_zip_members;
    zip_limits.max_member_bytes = limits_.max_record_bytes;
    // OSV's all.zip of PyPI expands to ~100 MB, the biggest ones (Debian,
    // Ubuntu) to a few GB: 4 GiB in all, or the document bound if larger.
    zip_limits.max_total_bytes = std::max<uint64_t>(limits_.max_document_bytes, 4ull << 30);
    auto data =
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    auto zip = layer::ZipArchive::Parse(data, zip_limits);
    if (!zip.ok()) {
      ++stats_.files;
      ++stats_.skipped_files;
      Warn(name + ": " + zip.status().message());
      return Status::Ok();
    }
    for (const layer::ZipEntry& entry : zip->entries()) {
      if (entry.IsDirectory() || !EndsWithNoCase(entry.name, ".json")) continue;
      std::string member_name = name + ":" + Printable(entry.name, 200);
      auto member = zip->Read(entry, limits_.max_record_bytes);
      if (!member.ok()) {
        ++stats_.files;
        ++stats_.skipped_files;
        Warn(member_name + ": " + member.status().message());
        continue;
      }
      CUSTOMS_TRY(ParseDocument(member_name, member->text(), FeedFormat::kOsvJson));
    }
    return Status::Ok();
  }

  // One file. `explicit_path` is the path the user named (not one found in
  // a directory): an unreadable one is an error, not a warning.
  Status ParseFile(const fs::path& path, bool explicit_path) {
    std::string name = path.string();
    auto bytes = ReadFile(name, limits_.max_document_bytes);
    if (!bytes.ok()) {
      if (explicit_path) return bytes.status();
      ++stats_.files;
      ++stats_.skipped_files;
      Warn(name + ": " + bytes.status().message());
      return Status::Ok();
    }
    std::string_view text = *bytes;
    FeedFormat format = DetectFeedFormat(path.filename().string(),
                                         text.substr(0, std::min(text.size(), kHeadBytes)));
    if (format == FeedFormat::kZip) return ParseZip(name, text);
    return ParseDocument(name, text, format);
  }

  Status ParseDirectory(const fs::path& dir, const fs::path& root, size_t depth) {
    if (depth > kMaxDirectoryDepth) {
      Warn(dir.string() + ": directory nesting deeper than " + std::to_string(kMaxDirectoryDepth) +
           ", not read");
      return Status::Ok();
    }
    std::error_code ec;
    fs::path canonical = fs::canonical(dir, ec);
    if (ec || !visited_.insert(canonical.string()).second) return Status::Ok();  // a cycle
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(*it);
    if (ec) {
      Warn(dir.string() + ": " + ec.message());
      return Status::Ok();
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return a.path().filename() < b.path().filename();
    });
    for (const fs::directory_entry& entry : entries) {
      std::string file_name = entry.path().filename().string();
      if (file_name.empty() || file_name.front() == '.') continue;
      if (entry.is_symlink(ec)) {
        fs::path target = fs::canonical(entry.path(), ec);
        if (ec || !IsUnder(target, root)) continue;  // dangling, or leaves the tree
      }
      if (entry.is_directory(ec)) {
        CUSTOMS_TRY(ParseDirectory(entry.path(), root, depth + 1));
        continue;
      }
      if (!entry.is_regular_file(ec)) continue;
      if (!EndsWithNoCase(file_name, ".json") && !EndsWithNoCase(file_name, ".yaml") &&
          !EndsWithNoCase(file_name, ".yml") && !EndsWithNoCase(file_name, ".zip"))
        continue;
      CUSTOMS_TRY(ParseFile(entry.path(), /*explicit_path=*/false));
    }
    return Status::Ok();
  }

 private:
  static bool IsUnder(const fs::path& path, const fs::path& root) {
    auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
    return r == root.end();
  }

  const FeedLimits& limits_;
  AdvisorySink sink_;
  bool sink_failed_ = false;
  size_t pending_ = 0;
  ReadStats stats_;
  std::set<std::string> visited_;
};

}  // namespace

FeedFormat DetectFeedFormat(std::string_view file_name, std::string_view head) {
  if (head.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
      head.substr(0, 4) == std::string_view("PK\x05\x06", 4) || EndsWithNoCase(file_name, ".zip"))
    return FeedFormat::kZip;
  size_t first = SkipSpace(head, 0);
  char c = first < head.size() ? head[first] : '\0';
  if (c == '{' || c == '[') {
    if (head.find("\"distroversion\"") != std::string_view::npos ||
        (head.find("\"secfixes\"") != std::string_view::npos &&
         head.find("\"packages\"") != std::string_view::npos) ||
        head.find("\"apkurl\"") != std::string_view::npos)
      return FeedFormat::kAlpineSecdb;
    if (c == '{' && LooksLikeDebianTracker(head)) return FeedFormat::kDebianTracker;
    if (head.find("\"id\"") != std::string_view::npos &&
        (head.find("\"affected\"") != std::string_view::npos ||
         head.find("\"modified\"") != std::string_view::npos ||
         head.find("\"schema_version\"") != std::string_view::npos))
      return FeedFormat::kOsvJson;
    return FeedFormat::kUnknown;
  }
  bool yaml_name = EndsWithNoCase(file_name, ".yaml") || EndsWithNoCase(file_name, ".yml");
  if (yaml_name || head.substr(first, 3) == "---") {
    if (YamlHasTopKey(head, "distroversion") || YamlHasTopKey(head, "apkurl"))
      return FeedFormat::kAlpineSecdb;
    if (YamlHasTopKey(head, "id") &&
        (YamlHasTopKey(head, "affected") || YamlHasTopKey(head, "modified") ||
         YamlHasTopKey(head, "schema_version")))
      return FeedFormat::kOsvYaml;
  }
  return FeedFormat::kUnknown;
}

Result<ReadStats> ReadAdvisories(const fs::path& path, const AdvisorySink& sink,
                                 const FeedLimits& limits) {
  Walker walker(sink, limits);
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec) return NotFound(path.string() + ": " + ec.message());
  if (fs::is_directory(st)) {
    fs::path root = fs::canonical(path, ec);
    if (ec) return NotFound(path.string() + ": " + ec.message());
    CUSTOMS_TRY(walker.ParseDirectory(path, root, 0));
  } else {
    CUSTOMS_TRY(walker.ParseFile(path, /*explicit_path=*/true));
  }
  return std::move(walker.stats());
}

}  // namespace customs::vuln
