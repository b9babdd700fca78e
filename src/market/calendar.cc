#include "market/calendar.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace tickerflow::market {
namespace {

// Why a day has no session. Values from kFirstHoliday on index kHolidayNames.
enum DayKind : uint8_t {
  kTrading = 0,
  kWeekend = 1,
  kNewYearsDay,
  kMartinLutherKingDay,
  kWashingtonsBirthday,
  kGoodFriday,
  kMemorialDay,
  kJuneteenth,
  kIndependenceDay,
  kLaborDay,
  kThanksgiving,
  kChristmas,
  kNixonMourning,
  kSeptember11,
  kReaganMourning,
  kFordMourning,
  kHurricaneSandy,
  kBushMourning,
  kCarterMourning,
  kExtraClosure,  // From SetExtraClosures; its name is in the table.
  kDayKindCount,
};
constexpr uint8_t kFirstHoliday = kNewYearsDay;

constexpr std::array<std::string_view, kDayKindCount> kHolidayNames = {
    "",
    "",
    "New Year's Day",
    "Martin Luther King Jr. Day",
    "Washington's Birthday",
    "Good Friday",
    "Memorial Day",
    "Juneteenth National Independence Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
    "National Day of Mourning for President Richard Nixon",
    "September 11 attacks",
    "National Day of Mourning for President Ronald Reagan",
    "National Day of Mourning for President Gerald Ford",
    "Hurricane Sandy",
    "National Day of Mourning for President George H. W. Bush",
    "National Day of Mourning for President Jimmy Carter",
    "",  // kExtraClosure: named by CalendarTable::ExtraName.
};

struct Closure {
  Date date;
  DayKind kind;
};

// Unscheduled full-day closures since kFirstTableYear (NYSE's own list of market closings).
struct SpecialClosure {
  int year;
  unsigned month;
  unsigned day;
  DayKind kind;
};
constexpr SpecialClosure kSpecialClosures[] = {
    {1994, 4, 27, kNixonMourning}, {2001, 9, 11, kSeptember11},     {2001, 9, 12, kSeptember11},
    {2001, 9, 13, kSeptember11},   {2001, 9, 14, kSeptember11},     {2004, 6, 11, kReaganMourning},
    {2007, 1, 2, kFordMourning},   {2012, 10, 29, kHurricaneSandy}, {2012, 10, 30, kHurricaneSandy},
    {2018, 12, 5, kBushMourning},  {2025, 1, 9, kCarterMourning},
};

bool IsWeekend(Date date) {
  const Weekday weekday = date.weekday();
  return weekday == Weekday::kSaturday || weekday == Weekday::kSunday;
}

// The `n`th (1-based) `weekday` of `month`.
Date NthWeekday(int year, unsigned month, Weekday weekday, int n) {
  const Date first = Date::FromCivil(year, month, 1);
  const int offset = (static_cast<int>(weekday) - static_cast<int>(first.weekday()) + 7) % 7;
  return first + (offset + 7 * (n - 1));
}

// The last `weekday` of `month`.
Date LastWeekday(int year, unsigned month, Weekday weekday) {
  const Date last =
      month == 12 ? Date::FromCivil(year, 12, 31) : Date::FromCivil(year, month + 1, 1) - 1;
  const int offset = (static_cast<int>(last.weekday()) - static_cast<int>(weekday) + 7) % 7;
  return last - offset;
}

// Easter Sunday of the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus).
Date EasterSunday(int year) {
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return Date::FromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

// NYSE Rule 7.2: a holiday on a Saturday is observed the Friday before, one on a Sunday the
// Monday after.
Date ObservedSatFriSunMon(Date date) {
  switch (date.weekday()) {
    case Weekday::kSaturday:
      return date - 1;
    case Weekday::kSunday:
      return date + 1;
    default:
      return date;
  }
}

// The weekday closures of `year`, unordered. Every one falls inside `year`: the only rule that
// could move a closure into the previous year (New Year's Day on a Saturday) does not apply,
// since the NYSE does not close on the Friday before when that Friday ends a fiscal year.
std::vector<Closure> ComputeClosures(int year, bool with_special) {
  std::vector<Closure> closures;
  closures.reserve(12);
  const Date new_year = Date::FromCivil(year, 1, 1);
  if (new_year.weekday() == Weekday::kSunday) {
    closures.push_back({new_year + 1, kNewYearsDay});
  } else if (new_year.weekday() != Weekday::kSaturday) {
    closures.push_back({new_year, kNewYearsDay});
  }
  if (year >= 1998) {  // The NYSE first closed for Martin Luther King Jr. Day in 1998.
    closures.push_back({NthWeekday(year, 1, Weekday::kMonday, 3), kMartinLutherKingDay});
  }
  closures.push_back({NthWeekday(year, 2, Weekday::kMonday, 3), kWashingtonsBirthday});
  closures.push_back({EasterSunday(year) - 2, kGoodFriday});
  closures.push_back({LastWeekday(year, 5, Weekday::kMonday), kMemorialDay});
  if (year >= 2022) {  // A federal holiday from 2021; the NYSE first closed for it in 2022.
    closures.push_back({ObservedSatFriSunMon(Date::FromCivil(year, 6, 19)), kJuneteenth});
  }
  closures.push_back({ObservedSatFriSunMon(Date::FromCivil(year, 7, 4)), kIndependenceDay});
  closures.push_back({NthWeekday(year, 9, Weekday::kMonday, 1), kLaborDay});
  closures.push_back({NthWeekday(year, 11, Weekday::kThursday, 4), kThanksgiving});
  closures.push_back({ObservedSatFriSunMon(Date::FromCivil(year, 12, 25)), kChristmas});
  if (with_special) {
    for (const SpecialClosure& special : kSpecialClosures) {
      if (special.year == year) {
        closures.push_back({Date::FromCivil(year, special.month, special.day), special.kind});
      }
    }
  }
  return closures;
}

// One entry per day of kFirstTableYear..kLastTableYear. Immutable once built.
class CalendarTable {
 public:
  // `extra` must be sorted by date, without duplicates, on weekdays inside the table's years.
  explicit CalendarTable(std::vector<ExtraClosure> extra = {})
      : first_(Date::FromCivil(kFirstTableYear, 1, 1)),
        end_(Date::FromCivil(kLastTableYear + 1, 1, 1)) {
    const auto num_days = static_cast<size_t>(end_ - first_);
    kinds_.assign(num_days, kTrading);
    sessions_before_.assign(num_days + 1, 0);
    for (size_t i = 0; i < num_days; ++i) {
      if (IsWeekend(first_ + static_cast<int32_t>(i))) kinds_[i] = kWeekend;
    }
    for (int year = kFirstTableYear; year <= kLastTableYear; ++year) {
      for (const Closure& closure : ComputeClosures(year, /*with_special=*/true)) {
        kinds_[Index(closure.date)] = closure.kind;
      }
    }
    // A date that is closed already keeps its built-in name.
    for (ExtraClosure& closure : extra) {
      if (kinds_[Index(closure.date)] != kTrading) continue;
      kinds_[Index(closure.date)] = kExtraClosure;
      extra_.push_back(std::move(closure));
    }
    for (size_t i = 0; i < num_days; ++i) {
      sessions_before_[i + 1] = sessions_before_[i] + (kinds_[i] == kTrading ? 1 : 0);
    }
  }

  bool Contains(Date date) const { return date >= first_ && date < end_; }
  Date first() const { return first_; }
  Date end() const { return end_; }
  // Only for dates with Contains(date).
  uint8_t Kind(Date date) const { return kinds_[Index(date)]; }
  // The number of sessions in [first(), date), for first() <= date <= end().
  int SessionsBefore(Date date) const { return sessions_before_[Index(date)]; }
  // The name of an extra closure; only for dates whose Kind is kExtraClosure.
  std::string_view ExtraName(Date date) const {
    const auto found =
        std::lower_bound(extra_.begin(), extra_.end(), date,
                         [](const ExtraClosure& closure, Date key) { return closure.date < key; });
    if (found == extra_.end() || found->date != date) return {};
    return found->name;
  }

 private:
  size_t Index(Date date) const { return static_cast<size_t>(date - first_); }

  Date first_;
  Date end_;  // Exclusive.
  std::vector<uint8_t> kinds_;
  std::vector<int> sessions_before_;
  std::vector<ExtraClosure> extra_;  // Sorted by date.
};

const CalendarTable& BuiltinTable() {
  static const CalendarTable kTable;  // Thread-safe initialisation (C++11 magic statics).
  return kTable;
}

// The table SetExtraClosures installed; null: the built-in one. Tables are never freed before
// the program ends, so a query that loaded the previous pointer can finish on it while another
// thread installs a new one; installing happens at start-up (and in tests), so they are few.
std::atomic<const CalendarTable*> installed_table{nullptr};

struct InstalledTables {
  std::mutex mutex;
  std::vector<std::unique_ptr<const CalendarTable>> tables;
};

InstalledTables& Installed() {
  static InstalledTables installed;
  return installed;
}

const CalendarTable& Table() {
  const CalendarTable* table = installed_table.load(std::memory_order_acquire);
  return table != nullptr ? *table : BuiltinTable();
}

uint8_t KindOf(const CalendarTable& table, Date date) {
  if (table.Contains(date)) return table.Kind(date);
  if (IsWeekend(date)) return kWeekend;
  for (const Closure& closure : ComputeClosures(date.year(), /*with_special=*/false)) {
    if (closure.date == date) return closure.kind;
  }
  return kTrading;
}

uint8_t KindOf(Date date) { return KindOf(Table(), date); }

// Counts by looking at every day: only used outside the table's years.
int CountDayByDay(Date from, Date to) {
  int count = 0;
  for (Date day = from; day <= to; day = day + 1) count += KindOf(day) == kTrading ? 1 : 0;
  return count;
}

}  // namespace

bool IsTradingDay(Date date) { return KindOf(date) == kTrading; }

Date NextTradingDay(Date date) {
  Date day = date + 1;
  while (!IsTradingDay(day)) day = day + 1;
  return day;
}

Date PreviousTradingDay(Date date) {
  Date day = date - 1;
  while (!IsTradingDay(day)) day = day - 1;
  return day;
}

Date LatestTradingDayOnOrBefore(Date date) {
  return IsTradingDay(date) ? date : PreviousTradingDay(date);
}

std::vector<Date> TradingDays(Date from, Date to) {
  std::vector<Date> days;
  if (from > to) return days;
  days.reserve(static_cast<size_t>(CountTradingDays(from, to)));
  const CalendarTable& table = Table();
  for (Date day = from; day <= to; day = day + 1) {
    const bool trading = table.Contains(day) ? table.Kind(day) == kTrading : IsTradingDay(day);
    if (trading) days.push_back(day);
  }
  return days;
}

int CountTradingDays(Date from, Date to) {
  if (from > to) return 0;
  const CalendarTable& table = Table();
  int count = 0;
  // The parts before and after the table, then the part inside it from the prefix counts.
  if (from < table.first()) {
    const Date before_end = to < table.first() ? to : table.first() - 1;
    count += CountDayByDay(from, before_end);
    from = table.first();
  }
  if (to >= table.end()) {
    const Date after_start = from >= table.end() ? from : table.end();
    count += CountDayByDay(after_start, to);
    to = table.end() - 1;
  }
  if (from <= to) count += table.SessionsBefore(to + 1) - table.SessionsBefore(from);
  return count;
}

std::string_view HolidayName(Date date) {
  const CalendarTable& table = Table();
  const uint8_t kind = KindOf(table, date);
  return kind == kExtraClosure ? table.ExtraName(date) : kHolidayNames[kind];
}

std::vector<Date> Holidays(int year) {
  std::vector<Date> holidays;
  const Date end = Date::FromCivil(year + 1, 1, 1);
  for (Date day = Date::FromCivil(year, 1, 1); day < end; day = day + 1) {
    if (KindOf(day) >= kFirstHoliday) holidays.push_back(day);
  }
  return holidays;
}

namespace {

// Early closes by rule, for a `date` known to be a session. NYSE's history of early closes
// (the same list as exchange_calendars' XNYS): before 1993 the early close was at 14:00, since
// then at 13:00. Of the rules, only December 24 and the day after Thanksgiving (from 1992)
// reach back before 1993, so those are the only 14:00 closes (1990-12-24, 1991-12-24,
// 1992-11-27, 1992-12-24); the July rules start in 1995, when the close was 13:00 already.
bool ClosesEarly(Date date) {
  const int year = date.year();
  const unsigned month = date.month();
  const unsigned day = date.day();
  const Weekday weekday = date.weekday();
  if (month == 7 && day == 3) {
    // Before Independence Day; a July 3 on a Friday is that holiday, observed.
    const bool mon_tue_thu = weekday == Weekday::kMonday || weekday == Weekday::kTuesday ||
                             weekday == Weekday::kThursday;
    return (mon_tue_thu && year >= 1995) || (weekday == Weekday::kWednesday && year >= 2013);
  }
  if (month == 7 && day == 5) {
    // After an Independence Day on a Thursday, until the Wednesday rule replaced it.
    return weekday == Weekday::kFriday && year >= 1995 && year <= 2012;
  }
  if (month == 11 && year >= 1992) return date == NthWeekday(year, 11, Weekday::kThursday, 4) + 1;
  if (month == 12 && day == 24) return true;
  // One-offs: the Fridays after Christmas 1997 and 2003, and the eve of 2000.
  return (year == 1997 && month == 12 && day == 26) || (year == 1999 && month == 12 && day == 31) ||
         (year == 2003 && month == 12 && day == 26);
}

constexpr std::chrono::minutes kEarlyClose = std::chrono::hours(13);
constexpr std::chrono::minutes kEarlyClosePre1993 = std::chrono::hours(14);

// America/New_York from the system's tz database, looked up once. date::locate_zone throws
// when /usr/share/zoneinfo or the zone is missing; the message says what to install.
const date::time_zone& NewYork() {
  static const date::time_zone* const kZone = [] {
    try {
      return date::locate_zone(kTimeZone);
    } catch (const std::exception& error) {
      throw std::runtime_error(fmt::format(
          "time zone {} not found in the system's tz database ({}); install the tzdata package",
          kTimeZone, error.what()));
    }
  }();
  return *kZone;
}

Status InvalidClosure(const ExtraClosure& closure) {
  if (closure.date.year() < kFirstTableYear || closure.date.year() > kLastTableYear) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("closure {}: only dates from {} to {} are supported",
                                     closure.date.ToString(), kFirstTableYear, kLastTableYear));
  }
  if (IsWeekend(closure.date)) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("closure {}: a weekend, which has no session anyway; check the date",
                    closure.date.ToString()));
  }
  if (closure.name.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("closure {}: the name is missing", closure.date.ToString()));
  }
  return Status::Ok();
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

