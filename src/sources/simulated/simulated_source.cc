#include "sources/simulated/simulated_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "market/calendar.h"
#include "sources/simulated/fundamentals_internal.h"
#include "sources/simulated/prices_internal.h"
#include "sources/simulated/universe_internal.h"

namespace tickerflow::sources {

using simulated_internal::BarRevision;
using simulated_internal::PriceModel;
using simulated_internal::Sessions;
using simulated_internal::SymbolSnapshot;
using simulated_internal::SymbolSpec;

namespace {

constexpr int kMaxUniverse = 100'000;
constexpr int kMaxReviseLast = 250;
// FMP's profile range and the screener's 52-week figures look back 52 weeks.
constexpr int32_t kDaysIn52Weeks = 52 * 7;
// FMP's average volume covers about three months of sessions.
constexpr size_t kAverageVolumeSessions = 63;

}  // namespace

// Immutable after construction, so every method can read it from any thread.
struct SimulatedSource::Market {
  explicit Market(const SimulatedOptions& options)
      : specs(simulated_internal::GenerateUniverse(options.seed, options.universe, sessions)),
        prices(options.seed, sessions),
        as_of_session(sessions.IndexOnOrBefore(options.as_of)),
        revision{as_of_session, options.revise_last} {
    by_symbol.resize(specs.size());
    for (size_t i = 0; i < specs.size(); ++i) by_symbol[i] = i;
    std::sort(by_symbol.begin(), by_symbol.end(),
              [&](size_t a, size_t b) { return specs[a].symbol < specs[b].symbol; });
  }
  Market(const Market&) = delete;
  Market& operator=(const Market&) = delete;

  // The symbol's spec, or nullptr.
  const SymbolSpec* Find(std::string_view symbol) const {
    const auto it = std::lower_bound(
        by_symbol.begin(), by_symbol.end(), symbol,
        [&](size_t index, std::string_view wanted) { return specs[index].symbol < wanted; });
    if (it == by_symbol.end() || specs[*it].symbol != symbol) return nullptr;
    return &specs[*it];
  }

  std::vector<Bar> Bars(const SymbolSpec& spec, int32_t from, int32_t to) const {
    std::vector<Bar> bars;
    prices.AppendBars(spec, from, to, revision, &bars);
    return bars;
  }

  Sessions sessions;  // First: the members below are built from it.
  std::vector<SymbolSpec> specs;
  std::vector<size_t> by_symbol;  // Indices into specs, sorted by symbol.
  PriceModel prices;
  int32_t as_of_session;  // The last session on or before options.as_of.
  BarRevision revision;
};

Result<std::unique_ptr<SimulatedSource>> SimulatedSource::Create(const SimulatedOptions& options) {
  if (options.universe < 1 || options.universe > kMaxUniverse) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("simulated universe of {} symbols: choose 1 to {}",
                                     options.universe, kMaxUniverse));
  }
  if (options.revise_last < 0 || options.revise_last > kMaxReviseLast) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("simulated revise_last {}: choose 0 to {} sessions",
                                     options.revise_last, kMaxReviseLast));
  }
  if (options.as_of.year() < market::kFirstTableYear ||
      options.as_of.year() > market::kLastTableYear) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("simulated as_of {}: the simulated market runs from {}-01-01 to {}-12-31",
                    options.as_of.ToString(), market::kFirstTableYear, market::kLastTableYear));
  }
  return std::unique_ptr<SimulatedSource>(
      new SimulatedSource(options, std::make_unique<const Market>(options)));
}

SimulatedSource::SimulatedSource(const SimulatedOptions& options,
                                 std::unique_ptr<const Market> market)
    : options_(options), market_(std::move(market)) {}

SimulatedSource::~SimulatedSource() = default;

Result<std::vector<SymbolInfo>> SimulatedSource::Universe(Date as_of) {
  const Market& m = *market_;
  const int32_t cutoff = m.sessions.IndexOnOrBefore(std::min(as_of, options_.as_of));
  std::vector<SymbolInfo> symbols;
  symbols.reserve(m.specs.size());
  for (const size_t index : m.by_symbol) {
    const SymbolSpec& spec = m.specs[index];
    if (spec.first_session > cutoff) continue;
    SymbolInfo info;
    info.symbol = spec.symbol;
    info.company_name = spec.company_name;
    info.exchange = spec.exchange;
    info.sector = spec.sector;
    info.industry = spec.industry;
    info.is_etf = spec.is_etf;
    info.first_date = m.sessions.date(spec.first_session);
    if (spec.delisted && spec.last_session <= cutoff) {
      info.delisted_date = m.sessions.date(spec.last_session);
    }
    symbols.push_back(std::move(info));
  }
  return symbols;
}

