#include "screener/scan_latest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "screener/daily_footer.h"
#include "screener/daily_test_util.h"
#include "table/parquet.h"
#include "table/table_source.h"
#include "table/table_test_util.h"

namespace tickerflow::screener {
namespace {

using table::Column;
using table::Table;
using table::TempDir;

Date D(const char* text) { return Date::Parse(text).value(); }

// Row `row` of `table` as a one-row table with the same columns.
Table RowOf(const Table& table, size_t row) {
  std::vector<Column> columns;
  for (const Column& column : table.columns()) {
    Column one(column.name(), column.type());
    if (column.is_null(row)) {
      one.AppendNull();
    } else {
      switch (column.type()) {
        case table::ColumnType::kVarchar:
          one.AppendVarchar(column.varchars()[row]);
          break;
        case table::ColumnType::kDate:
          one.AppendDate(column.dates()[row]);
          break;
        case table::ColumnType::kDouble:
          one.AppendDouble(column.doubles()[row]);
          break;
        case table::ColumnType::kBigint:
          one.AppendBigint(column.bigints()[row]);
          break;
        case table::ColumnType::kBoolean:
          one.AppendBoolean(column.booleans()[row] != 0);
          break;
      }
    }
    columns.push_back(std::move(one));
  }
  return Table::Make(std::move(columns)).value();
}

class ScanLatestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
    connection_ = std::make_unique<table::Connection>(database_->Connect().value());
  }

  // Writes a synthetic daily file and returns its path. With `footer`, through WriteDailyFile.
  std::filesystem::path Write(const std::string& symbol, size_t rows, Date last, bool footer,
                              int64_t row_group_size = 2048) {
    const Table daily =
        testing::MakeSyntheticDaily(symbol, rows, last, std::hash<std::string>()(symbol));
    const std::filesystem::path path = dir_.path() / (symbol + ".parquet");
    table::ParquetWriteOptions options;
    options.row_group_size = row_group_size;
    const Status written = footer ? WriteDailyFile(*connection_, daily, path, options)
                                  : table::WriteParquet(*connection_, daily, path, options);
    EXPECT_TRUE(written.ok()) << written.ToString();
    return path;
  }

  // The last row of the file at `path`, read in full by table::ReadParquet.
  Table ExpectedLastRow(const std::filesystem::path& path) {
    const Table all = table::ReadParquet(*connection_, path).value();
    return RowOf(all, all.num_rows() - 1);
  }

  void WriteBytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }

  TempDir dir_;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
};

TEST_F(ScanLatestTest, DailyColumnsFollowTheDesign) {
  const std::vector<DailyColumn>& columns = DailyColumns();
  ASSERT_EQ(columns.size(), 41U);
  EXPECT_EQ(columns[0].name, "symbol");
  EXPECT_EQ(columns[1].name, "date");
  EXPECT_EQ(columns[1].type, table::ColumnType::kDate);
  EXPECT_EQ(columns[7].name, "volume");
  EXPECT_EQ(columns[7].type, table::ColumnType::kBigint);
  EXPECT_EQ(columns[10].name, "change_percent");
  EXPECT_EQ(columns[11].name, "bb_bbm");
  EXPECT_EQ(columns[14].name, "bb_bbhi");
  EXPECT_EQ(columns[14].type, table::ColumnType::kBoolean);
  EXPECT_EQ(columns[40].name, "stoch_under");
  // The synthetic files the tests write have exactly these columns.
  const Table daily = testing::MakeSyntheticDaily("X", 3, D("2024-01-05"), 1);
  ASSERT_EQ(daily.num_columns(), columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    EXPECT_EQ(daily.column(i).name(), columns[i].name);
    EXPECT_EQ(daily.column(i).type(), columns[i].type);
  }
}

