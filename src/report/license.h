// SPDX license expressions (SPDX 2.3 Annex D) as the SBOM reporters need
// them: recognising a package database's license string as a valid
// expression over known SPDX identifiers, and building LicenseRef ids for the
// strings that are not.
//
// Pure and bounded: the input is untrusted text from package databases.
//
//   CanonicalSpdxExpression("gpl-2.0-or-later OR mit")
//       -> "GPL-2.0-or-later OR MIT"
//   CanonicalSpdxExpression("GPL-2+ and BSD") -> nullopt (Debian short names)
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace customs::report {

// Longest license string treated as a possible expression; longer ones are
// free text (a whole license file pasted into a field), never an expression.
inline constexpr size_t kMaxLicenseExpressionBytes = 1024;
// Parenthesis nesting allowed in one expression; real ones nest 2-3 deep.
inline constexpr size_t kMaxLicenseExpressionDepth = 16;

// When `text` is a valid SPDX license expression whose license and exception
// ids are all on the SPDX lists known here (ids match case-insensitively),
// returns it with canonical id case and single spaces between tokens.
// LicenseRef-/DocumentRef- references are accepted as they are. Operators
// must be upper case (AND, OR, WITH), as the SPDX spec writes them.
std::optional<std::string> CanonicalSpdxExpression(std::string_view text);

// Characters allowed in an SPDX idstring ("SPDXRef-<idstring>",
// "LicenseRef-<idstring>"): letters, digits, '.' and '-'. Every other byte
// becomes '-', runs of '-' collapse, leading and trailing '-' are dropped;
// an empty result becomes "unknown".
std::string SpdxIdString(std::string_view text);

// The declared licenses of one package as one SPDX expression, for SPDX
// licenseDeclared and CycloneDX. Each string that is a valid expression is
// kept (parenthesised when compound); every other string becomes a
// LicenseRef (recorded in `refs`). Several strings are joined with AND.
struct LicenseRef {
  std::string id;    // "LicenseRef-GPL-2-and-BSD"
  std::string text;  // the original string
};
class LicenseRefTable {
 public:
  // The LicenseRef id for `text`, allocating a new one on first use. Ids
  // are unique per distinct text, ignoring case as SPDX does; a clash after
  // sanitising gets "-2", "-3"...
  std::string IdFor(const std::string& text);
  // In the order of first use.
  const std::vector<LicenseRef>& refs() const { return refs_; }

 private:
  std::vector<LicenseRef> refs_;
  std::map<std::string, size_t> by_text_;
  std::set<std::string> ids_;
};

// Returns "" when `licenses` is empty. `refs` may be null: then any
// non-SPDX string makes the whole result "" (callers fall back to names).
std::string DeclaredLicenseExpression(const std::vector<std::string>& licenses,
                                      LicenseRefTable* refs);

}  // namespace customs::report
