// One ticker's daily file (daily/<SYMBOL>.parquet, design.md §3): its price columns in memory,
// the keep-last merge of newly fetched bars into them, and the full table with `change`,
// `change_percent` and the 30 indicator columns that the pipeline writes.
//
//   TF_ASSIGN_OR_RETURN(DailyPrices stored, ReadDailyPrices(conn, path));
//   std::vector<sources::Bar> fetched = ...;           // from a Source, validated
//   MergeOutcome merge = MergeKeepLast(stored, fetched);
//   if (merge.changed) {
//     TF_ASSIGN_OR_RETURN(table::Table table, BuildDailyTable("AAPL", merge.prices, scratch));
//     ... write table ...
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "indicators/indicators.h"
#include "sources/source.h"
#include "table/database.h"
#include "table/parquet.h"
#include "table/table.h"

namespace tickerflow::pipeline {

/// How a daily file is written. One row group (DuckDB's default size; a file has about 5,000
/// rows): smaller groups would let a date filter skip more, but scan_latest reads the last row
/// from the footer summary (screener/daily_footer.h), and writing 2,048-row groups costs 20 %
/// more per file, which every daily update pays 9,000 times. zstd level 1 and no dictionary
/// encoding: together about 25 % less CPU per file than DuckDB's defaults, for about 5 % more
/// bytes (docs/performance.md); a daily update rewrites every file, so writing speed counts
/// more than size.
table::ParquetWriteOptions DailyWriteOptions();

/// The column names of a daily file, in file order: symbol, date, open, high, low, close,
/// adj_close, volume, vwap, change, change_percent, then the 30 indicator columns.
const std::vector<std::string>& DailyColumnNames();

/// The price columns of a daily file, one entry per session, dates strictly ascending.
struct DailyPrices {
  std::vector<Date> date;
  std::vector<double> open;
  std::vector<double> high;
  std::vector<double> low;
  std::vector<double> close;
  std::vector<std::optional<double>> adj_close;
  std::vector<int64_t> volume;
  std::vector<std::optional<double>> vwap;

  size_t size() const { return date.size(); }
  bool empty() const { return date.empty(); }
  /// Appends one bar; the caller keeps dates ascending.
  void Append(const sources::Bar& bar);
  /// Row `row` (< size()) as a Bar.
  sources::Bar BarAt(size_t row) const;
  void Reserve(size_t rows);
};

/// Reads the price columns of the daily file at `path`. kNotFound when there is no file;
/// kCorruptData when it is not a readable Parquet file, lacks a price column, has one of
/// another type, or its dates are not strictly ascending (the file is then left untouched
/// and the symbol skipped).
Result<DailyPrices> ReadDailyPrices(table::Connection& connection,
                                    const std::filesystem::path& path);

/// Why bars from a source were dropped.
struct BarCheck {
  std::vector<sources::Bar> kept;  ///< Valid bars, ascending by date, one per date.
  size_t dropped = 0;              ///< Bars that failed a check.
  std::string first_problem;       ///< What was wrong with the first dropped bar.
};

/// Keeps the bars that are plausible: finite positive prices, low <= open, close <= high,
/// volume >= 0, finite non-negative adj_close and vwap where present. Sorts by date and keeps
/// the last bar given for a repeated date, so any order a source returns is accepted.
BarCheck CheckBars(std::vector<sources::Bar> bars);

/// The result of merging fetched bars into stored ones.
struct MergeOutcome {
  DailyPrices prices;       ///< The merged rows.
  size_t rows_added = 0;    ///< Dates that were not stored before.
  size_t rows_revised = 0;  ///< Stored dates whose values the fetched bars changed.
  bool changed = false;     ///< Whether `prices` differs from what was stored.
};

/// Merges `fetched` (checked, ascending) into `stored`, keeping the fetched value for a date
/// present in both (vendor revisions win, design.md §4) and every stored date that was not
/// fetched. A fetched bar without vwap or adj_close but with the stored open, high, low, close
/// and volume keeps the stored value of that field: the bulk endpoint has no vwap, and must
/// not erase what the per-symbol history supplied. A revised bar takes the fetched fields.
MergeOutcome MergeKeepLast(const DailyPrices& stored, std::span<const sources::Bar> fetched);

/// When every date present in both `stored` and `fetched` (at least two) has its prices scaled
/// by the same factor, other than 1 — a split that the vendor applied to its whole history
/// after we stored ours — returns that factor (stored / fetched); nullopt otherwise. The caller
/// then fetches the whole history again.
std::optional<double> SplitFactorInOverlap(const DailyPrices& stored,
                                           std::span<const sources::Bar> fetched);

/// The sessions of the NYSE calendar strictly between the first and the last of `dates`
/// (ascending) that `dates` lacks: the gaps in a symbol's history. Days before its first bar
/// or after its last (not listed yet, delisted, not yet updated) are not gaps.
std::vector<Date> MissingSessions(std::span<const Date> dates);

/// The daily file's table for `symbol`: the prices, change and change_percent against the
/// previous row's close (NULL on the first row), and the 30 indicator columns, computed into
/// `scratch` (one per worker, reused for every symbol).
Result<table::Table> BuildDailyTable(std::string_view symbol, const DailyPrices& prices,
                                     indicators::IndicatorTable& scratch);

}  // namespace tickerflow::pipeline
