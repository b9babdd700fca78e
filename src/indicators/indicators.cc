#include "indicators/indicators.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

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

// The kernels write values and validity in separate, branch-free loops over raw arrays, so
// that the compiler vectorizes them; only the recursive averages run row by row.

double* Values(IndicatorTable& table, IndicatorId id) { return table.column(id).numbers.data(); }
uint8_t* FlagValues(IndicatorTable& table, IndicatorId id) { return table.column(id).flags.data(); }
uint8_t* Validity(IndicatorTable& table, IndicatorId id) { return table.column(id).valid.data(); }

// Marks rows [from, n) of a column defined.
void MarkValidFrom(IndicatorTable& table, IndicatorId id, size_t from) {
  const size_t n = table.num_rows();
  if (from < n) std::memset(Validity(table, id) + from, 1, n - from);
}

// The smoothing factor pandas uses for ewm(span=n): alpha = 1 / (1 + com), com = (n - 1) / 2.
double SpanAlpha(size_t span) { return 1.0 / (1.0 + (static_cast<double>(span) - 1.0) / 2.0); }

// The smoothing factor pandas uses for ewm(alpha=a): it converts a to com = (1 - a) / a and
// back, which can move alpha by an ulp; done the same way here.
double PandasAlpha(double alpha) { return 1.0 / (1.0 + (1.0 - alpha) / alpha); }

// One step of pandas' ewm(adjust=False).mean() recursion. pandas leaves the average unchanged
// when the new value equals it ("avoid numerical errors on constant series"), and divides by
// (old_weight + new_weight), which is 1 only up to rounding.
struct EwmWeights {
  double alpha;
  double old_weight;  // 1 - alpha
  double total;       // old_weight + alpha: 1.0 up to rounding
};

EwmWeights MakeEwmWeights(double alpha) { return {alpha, 1.0 - alpha, (1.0 - alpha) + alpha}; }

inline double EwmStep(double average, double x, const EwmWeights& w) {
  if (average == x) return average;
  const double blended = w.old_weight * average + w.alpha * x;
  // Dividing by exactly 1.0 changes nothing; skipping it keeps the division off the
  // loop-carried dependency chain for the usual spans.
  return w.total == 1.0 ? blended : blended / w.total;
}

// Compensated prefix sums of `x` (Neumaier): hi[i] + lo[i] is the sum of rows 0..i-1 to about
// twice working precision, so any window's sum is accurate to the last bits of the window
// itself however long the history. Both arrays get n + 1 entries.
void PrefixSums(std::span<const double> x, std::vector<double>& hi, std::vector<double>& lo) {
  const size_t n = x.size();
  hi.resize(n + 1);
  lo.resize(n + 1);
  double sum = 0.0;
  double carry = 0.0;
  hi[0] = 0.0;
  lo[0] = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = sum + x[i];
    carry += std::abs(sum) >= std::abs(x[i]) ? (sum - t) + x[i] : (x[i] - t) + sum;
    sum = t;
    hi[i + 1] = sum;
    lo[i + 1] = carry;
  }
}

// Rolling mean over `window` rows into rows window-1.. of column `id`, from the prefix sums.
// Where the whole window is one repeated value the mean is that value exactly, as in pandas.
void RollingMean(std::span<const double> x, const std::vector<double>& hi,
                 const std::vector<double>& lo, std::span<const uint32_t> same_run, size_t window,
                 IndicatorId id, IndicatorTable& table) {
  const size_t n = x.size();
  if (n < window) return;
  double* __restrict out = Values(table, id);
  const double size = static_cast<double>(window);
  for (size_t i = window - 1; i < n; ++i) {
    const double sum = (hi[i + 1] - hi[i + 1 - window]) + (lo[i + 1] - lo[i + 1 - window]);
    // Both sides computed first: a select of two values vectorizes, a branch does not.
    const double value = x[i];
    const double mean = sum / size;
    out[i] = same_run[i] >= window ? value : mean;
  }
  MarkValidFrom(table, id, window - 1);
}

