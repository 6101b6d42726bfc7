// The content engine: YARA rules (libyara), built in from rules/ and added
// by users (--rules), run over every regular file of every layer.
//
// Rule metadata customs reads (all optional but `category`):
//   category     coin-miner | hacking-tool | windows-malware | backdoor |
//                secret | malware            (model/detection.h)
//   severity     critical | high | medium | low          (default medium)
//   disposition  malicious | suspicious | info           (default suspicious)
//   confidence   high | medium | low                     (default medium)
//   description  one line: what the rule finds (the finding's title)
//   reference    a URL the rule rests on
// A rule without `category` is reported as category "malware" (users'
// rules written for other tools).
//
// External variables every rule may use (yara's -d): `filepath` (the path in
// the image, no leading "/"), `filename` (its last component), `filemode`
// (permission bits with setuid 04000 / setgid 02000), `window_offset` (the
// offset in the file of the data scanned: 0 unless the file is larger than
// one window, see layer/analyzer.h).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"
#include "model/detection.h"

namespace customs::detect {

// One rules file: its name ("coin_miners.yar", or the path a user gave) and
// its text.
struct RuleSource {
  std::string name;
  std::string text;
};

// The rules shipped in rules/, compiled into the binary.
const std::vector<RuleSource>& BuiltinRules();
// Whether a built-in rules file is the secret scanner's (secrets.yar); the
// others are the malware scanner's. A scan compiles only the files of the
// scanners it runs.
bool IsSecretRuleFile(const RuleSource& source);
// The YARA namespace a source's rules are compiled in: its file name
// without directory and extension ("coin_miners").
std::string RuleNamespace(const RuleSource& source);

// Reads the .yar/.yara files at `path`: one file, or a directory searched
// recursively (sorted by path). NotFound / InvalidArgument with the path.
Result<std::vector<RuleSource>> ReadRuleFiles(const std::string& path);

struct CompileOptions {
  // Put the prefilter (detect/yara_prefilter.h) in front of libyara: files
  // no rule can match are not handed to it. The findings are the same.
  bool prefilter = true;
};

class YaraRules {
 public:
  // Compiles the sources into one rule set; each file is its own namespace.
  // A syntax error fails with the file name, line and libyara's message.
  static Result<std::shared_ptr<const YaraRules>> Compile(const std::vector<RuleSource>& sources,
                                                          CompileOptions options = {});
  ~YaraRules();

  // "sha256:..." over every source's name and text: part of the layer cache
  // key, so changed rules rescan.
  const std::string& Digest() const { return digest_; }
  size_t RuleCount() const { return rule_count_; }
  // "on: N strings searched, M counted as always present" or "off: why".
  const std::string& PrefilterState() const { return prefilter_state_; }

  // Scans `data`, the bytes of `info` starting at `offset`, appending one
  // detection per matching rule (path, rule_id, category, severity,
  // disposition, confidence, title, reference, evidence: the first matched
  // strings with their offsets in the file; for category "secret" the
  // matched bytes are redacted). Thread-safe.
  Status Scan(const layer::FileInfo& info, std::span<const uint8_t> data, uint64_t offset,
              std::vector<model::Detection>& out) const;

 private:
  struct Impl;
  // Only Compile makes one (a passkey: make_shared needs a public constructor).
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit YaraRules(Key);

 private:
  std::unique_ptr<Impl> impl_;
  std::string digest_;
  std::string prefilter_state_;
  size_t rule_count_ = 0;
};

// Archive members are scanned too: a zip (jar, war, whl, apk, ...) or gzip
// file no larger than one window is opened and each member scanned as
// "<path>!/<member>" (a .gz file's member is its name without ".gz"), down
// to kMaxArchiveDepth levels, within the budgets below.
inline constexpr int kMaxArchiveDepth = 3;
inline constexpr size_t kMaxArchiveMembers = 100'000;            // per archive
inline constexpr uint64_t kMaxArchiveMemberBytes = 64ull << 20;  // one member
inline constexpr uint64_t kMaxArchiveTotalBytes = 256ull << 20;  // one archive

// A content detector (layer::Analyzer with ScansContent) over a rule set:
// scans each window, reports each rule once per file (the first window it
// matches in), and the members of archives seen whole.
class ContentScanner : public layer::Analyzer {
 public:
  explicit ContentScanner(std::shared_ptr<const YaraRules> rules);
  std::string_view Name() const override { return name_; }
  int Version() const override { return 2; }
  bool Wants(const layer::FileInfo&) const override { return false; }
  Status Analyze(const layer::File&, layer::Findings&) const override { return Status::Ok(); }
  bool ScansContent() const override { return true; }
  Status ScanWindow(const layer::FileInfo& info, std::span<const uint8_t> window, uint64_t offset,
                    bool last, layer::Findings& out) const override;

 private:
  // Scans data of `info` at `offset`; when it is the whole file, its digest
  // goes on the detections and archive members are opened (depth: of the
  // archive nesting so far).
  Status ScanWhole(const layer::FileInfo& info, std::span<const uint8_t> data, uint64_t offset,
                   bool last, int depth, layer::Findings& out) const;

  std::shared_ptr<const YaraRules> rules_;
  std::string name_;  // "detect/yara:<digest prefix>"
};

}  // namespace customs::detect
