#include "market/calendar.h"

#include <array>
#include <cstdint>

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

// One entry per day of kFirstTableYear..kLastTableYear.
class CalendarTable {
 public:
  CalendarTable()
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

 private:
  size_t Index(Date date) const { return static_cast<size_t>(date - first_); }

  Date first_;
  Date end_;  // Exclusive.
  std::vector<uint8_t> kinds_;
  std::vector<int> sessions_before_;
};

const CalendarTable& Table() {
  static const CalendarTable kTable;  // Thread-safe initialisation (C++11 magic statics).
  return kTable;
}

uint8_t KindOf(Date date) {
  const CalendarTable& table = Table();
  if (table.Contains(date)) return table.Kind(date);
  if (IsWeekend(date)) return kWeekend;
  for (const Closure& closure : ComputeClosures(date.year(), /*with_special=*/false)) {
    if (closure.date == date) return closure.kind;
  }
  return kTrading;
}

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

std::string_view HolidayName(Date date) { return kHolidayNames[KindOf(date)]; }

std::vector<Date> Holidays(int year) {
  std::vector<Date> holidays;
  const Date end = Date::FromCivil(year + 1, 1, 1);
  for (Date day = Date::FromCivil(year, 1, 1); day < end; day = day + 1) {
    if (KindOf(day) >= kFirstHoliday) holidays.push_back(day);
  }
  return holidays;
}

}  // namespace tickerflow::market
