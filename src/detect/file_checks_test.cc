#include "detect/file_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/testing.h"

namespace customs::detect {
namespace {

using model::Disposition;
using model::Severity;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

layer::FileInfo Info(std::string path, uint64_t size, uint32_t mode = 0644) {
  layer::FileInfo info;
  info.path = std::move(path);
  info.size = size;
  info.mode = mode;
  return info;
}

// Runs `a` over a file at `path` holding `text`, as the walker would: only
// when it wants the file and it is not too large.
layer::Findings Analyze(const layer::Analyzer& a, const std::string& path, const std::string& text,
                        uint32_t mode = 0644) {
  layer::Findings out;
  layer::FileInfo info = Info(path, text.size(), mode);
  EXPECT_TRUE(a.Wants(info)) << a.Name() << " does not want " << path;
  EXPECT_LE(text.size(), a.MaxBytes());
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  Status s = a.Analyze(file, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string AllStrings(const layer::Findings& f) {
  std::string out;
  for (const auto& d : f.detections)
    out += d.category + "|" + d.rule_id + "|" + d.title + "|" + d.reference + "|" + d.path + "|" +
           d.evidence + "\n";
  for (const auto& d : f.diagnostics) out += d.message + "\n";
  return out;
}

// ----------------------------------------------------------------------------
// /etc/shadow.

// Debian 12's debootstrap shadow (as in the minbase image) and Alpine
// 3.20's: every account locked with "*" or "!".
constexpr char kDebianShadow[] =
    "root:*:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "bin:*:19000:0:99999:7:::\n"
    "sys:*:19000:0:99999:7:::\n"
    "sync:*:19000:0:99999:7:::\n"
    "games:*:19000:0:99999:7:::\n"
    "man:*:19000:0:99999:7:::\n"
    "www-data:*:19000:0:99999:7:::\n"
    "_apt:*:19000:0:99999:7:::\n"
    "nobody:*:19000:0:99999:7:::\n";
constexpr char kAlpineShadow[] =
    "root:*::0:::::\n"
    "bin:!::0:::::\n"
    "daemon:!::0:::::\n"
    "sshd:!::0:::::\n"
    "nobody:!::0:::::\n";
// A made-up SHA-512 crypt string: "$6$" salt "$" 86 characters.
const std::string kHash =
    "$6$Qx7RtYb2$" + std::string(
                         "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kL7nP9rS1uV3xY5zA7cD9fG1hJ3k"
                         "L5mN7pQ9rS1tU3vW5xY7zA");

TEST(ParseShadowTest, KeepsNameAndPasswordField) {
  auto r = ParseShadow("root:" + kHash +
                       ":19000:0:99999:7:::\n\n+::::::::\nbroken line\n:x:\n"
                       "alice::19000:0:99999:7:::\r\nbob:!" +
                       kHash + ":1::::::\nshort:");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].name, "root");
  EXPECT_EQ((*r)[0].password, kHash);
  EXPECT_EQ((*r)[0].line, 1u);
  EXPECT_EQ((*r)[1].name, "alice");
  EXPECT_EQ((*r)[1].password, "");
  EXPECT_EQ((*r)[1].line, 6u);
  EXPECT_EQ((*r)[2].name, "bob");
  EXPECT_EQ((*r)[2].password, "!" + kHash);
  EXPECT_EQ((*r)[3].name, "short");
  EXPECT_EQ((*r)[3].line, 8u);
}

TEST(ParseShadowTest, Limits) {
  std::string long_line = "root:" + std::string(kMaxShadowLineBytes, 'a') + "\n";
  auto r = ParseShadow(long_line);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("shadow line 1"));

  std::string many(kMaxShadowLines + 1, '\n');
  r = ParseShadow(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("kMaxShadowLines"));

