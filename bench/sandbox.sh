#!/usr/bin/env bash
# Sandbox benchmark (issue "Open the crate"), two figures:
#
#   start     from the command's start to the entrypoint's first execve, for
#             a ~200 MB image: oci-debian (a real debootstrap Debian, 121 MB)
#             plus a layer of the host's own shared libraries (~85 MB); the
#             entrypoint is Debian's /bin/true. customs reports the time itself
#             (behavior.firstExecMs counts from main()). Cold: the first run of
#             the image, with an empty unpacked-layer cache of its own each
#             run (the layers are read, verified and written); the trees are
#             kept until the benchmark ends, because on ext4 without a journal
#             a tree just deleted makes the next one slow to create (see
#             docs/bench.md). Warm: one cache (--rootfs-cache, in a temp dir)
#             is filled by one untimed run, then every run starts from it.
#   monitor   a syscall-heavy benign program (tests/sandbox/busy.c: create,
#             write, stat, rename, unlink files; fork+exec every 10th round),
#             monitored against --no-monitor; busy.c times itself, so the
#             ratio is of the program's own run time.
#
#   bench/sandbox.sh [--customs BIN] [--runs N]
# Needs root and runc (scripts/install-deps.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "sandbox.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
base="$root/tests/images/cache/oci-debian"
[ -d "$base" ] || { echo "sandbox.sh: $base missing: run tests/images/build_images.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The rootfs cache lives in here: the container's root (an unprivileged host
# id) must pass through.
chmod 711 "$work"

# The images: Debian + host libraries, and the busy program.
gcc -static -O2 -o "$work/busy.bin" "$root/tests/sandbox/busy.c"
gcc -static -O2 -o "$work/sh.bin" "$root/tests/sandbox/sh.c"
python3 - "$base" "$work" <<'PY'
import gzip, hashlib, io, json, os, shutil, sys, tarfile
base, work = sys.argv[1], sys.argv[2]

def layout(out, layers, config, base_layers=()):
    os.makedirs(out + "/blobs/sha256", exist_ok=True)
    def put(data):
        h = hashlib.sha256(data).hexdigest()
        with open(f"{out}/blobs/sha256/{h}", "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)
    descs, diff_ids = list(base_layers), []
    for d in base_layers:
        shutil.copy(f"{base}/blobs/sha256/{d['digest'][7:]}", f"{out}/blobs/sha256/")
        with gzip.open(f"{base}/blobs/sha256/{d['digest'][7:]}") as f:
            h = hashlib.sha256()
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
            diff_ids.append("sha256:" + h.hexdigest())
    for raw in layers:
        digest, size = put(gzip.compress(raw, compresslevel=6, mtime=0))
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": digest, "size": size})
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    cfg, cs = put(json.dumps({"architecture": "amd64", "os": "linux", "config": config,
                              "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode())
    man, ms = put(json.dumps({"schemaVersion": 2,
                              "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                         "digest": cfg, "size": cs},
                              "layers": descs}).encode())
    with open(out + "/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man,
            "size": ms, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}, f)
    with open(out + "/oci-layout", "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

def tar_of(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, path, mode in entries:
            info = t.gettarinfo(path, arcname=name)
            info.mode, info.uid, info.gid, info.uname, info.gname = mode, 0, 0, "", ""
            with open(path, "rb") as f:
                t.addfile(info, f)
    return bio.getvalue()

idx = json.load(open(base + "/index.json"))
man = json.load(open(base + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
libs, total = [], 0
libdir = "/usr/lib/x86_64-linux-gnu"
for name in sorted(os.listdir(libdir)):
    p = os.path.join(libdir, name)
    if os.path.isfile(p) and not os.path.islink(p) and total + os.path.getsize(p) <= 85 << 20:
        libs.append(("opt/hostlibs/" + name, p, 0o644))
        total += os.path.getsize(p)
layout(work + "/big", [tar_of(libs)], {"Entrypoint": ["/bin/true"]}, man["layers"])
layout(work + "/busy", [tar_of([("usr/local/bin/busy", work + "/busy.bin", 0o755),
                                ("bin/sh", work + "/sh.bin", 0o755)])],
       {"Entrypoint": ["/usr/local/bin/busy"], "Env": ["BUSY_ITERS=2000", "BUSY_DIR=/tmp"]})
print(f"image: Debian layer + {total / 2**20:.0f} MB of host libraries")
PY
du -sh "$work/big" | sed 's/^/compressed size: /'

field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]['behavior']; print($2)" "$1"; }
median() { python3 -c "import sys,statistics; v=[float(x) for x in sys.stdin]; print(f'median first execve $1: {statistics.median(v):.0f} ms (min {min(v):.0f}, max {max(v):.0f})')"; }
for mode in cold warm; do
  echo "== start ($mode): command start to the entrypoint's first execve ($runs runs)"
  cache_flag=""
  if [ "$mode" = warm ]; then
    cache_flag="--rootfs-cache=$work/rootfs-cache"
    "$customs" sandbox -f json -o "$work/start.json" --timeout 60s "$cache_flag" "oci:$work/big:bench" >/dev/null
    echo "cache filled (untimed run): $(du -sh "$work/rootfs-cache" | cut -f1)"
  fi
  starts=()
  for i in $(seq "$runs"); do
    [ "$mode" = cold ] && cache_flag="--rootfs-cache=$work/cold-$i"
    "$customs" sandbox -f json -o "$work/start.json" --timeout 60s "$cache_flag" "oci:$work/big:bench" >/dev/null
    ms="$(field "$work/start.json" "r['firstExecMs']")"
    echo "run $i: first execve at $ms ms (wall to exit $(field "$work/start.json" "r['wallMs']") ms)"
    starts+=("$ms")
  done
  printf '%s\n' "${starts[@]}" | median "$mode"
done

echo "== monitor: busy.c with and without the seccomp monitor ($runs runs each, alternating)"
rm -f "$work/busy.txt"
for i in $(seq "$runs"); do
  for mode in monitored unmonitored; do
    flag=""; [ "$mode" = unmonitored ] && flag="--no-monitor"
    "$customs" sandbox -f json -o "$work/busy.json" --timeout 120s --no-rootfs-cache $flag "oci:$work/busy:bench" >/dev/null
    ms="$(field "$work/busy.json" "[l for l in r['output'].splitlines() if 'ms' in l][-1].split()[-2] if r['output'] else -1")"
    events="$(field "$work/busy.json" "len(r['timeline'])")"
    echo "$mode $ms $events" | tee -a "$work/busy.txt"
  done
done
python3 - "$work/busy.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, ms, events = line.split()
    rows.setdefault(mode, []).append((float(ms), int(events)))
m = {k: statistics.median(v[0] for v in rows[k]) for k in rows}
print(f"busy.c median: monitored {m['monitored']:.0f} ms ({rows['monitored'][0][1]} events), "
      f"unmonitored {m['unmonitored']:.0f} ms; monitor overhead {m['monitored'] / m['unmonitored']:.2f}x")
PY
