// An in-memory, column-oriented table: the form in which rows travel between the pipeline's
// steps and the Parquet files. It knows nothing of DuckDB; src/table/parquet.h reads and writes
// it.
//
//   Column symbol("symbol", ColumnType::kVarchar);
//   symbol.AppendVarchar("AAPL");
//   Column close = Column::Doubles("close", {189.5, 0.0}, /*valid=*/{1, 0});  // row 1 is NULL
//   ...
//   TF_ASSIGN_OR_RETURN(Table table, Table::Make({std::move(symbol), std::move(close)}));
//   const Column* c = table.FindColumn("close");
//   if (c != nullptr && c->is_valid(0)) use(c->doubles()[0]);
//
// Values live in one std::vector per column (the layout DuckDB's vectors and the indicator
// kernels use), so a column moves in and out without copying row by row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/date.h"
#include "common/status.h"

namespace tickerflow::table {

/// The five value types of tickerflow's files, named after their SQL types.
enum class ColumnType : uint8_t {
  kVarchar,  ///< UTF-8 text; std::string.
  kDate,     ///< Calendar date; tickerflow::Date.
  kDouble,   ///< IEEE 754 double.
  kBigint,   ///< int64_t.
  kBoolean,  ///< Stored as uint8_t 0 or 1 (std::vector<bool> has no contiguous storage).
};

/// The SQL name of `type`: "VARCHAR", "DATE", "DOUBLE", "BIGINT" or "BOOLEAN".
std::string_view ColumnTypeName(ColumnType type);

/// A named, typed column of values with NULLs.
///
/// NULLs are kept in a validity vector (1 = value, 0 = NULL), empty while the column has no
/// NULL at all, so the common all-valid column costs nothing extra. The value stored at a NULL
/// row is a placeholder (empty string, 1970-01-01, 0) and means nothing.
class Column {
 public:
  /// The value vector; the alternative matches `type()`.
  using Values = std::variant<std::vector<std::string>, std::vector<Date>, std::vector<double>,
                              std::vector<int64_t>, std::vector<uint8_t>>;

  /// An empty column.
  Column(std::string name, ColumnType type);

  /// Columns built from whole vectors (moved in, not copied). `valid` is empty (no NULLs) or
  /// holds one entry per value, 1 for a value and 0 for NULL, the convention of
  /// indicators::IndicatorColumn. Any other length is a programming error that Validate()
  /// and Table::Make report.
  static Column Varchars(std::string name, std::vector<std::string> values,
                         std::vector<uint8_t> valid = {});
  /// See Varchars.
  static Column Dates(std::string name, std::vector<Date> values, std::vector<uint8_t> valid = {});
  /// See Varchars.
  static Column Doubles(std::string name, std::vector<double> values,
                        std::vector<uint8_t> valid = {});
  /// See Varchars.
  static Column Bigints(std::string name, std::vector<int64_t> values,
                        std::vector<uint8_t> valid = {});
  /// See Varchars; `values` are 0 (false) or 1 (true), any non-zero byte counts as true.
  static Column Booleans(std::string name, std::vector<uint8_t> values,
                         std::vector<uint8_t> valid = {});

  /// The column name, as written to files.
  const std::string& name() const { return name_; }
  /// The value type.
  ColumnType type() const { return type_; }
  /// The number of rows, NULLs included.
  size_t size() const;

  /// Whether `row` (< size()) holds a value rather than NULL.
  bool is_valid(size_t row) const { return validity_.empty() || validity_[row] != 0; }
  /// Whether `row` (< size()) is NULL.
  bool is_null(size_t row) const { return !is_valid(row); }
  /// How many rows are NULL.
  size_t null_count() const;
  /// The validity vector: empty when there is no NULL, else one 0/1 entry per row. Prefer
  /// is_valid(), which handles the empty case.
  const std::vector<uint8_t>& validity() const { return validity_; }

