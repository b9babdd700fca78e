#include "cli/query_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "pipeline/data_views.h"
#include "screener/output.h"
#include "table/database.h"

namespace tickerflow::cli {
namespace {

bool IsNumeric(table::ColumnType type) {
  return type == table::ColumnType::kDouble || type == table::ColumnType::kBigint;
}

// Display width of UTF-8 text: one per code point (every byte but continuation bytes).
size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string FormatAsText(const table::Table& table) {
  const size_t columns = table.num_columns();
  std::vector<std::vector<std::string>> cells(columns);
  std::vector<size_t> widths(columns);
  for (size_t c = 0; c < columns; ++c) {
    const table::Column& column = table.column(c);
    widths[c] = DisplayWidth(column.name());
    cells[c].reserve(table.num_rows());
    for (size_t row = 0; row < table.num_rows(); ++row) {
      cells[c].push_back(column.ValueToString(row));
      widths[c] = std::max(widths[c], DisplayWidth(cells[c].back()));
    }
  }
  auto pad = [](std::string_view text, size_t width, bool right) {
    const std::string fill(width - DisplayWidth(text), ' ');
    return right ? fill + std::string(text) : std::string(text) + fill;
  };
  std::string out;
  for (size_t c = 0; c < columns; ++c) {
    out += (c == 0 ? "" : "  ");
    out += pad(table.column(c).name(), widths[c], IsNumeric(table.column(c).type()));
  }
  out += '\n';
  for (size_t c = 0; c < columns; ++c) {
    out += (c == 0 ? "" : "  ");
    out += std::string(widths[c], '-');
  }
  out += '\n';
  for (size_t row = 0; row < table.num_rows(); ++row) {
    for (size_t c = 0; c < columns; ++c) {
      out += (c == 0 ? "" : "  ");
      out += pad(cells[c][row], widths[c], IsNumeric(table.column(c).type()));
    }
    out += '\n';
  }
  out += fmt::format("({} row{})\n", table.num_rows(), table.num_rows() == 1 ? "" : "s");
  return out;
}

Status RunQueryCommand(const QueryOptions& options, std::ostream& out) {
  if (options.format != "table" && options.format != "csv" && options.format != "json") {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--format must be table, csv or json, not '{}'", options.format));
  }
  table::DatabaseOptions database_options;
  TF_ASSIGN_OR_RETURN(table::Database database, table::Database::Open(database_options));
  TF_ASSIGN_OR_RETURN(table::Connection connection, database.Connect());
  std::filesystem::path data_dir = options.data_dir;
  if (storage::IsRemoteLocation(options.data_dir)) {
    TF_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> store,
                        storage::OpenStore(options.data_dir, options.store));
    for (const std::string_view prefix :
         {"daily/", "fundamentals/", "screener/", "universe.parquet"}) {
      TF_ASSIGN_OR_RETURN(data_dir, store->LocalMirror(prefix));
    }
  }
  TF_ASSIGN_OR_RETURN(std::vector<std::string> views,
                      pipeline::CreateDataViews(connection, data_dir));
  TF_ASSIGN_OR_RETURN(table::Table rows, pipeline::RunUserQuery(connection, options.sql, views));
  if (options.format == "csv") {
    out << screener::EncodeCsv(rows);
  } else if (options.format == "json") {
    out << screener::EncodeJson(rows);
  } else {
    out << FormatAsText(rows);
  }
  out.flush();
  if (!out) return Status::Error(ErrorCode::kIoError, "cannot write the query's output");
  return Status::Ok();
}

}  // namespace tickerflow::cli
