// Checks the sandbox test images: each builds, customs reads it, and the
// programs that are safe to run on the host behave as documented.
#include "tests/sandbox_images.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "base/digest.h"
#include "gtest/gtest.h"
#include "tests/testing.h"

namespace customs::testing {
namespace {

const std::vector<std::string> kPrograms = {"miner", "revshell",  "sh",    "dropper",
                                            "cron",  "webserver", "memfd", "scanner",
                                            "probe", "sleeper",   "busy"};

// testing::Test::Run hides customs::testing::Run inside test bodies.
int Shell(const std::string& command, std::string* output = nullptr) {
  return customs::testing::Run(command, output);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Program(const std::string& name) {
  std::string error;
  std::string path = SandboxProgram(name, &error);
  EXPECT_EQ(error, "");
  return path;
}

// A listening TCP socket on 127.0.0.1 with a kernel-chosen port.
int Listen(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
      ::listen(fd, 4) != 0)
    return -1;
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  *port = ntohs(sa.sin_port);
  return fd;
}

class SandboxImageTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SandboxImageTest, BuildsAndCustomsReadsIt) {
  const std::string name = GetParam();
  std::string dir = TempDir() + "/" + name;
  ASSERT_EQ(BuildSandboxImage(name, dir, {"EXTRA=1"}), "");
  EXPECT_EQ(SandboxImageRef(dir), "oci:" + dir + ":latest");

  // The layout, read back without our code.
  auto index = nlohmann::json::parse(ReadFile(dir + "/index.json"));
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "latest");
  std::string manifest_digest = index["manifests"][0]["digest"];
  std::string manifest_bytes = ReadFile(dir + "/blobs/sha256/" + manifest_digest.substr(7));
  EXPECT_EQ(Sha256::Of(manifest_bytes).str(), manifest_digest);
  auto manifest = nlohmann::json::parse(manifest_bytes);
  std::string config_digest = manifest["config"]["digest"];
  auto config = nlohmann::json::parse(ReadFile(dir + "/blobs/sha256/" + config_digest.substr(7)));
  EXPECT_EQ(config["config"]["Entrypoint"], nlohmann::json::array({"/usr/local/bin/" + name}));
  EXPECT_EQ(config["config"]["Env"],
            nlohmann::json::array({"PATH=/usr/local/bin:/usr/bin:/bin", "EXTRA=1"}));
  EXPECT_EQ(config["config"]["User"], "");
  EXPECT_EQ(config["config"]["WorkingDir"], "/");
  ASSERT_EQ(manifest["layers"].size(), 1u);
  std::string layer_digest = manifest["layers"][0]["digest"];
  std::string layer_path = dir + "/blobs/sha256/" + layer_digest.substr(7);

  // The layer, listed by the system tar: the program and the stub shell are
  // executable regular files, the rest is there.
  std::string listing;
  ASSERT_EQ(Shell("tar -tvzf " + layer_path, &listing), 0) << listing;
  std::istringstream lines(listing);
  std::string line;
  std::map<std::string, std::string> modes;  // path -> "-rwxr-xr-x"
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string mode, owner, size, date, time, path;
    fields >> mode >> owner >> size >> date >> time >> path;
    modes[path] = mode;
  }
  EXPECT_EQ(modes["usr/local/bin/" + name], "-rwxr-xr-x") << listing;
  EXPECT_EQ(modes["bin/sh"], "-rwxr-xr-x") << listing;
  EXPECT_EQ(modes["tmp/"], "drwxrwxrwt") << listing;
  for (const char* p : {"etc/passwd", "etc/hostname", "etc/group"})
    EXPECT_EQ(modes[p], "-rw-r--r--") << p;
  for (const char* p : {"proc/", "dev/", "sys/", "etc/cron.d/", "var/spool/cron/crontabs/"})
    EXPECT_EQ(modes[p], "drwxr-xr-x") << p;

  // customs reads it.
  std::string out;
  ASSERT_EQ(Shell(CustomsBinary() + " scan --scanners none --format json " + SandboxImageRef(dir) +
                      " 2>/dev/null",
                  &out),
            0)
      << out;
  auto report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out;
  const auto& image = report["results"][0]["image"];
  EXPECT_EQ(image["manifestDigest"], manifest_digest);
  EXPECT_EQ(image["config"]["entrypoint"], nlohmann::json::array({"/usr/local/bin/" + name}));
  ASSERT_EQ(image["layers"].size(), 1u) << out;
  EXPECT_EQ(image["layers"][0]["digest"], layer_digest);
  EXPECT_EQ(report["results"][0]["complete"], true) << out;
}

INSTANTIATE_TEST_SUITE_P(Programs, SandboxImageTest, ::testing::ValuesIn(kPrograms),
                         [](const auto& info) { return info.param; });

TEST(SandboxImagesTest, UnknownProgramSaysSo) {
  std::string err = BuildSandboxImage("no_such_program", TempDir() + "/x");
  EXPECT_NE(err.find("tests/sandbox/no_such_program.c"), std::string::npos) << err;
  EXPECT_NE(BuildSandboxImage("../sandbox/sh", TempDir() + "/y"), "");
}

