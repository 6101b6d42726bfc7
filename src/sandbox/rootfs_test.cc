#include "sandbox/rootfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/stream.h"
#include "layer/walker.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::sandbox {
namespace {

using customs::testing::ListDirectory;
using customs::testing::ReadWholeFile;
using customs::testing::TarBuilder;

bool IsRoot() { return ::geteuid() == 0; }

void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

class RootfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = customs::testing::TempDir();
    root_ = base_ + "/root";
    sentinel_ = base_ + "/sentinel";
    ASSERT_EQ(::mkdir(sentinel_.c_str(), 0755), 0);
    Spit(sentinel_ + "/keep", "sentinel");
    options_.uid_base = IsRoot() ? 100000 : ::getuid();
  }
  void TearDown() override {
    writer_.reset();
    EXPECT_TRUE(RemoveTree(root_).ok());
    // Whatever happened, nothing changed next to the root.
    EXPECT_EQ(ListDirectory(base_), std::vector<std::string>{"sentinel"});
    EXPECT_EQ(ListDirectory(sentinel_), std::vector<std::string>{"keep"});
    EXPECT_EQ(ReadWholeFile(sentinel_ + "/keep"), "sentinel");
  }

  RootfsWriter& Writer() {
    if (writer_ == nullptr) {
      auto w = RootfsWriter::Create(root_, options_);
      EXPECT_TRUE(w.ok()) << w.status().ToString();
      if (w.ok()) writer_ = std::move(*w);
    }
    return *writer_;
  }

  Status Apply(const TarBuilder& tar, const std::string& what = "layer 1") {
    MemoryStream stream(tar.Build());
    layer::TarEntryReader entries(stream, Limits(), what);
    return Writer().ApplyLayer(entries, what);
  }

  struct stat Lstat(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::lstat((root_ + "/" + rel).c_str(), &st), 0) << rel;
    return st;
  }
  bool Exists(const std::string& rel) {
    struct stat st {};
    return ::lstat((root_ + "/" + rel).c_str(), &st) == 0;
  }
  std::string Content(const std::string& rel) { return ReadWholeFile(root_ + "/" + rel); }
  std::string Readlink(const std::string& rel) {
    char buf[4096];
    ssize_t n = ::readlink((root_ + "/" + rel).c_str(), buf, sizeof(buf));
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }
  uint32_t Host(uint32_t id) const { return options_.uid_base + id; }

  std::string base_, root_, sentinel_;
  RootfsOptions options_;
  std::unique_ptr<RootfsWriter> writer_;
};