  EXPECT_TRUE(ParseShadow(std::string(kMaxShadowLines, '\n')).ok());
  EXPECT_TRUE(ParseShadow("").ok());
}

TEST(ParseShadowTest, Classify) {
  EXPECT_EQ(ClassifyShadowPassword(""), ShadowPassword::kEmpty);
  for (const char* locked : {"*", "!", "!!", "!*", "*LK*", "!$6$abc$def"})
    EXPECT_EQ(ClassifyShadowPassword(locked), ShadowPassword::kLocked) << locked;
  for (std::string hash :
       {kHash, std::string("$y$j9T$abcdefghijklmnop$qrstuvwxyz0123456789ABCDEFGHIJ"),
        std::string("$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"),
        std::string("$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"),
        std::string("abJnggxhB/yWI"),  // 13-character DES
        std::string("_J9..rasmBYk8r9AiWNc")})
    EXPECT_EQ(ClassifyShadowPassword(hash), ShadowPassword::kHash) << hash;
  for (const char* other :
       {"x", "NP", "LK", "$", "$$", "$6$", "$6", "abc", "$6 $salt$hash", "abJnggxhB/yW!"})
    EXPECT_EQ(ClassifyShadowPassword(other), ShadowPassword::kOther) << other;
}

TEST(ShadowAnalyzerTest, WantsShadowAndItsBackup) {
  ShadowAnalyzer a;
  EXPECT_TRUE(a.Wants(Info("etc/shadow", 10)));
  EXPECT_TRUE(a.Wants(Info("etc/shadow-", 10)));
  EXPECT_FALSE(a.Wants(Info("etc/gshadow", 10)));
  EXPECT_FALSE(a.Wants(Info("usr/share/man/man5/shadow.5.gz", 10)));
  EXPECT_FALSE(a.Wants(Info("home/etc/shadow", 10)));
  EXPECT_EQ(a.Name(), "detect/shadow");
  EXPECT_EQ(a.Version(), 1);
}

TEST(ShadowAnalyzerTest, LockedAccountsAreQuiet) {
  ShadowAnalyzer a;
  EXPECT_THAT(Analyze(a, "etc/shadow", kDebianShadow).detections, IsEmpty());
  EXPECT_THAT(Analyze(a, "etc/shadow", kAlpineShadow).detections, IsEmpty());
  EXPECT_THAT(Analyze(a, "etc/shadow", "").detections, IsEmpty());
}

TEST(ShadowAnalyzerTest, HashesAndEmptyPasswordsAreReportedRedacted) {
  ShadowAnalyzer a;
  std::string text = std::string(kDebianShadow) + "app:" + kHash + ":19500:0:99999:7:::\n" +
                     "guest::19500:0:99999:7:::\n";
  layer::Findings f = Analyze(a, "etc/shadow", text);
  ASSERT_EQ(f.detections.size(), 2u) << AllStrings(f);
  const auto& hash = f.detections[0];
  EXPECT_EQ(hash.category, model::kCategorySecret);
  EXPECT_EQ(hash.rule_id, "shadow-unlocked-hash");
  EXPECT_EQ(hash.severity, Severity::kHigh);
  EXPECT_EQ(hash.disposition, Disposition::kSuspicious);
  EXPECT_EQ(hash.path, "etc/shadow");
  EXPECT_EQ(hash.evidence, "account app has a password hash ($6$\u2026, redacted) at line 11");
  const auto& empty = f.detections[1];
  EXPECT_EQ(empty.rule_id, "shadow-empty-password");
  EXPECT_EQ(empty.severity, Severity::kHigh);
  EXPECT_EQ(empty.disposition, Disposition::kSuspicious);
  EXPECT_THAT(empty.evidence, HasSubstr("account guest has an empty password field at line 12"));
  // Neither the hash nor its salt shows anywhere.
  std::string all = AllStrings(f);
  EXPECT_THAT(all, Not(HasSubstr(kHash)));
  EXPECT_THAT(all, Not(HasSubstr("Qx7RtYb2")));
  EXPECT_THAT(all, Not(HasSubstr("aB3dE5")));
}

// Alpine 3.3-3.9 images shipped "root:::0:::::" (CVE-2019-5021).
TEST(ShadowAnalyzerTest, AlpineEmptyRootPassword) {
  ShadowAnalyzer a;
  layer::Findings f = Analyze(a, "etc/shadow", "root:::0:::::\nbin:!::0:::::\n");
  ASSERT_EQ(f.detections.size(), 1u);
  EXPECT_EQ(f.detections[0].rule_id, "shadow-empty-password");
  EXPECT_EQ(f.detections[0].reference, "CVE-2019-5021");
}

TEST(ShadowAnalyzerTest, ManyAccountsAreBounded) {
  ShadowAnalyzer a;
  std::string text;
  for (int i = 0; i < 40; ++i) text += "u" + std::to_string(i) + ":" + kHash + ":1::::::\n";
  layer::Findings f = Analyze(a, "etc/shadow", text);
  EXPECT_EQ(f.detections.size(), 32u);
  ASSERT_EQ(f.diagnostics.size(), 1u);
  EXPECT_THAT(f.diagnostics[0].message, HasSubstr("8 more accounts"));
}

TEST(ShadowAnalyzerTest, OverlongLineIsAnError) {
  ShadowAnalyzer a;
  std::string text = "root:" + std::string(5000, 'x') + "\n";
  layer::FileInfo info = Info("etc/shadow", text.size());
  layer::File file{info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}};
  layer::Findings out;
  Status s = a.Analyze(file, out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("etc/shadow"));
}

