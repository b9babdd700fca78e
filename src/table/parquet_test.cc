#include "table/parquet.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "table/database.h"
#include "table/table_test_util.h"

namespace tickerflow::table {
namespace {

Date D(const char* text) { return Date::Parse(text).value(); }

// Five columns, one of each type, with a NULL in every column and both short (inlined by
// DuckDB, <= 12 bytes) and long strings.
Table EveryTypeWithNulls() {
  return Table::Make(
             {Column::Varchars("symbol", {"AAPL", "", "a string of more than twelve bytes", "x"},
                               {1, 1, 1, 0}),
              Column::Dates("date", {D("2024-01-02"), D("1970-01-01"), D("1969-12-31"), Date()},
                            {1, 1, 0, 1}),
              Column::Doubles("close", {189.25, 0.0, -1.5, 1e-300}, {0, 1, 1, 1}),
              Column::Bigints("volume", {1, 0, -1, 123456789012345}, {1, 0, 1, 1}),
              Column::Booleans("golden_cross", {1, 0, 1, 0}, {1, 1, 0, 1})})
      .value();
}

// Options with `rows` per row group and the rest at their defaults.
ParquetWriteOptions RowGroups(int64_t rows) {
  ParquetWriteOptions options;
  options.row_group_size = rows;
  return options;
}

// The bytes of a file.
std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(std::filesystem::file_size(path), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void WriteBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class ParquetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "cannot create a temporary directory";
    Result<Database> db = Database::Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_.emplace(std::move(db).value());
    conn_.emplace(db_->Connect().value());
  }

  std::filesystem::path Path(const std::string& name) const { return dir_.path() / name; }

  // Writes `table` to `name` and reads it back, both on the shared connection.
  Table RoundTrip(const Table& table, const std::string& name,
                  const ParquetWriteOptions& options = {}) {
    const Status written = WriteParquet(*conn_, table, Path(name), options);
    EXPECT_TRUE(written.ok()) << written.ToString();
    Result<Table> read = ReadParquet(*conn_, Path(name));
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() ? std::move(read).value() : Table();
  }

  // Runs a query over file `name` whose SQL holds one `?` for the path.
  Table QueryFile(const std::string& sql, const std::string& name) {
    Result<QueryResult> result = conn_->Query(sql, {Path(name).string()});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return Table();
    Result<Table> table = result->FetchTable();
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(table).value() : Table();
  }

