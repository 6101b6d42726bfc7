#!/usr/bin/env bash
# Installs the dependencies, builds customs, builds demo images from real
# parts (debootstrap bookworm minbase packed by umoci, Debian python/java/Go
# packages, an npm application from the npm registry, a Go program), gets
# advisory data and scans: vulnerabilities and contraband of the application
# image, contraband of an image of benign stand-ins (a miner-like program,
# EICAR, event-stream 3.3.6, a fetch-and-run cron job, generated keys, a
# secret deleted by a later layer, ...), then a CycloneDX SBOM in
# out/demo.cdx.json.
# Needs root for debootstrap (sudo is used when not root).
#
# Advisory data: `customs db update` from the public sources (OSV, the Debian
# security tracker, Alpine secdb). Where those are unreachable and
# ../shared/data is present (this project's machines), the DB is imported
# from that copy of real advisories instead.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build customs
$SUDO bash tests/images/build_images.sh tests/images/cache
mkdir -p out
customs=./build/src/cli/customs
db=out/advisories.db
shared=../shared/data
set -x
$customs db update --db "$db" ||
  { [ -d "$shared/osv" ] && $customs db import --db "$db" "$shared/osv" "$shared/feeds/debian" "$shared/feeds/alpine-secdb"; }
$customs db status --db "$db"
$customs scan oci:tests/images/cache/oci-lang:lang --db "$db"
$customs explain CVE-2021-44906 oci:tests/images/cache/oci-lang:lang --db "$db"
$customs scan oci:tests/images/cache/oci-contraband:contraband --scanners malware,secret,config
$customs sbom oci:tests/images/cache/oci-lang:lang -o out/demo.cdx.json
{ set +x; } 2>/dev/null
echo "SBOM written to out/demo.cdx.json"
