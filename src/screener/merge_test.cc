#include "screener/merge.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "screener/derived.h"
#include "screener/labels.h"
#include "table/table_test_util.h"

namespace tickerflow::screener {
namespace {

using sources::FundamentalsDataset;
using table::Column;
using table::ColumnType;
using table::Table;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Date D(const char* text) { return Date::Parse(text).value(); }

double Below(double value) { return std::nextafter(value, -kInf); }

std::optional<std::string> S(std::optional<std::string_view> label) {
  return label ? std::optional<std::string>(*label) : std::nullopt;
}

// A nullable double column from optionals.
Column Doubles(const std::string& name, const std::vector<std::optional<double>>& values) {
  Column column(name, ColumnType::kDouble);
  for (const std::optional<double>& value : values) {
    if (value) {
      column.AppendDouble(*value);
    } else {
      column.AppendNull();
    }
  }
  return column;
}

Column Bigints(const std::string& name, const std::vector<std::optional<int64_t>>& values) {
  Column column(name, ColumnType::kBigint);
  for (const std::optional<int64_t>& value : values) {
    if (value) {
      column.AppendBigint(*value);
    } else {
      column.AppendNull();
    }
  }
  return column;
}

Column Varchars(const std::string& name, const std::vector<std::optional<std::string>>& values) {
  Column column(name, ColumnType::kVarchar);
  for (const std::optional<std::string>& value : values) {
    if (value) {
      column.AppendVarchar(*value);
    } else {
      column.AppendNull();
    }
  }
  return column;
}

// Latest rows in the daily schema for `symbols`: the given dates, closes and moving averages;
// every other double 1.5, volume 1000, flags false.
Table Latest(const std::vector<std::string>& symbols, const std::vector<Date>& dates,
             const std::vector<std::optional<double>>& close,
             const std::vector<std::optional<double>>& sma_50 = {},
             const std::vector<std::optional<double>>& sma_200 = {}) {
  const size_t n = symbols.size();
  std::vector<Column> columns;
  for (const DailyColumn& daily : DailyColumns()) {
    const std::string name(daily.name);
    if (name == "symbol") {
      columns.push_back(Column::Varchars(name, symbols));
    } else if (name == "date") {
      columns.push_back(Column::Dates(name, dates));
    } else if (name == "close") {
      columns.push_back(Doubles(name, close));
    } else if (name == "sma_50" && !sma_50.empty()) {
      columns.push_back(Doubles(name, sma_50));
    } else if (name == "sma_200" && !sma_200.empty()) {
      columns.push_back(Doubles(name, sma_200));
    } else if (daily.type == ColumnType::kDouble) {
      columns.push_back(Column::Doubles(name, std::vector<double>(n, 1.5)));
    } else if (daily.type == ColumnType::kBigint) {
      columns.push_back(Column::Bigints(name, std::vector<int64_t>(n, 1000)));
    } else {
      columns.push_back(Column::Booleans(name, std::vector<uint8_t>(n, 0)));
    }
  }
  return Table::Make(std::move(columns)).value();
}

// Derived rows for `symbols` with every derived value set to `value`.
Table Derived(const std::vector<std::string>& symbols, double value) {
  std::vector<Column> columns = {Column::Varchars("symbol", symbols)};
  for (const std::string_view name : kDerivedColumnNames) {
    columns.push_back(
        Column::Doubles(std::string(name), std::vector<double>(symbols.size(), value)));
  }
  return Table::Make(std::move(columns)).value();
}

// A profiles table in the schema of sources/source.h.
Table Profiles(const std::vector<std::string>& symbols,
               const std::vector<std::optional<double>>& market_cap,
               const std::vector<std::optional<std::string>>& range) {
  const size_t n = symbols.size();
  std::vector<std::optional<std::string>> names;
  for (const std::string& symbol : symbols) names.push_back(symbol + " Inc.");
  return Table::Make({Column::Varchars("symbol", symbols), Varchars("company_name", names),
                      Column::Varchars("exchange", std::vector<std::string>(n, "NASDAQ")),
                      Column::Varchars("sector", std::vector<std::string>(n, "Energy")),
                      Column::Varchars("industry", std::vector<std::string>(n, "Oil & Gas")),
                      Column::Varchars("country", std::vector<std::string>(n, "US")),
                      Column::Varchars("currency", std::vector<std::string>(n, "USD")),
                      Doubles("market_cap", market_cap),
                      Column::Doubles("price", std::vector<double>(n, 42.0)),
                      Column::Doubles("beta", std::vector<double>(n, 1.1)),
                      Column::Doubles("last_dividend", std::vector<double>(n, 0.5)),
                      Column::Bigints("average_volume", std::vector<int64_t>(n, 12345)),
                      Varchars("range", range),
                      Column::Dates("ipo_date", std::vector<Date>(n, D("2001-05-04"))),
                      Column::Booleans("is_etf", std::vector<uint8_t>(n, 0)),
                      Column::Booleans("is_actively_trading", std::vector<uint8_t>(n, 1))})
      .value();
}

Table RatiosTtm(const std::vector<std::string>& symbols,
                const std::vector<std::optional<double>>& pe,
                const std::vector<std::optional<double>>& peg,
                const std::vector<std::optional<double>>& margin) {
  std::vector<Column> columns = {Column::Varchars("symbol", symbols), Doubles("pe_ratio_ttm", pe),
                                 Doubles("peg_ratio_ttm", peg),
                                 Doubles("net_profit_margin_ttm", margin)};
  for (const char* name : {"gross_profit_margin_ttm", "price_to_book_ttm", "debt_to_equity_ttm",
                           "current_ratio_ttm", "dividend_yield_ttm"}) {
    columns.push_back(Column::Doubles(name, std::vector<double>(symbols.size(), 0.25)));
  }
  return Table::Make(std::move(columns)).value();
}

Table Scores(const std::vector<std::string>& symbols, const std::vector<std::optional<double>>& z,
             const std::vector<std::optional<int64_t>>& piotroski) {
  std::vector<Column> columns = {Column::Varchars("symbol", symbols), Doubles("altman_z_score", z),
                                 Bigints("piotroski_score", piotroski)};
  for (const char* name : {"working_capital", "total_assets", "retained_earnings", "ebit",
                           "market_cap", "total_liabilities", "revenue"}) {
    columns.push_back(Column::Doubles(name, std::vector<double>(symbols.size(), 1e9)));
  }
  return Table::Make(std::move(columns)).value();
}

Table Dcf(const std::vector<std::string>& symbols,
          const std::vector<std::optional<double>>& fair_value) {
  return Table::Make({Column::Varchars("symbol", symbols),
                      Column::Dates("date", std::vector<Date>(symbols.size(), D("2024-06-28"))),
                      Doubles("fair_value", fair_value),
                      Column::Doubles("stock_price", std::vector<double>(symbols.size(), 10.0))})
      .value();
}

Table Ratings(const std::vector<std::string>& symbols) {
  std::vector<Column> columns = {
      Column::Varchars("symbol", symbols),
      Column::Dates("date", std::vector<Date>(symbols.size(), D("2024-06-27"))),
      Column::Varchars("rating", std::vector<std::string>(symbols.size(), "A-"))};
  int64_t score = 1;
  for (const char* name :
       {"rating_score", "rating_dcf_score", "rating_roe_score", "rating_roa_score",
        "rating_de_score", "rating_pe_score", "rating_pb_score"}) {
    columns.push_back(Column::Bigints(name, std::vector<int64_t>(symbols.size(), score++ % 5 + 1)));
  }
  return Table::Make(std::move(columns)).value();
}

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
    connection_ = std::make_unique<table::Connection>(database_->Connect().value());
  }

  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
};