// out[i] = pick over x[i-kWindow+1..i] for rows kWindow-1.. (rows before are left as they
// are), for an associative, commutative `pick` (min or max): the van Herk / Gil-Werman method,
// three picks a row whatever the window. Blocks of kWindow rows get running extremes from
// their start (prefix) and to their end (suffix); a window spans at most two blocks, so its
// extreme is pick(suffix of its first row, prefix of its last row).
template <size_t kWindow, typename Pick>
void RollingExtreme(std::span<const double> x, std::vector<double>& suffix,
                    std::vector<double>& out, Pick pick) {
  const size_t n = x.size();
  out.resize(n);
  if (n < kWindow) return;
  suffix.resize(n);
  for (size_t block = 0; block < n; block += kWindow) {
    const size_t end = std::min(n, block + kWindow);
    suffix[end - 1] = x[end - 1];
    for (size_t i = end - 1; i > block; --i) suffix[i - 1] = pick(x[i - 1], suffix[i]);
  }
  double prefix = x[0];
  for (size_t i = 0; i < n; ++i) {
    prefix = i % kWindow == 0 ? x[i] : pick(prefix, x[i]);
    if (i + 1 >= kWindow) {
      const size_t first = i + 1 - kWindow;
      // When the window is exactly one block, suffix[first] covers all of it.
      out[i] = first % kWindow == 0 ? suffix[first] : pick(suffix[first], prefix);
    }
  }
}

// out[row] = sum of term(row, offset) for offset = kWindow-1 (oldest) down to 0, for rows
// [first, n). Rows go in blocks of kLanes whose sums stay in registers, so the compiler turns
// the block into vector operations; each row still adds its terms oldest first.
template <size_t kWindow, typename Term>
void WindowSums(size_t first, size_t n, double* out, Term term) {
  constexpr size_t kLanes = 8;
  size_t row = first;
  for (; row + kLanes <= n; row += kLanes) {
    std::array<double, kLanes> sums{};
    for (size_t offset = kWindow - 1; offset + 1 > 0; --offset) {
      for (size_t lane = 0; lane < kLanes; ++lane) sums[lane] += term(row + lane, offset);
    }
    for (size_t lane = 0; lane < kLanes; ++lane) out[row + lane] = sums[lane];
  }
  for (; row < n; ++row) {
    double sum = 0.0;
    for (size_t offset = kWindow - 1; offset + 1 > 0; --offset) sum += term(row, offset);
    out[row] = sum;
  }
}

void ComputeBollinger(std::span<const double> close, std::span<const uint32_t> same_run,
                      std::vector<double>& squares, IndicatorTable& table) {
  const size_t n = close.size();
  constexpr size_t kWindow = kBollingerWindow;
  if (n < kWindow) return;
  const double* __restrict mean = Values(table, IndicatorId::kBbBbm);
  squares.resize(n);
  // Population variance from the deviations around the mean: no cancellation, and exactly 0
  // for a flat window.
  WindowSums<kWindow>(kWindow - 1, n, squares.data(), [&](size_t row, size_t offset) {
    const double d = close[row - offset] - mean[row];
    return d * d;
  });
  double* __restrict high = Values(table, IndicatorId::kBbBbh);
  double* __restrict low = Values(table, IndicatorId::kBbBbl);
  double* __restrict width = Values(table, IndicatorId::kBbBbw);
  double* __restrict percent = Values(table, IndicatorId::kBbBbp);
  uint8_t* __restrict width_valid = Validity(table, IndicatorId::kBbBbw);
  uint8_t* __restrict percent_valid = Validity(table, IndicatorId::kBbBbp);
  uint8_t* __restrict above = FlagValues(table, IndicatorId::kBbBbhi);
  uint8_t* __restrict below = FlagValues(table, IndicatorId::kBbBbli);
  for (size_t i = kWindow - 1; i < n; ++i) {
    // A window of one repeated value has a deviation of exactly 0 (pandas does the same).
    const double root = std::sqrt(squares[i] / static_cast<double>(kWindow));
    const double deviation = same_run[i] >= kWindow ? 0.0 : root;
    const double upper = mean[i] + kBollingerDeviations * deviation;
    const double lower = mean[i] - kBollingerDeviations * deviation;
    high[i] = upper;
    low[i] = lower;
    width[i] = ((upper - lower) / mean[i]) * 100.0;
    width_valid[i] = mean[i] != 0.0;
    percent[i] = (close[i] - lower) / (upper - lower);
    percent_valid[i] = upper != lower;
    above[i] = close[i] > upper;
    below[i] = close[i] < lower;
  }
  for (IndicatorId id :
       {IndicatorId::kBbBbh, IndicatorId::kBbBbl, IndicatorId::kBbBbhi, IndicatorId::kBbBbli}) {
    MarkValidFrom(table, id, kWindow - 1);
  }
}