// The real shadow files of the clean images the tests build and of the
// Alpine minirootfs releases: no account has a usable password.
TEST(ShadowAnalyzerTest, RealCleanImagesAreQuiet) {
  ShadowAnalyzer a;
  std::vector<std::pair<std::string, std::string>> files;  // what, content
  std::string debian = testing::TestImage("debian-bookworm-minbase.tar.zst");
  if (!debian.empty()) {
    std::string text;
    ASSERT_EQ(testing::Run("tar --zstd -xOf '" + debian + "' ./etc/shadow 2>/dev/null", &text), 0)
        << text;
    // Independently: 18 accounts, every password field "*" (awk -F: '{print $2}').
    std::string fields;
    ASSERT_EQ(testing::Run("tar --zstd -xOf '" + debian +
                               "' ./etc/shadow | awk -F: '{print $2}' | sort -u | tr -d '\\n'",
                           &fields),
              0);
    EXPECT_EQ(fields, "*");
    files.emplace_back("debian-bookworm-minbase", text);
  }
  for (const char* rel : {"images/alpine-minirootfs/alpine-minirootfs-3.11.13-x86_64.tar.gz",
                          "images/alpine-minirootfs/alpine-minirootfs-3.16.9-x86_64.tar.gz",
                          "images/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz",
                          "images/alpine-minirootfs/alpine-minirootfs-3.20.3-aarch64.tar.gz"}) {
    std::string path = testing::SharedData(rel);
    if (path.empty()) continue;
    std::string text;
    ASSERT_EQ(testing::Run("tar -xzOf '" + path + "' ./etc/shadow 2>/dev/null", &text), 0) << rel;
    files.emplace_back(rel, text);
  }
  if (files.empty())
    GTEST_SKIP() << "needs tests/images/cache/debian-bookworm-minbase.tar.zst (build_images.sh) "
                    "or ../shared/data/images/alpine-minirootfs";
  for (const auto& [what, text] : files) {
    ASSERT_FALSE(text.empty()) << what;
    auto entries = ParseShadow(text);
    ASSERT_TRUE(entries.ok()) << what;
    EXPECT_GE(entries->size(), 17u) << what;  // 18 Debian, 17-27 Alpine accounts
    EXPECT_EQ((*entries)[0].name, "root") << what;
    layer::Findings f = Analyze(a, "etc/shadow", text);
    EXPECT_THAT(f.detections, IsEmpty()) << what << "\n" << AllStrings(f);
  }
}

// ----------------------------------------------------------------------------
// /etc/ld.so.preload.

TEST(PreloadAnalyzerTest, LibrariesAreReported) {
  PreloadAnalyzer a;
  EXPECT_TRUE(a.Wants(Info("etc/ld.so.preload", 10)));
  EXPECT_FALSE(a.Wants(Info("etc/ld.so.conf", 10)));
  EXPECT_FALSE(a.Wants(Info("usr/etc/ld.so.preload", 10)));

  layer::Findings f =
      Analyze(a, "etc/ld.so.preload",
              "# hide processes\n/usr/local/lib/libprocesshider.so\n"
              "  /lib/x86_64-linux-gnu/libsneaky.so:/lib/libthird.so   # and more\n");
  ASSERT_EQ(f.detections.size(), 1u);
  const auto& d = f.detections[0];
  EXPECT_EQ(d.category, model::kCategoryBackdoor);
  EXPECT_EQ(d.rule_id, "ld-so-preload");
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_EQ(d.disposition, Disposition::kMalicious);
  EXPECT_EQ(d.confidence, model::Confidence::kMedium);
  EXPECT_EQ(d.path, "etc/ld.so.preload");
  EXPECT_EQ(d.evidence,
            "etc/ld.so.preload preloads 3 libraries into every process: "
            "/usr/local/lib/libprocesshider.so, /lib/x86_64-linux-gnu/libsneaky.so, "
            "/lib/libthird.so");
}

