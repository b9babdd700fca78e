// The screener API's query language (docs/api.md): request parameters in, one SQL statement for
// the page and one for the count out. Column names are looked up in the table's own columns
// and quoted; every value is a bound parameter. No text from a request ever becomes SQL.
//
//   TF_ASSIGN_OR_RETURN(ScreenerPlan plan,
//                       PlanScreenerQuery(snapshot.columns, "screener_3",
//                                         {{"sector", "Energy,Utilities"}, {"rsi_max", "30"}}));
//   // plan.page_sql:  SELECT ... FROM "screener_3" WHERE "sector" IN (?, ?) AND "rsi" <= ?
//   //                 ORDER BY "symbol" ASC NULLS LAST LIMIT ? OFFSET ?
//   // plan.page_parameters: {"Energy", "Utilities", 30.0, int64_t{100}, int64_t{0}}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::server {

/// How the API treats a column, from its type and name.
enum class ColumnKind {
  kText,     ///< symbol, company_name: searched with q=, equality allowed.
  kLabel,    ///< every other VARCHAR column: equality, "any of", distinct values in /api/meta.
  kBoolean,  ///< equality with true/false.
  kNumber,   ///< DOUBLE, BIGINT: _min/_max ranges.
  kDate,     ///< DATE: _min/_max ranges with YYYY-MM-DD.
};

std::string_view KindName(ColumnKind kind);

/// A column of the served table.
struct ColumnInfo {
  std::string name;
  table::ColumnType type = table::ColumnType::kVarchar;
  ColumnKind kind = ColumnKind::kText;
  std::vector<std::string> values;  ///< A label's distinct values, sorted.
};

/// The kind of a column of `type` named `name`.
ColumnKind KindOf(std::string_view name, table::ColumnType type);

/// Decoded query-string parameters, in request order; a key may repeat.
using QueryParameters = std::vector<std::pair<std::string, std::string>>;

/// Limits of one request.
inline constexpr int64_t kDefaultLimit = 100;
inline constexpr int64_t kMaxLimit = 10'000;
inline constexpr int64_t kMaxCsvLimit = 100'000;
/// Values of one "any of" list.
inline constexpr size_t kMaxValuesPerColumn = 1'000;

/// What a screener request asks DuckDB.
struct ScreenerPlan {
  /// The page; for JSON its last column is the count of every match (none when the page is
  /// empty: then count_sql tells).
  std::string page_sql;
  std::vector<table::Parameter> page_parameters;
  std::string count_sql;
  std::vector<table::Parameter> count_parameters;
  std::vector<const ColumnInfo*> columns;  ///< The returned columns, in order.
  int64_t limit = kDefaultLimit;
  int64_t offset = 0;
  bool csv = false;
};

/// Plans the request `parameters` against `columns`, the columns of `table_name`.
/// kInvalidArgument, with a message naming the parameter and saying what is accepted, for an
/// unknown column, a filter that does not suit the column's kind, a malformed number, date or
/// boolean, or a limit, offset, sort or order out of range.
Result<ScreenerPlan> PlanScreenerQuery(const std::vector<ColumnInfo>& columns,
                                       std::string_view table_name,
                                       const QueryParameters& parameters);

/// Splits "a,b,,c" into {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view text);

/// Parses a finite decimal number ("30", "-1.5", "1e10"); nullopt for anything else.
std::optional<double> ParseNumber(std::string_view text);

}  // namespace tickerflow::server