TEST_F(RootfsTest, CreateMakesRootOwnedByBase) {
  Writer();
  struct stat st {};
  ASSERT_EQ(::lstat(root_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  if (IsRoot()) {
    EXPECT_EQ(st.st_uid, 100000u);
    EXPECT_EQ(st.st_gid, 100000u);
  }
  // The directory must not exist yet.
  EXPECT_FALSE(RootfsWriter::Create(root_, options_).ok());
  RootfsOptions bad = options_;
  bad.id_count = 1;
  EXPECT_FALSE(RootfsWriter::Create(base_ + "/other", bad).ok());
}

TEST_F(RootfsTest, WritesFilesDirsSymlinksHardlinks) {
  TarBuilder tar;
  tar.Dir("etc")
      .File("etc/passwd", "root:x:0:0\n", 0644)
      .Add("home/user/notes", "data", '0', "", 0640, 1000, 1001)  // parents missing
      .Symlink("bin/sh", "/bin/bash")
      .Hardlink("etc/passwd-", "etc/passwd")
      .Add("tmp", "", '5', "", 01777);
  Status st = Apply(tar);
  ASSERT_TRUE(st.ok()) << st.ToString();

  EXPECT_EQ(Content("etc/passwd"), "root:x:0:0\n");
  EXPECT_EQ(Content("home/user/notes"), "data");
  EXPECT_EQ(Readlink("bin/sh"), "/bin/bash");
  struct stat passwd = Lstat("etc/passwd");
  struct stat link = Lstat("etc/passwd-");
  EXPECT_EQ(passwd.st_ino, link.st_ino);
  EXPECT_EQ(passwd.st_nlink, 2u);
  EXPECT_EQ(passwd.st_mode & 07777, 0644u);
  struct stat notes = Lstat("home/user/notes");
  EXPECT_TRUE(S_ISREG(notes.st_mode));
  EXPECT_EQ(notes.st_mode & 07777, 0640u);
  EXPECT_EQ(Lstat("etc").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat("tmp").st_mode & 07777, 01777u);
  EXPECT_TRUE(S_ISLNK(Lstat("bin/sh").st_mode));
  // Implicit parents: 0755, owned by container root.
  EXPECT_EQ(Lstat("home/user").st_mode & 07777, 0755u);
  if (IsRoot()) {
    EXPECT_EQ(notes.st_uid, Host(1000));
    EXPECT_EQ(notes.st_gid, Host(1001));
    EXPECT_EQ(passwd.st_uid, Host(0));
    EXPECT_EQ(Lstat("home/user").st_uid, Host(0));
    EXPECT_EQ(Lstat("bin/sh").st_uid, Host(0));
  }
  const RootfsStats& s = Writer().stats();
  EXPECT_EQ(s.files, 2u);
  EXPECT_EQ(s.dirs, 2u);
  EXPECT_EQ(s.symlinks, 1u);
  EXPECT_EQ(s.hardlinks, 1u);
  EXPECT_EQ(s.bytes, 15u);
  EXPECT_EQ(s.ids_clamped, 0u);
  EXPECT_EQ(s.setid_dropped, 0u);
}

TEST_F(RootfsTest, LaterLayerReplacesFileWithDirAndDirWithFile) {
  ASSERT_TRUE(Apply(TarBuilder().File("a", "file a").Dir("b").File("b/inner", "x")).ok());
  Status st = Apply(TarBuilder().Dir("a").File("a/child", "c").File("b", "now a file"), "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(S_ISDIR(Lstat("a").st_mode));
  EXPECT_EQ(Content("a/child"), "c");
  EXPECT_TRUE(S_ISREG(Lstat("b").st_mode));
  EXPECT_EQ(Content("b"), "now a file");
  // An existing directory is kept, with the new mode.
  ASSERT_TRUE(Apply(TarBuilder().Add("a", "", '5', "", 0700), "layer 3").ok());
  EXPECT_EQ(Lstat("a").st_mode & 07777, 0700u);
  EXPECT_EQ(Content("a/child"), "c");
}

TEST_F(RootfsTest, WhiteoutRemovesFileAndDirectory) {
  ASSERT_TRUE(
      Apply(TarBuilder().File("a/file", "1").File("a/other", "2").File("d/sub/x", "3")).ok());
  Status st = Apply(TarBuilder()
                        .File("a/.wh.file", "")
                        .File(".wh.d", "")
                        .File(".wh.missing", "")
                        .File("a/.wh..", "")  // names "." : must not remove a
                        .File("a/.wh..wh.plnk", ""),
                    "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(Exists("a/file"));
  EXPECT_FALSE(Exists("a/.wh.file"));
  EXPECT_EQ(Content("a/other"), "2");
  EXPECT_FALSE(Exists("d"));
  EXPECT_EQ(ListDirectory(root_), std::vector<std::string>{"a"});
  EXPECT_EQ(ListDirectory(root_ + "/a"), std::vector<std::string>{"other"});
  EXPECT_EQ(Writer().stats().whiteouts, 3u);
}

TEST_F(RootfsTest, OpaqueDirectoryKeepsEntriesOfItsOwnLayer) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("d/old", "o")
                        .File("d/sub/oldx", "o")
                        .File("d/sub/keepname", "lower")
                        .File("other/x", "o"))
                  .ok());
  Status st = Apply(TarBuilder()
                        .File("d/before", "b")
                        .File("d/sub/newx", "n")
                        .File("d/.wh..wh..opq", "")
                        .File("d/after", "a")
                        .File("d/sub/keepname", "upper"),
                    "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ListDirectory(root_ + "/d"), (std::vector<std::string>{"after", "before", "sub"}));
  EXPECT_EQ(ListDirectory(root_ + "/d/sub"), (std::vector<std::string>{"keepname", "newx"}));
  EXPECT_EQ(Content("d/sub/keepname"), "upper");
  EXPECT_EQ(Content("other/x"), "o");
  EXPECT_EQ(Writer().stats().whiteouts, 1u);
}

TEST_F(RootfsTest, ClimbingSymlinksResolveInsideTheRoot) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .Symlink("evil", "/")
                        .Symlink("up", "../../..")
                        .Symlink("abs", base_)  // the host directory holding the root
                        .File("evil/x", "via evil")
                        .File("up/y", "via up"))
                  .ok());
  Status st = Apply(TarBuilder().File("abs/sentinel/keep", "pwned"), "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Content("x"), "via evil");
  EXPECT_EQ(Content("y"), "via up");
  EXPECT_EQ(Readlink("evil"), "/");
  // The absolute target was made inside the root, not followed on the host.
  EXPECT_EQ(Content(base_.substr(1) + "/sentinel/keep"), "pwned");
  EXPECT_TRUE(S_ISLNK(Lstat("abs").st_mode));
}

