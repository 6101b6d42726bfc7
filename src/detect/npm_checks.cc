#include "detect/npm_checks.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>

#include "base/strings.h"

namespace customs::detect {
namespace {

// ---------------------------------------------------------------------------
// Known malicious releases.

// One incident's bad releases of one package. `versions` is a space
// separated list, or "*" when every version the registry held was malicious
// (the package existed only to carry the payload).
struct KnownMaliciousRelease {
  std::string_view name;
  std::string_view versions;
  std::string_view incident;   // for the title
  std::string_view what;       // for the evidence: "<name> <version> is <what>"
  std::string_view reference;  // the advisory or the maintainers' report
};

// From public advisories and the maintainers' own reports (contraband.md
// §3.2 and the GitHub advisory database). Exact versions only: the
// neighbouring releases are clean.
constexpr std::string_view kChalkWeek =
    "one of the releases published from the phished account of the chalk and debug "
    "maintainer on 2025-09-08, carrying code that rewrites cryptocurrency transactions in "
    "browsers";
constexpr std::string_view kChalkWeekIncident = "chalk/debug maintainer phishing (2025)";
constexpr std::string_view kChalkWeekRef = "https://github.com/chalk/chalk/issues/656";

constexpr std::array kKnownMalicious = {
    KnownMaliciousRelease{
        "event-stream", "3.3.6", "event-stream / flatmap-stream wallet stealer (2018)",
        "the version that pulled in flatmap-stream, whose hidden payload stole from Copay "
        "bitcoin wallets",
        "https://github.com/advisories/GHSA-mh6f-8j2x-4483"},
    // GHSA-9x64-5r7x-2q53 and the Node.js security WG (advisory 477) list
    // every version: 0.1.1 carried the payload, the package was removed.
    KnownMaliciousRelease{"flatmap-stream", "*",
                          "event-stream / flatmap-stream wallet stealer (2018)",
                          "a package that only carried the event-stream wallet-stealing payload; "
                          "every version is listed as malicious",
                          "https://github.com/advisories/GHSA-9x64-5r7x-2q53"},
    KnownMaliciousRelease{"ua-parser-js", "0.7.29 0.8.0 1.0.0", "ua-parser-js hijack (2021)",
                          "a hijacked release whose preinstall script fetched a Monero miner "
                          "and, on Windows, a password stealer",
                          "https://github.com/advisories/GHSA-pjwm-rvh2-c87w"},
    KnownMaliciousRelease{"coa", "2.0.3 2.0.4 2.1.1 2.1.3 3.0.1 3.1.3", "coa and rc hijack (2021)",
                          "a hijacked release whose preinstall script ran compile.js, which "
                          "fetched a password-stealing trojan on Windows",
                          "https://github.com/advisories/GHSA-73qr-pfmq-6rp8"},
    KnownMaliciousRelease{"rc", "1.2.9 1.3.9 2.3.9", "coa and rc hijack (2021)",
                          "a hijacked release with the same compile.js payload as coa",
                          "https://github.com/advisories/GHSA-g2q5-5433-rhrf"},
    KnownMaliciousRelease{"eslint-scope", "3.7.2", "eslint-scope token stealer (2018)",
                          "a hijacked release whose postinstall script sent the npm token of "
                          "~/.npmrc to the attacker",
                          "https://github.com/advisories/GHSA-hxxf-q3w9-4xgw"},
    KnownMaliciousRelease{"eslint-config-eslint", "5.0.2", "eslint-scope token stealer (2018)",
                          "published in the same account takeover as eslint-scope 3.7.2, with "
                          "the same npm token stealer",
                          "https://github.com/eslint/eslint/issues/10600"},
    KnownMaliciousRelease{"node-ipc", "10.1.1 10.1.2", "node-ipc protestware (2022)",
                          "maintainer protestware that overwrote files on hosts geolocated in "
                          "Russia or Belarus",
                          "https://github.com/advisories/GHSA-97m3-w2cp-4xx6"},
    KnownMaliciousRelease{"colors", "1.4.1 1.4.2 1.4.44-liberty-2", "colors sabotage (2022)",
                          "maintainer sabotage: an endless loop printing garbage when loaded "
                          "(denial of service)",
                          "https://github.com/advisories/GHSA-5rqg-jm4f-cqx7"},
    KnownMaliciousRelease{"crossenv", "*", "crossenv typosquat (2017)",
                          "a typosquat of cross-env that sent the environment variables, npm "
                          "tokens included, to the attacker",
                          "https://blog.npmjs.org/post/163723642530/"
                          "crossenv-malware-on-the-npm-registry"},
    KnownMaliciousRelease{"debug", "4.4.2", kChalkWeekIncident, kChalkWeek,
                          "https://github.com/debug-js/debug/issues/1005"},
    KnownMaliciousRelease{"chalk", "5.6.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"ansi-styles", "6.2.2", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"supports-color", "10.2.1", kChalkWeekIncident, kChalkWeek,
                          kChalkWeekRef},
    KnownMaliciousRelease{"strip-ansi", "7.1.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"ansi-regex", "6.2.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"wrap-ansi", "9.0.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"color-convert", "3.1.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"color-name", "2.0.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"is-arrayish", "0.3.3", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"slice-ansi", "7.1.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"color", "5.0.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"color-string", "2.1.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"simple-swizzle", "0.2.3", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"supports-hyperlinks", "4.1.1", kChalkWeekIncident, kChalkWeek,
                          kChalkWeekRef},
    KnownMaliciousRelease{"has-ansi", "6.0.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"chalk-template", "1.1.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"backslash", "0.2.1", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"error-ex", "1.3.3", kChalkWeekIncident, kChalkWeek, kChalkWeekRef},
    KnownMaliciousRelease{"@solana/web3.js", "1.95.6 1.95.7", "@solana/web3.js key stealer (2024)",
                          "a release published from a compromised account that sent private "
                          "keys to the attacker",
                          "https://github.com/advisories/GHSA-jcxm-7wvp-g6p5"},
    // CVE-2025-54313, OSV MAL-2025-6022.
    KnownMaliciousRelease{"eslint-config-prettier", "8.10.1 9.1.1 10.1.6 10.1.7",
                          "eslint-config-prettier hijack (2025)",
                          "a release published with a phished npm token whose install script "
                          "starts a Windows trojan (node-gyp.dll)",
                          "https://github.com/prettier/eslint-config-prettier/issues/339"},
    KnownMaliciousRelease{"eslint-plugin-prettier", "4.2.2 4.2.3",
                          "eslint-config-prettier hijack (2025)",
                          "a release published with the same phished npm token as "
                          "eslint-config-prettier, with the same Windows trojan",
                          "https://github.com/prettier/eslint-config-prettier/issues/339"},
    KnownMaliciousRelease{"@ctrl/tinycolor", "4.1.1 4.1.2", "Shai-Hulud worm (2025)",
                          "a release infected by the Shai-Hulud worm, whose postinstall "
                          "bundle.js steals credentials and republishes the victim's packages",
                          "https://github.com/scttcper/tinycolor/issues/257"},
};

// npm replaces a removed malicious package with an empty placeholder of
// this version: nothing of the payload is left in it.
constexpr std::string_view kNpmSecurityPlaceholder = "0.0.1-security";

std::string_view NormalizeVersion(std::string_view v) {
  v = Trim(v);
  if (!v.empty() && (v.front() == 'v' || v.front() == '=')) v.remove_prefix(1);
  return v;
}

bool VersionListed(std::string_view list, std::string_view version) {
  for (std::string_view v : Split(list, ' '))
    if (!v.empty() && v == version) return true;
  return false;
}

const KnownMaliciousRelease* FindKnownMalicious(std::string_view name, std::string_view version) {
  version = NormalizeVersion(version);
  for (const auto& k : kKnownMalicious) {
    if (k.name != name) continue;
    if (k.versions == "*") {
      if (version != kNpmSecurityPlaceholder) return &k;
    } else if (VersionListed(k.versions, version)) {
      return &k;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Lifecycle scripts.

// Scripts npm runs by itself around install and uninstall (the catalog keeps
// preinstall, install, postinstall and prepare).
constexpr std::array<std::string_view, 10> kInstallLifecycleScripts = {
    "preinstall",  "install",    "postinstall",  "prepare",   "preprepare",
    "postprepare", "prepublish", "preuninstall", "uninstall", "postuninstall"};

bool IsInstallLifecycleScript(std::string_view key) {
  return std::find(kInstallLifecycleScripts.begin(), kInstallLifecycleScripts.end(), key) !=
         kInstallLifecycleScripts.end();
}

// Longest script judged; the catalog keeps at most 64 KiB too.
constexpr size_t kMaxJudgedScriptBytes = size_t{64} << 10;
// Evidence quotes this much of a script.
constexpr size_t kMaxQuotedScriptBytes = 200;
// Runs of token characters at least this long are elided in evidence: they
// may be credentials written into the script.
constexpr size_t kMinElidedTokenBytes = 32;
// A run of base64 or hex characters this long in a script is an encoded blob.
constexpr size_t kMinEncodedBlobBytes = 120;

constexpr std::string_view kScriptsReference = "https://docs.npmjs.com/cli/using-npm/scripts";

bool Contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

bool ContainsAny(std::string_view s, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles)
    if (Contains(s, n)) return true;
  return false;
}

// Characters that may stand right before a command word: "curl" in
// `/usr/bin/curl`, `$(curl`, `"curl`, `;curl`.
bool IsWordStart(std::string_view s, size_t pos) {
  if (pos == 0) return true;
  char c = s[pos - 1];
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '`' ||
         c == '(' || c == ';' || c == '|' || c == '&' || c == '/' || c == '$' || c == '=' ||
         c == '{';
}

bool IsWordEnd(std::string_view s, size_t end) {
  if (end >= s.size()) return true;
  char c = s[end];
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '`' ||
         c == ')' || c == ';' || c == '|' || c == '&';
}

// Position of `word` as a whole command word at or after `from`, or npos.
size_t FindWord(std::string_view s, std::string_view word, size_t from = 0) {
  for (size_t pos = s.find(word, from); pos != std::string_view::npos;
       pos = s.find(word, pos + 1)) {
    if (IsWordStart(s, pos) && IsWordEnd(s, pos + word.size())) return pos;
  }
  return std::string_view::npos;
}

bool HasWord(std::string_view s, std::string_view word) {
  return FindWord(s, word) != std::string_view::npos;
}

bool HasAnyWord(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words)
    if (HasWord(s, w)) return true;
  return false;
}

// First position of any of the downloader commands, or npos. Scripts are
// lowercased before they are judged.
size_t FindDownloader(std::string_view s) {
  size_t first = std::string_view::npos;
  for (std::string_view w : {"curl", "wget", "aria2c", "invoke-webrequest", "iwr",
                             "invoke-restmethod", "irm", "start-bitstransfer"}) {
    size_t pos = FindWord(s, w);
    if (pos < first) first = pos;
  }
  for (std::string_view n : {"downloadstring(", "downloadfile(", "net.webclient"}) {
    size_t pos = s.find(n);
    if (pos < first) first = pos;
  }
  return first;
}

constexpr std::array<std::string_view, 16> kInterpreters = {
    "sh",     "bash",    "zsh",     "dash", "ksh",  "ash", "node", "nodejs",
    "python", "python2", "python3", "perl", "ruby", "php", "iex",  "invoke-expression"};

bool IsInterpreter(std::string_view word) {
  size_t slash = word.rfind('/');
  if (slash != std::string_view::npos) word.remove_prefix(slash + 1);
  return std::find(kInterpreters.begin(), kInterpreters.end(), word) != kInterpreters.end();
}

// The position of the first pipe (not "||") at or after `from` whose
// command is an interpreter reading the script from its input:
// "| sh", "|sudo bash -s", "| /bin/sh", "| iex". npos when none.
size_t FindPipeToInterpreter(std::string_view s, size_t from) {
  for (size_t bar = s.find('|', from); bar != std::string_view::npos; bar = s.find('|', bar + 1)) {
    if ((bar + 1 < s.size() && s[bar + 1] == '|') || (bar > 0 && s[bar - 1] == '|')) continue;
    size_t i = bar + 1;
    for (int words = 0; words < 3; ++words) {  // skip "sudo", "sudo -E", "env"
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      size_t start = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != ';' &&
             s[i] != '&' && s[i] != '|' && s[i] != ')' && s[i] != '"' && s[i] != '\'')
        ++i;
      std::string_view word = s.substr(start, i - start);
      if (word == "sudo" || word == "-e" || word == "env") continue;
      if (IsInterpreter(word)) return bar;
      break;
    }
  }
  return std::string_view::npos;
}

// `$(curl ...)`, "`wget ...`", `<(curl ...)`: a download's output used as
// part of a command line or as a file.
bool HasDownloadSubstitution(std::string_view s) {
  for (std::string_view open : {"$(", "`", "<("}) {
    for (size_t pos = s.find(open); pos != std::string_view::npos; pos = s.find(open, pos + 1)) {
      size_t i = pos + open.size();
      while (i < s.size() && s[i] == ' ') ++i;
      std::string_view rest = s.substr(i);
      if (rest.starts_with("curl ") || rest.starts_with("wget ")) return true;
    }
  }
  return false;
}

// "chmod +x", "chmod 755 x", "chmod u+x": a file made executable.
bool HasChmodExecutable(std::string_view s) {
  for (size_t pos = FindWord(s, "chmod"); pos != std::string_view::npos;
       pos = FindWord(s, "chmod", pos + 1)) {
    std::string_view args = s.substr(pos + 5, 24);
    if (ContainsAny(args, {"+x", "755", "777", "775", "700", "711", "+rwx"})) return true;
  }
  return false;
}

bool HasNodeEval(std::string_view s) {
  for (std::string_view node : {"node", "nodejs"}) {
    for (size_t pos = FindWord(s, node); pos != std::string_view::npos;
         pos = FindWord(s, node, pos + 1)) {
      std::string_view rest = s.substr(pos + node.size());
      size_t i = 0;
      while (i < rest.size() && rest[i] == ' ') ++i;
      rest.remove_prefix(i);
      for (std::string_view flag : {"-e", "--eval", "-p", "-pe", "--print"})
        if (rest.starts_with(flag) && IsWordEnd(rest, flag.size())) return true;
    }
  }
  return false;
}

bool HasJsNetwork(std::string_view s) {
  return ContainsAny(s, {"require('http')",
                         "require(\"http\")",
                         "require('https')",
                         "require(\"https\")",
                         "require('net')",
                         "require(\"net\")",
                         "require('dgram')",
                         "require(\"dgram\")",
                         "http.get(",
                         "https.get(",
                         "http.request(",
                         "https.request(",
                         "fetch(",
                         "axios",
                         "xmlhttprequest",
                         "net.connect(",
                         "net.createconnection(",
                         "websocket(",
                         "dns.lookup(",
                         "dns.resolve"});
}

bool HasUrl(std::string_view s) { return ContainsAny(s, {"http://", "https://", "ftp://"}); }

bool HasJsExec(std::string_view s) {
  return ContainsAny(
      s, {"eval(", "child_process", "execsync(", "exec(", "spawn(", "spawnsync(", "execfile(",
          "new "
          "function(",
          "runinthiscontext(", "runinnewcontext(", "runincontext("});
}

bool HasJsDecode(std::string_view s) {
  if (ContainsAny(s, {"atob(", "fromcharcode(", "unescape("})) return true;
  return ContainsAny(s, {"buffer.from(",
                         "new "
                         "buffer("}) &&
         ContainsAny(s, {"base64", "'hex'", "\"hex\""});
}

// Code evaluated from a string: eval, new Function, the vm module, or a
// child process when child_process is loaded.
bool HasJsEvalSink(std::string_view s) {
  if (ContainsAny(s, {"eval(",
                      "new "
                      "function(",
                      "function(atob", "function(buffer", "runinthiscontext(", "runinnewcontext(",
                      "runincontext("}))
    return true;
  return Contains(s, "child_process") &&
         ContainsAny(s, {"exec(", "execsync(", "spawn(", "spawnsync(", "execfile("});
}

size_t FindShellDecode(std::string_view s) {
  size_t first = std::string_view::npos;
  for (std::string_view n : {"base64 -d", "base64 --decode", "openssl enc -d", "openssl base64 -d",
                             "xxd -r", "frombase64string("}) {
    size_t pos = s.find(n);
    if (pos < first) first = pos;
  }
  return first;
}

bool HasShellEvalContext(std::string_view s) {
  return HasWord(s, "eval") || ContainsAny(s, {"sh -c", "bash -c", "zsh -c"}) ||
         HasAnyWord(s, {"iex", "invoke-expression"});
}

bool HasPowerShellEncoded(std::string_view s) {
  if (!HasAnyWord(s, {"powershell", "powershell.exe", "pwsh"})) return false;
  for (size_t pos = s.find(" -e"); pos != std::string_view::npos; pos = s.find(" -e", pos + 1)) {
    std::string_view flag = s.substr(pos + 1);
    size_t end = 0;
    while (end < flag.size() && !std::isspace(static_cast<unsigned char>(flag[end]))) ++end;
    flag = flag.substr(0, end);
    // -EncodedCommand and every prefix of it PowerShell accepts (-e, -ec,
    // -enc, -encodedc...).
    if (flag == "-ec" ||
        (flag.size() >= 2 && std::string_view("-encodedcommand").starts_with(flag)))
      return true;
  }
  return false;
}

bool HasReverseShell(std::string_view s) {
  if (ContainsAny(s, {"/dev/tcp/", "/dev/udp/"})) return true;
  if (HasAnyWord(s, {"nc", "ncat", "netcat"}) && ContainsAny(s, {" -e ", " -c "}) &&
      HasAnyWord(s, {"sh", "bash", "/bin/sh", "/bin/bash", "cmd.exe"}))
    return true;
  return Contains(s, "pty.spawn(") && Contains(s, "socket");
}

bool HasNetworkSink(std::string_view s) {
  return FindDownloader(s) != std::string_view::npos ||
         HasAnyWord(s, {"nc", "ncat", "netcat", "socat", "telnet"}) || HasJsNetwork(s) ||
         ContainsAny(s, {"/dev/tcp/", "/dev/udp/"});
}

bool HasCredentialFile(std::string_view s) {
  return ContainsAny(
      s, {".npmrc", ".ssh/id_", "id_rsa", "id_ed25519", ".aws/credentials", ".git-credentials",
          ".docker/config.json", ".netrc", ".pypirc", ".kube/config", "/etc/shadow"});
}

bool HasEnvironmentDump(std::string_view s) {
  if (ContainsAny(
          s, {"json.stringify(process.env", "object.keys(process.env", "object.entries(process.env",
              "object.values(process.env", "...process.env", "$(env)", "$(printenv)", "`env`",
              "`printenv`", "get-childitem env:", "gci env:", "dir env:", "ls env:"}))
    return true;
  for (std::string_view w : {"env", "printenv", "set"}) {
    for (size_t pos = FindWord(s, w); pos != std::string_view::npos;
         pos = FindWord(s, w, pos + 1)) {
      size_t i = pos + w.size();
      while (i < s.size() && s[i] == ' ') ++i;
      if (i < s.size() && s[i] == '|' && (i + 1 >= s.size() || s[i + 1] != '|')) return true;
    }
  }
  return false;
}

bool IsSecretName(std::string_view name) {
  for (std::string_view k : {"token", "secret", "passw", "api_key", "apikey", "access_key",
                             "private_key", "_auth", "auth_", "authtoken"})
    if (Contains(name, k)) return true;
  return false;
}

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// process.env.NPM_TOKEN, process.env["GITHUB_TOKEN"], $AWS_SECRET_ACCESS_KEY,
// ${NPM_TOKEN}, $env:GITHUB_TOKEN.
bool HasSecretVariable(std::string_view s) {
  for (std::string_view prefix :
       {"process.env.", "process.env['", "process.env[\"", "${", "$env:", "$"}) {
    for (size_t pos = s.find(prefix); pos != std::string_view::npos;
         pos = s.find(prefix, pos + 1)) {
      size_t i = pos + prefix.size();
      size_t start = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      if (i > start && IsSecretName(s.substr(start, i - start))) return true;
    }
  }
  return false;
}

bool IsBase64Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// The longest run of base64 characters, or of "\xNN" escapes counted as
// characters, in the script as written (case kept).
bool HasEncodedBlob(std::string_view s) {
  size_t run = 0;
  for (char c : s) {
    run = IsBase64Char(c) ? run + 1 : 0;
    if (run >= kMinEncodedBlobBytes) return true;
  }
  size_t escapes = 0;
  for (size_t pos = s.find("\\x"); pos != std::string_view::npos; pos = s.find("\\x", pos + 2))
    if (++escapes >= kMinEncodedBlobBytes / 4) return true;
  return false;
}

ScriptFinding Finding(std::string_view rule, model::Disposition disposition,
                      model::Confidence confidence, std::string_view title,
                      std::string_view reason) {
  return {std::string(rule), disposition, confidence, std::string(title), std::string(reason)};
}

// ---------------------------------------------------------------------------
// Typosquats.

// Packages people type into package.json: direct dependencies that are among
// the most depended-upon and downloaded on npm. Names shorter than five
// characters are left out: every edit of "ws", "qs", "glob", "jest" or
// "next" is another real package.
// clang-format off
constexpr auto kPopularPackages = std::to_array<std::string_view>({
    "lodash", "underscore", "react", "react-dom", "react-router", "react-router-dom",
    "react-redux", "react-scripts", "redux", "redux-thunk", "prop-types", "classnames",
    "styled-components", "express", "body-parser", "cookie-parser", "express-session", "morgan",
    "helmet", "compression", "multer", "passport", "jsonwebtoken", "bcryptjs", "bcrypt", "axios",
    "request", "request-promise", "node-fetch", "superagent", "cross-fetch", "isomorphic-fetch",
    "whatwg-fetch", "form-data", "chalk", "colors", "commander", "yargs", "minimist", "inquirer",
    "debug", "winston", "dotenv", "moment", "moment-timezone", "dayjs", "date-fns", "luxon",
    "async", "bluebird", "nanoid", "shortid", "semver", "globby", "rimraf", "mkdirp", "fs-extra",
    "graceful-fs", "chokidar", "minimatch", "micromatch", "cross-env", "cross-spawn", "shelljs",
    "execa", "typescript", "ts-node", "tslib", "core-js", "regenerator-runtime", "babel-core",
    "babel-runtime", "babel-loader", "babel-polyfill", "babel-eslint", "eslint", "prettier",
    "eslint-plugin-react", "eslint-plugin-import", "eslint-config-airbnb", "webpack",
    "webpack-cli", "webpack-dev-server", "html-webpack-plugin", "css-loader", "style-loader",
    "sass-loader", "file-loader", "url-loader", "postcss", "autoprefixer", "tailwindcss",
    "node-sass", "rollup", "esbuild", "parcel", "browserify", "uglify-js", "terser", "grunt",
    "mocha", "sinon", "karma", "jasmine", "enzyme", "supertest", "nodemon", "concurrently",
    "husky", "lint-staged", "jquery", "bootstrap", "angular", "vue-router", "svelte", "gatsby",
    "electron", "electron-builder", "puppeteer", "playwright", "cheerio", "jsdom", "xml2js",
    "js-yaml", "mongoose", "mongodb", "mysql", "mysql2", "sqlite3", "sequelize", "typeorm",
    "redis", "ioredis", "socket.io", "socket.io-client", "graphql", "apollo-server", "handlebars",
    "marked", "highlight.js", "immutable", "ramda", "crypto-js", "node-forge", "jszip",
    "archiver", "sharp", "canvas", "nodemailer", "stripe", "twilio", "discord.js", "aws-sdk",
    "firebase", "three", "chart.js", "ethers", "coffee-script", "object-assign", "safe-buffer",
    "readable-stream", "through2", "source-map", "source-map-support", "iconv-lite", "http-proxy",
    "http-proxy-middleware", "node-gyp", "node-pre-gyp", "prebuild-install", "serve-static",
    "validator", "lru-cache", "optimist", "forever", "ua-parser-js"});
// clang-format on

// Real, independently maintained packages one edit from a popular one:
// {name, the popular package it is near}. Found by comparing every popular
// name above with the npm registry's names that have many downloads, and
// with the 1,288 packages of react-scripts 5.0.1 (the first three).
struct LegitimateNeighbour {
  std::string_view name;
  std::string_view popular;
};
constexpr auto kLegitimateNeighbours = std::to_array<LegitimateNeighbour>({
    // In the react-scripts 5.0.1 tree.
    {"colord", "colors"},
    {"object.assign", "object-assign"},
    {"safer-buffer", "safe-buffer"},
    // Known projects of their own (thousands of downloads a month or more,
    // most of them millions).
    {"color", "colors"},
    {"through", "through2"},
    {"gaxios", "axios"},
    {"enquirer", "inquirer"},
    {"preact", "react"},
    {"reactn", "react"},
    {"preact-router", "react-router"},
    {"react-router5", "react-router"},
    {"preact-redux", "react-redux"},
    {"crypt", "bcrypt"},
    {"scrypt", "bcrypt"},
    {"bcrypto", "bcrypt"},
    {"dargs", "yargs"},
    {"args", "yargs"},
    {"vargs", "yargs"},
    {"xml-js", "xml2js"},
    {"optimism", "optimist"},
    {"mquery", "jquery"},
    {"rambda", "ramda"},
    {"aws-cdk", "aws-sdk"},
    {"jsdoc", "jsdom"},
    {"tslint", "eslint"},
    {"jslint", "eslint"},
    {"eclint", "eslint"},
    {"esplint", "eslint"},
    {"tslint-config-airbnb", "eslint-config-airbnb"},
    {"coffeescript", "coffee-script"},
    {"mssql", "mysql"},
    {"uglify-es", "uglify-js"},
    {"uglifyjs", "uglify-js"},  // the package's original, now deprecated name
    {"graphiql", "graphql"},
    {"vasync", "async"},
    {"rsync", "async"},
    {"sync", "async"},
    {"grant", "grunt"},
    {"sqlite", "sqlite3"},
    {"mkdirp2", "mkdirp"},
    {"semiver", "semver"},
    {"server", "semver"},
    {"ttypescript", "typescript"},
    {"ntypescript", "typescript"},
    {"http2-proxy", "http-proxy"},
    {"fs.extra", "fs-extra"},
    {"crypto-es", "crypto-js"},
    {"crypto-ts", "crypto-js"},
    {"dbug", "debug"},
    {"ps-node", "ts-node"},
    {"is-node", "ts-node"},
    {"tslab", "tslib"},
    {"talib", "tslib"},
    {"prettierx", "prettier"},
    {"jssip", "jszip"},
    {"csv-loader", "css-loader"},
    {"csso-loader", "css-loader"},
    {"reds", "redis"},
    {"tedis", "redis"},
    {"reqwest", "request"},
    {"exec", "execa"},
    {"msbuild", "esbuild"},
    {"nollup", "rollup"},
    {"bmocha", "mocha"},
    {"angular2", "angular"},  // Angular 2's pre-release package
    {"jcanvas", "canvas"},
});

bool IsPopular(std::string_view name) {
  return std::find(kPopularPackages.begin(), kPopularPackages.end(), name) !=
         kPopularPackages.end();
}

bool IsLegitimateNeighbour(std::string_view name, std::string_view popular) {
  for (const auto& n : kLegitimateNeighbours)
    if (n.name == name && n.popular == popular) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Evidence.

// At most kMaxQuotedScriptBytes of the script on one line: control
// characters become spaces, long token-like runs (possible credentials) are
// elided, the cut does not split a UTF-8 sequence.
std::string QuoteScript(std::string_view script) {
  std::string out;
  size_t i = 0;
  bool cut = false;
  while (i < script.size()) {
    if (out.size() >= kMaxQuotedScriptBytes) {
      cut = true;
      break;
    }
    size_t run = 0;
    while (i + run < script.size() &&
           (std::isalnum(static_cast<unsigned char>(script[i + run])) || script[i + run] == '_' ||
            script[i + run] == '-' || script[i + run] == '+' || script[i + run] == '='))
      ++run;
    if (run >= kMinElidedTokenBytes) {
      out += script.substr(i, 4);
      out += "...(" + std::to_string(run) + " characters elided)";
      i += run;
      continue;
    }
    if (run > 0) {
      out += script.substr(i, run);
      i += run;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(script[i]);
    out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    ++i;
  }
  if (out.size() > kMaxQuotedScriptBytes) {
    out.resize(kMaxQuotedScriptBytes);
    cut = true;
  }
  if (cut) {
    // Back off to the start of a UTF-8 sequence.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "...";
  }
  return out;
}

model::Detection BaseDetection(const model::Package& p) {
  model::Detection d;
  d.category = std::string(model::kCategoryMaliciousPackage);
  d.purl = p.purl;
  d.path = p.db_path;
  d.layer = p.layer;
  d.owner = p.owner;
  return d;
}

}  // namespace

bool OneEditApart(std::string_view a, std::string_view b) {
  if (a == b) return false;
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    // Substitution at i, or transposition of i and i+1.
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);
  }
  // b has one more character: deleting b[i] gives a.
  return a.substr(i) == b.substr(i + 1);
}

std::string_view TyposquatTarget(std::string_view name) {
  if (name.empty() || name.front() == '@') return {};
  std::string lower = ToLower(name);
  // A legacy mixed-case name ("jQuery") is the package itself, not a typo.
  if (IsPopular(lower)) return {};
  for (std::string_view popular : kPopularPackages) {
    if (!OneEditApart(lower, popular)) continue;
    if (IsLegitimateNeighbour(lower, popular)) continue;
    return popular;
  }
  return {};
}

ScriptFinding JudgeLifecycleScript(std::string_view script) {
  using model::Confidence;
  using model::Disposition;
  std::string_view kept = script.substr(0, kMaxJudgedScriptBytes);
  std::string lower = ToLower(kept);
  std::string_view s = lower;

  if (HasReverseShell(s))
    return Finding("npm-script-reverse-shell", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script opens a reverse shell",
                   "a shell wired to a network connection (/dev/tcp, nc -e)");

  // Download and execute.
  size_t downloader = FindDownloader(s);
  if (downloader != std::string_view::npos) {
    if (FindPipeToInterpreter(s, downloader) != std::string_view::npos)
      return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                     "npm lifecycle script downloads and executes code",
                     "a download piped into an interpreter");
    if (HasDownloadSubstitution(s) &&
        (HasShellEvalContext(s) || ContainsAny(s, {"<(curl", "<(wget", "<( curl", "<( wget"})))
      return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                     "npm lifecycle script downloads and executes code",
                     "a download run through eval, sh -c or process substitution");
    if (HasChmodExecutable(s))
      return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                     "npm lifecycle script downloads and executes code",
                     "a download made executable with chmod");
    if (HasAnyWord(s, {"iex", "invoke-expression", "start-process"}))
      return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                     "npm lifecycle script downloads and executes code",
                     "a PowerShell download run with Invoke-Expression or Start-Process");
  }
  if (HasWord(s, "certutil") && ContainsAny(s, {"-urlcache", "/urlcache"}))
    return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script downloads and executes code",
                   "certutil -urlcache, a Windows download trick");
  if (HasWord(s, "bitsadmin") && Contains(s, "/transfer"))
    return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script downloads and executes code",
                   "bitsadmin /transfer, a Windows download trick");
  if (HasAnyWord(s, {"mshta", "mshta.exe"}) && HasUrl(s))
    return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script downloads and executes code",
                   "mshta running a remote script");
  bool node_eval = HasNodeEval(s);
  if (node_eval && HasJsNetwork(s) && HasJsExec(s))
    return Finding("npm-script-download-exec", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script downloads and executes code",
                   "inline node code that fetches over the network and evaluates or spawns");

  // Decode and evaluate.
  if (HasJsDecode(s) && HasJsEvalSink(s))
    return Finding("npm-script-decode-eval", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script decodes and evaluates hidden code",
                   "a base64, hex or character-code decode passed to eval, Function, vm or a "
                   "child process");
  size_t decode = FindShellDecode(s);
  if (decode != std::string_view::npos &&
      (FindPipeToInterpreter(s, decode) != std::string_view::npos || HasShellEvalContext(s)))
    return Finding("npm-script-decode-eval", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script decodes and evaluates hidden code",
                   "a base64 or hex decode run by a shell or eval");
  if (HasPowerShellEncoded(s))
    return Finding("npm-script-decode-eval", Disposition::kMalicious, Confidence::kMedium,
                   "npm lifecycle script decodes and evaluates hidden code",
                   "PowerShell -EncodedCommand (a base64-encoded command)");

  // Exfiltration.
  bool network = HasNetworkSink(s);
  if (network && HasCredentialFile(s))
    return Finding("npm-script-credential-exfil", Disposition::kMalicious, Confidence::kHigh,
                   "npm lifecycle script sends credential files over the network",
                   "a credential file (~/.npmrc, SSH keys, cloud credentials) read next to a "
                   "network request");
  if (network && HasEnvironmentDump(s))
    return Finding("npm-script-env-exfil", Disposition::kMalicious, Confidence::kMedium,
                   "npm lifecycle script sends the environment over the network",
                   "the whole environment (env, printenv, process.env) next to a network request");
  if (network && HasSecretVariable(s))
    return Finding("npm-script-secret-to-network", Disposition::kSuspicious, Confidence::kMedium,
                   "npm lifecycle script sends a secret variable over the network",
                   "a token, key or password variable next to a network request");

  // Weaker signals.
  if (HasEncodedBlob(kept))
    return Finding("npm-script-encoded-blob", Disposition::kSuspicious, Confidence::kMedium,
                   "npm lifecycle script carries an encoded blob",
                   "a long base64 or hex-escaped string");
  if (Contains(s, "start /b"))
    return Finding("npm-script-hidden-process", Disposition::kSuspicious, Confidence::kMedium,
                   "npm lifecycle script starts a hidden background process",
                   "Windows \"start /B\", as in the ua-parser-js, coa and rc hijacks");
  if (HasAnyWord(s, {"rundll32", "rundll32.exe", "regsvr32", "regsvr32.exe", "wscript",
                     "wscript.exe", "cscript", "cscript.exe", "mshta", "mshta.exe", "powershell",
                     "powershell.exe", "pwsh", "cmd", "cmd.exe"}) ||
      ContainsAny(s, {".bat", ".vbs", ".ps1", ".cmd "}))
    return Finding("npm-script-windows-exec", Disposition::kSuspicious, Confidence::kLow,
                   "npm lifecycle script runs Windows script hosts or shells",
                   "cmd, PowerShell, rundll32 or a .bat/.vbs/.ps1 file in an install script");
  if (downloader != std::string_view::npos ||
      HasAnyWord(s, {"nc", "ncat", "netcat", "socat", "telnet"}) || (node_eval && HasJsNetwork(s)))
    return Finding("npm-script-network", Disposition::kSuspicious, Confidence::kLow,
                   "npm lifecycle script reaches the network",
                   "a download tool or inline network code in an install script");
  if (node_eval && HasJsExec(s))
    return Finding("npm-script-inline-exec", Disposition::kSuspicious, Confidence::kLow,
                   "npm lifecycle script runs commands from inline code",
                   "inline node code that evaluates strings or spawns processes");
  return {};
}

