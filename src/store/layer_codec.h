// A compact, versioned binary form of one layer's analysis result, for the
// per-layer cache (DESIGN.md rule 2). Pure: bytes in, values out, no IO.
//
// Format: the magic "CUSTOMSLR", the format version as a varint, then the
// fields of layer::LayerResult in declaration order: unsigned integers as
// LEB128 varints, signed ones zig-zag encoded, enums as their value,
// strings and lists as a varint length or count followed by the items, an
// optional as a 0/1 byte and the value. Nothing trails the last field.
// Compression is the cache's business, not the codec's.
//
//   std::string bytes = EncodeLayerResult(result);
//   CUSTOMS_ASSIGN_OR_RETURN(layer::LayerResult back, DecodeLayerResult(bytes, limits));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/limits.h"
#include "base/status.h"
#include "layer/walker.h"

namespace customs::store {

// Bumped on any change of the encoding or of the encoded structs (a field
// added, removed or reordered, an enumerator added). Entries of another
// version do not decode; the cache treats them as misses.
inline constexpr uint32_t kLayerCodecVersion = 1;

inline constexpr std::string_view kLayerCodecMagic = "CUSTOMSLR";

std::string EncodeLayerResult(const layer::LayerResult& result);

// Decodes what EncodeLayerResult wrote. Unimplemented "cache entry format
// N, expected M" for another format version; DataLoss naming the offset for
// bad magic, truncation, an out-of-range enum or integer, an unsorted or
// duplicate map key, or trailing bytes; ResourceExhausted naming the limit
// when a list or a string is longer than `limits` allow. Everything in a
// result comes from the layer's entries or from one file an analyzer read,
// so any list (files, packages, a package's files) and the entry count are
// bounded by limits.max_layer_entries; any string by
// limits.max_package_db_bytes (or a tar header's kMaxTarExtendedHeaderBytes,
// for link targets, when that is larger). Every list item takes at least
// one byte, so no count can make the decoder allocate ahead of the input.
Result<layer::LayerResult> DecodeLayerResult(std::string_view bytes, const Limits& limits);

// True when every field of `a` and `b` is equal (the layer structs have no
// operator==): what a round trip through the codec must preserve.
bool LayerResultsEqual(const layer::LayerResult& a, const layer::LayerResult& b);

}  // namespace customs::store
