#include "layer/merge.h"

#include <gtest/gtest.h>

#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::layer {
namespace {

using customs::testing::TarBuilder;

// Records one package per file under "db/" so visibility can be observed.
class FakeDb : public Analyzer {
 public:
  std::string_view Name() const override { return "test/fakedb"; }
  int Version() const override { return 1; }
  bool Wants(const FileInfo& info) const override { return info.path.starts_with("db/"); }
  Status Analyze(const File& file, Findings& out) const override {
    if (file.text() == "bad") return InvalidArgument("line 1: bad record");
    out.packages.push_back({.type = "test",
                            .name = std::string(BaseNameOf(file.info.path)),
                            .version = std::string(file.text()),
                            .db_path = file.info.path});
    return Status::Ok();
  }
  static std::string_view BaseNameOf(std::string_view p) { return p.substr(p.rfind('/') + 1); }
};

LayerResult Walk(const std::string& tar) {
  MemoryStream in(tar);
  TarEntryReader reader(in, Limits(), "layer");
  FakeDb db;
  auto r = WalkLayer(reader, {&db}, "sha256:layer");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : LayerResult();
}

TEST(MergeTest, WhiteoutsOverridesAndAttribution) {
  LayerResult l0 = Walk(TarBuilder()
                            .File("db/a", "1")
                            .File("db/b", "1")
                            .File("db/c", "1")
                            .File("etc/x/one", "")
                            .File("etc/x/two", "")
                            .Build());
  LayerResult l1 = Walk(TarBuilder()
                            .File("db/.wh.b", "")
                            .File("db/c", "2")  // override
                            .File("etc/x/.wh..wh..opq", "")
                            .File("etc/x/three", "")
                            .Build());
  LayerResult l2 = Walk(TarBuilder().File("db/a", "1").File("db/d", "bad").Build());
  auto merged = Merge({&l0, &l1, &l2});
  std::map<std::string, std::pair<std::string, int>> pkgs;
  for (const auto& p : merged.findings.packages) pkgs[p.name] = {p.version, p.layer.index};
  // b deleted; c overridden in layer 1; a rewritten by layer 2 but unchanged,
  // so attributed to the layer that first installed it.
  EXPECT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs["a"], std::make_pair(std::string("1"), 0));
  EXPECT_EQ(pkgs["c"], std::make_pair(std::string("2"), 1));
  EXPECT_EQ(merged.tree.Find("etc/x/one"), nullptr);
  EXPECT_NE(merged.tree.Find("etc/x/three"), nullptr);
  EXPECT_EQ(merged.tree.Find("db/b"), nullptr);
  ASSERT_EQ(merged.diagnostics.size(), 1u);
  EXPECT_EQ(merged.diagnostics[0].path, "db/d");
  EXPECT_EQ(merged.diagnostics[0].layer, "sha256:layer");
  EXPECT_NE(merged.diagnostics[0].message.find("line 1: bad record"), std::string::npos);
}

TEST(MergeTest, OpaqueAppliesBeforeSameLayerEntries) {
  // The opaque marker comes after the new file in tar order, yet hides only
  // lower content.
  LayerResult l0 = Walk(TarBuilder().File("d/old", "").Build());
  LayerResult l1 = Walk(TarBuilder().File("d/new", "").File("d/.wh..wh..opq", "").Build());
  auto merged = Merge({&l0, &l1});
  EXPECT_EQ(merged.tree.Find("d/old"), nullptr);
  EXPECT_NE(merged.tree.Find("d/new"), nullptr);
}

TEST(MergeTest, FileReplacingDirectoryDropsChildren) {
  LayerResult l0 = Walk(TarBuilder().Dir("x").File("x/child", "").Build());
  LayerResult l1 = Walk(TarBuilder().Symlink("x", "y").Build());
  auto merged = Merge({&l0, &l1});
  EXPECT_EQ(merged.tree.Find("x/child"), nullptr);
  EXPECT_EQ(merged.tree.Find("x")->info->type, FileType::kSymlink);
}

TEST(MergeTest, SymlinksResolveInsideRoot) {
  LayerResult l0 = Walk(TarBuilder()
                            .File("usr/lib/os-release", "ID=debian")
                            .Symlink("etc/os-release", "../usr/lib/os-release")
                            .Symlink("lib", "usr/lib")
                            .Symlink("escape", "../../../../usr/lib/os-release")
                            .Symlink("abs", "/usr/lib/os-release")
                            .Symlink("loop1", "loop2")
                            .Symlink("loop2", "loop1")
                            .Symlink("dangling", "nowhere")
                            .Hardlink("hard", "usr/lib/os-release")
                            .Build());
  auto merged = Merge({&l0});
  const FileTree& t = merged.tree;
  EXPECT_EQ(*t.Resolve("etc/os-release"), "usr/lib/os-release");
  EXPECT_EQ(*t.Resolve("lib/os-release"), "usr/lib/os-release");
  EXPECT_EQ(*t.Resolve("escape"), "usr/lib/os-release");
  EXPECT_EQ(*t.Resolve("abs"), "usr/lib/os-release");
  EXPECT_EQ(*t.Resolve("hard"), "usr/lib/os-release");
  auto loop = t.Resolve("loop1");
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("too many levels of symbolic links"), std::string::npos);
  EXPECT_EQ(t.Resolve("dangling").status().code(), StatusCode::kNotFound);
}

TEST(MergeTest, SharedWhiteoutImageLayers) {
  CUSTOMS_REQUIRE_SHARED(path, "images/layer-edge-cases/claircore-whiteout_opaque.layer.tar");
  auto file = OpenFile::Open(path);
  ASSERT_TRUE(file.ok());
  FileRangeStream in(*file, 0, (*file)->size());
  TarEntryReader reader(in, Limits(), "opaque");
  auto r = WalkLayer(reader, {}, "opaque");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->opaque_dirs.empty());
}

}  // namespace
}  // namespace customs::layer