TEST(PreloadAnalyzerTest, EvidenceIsTruncated) {
  PreloadAnalyzer a;
  std::string text;
  for (int i = 0; i < 9; ++i) text += "/lib/l" + std::to_string(i) + ".so ";
  text += "/" + std::string(300, 'a') + ".so\n";
  layer::Findings f = Analyze(a, "etc/ld.so.preload", text);
  ASSERT_EQ(f.detections.size(), 1u);
  EXPECT_EQ(f.detections[0].evidence,
            "etc/ld.so.preload preloads 10 libraries into every process: /lib/l0.so, /lib/l1.so, "
            "/lib/l2.so, /lib/l3.so, /lib/l4.so, ...");
}

TEST(PreloadAnalyzerTest, EmptyOrCommentsOnlyIsQuiet) {
  PreloadAnalyzer a;
  EXPECT_THAT(Analyze(a, "etc/ld.so.preload", "").detections, IsEmpty());
  EXPECT_THAT(Analyze(a, "etc/ld.so.preload", "\n  \t\n# nothing here\n:::\n").detections,
              IsEmpty());
}

// ----------------------------------------------------------------------------
// authorized_keys.

TEST(AuthorizedKeysAnalyzerTest, Wants) {
  AuthorizedKeysAnalyzer a;
  for (const char* p : {"root/.ssh/authorized_keys", "home/alice/.ssh/authorized_keys2",
                        ".ssh/authorized_keys", "etc/ssh/authorized_keys",
                        "etc/ssh/authorized_keys/root", "etc/ssh/authorized_keys.d/deploy"})
    EXPECT_TRUE(a.Wants(Info(p, 100))) << p;
  for (const char* p :
       {"root/.ssh/known_hosts", "root/.ssh/id_rsa.pub", "root/x.ssh/authorized_keys",
        "root/.ssh/authorized_keys.bak", "usr/share/doc/authorized_keys", "etc/ssh/sshd_config"})
    EXPECT_FALSE(a.Wants(Info(p, 100))) << p;
}

TEST(AuthorizedKeysAnalyzerTest, KeysAreReportedWithoutTheirBodies) {
  AuthorizedKeysAnalyzer a;
  const std::string body1 = "AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VrZXlmb3J0ZXN0aW5nb25seTAxMjM0NTY3";
  const std::string body2 = "AAAAB3NzaC1yc2EAAAADAQABAAABAQDfakeRSAkeyForTestingOnly0123456789";
  std::string text = "# deploy keys\n\nssh-ed25519 " + body1 + " alice@laptop\n" +
                     "command=\"/usr/bin/rsync --server -a . /backup\",no-pty ssh-rsa " + body2 +
                     "\n";
  layer::Findings f = Analyze(a, "root/.ssh/authorized_keys", text);
  ASSERT_EQ(f.detections.size(), 1u);
  const auto& d = f.detections[0];
  EXPECT_EQ(d.category, model::kCategoryBackdoor);
  EXPECT_EQ(d.rule_id, "ssh-authorized-keys");
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_EQ(d.disposition, Disposition::kSuspicious);
  EXPECT_EQ(d.path, "root/.ssh/authorized_keys");
  EXPECT_EQ(d.evidence, "2 keys: ssh-ed25519 alice@laptop, ssh-rsa (no comment)");
  std::string all = AllStrings(f);
  EXPECT_THAT(all, Not(HasSubstr(body1.substr(20))));
  EXPECT_THAT(all, Not(HasSubstr(body2.substr(20))));
}

