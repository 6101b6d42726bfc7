#include "catalog/os_release.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "tests/testing.h"

namespace customs::catalog {
namespace {

std::string Read(const std::string& path) {
  auto r = ReadFile(path, kMaxSmallFileBytes);
  EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

model::OsInfo Os(std::string id, std::string version_id, std::string source_path) {
  model::OsInfo os;
  os.id = std::move(id);
  os.version_id = std::move(version_id);
  os.source_path = std::move(source_path);
  return os;
}

// Every file of pkgdb/os-release, with the image path it was taken from and
// the id/version_id read from it by hand.
struct Expected {
  const char* file;
  const char* image_path;
  const char* id;
  const char* version_id;
};

constexpr Expected kExpected[] = {
    {"alpine_2_6_6.alpine-release", "etc/alpine-release", "alpine", "2.6.6"},
    {"alpine_3.18.os-release", "etc/os-release", "alpine", "3.18.4"},
    {"alpine_3_7_0.os-release", "etc/os-release", "alpine", "3.7.0"},
    {"alpine_edge.os-release", "etc/os-release", "alpine", "3.19_alpha20230901"},
    {"centos_5.redhat-release", "etc/redhat-release", "centos", "5.11"},
    {"centos_6.redhat-release", "etc/redhat-release", "centos", "6.9"},
    {"centos_7.os-release", "etc/os-release", "centos", "7"},
    {"debian_10.os-release", "etc/os-release", "debian", "10"},
    {"debian_11.os-release", "etc/os-release", "debian", "11"},
    {"debian_12.os-release", "etc/os-release", "debian", "12"},
    {"debian_6.debian_version", "etc/debian_version", "debian", "6.0.10"},
    {"debian_7.os-release", "etc/os-release", "debian", "7"},
    {"debian_8.os-release", "etc/os-release", "debian", "8"},
    {"debian_9.os-release", "etc/os-release", "debian", "9"},
    {"debian_unstable.os-release", "etc/os-release", "debian", ""},
    {"distroless_debian_10.os-release", "etc/os-release", "debian", "10"},
    {"distroless_debian_11.os-release", "etc/os-release", "debian", "11"},
    {"oraclelinux_6_9.os-release", "etc/os-release", "ol", "6.9"},
    {"oraclelinux_7_5.os-release", "etc/os-release", "ol", "7.5"},
    {"redhat_6_5.redhat-release", "etc/redhat-release", "rhel", "6.5"},
    {"redhat_7.os-release", "etc/os-release", "rhel", "7.0"},
    {"sles_15.os-release", "etc/os-release", "sles", "15"},
    {"ubuntu_10_04.lsb-release", "etc/lsb-release", "ubuntu", "10.04"},
    {"ubuntu_12_04.os-release", "etc/os-release", "ubuntu", "12.04"},
    {"ubuntu_14_04.os-release", "etc/os-release", "ubuntu", "14.04"},
    {"ubuntu_16_04.os-release", "etc/os-release", "ubuntu", "16.04"},
    {"ubuntu_18_04.os-release", "etc/os-release", "ubuntu", "18.04"},
};

TEST(OsReleaseTest, EveryFixtureFile) {
  CUSTOMS_REQUIRE_SHARED(dir, "pkgdb/os-release");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, std::size(kExpected)) << "a fixture was added or removed: list it above";
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.file);
    std::string text = Read(dir + "/" + e.file);
    ASSERT_FALSE(text.empty());
    model::OsInfo os = ParseOsFile(e.image_path, text);
    EXPECT_EQ(os.id, e.id);
    EXPECT_EQ(os.version_id, e.version_id);
    EXPECT_EQ(os.source_path, e.image_path);
    // Alone, each file decides the OS.
    model::OsInfo chosen = ChooseOs({os});
    EXPECT_EQ(chosen.id, e.id);
    EXPECT_EQ(chosen.version_id, e.version_id);
  }
}

