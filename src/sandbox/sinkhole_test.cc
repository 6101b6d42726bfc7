// The sinkhole in a real network namespace, made for the test the way runc
// makes one (a fresh CLONE_NEWNET: only lo, down). Clients run on threads
// that setns() into the same namespace. Needs root; skips otherwise.
#include "sandbox/sinkhole.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace customs::sandbox {
namespace {

using Bytes = std::vector<uint8_t>;

// A thread parked in a new network namespace until destruction.
class TestNetns {
 public:
  TestNetns() {
    thread_ = std::thread([this] {
      int rc = unshare(CLONE_NEWNET);
      int err = errno;
      std::unique_lock lock(mu_);
      tid_ = static_cast<pid_t>(syscall(SYS_gettid));
      error_ = rc == 0 ? 0 : err;
      ready_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return release_; });
    });
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return ready_; });
    if (error_ == 0) {
      path_ = "/proc/self/task/" + std::to_string(tid_) + "/ns/net";
      fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    }
  }
  ~TestNetns() {
    {
      std::lock_guard lock(mu_);
      release_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return error_ == 0 && fd_ >= 0; }
  std::string error() const { return std::strerror(error_); }
  const std::string& path() const { return path_; }

  // Runs `fn` on a new thread inside the namespace and waits for it.
  void Run(const std::function<void()>& fn) const {
    std::thread t([&] {
      if (setns(fd_, CLONE_NEWNET) != 0) {
        ADD_FAILURE() << "setns: " << std::strerror(errno);
        return;
      }
      fn();
    });
    t.join();
  }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
  bool release_ = false;
  pid_t tid_ = 0;
  int error_ = 0;
  int fd_ = -1;
  std::string path_;
};

#define REQUIRE_NETNS(ns)                                                         \
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create a network namespace"; \
  TestNetns ns;                                                                   \
  if (!ns.ok()) GTEST_SKIP() << "unshare(CLONE_NEWNET) failed: " << ns.error()

Bytes DnsQueryPacket(uint16_t id, const std::vector<std::string>& labels, uint16_t type) {
  Bytes p = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (const auto& l : labels) {
    p.push_back(static_cast<uint8_t>(l.size()));
    p.insert(p.end(), l.begin(), l.end());
  }
  p.insert(p.end(), {0, static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return p;
}

sockaddr_storage Address(const std::string& ip, int port, socklen_t* len) {
  sockaddr_storage ss{};
  if (ip.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    *len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    *len = sizeof(sockaddr_in);
  }
  return ss;
}

void SetTimeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

struct DnsReply {
  bool received = false;
  std::string from;
  Bytes bytes;
};

DnsReply AskDns(const std::string& server, const Bytes& query) {
  DnsReply reply;
  socklen_t len = 0;
  sockaddr_storage to = Address(server, 53, &len);
  int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  SetTimeout(fd, 2000);
  sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), len);
  uint8_t buf[1500];
  sockaddr_storage from{};
  socklen_t from_len = sizeof(from);
  ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  close(fd);
  if (n < 0) return reply;
  reply.received = true;
  reply.bytes.assign(buf, buf + n);
  char text[INET6_ADDRSTRLEN] = {};
  if (from.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, text, sizeof(text));
  else
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text, sizeof(text));
  reply.from = text;
  return reply;
}

// The A record's address at the end of a one-answer response, or "" when
// ANCOUNT is 0.
std::string AnswerOf(const DnsReply& r) {
  if (r.bytes.size() < 12 || (r.bytes[6] << 8 | r.bytes[7]) == 0) return "";
  const uint8_t* a = r.bytes.data() + r.bytes.size() - 4;
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
         std::to_string(a[3]);
}

// Connects (blocking, 2 s); returns the fd or -errno.
int Connect(const std::string& ip, int port) {
  socklen_t len = 0;
  sockaddr_storage to = Address(ip, port, &len);
  int fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  SetTimeout(fd, 2000);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), len) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

void SendAll(int fd, const std::string& s) {
  ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

std::string ReadToEnd(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends the datagrams from one socket (one flow).
void SendUdp(const std::string& ip, int port, const std::vector<std::string>& payloads) {
  socklen_t len = 0;
  sockaddr_storage to = Address(ip, port, &len);
  int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  for (const auto& payload : payloads)
    EXPECT_EQ(sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), len),
              static_cast<ssize_t>(payload.size()));
  close(fd);
}

const model::SinkholeRecord* Find(const std::vector<model::SinkholeRecord>& records,
                                  const std::string& protocol, const std::string& address,
                                  int port) {
  for (const auto& r : records)
    if (r.protocol == protocol && r.address == address && r.port == port) return &r;
  return nullptr;
}

