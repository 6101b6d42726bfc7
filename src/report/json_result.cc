// customs' JSON result. The layout is a contract with users' scripts: fields
// are added, never renamed or removed, without raising kJsonSchemaVersion.
// docs/json-result.md describes every field.
#include <nlohmann/json.hpp>

#include "base/json.h"
#include "report/report.h"

namespace customs::report {

namespace {

using OJson = nlohmann::ordered_json;

OJson Layer(const model::LayerRef& layer) {
  return OJson{{"index", layer.index},
               {"diffId", layer.diff_id},
               {"digest", layer.digest},
               {"createdBy", layer.created_by}};
}

OJson Image(const model::ImageInfo& image) {
  OJson layers = OJson::array();
  for (const auto& l : image.layers) layers.push_back(Layer(l));
  OJson history = OJson::array();
  for (const auto& h : image.history)
    history.push_back(OJson{{"created", h.created},
                            {"createdBy", h.created_by},
                            {"comment", h.comment},
                            {"emptyLayer", h.empty_layer}});
  const auto& c = image.config;
  OJson labels = OJson::object();
  for (const auto& [k, v] : c.labels) labels[k] = v;
  OJson config{{"user", c.user},
               {"env", c.env},
               {"entrypoint", c.entrypoint},
               {"cmd", c.cmd},
               {"workingDir", c.working_dir},
               {"exposedPorts", c.exposed_ports},
               {"labels", std::move(labels)}};
  return OJson{{"reference", image.reference},
               {"source", image.source},
               {"manifestDigest", image.manifest_digest},
               {"configDigest", image.config_digest},
               {"os", image.os},
               {"architecture", image.architecture},
               {"variant", image.variant},
               {"created", image.created},
               {"repoTags", image.repo_tags},
               {"layers", std::move(layers)},
               {"history", std::move(history)},
               {"config", std::move(config)}};
}

OJson Os(const model::OsInfo& os) {
  return OJson{{"id", os.id},
               {"versionId", os.version_id},
               {"versionCodename", os.version_codename},
               {"prettyName", os.pretty_name},
               {"idLike", os.id_like},
               {"sourcePath", os.source_path}};
}

OJson Package(const model::Package& p) {
  return OJson{{"type", p.type},
               {"name", p.name},
               {"version", p.version},
               {"epoch", p.epoch ? OJson(*p.epoch) : OJson(nullptr)},
               {"arch", p.arch},
               {"sourceName", p.source_name},
               {"sourceVersion", p.source_version},
               {"licenses", p.licenses},
               {"maintainer", p.maintainer},
               {"purl", p.purl},
               {"dbPath", p.db_path},
               {"innerPath", p.inner_path},
               {"scope", p.scope},
               {"scripts", p.scripts},
               {"owner", p.owner},
               {"layer", Layer(p.layer)},
               {"files", p.files}};
}

OJson Vulnerability(const model::Vulnerability& v) {
  OJson cvss = OJson::array();
  for (const auto& c : v.cvss)
    cvss.push_back(OJson{
        {"version", c.version}, {"vector", c.vector}, {"score", c.score}, {"source", c.source}});
  return OJson{{"id", v.id},
               {"aliases", v.aliases},
               {"packageIndex", v.package_index},
               {"packageName", v.package_name},
               {"packageType", v.package_type},
               {"purl", v.purl},
               {"installedVersion", v.installed_version},
               {"fixedVersions", v.fixed_versions},
               {"status", model::VulnStatusName(v.status)},
               {"severity", model::SeverityName(v.severity)},
               {"severitySource", v.severity_source},
               {"distroSeverity", v.distro_severity},
               {"cvss", std::move(cvss)},
               {"score", v.score},
               {"title", v.title},
               {"references", v.references},
               {"published", v.published},
               {"modified", v.modified},
               {"dataSource", v.data_source},
               {"matchedBy", v.matched_by},
               {"layer", Layer(v.layer)},
               {"path", v.path},
               {"suppressedBy", v.suppressed_by}};
}

OJson Detection(const model::Detection& d) {
  OJson out{{"category", d.category},
            {"ruleId", d.rule_id},
            {"severity", model::SeverityName(d.severity)},
            {"disposition", model::DispositionName(d.disposition)},
            {"confidence", model::ConfidenceName(d.confidence)},
            {"title", d.title},
            {"reference", d.reference},
            {"purl", d.purl},
            {"path", d.path},
            {"layer", Layer(d.layer)},
            {"evidence", d.evidence},
            {"owner", d.owner}};
  if (d.deleted_by.index >= 0) out["deletedBy"] = Layer(d.deleted_by);
  if (!d.sha256.empty()) out["sha256"] = d.sha256;
  if (!d.suppressed_by.empty()) out["suppressedBy"] = d.suppressed_by;
  return out;
}

OJson Diagnostic(const model::Diagnostic& d) {
  return OJson{{"severity", d.severity == model::DiagnosticSeverity::kError ? "error" : "warning"},
               {"code", d.code},
               {"layer", d.layer},
               {"path", d.path},
               {"message", d.message}};
}

OJson BehaviorEvent(const model::BehaviorEvent& e) {
  OJson out{{"tMs", e.t_ms}, {"pid", e.pid}, {"comm", e.comm}, {"syscall", e.syscall}};
  if (!e.path.empty()) out["path"] = e.path;
  if (!e.path2.empty()) out["path2"] = e.path2;
  if (!e.argv.empty()) out["argv"] = e.argv;
  if (!e.address.empty()) out["address"] = e.address;
  if (e.port != 0) out["port"] = e.port;
  if (!e.socket.empty()) out["socket"] = e.socket;
  if (e.flags != 0) out["flags"] = e.flags;
  if (e.mode != 0) out["mode"] = e.mode;
  if (e.fd >= 0) out["fd"] = e.fd;
  if (e.socket_inode != 0) out["socketInode"] = e.socket_inode;
  if (!e.stdio.empty()) out["stdio"] = e.stdio;
  if (e.truncated) out["truncated"] = true;
  if (!e.error.empty()) out["error"] = e.error;
  return out;
}

OJson Behavior(const model::BehaviorReport& b) {
  OJson timeline = OJson::array();
  for (const auto& e : b.events) timeline.push_back(BehaviorEvent(e));
  OJson dns = OJson::array();
  for (const auto& q : b.dns)
    dns.push_back(OJson{{"tMs", q.t_ms}, {"name", q.name}, {"type", q.type}, {"answer", q.answer}});
  OJson connections = OJson::array();
  for (const auto& c : b.connections)
    connections.push_back(OJson{{"tMs", c.t_ms},
                                {"protocol", c.protocol},
                                {"address", c.address},
                                {"port", c.port},
                                {"name", c.name},
                                {"firstBytes", c.first_bytes},
                                {"bytes", c.bytes},
                                {"answered", c.answered}});
  return OJson{{"runtime", b.runtime},
               {"command", b.command},
               {"firstExecMs", b.first_exec_ms},
               {"wallMs", b.wall_ms},
               {"exitCode", b.exit_code},
               {"signal", b.signal},
               {"timedOut", b.timed_out},
               {"cpuMs", b.cpu_ms},
               {"peakMemoryBytes", b.peak_memory_bytes},
               {"timeline", std::move(timeline)},
               {"dns", std::move(dns)},
               {"connections", std::move(connections)},
               {"eventsDropped", b.events_dropped},
               {"output", b.output},
               {"notes", b.notes}};
}

}  // namespace

std::string RenderJson(const std::vector<model::ScanResult>& results,
                       const ReportOptions& options) {
  OJson out;
  out["schemaVersion"] = kJsonSchemaVersion;
  out["tool"] = OJson{{"name", options.tool_name}, {"version", options.tool_version}};
  out["createdAt"] = options.timestamp;
  OJson list = OJson::array();
  for (const auto& r : results) {
    OJson packages = OJson::array();
    for (const auto& p : r.packages) packages.push_back(Package(p));
    OJson vulnerabilities = OJson::array();
    for (const auto& v : r.vulnerabilities) vulnerabilities.push_back(Vulnerability(v));
    OJson detections = OJson::array();
    for (const auto& d : r.detections) detections.push_back(Detection(d));
    OJson diagnostics = OJson::array();
    for (const auto& d : r.diagnostics) diagnostics.push_back(Diagnostic(d));
    OJson result{{"image", Image(r.image)},
                 {"os", Os(r.os)},
                 {"packages", std::move(packages)},
                 {"vulnerabilities", std::move(vulnerabilities)},
                 {"detections", std::move(detections)},
                 {"verdict", model::VerdictName(model::ImageVerdict(r.detections))},
                 {"diagnostics", std::move(diagnostics)},
                 {"complete", r.complete()}};
    if (r.behavior) result["behavior"] = Behavior(*r.behavior);
    list.push_back(std::move(result));
  }
  out["results"] = std::move(list);
  return DumpReportJson(out);
}

}  // namespace customs::report