  /// The values of a kVarchar column. Calling the accessor of another type is a programming
  /// error (it throws std::bad_variant_access).
  const std::vector<std::string>& varchars() const;
  /// The values of a kDate column.
  const std::vector<Date>& dates() const;
  /// The values of a kDouble column.
  const std::vector<double>& doubles() const;
  /// The values of a kBigint column.
  const std::vector<int64_t>& bigints() const;
  /// The values of a kBoolean column (0 or 1).
  const std::vector<uint8_t>& booleans() const;
  /// All values, whatever the type.
  const Values& values() const { return values_; }

  /// Reserves room for `rows` rows in total, so that appending does not reallocate.
  void Reserve(size_t rows);
  /// Appends a value; calling the method of another type is a programming error (throws
  /// std::bad_variant_access). Named per type, not overloaded, because overloads would let
  /// a string literal silently become a bool.
  void AppendVarchar(std::string_view value);
  /// See AppendVarchar.
  void AppendDate(Date value);
  /// See AppendVarchar.
  void AppendDouble(double value);
  /// See AppendVarchar.
  void AppendBigint(int64_t value);
  /// See AppendVarchar.
  void AppendBoolean(bool value);
  /// Appends a NULL (whatever the type).
  void AppendNull();
  /// Appends row `row` of `from`, a column of the same type (checked by assert), NULL or not.
  void AppendFrom(const Column& from, size_t row);

  /// Renames the column.
  void set_name(std::string name) { name_ = std::move(name); }

  /// OK, or kInvalidArgument when the validity vector's length does not match the values.
  Status Validate() const;

  /// `row` as text: "NULL", "2024-01-02", "1.5", "42", "true", or the string itself.
  /// Doubles print with the fewest digits that read back to the same value.
  std::string ValueToString(size_t row) const;

  /// Same name, type, length, NULLs, and values at non-NULL rows. Doubles compare so that a
  /// round trip must be exact: NaN equals NaN, and 0.0 differs from -0.0.
  bool Equals(const Column& other) const;
  friend bool operator==(const Column& a, const Column& b) { return a.Equals(b); }

 private:
  Column(std::string name, ColumnType type, Values values, std::vector<uint8_t> validity);

  // Called after a value was appended: keeps the validity vector, if any, one entry per row.
  void MarkLastValid();

  std::string name_;
  ColumnType type_;
  Values values_;
  std::vector<uint8_t> validity_;  // Empty: every row valid.
};

/// Ordered columns of equal length with distinct names: the rows of one file or one query.
/// Every Table is valid: the factories check it, and columns are only reachable read-only.
class Table {
 public:
  /// A table with no columns and no rows.
  Table() = default;

  /// A table of `columns`, in that order. kInvalidArgument when a name is empty or repeated
  /// (compared case-insensitively, as DuckDB, Athena and Spark compare them), when the
  /// columns' lengths differ, or when a column's validity vector is malformed.
  static Result<Table> Make(std::vector<Column> columns);

  /// Appends a column, with the same checks as Make.
  Status AddColumn(Column column);

  /// The number of rows (0 for a table without columns).
  size_t num_rows() const { return num_rows_; }
  /// The number of columns.
  size_t num_columns() const { return columns_.size(); }
  /// The columns in order.
  const std::vector<Column>& columns() const { return columns_; }
  /// Column `index` (< num_columns()).
  const Column& column(size_t index) const { return columns_[index]; }
  /// The column named exactly `name`, or nullptr.
  const Column* FindColumn(std::string_view name) const;
  /// The index of the column named exactly `name`, if any.
  std::optional<size_t> ColumnIndex(std::string_view name) const;
  /// The column names in order.
  std::vector<std::string> ColumnNames() const;

  /// Gives up the columns, leaving an empty table (for steps that rebuild a table).
  std::vector<Column> TakeColumns() &&;

  /// The schema and up to `max_rows` rows as text, for logs and test failures.
  std::string ToString(size_t max_rows = 10) const;

  /// Same columns in the same order, compared with Column::Equals.
  bool Equals(const Table& other) const;
  friend bool operator==(const Table& a, const Table& b) { return a.Equals(b); }

 private:
  // Checks `column` against the current columns, as Make does.
  Status CheckCanAdd(const Column& column) const;

  std::vector<Column> columns_;
  size_t num_rows_ = 0;
};

}  // namespace tickerflow::table
