#include "detect/yara_rules.h"

#include <yara.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>

#include "base/digest.h"
#include "base/file.h"
#include "detect/windows.h"
#include "detect/yara_prefilter.h"
#include "layer/path.h"
#include "layer/zip_reader.h"

namespace customs::detect {
namespace {

// A user's rules directory: at most this many files, each at most this big.
constexpr size_t kMaxRuleFiles = 10'000;
constexpr size_t kMaxRuleFileBytes = size_t{16} << 20;
// Evidence: the first few matched strings, each shown up to this many bytes.
constexpr size_t kMaxEvidenceStrings = 3;
constexpr size_t kMaxEvidenceBytes = 64;
// One window that takes longer than this is abandoned with a diagnostic
// (a pathological user rule must not hang a scan).
constexpr int kScanTimeoutSeconds = 60;

void InitializeYara() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Only fails on out-of-memory; a later compile reports that then.
    (void)yr_initialize();
  });
}

std::string YaraError(int code) {
  switch (code) {
    case ERROR_INSUFFICIENT_MEMORY:
      return "out of memory";
    case ERROR_SCAN_TIMEOUT:
      return "timed out after " + std::to_string(kScanTimeoutSeconds) + " s";
    case ERROR_TOO_MANY_MATCHES:
      return "too many matches";
    default:
      return "libyara error " + std::to_string(code);
  }
}

// Printable evidence: ASCII as is with \ and " escaped, other bytes as \xNN.
std::string Printable(const uint8_t* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size && i < kMaxEvidenceBytes; ++i) {
    uint8_t c = data[i];
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (size > kMaxEvidenceBytes) out += "...";
  return out;
}

// A secret as evidence: its first four characters and its length only.
std::string Redacted(const uint8_t* data, size_t size) {
  size_t shown = std::min<size_t>(4, size);
  return Printable(data, shown) + "... (" + std::to_string(size) + " bytes, redacted)";
}

std::optional<model::Severity> ParseSeverity(std::string_view s) {
  if (s == "critical") return model::Severity::kCritical;
  if (s == "high") return model::Severity::kHigh;
  if (s == "medium") return model::Severity::kMedium;
  if (s == "low") return model::Severity::kLow;
  if (s == "info" || s == "negligible") return model::Severity::kNegligible;
  return std::nullopt;
}

std::optional<model::Disposition> ParseDisposition(std::string_view s) {
  if (s == "malicious") return model::Disposition::kMalicious;
  if (s == "suspicious") return model::Disposition::kSuspicious;
  if (s == "info") return model::Disposition::kInfo;
  return std::nullopt;
}

std::optional<model::Confidence> ParseConfidence(std::string_view s) {
  if (s == "high") return model::Confidence::kHigh;
  if (s == "medium") return model::Confidence::kMedium;
  if (s == "low") return model::Confidence::kLow;
  return std::nullopt;
}

struct CompileErrors {
  const std::string* source = nullptr;
  std::string first;
};

void OnCompileMessage(int error_level, const char* /*file_name*/, int line_number,
                      const YR_RULE* /*rule*/, const char* message, void* user_data) {
  if (error_level != YARA_ERROR_LEVEL_ERROR) return;  // warnings: slow rules still work
  auto* errors = static_cast<CompileErrors*>(user_data);
  if (errors->first.empty())
    errors->first = *errors->source + ":" + std::to_string(line_number) + ": " + message;
}

// What one scan collects.
struct ScanState {
  const layer::FileInfo* info;
  uint64_t offset;
  std::vector<model::Detection>* out;
};

