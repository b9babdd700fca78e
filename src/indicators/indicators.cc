#include "indicators/indicators.h"

#include <algorithm>
#include <cassert>
#include <cmath>

// Formulas and the reasons behind each quirk: docs/indicators.md. Where `ta` delegates to
// pandas (rolling means, ewm), the code below follows pandas' own arithmetic (operation order,
// the "constant series" shortcuts) so that the results agree to the last bits where it
// matters: a flat stretch must give a band width of exactly 0 and an EMA of exactly the price.

namespace tickerflow::indicators {
namespace {

constexpr size_t kBollingerWindow = 20;
constexpr double kBollingerDeviations = 2.0;
constexpr size_t kMfiWindow = 14;
constexpr size_t kSmaShortWindow = 50;
constexpr size_t kSmaLongWindow = 200;
constexpr size_t kMacdFast = 12;
constexpr size_t kMacdSlow = 26;
constexpr size_t kMacdSignal = 9;
constexpr size_t kAdxWindow = 14;
constexpr size_t kRsiWindow = 14;
constexpr size_t kStochWindow = 14;
constexpr size_t kStochSmoothWindow = 3;

// Signal thresholds of the original screener (docs/indicators.md, "Signals").
constexpr double kSolidTrendAdx = 25.0;
constexpr double kAdxSignalMinimum = 20.0;
constexpr double kRsiOverbought = 70.0;
constexpr double kRsiOversold = 30.0;
constexpr double kStochOverbought = 80.0;
constexpr double kStochOversold = 20.0;

constexpr std::array<IndicatorSpec, kIndicatorCount> kSpecs = {{
    {IndicatorId::kBbBbm, "bb_bbm", IndicatorType::kDouble},
    {IndicatorId::kBbBbh, "bb_bbh", IndicatorType::kDouble},
    {IndicatorId::kBbBbl, "bb_bbl", IndicatorType::kDouble},
    {IndicatorId::kBbBbhi, "bb_bbhi", IndicatorType::kBoolean},
    {IndicatorId::kBbBbli, "bb_bbli", IndicatorType::kBoolean},
    {IndicatorId::kBbBbw, "bb_bbw", IndicatorType::kDouble},
    {IndicatorId::kBbBbp, "bb_bbp", IndicatorType::kDouble},
    {IndicatorId::kMfi, "mfi", IndicatorType::kDouble},
    {IndicatorId::kAdi, "adi", IndicatorType::kDouble},
    {IndicatorId::kSma200, "sma_200", IndicatorType::kDouble},
    {IndicatorId::kSma50, "sma_50", IndicatorType::kDouble},
    {IndicatorId::kMacd, "macd", IndicatorType::kDouble},
    {IndicatorId::kMacdDiff, "macd_diff", IndicatorType::kDouble},
    {IndicatorId::kMacdSignal, "macd_signal", IndicatorType::kDouble},
    {IndicatorId::kAdx, "adx", IndicatorType::kDouble},
    {IndicatorId::kAdxNeg, "adx_neg", IndicatorType::kDouble},
    {IndicatorId::kAdxPos, "adx_pos", IndicatorType::kDouble},
    {IndicatorId::kRsi, "rsi", IndicatorType::kDouble},
    {IndicatorId::kStoch, "stoch", IndicatorType::kDouble},
    {IndicatorId::kStochSignal, "stoch_signal", IndicatorType::kDouble},
    {IndicatorId::kSolidTrend, "solid_trend", IndicatorType::kBoolean},
    {IndicatorId::kGoldenCross, "golden_cross", IndicatorType::kBoolean},
    {IndicatorId::kPriceOver200, "price_over_200", IndicatorType::kBoolean},
    {IndicatorId::kMacdUp, "macd_up", IndicatorType::kBoolean},
    {IndicatorId::kRsiOver, "rsi_over", IndicatorType::kBoolean},
    {IndicatorId::kRsiUnder, "rsi_under", IndicatorType::kBoolean},
    {IndicatorId::kAdxBuy, "adx_buy", IndicatorType::kBoolean},
    {IndicatorId::kAdxSell, "adx_sell", IndicatorType::kBoolean},
    {IndicatorId::kStochOver, "stoch_over", IndicatorType::kBoolean},
    {IndicatorId::kStochUnder, "stoch_under", IndicatorType::kBoolean},
}};

// Writable views of one column's storage; the hot loops index raw arrays.
struct DoubleOut {
  double* value;
  uint8_t* valid;

