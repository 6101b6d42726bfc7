// Realistic scan results for the reporter tests: Debian, Alpine (two
// platforms) and Rocky Linux images with epochs, '+', '~' and ':' in names
// and versions, SPDX and non-SPDX license strings, several layers and
// diagnostics. Digests are SHA-256 of short labels ("deb-layer-0", ...).
#pragma once

#include <vector>

#include "model/scan_result.h"
#include "report/report.h"

namespace customs::report::testdata {

inline constexpr char kDebManifest[] =
    "sha256:63f2f6cf6db12e37e067f76cf8262d734692ae3ae856eff72250a91fb975e9a3";
inline constexpr char kDebLayer0[] =
    "sha256:30744fc87b22e1930789620514f4da400b461a46cc69ccce0fea8ebda8fbf357";
inline constexpr char kDebLayer1[] =
    "sha256:15f30d0f243b1f4e4c6910ef96e35da715e643378f624086858cc4b858ab4eb0";
inline constexpr char kApkManifestAmd64[] =
    "sha256:186f9fed1cb18ad7ea5c2953470d4e4017b127a9d4ee5fc7e71c2b9e6bc1f227";
inline constexpr char kApkManifestArm64[] =
    "sha256:f839bccd3a093ca4b6eb9c85b238d06e30f1caebb4f6dbb736312932161a45d6";
inline constexpr char kAppManifest[] =
    "sha256:0d4f5bb0e36f8a5c64d2c3e1b7c3d1a8e4f1b2c3d4e5f60718293a4b5c6d7e8f";
inline constexpr char kAppLayer1[] =
    "sha256:2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344556677";
inline constexpr char kRpmManifest[] =
    "sha256:d2189a0a9d2e303addb99ce043bfa7292c4901918827041897852f3c72632222";

// debian:12 as a docker-archive with repo tag "debian:12": 3 layers, 8 deb
// packages in layers 0 and 1, one warning diagnostic (complete), and 7
// vulnerabilities: CVE-2023-4039 (gcc-12, unfixed, MEDIUM from NVD 4.8),
// CVE-2022-0563 (util-linux, will_not_fix, Debian "low"), CVE-2023-5678 on
// libssl3 and openssl (fixed in 3.0.13-1~deb12u1, Debian "low", NVD 5.3),
// and suppressed: CVE-2010-4756 (glibc, Debian "unimportant") and
// CVE-2024-0727 on libssl3 and openssl (ignore file).
model::ScanResult Debian();
// alpine:3.19 from a registry, one platform: 5 apk packages in layer 0.
model::ScanResult Alpine(const char* arch);  // "amd64" or "arm64"
// rockylinux:9 in an OCI layout: 6 rpm packages (two with epochs), one
// error diagnostic (incomplete).
model::ScanResult Rocky();

// registry.local:5000/team/app:1.4.2 on Debian 12: libssl3 (deb), lodash
// 4.17.20 (npm, layer 1) with CVE-2021-23337 (GHSA-35jh-r3h4-6jhm, HIGH,
// CVSS 3.1 7.2, fixed 4.17.21) and CVE-2020-28500 (GHSA-29mw-wpgm-hmr9,
// MEDIUM by database severity, no score), and rustdecimal 1.23.1 (cargo,
// layer 2) detected as contraband by MAL-2022-1.
model::ScanResult App();

ReportOptions Options();

}  // namespace customs::report::testdata
