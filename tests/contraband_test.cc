// Contraband end to end on real images: the stand-ins of oci-contraband
// (tests/images/build_images.sh) are each found, with the category,
// disposition, layer and owner they deserve; secrets never appear in any
// output; clean Debian and Alpine images yield nothing above info.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/strings.h"
#include "scan/scanner.h"
#include "tests/testing.h"

namespace customs {
namespace {

using model::Disposition;

scan::ScanOptions AllDetectors() {
  scan::ScanOptions options;
  options.detect.malware = options.detect.secret = options.detect.config = true;
  return options;
}

std::string ContrabandImage() {
  std::string dir = testing::TestImage("oci-contraband");
  return dir.empty() ? "" : "oci:" + dir + ":contraband";
}

#define REQUIRE_IMAGE(var, expr)                                          \
  std::string var = (expr);                                               \
  if (var.empty())                                                        \
  GTEST_SKIP() << "test image missing: run tests/images/build_images.sh " \
                  "tests/images/cache (as root)"

int RunCustoms(const std::string& args, std::string* out) {
  return testing::Run("'" + testing::CustomsBinary() + "' " + args + " 2>&1", out);
}

// The detections at `path`, by rule.
std::vector<const model::Detection*> At(const model::ScanResult& r, const std::string& path) {
  std::vector<const model::Detection*> out;
  for (const auto& d : r.detections)
    if (d.path == path) out.push_back(&d);
  return out;
}

// The most grave detection at `path` (detections come sorted that way).
const model::Detection* Top(const model::ScanResult& r, const std::string& path) {
  auto all = At(r, path);
  return all.empty() ? nullptr : all.front();
}

TEST(ContrabandTest, EveryStandInIsFoundWithItsCategoryAndDisposition) {
  REQUIRE_IMAGE(image, ContrabandImage());
  auto results = scan::ScanImage(image, AllDetectors());
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 1u);
  const model::ScanResult& r = (*results)[0];
  EXPECT_EQ(model::ImageVerdict(r.detections), model::Verdict::kMalicious);

  struct Expect {
    std::string path, category;
    Disposition disposition;
    int layer;
  };
  const std::vector<Expect> expected = {
      {"opt/miner/minerd", "coin-miner", Disposition::kSuspicious, 2},
      {"opt/miner/config.json", "coin-miner", Disposition::kSuspicious, 2},
      {"opt/miner/plugins.jar!/conf/pool.properties", "coin-miner", Disposition::kSuspicious, 2},
      {"opt/eicar.com", "malware", Disposition::kMalicious, 2},
      {"opt/win/plain.dll", "windows-malware", Disposition::kInfo, 2},
      {"opt/win/setup.exe", "windows-malware", Disposition::kSuspicious, 2},
      {"srv/app/node_modules/event-stream/package.json", "malicious-package",
       Disposition::kMalicious, 2},
      {"srv/app/node_modules/flatmap-stream/package.json", "malicious-package",
       Disposition::kMalicious, 2},
      {"srv/app/node_modules/helper-utils/package.json", "malicious-package",
       Disposition::kMalicious, 2},
      {"etc/cron.d/sync", "backdoor", Disposition::kMalicious, 2},
      {"opt/scripts/rev.sh", "backdoor", Disposition::kMalicious, 2},
      {"etc/ld.so.preload", "backdoor", Disposition::kMalicious, 2},
      {"root/.ssh/authorized_keys", "backdoor", Disposition::kSuspicious, 2},
      {"usr/local/bin/rootsh", "backdoor", Disposition::kSuspicious, 2},
      {"opt/tools/scanner", "hacking-tool", Disposition::kSuspicious, 2},
      {"usr/bin/nmap", "hacking-tool", Disposition::kInfo, 1},
      {"root/.ssh/id_ed25519", "secret", Disposition::kSuspicious, 2},
      {"root/.aws/credentials", "secret", Disposition::kSuspicious, 2},
      {"etc/shadow", "secret", Disposition::kSuspicious, 2},
      {"opt/secret/.env", "secret", Disposition::kSuspicious, 2},
  };
  for (const auto& e : expected) {
    const model::Detection* d = Top(r, e.path);
    ASSERT_NE(d, nullptr) << "nothing found at " << e.path;
    EXPECT_EQ(d->category, e.category) << e.path << " " << d->rule_id;
    EXPECT_EQ(d->disposition, e.disposition) << e.path << " " << d->rule_id;
    EXPECT_EQ(d->layer.index, e.layer) << e.path;
    EXPECT_FALSE(d->layer.diff_id.empty()) << e.path;
    EXPECT_FALSE(d->evidence.empty()) << e.path;
    EXPECT_FALSE(d->title.empty()) << e.path;
  }

