#include "cli/flags.h"

#include <cstdio>

#include "base/file.h"
#include "base/strings.h"
#include "image/reference.h"
#include "image/source.h"

namespace customs::cli {

int Fail(const std::string& message) {
  // One line: messages from the library may quote input, so keep it tame.
  std::string line = Printable(message, 2000);
  std::fprintf(stderr, "customs: %s\n", line.c_str());
  return kExitInputError;
}

int Fail(const Status& status) { return Fail(status.ToString()); }

void AddRegistryFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("-u,--username", f.username,
                  "registry user name (with --password-stdin); otherwise docker's and podman's "
                  "stored logins are used");
  cmd->add_flag("--password-stdin", f.password_stdin, "read the registry password from stdin");
  cmd->add_option("--insecure-registry", f.insecure_registries,
                  "HOST[:PORT] reached over plain HTTP (or HTTPS without certificate checks) "
                  "(repeatable)");
  cmd->add_option("--cache-dir", f.cache_dir, "cache directory (default: " + UserCacheDir() + ")");
  cmd->add_option("--cache-backend", f.cache_backend,
                  "fs: keep layer results and registry blobs on disk; memory: keep nothing")
      ->check(CLI::IsMember({"fs", "memory"}))
      ->capture_default_str();
}

void AddScannersFlag(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--scanners", f.scanners,
                  "what to look for, comma-separated: vuln, malware, secret, config; none for "
                  "the inventory only")
      ->check([](const std::string& value) -> std::string {
        for (auto name : Split(value, ','))
          if (Trim(name) != "vuln" && Trim(name) != "malware" && Trim(name) != "secret" &&
              Trim(name) != "config" && Trim(name) != "none")
            return "unknown scanner '" + std::string(name) +
                   "' (vuln, malware, secret, config, none)";
        return "";
      })
      ->capture_default_str();
}

bool HasScanner(const CommonFlags& f, std::string_view name) {
  for (auto s : Split(f.scanners, ','))
    if (Trim(s) == name) return true;
  return false;
}

Status ConfigureRegistry(const CommonFlags& f, scan::ScanOptions& options,
                         const std::string& login_registry) {
  image::RegistryOptions& r = options.registry;
  r.insecure_registries = f.insecure_registries;
  r.notify = [](const std::string& message) {
    std::fprintf(stderr, "customs: notice: %s\n", Printable(message, 2000).c_str());
  };
  if (f.password_stdin && f.username.empty())
    return InvalidArgument("--password-stdin needs --username");
  if (!f.username.empty()) {
    if (!f.password_stdin)
      return InvalidArgument(
          "--username needs --password-stdin (a password on the command "
          "line would show in the process list)");
    std::string password;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0 && password.size() < (1 << 16))
      password.append(buf, n);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
    r.credentials = image::Credentials{.username = f.username, .password = password};
    if (!login_registry.empty()) {
      r.credentials_registry = login_registry;
    } else {
      // The login belongs to the registry of the image being scanned.
      auto spec = image::ParseImageSpec(f.image);
      if (!spec.ok() || spec->kind != image::SourceKind::kRegistry)
        return InvalidArgument("--username applies to registry images only");
      CUSTOMS_ASSIGN_OR_RETURN(auto ref, image::ParseReference(spec->path));
      r.credentials_registry = ref.registry;
    }
  }
  if (f.cache_backend == "fs") {
    std::string dir = f.cache_dir.empty() ? UserCacheDir() : f.cache_dir;
    r.blob_cache_dir = dir + "/blobs";
    options.layer_cache_dir = dir + "/layers";
  }
  return Status::Ok();
}

int Emit(const CommonFlags& f, const std::string& text) {
  if (f.output.empty() || f.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  Status s = WriteFileAtomic(f.output, text);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace customs::cli
