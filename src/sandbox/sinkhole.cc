// The sinkhole: one thread that lives in the container's network namespace
// and serves DNS, TCP and UDP there from a single epoll loop. Sockets are
// created only by that thread (a socket belongs to the namespace of the
// thread that creates it), so WatchTcp/WatchUdp hand their port to it
// through an eventfd and wait on a condition variable until it is open.
#include "sandbox/sinkhole.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "base/process.h"

namespace customs::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// An HTTP request whose header does not end within this time is answered
// anyway, so that a client that sends its header slowly still gets a body.
constexpr std::chrono::milliseconds kHttpHeaderWait{1000};
// Datagrams or reads handled for one descriptor per wake-up, so one busy
// peer cannot starve the others (level-triggered: the rest comes next turn).
constexpr int kMaxReadsPerWake = 64;
// The largest UDP payload (65535 minus the IPv4 and UDP headers, rounded
// up): nothing that arrives is cut.
constexpr size_t kMaxDatagramBytes = 65536;
// A loopback address per DNS name: 127.53.0.1 ... 127.53.255.254.
constexpr uint32_t kNameNet = (127u << 24) | (53u << 16);
constexpr uint32_t kMaxNames = 0xfffe;

// strerror is not thread-safe; the system category's message is.
std::string ErrnoText(int err) { return std::error_code(err, std::system_category()).message(); }

std::string Errno(std::string_view what) { return std::string(what) + ": " + ErrnoText(errno); }

double Ms(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

std::string DnsTypeName(uint16_t type) {
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 5:
      return "CNAME";
    case 12:
      return "PTR";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 33:
      return "SRV";
    case 255:
      return "ANY";
    default:
      return std::to_string(type);
  }
}

std::string AddressText(const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text)) == nullptr) return "";
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text)) == nullptr) return "";
  } else {
    return "";
  }
  return text;
}

int PortOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

bool StartsWithHttpMethod(std::string_view bytes) {
  for (std::string_view m : {"GET ", "POST ", "HEAD ", "PUT "})
    if (bytes.substr(0, m.size()) == m) return true;
  return false;
}

std::string HttpAnswer(bool head) {
  std::string out =
      "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
      std::to_string(kSinkholeHttpBody.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head) out += kSinkholeHttpBody;
  return out;
}

Status SetInt(int fd, int level, int name, int value, std::string_view what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) return Internal(Errno(what));
  return Status::Ok();
}

// `ip link set lo up`; returns lo's ifindex.
Result<int> BringLoopbackUp() {
  UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return Internal(Errno("sinkhole: socket for ioctl"));
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, "lo", 3);
  if (ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return Internal(Errno("sinkhole: SIOCGIFFLAGS lo"));
  if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0)
      return Internal(Errno("sinkhole: bringing lo up (SIOCSIFFLAGS)"));
  }
  if (ioctl(s.get(), SIOCGIFINDEX, &ifr) != 0) return Internal(Errno("sinkhole: SIOCGIFINDEX lo"));
  return ifr.ifr_ifindex;
}

