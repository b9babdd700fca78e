// The simulated market's fundamentals (internal): company financials that follow each symbol's
// trend price quarter by quarter, valued at its last close, in the six datasets' schemas.
//
//   if (HasDataset(spec, delisted, dataset)) snapshots.push_back(...);
//   TF_ASSIGN_OR_RETURN(table::Table table, BuildFundamentals(dataset, snapshots, as_of));
#pragma once

#include <cstdint>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "sources/simulated/universe_internal.h"
#include "sources/source.h"
#include "table/table.h"

namespace tickerflow::sources::simulated_internal {

/// What one symbol's fundamentals are computed from: its prices as of the request.
struct SymbolSnapshot {
  const SymbolSpec* spec = nullptr;
  Date first_date;
  bool delisted = false;           ///< Delisted on or before the as-of date.
  double price = 0;                ///< The last close on or before the as-of date.
  Date price_date;                 ///< That close's session.
  double low_52w = 0;              ///< Lowest low of the 52 weeks up to price_date.
  double high_52w = 0;             ///< Highest high of those 52 weeks.
  int64_t average_volume = 0;      ///< Mean volume of the last 63 sessions up to price_date.
  double trend_price = 0;          ///< The trend price at price_date (DCF's anchor).
  double quarter_trend_price = 0;  ///< The trend price when as_of's quarter began (financials).
};

/// Whether `spec` appears in `dataset` (fixed per symbol): ETFs and symbols delisted by the
/// as-of date have profiles only; some symbols lack some datasets, as with real vendors.
bool HasDataset(const SymbolSpec& spec, bool delisted, FundamentalsDataset dataset);

/// Whether `dataset` needs SymbolSnapshot's 52-week range and average volume (profiles).
bool NeedsBarHistory(FundamentalsDataset dataset);

/// One row per snapshot (in the given order) in FundamentalsSchema(dataset). The financials are
/// those of as_of's quarter.
Result<table::Table> BuildFundamentals(FundamentalsDataset dataset,
                                       const std::vector<SymbolSnapshot>& snapshots, Date as_of);

}  // namespace tickerflow::sources::simulated_internal
