// Times vulnerability matching: N language packages named after the
// packages of real advisories (each name in turn, as an image holds many
// different packages), matched against an advisory DB. Every package has
// advisories, so every lookup finds rows and evaluates ranges. Versions:
//   worst    a version taken from the advisories' range events in turn, so
//            most packages are affected (about two findings per package);
//   current  the highest version any of its advisories names, as in an
//            image kept up to date: affected only by unfixed advisories.
//
//   customs_match_bench DB OSV_DIR [N=10000] [RUNS=7] [worst|current] [THREADS=0]
//
// THREADS is MatchOptions::threads: 0 for the default (one per core, at
// most 2), 1 for a single thread.
//
// Prints each run's wall time and the median; no pass/fail.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "vuln/advisory_db.h"
#include "vuln/feeds.h"
#include "vuln/matcher.h"
#include "vuln/version.h"

namespace {

using customs::vuln::Advisory;

std::string PackageType(const std::string& ecosystem) {
  static const std::map<std::string, std::string> kTypes = {
      {"npm", "npm"},      {"PyPI", "pypi"},   {"Go", "golang"},         {"crates.io", "cargo"},
      {"RubyGems", "gem"}, {"NuGet", "nuget"}, {"Packagist", "composer"}};
  auto it = kTypes.find(ecosystem);
  return it == kTypes.end() ? "" : it->second;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: customs_match_bench DB OSV_DIR [N] [RUNS]\n");
    return 2;
  }
  size_t n = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10000;
  int runs = argc > 4 ? std::atoi(argv[4]) : 7;
  std::string mode = argc > 5 ? argv[5] : "worst";
  customs::vuln::MatchOptions options;
  options.threads = argc > 6 ? std::atoi(argv[6]) : 0;
  if (mode != "worst" && mode != "current") {
    std::fprintf(stderr, "mode must be worst or current, not %s\n", mode.c_str());
    return 2;
  }
  std::map<std::string, std::string> ecosystems;  // package type -> OSV ecosystem
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> versions;
  auto read = customs::vuln::ReadAdvisories(argv[2], [&](Advisory&& a) {
    for (const auto& af : a.affected) {
      std::string type = PackageType(af.ecosystem);
      if (type.empty()) continue;
      ecosystems[type] = af.ecosystem;
      for (const auto& r : af.ranges)
        for (const auto& e : r.events) {
          if (e.version == "0") continue;
          versions[{type, af.package}].push_back(type == "golang" ? "v" + e.version : e.version);
        }
    }
    return customs::Status::Ok();
  });
  if (!read.ok() || versions.empty()) {
    std::fprintf(stderr, "reading %s: %s\n", argv[2], read.status().ToString().c_str());
    return 2;
  }
  std::vector<customs::model::Package> packages;
  for (size_t round = 0; packages.size() < n; ++round)
    for (const auto& [key, list] : versions) {
      if (packages.size() == n) break;
      customs::model::Package p;
      p.type = key.first;
      p.name = key.second;
      if (mode == "worst") {
        p.version = list[(round * 7 + p.name.size()) % list.size()];
      } else {
        auto scheme = customs::vuln::SchemeForEcosystem(ecosystems[p.type]);
        p.version = list.front();
        for (const auto& v : list) {
          auto c = customs::vuln::CompareVersions(*scheme, v, p.version);
          if (c.ok() && *c > 0) p.version = v;
        }
      }
      p.purl = "pkg:" + p.type + "/" + p.name + "@" + p.version;
      packages.push_back(std::move(p));
    }
  auto db = customs::vuln::AdvisoryDb::Open(argv[1]);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 2;
  }
  // The floor: one indexed lookup per package, nothing compared.
  {
    auto start = std::chrono::steady_clock::now();
    size_t rows = 0;
    for (const auto& p : packages) {
      auto r = db->FindAffected(customs::vuln::LanguageEcosystem(p.type), p.name);
      if (r.ok()) rows += r->size();
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("lookups only: %zu packages, %zu affected rows, %.1f ms\n", packages.size(), rows,
                ms);
  }
  std::vector<double> times;
  size_t found = 0;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto out = customs::vuln::MatchPackages(*db, {}, packages, options);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.status().ToString().c_str());
      return 2;
    }
    found = out->vulnerabilities.size();
    times.push_back(ms);
    std::printf("run %d: %zu packages, %zu vulnerabilities, %.1f ms\n", run + 1, packages.size(),
                found, ms);
  }
  std::sort(times.begin(), times.end());
  std::printf("median: %.1f ms (min %.1f) for %zu packages (%zu vulnerabilities)\n",
              times[times.size() / 2], times.front(), packages.size(), found);
  return 0;
}
