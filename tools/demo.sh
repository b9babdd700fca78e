#!/usr/bin/env bash
# `make demo`: the current main job of tickerflow, on data shipped in the repository.
# Today that is the indicator engine: 30 ta-exact indicator columns for a 1,500-session price
# history, written to data/demo/. Later the full daily pipeline takes its place.
set -euo pipefail
tickerflow=${1:-build/tickerflow}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

input=tests/fixtures/indicators/ohlcv_1500_input.csv
out_dir=data/demo
mkdir -p "$out_dir"
output="$out_dir/ohlcv_1500_indicators.csv"

echo "tickerflow demo: computing 30 indicator columns for $(($(wc -l <"$input") - 1)) sessions"
start=$(date +%s%N)
"$tickerflow" indicators --in "$input" --out "$output"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "wrote $output in ${elapsed_ms} ms (whole process: read CSV, compute, write CSV)"
echo
echo "The last five sessions:"
print_columns() {
  # Prints the named columns of a CSV as a table, numbers to two decimals (the demo file has
  # no quoted fields).
  awk -F, -v want="$1" '
    NR == 1 { n = split(want, names, ","); for (i = 1; i <= NF; i++) col[$i] = i }
    { line = ""
      for (k = 1; k <= n; k++) {
        v = (NR == 1) ? names[k] : $col[names[k]]
        if (NR > 1 && v ~ /^-?[0-9.]+(e-?[0-9]+)?$/ && k > 1) v = sprintf("%.2f", v)
        line = line sprintf("%-14s", v)
      }
      print line }'
}
{ head -n 1 "$output"; tail -n 5 "$output"; } | print_columns "date,close,rsi,macd,adx,sma_200,golden_cross,rsi_over"
echo
echo "Next: '$tickerflow indicators --help', or compare with tests/fixtures/indicators/ohlcv_1500_expected.csv"
echo "(the Python ta 0.11.0 output that 'make test' checks every column against)."
