// Plain-text table. Widths count UTF-8 code points, so names in other
// scripts line up as long as the terminal shows one cell per code point.
#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/strings.h"
#include "report/ids.h"
#include "report/report.h"
#include "report/text.h"

namespace customs::report {

namespace {

std::string SourceCell(const model::Package& p) {
  if (p.source_name.empty()) return "";
  bool same_version = p.source_version.empty() || p.source_version == p.version;
  if (p.source_name == p.name && same_version) return "";
  return same_version ? p.source_name : p.source_name + " " + p.source_version;
}

std::string Header(const model::ScanResult& r) {
  const auto& image = r.image;
  std::vector<std::string> details;
  if (!r.os.empty()) {
    std::string os = r.os.id;
    if (!r.os.version_id.empty()) os += " " + r.os.version_id;
    details.push_back(os);
  } else {
    details.push_back("unknown OS");
  }
  std::string platform = Platform(image);
  if (!platform.empty()) details.push_back(platform);
  if (!image.manifest_digest.empty()) details.push_back(image.manifest_digest);
  std::string line = image.reference.empty() ? "(unnamed image)" : image.reference;
  line += " (";
  for (size_t i = 0; i < details.size(); ++i) line += (i ? ", " : "") + details[i];
  line += ") - " + std::to_string(r.packages.size()) +
          (r.packages.size() == 1 ? " package" : " packages");
  return line;
}

std::string ReplaceControls(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return s;
}

bool IsOsPackageType(std::string_view type) {
  return type == "deb" || type == "apk" || type == "rpm";
}

// Most severe first, as Trivy and Grype sort.
int SeverityRank(model::Severity s) { return -static_cast<int>(s); }

// "Total: 4 (UNKNOWN: 0, LOW: 3, MEDIUM: 1, HIGH: 0, CRITICAL: 0)", Trivy's
// summary line; NEGLIGIBLE appears only when some vulnerability is.
std::string TotalLine(const std::vector<const model::Vulnerability*>& vulns) {
  std::map<model::Severity, size_t> count;
  for (const auto* v : vulns) ++count[v->severity];
  using model::Severity;
  std::string line = "Total: " + std::to_string(vulns.size()) + " (";
  bool first = true;
  for (Severity s : {Severity::kUnknown, Severity::kNegligible, Severity::kLow, Severity::kMedium,
                     Severity::kHigh, Severity::kCritical}) {
    if (s == Severity::kNegligible && count[s] == 0) continue;
    line +=
        (first ? "" : ", ") + std::string(model::SeverityName(s)) + ": " + std::to_string(count[s]);
    first = false;
  }
  return line + ")";
}

// The short form of a suppression reason, for counting, from the forms the
// suppressors write: "ignore file .customsignore:12: why" -> "ignore file
// .customsignore"; "VEX <document>: not_affected (justification)" -> "VEX
// not_affected"; "rated unimportant by debian (--include-unimportant to
// show)" -> "rated unimportant by debian".
std::string SuppressionLabel(const std::string& reason) {
  std::string label;
  if (reason.starts_with("VEX ")) {
    size_t colon = reason.rfind(": ");
    std::string status = colon == std::string::npos ? "" : reason.substr(colon + 2);
    label = "VEX " + status.substr(0, status.find(" ("));
  } else {
    label = reason.substr(0, std::min(reason.find(':'), reason.find(" (")));
  }
  while (!label.empty() && label.back() == ' ') label.pop_back();
  return label.empty() ? "other" : label;
}

// Vulnerabilities grouped per target (the package database or file they were
// found through), a table each; then the suppressed count; then contraband.
void AppendFindings(const model::ScanResult& r, std::string& out) {
  std::map<std::string, std::vector<const model::Vulnerability*>> by_target;
  std::map<std::string, std::string> target_kind;
  std::map<std::string, size_t> suppressed;
  size_t suppressed_total = 0;
  for (const auto& v : r.vulnerabilities) {
    if (!v.suppressed_by.empty()) {
      ++suppressed[SuppressionLabel(v.suppressed_by)];
      ++suppressed_total;
      continue;
    }
    by_target[v.path].push_back(&v);
    std::string& kind = target_kind[v.path];
    if (kind.empty()) {
      if (IsOsPackageType(v.package_type) && !r.os.empty())
        kind = r.os.id + (r.os.version_id.empty() ? "" : " " + r.os.version_id);
      else
        kind = v.package_type;
    }
  }
  for (auto& [target, vulns] : by_target) {
    std::stable_sort(vulns.begin(), vulns.end(), [](const auto* a, const auto* b) {
      return std::make_tuple(SeverityRank(a->severity), a->id, a->package_name) <
             std::make_tuple(SeverityRank(b->severity), b->id, b->package_name);
    });
    std::string title = target.empty() ? "(unknown path)" : target;
    if (!target_kind[target].empty()) title += " (" + target_kind[target] + ")";
    out += "\n" + ReplaceControls(title) + "\n" + TotalLine(vulns) + "\n\n";
    std::vector<Row> rows;
    rows.push_back({"LIBRARY", "VULNERABILITY", "SEVERITY", "STATUS", "INSTALLED VERSION",
                    "FIXED VERSION", "TITLE"});
    for (const auto* v : vulns) {
      std::string fixed;
      for (const auto& f : v->fixed_versions) fixed += (fixed.empty() ? "" : ", ") + f;
      rows.push_back({Cell(v->package_name), Cell(v->id),
                      std::string(model::SeverityName(v->severity)),
                      std::string(model::VulnStatusName(v->status)), Cell(v->installed_version),
                      Cell(fixed), Cell(v->title)});
    }
    AppendRows(rows, out);
  }
  if (suppressed_total > 0) {
    std::vector<std::pair<std::string, size_t>> reasons(suppressed.begin(), suppressed.end());
    std::stable_sort(reasons.begin(), reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string line = std::to_string(suppressed_total) + " suppressed: ";
    for (size_t i = 0; i < reasons.size(); ++i)
      line += (i ? ", " : "") + std::to_string(reasons[i].second) + " " + reasons[i].first;
    out += "\n" + ReplaceControls(line) + "\n";
  }
  size_t shown = 0;
  for (const auto& d : r.detections) shown += d.suppressed_by.empty() ? 1 : 0;
  if (shown > 0) {
    // In the order the scan left them: most grave first.
    out += "\nContraband (" + std::to_string(shown) +
           "), verdict: " + std::string(model::VerdictName(model::ImageVerdict(r.detections))) +
           "\n";
    std::vector<Row> rows;
    rows.push_back({"DISPOSITION", "SEVERITY", "CATEGORY", "RULE", "PATH", "LAYER", "EVIDENCE"});
    for (const auto& d : r.detections) {
      if (!d.suppressed_by.empty()) continue;
      std::string evidence = d.evidence.empty() ? d.title : d.evidence;
      if (d.deleted_by.index >= 0)
        evidence = "(deleted by layer " + std::to_string(d.deleted_by.index) +
                   ", shipped in layer " + std::to_string(d.layer.index) + ") " + evidence;
      rows.push_back({std::string(model::DispositionName(d.disposition)),
                      std::string(model::SeverityName(d.severity)), Cell(d.category),
                      Cell(d.rule_id),
                      Cell(!d.path.empty()                        ? d.path
                           : d.rule_id.rfind("behavior-", 0) == 0 ? "(run time)"
                                                                  : "(image config)"),
                      d.layer.index >= 0 ? std::to_string(d.layer.index) : "-", Cell(evidence)});
    }
    AppendRows(rows, out);
  }
  if (shown < r.detections.size())
    out += "\n" + std::to_string(r.detections.size() - shown) +
           " contraband finding(s) allowed by the ignore file\n";
}

void AppendDiagnostics(const model::ScanResult& r, std::string& out);

// The timeline line of one event: what it did, in words.
std::string EventText(const model::BehaviorEvent& e) {
  std::string what = e.syscall;
  if (!e.argv.empty()) {
    std::string argv;
    for (const auto& a : e.argv) argv += (argv.empty() ? "" : " ") + a;
    what += " " + argv;
  } else if (!e.path.empty()) {
    what += " " + e.path;
  }
  if (!e.path2.empty()) what += (e.syscall == "mount" ? " from " : " -> ") + e.path2;
  if (!e.address.empty())
    what += " " + e.address + (e.port != 0 ? ":" + std::to_string(e.port) : "") +
            (e.socket.empty() ? "" : " (" + e.socket + ")");
  if (!e.error.empty()) what += " [" + e.error + "]";
  return what;
}

constexpr size_t kMaxTimelineRows = 40;

void AppendBehavior(const model::BehaviorReport& b, std::string& out) {
  std::string command;
  for (const auto& a : b.command) command += (command.empty() ? "" : " ") + a;
  out += "\nBehaviour (" + ReplaceControls(b.runtime) + "): " + Cell(command, 120) + "\n";
  std::string ended = b.timed_out     ? "stopped at the timeout"
                      : b.signal != 0 ? "killed by signal " + std::to_string(b.signal)
                                      : "exited " + std::to_string(b.exit_code);
  out += "  " + ended + " after " + Format("%.2f", b.wall_ms / 1000) + " s; first exec at " +
         Format("%.3f", b.first_exec_ms / 1000) + " s; CPU " +
         (b.cpu_ms >= 0 ? Format("%.2f", b.cpu_ms / 1000) + " s" : "unknown") + "; peak memory " +
         (b.peak_memory_bytes >= 0
              ? Format("%.1f", static_cast<double>(b.peak_memory_bytes) / (1 << 20)) + " MiB"
              : "unknown") +
         "\n";
  for (const auto& note : b.notes) out += "  note: " + ReplaceControls(note) + "\n";
  if (!b.dns.empty()) {
    out += "\nDNS queries (" + std::to_string(b.dns.size()) + "):\n";
    std::vector<Row> rows = {{"TIME", "NAME", "TYPE", "ANSWER"}};
    for (const auto& q : b.dns)
      rows.push_back({Format("%.3f", q.t_ms / 1000), Cell(q.name), Cell(q.type), Cell(q.answer)});
    AppendRows(rows, out, {0});
  }
  if (!b.connections.empty()) {
    out += "\nConnections taken by the sinkhole (" + std::to_string(b.connections.size()) + "):\n";
    std::vector<Row> rows = {{"TIME", "PROTO", "DESTINATION", "NAME", "BYTES", "FIRST BYTES"}};
    for (const auto& c : b.connections)
      rows.push_back({Format("%.3f", c.t_ms / 1000), c.protocol,
                      Cell(c.address + ":" + std::to_string(c.port)), Cell(c.name),
                      std::to_string(c.bytes), Cell(c.first_bytes, 60)});
    AppendRows(rows, out, {0, 4});
  }
  if (!b.events.empty()) {
    out += "\nTimeline (" + std::to_string(b.events.size()) + " events" +
           (b.events.size() > kMaxTimelineRows
                ? ", first " + std::to_string(kMaxTimelineRows) + "; all in --format json"
                : "") +
           "):\n";
    std::vector<Row> rows = {{"TIME", "PID", "PROCESS", "EVENT"}};
    for (size_t i = 0; i < b.events.size() && i < kMaxTimelineRows; ++i) {
      const auto& e = b.events[i];
      rows.push_back({Format("%.3f", e.t_ms / 1000), std::to_string(e.pid), Cell(e.comm),
                      Cell(EventText(e), 100)});
    }
    AppendRows(rows, out, {0, 1});
  }
  if (!b.output.empty()) {
    out += "\nOutput (head):\n";
    for (std::string_view line : SplitLines(b.output)) out += "  " + Cell(line, 160) + "\n";
  }
}

void AppendResult(const model::ScanResult& r, bool list_packages, std::string& out) {
  // The header is built from untrusted strings too.
  out += ReplaceControls(Header(r)) + "\n";
  if (!list_packages) {
    if (r.vulnerabilities.empty() && r.detections.empty())
      out += "\nNo vulnerabilities or contraband found.\n";
    AppendFindings(r, out);
    if (r.behavior) AppendBehavior(*r.behavior, out);
    AppendDiagnostics(r, out);
    return;
  }
  out += "\n";

  std::vector<const model::Package*> sorted;
  for (const auto& p : r.packages) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->name, a->version, a->arch, a->type) <
           std::tie(b->name, b->version, b->arch, b->type);
  });
  std::vector<Row> rows;
  rows.push_back({"NAME", "VERSION", "ARCH", "TYPE", "SOURCE", "LAYER"});
  for (const auto* p : sorted)
    rows.push_back({Cell(p->name), Cell(DisplayVersion(*p)), Cell(p->arch), Cell(p->type),
                    Cell(SourceCell(*p)),
                    p->layer.index >= 0 ? std::to_string(p->layer.index) : "-"});
  AppendRows(rows, out);
  AppendFindings(r, out);
  if (r.behavior) AppendBehavior(*r.behavior, out);
  AppendDiagnostics(r, out);
}

