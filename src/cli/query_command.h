// `tickerflow query`: SQL over a data directory's files with embedded DuckDB.
//
//   $ tickerflow query --data data "SELECT symbol, close, rsi FROM screener ORDER BY rsi LIMIT 5"
//   $ tickerflow query --data s3://bucket/prefix "SELECT count(*) FROM daily"
//
// On S3 the files are brought into the local cache first (only those that changed), and
// DuckDB reads the cached copies.
// Views: daily, screener, universe, and one per fundamentals file (pipeline/data_views.h).
#pragma once

#include <ostream>
#include <string>

#include "common/status.h"
#include "storage/open_store.h"
#include "table/table.h"

namespace tickerflow::cli {

/// The flags of `tickerflow query`.
struct QueryOptions {
  std::string data_dir = "data";
  /// --s3-endpoint and --cache-dir, for an s3:// data_dir.
  storage::OpenStoreOptions store;
  std::string format = "table";  ///< "table", "csv" or "json".
  std::string sql;
};

/// Runs the query and prints its rows to `out` in `options.format`. kNotFound for a missing
/// data directory; kInvalidArgument for SQL that does not parse or bind (DuckDB's message,
/// plus the views that exist when it names a missing one).
Status RunQueryCommand(const QueryOptions& options, std::ostream& out);

/// `table` as aligned text columns with a header line, numbers right-aligned, NULL as "NULL".
std::string FormatAsText(const table::Table& table);

}  // namespace tickerflow::cli
