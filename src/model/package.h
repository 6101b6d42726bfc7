// Plain value types passed between the stages of a scan. No behaviour beyond
// small helpers; every stage reads and writes these, none reaches into another.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace customs::model {

// Where something came from inside an image: the layer that introduced it.
struct LayerRef {
  int index = -1;          // position in the image's layer list, from 0
  std::string diff_id;     // "sha256:..." of the uncompressed layer
  std::string digest;      // "sha256:..." of the blob as shipped
  std::string created_by;  // the config history line that made the layer

  bool operator==(const LayerRef&) const = default;
};

// One installed package: an OS package or (later) a language package.
struct Package {
  std::string type;  // purl type: "deb", "apk", "rpm", "npm", "pypi", ...
  std::string name;
  // The version as the ecosystem writes it. dpkg keeps its epoch inside
  // ("1:2.36-9"); rpm is "version-release" with the epoch apart below.
  std::string version;
  std::optional<uint32_t> epoch;  // rpm only
  std::string arch;
  // The source package it was built from (Debian "Source:", Alpine "o:",
  // rpm SOURCERPM name). Equal to name/version when the database has none.
  std::string source_name;
  std::string source_version;
  std::vector<std::string> licenses;
  std::string maintainer;
  std::string purl;
  std::string db_path;  // the database file it was read from, no leading "/"
  // Inside an archive file at db_path (a jar in a jar): the path within it,
  // "BOOT-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties"; else empty.
  std::string inner_path;
  // Language packages: "prod", "dev" (a lockfile's dev dependency) or ""
  // when unknown.
  std::string scope;
  // npm lifecycle scripts (preinstall, install, postinstall, prepare) as
  // written in package.json: kept for the contraband checks.
  std::map<std::string, std::string> scripts;
  LayerRef layer;  // the layer that installed this version
  // Language packages whose file (db_path) an OS package installed, such as
  // Debian's python3-requests shipping requests' egg-info: the purl of that
  // OS package. Matching then uses the distro's advisories. Empty otherwise.
  std::string owner;
  // Files the package database says it owns ("usr/bin/bash", no leading
  // "/"), where the database lists them.
  std::vector<std::string> files;

  bool operator==(const Package&) const = default;
};

// The operating system of the image, from os-release and friends.
struct OsInfo {
  std::string id;          // "debian", "alpine", "rhel", ...
  std::string version_id;  // "12", "3.20.3"
  std::string version_codename;
  std::string pretty_name;
  std::string id_like;
  std::string source_path;  // file it was read from
  bool empty() const { return id.empty(); }
  bool operator==(const OsInfo&) const = default;
};

enum class DiagnosticSeverity { kWarning, kError };

// A problem that did not stop the scan: an unreadable package database, a
// file too large to analyze. Its presence makes the result incomplete.
struct Diagnostic {
  DiagnosticSeverity severity = DiagnosticSeverity::kError;
  std::string code;     // stable: "bad-package-db", "file-too-large", ...
  std::string layer;    // diff_id, empty when not layer-specific
  std::string path;     // path inside the image, empty when not a file
  std::string message;  // what was wrong, with offset or line

  bool operator==(const Diagnostic&) const = default;
};

}  // namespace customs::model
