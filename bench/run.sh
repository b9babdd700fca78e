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
