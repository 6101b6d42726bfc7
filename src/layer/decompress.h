// Streaming decompression of layer blobs, chosen by magic bytes: gzip
// (ISA-L), zstd (libzstd) or none (a plain tar). Expansion is bounded in
// total bytes and in ratio to the compressed input, so a decompression bomb
// stops with ResourceExhausted naming the limit.
#pragma once

#include <memory>
#include <string>

#include "base/limits.h"
#include "base/stream.h"

namespace customs::layer {

enum class Compression { kNone, kGzip, kZstd };

std::string_view CompressionName(Compression c);

// Wraps `raw` in a decompressing stream. Looks at the first bytes; bzip2 and
// xz are Unimplemented with a clear message. `what` names the blob in errors.
// Reads the first bytes of `raw` to tell its compression and replaces `raw`
// with a stream that gives them again, then the rest. Errors as above.
Result<Compression> PeekCompression(std::unique_ptr<ByteStream>& raw, const std::string& what);

Result<std::unique_ptr<ByteStream>> OpenDecompressed(std::unique_ptr<ByteStream> raw,
                                                     const Limits& limits, std::string what,
                                                     Compression* detected = nullptr);

}  // namespace customs::layer