// Every file's row equals the last row that a full read of the file gives, whether it comes
// from the data pages or from the footer summary, for many lengths and row group layouts.
TEST_F(ScanLatestTest, EqualsTheLastRowOfEveryFile) {
  struct Case {
    std::string symbol;
    size_t rows;
    int64_t row_group_size;
  };
  const std::vector<Case> cases = {
      {"ONE", 1, 2048},      {"TWO", 2, 2048},
      {"SHORT", 40, 2048},   {"YEAR", 260, 2048},
      {"EDGE", 2048, 2048},  {"EDGE1", 2049, 2048},
      {"LONG", 5040, 2048},  {"DEF", 5040, table::ParquetWriteOptions::kDefaultRowGroupSize},
      {"SMALLRG", 700, 100},
  };
  for (const bool footer : {false, true}) {
    SCOPED_TRACE(footer ? "with footer summaries" : "data pages only");
    std::vector<std::filesystem::path> paths;
    for (const Case& c : cases) {
      paths.push_back(Write(c.symbol, c.rows, D("2024-06-28"), footer, c.row_group_size));
    }
    const LatestRows latest = ScanLatest(*connection_, paths).value();
    EXPECT_TRUE(latest.failures.empty());
    ASSERT_EQ(latest.rows.num_rows(), cases.size());
    EXPECT_EQ(latest.rows_from_footer, footer ? cases.size() : 0U);
    // With summaries ignored, the pages give the same rows.
    ScanOptions pages_only;
    pages_only.read_footer_summaries = false;
    const LatestRows from_pages = ScanLatest(*connection_, paths, pages_only).value();
    EXPECT_EQ(from_pages.rows_from_footer, 0U);
    EXPECT_EQ(from_pages.rows, latest.rows);
    EXPECT_EQ(from_pages.files, latest.files);
    ASSERT_EQ(latest.files.size(), cases.size());
    std::vector<std::string> symbols = latest.rows.column(0).varchars();
    EXPECT_TRUE(std::is_sorted(symbols.begin(), symbols.end()));
    for (size_t row = 0; row < latest.rows.num_rows(); ++row) {
      SCOPED_TRACE(latest.files[row].string());
      EXPECT_EQ(latest.files[row].stem().string(), symbols[row]);
      EXPECT_EQ(RowOf(latest.rows, row), ExpectedLastRow(latest.files[row]));
    }
  }
}

TEST_F(ScanLatestTest, StaleFilesKeepTheirOwnLastDate) {
  const std::vector<std::filesystem::path> paths = {
      Write("FRESH", 300, D("2024-06-28"), false), Write("STALE", 300, D("2024-05-31"), false),
      Write("OLD", 3000, D("2019-03-15"), false),  Write("FRESH2", 10, D("2024-06-28"), false),
      Write("AHEAD", 30, D("2024-07-01"), false),
  };
  for (const std::optional<Date> hint :
       {std::optional<Date>(), std::optional<Date>(D("2024-06-28")),
        std::optional<Date>(D("2001-01-01"))}) {
    ScanOptions options;
    options.expected_last_date = hint;
    const LatestRows latest = ScanLatest(*connection_, paths, options).value();
    EXPECT_TRUE(latest.failures.empty());
    ASSERT_EQ(latest.rows.num_rows(), 5U);
    EXPECT_EQ(latest.rows.column(0).varchars(),
              (std::vector<std::string>{"AHEAD", "FRESH", "FRESH2", "OLD", "STALE"}));
    EXPECT_EQ(latest.rows.column(1).dates(),
              (std::vector<Date>{D("2024-07-01"), D("2024-06-28"), D("2024-06-28"), D("2019-03-15"),
                                 D("2024-05-31")}));
    for (size_t row = 0; row < latest.rows.num_rows(); ++row) {
      EXPECT_EQ(RowOf(latest.rows, row), ExpectedLastRow(latest.files[row]));
    }
  }
}

