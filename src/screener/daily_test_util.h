// Synthetic daily files for the screener's tests and benchmarks (not part of the library): a
// random walk of bars on weekdays, the pipeline's columns (design.md §3) and the 30 indicators
// computed by the real kernels, so the files look like the ones the pipeline writes.
//
//   table::Table daily = MakeSyntheticDaily("AAPL", /*rows=*/300,
//   Date::Parse("2024-06-28").value(),
//                                           /*seed=*/1);
//   TF_RETURN_IF_ERROR(table::WriteParquet(daily, dir / "AAPL.parquet"));
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/date.h"
#include "indicators/indicators.h"
#include "table/table.h"

namespace tickerflow::screener::testing {

/// The `count` weekdays ending on `last` (which must itself be a weekday), ascending.
inline std::vector<Date> Weekdays(Date last, size_t count) {
  std::vector<Date> dates(count);
  Date day = last;
  for (size_t i = count; i > 0; --i) {
    while (day.weekday() == Weekday::kSaturday || day.weekday() == Weekday::kSunday) day = day - 1;
    dates[i - 1] = day;
    day = day - 1;
  }
  return dates;
}

/// A daily table in the pipeline's schema for `dates` (ascending, unique): a random walk from
/// `seed`, change/change_percent against the previous close (NULL on the first row), adj_close
/// NULL on every 7th row, and the 30 indicators of indicators::ComputeIndicators.
inline table::Table MakeSyntheticDaily(const std::string& symbol, std::vector<Date> dates,
                                       uint64_t seed) {
  const size_t rows = dates.size();
  std::mt19937_64 random(seed);
  std::normal_distribution<double> step(0.0003, 0.018);
  std::uniform_real_distribution<double> spread(0.0, 0.012);
  std::lognormal_distribution<double> shares(13.0, 0.6);
  std::vector<double> open(rows);
  std::vector<double> high(rows);
  std::vector<double> low(rows);
  std::vector<double> close(rows);
  std::vector<double> adj_close(rows);
  std::vector<uint8_t> adj_valid(rows, 1);
  std::vector<int64_t> volume(rows);
  std::vector<double> volume_as_double(rows);
  std::vector<double> vwap(rows);
  std::vector<double> change(rows);
  std::vector<double> change_percent(rows);
  std::vector<uint8_t> change_valid(rows, 1);
  double price = 20.0 + static_cast<double>(seed % 200);
  for (size_t i = 0; i < rows; ++i) {
    open[i] = price;
    price *= std::exp(step(random));
    close[i] = price;
    high[i] = std::max(open[i], close[i]) * (1.0 + spread(random));
    low[i] = std::min(open[i], close[i]) * (1.0 - spread(random));
    adj_close[i] = close[i] * 0.98;
    if (i % 7 == 3) adj_valid[i] = 0;
    volume[i] = static_cast<int64_t>(shares(random));
    volume_as_double[i] = static_cast<double>(volume[i]);
    vwap[i] = (high[i] + low[i] + close[i]) / 3.0;
    if (i == 0) {
      change_valid[i] = 0;
    } else {
      change[i] = close[i] - close[i - 1];
      change_percent[i] = change[i] / close[i - 1] * 100.0;
    }
  }
  const indicators::IndicatorTable computed = indicators::ComputeIndicators(
      {.high = high, .low = low, .close = close, .volume = volume_as_double});

  std::vector<table::Column> columns;
  columns.push_back(table::Column::Varchars("symbol", std::vector<std::string>(rows, symbol)));
  columns.push_back(table::Column::Dates("date", std::move(dates)));
  columns.push_back(table::Column::Doubles("open", std::move(open)));
  columns.push_back(table::Column::Doubles("high", std::move(high)));
  columns.push_back(table::Column::Doubles("low", std::move(low)));
  columns.push_back(table::Column::Doubles("close", std::move(close)));
  columns.push_back(
      table::Column::Doubles("adj_close", std::move(adj_close), std::move(adj_valid)));
  columns.push_back(table::Column::Bigints("volume", std::move(volume)));
  columns.push_back(table::Column::Doubles("vwap", std::move(vwap)));
  columns.push_back(table::Column::Doubles("change", std::move(change), change_valid));
  columns.push_back(
      table::Column::Doubles("change_percent", std::move(change_percent), change_valid));
  for (const indicators::IndicatorColumn& column : computed.columns()) {
    const std::string name(column.spec->name);
    if (column.spec->type == indicators::IndicatorType::kDouble) {
      columns.push_back(table::Column::Doubles(name, column.numbers, column.valid));
    } else {
      columns.push_back(table::Column::Booleans(name, column.flags, column.valid));
    }
  }
  return table::Table::Make(std::move(columns)).value();
}

/// MakeSyntheticDaily over the `rows` weekdays ending on `last`.
inline table::Table MakeSyntheticDaily(const std::string& symbol, size_t rows, Date last,
                                       uint64_t seed) {
  return MakeSyntheticDaily(symbol, Weekdays(last, rows), seed);
}

}  // namespace tickerflow::screener::testing
