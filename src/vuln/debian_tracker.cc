// The Debian security tracker's JSON (security-tracker.debian.org/tracker/
// data/json), read one source package at a time.
#include <string>
#include <string_view>
#include <utility>

#include "base/json.h"
#include "base/strings.h"
#include "vuln/feeds.h"

namespace customs::vuln {

namespace {

// Descriptions are one line in practice; a longer one is cut (at a UTF-8
// character boundary) so that one entry cannot bloat every advisory row.
constexpr size_t kMaxSummaryBytes = 512;

// Release codename -> OSV's "Debian:<N>" version, spelled as osv.dev spells
// it ("Debian:3.0", "Debian:7", "Debian:12"). sid and experimental have no
// number and are skipped by the caller.
std::string_view ReleaseNumber(std::string_view codename) {
  static constexpr std::pair<std::string_view, std::string_view> kReleases[] = {
      {"buzz", "1.1"},    {"rex", "1.2"},     {"bo", "1.3"},    {"hamm", "2.0"},  {"slink", "2.1"},
      {"potato", "2.2"},  {"woody", "3.0"},   {"sarge", "3.1"}, {"etch", "4.0"},  {"lenny", "5.0"},
      {"squeeze", "6.0"}, {"wheezy", "7"},    {"jessie", "8"},  {"stretch", "9"}, {"buster", "10"},
      {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},  {"duke", "15"},
  };
  for (const auto& [name, number] : kReleases)
    if (name == codename) return number;
  return {};
}

std::string Summary(std::string_view description) {
  size_t nl = description.find('\n');
  if (nl != std::string_view::npos) description = description.substr(0, nl);
  if (description.size() > kMaxSummaryBytes) {
    size_t cut = kMaxSummaryBytes;
    // Back up over UTF-8 continuation bytes so a character is not split.
    while (cut > 0 && (static_cast<unsigned char>(description[cut]) & 0xC0) == 0x80) --cut;
    description = description.substr(0, cut);
  }
  return std::string(Trim(description));
}

// "high**" (the tracker's mark for a rating not yet reviewed) -> "high".
std::string Urgency(std::string_view urgency) {
  while (!urgency.empty() && urgency.back() == '*') urgency.remove_suffix(1);
  return std::string(Trim(urgency));
}

Status TypeError(std::string_view package, std::string_view cve, std::string_view field,
                 std::string_view expected) {
  std::string where = "Debian tracker: package " + Printable(package, 100);
  if (!cve.empty()) where += ", " + Printable(cve, 100);
  return InvalidArgument(where + ": " + std::string(field) + ": expected " + std::string(expected));
}

// A string member, "" when absent or null; TypeError for another type.
Status StringField(const Json& obj, std::string_view key, std::string_view package,
                   std::string_view cve, std::string& out) {
  out.clear();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return TypeError(package, cve, key, "a string");
  out = it->get<std::string>();
  return Status::Ok();
}

// One release entry -> an Affected, or nothing (undetermined, unknown).
Status ParseRelease(std::string_view package, std::string_view cve, std::string_view codename,
                    const Json& release, Advisory& advisory) {
  std::string_view number = ReleaseNumber(codename);
  if (number.empty()) return Status::Ok();
  std::string field = "releases." + Printable(codename, 50);
  if (!release.is_object()) return TypeError(package, cve, field, "an object");
  std::string status, fixed, urgency, nodsa_reason;
  CUSTOMS_TRY(StringField(release, "status", package, cve, status));
  CUSTOMS_TRY(StringField(release, "fixed_version", package, cve, fixed));
  CUSTOMS_TRY(StringField(release, "urgency", package, cve, urgency));
  CUSTOMS_TRY(StringField(release, "nodsa_reason", package, cve, nodsa_reason));

  Affected affected;
  affected.ecosystem = "Debian:" + std::string(number);
  affected.package = std::string(package);
  affected.distro_severity = Urgency(urgency);
  if (status == "resolved") {
    if (fixed.empty()) return Status::Ok();  // resolved without a version says nothing
    if (fixed == "0") {
      affected.status = model::VulnStatus::kNotAffected;
    } else {
      affected.status = model::VulnStatus::kFixed;
      affected.ranges.push_back(Range{Range::Type::kEcosystem,
                                      {RangeEvent{RangeEvent::Kind::kIntroduced, "0"},
                                       RangeEvent{RangeEvent::Kind::kFixed, fixed}}});
    }
  } else if (status == "open") {
    if (nodsa_reason == "ignored") {
      affected.status = model::VulnStatus::kWillNotFix;
    } else if (nodsa_reason == "postponed") {
      affected.status = model::VulnStatus::kDeferred;
    } else {
      affected.status = model::VulnStatus::kAffected;
    }
    affected.ranges.push_back(
        Range{Range::Type::kEcosystem, {RangeEvent{RangeEvent::Kind::kIntroduced, "0"}}});
  } else {
    return Status::Ok();  // "undetermined", or a status this parser does not know
  }
  advisory.affected.push_back(std::move(affected));
  return Status::Ok();
}

Status ParsePackage(std::string_view package, const Json& cves, const AdvisorySink& sink) {
  if (package.empty()) return InvalidArgument("Debian tracker: empty package name");
  if (!cves.is_object()) return TypeError(package, "", "value", "an object of CVE entries");
  for (const auto& [cve, entry] : cves.items()) {
    if (cve.empty()) return TypeError(package, "", "key", "a CVE or TEMP- id");
    if (!entry.is_object()) return TypeError(package, cve, "value", "an object");
    Advisory advisory;
    advisory.id = cve;
    advisory.source = "debian";
    std::string description;
    CUSTOMS_TRY(StringField(entry, "description", package, cve, description));
    advisory.summary = Summary(description);
    auto releases = entry.find("releases");
    if (releases != entry.end() && !releases->is_null()) {
      // The tracker (a Python dict dumped as JSON) writes an empty mapping
      // as [] for some entries.
      if (releases->is_array()) {
        if (!releases->empty()) return TypeError(package, cve, "releases", "an object");
      } else if (!releases->is_object()) {
        return TypeError(package, cve, "releases", "an object");
      } else {
        for (const auto& [codename, release] : releases->items())
          CUSTOMS_TRY(ParseRelease(package, cve, codename, release, advisory));
      }
    }
    // Only sid, undetermined or nothing: no release to match against.
    if (advisory.affected.empty()) continue;
    CUSTOMS_TRY(sink(std::move(advisory)));
  }
  return Status::Ok();
}

}  // namespace

Status ParseDebianTracker(std::string_view bytes, const AdvisorySink& sink,
                          const FeedLimits& limits) {
  return ParseJsonObjectMembers(
      bytes, "Debian tracker JSON",
      [&sink](std::string_view package, Json& cves) { return ParsePackage(package, cves, sink); },
      limits.max_document_bytes, limits.max_depth);
}

}  // namespace customs::vuln