// `ip route replace local 0.0.0.0/0 dev lo table local` (or ::/0): every
// address of the family becomes local to this namespace (AnyIP).
Status AddLocalRoute(int family, int lo_index) {
  const char* which = family == AF_INET ? "0.0.0.0/0" : "::/0";
  UniqueFd nl(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!nl.valid()) return Internal(Errno("sinkhole: netlink socket"));
  timeval tv{2, 0};
  setsockopt(nl.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

  struct Request {
    nlmsghdr nh;
    rtmsg rt;
    alignas(NLMSG_ALIGNTO) uint8_t attrs[RTA_SPACE(sizeof(uint32_t))];
  } req{};
  req.nh.nlmsg_type = RTM_NEWROUTE;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  req.nh.nlmsg_seq = 1;
  req.rt.rtm_family = static_cast<uint8_t>(family);
  req.rt.rtm_dst_len = 0;
  req.rt.rtm_table = RT_TABLE_LOCAL;
  req.rt.rtm_protocol = RTPROT_STATIC;
  req.rt.rtm_scope = RT_SCOPE_HOST;
  req.rt.rtm_type = RTN_LOCAL;
  rtattr oif{};
  oif.rta_type = RTA_OIF;
  oif.rta_len = RTA_LENGTH(sizeof(uint32_t));
  uint32_t index = static_cast<uint32_t>(lo_index);
  std::memcpy(req.attrs, &oif, sizeof(oif));
  std::memcpy(req.attrs + RTA_LENGTH(0), &index, sizeof(index));
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg)) + RTA_SPACE(sizeof(uint32_t));
  static_assert(offsetof(Request, attrs) == NLMSG_LENGTH(sizeof(rtmsg)));

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(nl.get(), &req, req.nh.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0)
    return Internal(Errno(std::string("sinkhole: sending route local ") + which));

  alignas(nlmsghdr) uint8_t buf[8192];
  ssize_t n = recv(nl.get(), buf, sizeof(buf), 0);
  if (n < 0)
    return Internal(Errno(std::string("sinkhole: reading the ACK for route local ") + which));
  size_t len = static_cast<size_t>(n);
  for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    if (h->nlmsg_type != NLMSG_ERROR) continue;
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
      return Internal(std::string("sinkhole: short netlink error for route local ") + which);
    const auto* err = reinterpret_cast<const nlmsgerr*>(NLMSG_DATA(h));
    if (err->error == 0) return Status::Ok();
    return Internal(std::string("sinkhole: adding route local ") + which +
                    " dev lo table local: " + ErrnoText(-err->error));
  }
  return Internal(std::string("sinkhole: no netlink ACK for route local ") + which);
}

enum class Kind { kWake, kDns, kTcpListener, kUdp, kTcpConn };
enum class Protocol { kTcp, kUdp };

struct Entry {
  Kind kind = Kind::kWake;
  UniqueFd fd;
  int family = AF_INET;
  int port = 0;       // kUdp: the local port
  size_t record = 0;  // kTcpConn: index into records
};

struct WatchRequest {
  Protocol protocol;
  uint16_t port;
};

// One datagram, with the address it was sent to (IP_PKTINFO /
// IPV6_PKTINFO): with every address local, that is the destination the
// program used. n < 0 (errno set) when there is none to read.
struct Datagram {
  ssize_t n = -1;
  sockaddr_storage from{};
  socklen_t from_len = 0;
  std::optional<in_pktinfo> dst4;
  std::optional<in6_pktinfo> dst6;
};

Datagram ReceiveDatagram(int fd, std::span<uint8_t> buffer) {
  Datagram d;
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
  msghdr msg{};
  msg.msg_name = &d.from;
  msg.msg_namelen = sizeof(d.from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  d.n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (d.n < 0) return d;
  d.from_len = msg.msg_namelen;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
      in_pktinfo p;
      std::memcpy(&p, CMSG_DATA(c), sizeof(p));
      d.dst4 = p;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo p;
      std::memcpy(&p, CMSG_DATA(c), sizeof(p));
      d.dst6 = p;
    }
  }
  return d;
}

}  // namespace

struct Sinkhole::State {
  SinkholeOptions options;
  std::string netns_path;
  std::thread thread;
  UniqueFd wake;  // eventfd: a request is pending, or stop

  // Shared between the sinkhole thread and the callers of Watch*/Stop.
  std::mutex mu;
  std::condition_variable cv;
  bool setup_done = false;
  Status setup_status;
  bool running = false;  // the loop is serving
  bool stop = false;
  std::vector<std::pair<WatchRequest, uint64_t>> requests;  // with their sequence numbers
  uint64_t next_seq = 0;
  uint64_t done_seq = 0;
  std::set<std::pair<Protocol, uint16_t>> open_ports;  // handled, for the fast path

