#include "catalog/db_diagnostic.h"

namespace customs::catalog {

void AddDbDiagnostic(std::vector<model::Diagnostic>& out, size_t max, std::string_view db_path,
                     model::DiagnosticSeverity severity, std::string message) {
  if (out.size() >= max) return;
  model::Diagnostic d;
  d.severity = severity;
  d.code = "bad-package-db";
  d.path = std::string(db_path);
  d.message = std::string(db_path) + ": " + std::move(message);
  out.push_back(std::move(d));
}

}  // namespace customs::catalog
