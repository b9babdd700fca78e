#!/usr/bin/env bash
# `make bench`: runs every benchmark of tickerflow and prints the figures that
# docs/performance.md records. Usage: bench/run.sh <build dir>
set -euo pipefail
build=${1:-build}
echo "== indicators: all 30 columns (target: 5,000 rows in at most 250 us on one core)"
"$build/indicators_benchmark" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_display_aggregates_only=true
echo
echo "== parquet: one ticker's daily file, 5,000 rows x 36 columns, zstd, one DuckDB thread"
"$build/parquet_benchmark" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_display_aggregates_only=true
echo
bash "$(dirname "$0")/pipeline.sh" "$build"
echo
bash "$(dirname "$0")/fmp_quota.sh" "$build"
echo
bash "$(dirname "$0")/s3_pipeline.sh" "$build"
echo
bash "$(dirname "$0")/serve.sh" "$build"
echo
echo "== scan_latest: last row of 9,000 daily files x 5,040 rows, per row group size, against"
echo "   SELECT * ... QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY date DESC) = 1"
echo "   (targets: at most 2 s, and 10x faster than that query); derived columns; merge; encodings."
echo "   Writes about 9 GB per row group size under \$TICKERFLOW_SCAN_BENCH_DIR (default: /tmp)."
"$build/scan_latest_benchmark" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_display_aggregates_only=true
