// Alpine secdb (and the Wolfi / Chainguard feeds in the same format), JSON or
// YAML.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "vuln/feeds.h"

namespace customs::vuln {

namespace {

// Secfix entries per package line are a handful; a line with more tokens than
// this is prose, and prose after the ids is ignored anyway.
constexpr size_t kMaxTokensPerEntry = 64;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

bool AllIdChars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

// "CVE-2019-1234", also "CVE_2019-1234" and with a suffix the secdb
// maintainers added ("CVE-2017-17434-1", "CVE-2017-8073.patch"): the
// canonical CVE id, or "" when `token` is no CVE id.
std::string CanonicalCve(std::string_view token) {
  if (token.size() < 13) return "";
  std::string_view prefix = token.substr(0, 4);
  if (prefix != "CVE-" && prefix != "CVE_") return "";
  std::string_view rest = token.substr(4);
  if (rest.size() < 9 || !AllDigits(rest.substr(0, 4)) || rest[4] != '-') return "";
  size_t n = 5;
  while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
  if (n - 5 < 4) return "";
  return "CVE-" + std::string(rest.substr(0, n));
}

// Other advisory ids: GHSA-xxxx-xxxx-xxxx, XSA-123, ALPINE-13661,
// TALOS-2019-0844, ZBX-11023, wnpa-sec-2017-18: letters, then dash-separated
// parts of letters and digits, the last one with a digit.
bool LooksLikeAdvisoryId(std::string_view token) {
  if (token.size() < 5 || token.size() > 64 || !AllIdChars(token)) return false;
  if (!std::isalpha(static_cast<unsigned char>(token.front()))) return false;
  size_t dash = token.find('-');
  if (dash == std::string_view::npos || dash + 1 >= token.size()) return false;
  if (token.back() == '-' || token.find("--") != std::string_view::npos) return false;
  std::string_view last = token.substr(token.rfind('-') + 1);
  return std::any_of(last.begin(), last.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

struct EntryIds {
  std::vector<std::string> cves;
  std::vector<std::string> others;
};

// One secfixes list entry: "CVE-2018-1000156 CVE-2018-6951",
// "CVE-2019-5060 TALOS-2019-0844", "CVE-2018-16301 (was fixed in libpcap)",
// "CVE 2018-16859", "CVE-????-?????  XSA-295". Ids before the first "(".
EntryIds SplitEntry(std::string_view entry) {
  EntryIds ids;
  std::vector<std::string_view> tokens;
  size_t pos = 0;
  while (pos < entry.size() && tokens.size() < kMaxTokensPerEntry) {
    while (pos < entry.size() && std::isspace(static_cast<unsigned char>(entry[pos]))) ++pos;
    size_t start = pos;
    while (pos < entry.size() && !std::isspace(static_cast<unsigned char>(entry[pos]))) ++pos;
    if (pos > start) tokens.push_back(entry.substr(start, pos - start));
  }
  auto add = [](std::vector<std::string>& list, std::string id) {
    if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(std::move(id));
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view t = tokens[i];
    if (t.front() == '(') break;  // a comment follows
    if (t == "CVE" && i + 1 < tokens.size()) {
      std::string joined = "CVE-" + std::string(tokens[i + 1]);
      std::string cve = CanonicalCve(joined);
      if (!cve.empty()) {
        add(ids.cves, std::move(cve));
        ++i;
        continue;
      }
    }
    std::string cve = CanonicalCve(t);
    if (!cve.empty()) {
      add(ids.cves, std::move(cve));
    } else if (LooksLikeAdvisoryId(t) && t.substr(0, 4) != "CVE-") {
      add(ids.others, std::string(t));
    }
  }
  return ids;
}

Status TypeError(std::string_view what, std::string_view field, std::string_view expected) {
  return InvalidArgument(std::string(what) + ": " + std::string(field) + ": expected " +
                         std::string(expected));
}

// The ecosystem of the whole file: "Alpine:v3.10" from distroversion, else
// Wolfi or Chainguard from the repository URL.
Result<std::string> Ecosystem(const Json& doc, std::string_view what) {
  std::string version = JsonString(doc, "distroversion");
  if (!version.empty()) {
    if (ContainsControlChars(version) || version.size() > 64)
      return TypeError(what, "distroversion", "a release like \"v3.10\"");
    return "Alpine:" + version;
  }
  std::string url = JsonString(doc, "urlprefix");
  if (url.find("packages.wolfi.dev") != std::string::npos) return std::string("Wolfi");
  if (url.find(".cgr.dev") != std::string::npos) return std::string("Chainguard");
  return InvalidArgument(std::string(what) +
                         ": no \"distroversion\" and no known \"urlprefix\" to name the release");
}

// Advisories of one package, in the order their ids first appear.
struct PackageAdvisory {
  std::string id;
  std::vector<std::string> aliases;
  std::vector<std::string> fixed;  // secfix versions; "0" = not affected
};

Status ParsePackage(const Json& entry, size_t index, const std::string& ecosystem,
                    const std::string& source, std::string_view what, const AdvisorySink& sink) {
  std::string field = "packages[" + std::to_string(index) + "]";
  if (!entry.is_object()) return TypeError(what, field, "an object");
  const Json* pkg = JsonObject(entry, "pkg");
  if (pkg == nullptr) return TypeError(what, field + ".pkg", "an object");
  auto name_it = pkg->find("name");
  if (name_it == pkg->end() || !name_it->is_string() ||
      name_it->get_ref<const std::string&>().empty())
    return TypeError(what, field + ".pkg.name", "a package name");
  const std::string& name = name_it->get_ref<const std::string&>();
  field = "package " + Printable(name, 100);
  auto secfixes = pkg->find("secfixes");
  if (secfixes == pkg->end() || secfixes->is_null()) return Status::Ok();
  if (!secfixes->is_object()) return TypeError(what, field + ".secfixes", "an object");

  std::vector<PackageAdvisory> advisories;
  auto find = [&advisories](const std::string& id) -> PackageAdvisory& {
    for (auto& a : advisories)
      if (a.id == id) return a;
    advisories.push_back(PackageAdvisory{id, {}, {}});
    return advisories.back();
  };
  auto add_unique = [](std::vector<std::string>& list, const std::string& v) {
    if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
  };
  for (const auto& [version, list] : secfixes->items()) {
    if (version.empty() || ContainsControlChars(version))
      return TypeError(what, field + ".secfixes", "version keys");
    if (list.is_null()) continue;
    if (!list.is_array())
      return TypeError(what, field + ".secfixes." + Printable(version, 50), "an array");
    for (const Json& item : list) {
      if (item.is_null()) continue;
      if (!item.is_string())
        return TypeError(what, field + ".secfixes." + Printable(version, 50),
                         "an array of strings");
      EntryIds ids = SplitEntry(item.get_ref<const std::string&>());
      // CVEs are the advisories; other ids on the same line (XSA, TALOS)
      // name the same issue and become aliases. Without a CVE the first
      // other id is the advisory.
      std::vector<std::string> primary = ids.cves;
      std::vector<std::string> aliases = ids.others;
      if (primary.empty() && !aliases.empty()) {
        primary.push_back(aliases.front());
        aliases.erase(aliases.begin());
      }
      for (const std::string& id : primary) {
        PackageAdvisory& a = find(id);
        add_unique(a.fixed, version);
        for (const std::string& alias : aliases) add_unique(a.aliases, alias);
      }
    }
  }

  for (PackageAdvisory& pa : advisories) {
    Advisory advisory;
    advisory.id = std::move(pa.id);
    advisory.aliases = std::move(pa.aliases);
    advisory.source = source;
    Affected affected;
    affected.ecosystem = ecosystem;
    affected.package = name;
    for (const std::string& v : pa.fixed) {
      if (v == "0") continue;
      affected.ranges.push_back(Range{Range::Type::kEcosystem,
                                      {RangeEvent{RangeEvent::Kind::kIntroduced, "0"},
                                       RangeEvent{RangeEvent::Kind::kFixed, v}}});
    }
    // Only "0": the package was never affected. With a real fix too, the
    // fix wins (a later entry corrected the "0").
    affected.status =
        affected.ranges.empty() ? model::VulnStatus::kNotAffected : model::VulnStatus::kFixed;
    advisory.affected.push_back(std::move(affected));
    CUSTOMS_TRY(sink(std::move(advisory)));
  }
  return Status::Ok();
}

}  // namespace

Status ParseAlpineSecdb(std::string_view bytes, const AdvisorySink& sink,
                        const FeedLimits& limits) {
  std::string_view trimmed = Trim(bytes);
  bool json = !trimmed.empty() && trimmed.front() == '{';
  std::string_view what = json ? "Alpine secdb JSON" : "Alpine secdb YAML";
  Json doc;
  if (json) {
    CUSTOMS_ASSIGN_OR_RETURN(doc,
                             ParseJson(bytes, what, limits.max_document_bytes, limits.max_depth));
  } else {
    CUSTOMS_ASSIGN_OR_RETURN(doc, internal::ParseYamlAsJson(bytes, what, limits));
  }
  if (!doc.is_object()) return TypeError(what, "document", "a mapping");
  CUSTOMS_ASSIGN_OR_RETURN(std::string ecosystem, Ecosystem(doc, what));
  std::string source = ecosystem == "Wolfi"        ? "wolfi"
                       : ecosystem == "Chainguard" ? "chainguard"
                                                   : "alpine";
  auto packages = doc.find("packages");
  if (packages == doc.end() || packages->is_null()) return Status::Ok();
  if (!packages->is_array()) return TypeError(what, "packages", "an array");
  for (size_t i = 0; i < packages->size(); ++i)
    CUSTOMS_TRY(ParsePackage((*packages)[i], i, ecosystem, source, what, sink));
  return Status::Ok();
}

}  // namespace customs::vuln
