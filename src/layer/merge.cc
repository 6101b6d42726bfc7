#include "layer/merge.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "base/limits.h"
#include "base/strings.h"
#include "layer/path.h"

namespace customs::layer {

void FileTree::RemoveSubtree(const std::string& dir, bool keep_dir) {
  if (dir.empty()) {  // the root: everything
    nodes_.clear();
    return;
  }
  if (!keep_dir) nodes_.erase(dir);
  std::string prefix = dir + "/";
  auto it = nodes_.lower_bound(prefix);
  while (it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0)
    it = nodes_.erase(it);
}

void FileTree::Apply(int layer_index, const LayerResult& layer) {
  // Whiteouts and opaque markers act on lower layers only, so they are
  // applied before this layer's own entries, whatever their order in the tar.
  for (const auto& dir : layer.opaque_dirs) RemoveSubtree(dir, /*keep_dir=*/true);
  for (const auto& path : layer.whiteouts) RemoveSubtree(path, /*keep_dir=*/false);
  for (const auto& info : layer.files) {
    auto [it, inserted] = nodes_.try_emplace(info.path, TreeNode{layer_index, &info});
    if (inserted) continue;
    // A non-directory replacing a directory removes what was below it.
    if (it->second.info->type == FileType::kDirectory && info.type != FileType::kDirectory)
      RemoveSubtree(info.path, /*keep_dir=*/true);
    it->second = TreeNode{layer_index, &info};
  }
}

const TreeNode* FileTree::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

Result<std::string> FileTree::Resolve(const std::string& path) const {
  // Resolve component by component so that symlinked directories work.
  std::vector<std::string> pending;
  for (auto c : Split(path, '/'))
    if (!c.empty() && c != ".") pending.emplace_back(c);
  std::reverse(pending.begin(), pending.end());
  std::string current;
  size_t hops = 0;
  while (!pending.empty()) {
    std::string c;
    c.swap(pending.back());
    pending.pop_back();
    if (c == "..") {
      current = std::string(ParentDir(current));
      continue;
    }
    std::string next = current.empty() ? c : current + "/" + c;
    const TreeNode* node = Find(next);
    if (node == nullptr) {
      // Directories need not have their own entry in a layer.
      if (!pending.empty() || nodes_.lower_bound(next + "/") != nodes_.end()) {
        auto it = nodes_.lower_bound(next + "/");
        if (it != nodes_.end() && it->first.compare(0, next.size() + 1, next + "/") == 0) {
          current = next;
          continue;
        }
      }
      return NotFound("'" + path + "' does not exist in the image (at '" + next + "')");
    }
    if (node->info->type == FileType::kSymlink || node->info->type == FileType::kHardlink) {
      if (++hops > kMaxSymlinkHops)
        return InvalidArgument("too many levels of symbolic links resolving '" + path + "'");
      std::string target = node->info->type == FileType::kHardlink
                               ? node->info->link_target
                               : ResolveLinkTarget(next, node->info->link_target);
      // Re-resolve the target from the root, then continue with the rest.
      std::vector<std::string> parts;
      for (auto t : Split(target, '/'))
        if (!t.empty() && t != ".") parts.emplace_back(t);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
      current.clear();
      continue;
    }
    current = next;
  }
  return current;
}

namespace {

bool IsSameOrUnder(std::string_view path, std::string_view dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

// The first layer after `layer` that deletes `path` (a whiteout of it or a
// parent, an opaque parent) or replaces it (an entry at the path, or a
// non-directory at a parent). -1 when none does, which the caller's
// visibility check rules out.
int HidingLayer(const std::vector<const LayerResult*>& layers, size_t layer,
                const std::string& path) {
  for (size_t j = layer + 1; j < layers.size(); ++j) {
    const LayerResult& l = *layers[j];
    for (const auto& w : l.whiteouts)
      if (IsSameOrUnder(path, w)) return static_cast<int>(j);
    for (const auto& o : l.opaque_dirs)
      if (o.empty() || IsSameOrUnder(path, o)) return static_cast<int>(j);
    for (const auto& f : l.files)
      if (f.path == path || (f.type != FileType::kDirectory && IsSameOrUnder(path, f.path)))
        return static_cast<int>(j);
  }
  return -1;
}

}  // namespace

MergedFindings Merge(const std::vector<const LayerResult*>& layers) {
  MergedFindings out;
  for (size_t i = 0; i < layers.size(); ++i) {
    out.tree.Apply(static_cast<int>(i), *layers[i]);
    for (const auto& d : layers[i]->findings.diagnostics) out.diagnostics.push_back(d);
  }
  auto visible = [&](int layer, const std::string& path) {
    const TreeNode* n = out.tree.Find(path);
    return n != nullptr && n->layer == layer;
  };
  // First layer in which each package identity appears. The database path is
  // part of the identity: dpkg rewrites one status file in every layer that
  // installs something, while the same Go stdlib version in two binaries of
  // two layers is two packages.
  using Identity =
      std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;
  auto identity = [](const model::Package& p) {
    return Identity(p.type, p.name, p.version, p.arch, p.db_path, p.inner_path);
  };
  std::map<Identity, int> first_seen;
  for (size_t i = 0; i < layers.size(); ++i)
    for (const auto& p : layers[i]->findings.packages)
      first_seen.emplace(identity(p), static_cast<int>(i));

  for (size_t i = 0; i < layers.size(); ++i) {
    int li = static_cast<int>(i);
    const Findings& f = layers[i]->findings;
    for (const auto& p : f.packages) {
      if (!visible(li, p.db_path)) continue;
      model::Package copy = p;
      copy.layer.index = first_seen[identity(p)];
      out.findings.packages.push_back(std::move(copy));
    }
    for (const auto& os : f.os)
      if (visible(li, os.source_path)) out.findings.os.push_back(os);
    for (const auto& pf : f.package_files)
      if (visible(li, pf.db_path)) out.findings.package_files.push_back(pf);
    for (const auto& pl : f.package_licenses)
      if (visible(li, pl.db_path)) out.findings.package_licenses.push_back(pl);
    for (const auto& d : f.detections) {
      model::Detection copy = d;
      copy.layer.index = li;
      // A member of an archive ("a.jar!/x") lives and dies with the archive.
      std::string file = d.path.substr(0, d.path.find("!/"));
      if (!file.empty() && !visible(li, file)) copy.deleted_by.index = HidingLayer(layers, i, file);
      out.detections.push_back(std::move(copy));
    }
  }
  return out;
}

}  // namespace customs::layer
