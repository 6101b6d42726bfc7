#include "sandbox/verdict.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace customs::sandbox {
namespace {

using model::BehaviorEvent;
using model::BehaviorReport;
using ::testing::HasSubstr;

BehaviorEvent Event(double t, int pid, std::string syscall, std::string path = "") {
  BehaviorEvent e;
  e.t_ms = t;
  e.pid = pid;
  e.syscall = std::move(syscall);
  e.path = std::move(path);
  return e;
}

BehaviorEvent Exec(double t, int pid, std::string path, std::vector<std::string> argv) {
  BehaviorEvent e = Event(t, pid, "execve", std::move(path));
  e.argv = std::move(argv);
  e.stdio = {"/dev/null", "pipe:[7]", "pipe:[7]"};
  return e;
}

BehaviorEvent Connect(double t, int pid, std::string address, int port, std::string socket,
                      uint64_t inode = 0) {
  BehaviorEvent e = Event(t, pid, "connect");
  e.address = std::move(address);
  e.port = port;
  e.socket = std::move(socket);
  e.socket_inode = inode;
  return e;
}

std::vector<std::string> Rules(const BehaviorReport& r) {
  std::vector<std::string> out;
  for (const auto& d : JudgeBehavior(r)) out.push_back(d.rule_id);
  return out;
}

TEST(JudgeBehaviorTest, MinerFromStratumLoginAndPoolName) {
  BehaviorReport r;
  r.first_exec_ms = 100;
  r.wall_ms = 4000;
  r.cpu_ms = 3800;
  r.events = {Exec(100, 7, "/usr/bin/jaav", {"jaav"}), Connect(110, 7, "127.53.0.1", 3333, "tcp")};
  r.dns = {{105, "pool.supportxmr.com", "A", "127.53.0.1"}};
  std::string wallet = "4" + std::string("A") + std::string(93, 'x');
  r.connections = {{111, "tcp", "127.53.0.1", 3333, "pool.supportxmr.com",
                    R"({"id":1,"method":"login","params":{"login":")" + wallet + R"("}})", 80,
                    false}};
  auto found = JudgeBehavior(r);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, kRuleMiner);
  EXPECT_EQ(found[0].category, model::kCategoryCoinMiner);
  EXPECT_EQ(found[0].disposition, model::Disposition::kMalicious);
  EXPECT_EQ(found[0].path, "/usr/bin/jaav");  // the renamed miner, found by what it did
  EXPECT_THAT(found[0].evidence, HasSubstr("stratum login sent to pool.supportxmr.com"));
  EXPECT_THAT(found[0].evidence, HasSubstr("resolved mining pool pool.supportxmr.com"));
  EXPECT_THAT(found[0].evidence, HasSubstr("sustained CPU: 3.8 s of CPU in 3.9 s"));

  // A miner program run by name, no traffic: suspicious, not malicious.
  BehaviorReport named;
  named.events = {Exec(1, 7, "/opt/xmrig", {"xmrig", "--donate-level", "1"})};
  found = JudgeBehavior(named);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].disposition, model::Disposition::kSuspicious);
  // Busy CPU alone is no miner.
  BehaviorReport busy;
  busy.wall_ms = 5000;
  busy.cpu_ms = 5000;
  busy.events = {Exec(1, 7, "/usr/bin/ffmpeg", {"ffmpeg"})};
  EXPECT_TRUE(JudgeBehavior(busy).empty());
}