  void Set(size_t row, double x) const {
    value[row] = x;
    valid[row] = 1;
  }
};

struct FlagOut {
  uint8_t* value;
  uint8_t* valid;

  void Set(size_t row, bool x) const {
    value[row] = x ? 1 : 0;
    valid[row] = 1;
  }
};

DoubleOut Doubles(IndicatorTable& table, IndicatorId id) {
  IndicatorColumn& column = table.column(id);
  return DoubleOut{column.numbers.data(), column.valid.data()};
}

FlagOut Flags(IndicatorTable& table, IndicatorId id) {
  IndicatorColumn& column = table.column(id);
  return FlagOut{column.flags.data(), column.valid.data()};
}

// The smoothing factor pandas uses for ewm(span=n): alpha = 1 / (1 + com), com = (n - 1) / 2.
double SpanAlpha(size_t span) { return 1.0 / (1.0 + (static_cast<double>(span) - 1.0) / 2.0); }

// The smoothing factor pandas uses for ewm(alpha=a): it converts a to com = (1 - a) / a and
// back, which can move alpha by an ulp; done the same way here.
double PandasAlpha(double alpha) { return 1.0 / (1.0 + (1.0 - alpha) / alpha); }

// One step of pandas' ewm(adjust=False).mean() recursion. pandas leaves the average unchanged
// when the new value equals it ("avoid numerical errors on constant series"), and divides by
// (old_weight + new_weight), which is 1 only up to rounding.
inline double EwmStep(double average, double x, double alpha) {
  if (average == x) return average;
  const double old_weight = 1.0 - alpha;
  return (old_weight * average + alpha * x) / (old_weight + alpha);
}

// Rolling mean over `window` rows written to rows window-1.. of `out`. pandas returns the
// value itself when the whole window is one repeated value; a compensated running sum does
// the rest (pandas' roll_mean is a Kahan-compensated running sum too).
void RollingMean(std::span<const double> x, size_t window, DoubleOut out) {
  const size_t n = x.size();
  double sum = 0.0;
  double compensation = 0.0;
  size_t same_run = 0;  // how many rows up to i hold the value x[i]
  auto kahan_add = [&](double value) {
    const double y = value - compensation;
    const double t = sum + y;
    compensation = (t - sum) - y;
    sum = t;
  };
  for (size_t i = 0; i < n; ++i) {
    kahan_add(x[i]);
    if (i >= window) kahan_add(-x[i - window]);
    same_run = (i > 0 && x[i] == x[i - 1]) ? same_run + 1 : 1;
    if (i + 1 >= window) {
      out.Set(i, same_run >= window ? x[i] : sum / static_cast<double>(window));
    }
  }
}

void ComputeBollinger(std::span<const double> close, IndicatorTable& table) {
  const size_t n = close.size();
  constexpr size_t kWindow = kBollingerWindow;
  if (n < kWindow) return;
  const DoubleOut middle = Doubles(table, IndicatorId::kBbBbm);
  RollingMean(close, kWindow, middle);
  const DoubleOut high = Doubles(table, IndicatorId::kBbBbh);
  const DoubleOut low = Doubles(table, IndicatorId::kBbBbl);
  const DoubleOut width = Doubles(table, IndicatorId::kBbBbw);
  const DoubleOut percent = Doubles(table, IndicatorId::kBbBbp);
  const FlagOut above = Flags(table, IndicatorId::kBbBbhi);
  const FlagOut below = Flags(table, IndicatorId::kBbBbli);
  size_t same_run = 1;
  for (size_t i = 1; i < kWindow - 1; ++i) same_run = close[i] == close[i - 1] ? same_run + 1 : 1;
  for (size_t i = kWindow - 1; i < n; ++i) {
    same_run = close[i] == close[i - 1] ? same_run + 1 : 1;
    const double mean = middle.value[i];
    double deviation = 0.0;
    // A window of one repeated value has a deviation of exactly 0 (pandas does the same).
    if (same_run < kWindow) {
      // Population variance from the deviations around the mean: exact for flat windows
      // and without the cancellation of sum(x^2) - n*mean^2.
      double squares = 0.0;
      for (size_t k = i + 1 - kWindow; k <= i; ++k) {
        const double d = close[k] - mean;
        squares += d * d;
      }
      deviation = std::sqrt(squares / static_cast<double>(kWindow));
    }
    const double upper = mean + kBollingerDeviations * deviation;
    const double lower = mean - kBollingerDeviations * deviation;
    high.Set(i, upper);
    low.Set(i, lower);
    if (mean != 0.0) width.Set(i, ((upper - lower) / mean) * 100.0);
    if (upper != lower) percent.Set(i, (close[i] - lower) / (upper - lower));
    above.Set(i, close[i] > upper);
    below.Set(i, close[i] < lower);
  }
}

void ComputeMfi(const PriceSeries& prices, IndicatorTable& table, std::vector<double>& flow) {
  const size_t n = prices.close.size();
  flow.resize(n);
  double previous_typical = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double typical = (prices.high[i] + prices.low[i] + prices.close[i]) / 3.0;
    double direction = 0.0;
    if (i > 0) {
      if (typical > previous_typical) direction = 1.0;
      if (typical < previous_typical) direction = -1.0;
    }
    flow[i] = typical * prices.volume[i] * direction;
    previous_typical = typical;
  }
  const DoubleOut mfi = Doubles(table, IndicatorId::kMfi);
  for (size_t i = kMfiWindow - 1; i < n; ++i) {
    // Summed afresh per window: a window of zero flows (a halt) must give exactly 0, which a
    // running sum would not.
    double positive = 0.0;
    double negative = 0.0;
    for (size_t k = i + 1 - kMfiWindow; k <= i; ++k) {
      if (flow[k] >= 0.0) {
        positive += flow[k];
      } else {
        negative -= flow[k];
      }
    }
    if (negative == 0.0) {
      if (positive > 0.0) mfi.Set(i, 100.0);  // P / 0 = inf in ta, 100 - 100 / inf = 100
      continue;                                // 0 / 0: undefined
    }
    mfi.Set(i, 100.0 - 100.0 / (1.0 + positive / negative));
  }
}

void ComputeAdi(const PriceSeries& prices, IndicatorTable& table) {
  const DoubleOut adi = Doubles(table, IndicatorId::kAdi);
  double total = 0.0;
  for (size_t i = 0; i < prices.close.size(); ++i) {
    const double h = prices.high[i];
    const double l = prices.low[i];
    const double c = prices.close[i];
    const double range = h - l;
    // ta replaces the 0/0 of a zero range with 0.
    const double clv = range != 0.0 ? ((c - l) - (h - c)) / range : 0.0;
    total += clv * prices.volume[i];
    adi.Set(i, total);
  }
}

void ComputeMacd(std::span<const double> close, IndicatorTable& table) {
  const size_t n = close.size();
  if (n == 0) return;
  const double fast_alpha = SpanAlpha(kMacdFast);
  const double slow_alpha = SpanAlpha(kMacdSlow);
  const double signal_alpha = SpanAlpha(kMacdSignal);
  const DoubleOut macd = Doubles(table, IndicatorId::kMacd);
  const DoubleOut signal = Doubles(table, IndicatorId::kMacdSignal);
  const DoubleOut diff = Doubles(table, IndicatorId::kMacdDiff);
  double fast = close[0];
  double slow = close[0];
  double signal_average = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      fast = EwmStep(fast, close[i], fast_alpha);
      slow = EwmStep(slow, close[i], slow_alpha);
    }
    if (i + 1 < kMacdSlow) continue;
    const double value = fast - slow;
    macd.Set(i, value);
    // The signal line's recursion starts at the first defined MACD value.
    const size_t observed = i + 2 - kMacdSlow;
    signal_average = observed == 1 ? value : EwmStep(signal_average, value, signal_alpha);
    if (observed >= kMacdSignal) {
      signal.Set(i, signal_average);
      diff.Set(i, value - signal_average);
    }
  }
}