int OnScanMessage(YR_SCAN_CONTEXT* context, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* state = static_cast<ScanState*>(user_data);
  const auto* rule = static_cast<const YR_RULE*>(message_data);
  model::Detection d;
  d.rule_id = rule->identifier;
  d.path = state->info->path;
  d.category = std::string(model::kCategoryMalware);
  d.severity = model::Severity::kMedium;
  d.disposition = model::Disposition::kSuspicious;
  d.confidence = model::Confidence::kMedium;
  const YR_META* meta;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type != META_TYPE_STRING || meta->string == nullptr) continue;
    std::string_view key = meta->identifier, value = meta->string;
    if (key == "category") {
      d.category = std::string(value);
    } else if (key == "severity") {
      if (auto s = ParseSeverity(value)) d.severity = *s;
    } else if (key == "disposition") {
      if (auto s = ParseDisposition(value)) d.disposition = *s;
    } else if (key == "confidence") {
      if (auto s = ParseConfidence(value)) d.confidence = *s;
    } else if (key == "description") {
      d.title = std::string(value);
    } else if (key == "reference") {
      d.reference = std::string(value);
    }
  }
  if (d.title.empty()) d.title = d.rule_id;
  bool secret = d.category == model::kCategorySecret;
  size_t shown = 0, total = 0;
  const YR_STRING* string;
  yr_rule_strings_foreach(rule, string) {
    // The first public match of the string. libyara allocates match records
    // at unaligned addresses in its notebooks, so each is copied out byte-wise
    // instead of read through the pointer (its yr_string_matches_foreach
    // macro does the latter, which is undefined behaviour).
    const YR_MATCH* next = context->matches[string->idx].head;
    while (next != nullptr) {
      YR_MATCH match;
      std::memcpy(&match, next, sizeof match);
      next = match.next;
      if (match.is_private) continue;
      ++total;
      if (shown >= kMaxEvidenceStrings) break;
      ++shown;
      if (!d.evidence.empty()) d.evidence += "; ";
      d.evidence += std::string(string->identifier) + " \"" +
                    (secret ? Redacted(match.data, static_cast<size_t>(match.data_length))
                            : Printable(match.data, static_cast<size_t>(match.data_length))) +
                    "\" at offset " +
                    std::to_string(state->offset + static_cast<uint64_t>(match.base) +
                                   static_cast<uint64_t>(match.offset));
      break;  // one match per string is enough to say why
    }
  }
  if (total == 0) d.evidence = "rule condition holds (no string matched)";
  state->out->push_back(std::move(d));
  return CALLBACK_CONTINUE;
}

// What one scanning thread holds: a libyara scanner and the prefilter's
// scratch, made on first use and used again for the next file (making a
// scanner sizes tables for every rule and string).
struct ScanWorker {
  YR_SCANNER* scanner = nullptr;
  std::unique_ptr<YaraPrefilter::Scratch> scratch;
  ~ScanWorker() {
    if (scanner != nullptr) yr_scanner_destroy(scanner);
  }
};

// Whether the prefilter read the rules libyara compiled: the same rules in
// the same order, with the same strings (text strings byte for byte).
// Otherwise `why` says where they part.
bool SameRules(YR_RULES* rules, const YaraPrefilter& prefilter, std::string& why) {
  const auto& shapes = prefilter.Rules();
  size_t i = 0;
  const YR_RULE* rule;
  yr_rules_foreach(rules, rule) {
    std::string name = std::string(rule->ns->name) + ":" + rule->identifier;
    if (i >= shapes.size()) {
      why = "libyara has rule " + name + " the prefilter did not read";
      return false;
    }
    const auto& shape = shapes[i++];
    if (shape.ns != rule->ns->name || shape.name != rule->identifier ||
        shape.is_private != ((rule->flags & RULE_FLAGS_PRIVATE) != 0) ||
        shape.is_global != ((rule->flags & RULE_FLAGS_GLOBAL) != 0)) {
      why = "rule " + name + " read as " + shape.ns + ":" + shape.name;
      return false;
    }
    size_t k = 0;
    const YR_STRING* string;
    yr_rule_strings_foreach(rule, string) {
      if (string->chained_to != nullptr) continue;  // a later part of a split hex string
      using Kind = YaraPrefilter::RuleShape::String::Kind;
      const bool hex = (string->flags & STRING_FLAGS_HEXADECIMAL) != 0;
      const bool regex = (string->flags & STRING_FLAGS_REGEXP) != 0;
      const bool plain = (string->flags &
                          (STRING_FLAGS_XOR | STRING_FLAGS_BASE64 | STRING_FLAGS_BASE64_WIDE)) == 0;
      bool same = k < shape.strings.size() && shape.strings[k].id == string->identifier;
      if (same) {
        const auto& s = shape.strings[k];
        same = s.kind == (hex     ? Kind::kHex
                          : regex ? Kind::kRegex
                                  : Kind::kText) &&
               (s.kind != Kind::kText || !plain ||
                std::string_view(reinterpret_cast<const char*>(string->string),
                                 static_cast<size_t>(std::max(string->length, 0))) == s.text);
      }
      if (!same) {
        why = "rule " + name + " string " + string->identifier + " read differently";
        return false;
      }
      ++k;
    }
    if (k != shape.strings.size()) {
      why = "rule " + name + " has " + std::to_string(k) + " strings in libyara";
      return false;
    }
  }
  if (i != shapes.size()) {
    why = "the prefilter read rules libyara did not compile";
    return false;
  }
  return true;
}

}  // namespace

