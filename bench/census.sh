#!/usr/bin/env bash
# Census benchmark (issue 6): `customs census` of a loopback registry holding
# COUNT images (default 200) built on 5 bases, with a fresh cache.
#
#   bench/census.sh [--customs BIN] [--count N] [--db ADVISORY_DB] [--parallel-images N]
#
# The bases are oci-debian, oci-alpine, oci-multilayer, oci-lang and
# oci-contraband of tests/images/build_images.sh. Every image is a base, a
# 12-layer language runtime shared by every image on that base, one of two
# 2-layer frameworks on that runtime, and one small layer of its own
# (bench/make_census_images.py): 16 to 19 layers an image, over 90% of them
# shared. Pushed with skopeo as bench/<base>-<k>:1.<t> (5 tags a repository)
# to Debian's docker-registry on 127.0.0.1; the census takes them base by
# base, so the new layers arrive in bursts: the first image of a base brings
# 16 to 19, the first with the base's second framework 3, the others 1.
# The registry's storage is kept in bench/work/census, so a second run skips
# building and pushing; it is rebuilt when COUNT, the bases or
# make_census_images.py change.
#
# Then, timed with GNU time:
#   cold   customs census --tags all with a fresh layer cache and store
#   warm   the same with a fresh store and the cache the cold run left
# scanners malware,secret,config (and vuln with --db). Prints images/s, layer
# reuse, and the fit of the cold run's time against images scanned and
# against layers analyzed; writes bench/census.csv (one row per image of the
# cold run, in the order they were stored) and bench/census-plot.svg.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
count=200
db=""
parallel=2
while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --db) db="$2"; shift 2 ;;
    --parallel-images) parallel="$2"; shift 2 ;;
    *) echo "census.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in docker-registry skopeo python3; do
  command -v "$tool" >/dev/null || { echo "census.sh: $tool missing: scripts/install-deps.sh" >&2; exit 2; }
done
[ -x "$customs" ] || { echo "census.sh: $customs missing: build first (or --customs BIN)" >&2; exit 2; }
images="$root/tests/images/cache"
bases=(oci-debian:base oci-alpine:3.20.3 oci-multilayer:multi oci-lang:lang oci-contraband:contraband)
for b in "${bases[@]}"; do
  [ -d "$images/${b%%:*}" ] || { echo "census.sh: $images/${b%%:*} missing: run tests/images/build_images.sh" >&2; exit 2; }
done
work="$root/bench/work/census"
mkdir -p "$work"
base_specs=()
for b in "${bases[@]}"; do base_specs+=("$images/${b%%:*}:${b#*:}"); done
# The corpus's stamp: COUNT, the bases' manifests and the generator. A stale
# registry is wiped, or the census would also scan the old layout's images.
stamp="$( { echo "$count"; sha256sum <"$here/make_census_images.py";
  for b in "${bases[@]}"; do sha256sum <"$images/${b%%:*}/index.json"; done; } | sha256sum | cut -c1-16)"
marker="$work/pushed-$stamp"
if [ ! -f "$marker" ]; then
  rm -rf "$work/registry" "$work/layout" "$work"/pushed-*
fi

# The registry, on a free loopback port, storage kept in $work/registry.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
host="127.0.0.1:$port"
cat >"$work/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $host
  secret: customs-bench-secret
EOF
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true' EXIT
up() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
  "http://$host/v2/" >/dev/null 2>&1; }
for _ in $(seq 100); do
  up && break
  sleep 0.1
done
up || { echo "census.sh: registry did not start:" >&2; cat "$work/registry.log" >&2; exit 1; }

# Build and push once per corpus stamp.
if [ ! -f "$marker" ]; then
  echo "writing $count images on ${#bases[@]} bases into $work/layout"
  python3 "$here/make_census_images.py" "$work/layout" "$count" "${base_specs[@]}" >"$work/images.txt"
  echo '{}' >"$work/auth.json"
  echo "pushing to $host with skopeo"
  start=$(date +%s.%N)
  # Two at a time; the bases' blobs go up once, then skopeo finds them there.
  xargs -P 2 -L 1 sh -c 'skopeo --insecure-policy copy --quiet --authfile "$0" \
      --dest-tls-verify=false "oci:$1:$2" "docker://$3/$4:$5"' \
    "$work/auth.json" "$work/layout" < <(awk -v h="$host" '{print $1, h, $2, $3}' "$work/images.txt")
  echo "pushed in $(python3 -c "import time; print('%.1f' % (time.time() - $start))") s"
  touch "$marker"
