#include "table/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

namespace tickerflow::table {
namespace {

// The empty value vector of `type`.
Column::Values EmptyValues(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return std::vector<std::string>();
    case ColumnType::kDate:
      return std::vector<Date>();
    case ColumnType::kDouble:
      return std::vector<double>();
    case ColumnType::kBigint:
      return std::vector<int64_t>();
    case ColumnType::kBoolean:
      return std::vector<uint8_t>();
  }
  return std::vector<std::string>();
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// DuckDB, Athena and Spark resolve column names case-insensitively, so "Close" and "close"
// cannot both be columns of a file.
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

// Exact equality for round-trip checks: NaN equals NaN and the sign of zero matters.
bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

template <typename T, typename Equal>
bool SameValidValues(const Column& a, const std::vector<T>& x, const std::vector<T>& y,
                     Equal equal) {
  for (size_t row = 0; row < x.size(); ++row) {
    if (a.is_valid(row) && !equal(x[row], y[row])) return false;
  }
  return true;
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return "VARCHAR";
    case ColumnType::kDate:
      return "DATE";
    case ColumnType::kDouble:
      return "DOUBLE";
    case ColumnType::kBigint:
      return "BIGINT";
    case ColumnType::kBoolean:
      return "BOOLEAN";
  }
  return "UNKNOWN";
}

Column::Column(std::string name, ColumnType type)
    : name_(std::move(name)), type_(type), values_(EmptyValues(type)) {}

Column::Column(std::string name, ColumnType type, Values values, std::vector<uint8_t> validity)
    : name_(std::move(name)),
      type_(type),
      values_(std::move(values)),
      validity_(std::move(validity)) {
  // A validity vector without a single NULL carries no information; dropping it keeps the
  // fast all-valid path for the writers.
  if (!validity_.empty() && std::find(validity_.begin(), validity_.end(), 0) == validity_.end() &&
      validity_.size() == size()) {
    validity_.clear();
  }
}

Column Column::Varchars(std::string name, std::vector<std::string> values,
                        std::vector<uint8_t> valid) {
  return Column(std::move(name), ColumnType::kVarchar, std::move(values), std::move(valid));
}

Column Column::Dates(std::string name, std::vector<Date> values, std::vector<uint8_t> valid) {
  return Column(std::move(name), ColumnType::kDate, std::move(values), std::move(valid));
}

Column Column::Doubles(std::string name, std::vector<double> values, std::vector<uint8_t> valid) {
  return Column(std::move(name), ColumnType::kDouble, std::move(values), std::move(valid));
}

Column Column::Bigints(std::string name, std::vector<int64_t> values, std::vector<uint8_t> valid) {
  return Column(std::move(name), ColumnType::kBigint, std::move(values), std::move(valid));
}

Column Column::Booleans(std::string name, std::vector<uint8_t> values, std::vector<uint8_t> valid) {
  for (uint8_t& value : values) value = value != 0 ? 1 : 0;
  return Column(std::move(name), ColumnType::kBoolean, std::move(values), std::move(valid));
}

size_t Column::size() const {
  return std::visit([](const auto& values) { return values.size(); }, values_);
}

size_t Column::null_count() const {
  return static_cast<size_t>(std::count(validity_.begin(), validity_.end(), 0));
}

const std::vector<std::string>& Column::varchars() const {
  return std::get<std::vector<std::string>>(values_);
}
const std::vector<Date>& Column::dates() const { return std::get<std::vector<Date>>(values_); }
const std::vector<double>& Column::doubles() const {
  return std::get<std::vector<double>>(values_);
}
const std::vector<int64_t>& Column::bigints() const {
  return std::get<std::vector<int64_t>>(values_);
}
const std::vector<uint8_t>& Column::booleans() const {
  return std::get<std::vector<uint8_t>>(values_);
}

void Column::Reserve(size_t rows) {
  std::visit([rows](auto& values) { values.reserve(rows); }, values_);
  if (!validity_.empty()) validity_.reserve(rows);
}

void Column::MarkLastValid() {
  if (!validity_.empty()) validity_.push_back(1);
}

void Column::AppendVarchar(std::string_view value) {
  std::get<std::vector<std::string>>(values_).emplace_back(value);
  MarkLastValid();
}

void Column::AppendDate(Date value) {
  std::get<std::vector<Date>>(values_).push_back(value);
  MarkLastValid();
}

void Column::AppendDouble(double value) {
  std::get<std::vector<double>>(values_).push_back(value);
  MarkLastValid();
}

void Column::AppendBigint(int64_t value) {
  std::get<std::vector<int64_t>>(values_).push_back(value);
  MarkLastValid();
}

void Column::AppendBoolean(bool value) {
  std::get<std::vector<uint8_t>>(values_).push_back(value ? 1 : 0);
  MarkLastValid();
}

void Column::AppendNull() {
  const size_t old_size = size();
  if (validity_.empty()) validity_.assign(old_size, 1);
  std::visit([](auto& values) { values.emplace_back(); }, values_);
  validity_.push_back(0);
}

void Column::AppendFrom(const Column& from, size_t row) {
  assert(from.type() == type_);
  if (from.is_null(row)) {
    AppendNull();
    return;
  }
  switch (from.type()) {
    case ColumnType::kVarchar:
      AppendVarchar(from.varchars()[row]);
      return;
    case ColumnType::kDate:
      AppendDate(from.dates()[row]);
      return;
    case ColumnType::kDouble:
      AppendDouble(from.doubles()[row]);
      return;
    case ColumnType::kBigint:
      AppendBigint(from.bigints()[row]);
      return;
    case ColumnType::kBoolean:
      AppendBoolean(from.booleans()[row] != 0);
      return;
  }
}

Status Column::Validate() const {
  if (!validity_.empty() && validity_.size() != size()) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("column '{}' has {} values but {} validity entries; pass one validity entry "
                    "per value, or none when there is no NULL",
                    name_, size(), validity_.size()));
  }
  return Status::Ok();
}

