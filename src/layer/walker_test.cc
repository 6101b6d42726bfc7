#include "layer/walker.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/tar_builder.h"

namespace customs::layer {
namespace {

using customs::testing::TarBuilder;

// A content detector that reports every window it sees (offset, size,
// last, a checksum of the bytes) and fails on files that start with "fail".
class WindowRecorder : public Analyzer {
 public:
  std::string_view Name() const override { return "test/windows"; }
  int Version() const override { return 1; }
  bool Wants(const FileInfo&) const override { return false; }
  Status Analyze(const File&, Findings&) const override { return Status::Ok(); }
  bool ScansContent() const override { return true; }
  Status ScanWindow(const FileInfo& info, std::span<const uint8_t> window, uint64_t offset,
                    bool last, Findings& out) const override {
    if (offset == 0 && window.size() >= 4 && std::string_view(AsChars(window), 4) == "fail")
      return InvalidArgument("cannot read this one");
    uint64_t sum = 0;
    for (uint8_t b : window) sum = sum * 31 + b;
    model::Detection d;
    d.path = info.path;
    d.rule_id = "window";
    d.evidence = std::to_string(offset) + "+" + std::to_string(window.size()) +
                 (last ? " last " : " ") + std::to_string(sum);
    out.detections.push_back(std::move(d));
    return Status::Ok();
  }
  static const char* AsChars(std::span<const uint8_t> s) {
    return reinterpret_cast<const char*>(s.data());
  }
};

// A whole-file analyzer for "db/" files: content scanning sees them too.
class DbReader : public Analyzer {
 public:
  std::string_view Name() const override { return "test/db"; }
  int Version() const override { return 1; }
  bool Wants(const FileInfo& info) const override { return info.path.starts_with("db/"); }
  size_t MaxBytes() const override { return 2 * kContentWindowBytes; }
  Status Analyze(const File& file, Findings& out) const override {
    out.packages.push_back({.type = "test", .name = file.info.path, .version = "1"});
    return Status::Ok();
  }
};

std::string Layer() {
  TarBuilder tar;
  for (int i = 0; i < 400; ++i) {
    std::string content(static_cast<size_t>(i * 997 % 70000), static_cast<char>('a' + i % 26));
    if (i % 50 == 7) content = "fail" + content;
    tar.File((i % 9 == 0 ? "db/" : "usr/") + std::to_string(i), content);
  }
  tar.File("usr/empty", "");
  // Larger than one window: read and scanned window by window.
  std::string big(kContentWindowBytes + 100'000, 'x');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>(i % 251);
  tar.File("usr/big", big);
  // Read whole for an analyzer, and larger than one window as well.
  tar.File("db/big", big.substr(1000));
  tar.File("db/last", "1");
  return tar.Build();
}

// Walks `tar` with a pool of `threads` content threads (none: 0).
Result<LayerResult> WalkWith(const std::string& tar, unsigned threads) {
  MemoryStream in(tar);
  TarEntryReader reader(in, Limits(), "layer");
  WindowRecorder recorder;
  DbReader db;
  auto pool = threads > 0 ? std::make_unique<ContentPool>(threads) : nullptr;
  return WalkLayer(reader, {&db, &recorder}, "sha256:layer", pool.get());
}

std::vector<std::string> Lines(const Findings& f) {
  std::vector<std::string> out;
  for (const auto& d : f.detections) out.push_back(d.path + " " + d.evidence);
  for (const auto& d : f.diagnostics) out.push_back(d.path + " " + d.code + " " + d.message);
  for (const auto& p : f.packages) out.push_back("package " + p.name);
  return out;
}

TEST(WalkLayerTest, ContentThreadsGiveTheSameResult) {
  std::string tar = Layer();
  auto one = WalkWith(tar, 0);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  // 402 files not empty, 8 of them failing; the two big ones in two
  // windows each.
  EXPECT_EQ(one->findings.detections.size(), 402u - 8u + 2u);
  EXPECT_EQ(one->findings.diagnostics.size(), 8u);
  EXPECT_EQ(one->findings.packages.size(), 47u);
  std::vector<std::string> big;
  for (const auto& d : one->findings.detections)
    if (d.path == "usr/big") big.push_back(d.evidence.substr(0, d.evidence.find(" ")));
  constexpr uint64_t kSecond = kContentWindowBytes - kContentWindowOverlap;
  EXPECT_EQ(
      big, (std::vector<std::string>{"0+" + std::to_string(kContentWindowBytes),
                                     std::to_string(kSecond) + "+" +
                                         std::to_string(kContentWindowBytes + 100'000 - kSecond)}));
  for (unsigned threads : {1u, 3u}) {
    auto many = WalkWith(tar, threads);
    ASSERT_TRUE(many.ok()) << many.status().ToString();
    EXPECT_EQ(Lines(many->findings), Lines(one->findings)) << threads << " threads";
    EXPECT_EQ(many->files.size(), one->files.size());
  }
}

TEST(WalkLayerTest, TruncatedLayerFailsWithContentThreads) {
  std::string tar = Layer();
  tar.resize(tar.size() / 2);
  for (unsigned threads : {0u, 2u}) {
    auto r = WalkWith(tar, threads);
    ASSERT_FALSE(r.ok()) << threads;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  }
}

}  // namespace
}  // namespace customs::layer
