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
// that the compiler vectorizes them; only the recursive averages and running totals run row by
// row, and those share two passes so that their dependency chains overlap. Every kernel is
// inlined into IndicatorKernels::Run, which is compiled once per instruction set.
//
// `#pragma GCC ivdep` marks the loops whose iterations are independent (each writes row i of
// arrays it does not read at other rows). GCC honours `__restrict` only on function parameters:
// on the local pointers below it is documentation, and without the pragma the vectorizer would
// need a run-time overlap check for every pair of the loop's arrays and gives up on loops with
// many of them (the Bollinger and signal loops).

double* Values(IndicatorTable& table, IndicatorId id) { return table.column(id).numbers.data(); }
uint8_t* FlagValues(IndicatorTable& table, IndicatorId id) { return table.column(id).flags.data(); }
uint8_t* Validity(IndicatorTable& table, IndicatorId id) { return table.column(id).valid.data(); }

// Marks rows [from, n) of a column defined.
void MarkValidFrom(IndicatorTable& table, IndicatorId id, size_t from) {
  const size_t n = table.num_rows();
  if (from < n) std::memset(Validity(table, id) + from, 1, n - from);
}

// The smoothing factor pandas uses for ewm(span=n): alpha = 1 / (1 + com), com = (n - 1) / 2.
constexpr double SpanAlpha(size_t span) {
  return 1.0 / (1.0 + (static_cast<double>(span) - 1.0) / 2.0);
}

// The smoothing factor pandas uses for ewm(alpha=a): it converts a to com = (1 - a) / a and
// back, which can move alpha by an ulp; done the same way here.
constexpr double PandasAlpha(double alpha) { return 1.0 / (1.0 + (1.0 - alpha) / alpha); }

// One step of pandas' ewm(adjust=False).mean() recursion. pandas leaves the average unchanged
// when the new value equals it ("avoid numerical errors on constant series"), and divides by
// (old_weight + new_weight), which is 1 only up to rounding.
struct EwmWeights {
  double alpha;
  double old_weight;  // 1 - alpha
  double total;       // old_weight + alpha: 1.0 up to rounding
};

constexpr EwmWeights MakeEwmWeights(double alpha) {
  return {alpha, 1.0 - alpha, (1.0 - alpha) + alpha};
}

constexpr EwmWeights kFastWeights = MakeEwmWeights(SpanAlpha(kMacdFast));
constexpr EwmWeights kSlowWeights = MakeEwmWeights(SpanAlpha(kMacdSlow));
constexpr EwmWeights kSignalWeights = MakeEwmWeights(SpanAlpha(kMacdSignal));
constexpr EwmWeights kRsiWeights =
    MakeEwmWeights(PandasAlpha(1.0 / static_cast<double>(kRsiWindow)));
// Dividing by exactly 1.0 changes nothing, so the recursions skip it; were a total not exactly
// 1.0 (another span), the division would have to come back.
static_assert(kFastWeights.total == 1.0 && kSlowWeights.total == 1.0 &&
              kSignalWeights.total == 1.0 && kRsiWeights.total == 1.0);

inline double EwmStep(double average, double x, const EwmWeights& w) {
  if (average == x) return average;
  return w.old_weight * average + w.alpha * x;
}

// Four doubles handled lane by lane with the ordinary IEEE operations (GCC's vector extension):
// one instruction per operation on AVX2, split into halves on SSE2, the same bits either way.
// Used where four independent recursions advance together row by row.
using Lanes = double __attribute__((vector_size(4 * sizeof(double))));
using LaneMask = int64_t __attribute__((vector_size(4 * sizeof(int64_t))));

