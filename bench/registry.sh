#!/usr/bin/env bash
# Registry pull benchmark (issue "Pull from real registries"): pulling one
# image from a loopback registry (Debian's docker-registry) and scanning it,
# against skopeo copying the same image to a local directory, round-robin:
#
#   skopeo-dir       skopeo copy docker://HOST/IMAGE dir:OUT (download + verify + write)
#   customs-none     customs scan --scanners none (pull + inventory), no caches
#   customs-default  customs scan --scanners malware,secret,config (pull + every
#                    content scanner; vuln matching needs a DB, left out), no caches
#   customs-cached   customs scan --scanners none with a warm layer cache: the
#                    manifest HEAD and nothing else
#
#   bench/registry.sh [--customs BIN] [--layout DIR:TAG] [--runs N]
#
# The image defaults to oci-big (tests/images/cache, ~460 MB of gzip layers).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
customs="$root/build/src/cli/customs"
layout="$root/tests/images/cache/oci-big:big"
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --customs) customs="$2"; shift 2 ;;
    --layout) layout="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "registry.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in docker-registry skopeo; do
  command -v "$tool" >/dev/null || { echo "registry.sh: $tool missing: scripts/install-deps.sh" >&2; exit 2; }
done
[ -d "${layout%:*}" ] || { echo "registry.sh: ${layout%:*} missing: run tests/images/build_images.sh" >&2; exit 2; }
. "$here/common.sh"
work="$(mktemp -d)"
trap 'kill $registry_pid 2>/dev/null || true; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
host="127.0.0.1:$port"
cat > "$work/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/data}}
http: {addr: $host}
EOF
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false "oci:$layout" "docker://$host/bench/image:1"
size="$(du -sb "$work/data" | cut -f1)"
echo "image ${layout##*/} pushed to $host ($((size / 1048576)) MB in the registry)"

runs_file="$work/runs"
warm="$work/warm-cache"
"$customs" scan --scanners none --cache-dir "$warm" --insecure-registry "$host" \
  "$host/bench/image:1" >/dev/null
for i in $(seq "$runs"); do
  rm -rf "$work/out"
  bench_run "$runs_file" skopeo-dir skopeo copy -q --src-tls-verify=false \
    "docker://$host/bench/image:1" "dir:$work/out"
  bench_run "$runs_file" customs-none "$customs" scan --scanners none --cache-backend memory \
    --insecure-registry "$host" "$host/bench/image:1"
  bench_run "$runs_file" customs-default "$customs" scan --scanners malware,secret,config \
    --cache-backend memory --insecure-registry "$host" "$host/bench/image:1"
  bench_run "$runs_file" customs-cached "$customs" scan --scanners none --cache-dir "$warm" \
    --insecure-registry "$host" "$host/bench/image:1"
done
echo
bench_summary "$runs_file" customs-none/skopeo-dir customs-default/skopeo-dir \
  customs-cached/skopeo-dir
