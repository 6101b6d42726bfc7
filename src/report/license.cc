#include "report/license.h"

#include <cctype>
#include <unordered_map>

namespace customs::report {

namespace {

// SPDX License List identifiers, from the enumeration in CycloneDX's
// spdx.schema.json ("v1.0-3.10", tests/schemas/spdx.schema.json) plus a few
// later additions seen in distribution packages. Deprecated ids ("GPL-2.0",
// "GPL-2.0+") stay valid in SPDX 2.3 expressions and are kept.
constexpr std::string_view kLicenseIds[] = {
    "0BSD",
    "AAL",
    "ADSL",
    "AFL-1.1",
    "AFL-1.2",
    "AFL-2.0",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-1.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "AMDPLPA",
    "AML",
    "AMPAS",
    "ANTLR-PD",
    "APAFML",
    "APL-1.0",
    "APSL-1.0",
    "APSL-1.1",
    "APSL-1.2",
    "APSL-2.0",
    "Abstyles",
    "Adobe-2006",
    "Adobe-Glyph",
    "Afmparse",
    "Aladdin",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-1.0-cl8",
    "Artistic-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-FreeBSD",
    "BSD-2-Clause-NetBSD",
    "BSD-2-Clause-Patent",
    "BSD-2-Clause-Views",
    "BSD-3-Clause",
    "BSD-3-Clause-Attribution",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-3-Clause-No-Nuclear-License",
    "BSD-3-Clause-No-Nuclear-License-2014",
    "BSD-3-Clause-No-Nuclear-Warranty",
    "BSD-3-Clause-Open-MPI",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSD-Protection",
    "BSD-Source-Code",
    "BSL-1.0",
    "Bahyph",
    "Barr",
    "Beerware",
    "BitTorrent-1.0",
    "BitTorrent-1.1",
    "BlueOak-1.0.0",
    "Borceux",
    "CAL-1.0",
    "CAL-1.0-Combined-Work-Exception",
    "CATOSL-1.1",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-3.0-AT",
    "CC-BY-4.0",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-1.0",
    "CC-BY-NC-ND-2.0",
    "CC-BY-NC-ND-2.5",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-3.0-IGO",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-1.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-2.5",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-1.0",
    "CC-BY-ND-2.0",
    "CC-BY-ND-2.5",
    "CC-BY-ND-3.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-1.0",
    "CC-BY-SA-2.0",
    "CC-BY-SA-2.5",
    "CC-BY-SA-3.0",
    "CC-BY-SA-3.0-AT",
    "CC-BY-SA-4.0",
    "CC-PDDC",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CDLA-Permissive-1.0",
    "CDLA-Sharing-1.0",
    "CECILL-1.0",
    "CECILL-1.1",
    "CECILL-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "CECILL-C",
    "CERN-OHL-1.1",
    "CERN-OHL-1.2",
    "CERN-OHL-P-2.0",
    "CERN-OHL-S-2.0",
    "CERN-OHL-W-2.0",
    "CNRI-Jython",
    "CNRI-Python",
    "CNRI-Python-GPL-Compatible",
    "CPAL-1.0",
    "CPL-1.0",
    "CPOL-1.02",
    "CUA-OPL-1.0",
    "Caldera",
    "ClArtistic",
    "Condor-1.1",
    "Crossword",
    "CrystalStacker",
    "Cube",
    "D-FSL-1.0",
    "DOC",
    "DSDP",
    "Dotseqn",
    "ECL-1.0",
    "ECL-2.0",
    "EFL-1.0",
    "EFL-2.0",
    "EPICS",
    "EPL-1.0",
    "EPL-2.0",
    "EUDatagrid",
    "EUPL-1.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "Entessa",
    "ErlPL-1.1",
    "Eurosym",
    "FSFAP",
    "FSFUL",
    "FSFULLR",
    "FTL",
    "Fair",
    "Frameworx-1.0",
    "FreeImage",
    "GFDL-1.1",
    "GFDL-1.1-invariants-only",
    "GFDL-1.1-invariants-or-later",
    "GFDL-1.1-no-invariants-only",
    "GFDL-1.1-no-invariants-or-later",
    "GFDL-1.1-only",
    "GFDL-1.1-or-later",
    "GFDL-1.2",
    "GFDL-1.2-invariants-only",
    "GFDL-1.2-invariants-or-later",
    "GFDL-1.2-no-invariants-only",
    "GFDL-1.2-no-invariants-or-later",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3",
    "GFDL-1.3-invariants-only",
    "GFDL-1.3-invariants-or-later",
    "GFDL-1.3-no-invariants-only",
    "GFDL-1.3-no-invariants-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GL2PS",
    "GLWTPL",
    "GPL-1.0",
    "GPL-1.0+",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-2.0-with-GCC-exception",
    "GPL-2.0-with-autoconf-exception",
    "GPL-2.0-with-bison-exception",
    "GPL-2.0-with-classpath-exception",
    "GPL-2.0-with-font-exception",
    "GPL-3.0",
    "GPL-3.0+",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "GPL-3.0-with-GCC-exception",
    "GPL-3.0-with-autoconf-exception",
    "Giftware",
    "Glide",
    "Glulxe",
    "HPND",
    "HPND-sell-variant",
    "HaskellReport",
    "Hippocratic-2.1",
    "IBM-pibs",
    "ICU",
    "IJG",
    "IPA",
    "IPL-1.0",
    "ISC",
    "ImageMagick",
    "Imlib2",
    "Info-ZIP",
    "Intel",
    "Intel-ACPI",
    "Interbase-1.0",
    "JPNIC",
    "JSON",
    "JasPer-2.0",
    "LAL-1.2",
    "LAL-1.3",
    "LGPL-2.0",
    "LGPL-2.0+",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0+",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LGPLLR",
    "LPL-1.0",
    "LPL-1.02",
    "LPPL-1.0",
    "LPPL-1.1",
    "LPPL-1.2",
    "LPPL-1.3a",
    "LPPL-1.3c",
    "Latex2e",
    "Leptonica",
    "LiLiQ-P-1.1",
    "LiLiQ-R-1.1",
    "LiLiQ-Rplus-1.1",
    "Libpng",
    "Linux-OpenIB",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-advertising",
    "MIT-enna",
    "MIT-feh",
    "MITNFA",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "MTLL",
    "MakeIndex",
    "MirOS",
    "Motosoto",
    "MulanPSL-1.0",
    "MulanPSL-2.0",
    "Multics",
    "Mup",
    "NASA-1.3",
    "NBPL-1.0",
    "NCGL-UK-2.0",
    "NCSA",
    "NGPL",
    "NIST-PD",
    "NIST-PD-fallback",
    "NLOD-1.0",
    "NLPL",
    "NOSL",
    "NPL-1.0",
    "NPL-1.1",
    "NPOSL-3.0",
    "NRL",
    "NTP",
    "NTP-0",
    "Naumen",
    "Net-SNMP",
    "NetCDF",
    "Newsletr",
    "Nokia",
    "Noweb",
    "Nunit",
    "O-UDA-1.0",
    "OCCT-PL",
    "OCLC-2.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "OFL-1.0",
    "OFL-1.0-RFN",
    "OFL-1.0-no-RFN",
    "OFL-1.1",
    "OFL-1.1-RFN",
    "OFL-1.1-no-RFN",
    "OGC-1.0",
    "OGL-Canada-2.0",
    "OGL-UK-1.0",
    "OGL-UK-2.0",
    "OGL-UK-3.0",
    "OGTSL",
    "OLDAP-1.1",
    "OLDAP-1.2",
    "OLDAP-1.3",
    "OLDAP-1.4",
    "OLDAP-2.0",
    "OLDAP-2.0.1",
    "OLDAP-2.1",
    "OLDAP-2.2",
    "OLDAP-2.2.1",
    "OLDAP-2.2.2",
    "OLDAP-2.3",
    "OLDAP-2.4",
    "OLDAP-2.5",
    "OLDAP-2.6",
    "OLDAP-2.7",
    "OLDAP-2.8",
    "OML",
    "OPL-1.0",
    "OSET-PL-2.1",
    "OSL-1.0",
    "OSL-1.1",
    "OSL-2.0",
    "OSL-2.1",
    "OSL-3.0",
    "OpenSSL",
    "PDDL-1.0",
    "PHP-3.0",
    "PHP-3.01",
    "PSF-2.0",
    "Parity-6.0.0",
    "Parity-7.0.0",
    "Plexus",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "PostgreSQL",
    "Python-2.0",
    "QPL-1.0",
    "Qhull",
    "RHeCos-1.1",
    "RPL-1.1",
    "RPL-1.5",
    "RPSL-1.0",
    "RSA-MD",
    "RSCPL",
    "Rdisc",
    "Ruby",
    "SAX-PD",
    "SCEA",
    "SGI-B-1.0",
    "SGI-B-1.1",
    "SGI-B-2.0",
    "SHL-0.5",
    "SHL-0.51",
    "SISSL",
    "SISSL-1.2",
    "SMLNJ",
    "SMPPL",
    "SNIA",
    "SPL-1.0",
    "SSH-OpenSSH",
    "SSH-short",
    "SSPL-1.0",
    "SWL",
    "Saxpath",
    "Sendmail",
    "Sendmail-8.23",
    "SimPL-2.0",
    "Sleepycat",
    "Spencer-86",
    "Spencer-94",
    "Spencer-99",
    "StandardML-NJ",
    "SugarCRM-1.1.3",
    "TAPR-OHL-1.0",
    "TCL",
    "TCP-wrappers",
    "TMate",
    "TORQUE-1.1",
    "TOSL",
    "TU-Berlin-1.0",
    "TU-Berlin-2.0",
    "UCL-1.0",
    "UPL-1.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unicode-TOU",
    "Unlicense",
    "VOSTROM",
    "VSL-1.0",
    "Vim",
    "W3C",
    "W3C-19980720",
    "W3C-20150513",
    "WTFPL",
    "Watcom-1.0",
    "Wsuipa",
    "X11",
    "XFree86-1.1",
    "XSkat",
    "Xerox",
    "Xnet",
    "YPL-1.0",
    "YPL-1.1",
    "ZPL-1.1",
    "ZPL-2.0",
    "ZPL-2.1",
    "Zed",
    "Zend-2.0",
    "Zimbra-1.3",
    "Zimbra-1.4",
    "Zlib",
    "blessing",
    "bzip2-1.0.5",
    "bzip2-1.0.6",
    "copyleft-next-0.3.0",
    "copyleft-next-0.3.1",
    "curl",
    "diffmark",
    "dvipdfm",
    "eCos-2.0",
    "eGenix",
    "etalab-2.0",
    "gSOAP-1.3b",
    "gnuplot",
    "iMatix",
    "libpng-2.0",
    "libselinux-1.0",
    "libtiff",
    "mpich2",
    "psfrag",
    "psutils",
    "wxWindows",
    "xinetd",
    "xpp",
    "zlib-acknowledgement",
    "Unicode-3.0",
    "MIT-Modern-Variant",
    "Python-2.0.1",
};

constexpr std::string_view kExceptionIds[] = {
    "GCC-exception-2.0",
    "openvpn-openssl-exception",
    "Nokia-Qt-exception-1.1",
    "GPL-3.0-linking-exception",
    "Fawkes-Runtime-exception",
    "u-boot-exception-2.0",
    "PS-or-PDF-font-exception-20170817",
    "gnu-javamail-exception",
    "LGPL-3.0-linking-exception",
    "DigiRule-FOSS-exception",
    "LLVM-exception",
    "Linux-syscall-note",
    "GPL-3.0-linking-source-exception",
    "Qwt-exception-1.0",
    "389-exception",
    "mif-exception",
    "eCos-exception-2.0",
    "CLISP-exception-2.0",
    "Bison-exception-2.2",
    "Libtool-exception",
    "LZMA-exception",
    "OpenJDK-assembly-exception-1.0",
    "Font-exception-2.0",
    "OCaml-LGPL-linking-exception",
    "GCC-exception-3.1",
    "Bootloader-exception",
    "SHL-2.0",
    "Classpath-exception-2.0",
    "Swift-exception",
    "Autoconf-exception-2.0",
    "FLTK-exception",
    "freertos-exception-2.0",
    "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
    "OCCT-exception-1.0",
    "Autoconf-exception-3.0",
    "i2p-gpl-java-exception",
    "GPL-CC-1.0",
    "Qt-LGPL-exception-1.1",
    "SHL-2.1",
    "Qt-GPL-exception-1.0",
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower-case id -> canonical id. Built once, on first use.
const std::unordered_map<std::string, std::string_view>& LicenseIndex() {
  static const auto index = [] {
    std::unordered_map<std::string, std::string_view> m;
    for (std::string_view id : kLicenseIds) m.emplace(Lower(id), id);
    return m;
  }();
  return index;
}

const std::unordered_map<std::string, std::string_view>& ExceptionIndex() {
  static const auto index = [] {
    std::unordered_map<std::string, std::string_view> m;
    for (std::string_view id : kExceptionIds) m.emplace(Lower(id), id);
    return m;
  }();
  return index;
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

bool IsIdString(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsIdChar(c)) return false;
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Recursive descent over the token list; appends the canonical form to out_.
//   expr   := term ("OR" term)*
//   term   := factor ("AND" factor)*
//   factor := "(" expr ")" | simple ["WITH" exception-id]
//   simple := license-id ["+"] | LicenseRef-x | DocumentRef-x:LicenseRef-y
class ExpressionParser {
 public:
  explicit ExpressionParser(std::vector<std::string_view> tokens) : tokens_(std::move(tokens)) {}

  std::optional<std::string> Parse() {
    if (tokens_.empty() || !Expr(0) || pos_ != tokens_.size()) return std::nullopt;
    return std::move(out_);
  }

 private:
  bool AtEnd() const { return pos_ >= tokens_.size(); }
  std::string_view Peek() const { return AtEnd() ? std::string_view() : tokens_[pos_]; }

  bool Expr(size_t depth) {
    if (!Term(depth)) return false;
    while (Peek() == "OR") {
      ++pos_;
      out_ += " OR ";
      if (!Term(depth)) return false;
    }
    return true;
  }

  bool Term(size_t depth) {
    if (!Factor(depth)) return false;
    while (Peek() == "AND") {
      ++pos_;
      out_ += " AND ";
      if (!Factor(depth)) return false;
    }
    return true;
  }

  bool Factor(size_t depth) {
    if (AtEnd()) return false;
    if (Peek() == "(") {
      if (depth + 1 > kMaxLicenseExpressionDepth) return false;
      ++pos_;
      out_ += "(";
      if (!Expr(depth + 1) || Peek() != ")") return false;
      ++pos_;
      out_ += ")";
      return true;
    }
    if (!Simple()) return false;
    if (Peek() == "WITH") {
      ++pos_;
      if (AtEnd()) return false;
      auto it = ExceptionIndex().find(Lower(Peek()));
      if (it == ExceptionIndex().end()) return false;
      ++pos_;
      out_ += " WITH ";
      out_ += it->second;
    }
    return true;
  }

  bool Simple() {
    std::string_view word = Peek();
    if (word.empty() || word == "(" || word == ")" || word == "AND" || word == "OR" ||
        word == "WITH")
      return false;
    ++pos_;
    if (StartsWith(word, "DocumentRef-")) {
      size_t colon = word.find(':');
      if (colon == std::string_view::npos) return false;
      std::string_view doc = word.substr(12, colon - 12);
      std::string_view ref = word.substr(colon + 1);
      if (!IsIdString(doc) || !StartsWith(ref, "LicenseRef-") || !IsIdString(ref.substr(11)))
        return false;
      out_ += word;
      return true;
    }
    if (StartsWith(word, "LicenseRef-")) {
      if (!IsIdString(word.substr(11))) return false;
      out_ += word;
      return true;
    }
    bool plus = word.back() == '+';
    if (plus) word.remove_suffix(1);
    if (!IsIdString(word)) return false;
    auto it = LicenseIndex().find(Lower(word));
    if (it == LicenseIndex().end()) return false;
    out_ += it->second;
    if (plus) out_ += '+';
    return true;
  }

  std::vector<std::string_view> tokens_;
  size_t pos_ = 0;
  std::string out_;
};

// Splits on blanks and around parentheses. Fails on bytes that cannot appear
// in an expression at all.
std::optional<std::vector<std::string_view>> Tokenize(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '(' || c == ')') {
      tokens.push_back(text.substr(i, 1));
      ++i;
    } else if (IsIdChar(c) || c == '+' || c == ':') {
      size_t start = i;
      while (i < text.size() && (IsIdChar(text[i]) || text[i] == '+' || text[i] == ':')) ++i;
      tokens.push_back(text.substr(start, i - start));
    } else {
      return std::nullopt;
    }
  }
  return tokens;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> CanonicalSpdxExpression(std::string_view text) {
  text = TrimBlanks(text);
  if (text.empty() || text.size() > kMaxLicenseExpressionBytes) return std::nullopt;
  auto tokens = Tokenize(text);
  if (!tokens) return std::nullopt;
  return ExpressionParser(std::move(*tokens)).Parse();
}

std::string SpdxIdString(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsIdChar(c) && c != '-') {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::string LicenseRefTable::IdFor(const std::string& text) {
  auto it = by_text_.find(text);
  if (it != by_text_.end()) return refs_[it->second].id;
  // Long free text would make an unwieldy id; 64 id bytes keep it readable.
  std::string base = "LicenseRef-" + SpdxIdString(std::string_view(text).substr(0, 64));
  // SPDX matches license ids case-insensitively, so uniqueness is too.
  std::string id = base;
  for (int n = 2; ids_.count(Lower(id)) != 0; ++n) id = base + "-" + std::to_string(n);
  ids_.insert(Lower(id));
  by_text_.emplace(text, refs_.size());
  refs_.push_back({id, text});
  return id;
}

std::string DeclaredLicenseExpression(const std::vector<std::string>& licenses,
                                      LicenseRefTable* refs) {
  std::vector<std::string> parts;
  for (const auto& license : licenses) {
    std::string_view trimmed = TrimBlanks(license);
    if (trimmed.empty()) continue;
    std::string part;
    if (auto canonical = CanonicalSpdxExpression(trimmed)) {
      part = std::move(*canonical);
    } else if (refs != nullptr) {
      part = refs->IdFor(std::string(trimmed));
    } else {
      return "";
    }
    bool seen = false;
    for (const auto& p : parts) seen = seen || p == part;
    if (!seen) parts.push_back(std::move(part));
  }
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += " AND ";
    bool compound = p.find(' ') != std::string::npos;
    out += compound ? "(" + p + ")" : p;
  }
  return out;
}

}  // namespace customs::report
