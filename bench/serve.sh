#!/usr/bin/env bash
# `tickerflow serve` under load (issue 7's targets), with wrk from Debian, 64 connections:
#   /api/screener, a typical two-filter screen over the 9,000-symbol screener:
#     at least 2,000 requests/s with p99 under 20 ms;
#   /api/symbols/X/bars, 20 years of one ticker: p99 under 10 ms.
# The screener is measured twice: the same screen repeated (answered from the server's cache
# of finished answers after the first request, as presets and shared links are), and a
# different screen every request (every one planned and run in DuckDB).
# Usage: bench/serve.sh <build dir> [data dir]. The data directory is bench/pipeline.sh's
# (9,000 symbols x 20 years); it is made when it has no screener yet.
set -euo pipefail
build=${1:-build}
data=${2:-${TMPDIR:-/tmp}/tickerflow-bench-data}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
duration=${TICKERFLOW_SERVE_BENCH_SECONDS:-15}

if [[ ! -f "$data/screener/screener.parquet" ]]; then
  echo "making $data: 9,000 symbols x 20 years (about two minutes)"
  "$build/tickerflow" --log-level warning run --source simulated --data "$data" \
    --universe 9000 --years 20 --seed 1 --as-of 2025-06-02 >/dev/null
fi

out=$(mktemp)
"$build/tickerflow" --log-level warning serve --data "$data" --port 0 --web-root "$root/web" \
  >"$out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$out" "$out.lua"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on' "$out" && break
  sleep 0.1
done
base=$(sed -n 's|^listening on \(http://[^ ]*\)/$|\1|p' "$out")
[[ -n "$base" ]] || { cat "$out"; exit 1; }

rows=$(curl -sf "$base/api/meta" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
# A ticker listed for the whole 20 years and still trading.
symbol=$("$build/tickerflow" --log-level warning query --data "$data" --format csv \
  "SELECT symbol FROM universe WHERE first_date <= DATE '2005-06-02' AND NOT delisted
     ORDER BY symbol LIMIT 1" | tail -1)
bars=$(curl -sf "$base/api/symbols/$symbol/bars" | grep -o '\],\[' | wc -l)
# The screener page's Overview columns, two filters, sorted by market cap, a page of 50.
view="columns=symbol,company_name,sector,industry,market_cap,pe_ratio_ttm,close,change_percent,volume"
screen="market_cap_cat=Large%20Cap,Mega%20Cap&rsi_max=50&$view&sort=market_cap&order=desc&limit=50"

report() {  # report <label> <wrk args...>: 3 s of warm-up (threads, caches), then the measurement
  local label=$1
  shift
  echo "-- $label"
  wrk -t2 -c"${connections:-64}" -d3s "$@" >/dev/null
  wrk -t2 -c"${connections:-64}" -d"${duration}s" --latency "$@" |
    grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors' | sed 's/^ */   /'
}

echo "== serve: $rows screener rows, $(nproc) cores, wrk -t2 -c64 -d${duration}s, server and wrk on the same machine"
report "/api/screener, the same two-filter screen repeated (cached answer)" "$base/api/screener?$screen"
# Every request a different rsi_max, so every one is planned and run in DuckDB.
cat >"$out.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  local value = string.format("%.3f", 30 + (counter % 100000) / 1000)
  return wrk.format("GET", (string.gsub(wrk.path, "RSIMAX", value)))
end
LUA
report "/api/screener, a different two-filter screen every request (DuckDB every time)" \
  -s "$out.lua" "$base/api/screener?${screen/rsi_max=50/rsi_max=RSIMAX}"
report "/api/symbols/$symbol/bars, 20 years ($bars rows, 15 columns), plain JSON" \
  "$base/api/symbols/$symbol/bars"
# As the page's browser asks for it: gzip, about 450 KB instead of 970 KB.
report "/api/symbols/$symbol/bars, 20 years, gzip (Accept-Encoding as browsers send it)" \
  -H "Accept-Encoding: gzip, deflate" "$base/api/symbols/$symbol/bars"
# Where the chart's tail stays under 10 ms: the same request at fewer connections.
for connections in 16 32; do
  report "/api/symbols/$symbol/bars, 20 years, gzip, $connections connections" \
    -H "Accept-Encoding: gzip, deflate" "$base/api/symbols/$symbol/bars"
done