void ComputeAdx(const PriceSeries& prices, IndicatorTable& table) {
  const size_t n = prices.close.size();
  constexpr size_t kWindow = kAdxWindow;
  constexpr double kWindowSize = static_cast<double>(kWindow);
  constexpr size_t kFirstAdxRow = 2 * kWindow - 1;  // the mean of DX over rows 14..27
  if (n <= kWindow) return;
  const DoubleOut adx = Doubles(table, IndicatorId::kAdx);
  const DoubleOut positive_di = Doubles(table, IndicatorId::kAdxPos);
  const DoubleOut negative_di = Doubles(table, IndicatorId::kAdxNeg);

  double true_range_sum = 0.0;
  double positive_sum = 0.0;
  double negative_sum = 0.0;
  double dx_sum = 0.0;
  double average_dx = 0.0;
  for (size_t i = 1; i < n; ++i) {
    const double h = prices.high[i];
    const double l = prices.low[i];
    const double previous_close = prices.close[i - 1];
    const double true_range = std::max(h, previous_close) - std::min(l, previous_close);
    const double up = h - prices.high[i - 1];
    const double down = prices.low[i - 1] - l;
    const double positive_dm = (up > down && up > 0.0) ? up : 0.0;
    const double negative_dm = (down > up && down > 0.0) ? down : 0.0;
    if (i <= kWindow) {
      // The first smoothed sums (row 14) are plain sums of rows 1..14.
      true_range_sum += true_range;
      positive_sum += positive_dm;
      negative_sum += negative_dm;
      if (i < kWindow) continue;
    } else {
      true_range_sum = true_range_sum - true_range_sum / kWindowSize + true_range;
      positive_sum = positive_sum - positive_sum / kWindowSize + positive_dm;
      negative_sum = negative_sum - negative_sum / kWindowSize + negative_dm;
    }
    double pos = 0.0;
    double neg = 0.0;
    if (true_range_sum != 0.0) {
      pos = 100.0 * (positive_sum / true_range_sum);
      neg = 100.0 * (negative_sum / true_range_sum);
    }
    // ta leaves +DI and -DI unset at row 14 although ADX uses them there.
    if (i > kWindow) {
      positive_di.Set(i, pos);
      negative_di.Set(i, neg);
    }
    const double di_sum = pos + neg;
    const double dx = di_sum != 0.0 ? 100.0 * std::abs((pos - neg) / di_sum) : 0.0;
    if (i <= kFirstAdxRow) {
      dx_sum += dx;
      if (i < kFirstAdxRow) continue;
      average_dx = dx_sum / kWindowSize;
    } else {
      average_dx = (average_dx * (kWindowSize - 1.0) + dx) / kWindowSize;
    }
    adx.Set(i, average_dx);
  }
}

