#include "layer/path.h"

#include <vector>

#include "base/limits.h"
#include "base/strings.h"

namespace customs::layer {

namespace {
// Appends the components of `path` to `parts`, resolving "." and "..".
// Returns false when ".." would climb above the root and `clamp` is false.
bool AppendComponents(std::string_view path, std::vector<std::string_view>& parts, bool clamp) {
  for (std::string_view c : Split(path, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (parts.empty()) {
        if (!clamp) return false;
        continue;
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(c);
  }
  return true;
}

std::string Join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}
}  // namespace

Result<std::string> NormalizeMemberName(std::string_view name) {
  if (name.size() > kMaxPathBytes)
    return ResourceExhausted("member name longer than " + std::to_string(kMaxPathBytes) + " bytes");
  if (name.find('\0') != std::string_view::npos)
    return InvalidArgument("member name contains a NUL byte");
  // The root directory itself is written as "/" by some producers (umoci).
  if (name.find_first_not_of('/') == std::string_view::npos) return std::string();
  if (!name.empty() && name[0] == '/')
    return InvalidArgument("absolute member name '" + Printable(name) + "'");
  std::vector<std::string_view> parts;
  if (!AppendComponents(name, parts, /*clamp=*/false))
    return InvalidArgument("member name '" + Printable(name) +
                           "' escapes the image root with '..'");
  if (parts.size() > kMaxPathDepth)
    return ResourceExhausted("member name deeper than " + std::to_string(kMaxPathDepth));
  return Join(parts);
}

std::string ResolveLinkTarget(std::string_view link_path, std::string_view target) {
  std::vector<std::string_view> parts;
  if (target.empty() || target[0] != '/')
    AppendComponents(ParentDir(link_path), parts, /*clamp=*/true);
  AppendComponents(target, parts, /*clamp=*/true);
  return Join(parts);
}

std::string_view ParentDir(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace customs::layer
