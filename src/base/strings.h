// Small string helpers used by the parsers. Pure; no allocation beyond the
// returned values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace customs {

std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
// Splits on `sep`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);
// Lines without their "\n" or "\r\n"; a final line without newline counts.
std::vector<std::string_view> SplitLines(std::string_view s);
bool ContainsControlChars(std::string_view s);
// For error messages: at most `max` bytes, control characters escaped.
std::string Printable(std::string_view s, size_t max = 200);

}  // namespace customs