  // Touched only by the sinkhole thread while it runs; by Stop after join.
  std::vector<model::DnsQueryRecord> dns;
  std::vector<model::SinkholeRecord> records;
  SinkholeDropped dropped;

  // Sinkhole thread only.
  UniqueFd epoll;
  bool ipv6 = false;
  std::map<int, Entry> entries;
  std::set<std::pair<Protocol, uint16_t>> watched;
  std::map<std::string, uint32_t> name_to_index;    // 1-based
  std::map<uint32_t, std::string> address_to_name;  // host order
  std::map<std::string, size_t> udp_flows;          // "src>dst:port" -> record
  std::map<int, Clock::time_point> http_pending;    // fd -> when to answer anyway
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kMaxDatagramBytes);

  void Run();
  Status Setup();
  Status Add(Entry entry, uint32_t events);
  void Close(int fd);
  Result<UniqueFd> OpenSocket(Protocol protocol, int family, uint16_t port, bool pktinfo);
  void Watch(Protocol protocol, uint16_t port);          // any thread
  void OpenListeners(Protocol protocol, uint16_t port);  // sinkhole thread
  void HandleWake();
  void ServeDns(Entry& e);
  void Accept(Entry& e);
  void ReadConnection(int fd);
  void MaybeAnswerHttp(int fd, Clock::time_point now);
  void ReadUdp(Entry& e);
  void Serve(int fd);  // what `fd` is ready for
  void Drain();
  std::string NameFor(const sockaddr_storage& local) const;
  double Now() const { return Ms(options.t0, Clock::now()); }
  void StopThread();
};

Status Sinkhole::State::Add(Entry entry, uint32_t events) {
  int fd = entry.fd.get();
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    return Internal(Errno("sinkhole: epoll_ctl"));
  entries[fd] = std::move(entry);
  return Status::Ok();
}

void Sinkhole::State::Close(int fd) {
  epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
  http_pending.erase(fd);
  entries.erase(fd);
}

