// `customs sandbox` end to end, the way users run it: images built here from
// small static programs that behave like a miner, a reverse shell, a
// downloader, a cron backdoor, a fileless loader, a scanner and a benign web
// server, run under the real runc. Each must get its verdict and nothing
// else; the container must not reach the host; a timeout or a killed customs
// must leave nothing running and no bundle behind.
//
// Needs root, runc >= 1.1, user namespaces and seccomp user notification:
// skipped with the reason otherwise. One process for the suite: the images
// are built once.
#include "sandbox/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "base/file.h"
#include "base/json.h"
#include "tests/sandbox_images.h"
#include "tests/testing.h"

namespace customs {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto host = sandbox::CheckSandboxHost("runc");
    if (!host.ok()) {
      skip_ = host.status().message();
      return;
    }
    dir_ = testing::TempDir();
    // The container's root is an unprivileged host id: bundles under the
    // test's directory must be reachable.
    fs::permissions(dir_, fs::perms::others_exec, fs::perm_options::add);
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << "the sandbox cannot run here: " << skip_;
  }

  // The image of tests/sandbox/<name>.c, built once.
  static std::string Image(const std::string& name, const std::vector<std::string>& env = {}) {
    std::string key = name;
    for (const auto& e : env) key += "," + e;
    auto it = images_.find(key);
    if (it != images_.end()) return it->second;
    std::string dir = dir_ + "/img-" + std::to_string(images_.size());
    std::string err = testing::BuildSandboxImage(name, dir, env);
    EXPECT_EQ(err, "") << name;
    return images_[key] = testing::SandboxImageRef(dir);
  }

  // Runs `customs sandbox ARGS -f json` and returns results[0]. Without a
  // --rootfs-cache in ARGS, with --no-rootfs-cache (never the system's
  // /var/cache).
  static Json Sandbox(const std::string& args, int expect_exit = 0) {
    std::string out_file = dir_ + "/out.json";
    fs::remove(out_file);
    std::string log;
    std::string cache =
        args.find("--rootfs-cache") == std::string::npos ? "--no-rootfs-cache " : "";
    int rc = testing::Run(testing::CustomsBinary() + " sandbox -f json -o '" + out_file + "' " +
                              cache + args + " 2>&1",
                          &log);
    EXPECT_EQ(rc, expect_exit) << args << "\n" << log;
    auto text = ReadFile(out_file, 64 << 20);
    if (!text.ok()) return Json();
    auto doc = ParseJson(*text, "sandbox output", 64 << 20);
    EXPECT_TRUE(doc.ok());
    if (!doc.ok() || (*doc)["results"].empty()) return Json();
    last_file_ = out_file;
    return (*doc)["results"][0];
  }

  static std::vector<std::string> Rules(const Json& result) {
    std::vector<std::string> rules;
    for (const auto& d : result["detections"]) rules.push_back(d["ruleId"]);
    return rules;
  }

  static inline std::string skip_;
  static inline std::string dir_;
  static inline std::string last_file_;
  static inline std::map<std::string, std::string> images_;
};

// Processes whose command name is `comm`.
std::vector<int> ProcessesNamed(const std::string& comm) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(entry.path() / "comm");
    std::string c;
    if (std::getline(f, c) && c == comm) pids.push_back(std::stoi(name));
  }
  return pids;
}

TEST_F(SandboxTest, MinerGetsTheMinerVerdictOnly) {
  Json r = Sandbox("--timeout 20s " + Image("miner"));
  EXPECT_THAT(Rules(r), ElementsAre("behavior-coin-miner"));
  ASSERT_EQ(r["detections"].size(), 1u);
  EXPECT_EQ(r["detections"][0]["disposition"], "malicious");
  EXPECT_EQ(r["detections"][0]["path"], "/usr/local/bin/miner");
  EXPECT_THAT(r["detections"][0]["evidence"].get<std::string>(),
              HasSubstr("stratum login sent to pool.supportxmr.com (127.53.0.1:3333)"));
  const Json& b = r["behavior"];
  EXPECT_EQ(b["exitCode"], 0);
  EXPECT_EQ(b["timedOut"], false);
  EXPECT_GT(b["firstExecMs"].get<double>(), 0);
  EXPECT_GT(b["cpuMs"].get<double>(), 500);  // it spins for 3 s
  EXPECT_GT(b["peakMemoryBytes"].get<int64_t>(), 0);
  ASSERT_EQ(b["dns"].size(), 1u);
  EXPECT_EQ(b["dns"][0]["name"], "pool.supportxmr.com");
  EXPECT_EQ(b["dns"][0]["answer"], "127.53.0.1");
  ASSERT_EQ(b["connections"].size(), 1u);
  EXPECT_EQ(b["connections"][0]["port"], 3333);
  EXPECT_THAT(b["connections"][0]["firstBytes"].get<std::string>(),
              HasSubstr(R"("method":"login")"));
  // The timeline starts at the entrypoint's execve.
  ASSERT_FALSE(b["timeline"].empty());
  EXPECT_EQ(b["timeline"][0]["syscall"], "execve");
  EXPECT_EQ(b["timeline"][0]["path"], "/usr/local/bin/miner");

  std::string validated;
  EXPECT_EQ(testing::Run("python3 '" + testing::SourceDir() + "/tests/validate_schema.py' '" +
                             testing::SourceDir() +
                             "/tests/schemas/customs-result-1.schema.json' '" + last_file_ + "'",
                         &validated),
            0)
      << validated;
}

