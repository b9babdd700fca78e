// A synthetic US stock market behind the Source interface: a deterministic universe of
// companies and ETFs with plausible tickers, sectors, IPOs and delistings, daily bars on NYSE
// sessions from correlated random walks, and fundamentals consistent with those prices. The
// pipeline runs against it without network, key or quota, and its tests know what to expect.
//
//   SimulatedOptions options;
//   options.universe = 9000;
//   options.as_of = Date::FromCivil(2025, 6, 2);  // the vendor's "today"
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedSource> source, SimulatedSource::Create(options));
//   TF_ASSIGN_OR_RETURN(std::vector<SymbolInfo> symbols, source->Universe(options.as_of));
//   TF_ASSIGN_OR_RETURN(std::vector<Bar> bars,
//                       source->DailyBars(symbols[0].symbol, Date::FromCivil(2005, 1, 1),
//                                         options.as_of));
//
// Everything is a pure function of (seed, universe size, symbol, date) and, for preliminary
// bars only, of as_of: a bar is the same whatever range, as-of date or thread asks for it, and
// a later as_of only adds sessions. Nothing is cached per bar: each request recomputes a
// symbol's path from its listing (a few ns a session, plus about 50 ns for each bar returned),
// so memory stays at a few MB for any universe.
//
// Threads: const after construction; every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "sources/source.h"
#include "table/table.h"

namespace tickerflow::sources {

/// What a simulated market looks like.
struct SimulatedOptions {
  /// Picks the market: the same seed gives the same symbols and bars.
  uint64_t seed = 1;
  /// The number of symbols, 1 to 100,000 (default 1,000). The symbol list depends only on
  /// (seed, universe); a larger universe extends a smaller one.
  int universe = 1000;
  /// Bars of the last `revise_last` sessions up to as_of are preliminary (close, high, low,
  /// vwap and volume differ slightly) and take their final values once older, as vendors'
  /// bars do; 0 to 250. 0: every bar is final.
  int revise_last = 0;
  /// The vendor's "today": no bar after it exists, and requests for later dates get the data
  /// as of this date. In the years 1990 to 2099 (the simulated market's life).
  Date as_of;
};

/// The simulated market. See the file comment.
class SimulatedSource : public Source {
 public:
  /// A market for `options`; kInvalidArgument when an option is out of its range.
  static Result<std::unique_ptr<SimulatedSource>> Create(const SimulatedOptions& options);

  ~SimulatedSource() override;
  SimulatedSource(const SimulatedSource&) = delete;
  SimulatedSource& operator=(const SimulatedSource&) = delete;

  /// "simulated".
  std::string_view name() const override { return "simulated"; }

  /// The options the market was made with.
  const SimulatedOptions& options() const { return options_; }

  /// Every symbol whose first session is on or before min(as_of, options().as_of), delisted
  /// ones included (with delisted_date when their last bar is on or before that date), sorted
  /// by symbol.
  Result<std::vector<SymbolInfo>> Universe(Date as_of) override;

  /// `symbol`'s bars with from <= date <= min(to, options().as_of) within its listed life.
  /// kNotFound for a symbol the market does not have or that has not listed by as_of;
  /// kInvalidArgument for text that is not a symbol.
  Result<std::vector<Bar>> DailyBars(std::string_view symbol, Date from, Date to) override;

  /// True: the bulk request is always available.
  bool SupportsBarsOn() const override { return true; }

  /// Every listed symbol's bar on `date`, sorted by symbol; empty when `date` is not a session
  /// or is after options().as_of.
  Result<std::vector<SymbolBar>> BarsOn(Date date) override;

  /// `dataset` as of min(as_of, options().as_of), in FundamentalsSchema(dataset), sorted by
  /// symbol. Covers the symbols of Universe(as_of) except a few per dataset (3-10 %, fixed per
  /// symbol); ETFs and delisted symbols appear in profiles only.
  Result<table::Table> Fundamentals(FundamentalsDataset dataset, Date as_of) override;

 private:
  struct Market;  // Sessions, symbols and the price model (simulated_source.cc).

  SimulatedSource(const SimulatedOptions& options, std::unique_ptr<const Market> market);

  SimulatedOptions options_;
  std::unique_ptr<const Market> market_;
};

}  // namespace tickerflow::sources