Result<UniqueFd> Sinkhole::State::OpenSocket(Protocol protocol, int family, uint16_t port,
                                             bool pktinfo) {
  int type = (protocol == Protocol::kTcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  UniqueFd fd(socket(family, type, 0));
  if (!fd.valid()) return Internal(Errno("socket"));
  CUSTOMS_TRY(SetInt(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"));
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_ANY);
    len = sizeof(sockaddr_in);
    if (pktinfo) CUSTOMS_TRY(SetInt(fd.get(), IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"));
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_any;
    len = sizeof(sockaddr_in6);
    CUSTOMS_TRY(SetInt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY"));
    if (pktinfo) {
      CUSTOMS_TRY(SetInt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"));
      // IPv6 accepts a source address in IPV6_PKTINFO only when it is
      // assigned to an interface, which the AnyIP ones are not, unless the
      // socket may bind non-local addresses (ipv6_can_nonlocal_bind).
      CUSTOMS_TRY(SetInt(fd.get(), IPPROTO_IP, IP_FREEBIND, 1, "IP_FREEBIND"));
    }
  }
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    // EADDRINUSE is reported as such so that callers can leave the port to
    // the container.
    if (errno == EADDRINUSE) return Status(StatusCode::kNotFound, "in use");
    return Internal(Errno("bind port " + std::to_string(port)));
  }
  if (protocol == Protocol::kTcp && listen(fd.get(), SOMAXCONN) != 0)
    return Internal(Errno("listen"));
  return fd;
}

Status Sinkhole::State::Setup() {
  UniqueFd ns(open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return Internal(Errno("sinkhole: opening network namespace " + netns_path));
  if (setns(ns.get(), CLONE_NEWNET) != 0)
    return Internal(Errno("sinkhole: setns into " + netns_path));
  CUSTOMS_ASSIGN_OR_RETURN(int lo, BringLoopbackUp());
  CUSTOMS_TRY(AddLocalRoute(AF_INET, lo));
  // IPv6 may be off (ipv6.disable=1, or no module): then only IPv4 exists
  // and there is nothing to route.
  struct stat st {};
  if (stat("/proc/sys/net/ipv6", &st) == 0) {
    UniqueFd probe(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ipv6 = probe.valid();
  }
  if (ipv6) CUSTOMS_TRY(AddLocalRoute(AF_INET6, lo));

  epoll = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return Internal(Errno("sinkhole: epoll_create1"));
  Entry w;
  w.kind = Kind::kWake;
  w.fd = UniqueFd(dup(wake.get()));  // the State keeps its own for writers
  if (!w.fd.valid()) return Internal(Errno("sinkhole: dup"));
  CUSTOMS_TRY(Add(std::move(w), EPOLLIN));

  for (int family : {AF_INET, AF_INET6}) {
    if (family == AF_INET6 && !ipv6) continue;
    auto fd = OpenSocket(Protocol::kUdp, family, 53, /*pktinfo=*/true);
    if (!fd.ok())
      return std::move(fd).status().WithContext(family == AF_INET ? "sinkhole: DNS on 0.0.0.0:53"
                                                                  : "sinkhole: DNS on [::]:53");
    Entry e;
    e.kind = Kind::kDns;
    e.fd = std::move(*fd);
    e.family = family;
    e.port = 53;
    CUSTOMS_TRY(Add(std::move(e), EPOLLIN));
  }
  watched.insert({Protocol::kUdp, 53});
  return Status::Ok();
}

void Sinkhole::State::Run() {
  Status setup = Setup();
  {
    std::lock_guard lock(mu);
    setup_done = true;
    setup_status = setup;
    running = setup.ok() && !stop;
    if (running) open_ports.insert({Protocol::kUdp, 53});
  }
  cv.notify_all();
  if (!setup.ok()) {
    entries.clear();
    return;
  }

  std::vector<epoll_event> events(64);
  while (true) {
    {
      std::lock_guard lock(mu);
      if (stop) break;
    }
    int timeout = -1;
    if (!http_pending.empty()) {
      auto first = std::min_element(http_pending.begin(), http_pending.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; });
      auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(first->second - Clock::now());
      timeout = static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 1000));
    }
    int n = epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EBADF/EINVAL: our own invariant broke; stop serving
    }
    for (int i = 0; i < n; ++i) Serve(events[static_cast<size_t>(i)].data.fd);
    auto now = Clock::now();
    std::vector<int> due;
    for (const auto& [fd, when] : http_pending)
      if (when <= now) due.push_back(fd);
    for (int fd : due) MaybeAnswerHttp(fd, now);
  }

  Drain();
  entries.clear();
  http_pending.clear();
  {
    std::lock_guard lock(mu);
    running = false;
  }
  cv.notify_all();
}

void Sinkhole::State::Serve(int fd) {
  auto it = entries.find(fd);
  if (it == entries.end()) return;  // closed earlier in this batch
  switch (it->second.kind) {
    case Kind::kWake:
      HandleWake();
      break;
    case Kind::kDns:
      ServeDns(it->second);
      break;
    case Kind::kTcpListener:
      Accept(it->second);
      break;
    case Kind::kUdp:
      ReadUdp(it->second);
      break;
    case Kind::kTcpConn:
      ReadConnection(fd);
      break;
  }
}

// On stop: what the kernel already queued still counts (a program that
// connected, wrote and exited just before the run ended, while this thread
// had not been scheduled): pending connections are accepted, then every
// socket is read once.
void Sinkhole::State::Drain() {
  for (bool listeners : {true, false}) {
    std::vector<int> fds;
    for (const auto& [fd, e] : entries)
      if ((e.kind == Kind::kTcpListener) == listeners && e.kind != Kind::kWake) fds.push_back(fd);
    for (int fd : fds) Serve(fd);
  }
}

void Sinkhole::State::HandleWake() {
  uint64_t v = 0;
  auto it = entries.begin();
  for (; it != entries.end(); ++it)
    if (it->second.kind == Kind::kWake) break;
  if (it != entries.end()) (void)!read(it->second.fd.get(), &v, sizeof(v));
  std::vector<std::pair<WatchRequest, uint64_t>> todo;
  {
    std::lock_guard lock(mu);
    todo.swap(requests);
  }
  if (todo.empty()) return;
  for (const auto& [req, seq] : todo) OpenListeners(req.protocol, req.port);
  {
    std::lock_guard lock(mu);
    for (const auto& [req, seq] : todo) {
      open_ports.insert({req.protocol, req.port});
      done_seq = std::max(done_seq, seq);
    }
  }
  cv.notify_all();
}

void Sinkhole::State::OpenListeners(Protocol protocol, uint16_t port) {
  if (watched.count({protocol, port})) return;
  if (watched.size() >= options.max_ports + 1) {  // + the DNS port
    ++dropped.ports;
    return;
  }
  watched.insert({protocol, port});
  for (int family : {AF_INET, AF_INET6}) {
    if (family == AF_INET6 && !ipv6) continue;
    // Errors other than EADDRINUSE (out of descriptors, say) leave the port
    // unwatched: the connect is then refused, as it would be without us.
    auto fd = OpenSocket(protocol, family, port, /*pktinfo=*/protocol == Protocol::kUdp);
    if (!fd.ok()) continue;
    Entry e;
    e.kind = protocol == Protocol::kTcp ? Kind::kTcpListener : Kind::kUdp;
    e.fd = std::move(*fd);
    e.family = family;
    e.port = port;
    // Listeners are edge-triggered: when accept fails for want of
    // descriptors, the queued connection must not make the loop spin.
    (void)Add(std::move(e), protocol == Protocol::kTcp ? (EPOLLIN | EPOLLET) : EPOLLIN);
  }
}

std::string Sinkhole::State::NameFor(const sockaddr_storage& local) const {
  if (local.ss_family != AF_INET) return "";
  uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&local)->sin_addr.s_addr);
  auto it = address_to_name.find(a);
  return it == address_to_name.end() ? "" : it->second;
}

