#include "table/database.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "table/table_test_util.h"

namespace tickerflow::table {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

DatabaseOptions Options(int threads, std::string memory_limit = "",
                        std::filesystem::path path = {}) {
  DatabaseOptions options;
  options.threads = threads;
  options.memory_limit = std::move(memory_limit);
  options.path = std::move(path);
  return options;
}

// An in-memory database and one connection, for the tests that need nothing else.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Database> db = Database::Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    Result<Connection> conn = db_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_.emplace(std::move(conn).value());
  }

  // Runs `sql` and returns its rows; fails the test on error.
  Table Fetch(std::string_view sql, const std::vector<Parameter>& parameters = {}) {
    Result<QueryResult> result =
        parameters.empty() ? conn_->Query(sql) : conn_->Query(sql, parameters);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return Table();
    Result<Table> table = result->FetchTable();
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(table).value() : Table();
  }

  std::optional<Database> db_;
  std::optional<Connection> conn_;
};

TEST_F(DatabaseTest, QueryReturnsRowsAsTable) {
  const Table table = Fetch("SELECT 42::BIGINT AS answer, 'forty-two' AS name");
  const Table expected =
      Table::Make({Column::Bigints("answer", {42}), Column::Varchars("name", {"forty-two"})})
          .value();
  EXPECT_EQ(table, expected);
}

TEST_F(DatabaseTest, FetchTableReadsEveryTypeWithNulls) {
  const Table table = Fetch(
      "SELECT * FROM (VALUES "
      "('a string longer than twelve bytes', DATE '2024-02-29', 1.5::DOUBLE, 7::BIGINT, true), "
      "(NULL, NULL, NULL, NULL, NULL), "
      "('short', DATE '1900-01-01', -0.25::DOUBLE, (-9223372036854775808)::BIGINT, false)) "
      "AS t(s, d, x, i, b)");
  const Table expected =
      Table::Make(
          {Column::Varchars("s", {"a string longer than twelve bytes", "", "short"}, {1, 0, 1}),
           Column::Dates("d", {D("2024-02-29"), Date(), D("1900-01-01")}, {1, 0, 1}),
           Column::Doubles("x", {1.5, 0, -0.25}, {1, 0, 1}),
           Column::Bigints("i", {7, 0, std::numeric_limits<int64_t>::min()}, {1, 0, 1}),
           Column::Booleans("b", {1, 0, 0}, {1, 0, 1})})
          .value();
  EXPECT_EQ(table, expected);
}

TEST_F(DatabaseTest, FetchTableWidensSmallIntegersAndFloats) {
  const Table table = Fetch(
      "SELECT -5::TINYINT AS t, -300::SMALLINT AS s, 2147483647::INTEGER AS i, "
      "255::UTINYINT AS ut, 65535::USMALLINT AS us, 4294967295::UINTEGER AS ui, "
      "0.5::FLOAT AS f");
  ASSERT_EQ(table.num_columns(), 7U);
  const std::vector<int64_t> expected = {-5, -300, 2147483647, 255, 65535, 4294967295};
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(table.column(i).type(), ColumnType::kBigint) << i;
    EXPECT_EQ(table.column(i).bigints()[0], expected[i]) << i;
  }
  ASSERT_EQ(table.column(6).type(), ColumnType::kDouble);
  EXPECT_EQ(table.column(6).doubles()[0], 0.5);
}

TEST_F(DatabaseTest, FetchTableRejectsTypesATableCannotHold) {
  for (const char* sql : {"SELECT 1::HUGEINT AS h", "SELECT 1.5::DECIMAL(10, 2) AS h",
                          "SELECT TIMESTAMP '2024-01-01 10:00:00' AS h", "SELECT [1, 2] AS h",
                          "SELECT 1::UBIGINT AS h"}) {
    Result<QueryResult> result = conn_->Query(sql);
    ASSERT_TRUE(result.ok()) << sql;
    Result<Table> table = result->FetchTable();
    ASSERT_FALSE(table.ok()) << sql;
    EXPECT_EQ(table.status().code(), ErrorCode::kInvalidArgument) << sql;
    EXPECT_NE(table.status().message().find("'h'"), std::string::npos) << table.status().message();
  }
}