TEST_F(SandboxTest, ReverseShellGetsTheReverseShellVerdictOnly) {
  Json r = Sandbox("--timeout 20s " + Image("revshell"));
  EXPECT_THAT(Rules(r), ElementsAre("behavior-reverse-shell"));
  ASSERT_FALSE(r["detections"].empty());
  EXPECT_THAT(r["detections"][0]["evidence"].get<std::string>(),
              HasSubstr("on a socket it connected to 10.10.10.10:4444"));
}

TEST_F(SandboxTest, DownloaderGetsTheDownloadAndExecuteVerdictOnly) {
  Json r = Sandbox("--timeout 20s " + Image("dropper"));
  EXPECT_THAT(Rules(r), ElementsAre("behavior-download-execute"));
  ASSERT_FALSE(r["detections"].empty());
  EXPECT_EQ(r["detections"][0]["path"], "/tmp/.payload");
  const Json& b = r["behavior"];
  ASSERT_EQ(b["connections"].size(), 1u);
  EXPECT_EQ(b["connections"][0]["name"], "updates.example.com");
  EXPECT_EQ(b["connections"][0]["answered"], true);
  // The payload the sinkhole served ran: the stub shell exited 0.
  EXPECT_EQ(b["exitCode"], 0);
}

TEST_F(SandboxTest, CronWriterGetsThePersistenceVerdictOnly) {
  Json r = Sandbox("--timeout 20s " + Image("cron"));
  std::set<std::string> rules;
  std::set<std::string> paths;
  for (const auto& d : r["detections"]) {
    rules.insert(d["ruleId"]);
    paths.insert(d["path"]);
  }
  EXPECT_THAT(rules, ElementsAre("behavior-persistence"));
  EXPECT_THAT(paths, ElementsAre("/etc/cron.d/backdoor", "/var/spool/cron/crontabs/root"));
  // The root is read-only: the write was attempted, and failed.
  EXPECT_THAT(r["behavior"]["output"].get<std::string>(), HasSubstr("Read-only file system"));
}

TEST_F(SandboxTest, FilelessLoaderAndScannerGetTheirVerdictsOnly) {
  EXPECT_THAT(Rules(Sandbox("--timeout 20s " + Image("memfd"))),
              ElementsAre("behavior-memfd-execute"));
  EXPECT_THAT(Rules(Sandbox("--timeout 20s " + Image("scanner"))),
              ElementsAre("behavior-scanning"));
}

TEST_F(SandboxTest, BenignWebServerIsClean) {
  Json r = Sandbox("--timeout 20s " + Image("webserver"));
  EXPECT_THAT(r["detections"], IsEmpty());
  EXPECT_EQ(r["verdict"], "clean");
  bool bound = false;
  for (const auto& e : r["behavior"]["timeline"])
    bound = bound || (e["syscall"] == "bind" && e.value("port", 0) == 8080);
  EXPECT_TRUE(bound) << r["behavior"]["timeline"].dump();
}

