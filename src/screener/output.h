// The screener's three files as bytes, for the pipeline to store through its ObjectStore:
// screener.parquet, screener.csv and screener.json.
//
//   TF_ASSIGN_OR_RETURN(table::Table screener, MergeScreener(conn, ...));
//   TF_ASSIGN_OR_RETURN(std::string parquet, EncodeParquet(conn, screener));
//   std::string csv = EncodeCsv(screener);
//   std::string json = EncodeJson(screener);
//
// All three hold the same values. Doubles are written with the fewest digits that read back
// to the same double ("0.1", "100", "1e+21"). Neither text format has NaN or Infinity: such a
// double is written as NULL (the screener has none; the merge's divisions are guarded).
#pragma once

#include <string>

#include "common/status.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::screener {

/// RFC 4180 CSV: a header of the column names, one record per row, fields quoted only when
/// they must be (a comma, quote, CR or LF; a leading or trailing space), "\n" line ends. NULL
/// is an empty field, booleans true/false, dates YYYY-MM-DD, BIGINT as an integer.
std::string EncodeCsv(const table::Table& table);

/// A JSON array with one object per row, keys the column names in order: null, true/false,
/// numbers (doubles in shortest round-trip form), dates as "YYYY-MM-DD", strings (UTF-8, with
/// quotes, backslashes and control characters escaped). Never NaN or Infinity.
std::string EncodeJson(const table::Table& table);

/// A Parquet file (zstd, statistics; table::WriteParquet) with the table's columns and types.
/// Written through a temporary file, which is removed. kIoError when the temporary directory
/// cannot be written; the errors of table::WriteParquet otherwise.
Result<std::string> EncodeParquet(table::Connection& connection, const table::Table& table);

}  // namespace tickerflow::screener
