#!/usr/bin/env bash
# Runs every test, as CI does:
#   1. builds the real test images (debootstrap, umoci, skopeo; cached),
#   2. release build (gcc) + the whole ctest suite,
#   3. AddressSanitizer + UndefinedBehaviorSanitizer build (clang, with
#      libFuzzer instrumentation) + the whole suite,
#   4. every libFuzzer target for a short run from its seed corpus,
#   5. lint: clang-format, banned APIs, clang-tidy (scripts/lint.sh).
# Usage: scripts/test.sh [--quick]   (--quick: step 2 only)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
quick=0
[ "${1:-}" = "--quick" ] && quick=1
export CUSTOMS_TEST_IMAGES="${CUSTOMS_TEST_IMAGES:-$root/tests/images/cache}"
fuzz_seconds="${CUSTOMS_FUZZ_SECONDS:-10}"

# Each step is stamped with the seconds since the start, so a CI log shows
# where the time went.
step() { printf '\n==> [%d s] %s\n' "$SECONDS" "$*"; }

if [ "$quick" = 0 ] || [ -d "$CUSTOMS_TEST_IMAGES/oci-debian" ]; then
  step "test images in $CUSTOMS_TEST_IMAGES"
  bash tests/images/build_images.sh "$CUSTOMS_TEST_IMAGES"
fi

step "release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
[ "$quick" = 1 ] && exit 0

# One clang build serves two steps: everything is compiled with
# AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer's coverage
# instrumentation; the tests link GoogleTest's main, the fuzzers libFuzzer's.
step "ASan + UBSan build (clang) and tests"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCUSTOMS_FUZZ=ON -DCUSTOMS_BENCH=OFF >/dev/null
ninja -C build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs")

step "fuzz targets, ${fuzz_seconds}s each"
for src in fuzz/*_fuzzer.cc; do
  name=$(basename "$src" .cc)
  corpus="fuzz/corpus/${name%_fuzzer}"
  work=$(mktemp -d)
  cp -r "$corpus/." "$work/" 2>/dev/null || true
  echo "fuzzing $name"
  ./build-asan/fuzz/"$name" -max_total_time="$fuzz_seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=0 "$work" 2>&1 | tail -n 1
  rm -rf "$work"
done

step "lint"
bash scripts/lint.sh

step "all tests passed"