TEST_F(RootfsTest, WhiteoutThroughHostSymlinkStaysInside) {
  ASSERT_TRUE(Apply(TarBuilder().Symlink("h", sentinel_).Symlink("r", "/")).ok());
  Status st = Apply(TarBuilder().File("h/.wh.keep", "").File("r/.wh.h", ""), "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(Exists("h"));  // r/.wh.h is root/.wh.h: removes the link itself
  EXPECT_EQ(Writer().stats().whiteouts, 2u);
}

TEST_F(RootfsTest, HardlinksOutsideAreRejectedOrResolvedInside) {
  Status st = Apply(TarBuilder().Hardlink("l", "../sentinel/keep"));
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.message().starts_with("layer 1: entry at offset 0")) << st.message();
  EXPECT_EQ(st.message().find("layer 1: layer 1"), std::string::npos) << st.message();
  st = Apply(TarBuilder().Hardlink("l", "/etc/passwd"), "layer 2");
  EXPECT_FALSE(st.ok());
  // Through a symlink: the target is looked up inside the root.
  st = Apply(TarBuilder().Symlink("s", sentinel_).Hardlink("l", "s/keep"), "layer 3");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("layer 3: entry 'l'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
  struct stat keep {};
  ASSERT_EQ(::lstat((sentinel_ + "/keep").c_str(), &keep), 0);
  EXPECT_EQ(keep.st_nlink, 1u);
  st = Apply(TarBuilder().Symlink("e", "/").File("f", "in root").Hardlink("l2", "e/f"), "layer 4");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Lstat("l2").st_ino, Lstat("f").st_ino);
}

TEST_F(RootfsTest, HardlinkToMissingOrDirectoryFailsNamingEntry) {
  Status st = Apply(TarBuilder().Hardlink("x/link", "nothing"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("layer 1: entry 'x/link'"), std::string::npos) << st.message();
  st = Apply(TarBuilder().Dir("d").Hardlink("dlink", "d"), "layer 2");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("layer 2: entry 'dlink'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("directory"), std::string::npos) << st.message();
}

TEST_F(RootfsTest, LaterFileReplacesSymlinkInsteadOfWritingThroughIt) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .Symlink("f", sentinel_ + "/keep")
                        .File("target", "old")
                        .Symlink("g", "target")
                        .Symlink("dir", sentinel_))
                  .ok());
  Status st = Apply(TarBuilder().File("f", "new").File("g", "new g").Dir("dir"), "layer 2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(S_ISREG(Lstat("f").st_mode));
  EXPECT_EQ(Content("f"), "new");
  EXPECT_TRUE(S_ISREG(Lstat("g").st_mode));
  EXPECT_EQ(Content("target"), "old");
  EXPECT_TRUE(S_ISDIR(Lstat("dir").st_mode));
}

TEST_F(RootfsTest, SetidBitsDroppedAndCounted) {
  Status st = Apply(TarBuilder()
                        .File("bin/su", "su", 04755)
                        .Add("var/mail", "", '5', "", 02775)
                        .Add("tmp", "", '5', "", 01777)
                        .File("plain", "p", 0600));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Lstat("bin/su").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat("var/mail").st_mode & 07777, 0775u);
  EXPECT_EQ(Lstat("tmp").st_mode & 07777, 01777u);
  EXPECT_EQ(Lstat("plain").st_mode & 07777, 0600u);
  EXPECT_EQ(Writer().stats().setid_dropped, 2u);
}

TEST_F(RootfsTest, IdsPastTheRangeBecomeNobody) {
  options_.id_count = 65536;
  Status st = Apply(TarBuilder()
                        .Add("big", "x", '0', "", 0644, 70000, 5)
                        .Add("fine", "y", '0', "", 0644, 65535, 65535));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Writer().stats().ids_clamped, 1u);
  if (IsRoot()) {
    EXPECT_EQ(Lstat("big").st_uid, Host(65534));
    EXPECT_EQ(Lstat("big").st_gid, Host(5));
    EXPECT_EQ(Lstat("fine").st_uid, Host(65535));
  }
}

TEST_F(RootfsTest, DevicesSkippedFifosCreated) {
  Status st = Apply(TarBuilder()
                        .CharDevice("dev/null")
                        .Add("dev/sda", "", '4', "", 0660)
                        .Hardlink("dev/null2", "dev/null")
                        .Fifo("run/initctl", 0620)
                        .Add("weird", "", 'Z', "", 0644));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(Exists("dev/null"));
  EXPECT_FALSE(Exists("dev/sda"));
  EXPECT_FALSE(Exists("dev/null2"));
  EXPECT_FALSE(Exists("weird"));
  struct stat fifo = Lstat("run/initctl");
  EXPECT_TRUE(S_ISFIFO(fifo.st_mode));
  EXPECT_EQ(fifo.st_mode & 07777, 0620u);
  const RootfsStats& s = Writer().stats();
  EXPECT_EQ(s.devices_skipped, 3u);  // two devices and the link to one
  EXPECT_EQ(s.fifos, 1u);
  // Reading a FIFO is refused, without waiting for a writer.
  EXPECT_FALSE(Writer().ReadFile("/run/initctl", 100).ok());
}