// Compensated prefix sums of `close` (Neumaier): hi[i] + lo[i] is the sum of rows 0..i-1 to
// about twice working precision, so any window's sum is accurate to the last bits of the
// window itself however long the history. Both arrays get n + 1 entries.
//
// The same pass, row by row, also runs the other running quantities, whose short dependency
// chains then overlap instead of following one another:
// - runs[i]: how many rows up to i have the same close as row i (as a double, so that the
//   loops that compare it with a window length mix only 64-bit lanes and vectorize);
// - ADI's cumulative sum of the flows that ComputeAdiFlows left in the adi column;
// - ADX from row 28 on, Wilder's average of the DX values that ComputeDirectional left in
//   `dx` (row 27, the first, is the plain mean of rows 14..27).
void ComputeRunningTotals(std::span<const double> close_series, std::vector<double>& hi_sums,
                          std::vector<double>& lo_sums, std::vector<double>& run_lengths,
                          const double* __restrict dx, IndicatorTable& table) {
  const size_t n = close_series.size();
  hi_sums.resize(n + 1);
  lo_sums.resize(n + 1);
  run_lengths.resize(n);
  const double* __restrict close = close_series.data();
  double* __restrict hi = hi_sums.data();
  double* __restrict lo = lo_sums.data();
  double* __restrict runs = run_lengths.data();
  double* __restrict adi = Values(table, IndicatorId::kAdi);
  double* __restrict adx = Values(table, IndicatorId::kAdx);
  constexpr double kAdxWindowSize = static_cast<double>(kAdxWindow);
  constexpr size_t kFirstAdxRow = 2 * kAdxWindow - 1;
  double sum = 0.0;
  double carry = 0.0;
  double total = 0.0;
  uint64_t run = 0;
  double previous_close = n > 0 ? close[0] : 0.0;  // row 0 then starts a run of 1
  double average_dx = 0.0;
  hi[0] = 0.0;
  lo[0] = 0.0;
  auto row = [&](size_t i, bool with_adx) {
    const double x = close[i];
    const double t = sum + x;
    carry += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
    hi[i + 1] = sum;
    lo[i + 1] = carry;
    run = x == previous_close ? run + 1 : 1;
    previous_close = x;
    runs[i] = static_cast<double>(run);
    total += adi[i];
    adi[i] = total;
    if (with_adx) {
      // ta divides by 14; multiplying by 1/14 differs by at most an ulp a step and takes the
      // division's latency off the loop-carried chain.
      average_dx = (average_dx * (kAdxWindowSize - 1.0) + dx[i]) * (1.0 / kAdxWindowSize);
      adx[i] = average_dx;
    }
  };
  const size_t warm_up_end = std::min(n, kFirstAdxRow + 1);
  for (size_t i = 0; i < warm_up_end; ++i) row(i, /*with_adx=*/false);
  if (n <= kFirstAdxRow) return;
  double dx_sum = 0.0;
  for (size_t i = kAdxWindow; i <= kFirstAdxRow; ++i) dx_sum += dx[i];
  average_dx = dx_sum / kAdxWindowSize;
  adx[kFirstAdxRow] = average_dx;
  for (size_t i = kFirstAdxRow + 1; i < n; ++i) row(i, /*with_adx=*/true);
  MarkValidFrom(table, IndicatorId::kAdx, kFirstAdxRow);
}

// Rolling mean over `window` rows into rows window-1.. of column `id`, from the prefix sums.
// Where the whole window is one repeated value the mean is that value exactly, as in pandas.
void RollingMean(std::span<const double> x_series, const std::vector<double>& hi_sums,
                 const std::vector<double>& lo_sums, const std::vector<double>& run_lengths,
                 size_t window, IndicatorId id, IndicatorTable& table) {
  const size_t n = x_series.size();
  if (n < window) return;
  const double* __restrict x = x_series.data();
  const double* __restrict hi = hi_sums.data();
  const double* __restrict lo = lo_sums.data();
  const double* __restrict runs = run_lengths.data();
  double* __restrict out = Values(table, id);
  const double size = static_cast<double>(window);
#pragma GCC ivdep
  for (size_t i = window - 1; i < n; ++i) {
    const double sum = (hi[i + 1] - hi[i + 1 - window]) + (lo[i + 1] - lo[i + 1 - window]);
    // Both sides computed first: a select of two values vectorizes, a branch does not.
    const double mean = sum / size;
    out[i] = runs[i] >= size ? x[i] : mean;
  }
  MarkValidFrom(table, id, window - 1);
}

// out[row] = sum of term(row, offset) for offset = kWindow-1 (oldest) down to 0, for rows
// [first, n). The inner loop is unrolled completely, so the rows vectorize as independent
// lanes (a full-width vector of rows per instruction); each row still adds its terms oldest
// first.
template <size_t kWindow, typename Term>
void WindowSums(size_t first, size_t n, double* __restrict out, Term term) {
#pragma GCC ivdep
  for (size_t row = first; row < n; ++row) {
    double sum = 0.0;
#pragma GCC unroll 32
    for (size_t offset = kWindow - 1; offset + 1 > 0; --offset) sum += term(row, offset);
    out[row] = sum;
  }
}

