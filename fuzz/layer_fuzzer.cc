// Fuzzes the whole one-pass layer walk: magic-byte decompression (gzip,
// zstd, none), the tar reader, name normalisation, whiteouts, and every OS
// cataloger on whatever files the input contains.
#include <cstdint>
#include <string>

#include "catalog/catalogers.h"
#include "layer/decompress.h"
#include "layer/merge.h"
#include "layer/walker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace customs;
  static const auto analyzers = catalog::OsCatalogers();
  std::vector<const layer::Analyzer*> list;
  for (const auto& a : analyzers) list.push_back(a.get());
  Limits limits;
  limits.max_layer_expanded_bytes = 64u << 20;
  limits.max_layer_entries = 100000;
  auto stream = layer::OpenDecompressed(
      std::make_unique<MemoryStream>(std::string(reinterpret_cast<const char*>(data), size)),
      limits, "fuzz");
  if (!stream.ok()) return 0;
  layer::TarEntryReader entries(**stream, limits, "fuzz");
  auto result = layer::WalkLayer(entries, list, "sha256:fuzz");
  if (!result.ok()) return 0;
  auto merged = layer::Merge({&*result, &*result});
  for (const auto& [path, node] : merged.tree.nodes()) (void)merged.tree.Resolve(std::string(path));
  return 0;
}