void AppendDiagnostics(const model::ScanResult& r, std::string& out) {
  if (!r.diagnostics.empty()) {
    out += "\nDiagnostics (" + std::to_string(r.diagnostics.size()) + "):\n";
    for (const auto& d : r.diagnostics) {
      std::string line = "  ";
      line += d.severity == model::DiagnosticSeverity::kError ? "error" : "warning";
      line += " " + Cell(d.code);
      if (!d.layer.empty()) line += " layer " + Cell(d.layer);
      if (!d.path.empty()) line += " " + Cell(d.path);
      // Messages may be long; only control characters are replaced.
      line += ": " + ReplaceControls(d.message);
      out += line + "\n";
    }
  }
  if (!r.complete()) {
    size_t errors = 0;
    for (const auto& d : r.diagnostics) errors += d.severity == model::DiagnosticSeverity::kError;
    out += "\nThe result is incomplete: " + std::to_string(errors) +
           (errors == 1 ? " error" : " errors") +
           " stopped parts of the scan, so packages may be missing.\n";
  }
}

}  // namespace

std::string RenderTable(const std::vector<model::ScanResult>& results, bool list_packages) {
  std::string out;
  for (size_t i = 0; i < results.size(); ++i) {
    if (i > 0) out += "\n";
    AppendResult(results[i], list_packages, out);
  }
  return out;
}

}  // namespace customs::report