TEST_F(SandboxTest, HostLoopbackFilesAndProcessesAreOutOfReach) {
  // A service on the host's loopback, and a file on the host.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  std::string secret = dir_ + "/host-secret.txt";
  std::ofstream(secret) << "host only\n";

  Json r = Sandbox("--timeout 20s " +
                   Image("probe", {"PROBE_PORT=" + std::to_string(port), "PROBE_FILE=" + secret}));
  // Nothing reached the host's service.
  int accepted = ::accept(listener, nullptr, nullptr);
  EXPECT_LT(accepted, 0) << "the container reached a host loopback service";
  if (accepted >= 0) ::close(accepted);
  ::close(listener);
  // The sinkhole took the connection instead.
  bool sunk = false;
  for (const auto& c : r["behavior"]["connections"])
    sunk = sunk || (c["port"] == port && c["firstBytes"] == "probe\n");
  EXPECT_TRUE(sunk) << r["behavior"]["connections"].dump();
  // The probe's own report: no host file, only its own processes, its own
  // host name.
  std::string output = r["behavior"]["output"];
  size_t brace = output.find('{');
  ASSERT_NE(brace, std::string::npos) << output;
  auto probe = ParseJson(output.substr(brace, output.find('}', brace) - brace + 1), "probe");
  ASSERT_TRUE(probe.ok()) << output;
  EXPECT_NE((*probe)["read"], "ok");
  EXPECT_LE((*probe)["procs"].get<int>(), 2);
  EXPECT_EQ((*probe)["hostname"], "sandbox");
  EXPECT_EQ((*probe)["uid"], 0);  // root inside, an unprivileged id outside
}

TEST_F(SandboxTest, TimeoutKillsEverythingAndRemovesTheBundle) {
  std::string work = dir_ + "/work-timeout";
  fs::create_directories(work);
  auto start = std::chrono::steady_clock::now();
  Json r = Sandbox("--timeout 2s --sandbox-dir '" + work + "' " + Image("sleeper"));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r["behavior"]["timedOut"], true);
  EXPECT_LT(took, 20);
  EXPECT_THAT(ProcessesNamed("sleeper"), IsEmpty());
  EXPECT_TRUE(fs::is_empty(work)) << "bundle left in " << work;
}

TEST_F(SandboxTest, KilledCustomsLeavesNothingRunning) {
  std::string work = dir_ + "/work-killed";
  fs::create_directories(work);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::string exe = testing::CustomsBinary();
    std::string dir_flag = "--sandbox-dir=" + work;
    std::string image = Image("sleeper");
    ::execl(exe.c_str(), exe.c_str(), "sandbox", "--no-rootfs-cache", "--timeout", "120s",
            dir_flag.c_str(), image.c_str(), nullptr);
    ::_exit(127);
  }
  // Wait for the container's processes (the sleeper and its child).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ProcessesNamed("sleeper").size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(ProcessesNamed("sleeper").size(), 2u);
  ASSERT_FALSE(fs::is_empty(work));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // The reaper notices and cleans up.
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((!ProcessesNamed("sleeper").empty() || !fs::is_empty(work)) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_THAT(ProcessesNamed("sleeper"), IsEmpty());
  EXPECT_TRUE(fs::is_empty(work)) << "bundle left in " << work;
}

TEST_F(SandboxTest, ScanWithBehaviorMergesTheVerdicts) {
  std::string out_file = dir_ + "/scan.json";
  std::string log;
  ASSERT_EQ(
      testing::Run(
          testing::CustomsBinary() +
              " scan --scanners config,behavior --no-rootfs-cache --timeout 20s -f json -o '" +
              out_file + "' " + Image("miner") + " 2>&1",
          &log),
      0)
      << log;
  auto doc = ParseJson(*ReadFile(out_file, 64 << 20), "scan", 64 << 20);
  ASSERT_TRUE(doc.ok());
  const Json& r = (*doc)["results"][0];
  EXPECT_THAT(Rules(r), ::testing::Contains("behavior-coin-miner"));
  EXPECT_TRUE(r.contains("behavior"));
  EXPECT_EQ(r["verdict"], "malicious");
}

// Every path of a tree with what a run could change about it.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != end(it);
       it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    out[it->path().string().substr(root.size())] =
        std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + " " +
        std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
        std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_ctim.tv_sec) + "." +
        std::to_string(st.st_ctim.tv_nsec);
  }
  return out;
}

