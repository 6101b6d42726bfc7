#include "tests/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/testing.h"

namespace customs::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Every child still running, so that exit() kills them even when a fixture's
// destructor never runs.
std::mutex& ChildrenMutex() {
  static std::mutex m;
  return m;
}
std::set<pid_t>& Children() {
  static std::set<pid_t> children;
  return children;
}

void KillAllChildren() {
  std::lock_guard<std::mutex> lock(ChildrenMutex());
  for (pid_t pid : Children()) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  Children().clear();
}

void Register(pid_t pid) {
  static std::once_flag once;
  std::call_once(once, [] {
    ChildrenMutex();
    Children();
    std::atexit(KillAllChildren);
  });
  std::lock_guard<std::mutex> lock(ChildrenMutex());
  Children().insert(pid);
}

void Unregister(pid_t pid) {
  std::lock_guard<std::mutex> lock(ChildrenMutex());
  Children().erase(pid);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WriteFileText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string Tail(const std::string& text, size_t n = 2000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

bool OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Starts argv[0] (searched on PATH) in its own process group, with stdin from
// /dev/null, stderr (and stdout unless *stdout_read is wanted) appended to
// log_path. The child gets SIGKILL when the thread that forked it dies.
// Returns the pid or -1.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path, int* stdout_read) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2] = {-1, -1};
  if (stdout_read != nullptr && ::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();
  pid_t pid = -1;
  if (log_fd >= 0 && null_fd >= 0) pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(stdout_read != nullptr ? pipe_fds[1] : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (stdout_read != nullptr) {
    ::close(pipe_fds[1]);
    if (pid > 0) {
      *stdout_read = pipe_fds[0];
    } else {
      ::close(pipe_fds[0]);
    }
  }
  if (pid > 0) {
    ::setpgid(pid, pid);  // also here, so a kill right after fork hits the group
    Register(pid);
  }
  return pid;
}

// Reads one line from fd within timeout_ms; false on timeout or EOF.
bool ReadLine(int fd, int timeout_ms, std::string* line) {
  line->clear();
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    *line += c;
  }
}

// A port nobody listens on right now (another process may take it before
// the registry binds it: Start retries).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string HttpReply::Header(const std::string& name) const {
  std::string want = Lower(name) + ":";
  size_t pos = headers.find("\r\n");
  while (pos != std::string::npos) {
    size_t start = pos + 2;
    size_t end = headers.find("\r\n", start);
    std::string line = headers.substr(start, end == std::string::npos ? end : end - start);
    if (Lower(line.substr(0, want.size())) == want) {
      std::string value = line.substr(want.size());
      size_t b = value.find_first_not_of(" \t");
      return b == std::string::npos ? "" : value.substr(b);
    }
    pos = end;
  }
  return "";
}

HttpReply HttpRequest(const std::string& method, const std::string& host_port,
                      const std::string& path_and_query, const std::string& headers,
                      const std::string& body) {
  HttpReply reply;
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return reply;
  std::string host = host_port.substr(0, colon);
  int port = std::atoi(host_port.c_str() + colon + 1);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return reply;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string request = method + " " + path_and_query + " HTTP/1.0\r\nHost: " + host_port + "\r\n" +
                        headers + "Connection: close\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return reply;
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || end == std::string::npos) return reply;
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  size_t space = reply.headers.find(' ');
  if (space != std::string::npos) reply.status = std::atoi(reply.headers.c_str() + space + 1);
  return reply;
}

std::string UrlEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string MissingRegistryTools() {
  std::string missing;
  for (const char* tool : {"docker-registry", "skopeo", "python3", "openssl", "htpasswd"}) {
    if (!OnPath(tool)) missing += (missing.empty() ? "" : " ") + std::string(tool);
  }
  return missing;
}

std::string SkopeoCommand() {
  static const std::string command = [] {
    std::string dir = TempDir();
    WriteFileText(dir + "/auth.json", "{\"auths\":{}}\n");
    WriteFileText(dir + "/registries.conf", "unqualified-search-registries = []\n");
    return "REGISTRY_AUTH_FILE=" + ShellQuote(dir + "/auth.json") +
           " CONTAINERS_REGISTRIES_CONF=" + ShellQuote(dir + "/registries.conf") +
           " skopeo --insecure-policy";
  }();
  return command;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  siginfo_t info{};
  // Peek without reaping, so the group id cannot be reused before the kill.
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == 0) {
    return true;
  }
  Kill();  // it exited: take the rest of its group down too, and reap it
  return false;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  Unregister(pid_);
  pid_ = -1;
}