TEST_F(RootfsTest, ByteLimit) {
  options_.max_bytes = 10;
  ASSERT_TRUE(Apply(TarBuilder().File("a", "12345").File("b", "12345")).ok());
  Status st = Apply(TarBuilder().File("c", "1"), "layer 2");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("max_bytes"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("layer 2: entry 'c'"), std::string::npos) << st.message();
}

TEST_F(RootfsTest, EntryLimit) {
  options_.max_entries = 3;
  ASSERT_TRUE(Apply(TarBuilder().Dir("a").File("a/1", "")).ok());
  Status st = Apply(TarBuilder().File("a/2", "").File("a/3", ""), "layer 2");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("max_entries"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("entry 'a/3'"), std::string::npos) << st.message();
  EXPECT_TRUE(Exists("a/2"));
  EXPECT_FALSE(Exists("a/3"));
}

TEST_F(RootfsTest, ParentCacheSeesRemovalsInTheSameLayer) {
  Status st = Apply(TarBuilder()
                        .File("a/1", "1")
                        .File("a/2", "2")
                        .File(".wh.a", "")
                        .File("a/3", "3")
                        .Symlink("b", "a")
                        .File("b/4", "4"));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ListDirectory(root_ + "/a"), (std::vector<std::string>{"3", "4"}));
}

TEST_F(RootfsTest, DanglingSymlinkParentIsFollowedInsideTheRoot) {
  Status st = Apply(TarBuilder().Symlink("var/run", "/run").File("var/run/pid", "1"));
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Content("run/pid"), "1");
  EXPECT_TRUE(S_ISLNK(Lstat("var/run").st_mode));
  // A file in the way of a directory is an error naming the entry.
  st = Apply(TarBuilder().File("f", "x").File("f/g", "y"), "layer 2");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("layer 2: entry 'f/g'"), std::string::npos) << st.message();
}

TEST_F(RootfsTest, ReadFileAndMakeDirectory) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("real/etc/hostname", "box\n")
                        .Symlink("etc", "/real/etc")
                        .Symlink("escape", "../../../../etc/hostname"))
                  .ok());
  auto r = Writer().ReadFile("/etc/hostname", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "box\n");
  EXPECT_FALSE(Writer().ReadFile("/etc/hostname", 3).ok());
  EXPECT_FALSE(Writer().ReadFile("/real", 100).ok());
  EXPECT_FALSE(Writer().ReadFile("/missing", 100).ok());
  // ../../../../etc/hostname from the root is root/etc/hostname.
  r = Writer().ReadFile("escape", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "box\n");

  ASSERT_TRUE(Writer().MakeDirectory("/proc/self/x").ok());
  EXPECT_TRUE(S_ISDIR(Lstat("proc/self/x").st_mode));
  EXPECT_TRUE(Writer().MakeDirectory("/proc").ok());
  EXPECT_FALSE(Writer().MakeDirectory("/real/etc/hostname").ok());
  if (IsRoot()) {
    EXPECT_EQ(Lstat("proc/self").st_uid, Host(0));
  }
}

TEST_F(RootfsTest, RemoveTreeNeverFollowsSymlinks) {
  std::string tree = base_ + "/tree";
  ASSERT_EQ(::mkdir(tree.c_str(), 0755), 0);
  ASSERT_EQ(::symlink(sentinel_.c_str(), (tree + "/to-outside").c_str()), 0);
  ASSERT_EQ(::symlink((sentinel_ + "/keep").c_str(), (tree + "/to-file").c_str()), 0);
  // Deep enough that keeping one descriptor per level would run out.
  std::string deep = tree;
  for (int i = 0; i < 1500; ++i) {
    deep += "/d";
    ASSERT_EQ(::mkdir(deep.c_str(), 0755), 0) << i;
  }
  Spit(deep + "/leaf", "x");
  ASSERT_EQ(::mkdir((tree + "/locked").c_str(), 0), 0);
  Spit(tree + "/file", "y");
  Status st = RemoveTree(tree + "/");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(std::ifstream(tree).good());
  EXPECT_TRUE(RemoveTree(tree).ok());  // absent is fine
  EXPECT_FALSE(RemoveTree("/").ok());
}

}  // namespace
}  // namespace customs::sandbox
