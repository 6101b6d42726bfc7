#include "report/ids.h"

#include <algorithm>
#include <cctype>

#include "base/digest.h"
#include "model/purl.h"

namespace customs::report {

std::string NameBasedUuid(std::string_view name) {
  std::string hex(Sha256::Of(name).hex().substr(0, 32));
  hex[12] = '8';  // version 8: custom, RFC 9562 section 5.8
  static constexpr char kVariant[] = "89ab";
  int nibble = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
  hex[16] = kVariant[nibble & 3];  // variant 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string DocumentSeed(std::string_view kind, const std::vector<model::ScanResult>& results,
                         const ReportOptions& options) {
  std::string seed(kind);
  seed += "\n" + options.tool_name + "\n" + options.tool_version + "\n" + options.seed;
  for (const auto& r : results) {
    const auto& image = r.image;
    seed += "\n";
    seed += !image.manifest_digest.empty() ? image.manifest_digest
            : !image.config_digest.empty() ? image.config_digest
                                           : image.reference;
  }
  return seed;
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "alpine:3.19" -> "alpine"; "reg:5000/a/b:tag@sha256:..." -> "reg:5000/a/b".
std::string RepositoryOf(std::string_view ref) {
  size_t at = ref.find('@');
  if (at != std::string_view::npos) ref = ref.substr(0, at);
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    ref = ref.substr(0, colon);
  return std::string(ref);
}

// Docker's normalisation: a first component without '.' or ':' (and not
// "localhost") is a Docker Hub path; single names live under "library/".
std::string NormalizedRepository(const std::string& repo) {
  size_t slash = repo.find('/');
  std::string first = repo.substr(0, slash);
  bool has_registry =
      slash != std::string::npos && (first.find('.') != std::string::npos ||
                                     first.find(':') != std::string::npos || first == "localhost");
  if (has_registry) return repo;
  if (slash == std::string::npos) return "index.docker.io/library/" + repo;
  return "index.docker.io/" + repo;
}

bool IsRegistryReference(const model::ImageInfo& image) {
  return image.source.empty() || image.source == "registry";
}

}  // namespace

std::string ImagePurl(const model::ImageInfo& image) {
  if (image.manifest_digest.empty()) return "";
  std::string ref;
  if (!image.repo_tags.empty()) {
    ref = image.repo_tags.front();
  } else if (IsRegistryReference(image)) {
    ref = image.reference;
  }
  std::string repo = RepositoryOf(ref);
  if (repo.empty()) return "";
  repo = NormalizedRepository(repo);
  model::Purl purl;
  purl.type = "oci";
  size_t slash = repo.rfind('/');
  purl.name = Lower(slash == std::string::npos ? repo : repo.substr(slash + 1));
  purl.version = image.manifest_digest;
  if (!image.architecture.empty()) purl.qualifiers["arch"] = image.architecture;
  purl.qualifiers["repository_url"] = repo;
  size_t at = ref.find('@');
  std::string_view no_digest = std::string_view(ref).substr(0, at);
  if (no_digest.size() > RepositoryOf(ref).size())
    purl.qualifiers["tag"] = std::string(no_digest.substr(RepositoryOf(ref).size() + 1));
  return purl.ToString();
}

std::string DisplayVersion(const model::Package& package) {
  if (package.epoch) return std::to_string(*package.epoch) + ":" + package.version;
  return package.version;
}

std::string Platform(const model::ImageInfo& image) {
  if (image.os.empty() && image.architecture.empty()) return "";
  std::string out = image.os + "/" + image.architecture;
  if (!image.variant.empty()) out += "/" + image.variant;
  return out;
}

std::string PackageIdentity(size_t result_index, const model::Package& p) {
  std::string id = std::to_string(result_index);
  for (const std::string* field :
       {&p.type, &p.name, &p.version, &p.arch, &p.db_path, &p.layer.diff_id, &p.purl}) {
    id += '\n';
    id += *field;
  }
  id += '\n';
  if (p.epoch) id += std::to_string(*p.epoch);
  return id;
}

std::string MakeUnique(std::set<std::string>& used, const std::string& candidate) {
  std::string out = candidate;
  for (int n = 2; used.count(out) != 0; ++n) out = candidate + "-" + std::to_string(n);
  used.insert(out);
  return out;
}

std::string DocumentTitle(const std::vector<model::ScanResult>& results,
                          const std::string& fallback) {
  std::vector<std::string> refs;
  for (const auto& r : results)
    if (!r.image.reference.empty() &&
        std::find(refs.begin(), refs.end(), r.image.reference) == refs.end())
      refs.push_back(r.image.reference);
  if (refs.empty()) return fallback;
  if (refs.size() == 1) {
    if (results.size() == 1) return refs[0];
    return refs[0] + " (" + std::to_string(results.size()) + " platforms)";
  }
  std::string out;
  for (const auto& ref : refs) out += (out.empty() ? "" : ", ") + ref;
  return out;
}

bool IsUtcTimestamp(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != kShape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != kShape[i]) return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  int month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
      second = num(17, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

}  // namespace customs::report
