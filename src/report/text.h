// Plain-text tables for the terminal, shared by the scan and census tables.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace customs::report {

using Row = std::vector<std::string>;

// Longest cell shown by default.
inline constexpr size_t kMaxCellCodePoints = 80;

// UTF-8 code points in s (continuation bytes not counted).
size_t CodePoints(std::string_view s);

// Untrusted text made safe for a terminal: control bytes (escape sequences,
// newlines) become '?', and the value is cut with "..." after `max` code
// points so one odd value cannot push every other column off the screen.
// "-" for an empty value.
std::string Cell(std::string_view s, size_t max = kMaxCellCodePoints);

// `value` printed with a printf format for one double ("%.1f").
std::string Format(const char* format, double value);

// Rows of equal length, columns padded to their widest cell plus two
// spaces; the columns listed in `right` are right-aligned (numbers).
void AppendRows(const std::vector<Row>& rows, std::string& out,
                const std::vector<size_t>& right = {});

}  // namespace customs::report
