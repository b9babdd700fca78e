#include "market/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickerflow::market {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

// An instant written in UTC.
sys_seconds Utc(int year, unsigned month, unsigned day, int hour, int minute, int second = 0) {
  return std::chrono::sys_days(std::chrono::days(D(year, month, day).days_since_epoch())) +
         hours(hour) + minutes(minute) + seconds(second);
}

// A New York time of day.
minutes Ny(int hour, int minute) { return hours(hour) + minutes(minute); }

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

// The facts of the issue that asked for session times and early closes.
TEST(CalendarTest, FactsFromTheIssue) {
  EXPECT_TRUE(IsTradingDay(D(2021, 12, 31)));  // New Year 2022 is a Saturday: not observed.
  EXPECT_FALSE(IsTradingDay(D(2022, 6, 20)));  // Juneteenth (a Sunday), observed Monday.
  EXPECT_FALSE(IsTradingDay(D(2026, 7, 3)));   // Independence Day (a Saturday), observed Friday.
  EXPECT_EQ(HolidayName(D(2026, 7, 3)), "Independence Day");
  EXPECT_EQ(EarlyClose(D(2013, 7, 3)), Ny(13, 0));
  EXPECT_EQ(EarlyClose(D(2024, 11, 29)), Ny(13, 0));
  EXPECT_EQ(SessionClose(D(2013, 7, 3)), Utc(2013, 7, 3, 17, 0));      // EDT.
  EXPECT_EQ(SessionClose(D(2024, 11, 29)), Utc(2024, 11, 29, 18, 0));  // EST.
}

