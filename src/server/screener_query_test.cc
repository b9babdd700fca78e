// The screener query planner: SQL shape, bound values, and refusals.
#include "server/screener_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tickerflow::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<ColumnInfo> Columns() {
  // Sorted, as the catalog keeps them.
  const std::vector<std::string> industries = {"Banks", "Oil, Gas & Consumable Fuels",
                                               "Oil, Gas & Consumable Fuels, Offshore"};
  std::vector<ColumnInfo> columns;
  const auto add = [&columns](std::string name, table::ColumnType type) {
    const ColumnKind kind = KindOf(name, type);
    columns.push_back(
        ColumnInfo{.name = std::move(name), .type = type, .kind = kind, .values = {}});
  };
  add("symbol", table::ColumnType::kVarchar);
  add("company_name", table::ColumnType::kVarchar);
  add("date", table::ColumnType::kDate);
  add("sector", table::ColumnType::kVarchar);
  add("market_cap_cat", table::ColumnType::kVarchar);
  add("industry", table::ColumnType::kVarchar);
  columns.back().values = industries;
  add("rsi", table::ColumnType::kDouble);
  add("volume", table::ColumnType::kBigint);
  add("golden_cross", table::ColumnType::kBoolean);
  return columns;
}

Result<ScreenerPlan> Plan(const QueryParameters& parameters) {
  static const std::vector<ColumnInfo> kColumns = Columns();
  return PlanScreenerQuery(kColumns, "screener_7", parameters);
}

TEST(ColumnKindTest, FollowsTypeAndName) {
  EXPECT_EQ(KindOf("symbol", table::ColumnType::kVarchar), ColumnKind::kText);
  EXPECT_EQ(KindOf("company_name", table::ColumnType::kVarchar), ColumnKind::kText);
  EXPECT_EQ(KindOf("sector", table::ColumnType::kVarchar), ColumnKind::kLabel);
  EXPECT_EQ(KindOf("rsi", table::ColumnType::kDouble), ColumnKind::kNumber);
  EXPECT_EQ(KindOf("volume", table::ColumnType::kBigint), ColumnKind::kNumber);
  EXPECT_EQ(KindOf("stale", table::ColumnType::kBoolean), ColumnKind::kBoolean);
  EXPECT_EQ(KindOf("date", table::ColumnType::kDate), ColumnKind::kDate);
  EXPECT_EQ(KindName(ColumnKind::kLabel), "label");
}

TEST(PlanScreenerQueryTest, DefaultsToEveryColumnBySymbol) {
  Result<ScreenerPlan> plan = Plan({});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(
      plan->page_sql,
      "SELECT \"symbol\", \"company_name\", \"date\", \"sector\", \"market_cap_cat\", "
      "\"industry\", \"rsi\", \"volume\", \"golden_cross\", count(*) OVER () AS \"__total\" FROM "
      "\"screener_7\" ORDER BY \"symbol\" ASC "
      "NULLS LAST LIMIT ? OFFSET ?");
  EXPECT_EQ(plan->count_sql, "SELECT count(*) FROM \"screener_7\"");
  EXPECT_EQ(plan->page_parameters, (std::vector<table::Parameter>{int64_t{100}, int64_t{0}}));
  EXPECT_EQ(plan->columns.size(), 9u);
  EXPECT_FALSE(plan->csv);
}

TEST(PlanScreenerQueryTest, EveryFilterKindIsBound) {
  Result<ScreenerPlan> plan = Plan({{"rsi_max", "30"},
                                    {"market_cap_cat", "Large Cap,Mega Cap"},
                                    {"golden_cross", "true"},
                                    {"date_min", "2025-01-02"},
                                    {"q", "App"},
                                    {"sort", "rsi"},
                                    {"order", "desc"},
                                    {"limit", "25"},
                                    {"offset", "50"},
                                    {"columns", "symbol,rsi,symbol"},
                                    {"volume_min", "1e6"}});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->page_sql,
            "SELECT \"symbol\", \"rsi\", count(*) OVER () AS \"__total\" FROM \"screener_7\" "
            "WHERE \"date\" >= ? AND "
            "\"market_cap_cat\" IN (?, ?) AND \"rsi\" <= ? AND \"volume\" >= ? AND "
            "\"golden_cross\" IN (?) AND (contains(lower(\"symbol\"), lower(?)) OR "
            "contains(lower(\"company_name\"), lower(?))) ORDER BY \"rsi\" DESC NULLS LAST, "
            "\"symbol\" ASC LIMIT ? OFFSET ?");
  EXPECT_EQ(plan->page_parameters, (std::vector<table::Parameter>{
                                       Date::FromCivil(2025, 1, 2), std::string("Large Cap"),
                                       std::string("Mega Cap"), 30.0, 1e6, true, std::string("App"),
                                       std::string("App"), int64_t{25}, int64_t{50}}));
  EXPECT_EQ(plan->count_parameters.size(), plan->page_parameters.size() - 2);
  EXPECT_THAT(plan->count_sql, Not(HasSubstr("LIMIT")));
}

