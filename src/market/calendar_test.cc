#include "market/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace tickerflow::market {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

// The NYSE's published holiday schedules.
TEST(CalendarTest, Holidays2024) {
  EXPECT_THAT(
      Holidays(2024),
      ElementsAre(D(2024, 1, 1), D(2024, 1, 15), D(2024, 2, 19), D(2024, 3, 29), D(2024, 5, 27),
                  D(2024, 6, 19), D(2024, 7, 4), D(2024, 9, 2), D(2024, 11, 28), D(2024, 12, 25)));
}

TEST(CalendarTest, Holidays2023NewYearOnSundayIsObservedMonday) {
  EXPECT_THAT(
      Holidays(2023),
      ElementsAre(D(2023, 1, 2), D(2023, 1, 16), D(2023, 2, 20), D(2023, 4, 7), D(2023, 5, 29),
                  D(2023, 6, 19), D(2023, 7, 4), D(2023, 9, 4), D(2023, 11, 23), D(2023, 12, 25)));
}

TEST(CalendarTest, Holidays2022NewYearOnSaturdayIsNotObserved) {
  // 2022-01-01 is a Saturday: the NYSE stays open on Friday 2021-12-31.
  EXPECT_THAT(Holidays(2022), ElementsAre(D(2022, 1, 17), D(2022, 2, 21), D(2022, 4, 15),
                                          D(2022, 5, 30), D(2022, 6, 20), D(2022, 7, 4),
                                          D(2022, 9, 5), D(2022, 11, 24), D(2022, 12, 26)));
  EXPECT_TRUE(IsTradingDay(D(2021, 12, 31)));
}

TEST(CalendarTest, Holidays2021) {
  // July 4 on a Sunday (observed Monday), Christmas on a Saturday (observed Friday), and no
  // Juneteenth closure yet.
  EXPECT_THAT(Holidays(2021), ElementsAre(D(2021, 1, 1), D(2021, 1, 18), D(2021, 2, 15),
                                          D(2021, 4, 2), D(2021, 5, 31), D(2021, 7, 5),
                                          D(2021, 9, 6), D(2021, 11, 25), D(2021, 12, 24)));
  EXPECT_TRUE(IsTradingDay(D(2021, 6, 18)));
}

TEST(CalendarTest, Holidays2025IncludeCarterMourning) {
  EXPECT_THAT(Holidays(2025),
              ElementsAre(D(2025, 1, 1), D(2025, 1, 9), D(2025, 1, 20), D(2025, 2, 17),
                          D(2025, 4, 18), D(2025, 5, 26), D(2025, 6, 19), D(2025, 7, 4),
                          D(2025, 9, 1), D(2025, 11, 27), D(2025, 12, 25)));
}

TEST(CalendarTest, Holidays2027SaturdayHolidaysMoveToFriday) {
  // Juneteenth and Christmas fall on Saturdays, Independence Day on a Sunday.
  EXPECT_THAT(
      Holidays(2027),
      ElementsAre(D(2027, 1, 1), D(2027, 1, 18), D(2027, 2, 15), D(2027, 3, 26), D(2027, 5, 31),
                  D(2027, 6, 18), D(2027, 7, 5), D(2027, 9, 6), D(2027, 11, 25), D(2027, 12, 24)));
}

TEST(CalendarTest, TradingDaysPerYear) {
  struct YearCount {
    int year;
    int sessions;
  };
  // 2001: September 11-14; 2012: Hurricane Sandy; 2018: Bush; 2025: Carter.
  for (const YearCount expected :
       {YearCount{2001, 248}, YearCount{2012, 250}, YearCount{2018, 251}, YearCount{2019, 252},
        YearCount{2020, 253}, YearCount{2021, 252}, YearCount{2022, 251}, YearCount{2023, 250},
        YearCount{2024, 252}, YearCount{2025, 250}}) {
    const Date from = D(expected.year, 1, 1);
    const Date to = D(expected.year, 12, 31);
    EXPECT_EQ(CountTradingDays(from, to), expected.sessions) << expected.year;
    EXPECT_EQ(TradingDays(from, to).size(), static_cast<size_t>(expected.sessions))
        << expected.year;
  }
}

TEST(CalendarTest, MartinLutherKingDayFrom1998) {
  EXPECT_TRUE(IsTradingDay(D(1997, 1, 20)));  // Third Monday of January 1997.
  EXPECT_FALSE(IsTradingDay(D(1998, 1, 19)));
  EXPECT_EQ(HolidayName(D(1998, 1, 19)), "Martin Luther King Jr. Day");
}

TEST(CalendarTest, GoodFridayFollowsEaster) {
  // Two days before Easter Sunday (dateutil.easter for these years).
  for (const Date good_friday :
       {D(1990, 4, 13), D(1995, 4, 14), D(2000, 4, 21), D(2008, 3, 21), D(2011, 4, 22),
        D(2016, 3, 25), D(2019, 4, 19), D(2038, 4, 23), D(2057, 4, 20), D(2099, 4, 10)}) {
    EXPECT_FALSE(IsTradingDay(good_friday)) << good_friday.ToString();
    EXPECT_EQ(HolidayName(good_friday), "Good Friday") << good_friday.ToString();
    EXPECT_TRUE(IsTradingDay(good_friday - 1)) << good_friday.ToString();
  }
}

