#include "table/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "table/table_test_util.h"

namespace tickerflow::table {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

TEST(ColumnTypeTest, NamesAreSqlTypeNames) {
  EXPECT_EQ(ColumnTypeName(ColumnType::kVarchar), "VARCHAR");
  EXPECT_EQ(ColumnTypeName(ColumnType::kDate), "DATE");
  EXPECT_EQ(ColumnTypeName(ColumnType::kDouble), "DOUBLE");
  EXPECT_EQ(ColumnTypeName(ColumnType::kBigint), "BIGINT");
  EXPECT_EQ(ColumnTypeName(ColumnType::kBoolean), "BOOLEAN");
}

TEST(ColumnTest, FactoriesKeepValuesAndNulls) {
  const Column close = Column::Doubles("close", {1.5, 0.0, -2.25}, {1, 0, 1});
  EXPECT_EQ(close.name(), "close");
  EXPECT_EQ(close.type(), ColumnType::kDouble);
  ASSERT_EQ(close.size(), 3U);
  EXPECT_TRUE(close.is_valid(0));
  EXPECT_TRUE(close.is_null(1));
  EXPECT_TRUE(close.is_valid(2));
  EXPECT_EQ(close.null_count(), 1U);
  EXPECT_EQ(close.doubles(), (std::vector<double>{1.5, 0.0, -2.25}));
  EXPECT_EQ(close.validity(), (std::vector<uint8_t>{1, 0, 1}));

  const Column symbol = Column::Varchars("symbol", {"AAPL", "BRK-B"});
  EXPECT_EQ(symbol.varchars(), (std::vector<std::string>{"AAPL", "BRK-B"}));
  EXPECT_EQ(symbol.null_count(), 0U);
  EXPECT_TRUE(symbol.validity().empty());

  const Column dates = Column::Dates("date", {D("2024-01-02"), D("1999-12-31")}, {0, 1});
  EXPECT_TRUE(dates.is_null(0));
  EXPECT_EQ(dates.dates()[1], D("1999-12-31"));

  const Column volume = Column::Bigints("volume", {std::numeric_limits<int64_t>::max(), -7});
  EXPECT_EQ(volume.bigints()[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(volume.bigints()[1], -7);

  const Column flags = Column::Booleans("flag", {0, 1, 7}, {1, 1, 1});
  // Any non-zero byte is true and is stored as 1.
  EXPECT_EQ(flags.booleans(), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(ColumnTest, AllValidValidityIsDropped) {
  // A validity vector without a 0 says nothing; the column keeps the cheap all-valid form.
  const Column c = Column::Bigints("n", {1, 2, 3}, {1, 1, 1});
  EXPECT_TRUE(c.validity().empty());
  EXPECT_EQ(c.null_count(), 0U);
  EXPECT_TRUE(c.Validate().ok());
}

TEST(ColumnTest, AppendBuildsEveryTypeWithNulls) {
  Column s("s", ColumnType::kVarchar);
  Column d("d", ColumnType::kDate);
  Column x("x", ColumnType::kDouble);
  Column i("i", ColumnType::kBigint);
  Column b("b", ColumnType::kBoolean);
  for (Column* c : {&s, &d, &x, &i, &b}) c->Reserve(3);
  s.AppendVarchar("first");
  d.AppendDate(D("2020-02-29"));
  x.AppendDouble(0.5);
  i.AppendBigint(42);
  b.AppendBoolean(true);
  for (Column* c : {&s, &d, &x, &i, &b}) c->AppendNull();
  s.AppendVarchar("third");
  d.AppendDate(D("2021-03-01"));
  x.AppendDouble(-1.0);
  i.AppendBigint(-42);
  b.AppendBoolean(false);

  for (const Column* c : {&s, &d, &x, &i, &b}) {
    ASSERT_EQ(c->size(), 3U) << c->name();
    EXPECT_TRUE(c->is_valid(0)) << c->name();
    EXPECT_TRUE(c->is_null(1)) << c->name();
    EXPECT_TRUE(c->is_valid(2)) << c->name();
    EXPECT_EQ(c->null_count(), 1U) << c->name();
    EXPECT_EQ(c->validity(), (std::vector<uint8_t>{1, 0, 1})) << c->name();
    EXPECT_TRUE(c->Validate().ok()) << c->name();
  }
  EXPECT_EQ(s.varchars()[2], "third");
  EXPECT_EQ(d.dates()[2], D("2021-03-01"));
  EXPECT_EQ(x.doubles()[2], -1.0);
  EXPECT_EQ(i.bigints()[2], -42);
  EXPECT_EQ(b.booleans(), (std::vector<uint8_t>{1, 0, 0}));
}

TEST(ColumnTest, AppendNullFirstThenValues) {
  Column c("c", ColumnType::kDouble);
  c.AppendNull();
  c.AppendNull();
  c.AppendDouble(3.0);
  EXPECT_EQ(c.validity(), (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(c.doubles()[2], 3.0);
}

TEST(ColumnTest, AccessorOfAnotherTypeIsAProgrammingError) {
  Column c = Column::Doubles("x", {1.0});
  EXPECT_THROW((void)c.bigints(), std::bad_variant_access);
  EXPECT_THROW(c.AppendVarchar("oops"), std::bad_variant_access);
  EXPECT_EQ(c.size(), 1U);
}

TEST(ColumnTest, ValidateRejectsValidityOfWrongLength) {
  const Column c = Column::Doubles("x", {1.0, 2.0}, {1, 0, 1});
  const Status status = c.Validate();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
}

TEST(ColumnTest, ValueToStringForEveryType) {
  EXPECT_EQ(Column::Varchars("s", {"hi"}).ValueToString(0), "hi");
  EXPECT_EQ(Column::Dates("d", {D("2024-02-29")}).ValueToString(0), "2024-02-29");
  EXPECT_EQ(Column::Doubles("x", {0.1}).ValueToString(0), "0.1");
  EXPECT_EQ(Column::Doubles("x", {1e300}).ValueToString(0), "1e+300");
  EXPECT_EQ(Column::Bigints("i", {std::numeric_limits<int64_t>::min()}).ValueToString(0),
            "-9223372036854775808");
  EXPECT_EQ(Column::Booleans("b", {1, 0}).ValueToString(0), "true");
  EXPECT_EQ(Column::Booleans("b", {1, 0}).ValueToString(1), "false");
  EXPECT_EQ(Column::Bigints("i", {5}, {0}).ValueToString(0), "NULL");
}

TEST(ColumnTest, EqualsIsExactForDoubles) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Column::Doubles("x", {nan}), Column::Doubles("x", {nan}));
  EXPECT_NE(Column::Doubles("x", {0.0}), Column::Doubles("x", {-0.0}));
  EXPECT_NE(Column::Doubles("x", {1.0}), Column::Doubles("x", {nan}));
  EXPECT_EQ(Column::Doubles("x", {1.0, 2.0}), Column::Doubles("x", {1.0, 2.0}));
}

TEST(ColumnTest, EqualsIgnoresValuesAtNullRowsButNotNullness) {
  EXPECT_EQ(Column::Bigints("i", {1, 99}, {1, 0}), Column::Bigints("i", {1, -5}, {1, 0}));
  EXPECT_NE(Column::Bigints("i", {1, 2}, {1, 0}), Column::Bigints("i", {1, 2}));
  EXPECT_NE(Column::Bigints("i", {1}), Column::Bigints("j", {1}));
  EXPECT_NE(Column::Bigints("i", {1}), Column::Doubles("i", {1.0}));
  EXPECT_NE(Column::Bigints("i", {1}), Column::Bigints("i", {1, 1}));
}

TEST(TableTest, MakeKeepsColumnsInOrder) {
  Result<Table> table =
      Table::Make({Column::Varchars("symbol", {"A", "B"}),
                   Column::Doubles("close", {1.0, 2.0}, {1, 0}), Column::Booleans("up", {1, 0})});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->num_rows(), 2U);
  EXPECT_EQ(table->num_columns(), 3U);
  EXPECT_EQ(table->ColumnNames(), (std::vector<std::string>{"symbol", "close", "up"}));
  EXPECT_EQ(table->column(1).name(), "close");
  ASSERT_NE(table->FindColumn("close"), nullptr);
  EXPECT_TRUE(table->FindColumn("close")->is_null(1));
  EXPECT_EQ(table->FindColumn("Close"), nullptr);  // Lookup is exact.
  EXPECT_EQ(table->FindColumn("missing"), nullptr);
  EXPECT_EQ(table->ColumnIndex("up"), 2U);
  EXPECT_FALSE(table->ColumnIndex("down").has_value());
}

TEST(TableTest, DefaultTableIsEmpty) {
  const Table table;
  EXPECT_EQ(table.num_rows(), 0U);
  EXPECT_EQ(table.num_columns(), 0U);
  EXPECT_TRUE(table.columns().empty());
}

TEST(TableTest, ColumnsWithoutRowsMakeAnEmptyTable) {
  Result<Table> table =
      Table::Make({Column("s", ColumnType::kVarchar), Column("d", ColumnType::kDate)});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->num_rows(), 0U);
  EXPECT_EQ(table->num_columns(), 2U);
}

TEST(TableTest, RejectsColumnsOfDifferentLengths) {
  Result<Table> table =
      Table::Make({Column::Bigints("a", {1, 2, 3}), Column::Bigints("b", {1, 2})});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ErrorCode::kInvalidArgument);
}

TEST(TableTest, RejectsDuplicateNamesIgnoringCase) {
  Result<Table> table = Table::Make({Column::Bigints("close", {1}), Column::Bigints("Close", {1})});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ErrorCode::kInvalidArgument);
}

TEST(TableTest, RejectsEmptyNameAndMalformedValidity) {
  Result<Table> unnamed = Table::Make({Column::Bigints("", {1})});
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.status().code(), ErrorCode::kInvalidArgument);

