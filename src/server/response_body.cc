#include "server/response_body.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/csv.h"
#include "table/json_text.h"

namespace tickerflow::server {

void AppendJsonRows(std::string& out, const table::Table& table, size_t column_count) {
  const size_t columns = std::min(column_count, table.num_columns());
  out += '[';
  for (size_t row = 0; row < table.num_rows(); ++row) {
    if (row > 0) out += ',';
    out += '[';
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) out += ',';
      table::AppendJsonValue(out, table.column(c), row);
    }
    out += ']';
  }
  out += ']';
}

void AppendJsonColumns(std::string& out, const table::Table& table, size_t column_count) {
  const size_t columns = std::min(column_count, table.num_columns());
  out += '[';
  for (size_t c = 0; c < columns; ++c) {
    if (c > 0) out += ',';
    out += "{\"name\":";
    table::AppendJsonString(out, table.column(c).name());
    out += ",\"type\":";
    table::AppendJsonString(out, table::ColumnTypeName(table.column(c).type()));
    out += '}';
  }
  out += ']';
}

std::string JsonError(std::string_view message) {
  std::string out = "{\"error\":";
  table::AppendJsonString(out, message);
  out += '}';
  return out;
}

void AppendCsv(std::string& out, const table::Table& table) {
  CsvWriter writer(out);
  for (const table::Column& column : table.columns()) writer.AddField(column.name());
  writer.EndRecord();
  for (size_t row = 0; row < table.num_rows(); ++row) {
    for (const table::Column& column : table.columns()) {
      writer.AddField(column.is_null(row) ? std::string() : column.ValueToString(row));
    }
    writer.EndRecord();
  }
}

}  // namespace tickerflow::server
