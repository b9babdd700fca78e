// The 30 technical-indicator columns of a daily price file, computed number for number as the
// Python library `ta` 0.11.0 computes them (docs/indicators.md), with NULL where a value is
// undefined and BOOLEAN signals.
//
//   PriceSeries prices{.high = highs, .low = lows, .close = closes, .volume = volumes};
//   IndicatorTable table = ComputeIndicators(prices);
//   const IndicatorColumn& rsi = table.column(IndicatorId::kRsi);
//   if (rsi.IsValid(row)) use(rsi.numbers[row]);
//
// Every value at row i depends only on rows 0..i, so appending rows never changes earlier
// values, and the result for a prefix of the rows is the prefix of the full result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tickerflow::indicators {

/// The inputs, one entry per session in ascending date order; all four spans have the same
/// length and hold finite numbers (the caller validates input from outside).
struct PriceSeries {
  std::span<const double> high;
  std::span<const double> low;
  std::span<const double> close;
  std::span<const double> volume;
};

/// The value type of an indicator column.
enum class IndicatorType { kDouble, kBoolean };

/// The indicator columns in the order of the daily file (docs/design.md §3).
enum class IndicatorId : uint8_t {
  kBbBbm,
  kBbBbh,
  kBbBbl,
  kBbBbhi,
  kBbBbli,
  kBbBbw,
  kBbBbp,
  kMfi,
  kAdi,
  kSma200,
  kSma50,
  kMacd,
  kMacdDiff,
  kMacdSignal,
  kAdx,
  kAdxNeg,
  kAdxPos,
  kRsi,
  kStoch,
  kStochSignal,
  kSolidTrend,
  kGoldenCross,
  kPriceOver200,
  kMacdUp,
  kRsiOver,
  kRsiUnder,
  kAdxBuy,
  kAdxSell,
  kStochOver,
  kStochUnder,
};

/// How many indicator columns there are.
inline constexpr size_t kIndicatorCount = 30;

/// Name and type of one indicator column.
struct IndicatorSpec {
  IndicatorId id;
  std::string_view name;  ///< The column name in files, e.g. "bb_bbm".
  IndicatorType type;
};

/// All indicator columns, in file order (index i describes IndicatorId i).
const std::array<IndicatorSpec, kIndicatorCount>& IndicatorSpecs();

/// One computed column: `numbers` for kDouble, `flags` (0 or 1) for kBoolean; `valid` is 1
/// where the value is defined and 0 where it is NULL. The unused vector is empty.
struct IndicatorColumn {
  const IndicatorSpec* spec = nullptr;
  std::vector<double> numbers;
  std::vector<uint8_t> flags;
  std::vector<uint8_t> valid;

  bool IsValid(size_t row) const { return valid[row] != 0; }
};

/// The 30 columns for one price series. Reusing one table for many series (see the second
/// ComputeIndicators overload) keeps its memory, which matters when a worker processes
/// thousands of tickers.
class IndicatorTable {
 public:
  /// Columns sized for `num_rows` rows, every value NULL.
  explicit IndicatorTable(size_t num_rows = 0);

  /// Resizes every column to `num_rows` rows, all NULL, keeping the allocated memory.
  void Reset(size_t num_rows);

  size_t num_rows() const { return num_rows_; }
  const IndicatorColumn& column(IndicatorId id) const { return columns_[static_cast<size_t>(id)]; }
  IndicatorColumn& column(IndicatorId id) { return columns_[static_cast<size_t>(id)]; }
  /// Columns in file order.
  const std::array<IndicatorColumn, kIndicatorCount>& columns() const { return columns_; }

 private:
  friend class IndicatorKernels;

  size_t num_rows_ = 0;
  std::array<IndicatorColumn, kIndicatorCount> columns_;
  // Intermediate series (prefix sums, money flows, window extremes), kept between calls.
  std::array<std::vector<double>, 5> scratch_;
};

/// Computes every indicator column for `prices`. Never fails: rows where a value is undefined
/// (warm-up, a zero-width band or range) are NULL, and short inputs (0 rows, 27 rows) give
/// whatever is defined. Spans of different lengths are a programming error.
IndicatorTable ComputeIndicators(const PriceSeries& prices);

/// The same, into `table`, reusing its memory.
void ComputeIndicators(const PriceSeries& prices, IndicatorTable& table);

}  // namespace tickerflow::indicators
