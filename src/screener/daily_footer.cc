#include "screener/daily_footer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>
#include <variant>

#include "table/json_text.h"
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

// The derived values of a summary's "derived" object, or nullopt when it is missing or a
// value is neither a float nor null.
std::optional<DerivedValues> DecodeDerived(const nlohmann::json& summary) {
  const auto object = summary.find("derived");
  if (object == summary.end() || !object->is_object()) return std::nullopt;
  DerivedValues values;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto field = object->find(kDerivedColumnNames[i]);
    if (field == object->end()) return std::nullopt;
    if (field->is_null()) continue;
    if (!field->is_number_float()) return std::nullopt;
    values[i] = field->get<double>();
  }
  return values;
}

// The derived columns of `daily` as a one-row table, or nullopt when the table lacks a column
// they need or a value is not finite (JSON has no NaN; merge_screener computes those).
std::optional<table::Table> DerivedRow(const table::Table& daily) {
  Result<DerivedValues> values = ComputeDerivedValues(daily);
  if (!values.ok()) return std::nullopt;
  std::vector<table::Column> columns;
  for (size_t i = 0; i < values->size(); ++i) {
    table::Column& column =
        columns.emplace_back(std::string(kDerivedColumnNames[i]), table::ColumnType::kDouble);
    const std::optional<double>& value = (*values)[i];
    if (!value.has_value()) {
      column.AppendNull();
    } else if (std::isfinite(*value)) {
      column.AppendDouble(*value);
    } else {
      return std::nullopt;
    }
  }
  Result<table::Table> row = table::Table::Make(std::move(columns));
  if (!row.ok()) return std::nullopt;
  return std::move(*row);
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
  table::AppendJsonObject(text, daily, last, table::JsonDoubles::kAlwaysFloat);
  if (std::optional<table::Table> derived = DerivedRow(daily)) {
    text.append(",\"derived\":");
    table::AppendJsonObject(text, *derived, 0, table::JsonDoubles::kAlwaysFloat);
  }
  text.push_back('}');
  return text;
}

bool DecodeLastRowFooter(std::string_view text, std::vector<table::Column>& columns,
                         std::optional<DerivedValues>* derived) {
  if (derived != nullptr) derived->reset();
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
  if (derived != nullptr) *derived = DecodeDerived(json);
  return true;
}

Status WriteDailyFile(table::Connection& connection, const table::Table& daily,
                      const std::filesystem::path& path, table::ParquetWriteOptions options) {
  if (std::optional<std::string> footer = EncodeLastRowFooter(daily)) {
    options.footer_metadata.emplace_back(std::string(kLastRowFooterKey), std::move(*footer));
  }
  return table::WriteParquet(connection, daily, path, options);
}

}  // namespace tickerflow::screener