// Every early-close rule on both sides of the year it starts or ends.
TEST(CalendarTest, EarlyCloseRulesAtTheirBoundaryYears) {
  struct Case {
    Date date;
    std::optional<minutes> close;
    std::string_view why;
  };
  const std::optional<minutes> none;
  const Case cases[] = {
      // July 3 on a Monday, Tuesday or Thursday, from 1995.
      {D(1990, 7, 3), none, "Tuesday July 3 before 1995"},
      {D(1995, 7, 3), Ny(13, 0), "Monday July 3, 1995"},
      {D(2018, 7, 3), Ny(13, 0), "Tuesday July 3"},
      {D(2025, 7, 3), Ny(13, 0), "Thursday July 3"},
      // July 3 on a Wednesday, from 2013.
      {D(2002, 7, 3), none, "Wednesday July 3 before 2013"},
      {D(2013, 7, 3), Ny(13, 0), "Wednesday July 3, 2013"},
      {D(2024, 7, 3), Ny(13, 0), "Wednesday July 3, 2024"},
      // July 5 on a Friday, 1995 to 2012.
      {D(1991, 7, 5), none, "Friday July 5 before 1995"},
      {D(1996, 7, 5), Ny(13, 0), "Friday July 5, 1996"},
      {D(2002, 7, 5), Ny(13, 0), "Friday July 5, 2002"},
      {D(2013, 7, 5), none, "Friday July 5 after 2012"},
      {D(2019, 7, 5), none, "Friday July 5, 2019"},
      // The day after Thanksgiving, from 1992; 14:00 before 1993.
      {D(1991, 11, 29), none, "day after Thanksgiving 1991"},
      {D(1992, 11, 27), Ny(14, 0), "day after Thanksgiving 1992"},
      {D(1993, 11, 26), Ny(13, 0), "day after Thanksgiving 1993"},
      // December 24 when it is a session; 14:00 before 1993.
      {D(1990, 12, 24), Ny(14, 0), "Christmas Eve 1990"},
      {D(1992, 12, 24), Ny(14, 0), "Christmas Eve 1992"},
      {D(1993, 12, 24), none, "Christmas Eve 1993: Christmas observed"},
      {D(1996, 12, 24), Ny(13, 0), "Christmas Eve 1996"},
      {D(2021, 12, 24), none, "Christmas Eve 2021: Christmas observed"},
      {D(2022, 12, 24), none, "Christmas Eve 2022: a Saturday"},
      {D(2024, 12, 24), Ny(13, 0), "Christmas Eve 2024"},
      // One-offs, and a Friday after Christmas that was a regular day.
      {D(1997, 12, 26), Ny(13, 0), "1997-12-26"},
      {D(1999, 12, 31), Ny(13, 0), "1999-12-31"},
      {D(2003, 12, 26), Ny(13, 0), "2003-12-26"},
      {D(2008, 12, 26), none, "2008-12-26"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    EXPECT_EQ(EarlyClose(c.date), c.close) << c.date.ToString();
    if (IsTradingDay(c.date)) {
      EXPECT_EQ(CloseTimeOfDay(c.date), c.close.value_or(kRegularClose)) << c.date.ToString();
    } else {
      EXPECT_EQ(CloseTimeOfDay(c.date), none);
    }
  }
  EXPECT_EQ(CloseTimeOfDay(D(2024, 6, 4)), kRegularClose);
  EXPECT_EQ(EarlyClose(D(2024, 6, 4)), none);
}

TEST(CalendarTest, EarlyClosesPerYear) {
  const auto count = [](int year) {
    int early = 0;
    for (const Date day : TradingDays(D(year, 1, 1), D(year, 12, 31))) {
      early += EarlyClose(day).has_value() ? 1 : 0;
    }
    return early;
  };
  EXPECT_EQ(count(2024), 3);  // July 3, November 29, December 24.
  EXPECT_EQ(count(2021), 1);  // November 26 only: July 3 a Saturday, December 24 a holiday.
  EXPECT_EQ(count(1999), 2);  // November 26 and December 31 (December 24 is Christmas, observed).
  EXPECT_EQ(count(1991), 1);  // December 24 only.
}

TEST(CalendarTest, SessionTimesFollowDaylightSavingTime) {
  // 2024: EDT from March 10, EST again from November 3.
  EXPECT_EQ(SessionOpen(D(2024, 3, 8)), Utc(2024, 3, 8, 14, 30));
  EXPECT_EQ(SessionClose(D(2024, 3, 8)), Utc(2024, 3, 8, 21, 0));
  EXPECT_EQ(SessionOpen(D(2024, 3, 11)), Utc(2024, 3, 11, 13, 30));
  EXPECT_EQ(SessionClose(D(2024, 3, 11)), Utc(2024, 3, 11, 20, 0));
  EXPECT_EQ(SessionOpen(D(2024, 11, 1)), Utc(2024, 11, 1, 13, 30));
  EXPECT_EQ(SessionClose(D(2024, 11, 1)), Utc(2024, 11, 1, 20, 0));
  EXPECT_EQ(SessionOpen(D(2024, 11, 4)), Utc(2024, 11, 4, 14, 30));
  EXPECT_EQ(SessionClose(D(2024, 11, 4)), Utc(2024, 11, 4, 21, 0));
  // Before 2007 DST began on the first Sunday of April (2006-04-02).
  EXPECT_EQ(SessionOpen(D(2006, 3, 31)), Utc(2006, 3, 31, 14, 30));
  EXPECT_EQ(SessionOpen(D(2006, 4, 3)), Utc(2006, 4, 3, 13, 30));
  EXPECT_EQ(SessionClose(D(1992, 11, 27)), Utc(1992, 11, 27, 19, 0));  // 14:00 EST.
  // Days without a session have no times.
  EXPECT_EQ(SessionOpen(D(2024, 3, 9)), std::nullopt);
  EXPECT_EQ(SessionClose(D(2024, 3, 29)), std::nullopt);
}

TEST(CalendarTest, NewYorkConversionsAroundTheClockChanges) {
  const NewYorkTime before = ToNewYork(Utc(2024, 3, 10, 6, 59, 59));
  EXPECT_EQ(before.date, D(2024, 3, 10));
  EXPECT_EQ(before.time_of_day, hours(1) + minutes(59) + seconds(59));
  EXPECT_EQ(ToNewYork(Utc(2024, 3, 10, 7, 0)).time_of_day, hours(3));
  // The New York date lags the UTC date in the evening.
  EXPECT_EQ(ToNewYork(Utc(2024, 6, 5, 2, 0)).date, D(2024, 6, 4));
  // A skipped time is the instant of the change; a repeated one its first occurrence.
  EXPECT_EQ(FromNewYork(D(2024, 3, 10), hours(2) + minutes(30)), Utc(2024, 3, 10, 7, 0));
  EXPECT_EQ(FromNewYork(D(2024, 11, 3), hours(1) + minutes(30)), Utc(2024, 11, 3, 5, 30));
  EXPECT_EQ(FromNewYork(D(2024, 11, 3), hours(3)), Utc(2024, 11, 3, 8, 0));
  EXPECT_TRUE(CheckTimeZone().ok());
}

TEST(CalendarTest, LatestClosedSessionAroundTheClose) {
  // Tuesday 2024-06-04, a regular session (EDT: 16:00 is 20:00Z).
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 4, 19, 59, 59)), D(2024, 6, 3));
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 4, 20, 0, 0)), D(2024, 6, 4));
  // Still June 4 in New York when it is June 5 in UTC.
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 5, 3, 0)), D(2024, 6, 4));
  // In winter (EST) 16:00 is 21:00Z.
  EXPECT_EQ(LatestClosedSession(Utc(2024, 12, 3, 20, 59, 59)), D(2024, 12, 2));
  EXPECT_EQ(LatestClosedSession(Utc(2024, 12, 3, 21, 0)), D(2024, 12, 3));
  // An early close: Friday 2024-11-29 closes at 13:00 EST (18:00Z); Thanksgiving before it.
  EXPECT_EQ(LatestClosedSession(Utc(2024, 11, 29, 17, 59, 59)), D(2024, 11, 27));
  EXPECT_EQ(LatestClosedSession(Utc(2024, 11, 29, 18, 0)), D(2024, 11, 29));
  // A weekend and a holiday: the session before.
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 8, 16, 0)), D(2024, 6, 7));
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 9, 23, 0)), D(2024, 6, 7));
  EXPECT_EQ(LatestClosedSession(Utc(2024, 7, 4, 22, 0)), D(2024, 7, 3));    // After an early close.
  EXPECT_EQ(LatestClosedSession(Utc(2024, 3, 29, 21, 0)), D(2024, 3, 28));  // Good Friday.
}