// lowest[row] = min of low over the kWindow rows ending at row, highest[row] = max of high,
// for rows [kWindow-1, n): every window scanned afresh. The inner loop is unrolled, so rows
// vectorize as independent lanes: about one vector min (or max) per row and window row, fewer
// instructions than a three-picks-a-row running method, which stays scalar.
template <size_t kWindow>
void WindowExtremes(size_t n, const double* __restrict low, const double* __restrict high,
                    double* __restrict lowest, double* __restrict highest) {
#pragma GCC ivdep
  for (size_t row = kWindow - 1; row < n; ++row) {
    double lows = low[row + 1 - kWindow];
    double highs = high[row + 1 - kWindow];
#pragma GCC unroll 32
    for (size_t offset = kWindow - 2; offset + 1 > 0; --offset) {
      lows = std::min(lows, low[row - offset]);
      highs = std::max(highs, high[row - offset]);
    }
    lowest[row] = lows;
    highest[row] = highs;
  }
}

void ComputeBollinger(std::span<const double> close_series, const std::vector<double>& run_lengths,
                      std::vector<double>& squares, IndicatorTable& table) {
  const size_t n = close_series.size();
  constexpr size_t kWindow = kBollingerWindow;
  constexpr double kSize = static_cast<double>(kWindow);
  if (n < kWindow) return;
  const double* __restrict close = close_series.data();
  const double* __restrict runs = run_lengths.data();
  const double* __restrict mean = Values(table, IndicatorId::kBbBbm);
  squares.resize(n);
  // Population variance from the deviations around the mean: no cancellation, and exactly 0
  // for a flat window.
  WindowSums<kWindow>(kWindow - 1, n, squares.data(), [&](size_t row, size_t offset) {
    const double d = close[row - offset] - mean[row];
    return d * d;
  });
  const double* __restrict sums = squares.data();
  double* __restrict high = Values(table, IndicatorId::kBbBbh);
  double* __restrict low = Values(table, IndicatorId::kBbBbl);
  double* __restrict width = Values(table, IndicatorId::kBbBbw);
  double* __restrict percent = Values(table, IndicatorId::kBbBbp);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) {
    // A window of one repeated value has a deviation of exactly 0 (pandas does the same).
    const double root = std::sqrt(sums[i] / kSize);
    const double deviation = runs[i] >= kSize ? 0.0 : root;
    const double upper = mean[i] + kBollingerDeviations * deviation;
    const double lower = mean[i] - kBollingerDeviations * deviation;
    high[i] = upper;
    low[i] = lower;
    width[i] = ((upper - lower) / mean[i]) * 100.0;
    percent[i] = (close[i] - lower) / (upper - lower);
  }
  // The flags in their own loop: bytes computed from compares of doubles vectorize when the
  // loop has nothing else to do.
  uint8_t* __restrict width_valid = Validity(table, IndicatorId::kBbBbw);
  uint8_t* __restrict percent_valid = Validity(table, IndicatorId::kBbBbp);
  uint8_t* __restrict above = FlagValues(table, IndicatorId::kBbBbhi);
  uint8_t* __restrict below = FlagValues(table, IndicatorId::kBbBbli);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) {
    width_valid[i] = mean[i] != 0.0;
    percent_valid[i] = high[i] != low[i];
    above[i] = close[i] > high[i];
    below[i] = close[i] < low[i];
  }
  for (IndicatorId id :
       {IndicatorId::kBbBbh, IndicatorId::kBbBbl, IndicatorId::kBbBbhi, IndicatorId::kBbBbli}) {
    MarkValidFrom(table, id, kWindow - 1);
  }
}