Status CheckTimeZone() {
  try {
    NewYork();
  } catch (const std::exception& error) {
    return Status::Error(ErrorCode::kFailedPrecondition, error.what());
  }
  return Status::Ok();
}

NewYorkTime ToNewYork(std::chrono::sys_seconds instant) {
  const date::local_seconds local = NewYork().to_local(instant);
  const date::local_days day = std::chrono::floor<date::days>(local);
  return {.date = Date::FromDays(day.time_since_epoch().count()), .time_of_day = local - day};
}

std::chrono::sys_seconds FromNewYork(Date date, std::chrono::seconds time_of_day) {
  const date::local_seconds local =
      date::local_days(date::days(date.days_since_epoch())) + time_of_day;
  return NewYork().to_sys(local, date::choose::earliest);
}

std::optional<std::chrono::minutes> EarlyClose(Date date) {
  if (!IsTradingDay(date) || !ClosesEarly(date)) return std::nullopt;
  return date.year() < 1993 ? kEarlyClosePre1993 : kEarlyClose;
}

std::optional<std::chrono::minutes> CloseTimeOfDay(Date date) {
  if (!IsTradingDay(date)) return std::nullopt;
  if (ClosesEarly(date)) return date.year() < 1993 ? kEarlyClosePre1993 : kEarlyClose;
  return kRegularClose;
}

