#include "server/response_body.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/csv.h"

namespace tickerflow::server {

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendJsonValue(std::string& out, const table::Column& column, size_t row) {
  if (column.is_null(row)) {
    out += "null";
    return;
  }
  switch (column.type()) {
    case table::ColumnType::kVarchar:
      AppendJsonString(out, column.varchars()[row]);
      return;
    case table::ColumnType::kDate:
      out += '"';
      out += column.dates()[row].ToString();
      out += '"';
      return;
    case table::ColumnType::kDouble: {
      const double value = column.doubles()[row];
      if (std::isfinite(value)) {
        AppendDouble(out, value);
      } else {
        out += "null";
      }
      return;
    }
    case table::ColumnType::kBigint:
      fmt::format_to(std::back_inserter(out), "{}", column.bigints()[row]);
      return;
    case table::ColumnType::kBoolean:
      out += column.booleans()[row] != 0 ? "true" : "false";
      return;
  }
}

void AppendJsonRows(std::string& out, const table::Table& table, size_t column_count) {
  const size_t columns = std::min(column_count, table.num_columns());
  out += '[';
  for (size_t row = 0; row < table.num_rows(); ++row) {
    if (row > 0) out += ',';
    out += '[';
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) out += ',';
      AppendJsonValue(out, table.column(c), row);
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
    AppendJsonString(out, table.column(c).name());
    out += ",\"type\":";
    AppendJsonString(out, table::ColumnTypeName(table.column(c).type()));
    out += '}';
  }
  out += ']';
}

std::string JsonError(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
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
