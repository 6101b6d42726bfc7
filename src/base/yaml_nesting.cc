#include "base/yaml_nesting.h"

#include <algorithm>
#include <string>

namespace customs {

Status CheckYamlNesting(std::string_view text, std::string_view what, size_t max_nesting,
                        std::string_view limit_name) {
  size_t flow = 0;
  size_t pos = 0;
  size_t number = 0;
  // Every iteration consumes at least one byte, so the loop ends.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    size_t indicators = 0;
    size_t i = indent;
    while (i < line.size() && (line[i] == '-' || line[i] == '?' || line[i] == ':') &&
           (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
      ++indicators;
      i = std::min(line.size(), i + 2);
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    }
    size_t max_flow = flow;
    for (char c : line) {
      if (c == '[' || c == '{') {
        max_flow = std::max(max_flow, ++flow);
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
    }
    size_t bound = 2 * (indent + 1) + 2 * indicators + max_flow;
    if (bound > max_nesting)
      return ResourceExhausted(std::string(what) + ": line " + std::to_string(number) +
                               ": YAML may nest deeper than " + std::to_string(max_nesting) +
                               " levels (" + std::string(limit_name) + ")");
  }
  return Status::Ok();
}

}  // namespace customs
