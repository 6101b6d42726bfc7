// `customs cache status|prune`: the layer-result and registry-blob caches.
#pragma once

#include <CLI/CLI.hpp>

namespace customs::cli {

// Registers the `cache` subcommand with `status` and `prune`; like the db
// commands, each runs from its CLI11 callback and stores its exit code in
// `exit_code`.
void AddCacheCommands(CLI::App& app, int& exit_code);

// "10GiB", "500M", "1.5G", "4096" as bytes (powers of 1024).
bool ParseByteSize(std::string_view text, uint64_t& bytes);

}  // namespace customs::cli
