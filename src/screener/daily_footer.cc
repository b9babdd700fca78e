#include "screener/daily_footer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>
#include <variant>

#include "screener/json_internal.h"
#include "table/table_source.h"

namespace tickerflow::screener {
namespace {

// The summary format's version: a reader ignores summaries of any other version.
constexpr int kFooterVersion = 1;

using Value = std::variant<std::monostate, std::string, Date, double, int64_t, bool>;

// The value of `json` as a value of `type`, or false when it has another JSON type.
bool ToValue(const nlohmann::json& json, table::ColumnType type, Value& value) {
  if (json.is_null()) {
    value = std::monostate{};
    return true;
  }
  switch (type) {
    case table::ColumnType::kVarchar:
      if (!json.is_string()) return false;
      value = json.get<std::string>();
      return true;
    case table::ColumnType::kDate: {
      if (!json.is_string()) return false;
      Result<Date> date = Date::Parse(json.get_ref<const std::string&>());
      if (!date.ok()) return false;
      value = *date;
      return true;
    }
    case table::ColumnType::kDouble:
      // The writer adds ".0" to integral doubles, so a JSON integer here is not ours.
      if (!json.is_number_float()) return false;
      value = json.get<double>();
      return true;
    case table::ColumnType::kBigint:
      // nlohmann reads every non-negative integer as unsigned; accept those an int64 holds.
      if (!json.is_number_integer()) return false;
      if (json.is_number_unsigned() &&
          json.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return false;
      }
      value = json.get<int64_t>();
      return true;
    case table::ColumnType::kBoolean:
      if (!json.is_boolean()) return false;
      value = json.get<bool>();
      return true;
  }
  return false;
}

void AppendTo(table::Column& column, const Value& value) {
  switch (value.index()) {
    case 0:
      column.AppendNull();
      return;
    case 1:
      column.AppendVarchar(std::get<std::string>(value));
      return;
    case 2:
      column.AppendDate(std::get<Date>(value));
      return;
    case 3:
      column.AppendDouble(std::get<double>(value));
      return;
    case 4:
      column.AppendBigint(std::get<int64_t>(value));
      return;
    default:
      column.AppendBoolean(std::get<bool>(value));
      return;
  }
}

}  // namespace

std::optional<std::string> EncodeLastRowFooter(const table::Table& daily) {
  if (daily.num_rows() == 0) return std::nullopt;
  const size_t last = daily.num_rows() - 1;
  for (const table::Column& column : daily.columns()) {
    if (column.type() == table::ColumnType::kDouble && column.is_valid(last) &&
        !std::isfinite(column.doubles()[last])) {
      return std::nullopt;
    }
  }
  std::string text = fmt::format("{{\"v\":{},\"row\":", kFooterVersion);
  internal::AppendJsonObject(text, daily, last, internal::JsonDoubles::kAlwaysFloat);
  text.push_back('}');
  return text;
}

bool DecodeLastRowFooter(std::string_view text, std::vector<table::Column>& columns) {
  const nlohmann::json json =
      nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  const auto version = json.find("v");
  if (version == json.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kFooterVersion) {
    return false;
  }
  const auto row = json.find("row");
  if (row == json.end() || !row->is_object()) return false;
  std::vector<Value> values(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto field = row->find(columns[i].name());
    if (field == row->end() || !ToValue(*field, columns[i].type(), values[i])) return false;
  }
  for (size_t i = 0; i < columns.size(); ++i) AppendTo(columns[i], values[i]);
  return true;
}

Status WriteDailyFile(table::Connection& connection, const table::Table& daily,
                      const std::filesystem::path& path,
                      const table::ParquetWriteOptions& options) {
  const std::optional<std::string> footer = EncodeLastRowFooter(daily);
  if (!footer.has_value()) return table::WriteParquet(connection, daily, path, options);

  // The checks and the COPY of table::WriteParquet, with the footer added.
  if (path.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "writing daily file: the path is empty");
  }
  std::error_code error;
  const std::string absolute = std::filesystem::absolute(path, error).string();
  if (error) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("writing daily file '{}': cannot make the path absolute: {}",
                                     path.string(), error.message()));
  }
  if (options.row_group_size <= 0) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("writing daily file '{}': row_group_size must be positive, "
                                     "not {}",
                                     absolute, options.row_group_size));
  }
  TF_ASSIGN_OR_RETURN(const table::TableSource source, table::TableSource::Create(daily));
  // The path and the summary are bound parameters. The key is our constant (no quote in it);
  // the source's id and the row group size are numbers of ours.
  const std::string sql = fmt::format(
      "COPY (SELECT * FROM {}) TO ? (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {}, "
      "KV_METADATA {{'{}': ?}})",
      source.sql(), options.row_group_size, kLastRowFooterKey);
  const Status written = connection.Query(sql, {absolute, *footer}).status();
  if (!written.ok()) {
    return written.WithContext(fmt::format("writing daily file '{}'", absolute));
  }
  return Status::Ok();
}

}  // namespace tickerflow::screener
