#!/usr/bin/env bash
# Times customs against Trivy and against the floor (customs_floor) on the
# benchmark images made by tests/images/build_images.sh. Builds nothing.
#
#   bench/run.sh [--customs BIN] [--floor BIN] [--images DIR] [--trivy DIR]
#                [--runs N] [--out FILE] [--no-compare]
#
# Defaults: --customs build/src/cli/customs, --floor build/bench/customs_floor,
# --images tests/images/cache, --trivy bench/work/trivy (see get-trivy.sh),
# --runs 5, --out bench/work/results.tsv.
#
# For each image ({debian docker-archive, uncompressed layer} and {oci-debian,
# gzip OCI layout}) it runs, round-robin so that load drift hits every tool
# alike, N timed runs (after one untimed warm-up) of:
#   floor          customs_floor IMAGE (one thread)
#   floor-2t       customs_floor --pipeline IMAGE (two threads)
#   customs        customs sbom IMAGE -o /dev/null, with a fresh XDG_CACHE_HOME
#   trivy          trivy image --input PATH --format cyclonedx (offline, fresh
#                  --cache-dir each run; command in docs/bench.md)
# measuring wall seconds, CPU seconds (user+sys) and peak RSS with GNU time, then prints medians and
# the ratios customs/trivy and customs/floor. A tool that is missing is
# skipped with a note; one that fails is reported as failed.
# Unless --no-compare, it then writes one SBOM per tool and image and runs
# compare_packages.py on them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
floor="$root/build/bench/customs_floor"
images="$root/tests/images/cache"
trivy_dir="$root/bench/work/trivy"
runs=5
out="$root/bench/work/results.tsv"
compare=1

die() {
  echo "run.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --floor) floor="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --trivy) trivy_dir="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-compare) compare=0; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive number"

gnu_time=/usr/bin/time
if ! [ -x "$gnu_time" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing GNU time (Debian package 'time')" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
      die "apt-get install time failed"
  fi
  [ -x "$gnu_time" ] || die "GNU time (/usr/bin/time) is missing; apt-get install time"
fi
command -v python3 >/dev/null || die "python3 is missing"
[ -d "$images" ] || die "no images dir $images; run tests/images/build_images.sh $images"

trivy="$trivy_dir/trivy"
have_customs=1 have_floor=1 have_trivy=1
[ -x "$customs" ] || { have_customs=0; echo "note: customs not found at $customs: skipped" >&2; }
[ -x "$floor" ] || { have_floor=0; echo "note: customs_floor not found at $floor: skipped" >&2; }
[ -x "$trivy" ] || { have_trivy=0; echo "note: trivy not found at $trivy (run bench/get-trivy.sh): skipped" >&2; }

# name|customs/floor reference|trivy --input path
cases=(
  "debian-docker-archive|docker-archive:$images/debian.docker-archive.tar|$images/debian.docker-archive.tar"
  "debian-oci-gzip|oci:$images/oci-debian:base|$images/oci-debian"
)

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$(dirname "$out")"

# Runs one tool once; appends "case tool wall_s cpu_s rss_kb status" to the
# results.
# Usage: measure CASE TOOL REF INPUT RECORD(0|1)
measure() {
  local case_name="$1" tool="$2" ref="$3" input="$4" record="$5"
  local cache="$scratch/cache.$tool" tfile="$scratch/time" log="$scratch/log.$tool" status=ok
  rm -rf "$cache" && mkdir -p "$cache"
  local -a cmd env=()
  case "$tool" in
    floor) cmd=("$floor" "$ref") ;;
    floor-2t) cmd=("$floor" --pipeline "$ref") ;;
    customs)
      env=(env "XDG_CACHE_HOME=$cache")
      cmd=("$customs" sbom "$ref" -o /dev/null)
      ;;
    trivy)
      cmd=("$trivy" image --cache-dir "$cache" --input "$input" --format cyclonedx
        --offline-scan --skip-db-update --skip-java-db-update --quiet --output /dev/null)
      ;;
  esac
  if ! "$gnu_time" -f '%e %U %S %M' -o "$tfile" "${env[@]}" "${cmd[@]}" >"$log" 2>&1; then
    status=failed
    echo "  $tool on $case_name failed: $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300)" >&2
  fi
  if [ "$record" = 1 ]; then
    # GNU time prints "Command exited with non-zero status N" first on failure.
    read -r wall user sys rss < <(tail -n 1 "$tfile")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case_name" "$tool" "$wall" \
      "$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')" "$rss" "$status" \
      >>"$scratch/results.tsv"
  fi
}

