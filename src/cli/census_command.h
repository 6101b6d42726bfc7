// `customs census REGISTRY`: scan every repository and tag of a registry
// and print the study tables (scan/census.h, report/census.h).
#pragma once

#include <CLI/CLI.hpp>

namespace customs::cli {

// Registers the `census` subcommand; like the db and cache commands it
// runs from its CLI11 callback and stores its exit code in `exit_code`:
// 0 for a finished census (even with broken images), 2 for usage, registry,
// advisory DB or store errors.
void AddCensusCommand(CLI::App& app, int& exit_code);

}  // namespace customs::cli
