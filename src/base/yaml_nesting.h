// A bound on YAML nesting checked on the text, before a YAML library sees
// it: yaml-cpp recurses once per level and has no depth limit of its own, so
// a document of 100,000 '[' would exhaust the stack.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace customs {

// ResourceExhausted ("<what>: line N: YAML may nest deeper than M levels
// (<limit_name>)") when `text` might nest deeper than `max_nesting`. An upper
// bound: block collections open at most one level per indentation column
// (counted twice, for a sequence at its mapping's indentation), plus the
// compact "- " / "? " / ": " indicators at a line's start; flow brackets are
// counted everywhere, quoted or not. It may refuse odd but shallow
// documents; it never passes deep ones.
Status CheckYamlNesting(std::string_view text, std::string_view what, size_t max_nesting,
                        std::string_view limit_name);

}  // namespace customs
