// Merging per-layer results in layer order, as the container runtime sees
// the filesystem: whiteouts and opaque directories hide lower content, later
// layers override earlier ones, and findings are kept only while the file
// they came from is visible. Pure: works on LayerResults only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layer/analyzer.h"
#include "layer/walker.h"

namespace customs::layer {

struct TreeNode {
  int layer = -1;                  // index of the layer that provides this path
  const FileInfo* info = nullptr;  // that layer's entry
};

// The merged filesystem: every visible path and the layer it comes from. It
// refers to the applied LayerResults' entries (paths and FileInfo) instead of
// copying them, so those must outlive the tree.
class FileTree {
 public:
  // Applies one layer on top of the tree.
  void Apply(int layer_index, const LayerResult& layer);

  const TreeNode* Find(const std::string& path) const;
  // Follows symlinks (and hardlinks) inside the image root, never out of it:
  // absolute targets and ".." are taken relative to the root. Loops and
  // chains longer than kMaxSymlinkHops are InvalidArgument; a dangling link
  // is NotFound. Intermediate directories that are symlinks are resolved too.
  Result<std::string> Resolve(const std::string& path) const;

  const std::map<std::string_view, TreeNode>& nodes() const { return nodes_; }

 private:
  void RemoveSubtree(const std::string& dir, bool keep_dir);
  std::map<std::string_view, TreeNode> nodes_;
};

struct MergedFindings {
  FileTree tree;
  // Visible findings; every package's layer.index is the first layer that
  // had the same package (type, name, version, arch), as the layer that
  // "installed" it.
  Findings findings;
  // Diagnostics of every layer, visible or not.
  std::vector<model::Diagnostic> diagnostics;
  // Detections of every layer, visible or not (deleted files are still
  // shipped): layer.index is the layer they were found in, deleted_by.index
  // the later layer that deleted or replaced the file (-1 when visible).
  std::vector<model::Detection> detections;
};

// The result's tree refers into `layers`, which must outlive it.
MergedFindings Merge(const std::vector<const LayerResult*>& layers);

}  // namespace customs::layer