TEST_F(DatabaseTest, FetchTableRejectsRepeatedColumnNames) {
  Result<QueryResult> result = conn_->Query("SELECT 1 AS a, 2 AS a");
  ASSERT_TRUE(result.ok());
  Result<Table> table = result->FetchTable();
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(DatabaseTest, FetchTableReadsManyChunks) {
  // 10,000 rows span five DuckDB vectors of 2,048; every 7th value is NULL.
  const Table table = Fetch(
      "SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i END AS n, 'row ' || i AS label "
      "FROM range(10000) r(i) ORDER BY i");
  ASSERT_EQ(table.num_rows(), 10000U);
  const Column& n = table.column(0);
  const Column& label = table.column(1);
  for (size_t row = 0; row < 10000; ++row) {
    ASSERT_EQ(n.is_null(row), row % 7 == 0) << row;
    if (n.is_valid(row)) {
      ASSERT_EQ(n.bigints()[row], static_cast<int64_t>(row));
    }
    ASSERT_EQ(label.varchars()[row], fmt::format("row {}", row));
  }
}

TEST_F(DatabaseTest, ResultMetadata) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE t (a INTEGER, b VARCHAR)").ok());
  Result<QueryResult> insert = conn_->Query("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')");
  ASSERT_TRUE(insert.ok());
  EXPECT_EQ(insert->rows_changed(), 3);
  Result<QueryResult> select = conn_->Query("SELECT a, b AS bee FROM t");
  ASSERT_TRUE(select.ok());
  EXPECT_EQ(select->column_count(), 2U);
  EXPECT_EQ(select->column_name(0), "a");
  EXPECT_EQ(select->column_name(1), "bee");
  // FetchTable consumes the rows: a second call sees none.
  EXPECT_EQ(select->FetchTable()->num_rows(), 3U);
  EXPECT_EQ(select->FetchTable()->num_rows(), 0U);
}

TEST_F(DatabaseTest, ErrorsCarryDuckDbMessageAndCode) {
  Result<QueryResult> missing = conn_->Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("no_such_table"), std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("Catalog Error"), std::string::npos)
      << missing.status().message();

  Result<QueryResult> syntax = conn_->Query("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(syntax.status().message().find("SELEC"), std::string::npos);

  Result<QueryResult> conversion = conn_->Query("SELECT CAST('abc' AS INTEGER)");
  ASSERT_FALSE(conversion.ok());
  EXPECT_EQ(conversion.status().code(), ErrorCode::kInvalidArgument);

  const Status io = conn_->Execute("COPY (SELECT 1) TO '/nonexistent-dir/x/y.csv'");
  ASSERT_FALSE(io.ok());
  EXPECT_EQ(io.code(), ErrorCode::kIoError);

  Result<PreparedStatement> prepare = conn_->Prepare("SELECT * FROM nowhere WHERE a = ?");
  ASSERT_FALSE(prepare.ok());
  EXPECT_EQ(prepare.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(prepare.status().message().find("nowhere"), std::string::npos);
}

TEST_F(DatabaseTest, PreparedStatementBindsEveryParameterType) {
  const Table table = Fetch(
      "SELECT ?::VARCHAR AS s, ?::DATE AS d, ?::DOUBLE AS x, ?::BIGINT AS i, "
      "?::BOOLEAN AS b, ?::VARCHAR AS n",
      {std::string("héllo wörld, long enough"), D("2030-12-31"), -0.5,
       int64_t{std::numeric_limits<int64_t>::max()}, true, nullptr});
  const Table expected =
      Table::Make({Column::Varchars("s", {"héllo wörld, long enough"}),
                   Column::Dates("d", {D("2030-12-31")}), Column::Doubles("x", {-0.5}),
                   Column::Bigints("i", {std::numeric_limits<int64_t>::max()}),
                   Column::Booleans("b", {1}), Column::Varchars("n", {""}, {0})})
          .value();
  EXPECT_EQ(table, expected);
}

TEST_F(DatabaseTest, ParametersAreValuesNeverSql) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE names (name VARCHAR)").ok());
  const std::string hostile = "x'); DROP TABLE names; --";
  ASSERT_TRUE(conn_->Query("INSERT INTO names VALUES (?)", {hostile}).ok());
  const Table table = Fetch("SELECT name FROM names");
  ASSERT_EQ(table.num_rows(), 1U);
  EXPECT_EQ(table.column(0).varchars()[0], hostile);
}