std::vector<model::Detection> CheckNpmPackages(const std::vector<model::Package>& packages) {
  std::vector<model::Detection> out;
  for (const auto& p : packages) {
    if (p.type != "npm") continue;

    const KnownMaliciousRelease* known = FindKnownMalicious(p.name, p.version);
    if (known != nullptr) {
      model::Detection d = BaseDetection(p);
      d.rule_id = "npm-known-malicious";
      d.severity = model::Severity::kCritical;
      d.disposition = model::Disposition::kMalicious;
      d.confidence = model::Confidence::kHigh;
      d.title = "known malicious npm release: " + std::string(known->incident);
      d.reference = std::string(known->reference);
      d.evidence = p.name + " " + p.version + " is " + std::string(known->what) + " (" +
                   std::string(known->reference) + ")";
      out.push_back(std::move(d));
    }

    for (const auto& [key, script] : p.scripts) {
      if (!IsInstallLifecycleScript(key)) continue;
      ScriptFinding f = JudgeLifecycleScript(script);
      if (f.rule_id.empty()) continue;
      model::Detection d = BaseDetection(p);
      d.rule_id = f.rule_id;
      d.disposition = f.disposition;
      d.severity = f.disposition == model::Disposition::kMalicious ? model::Severity::kCritical
                                                                   : model::Severity::kMedium;
      d.confidence = f.confidence;
      d.title = f.title;
      d.reference = std::string(kScriptsReference);
      d.evidence = p.name + " " + p.version + " \"" + key + "\" script \"" + QuoteScript(script) +
                   "\": " + f.reason;
      out.push_back(std::move(d));
    }

    if (known == nullptr) {
      std::string_view target = TyposquatTarget(p.name);
      if (!target.empty()) {
        model::Detection d = BaseDetection(p);
        d.rule_id = "npm-typosquat";
        d.severity = model::Severity::kMedium;
        d.disposition = model::Disposition::kSuspicious;
        d.confidence = model::Confidence::kMedium;
        d.title = "npm package name one typo from a popular package";
        d.reference =
            "https://blog.npmjs.org/post/163723642530/crossenv-malware-on-the-npm-registry";
        d.evidence =
            "name \"" + p.name + "\" is one edit from the popular package " + std::string(target);
        out.push_back(std::move(d));
      }
    }
  }
  return out;
}

}  // namespace customs::detect
