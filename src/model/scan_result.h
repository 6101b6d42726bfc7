// The result of scanning one image (one platform of a multi-platform image).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/behavior.h"
#include "model/detection.h"
#include "model/package.h"
#include "model/vulnerability.h"

namespace customs::model {

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// What the image config says about running the image.
struct RunConfig {
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports;
  std::map<std::string, std::string> labels;
};

struct ImageInfo {
  std::string reference;  // as the user wrote it
  std::string source;     // "docker-archive", "oci", "oci-archive", "rootfs"
  std::string manifest_digest;
  std::string config_digest;
  std::string os;
  std::string architecture;
  std::string variant;
  bool platform_from_index = false;  // chosen from a multi-platform index
  std::string created;
  std::vector<std::string> repo_tags;
  std::vector<LayerRef> layers;
  std::vector<HistoryEntry> history;
  RunConfig config;
};

struct ScanResult {
  ImageInfo image;
  OsInfo os;
  std::vector<Package> packages;
  std::vector<Vulnerability> vulnerabilities;  // matched, sorted by severity then id
  std::vector<Detection> detections;           // contraband
  std::vector<Diagnostic> diagnostics;
  // What the image did when run in the sandbox (--scanners behavior, or
  // `customs sandbox`); its verdicts are among `detections`.
  std::optional<BehaviorReport> behavior;
  // False when any diagnostic of severity error was recorded.
  bool complete() const {
    for (const auto& d : diagnostics)
      if (d.severity == DiagnosticSeverity::kError) return false;
    return true;
  }
};

}  // namespace customs::model