void ComputeMfi(const PriceSeries& prices, std::vector<double>& typical_prices,
                std::vector<double>& inflows, std::vector<double>& outflows,
                std::vector<double>& positive_sums, std::vector<double>& negative_sums,
                IndicatorTable& table) {
  const size_t n = prices.close.size();
  constexpr size_t kWindow = kMfiWindow;
  if (n < kWindow) return;
  typical_prices.resize(n);
  inflows.resize(n);
  outflows.resize(n);
  const double* __restrict high = prices.high.data();
  const double* __restrict low = prices.low.data();
  const double* __restrict close = prices.close.data();
  const double* __restrict volume = prices.volume.data();
  double* __restrict typical = typical_prices.data();
  double* __restrict inflow = inflows.data();
  double* __restrict outflow = outflows.data();
// The typical prices first, so that the flows, which compare each with the previous one,
// have no loop-carried value and vectorize.
#pragma GCC ivdep
  for (size_t i = 0; i < n; ++i) typical[i] = (high[i] + low[i] + close[i]) / 3.0;
  // Row 0 has direction 0.
  const double first_flow = typical[0] * volume[0] * 0.0;
  inflow[0] = first_flow >= 0.0 ? first_flow : 0.0;
  outflow[0] = first_flow < 0.0 ? -first_flow : 0.0;
#pragma GCC ivdep
  for (size_t i = 1; i < n; ++i) {
    // +1, -1 or 0, branch-free: the direction is a coin toss to a predictor.
    const double direction = static_cast<double>(static_cast<int>(typical[i] > typical[i - 1]) -
                                                 static_cast<int>(typical[i] < typical[i - 1]));
    const double flow = typical[i] * volume[i] * direction;
    inflow[i] = flow >= 0.0 ? flow : 0.0;
    outflow[i] = flow < 0.0 ? -flow : 0.0;
  }
  // Window sums afresh rather than running: a window of zero flows (a halt) must give exactly
  // 0, which a running sum would not.
  positive_sums.resize(n);
  negative_sums.resize(n);
  WindowSums<kWindow>(kWindow - 1, n, positive_sums.data(),
                      [&](size_t row, size_t offset) { return inflow[row - offset]; });
  WindowSums<kWindow>(kWindow - 1, n, negative_sums.data(),
                      [&](size_t row, size_t offset) { return outflow[row - offset]; });
  const double* __restrict positive = positive_sums.data();
  const double* __restrict negative = negative_sums.data();
  double* __restrict mfi = Values(table, IndicatorId::kMfi);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) {
    // P / 0 is inf in ta and 100 - 100 / inf = 100; 0 / 0 is undefined.
    const double value = 100.0 - 100.0 / (1.0 + positive[i] / negative[i]);
    mfi[i] = negative[i] == 0.0 ? 100.0 : value;
  }
  uint8_t* __restrict valid = Validity(table, IndicatorId::kMfi);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) {
    valid[i] = (negative[i] != 0.0) | (positive[i] > 0.0);
  }
}

// ADI's flows, clv * volume, into the adi column; ComputeRunningTotals accumulates them. ta
// replaces the 0/0 of a zero range with 0.
void ComputeAdiFlows(const PriceSeries& prices, IndicatorTable& table) {
  const size_t n = prices.close.size();
  const double* __restrict high = prices.high.data();
  const double* __restrict low = prices.low.data();
  const double* __restrict close = prices.close.data();
  const double* __restrict volume = prices.volume.data();
  double* __restrict flows = Values(table, IndicatorId::kAdi);
#pragma GCC ivdep
  for (size_t i = 0; i < n; ++i) {
    const double h = high[i];
    const double l = low[i];
    const double c = close[i];
    const double range = h - l;
    const double clv = range != 0.0 ? ((c - l) - (h - c)) / range : 0.0;
    flows[i] = clv * volume[i];
  }
  MarkValidFrom(table, IndicatorId::kAdi, 0);
}

// ADX's smoothing factor. ta divides by 14 in its recursions; multiplying by 1/14 differs by
// at most an ulp a step and takes the division's latency off the loop-carried chains.
constexpr double kAdxInverseWindow = 1.0 / static_cast<double>(kAdxWindow);

// The true range and ±DM of rows 1.., vectorized here so that the row-by-row loop of
// ComputeRecursions only loads them.
void ComputeDirectionalMoves(const PriceSeries& prices, std::vector<double>& true_ranges,
                             std::vector<double>& positive_moves,
                             std::vector<double>& negative_moves) {
  const size_t n = prices.close.size();
  true_ranges.resize(n);
  positive_moves.resize(n);
  negative_moves.resize(n);
  const double* __restrict high = prices.high.data();
  const double* __restrict low = prices.low.data();
  const double* __restrict close = prices.close.data();
  double* __restrict true_range = true_ranges.data();
  double* __restrict positive_dm = positive_moves.data();
  double* __restrict negative_dm = negative_moves.data();
#pragma GCC ivdep
  for (size_t i = 1; i < n; ++i) {
    const double h = high[i];
    const double l = low[i];
    const double previous_close = close[i - 1];
    true_range[i] = std::max(h, previous_close) - std::min(l, previous_close);
    const double up = h - high[i - 1];
    const double down = low[i - 1] - l;
    // Nested selects rather than `&` of two compares, which the vectorizer does not take.
    positive_dm[i] = up > down ? (up > 0.0 ? up : 0.0) : 0.0;
    negative_dm[i] = down > up ? (down > 0.0 ? down : 0.0) : 0.0;
  }
}

