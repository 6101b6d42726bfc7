#include "tests/sandbox_images.h"

#include <sys/utsname.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/digest.h"
#include "tests/tar_builder.h"
#include "tests/testing.h"

namespace customs::testing {

namespace {

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
constexpr char kOciLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool WriteWhole(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  return static_cast<bool>(out);
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

// Writes a blob and returns its digest, or "" when the write failed.
std::string WriteBlob(const std::string& layout, const std::string& data) {
  std::string digest = Sha256::Of(data).str();
  if (!WriteWhole(layout + "/blobs/sha256/" + digest.substr(7), data)) return "";
  return digest;
}

std::string Architecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

struct Compiled {
  std::string path;
  std::string error;
};

}  // namespace

std::string SandboxProgram(const std::string& name, std::string* error) {
  static std::mutex mu;
  static std::map<std::string, Compiled> cache;
  static std::string out_dir;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) {
    Compiled c;
    std::string src = SourceDir() + "/tests/sandbox/" + name + ".c";
    if (name.empty() || name.find_first_of("/. ") != std::string::npos) {
      c.error = "bad program name '" + name + "'";
    } else if (!std::filesystem::exists(src)) {
      c.error = "no program source " + src;
    } else {
      if (out_dir.empty()) out_dir = TempDir();
      std::string bin = out_dir + "/" + name;
      std::string output;
      int rc = Run("gcc -static -O2 -Wall -o " + ShellQuote(bin) + " " + ShellQuote(src), &output);
      if (rc != 0)
        c.error = "gcc -static -O2 " + src + " failed (exit " + std::to_string(rc) + "): " + output;
      else
        c.path = bin;
    }
    it = cache.emplace(name, c).first;
  }
  if (error != nullptr) *error = it->second.error;
  return it->second.path;
}

std::string SandboxImageRef(const std::string& dir) { return "oci:" + dir + ":latest"; }

std::string BuildSandboxImage(const std::string& name, const std::string& dir,
                              const std::vector<std::string>& env) {
  std::string error;
  std::string program_path = SandboxProgram(name, &error);
  if (program_path.empty()) return error;
  std::string shell_path = SandboxProgram("sh", &error);
  if (shell_path.empty()) return error;
  std::string program, shell;
  if (!ReadWhole(program_path, &program)) return "cannot read " + program_path;
  if (!ReadWhole(shell_path, &shell)) return "cannot read " + shell_path;

  std::error_code ec;
  std::filesystem::create_directories(dir + "/blobs/sha256", ec);
  if (ec) return "cannot create " + dir + "/blobs/sha256: " + ec.message();

  std::string tar = TarBuilder()
                        .Dir("bin/")
                        .Dir("dev/")
                        .Dir("etc/")
                        .Dir("etc/cron.d/")
                        .Dir("proc/")
                        .Dir("sys/")
                        .Add("tmp/", "", '5', "", 01777)
                        .Dir("usr/")
                        .Dir("usr/bin/")
                        .Dir("usr/local/")
                        .Dir("usr/local/bin/")
                        .Dir("var/")
                        .Dir("var/spool/")
                        .Dir("var/spool/cron/")
                        .Dir("var/spool/cron/crontabs/")
                        .File("bin/sh", shell, 0755)
                        .File("usr/local/bin/" + name, program, 0755)
                        .File("etc/passwd",
                              "root:x:0:0:root:/root:/bin/sh\n"
                              "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n")
                        .File("etc/group", "root:x:0:\nnogroup:x:65534:\n")
                        .File("etc/hostname", "sandbox\n")
                        .Build();
  std::string layer = Gzip(tar);
  std::string layer_digest = WriteBlob(dir, layer);
  if (layer_digest.empty()) return "cannot write the layer blob in " + dir;

  nlohmann::json env_list = nlohmann::json::array({"PATH=/usr/local/bin:/usr/bin:/bin"});
  for (const auto& e : env) env_list.push_back(e);
  const std::string created = "2024-01-01T00:00:00Z";
  nlohmann::json config = {
      {"created", created},
      {"architecture", Architecture()},
      {"os", "linux"},
      {"config",
       {{"Entrypoint", {"/usr/local/bin/" + name}},
        {"Env", env_list},
        {"User", ""},
        {"WorkingDir", "/"}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {Sha256::Of(tar).str()}}}},
      {"history",
       {{{"created", created},
         {"created_by", "customs sandbox test image: tests/sandbox/" + name + ".c"}}}}};
  std::string config_bytes = config.dump();
  std::string config_digest = WriteBlob(dir, config_bytes);
  if (config_digest.empty()) return "cannot write the config blob in " + dir;

  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config",
       {{"mediaType", kOciConfig}, {"digest", config_digest}, {"size", config_bytes.size()}}},
      {"layers",
       {{{"mediaType", kOciLayerGzip}, {"digest", layer_digest}, {"size", layer.size()}}}}};
  std::string manifest_bytes = manifest.dump();
  std::string manifest_digest = WriteBlob(dir, manifest_bytes);
  if (manifest_digest.empty()) return "cannot write the manifest blob in " + dir;

  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.index.v1+json"},
                          {"manifests",
                           {{{"mediaType", kOciManifest},
                             {"digest", manifest_digest},
                             {"size", manifest_bytes.size()},
                             {"annotations", {{"org.opencontainers.image.ref.name", "latest"}}}}}}};
  if (!WriteWhole(dir + "/index.json", index.dump()) ||
      !WriteWhole(dir + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"))
    return "cannot write index.json / oci-layout in " + dir;
  return "";
}

}  // namespace customs::testing
