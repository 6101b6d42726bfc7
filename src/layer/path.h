// Normalising member names of layer tarballs and resolving paths inside an
// image root, never outside it.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace customs::layer {

// Normalises a tar member name to a path relative to the image root:
// "./usr//bin/" -> "usr/bin". "." components are dropped; ".." components are
// resolved, and a name that climbs out of the root ("../etc/x", "a/../../b")
// is InvalidArgument. An absolute name ("/etc/passwd") is InvalidArgument
// too: image layers carry relative names, and an absolute one is either a
// broken producer or an attempt to write outside the extraction root.
// The root itself normalises to "".
Result<std::string> NormalizeMemberName(std::string_view name);

// Joins a symlink target onto the directory of the link, both relative to the
// image root, clamping ".." at the root the way the kernel does inside a
// chroot: the result never leaves the root.
// ResolveLinkTarget("usr/bin/sh", "../../bin/bash") == "bin/bash"
// ResolveLinkTarget("a/b", "/../../etc/x") == "etc/x"
std::string ResolveLinkTarget(std::string_view link_path, std::string_view target);

// Parent directory ("" for top-level entries) and base name.
std::string_view ParentDir(std::string_view path);
std::string_view BaseName(std::string_view path);

}  // namespace customs::layer
