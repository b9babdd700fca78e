// Table rows as the API sends them: JSON (docs/api.md: numbers, true/false, "YYYY-MM-DD",
// strings, null for NULL and non-finite doubles; values through table/json_text.h) and CSV. Written
// straight into a string, a few hundred bytes per row, without a JSON document in between.
//
//   std::string body = "{\"rows\":";
//   AppendJsonRows(body, table);          // [["AAPL",187.2],["ABBV",151.9]]
//   body += ",\"columns\":";
//   AppendJsonColumns(body, table);       // [{"name":"symbol","type":"VARCHAR"},...]
//   body += '}';
#pragma once

#include <string>
#include <string_view>

#include "table/table.h"

namespace tickerflow::server {

/// Appends every row of `table` as a JSON array of arrays, with the first `column_count`
/// columns (all by default).
void AppendJsonRows(std::string& out, const table::Table& table,
                    size_t column_count = static_cast<size_t>(-1));

/// Appends the first `column_count` columns of `table` (all by default) as
/// [{"name": ..., "type": ...}, ...].
void AppendJsonColumns(std::string& out, const table::Table& table,
                       size_t column_count = static_cast<size_t>(-1));

/// `{"error": message}`.
std::string JsonError(std::string_view message);

/// Appends `table` as CSV: a header line, then one line per row (NULL is an empty field).
void AppendCsv(std::string& out, const table::Table& table);

}  // namespace tickerflow::server
