// Verdicts from behaviour: what a sandbox run shows an image to be, as
// Detections with the contraband categories, each with the events it rests
// on as evidence.
//
//   coin miner            stratum traffic (a login or mining.subscribe), a
//                         pool name resolved, a miner program run; sustained
//                         CPU is added as support, never alone
//   reverse shell         a program run with stdin or stdout on a socket the
//                         container connected out
//   download-and-execute  a file written at run time, then run, after a
//                         fetch; without a fetch it is "drop and execute"
//   persistence           writes to cron, ld.so.preload, authorized_keys,
//                         init scripts or systemd units, shell profiles
//   scanning              connection attempts to many addresses or ports
//   in-memory execution   a program run from a memfd
//
// Pure.
#pragma once

#include <vector>

#include "model/behavior.h"
#include "model/detection.h"

namespace customs::sandbox {

// Rule ids, for allow-lists and tests.
inline constexpr std::string_view kRuleMiner = "behavior-coin-miner";
inline constexpr std::string_view kRuleReverseShell = "behavior-reverse-shell";
inline constexpr std::string_view kRuleDownloadExec = "behavior-download-execute";
inline constexpr std::string_view kRuleDropExec = "behavior-drop-execute";
inline constexpr std::string_view kRulePersistence = "behavior-persistence";
inline constexpr std::string_view kRuleScanning = "behavior-scanning";
inline constexpr std::string_view kRuleMemfdExec = "behavior-memfd-execute";

std::vector<model::Detection> JudgeBehavior(const model::BehaviorReport& report);

}  // namespace customs::sandbox
