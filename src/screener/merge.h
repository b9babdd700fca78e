// merge_screener: the last row of every daily file joined with its derived columns, the
// fundamentals and the category labels, in one SQL statement over in-memory tables. Every
// ticker of `latest` stays (LEFT joins); what is missing is NULL.
//
//   TF_ASSIGN_OR_RETURN(LatestRows latest, ScanLatest(conn, daily_files));
//   TF_ASSIGN_OR_RETURN(DerivedRows derived, ComputeDerived(conn, latest));
//   Fundamentals fundamentals;
//   fundamentals.emplace(sources::FundamentalsDataset::kProfiles, std::move(profiles));
//   TF_ASSIGN_OR_RETURN(table::Table screener,
//                       MergeScreener(conn, latest.rows, derived.rows, fundamentals, session));
//
// The screener's columns, in order (ScreenerColumns()):
//   - the columns of `latest` (the daily file's, DailyColumns());
//   - stale BOOLEAN: date < latest_session;
//   - high_52w, low_52w, perf_1w, perf_1m, perf_3m, perf_6m, perf_ytd, perf_1y (from
//     `derived`), dist_sma50_pct, dist_sma200_pct (100 * (close / sma - 1), NULL when an input
//     is NULL or the average <= 0), avg_volume_20d, rel_volume (from `derived`); see derived.h;
//   - from profiles: company_name, exchange, sector, industry, market_cap, price,
//     price_low_52w, price_high_52w (ParsePriceRange of `range`; NULL when malformed), is_etf;
//   - from ratios_ttm: pe_ratio_ttm, peg_ratio_ttm, net_profit_margin_ttm;
//   - from dcf: fair_value; from scores: altman_z_score, piotroski_score;
//   - from ratings: rating, rating_score, rating_dcf_score, rating_roe_score, rating_roa_score,
//     rating_de_score, rating_pe_score, rating_pb_score;
//   - labels (labels.h): market_cap_cat, pe_ratio_cat, peg_ratio_cat, net_profit_margin_cat,
//     price_fair_value_diff_perc (with price = the last close), price_fair_value_cat,
//     altman_z_score_cat, piotroski_score_cat.
#pragma once

#include <map>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "screener/scan_latest.h"
#include "sources/source.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::screener {

/// The fundamentals datasets, each in its FundamentalsSchema (sources/source.h). Any dataset
/// may be missing; key_metrics_ttm is not used.
using Fundamentals = std::map<sources::FundamentalsDataset, table::Table>;

/// Every column of the screener in order, with its type (see the top of this file).
const std::vector<DailyColumn>& ScreenerColumns();

/// Merges `latest` (LatestRows::rows: the daily columns, one row per ticker) with `derived`
/// (DerivedRows::rows; a table without columns stands for none) and `fundamentals`, as of
/// `latest_session`. One row per row of `latest`, sorted by symbol. kInvalidArgument when an
/// input lacks a column the merge reads or has it with another type, or when a symbol repeats
/// in `derived` or a dataset (the message names the table and the column or symbol).
Result<table::Table> MergeScreener(table::Connection& connection, const table::Table& latest,
                                   const table::Table& derived, const Fundamentals& fundamentals,
                                   Date latest_session);

}  // namespace tickerflow::screener
