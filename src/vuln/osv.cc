// OSV records (https://ossf.github.io/osv-schema/) in JSON and YAML, and the
// bounded YAML loader the YAML feeds share.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/strings.h"
#include "vuln/feeds.h"

namespace customs::vuln {

namespace {

// Flow collections ("[[[[...") nested deeper than this are refused before
// yaml-cpp sees the text: its parser recurses per level. Brackets are counted
// naively (inside quotes and block scalars too), so the bound is far above
// real data: the deepest of ~4,000 real advisory YAML files counts 18.
constexpr size_t kMaxYamlFlowNesting = 512;

size_t NaiveBracketDepth(std::string_view text) {
  size_t depth = 0, max_depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

std::string MarkText(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return " at line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

// Copies a yaml-cpp node tree into JSON. yaml-cpp shares the node an alias
// points to, so a tree of a few KiB can name billions of nodes; the copy
// stops once it has visited more nodes or copied more scalar bytes than the
// text could hold without aliases.
class YamlToJson {
 public:
  YamlToJson(std::string_view what, size_t text_bytes, size_t max_depth)
      : what_(what),
        nodes_left_(2 * text_bytes + 1024),
        scalar_bytes_left_(4 * text_bytes + 4096),
        max_depth_(max_depth) {}

  Status Convert(const YAML::Node& node, size_t depth, Json& out) {
    if (depth > max_depth_)
      return ResourceExhausted(std::string(what_) + ": YAML nesting deeper than " +
                               std::to_string(max_depth_) + MarkText(node.Mark()));
    if (nodes_left_ == 0)
      return ResourceExhausted(std::string(what_) + ": YAML expands to too many nodes (aliases?)" +
                               MarkText(node.Mark()));
    --nodes_left_;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return Status::Ok();
      case YAML::NodeType::Scalar: {
        const std::string& s = node.Scalar();
        if (s.size() > scalar_bytes_left_)
          return ResourceExhausted(std::string(what_) +
                                   ": YAML expands to too many bytes (aliases?)" +
                                   MarkText(node.Mark()));
        scalar_bytes_left_ -= s.size();
        out = s;
        return Status::Ok();
      }
      case YAML::NodeType::Sequence: {
        out = Json::array();
        for (const auto& item : node) {
          Json value;
          CUSTOMS_TRY(Convert(item, depth + 1, value));
          out.push_back(std::move(value));
        }
        return Status::Ok();
      }
      case YAML::NodeType::Map: {
        out = Json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar())
            return InvalidArgument(std::string(what_) + ": YAML mapping key is not a scalar" +
                                   MarkText(kv.first.Mark()));
          Json value;
          CUSTOMS_TRY(Convert(kv.second, depth + 1, value));
          out[kv.first.Scalar()] = std::move(value);
        }
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

 private:
  std::string_view what_;
  size_t nodes_left_;
  size_t scalar_bytes_left_;
  size_t max_depth_;
};

// Reads OSV fields of one record, failing with the record id and the field
// path when a field has the wrong type. Absent and null fields are empty.
class OsvRecordReader {
 public:
  explicit OsvRecordReader(std::string id) : id_(std::move(id)) {}

  Status Error(std::string_view field, std::string_view expected) const {
    return InvalidArgument("OSV record " + Printable(id_, 100) + ": " + std::string(field) +
                           ": expected " + std::string(expected));
  }

  Status String(const Json& obj, std::string_view key, std::string_view field,
                std::string& out) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return Status::Ok();
    if (!it->is_string()) return Error(field, "a string");
    out = it->get<std::string>();
    return Status::Ok();
  }

  // The member `key` as an array (nullptr when absent or null).
  Result<const Json*> Array(const Json& obj, std::string_view key, std::string_view field) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return static_cast<const Json*>(nullptr);
    if (!it->is_array()) return Error(field, "an array");
    return &*it;
  }

  Status Strings(const Json& obj, std::string_view key, std::string_view field,
                 std::vector<std::string>& out) const {
    CUSTOMS_ASSIGN_OR_RETURN(const Json* arr, Array(obj, key, field));
    if (arr == nullptr) return Status::Ok();
    for (const auto& v : *arr) {
      if (!v.is_string()) return Error(field, "an array of strings");
      out.push_back(v.get<std::string>());
    }
    return Status::Ok();
  }

 private:
  std::string id_;
};

// "CVSS:3.1/AV:N/..." -> "3.1"; a v2 vector has no prefix.
std::string CvssVersion(std::string_view type, std::string_view vector) {
  if (vector.substr(0, 5) == "CVSS:") {
    size_t slash = vector.find('/');
    if (slash != std::string_view::npos && slash > 5)
      return std::string(vector.substr(5, slash - 5));
  }
  if (type == "CVSS_V2") return "2.0";
  if (type == "CVSS_V3") return "3.0";
  if (type == "CVSS_V4") return "4.0";
  return "";
}

bool MarksMalware(const Json& obj) {
  const Json* db = JsonObject(obj, "database_specific");
  return db != nullptr && db->contains("malicious-packages-origins");
}

Status ParseRange(const OsvRecordReader& r, const Json& range, const std::string& field,
                  std::vector<Range>& out) {
  if (!range.is_object()) return r.Error(field, "an object");
  std::string type;
  CUSTOMS_TRY(r.String(range, "type", field + ".type", type));
  Range result;
  if (type == "ECOSYSTEM") {
    result.type = Range::Type::kEcosystem;
  } else if (type == "SEMVER") {
    result.type = Range::Type::kSemver;
  } else if (type == "GIT") {
    result.type = Range::Type::kGit;
  } else {
    return Status::Ok();  // a range type this schema version does not know
  }
  CUSTOMS_ASSIGN_OR_RETURN(const Json* events, r.Array(range, "events", field + ".events"));
  if (events == nullptr) return r.Error(field + ".events", "an array");
  for (size_t i = 0; i < events->size(); ++i) {
    const Json& event = (*events)[i];
    std::string efield = field + ".events[" + std::to_string(i) + "]";
    if (!event.is_object()) return r.Error(efield, "an object");
    static constexpr std::pair<std::string_view, RangeEvent::Kind> kKinds[] = {
        {"introduced", RangeEvent::Kind::kIntroduced},
        {"fixed", RangeEvent::Kind::kFixed},
        {"last_affected", RangeEvent::Kind::kLastAffected},
        {"limit", RangeEvent::Kind::kLimit},
    };
    bool found = false;
    for (const auto& [key, kind] : kKinds) {
      auto it = event.find(key);
      if (it == event.end()) continue;
      if (!it->is_string()) return r.Error(efield + "." + std::string(key), "a string");
      result.events.push_back(RangeEvent{kind, it->get<std::string>()});
      found = true;
    }
    if (!found) return r.Error(efield, "one of introduced, fixed, last_affected, limit");
  }
  out.push_back(std::move(result));
  return Status::Ok();
}

Status ParseAffected(const OsvRecordReader& r, const Json& entry, const std::string& field,
                     Advisory& advisory) {
  if (!entry.is_object()) return r.Error(field, "an object");
  auto pkg = entry.find("package");
  // Entries without a package (OSS-Fuzz style, GIT ranges of a repository
  // only) name nothing the DB could be keyed by.
  if (pkg == entry.end() || pkg->is_null()) return Status::Ok();
  if (!pkg->is_object()) return r.Error(field + ".package", "an object");
  Affected affected;
  CUSTOMS_TRY(r.String(*pkg, "ecosystem", field + ".package.ecosystem", affected.ecosystem));
  CUSTOMS_TRY(r.String(*pkg, "name", field + ".package.name", affected.package));
  if (affected.ecosystem.empty() || affected.package.empty()) return Status::Ok();
  CUSTOMS_ASSIGN_OR_RETURN(const Json* ranges, r.Array(entry, "ranges", field + ".ranges"));
  if (ranges != nullptr)
    for (size_t i = 0; i < ranges->size(); ++i)
      CUSTOMS_TRY(ParseRange(r, (*ranges)[i], field + ".ranges[" + std::to_string(i) + "]",
                             affected.ranges));
  CUSTOMS_TRY(r.Strings(entry, "versions", field + ".versions", affected.versions));
  bool has_fix = false;
  for (const Range& range : affected.ranges) {
    if (range.type == Range::Type::kGit) continue;  // a commit, not a version
    for (const RangeEvent& e : range.events)
      if (e.kind == RangeEvent::Kind::kFixed) has_fix = true;
  }
  affected.status = has_fix ? model::VulnStatus::kFixed : model::VulnStatus::kAffected;
  if (MarksMalware(entry)) advisory.malicious = true;
  advisory.affected.push_back(std::move(affected));
  return Status::Ok();
}

Status ParseOsvRecord(const Json& record, const AdvisorySink& sink) {
  if (!record.is_object()) return InvalidArgument("OSV record: expected a JSON object");
  auto id_it = record.find("id");
  if (id_it == record.end() || !id_it->is_string() || id_it->get_ref<const std::string&>().empty())
    return InvalidArgument("OSV record without an \"id\" string");
  Advisory advisory;
  advisory.id = id_it->get<std::string>();
  advisory.source = "osv";
  OsvRecordReader r(advisory.id);

  auto withdrawn = record.find("withdrawn");
  if (withdrawn != record.end() && !withdrawn->is_null() &&
      !(withdrawn->is_string() && withdrawn->get_ref<const std::string&>().empty()))
    return Status::Ok();

  CUSTOMS_TRY(r.Strings(record, "aliases", "aliases", advisory.aliases));
  CUSTOMS_TRY(r.String(record, "summary", "summary", advisory.summary));
  CUSTOMS_TRY(r.String(record, "details", "details", advisory.details));
  CUSTOMS_TRY(r.String(record, "published", "published", advisory.published));
  CUSTOMS_TRY(r.String(record, "modified", "modified", advisory.modified));

  std::string distro_severity;
  CUSTOMS_ASSIGN_OR_RETURN(const Json* severity, r.Array(record, "severity", "severity"));
  if (severity != nullptr) {
    for (size_t i = 0; i < severity->size(); ++i) {
      const Json& s = (*severity)[i];
      std::string field = "severity[" + std::to_string(i) + "]";
      if (!s.is_object()) return r.Error(field, "an object");
      std::string type, score;
      CUSTOMS_TRY(r.String(s, "type", field + ".type", type));
      CUSTOMS_TRY(r.String(s, "score", field + ".score", score));
      if (type == "Ubuntu") {  // Canonical's priority, e.g. "medium"
        distro_severity = ToLower(score);
        continue;
      }
      if (type != "CVSS_V2" && type != "CVSS_V3" && type != "CVSS_V4") continue;
      if (score.empty()) continue;
      model::CvssRecord cvss;
      cvss.version = CvssVersion(type, score);
      cvss.vector = std::move(score);
      cvss.source = "osv";
      advisory.cvss.push_back(std::move(cvss));
    }
  }

  CUSTOMS_ASSIGN_OR_RETURN(const Json* affected, r.Array(record, "affected", "affected"));
  if (affected != nullptr)
    for (size_t i = 0; i < affected->size(); ++i)
      CUSTOMS_TRY(
          ParseAffected(r, (*affected)[i], "affected[" + std::to_string(i) + "]", advisory));

  for (Affected& a : advisory.affected)
    if (a.distro_severity.empty()) a.distro_severity = distro_severity;

  CUSTOMS_ASSIGN_OR_RETURN(const Json* refs, r.Array(record, "references", "references"));
  if (refs != nullptr) {
    for (size_t i = 0; i < refs->size(); ++i) {
      const Json& ref = (*refs)[i];
      std::string field = "references[" + std::to_string(i) + "]";
      if (!ref.is_object()) return r.Error(field, "an object");
      std::string url;
      CUSTOMS_TRY(r.String(ref, "url", field + ".url", url));
      if (!url.empty()) advisory.references.push_back(std::move(url));
    }
  }

  if (advisory.id.rfind("MAL-", 0) == 0 || MarksMalware(record)) advisory.malicious = true;
  return sink(std::move(advisory));
}

Status ParseOsvValue(const Json& doc, const AdvisorySink& sink) {
  if (doc.is_array()) {
    for (const Json& record : doc) CUSTOMS_TRY(ParseOsvRecord(record, sink));
    return Status::Ok();
  }
  return ParseOsvRecord(doc, sink);
}

}  // namespace

namespace internal {

Result<Json> ParseYamlAsJson(std::string_view bytes, std::string_view what,
                             const FeedLimits& limits) {
  if (bytes.size() > limits.max_yaml_bytes)
    return ResourceExhausted(std::string(what) + ": YAML document of " +
                             std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                             std::to_string(limits.max_yaml_bytes));
  if (NaiveBracketDepth(bytes) > kMaxYamlFlowNesting)
    return ResourceExhausted(std::string(what) + ": YAML flow collections nested deeper than " +
                             std::to_string(kMaxYamlFlowNesting));
  // yaml-cpp throws (ParserException, DeepRecursion past 2000 levels,
  // BadConversion, std::bad_alloc); nothing of it passes this function.
  try {
    YAML::Node root = YAML::Load(std::string(bytes));
    Json out;
    YamlToJson converter(what, bytes.size(), limits.max_depth);
    CUSTOMS_TRY(converter.Convert(root, 0, out));
    return out;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string(what) + ": malformed YAML" + MarkText(e.mark) + ": " +
                           e.msg);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string(what) + ": YAML could not be loaded: " + e.what());
  }
}

}  // namespace internal

Status ParseOsvJson(std::string_view bytes, const AdvisorySink& sink, const FeedLimits& limits) {
  std::string_view trimmed = Trim(bytes);
  bool single = !trimmed.empty() && trimmed.front() == '{';
  size_t max_bytes = single ? std::min(limits.max_record_bytes, limits.max_document_bytes)
                            : limits.max_document_bytes;
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, ParseJson(bytes, "OSV JSON", max_bytes, limits.max_depth));
  return ParseOsvValue(doc, sink);
}

Status ParseOsvYaml(std::string_view bytes, const AdvisorySink& sink, const FeedLimits& limits) {
  FeedLimits yaml_limits = limits;
  yaml_limits.max_yaml_bytes = std::min(limits.max_yaml_bytes, limits.max_record_bytes);
  CUSTOMS_ASSIGN_OR_RETURN(Json doc, internal::ParseYamlAsJson(bytes, "OSV YAML", yaml_limits));
  return ParseOsvValue(doc, sink);
}

}  // namespace customs::vuln