TEST_F(ScanLatestTest, ABadFileIsReportedAndTheOthersAreRead) {
  std::vector<std::filesystem::path> paths;
  for (int i = 0; i < 20; ++i) {
    paths.push_back(Write(fmt::format("S{:02}", i), 50 + i, D("2024-06-28"), i % 2 == 0));
  }
  const std::filesystem::path garbage = dir_.path() / "GARBAGE.parquet";
  std::string bytes(4000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919) % 251);
  WriteBytes(garbage, bytes);
  const std::filesystem::path truncated = dir_.path() / "TRUNC.parquet";
  {
    std::string whole(std::filesystem::file_size(paths[3]), '\0');
    std::ifstream in(paths[3], std::ios::binary);
    in.read(whole.data(), static_cast<std::streamsize>(whole.size()));
    WriteBytes(truncated, whole.substr(0, whole.size() / 2));
  }
  const std::filesystem::path magic_only = dir_.path() / "MAGIC.parquet";
  WriteBytes(magic_only, "PAR1garbagePAR1");
  const std::filesystem::path missing = dir_.path() / "MISSING.parquet";
  const std::filesystem::path directory = dir_.path() / "DIR.parquet";
  std::filesystem::create_directory(directory);
  const std::filesystem::path glob = dir_.path() / "G*.parquet";
  // A Parquet file that is not a daily file: no indicator columns.
  const std::filesystem::path other = dir_.path() / "OTHER.parquet";
  ASSERT_TRUE(table::WriteParquet(*connection_,
                                  Table::Make({Column::Varchars("symbol", {"OTHER"}),
                                               Column::Dates("date", {D("2024-06-28")})})
                                      .value(),
                                  other)
                  .ok());
  // A daily file whose volume is DOUBLE.
  const std::filesystem::path wrong_type = dir_.path() / "WRONG.parquet";
  {
    std::vector<Column> columns =
        Table(testing::MakeSyntheticDaily("WRONG", 20, D("2024-06-28"), 5)).TakeColumns();
    std::vector<double> volume(20, 1.5);
    columns[7] = Column::Doubles("volume", volume);
    ASSERT_TRUE(
        table::WriteParquet(*connection_, Table::Make(std::move(columns)).value(), wrong_type)
            .ok());
  }
  // A daily file without rows.
  const std::filesystem::path empty = dir_.path() / "EMPTY.parquet";
  {
    std::vector<Column> columns;
    for (const DailyColumn& column : DailyColumns()) {
      columns.emplace_back(std::string(column.name), column.type);
    }
    ASSERT_TRUE(
        table::WriteParquet(*connection_, Table::Make(std::move(columns)).value(), empty).ok());
  }

  std::vector<std::filesystem::path> all = paths;
  const std::vector<std::filesystem::path> bad = {
      garbage, truncated, magic_only, missing, directory, glob, other, wrong_type, empty};
  // Bad files at the front, the back and in the middle.
  all.insert(all.begin(), bad[0]);
  all.insert(all.begin() + 7, bad.begin() + 1, bad.begin() + 5);
  all.insert(all.end(), bad.begin() + 5, bad.end());

  const LatestRows latest = ScanLatest(*connection_, all).value();
  ASSERT_EQ(latest.rows.num_rows(), paths.size());
  for (size_t row = 0; row < latest.rows.num_rows(); ++row) {
    EXPECT_EQ(RowOf(latest.rows, row), ExpectedLastRow(latest.files[row]));
  }
  ASSERT_EQ(latest.failures.size(), bad.size());
  std::map<std::filesystem::path, ErrorCode> codes;
  for (const FileFailure& failure : latest.failures) {
    EXPECT_FALSE(failure.status.ok());
    codes[failure.file] = failure.status.code();
  }
  EXPECT_EQ(codes.at(garbage), ErrorCode::kCorruptData);
  EXPECT_EQ(codes.at(truncated), ErrorCode::kCorruptData);
  EXPECT_EQ(codes.at(magic_only), ErrorCode::kCorruptData);
  EXPECT_EQ(codes.at(missing), ErrorCode::kNotFound);
  EXPECT_EQ(codes.at(directory), ErrorCode::kInvalidArgument);
  EXPECT_EQ(codes.at(glob), ErrorCode::kInvalidArgument);
  EXPECT_EQ(codes.at(other), ErrorCode::kCorruptData);
  EXPECT_EQ(codes.at(wrong_type), ErrorCode::kCorruptData);
  EXPECT_EQ(codes.at(empty), ErrorCode::kCorruptData);
  // Failures come in input order and name their file.
  EXPECT_EQ(latest.failures.front().file, garbage);
  EXPECT_NE(latest.failures.front().status.message().find("GARBAGE.parquet"), std::string::npos);
}

