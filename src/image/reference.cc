#include "image/reference.h"

#include "base/digest.h"
#include "base/strings.h"

namespace customs::image {

namespace {

constexpr std::string_view kLegacyDockerHubDomain = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";
constexpr std::string_view kDefaultTag = "latest";
constexpr std::string_view kTransportPrefix = "docker://";
constexpr size_t kMaxTagBytes = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

Status Invalid(std::string_view text, std::string_view reason) {
  return InvalidArgument("invalid image reference \"" + Printable(text) +
                         "\": " + std::string(reason));
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '-') return false;
  return true;
}

// host [":" port], host = domain-name | "[" IPv6 "]" (as distribution's
// reference grammar: hex digits and colons inside the brackets).
bool IsValidDomain(std::string_view d) {
  std::string_view host = d;
  std::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : d.substr(1, close - 1))
      if (!IsHex(c) && c != ':') return false;
    host = d.substr(0, close + 1);
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    size_t colon = d.find(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return false;
    size_t start = 0;
    while (true) {
      size_t dot = host.find('.', start);
      std::string_view component =
          host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (!IsDomainComponent(component)) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (has_port) {
    if (port.empty()) return false;
    for (char c : port)
      if (!IsDigit(c)) return false;
  }
  return true;
}

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool IsPathComponent(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  size_t i = 0;
  while (i < s.size()) {
    if (IsLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    // A run of separators between two alphanumerics.
    size_t j = i;
    while (j < s.size() && !IsLowerAlnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

Status CheckRepository(std::string_view text, std::string_view path) {
  if (path.empty()) return Invalid(text, "empty repository name");
  for (char c : path)
    if (c >= 'A' && c <= 'Z') return Invalid(text, "repository name must be lowercase");
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view component = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (component.empty())
      return Invalid(text, "empty path component in repository name \"" + Printable(path) + "\"");
    if (!IsPathComponent(component))
      return Invalid(text, "repository path component \"" + Printable(component) +
                               "\" must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
bool IsValidTag(std::string_view t) {
  if (t.empty() || t.size() > kMaxTagBytes) return false;
  if (!IsAlnum(t.front()) && t.front() != '_') return false;
  for (char c : t)
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool IsImageId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  return true;
}

}  // namespace

std::string Reference::ApiHost() const {
  return registry == kDockerHubDomain ? std::string(kDockerHubApiHost) : registry;
}

std::string Reference::ToString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::Familiar() const {
  std::string out;
  // "docker.io/foo.com/app" keeps its registry: without it the first
  // component would be read as a host.
  std::string_view first = std::string_view(repository).substr(0, repository.find('/'));
  bool first_looks_like_host = repository.find('/') != std::string::npos &&
                               (first.find('.') != std::string_view::npos || first == "localhost");
  if (registry == kDockerHubDomain && !first_looks_like_host) {
    std::string_view repo = repository;
    if (repo.starts_with(kOfficialPrefix) &&
        repo.substr(kOfficialPrefix.size()).find('/') == std::string_view::npos)
      repo.remove_prefix(kOfficialPrefix.size());
    out = std::string(repo);
  } else {
    out = registry + "/" + repository;
  }
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::Scope(std::string_view actions) const {
  return "repository:" + repository + ":" + std::string(actions);
}

Result<Reference> ParseReference(std::string_view text) {
  if (text.size() > kMaxReferenceBytes)
    return InvalidArgument("invalid image reference: " + std::to_string(text.size()) +
                           " bytes exceeds the limit of " + std::to_string(kMaxReferenceBytes));
  std::string_view s = text;
  if (s.starts_with(kTransportPrefix)) s.remove_prefix(kTransportPrefix.size());
  if (s.empty()) return Invalid(text, "empty reference");
  if (IsImageId(s))
    return Invalid(text, "a 64-character hexadecimal string is an image ID, not a repository name");

  // Split off the registry: the first component is one only if it looks
  // like a host.
  Reference ref;
  std::string_view remainder = s;
  size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = s.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      if (!IsValidDomain(first))
        return Invalid(text, "invalid registry host \"" + Printable(first) +
                                 "\" (expected host[:port] or [ipv6]:port)");
      ref.registry = std::string(first);
      remainder = s.substr(slash + 1);
    }
  }
  if (ref.registry.empty() || ref.registry == kLegacyDockerHubDomain)
    ref.registry = std::string(kDockerHubDomain);

  // remainder = path [":" tag] ["@" digest]
  std::string_view name = remainder;
  size_t at = remainder.find('@');
  if (at != std::string_view::npos) {
    std::string_view digest = remainder.substr(at + 1);
    if (!Digest::Parse(digest).ok())
      return Invalid(text, "invalid digest \"" + Printable(digest) +
                               "\" (expected sha256: and 64 lowercase hex digits)");
    ref.digest = std::string(digest);
    name = remainder.substr(0, at);
  }
  size_t colon = name.find(':');
  if (colon != std::string_view::npos) {
    std::string_view tag = name.substr(colon + 1);
    if (!IsValidTag(tag))
      return Invalid(text, "invalid tag \"" + Printable(tag) +
                               "\" (expected [A-Za-z0-9_][A-Za-z0-9._-]{0,127})");
    ref.tag = std::string(tag);
    name = name.substr(0, colon);
  }
  CUSTOMS_TRY(CheckRepository(text, name));
  ref.repository = std::string(name);
  if (ref.registry == kDockerHubDomain && name.find('/') == std::string_view::npos)
    ref.repository = std::string(kOfficialPrefix) + ref.repository;
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxReferenceNameBytes)
    return Invalid(text, "repository name must not be more than " +
                             std::to_string(kMaxReferenceNameBytes) + " characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = std::string(kDefaultTag);
  return ref;
}

}  // namespace customs::image