fi

scanners=malware,secret,config
db_flags=()
if [ -n "$db" ]; then
  scanners="vuln,$scanners"
  db_flags=(--db "$db")
fi
run_census() {  # NAME CACHE_DIR
  local name="$1" cache="$2"
  rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"
  date +%s.%N >"$work/$name.start"
  /usr/bin/time -o "$work/$name.time" -f '%e %U %S %M' "$customs" census "$host" \
    --insecure-registry "$host" --tags all --repos 'bench/*' --scanners "$scanners" "${db_flags[@]}" \
    --parallel-images "$parallel" --store "$work/$name.db" --cache-dir "$cache" \
    -f json -o "$work/$name.json" 2>"$work/$name.progress"
  cat "$work/$name.progress" >&2
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cache="$(mktemp -d)"
trap 'kill "$registry_pid" 2>/dev/null || true; rm -rf "$cache"' EXIT
run_census cold "$cache"
run_census warm "$cache"

python3 - "$work" "$root/bench/census.csv" "$here" <<'PY'
import json, sqlite3, sys
work, csv_path, bench_dir = sys.argv[1:]
sys.path.insert(0, bench_dir)
from census_plot import fit  # noqa: E402
for name in ("cold", "warm"):
    j = json.load(open(f"{work}/{name}.json"))
    wall, user, sys_, rss = open(f"{work}/{name}.time").read().split()
    layers = j["layers"]
    print(f"{name}: {j['run']['images']} images ({j['images']['failed']} failed) in "
          f"{float(wall):.1f} s wall, {float(user) + float(sys_):.1f} s CPU, "
          f"peak RSS {int(rss) / 1024:.0f} MB; {j['run']['imagesPerSecond']:.2f} images/s; "
          f"layers {layers['total']}, unique {layers['unique']}, answered by the cache "
          f"{layers['cached']} ({100 * layers['cached'] / max(1, layers['total']):.1f}% reuse)")
    repeat = layers["total"] - layers["unique"]
    print(f"  {name}: of the {repeat} layers seen before in the run, the cache answered "
          f"{min(layers['cached'], repeat)} ({100 * min(layers['cached'], repeat) / max(1, repeat):.1f}%); "
          f"layers analyzed {layers['total'] - layers['cached']} for {layers['unique']} unique")

# Bytes: every image's layer blobs (compressed sizes, from the layout), and
# the distinct ones: the share of bytes a perfect cache never reads.
layout = f"{work}/layout"
index = {m["annotations"]["org.opencontainers.image.ref.name"]: m["digest"]
         for m in json.load(open(f"{layout}/index.json"))["manifests"]}
total_bytes, unique, size_of = 0, {}, {}
for line in open(f"{work}/images.txt"):
    ref = line.split()[0]
    manifest = json.load(open(f"{layout}/blobs/sha256/{index[ref].split(':')[1]}"))
    config = json.load(open(f"{layout}/blobs/sha256/{manifest['config']['digest'].split(':')[1]}"))
    for l, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
        total_bytes += l["size"]
        unique[l["digest"]] = l["size"]
        size_of[diff_id] = l["size"]
unique_bytes = sum(unique.values())
print(f"layer bytes (compressed): {total_bytes / 1e9:.2f} GB in the images, "
      f"{unique_bytes / 1e6:.1f} MB distinct: {100 * (1 - unique_bytes / total_bytes):.2f}% "
      f"of the bytes are in layers seen before")
start = float(open(f"{work}/cold.start").read())
db = sqlite3.connect(f"{work}/cold.db")
rows = db.execute(
    "SELECT seq, reference, stored_at, seconds, layers_cached, "
    "(SELECT count(*) FROM image_layers l WHERE l.image = i.seq) "
    "FROM images i WHERE error = '' ORDER BY stored_at").fetchall()
analyzed, seen, new_bytes = 0, set(), 0
out = ["images,layers_analyzed,elapsed_s,image_s,layers,layers_cached,reference,"
       "unique_layers,unique_mb"]
points, mbs = [], []
for n, (seq, ref, stored_at, seconds, cached, layers) in enumerate(rows, 1):
    analyzed += layers - cached
    for (d,) in db.execute("SELECT diff_id FROM image_layers WHERE image = ?", (seq,)):
        if d not in seen:
            seen.add(d)
            new_bytes += size_of.get(d, 0)
    points.append((n, analyzed, stored_at - start))
    mbs.append(new_bytes / 1e6)
    out.append(f"{n},{analyzed},{stored_at - start:.3f},{seconds:.3f},{layers},{cached},{ref},"
               f"{len(seen)},{new_bytes / 1e6:.3f}")
open(csv_path, "w").write("\n".join(out) + "\n")

if len(points) > 2:
    imgs, lays, secs = zip(*points)
    a, b, r2 = fit(imgs, secs)
    print(f"cold time vs images scanned:   {a:6.2f} s + {b:.3f} s/image, R^2 {r2:.3f}")
    a, b, r2 = fit(lays, secs)
    print(f"cold time vs layers analyzed:  {a:6.2f} s + {b:.3f} s/layer, R^2 {r2:.3f}")
    # Both at once: seconds = a + b images + c layers + d MB (compressed) of
    # the distinct layers so far, by least squares (normal equations).
    X = [(1.0, n, l, m) for (n, l, _), m in zip(points, mbs)]
    A = [[sum(x[i] * x[j] for x in X) for j in range(4)] for i in range(4)]
    v = [sum(x[i] * y for x, y in zip(X, secs)) for i in range(4)]
    for c in range(4):  # Gauss-Jordan with partial pivoting
        p = max(range(c, 4), key=lambda r: abs(A[r][c]))
        A[c], A[p], v[c], v[p] = A[p], A[c], v[p], v[c]
        if abs(A[c][c]) < 1e-12:
            break
        for r in range(4):
            if r != c:
                f = A[r][c] / A[c][c]
                A[r] = [x - f * y for x, y in zip(A[r], A[c])]
                v[r] -= f * v[c]
    else:
        k = [v[i] / A[i][i] for i in range(4)]
        my = sum(secs) / len(secs)
        res = sum((y - sum(ki * xi for ki, xi in zip(k, x))) ** 2 for x, y in zip(X, secs))
        r2 = 1 - res / sum((y - my) ** 2 for y in secs)
        print(f"cold time, all three: {k[0]:.2f} s + {k[1]:.4f} s/image + {k[2]:.4f} s/layer "
              f"+ {k[3]:.4f} s/MB of distinct layers (compressed), R^2 {r2:.3f}")
    many = [r[3] for r in rows if r[5] - r[4] > 1]
    print(f"images that analyzed more than their own layer: {len(many)}, "
          f"{sum(many):.1f} s of image time in all")
    slow = sorted(rows, key=lambda r: -r[3])[:5]
    print("slowest images (those that analyze a base, its runtime and a framework):")
    for _, ref, _, seconds, cached, layers in slow:
        print(f"  {seconds:6.2f} s  {layers - cached}/{layers} layers analyzed  {ref}")
    rest = [r[3] for r in rows if r[5] - r[4] <= 1]
    if rest:
        print(f"images that analyzed only their own layer: {len(rest)}, "
              f"mean {sum(rest) / len(rest):.3f} s each, "
              f"{sum(rest):.1f} s of the {sum(r[3] for r in rows):.1f} s of image time")
print(f"wrote {csv_path}")
PY
python3 "$here/census_plot.py" "$root/bench/census.csv" "$root/bench/census-plot.svg" \
  "customs census: $count images on 5 bases, fresh cache (cold run)"
echo "wrote $root/bench/census-plot.svg"