std::optional<std::chrono::sys_seconds> SessionOpen(Date date) {
  if (!IsTradingDay(date)) return std::nullopt;
  return FromNewYork(date, kRegularOpen);
}

std::optional<std::chrono::sys_seconds> SessionClose(Date date) {
  const std::optional<std::chrono::minutes> close = CloseTimeOfDay(date);
  if (!close.has_value()) return std::nullopt;
  return FromNewYork(date, *close);
}

Date LatestClosedSession(std::chrono::sys_seconds now) {
  const NewYorkTime local = ToNewYork(now);
  // Sessions close on their own New York date, so only today's can have closed since midnight.
  const std::optional<std::chrono::minutes> close = CloseTimeOfDay(local.date);
  if (close.has_value() && local.time_of_day >= *close) return local.date;
  return PreviousTradingDay(local.date);
}

Date NextSessionToClose(std::chrono::sys_seconds now) {
  return NextTradingDay(LatestClosedSession(now));
}

ScheduledRun NextScheduledRun(std::chrono::sys_seconds now, std::chrono::minutes time_of_day) {
  Date session = LatestTradingDayOnOrBefore(ToNewYork(now).date);
  while (true) {
    const std::chrono::sys_seconds at = FromNewYork(session, time_of_day);
    if (at > now) return {.session = session, .at = at};
    session = NextTradingDay(session);
  }
}

