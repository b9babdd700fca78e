// Properties of ComputeIndicators over random price histories: every defined value is finite,
// values depend only on earlier rows (appending never changes them), and a prefix's result is
// the prefix of the full result.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "indicators/indicators.h"

namespace tickerflow::indicators {
namespace {

struct Bars {
  std::vector<double> high;
  std::vector<double> low;
  std::vector<double> close;
  std::vector<double> volume;

  size_t size() const { return close.size(); }
  PriceSeries Series() const { return {high, low, close, volume}; }
  Bars Prefix(size_t rows) const {
    auto cut = [rows](const std::vector<double>& v) {
      return std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rows));
    };
    return Bars{cut(high), cut(low), cut(close), cut(volume)};
  }
};

// A random walk with the features that stress the kernels: trading halts (flat bars with no
// volume), repeated closes, zero-range days, gaps, and prices from pennies to thousands.
rc::Gen<Bars> GenBars(size_t max_rows) {
  return rc::gen::exec([max_rows] {
    const auto rows = *rc::gen::inRange<size_t>(0, max_rows + 1);
    const double start = *rc::gen::element(0.05, 1.0, 37.5, 250.0, 4000.0);
    Bars bars;
    double close = start;
    size_t halt_left = 0;
    for (size_t i = 0; i < rows; ++i) {
      if (halt_left == 0 && *rc::gen::inRange(0, 40) == 0) {
        halt_left = *rc::gen::inRange<size_t>(1, 30);
      }
      if (halt_left > 0) {
        --halt_left;
        bars.high.push_back(close);
        bars.low.push_back(close);
        bars.close.push_back(close);
        bars.volume.push_back(0.0);
        continue;
      }
      const double step = *rc::gen::inRange(-600, 601) / 10000.0;  // up to ±6% a day
      close = std::max(0.01, close * (1.0 + step));
      const double spread_up = *rc::gen::inRange(0, 300) / 10000.0 * close;
      const double spread_down = *rc::gen::inRange(0, 300) / 10000.0 * close;
      bars.high.push_back(close + spread_up);
      bars.low.push_back(std::max(0.001, close - spread_down));
      bars.close.push_back(close);
      bars.volume.push_back(static_cast<double>(*rc::gen::inRange<int64_t>(0, 50'000'000)));
    }
    return bars;
  });
}

// Bitwise equality of row `row` in two results: "unchanged" means the very same bits.
bool SameRow(const IndicatorTable& a, const IndicatorTable& b, size_t row) {
  for (size_t c = 0; c < kIndicatorCount; ++c) {
    const IndicatorColumn& x = a.columns()[c];
    const IndicatorColumn& y = b.columns()[c];
    if (x.valid[row] != y.valid[row]) return false;
    if (!x.valid[row]) continue;
    if (x.spec->type == IndicatorType::kBoolean) {
      if (x.flags[row] != y.flags[row]) return false;
    } else if (std::bit_cast<uint64_t>(x.numbers[row]) != std::bit_cast<uint64_t>(y.numbers[row])) {
      return false;
    }
  }
  return true;
}

RC_GTEST_PROP(IndicatorProperty, DefinedValuesAreFinite, ()) {
  const Bars bars = *GenBars(400);
  const IndicatorTable table = ComputeIndicators(bars.Series());
  RC_ASSERT(table.num_rows() == bars.size());
  for (const IndicatorColumn& column : table.columns()) {
    if (column.spec->type != IndicatorType::kDouble) continue;
    for (size_t row = 0; row < table.num_rows(); ++row) {
      if (column.IsValid(row)) RC_ASSERT(std::isfinite(column.numbers[row]));
    }
  }
}

RC_GTEST_PROP(IndicatorProperty, AppendingRowsNeverChangesEarlierRows, ()) {
  const Bars bars = *GenBars(300);
  const Bars more = *GenBars(60);
  Bars extended = bars;
  // Continue the walk from the last close so the appended rows look like real sessions.
  const double scale = bars.size() > 0 && more.size() > 0 ? bars.close.back() / more.close[0] : 1;
  for (size_t i = 0; i < more.size(); ++i) {
    extended.high.push_back(more.high[i] * scale);
    extended.low.push_back(more.low[i] * scale);
    extended.close.push_back(more.close[i] * scale);
    extended.volume.push_back(more.volume[i]);
  }
  const IndicatorTable before = ComputeIndicators(bars.Series());
  const IndicatorTable after = ComputeIndicators(extended.Series());
  for (size_t row = 0; row < bars.size(); ++row) RC_ASSERT(SameRow(before, after, row));
}

RC_GTEST_PROP(IndicatorProperty, PrefixResultIsPrefixOfFullResult, ()) {
  const Bars bars = *GenBars(400);
  const auto prefix_rows = *rc::gen::inRange<size_t>(0, bars.size() + 1);
  const IndicatorTable full = ComputeIndicators(bars.Series());
  const IndicatorTable prefix = ComputeIndicators(bars.Prefix(prefix_rows).Series());
  RC_ASSERT(prefix.num_rows() == prefix_rows);
  for (size_t row = 0; row < prefix_rows; ++row) RC_ASSERT(SameRow(prefix, full, row));
}

// Signals are NULL exactly while an input is NULL, and agree with their definitions.
RC_GTEST_PROP(IndicatorProperty, SignalsFollowTheirInputs, ()) {
  const Bars bars = *GenBars(400);
  const IndicatorTable t = ComputeIndicators(bars.Series());
  const IndicatorColumn& rsi = t.column(IndicatorId::kRsi);
  const IndicatorColumn& over = t.column(IndicatorId::kRsiOver);
  const IndicatorColumn& golden = t.column(IndicatorId::kGoldenCross);
  const IndicatorColumn& sma_50 = t.column(IndicatorId::kSma50);
  const IndicatorColumn& sma_200 = t.column(IndicatorId::kSma200);
  for (size_t row = 0; row < t.num_rows(); ++row) {
    RC_ASSERT(over.IsValid(row) == rsi.IsValid(row));
    if (rsi.IsValid(row)) RC_ASSERT((over.flags[row] == 1) == (rsi.numbers[row] > 70.0));
    RC_ASSERT(golden.IsValid(row) == (sma_50.IsValid(row) && sma_200.IsValid(row)));
    if (golden.IsValid(row)) {
      RC_ASSERT((golden.flags[row] == 1) == (sma_50.numbers[row] > sma_200.numbers[row]));
    }
  }
}

}  // namespace
}  // namespace tickerflow::indicators
