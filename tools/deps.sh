#!/usr/bin/env bash
# Installs everything tickerflow's build and tests need on Debian 12, idempotently:
#   1. Debian packages, only those missing (apt-get update first, once, when something is missing);
#   2. DuckDB 1.4.4 from the npm registry, pinned by package-lock.json, unpacked into .deps/duckdb.
# Run through `make deps`. Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Build toolchain, libraries, and test tools. Keep sorted; say why a package is here in
# docs/architecture.md ("Dependencies") when adding one.
packages=(
  clang-format
  clang-tidy
  cmake
  g++
  libbenchmark-dev
  libcli11-dev
  libcpp-httplib-dev
  libcurl4-openssl-dev
  libfmt-dev
  libgmock-dev
  libgtest-dev
  librapidcheck-dev
  libsimdjson-dev
  libspdlog-dev
  libtomlplusplus-dev
  nlohmann-json3-dev
  ninja-build
  nodejs
  time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm ships inside nodesource's nodejs package but separately in Debian's.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# DuckDB: the C header from `duckdb`, the shared library from `@duckdb/node-bindings-linux-x64`.
# Scripts stay disabled: the duckdb package's install script would download a Node addon.
duckdb_dir="$root/.deps/duckdb"
stamp="$duckdb_dir/.lock-sha256"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" && -f "$duckdb_dir/duckdb.h" && -f "$duckdb_dir/libduckdb.so" ]]; then
  exit 0
fi
echo "deps: installing DuckDB from package-lock.json into .deps/duckdb"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
mkdir -p "$duckdb_dir"
cp node_modules/duckdb/src/duckdb/src/include/duckdb.h "$duckdb_dir/duckdb.h"
cp node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so "$duckdb_dir/libduckdb.so"
echo "$lock_sum" >"$stamp"
