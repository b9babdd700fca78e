// A daily file's last row, kept also in its Parquet footer (key-value metadata), so that
// scan_latest reads 9,000 footers instead of 9,000 x 41 column chunks: about 1 s instead of
// 10 s or more on two cores (docs/performance.md). The file stays an ordinary Parquet file;
// DuckDB, pyarrow, Spark and Athena ignore the extra key.
//
//   // In process_files, instead of table::WriteParquet(conn, daily, path, options):
//   TF_RETURN_IF_ERROR(WriteDailyFile(conn, daily, path, options));
//
// The summary is the JSON object {"v":1,"row":{"symbol":"AAPL","date":"2024-06-28",
// "close":210.62,"adj_close":null,"bb_bbhi":false,...},"derived":{"high_52w":237.23,...}}
// under the key kLastRowFooterKey: every column of the last row, doubles in shortest
// round-trip form written so that they read back as the same double (including -0.0), dates
// as "YYYY-MM-DD"; and the screener's derived columns of the file (derived.h), so that
// merge_screener need not read the file's last year of rows again.
//
// Trust: a summary is written in the same COPY as the rows, so the two agree. A tool that
// rewrites the file with new rows could keep a stale summary only if it copied the footer's
// metadata: DuckDB and Spark do not; Arrow does, and marks the file with an "ARROW:schema"
// key, so ScanLatest ignores the summary of any file that has one and reads its rows instead.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "screener/derived.h"
#include "table/database.h"
#include "table/parquet.h"
#include "table/table.h"

namespace tickerflow::screener {

/// The footer key that holds the last-row summary.
inline constexpr std::string_view kLastRowFooterKey = "tickerflow.last_row";

/// The summary of `daily`'s last row (see the top of this file), with the file's derived
/// columns (derived.h) under "derived" when they are all finite, or nullopt when there is
/// none to write: no rows, or a non-finite double in the last row (JSON has no NaN; such a
/// file is read from its pages instead).
std::optional<std::string> EncodeLastRowFooter(const table::Table& daily);

/// Decodes a summary into one row appended to `columns`, whose names and types are those of
/// the daily file (DailyColumns()). Returns false, leaving `columns` unchanged, when the text
/// is not a summary of this version or lacks a column, or a value has the wrong type. With
/// `derived`, also the file's derived columns (derived.h) when the summary has them (files
/// written since they were added), else *derived is nullopt.
bool DecodeLastRowFooter(std::string_view text, std::vector<table::Column>& columns,
                         std::optional<DerivedValues>* derived = nullptr);

/// table::WriteParquet(connection, daily, path, options), plus the last-row summary in the
/// footer when EncodeLastRowFooter gives one. Same errors as table::WriteParquet. Like it, not
/// atomic: write to a temporary name and rename.
Status WriteDailyFile(table::Connection& connection, const table::Table& daily,
                      const std::filesystem::path& path, table::ParquetWriteOptions options = {});

}  // namespace tickerflow::screener