  // The distro's nmap names its package; the copy outside it names none.
  const model::Detection* packaged = Top(r, "usr/bin/nmap");
  ASSERT_NE(packaged, nullptr);
  EXPECT_TRUE(packaged->owner.starts_with("pkg:deb/debian/nmap@")) << packaged->owner;
  EXPECT_EQ(Top(r, "opt/tools/scanner")->owner, "");
  EXPECT_EQ(Top(r, "opt/tools/scanner")->rule_id, packaged->rule_id);

  // EICAR by its rule and by the built-in hash list.
  std::set<std::string> eicar_rules;
  for (const auto* d : At(r, "opt/eicar.com")) eicar_rules.insert(d->rule_id);
  EXPECT_TRUE(eicar_rules.count("hash:EICAR-Test-File")) << eicar_rules.size();

  // The .env file was deleted by layer 3 and is still shipped in layer 2.
  for (const auto* d : At(r, "opt/secret/.env")) EXPECT_EQ(d->deleted_by.index, 3);
  EXPECT_EQ(Top(r, "opt/eicar.com")->deleted_by.index, -1);

  // Image-config checks: root user, the miner entrypoint, the secret in
  // Env, SSH exposed.
  std::set<std::string> config_categories;
  for (const auto& d : r.detections)
    if (d.path.empty()) config_categories.insert(d.category);
  EXPECT_TRUE(config_categories.count("config"));
  EXPECT_TRUE(config_categories.count("coin-miner"));
  EXPECT_TRUE(config_categories.count("secret"));
}

// Secrets are redacted in every output format: the values the image holds
// (read from the image config and the layer itself) appear nowhere.
TEST(ContrabandTest, SecretsNeverAppearInOutput) {
  REQUIRE_IMAGE(image, ContrabandImage());
  std::string dir = testing::TestImage("oci-contraband");
  std::string config;
  ASSERT_EQ(testing::Run("skopeo inspect --config '" + image + "'", &config), 0) << config;
  auto parsed = nlohmann::json::parse(config);
  std::string aws_secret;
  for (const auto& e : parsed["config"]["Env"]) {
    std::string s = e.get<std::string>();
    if (s.starts_with("AWS_SECRET_ACCESS_KEY=")) aws_secret = s.substr(22);
  }
  ASSERT_EQ(aws_secret.size(), 40u);
  // The GitHub token of the deleted .env file, from layer 3's blob.
  std::string token;
  std::string script = testing::TempDir() + "/env_token.py";
  {
    std::ofstream f(script);
    f << "import json, sys, tarfile\n"
         "d = sys.argv[1]\n"
         "index = json.load(open(d + '/index.json'))\n"
         "digest = index['manifests'][0]['digest'].split(':')[1]\n"
         "manifest = json.load(open(d + '/blobs/sha256/' + digest))\n"
         "layer = manifest['layers'][2]['digest'].split(':')[1]\n"
         "with tarfile.open(d + '/blobs/sha256/' + layer) as t:\n"
         "    for m in t.getmembers():\n"
         "        if m.name.lstrip('./') == 'opt/secret/.env':\n"
         "            for line in t.extractfile(m).read().decode().split():\n"
         "                if line.startswith('GITHUB_TOKEN='):\n"
         "                    print(line.split('=', 1)[1], end='')\n";
  }
  ASSERT_EQ(testing::Run("python3 '" + script + "' '" + dir + "'", &token), 0) << token;
  ASSERT_TRUE(token.starts_with("ghp_")) << token;
  for (const char* format : {"json", "table", "sarif"}) {
    std::string out;
    EXPECT_EQ(RunCustoms(std::string("scan --scanners malware,secret,config -f ") + format + " '" +
                             image + "'",
                         &out),
              0)
        << out;
    EXPECT_NE(out.find("ghp_"), std::string::npos) << format << ": the token is not reported";
    EXPECT_EQ(out.find(token), std::string::npos) << format << " shows the GitHub token";
    EXPECT_EQ(out.find(aws_secret), std::string::npos) << format << " shows the AWS secret";
    EXPECT_EQ(out.find("$6$customssalt$"), std::string::npos) << format << " shows the hash";
  }
}

// SARIF levels follow the disposition (and the document is valid SARIF
// 2.1.0; the JSON result valid against its schema); the table names the
// verdict and the deleted file; --fail-on gates on contraband but not on
// info.
TEST(ContrabandTest, SarifTableAndGates) {
  REQUIRE_IMAGE(image, ContrabandImage());
  std::string out, validated;
  std::string dir = testing::TempDir();
  for (auto [format, schema] : {std::pair{"json", "customs-result-1.schema.json"},
                                std::pair{"sarif", "sarif-schema-2.1.0.json"}}) {
    std::string file = dir + "/contraband." + format;
    ASSERT_EQ(RunCustoms(std::string("scan --scanners malware,secret,config -f ") + format +
                             " -o '" + file + "' '" + image + "'",
                         &out),
              0)
        << out;
    EXPECT_EQ(
        testing::Run("python3 '" + testing::SourceDir() + "/tests/validate_schema.py' '" +
                         testing::SourceDir() + "/tests/schemas/" + schema + "' '" + file + "'",
                     &validated),
        0)
        << format << ": " << validated;
  }
  ASSERT_EQ(RunCustoms("scan --scanners malware,secret,config -f sarif '" + image + "'", &out), 0)
      << out;
  auto sarif = nlohmann::json::parse(out);
  std::map<std::string, std::set<std::string>> levels;  // path -> levels
  for (const auto& result : sarif["runs"][0]["results"]) {
    std::string uri =
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>();
    levels[uri].insert(result["level"].get<std::string>());
  }
  EXPECT_TRUE(levels["opt/eicar.com"].count("error"));
  EXPECT_TRUE(levels["opt/tools/scanner"].count("warning"));
  EXPECT_EQ(levels["usr/bin/nmap"], std::set<std::string>{"note"});
  EXPECT_EQ(levels["opt/win/plain.dll"], std::set<std::string>{"note"});

  ASSERT_EQ(RunCustoms("scan --scanners malware,secret,config '" + image + "'", &out), 0) << out;
  EXPECT_NE(out.find("verdict: malicious"), std::string::npos) << out;
  EXPECT_NE(out.find("(deleted by layer 3, shipped in layer 2)"), std::string::npos) << out;
  EXPECT_EQ(RunCustoms("scan --scanners malware --fail-on CRITICAL -f json '" + image + "'", &out),
            1)
      << out;
  EXPECT_EQ(RunCustoms("scan --scanners secret -f json '" + image + "'", &out), 0) << out;
  auto json = nlohmann::json::parse(out);
  std::set<std::string> categories;
  for (const auto& d : json["results"][0]["detections"])
    categories.insert(d["category"].get<std::string>());
  EXPECT_EQ(categories, std::set<std::string>{"secret"});
}

// Zero findings above info on clean images, and the count of info ones.
TEST(ContrabandTest, CleanDebianAndAlpineHaveNothingAboveInfo) {
  int scanned = 0;
  for (const char* name : {"debian.docker-archive.tar", "alpine.docker-archive.tar"}) {
    std::string path = testing::TestImage(name);
    if (path.empty()) continue;
    ++scanned;
    auto results = scan::ScanImage("docker-archive:" + path, AllDetectors());
    ASSERT_TRUE(results.ok()) << name << ": " << results.status().ToString();
    const auto& r = (*results)[0];
    for (const auto& d : r.detections) {
      EXPECT_EQ(d.disposition, Disposition::kInfo)
          << name << ": " << d.path << " " << d.rule_id << " " << d.evidence;
    }
    EXPECT_NE(model::ImageVerdict(r.detections), model::Verdict::kMalicious) << name;
    EXPECT_TRUE(r.complete()) << name;
  }
  if (scanned == 0) GTEST_SKIP() << "test images missing: run tests/images/build_images.sh";
}

}  // namespace
}  // namespace customs