TEST_F(DatabaseTest, PreparedStatementRunsManyTimes) {
  Result<PreparedStatement> statement = conn_->Prepare("SELECT $1::BIGINT * 2 AS doubled");
  ASSERT_TRUE(statement.ok()) << statement.status().ToString();
  EXPECT_EQ(statement->parameter_count(), 1U);
  for (int64_t value : {1, 21, -4}) {
    ASSERT_TRUE(statement->Bind(1, value).ok());
    Result<QueryResult> result = statement->Execute();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->FetchTable()->column(0).bigints()[0], value * 2);
  }
}

TEST_F(DatabaseTest, BindingWrongParametersFails) {
  Result<PreparedStatement> statement = conn_->Prepare("SELECT ?::INTEGER AS a");
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->Bind(0, int64_t{1}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(statement->Bind(2, int64_t{1}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(statement->BindAll({int64_t{1}, int64_t{2}}).code(), ErrorCode::kInvalidArgument);
  Result<QueryResult> wrong_count = conn_->Query("SELECT ? AS a, ? AS b", {int64_t{1}});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(DatabaseTest, QuoteIdentifierMakesAnyNameOneIdentifier) {
  EXPECT_EQ(QuoteIdentifier("close"), "\"close\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  const std::string name = "we\"ird; DROP TABLE x; --";
  const Table table = Fetch("SELECT 1::BIGINT AS " + QuoteIdentifier(name));
  ASSERT_EQ(table.num_columns(), 1U);
  EXPECT_EQ(table.column(0).name(), name);
}

TEST_F(DatabaseTest, AppenderLoadsATableInChunks) {
  ASSERT_TRUE(
      conn_->Execute("CREATE TABLE t (s VARCHAR, d DATE, x DOUBLE, i BIGINT, b BOOLEAN)").ok());
  // 5,000 rows: three data chunks of 2,048, the last one partial; NULLs in every column.
  constexpr size_t kRows = 5000;
  Column s("s", ColumnType::kVarchar);
  Column d("d", ColumnType::kDate);
  Column x("x", ColumnType::kDouble);
  Column i("i", ColumnType::kBigint);
  Column b("b", ColumnType::kBoolean);
  for (size_t row = 0; row < kRows; ++row) {
    const auto n = static_cast<int64_t>(row);
    if (row % 11 == 3) {
      for (Column* c : {&s, &d, &x, &i, &b}) c->AppendNull();
      continue;
    }
    s.AppendVarchar(row % 2 == 0 ? fmt::format("s{}", row)
                                 : fmt::format("a longer string for row {}", row));
    d.AppendDate(Date::FromDays(static_cast<int32_t>(row)));
    x.AppendDouble(static_cast<double>(row) / 4.0);
    i.AppendBigint(n * 1000003);
    b.AppendBoolean(row % 3 == 0);
  }
  const Table input = Table::Make({s, d, x, i, b}).value();

  Result<Appender> appender = conn_->CreateAppender("t");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  EXPECT_EQ(appender->column_count(), 5U);
  ASSERT_TRUE(appender->AppendTable(input).ok());
  ASSERT_TRUE(appender->Close().ok());
  EXPECT_TRUE(appender->Close().ok());  // Closing twice is harmless.

  EXPECT_EQ(Fetch("SELECT * FROM t"), input);
}

TEST_F(DatabaseTest, AppenderRejectsMismatchAndBadText) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE t (s VARCHAR, n BIGINT NOT NULL)").ok());
  Result<Appender> appender = conn_->CreateAppender("t");
  ASSERT_TRUE(appender.ok());

  const Table one_column = Table::Make({Column::Varchars("s", {"x"})}).value();
  EXPECT_EQ(appender->AppendTable(one_column).code(), ErrorCode::kInvalidArgument);

  const Table bad_utf8 = Table::Make({Column::Varchars("s", {"ok", std::string("\xC3\x28", 2)}),
                                      Column::Bigints("n", {1, 2})})
                             .value();
  const Status status = appender->AppendTable(bad_utf8);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.message().find("row 1"), std::string::npos) << status.message();

  // A NOT NULL violation surfaces at the latest when the rows are flushed.
  const Table null_n =
      Table::Make({Column::Varchars("s", {"x"}), Column::Bigints("n", {0}, {0})}).value();
  const Status appended = appender->AppendTable(null_n);
  const Status closed = appended.ok() ? appender->Close() : appended;
  EXPECT_FALSE(closed.ok());
  EXPECT_EQ(Fetch("SELECT count(*)::BIGINT AS c FROM t").column(0).bigints()[0], 0);
}

TEST_F(DatabaseTest, AppenderForMissingTableFails) {
  Result<Appender> appender = conn_->CreateAppender("no_such_table");
  ASSERT_FALSE(appender.ok());
  EXPECT_EQ(appender.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(appender.status().message().find("no_such_table"), std::string::npos);
}

TEST_F(DatabaseTest, AppenderFindsTemporaryTables) {
  ASSERT_TRUE(conn_->Execute("CREATE TEMP TABLE staging (n BIGINT)").ok());
  Result<Appender> appender = conn_->CreateAppender("staging");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  ASSERT_TRUE(appender->AppendTable(Table::Make({Column::Bigints("n", {5, 6})}).value()).ok());
  ASSERT_TRUE(appender->Close().ok());
  EXPECT_EQ(Fetch("SELECT sum(n)::BIGINT AS s FROM staging").column(0).bigints()[0], 11);
}

TEST(DatabaseMoveTest, MovedObjectsKeepWorkingAndMovedFromOnesFailCleanly) {
  Result<Database> opened = Database::Open();
  ASSERT_TRUE(opened.ok());
  Database db = std::move(opened).value();
  Database moved_db = std::move(db);
  // Moved-from objects fail cleanly instead of touching a released handle.
  // NOLINTNEXTLINE(bugprone-use-after-move)
  EXPECT_EQ(db.Connect().status().code(), ErrorCode::kFailedPrecondition);

  Connection conn = moved_db.Connect().value();
  Connection moved_conn = std::move(conn);
  // NOLINTNEXTLINE(bugprone-use-after-move)
  EXPECT_EQ(conn.Query("SELECT 1").status().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(moved_conn.Execute("CREATE TABLE t (n BIGINT)").ok());

  // Move assignment closes the connection it replaces and takes over the other.
  Connection other = moved_db.Connect().value();
  other = std::move(moved_conn);
  ASSERT_TRUE(other.Execute("INSERT INTO t VALUES (1)").ok());

  PreparedStatement statement = other.Prepare("SELECT count(*)::BIGINT AS c FROM t").value();
  PreparedStatement moved_statement = std::move(statement);
  // NOLINTNEXTLINE(bugprone-use-after-move)
  EXPECT_EQ(statement.Execute().status().code(), ErrorCode::kFailedPrecondition);
  QueryResult result = moved_statement.Execute().value();
  QueryResult moved_result = std::move(result);
  // NOLINTNEXTLINE(bugprone-use-after-move)
  EXPECT_EQ(result.column_count(), 0U);
  EXPECT_EQ(moved_result.FetchTable()->column(0).bigints()[0], 1);

  Appender appender = other.CreateAppender("t").value();
  Appender moved_appender = std::move(appender);
  const Table two = Table::Make({Column::Bigints("n", {2})}).value();
  // NOLINTNEXTLINE(bugprone-use-after-move)
  EXPECT_EQ(appender.AppendTable(two).code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(moved_appender.AppendTable(two).ok());
  ASSERT_TRUE(moved_appender.Close().ok());
  EXPECT_EQ(other.Query("SELECT sum(n)::BIGINT FROM t")->FetchTable()->column(0).bigints()[0], 3);
}

TEST(DatabaseLifetimeTest, ConnectionKeepsTheDatabaseAlive) {
  std::optional<Connection> conn;
  {
    Database db = Database::Open().value();
    conn.emplace(db.Connect().value());
    ASSERT_TRUE(conn->Execute("CREATE TABLE t AS SELECT 7::BIGINT AS n").ok());
  }
  Result<QueryResult> result = conn->Query("SELECT n FROM t");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->FetchTable()->column(0).bigints()[0], 7);
}

TEST(DatabaseOptionsTest, ThreadsAndMemoryLimitAreApplied) {
  Result<Database> db = Database::Open(Options(/*threads=*/3, "512MB"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Connection conn = db->Connect().value();
  const Table table = conn.Query(
                              "SELECT current_setting('threads')::BIGINT AS threads, "
                              "current_setting('memory_limit') AS memory")
                          ->FetchTable()
                          .value();
  EXPECT_EQ(table.column(0).bigints()[0], 3);
  // DuckDB reports the limit in its own units (512MB = 488.2 MiB).
  EXPECT_FALSE(table.column(1).varchars()[0].empty());
  EXPECT_NE(table.column(1).varchars()[0], "0 bytes");
}

TEST(DatabaseOptionsTest, BadMemoryLimitIsAnError) {
  Result<Database> db = Database::Open(Options(/*threads=*/0, "lots"));
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("lots"), std::string::npos) << db.status().message();
}

TEST(DatabaseFileTest, FileDatabasePersists) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::filesystem::path path = dir.path() / "store.duckdb";
  {
    Database db = Database::Open(Options(/*threads=*/0, "", path)).value();
    Connection conn = db.Connect().value();
    ASSERT_TRUE(conn.Execute("CREATE TABLE t AS SELECT 'kept' AS v").ok());
  }
  Database db = Database::Open(Options(/*threads=*/0, "", path)).value();
  Connection conn = db.Connect().value();
  EXPECT_EQ(conn.Query("SELECT v FROM t")->FetchTable()->column(0).varchars()[0], "kept");
}

TEST(DatabaseFileTest, FileInMissingDirectoryIsAnIoError) {
  TempDir dir;
  Result<Database> db =
      Database::Open(Options(/*threads=*/0, "", dir.path() / "missing" / "store.duckdb"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), ErrorCode::kIoError);
  EXPECT_NE(db.status().message().find("store.duckdb"), std::string::npos);
}

TEST(DatabaseThreadTest, OneConnectionPerThreadOnASharedDatabase) {
  Database db = Database::Open(Options(/*threads=*/2)).value();
  {
    Connection setup = db.Connect().value();
    ASSERT_TRUE(setup.Execute("CREATE TABLE numbers AS SELECT range AS n FROM range(1000)").ok());
  }
  constexpr int kThreads = 4;
  std::vector<int64_t> sums(kThreads, -1);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&db, &sums, t] {
      Result<Connection> conn = db.Connect();
      if (!conn.ok()) return;
      int64_t total = 0;
      for (int round = 0; round < 20; ++round) {
        Result<QueryResult> result =
            conn->Query("SELECT sum(n)::BIGINT FROM numbers WHERE n % ? = 0", {int64_t{t + 1}});
        if (!result.ok()) return;
        Result<Table> table = result->FetchTable();
        if (!table.ok()) return;
        total += table->column(0).bigints()[0];
      }
      sums[t] = total;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    int64_t expected = 0;
    for (int64_t n = 0; n < 1000; n += t + 1) expected += n;
    EXPECT_EQ(sums[t], expected * 20) << "thread " << t;
  }
}

}  // namespace
}  // namespace tickerflow::table