struct YaraRules::Impl {
  YR_RULES* rules = nullptr;
  std::unique_ptr<YaraPrefilter> prefilter;  // null: every buffer goes to libyara
  std::mutex mu;
  std::vector<std::unique_ptr<ScanWorker>> idle;
  ~Impl() {
    idle.clear();
    if (rules != nullptr) yr_rules_destroy(rules);
  }
  Result<std::unique_ptr<ScanWorker>> Take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto w = std::move(idle.back());
        idle.pop_back();
        return w;
      }
    }
    auto w = std::make_unique<ScanWorker>();
    if (yr_scanner_create(rules, &w->scanner) != ERROR_SUCCESS)
      return ResourceExhausted("cannot create a YARA scanner");
    // The data is always customs' own memory: no SIGBUS/SIGSEGV handler
    // needed around the scan (libyara installs one per scan otherwise).
    yr_scanner_set_flags(w->scanner, SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH);
    yr_scanner_set_timeout(w->scanner, kScanTimeoutSeconds);
    if (prefilter) {
      CUSTOMS_ASSIGN_OR_RETURN(w->scratch, prefilter->NewScratch());
    }
    return w;
  }
  void Give(std::unique_ptr<ScanWorker> w) {
    std::lock_guard lock(mu);
    idle.push_back(std::move(w));
  }
};

bool IsSecretRuleFile(const RuleSource& source) { return source.name == "secrets.yar"; }

std::string RuleNamespace(const RuleSource& source) {
  std::string ns = std::filesystem::path(source.name).stem().string();
  return ns.empty() ? "rules" : ns;
}

YaraRules::YaraRules(Key) {}
YaraRules::~YaraRules() = default;

Result<std::shared_ptr<const YaraRules>> YaraRules::Compile(const std::vector<RuleSource>& sources,
                                                            CompileOptions options) {
  InitializeYara();
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS)
    return ResourceExhausted("cannot create a YARA compiler");
  std::unique_ptr<YR_COMPILER, void (*)(YR_COMPILER*)> guard(compiler, yr_compiler_destroy);
  if (yr_compiler_define_string_variable(compiler, "filepath", "") != ERROR_SUCCESS ||
      yr_compiler_define_string_variable(compiler, "filename", "") != ERROR_SUCCESS ||
      yr_compiler_define_integer_variable(compiler, "filemode", 0) != ERROR_SUCCESS ||
      yr_compiler_define_integer_variable(compiler, "window_offset", 0) != ERROR_SUCCESS)
    return ResourceExhausted("cannot define the YARA external variables");
  CompileErrors errors;
  yr_compiler_set_callback(compiler, OnCompileMessage, &errors);
  Sha256 digest;
  for (const RuleSource& source : sources) {
    errors.source = &source.name;
    std::string ns = RuleNamespace(source);
    if (yr_compiler_add_string(compiler, source.text.c_str(), ns.c_str()) != 0)
      return InvalidArgument("YARA rules " + (errors.first.empty() ? source.name : errors.first));
    digest.Update(source.name);
    digest.Update(std::string_view("\0", 1));
    digest.Update(source.text);
    digest.Update(std::string_view("\0", 1));
  }
  auto out = std::make_shared<YaraRules>(Key{});
  out->impl_ = std::make_unique<Impl>();
  if (yr_compiler_get_rules(compiler, &out->impl_->rules) != ERROR_SUCCESS)
    return ResourceExhausted("cannot build the YARA rule set");
  const YR_RULE* rule;
  yr_rules_foreach(out->impl_->rules, rule)++ out->rule_count_;
  out->digest_ = digest.Finish().str();
  if (options.prefilter) {
    // The prefilter stays off when it cannot read the rules, or reads them
    // other than libyara did; scans are then libyara's alone.
    auto prefilter = YaraPrefilter::Build(sources);
    std::string why;
    if (!prefilter.ok()) {
      out->prefilter_state_ = "off: " + prefilter.status().message();
    } else if (!SameRules(out->impl_->rules, **prefilter, why)) {
      out->prefilter_state_ = "off: " + why;
    } else {
      out->prefilter_state_ =
          "on: " + std::to_string((*prefilter)->PrefilteredStrings()) + " strings searched, " +
          std::to_string((*prefilter)->UnfilteredStrings()) + " counted as always present";
      out->impl_->prefilter = std::move(*prefilter);
    }
  } else {
    out->prefilter_state_ = "off: not asked for";
  }
  return std::shared_ptr<const YaraRules>(std::move(out));
}

