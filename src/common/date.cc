#include "common/date.h"

#include <fmt/format.h>

#include <array>

namespace tickerflow {
namespace {

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms), exact for
// every proleptic-Gregorian date representable here.
int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int>(doe) - 719468);
}

Civil CivilFromDays(int32_t days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{y + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Parses `count` ASCII digits at `text[pos]`; -1 when any is not a digit.
int ParseDigits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Date Date::FromCivil(int year, unsigned month, unsigned day) {
  return Date(DaysFromCivil(year, month, day));
}

Result<Date> Date::Parse(std::string_view text) {
  auto invalid = [&] {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("'{}' is not a date of the form YYYY-MM-DD", text));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return invalid();
  const int year = ParseDigits(text, 0, 4);
  const int month = ParseDigits(text, 5, 2);
  const int day = ParseDigits(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return invalid();
  if (static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month))) {
    return invalid();
  }
  return FromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

int Date::year() const { return CivilFromDays(days_).year; }
unsigned Date::month() const { return CivilFromDays(days_).month; }
unsigned Date::day() const { return CivilFromDays(days_).day; }

Weekday Date::weekday() const {
  // 1970-01-01 was a Thursday (ISO 4).
  const int offset = ((days_ % 7) + 7 + 3) % 7;  // 0 = Monday
  return static_cast<Weekday>(offset + 1);
}

std::string Date::ToString() const {
  const Civil civil = CivilFromDays(days_);
  return fmt::format("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day);
}

}  // namespace tickerflow
