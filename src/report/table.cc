// Plain-text table. Widths count UTF-8 code points, so names in other
// scripts line up as long as the terminal shows one cell per code point.
#include <algorithm>
#include <array>
#include <string_view>
#include <tuple>

#include "report/ids.h"
#include "report/report.h"

namespace customs::report {

namespace {

// Longest cell shown; longer values are cut with "..." so one odd package
// cannot push every other column off the screen.
constexpr size_t kMaxCellCodePoints = 80;

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Untrusted text made safe for a terminal: control bytes (escape sequences,
// newlines) become '?', and the value is cut at kMaxCellCodePoints.
std::string Cell(std::string_view s) {
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool starts_point = (c & 0xC0) != 0x80;
    if (starts_point && ++points > kMaxCellCodePoints) {
      out += "...";
      break;
    }
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  return out.empty() ? "-" : out;
}

using Row = std::array<std::string, 6>;

void AppendRows(const std::vector<Row>& rows, std::string& out) {
  std::array<size_t, 6> width{};
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], CodePoints(row[c]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(width[c] - CodePoints(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
}

std::string SourceCell(const model::Package& p) {
  if (p.source_name.empty()) return "";
  bool same_version = p.source_version.empty() || p.source_version == p.version;
  if (p.source_name == p.name && same_version) return "";
  return same_version ? p.source_name : p.source_name + " " + p.source_version;
}

std::string Header(const model::ScanResult& r) {
  const auto& image = r.image;
  std::vector<std::string> details;
  if (!r.os.empty()) {
    std::string os = r.os.id;
    if (!r.os.version_id.empty()) os += " " + r.os.version_id;
    details.push_back(os);
  } else {
    details.push_back("unknown OS");
  }
  std::string platform = Platform(image);
  if (!platform.empty()) details.push_back(platform);
  if (!image.manifest_digest.empty()) details.push_back(image.manifest_digest);
  std::string line = image.reference.empty() ? "(unnamed image)" : image.reference;
  line += " (";
  for (size_t i = 0; i < details.size(); ++i) line += (i ? ", " : "") + details[i];
  line += ") - " + std::to_string(r.packages.size()) +
          (r.packages.size() == 1 ? " package" : " packages");
  return line;
}

std::string ReplaceControls(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return s;
}

void AppendResult(const model::ScanResult& r, std::string& out) {
  // The header is built from untrusted strings too.
  out += ReplaceControls(Header(r)) + "\n\n";

  std::vector<const model::Package*> sorted;
  for (const auto& p : r.packages) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->name, a->version, a->arch, a->type) <
           std::tie(b->name, b->version, b->arch, b->type);
  });
  std::vector<Row> rows;
  rows.push_back({"NAME", "VERSION", "ARCH", "TYPE", "SOURCE", "LAYER"});
  for (const auto* p : sorted)
    rows.push_back({Cell(p->name), Cell(DisplayVersion(*p)), Cell(p->arch), Cell(p->type),
                    Cell(SourceCell(*p)),
                    p->layer.index >= 0 ? std::to_string(p->layer.index) : "-"});
  AppendRows(rows, out);

  if (!r.diagnostics.empty()) {
    out += "\nDiagnostics (" + std::to_string(r.diagnostics.size()) + "):\n";
    for (const auto& d : r.diagnostics) {
      std::string line = "  ";
      line += d.severity == model::DiagnosticSeverity::kError ? "error" : "warning";
      line += " " + Cell(d.code);
      if (!d.layer.empty()) line += " layer " + Cell(d.layer);
      if (!d.path.empty()) line += " " + Cell(d.path);
      // Messages may be long; only control characters are replaced.
      line += ": " + ReplaceControls(d.message);
      out += line + "\n";
    }
  }
  if (!r.complete()) {
    size_t errors = 0;
    for (const auto& d : r.diagnostics) errors += d.severity == model::DiagnosticSeverity::kError;
    out += "\nThe result is incomplete: " + std::to_string(errors) +
           (errors == 1 ? " error" : " errors") +
           " stopped parts of the scan, so packages may be missing.\n";
  }
}

}  // namespace

std::string RenderTable(const std::vector<model::ScanResult>& results) {
  std::string out;
  for (size_t i = 0; i < results.size(); ++i) {
    if (i > 0) out += "\n";
    AppendResult(results[i], out);
  }
  return out;
}

}  // namespace customs::report
