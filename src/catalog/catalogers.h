// The explicit list of catalogers (like yara's modules/module_list): every
// analyzer that records packages or the OS, in the order they are listed.
#pragma once

#include <memory>
#include <vector>

#include "layer/analyzer.h"
#include "model/package.h"

namespace customs::catalog {

// All OS catalogers: os-release, dpkg, apk, rpm.
std::vector<std::unique_ptr<layer::Analyzer>> OsCatalogers();

// All language catalogers: npm, Python, Java, Go, Rust, Ruby, PHP, .NET.
// Each sets Package::purl itself.
std::vector<std::unique_ptr<layer::Analyzer>> LanguageCatalogers();

// After the merge: joins package file lists (dpkg info/*.list) onto their
// packages, gives every deb package without licenses those its copyright
// file names (joined by package name), and sets every package's purl from
// its type and the image's OS.
void FinishPackages(const model::OsInfo& os, const std::vector<layer::PackageFiles>& package_files,
                    const std::vector<layer::PackageLicenses>& package_licenses,
                    std::vector<model::Package>& packages);

}  // namespace customs::catalog
