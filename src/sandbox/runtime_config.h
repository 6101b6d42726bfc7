// The OCI runtime config (config.json) of a sandbox run: the image's
// process (entrypoint, cmd, env, user, workdir) in every namespace, with a
// read-only root, tmpfs for writes, default capabilities, resource limits
// and the seccomp notify listener. Pure: files are read by the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "model/scan_result.h"

namespace customs::sandbox {

struct ProcessSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
};

// What a run changes from the image config, as `docker run` does:
// `entrypoint` replaces Entrypoint (and drops Cmd), `cmd` replaces Cmd,
// `env` entries (K=V) override the image's.
struct ProcessOverrides {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string user;  // "" keeps the image's
};

// The numeric uid, gid and supplementary groups for an image's User
// ("", "name", "uid", "name:group", "uid:gid") looked up in the image's
// /etc/passwd and /etc/group text. A name not in passwd is NotFound.
Status ResolveUser(std::string_view user, std::string_view passwd, std::string_view group,
                   ProcessSpec& spec);

// The process of a run: args, env (PATH defaulted, HOSTNAME and HOME set as
// Docker does), cwd. InvalidArgument when there is nothing to run.
// `passwd` and `group` are the image's files ("" when absent).
Result<ProcessSpec> BuildProcess(const model::RunConfig& image, const ProcessOverrides& overrides,
                                 std::string_view passwd, std::string_view group);

struct RuntimeLimits {
  int64_t memory_bytes = int64_t{512} << 20;
  double cpus = 1.0;
  int64_t pids = 256;
};

struct RuntimeConfigOptions {
  std::string rootfs;  // absolute path of the bundle's root filesystem
  uint32_t uid_base = 0;
  uint32_t id_count = 65536;
  RuntimeLimits limits;
  std::string hostname = "sandbox";
  // Host files bind-mounted read-only over the image's.
  std::string resolv_conf;
  std::string hosts;
  std::string cgroups_path;  // "/customs-sandbox/<id>"
  Json seccomp;              // the linux.seccomp object; null for none
};

// The capabilities Docker grants a container by default.
const std::vector<std::string>& DefaultCapabilities();

Json BuildRuntimeConfig(const ProcessSpec& process, const RuntimeConfigOptions& options);

// "30s", "2m", "1h", "500ms", "45" (seconds) as a duration; InvalidArgument
// for anything else or zero.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace customs::sandbox
