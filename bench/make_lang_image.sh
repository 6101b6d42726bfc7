#!/usr/bin/env bash
# Builds the language-package benchmark image: the oci-lang image of
# tests/images/build_images.sh (Debian python3 and java packages, fzf, an npm
# app, a Go program) plus a layer with a real `npm install --ignore-scripts`
# of react-scripts@5.0.1 from the npm registry (~1,300 packages).
#
#   bench/make_lang_image.sh IMAGES_DIR   (writes IMAGES_DIR/oci-langbig, tag big,
#                                          and IMAGES_DIR/langbig.docker-archive.tar)
set -euo pipefail
images="${1:?usage: make_lang_image.sh IMAGES_DIR}"
out="$images/oci-langbig"
archive="$images/langbig.docker-archive.tar"
[ -d "$out" ] && [ -f "$archive" ] && { echo "exists: $out"; exit 0; }
[ -d "$images/oci-lang" ] || { echo "run tests/images/build_images.sh $images first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out.tmp" "$out"
cp -r "$images/oci-lang" "$out.tmp"
umoci tag --image "$out.tmp:lang" big
mkdir -p "$tmp/web"
echo '{"name":"customs-bench-web","version":"1.0.0","private":true}' >"$tmp/web/package.json"
(cd "$tmp/web" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error react-scripts@5.0.1)
umoci insert --image "$out.tmp:big" --history.created_by "npm install react-scripts@5.0.1" \
  "$tmp/web" /srv/web
mv "$out.tmp" "$out"
skopeo copy --quiet "oci:$out:big" "docker-archive:$archive:langbig:latest"
du -sh "$out" "$archive"
