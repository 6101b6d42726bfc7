#!/usr/bin/env bash
# Contraband benchmark (issue "Find contraband"): content scanning of every
# byte of an image, customs against the peers in one run, round-robin:
#
#   customs-1core  taskset -c 0 customs scan --scanners malware,secret --parallel 1
#   yara-1core     taskset -c 0 yara -r -N -p 1 with the same rules (rules/*.yar,
#                  externals defined) over the extracted tree
#   yara-1core+gz  the same over the tree and then over the members of its
#                  gzip files, decompressed once beforehand: the bytes
#                  customs scans (it opens gzip members; yara does not)
#   customs        customs scan --scanners malware,secret (both cores)
#   clamscan       clamscan -r over the extracted tree with a database made here
#                  (EICAR's hash): this machine cannot download ClamAV's official
#                  database, so clamscan's figure is its engine and file walk
#                  with almost no signatures - a floor for it, not its real cost
#   customs-secret customs scan --scanners secret (both cores): the secret
#                  rules only, what Trivy's secret scanner is compared with
#   trivy-secret   trivy image --scanners secret --input IMAGE
#
#   bench/contraband.sh [--customs BIN] [--image ARCHIVE] [--trivy DIR] [--runs N] [--no-trivy]
#
# IMAGE defaults to the debootstrap image of tests/images/build_images.sh
# (docker-archive, one uncompressed layer). The tree is that layer
# extracted once. Then the memory check: customs on the ~1.2 GB image of
# bench/make_big_image.sh, peak RSS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
image="$root/tests/images/cache/debian.docker-archive.tar"
big="$root/tests/images/cache/big.docker-archive.tar"
trivy="$root/bench/work/trivy/trivy"
runs=5
with_trivy=1
while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --trivy) trivy="$2/trivy"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-trivy) with_trivy=0; shift ;;
    *) echo "contraband.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$image" ] || { echo "contraband.sh: $image missing: run tests/images/build_images.sh" >&2; exit 2; }
for tool in yara clamscan taskset; do
  command -v "$tool" >/dev/null || { echo "contraband.sh: $tool missing: scripts/install-deps.sh" >&2; exit 2; }
done
work="$root/bench/work/contraband"
mkdir -p "$work"
. "$here/common.sh"

# The image's layers extracted in order (a docker-archive: manifest.json).
tree="$work/tree"
if [ ! -d "$tree" ]; then
  rm -rf "$tree.tmp" "$work/archive"
  mkdir -p "$tree.tmp" "$work/archive"
  tar -C "$work/archive" -xf "$image"
  python3 - "$work/archive" "$tree.tmp" <<'PY'
import json, os, subprocess, sys
archive, tree = sys.argv[1:]
for layer in json.load(open(os.path.join(archive, "manifest.json")))[0]["Layers"]:
    subprocess.run(["tar", "-C", tree, "--no-same-owner", "-xf", os.path.join(archive, layer)],
                   check=True)
PY
  rm -rf "$work/archive"
  mv "$tree.tmp" "$tree"
fi
echo "tree: $(du -sb "$tree" | cut -f1) bytes in $(find "$tree" -type f | wc -l) files"
# The members of the tree's gzip files, each as <path without .gz>.member.
members="$work/gzip-members"
if [ ! -d "$members" ]; then
  rm -rf "$members.tmp"
  mkdir -p "$members.tmp"
  (cd "$tree" && find . -type f -name '*.gz' -print0) | while IFS= read -r -d '' f; do
    mkdir -p "$members.tmp/$(dirname "$f")"
    gzip -dc "$tree/$f" >"$members.tmp/${f%.gz}.member" 2>/dev/null || true
  done
  mv "$members.tmp" "$members"
fi
echo "gzip members: $(du -sb "$members" | cut -f1) bytes in $(find "$members" -type f | wc -l) files"
clamdb="$work/clamdb"
mkdir -p "$clamdb"
eicar="$(printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')"
printf '%s:68:Customs.Test.EICAR\n' "$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)" >"$clamdb/test.hdb"
yara_externals=(-d filepath= -d filename= -d filemode=0 -d window_offset=0)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

runs_file="$work/runs.txt"
: >"$runs_file"
for i in $(seq "$runs"); do
  XDG_CACHE_HOME=$(mktemp -d) bench_run "$runs_file" customs-1core taskset -c 0 "$customs" scan \
    --scanners malware,secret --parallel 1 -f json -o /dev/null "docker-archive:$image"
  bench_run "$runs_file" yara-1core taskset -c 0 yara -r -N -p 1 "${yara_externals[@]}" \
    "$root"/rules/*.yar "$tree"
  bench_run "$runs_file" yara-1core+gz env TREE="$tree" MEMBERS="$members" taskset -c 0 \
    sh -c 'yara "$@" "$TREE" && yara "$@" "$MEMBERS"' sh -r -N -p 1 "${yara_externals[@]}" \
    "$root"/rules/*.yar
  XDG_CACHE_HOME=$(mktemp -d) bench_run "$runs_file" customs "$customs" scan \
    --scanners malware,secret -f json -o /dev/null "docker-archive:$image"
  XDG_CACHE_HOME=$(mktemp -d) bench_run "$runs_file" customs-secret "$customs" scan \
    --scanners secret -f json -o /dev/null "docker-archive:$image"
  bench_run "$runs_file" clamscan clamscan -r --no-summary -d "$clamdb" "$tree"
  if [ "$with_trivy" = 1 ] && [ -x "$trivy" ]; then
    cache=$(mktemp -d)
    bench_run "$runs_file" trivy-secret "$trivy" image --cache-dir "$cache" --input "$image" \
      --scanners secret --offline-scan --skip-db-update --quiet --format json --output /dev/null
    rm -rf "$cache"
  fi
done
bench_summary "$runs_file" customs-1core/yara-1core customs-1core/yara-1core+gz customs/clamscan \
  customs/trivy-secret customs-secret/trivy-secret

if [ -f "$big" ]; then
  echo "memory: customs scan --scanners malware,secret on $(du -sh --apparent-size "$big" | cut -f1) $big"
  big_runs="$work/big.txt"
  : >"$big_runs"
  XDG_CACHE_HOME=$(mktemp -d) bench_run "$big_runs" customs-big "$customs" scan \
    --scanners malware,secret -f json -o /dev/null "docker-archive:$big"
  bench_summary "$big_runs"
fi
