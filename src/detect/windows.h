// What the content detectors share about windows: a file bigger than one
// window is scanned window by window, and each rule or signature is reported
// once per file; a file seen whole carries its digest.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/digest.h"
#include "model/detection.h"

namespace customs::detect {

// Calls scan(out) for one window of the file at `path` and then drops what
// it added that an earlier window of the same file already reported (same
// rule_id). Earlier windows' detections are the last ones in `out` with that
// path.
template <typename Scan>
auto ScanWindowOnce(const std::string& path, uint64_t offset, std::vector<model::Detection>& out,
                    Scan scan) {
  size_t before = out.size();
  size_t earlier = before;
  if (offset > 0)
    while (earlier > 0 && out[earlier - 1].path == path) --earlier;
  auto status = scan(out);
  if (earlier == before) return status;
  auto seen = [&](const model::Detection& d) {
    for (size_t i = earlier; i < before; ++i)
      if (out[i].rule_id == d.rule_id) return true;
    return false;
  };
  out.erase(std::remove_if(out.begin() + static_cast<ptrdiff_t>(before), out.end(), seen),
            out.end());
  return status;
}

// "sha256:…" of the bytes when they are the whole file (offset 0, last
// window), for hash allow-lists; "" otherwise.
inline std::string WholeFileDigest(std::span<const uint8_t> data, uint64_t offset, bool last) {
  if (offset != 0 || !last) return "";
  return Sha256::Of(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()))
      .str();
}

}  // namespace customs::detect
