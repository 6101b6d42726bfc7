// Contraband found in an image: a known malicious package version, and later
// the content detectors' findings (miners, hacking tools, malware, secrets).
#pragma once

#include <string>

#include "model/package.h"
#include "model/vulnerability.h"

namespace customs::model {

struct Detection {
  // What kind of contraband: "malicious-package" (an OSV MAL- advisory
  // matched), later "coin-miner", "hacking-tool", "malware", "secret", ...
  std::string category;
  std::string rule_id;  // the advisory or rule that fired: "MAL-2022-1234"
  Severity severity = Severity::kCritical;
  std::string title;
  std::string purl;  // the package, when the detection is about one
  std::string path;  // file in the image, no leading "/"
  LayerRef layer;
  // What the finding rests on, in words ("OSV MAL-2022-1234 lists
  // event-stream 3.3.6 as malicious").
  std::string evidence;
};

}  // namespace customs::model
