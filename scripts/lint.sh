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
  out=$(git ls-files 'src/*.cc' | grep -v '_test\.cc$' |
    xargs -P "$(nproc)" -n 6 clang-tidy -p build --quiet 2>&1 | grep -E '(error|warning): ' || true)
  if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
  fi
fi
echo "lint ok"
