#!/usr/bin/env bash
# Installs every Debian package customs needs to build, test, fuzz and benchmark.
# Run as root (or with sudo). Idempotent.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-dev
  # libraries
  libisal-dev libzstd-dev zlib1g-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libyaml-cpp-dev libyara-dev libhyperscan-dev libclamav-dev libseccomp-dev libmimalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # real parts the tests start: image building and conversion
  debootstrap umoci skopeo python3 python3-jsonschema python3-yaml openssl
  docker-registry apache2-utils
  # the sandbox's OCI runtime
  runc
  # Go binaries built by the Go build-info cataloger tests
  golang-go
  # peers and floors for bench/
  isal zstd pigz nodejs time zip unzip yara clamav util-linux
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside some nodejs builds; Debian packages it separately.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# runc hands the container the host's /dev/null and replaces any stdio whose
# device number matches it; on machines where /dev/null has been replaced by
# a regular file, that swallows the container's output and shares one file
# with it. Put the character device back.
if [ ! -c /dev/null ]; then
  $SUDO rm -f /dev/null
  $SUDO mknod -m 666 /dev/null c 1 3
fi
