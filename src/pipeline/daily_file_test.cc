#include "pipeline/daily_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "indicators/indicators.h"

namespace tickerflow::pipeline {
namespace {

using sources::Bar;

Bar MakeBar(Date date, double close, int64_t volume = 1000) {
  return Bar{.date = date,
             .open = close,
             .high = close + 1,
             .low = close - 1,
             .close = close,
             .adj_close = close,
             .volume = volume,
             .vwap = std::nullopt};
}

Date Day(int offset) { return Date::FromCivil(2024, 1, 1) + offset; }

DailyPrices Prices(std::initializer_list<std::pair<int, double>> rows) {
  DailyPrices prices;
  for (const auto& [day, close] : rows) prices.Append(MakeBar(Day(day), close));
  return prices;
}

TEST(DailyColumnNamesTest, FollowTheDesignOrder) {
  const std::vector<std::string>& names = DailyColumnNames();
  ASSERT_EQ(names.size(), 11u + indicators::kIndicatorCount);
  EXPECT_EQ(names[0], "symbol");
  EXPECT_EQ(names[1], "date");
  EXPECT_EQ(names[6], "adj_close");
  EXPECT_EQ(names[7], "volume");
  EXPECT_EQ(names[10], "change_percent");
  EXPECT_EQ(names[11], "bb_bbm");
  EXPECT_EQ(names.back(), "stoch_under");
}

TEST(CheckBarsTest, DropsImplausibleBarsAndCountsThem) {
  std::vector<Bar> bars = {MakeBar(Day(2), 10), MakeBar(Day(0), 10), MakeBar(Day(1), -5)};
  Bar inverted = MakeBar(Day(3), 10);
  inverted.low = 11;  // above the close
  bars.push_back(inverted);
  Bar nan = MakeBar(Day(4), 10);
  nan.high = std::numeric_limits<double>::quiet_NaN();
  bars.push_back(nan);
  Bar negative_volume = MakeBar(Day(5), 10, -1);
  bars.push_back(negative_volume);
  const BarCheck check = CheckBars(bars);
  ASSERT_EQ(check.kept.size(), 2u);
  EXPECT_EQ(check.kept[0].date, Day(0));  // sorted
  EXPECT_EQ(check.kept[1].date, Day(2));
  EXPECT_EQ(check.dropped, 4u);
  EXPECT_NE(check.first_problem.find("2024-01-02"), std::string::npos) << check.first_problem;
}

TEST(CheckBarsTest, TheLastBarGivenForADateWins) {
  const BarCheck check = CheckBars({MakeBar(Day(0), 10), MakeBar(Day(0), 12)});
  ASSERT_EQ(check.kept.size(), 1u);
  EXPECT_EQ(check.kept[0].close, 12);
}

TEST(MergeKeepLastTest, FetchedValuesWinAndNewDatesAppend) {
  const DailyPrices stored = Prices({{0, 10}, {1, 11}, {2, 12}, {3, 13}});
  const std::vector<Bar> fetched = {MakeBar(Day(2), 12), MakeBar(Day(3), 13.5), MakeBar(Day(4), 14),
                                    MakeBar(Day(5), 15)};
  const MergeOutcome merge = MergeKeepLast(stored, fetched);
  ASSERT_EQ(merge.prices.size(), 6u);
  EXPECT_EQ(merge.rows_added, 2u);
  EXPECT_EQ(merge.rows_revised, 1u);  // day 3: 13 → 13.5
  EXPECT_TRUE(merge.changed);
  EXPECT_EQ(merge.prices.close[1], 11);    // untouched history
  EXPECT_EQ(merge.prices.close[3], 13.5);  // the vendor's revision
  EXPECT_EQ(merge.prices.date[5], Day(5));
}

TEST(MergeKeepLastTest, SameBarsChangeNothing) {
  const DailyPrices stored = Prices({{0, 10}, {1, 11}});
  const MergeOutcome merge = MergeKeepLast(stored, std::vector<Bar>{MakeBar(Day(1), 11)});
  EXPECT_FALSE(merge.changed);
  EXPECT_EQ(merge.prices.size(), 2u);
}

TEST(MergeKeepLastTest, StoredDatesMissingFromTheFetchAreKept) {
  const DailyPrices stored = Prices({{0, 10}, {1, 11}, {2, 12}});
  const MergeOutcome merge =
      MergeKeepLast(stored, std::vector<Bar>{MakeBar(Day(0), 10), MakeBar(Day(2), 12)});
  EXPECT_EQ(merge.prices.size(), 3u);
  EXPECT_FALSE(merge.changed);
}

// The bulk endpoint has no vwap: bars from it keep the stored vwap (and adj_close), and a bar
// that differs only there is no revision. A value the fetch does supply replaces the stored.
TEST(MergeKeepLastTest, FieldsTheFetchLacksKeepTheirStoredValues) {
  DailyPrices stored;
  Bar with_vwap = MakeBar(Day(0), 10);
  with_vwap.vwap = 10.2;
  stored.Append(with_vwap);
  Bar bulk = MakeBar(Day(0), 10);
  bulk.vwap.reset();
  bulk.adj_close.reset();
  MergeOutcome merge = MergeKeepLast(stored, std::vector<Bar>{bulk});
  EXPECT_FALSE(merge.changed);
  EXPECT_EQ(merge.prices.BarAt(0), with_vwap);

  Bar new_vwap = bulk;
  new_vwap.vwap = 10.3;
  merge = MergeKeepLast(stored, std::vector<Bar>{new_vwap});
  EXPECT_EQ(merge.rows_revised, 1u);
  ASSERT_TRUE(merge.prices.BarAt(0).vwap.has_value());
  EXPECT_EQ(*merge.prices.BarAt(0).vwap, 10.3);
  EXPECT_EQ(merge.prices.BarAt(0).adj_close, with_vwap.adj_close);

  // A revised close from the bulk file: the old vwap no longer describes the bar.
  Bar revised = bulk;
  revised.close = 10.5;
  merge = MergeKeepLast(stored, std::vector<Bar>{revised});
  EXPECT_EQ(merge.rows_revised, 1u);
  EXPECT_EQ(merge.prices.BarAt(0), revised);
}

TEST(SplitFactorTest, AConstantFactorInTheOverlapIsASplit) {
  const DailyPrices stored = Prices({{0, 100}, {1, 110}, {2, 120}});
  const std::vector<Bar> fetched = {MakeBar(Day(1), 55), MakeBar(Day(2), 60), MakeBar(Day(3), 61)};
  const std::optional<double> factor = SplitFactorInOverlap(stored, fetched);
  ASSERT_TRUE(factor.has_value());
  EXPECT_DOUBLE_EQ(*factor, 2.0);
}

TEST(SplitFactorTest, RevisionsAndSingleDaysAreNotSplits) {
  const DailyPrices stored = Prices({{0, 100}, {1, 110}, {2, 120}});
  EXPECT_FALSE(
      SplitFactorInOverlap(stored, std::vector<Bar>{MakeBar(Day(1), 110.5), MakeBar(Day(2), 120)}));
  EXPECT_FALSE(SplitFactorInOverlap(stored, std::vector<Bar>{MakeBar(Day(2), 60)}));
  // Different factors: not one rescaling.
  EXPECT_FALSE(
      SplitFactorInOverlap(stored, std::vector<Bar>{MakeBar(Day(1), 55), MakeBar(Day(2), 40)}));
}

TEST(MissingSessionsTest, SessionsInsideTheHistoryOnly) {
  const auto d = [](int month, int day) { return Date::FromCivil(2024, month, day); };
  // 2024-07-04 is a holiday and 07-06/07 a weekend: neither is a gap.
  const std::vector<Date> complete = {d(7, 1), d(7, 2), d(7, 3), d(7, 5), d(7, 8)};
  EXPECT_TRUE(MissingSessions(complete).empty());
  const std::vector<Date> holes = {d(7, 1), d(7, 3), d(7, 9), d(7, 10)};
  EXPECT_EQ(MissingSessions(holes), (std::vector<Date>{d(7, 2), d(7, 5), d(7, 8)}));
  // A bar on a holiday does not hide a missing session.
  const std::vector<Date> holiday_bar = {d(7, 3), d(7, 4), d(7, 8)};
  EXPECT_EQ(MissingSessions(holiday_bar), (std::vector<Date>{d(7, 5)}));
  EXPECT_TRUE(MissingSessions(std::vector<Date>{d(7, 1)}).empty());
  EXPECT_TRUE(MissingSessions(std::vector<Date>{}).empty());
}

TEST(BuildDailyTableTest, ColumnsTypesChangeAndIndicators) {
  DailyPrices prices;
  for (int i = 0; i < 60; ++i) prices.Append(MakeBar(Day(i), 100 + std::sin(i) * 5));
  prices.vwap[3] = 101.5;
  prices.adj_close[4] = std::nullopt;
  indicators::IndicatorTable scratch;
  Result<table::Table> daily = BuildDailyTable("BRK-B", prices, scratch);
  ASSERT_TRUE(daily.ok()) << daily.status().message();
  EXPECT_EQ(daily->ColumnNames(), DailyColumnNames());
  EXPECT_EQ(daily->num_rows(), 60u);
  EXPECT_EQ(daily->column(0).varchars()[59], "BRK-B");
  EXPECT_EQ(daily->FindColumn("date")->type(), table::ColumnType::kDate);
  EXPECT_EQ(daily->FindColumn("volume")->type(), table::ColumnType::kBigint);
  EXPECT_EQ(daily->FindColumn("golden_cross")->type(), table::ColumnType::kBoolean);
  const table::Column& change = *daily->FindColumn("change");
  const table::Column& change_percent = *daily->FindColumn("change_percent");
  EXPECT_TRUE(change.is_null(0));
  EXPECT_TRUE(change_percent.is_null(0));
  EXPECT_DOUBLE_EQ(change.doubles()[10], prices.close[10] - prices.close[9]);
  EXPECT_DOUBLE_EQ(change_percent.doubles()[10],
                   (prices.close[10] - prices.close[9]) / prices.close[9] * 100.0);
  const table::Column& vwap = *daily->FindColumn("vwap");
  EXPECT_TRUE(vwap.is_null(0));
  EXPECT_EQ(vwap.doubles()[3], 101.5);
  EXPECT_TRUE(daily->FindColumn("adj_close")->is_null(4));
  // The indicators are those of the prices: SMA 50 first defined on row 49.
  const table::Column& sma50 = *daily->FindColumn("sma_50");
  EXPECT_TRUE(sma50.is_null(48));
  ASSERT_TRUE(sma50.is_valid(49));
  double sum = 0;
  for (int i = 0; i < 50; ++i) sum += prices.close[static_cast<size_t>(i)];
  EXPECT_NEAR(sma50.doubles()[49], sum / 50, 1e-9);
}

}  // namespace
}  // namespace tickerflow::pipeline
