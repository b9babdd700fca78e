#!/usr/bin/env bash
# `make demo`: the main job of tickerflow on its built-in simulated market, so that it runs
# anywhere without an API key: 1,000 symbols, 10 years of daily bars with 30 indicators, the
# fundamentals and the screener, into ./data. Running it again later brings the same data
# directory up to date (only the new sessions are fetched). It ends by serving the screener
# page for that data on http://127.0.0.1:${TICKERFLOW_DEMO_PORT:-8080}/ until Ctrl-C.
set -euo pipefail
tickerflow=${1:-build/tickerflow}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
data=${TICKERFLOW_DEMO_DATA:-data}
port=${TICKERFLOW_DEMO_PORT:-8080}

echo "tickerflow demo: the daily pipeline on a simulated market of 1,000 symbols x 10 years"
echo "  $tickerflow run --source simulated --data $data --universe 1000 --years 10 --seed 1"
echo
"$tickerflow" run --source simulated --data "$data" --universe 1000 --years 10 --seed 1
echo
echo "The five largest companies in the screener:"
"$tickerflow" query --data "$data" \
  "SELECT symbol, company_name, sector, close, round(change_percent, 2) AS change_pct,
          round(rsi, 1) AS rsi, market_cap_cat, pe_ratio_cat, stale
     FROM screener ORDER BY market_cap DESC NULLS LAST LIMIT 5"
echo
cat <<NEXT
What to look at next:
  $data/daily/<SYMBOL>.parquet    one file per ticker: prices and 30 indicators
  $data/screener/screener.csv     the screener (also .parquet and .json)
  $data/_runs/                    what each run did

  $tickerflow query --data $data "SELECT date, close, rsi, macd, golden_cross FROM daily WHERE symbol = (SELECT symbol FROM screener ORDER BY market_cap DESC NULLS LAST LIMIT 1) ORDER BY date DESC LIMIT 5"
  $tickerflow query --data $data --format csv "SELECT sector, count(*) AS n, round(avg(rsi), 1) AS avg_rsi FROM screener GROUP BY sector ORDER BY n DESC"
  $tickerflow run --help
NEXT
echo
echo "Serving the screener page for $data: open the URL below in a browser (Ctrl-C stops the"
echo "server; TICKERFLOW_DEMO_PORT=N make demo picks another port than $port)."
exec "$tickerflow" serve --data "$data" --port "$port" --web-root "$root/web"
