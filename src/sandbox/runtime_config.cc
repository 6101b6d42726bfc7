#include "sandbox/runtime_config.h"

#include <charconv>
#include <cmath>

#include "base/strings.h"

namespace customs::sandbox {
namespace {

bool ParseId(std::string_view text, uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xfffffffeu) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// The fields of the passwd/group line whose first field is `name` (or,
// with `by_id`, whose third field is `name`).
std::vector<std::string_view> FindEntry(std::string_view text, std::string_view name, bool by_id) {
  for (std::string_view line : Split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = Split(line, ':');
    if (fields.size() < 3) continue;
    if ((by_id ? fields[2] : fields[0]) == name) return fields;
  }
  return {};
}

std::string EnvName(std::string_view kv) { return std::string(kv.substr(0, kv.find('='))); }

void SetEnv(std::vector<std::string>& env, const std::string& kv) {
  std::string name = EnvName(kv);
  for (auto& e : env)
    if (EnvName(e) == name) {
      e = kv;
      return;
    }
  env.push_back(kv);
}

bool HasEnv(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env)
    if (EnvName(e) == name) return true;
  return false;
}

}  // namespace

Status ResolveUser(std::string_view user, std::string_view passwd, std::string_view group,
                   ProcessSpec& spec) {
  spec.uid = 0;
  spec.gid = 0;
  spec.additional_gids.clear();
  if (user.empty()) return Status::Ok();
  std::string_view user_part = user.substr(0, user.find(':'));
  std::string_view group_part = user.find(':') == std::string_view::npos
                                    ? std::string_view()
                                    : user.substr(user.find(':') + 1);
  std::string user_name;
  bool gid_from_passwd = false;
  if (ParseId(user_part, spec.uid)) {
    auto entry = FindEntry(passwd, user_part, /*by_id=*/true);
    if (entry.size() >= 4) {
      user_name = std::string(entry[0]);
      gid_from_passwd = ParseId(entry[3], spec.gid);
    }
  } else {
    auto entry = FindEntry(passwd, user_part, /*by_id=*/false);
    if (entry.size() < 4 || !ParseId(entry[2], spec.uid))
      return NotFound("user \"" + Printable(user_part) + "\" is not in the image's /etc/passwd");
    user_name = std::string(user_part);
    gid_from_passwd = ParseId(entry[3], spec.gid);
  }
  if (!group_part.empty()) {
    if (!ParseId(group_part, spec.gid)) {
      auto entry = FindEntry(group, group_part, /*by_id=*/false);
      if (entry.size() < 3 || !ParseId(entry[2], spec.gid))
        return NotFound("group \"" + Printable(group_part) + "\" is not in the image's /etc/group");
    }
  } else if (!gid_from_passwd) {
    spec.gid = 0;
  }
  // Supplementary groups: those listing the user by name, as Docker does.
  if (!user_name.empty() && group_part.empty()) {
    for (std::string_view line : Split(group, '\n')) {
      auto fields = Split(line, ':');
      if (fields.size() < 4) continue;
      uint32_t gid = 0;
      if (!ParseId(fields[2], gid) || gid == spec.gid) continue;
      for (std::string_view member : Split(fields[3], ','))
        if (Trim(member) == user_name) {
          spec.additional_gids.push_back(gid);
          break;
        }
      if (spec.additional_gids.size() >= 64) break;
    }
  }
  return Status::Ok();
}

Result<ProcessSpec> BuildProcess(const model::RunConfig& image, const ProcessOverrides& overrides,
                                 std::string_view passwd, std::string_view group) {
  ProcessSpec spec;
  if (!overrides.entrypoint.empty()) {
    spec.args = overrides.entrypoint;
    spec.args.insert(spec.args.end(), overrides.cmd.begin(), overrides.cmd.end());
  } else {
    spec.args = image.entrypoint;
    const auto& cmd = overrides.cmd.empty() ? image.cmd : overrides.cmd;
    spec.args.insert(spec.args.end(), cmd.begin(), cmd.end());
  }
  if (spec.args.empty())
    return InvalidArgument("the image has no Entrypoint or Cmd: give one with --cmd");
  for (const auto& e : image.env)
    if (e.find('=') != std::string::npos && e[0] != '=') SetEnv(spec.env, e);
  for (const auto& e : overrides.env) {
    if (e.find('=') == std::string::npos || e[0] == '=')
      return InvalidArgument("--env wants NAME=VALUE, not \"" + Printable(e) + "\"");
    SetEnv(spec.env, e);
  }
  if (!HasEnv(spec.env, "PATH"))
    spec.env.insert(spec.env.begin(),
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!HasEnv(spec.env, "HOSTNAME")) spec.env.push_back("HOSTNAME=sandbox");
  spec.cwd = image.working_dir.empty() ? "/" : image.working_dir;
  if (spec.cwd[0] != '/') spec.cwd = "/" + spec.cwd;
  std::string user = overrides.user.empty() ? image.user : overrides.user;
  CUSTOMS_TRY(ResolveUser(user, passwd, group, spec));
  if (!HasEnv(spec.env, "HOME")) {
    std::string home = "/";
    auto entry = FindEntry(passwd, std::to_string(spec.uid), /*by_id=*/true);
    if (entry.size() >= 6 && !entry[5].empty())
      home = std::string(entry[5]);
    else if (spec.uid == 0)
      home = "/root";
    spec.env.push_back("HOME=" + home);
  }
  return spec;
}

