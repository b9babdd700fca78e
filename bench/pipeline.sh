#!/usr/bin/env bash
# The pipeline's speed targets (issue 3), on the simulated market and a local directory:
#   first full run, 9,000 symbols x 20 years (~45 million rows): at most 150 s wall;
#   a daily update (one new session for every symbol):           at most 90 s wall;
#   peak memory of either run:                                    at most 2 GB.
# Usage: bench/pipeline.sh <build dir> [data dir] [universe] [years]
# The data directory is kept for bench/run.sh's scan_latest benchmark.
set -euo pipefail
build=${1:-build}
data=${2:-${TMPDIR:-/tmp}/tickerflow-bench-data}
universe=${3:-9000}
years=${4:-20}
rm -rf "$data"

run() {  # run <label> <as-of>
  local label=$1 as_of=$2 log
  log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log.time" "$build/tickerflow" --log-level warning run \
    --source simulated --data "$data" --universe "$universe" --years "$years" --seed 1 \
    --as-of "$as_of" >"$log" 2>&1 || { cat "$log"; exit 1; }
  read -r wall rss_kb <"$log.time"
  printf '%-34s wall %7.1f s   peak RSS %6.0f MB\n' "$label" "$wall" "$((rss_kb / 1024))"
  grep -E '^  (list_files|process_files|fetch_fundamentals|scan_latest|merge_screener)' "$log" |
    sed 's/^/    /'
  rm -f "$log" "$log.time"
}

echo "== pipeline: simulated market, $universe symbols x $years years, $(nproc) cores, data in $data"
run "first full run (as of 2025-06-02)" 2025-06-02
run "daily update (as of 2025-06-03)" 2025-06-03
echo "rows: $("$build/tickerflow" query --data "$data" --format csv 'SELECT count(*) AS n FROM daily' | tail -1)"
echo "size: $(du -sh "$data/daily" | cut -f1) in $(ls "$data/daily" | wc -l) daily files"