TEST(CalendarTest, NextSessionToClose) {
  EXPECT_EQ(NextSessionToClose(Utc(2024, 6, 4, 12, 0)), D(2024, 6, 4));  // Before the open.
  EXPECT_EQ(NextSessionToClose(Utc(2024, 6, 4, 19, 59, 59)), D(2024, 6, 4));
  EXPECT_EQ(NextSessionToClose(Utc(2024, 6, 4, 20, 0)), D(2024, 6, 5));
  EXPECT_EQ(NextSessionToClose(Utc(2024, 6, 8, 12, 0)), D(2024, 6, 10));  // Saturday.
  EXPECT_EQ(NextSessionToClose(Utc(2024, 3, 28, 21, 0)), D(2024, 4, 1));  // Good Friday.
}

TEST(CalendarTest, NextScheduledRun) {
  // 17:30 New York: 21:30Z in summer.
  ScheduledRun run = NextScheduledRun(Utc(2024, 6, 4, 21, 29, 59), kDefaultRunTime);
  EXPECT_EQ(run.session, D(2024, 6, 4));
  EXPECT_EQ(run.at, Utc(2024, 6, 4, 21, 30));
  run = NextScheduledRun(Utc(2024, 6, 4, 21, 30), kDefaultRunTime);  // Strictly after now.
  EXPECT_EQ(run.session, D(2024, 6, 5));
  EXPECT_EQ(run.at, Utc(2024, 6, 5, 21, 30));
  run = NextScheduledRun(Utc(2024, 6, 7, 22, 0), kDefaultRunTime);  // Friday evening.
  EXPECT_EQ(run.session, D(2024, 6, 10));
  // Over the spring clock change: 22:30Z on Friday (EST), 21:30Z on Monday (EDT).
  EXPECT_EQ(NextScheduledRun(Utc(2024, 3, 8, 12, 0), kDefaultRunTime).at, Utc(2024, 3, 8, 22, 30));
  run = NextScheduledRun(Utc(2024, 3, 8, 22, 30), kDefaultRunTime);
  EXPECT_EQ(run.session, D(2024, 3, 11));
  EXPECT_EQ(run.at, Utc(2024, 3, 11, 21, 30));
  // Holidays have no run; another time of day.
  run = NextScheduledRun(Utc(2024, 3, 28, 23, 0), Ny(6, 0));
  EXPECT_EQ(run.session, D(2024, 4, 1));
  EXPECT_EQ(run.at, Utc(2024, 4, 1, 10, 0));
}