void ComputeRsi(std::span<const double> close, IndicatorTable& table) {
  const size_t n = close.size();
  const double alpha = PandasAlpha(1.0 / static_cast<double>(kRsiWindow));
  const DoubleOut rsi = Doubles(table, IndicatorId::kRsi);
  double average_gain = 0.0;
  double average_loss = 0.0;
  for (size_t i = 1; i < n; ++i) {
    const double change = close[i] - close[i - 1];
    const double gain = change > 0.0 ? change : 0.0;
    const double loss = change < 0.0 ? -change : 0.0;
    average_gain = EwmStep(average_gain, gain, alpha);
    average_loss = EwmStep(average_loss, loss, alpha);
    if (i + 1 < kRsiWindow) continue;
    rsi.Set(i, average_loss == 0.0 ? 100.0
                                   : 100.0 - 100.0 / (1.0 + average_gain / average_loss));
  }
}

void ComputeStochastic(const PriceSeries& prices, IndicatorTable& table) {
  const size_t n = prices.close.size();
  const DoubleOut stoch = Doubles(table, IndicatorId::kStoch);
  const DoubleOut signal = Doubles(table, IndicatorId::kStochSignal);
  for (size_t i = kStochWindow - 1; i < n; ++i) {
    double lowest = prices.low[i];
    double highest = prices.high[i];
    for (size_t k = i + 1 - kStochWindow; k < i; ++k) {
      lowest = std::min(lowest, prices.low[k]);
      highest = std::max(highest, prices.high[k]);
    }
    const double range = highest - lowest;
    if (range != 0.0) stoch.Set(i, 100.0 * (prices.close[i] - lowest) / range);
    if (i + 1 >= kStochWindow + kStochSmoothWindow - 1 && stoch.valid[i] && stoch.valid[i - 1] &&
        stoch.valid[i - 2]) {
      signal.Set(i, (stoch.value[i - 2] + stoch.value[i - 1] + stoch.value[i]) /
                        static_cast<double>(kStochSmoothWindow));
    }
  }
}