const std::string kLogin =
    R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"47ZaBbPk8T7TQa1Q7NdB2wA",)"
    R"("pass":"x","agent":"XMRig/6.21.0"}})"
    "\n";

const std::string kHttpAnswer =
    "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 68\r\n"
    "Connection: close\r\n\r\n"
    "#!/bin/sh\n# customs sandbox sinkhole: nothing was downloaded\nexit 0\n";

SinkholeOptions Options() {
  SinkholeOptions o;
  o.t0 = std::chrono::steady_clock::now();
  return o;
}

TEST(Sinkhole, StartFailsOnMissingNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto s = Sinkhole::Start("/nonexistent/ns/net", Options());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent/ns/net"), std::string::npos)
      << s.status().ToString();
}

TEST(Sinkhole, AnswersDnsRecordsConnectionsAndServesHttp) {
  REQUIRE_NETNS(ns);
  auto started = Sinkhole::Start(ns.path(), Options());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Sinkhole& sink = **started;
  bool ipv6 = false;

  ns.Run([&] {
    // lo is up and every address is local.
    struct stat st {};
    ipv6 = stat("/proc/sys/net/ipv6", &st) == 0;

    DnsReply r1 = AskDns("127.0.0.1", DnsQueryPacket(0x1111, {"pool", "supportxmr", "com"}, 1));
    ASSERT_TRUE(r1.received);
    EXPECT_EQ(r1.from, "127.0.0.1");
    EXPECT_EQ(r1.bytes[0], 0x11);
    EXPECT_EQ(r1.bytes[2], 0x81);
    EXPECT_EQ(AnswerOf(r1), "127.53.0.1");

    // The image's resolv.conf says 8.8.8.8: the answer comes from 8.8.8.8.
    DnsReply r2 = AskDns("8.8.8.8", DnsQueryPacket(0x2222, {"pool", "supportxmr", "com"}, 1));
    ASSERT_TRUE(r2.received);
    EXPECT_EQ(r2.from, "8.8.8.8");
    EXPECT_EQ(AnswerOf(r2), "127.53.0.1");

    DnsReply r3 = AskDns("8.8.8.8", DnsQueryPacket(0x3333, {"XMR", "pool", "minergate", "com"}, 1));
    ASSERT_TRUE(r3.received);
    EXPECT_EQ(AnswerOf(r3), "127.53.0.2");

    DnsReply r4 = AskDns("1.1.1.1", DnsQueryPacket(0x4444, {"pool", "supportxmr", "com"}, 28));
    ASSERT_TRUE(r4.received);
    EXPECT_EQ(r4.from, "1.1.1.1");
    EXPECT_EQ(AnswerOf(r4), "");
    EXPECT_EQ(r4.bytes.size(), 37u);  // header + question only

    DnsReply r5 = AskDns("127.0.0.53", DnsQueryPacket(0x5555, {"evil", "example"}, 16));
    ASSERT_TRUE(r5.received);
    EXPECT_EQ(AnswerOf(r5), "");

    // Not DNS, and a response (QR=1): no reply, not recorded.
    SendUdp("8.8.4.4", 53, {"hello"});
    Bytes response = DnsQueryPacket(0x6666, {"x"}, 1);
    response[2] |= 0x80;
    DnsReply r6 = AskDns("8.8.4.4", response);
    EXPECT_FALSE(r6.received);

    if (ipv6) {
      DnsReply r7 = AskDns("2001:4860:4860::8888", DnsQueryPacket(0x7777, {"v6", "example"}, 1));
      ASSERT_TRUE(r7.received);
      EXPECT_EQ(r7.from, "2001:4860:4860::8888");
      EXPECT_EQ(AnswerOf(r7), "127.53.0.3");
    }

    // Nothing listens on 4444: refused, as a closed port would be.
    EXPECT_EQ(Connect("10.1.2.3", 4444), -ECONNREFUSED);

    // A miner: resolves the pool, connects to 3333, logs in, waits.
    sink.WatchTcp(3333);
    sink.WatchTcp(3333);  // idempotent
    int c1 = Connect("127.53.0.1", 3333);
    ASSERT_GE(c1, 0) << std::strerror(-c1);
    SendAll(c1, kLogin);
    int c2 = Connect("10.1.2.3", 3333);
    ASSERT_GE(c2, 0) << std::strerror(-c2);
    SendAll(c2, "mining.subscribe");
    // Kept open, nothing answered.
    SetTimeout(c1, 300);
    char b;
    EXPECT_EQ(recv(c1, &b, 1, 0), -1);
    EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << std::strerror(errno);

    // A downloader: HTTP gets the harmless body, then EOF.
    sink.WatchTcp(80);
    int h = Connect("127.53.0.2", 80);
    ASSERT_GE(h, 0);
    SendAll(h, "GET /xmrig HTTP/1.1\r\nHost: xmr.pool.minergate.com\r\n\r\n");
    EXPECT_EQ(ReadToEnd(h), kHttpAnswer);
    close(h);
    // A slow one whose header never ends is answered after a second.
    int slow = Connect("192.0.2.7", 80);
    ASSERT_GE(slow, 0);
    SendAll(slow, "GET / HTTP/1.0\r\n");
    EXPECT_EQ(ReadToEnd(slow), kHttpAnswer);
    close(slow);

    sink.WatchUdp(5000);
    SendUdp("10.20.30.40", 5000, {"hello-udp", "again"});
    SendUdp("10.20.30.40", 5000, {"another flow"});

    if (ipv6) {
      sink.WatchTcp(4443);
      int c6 = Connect("2001:db8::1", 4443);
      ASSERT_GE(c6, 0) << std::strerror(-c6);
      SendAll(c6, "\x16\x03\x01");
      close(c6);
    }
    close(c1);
    close(c2);
    // Let the loop see the last bytes and closes.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });

  std::vector<model::DnsQueryRecord> dns;
  std::vector<model::SinkholeRecord> conns;
  sink.Stop(&dns, &conns);

  ASSERT_EQ(dns.size(), ipv6 ? 6u : 5u);
  EXPECT_EQ(dns[0].name, "pool.supportxmr.com");
  EXPECT_EQ(dns[0].type, "A");
  EXPECT_EQ(dns[0].answer, "127.53.0.1");
  EXPECT_EQ(dns[1].answer, "127.53.0.1");
  EXPECT_EQ(dns[2].name, "xmr.pool.minergate.com");
  EXPECT_EQ(dns[2].answer, "127.53.0.2");
  EXPECT_EQ(dns[3].type, "AAAA");
  EXPECT_EQ(dns[3].answer, "");
  EXPECT_EQ(dns[4].name, "evil.example");
  EXPECT_EQ(dns[4].type, "TXT");
  for (size_t i = 1; i < dns.size(); ++i) EXPECT_LE(dns[i - 1].t_ms, dns[i].t_ms);

  const auto* pool = Find(conns, "tcp", "127.53.0.1", 3333);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->name, "pool.supportxmr.com");
  EXPECT_EQ(pool->first_bytes, kLogin);
  EXPECT_EQ(pool->bytes, kLogin.size());
  EXPECT_FALSE(pool->answered);

  const auto* direct = Find(conns, "tcp", "10.1.2.3", 3333);
  ASSERT_NE(direct, nullptr);
  EXPECT_EQ(direct->name, "");
  EXPECT_EQ(direct->first_bytes, "mining.subscribe");

  const auto* http = Find(conns, "tcp", "127.53.0.2", 80);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->name, "xmr.pool.minergate.com");
  EXPECT_EQ(http->first_bytes, "GET /xmrig HTTP/1.1\r\nHost: xmr.pool.minergate.com\r\n\r\n");
  EXPECT_TRUE(http->answered);

  const auto* slow = Find(conns, "tcp", "192.0.2.7", 80);
  ASSERT_NE(slow, nullptr);
  EXPECT_TRUE(slow->answered);

  const auto* udp = Find(conns, "udp", "10.20.30.40", 5000);
  ASSERT_NE(udp, nullptr);
  EXPECT_EQ(udp->first_bytes, "hello-udp");
  EXPECT_EQ(udp->bytes, 14u);
  size_t flows = std::count_if(conns.begin(), conns.end(), [](const auto& r) {
    return r.protocol == "udp" && r.address == "10.20.30.40" && r.port == 5000;
  });
  EXPECT_EQ(flows, 2u);  // one per source socket

  EXPECT_EQ(Find(conns, "tcp", "10.1.2.3", 4444), nullptr);
  EXPECT_EQ(Find(conns, "udp", "8.8.4.4", 53), nullptr);
  if (ipv6) {
    const auto* v6 = Find(conns, "tcp", "2001:db8::1", 4443);
    ASSERT_NE(v6, nullptr);
    EXPECT_EQ(v6->first_bytes, "\x16\x03\x01");
  }
  EXPECT_EQ(conns.size(), ipv6 ? 7u : 6u);
  for (size_t i = 1; i < conns.size(); ++i) EXPECT_LE(conns[i - 1].t_ms, conns[i].t_ms);

  SinkholeDropped dropped = sink.Dropped();
  EXPECT_EQ(dropped.connections, 0u);
  EXPECT_EQ(dropped.queries, 0u);
}