TEST_F(ScanLatestTest, RepeatedPathsAreReadOnce) {
  const std::filesystem::path a = Write("AAA", 30, D("2024-06-28"), false);
  const std::filesystem::path b = Write("BBB", 30, D("2024-06-28"), true);
  const LatestRows latest =
      ScanLatest(*connection_, {b, a, b, dir_.path() / "." / "AAA.parquet"}).value();
  EXPECT_EQ(latest.rows.num_rows(), 2U);
  EXPECT_TRUE(latest.failures.empty());
}

TEST_F(ScanLatestTest, NoFilesGiveAnEmptyTableWithTheDailyColumns) {
  const LatestRows latest = ScanLatest(*connection_, {}).value();
  EXPECT_EQ(latest.rows.num_rows(), 0U);
  EXPECT_EQ(latest.rows.num_columns(), DailyColumns().size());
}

// A footer summary copied by a tool that rewrote the rows (pyarrow keeps key-value metadata and
// adds ARROW:schema) is not trusted: the rows are read.
TEST_F(ScanLatestTest, IgnoresTheSummaryOfAFileRewrittenByArrow) {
  const Table daily = testing::MakeSyntheticDaily("ARW", 100, D("2024-06-28"), 3);
  const Table older = testing::MakeSyntheticDaily("ARW", 90, D("2024-06-14"), 3);
  const std::string stale_summary = EncodeLastRowFooter(older).value();
  const std::filesystem::path path = dir_.path() / "ARW.parquet";
  const table::TableSource source = table::TableSource::Create(daily).value();
  ASSERT_TRUE(
      connection_
          ->Query(fmt::format("COPY (SELECT * FROM {}) TO ? (FORMAT parquet, "
                              "KV_METADATA {{'ARROW:schema': ?, 'tickerflow.last_row': ?}})",
                              source.sql()),
                  {path.string(), std::string("c2NoZW1h"), stale_summary})
          .ok());
  const LatestRows latest = ScanLatest(*connection_, {path}).value();
  ASSERT_EQ(latest.rows.num_rows(), 1U);
  EXPECT_EQ(latest.rows_from_footer, 0U);
  EXPECT_EQ(latest.rows.column(1).dates()[0], D("2024-06-28"));
  EXPECT_EQ(RowOf(latest.rows, 0), ExpectedLastRow(path));
}

// A summary that does not decode (another version, a missing column) is read from the pages.
TEST_F(ScanLatestTest, FallsBackToThePagesWhenTheSummaryIsUnusable) {
  const Table daily = testing::MakeSyntheticDaily("BAD", 100, D("2024-06-28"), 4);
  const table::TableSource source = table::TableSource::Create(daily).value();
  std::vector<std::filesystem::path> paths;
  const std::vector<std::string> summaries = {"not json", "{\"v\":2,\"row\":{}}",
                                              "{\"v\":1,\"row\":{\"symbol\":\"BAD\"}}"};
  for (size_t i = 0; i < summaries.size(); ++i) {
    paths.push_back(dir_.path() / fmt::format("BAD{}.parquet", i));
    ASSERT_TRUE(connection_
                    ->Query(fmt::format("COPY (SELECT * FROM {}) TO ? (FORMAT parquet, "
                                        "KV_METADATA {{'tickerflow.last_row': ?}})",
                                        source.sql()),
                            {paths.back().string(), summaries[i]})
                    .ok());
  }
  const LatestRows latest = ScanLatest(*connection_, paths).value();
  EXPECT_TRUE(latest.failures.empty());
  ASSERT_EQ(latest.rows.num_rows(), summaries.size());
  EXPECT_EQ(latest.rows_from_footer, 0U);
  for (size_t row = 0; row < latest.rows.num_rows(); ++row) {
    EXPECT_EQ(RowOf(latest.rows, row), ExpectedLastRow(latest.files[row]));
  }
}

