#include "detect/clamav.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <thread>

#include "base/stream.h"
#include "layer/walker.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::detect {
namespace {

using customs::testing::TarBuilder;

// Assembled here so no file of the repository is the test file itself.
const std::string kEicar =
    std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR") + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
const std::string kMarker = "CUSTOMS-CLAMAV-TEST-MARKER-0123456789";
const std::string kOtherMarker = "CUSTOMS-CLAMAV-OTHER-MARKER-9876543210";

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Hex(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The MD5 of `content`, by md5sum (not by libclamav).
std::string Md5(const std::string& dir, const std::string& content) {
  WriteFile(dir + "/md5-input", content);
  std::string out;
  EXPECT_EQ(testing::Run("md5sum '" + dir + "/md5-input'", &out), 0) << out;
  std::filesystem::remove(dir + "/md5-input");
  return out.substr(0, 32);
}

// A database directory with an .hdb line for EICAR and an .ndb body
// signature for each marker.
std::string MakeDatabase() {
  std::string dir = testing::TempDir();
  std::string md5 = Md5(dir, kEicar);
  EXPECT_EQ(md5, "44d88612fea8a8f36de82e1278abb02f");  // EICAR's published MD5
  WriteFile(dir + "/test.hdb", md5 + ":68:Test.EICAR.HDB\n");
  WriteFile(dir + "/test.ndb", "Customs.Test.Marker:0:*:" + Hex(kMarker) +
                                   "\n"
                                   "Customs.Test.Other:0:*:" +
                                   Hex(kOtherMarker) + "\n");
  return dir;
}

std::shared_ptr<const ClamAvEngine> MustLoad(const std::string& dir) {
  auto engine = ClamAvEngine::Load(dir);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? *engine : nullptr;
}

std::vector<std::string> MustScan(const ClamAvEngine& engine, const std::string& data,
                                  const std::string& name) {
  auto found = engine.Scan(Bytes(data), name);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  return found.ok() ? *found : std::vector<std::string>{};
}

using Names = std::vector<std::string>;

// ClamAV appends ".UNOFFICIAL" to the names of signatures that do not come
// from its signed databases (clamscan prints the same).
TEST(ClamAvEngineTest, HashSignatureFindsEicar) {
  auto engine = MustLoad(MakeDatabase());
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->signatures(), 3u);
  EXPECT_EQ(MustScan(*engine, kEicar, "eicar.com"), Names{"Test.EICAR.HDB.UNOFFICIAL"});
  std::string other = kEicar;
  other[0] = 'Y';
  EXPECT_EQ(MustScan(*engine, other, "eicar.com"), Names{});
  EXPECT_EQ(MustScan(*engine, "hello, world\n", "hello.txt"), Names{});
  EXPECT_EQ(MustScan(*engine, "", "empty"), Names{});
}

TEST(ClamAvEngineTest, BodySignaturesAllMatch) {
  auto engine = MustLoad(MakeDatabase());
  ASSERT_NE(engine, nullptr);
  std::string data = std::string(1000, 'a') + kMarker + std::string(1000, 'b');
  EXPECT_EQ(MustScan(*engine, data, "data.bin"), Names{"Customs.Test.Marker.UNOFFICIAL"});
  // Both markers: all-match mode reports both, each once.
  std::string both = kOtherMarker + " " + kMarker + " " + kMarker + " " + kOtherMarker;
  Names found = MustScan(*engine, both, "both.bin");
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (Names{"Customs.Test.Marker.UNOFFICIAL", "Customs.Test.Other.UNOFFICIAL"}));
  EXPECT_EQ(MustScan(*engine, kMarker.substr(0, kMarker.size() - 1), "cut.bin"), Names{});
}

