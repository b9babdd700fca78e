#include "screener/output.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/csv.h"
#include "table/parquet.h"
#include "table/table_test_util.h"

namespace tickerflow::screener {
namespace {

using table::Column;
using table::Table;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Date D(const char* text) { return Date::Parse(text).value(); }

// Strings that need care in CSV and JSON, doubles that need every digit, and NULLs.
Table Tricky() {
  const std::vector<std::string> text = {
      "plain",
      "comma, inside",
      "quote \" inside",
      "line\nbreak",
      "crlf\r\nbreak",
      " leading space",
      "",
      "unicode: caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\x88",
      "back\\slash and \t tab and \x01 control",
      "line separator \xe2\x80\xa8 here"};
  const size_t n = text.size();
  std::vector<double> doubles = {
      0.1,        -0.0,  1e21, 5e-324, std::numeric_limits<double>::max(),
      123456.789, 100.0, kNan, kInf,   -2.5};
  const std::vector<uint8_t> double_valid = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1};
  const std::vector<uint8_t> flag_valid = {1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
  std::vector<Date> dates;
  for (size_t i = 0; i < n; ++i) dates.push_back(D("2024-02-27") + static_cast<int32_t>(i));
  std::vector<uint8_t> flags;
  for (size_t i = 0; i < n; ++i) flags.push_back(static_cast<uint8_t>(i % 2));
  std::vector<int64_t> integers = {
      0,  -1, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 42, 7, 8, 9,
      10, 11};
  const std::vector<std::string>& with_null = text;
  const std::vector<uint8_t> null_valid = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
  return Table::Make({Column::Varchars("text", text),
                      Column::Doubles("number", doubles, double_valid),
                      Column::Dates("date", dates), Column::Booleans("flag", flags, flag_valid),
                      Column::Bigints("count", integers),
                      Column::Varchars("maybe \"quoted\", name", with_null, null_valid)})
      .value();
}

TEST(EncodeCsvTest, QuotesOnlyWhatMustBeQuotedAndReadsBack) {
  const Table table = Tricky();
  const std::string csv = EncodeCsv(table);
  // Header: a name with a quote and a comma is quoted.
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "text,number,date,flag,count,\"maybe \"\"quoted\"\", name\"");
  const CsvTable back = CsvTable::Parse(csv, "screener.csv").value();
  ASSERT_EQ(back.num_rows(), table.num_rows());
  ASSERT_EQ(back.num_columns(), table.num_columns());
  for (size_t row = 0; row < table.num_rows(); ++row) {
    const auto fields = back.row(row);
    EXPECT_EQ(fields[0], table.column(0).varchars()[row]);
    const Column& number = table.column(1);
    if (number.is_null(row) || !std::isfinite(number.doubles()[row])) {
      EXPECT_EQ(fields[1], "");  // NULL, and NaN/Infinity, are empty.
    } else {
      const double parsed = ParseDouble(fields[1]).value();
      EXPECT_EQ(std::signbit(parsed), std::signbit(number.doubles()[row]));
      EXPECT_EQ(parsed, number.doubles()[row]);
    }
    EXPECT_EQ(fields[2], table.column(2).dates()[row].ToString());
    EXPECT_EQ(fields[3], table.column(3).is_null(row)      ? ""
                         : table.column(3).booleans()[row] ? "true"
                                                           : "false");
    EXPECT_EQ(ParseInt64(fields[4]).value(), table.column(4).bigints()[row]);
    EXPECT_EQ(fields[5], table.column(5).is_null(row) ? "" : table.column(5).varchars()[row]);
  }
  // Shortest round-trip text, and only the fields that need it are quoted.
  EXPECT_NE(csv.find("\nplain,0.1,2024-02-27,false,0,plain\n"), std::string::npos);
  EXPECT_NE(csv.find("\n\"comma, inside\",-0,2024-02-28,true,-1,\"comma, inside\"\n"),
            std::string::npos);
  EXPECT_NE(csv.find("\"quote \"\" inside\",1e+21,2024-02-29,,9223372036854775807,"),
            std::string::npos);
  EXPECT_NE(csv.find(",5e-324,"), std::string::npos);
}

TEST(EncodeJsonTest, IsValidJsonWithExactValues) {
  const Table table = Tricky();
  const std::string json = EncodeJson(table);
  const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(json);
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), table.num_rows());
  for (size_t row = 0; row < table.num_rows(); ++row) {
    const nlohmann::ordered_json& object = parsed[row];
    ASSERT_TRUE(object.is_object());
    // Keys in column order.
    std::vector<std::string> keys;
    for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, table.ColumnNames());
    EXPECT_EQ(object.at("text").get<std::string>(), table.column(0).varchars()[row]);
    const Column& number = table.column(1);
    if (number.is_null(row) || !std::isfinite(number.doubles()[row])) {
      EXPECT_TRUE(object.at("number").is_null());
    } else {
      EXPECT_EQ(object.at("number").get<double>(), number.doubles()[row]);
    }
    EXPECT_EQ(object.at("date").get<std::string>(), table.column(2).dates()[row].ToString());
    if (table.column(3).is_null(row)) {
      EXPECT_TRUE(object.at("flag").is_null());
    } else {
      EXPECT_EQ(object.at("flag").get<bool>(), table.column(3).booleans()[row] != 0);
    }
    EXPECT_EQ(object.at("count").get<int64_t>(), table.column(4).bigints()[row]);
    if (table.column(5).is_null(row)) {
      EXPECT_TRUE(object.at("maybe \"quoted\", name").is_null());
    }
  }
  // Never NaN or Infinity; control characters and U+2028 escaped; other UTF-8 as is.
  EXPECT_EQ(json.find("NaN"), std::string::npos);
  EXPECT_EQ(json.find("nan"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  EXPECT_NE(json.find("\\u0001 control"), std::string::npos);
  EXPECT_NE(json.find("\\u2028"), std::string::npos);
  EXPECT_NE(json.find("caf\xc3\xa9"), std::string::npos);
  EXPECT_NE(json.find("\"number\":0.1,"), std::string::npos);
  EXPECT_NE(json.find("\"number\":1e+21,"), std::string::npos);
  EXPECT_NE(json.find("\"number\":-0,"), std::string::npos);
  EXPECT_NE(json.find("\"number\":100,"), std::string::npos);
}

TEST(EncodeJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  const Table table =
      Table::Make({Column::Varchars("s", {std::string("ok \xff\xfe end"), "\xc3", "\xed\xa0\x80"})})
          .value();
  const nlohmann::json parsed = nlohmann::json::parse(EncodeJson(table));
  EXPECT_EQ(parsed[0]["s"], "ok \xef\xbf\xbd\xef\xbf\xbd end");
  EXPECT_EQ(parsed[1]["s"], "\xef\xbf\xbd");
  EXPECT_EQ(parsed[2]["s"], "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // A surrogate is invalid.
}

TEST(EncodeJsonTest, EmptyTableIsAnEmptyArray) {
  const Table table = Table::Make({Column::Varchars("s", {})}).value();
  EXPECT_EQ(nlohmann::json::parse(EncodeJson(table)), nlohmann::json::array());
  EXPECT_EQ(EncodeCsv(table), "s\n");
}

TEST(EncodeParquetTest, BytesReadBackAsTheSameTable) {
  const table::TempDir dir;
  table::Database database = table::Database::Open().value();
  table::Connection connection = database.Connect().value();
  // Parquet keeps NaN and Infinity, unlike the text formats.
  const Table table = Tricky();
  const std::string bytes = EncodeParquet(connection, table).value();
  ASSERT_GT(bytes.size(), 8U);
  EXPECT_EQ(bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
  const std::filesystem::path path = dir.path() / "screener.parquet";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  EXPECT_EQ(table::ReadParquet(connection, path).value(), table);
}

}  // namespace
}  // namespace tickerflow::screener