// The recursive averages of MACD, RSI and ADX are chains of dependent multiply-adds; they share
// one pass over the rows so that the chains overlap instead of following one another, and the
// four exponential averages of the same form (MACD's fast and slow EMAs of the close, RSI's
// averages of gains and losses) advance as the four lanes of one vector. What follows from them
// without recursion (RSI itself, ±DI, DX) is vectorized afterwards.
//
// RSI's averages go to `gain_loss` as pairs (gain, loss) per row. ADX's Wilder sums,
// S_t = S_{t-1} - S_{t-1} / 14 + x_t, go to `true_range_sums` and to the +DI and -DI columns,
// which ComputeDirectional turns into ±DI; the first sums (row 14) are plain sums of rows
// 1..14.
void ComputeRecursions(const PriceSeries& prices, const std::vector<double>& true_ranges,
                       const std::vector<double>& positive_moves,
                       const std::vector<double>& negative_moves,
                       std::vector<double>& true_range_sums_out, std::vector<double>& gain_loss_out,
                       IndicatorTable& table) {
  const size_t n = prices.close.size();
  true_range_sums_out.resize(n);
  gain_loss_out.resize(2 * n);
  if (n == 0) return;
  const double* __restrict close = prices.close.data();
  const double* __restrict true_range = true_ranges.data();
  const double* __restrict positive_dm = positive_moves.data();
  const double* __restrict negative_dm = negative_moves.data();
  double* __restrict true_range_sums = true_range_sums_out.data();
  double* __restrict gain_loss = gain_loss_out.data();
  double* __restrict positive_sums = Values(table, IndicatorId::kAdxPos);
  double* __restrict negative_sums = Values(table, IndicatorId::kAdxNeg);
  double* __restrict macd = Values(table, IndicatorId::kMacd);
  double* __restrict signal = Values(table, IndicatorId::kMacdSignal);
  double* __restrict diff = Values(table, IndicatorId::kMacdDiff);
  // Lanes: MACD's fast EMA, its slow EMA (both of the close), RSI's average gain and average
  // loss. pandas' step, lane by lane: keep the average where it equals the new value, else
  // old_weight * average + alpha * x.
  constexpr Lanes kAlpha = {kFastWeights.alpha, kSlowWeights.alpha, kRsiWeights.alpha,
                            kRsiWeights.alpha};
  constexpr Lanes kOldWeight = {kFastWeights.old_weight, kSlowWeights.old_weight,
                                kRsiWeights.old_weight, kRsiWeights.old_weight};
  // The change goes into the gain lane as is and into the loss lane negated (exact), so that
  // one "> 0 or else 0" gives both max(d, 0) and max(-d, 0).
  constexpr Lanes kChangeSign = {1.0, 1.0, 1.0, -1.0};
  constexpr Lanes kZero = {0.0, 0.0, 0.0, 0.0};
  constexpr LaneMask kIsPriceLane = {-1, -1, 0, 0};
  // RSI's gains and losses are 0 at row 0 (ta's diff() is NaN there, replaced by 0).
  Lanes averages = {close[0], close[0], 0.0, 0.0};
  Lanes previous = {close[0], close[0], close[0], close[0]};
  gain_loss[0] = 0.0;
  gain_loss[1] = 0.0;
  double true_range_sum = 0.0;
  double positive_sum = 0.0;
  double negative_sum = 0.0;
  double signal_average = 0.0;
  auto row = [&](size_t i, bool warm_up) {
    const Lanes price = {close[i], close[i], close[i], close[i]};
    const Lanes change = (price - previous) * kChangeSign;
    previous = price;
    const Lanes moved = change > kZero ? change : kZero;
    const Lanes x = kIsPriceLane != 0 ? price : moved;
    const Lanes blended = kOldWeight * averages + kAlpha * x;
    averages = averages == x ? averages : blended;
    const double value = averages[0] - averages[1];
    macd[i] = value;
    gain_loss[2 * i] = averages[2];
    gain_loss[2 * i + 1] = averages[3];
    // The signal line's recursion starts at the first defined MACD value (row 25).
    if (!warm_up) {
      signal_average = EwmStep(signal_average, value, kSignalWeights);
    } else if (i + 1 == kMacdSlow) {
      signal_average = value;
    }
    signal[i] = signal_average;
    if (warm_up && i <= kAdxWindow) {
      true_range_sum += true_range[i];
      positive_sum += positive_dm[i];
      negative_sum += negative_dm[i];
    } else {
      true_range_sum = true_range_sum - true_range_sum * kAdxInverseWindow + true_range[i];
      positive_sum = positive_sum - positive_sum * kAdxInverseWindow + positive_dm[i];
      negative_sum = negative_sum - negative_sum * kAdxInverseWindow + negative_dm[i];
    }
    true_range_sums[i] = true_range_sum;
    positive_sums[i] = positive_sum;
    negative_sums[i] = negative_sum;
  };
  // Rows 1..25 carry the start-up cases (plain sums, the signal's seed); the rest none.
  const size_t warm_up_end = std::min(n, kMacdSlow);
  for (size_t i = 1; i < warm_up_end; ++i) row(i, /*warm_up=*/true);
  for (size_t i = kMacdSlow; i < n; ++i) row(i, /*warm_up=*/false);
  if (n < kMacdSlow) return;
  const size_t first_signal = kMacdSlow + kMacdSignal - 2;
#pragma GCC ivdep
  for (size_t i = first_signal; i < n; ++i) diff[i] = macd[i] - signal[i];
  MarkValidFrom(table, IndicatorId::kMacd, kMacdSlow - 1);
  MarkValidFrom(table, IndicatorId::kMacdSignal, first_signal);
  MarkValidFrom(table, IndicatorId::kMacdDiff, first_signal);
}