// ClamAV unpacks archives itself: a marker deflated inside a zip is found.
TEST(ClamAvEngineTest, FindsSignaturesInsideZip) {
  auto engine = MustLoad(MakeDatabase());
  ASSERT_NE(engine, nullptr);
  std::string dir = testing::TempDir();
  std::string out;
  ASSERT_EQ(testing::Run("cd '" + dir +
                             "' && python3 -c \""
                             "import zipfile\n"
                             "with zipfile.ZipFile('app.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
                             "    z.writestr('lib/evil.txt', 'x' * 500 + '" +
                             kMarker +
                             "' + 'y' * 500)\n"
                             "    z.writestr('clean.txt', 'nothing')\n"
                             "\"",
                         &out),
            0)
      << out;
  std::string zip = ReadWhole(dir + "/app.zip");
  ASSERT_FALSE(zip.empty());
  ASSERT_EQ(zip.find(kMarker), std::string::npos) << "the member must be compressed";
  EXPECT_EQ(MustScan(*engine, zip, "app.zip"), Names{"Customs.Test.Marker.UNOFFICIAL"});
}

// One engine, several scanning threads: each scan gets its own names.
TEST(ClamAvEngineTest, ScansFromSeveralThreads) {
  auto engine = MustLoad(MakeDatabase());
  ASSERT_NE(engine, nullptr);
  std::vector<std::vector<Names>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string data = kEicar;
        if (t % 2 == 0) data = kMarker + " " + std::to_string(i);
        auto found = engine->Scan(Bytes(data), std::to_string(t) + ".bin");
        results[t].push_back(found.ok() ? *found : Names{"error"});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < results.size(); ++t) {
    Names expected{t % 2 ? "Test.EICAR.HDB.UNOFFICIAL" : "Customs.Test.Marker.UNOFFICIAL"};
    for (const Names& names : results[t]) EXPECT_EQ(names, expected) << "thread " << t;
  }
}

TEST(ClamAvEngineTest, LoadErrorsSayWhatAndWhere) {
  std::string dir = testing::TempDir();
  auto missing = ClamAvEngine::Load(dir + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir + "/missing"), std::string::npos)
      << missing.status().message();

  std::filesystem::create_directories(dir + "/bad");
  WriteFile(dir + "/bad/good.ndb", "Customs.Good:0:*:" + Hex(kMarker) + "\n");
  WriteFile(dir + "/bad/broken.ndb",
            "Customs.Fine:0:*:" + Hex(kOtherMarker) + "\nCustoms.Broken:0:*:zz\n");
  auto bad = ClamAvEngine::Load(dir + "/bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = bad.status().message();
  EXPECT_TRUE(message.starts_with("ClamAV database " + dir + "/bad: Malformed database: "))
      << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
  EXPECT_NE(message.find("broken.ndb"), std::string::npos) << message;

  std::filesystem::create_directories(dir + "/empty");
  WriteFile(dir + "/empty/notes.txt", "no databases here\n");
  auto empty = ClamAvEngine::Load(dir + "/empty");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument) << empty.status().ToString();
}

// One database file works as well as a directory; the scanner's name
// follows the database files.
TEST(ClamAvEngineTest, SingleFileAndDigest) {
  std::string db = MakeDatabase();
  auto file_engine = MustLoad(db + "/test.ndb");
  ASSERT_NE(file_engine, nullptr);
  EXPECT_EQ(file_engine->signatures(), 2u);
  EXPECT_EQ(MustScan(*file_engine, kEicar, "eicar.com"), Names{});
  auto dir_engine = MustLoad(db);
  ASSERT_NE(dir_engine, nullptr);
  std::regex name_re("detect/clamav:[0-9a-f]{12}");
  ClamAvScanner a(file_engine), b(dir_engine);
  EXPECT_TRUE(std::regex_match(std::string(a.Name()), name_re)) << a.Name();
  EXPECT_NE(a.Name(), b.Name());
  EXPECT_EQ(ClamAvScanner(MustLoad(db)).Name(), b.Name());
  EXPECT_EQ(a.Version(), 1);
  EXPECT_TRUE(a.ScansContent());
}