void ComputeMfi(const PriceSeries& prices, std::vector<double>& inflow,
                std::vector<double>& outflow, std::vector<double>& positive,
                std::vector<double>& negative, IndicatorTable& table) {
  const size_t n = prices.close.size();
  constexpr size_t kWindow = kMfiWindow;
  if (n < kWindow) return;
  inflow.resize(n);
  outflow.resize(n);
  double previous_typical = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double typical = (prices.high[i] + prices.low[i] + prices.close[i]) / 3.0;
    // +1, -1 or 0 (also at row 0), branch-free: the direction is a coin toss to a predictor.
    const double direction =
        static_cast<double>(static_cast<int>(i > 0 && typical > previous_typical) -
                            static_cast<int>(i > 0 && typical < previous_typical));
    const double flow = typical * prices.volume[i] * direction;
    inflow[i] = flow >= 0.0 ? flow : 0.0;
    outflow[i] = flow < 0.0 ? -flow : 0.0;
    previous_typical = typical;
  }
  // Window sums afresh rather than running: a window of zero flows (a halt) must give exactly
  // 0, which a running sum would not.
  positive.resize(n);
  negative.resize(n);
  WindowSums<kWindow>(kWindow - 1, n, positive.data(),
                      [&](size_t row, size_t offset) { return inflow[row - offset]; });
  WindowSums<kWindow>(kWindow - 1, n, negative.data(),
                      [&](size_t row, size_t offset) { return outflow[row - offset]; });
  double* __restrict mfi = Values(table, IndicatorId::kMfi);
  uint8_t* __restrict valid = Validity(table, IndicatorId::kMfi);
  for (size_t i = kWindow - 1; i < n; ++i) {
    // P / 0 is inf in ta and 100 - 100 / inf = 100; 0 / 0 is undefined.
    const bool no_outflow = negative[i] == 0.0;
    const double value = 100.0 - 100.0 / (1.0 + positive[i] / negative[i]);
    mfi[i] = no_outflow ? 100.0 : value;
    valid[i] = !no_outflow || positive[i] > 0.0;
  }
}

void ComputeAdi(const PriceSeries& prices, IndicatorTable& table) {
  double* __restrict adi = Values(table, IndicatorId::kAdi);
  const size_t n = prices.close.size();
  // ta replaces the 0/0 of a zero range with 0; the flows vectorize, the running total not.
  for (size_t i = 0; i < n; ++i) {
    const double h = prices.high[i];
    const double l = prices.low[i];
    const double c = prices.close[i];
    const double range = h - l;
    const double clv = range != 0.0 ? ((c - l) - (h - c)) / range : 0.0;
    adi[i] = clv * prices.volume[i];
  }
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    total += adi[i];
    adi[i] = total;
  }
  MarkValidFrom(table, IndicatorId::kAdi, 0);
}

// ADX's smoothing factor. ta divides by 14 in its recursions; multiplying by 1/14 differs by
// at most an ulp a step and takes the division's latency off the loop-carried chains.
constexpr double kAdxWindowSize = static_cast<double>(kAdxWindow);
constexpr double kAdxInverseWindow = 1.0 / kAdxWindowSize;

