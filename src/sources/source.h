// Where market data comes from. The pipeline asks a Source for the universe, for a symbol's
// daily bars over a date range, for every symbol's bar on one date (the bulk endpoint), and
// for the fundamentals datasets. The simulated market (sources/simulated/) and Financial
// Modeling Prep (sources/fmp/) implement it.
//
//   std::unique_ptr<Source> source = ...;
//   TF_ASSIGN_OR_RETURN(std::vector<SymbolInfo> universe, source->Universe(as_of));
//   TF_ASSIGN_OR_RETURN(std::vector<Bar> bars, source->DailyBars("AAPL", from, as_of));
//
// Threads: every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "table/table.h"

namespace tickerflow::sources {

/// A listed (or formerly listed) security.
struct SymbolInfo {
  std::string symbol;        ///< FMP's spelling, e.g. "BRK-B"; matches [A-Z0-9][A-Z0-9.-]{0,11}.
  std::string company_name;  ///< e.g. "Apple Inc."
  std::string exchange;      ///< "NASDAQ", "NYSE" or "AMEX".
  std::string sector;        ///< One of the 11 GICS sectors, e.g. "Information Technology".
  std::string industry;      ///< A GICS industry of that sector.
  bool is_etf = false;
  /// The first session with a bar.
  Date first_date;
  /// The last session with a bar, for a symbol delisted on or before the as-of date the
  /// universe was asked for; nullopt while it trades.
  std::optional<Date> delisted_date;
};

/// One session's end-of-day bar, as the source supplies it.
struct Bar {
  Date date;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  std::optional<double> adj_close;  ///< Dividend-adjusted close, where the source has it.
  int64_t volume = 0;
  std::optional<double> vwap;  ///< Volume-weighted average price, where the source has it.

  friend bool operator==(const Bar&, const Bar&) = default;
};

/// A bar of one symbol, for the bulk (all symbols, one date) request.
struct SymbolBar {
  std::string symbol;
  Bar bar;
};

/// The fundamentals datasets, one file each under fundamentals/ (design.md §3).
enum class FundamentalsDataset : uint8_t {
  kProfiles,
  kRatiosTtm,
  kKeyMetricsTtm,
  kScores,
  kRatings,
  kDcf,
};

/// Every dataset, in file order.
inline constexpr FundamentalsDataset kAllFundamentalsDatasets[] = {
    FundamentalsDataset::kProfiles,      FundamentalsDataset::kRatiosTtm,
    FundamentalsDataset::kKeyMetricsTtm, FundamentalsDataset::kScores,
    FundamentalsDataset::kRatings,       FundamentalsDataset::kDcf};

/// The dataset's file stem: "profiles", "ratios_ttm", "key_metrics_ttm", "scores", "ratings",
/// "dcf" (stored as fundamentals/<stem>.parquet).
std::string_view FundamentalsDatasetName(FundamentalsDataset dataset);

/// The columns every source returns for `dataset`, in order, with their types. The first
/// column is always `symbol` VARCHAR, unique per row; any other column may be NULL.
///
/// profiles:        symbol, company_name, exchange, sector, industry, country, currency
///                  (VARCHAR); market_cap, price, beta, last_dividend (DOUBLE); average_volume
///                  (BIGINT); range (VARCHAR, FMP's "low-high" 52-week range, e.g.
///                  "169.21-260.1"); ipo_date (DATE); is_etf, is_actively_trading (BOOLEAN)
/// ratios_ttm:      symbol; pe_ratio_ttm, peg_ratio_ttm, net_profit_margin_ttm,
///                  gross_profit_margin_ttm, price_to_book_ttm, debt_to_equity_ttm,
///                  current_ratio_ttm, dividend_yield_ttm (DOUBLE)
/// key_metrics_ttm: symbol; market_cap, enterprise_value_ttm, ev_to_ebitda_ttm,
///                  return_on_equity_ttm, return_on_assets_ttm, earnings_yield_ttm,
///                  free_cash_flow_yield_ttm (DOUBLE)
/// scores:          symbol; altman_z_score (DOUBLE); piotroski_score (BIGINT); working_capital,
///                  total_assets, retained_earnings, ebit, market_cap, total_liabilities,
///                  revenue (DOUBLE)
/// ratings:         symbol; date (DATE); rating (VARCHAR, a letter grade such as "A-");
///                  rating_score, rating_dcf_score, rating_roe_score, rating_roa_score,
///                  rating_de_score, rating_pe_score, rating_pb_score (BIGINT, 1 to 5)
/// dcf:             symbol; date (DATE); fair_value (DOUBLE, FMP's `dcf`: fair value per
///                  share); stock_price (DOUBLE)
struct FundamentalsColumn {
  std::string_view name;
  table::ColumnType type;
};
const std::vector<FundamentalsColumn>& FundamentalsSchema(FundamentalsDataset dataset);

/// Checks that `table` has exactly the columns of FundamentalsSchema(dataset), in order and
/// with their types, and unique non-NULL symbols; kInvalidArgument naming the first problem.
Status ValidateFundamentals(FundamentalsDataset dataset, const table::Table& table);

/// A symbol as FMP spells it: [A-Z0-9][A-Z0-9.-]{0,11}. Symbols become file names, so
/// anything else is rejected where it enters the program.
bool IsValidSymbol(std::string_view symbol);

/// A market data source.
class Source {
 public:
  virtual ~Source() = default;

  /// A short name for logs and run summaries: "simulated", "fmp".
  virtual std::string_view name() const = 0;

  /// Every symbol listed on or before `as_of`, including those delisted since (with their
  /// delisted_date), sorted by symbol.
  virtual Result<std::vector<SymbolInfo>> Universe(Date as_of) = 0;

  /// The bars of `symbol` with from <= date <= to, ascending by date, one per session.
  /// Empty when the symbol has no bar in the range. kNotFound for a symbol the source does
  /// not know.
  virtual Result<std::vector<Bar>> DailyBars(std::string_view symbol, Date from, Date to) = 0;

  /// Whether BarsOn is available (FMP: only on plans with the bulk endpoint).
  virtual bool SupportsBarsOn() const = 0;

  /// Every symbol's bar on `date` (one request for the whole market), sorted by symbol.
  /// Empty on a day without a session.
  virtual Result<std::vector<SymbolBar>> BarsOn(Date date) = 0;

  /// One fundamentals dataset for every symbol the source has it for, as of `as_of`, in the
  /// schema of FundamentalsSchema(dataset), sorted by symbol. A symbol missing from the result
  /// has no data in that dataset, unless FundamentalsComplete says otherwise.
  virtual Result<table::Table> Fundamentals(FundamentalsDataset dataset, Date as_of) = 0;

  /// Whether the last Fundamentals(dataset, ...) covered every symbol. false when the source
  /// refreshed only some symbols under a request budget (FMP's per-symbol fallback): the
  /// caller keeps its stored rows of the others.
  virtual bool FundamentalsComplete(FundamentalsDataset /*dataset*/) const { return true; }

  /// How many DailyBars calls the pipeline should keep in flight at once: 0 for a source that
  /// answers from memory (the calls run on the workers), more for a network source whose
  /// answers take a round trip (FMP: enough to keep the request quota full).
  virtual int ConcurrentRequests() const { return 0; }

  /// What the source did in this run, for the run summary (requests, retries, strategies): a
  /// JSON object's text, or empty when there is nothing to report.
  virtual std::string StatsJson() const { return {}; }
};

}  // namespace tickerflow::sources