std::string ScriptServer::Start(const std::string& script, const std::string& dir,
                                const std::vector<std::string>& args, int lifetime_seconds) {
  process_.Kill();
  host_.clear();
  control_host_.clear();
  std::vector<std::string> argv = {"python3", SourceDir() + "/tests/registry/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--lifetime");
  argv.push_back(std::to_string(lifetime_seconds));
  std::string log = dir + "/" + script + ".log";
  int out = -1;
  pid_t pid = Spawn(argv, log, &out);
  if (pid <= 0) return "cannot start " + script + ": " + std::strerror(errno);
  process_ = ChildProcess(pid);
  std::string line;
  bool got = ReadLine(out, 20000, &line);
  ::close(out);
  int port = 0;
  int pid_seen = 0;
  int control_port = 0;
  if (got) {
    std::istringstream in(line);
    in >> port >> pid_seen;
    if (!(in >> control_port)) control_port = port;
  }
  if (port <= 0) {
    process_.Kill();
    return script + " did not start (first line \"" + line + "\"): " + Tail(ReadFileText(log));
  }
  host_ = "127.0.0.1:" + std::to_string(port);
  control_host_ = "127.0.0.1:" + std::to_string(control_port);
  return "";
}

std::string ScriptServer::Control(const std::string& path_and_query, bool* ok) const {
  HttpReply reply = HttpRequest("GET", control_host_, path_and_query);
  if (ok != nullptr) *ok = reply.status == 200;
  return reply.status == 200 ? reply.body : "";
}

std::string LocalRegistry::Start(const RegistryOptions& options) {
  Stop();
  options_ = options;
  dir_ = TempDir();
  ca_cert_.clear();
  std::string out;
  if (options.tls) {
    std::string key = dir_ + "/tls.key";
    std::string cert = dir_ + "/tls.crt";
    if (Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
            " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                ShellQuote(key) + " -out " + ShellQuote(cert),
            &out) != 0) {
      return "openssl (TLS certificate) failed: " + out;
    }
    ca_cert_ = cert;
  }
  std::string auth;
  if (options.auth == RegistryAuth::kBasic) {
    std::string file = dir_ + "/htpasswd";
    if (Run("htpasswd -Bbn " + ShellQuote(options.user) + " " + ShellQuote(options.password) +
                " > " + ShellQuote(file),
            &out) != 0) {
      return "htpasswd failed: " + out;
    }
    auth =
        "auth:\n"
        "  htpasswd:\n"
        "    realm: customs-test-registry\n"
        "    path: " +
        file + "\n";
  } else if (options.auth == RegistryAuth::kToken) {
    std::string key = dir_ + "/token.key";
    std::string cert = dir_ + "/token.crt";
    if (Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=customs-test-token-issuer"
            " -keyout " +
                ShellQuote(key) + " -out " + ShellQuote(cert),
            &out) != 0) {
      return "openssl (token certificate) failed: " + out;
    }
    std::vector<std::string> args = {"--key",        key,
                                     "--cert",       cert,
                                     "--issuer",     kIssuer,
                                     "--user",       options.user,
                                     "--password",   options.password,
                                     "--anonymous",  options.token_anonymous,
                                     "--expires-in", std::to_string(options.token_expires_in)};
    if (!options.token_deny_repo.empty()) {
      args.push_back("--deny-repo");
      args.push_back(options.token_deny_repo);
    }
    if (options.tls) {
      args.insert(args.end(), {"--tls-cert", dir_ + "/tls.crt", "--tls-key", dir_ + "/tls.key"});
    }
    std::string error = issuer_.Start("token_issuer.py", dir_, args, options.lifetime_seconds);
    if (!error.empty()) return error;
    std::string realm_host = issuer_.host();
    auth = std::string("auth:\n") +
           "  token:\n"
           "    realm: " +
           (options.tls ? "https://" : "http://") + realm_host + "/token\n" +
           "    service: " + kService + "\n" + "    issuer: " + kIssuer + "\n" +
           "    rootcertbundle: " + cert + "\n";
  }

  std::string log = dir_ + "/registry.log";
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    int port = FreePort();
    if (port <= 0) return "no free port";
    std::string tls;
    if (options.tls) {
      tls = "  tls:\n    certificate: " + dir_ + "/tls.crt\n    key: " + dir_ + "/tls.key\n";
    }
    // No notifications, no proxy (pull-through), no reporting: nothing leaves
    // loopback. The secret only signs upload state between requests.
    std::string config =
        "version: 0.1\n"
        "log:\n"
        "  level: error\n"
        "  accesslog:\n"
        "    disabled: true\n"
        "storage:\n"
        "  filesystem:\n"
        "    rootdirectory: " +
        dir_ + "/data\n" +
        "  delete:\n"
        "    enabled: true\n"
        "  maintenance:\n"
        "    uploadpurging:\n"
        "      enabled: false\n"
        "http:\n"
        "  addr: 127.0.0.1:" +
        std::to_string(port) + "\n" + "  secret: customs-test-secret\n" + tls + auth;
    if (!WriteFileText(dir_ + "/config.yml", config)) return "cannot write " + dir_ + "/config.yml";
    pid_t pid = Spawn({"docker-registry", "serve", dir_ + "/config.yml"}, log, nullptr);
    if (pid <= 0) return std::string("cannot start docker-registry: ") + std::strerror(errno);
    registry_ = ChildProcess(pid);
    std::string candidate = "127.0.0.1:" + std::to_string(port);
    auto deadline = Clock::now() + std::chrono::seconds(20);
    bool up = false;
    while (Clock::now() < deadline) {
      if (!registry_.Running()) break;
      HttpReply reply = HttpRequest("GET", candidate, "/v2/");
      // A TLS port answers a plain request with 400, which is enough to know
      // it listens.
      if (reply.status == 200 || reply.status == 401 || (options.tls && reply.status > 0)) {
        up = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (up) {
      host_ = candidate;
      return "";
    }
    registry_.Kill();
    std::string text = ReadFileText(log);
    last_error = "docker-registry did not answer on " + candidate + ": " + Tail(text);
    if (text.find("address already in use") == std::string::npos) break;
  }
  issuer_.Stop();
  return last_error;
}