TEST(Sinkhole, LeavesPortsTheContainerListensOn) {
  REQUIRE_NETNS(ns);
  auto started = Sinkhole::Start(ns.path(), Options());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Sinkhole& sink = **started;
  ns.Run([&] {
    // The "container" serves on 8080 itself.
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t len = 0;
    sockaddr_storage any = Address("0.0.0.0", 8080, &len);
    ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&any), len), 0);
    ASSERT_EQ(listen(server, 8), 0);
    sink.WatchTcp(8080);  // returns, does not take it over
    int c = Connect("127.0.0.1", 8080);
    ASSERT_GE(c, 0);
    int accepted = accept(server, nullptr, nullptr);
    EXPECT_GE(accepted, 0);
    close(accepted);
    close(c);
    close(server);
  });
  std::vector<model::SinkholeRecord> conns;
  sink.Stop(nullptr, &conns);
  EXPECT_TRUE(conns.empty());
}

TEST(Sinkhole, BoundsConnectionsAndCountsTheRest) {
  REQUIRE_NETNS(ns);
  SinkholeOptions options = Options();
  options.max_connections = 2;
  options.max_first_bytes = 4;
  auto started = Sinkhole::Start(ns.path(), options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  Sinkhole& sink = **started;
  ns.Run([&] {
    sink.WatchTcp(9000);
    for (int i = 0; i < 5; ++i) {
      int c = Connect("10.0.0." + std::to_string(i + 1), 9000);
      ASSERT_GE(c, 0);
      send(c, "abcdefgh", 8, MSG_NOSIGNAL);
      // Wait until the sinkhole has dealt with this one, so the order is known.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      close(c);
    }
  });
  std::vector<model::SinkholeRecord> conns;
  sink.Stop(nullptr, &conns);
  ASSERT_EQ(conns.size(), 2u);
  EXPECT_EQ(conns[0].address, "10.0.0.1");
  EXPECT_EQ(conns[0].first_bytes, "abcd");
  EXPECT_EQ(conns[0].bytes, 8u);
  EXPECT_EQ(conns[1].address, "10.0.0.2");
  EXPECT_EQ(sink.Dropped().connections, 3u);
}

TEST(Sinkhole, WatchAfterStopAndDestructorDoNotHang) {
  REQUIRE_NETNS(ns);
  {
    auto started = Sinkhole::Start(ns.path(), Options());
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    (*started)->WatchTcp(1234);
    // Destroyed without Stop.
  }
  auto started = Sinkhole::Start(ns.path(), Options());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  (*started)->Stop(nullptr, nullptr);
  (*started)->WatchTcp(1235);
  (*started)->WatchUdp(1236);
  std::vector<model::SinkholeRecord> conns;
  (*started)->Stop(nullptr, &conns);
  EXPECT_TRUE(conns.empty());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunText(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  return pclose(p);
}

TEST(Sinkhole, HostNamespaceIsUntouched) {
  REQUIRE_NETNS(ns);
  // Sockets on port 53 (0x0035) and the local routing table of the host, as
  // the test's main thread (still in the host namespace) sees them.
  auto port53 = [] {
    std::string all = ReadFile("/proc/self/net/udp") + ReadFile("/proc/self/net/udp6");
    size_t count = 0;
    for (size_t at = all.find(":0035 "); at != std::string::npos; at = all.find(":0035 ", at + 1))
      ++count;
    return count;
  };
  auto routes = [] {
    std::string out;
    RunText("ip route show table local 2>&1; ip -6 route show table local 2>&1", &out);
    return out;
  };
  size_t udp53_before = port53();
  std::string routes_before = routes();
  // Nothing listens on this port on the host before.
  const int kPort = 33333;
  int before = Connect("127.0.0.1", kPort);
  if (before >= 0) {
    close(before);
    GTEST_SKIP() << "something on the host listens on 127.0.0.1:" << kPort;
  }

  auto started = Sinkhole::Start(ns.path(), Options());
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  (*started)->WatchTcp(kPort);

  EXPECT_EQ(port53(), udp53_before);
  std::string routes_after = routes();
  EXPECT_EQ(routes_after, routes_before);
  EXPECT_EQ(routes_after.find("local default"), std::string::npos) << routes_after;
  EXPECT_EQ(Connect("127.0.0.1", kPort), -ECONNREFUSED);

  // Inside, the same port answers.
  ns.Run([&] {
    int c = Connect("127.0.0.1", kPort);
    EXPECT_GE(c, 0);
    if (c >= 0) close(c);
    // A child forked by this thread starts in its namespace: `ip` sees the
    // AnyIP route there.
    std::string inside;
    RunText("ip route show table local 2>&1", &inside);
    EXPECT_NE(inside.find("local default dev lo"), std::string::npos) << inside;
  });
  std::vector<model::SinkholeRecord> conns;
  (*started)->Stop(nullptr, &conns);
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0].address, "127.0.0.1");
  EXPECT_EQ(conns[0].port, kPort);
}

}  // namespace
}  // namespace customs::sandbox
