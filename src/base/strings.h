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
// Walks text line by line ("\n" or "\r\n"; a last line without newline
// counts), numbering lines from 1. Every call consumes at least one byte.
//   LineCursor lines(text);
//   for (std::string_view line; lines.Next(line);) use(lines.number(), line);
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  bool Next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) nl = text_.size();
    line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  }
  size_t number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t number_ = 0;
};

bool ContainsControlChars(std::string_view s);
// For error messages: at most `max` bytes, control characters escaped.
std::string Printable(std::string_view s, size_t max = 200);

}  // namespace customs
