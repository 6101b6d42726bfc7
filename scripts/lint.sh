#!/usr/bin/env bash
# Checks the machines enforce: formatting, banned APIs, clang-tidy.
# Usage: scripts/lint.sh [--no-tidy]
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'fuzz/*.cc' 'bench/*.cc')

echo "clang-format"
clang-format --dry-run -Werror $files

echo "banned APIs"
# strcpy/sprintf/gets: unbounded writes; raw new/delete: ownership by value or
# smart pointer; catch (...) {}: swallowed errors.
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets)\s*\(|[^_a-zA-Z]new [A-Za-z_:<>]+[({]|\bdelete\b[^;=]*;|catch \(\.\.\.\) *\{ *\}' \
    $files | grep -vE '//.*(new|delete)|= delete;'; then
  echo "banned API used (see above)" >&2
  exit 1
fi

if [ "${1:-}" != "--no-tidy" ]; then
  echo "clang-tidy"
  [ -f build/compile_commands.json ] || { echo "configure build/ first" >&2; exit 1; }
  # Test targets force-include a precompiled header that GCC built and clang
  # cannot read: clang-tidy gets the compile commands without it.
  tidy_db=$(mktemp -d)
  trap 'rm -rf "$tidy_db"' EXIT
  sed -E 's# -include [^ "]*cmake_pch\.hxx##g; s# -Winvalid-pch##g' build/compile_commands.json \
    >"$tidy_db/compile_commands.json"
  out=$(git ls-files 'src/*.cc' | grep -v '_test\.cc$' |
    xargs -P "$(nproc)" -n 6 clang-tidy -p "$tidy_db" --quiet 2>&1 | grep -E '(error|warning): ' || true)
  if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
  fi
fi
echo "lint ok"