void LocalRegistry::Stop() {
  registry_.Kill();
  issuer_.Stop();
  host_.clear();
}

std::string LocalRegistry::CredsFlag(const std::string& prefix) const {
  if (options_.auth == RegistryAuth::kNone) return "";
  return "--" + prefix + "creds " + ShellQuote(options_.user + ":" + options_.password);
}

std::string LocalRegistry::Push(const std::string& src, const std::string& ref,
                                const std::string& extra_flags, std::string* digest) {
  static std::atomic<int> counter = 0;
  std::string digest_file = dir_ + "/push-" + std::to_string(++counter) + ".digest";
  std::string out;
  int rc = Run(SkopeoCommand() + " copy --dest-tls-verify=false " + CredsFlag("dest-") +
                   " --digestfile " + ShellQuote(digest_file) + " " + extra_flags + " " +
                   ShellQuote(src) + " " + ShellQuote("docker://" + host_ + "/" + ref),
               &out);
  if (rc != 0)
    return "skopeo copy " + src + " to " + ref + " failed (" + std::to_string(rc) + "): " + out;
  if (digest != nullptr) {
    *digest = ReadFileText(digest_file);
    while (!digest->empty() && std::isspace(static_cast<unsigned char>(digest->back())))
      digest->pop_back();
  }
  return "";
}

std::string LocalRegistry::TokenLog() const {
  if (issuer_.host().empty()) return "";
  return issuer_.Control("/_control/log");
}

void LocalRegistry::ClearTokenLog() {
  if (!issuer_.host().empty()) issuer_.Control("/_control/clear");
}

std::string LocalRegistry::ConfigureTokenIssuer(const std::string& query) {
  if (issuer_.host().empty()) return "no token issuer";
  bool ok = false;
  std::string body = issuer_.Control("/_control/config?" + query, &ok);
  return ok ? "" : "token issuer refused config " + query + ": " + body;
}

std::string FaultProxy::Start(const std::string& upstream, const std::string& upstream_ca,
                              int lifetime_seconds) {
  std::vector<std::string> args = {"--upstream", upstream};
  if (!upstream_ca.empty()) {
    args.push_back("--upstream-ca");
    args.push_back(upstream_ca);
  }
  return server_.Start("fault_proxy.py", TempDir(), args, lifetime_seconds);
}

std::string FaultProxy::SetFault(const std::string& path_regex, const std::string& mode, int count,
                                 int retry_after, const std::string& method) {
  HttpReply reply = HttpRequest("GET", server_.host(),
                                "/_control/fault?path=" + UrlEncode(path_regex) +
                                    "&mode=" + UrlEncode(mode) + "&count=" + std::to_string(count) +
                                    "&retry_after=" + std::to_string(retry_after) +
                                    "&method=" + UrlEncode(method));
  return reply.status == 200 ? "" : "fault_proxy refused fault: " + reply.body;
}

std::string FaultProxy::ClearFaults() {
  bool ok = false;
  std::string body = server_.Control("/_control/clear_faults", &ok);
  return ok ? "" : "fault_proxy: clear_faults failed";
}

std::string FaultProxy::AddHeader(const std::string& path_regex, const std::string& name,
                                  const std::string& value) {
  HttpReply reply = HttpRequest("GET", server_.host(),
                                "/_control/header?path=" + UrlEncode(path_regex) +
                                    "&name=" + UrlEncode(name) + "&value=" + UrlEncode(value));
  return reply.status == 200 ? "" : "fault_proxy refused header: " + reply.body;
}

std::string FaultProxy::Log() const { return server_.Control("/_control/log"); }

void FaultProxy::ClearLog() { server_.Control("/_control/clear"); }

}  // namespace customs::testing
