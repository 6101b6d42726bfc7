// Fuzzes writing a layer tar into a sandbox root filesystem: whatever the
// archive holds (climbing or absolute symlinks, whiteouts through them,
// hardlinks, opaque markers, odd types), nothing may appear or change next
// to the root, and RemoveTree must clear it again.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/stream.h"
#include "layer/walker.h"
#include "sandbox/rootfs.h"

namespace {

using namespace customs;

std::vector<std::string> List(const std::string& dir) {
  auto names = ListDirectory(dir);
  return names.ok() ? std::move(names).value() : std::vector<std::string>();
}

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "sandbox_rootfs_fuzzer: %s\n", what);
  std::abort();
}

// A per-process directory holding the root and a sentinel beside it.
struct Place {
  std::string base;
  std::string sentinel;
  Place() {
    std::string tmpl = "/tmp/customs-rootfs-fuzz-XXXXXX";
    Check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    base = tmpl;
    sentinel = base + "/sentinel";
    Check(::mkdir(sentinel.c_str(), 0755) == 0, "mkdir sentinel");
    FILE* f = std::fopen((sentinel + "/keep").c_str(), "w");
    Check(f != nullptr, "create sentinel file");
    std::fputs("sentinel", f);
    std::fclose(f);
  }
  ~Place() { (void)sandbox::RemoveTree(base); }
};

void Apply(sandbox::RootfsWriter& writer, const std::string& tar, const std::string& what) {
  Limits limits;
  limits.max_layer_expanded_bytes = 4u << 20;
  limits.max_layer_entries = 1000;
  MemoryStream stream(tar);
  layer::TarEntryReader entries(stream, limits, what);
  (void)writer.ApplyLayer(entries, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Place place;
  std::string root = place.base + "/root";
  std::string tar(reinterpret_cast<const char*>(data), size);
  {
    sandbox::RootfsOptions options;
    options.uid_base = ::geteuid() == 0 ? 100000 : ::getuid();
    options.max_bytes = 1u << 20;
    options.max_entries = 1000;
    auto writer = sandbox::RootfsWriter::Create(root, options);
    Check(writer.ok(), "cannot create the root");
    // Twice: the second pass replaces what the first wrote.
    Apply(**writer, tar, "layer 1");
    Apply(**writer, tar, "layer 2");
    (void)(*writer)->ReadFile("/etc/passwd", 4096);
    (void)(*writer)->MakeDirectory("/proc");
  }
  Check(sandbox::RemoveTree(root).ok(), "RemoveTree failed");
  Check(List(place.base) == std::vector<std::string>{"sentinel"},
        "something appeared next to the root");
  Check(List(place.sentinel) == std::vector<std::string>{"keep"}, "the sentinel changed");
  struct stat st {};
  Check(::lstat((place.sentinel + "/keep").c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_size == 8 && st.st_nlink == 1,
        "the sentinel file changed");
  return 0;
}
