#include "vuln/matcher.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "vuln/cvss.h"
#include "vuln/version.h"

namespace customs::vuln {
namespace {

using model::Severity;
using model::VulnStatus;

// At most this many "cannot compare" warnings per scan: one bad ecosystem
// must not bury the report.
constexpr size_t kMaxMatchDiagnostics = 100;
// References kept per finding: the advisory's first ones (the advisory
// itself, the fix) are the useful ones; records list up to hundreds.
constexpr size_t kMaxReferences = 20;

bool IsOsType(std::string_view type) { return type == "deb" || type == "apk" || type == "rpm"; }

std::string MajorVersion(std::string_view v) { return std::string(v.substr(0, v.find('.'))); }

std::string DebianRelease(const model::OsInfo& os) {
  if (!os.version_id.empty()) return MajorVersion(os.version_id);
  static const std::map<std::string_view, std::string_view> kCodenames = {
      {"jessie", "8"},    {"stretch", "9"}, {"buster", "10"}, {"bullseye", "11"},
      {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},  {"duke", "15"}};
  auto it = kCodenames.find(os.version_codename);
  return it == kCodenames.end() ? std::string() : std::string(it->second);
}

// The severity a distro's own rating stands for (Debian urgency; vunnel's
// mapping: unimportant is negligible, "**" guesses count as given).
std::optional<Severity> DistroSeverity(std::string_view rating) {
  if (rating == "unimportant" || rating == "negligible") return Severity::kNegligible;
  if (rating == "low") return Severity::kLow;
  if (rating == "medium") return Severity::kMedium;
  if (rating == "high") return Severity::kHigh;
  if (rating == "critical") return Severity::kCritical;
  return std::nullopt;  // "not yet assigned", "end-of-life", ""
}

// The version an advisory of this package's data speaks about.
std::string ComparedVersion(const model::Package& p) {
  if (p.type == "deb") return p.source_version.empty() ? p.version : p.source_version;
  if (p.type == "rpm" && p.epoch && *p.epoch != 0)
    return std::to_string(*p.epoch) + ":" + p.version;
  return p.version;
}

// "group:artifact" for Maven, from the purl the cataloger wrote
// (pkg:maven/<group>/<artifact>@<version>).
std::string MavenName(const model::Package& p) {
  std::string_view purl = p.purl;
  constexpr std::string_view kPrefix = "pkg:maven/";
  if (!purl.starts_with(kPrefix)) return p.name;
  purl.remove_prefix(kPrefix.size());
  purl = purl.substr(0, purl.find_first_of("@?#"));
  size_t slash = purl.rfind('/');
  if (slash == std::string_view::npos) return p.name;
  return std::string(purl.substr(0, slash)) + ":" + std::string(purl.substr(slash + 1));
}

bool IsKernelPackage(const model::Package& p) {
  std::string_view src = p.source_name.empty() ? std::string_view(p.name) : p.source_name;
  return src == "linux" || src.starts_with("linux-signed") || src == "linux-lts" ||
         p.name == "linux-libc-dev" || p.name.starts_with("linux-headers");
}

// One advisory entry that says the package is affected. It points into
// the matcher's cached records, which outlive it.
struct Hit {
  std::string_view vuln_id;
  std::string_view source;
  std::string_view ecosystem;
  VulnStatus status = VulnStatus::kAffected;
  std::vector<std::string_view> fixed;
  std::string_view distro_severity;
};

// OSV range evaluation (ossf.github.io/osv-schema, "Evaluation") needs a
// range's events sorted by version, "introduced 0" first. Sorts them in
// place, once per cached range ("limit" events, which only GIT ranges use,
// go last); an error when two do not compare (the range is then not
// evaluated).
Status SortEvents(Range& range, VersionScheme scheme) {
  auto& events = range.events;
  auto end = std::stable_partition(events.begin(), events.end(), [](const RangeEvent& e) {
    return e.kind != RangeEvent::Kind::kLimit;
  });
  Status error;
  auto key_less = [&](const RangeEvent& a, const RangeEvent& b) {
    bool a0 = a.kind == RangeEvent::Kind::kIntroduced && a.version == "0";
    bool b0 = b.kind == RangeEvent::Kind::kIntroduced && b.version == "0";
    if (a0 || b0) return a0 && !b0;
    auto c = CompareVersions(scheme, a.version, b.version);
    if (!c.ok()) {
      if (error.ok()) error = c.status();
      return false;
    }
    return *c < 0;
  };
  // Sources list events in order almost always; check before sorting.
  if (!std::is_sorted(events.begin(), end, key_less) && error.ok())
    std::stable_sort(events.begin(), end, key_less);
  return error;
}

// Whether `version` is inside `range`, whose events SortEvents sorted, and
// the fixed versions above it: introduced opens, fixed and last_affected
// close.
Result<bool> InRange(const Range& range, VersionScheme scheme, std::string_view version,
                     std::vector<std::string_view>& fixed) {
  const auto& events = range.events;
  bool affected = false;
  size_t first_fix_above = events.size();  // the smallest fixed event above `version`
  for (size_t k = 0; k < events.size(); ++k) {
    const RangeEvent& e = events[k];
    if (e.kind == RangeEvent::Kind::kLimit) break;  // sorted last
    int c = 1;
    if (!(e.kind == RangeEvent::Kind::kIntroduced && e.version == "0")) {
      CUSTOMS_ASSIGN_OR_RETURN(c, CompareVersions(scheme, version, e.version));
    }
    switch (e.kind) {
      case RangeEvent::Kind::kIntroduced:
        if (c >= 0) affected = true;
        break;
      case RangeEvent::Kind::kFixed:
        if (c >= 0) affected = false;
        if (c < 0 && first_fix_above == events.size()) first_fix_above = k;
        break;
      case RangeEvent::Kind::kLastAffected:
        if (c > 0) affected = false;
        break;
      case RangeEvent::Kind::kLimit:
        break;
    }
  }
  // Events are sorted: the first fix above is the upgrade.
  if (affected && first_fix_above < events.size()) fixed.push_back(events[first_fix_above].version);
  return affected;
}

std::string RangeText(const Range& range) {
  std::string out;
  for (const auto& e : range.events) {
    if (!out.empty()) out += ", ";
    switch (e.kind) {
      case RangeEvent::Kind::kIntroduced:
        out += "introduced " + e.version;
        break;
      case RangeEvent::Kind::kFixed:
        out += "fixed " + e.version;
        break;
      case RangeEvent::Kind::kLastAffected:
        out += "last_affected " + e.version;
        break;
      case RangeEvent::Kind::kLimit:
        out += "limit " + e.version;
        break;
    }
  }
  return "[" + out + "]";
}

// The rules a range's versions compare by; none for GIT ranges and
// ecosystems without rules.
std::optional<VersionScheme> RangeScheme(std::string_view eco, const Range& range) {
  auto scheme = SchemeForEcosystem(eco);
  if (range.type == Range::Type::kGit || !scheme) return std::nullopt;
  if (range.type == Range::Type::kSemver && *scheme != VersionScheme::kGo)
    return VersionScheme::kSemver;
  return scheme;
}

class Matcher {
 public:
  Matcher(const AdvisoryDb& db, const MatchOptions& options, MatchOutput& out)
      : db_(db), options_(options), out_(out) {}

