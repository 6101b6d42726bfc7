// `customs db update|import|status`: the advisory DB commands.
#pragma once

#include <CLI/CLI.hpp>

namespace customs::cli {

// Registers the `db` subcommand with `update`, `import` and `status`. Each
// runs from its CLI11 callback during app.parse() and stores its exit code
// in `exit_code` (0 success, 2 usage or input error with a one-line reason
// on stderr); `exit_code` must outlive the parse.
void AddDbCommands(CLI::App& app, int& exit_code);

}  // namespace customs::cli