TEST(PlanScreenerQueryTest, ParameterOrderDoesNotChangeTheSql) {
  Result<ScreenerPlan> a = Plan({{"rsi_max", "30"}, {"sector", "Energy"}});
  Result<ScreenerPlan> b = Plan({{"sector", "Energy"}, {"rsi_max", "30"}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->page_sql, b->page_sql);
  EXPECT_EQ(a->page_parameters, b->page_parameters);
}

TEST(PlanScreenerQueryTest, ValuesNeverBecomeSql) {
  const std::string attack = "Energy') OR 1=1; DROP TABLE screener_7; --";
  Result<ScreenerPlan> plan = Plan({{"sector", attack}, {"q", attack}});
  ASSERT_TRUE(plan.ok());
  EXPECT_THAT(plan->page_sql, Not(HasSubstr("DROP")));
  EXPECT_THAT(plan->page_sql, Not(HasSubstr("1=1")));
  // A comma splits the list; each part is still a bound value.
  EXPECT_EQ(plan->page_parameters[0],
            table::Parameter(std::string("Energy') OR 1=1; DROP TABLE screener_7; --")));
}

TEST(PlanScreenerQueryTest, RefusesWhatItCannotPlan) {
  const std::vector<std::pair<QueryParameters, std::string>> cases = {
      {{{"sector\"; DROP TABLE x; --", "1"}}, "no such column"},
      {{{"nope_min", "1"}}, "no such column"},
      {{{"rsi", "30"}}, "rsi_min and rsi_max"},
      {{{"sector_max", "3"}}, "filter it with sector=value"},
      {{{"rsi_min", "abc"}}, "expected a number"},
      {{{"rsi_min", "inf"}}, "expected a number"},
      {{{"rsi_min", ""}}, "expected a number"},
      {{{"date_max", "2025-02-30"}}, "YYYY-MM-DD"},
      {{{"golden_cross", "yes please"}}, "true or false"},
      {{{"limit", "0"}}, "from 1 to 10000 (100000 with format=csv)"},
      {{{"limit", "10001"}}, "at most 10000"},
      {{{"limit", "12abc"}}, "whole number"},
      {{{"offset", "-3"}}, "whole number"},
      {{{"sort", "\"symbol\" DESC"}}, "no such column"},
      {{{"order", "up"}}, "asc or desc"},
      {{{"columns", "symbol,secret"}}, "no such column 'secret'"},
      {{{"format", "xml"}}, "json or csv"},
  };
  for (const auto& [parameters, message] : cases) {
    Result<ScreenerPlan> plan = Plan(parameters);
    ASSERT_FALSE(plan.ok()) << parameters[0].first;
    EXPECT_EQ(plan.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(plan.status().message(), HasSubstr(message)) << parameters[0].first;
  }
}

TEST(PlanScreenerQueryTest, CsvTakesLargerLimits) {
  Result<ScreenerPlan> all = Plan({{"format", "csv"}});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->csv);
  EXPECT_EQ(all->limit, kMaxCsvLimit);
  EXPECT_THAT(all->page_sql, Not(HasSubstr("__total")));
  Result<ScreenerPlan> some = Plan({{"format", "csv"}, {"limit", "50000"}});
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->limit, 50000);
}

TEST(PlanScreenerQueryTest, ManyValuesAreCapped) {
  std::string values;
  for (size_t i = 0; i <= kMaxValuesPerColumn; ++i) {
    values += 'v';
    values += std::to_string(i);
    values += ',';
  }
  EXPECT_FALSE(Plan({{"sector", values}}).ok());
}

TEST(PlanScreenerQueryTest, LabelValuesWithCommasStayWhole) {
  Result<ScreenerPlan> plan =
      Plan({{"industry", "Oil, Gas & Consumable Fuels,Banks,Oil, Gas & Consumable Fuels, Offshore"},
            {"columns", "symbol"}});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->page_parameters,
            (std::vector<table::Parameter>{
                std::string("Oil, Gas & Consumable Fuels"), std::string("Banks"),
                std::string("Oil, Gas & Consumable Fuels, Offshore"), int64_t{100}, int64_t{0}}));
  // Parts that are no known value are values of their own, and empty ones are dropped.
  Result<ScreenerPlan> unknown = Plan({{"industry", "Oil,,Banks"}, {"columns", "symbol"}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->page_parameters,
            (std::vector<table::Parameter>{std::string("Oil"), std::string("Banks"), int64_t{100},
                                           int64_t{0}}));
}

TEST(SplitListTest, DropsEmptyItems) {
  EXPECT_EQ(SplitList("a,b,,c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_EQ(SplitList("Large Cap"), (std::vector<std::string>{"Large Cap"}));
}

TEST(ParseNumberTest, FiniteDecimalsOnly) {
  EXPECT_EQ(ParseNumber("30"), 30.0);
  EXPECT_EQ(ParseNumber("+1.5"), 1.5);
  EXPECT_EQ(ParseNumber("-2e3"), -2000.0);
  EXPECT_FALSE(ParseNumber("1e999").has_value());
  EXPECT_FALSE(ParseNumber("nan").has_value());
  EXPECT_FALSE(ParseNumber("30 ").has_value());
  EXPECT_FALSE(ParseNumber("0x10").has_value());
}

}  // namespace
}  // namespace tickerflow::server