// ±DI = 100 * DM14 / TR14 (0 where TR14 = 0) in place of the Wilder sums, and DX into `dx`;
// vectorized. ADX itself, a recursion over DX, runs in ComputeRunningTotals.
void ComputeDirectional(const std::vector<double>& true_range_sums_in, std::vector<double>& dx_out,
                        IndicatorTable& table) {
  const size_t n = true_range_sums_in.size();
  constexpr size_t kWindow = kAdxWindow;
  dx_out.resize(n);
  if (n <= kWindow) return;
  const double* __restrict true_range_sums = true_range_sums_in.data();
  double* __restrict dx = dx_out.data();
  double* __restrict positive_di = Values(table, IndicatorId::kAdxPos);
  double* __restrict negative_di = Values(table, IndicatorId::kAdxNeg);
#pragma GCC ivdep
  for (size_t i = kWindow; i < n; ++i) {
    const double range = true_range_sums[i];
    const double pos = range != 0.0 ? 100.0 * (positive_di[i] / range) : 0.0;
    const double neg = range != 0.0 ? 100.0 * (negative_di[i] / range) : 0.0;
    positive_di[i] = pos;
    negative_di[i] = neg;
    const double di_sum = pos + neg;
    dx[i] = di_sum != 0.0 ? 100.0 * std::abs((pos - neg) / di_sum) : 0.0;
  }
  // ta leaves +DI and -DI unset at row 14 although ADX uses them there.
  MarkValidFrom(table, IndicatorId::kAdxPos, kWindow + 1);
  MarkValidFrom(table, IndicatorId::kAdxNeg, kWindow + 1);
}

void ComputeRsi(const std::vector<double>& gain_loss_in, IndicatorTable& table) {
  const size_t n = gain_loss_in.size() / 2;
  if (n < kRsiWindow) return;
  const double* __restrict gain_loss = gain_loss_in.data();
  double* __restrict rsi = Values(table, IndicatorId::kRsi);
#pragma GCC ivdep
  for (size_t i = kRsiWindow - 1; i < n; ++i) {
    const double gain = gain_loss[2 * i];
    const double loss = gain_loss[2 * i + 1];
    const double value = 100.0 - 100.0 / (1.0 + gain / loss);
    rsi[i] = loss == 0.0 ? 100.0 : value;
  }
  MarkValidFrom(table, IndicatorId::kRsi, kRsiWindow - 1);
}

