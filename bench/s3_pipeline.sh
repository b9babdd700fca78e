#!/usr/bin/env bash
# The pipeline on S3 against the same pipeline on a local directory, in one benchmark run
# (issue 5): a 1,000-symbol simulated market, 20 years of history, first run then a daily
# update one week later, with --data DIR and with --data s3://bench/data on a local S3 server
# (s3rver from the npm registry, on a free loopback port). Then the same update again from a
# cold cache (the cache deleted: every file is downloaded once). Prints each wall time and the
# S3/local ratios.
# Usage: bench/s3_pipeline.sh <build dir> [universe, default 1000] [years, default 20]
set -euo pipefail
build=${1:-build}
universe=${2:-1000}
years=${3:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3rver="$root/node_modules/s3rver/bin/s3rver.js"
[[ -f $s3rver ]] || { echo "s3rver is not installed: run \`make deps\`"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tickerflow-s3-bench-XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --openssl-legacy-provider: s3rver's ListObjectsV2 continuation tokens use DES.
node --openssl-legacy-provider "$s3rver" --directory "$work/s3" --address 127.0.0.1 --port 0 \
  --silent --configure-bucket bench >"$work/s3rver.out" 2>"$work/s3rver.err" &
server_pid=$!
endpoint=
for _ in $(seq 1 600); do
  endpoint=$(sed -n 's/^S3rver listening on \(.*\)$/http:\/\/\1/p' "$work/s3rver.out")
  [[ -n $endpoint ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/s3rver.err"; exit 1; }
  sleep 0.1
done
[[ -n $endpoint ]] || { echo "s3rver did not start"; exit 1; }

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3

# Runs the pipeline; prints the wall time in seconds.
run() {
  local data=$1 as_of=$2 log=$3
  shift 3
  local start end
  start=$(date +%s.%N)
  "$build/tickerflow" --log-level warning run --source simulated --data "$data" \
    --universe "$universe" --years "$years" --seed 1 --as-of "$as_of" "$@" \
    >"$work/$log.out" 2>"$work/$log.err" || { echo "run failed: $log" >&2; tail -5 "$work/$log.err" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
s3_flags=(--s3-endpoint "$endpoint" --cache-dir "$work/cache")

echo "== s3: the pipeline on s3:// (s3rver at $endpoint) against a local directory,"
echo "   $universe symbols, $years years, first run then the update a week later"
local_first=$(run "$work/local" 2025-06-02 local-first)
s3_first=$(run s3://bench/data 2025-06-02 s3-first "${s3_flags[@]}")
local_update=$(run "$work/local" 2025-06-09 local-update)
s3_update=$(run s3://bench/data 2025-06-09 s3-update "${s3_flags[@]}")
rm -rf "$work/cache"
s3_cold=$(run s3://bench/data 2025-06-16 s3-cold "${s3_flags[@]}")
local_next=$(run "$work/local" 2025-06-16 local-next)
objects=$(find "$work/s3/bench" -name '*._S3rver_object' | wc -l)
# The server's CPU time over the three S3 runs: it shares the two cores with tickerflow.
server_cpu=$(awk -v tick="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / tick }' \
  "/proc/$server_pid/stat")
bytes=$(du -sb "$work/local" | cut -f1)
printf '  local directory: %s daily files, %s MB\n' \
  "$(find "$work/local/daily" -name '*.parquet' | wc -l)" "$((bytes / 1000000))"
printf '  s3 objects after the runs: %s; s3rver used %s s of CPU\n' "$objects" "$server_cpu"
printf '  %-34s %8s %8s %7s\n' "" "local s" "s3 s" "s3/local"
printf '  %-34s %8.1f %8.1f %7.2f\n' "first run" "$local_first" "$s3_first" \
  "$(ratio "$s3_first" "$local_first")"
printf '  %-34s %8.1f %8.1f %7.2f\n' "daily update (warm cache)" "$local_update" "$s3_update" \
  "$(ratio "$s3_update" "$local_update")"
printf '  %-34s %8.1f %8.1f %7.2f\n' "next update (cold cache: downloads)" "$local_next" \
  "$s3_cold" "$(ratio "$s3_cold" "$local_next")"