std::string Column::ValueToString(size_t row) const {
  if (is_null(row)) return "NULL";
  switch (type_) {
    case ColumnType::kVarchar:
      return varchars()[row];
    case ColumnType::kDate:
      return dates()[row].ToString();
    case ColumnType::kDouble:
      return fmt::format("{}", doubles()[row]);
    case ColumnType::kBigint:
      return fmt::format("{}", bigints()[row]);
    case ColumnType::kBoolean:
      return booleans()[row] != 0 ? "true" : "false";
  }
  return "?";
}

bool Column::Equals(const Column& other) const {
  if (name_ != other.name_ || type_ != other.type_ || size() != other.size()) return false;
  for (size_t row = 0; row < size(); ++row) {
    if (is_valid(row) != other.is_valid(row)) return false;
  }
  switch (type_) {
    case ColumnType::kVarchar:
      return SameValidValues(*this, varchars(), other.varchars(),
                             [](const std::string& a, const std::string& b) { return a == b; });
    case ColumnType::kDate:
      return SameValidValues(*this, dates(), other.dates(), [](Date a, Date b) { return a == b; });
    case ColumnType::kDouble:
      return SameValidValues(*this, doubles(), other.doubles(), SameDouble);
    case ColumnType::kBigint:
      return SameValidValues(*this, bigints(), other.bigints(),
                             [](int64_t a, int64_t b) { return a == b; });
    case ColumnType::kBoolean:
      return SameValidValues(*this, booleans(), other.booleans(),
                             [](uint8_t a, uint8_t b) { return (a != 0) == (b != 0); });
  }
  return false;
}

Result<Table> Table::Make(std::vector<Column> columns) {
  Table table;
  table.columns_.reserve(columns.size());
  for (Column& column : columns) {
    TF_RETURN_IF_ERROR(table.AddColumn(std::move(column)));
  }
  return table;
}

Status Table::CheckCanAdd(const Column& column) const {
  if (column.name().empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("column {} of the table has an empty name; give every "
                                     "column a name",
                                     columns_.size()));
  }
  TF_RETURN_IF_ERROR(column.Validate());
  for (const Column& existing : columns_) {
    if (EqualsIgnoringAsciiCase(existing.name(), column.name())) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("duplicate column name '{}' (names are compared "
                                       "case-insensitively); rename one of the columns",
                                       column.name()));
    }
  }
  if (!columns_.empty() && column.size() != num_rows_) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("column '{}' has {} rows but the table's other columns "
                                     "have {}; every column needs one value per row",
                                     column.name(), column.size(), num_rows_));
  }
  return Status::Ok();
}

Status Table::AddColumn(Column column) {
  TF_RETURN_IF_ERROR(CheckCanAdd(column));
  num_rows_ = column.size();
  columns_.push_back(std::move(column));
  return Status::Ok();
}

const Column* Table::FindColumn(std::string_view name) const {
  const std::optional<size_t> index = ColumnIndex(name);
  return index ? &columns_[*index] : nullptr;
}

std::optional<size_t> Table::ColumnIndex(std::string_view name) const {
  // A linear scan: tables have tens of columns, where a map would cost more than it saves.
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name() == name) return i;
  }
  return std::nullopt;
}

std::vector<std::string> Table::ColumnNames() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const Column& column : columns_) names.push_back(column.name());
  return names;
}

std::vector<Column> Table::TakeColumns() && {
  num_rows_ = 0;
  return std::exchange(columns_, {});
}

std::string Table::ToString(size_t max_rows) const {
  std::string text = fmt::format("{} rows x {} columns\n", num_rows_, columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    text += fmt::format("{}{} {}", i == 0 ? "" : " | ", columns_[i].name(),
                        ColumnTypeName(columns_[i].type()));
  }
  text += '\n';
  const size_t shown = std::min(max_rows, num_rows_);
  for (size_t row = 0; row < shown; ++row) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      text += fmt::format("{}{}", i == 0 ? "" : " | ", columns_[i].ValueToString(row));
    }
    text += '\n';
  }
  if (shown < num_rows_) text += fmt::format("... {} more rows\n", num_rows_ - shown);
  return text;
}

bool Table::Equals(const Table& other) const {
  return num_rows_ == other.num_rows_ && columns_ == other.columns_;
}

}  // namespace tickerflow::table