Status YaraRules::Scan(const layer::FileInfo& info, std::span<const uint8_t> data, uint64_t offset,
                       std::vector<model::Detection>& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(std::unique_ptr<ScanWorker> worker, impl_->Take());
  auto give_back = [this](ScanWorker* w) { impl_->Give(std::unique_ptr<ScanWorker>(w)); };
  std::unique_ptr<ScanWorker, decltype(give_back)> guard(worker.release(), give_back);
  std::string_view name = layer::BaseName(info.path);
  if (impl_->prefilter &&
      !impl_->prefilter->MayMatch({.data = data,
                                   .filepath = info.path,
                                   .filename = name,
                                   .filemode = info.mode,
                                   .window_offset = static_cast<int64_t>(offset)},
                                  *guard->scratch))
    return Status::Ok();
  YR_SCANNER* scanner = guard->scanner;
  std::string name_z(name);
  if (yr_scanner_define_string_variable(scanner, "filepath", info.path.c_str()) != ERROR_SUCCESS ||
      yr_scanner_define_string_variable(scanner, "filename", name_z.c_str()) != ERROR_SUCCESS ||
      yr_scanner_define_integer_variable(scanner, "filemode", info.mode) != ERROR_SUCCESS ||
      yr_scanner_define_integer_variable(scanner, "window_offset", static_cast<int64_t>(offset)) !=
          ERROR_SUCCESS)
    return ResourceExhausted("cannot set the YARA external variables");
  ScanState state{&info, offset, &out};
  yr_scanner_set_callback(scanner, OnScanMessage, &state);
  int rc = yr_scanner_scan_mem(scanner, data.data(), data.size());
  if (rc != ERROR_SUCCESS)
    return ResourceExhausted("YARA scan at offset " + std::to_string(offset) + ": " +
                             YaraError(rc));
  return Status::Ok();
}

Result<std::vector<RuleSource>> ReadRuleFiles(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return NotFound("rules " + path + " do not exist");
  std::vector<std::string> files;
  if (std::filesystem::is_directory(status)) {
    std::filesystem::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      if (ext != ".yar" && ext != ".yara") continue;
      if (files.size() >= kMaxRuleFiles)
        return ResourceExhausted("rules " + path + ": more than " + std::to_string(kMaxRuleFiles) +
                                 " rule files");
      files.push_back(it->path().string());
    }
    if (ec) return InvalidArgument("rules " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return InvalidArgument("rules " + path + " holds no .yar or .yara files");
  } else {
    files.push_back(path);
  }
  std::vector<RuleSource> out;
  for (const auto& file : files) {
    CUSTOMS_ASSIGN_OR_RETURN(std::string text, ReadFile(file, kMaxRuleFileBytes));
    out.push_back({file, std::move(text)});
  }
  return out;
}

namespace {

// ZIP local file header and gzip magic.
bool IsZip(std::span<const uint8_t> d) {
  return d.size() >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4;
}
bool IsGzip(std::span<const uint8_t> d) {
  return d.size() >= 18 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 8;
}

// The raw deflate data of a gzip member (RFC 1952: header, optional extra,
// name, comment and header CRC), or empty when the header is malformed.
std::span<const uint8_t> GzipDeflateData(std::span<const uint8_t> d) {
  uint8_t flags = d[3];
  size_t pos = 10;
  if (flags & 0x04) {  // FEXTRA
    if (d.size() - pos < 2) return {};
    size_t xlen = d[pos] | (size_t{d[pos + 1]} << 8);
    pos += 2;
    if (d.size() - pos < xlen) return {};
    pos += xlen;
  }
  for (uint8_t bit : {uint8_t{0x08}, uint8_t{0x10}}) {  // FNAME, FCOMMENT: zero-terminated
    if (!(flags & bit)) continue;
    while (pos < d.size() && d[pos] != 0) ++pos;
    if (pos == d.size()) return {};
    ++pos;
  }
  if (flags & 0x02) pos += 2;  // FHCRC
  if (pos >= d.size()) return {};
  return d.subspan(pos);
}

// A member name as part of a path: printable, no control bytes.
std::string MemberName(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 1024))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

}  // namespace