namespace customs {
namespace {

// The allow-list of the ignore file: by rule and path, by the SHA-256 the
// scan reported, by the package that installed the file.
TEST(ContrabandTest, AllowListSuppressesByRulePathHashAndPackage) {
  REQUIRE_IMAGE(image, ContrabandImage());
  std::string out;
  ASSERT_EQ(RunCustoms("scan --scanners malware -f json '" + image + "'", &out), 0) << out;
  auto first = nlohmann::json::parse(out.substr(out.find('{')));
  std::string eicar_hash, nmap_rule;
  for (const auto& d : first["results"][0]["detections"]) {
    if (d["path"] == "opt/eicar.com") eicar_hash = d["sha256"].get<std::string>();
    if (d["path"] == "opt/tools/scanner") nmap_rule = d["ruleId"].get<std::string>();
  }
  ASSERT_TRUE(eicar_hash.starts_with("sha256:")) << eicar_hash;
  ASSERT_FALSE(nmap_rule.empty());
  std::string allow = testing::TempDir() + "/allow.yaml";
  std::ofstream(allow) << "contraband:\n"
                          "  - id: "
                       << nmap_rule
                       << "\n"
                          "    paths: [opt/tools/*]\n"
                          "    reason: the scanner image ships nmap on purpose\n"
                          "  - sha256: "
                       << eicar_hash
                       << "\n"
                          "    reason: AV test file\n"
                          "  - purls: [pkg:deb/debian/nmap-common]\n";
  ASSERT_EQ(RunCustoms("scan --scanners malware -f json --show-suppressed --ignorefile '" + allow +
                           "' '" + image + "'",
                       &out),
            0)
      << out;
  auto json = nlohmann::json::parse(out.substr(out.find('{')));
  std::map<std::string, std::string> by_path;
  for (const auto& d : json["results"][0]["detections"])
    if (d.contains("suppressedBy"))
      by_path[d["path"].get<std::string>()] = d["suppressedBy"].get<std::string>();
  EXPECT_EQ(by_path["opt/tools/scanner"],
            "ignore file " + allow + ":2: the scanner image ships nmap on purpose");
  EXPECT_EQ(by_path["opt/eicar.com"], "ignore file " + allow + ":5: AV test file");
  EXPECT_EQ(by_path["usr/share/nmap/scripts/irc-unrealircd-backdoor.nse"],
            "ignore file " + allow + ":7: no reason given");
  EXPECT_EQ(by_path.count("usr/local/bin/rootsh"), 0u);
  // Without --show-suppressed they are gone from every output.
  ASSERT_EQ(
      RunCustoms("scan --scanners malware --ignorefile '" + allow + "' '" + image + "'", &out), 0)
      << out;
  EXPECT_EQ(out.find("opt/eicar.com"), std::string::npos) << out;
  EXPECT_EQ(out.find("opt/tools/scanner"), std::string::npos) << out;
  EXPECT_NE(out.find("usr/local/bin/rootsh"), std::string::npos) << out;
}

}  // namespace
}  // namespace customs

