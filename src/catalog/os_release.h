// OS detection: which distribution and release an image is built on.
//
// One image may hold several files that name its OS: the standard
// os-release(5) files and older distribution-specific ones
// (etc/redhat-release, etc/debian_version, etc/lsb-release, ...), plus
// Alpine's etc/apk/repositories, which names the release branch. Each file
// yields one candidate model::OsInfo (with source_path set); after the
// merge, ChooseOs picks the final answer from the candidates still visible.
//
// The parsers are pure (text in, value out) and lenient: a file they cannot
// make sense of yields an empty OsInfo, never an error. Field values with
// control characters are dropped rather than passed on to reports.
#pragma once

#include <string_view>
#include <vector>

#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// os-release(5) (etc/os-release, usr/lib/os-release): KEY=VALUE lines, "#"
// comments, values optionally in double quotes (with \" \\ \$ \` escapes) or
// single quotes (literal). Reads ID (lowercased), VERSION_ID,
// VERSION_CODENAME (or UBUNTU_CODENAME), PRETTY_NAME and ID_LIKE. Empty when
// there is no ID.
model::OsInfo ParseOsRelease(std::string_view text);

// etc/redhat-release, etc/centos-release, etc/system-release:
// "CentOS release 6.9 (Final)" -> {centos, 6.9, final}; the name before
// " release " maps to an id (Red Hat -> rhel, Oracle -> ol, Amazon -> amzn,
// Rocky -> rocky, AlmaLinux -> almalinux, Fedora -> fedora, ...).
model::OsInfo ParseRedhatRelease(std::string_view text);

// etc/debian_version: "10.4" -> {debian, 10.4}; "bullseye/sid" ->
// {debian, "bullseye/sid", codename bullseye}.
model::OsInfo ParseDebianVersion(std::string_view text);

// etc/lsb-release: DISTRIB_ID (lowercased), DISTRIB_RELEASE,
// DISTRIB_CODENAME, DISTRIB_DESCRIPTION.
model::OsInfo ParseLsbRelease(std::string_view text);

// etc/alpine-release: "3.20.3" -> {alpine, 3.20.3}.
model::OsInfo ParseAlpineRelease(std::string_view text);

// etc/SuSE-release: "SUSE Linux Enterprise Server 11 (x86_64)" then
// "VERSION = 11", "PATCHLEVEL = 4" -> {sles, 11.4}; openSUSE -> opensuse.
model::OsInfo ParseSuseRelease(std::string_view text);

// etc/apk/repositories: the branch of the first untagged Alpine repository,
// ".../alpine/v3.19/main" -> {alpine, 3.19}; ".../alpine/edge/main" ->
// {alpine, edge}.
model::OsInfo ParseApkRepositories(std::string_view text);

// Dispatches on the image path ("etc/os-release", ...) to the parser above
// and sets source_path. Empty for paths it does not know.
model::OsInfo ParseOsFile(std::string_view path, std::string_view text);

// Picks the image's OS from every candidate visible after the merge:
// os-release files win over distribution-specific files, which win over
// etc/apk/repositories; etc/os-release wins over usr/lib/os-release. When the
// winner has no version_id (Debian unstable's os-release has none), it is
// taken from the best other candidate with the same id (etc/debian_version,
// etc/alpine-release, ...). Empty when there are no candidates.
model::OsInfo ChooseOs(const std::vector<model::OsInfo>& candidates);

// The analyzer: wants the files above, records one candidate per file in
// Findings::os. A file that names no OS records nothing.
class OsReleaseCataloger : public layer::Analyzer {
 public:
  std::string_view Name() const override { return "os/release"; }
  int Version() const override { return 1; }
  bool Wants(const layer::FileInfo& info) const override;
  Status Analyze(const layer::File& file, layer::Findings& out) const override;
};

}  // namespace customs::catalog