// The summary keeps every value exactly: NULLs, -0.0, the extremes of double and BIGINT,
// strings that need escaping.
TEST_F(ScanLatestTest, FooterSummaryRoundTripsEveryValueExactly) {
  std::vector<Column> columns =
      Table(testing::MakeSyntheticDaily("Q\"T,\n\xc3\xa9", 3, D("2024-06-28"), 9)).TakeColumns();
  const double specials[] = {-0.0,
                             0.0,
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             0.1,
                             1e21,
                             123456789012345680000.0,
                             std::numeric_limits<double>::min(),
                             100.0};
  size_t special = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].type() != table::ColumnType::kDouble) continue;
    std::vector<double> values = columns[c].doubles();
    std::vector<uint8_t> valid(values.size(), 1);
    if (c % 5 == 0) {
      valid.back() = 0;
    } else {
      values.back() = specials[special++ % std::size(specials)];
    }
    columns[c] = Column::Doubles(columns[c].name(), values, valid);
  }
  columns[7] = Column::Bigints("volume", {1, 2, std::numeric_limits<int64_t>::min()});
  Table daily = Table::Make(std::move(columns)).value();
  const std::filesystem::path path = dir_.path() / "EXACT.parquet";
  ASSERT_TRUE(WriteDailyFile(*connection_, daily, path).ok());
  const LatestRows latest = ScanLatest(*connection_, {path}).value();
  ASSERT_EQ(latest.rows.num_rows(), 1U);
  EXPECT_EQ(latest.rows_from_footer, 1U);
  EXPECT_EQ(RowOf(latest.rows, 0), RowOf(daily, 2));
  EXPECT_EQ(RowOf(latest.rows, 0), ExpectedLastRow(path));

  // A non-finite value has no JSON form: no summary, and the scan reads the pages.
  std::vector<Column> with_nan = Table(daily).TakeColumns();
  std::vector<double> close = with_nan[5].doubles();
  close.back() = std::nan("");
  with_nan[5] = Column::Doubles("close", close);
  const Table nan_daily = Table::Make(std::move(with_nan)).value();
  EXPECT_FALSE(EncodeLastRowFooter(nan_daily).has_value());
  ASSERT_TRUE(WriteDailyFile(*connection_, nan_daily, path).ok());
  const LatestRows again = ScanLatest(*connection_, {path}).value();
  EXPECT_EQ(again.rows_from_footer, 0U);
  EXPECT_EQ(RowOf(again.rows, 0), RowOf(nan_daily, 2));
}

TEST(DailyFooterTest, DecodeRejectsWrongTypesAndLeavesColumnsUnchanged) {
  std::vector<Column> columns;
  columns.emplace_back("symbol", table::ColumnType::kVarchar);
  columns.emplace_back("date", table::ColumnType::kDate);
  columns.emplace_back("close", table::ColumnType::kDouble);
  columns.emplace_back("volume", table::ColumnType::kBigint);
  columns.emplace_back("flag", table::ColumnType::kBoolean);
  EXPECT_TRUE(DecodeLastRowFooter(
      R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1.5,"volume":7,"flag":true}})",
      columns));
  EXPECT_TRUE(DecodeLastRowFooter(
      R"({"v":1,"row":{"symbol":null,"date":null,"close":null,"volume":-3,"flag":null}})",
      columns));
  for (
      const char* bad : {
          R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1,"volume":7,"flag":true}})",
          R"({"v":1,"row":{"symbol":"A","date":"2024-02-30","close":1.5,"volume":7,"flag":true}})",
          R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1.5,"volume":7.5,"flag":true}})",
          R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1.5,"volume":9223372036854775808,"flag":true}})",
          R"({"v":1,"row":{"symbol":1,"date":"2024-01-02","close":1.5,"volume":7,"flag":true}})",
          R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1.5,"volume":7,"flag":1}})",
          R"({"v":1,"row":{"symbol":"A","date":"2024-01-02","close":1.5,"volume":7}})",
          R"({"v":"1","row":{}})",
          R"([1])",
          R"({"v":1,"row":{"symbol":"A")",
      }) {
    EXPECT_FALSE(DecodeLastRowFooter(bad, columns)) << bad;
  }
  ASSERT_EQ(columns[0].size(), 2U);
  EXPECT_EQ(columns[0].varchars()[0], "A");
  EXPECT_TRUE(columns[0].is_null(1));
  EXPECT_EQ(columns[1].dates()[0], D("2024-01-02"));
  EXPECT_EQ(columns[2].doubles()[0], 1.5);
  EXPECT_EQ(columns[3].bigints()[1], -3);
  EXPECT_EQ(columns[4].booleans()[0], 1);
}

}  // namespace
}  // namespace tickerflow::screener
