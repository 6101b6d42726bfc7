// Reading local files with a size bound. Impure: these touch the filesystem.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace customs {

// Reads the whole file; ResourceExhausted when it is larger than `max_bytes`.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes);
// Writes atomically (temp file in the same directory, then rename); a
// device or FIFO at `path` (-o /dev/null) is written in place instead.
// `mode` is the new file's permission bits.
Status WriteFileAtomic(const std::string& path, std::string_view content, mode_t mode = 0644);
// Creates a new directory `<dir>/<prefix>XXXXXX` (mkdtemp: 0700, a unique
// name) and returns its path.
Result<std::string> MakeTempDirectory(const std::string& dir, std::string_view prefix);
// The names in `dir` but "." and "..", sorted; ResourceExhausted when there
// are more than `max_entries`.
Result<std::vector<std::string>> ListDirectory(const std::string& dir,
                                               size_t max_entries = size_t{1} << 20);
// customs' cache directory: $XDG_CACHE_HOME/customs when XDG_CACHE_HOME is
// absolute, else ~/.cache/customs (./.cache/customs without HOME).
std::string UserCacheDir();

}  // namespace customs
