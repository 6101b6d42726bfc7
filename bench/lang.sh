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

run() { # NAME COMMAND...
  local name="$1"
  shift
  /usr/bin/time -o "$work/time.txt" -f '%e %U %S %M' "$@" >/dev/null 2>&1 ||
    echo "lang.sh: $name failed" >&2
  echo "$name $(tail -1 "$work/time.txt")" | tee -a "$work/runs.txt"
}
: >"$work/runs.txt"
for i in $(seq "$runs"); do
  cache=$(mktemp -d)
  run trivy "$trivy" image --cache-dir "$cache" --input "$image" --format cyclonedx \
    --offline-scan --skip-db-update --skip-java-db-update --skip-files '**/*.jar' --quiet \
    --output /dev/null
  rm -rf "$cache"
  XDG_CACHE_HOME=$(mktemp -d) run customs "$customs" sbom "docker-archive:$image" -o /dev/null
  run floor "$floor" "docker-archive:$image"
done
python3 - "$work/runs.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss = line.split()
    rows.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
med = {n: [statistics.median(x[i] for x in r) for i in range(3)] for n, r in rows.items()}
for n, (w, c, m) in med.items():
    print(f"{n:8} median wall {w:6.2f} s  CPU {c:6.2f} s  peak RSS {m:7.1f} MB  (n={len(rows[n])})")
if "customs" in med and "trivy" in med:
    print("customs/trivy wall %.2fx, CPU %.2fx, RSS %.2fx" % tuple(med["customs"][i] / med["trivy"][i] for i in range(3)))
if "customs" in med and "floor" in med:
    print("customs/floor wall %.2fx" % (med["customs"][0] / med["floor"][0]))
PY
cache=$(mktemp -d)
"$trivy" image --cache-dir "$cache" --input "$image" --format cyclonedx --offline-scan \
  --skip-db-update --skip-java-db-update --skip-files '**/*.jar' --quiet --output "$work/trivy.cdx.json"
rm -rf "$cache"
"$customs" sbom "docker-archive:$image" -o "$work/customs.cdx.json"
python3 "$here/compare_lang.py" "$work/customs.cdx.json" "$work/trivy.cdx.json"
