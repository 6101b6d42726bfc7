// The sandbox's only network peer. Inside the container's network namespace
// (which has loopback and nothing else) every IPv4 and IPv6 destination is
// routed to loopback as a local address, so a connect anywhere reaches this
// process and nothing leaves the host:
//   - DNS on port 53 (UDP): every query is recorded and an A query answered
//     with a loopback address of its own per name (127.53.0.1, ...), so a
//     later connection says which name it was for; other types get an empty
//     answer.
//   - TCP and UDP on any port the monitor saw a program aim at (WatchTcp /
//     WatchUdp, called before the syscall goes on): connections are accepted
//     and the first bytes recorded; an HTTP request is answered with a small
//     harmless body so that a downloader goes on to its next step.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/behavior.h"

namespace customs::sandbox {

// One DNS question, parsed from an untrusted packet.
struct DnsQuery {
  uint16_t id = 0;
  uint16_t flags = 0;
  std::string name;  // lower case, dotted, no trailing dot; "" for the root
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t question_end = 0;  // offset just past the first question
};

// Parses a DNS query (RFC 1035 4.1): header, then the first question.
// Compression pointers are followed with a bound on jumps; labels, the name
// length (255) and the packet (512 bytes over UDP, 64 KiB at most) are
// bounded. Pure.
Result<DnsQuery> ParseDnsQuery(std::span<const uint8_t> packet);

// The response to `query` (parsed from `packet`): QR and RA set, the
// question echoed; one A record (TTL 60) with `a` when given, else no
// answer (NOERROR). Pure.
std::string BuildDnsResponse(std::span<const uint8_t> packet, const DnsQuery& query,
                             const std::optional<std::array<uint8_t, 4>>& a);

// The body of every HTTP answer: a shell script that does nothing.
inline constexpr std::string_view kSinkholeHttpBody =
    "#!/bin/sh\n# customs sandbox sinkhole: nothing was downloaded\nexit 0\n";

struct SinkholeOptions {
  std::chrono::steady_clock::time_point t0;  // record times count from here
  size_t max_connections = 1024;  // TCP and UDP; later ones closed at once, counted (Dropped)
  size_t max_first_bytes = 4096;  // recorded per connection
  size_t max_queries = 4096;
  size_t max_ports = 256;  // listeners opened on demand
};

// What the bounds of SinkholeOptions kept out of the records.
struct SinkholeDropped {
  uint64_t connections = 0;  // TCP connections and UDP flows over max_connections
  uint64_t queries = 0;      // DNS queries over max_queries (still answered)
  uint64_t ports = 0;        // Watch* calls over max_ports (left unwatched)
};

class Sinkhole {
 public:
  // Enters the network namespace at `netns_path` (/proc/PID/ns/net) on a
  // thread of its own, brings lo up, makes every address local
  // (`local 0.0.0.0/0` and `local ::/0` routes on lo), and starts serving
  // DNS. Needs CAP_NET_ADMIN and CAP_SYS_ADMIN over that namespace. IPv6
  // is set up when the namespace has it (/proc/sys/net/ipv6), else skipped.
  // Returns once all that is done; a setup failure is the error returned.
  // DNS over UDP: each reply comes from the address the query was sent to
  // (a resolv.conf may name 8.8.8.8); packets that do not parse as a query
  // are ignored (neither answered nor recorded).
  static Result<std::unique_ptr<Sinkhole>> Start(const std::string& netns_path,
                                                 SinkholeOptions options);
  ~Sinkhole();  // stops
  Sinkhole(const Sinkhole&) = delete;
  Sinkhole& operator=(const Sinkhole&) = delete;

  // Accepts TCP (UDP) on `port` at every address from now on, if not yet.
  // Thread-safe; returns once the socket is listening (at once after Stop).
  // A port the container already listens on is left to it. TCP: one record
  // per connection; an HTTP request (GET, POST, HEAD, PUT) is answered with
  // kSinkholeHttpBody once its header is in (or after 1 s), anything else is
  // held open and counted until the peer closes. UDP: one record per
  // (source, destination) flow, never answered. UDP port 53 is the DNS
  // server already.
  void WatchTcp(uint16_t port);
  void WatchUdp(uint16_t port);

  // Stops serving, closes every socket and returns what was recorded, in
  // time order. Either pointer may be null. Calling it again returns the
  // same records.
  void Stop(std::vector<model::DnsQueryRecord>* dns,
            std::vector<model::SinkholeRecord>* connections);
  // After Stop: how much the bounds dropped (all zero before Stop), for the
  // report's notes.
  SinkholeDropped Dropped() const;

 private:
  struct State;
  explicit Sinkhole(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace customs::sandbox
