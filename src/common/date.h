// Calendar dates as days since 1970-01-01, the representation of DuckDB's and Parquet's DATE.
//
//   TF_ASSIGN_OR_RETURN(Date d, Date::Parse("2024-02-29"));
//   d.ToString();            // "2024-02-29"
//   (d + 1).weekday();       // Weekday::kFriday
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tickerflow {

/// Day of the week, ISO numbering (Monday = 1).
enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

/// A proleptic-Gregorian calendar date without time zone.
class Date {
 public:
  /// 1970-01-01.
  constexpr Date() = default;

  /// The date `days` after 1970-01-01 (negative: before).
  static constexpr Date FromDays(int32_t days) { return Date(days); }

  /// The date of a civil year/month/day; `month` 1..12, `day` 1..days in month. Invalid
  /// combinations are the caller's bug; use Parse for input from outside.
  static Date FromCivil(int year, unsigned month, unsigned day);

  /// Parses exactly "YYYY-MM-DD" (years 0001..9999). Anything else, including a valid-looking
  /// but impossible date such as 2023-02-29, is kInvalidArgument.
  static Result<Date> Parse(std::string_view text);

  constexpr int32_t days_since_epoch() const { return days_; }
  int year() const;
  unsigned month() const;
  unsigned day() const;
  Weekday weekday() const;

  /// "YYYY-MM-DD".
  std::string ToString() const;

  constexpr Date operator+(int32_t days) const { return Date(days_ + days); }
  constexpr Date operator-(int32_t days) const { return Date(days_ - days); }
  constexpr int32_t operator-(Date other) const { return days_ - other.days_; }
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>.
  constexpr auto operator<=>(const Date&) const = default;

 private:
  explicit constexpr Date(int32_t days) : days_(days) {}

  int32_t days_ = 0;
};

}  // namespace tickerflow