  Status MatchOne(size_t index, const model::Package& p, const std::vector<std::string>& distro) {
    std::vector<std::string> ecosystems;
    std::string key = p.name;
    if (IsOsType(p.type)) {
      if (!p.source_name.empty() && p.type != "rpm") key = p.source_name;
      if (!options_.match_kernel_headers && IsKernelPackage(p)) {
        for (const auto& eco : distro)
          CUSTOMS_TRY(ExplainSkipped(p, eco, key,
                                     "kernel package " + p.name +
                                         " not matched: kernel CVEs describe the host kernel "
                                         "(--match-kernel-headers to match)"));
        return Status::Ok();
      }
      ecosystems = distro;
    } else {
      std::string_view eco = LanguageEcosystem(p.type);
      if (eco.empty()) return Status::Ok();
      ecosystems = {std::string(eco)};
      if (p.type == "maven") key = MavenName(p);
      if (!p.owner.empty())
        return ExplainSkipped(p, ecosystems[0], key,
                              p.type + " " + p.name + " " + p.version + " at " + p.db_path +
                                  " was installed by " + p.owner +
                                  ": matched through that OS package's distro data, not "
                                  "upstream");
    }
    std::string version = ComparedVersion(p);
    if (version.empty() || version == "(devel)") return Status::Ok();

    // The same package version often sits in many places (one npm package
    // in several node_modules, Go's stdlib in every binary): match it once
    // and stamp the outcome onto each copy.
    // The outcome is emitted straight into the output the first time and
    // copied from there for the next copies.
    std::string memo_key = p.type + '\n' + key + '\n' + version;
    auto memo = outcomes_.find(memo_key);
    if (memo != outcomes_.end() && options_.explain_id.empty()) {
      for (size_t i = memo->second.first_vulnerability; i < memo->second.end_vulnerability; ++i) {
        model::Vulnerability v = out_.vulnerabilities[i];
        Stamp(index, p, v);
        out_.vulnerabilities.push_back(std::move(v));
      }
      for (size_t i = memo->second.first_detection; i < memo->second.end_detection; ++i) {
        model::Detection d = out_.detections[i];
        Stamp(p, d);
        out_.detections.push_back(std::move(d));
      }
      return Status::Ok();
    }
    std::vector<Hit> hits;
    for (const auto& eco : ecosystems) {
      CUSTOMS_ASSIGN_OR_RETURN(const std::vector<AffectedRecord>* records, FindAffected(eco, key));
      for (const auto& rec : *records) CUSTOMS_TRY(Evaluate(p, eco, key, version, rec, hits));
      if (!records->empty()) break;  // the most specific ecosystem with data wins
    }
    Outcome outcome{out_.vulnerabilities.size(), 0, out_.detections.size(), 0};
    if (!hits.empty()) CUSTOMS_TRY(Report(p, key, version, hits));
    for (size_t i = outcome.first_vulnerability; i < out_.vulnerabilities.size(); ++i)
      Stamp(index, p, out_.vulnerabilities[i]);
    for (size_t i = outcome.first_detection; i < out_.detections.size(); ++i)
      Stamp(p, out_.detections[i]);
    outcome.end_vulnerability = out_.vulnerabilities.size();
    outcome.end_detection = out_.detections.size();
    outcomes_.insert_or_assign(std::move(memo_key), outcome);
    return Status::Ok();
  }