// The recursive averages of MACD, RSI and ADX are each a chain of dependent multiply-adds;
// they share one pass over the rows so that the eight chains overlap instead of following one
// another. What follows from them without recursion (RSI itself, ±DI, DX) is vectorized
// afterwards in ComputeRsi and ComputeAdx.
//
// ADX's Wilder sums, S_t = S_{t-1} - S_{t-1} / 14 + x_t, go to `true_range_sums` and to the
// +DI and -DI columns, which ComputeAdx turns into ±DI; the first sums (row 14) are plain sums
// of rows 1..14.
void ComputeRecursions(const PriceSeries& prices, std::vector<double>& gains,
                       std::vector<double>& losses, std::vector<double>& true_range_sums,
                       IndicatorTable& table) {
  std::span<const double> close = prices.close;
  const size_t n = close.size();
  gains.resize(n);
  losses.resize(n);
  true_range_sums.resize(n);
  if (n == 0) return;
  double* __restrict positive_sums = Values(table, IndicatorId::kAdxPos);
  double* __restrict negative_sums = Values(table, IndicatorId::kAdxNeg);
  double true_range_sum = 0.0;
  double positive_sum = 0.0;
  double negative_sum = 0.0;
  const EwmWeights fast_alpha = MakeEwmWeights(SpanAlpha(kMacdFast));
  const EwmWeights slow_alpha = MakeEwmWeights(SpanAlpha(kMacdSlow));
  const EwmWeights signal_alpha = MakeEwmWeights(SpanAlpha(kMacdSignal));
  const EwmWeights rsi_alpha = MakeEwmWeights(PandasAlpha(1.0 / static_cast<double>(kRsiWindow)));
  double* __restrict macd = Values(table, IndicatorId::kMacd);
  double* __restrict signal = Values(table, IndicatorId::kMacdSignal);
  double* __restrict diff = Values(table, IndicatorId::kMacdDiff);
  double fast = close[0];
  double slow = close[0];
  double signal_average = 0.0;
  // RSI's gains and losses are 0 at row 0 (ta's diff() is NaN there, replaced by 0).
  double average_gain = 0.0;
  double average_loss = 0.0;
  gains[0] = 0.0;
  losses[0] = 0.0;
  for (size_t i = 1; i < n; ++i) {
    fast = EwmStep(fast, close[i], fast_alpha);
    slow = EwmStep(slow, close[i], slow_alpha);
    const double value = fast - slow;
    macd[i] = value;
    // The signal line's recursion starts at the first defined MACD value (row 25).
    if (i + 1 == kMacdSlow) signal_average = value;
    if (i + 1 > kMacdSlow) signal_average = EwmStep(signal_average, value, signal_alpha);
    signal[i] = signal_average;
    const double change = close[i] - close[i - 1];
    average_gain = EwmStep(average_gain, change > 0.0 ? change : 0.0, rsi_alpha);
    average_loss = EwmStep(average_loss, change < 0.0 ? -change : 0.0, rsi_alpha);
    gains[i] = average_gain;
    losses[i] = average_loss;

    const double h = prices.high[i];
    const double l = prices.low[i];
    const double previous_close = close[i - 1];
    const double true_range = std::max(h, previous_close) - std::min(l, previous_close);
    const double up = h - prices.high[i - 1];
    const double down = prices.low[i - 1] - l;
    // `&` rather than `&&`: which move is larger is a coin toss, so no branch to mispredict.
    const double positive_dm = ((up > down) & (up > 0.0)) ? up : 0.0;
    const double negative_dm = ((down > up) & (down > 0.0)) ? down : 0.0;
    if (i <= kAdxWindow) {
      true_range_sum += true_range;
      positive_sum += positive_dm;
      negative_sum += negative_dm;
    } else {
      true_range_sum = true_range_sum - true_range_sum * kAdxInverseWindow + true_range;
      positive_sum = positive_sum - positive_sum * kAdxInverseWindow + positive_dm;
      negative_sum = negative_sum - negative_sum * kAdxInverseWindow + negative_dm;
    }
    true_range_sums[i] = true_range_sum;
    positive_sums[i] = positive_sum;
    negative_sums[i] = negative_sum;
  }
  if (n < kMacdSlow) return;
  const size_t first_signal = kMacdSlow + kMacdSignal - 2;
  for (size_t i = first_signal; i < n; ++i) diff[i] = macd[i] - signal[i];
  MarkValidFrom(table, IndicatorId::kMacd, kMacdSlow - 1);
  MarkValidFrom(table, IndicatorId::kMacdSignal, first_signal);
  MarkValidFrom(table, IndicatorId::kMacdDiff, first_signal);
}

