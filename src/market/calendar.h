// The NYSE trading calendar: which days have a session, and when each session opens and closes.
// Rule-based full-day closures (weekends, the ten NYSE holidays with their observance rules),
// the known special closures (days of mourning, September 11, Hurricane Sandy), early closes,
// and closures announced after this build, from a closures file (SetExtraClosures). Session
// times are America/New_York local times, converted with the system's tz database (tzdata),
// so daylight saving time follows the same rules as the rest of the system.
//
//   using namespace tickerflow::market;
//   IsTradingDay(Date::FromCivil(2024, 3, 29));        // false: Good Friday
//   HolidayName(Date::FromCivil(2024, 3, 29));         // "Good Friday"
//   NextTradingDay(Date::FromCivil(2024, 3, 28));      // 2024-04-01
//   std::vector<Date> sessions = TradingDays(Date::FromCivil(2024, 1, 1),
//                                            Date::FromCivil(2024, 12, 31));  // 252 dates
//   EarlyClose(Date::FromCivil(2024, 11, 29));         // 13:00 (New York)
//   SessionClose(Date::FromCivil(2024, 11, 29));       // 2024-11-29 18:00:00 UTC
//   LatestClosedSession(std::chrono::floor<std::chrono::seconds>(
//       std::chrono::system_clock::now()));            // the as-of date of a daily run
//
//   // At start-up, once the configuration is read:
//   TF_ASSIGN_OR_RETURN(std::vector<ExtraClosure> extra, LoadClosuresFile(path));
//   TF_RETURN_IF_ERROR(SetExtraClosures(std::move(extra)));
//
// Years kFirstTableYear..kLastTableYear are answered from a table built once (thread-safe static
// initialisation), so every query there costs a few array reads; CountTradingDays is O(1).
// Outside those years the same rules are evaluated on the fly (slower, and without special
// closures, which are only known for the table's years).
//
// Every function is thread-safe. The time functions throw std::runtime_error when the system
// has no tz database (a broken installation, like a missing shared library); CheckTimeZone
// reports that as a Status for a program to call at start-up.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"

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

// --- Session times -----------------------------------------------------------------------

/// The time zone of every local time below.
inline constexpr std::string_view kTimeZone = "America/New_York";
/// A regular session: 09:30 to 16:00 New York time.
inline constexpr std::chrono::minutes kRegularOpen =
    std::chrono::hours(9) + std::chrono::minutes(30);
/// The close of a regular session.
inline constexpr std::chrono::minutes kRegularClose = std::chrono::hours(16);

/// OK when the tz database has America/New_York; kFailedPrecondition (install tzdata) when
/// not. The time functions below throw in that case, so a program calls this first.
Status CheckTimeZone();

/// A date and a time of day in New York.
struct NewYorkTime {
  Date date;
  std::chrono::seconds time_of_day{0};  ///< Since local midnight, 0 <= time_of_day < 24 h.
};

/// The New York date and time of day at `instant`.
NewYorkTime ToNewYork(std::chrono::sys_seconds instant);

/// The instant at which New York's clocks show `date` and `time_of_day`. A time skipped by the
/// spring-forward change counts as the instant of the change; a time repeated in the autumn is
/// its first occurrence. Sessions and runs are never scheduled at such times (02:00-03:00).
std::chrono::sys_seconds FromNewYork(Date date, std::chrono::seconds time_of_day);

/// When `date` closes early, its close as a New York time of day: 13:00, or 14:00 before 1993.
/// Empty for regular sessions and for days that are not sessions. The rules: July 3 when it is
/// a session on a Monday, Tuesday or Thursday (from 1995) or a Wednesday (from 2013); July 5
/// when it is a Friday session (1995-2012); the day after Thanksgiving (from 1992); December 24
/// when it is a session; 1997-12-26, 1999-12-31 and 2003-12-26.
std::optional<std::chrono::minutes> EarlyClose(Date date);

/// The New York time of day `date`'s session closes: EarlyClose or kRegularClose. Empty when
/// `date` is not a session.
std::optional<std::chrono::minutes> CloseTimeOfDay(Date date);

/// The instant `date`'s session opens (09:30 New York); empty when `date` is not a session.
std::optional<std::chrono::sys_seconds> SessionOpen(Date date);

/// The instant `date`'s session closes (see CloseTimeOfDay); empty when not a session.
std::optional<std::chrono::sys_seconds> SessionClose(Date date);

/// The latest session whose close is at or before `now`: at 15:59:59 New York time on a
/// regular session day the session before it, at 16:00:00 that day itself. The as-of date of
/// a daily run, whose data is final once the session has closed.
Date LatestClosedSession(std::chrono::sys_seconds now);

/// The session whose close is the first one after `now`: the session in progress, or the next
/// one to open. Always NextTradingDay(LatestClosedSession(now)).
Date NextSessionToClose(std::chrono::sys_seconds now);

/// A daily run: the session it is for and when it starts.
struct ScheduledRun {
  Date session;
  std::chrono::sys_seconds at;
};

/// The first run strictly after `now` of a schedule that runs on every session's date at
/// `time_of_day` New York time (kDefaultRunTime: 17:30, after the close and the vendors'
/// end-of-day data). Days without a session have no run.
ScheduledRun NextScheduledRun(std::chrono::sys_seconds now, std::chrono::minutes time_of_day);

/// The default time of day of the daily run, New York time.
inline constexpr std::chrono::minutes kDefaultRunTime =
    std::chrono::hours(17) + std::chrono::minutes(30);

/// Parses "HH:MM" (00:00..23:59) into a time of day; kInvalidArgument otherwise.
Result<std::chrono::minutes> ParseTimeOfDay(std::string_view text);

/// "HH:MM".
std::string FormatTimeOfDay(std::chrono::minutes time_of_day);

// --- Closures announced after this build -------------------------------------------------

/// A full-day closure that is not in the built-in rules or list.
struct ExtraClosure {
  Date date;
  std::string name;  ///< As HolidayName reports it; never empty.
};

/// Reads a closures file: one closure per line, `YYYY-MM-DD  Name` (the date, blanks, then the
/// name up to the end of the line); '#' starts a comment, blank lines are ignored. kNotFound
/// when the file does not exist, kIoError when it cannot be read, kInvalidArgument naming the
/// file and line for a bad date, a missing name, a weekend, a date outside
/// kFirstTableYear..kLastTableYear, or a date listed twice.
Result<std::vector<ExtraClosure>> LoadClosuresFile(const std::filesystem::path& path);

/// Makes every function of this header treat `closures` as full-day closures, in addition to
/// the built-in ones (which keep their names when a date is in both); replaces the closures of
/// an earlier call, and an empty list restores the built-in calendar. Meant for start-up:
/// threads that query the calendar meanwhile see either the old or the new calendar in each
/// call. kInvalidArgument, with nothing changed, for a weekend or a date outside
/// kFirstTableYear..kLastTableYear.
Status SetExtraClosures(std::vector<ExtraClosure> closures);

}  // namespace tickerflow::market