 private:
  Status Evaluate(const model::Package& p, const std::string& eco, const std::string& key,
                  const std::string& version, const AffectedRecord& rec, std::vector<Hit>& hits) {
    const Affected& a = rec.affected;
    auto where = [&] {
      return eco + " " + (IsOsType(p.type) ? "source package " : "package ") + key + " " + version +
             " (" + rec.source + " " + rec.vuln_id + ")";
    };
    if (a.status == VulnStatus::kNotAffected) {
      Explain(p, rec.vuln_id, [&] { return where() + ": the source says not affected"; });
      return Status::Ok();
    }
    Hit hit{rec.vuln_id, rec.source, eco, a.status, {}, a.distro_severity};
    bool affected = false;
    for (const auto& v : a.versions)
      if (v == version) affected = true;
    if (affected)
      Explain(p, rec.vuln_id, [&] { return where() + ": listed among the affected versions"; });
    for (const auto& range : a.ranges) {
      std::optional<VersionScheme> scheme = RangeScheme(eco, range);
      if (!scheme) continue;
      VersionScheme s = *scheme;
      auto unsorted = unsorted_.find(&range);
      auto in = unsorted != unsorted_.end() ? Result<bool>(unsorted->second)
                                            : InRange(range, s, version, hit.fixed);
      if (!in.ok()) {
        Warn(p, version, in.status());
        Explain(p, rec.vuln_id,
                [&] { return where() + ": cannot compare: " + in.status().message(); });
        continue;
      }
      Explain(p, rec.vuln_id, [&] {
        return where() + ": " + (*in ? "inside " : "outside ") + RangeText(range) + " by " +
               std::string(VersionSchemeName(s)) + " rules";
      });
      affected = affected || *in;
    }
    if (!affected) return Status::Ok();
    if (!hit.fixed.empty()) hit.status = VulnStatus::kFixed;
    hits.push_back(std::move(hit));
    return Status::Ok();
  }