void ComputeAdx(const std::vector<double>& true_range_sums, std::vector<double>& dx_values,
                IndicatorTable& table) {
  const size_t n = true_range_sums.size();
  constexpr size_t kWindow = kAdxWindow;
  constexpr size_t kFirstAdxRow = 2 * kWindow - 1;  // the mean of DX over rows 14..27
  if (n <= kWindow) return;
  double* __restrict adx = Values(table, IndicatorId::kAdx);
  double* __restrict positive_di = Values(table, IndicatorId::kAdxPos);
  double* __restrict negative_di = Values(table, IndicatorId::kAdxNeg);
  dx_values.resize(n);
  // Vectorized: ±DI = 100 * DM14 / TR14 (0 where TR14 = 0) and DX.
  for (size_t i = kWindow; i < n; ++i) {
    const double range = true_range_sums[i];
    const double pos = range != 0.0 ? 100.0 * (positive_di[i] / range) : 0.0;
    const double neg = range != 0.0 ? 100.0 * (negative_di[i] / range) : 0.0;
    positive_di[i] = pos;
    negative_di[i] = neg;
    const double di_sum = pos + neg;
    dx_values[i] = di_sum != 0.0 ? 100.0 * std::abs((pos - neg) / di_sum) : 0.0;
  }
  // Row by row: ADX, first the mean of DX over rows 14..27, then Wilder's average.
  if (n <= kFirstAdxRow) {
    MarkValidFrom(table, IndicatorId::kAdxPos, kWindow + 1);
    MarkValidFrom(table, IndicatorId::kAdxNeg, kWindow + 1);
    return;
  }
  double dx_sum = 0.0;
  for (size_t i = kWindow; i <= kFirstAdxRow; ++i) dx_sum += dx_values[i];
  double average_dx = dx_sum / kAdxWindowSize;
  adx[kFirstAdxRow] = average_dx;
  for (size_t i = kFirstAdxRow + 1; i < n; ++i) {
    average_dx = (average_dx * (kAdxWindowSize - 1.0) + dx_values[i]) * kAdxInverseWindow;
    adx[i] = average_dx;
  }
  // ta leaves +DI and -DI unset at row 14 although ADX uses them there.
  MarkValidFrom(table, IndicatorId::kAdxPos, kWindow + 1);
  MarkValidFrom(table, IndicatorId::kAdxNeg, kWindow + 1);
  MarkValidFrom(table, IndicatorId::kAdx, kFirstAdxRow);
}

void ComputeRsi(const std::vector<double>& gains, const std::vector<double>& losses,
                IndicatorTable& table) {
  const size_t n = gains.size();
  if (n < kRsiWindow) return;
  double* __restrict rsi = Values(table, IndicatorId::kRsi);
  for (size_t i = kRsiWindow - 1; i < n; ++i) {
    const double value = 100.0 - 100.0 / (1.0 + gains[i] / losses[i]);
    rsi[i] = losses[i] == 0.0 ? 100.0 : value;
  }
  MarkValidFrom(table, IndicatorId::kRsi, kRsiWindow - 1);
}