void Sinkhole::State::ServeDns(Entry& e) {
  for (int i = 0; i < kMaxReadsPerWake; ++i) {
    Datagram d = ReceiveDatagram(e.fd.get(), buffer);
    if (d.n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN, or an error queued on the socket: next wake-up
    }
    ssize_t n = d.n;
    sockaddr_storage from = d.from;
    const std::optional<in_pktinfo>& dst4 = d.dst4;
    const std::optional<in6_pktinfo>& dst6 = d.dst6;
    std::span<const uint8_t> packet(buffer.data(), static_cast<size_t>(n));
    auto query = ParseDnsQuery(packet);
    if (!query.ok()) continue;  // not DNS: ignored, not recorded

    std::optional<std::array<uint8_t, 4>> a;
    std::string answer;
    if (query->qtype == 1 && query->qclass == 1) {
      uint32_t index = 0;
      auto it = name_to_index.find(query->name);
      if (it != name_to_index.end()) {
        index = it->second;
      } else if (name_to_index.size() < std::min<size_t>(kMaxNames, options.max_queries)) {
        index = static_cast<uint32_t>(name_to_index.size()) + 1;
        name_to_index.emplace(query->name, index);
        address_to_name.emplace(kNameNet | index, query->name);
      }
      if (index != 0) {
        a = std::array<uint8_t, 4>{127, 53, static_cast<uint8_t>(index >> 8),
                                   static_cast<uint8_t>(index & 0xff)};
        answer = "127.53." + std::to_string(index >> 8) + "." + std::to_string(index & 0xff);
      }
    }
    if (dns.size() < options.max_queries) {
      dns.push_back({Now(), query->name, DnsTypeName(query->qtype), answer});
    } else {
      ++dropped.queries;
    }

    std::string response = BuildDnsResponse(packet, *query, a);
    iovec out_iov{response.data(), response.size()};
    alignas(cmsghdr) char out_control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    msghdr out{};
    out.msg_name = &from;
    out.msg_namelen = d.from_len;
    out.msg_iov = &out_iov;
    out.msg_iovlen = 1;
    // Answer from the address the query went to (the image may use
    // 8.8.8.8), or the resolver drops the reply.
    if (dst4) {
      out.msg_control = out_control;
      out.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
      cmsghdr* c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
      in_pktinfo p{};
      p.ipi_spec_dst = dst4->ipi_addr;
      std::memcpy(CMSG_DATA(c), &p, sizeof(p));
    } else if (dst6) {
      out.msg_control = out_control;
      out.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
      cmsghdr* c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      std::memcpy(CMSG_DATA(c), &*dst6, sizeof(in6_pktinfo));
    }
    (void)sendmsg(e.fd.get(), &out, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
}

void Sinkhole::State::Accept(Entry& e) {
  int listener = e.fd.get();
  while (true) {
    UniqueFd conn(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!conn.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN: drained; EMFILE and the like: wait for the next edge
    }
    if (records.size() >= options.max_connections) {
      ++dropped.connections;
      continue;  // closed at once
    }
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    if (getsockname(conn.get(), reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    model::SinkholeRecord r;
    r.t_ms = Now();
    r.protocol = "tcp";
    r.address = AddressText(local);
    r.port = PortOf(local);
    r.name = NameFor(local);
    records.push_back(std::move(r));
    Entry c;
    c.kind = Kind::kTcpConn;
    c.fd = std::move(conn);
    c.family = local.ss_family;
    c.record = records.size() - 1;
    int fd = c.fd.get();
    if (!Add(std::move(c), EPOLLIN | EPOLLRDHUP).ok()) continue;
    http_pending[fd] = Clock::now() + kHttpHeaderWait;
  }
}

void Sinkhole::State::ReadConnection(int fd) {
  auto it = entries.find(fd);
  if (it == entries.end()) return;
  model::SinkholeRecord& r = records[it->second.record];
  for (int i = 0; i < kMaxReadsPerWake; ++i) {
    ssize_t n = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n == 0) {
      Close(fd);  // the peer is done
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close(fd);  // reset
      return;
    }
    r.bytes += static_cast<uint64_t>(n);
    if (r.first_bytes.size() < options.max_first_bytes) {
      size_t take =
          std::min(static_cast<size_t>(n), options.max_first_bytes - r.first_bytes.size());
      r.first_bytes.append(reinterpret_cast<const char*>(buffer.data()), take);
    }
  }
  MaybeAnswerHttp(fd, Clock::now());
}

void Sinkhole::State::MaybeAnswerHttp(int fd, Clock::time_point now) {
  auto pending = http_pending.find(fd);
  if (pending == http_pending.end()) return;
  auto it = entries.find(fd);
  if (it == entries.end()) {
    http_pending.erase(pending);
    return;
  }
  model::SinkholeRecord& r = records[it->second.record];
  std::string_view first = r.first_bytes;
  bool method = StartsWithHttpMethod(first);
  bool complete = first.find("\r\n\r\n") != std::string_view::npos;
  bool late = now >= pending->second;
  if (!method) {
    // Not HTTP (a stratum login, a shell): never answered. Give up watching
    // once enough bytes are in to tell, or the wait is over.
    if (late || first.size() >= 5) http_pending.erase(pending);
    return;
  }
  if (!complete && !late && first.size() < options.max_first_bytes) return;
  std::string answer = HttpAnswer(first.substr(0, 5) == "HEAD ");
  (void)send(fd, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  r.answered = true;
  http_pending.erase(pending);
}

void Sinkhole::State::ReadUdp(Entry& e) {
  for (int i = 0; i < kMaxReadsPerWake; ++i) {
    Datagram d = ReceiveDatagram(e.fd.get(), buffer);
    if (d.n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    ssize_t n = d.n;
    const sockaddr_storage& from = d.from;
    sockaddr_storage local{};
    if (d.dst4) {
      auto* a = reinterpret_cast<sockaddr_in*>(&local);
      a->sin_family = AF_INET;
      a->sin_addr = d.dst4->ipi_addr;
    } else if (d.dst6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&local);
      a->sin6_family = AF_INET6;
      a->sin6_addr = d.dst6->ipi6_addr;
    }
    std::string dst = AddressText(local);
    std::string key = AddressText(from) + "/" + std::to_string(PortOf(from)) + ">" + dst + "/" +
                      std::to_string(e.port);
    size_t bytes = static_cast<size_t>(n);
    auto flow = udp_flows.find(key);
    if (flow != udp_flows.end()) {
      records[flow->second].bytes += bytes;
      continue;
    }
    if (records.size() >= options.max_connections) {
      ++dropped.connections;
      continue;
    }
    model::SinkholeRecord r;
    r.t_ms = Now();
    r.protocol = "udp";
    r.address = dst;
    r.port = e.port;
    r.name = NameFor(local);
    r.first_bytes.assign(reinterpret_cast<const char*>(buffer.data()),
                         std::min(bytes, options.max_first_bytes));
    r.bytes = bytes;
    records.push_back(std::move(r));
    udp_flows.emplace(std::move(key), records.size() - 1);
  }
}

void Sinkhole::State::Watch(Protocol protocol, uint16_t port) {
  std::unique_lock lock(mu);
  if (!running || stop) return;
  if (open_ports.count({protocol, port})) return;
  uint64_t seq = ++next_seq;
  requests.push_back({{protocol, port}, seq});
  uint64_t one = 1;
  (void)!write(wake.get(), &one, sizeof(one));
  cv.wait(lock, [&] { return done_seq >= seq || !running; });
}

void Sinkhole::State::StopThread() {
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  uint64_t one = 1;
  if (wake.valid()) (void)!write(wake.get(), &one, sizeof(one));
  if (thread.joinable()) thread.join();
}

Sinkhole::Sinkhole(std::unique_ptr<State> state) : state_(std::move(state)) {}

Sinkhole::~Sinkhole() {
  if (state_) state_->StopThread();
}

Result<std::unique_ptr<Sinkhole>> Sinkhole::Start(const std::string& netns_path,
                                                  SinkholeOptions options) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->netns_path = netns_path;
  state->wake = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!state->wake.valid()) return Internal(Errno("sinkhole: eventfd"));
  State* s = state.get();
  s->thread = std::thread([s] { s->Run(); });
  Status setup;
  {
    std::unique_lock lock(s->mu);
    s->cv.wait(lock, [s] { return s->setup_done; });
    setup = s->setup_status;
  }
  if (!setup.ok()) {
    s->thread.join();
    return setup;
  }
  // The constructor is private, so make_unique cannot call it; the pointer
  // is owned at once, as absl::WrapUnique does.
  return std::unique_ptr<Sinkhole>(new Sinkhole(std::move(state)));  // NOLINT: new is wrapped
}

void Sinkhole::WatchTcp(uint16_t port) { state_->Watch(Protocol::kTcp, port); }

void Sinkhole::WatchUdp(uint16_t port) { state_->Watch(Protocol::kUdp, port); }

void Sinkhole::Stop(std::vector<model::DnsQueryRecord>* dns,
                    std::vector<model::SinkholeRecord>* connections) {
  state_->StopThread();
  if (dns != nullptr) {
    *dns = state_->dns;
    std::stable_sort(dns->begin(), dns->end(),
                     [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
  }
  if (connections != nullptr) {
    *connections = state_->records;
    std::stable_sort(connections->begin(), connections->end(),
                     [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; });
  }
}

SinkholeDropped Sinkhole::Dropped() const {
  std::lock_guard lock(state_->mu);
  if (state_->running) return {};
  return state_->dropped;
}

}  // namespace customs::sandbox
