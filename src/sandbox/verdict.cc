#include "sandbox/verdict.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "base/strings.h"
#include "detect/config_checks.h"

namespace customs::sandbox {
namespace {

using model::BehaviorEvent;
using model::BehaviorReport;
using model::Detection;
using model::Severity;

constexpr std::string_view kFalcoRules = "https://github.com/falcosecurity/rules";
constexpr size_t kMaxEvidenceItems = 6;
constexpr size_t kScanThreshold = 16;  // distinct addresses, or ports on one

std::string At(double t_ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t=%.3fs", t_ms / 1000.0);
  return buf;
}

std::string Endpoint(const std::string& address, int port) {
  bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string Command(const BehaviorEvent& e) {
  std::string out;
  for (const auto& a : e.argv) {
    if (!out.empty()) out += ' ';
    out += a;
    if (out.size() > 200) break;
  }
  return Printable(out.empty() ? e.path : out, 200);
}

bool IsExec(const BehaviorEvent& e) { return e.syscall == "execve" || e.syscall == "execveat"; }

bool IsWrite(const BehaviorEvent& e) {
  if (e.syscall == "creat") return true;
  if (e.syscall == "open" || e.syscall == "openat" || e.syscall == "openat2")
    return (e.flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
  return false;
}

bool IsNetwork(const BehaviorEvent& e) {
  return (e.syscall == "connect" || e.syscall == "sendto" || e.syscall == "sendmsg") &&
         !e.address.empty() && e.address[0] != '/' && e.address[0] != '@' && e.socket != "unix";
}

std::string Base(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kMaxEvidenceItems; ++i)
    out += (i ? "; " : "") + items[i];
  if (items.size() > kMaxEvidenceItems)
    out += "; and " + std::to_string(items.size() - kMaxEvidenceItems) + " more";
  return out;
}

// The DNS name the sinkhole handed out for `address`, if any.
std::string NameOf(const BehaviorReport& r, const std::string& address) {
  for (const auto& q : r.dns)
    if (!q.answer.empty() && q.answer == address) return q.name;
  return "";
}

bool IsStratum(std::string_view bytes) {
  if (bytes.find("mining.subscribe") != std::string_view::npos ||
      bytes.find("mining.authorize") != std::string_view::npos)
    return true;
  // XMRig's JSON-RPC login: {"method":"login","params":{"login":WALLET,...}}
  size_t method = bytes.find("\"method\"");
  return method != std::string_view::npos &&
         bytes.find("\"login\"", method) != std::string_view::npos &&
         bytes.find("\"params\"") != std::string_view::npos;
}

std::string ShortWallet(const std::string& w) { return w.substr(0, 12) + "…"; }

// The program of the process that connected to address:port: its last
// execve before the connect.
std::string ProgramOf(const BehaviorReport& r, const std::string& address, int port) {
  int pid = 0;
  for (const auto& e : r.events)
    if (e.syscall == "connect" && e.address == address && e.port == port) {
      pid = e.pid;
      break;
    }
  std::string program;
  for (const auto& e : r.events) {
    if (e.syscall == "connect" && e.pid == pid && e.address == address && e.port == port) break;
    if (IsExec(e) && e.pid == pid) program = e.path;
  }
  return program;
}

void JudgeMiner(const BehaviorReport& r, std::vector<Detection>& out) {
  std::vector<std::string> evidence;
  bool stratum = false;
  std::string program;
  for (const auto& c : r.connections) {
    if (!IsStratum(c.first_bytes)) continue;
    stratum = true;
    if (program.empty()) program = ProgramOf(r, c.address, c.port);
    std::string where = Endpoint(c.address, c.port);
    if (!c.name.empty()) where = c.name + " (" + where + ")";
    std::string item = At(c.t_ms) + " stratum login sent to " + where;
    if (auto wallet = detect::FindWallet(c.first_bytes)) item += ", wallet " + ShortWallet(*wallet);
    evidence.push_back(item);
  }
  for (const auto& q : r.dns)
    if (detect::IsPoolHost(q.name))
      evidence.push_back(At(q.t_ms) + " resolved mining pool " + Printable(q.name));
  for (const auto& e : r.events) {
    if (!IsExec(e)) continue;
    std::string miner = detect::MinerProgram(e.path);
    std::optional<std::string> url;
    for (const auto& a : e.argv)
      if (!url) url = detect::FindStratum(a);
    if (miner.empty() && !url) continue;
    if (program.empty()) program = e.path;
    evidence.push_back(At(e.t_ms) + " ran " + Command(e) +
                       (url ? " (pool " + Printable(*url, 100) + ")" : " (" + miner + ")"));
  }
  if (evidence.empty()) return;
  double busy_ms = r.wall_ms - std::max(0.0, r.first_exec_ms);
  if (r.cpu_ms >= 2000 && busy_ms > 0 && r.cpu_ms >= 0.8 * busy_ms) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "sustained CPU: %.1f s of CPU in %.1f s", r.cpu_ms / 1000,
                  busy_ms / 1000);
    evidence.push_back(buf);
  }
  Detection d = model::MakeDetection(
      model::kCategoryCoinMiner, kRuleMiner, stratum ? Severity::kHigh : Severity::kMedium,
      stratum ? model::Disposition::kMalicious : model::Disposition::kSuspicious,
      stratum ? model::Confidence::kHigh : model::Confidence::kMedium,
      stratum ? "mines cryptocurrency when run (stratum traffic)"
              : "behaves like a coin miner when run",
      Join(evidence), kFalcoRules);
  d.path = program;
  out.push_back(std::move(d));
}

void JudgeReverseShell(const BehaviorReport& r, std::vector<Detection>& out) {
  std::map<uint64_t, const BehaviorEvent*> connected;
  for (const auto& e : r.events)
    if (e.syscall == "connect" && IsNetwork(e) && e.socket_inode != 0)
      connected.emplace(e.socket_inode, &e);
  for (const auto& e : r.events) {
    if (!IsExec(e)) continue;
    const BehaviorEvent* via = nullptr;
    bool socket_stdio = false;
    std::vector<std::string> fds;
    for (size_t fd = 0; fd < e.stdio.size() && fd < 3; ++fd) {
      uint64_t inode = model::SocketInode(e.stdio[fd]);
      if (inode == 0) continue;
      socket_stdio = true;
      fds.push_back(std::to_string(fd));
      auto it = connected.find(inode);
      if (it != connected.end() && via == nullptr) via = it->second;
    }
    if (via == nullptr && !(socket_stdio && detect::IsShellProgram(Base(e.path)))) continue;
    if (fds.size() < 2 && via == nullptr) continue;  // one socket fd and no known connect: inetd
    std::string evidence = At(e.t_ms) + " ran " + Command(e) + " with fds " + fds[0];
    for (size_t i = 1; i < fds.size(); ++i) evidence += "," + fds[i];
    evidence += " on a socket";
    if (via != nullptr) {
      std::string name = NameOf(r, via->address);
      evidence += " it connected to " + Endpoint(via->address, via->port) +
                  (name.empty() ? "" : " (" + name + ")") + " at " + At(via->t_ms);
    }
    Detection d =
        model::MakeDetection(model::kCategoryBackdoor, kRuleReverseShell, Severity::kCritical,
                             model::Disposition::kMalicious,
                             via != nullptr ? model::Confidence::kHigh : model::Confidence::kMedium,
                             "opens a reverse shell when run", evidence, kFalcoRules);
    d.path = e.path;
    out.push_back(std::move(d));
    return;  // one is enough
  }
}

void JudgeDroppedExec(const BehaviorReport& r, std::vector<Detection>& out) {
  std::map<std::string, double> written;  // path -> first write time
  double first_fetch = -1;
  std::string fetch_text;
  for (const auto& c : r.connections)
    if (c.protocol == "tcp" && (first_fetch < 0 || c.t_ms < first_fetch)) {
      first_fetch = c.t_ms;
      fetch_text = Endpoint(c.address, c.port) + (c.name.empty() ? "" : " (" + c.name + ")");
      std::string_view line = c.first_bytes;
      line = line.substr(0, line.find('\r'));
      if (!line.empty()) fetch_text += " \"" + Printable(line, 80) + "\"";
    }
  std::set<std::string> reported;
  for (const auto& e : r.events) {
    if (IsWrite(e) && !e.path.empty()) written.emplace(e.path, e.t_ms);
    if (e.syscall.rfind("rename", 0) == 0 && !e.path2.empty()) written.emplace(e.path2, e.t_ms);
    if (!IsExec(e)) continue;
    // The program itself, or the script a shell or interpreter is given.
    std::vector<std::string> candidates = {e.path};
    if (e.argv.size() >= 2 && detect::IsShellProgram(Base(e.path)) && e.argv[1][0] != '-')
      candidates.push_back(e.argv[1]);
    for (const auto& path : candidates) {
      auto it = written.find(path);
      if (it == written.end() || reported.contains(path)) continue;
      reported.insert(path);
      bool fetched = first_fetch >= 0 && first_fetch <= e.t_ms;
      std::string evidence =
          At(it->second) + " wrote " + Printable(path) + "; " + At(e.t_ms) + " ran " + Command(e);
      if (fetched) evidence = At(first_fetch) + " fetched from " + fetch_text + "; " + evidence;
      Detection d = model::MakeDetection(
          model::kCategoryMalware, fetched ? kRuleDownloadExec : kRuleDropExec,
          fetched ? Severity::kHigh : Severity::kMedium,
          fetched ? model::Disposition::kMalicious : model::Disposition::kSuspicious,
          fetched ? model::Confidence::kHigh : model::Confidence::kMedium,
          fetched ? "downloads a program and runs it when run"
                  : "writes a program at run time and runs it",
          evidence, kFalcoRules);
      d.path = path;
      out.push_back(std::move(d));
    }
  }
}

// What writing to `path` would persist, or "" when nothing.
std::string PersistenceKind(std::string_view p) {
  auto starts = [&](std::string_view prefix) { return p.substr(0, prefix.size()) == prefix; };
  auto ends = [&](std::string_view suffix) {
    return p.size() >= suffix.size() && p.substr(p.size() - suffix.size()) == suffix;
  };
  if (starts("/etc/cron") || starts("/var/spool/cron/") || p == "/etc/crontab") return "a cron job";
  if (p == "/etc/ld.so.preload") return "a library preloaded into every program";
  if (p.find("/.ssh/authorized_keys") != std::string_view::npos) return "an SSH key";
  if (starts("/etc/init.d/") || starts("/etc/rc.local") || starts("/etc/rc.d/") ||
      starts("/etc/init/") || starts("/etc/systemd/system/") || starts("/lib/systemd/system/") ||
      starts("/usr/lib/systemd/system/"))
    return "a service started at boot";
  if (p == "/etc/profile" || starts("/etc/profile.d/") || p == "/etc/bash.bashrc" ||
      ends("/.bashrc") || ends("/.bash_profile") || ends("/.profile"))
    return "a shell start-up file";
  return "";
}

void JudgePersistence(const BehaviorReport& r, std::vector<Detection>& out) {
  std::set<std::string> seen;
  for (const auto& e : r.events) {
    std::string path;
    if (IsWrite(e))
      path = e.path;
    else if (e.syscall.rfind("rename", 0) == 0)
      path = e.path2;
    std::string kind = PersistenceKind(path);
    if (kind.empty() || !seen.insert(path).second || seen.size() > 8) continue;
    Detection d = model::MakeDetection(
        model::kCategoryBackdoor, kRulePersistence, Severity::kHigh, model::Disposition::kMalicious,
        model::Confidence::kHigh, "installs " + kind + " when run (persistence)",
        At(e.t_ms) + " " + (e.comm.empty() ? "a process" : Printable(e.comm)) + " (pid " +
            std::to_string(e.pid) + ") " + e.syscall + " " + Printable(path) +
            " for writing (attempted: the sandbox root is read-only)",
        kFalcoRules);
    d.path = path;
    out.push_back(std::move(d));
  }
}

void JudgeScanning(const BehaviorReport& r, std::vector<Detection>& out) {
  std::map<std::string, std::set<int>> ports;  // address -> ports
  size_t attempts = 0;
  double first = -1;
  for (const auto& e : r.events) {
    if (e.syscall != "connect" || !IsNetwork(e)) continue;
    ports[e.address].insert(e.port);
    ++attempts;
    if (first < 0) first = e.t_ms;
  }
  size_t widest = 0;
  std::string widest_address;
  for (const auto& [address, set] : ports)
    if (set.size() > widest) {
      widest = set.size();
      widest_address = address;
    }
  if (ports.size() < kScanThreshold && widest < kScanThreshold) return;
  std::string evidence = "from " + At(first) + ": " + std::to_string(attempts) +
                         " connection attempts to " + std::to_string(ports.size()) +
                         " addresses, up to " + std::to_string(widest) + " ports on " +
                         widest_address;
  Detection d = model::MakeDetection(model::kCategoryHackingTool, kRuleScanning, Severity::kMedium,
                                     model::Disposition::kSuspicious, model::Confidence::kMedium,
                                     "scans the network when run", evidence, kFalcoRules);
  out.push_back(std::move(d));
}

void JudgeMemfdExec(const BehaviorReport& r, std::vector<Detection>& out) {
  for (const auto& e : r.events) {
    if (!IsExec(e)) continue;
    const std::string& p = e.path;
    bool memfd = p.find("memfd:") != std::string::npos || p.rfind("/proc/self/fd/", 0) == 0 ||
                 p.rfind("/dev/fd/", 0) == 0;
    if (!memfd || p.find("runc_cloned") != std::string::npos) continue;
    std::string created;
    for (const auto& m : r.events)
      if (m.syscall == "memfd_create" && m.pid == e.pid && m.t_ms <= e.t_ms)
        created = At(m.t_ms) + " memfd_create(" + Printable(m.path) + "); ";
    Detection d = model::MakeDetection(
        model::kCategoryMalware, kRuleMemfdExec, Severity::kHigh, model::Disposition::kMalicious,
        model::Confidence::kHigh, "runs a program from memory only (fileless execution)",
        created + At(e.t_ms) + " " + e.syscall + " " + Printable(p) + " as " + Command(e),
        kFalcoRules);
    d.path = p;
    out.push_back(std::move(d));
    return;
  }
}

}  // namespace

std::vector<Detection> JudgeBehavior(const BehaviorReport& report) {
  std::vector<Detection> out;
  JudgeMiner(report, out);
  JudgeReverseShell(report, out);
  JudgeDroppedExec(report, out);
  JudgePersistence(report, out);
  JudgeScanning(report, out);
  JudgeMemfdExec(report, out);
  return out;
}

}  // namespace customs::sandbox