TEST(OsReleaseTest, FixtureDetails) {
  CUSTOMS_REQUIRE_SHARED(dir, "pkgdb/os-release");
  model::OsInfo d10 = ParseOsRelease(Read(dir + "/debian_10.os-release"));
  EXPECT_EQ(d10.version_codename, "buster");
  EXPECT_EQ(d10.pretty_name, "Debian GNU/Linux 10 (buster)");
  EXPECT_EQ(d10.id_like, "");

  model::OsInfo centos = ParseOsRelease(Read(dir + "/centos_7.os-release"));
  EXPECT_EQ(centos.id_like, "rhel fedora");
  EXPECT_EQ(centos.pretty_name, "CentOS Linux 7 (Core)");

  // Ubuntu 16.04+ write VERSION_CODENAME; 14.04 has none.
  EXPECT_EQ(ParseOsRelease(Read(dir + "/ubuntu_18_04.os-release")).version_codename, "bionic");
  EXPECT_EQ(ParseOsRelease(Read(dir + "/ubuntu_14_04.os-release")).version_codename, "");

  model::OsInfo rhel6 = ParseRedhatRelease(Read(dir + "/redhat_6_5.redhat-release"));
  EXPECT_EQ(rhel6.version_codename, "santiago");
  EXPECT_EQ(rhel6.pretty_name, "Red Hat Enterprise Linux Server release 6.5 (Santiago)");

  model::OsInfo lucid = ParseLsbRelease(Read(dir + "/ubuntu_10_04.lsb-release"));
  EXPECT_EQ(lucid.version_codename, "lucid");
  EXPECT_EQ(lucid.pretty_name, "Ubuntu 10.04 LTS");
}

TEST(OsReleaseTest, QuotingPerManPage) {
  model::OsInfo os = ParseOsRelease(
      "# a comment\n"
      "\n"
      "  ID=Fancy\n"
      "VERSION_ID='1.0 $x \\n'\n"
      "PRETTY_NAME=\"Fancy \\\"OS\\\" \\$HOME \\\\ \\` \\z\"\n"
      "VERSION_CODENAME=plain\\ word\n"
      "ID_LIKE=\"unterminated value\n"
      "NAME\n");
  EXPECT_EQ(os.id, "fancy");
  EXPECT_EQ(os.version_id, "1.0 $x \\n");
  EXPECT_EQ(os.pretty_name, "Fancy \"OS\" $HOME \\ ` \\z");
  EXPECT_EQ(os.version_codename, "plain word");
  EXPECT_EQ(os.id_like, "unterminated value");
}

TEST(OsReleaseTest, EdgeCases) {
  // No ID: not a usable candidate.
  EXPECT_TRUE(ParseOsRelease("VERSION_ID=1\n").empty());
  EXPECT_TRUE(ParseOsRelease("").empty());
  // Later assignments win, as in the shell; CRLF endings are fine.
  model::OsInfo os = ParseOsRelease("ID=a\r\nID=b\r\nVERSION_ID=\"2\"\r\n");
  EXPECT_EQ(os.id, "b");
  EXPECT_EQ(os.version_id, "2");
  // Control characters are dropped, not reported.
  os = ParseOsRelease("ID=x\nPRETTY_NAME=\"bad\x1b[31m\"\n");
  EXPECT_EQ(os.id, "x");
  EXPECT_EQ(os.pretty_name, "");
  // UBUNTU_CODENAME when VERSION_CODENAME is missing.
  EXPECT_EQ(ParseOsRelease("ID=ubuntu\nUBUNTU_CODENAME=trusty\n").version_codename, "trusty");
}

