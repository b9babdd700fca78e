// The simulated market's securities (internal): who they are, when they trade, and the constant
// parameters of their price and fundamentals models. Everything here is a function of the seed
// and the symbol's position in the universe, never of the as-of date, so a later as-of never
// changes earlier data.
//
//   const Sessions sessions;
//   std::vector<SymbolSpec> specs = GenerateUniverse(/*seed=*/1, /*count=*/1000, sessions);
//   sessions.date(specs[0].first_session);  // its first bar
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"

namespace tickerflow::sources::simulated_internal {

/// The trading sessions the simulated market can have, indexed 0, 1, ... from its first day.
class Sessions {
 public:
  /// The simulated market opens on 1990-01-02 (the first session of the calendar's table) and
  /// its horizon is the last session of 2099.
  Sessions();

  /// The number of sessions.
  int32_t size() const { return static_cast<int32_t>(dates_.size()); }
  /// The date of session `index` (0 <= index < size()).
  Date date(int32_t index) const { return dates_[static_cast<size_t>(index)]; }
  /// The first session's date.
  Date first() const { return dates_.front(); }
  /// The last session's date.
  Date last() const { return dates_.back(); }
  /// The index of the last session on or before `date`; -1 before the first.
  int32_t IndexOnOrBefore(Date date) const;
  /// The index of the first session on or after `date`; size() after the last.
  int32_t IndexOnOrAfter(Date date) const;

 private:
  std::vector<Date> dates_;
};

/// The 11 GICS sectors, in a fixed order (SymbolSpec::sector_index).
inline constexpr int kNumSectors = 11;

/// Daily volatility of the market factor (about 17 % a year, before monthly regimes).
inline constexpr double kMarketSigma = 0.011;
/// Daily volatility of each sector's factor.
inline constexpr double kSectorSigma = 0.010;

/// One simulated security and its constant model parameters.
struct SymbolSpec {
  // What the universe reports.
  std::string symbol;
  std::string company_name;
  std::string_view exchange;  ///< Points into a static table.
  std::string_view sector;    ///< Points into a static table.
  std::string_view industry;  ///< Points into a static table.
  bool is_etf = false;
  int sector_index = 0;

  // Life, as session indices (Sessions).
  int32_t origin_session = 0;  ///< Where the price path starts (a share class: its parent's).
  int32_t first_session = 0;   ///< The first bar.
  int32_t last_session = 0;    ///< The last bar: the delisting session, or the horizon.
  bool delisted = false;       ///< Whether last_session is a delisting.

  // Random streams.
  uint64_t key = 0;       ///< Every per-symbol draw not on the price path.
  uint64_t path_key = 0;  ///< The close path's draws (a share class shares its parent's).

  // Close path: log close = trend + x, trend = log_trend_ref + trend_growth * (s - reference),
  // x_s = phi * x_{s-1} + beta_market * M_s + beta_sector * S_s + sigma * Z_s (+ a jump).
  double log_trend_ref = 0;  ///< Log of the trend price at the reference session.
  double trend_growth = 0;   ///< Log growth of the trend per session.
  double x0 = 0;             ///< Deviation from the trend at origin_session.
  double phi = 1;            ///< AR(1) coefficient of the deviation: a weak pull to the trend.
  double beta_market = 0;    ///< Loading on the market factor.
  double beta_sector = 0;    ///< Loading on the sector factor.
  double sigma = 0;          ///< Daily idiosyncratic volatility.
  double sigma_total = 0;    ///< Approximate daily volatility of returns, for bar shapes.
  double inverse_sigma_total = 0;  ///< 1 / sigma_total.
  uint32_t jump_threshold = 0;     ///< A jump when 11 random bits fall below this (out of 2048).
  double jump_sigma = 0;           ///< Standard deviation of a jump's log size.
  double ipo_pop = 0;              ///< Log return from the offer price to the first close.

  double average_volume = 0;      ///< Typical shares traded per session.
  double shares_outstanding = 0;  ///< Constant; market cap = price * shares_outstanding.
};

/// The session all trends are anchored at (the first of 2025): prices and market caps there
/// follow the target distributions.
Date TrendReferenceDate();

/// The `count` securities of the universe of `seed`. The first k of them do not depend on
/// `count` (a larger universe extends a smaller one). Symbols are unique.
std::vector<SymbolSpec> GenerateUniverse(uint64_t seed, int count, const Sessions& sessions);

}  // namespace tickerflow::sources::simulated_internal
