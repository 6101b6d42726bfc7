#include "detect/hash_list.h"

#include <gtest/gtest.h>

#include <string>

namespace customs::detect {
namespace {

// Assembled here so no file of the repository is the test file itself.
const std::string kEicar =
    std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR") + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

layer::Findings Analyze(const HashListAnalyzer& a, const std::string& path,
                        const std::string& content) {
  layer::FileInfo info;
  info.path = path;
  info.size = content.size();
  layer::Findings out;
  if (!a.Wants(info)) return out;
  layer::File file{info, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(content.data()),
                                                  content.size())};
  EXPECT_TRUE(a.Analyze(file, out).ok());
  return out;
}

TEST(HashListTest, ParsesClamAvHsbLines) {
  auto list = ParseHashList(
      "# a comment\n"
      "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F:68:Eicar-Test:73\n"
      "\n" +
          std::string(64, 'b') + ":*:Any.Size\n",
      "mine.hsb");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].sha256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
  EXPECT_EQ((*list)[0].size, 68u);
  EXPECT_EQ((*list)[0].name, "Eicar-Test");
  EXPECT_EQ((*list)[0].source, "mine.hsb:2");
  EXPECT_TRUE((*list)[1].any_size);
  for (const char* bad :
       {"abc:68:X", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:6x:X",
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68",
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:"}) {
    auto r = ParseHashList(bad, "bad.hsb");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_TRUE(r.status().message().starts_with("bad.hsb:1: ")) << r.status().message();
    }
  }
}

TEST(HashListTest, BuiltinListFindsEicarOnly) {
  HashListAnalyzer a(BuiltinHashes());
  auto found = Analyze(a, "opt/eicar.com", kEicar);
  ASSERT_EQ(found.detections.size(), 1u);
  const auto& d = found.detections[0];
  EXPECT_EQ(d.rule_id, "hash:EICAR-Test-File");
  EXPECT_EQ(d.category, "malware");
  EXPECT_EQ(d.disposition, model::Disposition::kMalicious);
  EXPECT_EQ(d.sha256, "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
  EXPECT_EQ(d.path, "opt/eicar.com");
  // Same size, other bytes: hashed, not listed. Other size: not even hashed.
  std::string other = kEicar;
  other[0] = 'Y';
  EXPECT_TRUE(Analyze(a, "x", other).detections.empty());
  layer::FileInfo info;
  info.size = 69;
  EXPECT_FALSE(a.Wants(info));
  EXPECT_EQ(a.MaxBytes(), 68u);
}

TEST(HashListTest, AnySizeHashesEveryFile) {
  auto list = ParseHashList(
      "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:*:Wild", "w.hsb");
  ASSERT_TRUE(list.ok());
  HashListAnalyzer a(*list);
  layer::FileInfo info;
  info.size = 12345;
  EXPECT_TRUE(a.Wants(info));
  auto found = Analyze(a, "a", kEicar);
  ASSERT_EQ(found.detections.size(), 1u);
  EXPECT_NE(found.detections[0].evidence.find("w.hsb:1"), std::string::npos);
}

}  // namespace
}  // namespace customs::detect
