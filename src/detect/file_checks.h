// Path-based detectors: files whose mere presence, or a few fields of
// them, say something about the image (contraband.md §3.5, §3.6).
//
//   detect/shadow           etc/shadow: accounts with a password hash
//                           ("shadow-unlocked-hash") or an empty password
//                           ("shadow-empty-password"); secret, high,
//                           suspicious. The hash is never quoted.
//   detect/ld-so-preload    etc/ld.so.preload naming libraries: the classic
//                           userland-rootkit hook ("ld-so-preload");
//                           backdoor, high, malicious, confidence medium.
//   detect/authorized-keys  .ssh/authorized_keys{,2} and
//                           etc/ssh/authorized_keys*: keys shipped in the
//                           image let their holders in ("ssh-authorized-keys");
//                           backdoor, high, suspicious. Evidence: key types,
//                           comments and count, never the key body.
//   detect/tmp-elf          ELF executables under tmp/, var/tmp/, dev/shm/:
//                           where droppers put payloads ("elf-in-temp-dir");
//                           backdoor, medium, suspicious, confidence low.
//
// All are stateless and thread-safe. Detections carry `path`; the merge sets
// `layer` and `deleted_by`.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "layer/analyzer.h"

namespace customs::detect {

// Lines of one shadow file: a host with LDAP-free local accounts has tens,
// big multi-user hosts thousands; 100k stops a file of empty lines.
inline constexpr size_t kMaxShadowLines = 100'000;
// One shadow line: name, hash (yescrypt/sha512 ~110 bytes) and seven short
// numeric fields; 4 KiB is far above any real line.
inline constexpr size_t kMaxShadowLineBytes = 4096;
// Library names quoted in the evidence of an ld.so.preload finding, and
// keys of an authorized_keys finding.
inline constexpr size_t kMaxQuotedEntries = 5;
// ELF files under tmp/ larger than this are not read (Wants says no): the
// content rules still see them. Dropped miners are a few MiB.
inline constexpr size_t kMaxTempElfBytes = size_t{64} << 20;

// One line of /etc/shadow (shadow(5)): "name:password:lastchg:min:max:warn:
// inactive:expire:reserved"; only the first two fields are kept.
struct ShadowEntry {
  std::string name;
  std::string password;  // the hash: a secret, never to be printed
  size_t line = 0;       // from 1
};

// What a shadow password field allows.
enum class ShadowPassword {
  kEmpty,   // "": login without a password
  kLocked,  // "!...", "*...": no password login ("!" is a locked hash)
  kHash,    // crypt(3) output: "$id$...", or 13 DES characters
  kOther,   // anything else ("x", "NP", garbage): no hash can match it
};
ShadowPassword ClassifyShadowPassword(std::string_view password);

// Parses shadow text. Like glibc, lines that are not "name:password[:...]"
// (no colon, empty name) and NIS "+"/"-" lines are skipped; blank lines too.
// ResourceExhausted naming the line when a line is longer than
// kMaxShadowLineBytes or there are more than kMaxShadowLines.
Result<std::vector<ShadowEntry>> ParseShadow(std::string_view text);

class ShadowAnalyzer : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "detect/shadow"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

class PreloadAnalyzer : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "detect/ld-so-preload"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

class AuthorizedKeysAnalyzer : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "detect/authorized-keys"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

class TempElfAnalyzer : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "detect/tmp-elf"; }
  int Version() const override { return 1; }
  // Regular files of 4 bytes to kMaxTempElfBytes under tmp/, var/tmp/,
  // dev/shm/ with an execute bit.
  bool Wants(const layer::FileInfo& info) const override;
  size_t MaxBytes() const override { return kMaxTempElfBytes; }
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

// The analyzers above, in that order.
std::vector<std::unique_ptr<layer::Analyzer>> FileCheckAnalyzers();

}  // namespace customs::detect
