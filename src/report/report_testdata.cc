#include "report/report_testdata.h"

namespace customs::report::testdata {

namespace {

model::LayerRef Layer(int index, const char* diff_id, const char* digest, const char* created_by) {
  model::LayerRef l;
  l.index = index;
  l.diff_id = diff_id;
  l.digest = digest;
  l.created_by = created_by;
  return l;
}

model::Package Pkg(const char* type, const char* name, const char* version, const char* arch,
                   const char* source_name, const char* source_version,
                   std::vector<std::string> licenses, const char* purl, const char* db_path,
                   const model::LayerRef& layer) {
  model::Package p;
  p.type = type;
  p.name = name;
  p.version = version;
  p.arch = arch;
  p.source_name = source_name;
  p.source_version = source_version;
  p.licenses = std::move(licenses);
  p.purl = purl;
  p.db_path = db_path;
  p.layer = layer;
  return p;
}

model::Vulnerability Vuln(const model::ScanResult& r, size_t package_index, const char* id,
                          model::VulnStatus status, model::Severity severity,
                          std::vector<std::string> fixed) {
  const model::Package& p = r.packages[package_index];
  model::Vulnerability v;
  v.id = id;
  v.package_index = package_index;
  v.package_name = p.name;
  v.package_type = p.type;
  v.purl = p.purl;
  // OS packages are compared by their source package's version.
  v.installed_version = p.source_version.empty() ? p.version : p.source_version;
  v.fixed_versions = std::move(fixed);
  v.status = status;
  v.severity = severity;
  v.layer = p.layer;
  v.path = p.db_path;
  return v;
}

model::CvssRecord Cvss(const char* version, const char* vector, double score, const char* source) {
  model::CvssRecord c;
  c.version = version;
  c.vector = vector;
  c.score = score;
  c.source = source;
  return c;
}

// What the Debian matcher fills in for a vulnerability it rated itself.
void FromDebian(model::Vulnerability& v, const char* urgency, const char* source_package) {
  v.severity_source = "debian";
  v.distro_severity = urgency;
  v.data_source = "debian";
  v.matched_by =
      std::string("Debian:12 source package ") + source_package + " " + v.installed_version;
  v.references = {"https://security-tracker.debian.org/tracker/" + v.id};
}

}  // namespace

model::ScanResult Debian() {
  model::ScanResult r;
  auto& img = r.image;
  img.reference = "docker-archive:/tmp/debian-12.tar";
  img.source = "docker-archive";
  img.manifest_digest = kDebManifest;
  img.config_digest = "sha256:df5912d9e55de22251af25ca4a4bc8d763e3bebcd22431c05e42c90d02edfd80";
  img.os = "linux";
  img.architecture = "amd64";
  img.created = "2024-03-12T01:20:31Z";
  img.repo_tags = {"debian:12"};
  auto l0 = Layer(0, kDebLayer0,
                  "sha256:1534965d5f69ce91d5a6acc35c2673caf1e8dd8055fdb91e996b580c08f7a448",
                  "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011 in / ");
  auto l1 = Layer(1, kDebLayer1,
                  "sha256:ca43e8cd3b519b0d675bcd49009472b104b279cc38edb0163fb20d335a3edd12",
                  "RUN /bin/sh -c apt-get update && apt-get install -y openssl # buildkit");
  auto l2 = Layer(2, "sha256:83834a2a61257e9d5c6f7e7613beda92a3365728c92ae9896bf3bff3659f7e25",
                  "sha256:9de5dc80e3e5ff660aa6d57d8d197ba067ada1c33ab8fe4c0ac24050b6b048af",
                  "COPY app /app # buildkit");
  img.layers = {l0, l1, l2};
  img.history = {{"2024-03-12T01:20:30Z", l0.created_by, "", false},
                 {"2024-03-12T01:20:31Z", "/bin/sh -c #(nop)  CMD [\"bash\"]", "", true},
                 {"2024-03-13T09:00:00Z", l1.created_by, "buildkit.dockerfile.v0", false},
                 {"2024-03-13T09:00:05Z", l2.created_by, "buildkit.dockerfile.v0", false}};
  img.config.user = "app";
  img.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  img.config.cmd = {"bash"};
  img.config.working_dir = "/app";
  img.config.exposed_ports = {"8080/tcp"};
  img.config.labels = {{"org.opencontainers.image.source", "https://example.com/app"}};

  r.os.id = "debian";
  r.os.version_id = "12";
  r.os.version_codename = "bookworm";
  r.os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
  r.os.source_path = "etc/os-release";

  const char* db = "var/lib/dpkg/status";
  r.packages = {
      Pkg("deb", "base-files", "12.4+deb12u5", "amd64", "base-files", "12.4+deb12u5",
          {"GPL-2.0-or-later"},
          "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12", db, l0),
      Pkg("deb", "libc6", "2.36-9+deb12u4", "amd64", "glibc", "2.36-9+deb12u4",
          {"LGPL-2.1-or-later", "GPL-2.0-or-later"},
          "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", db, l0),
      Pkg("deb", "libstdc++6", "12.2.0-14", "amd64", "gcc-12", "12.2.0-14",
          {"GPL-3.0-or-later WITH GCC-exception-3.1"},
          "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12", db, l0),
      Pkg("deb", "libblkid1", "2.38.1-5+b1", "amd64", "util-linux", "2.38.1-5",
          {"GPL-2+ and BSD", "LGPL-2.1-or-later"},
          "pkg:deb/debian/libblkid1@2.38.1-5%2Bb1?arch=amd64&distro=debian-12", db, l0),
      Pkg("deb", "passwd", "1:4.13+dfsg1-1+b1", "amd64", "shadow", "1:4.13+dfsg1-1",
          {"GPL-2+ and BSD"},
          "pkg:deb/debian/passwd@4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12&epoch=1", db, l0),
      Pkg("deb", "tzdata", "2024a-0+deb12u1", "all", "tzdata", "2024a-0+deb12u1", {"public-domain"},
          "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12", db, l0),
      Pkg("deb", "openssl", "3.0.11-1~deb12u2", "amd64", "openssl", "3.0.11-1~deb12u2",
          {"Apache-2.0"}, "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", db,
          l1),
      Pkg("deb", "libssl3", "3.0.11-1~deb12u2", "amd64", "openssl", "3.0.11-1~deb12u2",
          {"Apache-2.0", "Artistic-1.0 OR GPL-1.0-or-later"},
          "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", db, l1),
  };
  r.packages[0].maintainer = "Santiago Vila <sanvila@debian.org>";
  r.packages[1].files = {"lib/x86_64-linux-gnu/libc.so.6", "usr/share/doc/libc6/copyright"};
  r.packages[6].files = {"usr/bin/openssl", "usr/lib/ssl/openssl.cnf"};

  model::Diagnostic warning;
  warning.severity = model::DiagnosticSeverity::kWarning;
  warning.code = "file-too-large";
  warning.layer = kDebLayer1;
  warning.path = "usr/share/doc/big.tar";
  warning.message = "file of 2147483648 bytes exceeds the limit of 1048576; not analyzed";
  r.diagnostics = {warning};

  // Vulnerabilities as the matcher reports them, sorted by severity then id.
  using model::Severity;
  using model::VulnStatus;
  // CVE-2023-4039: no fix in bookworm, rated by its NVD score (gcc-12).
  auto gcc = Vuln(r, 2, "CVE-2023-4039", VulnStatus::kAffected, Severity::kMedium, {});
  gcc.severity_source = "cvss:nvd";
  gcc.cvss = {Cvss("3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", 4.8, "nvd")};
  gcc.score = 4.8;
  gcc.title = "gcc: -fstack-protector fails to guard dynamic stack allocations on ARM64";
  gcc.references = {"https://nvd.nist.gov/vuln/detail/CVE-2023-4039"};
  gcc.published = "2023-09-13T09:15:15Z";
  gcc.modified = "2024-08-02T08:15:14Z";
  gcc.data_source = "debian";
  gcc.matched_by = "Debian:12 source package gcc-12 12.2.0-14";
  // CVE-2022-0563: Debian will not fix it in bookworm (util-linux).
  auto blkid = Vuln(r, 3, "CVE-2022-0563", VulnStatus::kWillNotFix, Severity::kLow, {});
  FromDebian(blkid, "low", "util-linux");
  blkid.cvss = {Cvss("3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "nvd")};
  blkid.score = 5.5;
  blkid.title =
      "util-linux: partial disclosure of arbitrary files in chfn and chsh when compiled with "
      "libreadline";
  blkid.published = "2022-02-21T19:15:08Z";
  // CVE-2023-5678: fixed in 3.0.13-1~deb12u1, on both binary packages of openssl.
  std::vector<model::Vulnerability> dh;
  for (size_t index : {7, 6}) {
    auto v =
        Vuln(r, index, "CVE-2023-5678", VulnStatus::kFixed, Severity::kLow, {"3.0.13-1~deb12u1"});
    FromDebian(v, "low", "openssl");
    v.cvss = {Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3, "nvd")};
    v.score = 5.3;
    v.title =
        "openssl: Generating excessively long X9.42 DH keys or checking excessively long "
        "X9.42 DH keys or parameters may be very slow";
    v.references.push_back("https://www.openssl.org/news/secadv/20231106.txt");
    v.published = "2023-11-06T16:15:42Z";
    dh.push_back(std::move(v));
  }
  // Suppressed: one rated unimportant by Debian, two by the ignore file.
  auto libc = Vuln(r, 1, "CVE-2010-4756", VulnStatus::kAffected, Severity::kNegligible, {});
  FromDebian(libc, "unimportant", "glibc");
  libc.title = "glibc: glob implementation can cause excessive CPU and memory consumption";
  libc.suppressed_by = "rated unimportant by debian (--include-unimportant to show)";
  std::vector<model::Vulnerability> pkcs12;
  for (size_t index : {7, 6}) {
    auto v =
        Vuln(r, index, "CVE-2024-0727", VulnStatus::kFixed, Severity::kLow, {"3.0.13-1~deb12u1"});
    FromDebian(v, "low", "openssl");
    v.cvss = {Cvss("3.1", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 5.5, "nvd")};
    v.score = 5.5;
    v.title = "openssl: denial of service via null dereference in PKCS12 parsing";
    v.suppressed_by = "ignore file .customsignore:3: the app never parses PKCS12";
    pkcs12.push_back(std::move(v));
  }
  r.vulnerabilities = {gcc, blkid, dh[0], dh[1], libc, pkcs12[0], pkcs12[1]};
  return r;
}

model::ScanResult Alpine(const char* arch) {
  bool arm = std::string(arch) == "arm64";
  const char* apk_arch = arm ? "aarch64" : "x86_64";
  model::ScanResult r;
  auto& img = r.image;
  img.reference = "alpine:3.19";
  img.source = "registry";
  img.manifest_digest = arm ? kApkManifestArm64 : kApkManifestAmd64;
  img.config_digest =
      arm ? "sha256:2ebf3f5b70e99c82f9f95df8f4bfb4379375f9a0ec54176365d738265c2807fc"
          : "sha256:54135459c32009ec8107de32d448390a5e4607074e31e2b730f464407c25f654";
  img.os = "linux";
  img.architecture = arch;
  if (arm) img.variant = "v8";
  auto l0 = Layer(0, "sha256:1d3f99eeac77be18cfab1775b4a3feacc4d9afd62ae2f9ff2a826bf7ccc4bf3c", "",
                  "/bin/sh -c #(nop) ADD "
                  "file:37a76ec18f9887751cd8473744917d08b7431fc4085097bb6a09d81b41775473 in / ");
  img.layers = {l0};
  img.history = {{"2024-01-27T00:30:48Z", l0.created_by, "", false}};
  img.config.cmd = {"/bin/sh"};

  r.os.id = "alpine";
  r.os.version_id = "3.19.1";
  r.os.pretty_name = "Alpine Linux v3.19";
  r.os.source_path = "etc/os-release";

  auto purl = [&](const char* name, const char* version) {
    return std::string("pkg:apk/alpine/") + name + "@" + version + "?arch=" + apk_arch +
           "&distro=3.19.1";
  };
  const char* db = "lib/apk/db/installed";
  r.packages = {
      Pkg("apk", "musl", "1.2.4_git20230717-r4", apk_arch, "musl", "1.2.4_git20230717-r4", {"MIT"},
          "", db, l0),
      Pkg("apk", "busybox", "1.36.1-r15", apk_arch, "busybox", "1.36.1-r15", {"GPL-2.0-only"}, "",
          db, l0),
      Pkg("apk", "ca-certificates-bundle", "20240226-r0", apk_arch, "ca-certificates",
          "20240226-r0", {"MPL-2.0 AND MIT"}, "", db, l0),
      Pkg("apk", "libcrypto3", "3.1.4-r5", apk_arch, "openssl", "3.1.4-r5", {"Apache-2.0"}, "", db,
          l0),
      Pkg("apk", "zlib", "1.3.1-r0", apk_arch, "zlib", "1.3.1-r0", {"Zlib"}, "", db, l0),
  };
  for (auto& p : r.packages) p.purl = purl(p.name.c_str(), p.version.c_str());
  return r;
}

model::ScanResult Rocky() {
  model::ScanResult r;
  auto& img = r.image;
  img.reference = "oci:/srv/images/rocky:9.3";
  img.source = "oci";
  img.manifest_digest = kRpmManifest;
  img.config_digest = "sha256:60894a84663fa294f0a585cfb5d9b8203464a0c4060fb03568a06ce67560f303";
  img.os = "linux";
  img.architecture = "amd64";
  auto l0 = Layer(0, "sha256:8020cc4e0392e2e650f65924cfe3aa06befc90e6ca0c86bb5768a9d2dbe7eab4", "",
                  "/bin/sh -c #(nop) ADD file:rocky-9.3-x86_64 in / ");
  auto l1 = Layer(1, "sha256:b64d3d7e3cfac9dbf13494de5dc625d7b56a2e38d638504aaa45a580d066269a", "",
                  "RUN dnf install -y openssl && dnf clean all");
  img.layers = {l0, l1};

  r.os.id = "rocky";
  r.os.version_id = "9.3";
  r.os.pretty_name = "Rocky Linux 9.3 (Blue Onyx)";
  r.os.id_like = "rhel centos fedora";
  r.os.source_path = "etc/os-release";

  const char* db = "var/lib/rpm/rpmdb.sqlite";
  r.packages = {
      Pkg("rpm", "bash", "5.1.8-6.el9_1", "x86_64", "bash", "5.1.8-6.el9_1", {"GPLv3+"},
          "pkg:rpm/rocky/bash@5.1.8-6.el9_1?arch=x86_64&distro=rocky-9.3", db, l0),
      Pkg("rpm", "glibc", "2.34-83.el9_3.7", "x86_64", "glibc", "2.34-83.el9_3.7",
          {"LGPLv2+ and LGPLv2+ with exceptions and GPLv2+ and GPLv2+ with exceptions and BSD "
           "and Inner-Net and ISC and Public Domain and GFDL"},
          "pkg:rpm/rocky/glibc@2.34-83.el9_3.7?arch=x86_64&distro=rocky-9.3", db, l0),
      Pkg("rpm", "shadow-utils", "4.9-8.el9", "x86_64", "shadow-utils", "4.9-8.el9",
          {"BSD and GPLv2+"},
          "pkg:rpm/rocky/shadow-utils@4.9-8.el9?arch=x86_64&distro=rocky-9.3&epoch=2", db, l0),
      Pkg("rpm", "tzdata", "2023c-1.el9", "noarch", "tzdata", "2023c-1.el9", {"Public Domain"},
          "pkg:rpm/rocky/tzdata@2023c-1.el9?arch=noarch&distro=rocky-9.3", db, l0),
      Pkg("rpm", "openssl-libs", "3.0.7-25.el9_3", "x86_64", "openssl", "3.0.7-25.el9_3",
          {"ASL 2.0"},
          "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1", db, l1),
      Pkg("rpm", "openssl", "3.0.7-25.el9_3", "x86_64", "openssl", "3.0.7-25.el9_3", {"ASL 2.0"},
          "pkg:rpm/rocky/openssl@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1", db, l1),
  };
  r.packages[2].epoch = 2;
  r.packages[4].epoch = 1;
  r.packages[5].epoch = 1;

  model::Diagnostic error;
  error.severity = model::DiagnosticSeverity::kError;
  error.code = "bad-package-db";
  error.layer = l1.diff_id;
  error.path = "usr/lib/sysimage/rpm/rpmdb.sqlite";
  error.message = "rpmdb.sqlite: page 7 at offset 24576: bad b-tree page type 0x00";
  r.diagnostics = {error};
  return r;
}

model::ScanResult App() {
  model::ScanResult r;
  auto& img = r.image;
  img.reference = "registry.local:5000/team/app:1.4.2";
  img.source = "registry";
  img.manifest_digest = kAppManifest;
  img.config_digest = "sha256:5b7a3f9c0f4e6d2d4fb0f1b1a5dd2a0c8e3c0c2e2f5cfd2a1f4f3a7d8c9b0e1f";
  img.os = "linux";
  img.architecture = "amd64";
  auto l0 = Layer(0, "sha256:1f1e2a1c6b0f3f5f2c8d9a7e6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c", "",
                  "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011 in / ");
  auto l1 = Layer(1, kAppLayer1, "", "COPY app /srv/app # buildkit");
  auto l2 = Layer(2, "sha256:7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5", "",
                  "COPY gitlab-helper /usr/local/bin/ # buildkit");
  img.layers = {l0, l1, l2};

  r.os.id = "debian";
  r.os.version_id = "12";
  r.os.version_codename = "bookworm";
  r.os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
  r.os.source_path = "etc/os-release";

  r.packages = {
      Pkg("deb", "libssl3", "3.0.11-1~deb12u2", "amd64", "openssl", "3.0.11-1~deb12u2",
          {"Apache-2.0"}, "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
          "var/lib/dpkg/status", l0),
      Pkg("npm", "lodash", "4.17.20", "", "", "", {"MIT"}, "pkg:npm/lodash@4.17.20",
          "srv/app/node_modules/lodash/package.json", l1),
      Pkg("cargo", "rustdecimal", "1.23.1", "", "", "", {"MIT"}, "pkg:cargo/rustdecimal@1.23.1",
          "usr/local/bin/gitlab-helper", l2),
  };

  using model::Severity;
  using model::VulnStatus;
  // GHSA-35jh-r3h4-6jhm (../shared/data/osv/ghsa): command injection, fixed in 4.17.21.
  auto injection = Vuln(r, 1, "CVE-2021-23337", VulnStatus::kFixed, Severity::kHigh, {"4.17.21"});
  injection.aliases = {"GHSA-35jh-r3h4-6jhm"};
  injection.severity_source = "cvss:ghsa";
  injection.cvss = {Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, "ghsa")};
  injection.score = 7.2;
  injection.title = "Command Injection in lodash";
  injection.references = {
      "https://nvd.nist.gov/vuln/detail/CVE-2021-23337",
      "https://github.com/lodash/lodash/commit/3469357cff396a26c363f8c1b5a91dde28ba4b1c"};
  injection.published = "2021-05-06T16:05:51Z";
  injection.modified = "2022-02-08T21:35:09Z";
  injection.data_source = "osv";
  injection.matched_by = "npm package lodash 4.17.20";
  // GHSA-29mw-wpgm-hmr9: rated by the database's severity only, no score.
  auto redos = Vuln(r, 1, "CVE-2020-28500", VulnStatus::kFixed, Severity::kMedium, {"4.17.21"});
  redos.aliases = {"GHSA-29mw-wpgm-hmr9"};
  redos.severity_source = "ghsa";
  redos.title = "Regular Expression Denial of Service (ReDoS) in lodash";
  redos.references = {"https://github.com/advisories/GHSA-29mw-wpgm-hmr9"};
  redos.published = "2022-01-06T20:30:46Z";
  redos.data_source = "osv";
  redos.matched_by = "npm package lodash 4.17.20";
  r.vulnerabilities = {injection, redos};

  // RUSTSEC-2022-0042 / MAL-2022-1: rustdecimal was a typosquat of rust_decimal.
  model::Detection mal;
  mal.category = "malicious-package";
  mal.rule_id = "MAL-2022-1";
  mal.severity = Severity::kCritical;
  mal.title = "malicious crate `rustdecimal`";
  mal.purl = "pkg:cargo/rustdecimal@1.23.1";
  mal.path = "usr/local/bin/gitlab-helper";
  mal.layer = l2;
  mal.evidence = "osv advisory MAL-2022-1 lists rustdecimal 1.23.1 (crates.io) as malicious";
  r.detections = {mal};
  return r;
}

ReportOptions Options() {
  ReportOptions o;
  o.tool_version = "0.1.0";
  o.timestamp = "2024-05-01T12:00:00Z";
  o.information_uri = "https://example.com/customs";
  return o;
}

}  // namespace customs::report::testdata
