#!/usr/bin/env bash
# Installs everything tickerflow's build and tests need on Debian 12, idempotently:
#   1. Debian packages, only those missing (apt-get update first, once, when something is missing);
#   2. npm-registry packages pinned by package-lock.json (`npm ci`): DuckDB 1.4.4, unpacked into
#      .deps/duckdb; s3rver 3.7.1, the S3-compatible server the S3 integration tests run from
#      node_modules/.bin/s3rver; lightweight-charts 5.2.1, whose standalone script is copied to
#      web/vendor/ for the ticker page; playwright-core 1.64.1, which drives Debian's chromium
#      in the browser test.
# Run through `make deps`. Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Build toolchain, libraries, and test tools. Keep sorted; say why a package is here in
# docs/architecture.md ("Dependencies") when adding one.
packages=(
  chromium
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
  libhowardhinnant-date-dev
  libpugixml-dev
  librapidcheck-dev
  libsimdjson-dev
  libspdlog-dev
  libssl-dev
  libtomlplusplus-dev
  nlohmann-json3-dev
  ninja-build
  nodejs
  time
  tzdata
  wrk
  zlib1g-dev
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

# npm packages. DuckDB: the C header from `duckdb`, the shared library from
# `@duckdb/node-bindings-linux-x64`, copied out of node_modules. s3rver stays in node_modules
# (plain JavaScript, no install script). Scripts stay disabled: the duckdb package's install
# script would download a Node addon. The stamp is the lockfile's hash, so any lockfile change
# reinstalls; a deleted node_modules does too.
duckdb_dir="$root/.deps/duckdb"
stamp="$duckdb_dir/.lock-sha256"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
chart_script=node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js
vendor_dir="$root/web/vendor"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" && -f "$duckdb_dir/duckdb.h" &&
  -f "$duckdb_dir/libduckdb.so" && -f node_modules/s3rver/bin/s3rver.js &&
  -f node_modules/playwright-core/package.json && -f "$chart_script" &&
  -f "$vendor_dir/lightweight-charts.standalone.production.js" ]]; then
  exit 0
fi
echo "deps: installing npm packages from package-lock.json (DuckDB into .deps/duckdb, s3rver, lightweight-charts into web/vendor, playwright-core)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
mkdir -p "$duckdb_dir"
cp node_modules/duckdb/src/duckdb/src/include/duckdb.h "$duckdb_dir/duckdb.h"
cp node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so "$duckdb_dir/libduckdb.so"
mkdir -p "$vendor_dir"
cp "$chart_script" "$vendor_dir/lightweight-charts.standalone.production.js"
cp node_modules/lightweight-charts/LICENSE "$vendor_dir/lightweight-charts.LICENSE"
echo "$lock_sum" >"$stamp"
