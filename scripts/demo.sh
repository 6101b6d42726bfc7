#!/usr/bin/env bash
# Installs the dependencies, builds customs, builds a demo image from real
# parts (debootstrap bookworm minbase packed by umoci, copied by skopeo) and
# scans it: the package table, then a CycloneDX SBOM in out/demo.cdx.json.
# Needs root for debootstrap (sudo is used when not root).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build customs
$SUDO bash tests/images/build_images.sh tests/images/cache
mkdir -p out
set -x
./build/src/cli/customs scan docker-archive:tests/images/cache/multilayer.docker-archive.tar
./build/src/cli/customs sbom oci:tests/images/cache/oci-multilayer:multi -o out/demo.cdx.json
{ set +x; } 2>/dev/null
echo "SBOM written to out/demo.cdx.json"
