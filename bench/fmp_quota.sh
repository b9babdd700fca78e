#!/usr/bin/env bash
# Quota utilisation of the FMP client (issue 4): `tickerflow run --source fmp` against
# `tickerflow fmp-sim` enforcing a strict sliding window of 600 requests per 60 s, with more
# work than the quota allows for the whole measurement (per-symbol history of a large
# universe, two requests per symbol with --adjusted). From the simulator's request log:
#   the most requests admitted in any 60-s window (at most 600),
#   the requests admitted in the 180 s after the first one, and utilisation = that / 1,800
#   (target: at least 98 %), and the fewest in a 60-s window inside those 180 s (the quota
#   is full at every moment, not only on average),
#   the 429s (target: none).
# Usage: bench/fmp_quota.sh <build dir> [seconds to measure, default 180] [universe, default 2500]
# The run is stopped 30 s after the measured span if it has not finished.
set -euo pipefail
build=${1:-build}
span=${2:-180}
universe=${3:-2500}
limit=600
work=$(mktemp -d "${TMPDIR:-/tmp}/tickerflow-fmp-quota-XXXXXX")
sim_pid=
cleanup() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid"
    wait "$sim_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== fmp quota: $limit requests/min enforced by fmp-sim (premium plan: per-symbol history),"
echo "   $universe symbols, measured over ${span} s (targets: >= 98 % of the quota, no 429)"
# Premium has profile-bulk (the universe) but no eod-bulk: every symbol's history is one
# request, its dividend-adjusted closes another. One year of history keeps the bodies small,
# so that the simulator (on the same cores) is not what limits the rate.
"$build/tickerflow" --log-level warning fmp-sim --port 0 --plan premium \
  --rate-limit "$limit/min" --universe "$universe" --seed 1 --as-of 2025-06-02 \
  --api-key bench-key --request-log "$work/requests.jsonl" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 600); do
  [[ -s $work/sim.out ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.err"; exit 1; }
  sleep 0.1
done
url=$(head -1 "$work/sim.out" | sed 's/^listening on //')
[[ $url == http://* ]] || { echo "fmp-sim did not start"; cat "$work/sim.err"; exit 1; }

status=0
FMP_API_KEY=bench-key timeout --signal=TERM $((span + 30)) \
  "$build/tickerflow" --log-level warning run --source fmp --fmp-base-url "$url" \
  --rate-limit "$limit/min" --adjusted --data "$work/data" --as-of 2025-06-02 --years 1 \
  >"$work/run.out" 2>"$work/run.err" || status=$?
if [[ $status -eq 124 ]]; then
  echo "run: stopped after $((span + 30)) s with work still waiting (as intended)"
elif [[ $status -ne 0 ]]; then
  echo "run: failed (exit $status)"
  tail -5 "$work/run.err"
else
  echo "run: finished before the end of the measurement; use a larger universe"
fi
grep -E '^fmp: ' "$work/run.out" | sed 's/^/  /' || true

# The log's lines start {"t_ms":<ms since the server started>; 429s are not counted (admitted).
rejected=$(grep -c '"status":429' "$work/requests.jsonl" || true)
grep '"counted":true' "$work/requests.jsonl" | sed -E 's/^\{"t_ms":([0-9.]+).*/\1/' | sort -g |
  awk -v span_ms=$((span * 1000)) -v limit="$limit" -v rejected="$rejected" '
    { times[n++] = $1 }
    END {
      if (n == 0) { print "  no admitted request in the log"; exit 1 }
      first = times[0]; in_span = 0; most = 0; lo = 0; fewest = -1; hi = 0
      for (i = 0; i < n; i++) {
        if (times[i] < first + span_ms) in_span++
        while (times[i] - times[lo] >= 60000) lo++
        if (i - lo + 1 > most) most = i - lo + 1
        # The window [times[i], times[i] + 60 s), for windows inside the measured span: the
        # quota is kept full only if every one of them is (nearly) full too.
        if (times[i] + 60000 <= first + span_ms) {
          while (hi < n && times[hi] < times[i] + 60000) hi++
          if (fewest < 0 || hi - i < fewest) fewest = hi - i
        }
      }
      quota = limit * span_ms / 60000
      printf "  requests admitted: %d in all; at most %d in any 60-s window (limit %d)\n", n, most, limit
      if (fewest >= 0) printf "  fewest in a 60-s window starting at a request inside the span: %d\n", fewest
      printf "  in the %d s after the first request: %d of %d = %.1f %% of the quota\n", span_ms / 1000, in_span, quota, 100 * in_span / quota
      printf "  429s: %d\n", rejected
    }'
