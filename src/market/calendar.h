// The NYSE trading calendar: which days have a regular session. Rule-based full-day closures
// (weekends, the ten NYSE holidays with their observance rules) plus the known special closures
// (days of mourning, September 11, Hurricane Sandy). Half days and time zones are not modelled.
//
//   using namespace tickerflow::market;
//   IsTradingDay(Date::FromCivil(2024, 3, 29));        // false: Good Friday
//   HolidayName(Date::FromCivil(2024, 3, 29));         // "Good Friday"
//   NextTradingDay(Date::FromCivil(2024, 3, 28));      // 2024-04-01
//   std::vector<Date> sessions = TradingDays(Date::FromCivil(2024, 1, 1),
//                                            Date::FromCivil(2024, 12, 31));  // 252 dates
//
// Years kFirstTableYear..kLastTableYear are answered from a table built once (thread-safe static
// initialisation), so every query there costs a few array reads; CountTradingDays is O(1).
// Outside those years the same rules are evaluated on the fly (slower, and without special
// closures, which are only known for the table's years).
//
// Every function is thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "common/date.h"

namespace tickerflow::market {

/// The first year whose closures, special ones included, are known and precomputed.
inline constexpr int kFirstTableYear = 1990;
/// The last year precomputed.
inline constexpr int kLastTableYear = 2099;

/// Whether the NYSE holds a regular session on `date`: a weekday that is neither a holiday nor
/// a special closure.
bool IsTradingDay(Date date);

/// The first trading day strictly after `date`.
Date NextTradingDay(Date date);

/// The last trading day strictly before `date`.
Date PreviousTradingDay(Date date);

/// `date` itself when it is a trading day, else the trading day before it.
Date LatestTradingDayOnOrBefore(Date date);

/// The trading days with from <= day <= to, ascending; empty when from > to.
std::vector<Date> TradingDays(Date from, Date to);

/// The number of trading days with from <= day <= to; 0 when from > to.
int CountTradingDays(Date from, Date to);

/// The name of the holiday or special closure that closes the market on `date` ("Good Friday",
/// "Christmas Day"); empty on trading days and on weekends (a holiday falling on a weekend is
/// named on the weekday it is observed, if any).
std::string_view HolidayName(Date date);

/// The weekdays of `year` on which the market is closed (holidays as observed and special
/// closures), ascending.
std::vector<Date> Holidays(int year);

}  // namespace tickerflow::market