TEST_F(MergeTest, JoinsEverythingAndKeepsTickersWithoutFundamentals) {
  const std::vector<std::string> symbols = {"AAA", "BBB", "CCC"};
  const Table latest = Latest(symbols, {D("2024-06-28"), D("2024-06-27"), D("2024-06-28")},
                              {110.0, 50.0, 20.0}, {100.0, std::nullopt, 0.0}, {88.0, 25.0, -3.0});
  const Table derived = Derived({"AAA", "CCC"}, 7.25);
  Fundamentals fundamentals;
  // BBB has no profile, CCC no ratios: they stay, with NULLs.
  fundamentals.emplace(
      FundamentalsDataset::kProfiles,
      Profiles({"CCC", "AAA", "ZZZ"}, {3e12, 2.5e9, 1e6}, {"1-2-3", "169.21-260.1", "5-6"}));
  fundamentals.emplace(FundamentalsDataset::kRatiosTtm,
                       RatiosTtm({"AAA", "BBB"}, {14.0, 31.0}, {0.5, std::nullopt}, {0.15, -0.2}));
  fundamentals.emplace(FundamentalsDataset::kScores, Scores({"AAA", "BBB"}, {3.5, 1.0}, {7, 3}));
  fundamentals.emplace(FundamentalsDataset::kDcf, Dcf({"AAA", "BBB", "CCC"}, {100.0, 60.0, -1.0}));
  fundamentals.emplace(FundamentalsDataset::kRatings, Ratings({"BBB"}));

  const Table screener =
      MergeScreener(*connection_, latest, derived, fundamentals, D("2024-06-28")).value();
  ASSERT_EQ(screener.num_rows(), 3U);
  const std::vector<DailyColumn>& columns = ScreenerColumns();
  ASSERT_EQ(screener.num_columns(), columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    EXPECT_EQ(screener.column(c).name(), columns[c].name);
    EXPECT_EQ(screener.column(c).type(), columns[c].type);
  }
  const auto value = [&](std::string_view name, size_t row) {
    return screener.FindColumn(name)->ValueToString(row);
  };
  // The daily columns come through unchanged.
  for (const DailyColumn& daily : DailyColumns()) {
    for (size_t row = 0; row < 3; ++row) {
      EXPECT_EQ(value(daily.name, row), latest.FindColumn(daily.name)->ValueToString(row));
    }
  }
  EXPECT_EQ(value("stale", 0), "false");
  EXPECT_EQ(value("stale", 1), "true");
  EXPECT_EQ(value("high_52w", 0), "7.25");
  EXPECT_EQ(value("rel_volume", 2), "7.25");
  EXPECT_EQ(value("perf_ytd", 1), "NULL");
  EXPECT_EQ(screener.FindColumn("dist_sma50_pct")->doubles()[0], 100 * (110.0 / 100.0 - 1));
  EXPECT_EQ(value("dist_sma50_pct", 1), "NULL");  // sma_50 NULL
  EXPECT_EQ(value("dist_sma50_pct", 2), "NULL");  // sma_50 0
  EXPECT_EQ(screener.FindColumn("dist_sma200_pct")->doubles()[1], 100 * (50.0 / 25.0 - 1));
  EXPECT_EQ(value("dist_sma200_pct", 2), "NULL");  // sma_200 negative

  EXPECT_EQ(value("company_name", 0), "AAA Inc.");
  EXPECT_EQ(value("company_name", 1), "NULL");
  EXPECT_EQ(value("exchange", 2), "NASDAQ");
  EXPECT_EQ(value("market_cap", 0), "2500000000");
  EXPECT_EQ(value("price", 0), "42");
  EXPECT_EQ(value("price_low_52w", 0), "169.21");
  EXPECT_EQ(value("price_high_52w", 0), "260.1");
  EXPECT_EQ(value("price_low_52w", 2), "NULL");  // "1-2-3" is malformed
  EXPECT_EQ(value("is_etf", 0), "false");
  EXPECT_EQ(value("is_etf", 1), "NULL");
  EXPECT_EQ(value("pe_ratio_ttm", 1), "31");
  EXPECT_EQ(value("peg_ratio_ttm", 1), "NULL");
  EXPECT_EQ(value("net_profit_margin_ttm", 2), "NULL");
  EXPECT_EQ(value("fair_value", 1), "60");
  EXPECT_EQ(value("altman_z_score", 0), "3.5");
  EXPECT_EQ(value("piotroski_score", 1), "3");
  EXPECT_EQ(value("rating", 1), "A-");
  EXPECT_EQ(value("rating", 0), "NULL");
  EXPECT_EQ(value("rating_pb_score", 1), "3");

  EXPECT_EQ(value("market_cap_cat", 0), "Mid Cap");
  EXPECT_EQ(value("market_cap_cat", 1), "NULL");
  EXPECT_EQ(value("market_cap_cat", 2), "Mega Cap");
  EXPECT_EQ(value("pe_ratio_cat", 0), "Low PE");
  EXPECT_EQ(value("pe_ratio_cat", 1), "High PE");
  EXPECT_EQ(value("peg_ratio_cat", 0), "Under 1");
  EXPECT_EQ(value("peg_ratio_cat", 1), "NULL");
  EXPECT_EQ(value("net_profit_margin_cat", 0), "Moderate (10-20%)");
  EXPECT_EQ(value("net_profit_margin_cat", 1), "Negative");
  // AAA: 110 against a fair value of 100, exactly 10 % above: not "Fairly Valued".
  EXPECT_EQ(screener.FindColumn("price_fair_value_diff_perc")->doubles()[0],
            (110.0 - 100.0) / 100.0);
  EXPECT_EQ(value("price_fair_value_cat", 0), "Overvalued");
  EXPECT_EQ(value("price_fair_value_cat", 1), "Undervalued");
  EXPECT_EQ(value("price_fair_value_diff_perc", 2), "NULL");  // fair value <= 0
  EXPECT_EQ(value("price_fair_value_cat", 2), "NULL");
  EXPECT_EQ(value("altman_z_score_cat", 0), "Safe Zone");
  EXPECT_EQ(value("altman_z_score_cat", 1), "Distress Zone");
  EXPECT_EQ(value("piotroski_score_cat", 0), "Strong");
  EXPECT_EQ(value("piotroski_score_cat", 1), "Weak");
  EXPECT_EQ(value("piotroski_score_cat", 2), "NULL");
}

