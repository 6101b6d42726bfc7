#include "sandbox/runtime_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace customs::sandbox {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# comment\n"
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "app:x:1000:1000::/home/app:/bin/sh\n";
constexpr std::string_view kGroup =
    "root:x:0:\n"
    "www-data:x:33:\n"
    "app:x:1000:\n"
    "docker:x:999:app,other\n"
    "audio:x:29: app\n";

TEST(BuildProcessTest, EntrypointAndCmdAsDockerRunsThem) {
  model::RunConfig image;
  image.entrypoint = {"/docker-entrypoint.sh"};
  image.cmd = {"nginx", "-g", "daemon off;"};
  image.env = {"PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.25.3"};
  image.working_dir = "srv";
  auto spec = BuildProcess(image, {}, kPasswd, kGroup);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_THAT(spec->args, ElementsAre("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"));
  EXPECT_THAT(spec->env, ElementsAre("PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.25.3",
                                     "HOSTNAME=sandbox", "HOME=/root"));
  EXPECT_EQ(spec->cwd, "/srv");
  EXPECT_EQ(spec->uid, 0u);

  // --cmd replaces Cmd only; --entrypoint replaces both; --env overrides.
  ProcessOverrides o;
  o.cmd = {"sh"};
  o.env = {"NGINX_VERSION=x", "EXTRA=1"};
  spec = BuildProcess(image, o, kPasswd, kGroup);
  ASSERT_TRUE(spec.ok());
  EXPECT_THAT(spec->args, ElementsAre("/docker-entrypoint.sh", "sh"));
  EXPECT_EQ(spec->env[1], "NGINX_VERSION=x");
  EXPECT_EQ(spec->env[2], "EXTRA=1");
  o.entrypoint = {"/bin/true"};
  o.cmd = {};
  spec = BuildProcess(image, o, kPasswd, kGroup);
  ASSERT_TRUE(spec.ok());
  EXPECT_THAT(spec->args, ElementsAre("/bin/true"));

  EXPECT_FALSE(BuildProcess(model::RunConfig{}, {}, "", "").ok());
  ProcessOverrides bad_env;
  bad_env.env = {"NOVALUE"};
  EXPECT_FALSE(BuildProcess(image, bad_env, "", "").ok());
}

TEST(ResolveUserTest, NamesIdsAndGroups) {
  ProcessSpec spec;
  ASSERT_TRUE(ResolveUser("www-data", kPasswd, kGroup, spec).ok());
  EXPECT_EQ(spec.uid, 33u);
  EXPECT_EQ(spec.gid, 33u);
  EXPECT_TRUE(spec.additional_gids.empty());
  ASSERT_TRUE(ResolveUser("app", kPasswd, kGroup, spec).ok());
  EXPECT_EQ(spec.uid, 1000u);
  EXPECT_THAT(spec.additional_gids, ElementsAre(999u, 29u));
  ASSERT_TRUE(ResolveUser("1000:33", kPasswd, kGroup, spec).ok());
  EXPECT_EQ(spec.uid, 1000u);
  EXPECT_EQ(spec.gid, 33u);
  ASSERT_TRUE(ResolveUser("app:docker", kPasswd, kGroup, spec).ok());
  EXPECT_EQ(spec.gid, 999u);
  ASSERT_TRUE(ResolveUser("4242", kPasswd, kGroup, spec).ok());  // not in passwd: as given
  EXPECT_EQ(spec.uid, 4242u);
  EXPECT_EQ(spec.gid, 0u);
  EXPECT_EQ(ResolveUser("nobody-here", kPasswd, kGroup, spec).code(), StatusCode::kNotFound);
  EXPECT_EQ(ResolveUser("app:nogroup", kPasswd, kGroup, spec).code(), StatusCode::kNotFound);
}

TEST(BuildRuntimeConfigTest, SealedByDefault) {
  ProcessSpec process;
  process.args = {"/bin/app"};
  process.env = {"PATH=/bin"};
  process.uid = 33;
  process.gid = 33;
  RuntimeConfigOptions options;
  options.rootfs = "/tmp/b/rootfs";
  options.uid_base = 1'000'000'000;
  options.limits.memory_bytes = 256 << 20;
  options.limits.cpus = 0.5;
  options.limits.pids = 64;
  options.resolv_conf = "/tmp/b/resolv.conf";
  options.cgroups_path = "/customs/x";
  options.seccomp = Json{{"defaultAction", "SCMP_ACT_ALLOW"}};
  Json c = BuildRuntimeConfig(process, options);
  EXPECT_EQ(c["root"]["path"], "/tmp/b/rootfs");
  EXPECT_EQ(c["root"]["readonly"], true);
  EXPECT_EQ(c["process"]["noNewPrivileges"], true);
  EXPECT_EQ(c["process"]["user"]["uid"], 33);
  EXPECT_EQ(c["process"]["capabilities"]["bounding"].size(), DefaultCapabilities().size());
  std::vector<std::string> namespaces;
  for (const auto& ns : c["linux"]["namespaces"]) {
    namespaces.push_back(ns["type"]);
    EXPECT_FALSE(ns.contains("path")) << "every namespace is new";
  }
  EXPECT_THAT(namespaces, ElementsAre("pid", "network", "ipc", "uts", "mount", "user", "cgroup"));
  EXPECT_EQ(c["linux"]["uidMappings"][0]["hostID"], 1'000'000'000u);
  EXPECT_EQ(c["linux"]["uidMappings"][0]["size"], 65536u);
  EXPECT_EQ(c["linux"]["resources"]["memory"]["limit"], 256 << 20);
  EXPECT_EQ(c["linux"]["resources"]["cpu"]["quota"], 50000);
  EXPECT_EQ(c["linux"]["resources"]["pids"]["limit"], 64);
  EXPECT_EQ(c["linux"]["cgroupsPath"], "/customs/x");
  EXPECT_EQ(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ALLOW");
  bool tmp = false, resolv = false;
  for (const auto& m : c["mounts"]) {
    if (m["destination"] == "/tmp") tmp = m["type"] == "tmpfs";
    if (m["destination"] == "/etc/resolv.conf") {
      resolv = m["source"] == "/tmp/b/resolv.conf";
      EXPECT_THAT(m["options"].get<std::vector<std::string>>(), ::testing::Contains("ro"));
    }
  }
  EXPECT_TRUE(tmp);
  EXPECT_TRUE(resolv);
}

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(ParseDuration("30s")->count(), 30'000);
  EXPECT_EQ(ParseDuration("2m")->count(), 120'000);
  EXPECT_EQ(ParseDuration("1h")->count(), 3'600'000);
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("45")->count(), 45'000);
  for (const char* bad : {"", "0s", "s", "1.5s", "10d", "-1s", "9999999999s"})
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
}

}  // namespace
}  // namespace customs::sandbox