// A signal is NULL while any value it compares is NULL.
template <typename Predicate>
void ComputeSignal(IndicatorTable& table, IndicatorId id, IndicatorId a, IndicatorId b,
                   Predicate predicate) {
  const IndicatorColumn& left = table.column(a);
  const IndicatorColumn& right = table.column(b);
  const FlagOut out = Flags(table, id);
  for (size_t i = 0; i < table.num_rows(); ++i) {
    if (left.valid[i] && right.valid[i]) out.Set(i, predicate(left.numbers[i], right.numbers[i]));
  }
}

void ComputeSignals(std::span<const double> close, IndicatorTable& table) {
  using Id = IndicatorId;
  const IndicatorColumn& adx = table.column(Id::kAdx);
  const IndicatorColumn& sma_long = table.column(Id::kSma200);
  auto threshold = [&](Id id, Id input, auto predicate) {
    ComputeSignal(table, id, input, input, [&](double x, double) { return predicate(x); });
  };
  threshold(Id::kSolidTrend, Id::kAdx, [](double x) { return x > kSolidTrendAdx; });
  ComputeSignal(table, Id::kGoldenCross, Id::kSma50, Id::kSma200,
                [](double fast, double slow) { return fast > slow; });
  const FlagOut price_over = Flags(table, Id::kPriceOver200);
  for (size_t i = 0; i < table.num_rows(); ++i) {
    if (sma_long.valid[i]) price_over.Set(i, close[i] > sma_long.numbers[i]);
  }
  threshold(Id::kMacdUp, Id::kMacdDiff, [](double x) { return x > 0.0; });
  threshold(Id::kRsiOver, Id::kRsi, [](double x) { return x > kRsiOverbought; });
  threshold(Id::kRsiUnder, Id::kRsi, [](double x) { return x < kRsiOversold; });
  const IndicatorColumn& positive_di = table.column(Id::kAdxPos);
  const IndicatorColumn& negative_di = table.column(Id::kAdxNeg);
  const FlagOut buy = Flags(table, Id::kAdxBuy);
  const FlagOut sell = Flags(table, Id::kAdxSell);
  for (size_t i = 0; i < table.num_rows(); ++i) {
    if (!adx.valid[i] || !positive_di.valid[i] || !negative_di.valid[i]) continue;
    const bool trending = adx.numbers[i] > kAdxSignalMinimum;
    buy.Set(i, trending && positive_di.numbers[i] > negative_di.numbers[i]);
    sell.Set(i, trending && negative_di.numbers[i] > positive_di.numbers[i]);
  }
  threshold(Id::kStochOver, Id::kStoch, [](double x) { return x > kStochOverbought; });
  threshold(Id::kStochUnder, Id::kStoch, [](double x) { return x < kStochOversold; });
}

}  // namespace

const std::array<IndicatorSpec, kIndicatorCount>& IndicatorSpecs() { return kSpecs; }

IndicatorTable::IndicatorTable(size_t num_rows) : num_rows_(num_rows) {
  for (size_t i = 0; i < kIndicatorCount; ++i) {
    IndicatorColumn& column = columns_[i];
    column.spec = &kSpecs[i];
    if (kSpecs[i].type == IndicatorType::kDouble) {
      column.numbers.assign(num_rows, 0.0);
    } else {
      column.flags.assign(num_rows, 0);
    }
    column.valid.assign(num_rows, 0);
  }
}

IndicatorTable ComputeIndicators(const PriceSeries& prices) {
  const size_t n = prices.close.size();
  assert(prices.high.size() == n && prices.low.size() == n && prices.volume.size() == n);
  IndicatorTable table(n);
  std::vector<double> money_flow;
  ComputeBollinger(prices.close, table);
  ComputeMfi(prices, table, money_flow);
  ComputeAdi(prices, table);
  RollingMean(prices.close, kSmaLongWindow, Doubles(table, IndicatorId::kSma200));
  RollingMean(prices.close, kSmaShortWindow, Doubles(table, IndicatorId::kSma50));
  ComputeMacd(prices.close, table);
  ComputeAdx(prices, table);
  ComputeRsi(prices.close, table);
  ComputeStochastic(prices, table);
  ComputeSignals(prices.close, table);
  return table;
}

}  // namespace tickerflow::indicators