Result<std::chrono::minutes> ParseTimeOfDay(std::string_view text) {
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() == 5 && digit(0) && digit(1) && text[2] == ':' && digit(3) && digit(4)) {
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours < 24 && minutes < 60) return std::chrono::minutes(hours * 60 + minutes);
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("'{}' is not a time of day HH:MM (00:00 to 23:59)", text));
}

std::string FormatTimeOfDay(std::chrono::minutes time_of_day) {
  return fmt::format("{:02}:{:02}", time_of_day.count() / 60, time_of_day.count() % 60);
}

Result<std::vector<ExtraClosure>> LoadClosuresFile(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("closures file '{}' does not exist", path.string()));
  }
  std::ifstream in(path);
  if (error || !in) {
    return Status::Error(
        ErrorCode::kIoError,
        fmt::format("closures file '{}' cannot be read; check its permissions", path.string()));
  }
  std::vector<ExtraClosure> closures;
  std::vector<int> lines;  // The line of each closure, for duplicates.
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string_view text = line;
    if (const size_t comment = text.find('#'); comment != std::string_view::npos) {
      text = text.substr(0, comment);
    }
    text = Trim(text);
    if (text.empty()) continue;
    const auto bad_line = [&](std::string_view what) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("closures file '{}', line {}: {}; expected 'YYYY-MM-DD  Name'", path.string(),
                      number, what));
    };
    const Result<Date> date = Date::Parse(text.substr(0, 10));
    if (!date.ok()) return bad_line(date.status().message());
    if (text.size() > 10 && !IsBlank(text[10])) {
      return bad_line(fmt::format("'{}' is not a date", text.substr(0, text.find(' '))));
    }
    ExtraClosure closure{.date = *date, .name = std::string(Trim(text.substr(10)))};
    if (const Status invalid = InvalidClosure(closure); !invalid.ok()) {
      return bad_line(invalid.message());
    }
    for (size_t i = 0; i < closures.size(); ++i) {
      if (closures[i].date == closure.date) {
        return bad_line(
            fmt::format("{} is listed on line {} already", closure.date.ToString(), lines[i]));
      }
    }
    closures.push_back(std::move(closure));
    lines.push_back(number);
  }
  if (in.bad()) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("closures file '{}': read error", path.string()));
  }
  return closures;
}

Status SetExtraClosures(std::vector<ExtraClosure> closures) {
  for (const ExtraClosure& closure : closures) TF_RETURN_IF_ERROR(InvalidClosure(closure));
  std::stable_sort(closures.begin(), closures.end(),
                   [](const ExtraClosure& a, const ExtraClosure& b) { return a.date < b.date; });
  // Of a date listed twice, the first name counts.
  closures.erase(
      std::unique(closures.begin(), closures.end(),
                  [](const ExtraClosure& a, const ExtraClosure& b) { return a.date == b.date; }),
      closures.end());
  InstalledTables& installed = Installed();
  const std::lock_guard<std::mutex> lock(installed.mutex);
  if (closures.empty()) {
    installed_table.store(nullptr, std::memory_order_release);
    return Status::Ok();
  }
  installed.tables.push_back(std::make_unique<const CalendarTable>(std::move(closures)));
  installed_table.store(installed.tables.back().get(), std::memory_order_release);
  return Status::Ok();
}

}  // namespace tickerflow::market