  static void Stamp(size_t index, const model::Package& p, model::Vulnerability& v) {
    v.package_index = index;
    v.package_name = p.name;
    v.purl = p.purl;
    v.layer = p.layer;
    v.path = p.db_path;
  }
  static void Stamp(const model::Package& p, model::Detection& d) {
    d.purl = p.purl;
    d.path = p.db_path;
    d.layer = p.layer;
  }

  // One lookup per (ecosystem, package) per scan: an image holds many
  // versions of one package name.
  Result<const std::vector<AffectedRecord>*> FindAffected(const std::string& eco,
                                                          const std::string& key) {
    std::string cache_key = eco + '\n' + key;
    auto it = affected_.find(cache_key);
    if (it == affected_.end()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto records, db_.FindAffected(eco, key));
      it = affected_.emplace(std::move(cache_key), std::move(records)).first;
      // Each range is evaluated against many versions: sorted once here.
      for (auto& rec : it->second)
        for (auto& range : rec.affected.ranges)
          if (auto scheme = RangeScheme(eco, range))
            if (Status sorted = SortEvents(range, *scheme); !sorted.ok())
              unsorted_.emplace(&range, std::move(sorted));
    }
    return &it->second;
  }

  // The record of `id`, else the record that lists it as an alias (often
  // one read already: a CVE of a GO- or GHSA- record); null when neither.
  Result<const VulnerabilityRecord*> Record(std::string_view id) {
    CUSTOMS_ASSIGN_OR_RETURN(const VulnerabilityRecord* rec, ExactRecord(id));
    if (rec != nullptr) return rec;
    auto it = aliased_.find(id);
    if (it == aliased_.end()) {
      const VulnerabilityRecord* owner = nullptr;
      CUSTOMS_ASSIGN_OR_RETURN(std::optional<std::string> owner_id, db_.FindAliasOwner(id));
      if (owner_id) {
        CUSTOMS_ASSIGN_OR_RETURN(owner, ExactRecord(*owner_id));
      }
      it = aliased_.emplace(std::string(id), owner).first;
    }
    return it->second;
  }

