// The screener's columns derived from each daily file's last year of bars, computed with SQL
// over only the columns they need (date, high, low, close, volume) and only the row groups of
// the last 53 weeks, which the date statistics let DuckDB find without reading the rest.
//
//   TF_ASSIGN_OR_RETURN(LatestRows latest, ScanLatest(conn, daily_files));
//   TF_ASSIGN_OR_RETURN(DerivedRows derived, ComputeDerived(conn, latest));
//   // derived.rows: symbol, high_52w, ..., rel_volume; one row per file of `latest`

//
// Definitions. L is a file's last row (row n-1 of n, the greatest date; its date is
// last_date), and "row k back" is row n-1-k, counting sessions as the file's rows:
//
//   high_52w, low_52w  max(high), min(low) over the rows dated after last_date - 364 days (the
//                      52 weeks ending on last_date), NULLs ignored; NULL if all are NULL.
//   perf_1w, perf_1m,  100 * (close[L] / close[k back] - 1) for k = 5, 21, 63, 126, 252:
//   perf_3m, perf_6m,  percent change over k sessions. NULL when the file has fewer than k+1
//   perf_1y            rows, or either close is NULL, or close[k back] <= 0.
//   perf_ytd           100 * (close[L] / B - 1), B the close of the last row dated before
//                      January 1 of last_date's year and no earlier than last_date - 371 days
//                      (53 weeks; that covers at least the last week of the previous year).
//                      NULL when there is no such row (listed this year, or no session in the
//                      previous year's last week and more), or as above.
//   avg_volume_20d     The mean of the volumes of the last 20 rows (NULLs ignored); NULL when
//                      the file has fewer than 20 rows or they are all NULL.
//   rel_volume         volume[L] / avg_volume_20d; NULL when either is NULL or the mean is 0.
//
// dist_sma50_pct and dist_sma200_pct need only the last row: MergeScreener computes them (see
// merge.h) as 100 * (close / sma_50 - 1) and 100 * (close / sma_200 - 1), NULL when an input
// is NULL or the average <= 0.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "screener/scan_latest.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::screener {

/// The derived columns, in screener order, all DOUBLE (see the top of this file).
inline constexpr std::string_view kDerivedColumnNames[] = {
    "high_52w", "low_52w",  "perf_1w", "perf_1m",        "perf_3m",
    "perf_6m",  "perf_ytd", "perf_1y", "avg_volume_20d", "rel_volume"};

/// The derived columns of one file, in kDerivedColumnNames order; nullopt is NULL.
using DerivedValues = std::array<std::optional<double>, std::size(kDerivedColumnNames)>;

/// The derived columns of one daily file from its rows in memory, exactly as ComputeDerived
/// computes them from the file (the same definitions and the same floating-point operations,
/// so the two agree bit for bit). `daily` holds at least the columns date (DATE, no NULLs,
/// ascending), high, low, close (DOUBLE) and volume (BIGINT), as a daily file does. The
/// pipeline computes them while it writes a file and keeps them in the file's footer
/// (daily_footer.h), so that merge_screener does not read 9,000 files again.
/// kInvalidArgument when a column is missing or has another type; all NULL for no rows.
Result<DerivedValues> ComputeDerivedValues(const table::Table& daily);

/// The derived columns of many daily files.
struct DerivedRows {
  /// `symbol` (VARCHAR), then kDerivedColumnNames; one row per file computed, in the order of
  /// the LatestRows given (sorted by symbol).
  table::Table rows;
  /// Files whose rows could not be read (a damaged data page the footer-only scan did not
  /// touch, or a file removed since), in the order of the LatestRows given.
  std::vector<FileFailure> failures;
};

/// Computes the derived columns of every file of `latest` (its `files`, with the last date
/// and symbol of each row). Files are read in groups sharing a last date, each group with one
/// query that reads the 53 weeks before that date; a file with gaps, whose 253 last rows go
/// further back, is read again in full. Failures and errors as in ScanLatest.
Result<DerivedRows> ComputeDerived(table::Connection& connection, const LatestRows& latest);

}  // namespace tickerflow::screener
