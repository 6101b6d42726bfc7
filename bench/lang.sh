#!/usr/bin/env bash
# Language-package benchmark (issue "Language packages in images"): customs
# against Trivy and the floor on the image of bench/make_lang_image.sh
# (Debian python3/java packages, fzf, a Go program, an npm app and
# react-scripts' ~1,300 npm packages), as a docker-archive.
#
#   bench/lang.sh [--customs BIN] [--floor BIN] [--images DIR] [--trivy DIR] [--runs N]
#
# Trivy runs offline with --skip-files '**/*.jar': offline it refuses images
# with jars unless they are skipped, because it wants to download its Java DB.
# Prints each run, medians and the customs/trivy ratio, then compares the
# package sets (bench/compare_lang.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
floor="$root/build/bench/customs_floor"
images="$root/tests/images/cache"
trivy="$root/bench/work/trivy/trivy"
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --floor) floor="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --trivy) trivy="$2/trivy"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "lang.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
image="$images/langbig.docker-archive.tar"
[ -f "$image" ] || { echo "lang.sh: run bench/make_lang_image.sh $images first" >&2; exit 2; }
work="$root/bench/work/lang"
mkdir -p "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

. "$here/common.sh"
runs_file="$work/runs.txt"
: >"$runs_file"
for i in $(seq "$runs"); do
  cache=$(mktemp -d)
  bench_run "$runs_file" trivy "$trivy" image --cache-dir "$cache" --input "$image" \
    --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update \
    --skip-files '**/*.jar' --quiet --output /dev/null
  rm -rf "$cache"
  XDG_CACHE_HOME=$(mktemp -d) bench_run "$runs_file" customs "$customs" sbom \
    "docker-archive:$image" -o /dev/null
  bench_run "$runs_file" floor "$floor" "docker-archive:$image"
done
bench_summary "$runs_file" customs/trivy customs/floor
cache=$(mktemp -d)
"$trivy" image --cache-dir "$cache" --input "$image" --format cyclonedx --offline-scan \
  --skip-db-update --skip-java-db-update --skip-files '**/*.jar' --quiet --output "$work/trivy.cdx.json"
rm -rf "$cache"
"$customs" sbom "docker-archive:$image" -o "$work/customs.cdx.json"
python3 "$here/compare_lang.py" "$work/customs.cdx.json" "$work/trivy.cdx.json"