TEST(JudgeBehaviorTest, ReverseShellNeedsTheConnectedSocketOnStdio) {
  BehaviorReport r;
  BehaviorEvent shell = Exec(20, 9, "/bin/sh", {"sh", "-i"});
  shell.stdio = {"socket:[4242]", "socket:[4242]", "socket:[4242]"};
  r.events = {Connect(10, 9, "10.10.10.10", 4444, "tcp", 4242), shell};
  auto found = JudgeBehavior(r);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, kRuleReverseShell);
  EXPECT_EQ(found[0].confidence, model::Confidence::kHigh);
  EXPECT_THAT(found[0].evidence, HasSubstr("connected to 10.10.10.10:4444"));

  // inetd style: one accepted socket on stdin of a server program.
  BehaviorReport inetd;
  BehaviorEvent served = Exec(20, 9, "/usr/sbin/in.tftpd", {"in.tftpd"});
  served.stdio = {"socket:[5]", "/dev/null", "/dev/null"};
  inetd.events = {served};
  EXPECT_TRUE(JudgeBehavior(inetd).empty());
}

TEST(JudgeBehaviorTest, DownloadThenExecuteAndDropWithoutFetch) {
  BehaviorEvent write = Event(30, 5, "openat", "/tmp/.x");
  write.flags = O_WRONLY | O_CREAT | O_TRUNC;
  BehaviorReport r;
  r.events = {Connect(20, 5, "127.53.0.2", 80, "tcp"), write, Exec(40, 5, "/tmp/.x", {"/tmp/.x"})};
  r.connections = {{21, "tcp", "127.53.0.2", 80, "updates.example.com",
                    "GET /x HTTP/1.1\r\nHost: updates.example.com\r\n\r\n", 40, true}};
  auto found = JudgeBehavior(r);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, kRuleDownloadExec);
  EXPECT_THAT(found[0].evidence, HasSubstr("fetched from 127.53.0.2:80 (updates.example.com) "
                                           "\"GET /x HTTP/1.1\""));

  // A script written, then run through a shell, with no fetch.
  BehaviorReport dropped;
  dropped.events = {write, Exec(40, 5, "/bin/sh", {"sh", "/tmp/.x"})};
  EXPECT_THAT(Rules(dropped), ::testing::ElementsAre(std::string(kRuleDropExec)));
  // Reading a file and running a program of the image: nothing.
  BehaviorReport benign;
  benign.events = {Exec(40, 5, "/usr/bin/env", {"env"})};
  EXPECT_TRUE(JudgeBehavior(benign).empty());
}

TEST(JudgeBehaviorTest, PersistenceScanningAndMemfd) {
  BehaviorEvent cron = Event(10, 3, "openat", "/etc/cron.d/job");
  cron.flags = O_WRONLY | O_CREAT;
  BehaviorEvent keys = Event(11, 3, "rename", "/tmp/k");
  keys.path2 = "/root/.ssh/authorized_keys";
  BehaviorEvent log = Event(12, 3, "openat", "/var/log/app.log");
  log.flags = O_WRONLY | O_APPEND;
  BehaviorReport r;
  r.events = {cron, keys, log};
  EXPECT_THAT(Rules(r),
              ::testing::ElementsAre(std::string(kRulePersistence), std::string(kRulePersistence)));

  BehaviorReport scan;
  for (int i = 1; i <= 16; ++i)
    scan.events.push_back(Connect(i, 4, "192.168.1." + std::to_string(i), 22, "tcp"));
  EXPECT_THAT(Rules(scan), ::testing::ElementsAre(std::string(kRuleScanning)));
  scan.events.pop_back();  // 15 addresses: a client with a few backends
  EXPECT_TRUE(JudgeBehavior(scan).empty());

  BehaviorReport memfd;
  BehaviorEvent exec = Exec(5, 2, "/memfd:payload (deleted)", {"sh"});
  exec.syscall = "execveat";
  memfd.events = {Event(4, 2, "memfd_create", "memfd:payload"), exec};
  EXPECT_THAT(Rules(memfd), ::testing::ElementsAre(std::string(kRuleMemfdExec)));
  memfd.events[1].path = "/memfd:runc_cloned:/proc/self/exe (deleted)";
  EXPECT_TRUE(JudgeBehavior(memfd).empty());
}

}  // namespace
}  // namespace customs::sandbox