TEST(OsReleaseTest, RedhatReleaseVariants) {
  struct Case {
    const char* text;
    const char* id;
    const char* version_id;
    const char* codename;
  };
  const Case cases[] = {
      {"Red Hat Enterprise Linux Server release 7.4 (Maipo)\n", "rhel", "7.4", "maipo"},
      {"Red Hat Enterprise Linux release 8.2 (Ootpa)", "rhel", "8.2", "ootpa"},
      {"CentOS Linux release 7.9.2009 (Core)\n", "centos", "7.9.2009", "core"},
      {"CentOS Stream release 8\n", "centos", "8", ""},
      {"Fedora release 30 (Thirty)\n", "fedora", "30", "thirty"},
      {"Amazon Linux release 2 (Karoo)\n", "amzn", "2", "karoo"},
      {"Amazon Linux AMI release 2018.03\n", "amzn", "2018.03", ""},
      {"Oracle Linux Server release 7.5\n", "ol", "7.5", ""},
      {"Rocky Linux release 8.4 (Green Obsidian)\n", "rocky", "8.4", "green obsidian"},
      {"AlmaLinux release 8.4 (Electric Cheetah)\n", "almalinux", "8.4", "electric cheetah"},
      {"Mystery release 1.2\n", "mystery", "1.2", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    model::OsInfo os = ParseRedhatRelease(c.text);
    EXPECT_EQ(os.id, c.id);
    EXPECT_EQ(os.version_id, c.version_id);
    EXPECT_EQ(os.version_codename, c.codename);
  }
  EXPECT_TRUE(ParseRedhatRelease("no version here\n").empty());
  EXPECT_TRUE(ParseRedhatRelease("CentOS release (Final)\n").empty());
  EXPECT_TRUE(ParseRedhatRelease("").empty());
}

TEST(OsReleaseTest, DistributionFiles) {
  model::OsInfo sid = ParseDebianVersion("bullseye/sid\n");
  EXPECT_EQ(sid.id, "debian");
  EXPECT_EQ(sid.version_id, "bullseye/sid");
  EXPECT_EQ(sid.version_codename, "bullseye");
  EXPECT_EQ(ParseDebianVersion("10.4\n").version_id, "10.4");
  EXPECT_EQ(ParseDebianVersion("10.4\n").version_codename, "");
  EXPECT_TRUE(ParseDebianVersion("\n").empty());
  EXPECT_TRUE(ParseDebianVersion("not a version\n").empty());

  EXPECT_EQ(ParseAlpineRelease("3.20.3\n").version_id, "3.20.3");
  EXPECT_EQ(ParseAlpineRelease("3.20.3\n").id, "alpine");
  EXPECT_TRUE(ParseAlpineRelease("edge\n").empty());

  model::OsInfo sles =
      ParseSuseRelease("SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n");
  EXPECT_EQ(sles.id, "sles");
  EXPECT_EQ(sles.version_id, "11.4");
  model::OsInfo leap =
      ParseSuseRelease("openSUSE 13.2 (x86_64)\nVERSION = 13.2\nCODENAME = Harlequin\n");
  EXPECT_EQ(leap.id, "opensuse");
  EXPECT_EQ(leap.version_id, "13.2");
  EXPECT_EQ(ParseSuseRelease("SUSE Linux Enterprise Server 12\nVERSION = 12\nPATCHLEVEL = 0\n")
                .version_id,
            "12");
  EXPECT_TRUE(ParseSuseRelease("SUSE Linux Enterprise Server 11\n").empty());
}

TEST(OsReleaseTest, ApkRepositories) {
  model::OsInfo os = ParseApkRepositories(
      "# mirrors\n"
      "@testing https://dl-cdn.alpinelinux.org/alpine/edge/testing\n"
      "https://dl-cdn.alpinelinux.org/alpine/v3.19/main\n"
      "https://dl-cdn.alpinelinux.org/alpine/v3.19/community\n");
  EXPECT_EQ(os.id, "alpine");
  EXPECT_EQ(os.version_id, "3.19");
  EXPECT_EQ(ParseApkRepositories("http://mirror.local/alpine/edge/main\n").version_id, "edge");
  EXPECT_EQ(ParseApkRepositories("/media/cdrom/apks\nhttp://m/v3.8/main\n").version_id, "3.8");
  EXPECT_TRUE(ParseApkRepositories("/media/cdrom/apks\n").empty());
  EXPECT_TRUE(ParseApkRepositories("http://m/alpine/latest-stable/main\n").empty());
}

TEST(ChooseOsTest, OsReleaseWinsOverDistributionFilesOverRepositories) {
  EXPECT_TRUE(ChooseOs({}).empty());
  std::vector<model::OsInfo> c = {Os("alpine", "edge", "etc/apk/repositories"),
                                  Os("alpine", "3.20.3", "etc/alpine-release"),
                                  Os("alpine", "3.20.3", "etc/os-release")};
  EXPECT_EQ(ChooseOs(c).source_path, "etc/os-release");
  c.pop_back();
  EXPECT_EQ(ChooseOs(c).source_path, "etc/alpine-release");
  EXPECT_EQ(ChooseOs(c).version_id, "3.20.3");
  c.pop_back();
  EXPECT_EQ(ChooseOs(c).version_id, "edge");

  // etc/os-release over usr/lib/os-release, in either order.
  std::vector<model::OsInfo> both = {Os("debian", "12", "usr/lib/os-release"),
                                     Os("debian", "11", "etc/os-release")};
  EXPECT_EQ(ChooseOs(both).version_id, "11");
  std::swap(both[0], both[1]);
  EXPECT_EQ(ChooseOs(both).version_id, "11");

  // Ubuntu 10.04 has etc/debian_version "squeeze/sid" too.
  std::vector<model::OsInfo> lucid = {Os("debian", "squeeze/sid", "etc/debian_version"),
                                      Os("ubuntu", "10.04", "etc/lsb-release")};
  EXPECT_EQ(ChooseOs(lucid).id, "ubuntu");
  EXPECT_EQ(ChooseOs(lucid).version_id, "10.04");

  // CentOS: centos-release is more precise than redhat-release.
  std::vector<model::OsInfo> centos = {Os("rhel", "7", "etc/redhat-release"),
                                       Os("centos", "7.9.2009", "etc/centos-release")};
  EXPECT_EQ(ChooseOs(centos).id, "centos");
}

TEST(ChooseOsTest, FillsMissingVersionFromSameDistribution) {
  CUSTOMS_REQUIRE_SHARED(dir, "pkgdb/os-release");
  model::OsInfo unstable =
      ParseOsFile("usr/lib/os-release", Read(dir + "/debian_unstable.os-release"));
  ASSERT_EQ(unstable.id, "debian");
  ASSERT_EQ(unstable.version_id, "");
  model::OsInfo sid = ParseOsFile("etc/debian_version", "bullseye/sid\n");
  model::OsInfo os = ChooseOs({sid, unstable});
  EXPECT_EQ(os.id, "debian");
  EXPECT_EQ(os.version_id, "bullseye/sid");
  EXPECT_EQ(os.version_codename, "bullseye");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux buster/sid");
  EXPECT_EQ(os.source_path, "usr/lib/os-release");

  // A precise os-release version is kept.
  model::OsInfo d10 = ParseOsFile("etc/os-release", Read(dir + "/debian_10.os-release"));
  os = ChooseOs({ParseOsFile("etc/debian_version", "10.4\n"), d10});
  EXPECT_EQ(os.version_id, "10");

  // Never from another distribution's file.
  model::OsInfo ubuntu = Os("ubuntu", "", "etc/os-release");
  os = ChooseOs({ubuntu, Os("debian", "buster/sid", "etc/debian_version")});
  EXPECT_EQ(os.id, "ubuntu");
  EXPECT_EQ(os.version_id, "");

  // Alpine: alpine-release before repositories.
  os = ChooseOs({Os("alpine", "edge", "etc/apk/repositories"), Os("alpine", "", "etc/os-release"),
                 Os("alpine", "3.20.3", "etc/alpine-release")});
  EXPECT_EQ(os.version_id, "3.20.3");
}

TEST(OsReleaseCatalogerTest, WantsAndAnalyze) {
  OsReleaseCataloger c;
  auto wants = [&](const std::string& path) {
    return c.Wants(layer::FileInfo{.path = path, .type = layer::FileType::kRegular});
  };
  for (const char* p :
       {"etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version",
        "etc/redhat-release", "etc/centos-release", "etc/lsb-release", "etc/SuSE-release",
        "etc/system-release", "etc/apk/repositories"})
    EXPECT_TRUE(wants(p)) << p;
  EXPECT_FALSE(wants("etc/os-release.d/x"));
  EXPECT_FALSE(wants("root/etc/os-release"));
  EXPECT_FALSE(wants("etc/issue"));
  EXPECT_FALSE(
      c.Wants(layer::FileInfo{.path = "etc/os-release", .type = layer::FileType::kSymlink}));
  EXPECT_EQ(c.Name(), "os/release");

  layer::Findings out;
  std::string text = "ID=debian\nVERSION_ID=\"12\"\n";
  layer::FileInfo info{.path = "usr/lib/os-release"};
  ASSERT_TRUE(
      c.Analyze({info, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}}, out).ok());
  ASSERT_EQ(out.os.size(), 1u);
  EXPECT_EQ(out.os[0].id, "debian");
  EXPECT_EQ(out.os[0].version_id, "12");
  EXPECT_EQ(out.os[0].source_path, "usr/lib/os-release");

  std::string junk = "\x01\x02 nothing here";
  layer::FileInfo junk_info{.path = "etc/redhat-release"};
  ASSERT_TRUE(
      c.Analyze({junk_info, {reinterpret_cast<const uint8_t*>(junk.data()), junk.size()}}, out)
          .ok());
  EXPECT_EQ(out.os.size(), 1u);
}

}  // namespace
}  // namespace customs::catalog