const std::vector<std::string>& DefaultCapabilities() {
  static const std::vector<std::string> kCaps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return kCaps;
}

Json BuildRuntimeConfig(const ProcessSpec& process, const RuntimeConfigOptions& options) {
  Json caps = DefaultCapabilities();
  Json user = {{"uid", process.uid}, {"gid", process.gid}};
  if (!process.additional_gids.empty()) user["additionalGids"] = process.additional_gids;
  auto tmpfs = [](std::string dest, std::string mode, std::string size, bool exec) {
    Json opts = {"nosuid", "nodev", "mode=" + mode, "size=" + size};
    if (!exec) opts.push_back("noexec");
    return Json{{"destination", dest}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", opts}};
  };
  Json mounts = Json::array();
  mounts.push_back({{"destination", "/proc"},
                    {"type", "proc"},
                    {"source", "proc"},
                    {"options", {"nosuid", "noexec", "nodev"}}});
  mounts.push_back({{"destination", "/dev"},
                    {"type", "tmpfs"},
                    {"source", "tmpfs"},
                    {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}});
  mounts.push_back(
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}});
  mounts.push_back(tmpfs("/dev/shm", "1777", "65536k", /*exec=*/true));
  mounts.push_back({{"destination", "/dev/mqueue"},
                    {"type", "mqueue"},
                    {"source", "mqueue"},
                    {"options", {"nosuid", "noexec", "nodev"}}});
  mounts.push_back({{"destination", "/sys"},
                    {"type", "sysfs"},
                    {"source", "sysfs"},
                    {"options", {"nosuid", "noexec", "nodev", "ro"}}});
  // Writable places, executable so that a program that drops and runs a
  // file shows it.
  mounts.push_back(tmpfs("/tmp", "1777", "262144k", /*exec=*/true));
  mounts.push_back(tmpfs("/var/tmp", "1777", "65536k", /*exec=*/true));
  mounts.push_back(tmpfs("/run", "755", "65536k", /*exec=*/true));
  auto bind_file = [&](const std::string& src, const std::string& dest) {
    if (src.empty()) return;
    mounts.push_back({{"destination", dest},
                      {"type", "bind"},
                      {"source", src},
                      {"options", {"rbind", "ro", "nosuid", "nodev", "noexec"}}});
  };
  bind_file(options.resolv_conf, "/etc/resolv.conf");
  bind_file(options.hosts, "/etc/hosts");

  Json resources = {
      {"devices", {{{"allow", false}, {"access", "rwm"}}}},
      {"memory", {{"limit", options.limits.memory_bytes}}},
      {"cpu",
       {{"quota", static_cast<int64_t>(std::llround(options.limits.cpus * 100000))},
        {"period", 100000}}},
      {"pids", {{"limit", options.limits.pids}}},
  };
  Json linux_section = {
      {"uidMappings",
       {{{"containerID", 0}, {"hostID", options.uid_base}, {"size", options.id_count}}}},
      {"gidMappings",
       {{{"containerID", 0}, {"hostID", options.uid_base}, {"size", options.id_count}}}},
      {"namespaces",
       {{{"type", "pid"}},
        {{"type", "network"}},
        {{"type", "ipc"}},
        {{"type", "uts"}},
        {{"type", "mount"}},
        {{"type", "user"}},
        {{"type", "cgroup"}}}},
      {"resources", resources},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (!options.cgroups_path.empty()) linux_section["cgroupsPath"] = options.cgroups_path;
  if (!options.seccomp.is_null()) linux_section["seccomp"] = options.seccomp;
  return Json{
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", user},
        {"args", process.args},
        {"env", process.env},
        {"cwd", process.cwd},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"rlimits",
         {{{"type", "RLIMIT_NOFILE"}, {"hard", 4096}, {"soft", 4096}},
          {{"type", "RLIMIT_CORE"}, {"hard", 0}, {"soft", 0}}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", options.rootfs}, {"readonly", true}}},
      {"hostname", options.hostname},
      {"mounts", mounts},
      {"linux", linux_section},
  };
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::string_view t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  std::string_view unit = t.substr(digits);
  uint64_t value = 0;
  if (digits == 0 || digits > 9 ||
      std::from_chars(t.data(), t.data() + digits, value).ec != std::errc())
    return InvalidArgument("duration \"" + Printable(text) + "\" is not like 30s, 2m or 500ms");
  uint64_t ms = 0;
  if (unit == "ms")
    ms = value;
  else if (unit.empty() || unit == "s")
    ms = value * 1000;
  else if (unit == "m")
    ms = value * 60'000;
  else if (unit == "h")
    ms = value * 3'600'000;
  else
    return InvalidArgument("duration \"" + Printable(text) + "\" is not like 30s, 2m or 500ms");
  if (ms == 0) return InvalidArgument("duration \"" + Printable(text) + "\" is zero");
  return std::chrono::milliseconds(ms);
}

}  // namespace customs::sandbox
