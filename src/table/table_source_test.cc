#include "table/table_source.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "table/database.h"
#include "table/table_test_util.h"

namespace tickerflow::table {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

Table Prices() {
  return Table::Make({Column::Varchars("symbol", {"AAPL", "BRK-B", "A long company symbol?"}),
                      Column::Dates("date", {D("2024-01-02"), D("2024-01-03"), Date()}, {1, 1, 0}),
                      Column::Doubles("close", {189.5, 400.25, 0.0}, {1, 1, 0}),
                      Column::Bigints("volume", {100, 0, 7}, {1, 0, 1}),
                      Column::Booleans("stale", {0, 1, 0}, {1, 1, 0})})
      .value();
}

class TableSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Database> db = Database::Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    conn_.emplace(db_->Connect().value());
  }

  Result<Table> Fetch(const std::string& sql, const std::vector<Parameter>& parameters = {}) {
    TF_ASSIGN_OR_RETURN(QueryResult result,
                        parameters.empty() ? conn_->Query(sql) : conn_->Query(sql, parameters));
    return result.FetchTable();
  }

  std::optional<Database> db_;
  std::optional<Connection> conn_;
};

TEST_F(TableSourceTest, SqlReadsEveryTypeAndNull) {
  const Table table = Prices();
  Result<TableSource> source = TableSource::Create(table);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(source->sql(), fmt::format("tickerflow_table({})", source->id()));
  Result<Table> read = Fetch("SELECT * FROM " + source->sql());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(TableSourceTest, QueriesFilterWithParameters) {
  const Table table = Prices();
  const TableSource source = TableSource::Create(table).value();
  Result<Table> read =
      Fetch(fmt::format("SELECT symbol FROM {} WHERE close > ? ORDER BY symbol DESC", source.sql()),
            {200.0});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->column(0).varchars(), (std::vector<std::string>{"BRK-B"}));
}

TEST_F(TableSourceTest, JoinsTwoSources) {
  const Table prices = Prices();
  const Table sectors = Table::Make({Column::Varchars("symbol", {"AAPL", "BRK-B"}),
                                     Column::Varchars("sector", {"Technology", "Financials"})})
                            .value();
  const TableSource a = TableSource::Create(prices).value();
  const TableSource b = TableSource::Create(sectors).value();
  EXPECT_NE(a.id(), b.id());
  Result<Table> read =
      Fetch(fmt::format("SELECT p.symbol, s.sector FROM {} p LEFT JOIN {} s USING (symbol) "
                        "ORDER BY p.symbol",
                        a.sql(), b.sql()));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  const Table expected =
      Table::Make({Column::Varchars("symbol", {"A long company symbol?", "AAPL", "BRK-B"}),
                   Column::Varchars("sector", {"", "Technology", "Financials"}, {0, 1, 1})})
          .value();
  EXPECT_EQ(*read, expected);
}

TEST_F(TableSourceTest, ManyRowsComeBackInOrder) {
  std::vector<int64_t> values(10000);
  std::vector<uint8_t> valid(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<int64_t>(values.size() - i);
    valid[i] = i % 9 == 4 ? 0 : 1;
  }
  const Table table = Table::Make({Column::Bigints("n", values, valid)}).value();
  const TableSource source = TableSource::Create(table).value();
  Result<Table> read = Fetch("SELECT * FROM " + source.sql());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(TableSourceTest, EmptyTableHasColumnsAndNoRows) {
  const Table table =
      Table::Make({Column("a", ColumnType::kDate), Column("b", ColumnType::kBoolean)}).value();
  const TableSource source = TableSource::Create(table).value();
  Result<Table> read = Fetch("SELECT * FROM " + source.sql());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(TableSourceTest, TableWithoutColumnsIsAnError) {
  const Table table;
  const TableSource source = TableSource::Create(table).value();
  Result<Table> read = Fetch("SELECT * FROM " + source.sql());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(TableSourceTest, UnknownOrEndedIdsAreErrors) {
  Result<Table> unknown = Fetch("SELECT * FROM tickerflow_table(12345)");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("12345"), std::string::npos)
      << unknown.status().message();

  const Table table = Prices();
  std::string sql;
  {
    const TableSource source = TableSource::Create(table).value();
    sql = "SELECT * FROM " + source.sql();
    ASSERT_TRUE(Fetch(sql).ok());
  }
  Result<Table> ended = Fetch(sql);
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.status().code(), ErrorCode::kInvalidArgument);

  // A NULL id is an ordinary error too (DuckDB would raise an internal one if asked for the
  // number of a NULL).
  for (const Result<Table>& null_id : {Fetch("SELECT * FROM tickerflow_table(NULL)"),
                                       Fetch("SELECT * FROM tickerflow_table(NULL::BIGINT)"),
                                       Fetch("SELECT * FROM tickerflow_table(?)", {nullptr})}) {
    ASSERT_FALSE(null_id.ok());
    EXPECT_EQ(null_id.status().code(), ErrorCode::kInvalidArgument) << null_id.status().ToString();
  }
}

TEST_F(TableSourceTest, MovesTransferTheRegistration) {
  const Table first = Prices();
  const Table second = Table::Make({Column::Bigints("n", {1})}).value();
  TableSource source = TableSource::Create(first).value();
  const int64_t id = source.id();
  TableSource moved = std::move(source);
  EXPECT_EQ(moved.id(), id);
  EXPECT_EQ(source.id(), 0);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*Fetch("SELECT * FROM " + moved.sql()), first);

  // Move assignment ends the registration it replaces.
  TableSource other = TableSource::Create(second).value();
  const std::string old_sql = "SELECT * FROM " + other.sql();
  other = std::move(moved);
  EXPECT_FALSE(Fetch(old_sql).ok());
  EXPECT_EQ(*Fetch("SELECT * FROM " + other.sql()), first);
}

TEST_F(TableSourceTest, RejectsInvalidUtf8) {
  for (const std::string& bad : {std::string("\xC0\xAF", 2), std::string("\xED\xA0\x80", 3),
                                 std::string("\xF4\x90\x80\x80", 4), std::string("abc\xE2\x82", 5),
                                 std::string("\x80", 1)}) {
    const Table table = Table::Make({Column::Varchars("s", {"fine", bad})}).value();
    Result<TableSource> source = TableSource::Create(table);
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.status().code(), ErrorCode::kInvalidArgument);
  }
  // A NULL row's placeholder is never looked at, and valid multi-byte text passes.
  const Table ok =
      Table::Make({Column::Varchars("s", {std::string("\xFF", 1), "é€𝄞"}, {0, 1})}).value();
  EXPECT_TRUE(TableSource::Create(ok).ok());
}

TEST(TableSourceDatabasesTest, OneSourceServesEveryDatabaseAndThread) {
  const Table table = Prices();
  const TableSource source = TableSource::Create(table).value();
  constexpr int kThreads = 4;
  std::vector<int> matches(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&source, &table, &matches, t] {
      // Each thread opens its own database: the function is registered on every one.
      Result<Database> db = Database::Open();
      if (!db.ok()) return;
      Result<Connection> conn = db->Connect();
      if (!conn.ok()) return;
      for (int round = 0; round < 10; ++round) {
        Result<QueryResult> result = conn->Query("SELECT * FROM " + source.sql());
        if (!result.ok()) return;
        Result<Table> read = result->FetchTable();
        if (read.ok() && *read == table) ++matches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(matches[t], 10) << "thread " << t;
}

}  // namespace
}  // namespace tickerflow::table