TEST(CalendarTest, SpecialClosures) {
  for (const Date closed : {D(1994, 4, 27), D(2001, 9, 11), D(2001, 9, 12), D(2001, 9, 13),
                            D(2001, 9, 14), D(2004, 6, 11), D(2007, 1, 2), D(2012, 10, 29),
                            D(2012, 10, 30), D(2018, 12, 5), D(2025, 1, 9)}) {
    EXPECT_FALSE(IsTradingDay(closed)) << closed.ToString();
    EXPECT_FALSE(HolidayName(closed).empty()) << closed.ToString();
  }
  EXPECT_EQ(HolidayName(D(2012, 10, 29)), "Hurricane Sandy");
  EXPECT_EQ(NextTradingDay(D(2001, 9, 10)), D(2001, 9, 17));
  EXPECT_EQ(NextTradingDay(D(2012, 10, 26)), D(2012, 10, 31));
}

TEST(CalendarTest, HolidayNames) {
  EXPECT_EQ(HolidayName(D(2024, 3, 29)), "Good Friday");
  EXPECT_EQ(HolidayName(D(2022, 12, 26)), "Christmas Day");
  EXPECT_EQ(HolidayName(D(2022, 6, 20)), "Juneteenth National Independence Day");
  EXPECT_EQ(HolidayName(D(2024, 11, 28)), "Thanksgiving Day");
  EXPECT_EQ(HolidayName(D(2024, 3, 28)), "");   // A trading day.
  EXPECT_EQ(HolidayName(D(2022, 1, 1)), "");    // A Saturday, not observed.
  EXPECT_EQ(HolidayName(D(2022, 12, 25)), "");  // A Sunday; observed on the Monday.
}

TEST(CalendarTest, NextAndPreviousAreStrict) {
  EXPECT_EQ(NextTradingDay(D(2024, 3, 28)), D(2024, 4, 1));       // Over Good Friday.
  EXPECT_EQ(NextTradingDay(D(2024, 4, 1)), D(2024, 4, 2));        // A trading day: the next.
  EXPECT_EQ(PreviousTradingDay(D(2024, 1, 2)), D(2023, 12, 29));  // Over New Year.
  EXPECT_EQ(PreviousTradingDay(D(2024, 1, 3)), D(2024, 1, 2));
  EXPECT_EQ(NextTradingDay(D(2023, 12, 29)), D(2024, 1, 2));
}

TEST(CalendarTest, LatestTradingDayOnOrBefore) {
  EXPECT_EQ(LatestTradingDayOnOrBefore(D(2024, 6, 3)), D(2024, 6, 3));    // Monday.
  EXPECT_EQ(LatestTradingDayOnOrBefore(D(2024, 6, 2)), D(2024, 5, 31));   // Sunday.
  EXPECT_EQ(LatestTradingDayOnOrBefore(D(2024, 5, 27)), D(2024, 5, 24));  // Memorial Day.
}

TEST(CalendarTest, TradingDaysAgreeWithIsTradingDayOverTheWholeTable) {
  const Date from = D(kFirstTableYear, 1, 1);
  const Date to = D(kLastTableYear, 12, 31);
  const std::vector<Date> days = TradingDays(from, to);
  size_t next = 0;
  for (Date day = from; day <= to; day = day + 1) {
    const bool listed = next < days.size() && days[next] == day;
    ASSERT_EQ(IsTradingDay(day), listed) << day.ToString();
    if (listed) {
      ++next;
      ASSERT_NE(day.weekday(), Weekday::kSaturday);
      ASSERT_NE(day.weekday(), Weekday::kSunday);
      ASSERT_EQ(HolidayName(day), "");
    }
  }
  EXPECT_EQ(next, days.size());
  EXPECT_EQ(CountTradingDays(from, to), static_cast<int>(days.size()));
  // Roughly 252 sessions a year.
  EXPECT_GT(days.size(), 110u * 248u);
  EXPECT_LT(days.size(), 110u * 254u);
  for (size_t i = 1; i < days.size(); i += 97) {
    EXPECT_EQ(NextTradingDay(days[i - 1]), days[i]);
    EXPECT_EQ(PreviousTradingDay(days[i]), days[i - 1]);
  }
}

TEST(CalendarTest, EmptyAndReversedRanges) {
  EXPECT_THAT(TradingDays(D(2024, 6, 3), D(2024, 6, 2)), IsEmpty());
  EXPECT_EQ(CountTradingDays(D(2024, 6, 3), D(2024, 6, 2)), 0);
  EXPECT_THAT(TradingDays(D(2024, 6, 1), D(2024, 6, 2)), IsEmpty());  // A weekend.
  EXPECT_THAT(TradingDays(D(2024, 6, 3), D(2024, 6, 3)), ElementsAre(D(2024, 6, 3)));
}

TEST(CalendarTest, RulesApplyOutsideTheTable) {
  // 2100-01-01 is a Friday, New Year's Day; Christmas 2100 is a Saturday.
  EXPECT_EQ(NextTradingDay(D(2099, 12, 31)), D(2100, 1, 4));
  EXPECT_FALSE(IsTradingDay(D(2100, 12, 24)));
  EXPECT_EQ(HolidayName(D(2100, 12, 24)), "Christmas Day");
  EXPECT_FALSE(IsTradingDay(D(1989, 12, 25)));
  EXPECT_EQ(PreviousTradingDay(D(1990, 1, 2)), D(1989, 12, 29));
  // Counts across both edges of the table add up.
  EXPECT_EQ(CountTradingDays(D(1989, 1, 1), D(2100, 12, 31)),
            CountTradingDays(D(1989, 1, 1), D(1989, 12, 31)) +
                CountTradingDays(D(1990, 1, 1), D(2099, 12, 31)) +
                CountTradingDays(D(2100, 1, 1), D(2100, 12, 31)));
  EXPECT_EQ(TradingDays(D(1989, 12, 20), D(1990, 1, 10)).size(),
            static_cast<size_t>(CountTradingDays(D(1989, 12, 20), D(1990, 1, 10))));
  EXPECT_EQ(Holidays(2100).size(), 10u);
}

}  // namespace
}  // namespace tickerflow::market