TEST_F(MergeTest, WithoutFundamentalsOrDerivedEveryTickerStays) {
  const Table latest = Latest({"B", "A"}, {D("2024-06-28"), D("2024-01-02")}, {10.0, 20.0});
  const Table screener = MergeScreener(*connection_, latest, Table(), {}, D("2024-06-28")).value();
  ASSERT_EQ(screener.num_rows(), 2U);
  ASSERT_EQ(screener.num_columns(), ScreenerColumns().size());
  // Sorted by symbol.
  EXPECT_EQ(screener.column(0).varchars(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(screener.FindColumn("stale")->ValueToString(0), "true");
  for (const DailyColumn& column : ScreenerColumns()) {
    if (column.name == "stale" || column.name.starts_with("dist_sma") ||
        *screener.ColumnIndex(column.name) < DailyColumns().size()) {
      continue;
    }
    EXPECT_EQ(screener.FindColumn(column.name)->null_count(), 2U) << column.name;
  }
}

TEST_F(MergeTest, RejectsInputsItCannotJoinSafely) {
  const Table latest = Latest({"A"}, {D("2024-06-28")}, {10.0});
  Fundamentals duplicated;
  duplicated.emplace(FundamentalsDataset::kDcf, Dcf({"A", "A"}, {1.0, 2.0}));
  EXPECT_EQ(
      MergeScreener(*connection_, latest, Table(), duplicated, D("2024-06-28")).status().code(),
      ErrorCode::kInvalidArgument);

  Fundamentals wrong_type;
  wrong_type.emplace(
      FundamentalsDataset::kDcf,
      Table::Make({Column::Varchars("symbol", {"A"}), Column::Varchars("fair_value", {"12.5"})})
          .value());
  EXPECT_EQ(
      MergeScreener(*connection_, latest, Table(), wrong_type, D("2024-06-28")).status().code(),
      ErrorCode::kInvalidArgument);

  EXPECT_EQ(MergeScreener(*connection_, latest, Derived({"A", "A"}, 1.0), {}, D("2024-06-28"))
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
  const Table not_daily = Table::Make({Column::Varchars("symbol", {"A"})}).value();
  EXPECT_EQ(MergeScreener(*connection_, not_daily, Table(), {}, D("2024-06-28")).status().code(),
            ErrorCode::kInvalidArgument);
}

// The SQL labels agree with the C++ functions of labels.h on every boundary, on both sides of
// it, and on NULL, NaN and the infinities.
TEST_F(MergeTest, SqlLabelsAgreeWithTheLabelFunctions) {
  std::vector<double> points = {0.0, -0.0, kNan, kInf, -kInf, -1.0, 1e300};
  for (const double bound : {300e6, 2e9, 10e9, 50e9, 15.0, 30.0, 1.0, 2.0, 0.1, 0.2, 1.8, 3.0, -0.1,
                             100.0, 110.0, 90.0}) {
    points.push_back(bound);
    points.push_back(Below(bound));
    points.push_back(std::nextafter(bound, kInf));
  }
  std::vector<std::string> symbols;
  std::vector<std::optional<double>> values;
  std::vector<std::optional<double>> closes;
  std::vector<std::optional<double>> fair_values;
  std::vector<std::optional<int64_t>> piotroski;
  for (size_t i = 0; i <= points.size(); ++i) {
    symbols.push_back(fmt::format("S{:03}", i));
    values.push_back(i < points.size() ? std::optional<double>(points[i]) : std::nullopt);
    // Closes against a fair value of 100 (and of odd values), around the 10 % band.
    closes.push_back(i < points.size() ? std::optional<double>(points[i] + 100.0) : 110.0);
    fair_values.push_back(i % 7 == 0    ? std::optional<double>(points[i % points.size()])
                          : i % 11 == 0 ? std::nullopt
                                        : std::optional<double>(100.0));
    piotroski.push_back(i % 12 == 11 ? std::nullopt
                                     : std::optional<int64_t>(static_cast<int64_t>(i % 11) - 1));
  }
  const Table latest = Latest(symbols, std::vector<Date>(symbols.size(), D("2024-06-28")), closes);
  Fundamentals fundamentals;
  std::vector<std::optional<std::string>> ranges(symbols.size(), std::nullopt);
  fundamentals.emplace(FundamentalsDataset::kProfiles, Profiles(symbols, values, ranges));
  fundamentals.emplace(FundamentalsDataset::kRatiosTtm, RatiosTtm(symbols, values, values, values));
  fundamentals.emplace(FundamentalsDataset::kScores, Scores(symbols, values, piotroski));
  fundamentals.emplace(FundamentalsDataset::kDcf, Dcf(symbols, fair_values));
  const Table screener =
      MergeScreener(*connection_, latest, Table(), fundamentals, D("2024-06-28")).value();
  ASSERT_EQ(screener.num_rows(), symbols.size());

  const auto label = [&](std::string_view column, size_t row) -> std::optional<std::string> {
    const Column& c = *screener.FindColumn(column);
    return c.is_null(row) ? std::nullopt : std::optional<std::string>(c.varchars()[row]);
  };
  size_t fairly_valued = 0;
  for (size_t row = 0; row < symbols.size(); ++row) {
    SCOPED_TRACE(fmt::format("row {}: value {}, close {}, fair value {}", row,
                             values[row] ? fmt::format("{}", *values[row]) : "NULL",
                             closes[row] ? fmt::format("{}", *closes[row]) : "NULL",
                             fair_values[row] ? fmt::format("{}", *fair_values[row]) : "NULL"));
    EXPECT_EQ(label("market_cap_cat", row), S(MarketCapCategory(values[row])));
    EXPECT_EQ(label("pe_ratio_cat", row), S(PeRatioCategory(values[row])));
    EXPECT_EQ(label("peg_ratio_cat", row), S(PegRatioCategory(values[row])));
    EXPECT_EQ(label("net_profit_margin_cat", row), S(NetProfitMarginCategory(values[row])));
    EXPECT_EQ(label("altman_z_score_cat", row), S(AltmanZScoreCategory(values[row])));
    EXPECT_EQ(label("piotroski_score_cat", row), S(PiotroskiScoreCategory(piotroski[row])));
    const std::optional<double> diff = PriceFairValueDiff(closes[row], fair_values[row]);
    const Column& diff_column = *screener.FindColumn("price_fair_value_diff_perc");
    ASSERT_EQ(diff_column.is_valid(row), diff.has_value());
    if (diff) {
      EXPECT_EQ(diff_column.doubles()[row], *diff);
    }
    EXPECT_EQ(label("price_fair_value_cat", row), S(PriceFairValueCategory(diff)));
    if (label("price_fair_value_cat", row) == "Fairly Valued") ++fairly_valued;
  }
  EXPECT_GT(fairly_valued, 0U);
}

}  // namespace
}  // namespace tickerflow::screener
