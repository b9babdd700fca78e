// All 30 indicator columns for one ticker's history. Target (issue: foundation): at most
// 250 us for 5,000 rows on one core. Run with `make bench`; figures in docs/performance.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "indicators/indicators.h"

namespace {

using tickerflow::indicators::ComputeIndicators;
using tickerflow::indicators::IndicatorTable;

struct Bars {
  std::vector<double> high, low, close, volume;
};

// A deterministic random walk, like 20 years of one ticker's daily bars.
Bars MakeBars(size_t rows) {
  std::mt19937_64 random(/*seed=*/42);
  std::normal_distribution<double> step(0.0003, 0.018);
  std::uniform_real_distribution<double> spread(0.0, 0.02);
  std::uniform_int_distribution<int64_t> volume(100'000, 30'000'000);
  Bars bars;
  double close = 50.0;
  for (size_t i = 0; i < rows; ++i) {
    close *= std::exp(step(random));
    bars.close.push_back(close);
    bars.high.push_back(close * (1.0 + spread(random)));
    bars.low.push_back(close * (1.0 - spread(random)));
    bars.volume.push_back(static_cast<double>(volume(random)));
  }
  return bars;
}

void BM_ComputeIndicators(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const Bars bars = MakeBars(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    IndicatorTable table = ComputeIndicators({bars.high, bars.low, bars.close, bars.volume});
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComputeIndicators)->Arg(250)->Arg(5000)->Arg(20000)->Unit(benchmark::kMicrosecond);

// The pipeline's way: one table per worker, reused for every ticker, so no allocation.
void BM_ComputeIndicatorsReusingTable(  // NOLINT(readability-identifier-naming)
    benchmark::State& state) {
  const Bars bars = MakeBars(static_cast<size_t>(state.range(0)));
  IndicatorTable table;
  for (auto _ : state) {
    ComputeIndicators({bars.high, bars.low, bars.close, bars.volume}, table);
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ComputeIndicatorsReusingTable)
    ->Arg(250)
    ->Arg(5000)
    ->Arg(20000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