TEST(CalendarTest, TimesOfDay) {
  EXPECT_EQ(ParseTimeOfDay("17:30").value(), Ny(17, 30));
  EXPECT_EQ(ParseTimeOfDay("00:00").value(), minutes(0));
  EXPECT_EQ(ParseTimeOfDay("23:59").value(), Ny(23, 59));
  for (const std::string_view bad : {"24:00", "12:60", "7:30", "07:3", "0730", "", "ab:cd"}) {
    const Result<minutes> parsed = ParseTimeOfDay(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(FormatTimeOfDay(Ny(9, 30)), "09:30");
  EXPECT_EQ(FormatTimeOfDay(Ny(16, 0)), "16:00");
}

// Closures from a file. The fixture restores the built-in calendar after each test.
class ClosuresFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("calendar_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    EXPECT_TRUE(SetExtraClosures({}).ok());
    fs::remove_all(dir_);
  }

  fs::path Write(std::string_view text) {
    fs::path path = dir_ / "closures.txt";
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }

  fs::path dir_;
};

TEST_F(ClosuresFileTest, AGoodFileAddsClosures) {
  const fs::path path = Write(
      "# Closures announced after the release.\n"
      "\n"
      "2024-06-05  Test closure one   # trailing comment\n"
      "   2030-01-15\tTest closure two\r\n"
      "2025-01-09  Also built in\n");
  Result<std::vector<ExtraClosure>> closures = LoadClosuresFile(path);
  ASSERT_TRUE(closures.ok()) << closures.status().ToString();
  ASSERT_EQ(closures->size(), 3u);
  EXPECT_EQ((*closures)[0].date, D(2024, 6, 5));
  EXPECT_EQ((*closures)[0].name, "Test closure one");
  EXPECT_EQ((*closures)[1].date, D(2030, 1, 15));
  EXPECT_EQ((*closures)[1].name, "Test closure two");

  const int sessions_2024 = CountTradingDays(D(2024, 1, 1), D(2024, 12, 31));
  ASSERT_TRUE(IsTradingDay(D(2024, 6, 5)));
  ASSERT_TRUE(SetExtraClosures(std::move(closures).value()).ok());
  EXPECT_FALSE(IsTradingDay(D(2024, 6, 5)));
  EXPECT_FALSE(IsTradingDay(D(2030, 1, 15)));
  EXPECT_EQ(HolidayName(D(2024, 6, 5)), "Test closure one");
  EXPECT_EQ(HolidayName(D(2025, 1, 9)), "National Day of Mourning for President Jimmy Carter");
  EXPECT_EQ(NextTradingDay(D(2024, 6, 4)), D(2024, 6, 6));
  EXPECT_EQ(CountTradingDays(D(2024, 1, 1), D(2024, 12, 31)), sessions_2024 - 1);
  EXPECT_EQ(TradingDays(D(2024, 6, 3), D(2024, 6, 7)).size(), 4u);
  EXPECT_THAT(Holidays(2024), ::testing::Contains(D(2024, 6, 5)));
  EXPECT_EQ(SessionOpen(D(2024, 6, 5)), std::nullopt);
  EXPECT_EQ(LatestClosedSession(Utc(2024, 6, 5, 22, 0)), D(2024, 6, 4));

  // An empty list restores the built-in calendar.
  ASSERT_TRUE(SetExtraClosures({}).ok());
  EXPECT_TRUE(IsTradingDay(D(2024, 6, 5)));
  EXPECT_EQ(CountTradingDays(D(2024, 1, 1), D(2024, 12, 31)), sessions_2024);
}

TEST_F(ClosuresFileTest, BadLinesNameTheFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"# ok\n2024-13-01  Bad month\n", "line 2"},
      {"2024-06-05\n", "line 1"},      // No name.
      {"2024-06-05Name\n", "line 1"},  // No blank after the date.
      {"\n\n06/05/2024  US format\n", "line 3"},
      {"2024-06-08  A Saturday\n", "line 1"},
      {"1989-06-05  Before the table\n", "line 1"},
      {"2024-06-05  One\n2024-06-05  Two\n", "line 2"},  // Listed twice.
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<std::vector<ExtraClosure>> closures = LoadClosuresFile(Write(c.text));
    ASSERT_FALSE(closures.ok());
    EXPECT_EQ(closures.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(closures.status().message(), HasSubstr("closures.txt"));
    EXPECT_THAT(closures.status().message(), HasSubstr(c.expected));
  }
}

TEST_F(ClosuresFileTest, AMissingFileIsNotFound) {
  const Result<std::vector<ExtraClosure>> closures = LoadClosuresFile(dir_ / "nope.txt");
  ASSERT_FALSE(closures.ok());
  EXPECT_EQ(closures.status().code(), ErrorCode::kNotFound);
  EXPECT_THAT(closures.status().message(), HasSubstr("nope.txt"));
}

TEST_F(ClosuresFileTest, SetExtraClosuresRejectsWeekendsAndChangesNothing) {
  const Status status = SetExtraClosures(
      {{.date = D(2024, 6, 5), .name = "ok"}, {.date = D(2024, 6, 8), .name = "x"}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(IsTradingDay(D(2024, 6, 5)));
}

}  // namespace
}  // namespace tickerflow::market
