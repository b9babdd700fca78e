// SQL over a data directory: views named after what they hold, for `tickerflow query` and the
// web server.
//
//   TF_ASSIGN_OR_RETURN(Connection conn, db.Connect());
//   TF_ASSIGN_OR_RETURN(std::vector<std::string> views, CreateDataViews(conn, "data"));
//   TF_ASSIGN_OR_RETURN(Table rows, RunUserQuery(conn, "SELECT symbol, close FROM screener"));
//
// Views: `daily` (every daily/<SYMBOL>.parquet, one row per symbol and session, with its
// `symbol` column), `screener`, `universe`, and one per fundamentals file (`profiles`,
// `ratios_ttm`, `key_metrics_ttm`, `scores`, `ratings`, `dcf`). A view exists only when its
// files do.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::pipeline {

/// Creates the views over the files under `data_dir` (a local directory) on `connection`;
/// returns their names. kNotFound when `data_dir` does not exist.
Result<std::vector<std::string>> CreateDataViews(table::Connection& connection,
                                                 const std::filesystem::path& data_dir);

/// Runs a user's query and returns its rows. Result columns of types a Table cannot hold are
/// converted for display: DECIMAL, HUGEINT and UBIGINT to DOUBLE, anything else (timestamps,
/// lists, structs) to its text. Errors carry DuckDB's message; one that names a missing view
/// adds which views exist.
Result<table::Table> RunUserQuery(table::Connection& connection, std::string_view sql,
                                  const std::vector<std::string>& views = {});

}  // namespace tickerflow::pipeline