TEST_F(SandboxTest, SecondRunComesFromTheRootfsCacheUnchanged) {
  std::string cache = dir_ + "/rootfs-cache";
  std::string work = dir_ + "/work-cache";
  fs::create_directories(work);
  std::string flags = "--timeout 20s --rootfs-cache '" + cache + "' --sandbox-dir '" + work + "' ";
  auto notes = [](const Json& r) {
    std::string all;
    for (const auto& n : r["behavior"]["notes"]) all += n.get<std::string>() + "\n";
    return all;
  };
  // The cron writer tries to write into the root: the root must stay as it was.
  Json first = Sandbox(flags + Image("cron"));
  EXPECT_FALSE(Rules(first).empty());
  EXPECT_THAT(Rules(first), ::testing::Each("behavior-persistence"));
  EXPECT_THAT(notes(first), ::testing::Not(HasSubstr("unpacked-layer cache")));
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.is_directory()) entries.push_back(e.path().filename());
  ASSERT_EQ(entries.size(), 1u) << "one complete entry, no temporaries";
  EXPECT_EQ(entries[0].size(), 64u);
  std::string tree = cache + "/" + entries[0] + "/rootfs";
  EXPECT_TRUE(fs::exists(tree + "/usr/local/bin/cron"));
  EXPECT_TRUE(fs::is_regular_file(tree + "/etc/resolv.conf"));  // a mount point made when built
  EXPECT_TRUE(fs::is_directory(tree + "/run"));
  auto before = Snapshot(tree);
  // Nothing in the tree changed after the entry was complete (entry.json is
  // written last, and a miss does not touch it): the first run, too, found
  // every mount point made.
  struct stat meta {};
  ASSERT_EQ(::stat((cache + "/" + entries[0] + "/entry.json").c_str(), &meta), 0);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(tree, ec); !ec && it != end(it);
       it.increment(ec)) {
    struct stat st {};
    ASSERT_EQ(::lstat(it->path().c_str(), &st), 0);
    bool later = st.st_ctim.tv_sec != meta.st_ctim.tv_sec
                     ? st.st_ctim.tv_sec > meta.st_ctim.tv_sec
                     : st.st_ctim.tv_nsec > meta.st_ctim.tv_nsec;
    EXPECT_FALSE(later) << it->path() << " changed by the run";
  }

  Json second = Sandbox(flags + Image("cron"));
  EXPECT_EQ(Rules(second), Rules(first));
  EXPECT_EQ(second["verdict"], first["verdict"]);
  EXPECT_THAT(notes(second), HasSubstr("root filesystem from the unpacked-layer cache (built 20"));
  EXPECT_THAT(second["behavior"]["output"].get<std::string>(), HasSubstr("Read-only file system"));
  EXPECT_EQ(Snapshot(tree), before) << "the run changed the cached tree";
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(cache)) dirs += e.is_directory() ? 1 : 0;
  EXPECT_EQ(dirs, 1u);
  EXPECT_TRUE(fs::is_empty(work)) << "bundle left in " << work;
}

TEST_F(SandboxTest, NoRootfsCacheLeavesNothingBehind) {
  std::string cache = dir_ + "/unused-cache";
  std::string work = dir_ + "/work-nocache";
  fs::create_directories(work);
  Json r = Sandbox("--timeout 20s --no-rootfs-cache --rootfs-cache '" + cache +
                   "' --sandbox-dir '" + work + "' " + Image("webserver"));
  EXPECT_EQ(r["verdict"], "clean");
  EXPECT_FALSE(fs::exists(cache));
  EXPECT_TRUE(fs::is_empty(work)) << "bundle left in " << work;
}

TEST_F(SandboxTest, ClearErrors) {
  std::string log;
  std::string closed = dir_ + "/closed";
  fs::create_directories(closed + "/inner");
  fs::permissions(closed, fs::perms::owner_all);
  EXPECT_EQ(testing::Run(testing::CustomsBinary() + " sandbox --no-rootfs-cache --sandbox-dir '" +
                             closed + "/inner' " + Image("webserver") + " 2>&1",
                         &log),
            2);
  EXPECT_THAT(log, HasSubstr(closed + " has no search permission for others"));
  EXPECT_EQ(testing::Run(testing::CustomsBinary() +
                             " sandbox --no-rootfs-cache --runtime /nonexistent/runc " +
                             Image("webserver") + " 2>&1",
                         &log),
            2);
  EXPECT_THAT(log, HasSubstr("the OCI runtime \"/nonexistent/runc\" was not found"));
  EXPECT_EQ(testing::Run(testing::CustomsBinary() + " sandbox --no-rootfs-cache --timeout 0s " +
                             Image("webserver") + " 2>&1",
                         &log),
            2);
  EXPECT_THAT(log, HasSubstr("--timeout"));
}

}  // namespace
}  // namespace customs
