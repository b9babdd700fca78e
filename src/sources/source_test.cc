#include "sources/source.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tickerflow::sources {
namespace {

using table::Column;
using table::ColumnType;
using table::Table;

// A table with the schema of `dataset` and one row per symbol, NULL in every other column.
Table MakeTable(FundamentalsDataset dataset, const std::vector<std::string>& symbols) {
  std::vector<Column> columns;
  for (const FundamentalsColumn& spec : FundamentalsSchema(dataset)) {
    Column column(std::string(spec.name), spec.type);
    for (const std::string& symbol : symbols) {
      if (columns.empty()) {
        column.AppendVarchar(symbol);
      } else {
        column.AppendNull();
      }
    }
    columns.push_back(std::move(column));
  }
  Result<Table> table = Table::Make(std::move(columns));
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return std::move(table).value();
}

TEST(FundamentalsTest, DatasetNames) {
  std::vector<std::string> names;
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    names.emplace_back(FundamentalsDatasetName(dataset));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"profiles", "ratios_ttm", "key_metrics_ttm", "scores",
                                             "ratings", "dcf"}));
}

TEST(FundamentalsTest, SchemasStartWithSymbolAndHaveDistinctNames) {
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    const std::vector<FundamentalsColumn>& schema = FundamentalsSchema(dataset);
    ASSERT_FALSE(schema.empty());
    EXPECT_EQ(schema[0].name, "symbol");
    EXPECT_EQ(schema[0].type, ColumnType::kVarchar);
    std::set<std::string_view> names;
    for (const FundamentalsColumn& column : schema) names.insert(column.name);
    EXPECT_EQ(names.size(), schema.size()) << FundamentalsDatasetName(dataset);
  }
}

TEST(FundamentalsTest, SchemasMatchTheDocumentation) {
  const std::vector<FundamentalsColumn>& profiles =
      FundamentalsSchema(FundamentalsDataset::kProfiles);
  ASSERT_EQ(profiles.size(), 16u);
  EXPECT_EQ(profiles[7].name, "market_cap");
  EXPECT_EQ(profiles[7].type, ColumnType::kDouble);
  EXPECT_EQ(profiles[11].name, "average_volume");
  EXPECT_EQ(profiles[11].type, ColumnType::kBigint);
  EXPECT_EQ(profiles[12].name, "range");
  EXPECT_EQ(profiles[13].type, ColumnType::kDate);
  EXPECT_EQ(profiles[15].name, "is_actively_trading");
  EXPECT_EQ(profiles[15].type, ColumnType::kBoolean);
  EXPECT_EQ(FundamentalsSchema(FundamentalsDataset::kRatiosTtm).size(), 9u);
  EXPECT_EQ(FundamentalsSchema(FundamentalsDataset::kKeyMetricsTtm).size(), 8u);
  const std::vector<FundamentalsColumn>& scores = FundamentalsSchema(FundamentalsDataset::kScores);
  ASSERT_EQ(scores.size(), 10u);
  EXPECT_EQ(scores[2].name, "piotroski_score");
  EXPECT_EQ(scores[2].type, ColumnType::kBigint);
  const std::vector<FundamentalsColumn>& ratings =
      FundamentalsSchema(FundamentalsDataset::kRatings);
  ASSERT_EQ(ratings.size(), 10u);
  EXPECT_EQ(ratings[1].type, ColumnType::kDate);
  EXPECT_EQ(ratings[2].name, "rating");
  EXPECT_EQ(ratings[9].name, "rating_pb_score");
  const std::vector<FundamentalsColumn>& dcf = FundamentalsSchema(FundamentalsDataset::kDcf);
  ASSERT_EQ(dcf.size(), 4u);
  EXPECT_EQ(dcf[2].name, "fair_value");
  EXPECT_EQ(dcf[3].name, "stock_price");
}

TEST(FundamentalsTest, ValidateAcceptsTheSchemaWithNulls) {
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    EXPECT_TRUE(ValidateFundamentals(dataset, MakeTable(dataset, {"A", "BRK-B", "MSFT"})).ok())
        << FundamentalsDatasetName(dataset);
    EXPECT_TRUE(ValidateFundamentals(dataset, MakeTable(dataset, {})).ok());
  }
}

TEST(FundamentalsTest, ValidateRejectsAnotherDatasetsSchema) {
  const Status status = ValidateFundamentals(FundamentalsDataset::kDcf,
                                             MakeTable(FundamentalsDataset::kRatings, {"A"}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
}

TEST(FundamentalsTest, ValidateRejectsWrongNameOrType) {
  Column symbol = Column::Varchars("symbol", {"A"});
  Column date = Column::Dates("date", {Date::FromCivil(2024, 1, 2)});
  Column fair_value = Column::Doubles("fair_value", {10.0});
  Column stock_price_as_text = Column::Varchars("stock_price", {"9.5"});
  Result<Table> wrong_type =
      Table::Make({symbol, date, fair_value, std::move(stock_price_as_text)});
  ASSERT_TRUE(wrong_type.ok());
  Status status = ValidateFundamentals(FundamentalsDataset::kDcf, *wrong_type);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);

  Result<Table> wrong_name =
      Table::Make({symbol, date, Column::Doubles("dcf", {10.0}), Column::Doubles("price", {9.5})});
  ASSERT_TRUE(wrong_name.ok());
  status = ValidateFundamentals(FundamentalsDataset::kDcf, *wrong_name);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);

  Result<Table> right =
      Table::Make({symbol, date, fair_value, Column::Doubles("stock_price", {9.5})});
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(ValidateFundamentals(FundamentalsDataset::kDcf, *right).ok());
}

TEST(FundamentalsTest, ValidateRejectsRepeatedOrNullSymbols) {
  Status status = ValidateFundamentals(FundamentalsDataset::kScores,
                                       MakeTable(FundamentalsDataset::kScores, {"A", "B", "A"}));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);

  Result<Table> null_symbol =
      Table::Make({Column::Varchars("symbol", {"A", ""}, /*valid=*/{1, 0}),
                   Column::Dates("date", {Date(), Date()}), Column::Doubles("fair_value", {1, 2}),
                   Column::Doubles("stock_price", {1, 2})});
  ASSERT_TRUE(null_symbol.ok());
  status = ValidateFundamentals(FundamentalsDataset::kDcf, *null_symbol);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
}

TEST(SymbolTest, ValidSymbols) {
  for (const std::string_view symbol :
       {"A", "AAPL", "BRK-B", "BF.B", "0700", "GOOGL", "ABCDEFGHIJKL", "X1-2.3"}) {
    EXPECT_TRUE(IsValidSymbol(symbol)) << symbol;
  }
}

TEST(SymbolTest, InvalidSymbols) {
  for (const std::string_view symbol :
       {"", "aapl", "-A", ".A", "A/B", "../X", "A B", "ABCDEFGHIJKLM", "A_B", "A\n", "É"}) {
    EXPECT_FALSE(IsValidSymbol(symbol)) << symbol;
  }
}

}  // namespace
}  // namespace tickerflow::sources