  Result<const VulnerabilityRecord*> ExactRecord(std::string_view id) {
    auto it = records_.find(id);
    if (it == records_.end()) {
      CUSTOMS_ASSIGN_OR_RETURN(auto rec, db_.FindVulnerability(id, /*follow_aliases=*/false));
      it = records_.emplace(std::string(id), std::move(rec)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  // What matching one package version yielded: ranges of the output.
  struct Outcome {
    size_t first_vulnerability = 0, end_vulnerability = 0;
    size_t first_detection = 0, end_detection = 0;
  };

  Status Report(const model::Package& p, const std::string& key, const std::string& version,
                const std::vector<Hit>& hits) {
    // Each hit's ids, sorted: its own and its record's aliases.
    std::vector<std::vector<std::string_view>> ids(hits.size());
    std::vector<const VulnerabilityRecord*> records(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      ids[i].push_back(hits[i].vuln_id);
      CUSTOMS_ASSIGN_OR_RETURN(records[i], Record(hits[i].vuln_id));
      if (records[i] != nullptr)
        ids[i].insert(ids[i].end(), records[i]->aliases.begin(), records[i]->aliases.end());
      std::sort(ids[i].begin(), ids[i].end());
    }
    // Hits whose IDs or aliases meet are one vulnerability with all its
    // IDs: union-find over the ids, each group rooted at its first hit.
    std::vector<size_t> root(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) root[i] = i;
    auto find = [&](size_t x) {
      while (root[x] != x) x = root[x] = root[root[x]];
      return x;
    };
    if (hits.size() > 1) {
      std::unordered_map<std::string_view, size_t> first_hit;  // id -> a hit naming it
      for (size_t i = 0; i < hits.size(); ++i)
        for (std::string_view id : ids[i]) {
          auto [it, fresh] = first_hit.emplace(id, i);
          if (fresh) continue;
          size_t a = find(i), b = find(it->second);
          if (a != b) root[std::max(a, b)] = std::min(a, b);
        }
    }
    std::vector<std::vector<size_t>> groups(hits.size());  // by root, members ascending
    for (size_t i = 0; i < hits.size(); ++i) groups[find(i)].push_back(i);
    for (const auto& members : groups)
      if (!members.empty()) CUSTOMS_TRY(Emit(p, key, version, hits, ids, records, members));
    return Status::Ok();
  }

  Status Emit(const model::Package& p, const std::string& key, const std::string& version,
              const std::vector<Hit>& hits, const std::vector<std::vector<std::string_view>>& ids,
              const std::vector<const VulnerabilityRecord*>& hit_records,
              const std::vector<size_t>& members) {
    std::vector<std::string_view> all;
    std::vector<const VulnerabilityRecord*> records;
    bool malicious = false;
    for (size_t m : members) {
      all.insert(all.end(), ids[m].begin(), ids[m].end());
      if (const VulnerabilityRecord* rec = hit_records[m]; rec != nullptr) {
        records.push_back(rec);
        malicious = malicious || rec->malicious;
      }
    }
    if (members.size() > 1) {
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
    }
    std::string primary;
    for (const auto& id : all)
      if (id.starts_with("CVE-")) {
        primary = id;
        break;
      }
    if (primary.empty()) primary = hits[members.front()].vuln_id;

    if (malicious) {
      model::Detection d;
      d.category = "malicious-package";
      d.rule_id = primary;
      d.severity = Severity::kCritical;
      for (const auto* r : records)
        if (d.title.empty()) d.title = r->summary;
      d.evidence = std::string(hits[members.front()].source) + " advisory " + primary + " lists " +
                   key + " " + version + " (" + std::string(hits[members.front()].ecosystem) +
                   ") as malicious";
      Explain(p, primary, [&] { return "reported as contraband: " + d.evidence; });
      out_.detections.push_back(std::move(d));
      return Status::Ok();
    }

    model::Vulnerability v;
    v.id = primary;
    v.aliases.reserve(all.size() - 1);
    for (const auto& id : all)
      if (id != primary) v.aliases.emplace_back(id);
    v.package_type = p.type;
    v.installed_version = version;
    std::vector<std::string_view> fixed, sources;
    v.status = VulnStatus::kWillNotFix;
    auto rank = [](VulnStatus s) {
      switch (s) {
        case VulnStatus::kFixed:
          return 3;
        case VulnStatus::kAffected:
          return 2;
        case VulnStatus::kDeferred:
          return 1;
        default:
          return 0;
      }
    };
    for (size_t m : members) {
      const Hit& h = hits[m];
      fixed.insert(fixed.end(), h.fixed.begin(), h.fixed.end());
      sources.push_back(h.source);
      if (rank(h.status) > rank(v.status)) v.status = h.status;
      if (v.distro_severity.empty()) v.distro_severity = h.distro_severity;
    }
    for (auto* list : {&fixed, &sources}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    v.fixed_versions.assign(fixed.begin(), fixed.end());
    for (const auto& s : sources) {
      if (!v.data_source.empty()) v.data_source += ',';
      v.data_source += s;
    }
    const Hit& first = hits[members.front()];
    v.matched_by = std::string(first.ecosystem) + " " +
                   (IsOsType(p.type) ? "source package " : "package ") + key + " " + version;

    // Text and references from the advisories, the primary's first.
    std::stable_sort(records.begin(), records.end(), [&](const auto* a, const auto* b) {
      return a->id == primary && b->id != primary;
    });
    for (const auto* r : records) {
      if (v.title.empty()) v.title = r->summary;
      if (v.published.empty()) v.published = r->published;
      if (v.modified.empty()) v.modified = r->modified;
      for (const auto& u : r->references) {
        if (v.references.size() >= kMaxReferences) break;
        if (std::find(v.references.begin(), v.references.end(), u) == v.references.end())
          v.references.push_back(u);
      }
      v.cvss.insert(v.cvss.end(), r->cvss.begin(), r->cvss.end());
    }
    // A CVE the distro rates has no vector of its own there: another
    // source's record for the same CVE (GHSA, the ecosystem DB) may.
    if (v.cvss.empty() && primary.starts_with("CVE-")) {
      CUSTOMS_ASSIGN_OR_RETURN(const VulnerabilityRecord* other, Record(primary));
      if (other != nullptr)
        for (const auto& c : other->cvss) v.cvss.push_back(c);
    }
    ChooseSeverity(p, v);
    if (!options_.include_unimportant && v.distro_severity == "unimportant")
      v.suppressed_by =
          "rated unimportant by " + std::string(first.source) + " (--include-unimportant to show)";
    Explain(p, primary, [&] {
      return "reported " + primary + " on " + p.name + " " + p.version + ": " +
             std::string(model::VulnStatusName(v.status)) + ", " +
             std::string(model::SeverityName(v.severity)) +
             (v.severity_source.empty() ? "" : " from " + v.severity_source) +
             (v.suppressed_by.empty() ? "" : "; suppressed: " + v.suppressed_by);
    });
    out_.vulnerabilities.push_back(std::move(v));
    return Status::Ok();
  }

  // Distro rating first for OS packages (Trivy, Snyk); then the newest
  // CVSS v3 base score, then v4, then v2.
  static void ChooseSeverity(const model::Package& p, model::Vulnerability& v) {
    if (IsOsType(p.type))
      if (auto s = DistroSeverity(v.distro_severity)) {
        v.severity = *s;
        v.severity_source = v.data_source;
      }
    auto pref = [](const std::string& version) {
      if (version == "3.1") return 4;
      if (version == "3.0") return 3;
      if (version == "4.0") return 2;
      if (version == "2.0") return 1;
      return 0;
    };
    const model::CvssRecord* best = nullptr;
    for (const auto& c : v.cvss) {
      if (c.score <= 0 && c.vector.empty()) continue;
      if (best == nullptr || pref(c.version) > pref(best->version) ||
          (pref(c.version) == pref(best->version) && c.score > best->score))
        best = &c;
    }
    if (best == nullptr) return;
    // The DB stores the score computed from the vector on import.
    v.score = best->score;
    if (v.severity_source.empty()) {
      CvssVersion version = best->version == "2.0"   ? CvssVersion::kV2
                            : best->version == "3.0" ? CvssVersion::kV30
                            : best->version == "4.0" ? CvssVersion::kV40
                                                     : CvssVersion::kV31;
      v.severity = SeverityForScore(version, best->score);
      v.severity_source = "cvss:" + (best->source.empty() ? std::string("advisory") : best->source);
    }
  }

  // For `explain`: a package not matched on purpose, said only when an
  // advisory with the ID would have named it.
  Status ExplainSkipped(const model::Package& p, const std::string& eco, const std::string& key,
                        const std::string& why) {
    if (options_.explain_id.empty()) return Status::Ok();
    CUSTOMS_ASSIGN_OR_RETURN(const std::vector<AffectedRecord>* records, FindAffected(eco, key));
    for (const auto& rec : *records) {
      size_t before = out_.explanation.size();
      Explain(p, rec.vuln_id,
              [&] { return "advisory " + rec.vuln_id + " names " + eco + " " + key + "; " + why; });
      if (out_.explanation.size() > before) break;
    }
    return Status::Ok();
  }

  void Warn(const model::Package& p, const std::string& version, const Status& status) {
    if (!warned_.insert(p.type + "\n" + p.name + "\n" + version).second) return;
    if (out_.diagnostics.size() >= kMaxMatchDiagnostics) return;
    out_.diagnostics.push_back({model::DiagnosticSeverity::kWarning, "version-not-comparable",
                                p.layer.diff_id, p.db_path,
                                p.type + " " + p.name + " " + version +
                                    ": not matched against some advisories: " + status.message()});
  }

  // Adds the line `make_line()` returns when explaining `vuln_id`; the line
  // is not built otherwise.
  template <typename MakeLine>
  void Explain(const model::Package& p, const std::string& vuln_id, MakeLine&& make_line) {
    if (options_.explain_id.empty()) return;
    if (!vuln_id.empty() && vuln_id != options_.explain_id) {
      auto rec = Record(vuln_id);
      if (!rec.ok() || *rec == nullptr) return;
      const auto& aliases = (*rec)->aliases;
      if (std::find(aliases.begin(), aliases.end(), options_.explain_id) == aliases.end()) return;
    }
    out_.explanation.push_back(p.purl + ": " + make_line());
  }

  const AdvisoryDb& db_;
  const MatchOptions& options_;
  MatchOutput& out_;
  std::unordered_map<std::string, std::vector<AffectedRecord>> affected_;  // by eco, key
  // The cached ranges whose events do not compare, with the error.
  std::unordered_map<const Range*, Status> unsorted_;
  // Looked up by string_view without a copy.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // By record id (nullopt: no such record); node-based, so the pointers
  // handed out stay valid.
  std::unordered_map<std::string, std::optional<VulnerabilityRecord>, Hash, std::equal_to<>>
      records_;
  // Ids that are no record, to the record listing them as an alias.
  std::unordered_map<std::string, const VulnerabilityRecord*, Hash, std::equal_to<>> aliased_;
  std::unordered_map<std::string, Outcome> outcomes_;  // by type, key and version
  std::set<std::string> warned_;
};

}  // namespace

std::vector<std::string> DistroEcosystems(const model::OsInfo& os) {
  if (os.id == "debian") {
    std::string release = DebianRelease(os);
    if (!release.empty()) return {"Debian:" + release};
  } else if (os.id == "ubuntu" && !os.version_id.empty()) {
    return {"Ubuntu:" + os.version_id + ":LTS", "Ubuntu:" + os.version_id};
  } else if (os.id == "alpine" && !os.version_id.empty()) {
    std::string_view v = os.version_id;
    if (v.find("_alpha") != std::string_view::npos) return {"Alpine:edge"};
    size_t second = v.find('.', v.find('.') + 1);
    return {"Alpine:v" + std::string(v.substr(0, second))};
  } else if (os.id == "almalinux" && !os.version_id.empty()) {
    return {"AlmaLinux:" + MajorVersion(os.version_id)};
  } else if (os.id == "rocky" && !os.version_id.empty()) {
    return {"Rocky Linux:" + MajorVersion(os.version_id)};
  } else if (os.id == "wolfi") {
    return {"Wolfi"};
  } else if (os.id == "chainguard") {
    return {"Chainguard"};
  }
  return {};
}

std::string_view LanguageEcosystem(std::string_view type) {
  static const std::map<std::string_view, std::string_view> kEcosystems = {
      {"npm", "npm"},     {"pypi", "PyPI"},    {"golang", "Go"},          {"cargo", "crates.io"},
      {"maven", "Maven"}, {"gem", "RubyGems"}, {"composer", "Packagist"}, {"nuget", "NuGet"}};
  auto it = kEcosystems.find(type);
  return it == kEcosystems.end() ? std::string_view() : it->second;
}

namespace {

// Below this many packages a second thread costs more than it saves.
constexpr size_t kParallelMinPackages = 512;

// The report's order of vulnerabilities: most severe first, then by ID,
// package name and package index (a total order: one package has an ID
// once).
bool ReportOrder(const model::Vulnerability* a, const model::Vulnerability* b) {
  if (a->severity != b->severity) return a->severity > b->severity;
  if (int c = a->id.compare(b->id); c != 0) return c < 0;
  if (int c = a->package_name.compare(b->package_name); c != 0) return c < 0;
  return a->package_index < b->package_index;
}

// One thread's share of the packages and what matching them yielded. Each
// detection and diagnostic is tagged with its package's index, and the
// vulnerabilities are put in report order, so that the shards merge into
// the output one thread would have produced.
struct Shard {
  std::vector<size_t> packages;  // indexes, ascending
  MatchOutput out;
  std::vector<size_t> detection_package, diagnostic_package;
  std::vector<model::Vulnerability*> order;  // out.vulnerabilities in ReportOrder
  Status status;

  void Run(const AdvisoryDb& db, const MatchOptions& options,
           const std::vector<model::Package>& all, const std::vector<std::string>& distro) {
    Matcher matcher(db, options, out);
    // Address space only until used: spares moving findings as it grows.
    out.vulnerabilities.reserve(2 * packages.size());
    for (size_t i : packages) {
      status = matcher.MatchOne(i, all[i], distro);
      if (!status.ok()) {
        status = Status(status.code(), "matching " + all[i].purl + ": " + status.message());
        return;
      }
      detection_package.resize(out.detections.size(), i);
      diagnostic_package.resize(out.diagnostics.size(), i);
    }
    order.reserve(out.vulnerabilities.size());
    for (auto& v : out.vulnerabilities) order.push_back(&v);
    std::sort(order.begin(), order.end(), ReportOrder);
  }
};

// Appends `from`'s items to `to` ordered by package index (each list is
// already in index order); stable, so equal indexes keep shard order.
template <typename T>
void MergeByPackage(std::vector<Shard>& shards, std::vector<T> MatchOutput::*items,
                    std::vector<size_t> Shard::*index, std::vector<T>& to) {
  std::vector<std::pair<size_t, T*>> all;
  for (auto& shard : shards)
    for (size_t k = 0; k < (shard.out.*items).size(); ++k)
      all.emplace_back((shard.*index)[k], &(shard.out.*items)[k]);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  to.reserve(all.size());
  for (auto& [_, item] : all) to.push_back(std::move(*item));
}

}  // namespace

// Large package sets are matched by two threads, each with its own DB
// connection. Packages are split by name, so that every version of one
// package meets the same caches; the merged output is the one a single
// thread gives (vulnerabilities sorted, the rest in package order).
Result<MatchOutput> MatchPackages(const AdvisoryDb& db, const model::OsInfo& os,
                                  const std::vector<model::Package>& packages,
                                  const MatchOptions& options) {
  std::vector<std::string> distro = DistroEcosystems(os);
  std::optional<AdvisoryDb> second;
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (packages.size() >= kParallelMinPackages && options.explain_id.empty() && threads > 1) {
    auto reader = db.OpenAnotherReader();
    if (reader.ok()) second.emplace(std::move(reader).value());
  }
  std::vector<Shard> shards(second ? 2 : 1);
  for (size_t i = 0; i < packages.size(); ++i) {
    const model::Package& p = packages[i];
    const std::string& name = IsOsType(p.type) && !p.source_name.empty() ? p.source_name : p.name;
    shards[std::hash<std::string_view>()(name) % shards.size()].packages.push_back(i);
  }
  if (second) {
    std::thread helper([&] { shards[1].Run(*second, options, packages, distro); });
    shards[0].Run(db, options, packages, distro);
    helper.join();
  } else {
    shards[0].Run(db, options, packages, distro);
  }
  MatchOutput out;
  for (auto& shard : shards) {
    CUSTOMS_TRY(shard.status);
    for (auto& line : shard.out.explanation) out.explanation.push_back(std::move(line));
  }
  MergeByPackage(shards, &MatchOutput::detections, &Shard::detection_package, out.detections);
  MergeByPackage(shards, &MatchOutput::diagnostics, &Shard::diagnostic_package, out.diagnostics);
  if (out.diagnostics.size() > kMaxMatchDiagnostics) out.diagnostics.resize(kMaxMatchDiagnostics);

  // Each shard sorted pointers on its thread; merged here, and each
  // vulnerability moved once: they are large.
  std::vector<model::Vulnerability*> order;
  if (shards.size() == 1) {
    order = std::move(shards[0].order);
  } else {
    order.reserve(shards[0].order.size() + shards[1].order.size());
    std::merge(shards[0].order.begin(), shards[0].order.end(), shards[1].order.begin(),
               shards[1].order.end(), std::back_inserter(order), ReportOrder);
  }
  out.vulnerabilities.reserve(order.size());
  for (auto* v : order) out.vulnerabilities.push_back(std::move(*v));
  return out;
}

}  // namespace customs::vuln
