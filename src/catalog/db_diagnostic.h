// The diagnostic a cataloger records for a bad record in a package database
// or lockfile, shared so that every parser words and bounds it the same way.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/package.h"

namespace customs::catalog {

// Appends a "bad-package-db" diagnostic about `db_path` ("<db_path>:
// <message>") unless `out` already holds `max` diagnostics, so a hostile
// file cannot grow the list without bound.
void AddDbDiagnostic(std::vector<model::Diagnostic>& out, size_t max, std::string_view db_path,
                     model::DiagnosticSeverity severity, std::string message);

}  // namespace customs::catalog