namespace customs {
namespace {

// --clamav-db: ClamAV databases through libclamav, here one the test
// writes (EICAR's MD5, as ClamAV's .hdb format has it).
TEST(ContrabandTest, ClamAvDatabase) {
#ifndef CUSTOMS_HAVE_CLAMAV
  GTEST_SKIP() << "built without libclamav (CUSTOMS_CLAMAV=OFF)";
#else
  REQUIRE_IMAGE(image, ContrabandImage());
  std::string db = testing::TempDir() + "/clamdb";
  std::filesystem::create_directories(db);
  std::string md5;
  ASSERT_EQ(testing::Run("printf '%s%s' 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' "
                         "'-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' | md5sum | cut -c1-32",
                         &md5),
            0);
  ASSERT_EQ(md5, "44d88612fea8a8f36de82e1278abb02f\n");
  std::ofstream(db + "/customs-test.hdb") << md5.substr(0, 32) << ":68:Customs.Test.EICAR\n";
  std::string out;
  ASSERT_EQ(
      RunCustoms("scan --scanners malware -f json --clamav-db '" + db + "' '" + image + "'", &out),
      0)
      << out;
  auto json = nlohmann::json::parse(out.substr(out.find('{')));
  std::set<std::string> at_eicar;
  for (const auto& d : json["results"][0]["detections"])
    if (d["path"] == "opt/eicar.com") at_eicar.insert(d["ruleId"].get<std::string>());
  EXPECT_TRUE(at_eicar.count("clamav:Customs.Test.EICAR.UNOFFICIAL")) << out.substr(0, 2000);
  EXPECT_EQ(RunCustoms("scan --scanners malware --clamav-db /nonexistent '" + image + "'", &out),
            2);
  EXPECT_NE(out.find("/nonexistent"), std::string::npos) << out;
#endif
}

}  // namespace
}  // namespace customs