void ComputeStochastic(const PriceSeries& prices, std::vector<double>& lowest_out,
                       std::vector<double>& highest_out, IndicatorTable& table) {
  const size_t n = prices.close.size();
  constexpr size_t kWindow = kStochWindow;
  if (n < kWindow) return;
  lowest_out.resize(n);
  highest_out.resize(n);
  const double* __restrict close = prices.close.data();
  const double* __restrict lowest = lowest_out.data();
  const double* __restrict highest = highest_out.data();
  WindowExtremes<kWindow>(n, prices.low.data(), prices.high.data(), lowest_out.data(),
                          highest_out.data());
  double* __restrict stoch = Values(table, IndicatorId::kStoch);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) {
    stoch[i] = 100.0 * (close[i] - lowest[i]) / (highest[i] - lowest[i]);
  }
  uint8_t* __restrict stoch_valid = Validity(table, IndicatorId::kStoch);
#pragma GCC ivdep
  for (size_t i = kWindow - 1; i < n; ++i) stoch_valid[i] = highest[i] != lowest[i];
  double* __restrict signal = Values(table, IndicatorId::kStochSignal);
#pragma GCC ivdep
  for (size_t i = kWindow + kStochSmoothWindow - 2; i < n; ++i) {
    signal[i] = (stoch[i - 2] + stoch[i - 1] + stoch[i]) / static_cast<double>(kStochSmoothWindow);
  }
  uint8_t* __restrict signal_valid = Validity(table, IndicatorId::kStochSignal);
#pragma GCC ivdep
  for (size_t i = kWindow + kStochSmoothWindow - 2; i < n; ++i) {
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
#pragma GCC ivdep
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
    ComputeSignal(table, id, input, input, [predicate](double x, double) { return predicate(x); });
  };
  threshold(Id::kSolidTrend, Id::kAdx, [](double x) { return x > kSolidTrendAdx; });
  ComputeSignal(table, Id::kGoldenCross, Id::kSma50, Id::kSma200,
                [](double fast, double slow) { return fast > slow; });
  const double* __restrict sma_long = Values(table, Id::kSma200);
  const uint8_t* __restrict sma_long_valid = Validity(table, Id::kSma200);
  uint8_t* __restrict price_over = FlagValues(table, Id::kPriceOver200);
  uint8_t* __restrict price_over_valid = Validity(table, Id::kPriceOver200);
#pragma GCC ivdep
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
#pragma GCC ivdep
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
  // loops run twice as wide where the CPU allows. `flatten` inlines every kernel into each
  // clone; without it the kernels are separate functions compiled for the baseline only, and
  // the AVX2 clone would run SSE2 code. The results are the same bits on both, since the
  // library is built without floating-point contraction (no FMA).
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
  __attribute__((target_clones("avx2", "default"), flatten))
#endif
  static void
  Run(const PriceSeries& prices, IndicatorTable& table) {
    auto& scratch = table.scratch_;
    // Order: the row-by-row recursions first (they need only the prices), then the running
    // totals, which also finish ADX, then the window kernels that read the prefix sums. A
    // scratch series is reused as soon as its last reader is done: 0 holds the true ranges,
    // then DX, then the squared deviations, then the typical prices, then the lowest lows.
    ComputeAdiFlows(prices, table);
    ComputeDirectionalMoves(prices, scratch[0], scratch[1], scratch[2]);
    ComputeRecursions(prices, scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], table);
    ComputeRsi(scratch[4], table);
    ComputeDirectional(scratch[3], scratch[0], table);
    ComputeRunningTotals(prices.close, scratch[1], scratch[2], scratch[3], scratch[0].data(),
                         table);
    RollingMean(prices.close, scratch[1], scratch[2], scratch[3], kBollingerWindow,
                IndicatorId::kBbBbm, table);
    RollingMean(prices.close, scratch[1], scratch[2], scratch[3], kSmaLongWindow,
                IndicatorId::kSma200, table);
    RollingMean(prices.close, scratch[1], scratch[2], scratch[3], kSmaShortWindow,
                IndicatorId::kSma50, table);
    ComputeBollinger(prices.close, scratch[3], scratch[0], table);
    ComputeMfi(prices, scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], table);
    ComputeStochastic(prices, scratch[0], scratch[1], table);
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
