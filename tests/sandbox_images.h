// Test images for the sandbox tests. The programs that stand in for malware
// are small static C programs in tests/sandbox/, compiled at test time with
// `gcc -static -O2` (no binaries are kept in the repository).
#pragma once

#include <string>
#include <vector>

namespace customs::testing {

// Builds an OCI image layout at `dir` (created) holding one gzip layer: a
// rootfs with the static program tests/sandbox/<name>.c at
// /usr/local/bin/<name>, the stub shell tests/sandbox/sh.c at /bin/sh,
// /etc/passwd (root and nobody), /etc/group, /etc/hostname ("sandbox"), empty
// /tmp (1777) /proc /dev /sys dirs and the empty cron dirs /etc/cron.d and
// /var/spool/cron/crontabs (so cron.c's creates meet the read-only root, not
// a missing directory), and an image config with Entrypoint
// ["/usr/local/bin/<name>"], Env ["PATH=/usr/local/bin:/usr/bin:/bin"] plus
// `env`, User "" (root), WorkingDir "/", tag "latest" (ref.name annotation)
// and one history entry. Returns "" on success, else what failed (compiler
// output included).
std::string BuildSandboxImage(const std::string& name, const std::string& dir,
                              const std::vector<std::string>& env = {});

// The image reference customs accepts for it: "oci:" + dir + ":latest".
std::string SandboxImageRef(const std::string& dir);

// Compiles tests/sandbox/<name>.c once per process (later calls reuse the
// binary) and returns the path of the static executable, or "" with *error
// set. For running a program on the host where that is safe.
std::string SandboxProgram(const std::string& name, std::string* error = nullptr);

}  // namespace customs::testing