TEST(AuthorizedKeysAnalyzerTest, NoKeysIsQuiet) {
  AuthorizedKeysAnalyzer a;
  EXPECT_THAT(Analyze(a, "root/.ssh/authorized_keys", "").detections, IsEmpty());
  EXPECT_THAT(Analyze(a, "root/.ssh/authorized_keys", "# add your keys here\n\nnot a key line\n")
                  .detections,
              IsEmpty());
}

// ----------------------------------------------------------------------------
// ELF in temporary directories.

std::string Elf(uint8_t type, bool big_endian = false) {
  std::string h(64, '\0');
  h[0] = 0x7f;
  h[1] = 'E';
  h[2] = 'L';
  h[3] = 'F';
  h[4] = 2;                   // 64-bit
  h[5] = big_endian ? 2 : 1;  // EI_DATA
  h[6] = 1;                   // EV_CURRENT
  h[big_endian ? 17 : 16] = static_cast<char>(type);
  return h;
}

TEST(TempElfAnalyzerTest, Wants) {
  TempElfAnalyzer a;
  EXPECT_TRUE(a.Wants(Info("tmp/x", 100, 0755)));
  EXPECT_TRUE(a.Wants(Info("var/tmp/.cache/kworker", 100, 0700)));
  EXPECT_TRUE(a.Wants(Info("dev/shm/a", 100, 0711)));
  EXPECT_FALSE(a.Wants(Info("tmp/x", 100, 0644)));      // not executable
  EXPECT_FALSE(a.Wants(Info("usr/bin/x", 100, 0755)));  // not a temp dir
  EXPECT_FALSE(a.Wants(Info("var/tmpfoo/x", 100, 0755)));
  EXPECT_FALSE(a.Wants(Info("tmp/x", 3, 0755)));
  EXPECT_FALSE(a.Wants(Info("tmp/x", kMaxTempElfBytes + 1, 0755)));
  EXPECT_EQ(a.MaxBytes(), kMaxTempElfBytes);
}

TEST(TempElfAnalyzerTest, ExecutablesAreReported) {
  TempElfAnalyzer a;
  layer::Findings f = Analyze(a, "var/tmp/jaav", Elf(2), 0755);
  ASSERT_EQ(f.detections.size(), 1u);
  EXPECT_EQ(f.detections[0].rule_id, "elf-in-temp-dir");
  EXPECT_EQ(f.detections[0].category, model::kCategoryBackdoor);
  EXPECT_EQ(f.detections[0].disposition, Disposition::kSuspicious);
  EXPECT_EQ(f.detections[0].path, "var/tmp/jaav");
  EXPECT_EQ(f.detections[0].evidence, "ELF executable under var/tmp/, mode 0755, 64 bytes");

  f = Analyze(a, "dev/shm/x", Elf(3, /*big_endian=*/true), 0700);
  ASSERT_EQ(f.detections.size(), 1u);
  EXPECT_THAT(f.detections[0].evidence, HasSubstr("PIE"));
}

TEST(TempElfAnalyzerTest, OtherFilesAreQuiet) {
  TempElfAnalyzer a;
  EXPECT_THAT(Analyze(a, "tmp/build/foo.o", Elf(1), 0755).detections, IsEmpty());  // ET_REL
  EXPECT_THAT(Analyze(a, "tmp/core", Elf(4), 0755).detections, IsEmpty());         // ET_CORE
  EXPECT_THAT(Analyze(a, "tmp/run.sh", "#!/bin/sh\necho hi\n", 0755).detections, IsEmpty());
  EXPECT_THAT(Analyze(a, "tmp/short",
                      "\x7f"
                      "ELF",
                      0755)
                  .detections,
              IsEmpty());
}

TEST(FileCheckAnalyzersTest, ListsAllWithStableNames) {
  auto all = FileCheckAnalyzers();
  std::vector<std::string> names;
  for (const auto& a : all) {
    names.emplace_back(a->Name());
    EXPECT_EQ(a->Version(), 1);
    EXPECT_FALSE(a->ScansContent());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"detect/shadow", "detect/ld-so-preload",
                                             "detect/authorized-keys", "detect/tmp-elf"}));
}

}  // namespace
}  // namespace customs::detect