  TempDir dir_;
  std::optional<Database> db_;
  std::optional<Connection> conn_;
};

TEST_F(ParquetTest, RoundTripsEveryTypeWithNulls) {
  const Table table = EveryTypeWithNulls();
  EXPECT_EQ(RoundTrip(table, "every_type.parquet"), table);
}

TEST_F(ParquetTest, ConvenienceFunctionsRoundTrip) {
  const Table table = EveryTypeWithNulls();
  const Status written = WriteParquet(table, Path("convenience.parquet"));
  ASSERT_TRUE(written.ok()) << written.ToString();
  Result<Table> read = ReadParquet(Path("convenience.parquet"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(ParquetTest, EmptyTableGivesAFileWithTheSchema) {
  const Table empty =
      Table::Make({Column("symbol", ColumnType::kVarchar), Column("date", ColumnType::kDate),
                   Column("close", ColumnType::kDouble), Column("volume", ColumnType::kBigint),
                   Column("stale", ColumnType::kBoolean)})
          .value();
  const Table read = RoundTrip(empty, "empty.parquet");
  EXPECT_EQ(read, empty);
  EXPECT_EQ(read.num_rows(), 0U);
  ASSERT_EQ(read.num_columns(), 5U);
  EXPECT_EQ(read.column(1).type(), ColumnType::kDate);
  EXPECT_EQ(read.column(4).type(), ColumnType::kBoolean);
  EXPECT_EQ(QueryFile("SELECT num_rows FROM parquet_file_metadata(?)", "empty.parquet")
                .column(0)
                .bigints()[0],
            0);
}

TEST_F(ParquetTest, ManyRowsSpanVectorsAndRowGroups) {
  // 100,000 rows: 49 DuckDB vectors of 2,048, and 10 row groups of 10,000.
  constexpr size_t kRows = 100000;
  std::vector<std::string> symbols(kRows);
  std::vector<Date> dates(kRows);
  std::vector<double> closes(kRows);
  std::vector<int64_t> volumes(kRows);
  std::vector<uint8_t> flags(kRows);
  std::vector<uint8_t> valid(kRows);
  for (size_t row = 0; row < kRows; ++row) {
    symbols[row] = row % 5 == 0 ? fmt::format("T{}", row % 97) : fmt::format("symbol-name-{}", row);
    dates[row] = Date::FromDays(static_cast<int32_t>(row) - 50000);
    closes[row] = static_cast<double>(row) * 0.01 - 250.0;
    volumes[row] = static_cast<int64_t>(row) * 1000 - 7;
    flags[row] = row % 3 == 0 ? 1 : 0;
    valid[row] = row % 13 == 5 ? 0 : 1;
  }
  const Table table =
      Table::Make({Column::Varchars("symbol", symbols, valid), Column::Dates("date", dates),
                   Column::Doubles("close", closes, valid), Column::Bigints("volume", volumes),
                   Column::Booleans("flag", flags, valid)})
          .value();
  const Table read = RoundTrip(table, "many.parquet", RowGroups(10000));
  ASSERT_EQ(read.num_rows(), kRows);
  EXPECT_EQ(read, table);  // Same rows in the same order.
  EXPECT_EQ(QueryFile("SELECT count(DISTINCT row_group_id)::BIGINT FROM parquet_metadata(?)",
                      "many.parquet")
                .column(0)
                .bigints()[0],
            10);
}

TEST_F(ParquetTest, DefaultRowGroupSizeKeepsADailyFileInOneRowGroup) {
  std::vector<int64_t> values(5000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i);
  const Table table = Table::Make({Column::Bigints("n", values)}).value();
  EXPECT_EQ(RoundTrip(table, "daily.parquet"), table);
  EXPECT_EQ(QueryFile("SELECT count(DISTINCT row_group_id)::BIGINT FROM parquet_metadata(?)",
                      "daily.parquet")
                .column(0)
                .bigints()[0],
            1);
}

TEST_F(ParquetTest, UnicodeAndLongStringsSurvive) {
  const std::vector<std::string> strings = {
      "",
      "a",
      "exactly12byt",   // The longest string DuckDB inlines.
      "exactly13byte",  // The shortest it stores out of line.
      "Société Générale",
      "日本語のテキスト",
      "emoji 📈📉 and more",
      "quote ' double \" backslash \\ newline \n tab \t",
      std::string(10000, 'x') + "end",
      std::string("embedded\0nul", 12),
  };
  const Table table = Table::Make({Column::Varchars("text", strings)}).value();
  EXPECT_EQ(RoundTrip(table, "strings.parquet"), table);
}

TEST_F(ParquetTest, ExtremeValuesSurviveExactly) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Table table =
      Table::Make(
          {Column::Dates("date",
                         {D("0001-01-01"), D("9999-12-31"), Date::FromDays(-10'000'000),
                          Date::FromDays(10'000'000), Date::FromDays(0), Date::FromDays(-1),
                          D("2000-02-29"), D("1900-03-01"), D("2262-04-12"), D("1677-09-21")}),
           Column::Doubles(
               "value", {-0.0, 0.0, std::numeric_limits<double>::max(),
                         std::numeric_limits<double>::lowest(), std::numeric_limits<double>::min(),
                         std::numeric_limits<double>::denorm_min(), inf, -inf, nan, 0.1}),
           Column::Bigints(
               "count",
               {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1, 1,
                std::numeric_limits<int64_t>::min() + 1, std::numeric_limits<int64_t>::max() - 1,
                int64_t{1} << 53, (int64_t{1} << 53) + 1, -(int64_t{1} << 62)})})
          .value();
  const Table read = RoundTrip(table, "extreme.parquet");
  EXPECT_EQ(read, table);
  ASSERT_EQ(read.num_rows(), 10U);
  EXPECT_TRUE(std::signbit(read.column(1).doubles()[0]));  // -0.0 keeps its sign.
  EXPECT_TRUE(std::isnan(read.column(1).doubles()[8]));
}

TEST_F(ParquetTest, AllNullColumnsRoundTrip) {
  const Table table =
      Table::Make({Column::Varchars("s", {"", ""}, {0, 0}),
                   Column::Dates("d", {Date(), Date()}, {0, 0}),
                   Column::Doubles("x", {0, 0}, {0, 0}), Column::Bigints("i", {0, 0}, {0, 0}),
                   Column::Booleans("b", {0, 0}, {0, 0})})
          .value();
  EXPECT_EQ(RoundTrip(table, "all_null.parquet"), table);
}

TEST_F(ParquetTest, ColumnNamesAndOrderAreKept) {
  const Table table = Table::Make({Column::Bigints("zeta", {1}), Column::Bigints("Alpha", {2}),
                                   Column::Bigints("with space", {3}),
                                   Column::Bigints("quote\"d", {4}), Column::Bigints("m", {5})})
                          .value();
  const Table read = RoundTrip(table, "names.parquet");
  EXPECT_EQ(read.ColumnNames(), table.ColumnNames());
  EXPECT_EQ(read, table);
}

TEST_F(ParquetTest, FileUsesZstdStatisticsAndParquetTypes) {
  ASSERT_TRUE(WriteParquet(*conn_, EveryTypeWithNulls(), Path("meta.parquet")).ok());

  // Every column chunk is zstd-compressed and carries min, max and null count.
  const Table chunks = QueryFile(
      "SELECT path_in_schema, compression, stats_min_value, stats_max_value, "
      "stats_null_count::BIGINT AS nulls FROM parquet_metadata(?) ORDER BY column_id",
      "meta.parquet");
  ASSERT_EQ(chunks.num_rows(), 5U);
  const std::vector<std::string> names = {"symbol", "date", "close", "volume", "golden_cross"};
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(chunks.column(0).varchars()[i], names[i]);
    EXPECT_EQ(chunks.column(1).varchars()[i], "ZSTD") << names[i];
    EXPECT_TRUE(chunks.column(2).is_valid(i)) << names[i] << " has no min statistic";
    EXPECT_TRUE(chunks.column(3).is_valid(i)) << names[i] << " has no max statistic";
    EXPECT_EQ(chunks.column(4).bigints()[i], 1) << names[i];  // One NULL per column.
  }
  EXPECT_EQ(chunks.column(2).varchars()[1], "1970-01-01");  // date min
  EXPECT_EQ(chunks.column(3).varchars()[1], "2024-01-02");  // date max
  EXPECT_EQ(chunks.column(2).varchars()[3], "-1");          // volume min
  EXPECT_EQ(chunks.column(3).varchars()[3], "123456789012345");

  // Physical and annotated types. DuckDB 1.4 marks DATE with the converted type DATE (which
  // every reader maps to a date) and leaves the newer logical_type field unset for it.
  const Table schema = QueryFile(
      "SELECT name, type, converted_type FROM parquet_schema(?) WHERE name <> 'duckdb_schema'",
      "meta.parquet");
  const Table expected_schema =
      Table::Make(
          {Column::Varchars("name", names),
           Column::Varchars("type", {"BYTE_ARRAY", "INT32", "DOUBLE", "INT64", "BOOLEAN"}),
           Column::Varchars("converted_type", {"UTF8", "DATE", "", "INT_64", ""}, {1, 1, 0, 1, 0})})
          .value();
  EXPECT_EQ(schema, expected_schema);

  // And DuckDB, reading the file as any reader would, sees the SQL types.
  const Table described =
      QueryFile("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                "meta.parquet");
  EXPECT_EQ(described.column(1).varchars(),
            (std::vector<std::string>{"VARCHAR", "DATE", "DOUBLE", "BIGINT", "BOOLEAN"}));
}

// The daily files' settings: zstd level 1, no dictionary pages, and key-value pairs in the
// footer whose values are bound, so any text survives.
TEST_F(ParquetTest, CompressionLevelDictionaryAndFooterMetadataApply) {
  std::vector<double> repeated(5000);
  for (size_t i = 0; i < repeated.size(); ++i) repeated[i] = static_cast<double>(i % 7);
  const Table table = Table::Make({Column::Doubles("x", repeated)}).value();
  ParquetWriteOptions options;
  options.compression_level = 1;
  options.dictionary_encoding = false;
  options.footer_metadata = {{"tickerflow.a", "{\"v\": 'quoted' ?}"}, {"b", ""}};
  EXPECT_EQ(RoundTrip(table, "plain.parquet", options), table);
  const Table encodings =
      QueryFile("SELECT encodings, compression FROM parquet_metadata(?)", "plain.parquet");
  ASSERT_EQ(encodings.num_rows(), 1u);
  EXPECT_EQ(encodings.column(0).varchars()[0].find("DICTIONARY"), std::string::npos)
      << encodings.column(0).varchars()[0];
  EXPECT_EQ(encodings.column(1).varchars()[0], "ZSTD");
  const Table metadata = QueryFile(
      "SELECT decode(key), decode(value) FROM parquet_kv_metadata(?) ORDER BY 1", "plain.parquet");
  ASSERT_EQ(metadata.num_rows(), 2u);
  EXPECT_EQ(metadata.column(0).varchars()[0], "b");
  EXPECT_EQ(metadata.column(1).varchars()[0], "");
  EXPECT_EQ(metadata.column(0).varchars()[1], "tickerflow.a");
  EXPECT_EQ(metadata.column(1).varchars()[1], "{\"v\": 'quoted' ?}");

  // With the defaults, the same column of seven distinct values is dictionary-encoded.
  EXPECT_EQ(RoundTrip(table, "dictionary.parquet"), table);
  const Table defaults =
      QueryFile("SELECT encodings FROM parquet_metadata(?)", "dictionary.parquet");
  EXPECT_NE(defaults.column(0).varchars()[0].find("DICTIONARY"), std::string::npos)
      << defaults.column(0).varchars()[0];
}

TEST_F(ParquetTest, OverwritingAFileReplacesItsContent) {
  // Two writes to the same path within the same second must not read back the first file.
  const Table first = Table::Make({Column::Bigints("n", {1, 2, 3})}).value();
  const Table second = Table::Make({Column::Bigints("n", {4, 5, 6})}).value();
  EXPECT_EQ(RoundTrip(first, "same.parquet"), first);
  EXPECT_EQ(RoundTrip(second, "same.parquet"), second);
}

TEST_F(ParquetTest, PathsWithQuotesAndBracketsAreBoundNotPasted) {
  const std::filesystem::path odd = dir_.path() / "it's [odd] dir; DROP TABLE x";
  ASSERT_TRUE(std::filesystem::create_directory(odd));
  const Table table = EveryTypeWithNulls();
  ASSERT_TRUE(WriteParquet(*conn_, table, odd / "f'1.parquet").ok());
  Result<Table> read = ReadParquet(*conn_, odd / "f'1.parquet");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(ParquetTest, HivePartitionDirectoriesAddNoColumns) {
  const std::filesystem::path partition = dir_.path() / "date=2024-01-02";
  ASSERT_TRUE(std::filesystem::create_directory(partition));
  const Table table = Table::Make({Column::Bigints("n", {1})}).value();
  ASSERT_TRUE(WriteParquet(*conn_, table, partition / "x.parquet").ok());
  Result<Table> read = ReadParquet(*conn_, partition / "x.parquet");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, table);
}

TEST_F(ParquetTest, ReadingAMissingFileIsNotFound) {
  Result<Table> read = ReadParquet(*conn_, Path("missing.parquet"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(read.status().message().find("missing.parquet"), std::string::npos);
}

TEST_F(ParquetTest, ReadingADirectoryIsAnError) {
  Result<Table> read = ReadParquet(*conn_, dir_.path());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ParquetTest, ReadingANonParquetFileIsCorruptData) {
  WriteBytes(Path("text.parquet"), "symbol,date\nAAPL,2024-01-02\n");
  WriteBytes(Path("zero.parquet"), "");
  WriteBytes(Path("magic_only.parquet"), "PAR1xxxxPAR1");
  for (const char* name : {"text.parquet", "zero.parquet", "magic_only.parquet"}) {
    Result<Table> read = ReadParquet(*conn_, Path(name));
    ASSERT_FALSE(read.ok()) << name;
    EXPECT_EQ(read.status().code(), ErrorCode::kCorruptData) << name;
    EXPECT_NE(read.status().message().find(name), std::string::npos) << read.status().message();
  }
}

TEST_F(ParquetTest, ReadingATruncatedOrDamagedFileIsCorruptData) {
  std::vector<int64_t> values(20000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i * i);
  const Table table = Table::Make({Column::Bigints("n", values)}).value();
  ASSERT_TRUE(WriteParquet(*conn_, table, Path("whole.parquet")).ok());
  const std::string bytes = ReadBytes(Path("whole.parquet"));
  ASSERT_GT(bytes.size(), 100U);

  WriteBytes(Path("half.parquet"), bytes.substr(0, bytes.size() / 2));
  WriteBytes(Path("no_footer.parquet"), bytes.substr(0, bytes.size() - 1));
  // The footer intact but the column data overwritten: the pages no longer decompress.
  std::string damaged = bytes;
  for (size_t i = 4; i < bytes.size() / 2; ++i) damaged[i] = static_cast<char>(0xA5);
  WriteBytes(Path("damaged.parquet"), damaged);

  for (const char* name : {"half.parquet", "no_footer.parquet", "damaged.parquet"}) {
    Result<Table> read = ReadParquet(*conn_, Path(name));
    ASSERT_FALSE(read.ok()) << name;
    EXPECT_EQ(read.status().code(), ErrorCode::kCorruptData)
        << name << ": " << read.status().ToString();
  }
  // The connection is still usable afterwards.
  EXPECT_EQ(RoundTrip(table, "again.parquet"), table);
}

TEST_F(ParquetTest, ForeignFilesReadWithWidenedOrRejectedTypes) {
  ASSERT_TRUE(conn_
                  ->Query("COPY (SELECT 7::INTEGER AS i, 0.5::FLOAT AS f) TO ? (FORMAT parquet)",
                          {Path("ints.parquet").string()})
                  .ok());
  Result<Table> ints = ReadParquet(*conn_, Path("ints.parquet"));
  ASSERT_TRUE(ints.ok()) << ints.status().ToString();
  EXPECT_EQ(*ints, Table::Make({Column::Bigints("i", {7}), Column::Doubles("f", {0.5})}).value());

  ASSERT_TRUE(conn_
                  ->Query("COPY (SELECT TIMESTAMP '2024-01-02 03:04:05' AS ts) TO ? "
                          "(FORMAT parquet)",
                          {Path("ts.parquet").string()})
                  .ok());
  Result<Table> ts = ReadParquet(*conn_, Path("ts.parquet"));
  ASSERT_FALSE(ts.ok());
  EXPECT_EQ(ts.status().code(), ErrorCode::kCorruptData);
  EXPECT_NE(ts.status().message().find("'ts'"), std::string::npos) << ts.status().message();
}

TEST_F(ParquetTest, WritingIntoAMissingDirectoryIsAnIoError) {
  const std::filesystem::path path = dir_.path() / "no" / "such" / "dir" / "x.parquet";
  const Status status = WriteParquet(*conn_, EveryTypeWithNulls(), path);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_NE(status.message().find(path.string()), std::string::npos) << status.message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ParquetTest, InvalidWritesAreRejectedAndLeaveTheConnectionClean) {
  EXPECT_EQ(WriteParquet(*conn_, Table(), Path("no_columns.parquet")).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(WriteParquet(*conn_, EveryTypeWithNulls(), Path("x.parquet"), RowGroups(0)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(WriteParquet(*conn_, EveryTypeWithNulls(), "").code(), ErrorCode::kInvalidArgument);
  for (const int level : {0, 23}) {
    ParquetWriteOptions options;
    options.compression_level = level;
    EXPECT_EQ(WriteParquet(*conn_, EveryTypeWithNulls(), Path("x.parquet"), options).code(),
              ErrorCode::kInvalidArgument);
  }
  ParquetWriteOptions quoted_key;
  quoted_key.footer_metadata = {{"it's", "value"}};
  EXPECT_EQ(WriteParquet(*conn_, EveryTypeWithNulls(), Path("x.parquet"), quoted_key).code(),
            ErrorCode::kInvalidArgument);
  const Table bad_utf8 =
      Table::Make({Column::Varchars("s", {"fine", std::string("\xFF\xFE", 2)})}).value();
  EXPECT_EQ(WriteParquet(*conn_, bad_utf8, Path("bad.parquet")).code(),
            ErrorCode::kInvalidArgument);

  // Nothing is left behind in the database, and the next write works.
  EXPECT_EQ(conn_->Query("SELECT count(*)::BIGINT FROM duckdb_tables() WHERE temporary")
                ->FetchTable()
                ->column(0)
                .bigints()[0],
            0);
  EXPECT_EQ(RoundTrip(EveryTypeWithNulls(), "after.parquet"), EveryTypeWithNulls());
}

TEST_F(ParquetTest, WriterReusesOneConnectionForManyFilesOfDifferentSchemas) {
  Result<ParquetWriter> writer = ParquetWriter::Create(*db_, RowGroups(1000));
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (int i = 0; i < 30; ++i) {
    const Table table =
        i % 2 == 0 ? EveryTypeWithNulls()
                   : Table::Make({Column::Bigints(fmt::format("n{}", i), {i, i + 1})}).value();
    const std::string name = fmt::format("file{}.parquet", i);
    ASSERT_TRUE(writer->Write(table, Path(name)).ok()) << name;
    Result<Table> read = ReadParquet(writer->connection(), Path(name));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, table) << name;
  }
  EXPECT_EQ(writer->connection()
                .Query("SELECT count(*)::BIGINT FROM duckdb_tables() WHERE temporary")
                ->FetchTable()
                ->column(0)
                .bigints()[0],
            0);
}

TEST_F(ParquetTest, OneWriterPerThreadOnASharedDatabase) {
  constexpr int kThreads = 4;
  constexpr int kFilesPerThread = 15;
  std::vector<int> written(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &written, t] {
      Result<ParquetWriter> writer = ParquetWriter::Create(*db_);
      if (!writer.ok()) return;
      for (int f = 0; f < kFilesPerThread; ++f) {
        const std::string name = fmt::format("t{}_{}.parquet", t, f);
        const Table table =
            Table::Make({Column::Varchars("symbol", {name, "long enough to be out of line"}),
                         Column::Bigints("n", {t, f})})
                .value();
        if (!writer->Write(table, Path(name)).ok()) return;
        Result<Table> read = ReadParquet(writer->connection(), Path(name));
        if (!read.ok() || !(*read == table)) return;
        ++written[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(written[t], kFilesPerThread) << "thread " << t;
}

}  // namespace
}  // namespace tickerflow::table