  Result<Table> malformed = Table::Make({Column::Bigints("a", {1, 2}, {1})});
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), ErrorCode::kInvalidArgument);
}

TEST(TableTest, AddColumnChecksLikeMake) {
  Table table;
  ASSERT_TRUE(table.AddColumn(Column::Bigints("a", {1, 2})).ok());
  EXPECT_EQ(table.num_rows(), 2U);
  EXPECT_EQ(table.AddColumn(Column::Bigints("b", {1})).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(table.AddColumn(Column::Bigints("A", {1, 2})).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(table.AddColumn(Column::Doubles("b", {1.0, 2.0})).ok());
  EXPECT_EQ(table.num_columns(), 2U);
}

TEST(TableTest, TakeColumnsEmptiesTheTable) {
  Table table = Table::Make({Column::Bigints("a", {1, 2}), Column::Bigints("b", {3, 4})}).value();
  std::vector<Column> columns = std::move(table).TakeColumns();
  ASSERT_EQ(columns.size(), 2U);
  EXPECT_EQ(columns[1].bigints(), (std::vector<int64_t>{3, 4}));
}

TEST(TableTest, EqualityComparesEveryColumn) {
  const Table a = Table::Make({Column::Bigints("a", {1, 2}), Column::Doubles("b", {1, 2})}).value();
  const Table same =
      Table::Make({Column::Bigints("a", {1, 2}), Column::Doubles("b", {1, 2})}).value();
  const Table reordered =
      Table::Make({Column::Doubles("b", {1, 2}), Column::Bigints("a", {1, 2})}).value();
  const Table changed =
      Table::Make({Column::Bigints("a", {1, 2}), Column::Doubles("b", {1, 3})}).value();
  EXPECT_EQ(a, same);
  EXPECT_NE(a, reordered);
  EXPECT_NE(a, changed);
}

TEST(TableTest, ToStringShowsSchemaAndRows) {
  const Table table = Table::Make({Column::Varchars("s", {"x", "y", "z"}),
                                   Column::Bigints("n", {1, 2, 3}, {1, 0, 1})})
                          .value();
  EXPECT_EQ(table.ToString(2),
            "3 rows x 2 columns\n"
            "s VARCHAR | n BIGINT\n"
            "x | 1\n"
            "y | NULL\n"
            "... 1 more rows\n");
}

}  // namespace
}  // namespace tickerflow::table
