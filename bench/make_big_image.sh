#!/usr/bin/env bash
# Builds a ~1 GB (uncompressed) two-layer image for the memory benchmark:
# layer 1 is the debian image of tests/images/build_images.sh, layer 2 adds
# real files copied from this machine (/usr/lib/llvm-14 and /usr/lib/jvm,
# about 1 GB of libraries, binaries and jars).
#
#   bench/make_big_image.sh IMAGES_DIR      (writes IMAGES_DIR/oci-big, tag big,
#                                            and IMAGES_DIR/big.docker-archive.tar)
set -euo pipefail
images="${1:?usage: make_big_image.sh IMAGES_DIR}"
out="$images/oci-big"
[ -d "$out" ] && [ -f "$images/big.docker-archive.tar" ] && { echo "exists: $out"; exit 0; }
[ -d "$images/oci-debian" ] || { echo "run tests/images/build_images.sh $images first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out.tmp" "$out"
cp -r "$images/oci-debian" "$out.tmp"
umoci tag --image "$out.tmp:base" big
mkdir -p "$tmp/extra/opt"
for d in /usr/lib/llvm-14 /usr/lib/jvm; do
  [ -d "$d" ] && cp -a "$d" "$tmp/extra/opt/"
done
umoci insert --image "$out.tmp:big" "$tmp/extra/opt" /opt/big
mv "$out.tmp" "$out"
skopeo copy --quiet "oci:$out:big" "docker-archive:$images/big.docker-archive.tar:big:latest"
du -sh "$out" "$images/big.docker-archive.tar"