ContentScanner::ContentScanner(std::shared_ptr<const YaraRules> rules)
    : rules_(std::move(rules)), name_("detect/yara:" + rules_->Digest().substr(7, 12)) {}

Status ContentScanner::ScanWindow(const layer::FileInfo& info, std::span<const uint8_t> window,
                                  uint64_t offset, bool last, layer::Findings& out) const {
  return ScanWindowOnce(info.path, offset, out.detections, [&](std::vector<model::Detection>&) {
    return ScanWhole(info, window, offset, last, 0, out);
  });
}

Status ContentScanner::ScanWhole(const layer::FileInfo& info, std::span<const uint8_t> data,
                                 uint64_t offset, bool last, int depth,
                                 layer::Findings& out) const {
  size_t before = out.detections.size();
  CUSTOMS_TRY(rules_->Scan(info, data, offset, out.detections));
  // A flagged file seen whole gets its digest, for hash allow-lists.
  if (out.detections.size() > before) {
    std::string digest = WholeFileDigest(data, offset, last);
    for (size_t i = before; i < out.detections.size(); ++i) out.detections[i].sha256 = digest;
  }
  if (offset != 0 || !last || depth >= kMaxArchiveDepth) return Status::Ok();
  // Archive members, as "<path>!/<member>" (jar, war, whl, apk, .gz, ...).
  auto member_info = [&](std::string_view name, size_t size) {
    layer::FileInfo m;
    m.path = info.path + "!/" + MemberName(name);
    m.size = size;
    m.mode = 0644;
    return m;
  };
  auto skipped = [&](const std::string& path, const Status& s) {
    out.diagnostics.push_back({.severity = model::DiagnosticSeverity::kWarning,
                               .code = "archive-member-skipped",
                               .layer = "",
                               .path = path,
                               .message = std::string(Name()) + ": " + s.ToString()});
  };
  if (IsZip(data)) {
    layer::ZipLimits limits;
    limits.max_entries = kMaxArchiveMembers;
    limits.max_member_bytes = kMaxArchiveMemberBytes;
    limits.max_total_bytes = kMaxArchiveTotalBytes;
    auto zip = layer::ZipArchive::Parse(data, limits);
    if (!zip.ok()) return Status::Ok();  // PK\3\4 alone does not make a zip
    for (const auto& e : zip->entries()) {
      if (e.IsDirectory()) continue;
      auto member = zip->Read(e, kMaxArchiveMemberBytes);
      if (!member.ok()) {
        // Encrypted or exotic members are not content customs can see; a
        // budget that ran out ends the archive.
        if (member.status().code() == StatusCode::kResourceExhausted) {
          skipped(info.path + "!/" + MemberName(e.name), member.status());
          break;
        }
        continue;
      }
      CUSTOMS_TRY(ScanWhole(member_info(e.name, member->bytes().size()), member->bytes(), 0, true,
                            depth + 1, out));
    }
  } else if (IsGzip(data)) {
    std::span<const uint8_t> deflate = GzipDeflateData(data);
    if (deflate.empty()) return Status::Ok();
    auto inflated =
        layer::Inflate(deflate, layer::DeflateWrapper::kRaw, kMaxArchiveMemberBytes, info.path);
    if (!inflated.ok()) {
      if (inflated.status().code() == StatusCode::kResourceExhausted)
        skipped(info.path, inflated.status());
      return Status::Ok();
    }
    std::string_view base = layer::BaseName(info.path);
    if (base.ends_with(".gz")) base.remove_suffix(3);
    CUSTOMS_TRY(ScanWhole(member_info(base, inflated->size()), *inflated, 0, true, depth + 1, out));
  }
  return Status::Ok();
}

}  // namespace customs::detect
