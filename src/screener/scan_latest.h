// scan_latest: the last row (every column) of every daily file, read with SQL in embedded
// DuckDB. One unreadable file costs only itself: it is reported, the others are read.
//
//   TF_ASSIGN_OR_RETURN(table::Database db, table::Database::Open());
//   TF_ASSIGN_OR_RETURN(table::Connection conn, db.Connect());
//   TF_ASSIGN_OR_RETURN(LatestRows latest, ScanLatest(conn, daily_files));
//   // latest.rows: one row per readable file, the daily columns, sorted by symbol
//   for (const FileFailure& failure : latest.failures) log(failure.file, failure.status);
//
// How it reads (docs/performance.md has the figures):
//
// 1. Every file's footer, for a last-row summary (daily_footer.h): a footer-only read, about
//    0.1 ms per file. Files whose footer cannot be read fail here, cheaply.
// 2. Files without a summary: `SELECT * ... WHERE date >= <expected last date>`, keeping the
//    last row per file. The date statistics of each row group let DuckDB read only the row
//    group that holds that date.
//    DuckDB still pays about 1 to 2 ms per file for its 41 column chunks (a zstd context, page
//    headers and buffers per chunk), whatever the row group size.
// 3. Files without a row on or after that date (stale): their last date from the date column
//    alone, then step 2 again per distinct last date.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::screener {

/// One column of a daily file.
struct DailyColumn {
  std::string_view name;
  table::ColumnType type;
};

/// The columns of daily/<SYMBOL>.parquet in file order (design.md §3): symbol, date, open,
/// high, low, close, adj_close, volume, vwap, change, change_percent, then the 30 indicator
/// columns of indicators::IndicatorSpecs().
const std::vector<DailyColumn>& DailyColumns();

/// A file that could not be read, and why. The status says what to do: kCorruptData (the file
/// is damaged, not Parquet, lacks a daily column or has one of another type: restore or delete
/// it), kNotFound (it disappeared), kIoError (the disk could not read it), kInvalidArgument (its
/// path cannot be used: not UTF-8, a glob character, not a regular file).
struct FileFailure {
  std::filesystem::path file;
  Status status;
};

/// Tuning for ScanLatest; the defaults suit the pipeline.
struct ScanOptions {
  /// The date most files end on (the latest session), if the caller knows it. Without it the
  /// scan takes the latest date among the footer summaries, or failing that among the first
  /// few files. A wrong value costs time, never correctness.
  std::optional<Date> expected_last_date;
  /// Whether to use footer summaries (daily_footer.h). Off, every row is read from the data
  /// pages: for files whose summaries are not trusted, and to measure the difference.
  bool read_footer_summaries = true;
};

/// The last rows of many daily files.
struct LatestRows {
  /// The columns of DailyColumns(); one row per file read, sorted by symbol, then by path.
  table::Table rows;
  /// The file each row comes from: files[i] holds row i.
  std::vector<std::filesystem::path> files;
  /// The files that could not be read, in the order they were given.
  std::vector<FileFailure> failures;
  /// How many rows came from footer summaries rather than from data pages (for logs and
  /// benchmarks).
  size_t rows_from_footer = 0;
  /// The screener's derived columns (derived.h: high_52w, ..., rel_volume, all DOUBLE) of each
  /// row, from the footer summaries that have them; NULL elsewhere. One row per row of `rows`.
  table::Table derived;
  /// derived_known[i]: whether row i of `derived` came from a summary. Where not, NULLs in
  /// `derived` mean "not computed": ComputeDerived reads them from the file.
  std::vector<bool> derived_known;
};

/// Reads the last row (the row with the greatest date; the last one in the file if a date
/// repeats) of every file in `daily_files`. A file that cannot be read, has no rows, or whose
/// columns are not those of DailyColumns() (names and types; extra columns are ignored) is
/// reported in `failures` and the others are still read. An error return means the scan as a
/// whole could not run: DuckDB out of memory (kResourceExhausted), interrupted (kUnavailable),
/// or broken (kInternal). Duplicate paths are read once.
Result<LatestRows> ScanLatest(table::Connection& connection,
                              const std::vector<std::filesystem::path>& daily_files,
                              const ScanOptions& options = {});

}  // namespace tickerflow::screener
