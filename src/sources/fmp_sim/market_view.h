// The simulated market (sources/simulated/) in FMP's shapes: the profile and fundamentals
// datasets with FMP's column names and order, daily bars per symbol and per date. What the
// simulator serves is exactly what SimulatedSource returns for the same options, so that a
// client reading it back must arrive at the files `tickerflow run --source simulated` writes.
//
//   SimulatedOptions market;
//   market.seed = 7;
//   market.universe = 200;
//   market.as_of = Date::FromCivil(2025, 6, 2);
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<MarketView> view, MarketView::Create(market, 2000));
//   const std::string& csv = view->ProfilePart(0);                     // profile-bulk?part=0
//   std::string json = view->SymbolJson(FmpDataset::kRatiosTtm, "AAPL");  // ratios-ttm
//
// Mapping to FundamentalsSchema (sources/source.h), by FMP column name:
//   profiles    symbol, companyName, exchange, sector, industry, country, currency, marketCap,
//               price, beta, lastDividend, averageVolume, range, ipoDate, isEtf,
//               isActivelyTrading (plus FMP's other profile columns, synthesized)
//   ratios_ttm  priceToEarningsRatioTTM, priceToEarningsGrowthRatioTTM, netProfitMarginTTM,
//               grossProfitMarginTTM, priceToBookRatioTTM, debtToEquityRatioTTM,
//               currentRatioTTM, dividendYieldTTM (plus extra columns to ignore)
//   key_metrics marketCap, enterpriseValueTTM, evToEBITDATTM, returnOnEquityTTM,
//               returnOnAssetsTTM, earningsYieldTTM, freeCashFlowYieldTTM (plus extras)
//   scores      altmanZScore, piotroskiScore, workingCapital, totalAssets, retainedEarnings,
//               ebit, marketCap, totalLiabilities, revenue (plus reportedCurrency)
//   ratings     date, rating, overallScore, discountedCashFlowScore, returnOnEquityScore,
//               returnOnAssetsScore, debtToEquityScore, priceToEarningsScore, priceToBookScore
//   dcf         date, dcf (fair_value), "Stock Price" (stock_price)
//
// Two conventions a client must follow to rebuild the simulated files exactly:
// - profile-bulk lists every symbol of the universe (listed on or before as_of, delisted ones
//   with isActivelyTrading=false). The simulated market has no profile for a few of them
//   (SimulatedSource::Fundamentals leaves 3 % out): their rows carry the identity columns
//   (symbol, companyName, exchange, sector, industry, ipoDate, isEtf, isActivelyTrading) and
//   an empty price, marketCap, beta, lastDividend, averageVolume, range, currency and country.
//   A row without a price belongs to the universe but not to the profiles dataset.
// - Two extra symbols that are not in the simulated universe appear everywhere a real
//   symbol would (profile-bulk, profile, history, eod-bulk, every fundamentals file): one on
//   the OTC exchange (isAdr=true) and one mutual fund (isFund=true, on NASDAQ). A client
//   keeps NASDAQ/NYSE/AMEX, no funds, and filters every bulk file to its universe.
//
// Threads: const after construction; every method may be called from many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "sources/fmp_sim/format.h"
#include "sources/simulated/simulated_source.h"
#include "sources/source.h"

namespace tickerflow::sources::fmp_sim {

/// The datasets served as bulk CSV and per-symbol JSON (FundamentalsDataset's order).
using FmpDataset = FundamentalsDataset;

/// A symbol served in addition to the simulated universe. See the file comment.
struct ExtraSymbol {
  std::string symbol;
  std::string template_symbol;  ///< The universe symbol whose data it repeats.
  std::string company_name;
  std::string exchange;
  std::string exchange_full_name;
  bool is_adr = false;
  bool is_fund = false;
};

/// The simulated market in FMP's shapes. See the file comment.
class MarketView {
 public:
  /// Builds the market of `market` (see SimulatedOptions) and renders the bulk files, with
  /// `profile_part_rows` (>= 1) rows per profile-bulk part. Takes about a second for 10,000
  /// symbols. kInvalidArgument for options SimulatedSource rejects.
  static Result<std::unique_ptr<MarketView>> Create(const SimulatedOptions& market,
                                                    size_t profile_part_rows);

  MarketView(const MarketView&) = delete;
  MarketView& operator=(const MarketView&) = delete;
  ~MarketView();

  /// The vendor's "today" (the simulated market's as_of).
  Date as_of() const { return as_of_; }
  /// The last session on or before as_of().
  Date latest_session() const { return latest_session_; }

  /// How many profile-bulk parts there are (at least 1).
  size_t num_profile_parts() const { return profile_parts_.size(); }
  /// Part `part` (< num_profile_parts()) of profile-bulk, as CSV with a header.
  const std::string& ProfilePart(size_t part) const { return profile_parts_[part]; }

  /// The bulk CSV of `dataset` (not kProfiles: see ProfilePart).
  const std::string& BulkCsv(FmpDataset dataset) const;

  /// The per-symbol JSON of `dataset` (kProfiles for `profile`): a one-element array, or "[]"
  /// when the symbol is unknown or has no data in the dataset.
  std::string SymbolJson(FmpDataset dataset, std::string_view symbol) const;

  /// Whether `symbol` has bars (a universe symbol or an extra one).
  bool Knows(std::string_view symbol) const;

  /// `symbol`'s bars with from <= date <= min(to, as_of()), ascending; nullopt for a symbol
  /// that Knows() does not know.
  Result<std::optional<std::vector<Bar>>> Bars(std::string_view symbol, Date from, Date to) const;

  /// Every symbol's bar on `date` (extras included), sorted by symbol; empty when `date` is
  /// not a session or is after as_of().
  Result<std::vector<SymbolBar>> BarsOn(Date date) const;

  /// `delisted-companies`: symbol, companyName, exchange, ipoDate, delistedDate for the
  /// symbols delisted on or before as_of(), newest delisting first; page `page` of `limit`.
  std::string DelistedCompaniesJson(size_t page, size_t limit) const;

  /// The symbols served beyond the simulated universe.
  const std::vector<ExtraSymbol>& extras() const { return extras_; }

  /// The dataset as a table in FMP's columns (for tests).
  const FmpTable& Dataset(FmpDataset dataset) const;

 private:
  MarketView(std::unique_ptr<SimulatedSource> source, Date as_of);
  Status Build(size_t profile_part_rows);
  // The universe symbol whose data `symbol` shows: itself, or an extra symbol's template.
  std::optional<std::string> DataSymbol(std::string_view symbol) const;

  std::unique_ptr<SimulatedSource> source_;
  Date as_of_;
  Date latest_session_;
  std::vector<SymbolInfo> universe_;  // Sorted by symbol.
  std::vector<ExtraSymbol> extras_;
  std::vector<FmpTable> datasets_;     // FundamentalsDataset order; rows sorted by symbol.
  std::vector<std::string> bulk_csv_;  // Per dataset; empty for kProfiles.
  std::vector<std::string> profile_parts_;
  // Newest delisting first.
  FmpTable delisted_{{"symbol", "companyName", "exchange", "ipoDate", "delistedDate"}};
};

}  // namespace tickerflow::sources::fmp_sim
