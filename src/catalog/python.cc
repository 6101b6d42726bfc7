#include "catalog/python.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "model/purl.h"

namespace customs::catalog {
namespace {

// The components of `path`, last first: Tail("a/b/c", 0) == "c",
// Tail("a/b/c", 1) == "b"; "" past the root.
std::string_view Tail(std::string_view path, size_t n) {
  size_t end = path.size();
  // Each iteration either returns or moves `end` left past one '/'.
  while (true) {
    size_t slash = end == 0 ? std::string_view::npos : path.rfind('/', end - 1);
    size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    if (n == 0) return path.substr(begin, end - begin);
    if (slash == std::string_view::npos) return {};
    end = slash;
    --n;
  }
}

bool IsPackagesDir(std::string_view name) {
  return name == "site-packages" || name == "dist-packages";
}

bool EndsWithNonEmpty(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.ends_with(suffix);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A header value worth keeping: non-empty, one line, no control characters.
bool IsPlainValue(std::string_view s) { return !s.empty() && !ContainsControlChars(s); }

struct Headers {
  std::optional<std::string_view> name, version, license_expression;
  std::optional<std::string_view> license;
  bool license_multiline = false;
  std::vector<std::string_view> license_classifiers;
};

}  // namespace

std::string NormalizePythonName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out.push_back('-');
      in_run = true;
      continue;
    }
    in_run = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

Result<model::Package> ParsePythonMetadata(std::string_view text, std::string_view db_path,
                                           const PythonLimits& limits) {
  Headers h;
  // Which header a continuation line continues: only License matters.
  bool in_license = false;
  LineCursor lines(text);
  std::string_view line;
  while (lines.Next(line)) {
    if (line.empty()) break;  // end of headers; the body is the description
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_license && !Trim(line).empty()) h.license_multiline = true;
      continue;
    }
    in_license = false;
    size_t colon = line.find(':');
    // A line that is neither header nor continuation: skip it, as lenient
    // readers (Python's email parser records a defect) do.
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(key, "Name")) {
      if (!h.name) h.name = value;
    } else if (EqualsIgnoreCase(key, "Version")) {
      if (!h.version) h.version = value;
    } else if (EqualsIgnoreCase(key, "License-Expression")) {
      if (!h.license_expression) h.license_expression = value;
    } else if (EqualsIgnoreCase(key, "License")) {
      if (!h.license) {
        h.license = value;
        in_license = true;
      }
    } else if (EqualsIgnoreCase(key, "Classifier")) {
      constexpr std::string_view kPrefix = "License :: ";
      if (value.starts_with(kPrefix) &&
          h.license_classifiers.size() < limits.max_license_classifiers)
        h.license_classifiers.push_back(value);
    }
  }

  std::string where = std::string(db_path) + ": ";
  if (!h.name || !IsPlainValue(*h.name))
    return InvalidArgument(where + "no valid Name header in the " + std::to_string(lines.number()) +
                           " header lines");
  if (!h.version || !IsPlainValue(*h.version))
    return InvalidArgument(where + "package " + Printable(*h.name, 100) +
                           " has no valid Version header");

  model::Package p;
  p.type = "pypi";
  p.name = std::string(*h.name);
  p.version = std::string(*h.version);
  p.db_path = std::string(db_path);

  auto add_license = [&](std::string_view l) {
    if (!IsPlainValue(l)) return;
    if (std::find(p.licenses.begin(), p.licenses.end(), l) == p.licenses.end())
      p.licenses.emplace_back(l);
  };
  bool license_is_name = h.license && !h.license_multiline && !h.license->empty() &&
                         h.license->size() <= limits.max_license_name_bytes &&
                         *h.license != "UNKNOWN";
  if (h.license_expression && IsPlainValue(*h.license_expression)) {
    add_license(*h.license_expression);
  } else if (license_is_name) {
    add_license(*h.license);
  } else {
    for (std::string_view c : h.license_classifiers) {
      // "License :: OSI Approved :: MIT License" -> "MIT License"; the bare
      // "License :: OSI Approved" names no license.
      size_t sep = c.rfind(" :: ");
      std::string_view last = Trim(c.substr(sep + 4));
      if (last == "OSI Approved" || last.empty()) continue;
      add_license(last);
    }
  }

  model::Purl purl;
  purl.type = "pypi";
  purl.name = NormalizePythonName(p.name);
  purl.version = p.version;
  p.purl = purl.ToString();
  return p;
}

bool PythonCataloger::Wants(const layer::FileInfo& info) const {
  if (info.type != layer::FileType::kRegular) return false;
  std::string_view path = info.path;
  std::string_view base = Tail(path, 0);
  if (base == "METADATA") {
    return EndsWithNonEmpty(Tail(path, 1), ".dist-info") && IsPackagesDir(Tail(path, 2));
  }
  if (base == "PKG-INFO") {
    std::string_view parent = Tail(path, 1);
    if (EndsWithNonEmpty(parent, ".egg-info")) return IsPackagesDir(Tail(path, 2));
    return parent == "EGG-INFO" && EndsWithNonEmpty(Tail(path, 2), ".egg") &&
           IsPackagesDir(Tail(path, 3));
  }
  return EndsWithNonEmpty(base, ".egg-info") && IsPackagesDir(Tail(path, 1));
}

Status PythonCataloger::Analyze(const layer::File& file, layer::Findings& out) const {
  CUSTOMS_ASSIGN_OR_RETURN(model::Package p, ParsePythonMetadata(file.text(), file.info.path));
  out.packages.push_back(std::move(p));
  return Status::Ok();
}

}  // namespace customs::catalog