void ComputeStochastic(const PriceSeries& prices, std::vector<double>& lowest,
                       std::vector<double>& highest, std::vector<double>& suffix,
                       IndicatorTable& table) {
  const size_t n = prices.close.size();
  constexpr size_t kWindow = kStochWindow;
  if (n < kWindow) return;
  RollingExtreme<kWindow>(prices.low, suffix, lowest,
                          [](double a, double b) { return std::min(a, b); });
  RollingExtreme<kWindow>(prices.high, suffix, highest,
                          [](double a, double b) { return std::max(a, b); });
  double* __restrict stoch = Values(table, IndicatorId::kStoch);
  uint8_t* __restrict stoch_valid = Validity(table, IndicatorId::kStoch);
  for (size_t i = kWindow - 1; i < n; ++i) {
    const double range = highest[i] - lowest[i];
    stoch[i] = 100.0 * (prices.close[i] - lowest[i]) / range;
    stoch_valid[i] = range != 0.0;
  }
  double* __restrict signal = Values(table, IndicatorId::kStochSignal);
  uint8_t* __restrict signal_valid = Validity(table, IndicatorId::kStochSignal);
  for (size_t i = kWindow + kStochSmoothWindow - 2; i < n; ++i) {
    signal[i] = (stoch[i - 2] + stoch[i - 1] + stoch[i]) / static_cast<double>(kStochSmoothWindow);
    signal_valid[i] = stoch_valid[i] & stoch_valid[i - 1] & stoch_valid[i - 2];
  }
}

// A signal is NULL while any value it compares is NULL. The arrays are parameters so that
// `__restrict` holds and the loop vectorizes (flags and validity are bytes, which may alias
// anything otherwise).
template <typename Predicate>
void SignalLoop(size_t n, const double* __restrict left, const double* __restrict right,
                const uint8_t* __restrict left_valid, const uint8_t* __restrict right_valid,
                uint8_t* __restrict out, uint8_t* __restrict valid, Predicate predicate) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t defined = left_valid[i] & right_valid[i];
    valid[i] = defined;
    out[i] = defined & static_cast<uint8_t>(predicate(left[i], right[i]));
  }
}

template <typename Predicate>
void ComputeSignal(IndicatorTable& table, IndicatorId id, IndicatorId a, IndicatorId b,
                   Predicate predicate) {
  SignalLoop(table.num_rows(), Values(table, a), Values(table, b), Validity(table, a),
             Validity(table, b), FlagValues(table, id), Validity(table, id), predicate);
}

void ComputeSignals(std::span<const double> close, IndicatorTable& table) {
  using Id = IndicatorId;
  const size_t n = table.num_rows();
  auto threshold = [&](Id id, Id input, auto predicate) {
    ComputeSignal(table, id, input, input, [&](double x, double) { return predicate(x); });
  };
  threshold(Id::kSolidTrend, Id::kAdx, [](double x) { return x > kSolidTrendAdx; });
  ComputeSignal(table, Id::kGoldenCross, Id::kSma50, Id::kSma200,
                [](double fast, double slow) { return fast > slow; });
  const double* __restrict sma_long = Values(table, Id::kSma200);
  const uint8_t* __restrict sma_long_valid = Validity(table, Id::kSma200);
  uint8_t* __restrict price_over = FlagValues(table, Id::kPriceOver200);
  uint8_t* __restrict price_over_valid = Validity(table, Id::kPriceOver200);
  for (size_t i = 0; i < n; ++i) {
    price_over_valid[i] = sma_long_valid[i];
    price_over[i] = sma_long_valid[i] & static_cast<uint8_t>(close[i] > sma_long[i]);
  }
  threshold(Id::kMacdUp, Id::kMacdDiff, [](double x) { return x > 0.0; });
  threshold(Id::kRsiOver, Id::kRsi, [](double x) { return x > kRsiOverbought; });
  threshold(Id::kRsiUnder, Id::kRsi, [](double x) { return x < kRsiOversold; });
  const double* __restrict adx = Values(table, Id::kAdx);
  const double* __restrict positive_di = Values(table, Id::kAdxPos);
  const double* __restrict negative_di = Values(table, Id::kAdxNeg);
  const uint8_t* __restrict adx_valid = Validity(table, Id::kAdx);
  const uint8_t* __restrict positive_valid = Validity(table, Id::kAdxPos);
  const uint8_t* __restrict negative_valid = Validity(table, Id::kAdxNeg);
  uint8_t* __restrict buy = FlagValues(table, Id::kAdxBuy);
  uint8_t* __restrict sell = FlagValues(table, Id::kAdxSell);
  uint8_t* __restrict buy_valid = Validity(table, Id::kAdxBuy);
  uint8_t* __restrict sell_valid = Validity(table, Id::kAdxSell);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t valid = adx_valid[i] & positive_valid[i] & negative_valid[i];
    const uint8_t trending = valid & static_cast<uint8_t>(adx[i] > kAdxSignalMinimum);
    buy_valid[i] = valid;
    sell_valid[i] = valid;
    buy[i] = trending & static_cast<uint8_t>(positive_di[i] > negative_di[i]);
    sell[i] = trending & static_cast<uint8_t>(negative_di[i] > positive_di[i]);
  }
  threshold(Id::kStochOver, Id::kStoch, [](double x) { return x > kStochOverbought; });
  threshold(Id::kStochUnder, Id::kStoch, [](double x) { return x < kStochOversold; });
}

}  // namespace

