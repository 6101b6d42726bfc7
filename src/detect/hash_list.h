// Known-bad files by SHA-256: ClamAV's .hsb format, one signature a line,
//
//   <sha256 hex>:<file size or *>:<name>[:<min flevel>[:<max flevel>]]
//
// ('#' comments and blank lines allowed). customs ships EICAR's digest and
// reads the users' lists (--hashes FILE). Only files of a listed size are
// hashed, so a list costs nothing on other files; a `*` size makes every
// file up to kMaxHashedFileBytes be hashed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"

namespace customs::detect {

inline constexpr size_t kMaxHashListBytes = size_t{256} << 20;  // ClamAV's daily.hsb: ~10 MiB
inline constexpr size_t kMaxHashListEntries = 10'000'000;
inline constexpr size_t kMaxHashedFileBytes = size_t{256} << 20;

struct HashEntry {
  std::string sha256;  // lower-case hex
  uint64_t size = 0;
  bool any_size = false;
  std::string name;    // "Win.Test.EICAR_HDB-1"
  std::string source;  // "<file>:<line>"
};

// Parses one list; `file_name` names it in errors and in each entry's source.
Result<std::vector<HashEntry>> ParseHashList(std::string_view text, std::string_view file_name);

// The built-in list (EICAR's test file).
const std::vector<HashEntry>& BuiltinHashes();

// Reports files whose SHA-256 is listed: category "malware", disposition
// malicious, rule "hash:<name>", sha256 and evidence naming the list line.
class HashListAnalyzer : public layer::Analyzer {
 public:
  explicit HashListAnalyzer(std::vector<HashEntry> entries);
  std::string_view Name() const override { return name_; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return max_bytes_; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;

 private:
  std::multimap<std::string, HashEntry> by_hash_;
  std::set<uint64_t> sizes_;
  bool any_size_ = false;
  size_t max_bytes_ = 0;
  std::string name_;  // "detect/hashes:<digest of the entries>"
};

}  // namespace customs::detect
