#include "common/date.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace tickerflow {
namespace {

TEST(DateTest, EpochIsThursdayFirstOfJanuary1970) {
  const Date epoch;
  EXPECT_EQ(epoch.ToString(), "1970-01-01");
  EXPECT_EQ(epoch.weekday(), Weekday::kThursday);
}

TEST(DateTest, ParsesAndFormatsKnownDates) {
  const Result<Date> leap = Date::Parse("2024-02-29");
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->days_since_epoch(), 19782);
  EXPECT_EQ(leap->year(), 2024);
  EXPECT_EQ(leap->month(), 2U);
  EXPECT_EQ(leap->day(), 29U);
  EXPECT_EQ(leap->weekday(), Weekday::kThursday);
  EXPECT_EQ((*leap + 1).ToString(), "2024-03-01");
  EXPECT_EQ(Date::FromDays(-1).ToString(), "1969-12-31");
  EXPECT_EQ(Date::FromDays(-1).weekday(), Weekday::kWednesday);
}

TEST(DateTest, RejectsMalformedAndImpossibleDates) {
  for (const char* text :
       {"", "2024-2-29", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-01-32",
        "2024/01/02", "20240102", "0000-01-01", "2024-01-02 ", "abcd-ef-gh"}) {
    const Result<Date> parsed = Date::Parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_TRUE(Date::Parse("2000-02-29").ok());
}

RC_GTEST_PROP(DateProperty, FormatThenParseIsIdentity, ()) {
  // Years 0001..9999, the range Parse accepts.
  const int32_t days = *rc::gen::inRange(-719162, 2932897);
  const Date date = Date::FromDays(days);
  const Result<Date> parsed = Date::Parse(date.ToString());
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed->days_since_epoch() == days);
  RC_ASSERT(Date::FromCivil(date.year(), date.month(), date.day()) == date);
}

}  // namespace
}  // namespace tickerflow
