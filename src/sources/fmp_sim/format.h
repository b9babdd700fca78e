// FMP's wire formats, as pure functions: rows of cells to CSV (RFC 4180) and to JSON arrays,
// daily bars to the history endpoints' JSON, one date's bars to eod-bulk's CSV, and FMP's
// error body. Every double is written with the fewest digits that read back to the same value
// (std::to_chars), so that a client parsing these responses gets bit-identical numbers.
//
//   FmpTable table({"symbol", "price", "isEtf"});
//   table.AddRow({Cell::Text("BRK-B"), Cell::Double(412.5), Cell::Bool(false)});
//   std::string csv = ToCsv(table);         // "symbol","price","isEtf"\n"BRK-B",412.5,false\n
//   std::string json = ToJsonArray(table);  // [{"symbol":"BRK-B","price":412.5,"isEtf":false}]
//   std::string error = ErrorBody("Invalid API KEY. ...");  // {"Error Message":"Invalid ..."}
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sources/source.h"

namespace tickerflow::sources::fmp_sim {

/// One value of an FMP row.
class Cell {
 public:
  /// How a cell is written.
  enum class Kind : uint8_t {
    kNull,     ///< CSV: empty; JSON: null.
    kText,     ///< CSV: quoted; JSON: a string.
    kDouble,   ///< Shortest round-trip text; non-finite values are written as null.
    kInteger,  ///< Base 10.
    /// An integer that a CSV file spells "3.0" (quoted), as FMP's rating-bulk sometimes does;
    /// JSON writes it as a plain integer.
    kDecimalInteger,
    kBool,  ///< true / false.
  };

  /// A NULL.
  static Cell Null() { return Cell(Kind::kNull); }
  /// Text (UTF-8).
  static Cell Text(std::string text);
  /// A double.
  static Cell Double(double value);
  /// An integer.
  static Cell Integer(int64_t value);
  /// An integer written "3.0" in CSV; see Kind::kDecimalInteger.
  static Cell DecimalInteger(int64_t value);
  /// A boolean.
  static Cell Bool(bool value);

  Kind kind() const { return kind_; }
  /// The text of a kText cell.
  const std::string& text() const { return text_; }
  /// The value of a kDouble cell.
  double double_value() const { return double_; }
  /// The value of a kInteger, kDecimalInteger or kBool (0/1) cell.
  int64_t integer_value() const { return integer_; }

 private:
  explicit Cell(Kind kind) : kind_(kind) {}

  Kind kind_;
  std::string text_;
  double double_ = 0;
  int64_t integer_ = 0;
};

/// Named columns and rows of cells, the shape of one FMP dataset before it is written.
class FmpTable {
 public:
  /// A table with these column names (FMP's spelling and order) and no rows.
  explicit FmpTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  /// Appends a row; it must have one cell per column (a programming error otherwise: throws
  /// std::invalid_argument).
  void AddRow(std::vector<Cell> row);

  const std::vector<std::string>& columns() const { return columns_; }
  size_t num_rows() const { return rows_.size(); }
  const std::vector<Cell>& row(size_t index) const { return rows_[index]; }
  /// The index of the column named exactly `name`, or columns().size().
  size_t ColumnIndex(std::string_view name) const;
  /// Replaces one cell (to vary how a value is spelled, e.g. "3.0").
  void SetCell(size_t row, size_t column, Cell cell) { rows_[row][column] = std::move(cell); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Cell>> rows_;
};

/// Appends one cell as JSON.
void AppendJsonCell(std::string& out, const Cell& cell);

/// Appends row `row` of `table` as a JSON object whose keys are the column names.
void AppendJsonObject(std::string& out, const FmpTable& table, size_t row);

/// The rows `rows` (indices into `table`) as a JSON array of objects; "[]" when empty.
std::string ToJsonArray(const FmpTable& table, std::span<const size_t> rows);

/// Every row of `table` as a JSON array of objects.
std::string ToJsonArray(const FmpTable& table);

/// Appends `text` as a quoted RFC 4180 field ("a ""b"", c").
void AppendCsvQuoted(std::string& out, std::string_view text);

/// Appends one cell as a CSV field: text and kDecimalInteger quoted, numbers and booleans
/// bare, NULL empty.
void AppendCsvCell(std::string& out, const Cell& cell);

/// The header (every name quoted, as FMP writes it) and rows [begin, end) of `table` as CSV,
/// each record ending in "\n".
std::string ToCsv(const FmpTable& table, size_t begin, size_t end);

/// The header and every row of `table` as CSV.
std::string ToCsv(const FmpTable& table);

/// `historical-price-eod/full`: a JSON array, newest first, of symbol, date, open, high, low,
/// close, volume, change (close - open), changePercent (change / open * 100), vwap (null
/// where the bar has none). `bars` ascending, as Source::DailyBars returns them.
std::string FullHistoryJson(std::string_view symbol, std::span<const Bar> bars);

/// `historical-price-eod/dividend-adjusted`: a JSON array, newest first, of symbol, date,
/// adjOpen, adjHigh, adjLow, adjClose, volume. adjClose is the bar's adj_close, or its close
/// where it has none; the other prices are scaled by adjClose / close, so they equal the raw
/// prices when there is no adjustment.
std::string AdjustedHistoryJson(std::string_view symbol, std::span<const Bar> bars);

/// `eod-bulk`: CSV with the header "symbol","date","open","low","high","close","adjClose",
/// "volume" (low before high, as FMP has it) and one row per bar, in the order given.
/// adjClose as in AdjustedHistoryJson.
std::string EodBulkCsv(std::span<const SymbolBar> bars);

/// FMP's error body: {"Error Message": "<message>"}.
std::string ErrorBody(std::string_view message);

}  // namespace tickerflow::sources::fmp_sim