TEST(SandboxProgramsTest, StubShell) {
  std::string sh = Program("sh");
  EXPECT_EQ(Shell(sh + " -c true"), 0);
  EXPECT_EQ(Shell(sh + " -c 'exit 5'"), 0);  // CMD is ignored
  std::string script = TempDir() + "/s.sh";
  std::ofstream(script) << "#!/bin/sh\necho hi\n  exit 7\nexit 9\n";
  EXPECT_EQ(Shell(sh + " " + script), 7);
  std::ofstream(script, std::ios::trunc) << "#!/bin/sh\nexitcode 4\necho no exit\n";
  EXPECT_EQ(Shell(sh + " " + script), 0);
  std::string out;
  EXPECT_EQ(Shell(sh + " " + TempDir() + "/missing", &out), 127);
  EXPECT_NE(out.find("cannot open"), std::string::npos) << out;
  EXPECT_EQ(Shell("printf 'id\\nexit 3\\n' | " + sh + " -i"), 0);
  EXPECT_EQ(Shell(sh + " </dev/null"), 0);
}

TEST(SandboxProgramsTest, ProbeReportsWhatItCould) {
  std::string probe = Program("probe");
  int port = 0;
  int listener = Listen(&port);
  ASSERT_GE(listener, 0);
  std::string secret = TempDir() + "/secret";
  std::ofstream(secret) << "s";
  std::string out;
  ASSERT_EQ(
      Shell("PROBE_PORT=" + std::to_string(port) + " PROBE_FILE=" + secret + " " + probe, &out), 0);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["connect"], "ok");
  EXPECT_EQ(j["read"], "ok");
  EXPECT_EQ(j["uid"], ::getuid());
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(j["hostname"], host);
  EXPECT_GT(j["procs"].get<int>(), 1);
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  char buf[16] = {};
  EXPECT_EQ(::recv(conn, buf, sizeof(buf), MSG_WAITALL), 6);
  EXPECT_STREQ(buf, "probe\n");
  ::close(conn);
  ::close(listener);  // now nothing listens on `port`

  ASSERT_EQ(Shell("PROBE_PORT=" + std::to_string(port) + " PROBE_FILE=" + secret + ".none " + probe,
                  &out),
            0);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["connect"], "Connection refused");
  EXPECT_EQ(j["read"], "No such file or directory");
  ASSERT_EQ(Shell("env -u PROBE_PORT -u PROBE_FILE " + probe, &out), 0);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["connect"], "unset");
  EXPECT_EQ(j["read"], "unset");
}

TEST(SandboxProgramsTest, BusyCleansUpAfterItself) {
  std::string dir = TempDir();
  std::string out;
  ASSERT_EQ(Shell("BUSY_ITERS=25 BUSY_DIR=" + dir + " " + Program("busy"), &out), 0) << out;
  EXPECT_EQ(out.rfind("busy: 25 iterations, 3 execs, ", 0), 0u) << out;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  EXPECT_EQ(Shell("BUSY_ITERS=1 BUSY_DIR=" + dir + "/missing " + Program("busy"), &out), 1);
  EXPECT_EQ(out, "busy: open " + dir + "/missing/f0: No such file or directory\n");
}

TEST(SandboxProgramsTest, MemfdRunsTheShellFromMemory) {
  std::string out;
  ASSERT_EQ(Shell(Program("memfd"), &out), 0) << out;
  EXPECT_EQ(out, "memfd: copied " + std::to_string(std::filesystem::file_size("/bin/sh")) +
                     " bytes of /bin/sh, execveat\n");
}

TEST(SandboxProgramsTest, WebserverAnswersHello) {
  int port = 0;
  int probe = Listen(&port);  // a free port
  ASSERT_GE(probe, 0);
  ::close(probe);
  std::string log = TempDir() + "/web.log";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string p = std::to_string(port);
    ::setenv("WEB_PORT", p.c_str(), 1);
    ::setenv("WEB_SECONDS", "2", 1);
    std::string bin = Program("webserver");
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::execl(bin.c_str(), "webserver", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string reply;
  for (int attempt = 0; attempt < 50 && reply.empty(); ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
      ::send(fd, "GET / HTTP/1.0\r\n\r\n", 18, 0);
      char buf[256];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, n);
    } else {
      ::usleep(20000);
    }
    ::close(fd);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(reply, "HTTP/1.0 200 OK\r\n\r\nhello\n");
  EXPECT_EQ(ReadFile(log),
            "listening on 0.0.0.0:" + std::to_string(port) + " for 2 s\nserved 1 clients\n");
}

TEST(SandboxProgramsTest, SleeperForksAndSleeps) {
  std::string bin = Program("sleeper");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::execl(bin.c_str(), "sleeper", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(fds[0]);
  int parent = 0, child = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "sleeper: parent %d child %d", &parent, &child), 2) << line;
  EXPECT_EQ(parent, pid);
  EXPECT_EQ(::kill(child, 0), 0);  // both alive
  ::usleep(300000);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0);  // still sleeping
  ::kill(child, SIGKILL);
  ::kill(pid, SIGKILL);
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

}  // namespace
}  // namespace customs::testing
