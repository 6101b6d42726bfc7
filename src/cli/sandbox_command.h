// `customs sandbox IMAGE`: run the image sealed and report what it did
// (sandbox/sandbox.h).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

namespace customs::cli {

// Registers the `sandbox` subcommand; it runs from its CLI11 callback and
// stores its exit code in `exit_code`: 0 when it ran (whatever it did), 1
// when a verdict reaches --fail-on, 2 for usage, image or host errors.
// Times in the report count from `start`.
void AddSandboxCommand(CLI::App& app, int& exit_code, std::chrono::steady_clock::time_point start);

}  // namespace customs::cli