layer::LayerResult Walk(const ClamAvScanner& scanner, const std::string& tar) {
  MemoryStream in(tar);
  layer::TarEntryReader reader(in, Limits(), "layer");
  auto walked = layer::WalkLayer(reader, {&scanner}, "sha256:l");
  EXPECT_TRUE(walked.ok()) << walked.status().ToString();
  return walked.ok() ? std::move(*walked) : layer::LayerResult{};
}

TEST(ClamAvScannerTest, ReportsDetectionsThroughTheWalk) {
  std::string db = MakeDatabase();
  auto engine = MustLoad(db);
  ASSERT_NE(engine, nullptr);
  ClamAvScanner scanner(engine);
  std::string tar = TarBuilder()
                        .File("opt/eicar.com", kEicar)
                        .File("etc/clean.conf", "key = value\n")
                        .File("usr/lib/both.bin", kMarker + "\n" + kOtherMarker)
                        .Build();
  auto walked = Walk(scanner, tar);
  const auto& found = walked.findings.detections;
  ASSERT_EQ(found.size(), 3u);
  const auto& d = found[0];
  EXPECT_EQ(d.path, "opt/eicar.com");
  EXPECT_EQ(d.category, "malware");
  EXPECT_EQ(d.rule_id, "clamav:Test.EICAR.HDB.UNOFFICIAL");
  EXPECT_EQ(d.severity, model::Severity::kCritical);
  EXPECT_EQ(d.disposition, model::Disposition::kMalicious);
  EXPECT_EQ(d.confidence, model::Confidence::kHigh);
  EXPECT_EQ(d.title, "ClamAV signature Test.EICAR.HDB.UNOFFICIAL");
  EXPECT_EQ(d.evidence, "ClamAV " + std::string(engine->version()) +
                            " signature Test.EICAR.HDB.UNOFFICIAL (3 signatures loaded from " + db +
                            ")");
  EXPECT_EQ(d.sha256, "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
  std::set<std::string> both;
  for (size_t i = 1; i < found.size(); ++i) {
    EXPECT_EQ(found[i].path, "usr/lib/both.bin");
    both.insert(found[i].rule_id);
  }
  EXPECT_EQ(both, (std::set<std::string>{"clamav:Customs.Test.Marker.UNOFFICIAL",
                                         "clamav:Customs.Test.Other.UNOFFICIAL"}));
  EXPECT_TRUE(walked.findings.diagnostics.empty());
}

// A file larger than one window is scanned window by window: a marker in
// several windows is reported once, one only in the last window too.
TEST(ClamAvScannerTest, BigFilesReportEachSignatureOnce) {
  auto engine = MustLoad(MakeDatabase());
  ASSERT_NE(engine, nullptr);
  ClamAvScanner scanner(engine);
  std::string big(layer::kContentWindowBytes * 2 + 12345, 'x');
  big.replace(100, kMarker.size(), kMarker);                               // first window
  big.replace(layer::kContentWindowBytes + 100, kMarker.size(), kMarker);  // second
  big.replace(layer::kContentWindowBytes - 7, kMarker.size(), kMarker);    // across a boundary
  big.replace(big.size() - 100, kOtherMarker.size(), kOtherMarker);        // last only
  std::string tar = TarBuilder().File("data/big.bin", big).File("small.txt", kMarker).Build();
  auto walked = Walk(scanner, tar);
  const auto& found = walked.findings.detections;
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].path, "data/big.bin");
  EXPECT_EQ(found[0].rule_id, "clamav:Customs.Test.Marker.UNOFFICIAL");
  EXPECT_EQ(found[0].sha256, "");  // never seen whole
  EXPECT_EQ(found[1].path, "data/big.bin");
  EXPECT_EQ(found[1].rule_id, "clamav:Customs.Test.Other.UNOFFICIAL");
  EXPECT_EQ(found[2].path, "small.txt");
  EXPECT_EQ(found[2].rule_id, "clamav:Customs.Test.Marker.UNOFFICIAL");
  EXPECT_TRUE(walked.findings.diagnostics.empty());
}

}  // namespace
}  // namespace customs::detect
