// Every bound customs puts on untrusted input, in one place, with the reason
// for its value. Parsers take a `Limits` so users and tests can change them;
// the constants are the defaults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace customs {

// JSON documents of an image (index.json, manifest, config). Real configs of
// images with long histories reach a few hundred KiB; 16 MiB is far above any
// seen while still refusing a document built to exhaust memory.
inline constexpr size_t kMaxImageJsonBytes = 16u << 20;
// JSON nesting depth: manifests nest 4 deep, configs 5; 64 leaves room for
// tools' annotations while stopping stack-exhausting inputs.
inline constexpr size_t kMaxJsonDepth = 64;
// Layers in one image: Docker's overlay2 refuses more than 128 lower dirs.
inline constexpr size_t kMaxLayers = 512;
// Manifests in one index (multi-platform images list ~10-30).
inline constexpr size_t kMaxIndexEntries = 4096;
// Index nesting (an index may point to an index).
inline constexpr size_t kMaxIndexDepth = 4;

// Tar: one header's PAX record block, long name, long link.
inline constexpr size_t kMaxTarExtendedHeaderBytes = 1u << 20;
inline constexpr size_t kMaxPathBytes = 4096;  // Linux PATH_MAX
// Path components: PATH_MAX/2 at most for "a/a/a/..."; 1024 is plenty.
inline constexpr size_t kMaxPathDepth = 1024;
// Symlink hops while resolving one path (Linux gives up after 40).
inline constexpr size_t kMaxSymlinkHops = 40;

// Decompression bombs: total bytes one layer may expand to, and the ratio of
// expanded to compressed bytes. Real layers compress 2-10x; gzip's maximum
// honest ratio is about 1032:1, zstd's higher, so 2000:1 only stops bombs.
inline constexpr uint64_t kMaxLayerExpandedBytes = 64ull << 30;
inline constexpr uint64_t kMaxExpansionRatio = 2000;
// The ratio is checked only after this many expanded bytes, so that small
// streams of zeros (empty layers, sparse files) pass.
inline constexpr uint64_t kRatioCheckAfterBytes = 64ull << 20;
// Entries in one layer: a full Debian with docs has ~50k; 10M stops a tar of
// empty headers that would otherwise grow the file list without end.
inline constexpr uint64_t kMaxLayerEntries = 10'000'000;

// Files an analyzer may ask to hold in memory. Package databases are the big
// ones: an rpmdb of a full Fedora is ~100 MiB (BDB), a dpkg status ~5 MiB.
inline constexpr size_t kMaxPackageDbBytes = 256u << 20;
inline constexpr size_t kMaxSmallFileBytes = 1u << 20;  // os-release, lists
// Packages in one database: a full distro has ~60k available, ~5k installed.
inline constexpr size_t kMaxPackagesPerDb = 200'000;
// Fields per package record (dpkg stanza lines, apk lines, rpm header tags).
inline constexpr size_t kMaxRecordFields = 1'000'000;

// The bounds one scan runs with; defaults are the constants above. Users
// change the decompression ones with --max-layer-bytes and friends.
struct Limits {
  uint64_t max_layer_expanded_bytes = kMaxLayerExpandedBytes;
  uint64_t max_expansion_ratio = kMaxExpansionRatio;
  uint64_t max_layer_entries = kMaxLayerEntries;
  size_t max_package_db_bytes = kMaxPackageDbBytes;
};

}  // namespace customs