// Runs the kernels with the table's scratch memory (a friend of IndicatorTable).
class IndicatorKernels {
 public:
  // Compiled twice, for AVX2 and for baseline x86-64, and picked at load time: the vector
  // loops run twice as wide where the CPU allows. The results are the same bits on both,
  // since the library is built without floating-point contraction (no FMA).
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
  __attribute__((target_clones("avx2", "default")))
#endif
  static void
  Run(const PriceSeries& prices, IndicatorTable& table) {
    const size_t n = prices.close.size();
    auto& scratch = table.scratch_;
    std::vector<uint32_t>& same_run = table.same_close_run_;
    same_run.resize(n);
    for (size_t i = 0; i < n; ++i) {
      same_run[i] = i > 0 && prices.close[i] == prices.close[i - 1] ? same_run[i - 1] + 1 : 1;
    }
    PrefixSums(prices.close, scratch[0], scratch[1]);
    RollingMean(prices.close, scratch[0], scratch[1], same_run, kBollingerWindow,
                IndicatorId::kBbBbm, table);
    RollingMean(prices.close, scratch[0], scratch[1], same_run, kSmaLongWindow,
                IndicatorId::kSma200, table);
    RollingMean(prices.close, scratch[0], scratch[1], same_run, kSmaShortWindow,
                IndicatorId::kSma50, table);
    ComputeBollinger(prices.close, same_run, scratch[2], table);
    ComputeMfi(prices, scratch[0], scratch[1], scratch[2], scratch[3], table);
    ComputeAdi(prices, table);
    ComputeRecursions(prices, scratch[2], scratch[3], scratch[0], table);
    ComputeAdx(scratch[0], scratch[1], table);
    ComputeRsi(scratch[2], scratch[3], table);
    ComputeStochastic(prices, scratch[0], scratch[1], scratch[2], table);
    ComputeSignals(prices.close, table);
  }
};

const std::array<IndicatorSpec, kIndicatorCount>& IndicatorSpecs() { return kSpecs; }

IndicatorTable::IndicatorTable(size_t num_rows) {
  for (size_t i = 0; i < kIndicatorCount; ++i) columns_[i].spec = &kSpecs[i];
  Reset(num_rows);
}

void IndicatorTable::Reset(size_t num_rows) {
  num_rows_ = num_rows;
  for (IndicatorColumn& column : columns_) {
    // Only validity needs clearing: a NULL row's value is never read, and the kernels write
    // every defined one.
    if (column.spec->type == IndicatorType::kDouble) {
      column.numbers.resize(num_rows);
    } else {
      column.flags.resize(num_rows);
    }
    column.valid.assign(num_rows, 0);
  }
}

void ComputeIndicators(const PriceSeries& prices, IndicatorTable& table) {
  const size_t n = prices.close.size();
  assert(prices.high.size() == n && prices.low.size() == n && prices.volume.size() == n);
  table.Reset(n);
  IndicatorKernels::Run(prices, table);
}

IndicatorTable ComputeIndicators(const PriceSeries& prices) {
  IndicatorTable table;
  ComputeIndicators(prices, table);
  return table;
}

}  // namespace tickerflow::indicators