tools=()
[ $have_floor = 1 ] && tools+=(floor floor-2t)
[ $have_customs = 1 ] && tools+=(customs)
[ $have_trivy = 1 ] && tools+=(trivy)
[ ${#tools[@]} -gt 0 ] || die "nothing to run: no floor, customs or trivy binary"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
  "sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk '{exit !($1 > 1.0)}' /proc/loadavg; then
  echo "warning: the machine is busy (load > 1 on $(nproc) cores); timings will be noisy" >&2
fi
echo "runs: $runs per tool and image (after one warm-up), round-robin"
: >"$scratch/results.tsv"
for c in "${cases[@]}"; do
  IFS='|' read -r case_name ref input <<<"$c"
  [ -e "$input" ] || die "missing image $input; run tests/images/build_images.sh $images"
  cat "$input" >/dev/null 2>&1 || find "$input" -type f -exec cat {} + >/dev/null
  echo "== $case_name ($ref)"
  for tool in "${tools[@]}"; do measure "$case_name" "$tool" "$ref" "$input" 0; done
  for ((i = 1; i <= runs; i++)); do
    for tool in "${tools[@]}"; do measure "$case_name" "$tool" "$ref" "$input" 1; done
  done
done
{
  printf 'case\ttool\twall_s\tcpu_s\tpeak_rss_kb\tstatus\n'
  cat "$scratch/results.tsv"
} >"$out"
echo "raw results: $out"
echo

python3 - "$out" <<'EOF'
import statistics, sys
from collections import defaultdict

rows = defaultdict(list)
failed = defaultdict(int)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        case, tool, wall, cpu, rss, status = line.rstrip("\n").split("\t")
        if status != "ok":
            failed[(case, tool)] += 1
            continue
        rows[(case, tool)].append((float(wall), float(cpu), int(rss)))

cases = sorted({c for c, _ in list(rows) + list(failed)})
tools = ["floor", "floor-2t", "customs", "trivy"]
print(f"{'image':24} {'tool':9} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} "
      f"{'CPU s':>7} {'peak RSS MB':>11}")
med = {}
for case in cases:
    for tool in tools:
        r = rows.get((case, tool), [])
        n_fail = failed.get((case, tool), 0)
        if not r:
            if n_fail:
                print(f"{case:24} {tool:9} {'':>4} failed {n_fail} of {n_fail} runs")
            continue
        walls = [w for w, _, _ in r]
        cpu = statistics.median(c for _, c, _ in r)
        rss = statistics.median(m for _, _, m in r) / 1024
        med[(case, tool)] = (statistics.median(walls), rss, cpu)
        note = f"  ({n_fail} failed)" if n_fail else ""
        print(f"{case:24} {tool:9} {len(r):>4} {statistics.median(walls):>9.3f} "
              f"{min(walls):>7.3f} {max(walls):>7.3f} {cpu:>7.2f} {rss:>11.1f}{note}")
print()
for case in cases:
    c = med.get((case, "customs"))
    if not c:
        continue
    parts = []
    for peer in ("trivy", "floor", "floor-2t"):
        p = med.get((case, peer))
        if p and p[0] > 0:
            cpu = f", CPU {c[2] / p[2]:.2f}x" if p[2] > 0 else ""
            parts.append(f"customs/{peer} time {c[0] / p[0]:.2f}x{cpu}, RSS {c[1] / p[1]:.2f}x")
    print(f"{case}: " + "; ".join(parts))
EOF

if [ $compare = 1 ] && [ $have_customs = 1 ] && [ $have_trivy = 1 ]; then
  echo
  echo "== package sets (customs vs trivy)"
  for c in "${cases[@]}"; do
    IFS='|' read -r case_name ref input <<<"$c"
    sboms="$(dirname "$out")/sbom"
    mkdir -p "$sboms"
    rm -rf "$scratch/cc" "$scratch/tc" && mkdir -p "$scratch/cc" "$scratch/tc"
    XDG_CACHE_HOME="$scratch/cc" "$customs" sbom "$ref" -o "$sboms/$case_name.customs.cdx.json" ||
      { echo "customs sbom $ref failed"; continue; }
    "$trivy" image --cache-dir "$scratch/tc" --input "$input" --format cyclonedx --offline-scan \
      --skip-db-update --skip-java-db-update --quiet --output "$sboms/$case_name.trivy.cdx.json" ||
      { echo "trivy on $input failed"; continue; }
    echo "-- $case_name"
    python3 "$here/compare_packages.py" "$sboms/$case_name.customs.cdx.json" \
      "$sboms/$case_name.trivy.cdx.json" || true
  done
fi