Result<std::vector<Bar>> SimulatedSource::DailyBars(std::string_view symbol, Date from, Date to) {
  if (!IsValidSymbol(symbol)) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("'{}' is not a symbol ([A-Z0-9][A-Z0-9.-]{{0,11}})", symbol));
  }
  const Market& m = *market_;
  const SymbolSpec* spec = m.Find(symbol);
  if (spec == nullptr || spec->first_session > m.as_of_session) {
    return Status::Error(
        ErrorCode::kNotFound,
        fmt::format("symbol {} is not in the simulated market (seed {}, {} "
                    "symbols) as of {}",
                    symbol, options_.seed, options_.universe, options_.as_of.ToString()));
  }
  return m.Bars(*spec, m.sessions.IndexOnOrAfter(from),
                m.sessions.IndexOnOrBefore(std::min(to, options_.as_of)));
}

Result<std::vector<SymbolBar>> SimulatedSource::BarsOn(Date date) {
  const Market& m = *market_;
  std::vector<SymbolBar> result;
  if (date > options_.as_of || !market::IsTradingDay(date) || date < m.sessions.first()) {
    return result;
  }
  const int32_t session = m.sessions.IndexOnOrBefore(date);
  result.reserve(m.specs.size());
  std::vector<Bar> bars;
  for (const size_t index : m.by_symbol) {
    const SymbolSpec& spec = m.specs[index];
    if (session < spec.first_session || session > spec.last_session) continue;
    bars.clear();
    m.prices.AppendBars(spec, session, session, m.revision, &bars);
    // Like FMP's eod-bulk, which has no vwap column: a bulk update leaves vwap NULL on the
    // sessions it adds, in both sources alike.
    bars.front().vwap.reset();
    result.push_back(SymbolBar{spec.symbol, bars.front()});
  }
  return result;
}

Result<table::Table> SimulatedSource::Fundamentals(FundamentalsDataset dataset, Date as_of) {
  const Market& m = *market_;
  const Date effective = std::min(as_of, options_.as_of);
  const int32_t cutoff = m.sessions.IndexOnOrBefore(effective);
  const Date quarter_start =
      Date::FromCivil(effective.year(), (effective.month() - 1) / 3 * 3 + 1, 1);
  const int32_t quarter_session = m.sessions.IndexOnOrAfter(quarter_start);
  const bool needs_history = simulated_internal::NeedsBarHistory(dataset);

  std::vector<SymbolSnapshot> snapshots;
  snapshots.reserve(m.specs.size());
  std::vector<Bar> bars;
  for (const size_t index : m.by_symbol) {
    const SymbolSpec& spec = m.specs[index];
    if (spec.first_session > cutoff) continue;
    const bool delisted = spec.delisted && spec.last_session <= cutoff;
    if (!simulated_internal::HasDataset(spec, delisted, dataset)) continue;
    const int32_t end = std::min(cutoff, spec.last_session);
    const int32_t begin =
        needs_history ? m.sessions.IndexOnOrAfter(m.sessions.date(end) - (kDaysIn52Weeks - 1))
                      : end;
    bars.clear();
    m.prices.AppendBars(spec, begin, end, m.revision, &bars);

    SymbolSnapshot snapshot;
    snapshot.spec = &spec;
    snapshot.first_date = m.sessions.date(spec.first_session);
    snapshot.delisted = delisted;
    snapshot.price = bars.back().close;
    snapshot.price_date = bars.back().date;
    snapshot.trend_price = std::exp(m.prices.LogTrend(spec, end));
    snapshot.quarter_trend_price = std::exp(m.prices.LogTrend(spec, quarter_session));
    if (needs_history) {
      snapshot.low_52w = bars.front().low;
      snapshot.high_52w = bars.front().high;
      for (const Bar& bar : bars) {
        snapshot.low_52w = std::min(snapshot.low_52w, bar.low);
        snapshot.high_52w = std::max(snapshot.high_52w, bar.high);
      }
      const size_t count = std::min(bars.size(), kAverageVolumeSessions);
      double volume_sum = 0;
      for (size_t i = bars.size() - count; i < bars.size(); ++i) {
        volume_sum += static_cast<double>(bars[i].volume);
      }
      snapshot.average_volume = std::llround(volume_sum / static_cast<double>(count));
    }
    snapshots.push_back(snapshot);
  }
  return simulated_internal::BuildFundamentals(dataset, snapshots, effective);
}

}  // namespace tickerflow::sources
