#include "report/text.h"

#include <algorithm>
#include <cstdio>

namespace customs::report {

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string Cell(std::string_view s, size_t max) {
  std::string out;
  size_t points = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80 && ++points > max) {
      out += "...";
      break;
    }
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  return out.empty() ? "-" : out;
}

void AppendRows(const std::vector<Row>& rows, std::string& out, const std::vector<size_t>& right) {
  std::vector<size_t> width(rows.empty() ? 0 : rows.front().size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], CodePoints(row[c]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      size_t pad = width[c] - CodePoints(row[c]);
      bool align_right = std::find(right.begin(), right.end(), c) != right.end();
      if (align_right) line.append(pad, ' ');
      line += row[c];
      if (!align_right && c + 1 < row.size()) line.append(pad, ' ');
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
}

std::string Format(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

}  // namespace customs::report
