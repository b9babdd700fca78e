#include "common/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tickerflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The table's records as strings, header first, for whole-table comparisons.
std::vector<std::vector<std::string>> Records(const CsvTable& table) {
  std::vector<std::vector<std::string>> records;
  records.emplace_back(table.header().begin(), table.header().end());
  for (size_t row = 0; row < table.num_rows(); ++row) {
    records.emplace_back(table.row(row).begin(), table.row(row).end());
  }
  return records;
}

CsvTable ParseOk(std::string_view text) {
  Result<CsvTable> table = CsvTable::Parse(text, "test.csv");
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return CsvTable::Parse("failed\n", "test.csv").value();
  return std::move(table).value();
}

Status ParseError(std::string_view text) {
  Result<CsvTable> table = CsvTable::Parse(text, "test.csv");
  EXPECT_FALSE(table.ok()) << "parsed: " << text;
  return table.status();
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTableTest, ParsesHeaderAndRows) {
  const CsvTable table = ParseOk("date,close\n2024-01-02,10.5\n2024-01-03,11\n");
  EXPECT_EQ(table.source_name(), "test.csv");
  EXPECT_EQ(table.num_columns(), 2u);
  EXPECT_EQ(table.num_rows(), 2u);
  EXPECT_THAT(table.header(), ElementsAre("date", "close"));
  EXPECT_THAT(table.row(1), ElementsAre("2024-01-03", "11"));
  EXPECT_EQ(table.line_number(0), 2u);
  EXPECT_EQ(table.line_number(1), 3u);
}

TEST(CsvTableTest, TrailingNewlineIsOptional) {
  EXPECT_EQ(Records(ParseOk("a,b\n1,2")), Records(ParseOk("a,b\n1,2\n")));
  EXPECT_EQ(ParseOk("a,b\n1,2").num_rows(), 1u);
}

TEST(CsvTableTest, AcceptsCrLf) {
  const CsvTable table = ParseOk("a,b\r\n1,2\r\n3,4\r\n");
  EXPECT_EQ(Records(table), (Rows{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(table.line_number(1), 3u);
}

TEST(CsvTableTest, SkipsUtf8ByteOrderMark) {
  const CsvTable table = ParseOk(
      "\xEF\xBB\xBF"
      "date,close\n2024-01-02,1\n");
  EXPECT_THAT(table.header(), ElementsAre("date", "close"));
  EXPECT_EQ(table.FindColumn("date"), 0u);
}

TEST(CsvTableTest, KeepsEmptyFields) {
  const CsvTable table = ParseOk("a,b,c\n,,\n1,,3\n");
  EXPECT_EQ(Records(table), (Rows{{"a", "b", "c"}, {"", "", ""}, {"1", "", "3"}}));
}

TEST(CsvTableTest, UnescapesQuotedFields) {
  const CsvTable table = ParseOk(
      "name,note\n"
      "\"a,b\",\"say \"\"hi\"\"\"\n"
      "\"\",\"\"\"\"\n");
  EXPECT_EQ(Records(table), (Rows{{"name", "note"}, {"a,b", "say \"hi\""}, {"", "\""}}));
}

TEST(CsvTableTest, QuotedFieldsMaySpanLinesAndLineNumbersFollow) {
  const CsvTable table = ParseOk(
      "id,text\n"
      "1,\"two\nlines\"\n"
      "2,\"crlf\r\ninside\"\r\n"
      "3,plain\n");
  EXPECT_EQ(Records(table),
            (Rows{{"id", "text"}, {"1", "two\nlines"}, {"2", "crlf\r\ninside"}, {"3", "plain"}}));
  EXPECT_EQ(table.line_number(0), 2u);
  EXPECT_EQ(table.line_number(1), 4u);
  EXPECT_EQ(table.line_number(2), 6u);
}

TEST(CsvTableTest, HeaderOnlyHasNoRows) {
  EXPECT_EQ(ParseOk("a,b\n").num_rows(), 0u);
  EXPECT_EQ(ParseOk("a,b").num_rows(), 0u);
}

TEST(CsvTableTest, SingleColumnBlankLineIsAnEmptyField) {
  const CsvTable table = ParseOk("a\n\nx\n");
  EXPECT_EQ(Records(table), (Rows{{"a"}, {""}, {"x"}}));
}

TEST(CsvTableTest, FindColumnReturnsTheFirstMatch) {
  const CsvTable table = ParseOk("x,y,x\n");
  EXPECT_EQ(table.FindColumn("x"), 0u);
  EXPECT_EQ(table.FindColumn("y"), 1u);
  EXPECT_EQ(table.FindColumn("X"), std::nullopt);
}

TEST(CsvTableTest, ViewsSurviveMoves) {
  // A short input would sit in a std::string's inline buffer and move with it; the table must
  // keep its fields valid whatever the size.
  Result<CsvTable> parsed = CsvTable::Parse("a\nb\n", "t.csv");
  ASSERT_TRUE(parsed.ok());
  CsvTable table = std::move(parsed).value();
  CsvTable moved = std::move(table);
  EXPECT_THAT(moved.row(0), ElementsAre("b"));
}

TEST(CsvTableTest, EmptyFileIsAnError) {
  for (std::string_view text : {std::string_view(""), std::string_view("\xEF\xBB\xBF")}) {
    const Status status = ParseError(text);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.message(), StartsWith("test.csv:1: "));
    EXPECT_THAT(status.message(), HasSubstr("empty"));
  }
}

TEST(CsvTableTest, EmptyHeaderLineIsAnError) {
  const Status status = ParseError("\n1,2\n");
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("test.csv:1: "));
}

TEST(CsvTableTest, WrongFieldCountNamesTheLine) {
  Status status = ParseError("a,b,c\n1,2,3\n1,2\n");
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("test.csv:3: 2 fields, but the header has 3"));

  status = ParseError("a,b\n1,2\n\"x\ny\",2\n1,2,3\n");
  EXPECT_THAT(status.message(), StartsWith("test.csv:5: 3 fields"));
}

TEST(CsvTableTest, BlankLineInAWideFileIsAnError) {
  EXPECT_THAT(ParseError("a,b\n1,2\n\n3,4\n").message(), StartsWith("test.csv:3: blank line"));
  EXPECT_THAT(ParseError("a,b\n1,2\n\n").message(), StartsWith("test.csv:3: blank line"));
}

TEST(CsvTableTest, UnterminatedQuoteNamesTheLineWhereItOpens) {
  const Status status = ParseError("a,b\n1,2\n3,\"open\n4,5\n");
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith("test.csv:3: a quoted field is never closed"));
}

TEST(CsvTableTest, TextAfterClosingQuoteIsAnError) {
  EXPECT_THAT(ParseError("a,b\n\"x\"y,2\n").message(),
              StartsWith("test.csv:2: unexpected 'y' after a closing quote"));
}

TEST(CsvTableTest, QuoteInsideUnquotedFieldIsAnError) {
  EXPECT_THAT(ParseError("a,b\n1,x\"y\n").message(),
              StartsWith("test.csv:2: a quote inside an unquoted field"));
  EXPECT_THAT(ParseError("a,b\n1, \"y\"\n").message(), StartsWith("test.csv:2: "));
}

TEST(CsvTableTest, BareCarriageReturnIsAnError) {
  EXPECT_THAT(ParseError("a,b\r1,2\n").message(), StartsWith("test.csv:1: a carriage return"));
  EXPECT_THAT(ParseError("a,b\n1,2\r").message(), StartsWith("test.csv:2: a carriage return"));
}

class CsvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("csv_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(CsvFileTest, ReadsAFile) {
  const std::string path = (dir_ / "bars.csv").string();
  std::ofstream(path) << "date,close\n2024-01-02,1.5\n";
  Result<CsvTable> table = CsvTable::ReadFile(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->source_name(), path);
  EXPECT_THAT(table->row(0), ElementsAre("2024-01-02", "1.5"));
}

TEST_F(CsvFileTest, ErrorsNameTheFile) {
  const std::string path = (dir_ / "bad.csv").string();
  std::ofstream(path) << "a,b\n1\n";
  const Status status = CsvTable::ReadFile(path).status();
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith(path + ":2: "));
}

TEST_F(CsvFileTest, MissingFileIsNotFound) {
  const std::string path = (dir_ / "missing.csv").string();
  const Status status = CsvTable::ReadFile(path).status();
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_THAT(status.message(), StartsWith(path + ": "));
}

TEST_F(CsvFileTest, DirectoryIsAnIoError) {
  const Status status = CsvTable::ReadFile(dir_.string()).status();
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
  EXPECT_THAT(status.message(), StartsWith(dir_.string() + ": "));
}

std::string WriteRecords(const Rows& records) {
  std::string out;
  CsvWriter writer(out);
  for (const auto& record : records) {
    for (const std::string& field : record) writer.AddField(field);
    writer.EndRecord();
  }
  return out;
}

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(WriteRecords({{"plain", "1.5", "", "a b"}}), "plain,1.5,,a b\n");
  EXPECT_EQ(WriteRecords({{"a,b", "say \"hi\"", "x\ny", "x\ry"}}),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"x\ry\"\n");
  EXPECT_EQ(WriteRecords({{" lead", "trail ", "\xEF\xBB\xBFx"}}),
            "\" lead\",\"trail \",\"\xEF\xBB\xBFx\"\n");
}

TEST(CsvWriterTest, LoneEmptyFieldIsQuoted) {
  EXPECT_EQ(WriteRecords({{"a"}, {""}, {"", ""}}), "a\n\"\"\n,\n");
}

TEST(CsvWriterTest, CallerMayDrainTheBufferBetweenRecords) {
  std::string out;
  CsvWriter writer(out);
  writer.AddField("a");
  writer.EndRecord();
  out.clear();
  writer.AddFields(std::vector<std::string_view>{"b", "c,d"});
  writer.EndRecord();
  EXPECT_EQ(out, "b,\"c,d\"\n");
}

TEST(CsvWriterTest, NeedsQuoting) {
  EXPECT_FALSE(CsvWriter::NeedsQuoting(""));
  EXPECT_FALSE(CsvWriter::NeedsQuoting("2024-01-02"));
  EXPECT_TRUE(CsvWriter::NeedsQuoting(","));
  EXPECT_TRUE(CsvWriter::NeedsQuoting("\""));
  EXPECT_TRUE(CsvWriter::NeedsQuoting(" "));
}

TEST(CsvWriterTest, RoundTripsAwkwardFields) {
  const Rows records = {{"a", "b,c", " d "}, {"", "\"", "\r\n"}, {"x\ny", "", ""}};
  const CsvTable table = ParseOk(WriteRecords(records));
  EXPECT_EQ(Records(table), records);
}

// Any table of strings, written and read back, is the same table.
RC_GTEST_PROP(CsvWriterProperty, WriteThenReadIsIdentity, ()) {
  const auto num_columns = *rc::gen::inRange<size_t>(1, 5);
  const auto records =
      *rc::gen::nonEmpty(rc::gen::container<Rows>(rc::gen::container<std::vector<std::string>>(
          num_columns, rc::gen::arbitrary<std::string>())));
  Result<CsvTable> table = CsvTable::Parse(WriteRecords(records), "prop.csv");
  RC_ASSERT(table.ok());
  RC_ASSERT(Records(*table) == records);
}

// Arbitrary bytes either fail to parse with a message naming the line, or parse into a table
// that survives a write and a second read unchanged.
RC_GTEST_PROP(CsvTableProperty, ArbitraryInputParsesOrFailsCleanly, ()) {
  const auto text =
      *rc::gen::container<std::string>(rc::gen::element('a', '1', ',', '"', '\r', '\n', ' ', '\0'));
  Result<CsvTable> table = CsvTable::Parse(text, "any.csv");
  if (!table.ok()) {
    RC_ASSERT(table.status().code() == ErrorCode::kInvalidArgument);
    RC_ASSERT(table.status().message().starts_with("any.csv:"));
    return;
  }
  const Rows records = Records(*table);
  Result<CsvTable> again = CsvTable::Parse(WriteRecords(records), "again.csv");
  RC_ASSERT(again.ok());
  RC_ASSERT(Records(*again) == records);
}

TEST(NumberTest, FormatDoubleIsShortest) {
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(100.0), "100");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(1e21), "1e+21");
  EXPECT_EQ(FormatDouble(-0.0), "-0");
  EXPECT_EQ(FormatDouble(0.1 + 0.2), "0.30000000000000004");
  std::string out = "x=";
  AppendDouble(out, 17408220.0);
  EXPECT_EQ(out, "x=17408220");
}

TEST(NumberTest, ParseDoubleAcceptsNumbers) {
  EXPECT_EQ(*ParseDouble("1"), 1.0);
  EXPECT_EQ(*ParseDouble("-2.5"), -2.5);
  EXPECT_EQ(*ParseDouble("1e5"), 1e5);
  EXPECT_EQ(*ParseDouble("1E-5"), 1e-5);
  EXPECT_EQ(*ParseDouble(".5"), 0.5);
  EXPECT_EQ(*ParseDouble("0.30000000000000004"), 0.1 + 0.2);
  EXPECT_EQ(*ParseDouble("4.9e-324"), std::numeric_limits<double>::denorm_min());
}

TEST(NumberTest, ParseDoubleRejectsAnythingElse) {
  for (std::string_view text : {"", " 1", "1 ", "1x", "+1", "1,5", "0x10", "1e", "-", ".", "nan",
                                "NaN", "-nan", "inf", "-inf", "infinity", "1e400", "1e-400"}) {
    const Result<double> value = ParseDouble(text);
    EXPECT_FALSE(value.ok()) << "'" << text << "' parsed as " << *value;
    if (!value.ok()) {
      EXPECT_EQ(value.status().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(NumberTest, ParseDoubleMessagesQuoteTheText) {
  EXPECT_EQ(ParseDouble("abc").status().message(), "'abc' is not a number");
  EXPECT_EQ(ParseDouble("inf").status().message(), "'inf' is not a finite number");
  EXPECT_EQ(ParseDouble("").status().message(), "empty value; expected a number");
  EXPECT_EQ(ParseDouble(std::string(100, '7') + "x").status().message(),
            "'" + std::string(40, '7') + "...' is not a number");
}

TEST(NumberTest, ParseInt64) {
  EXPECT_EQ(*ParseInt64("17408220"), 17408220);
  EXPECT_EQ(*ParseInt64("-5"), -5);
  EXPECT_EQ(*ParseInt64("9223372036854775807"), std::numeric_limits<int64_t>::max());
  for (std::string_view text : {"", "1.5", "1e6", "+1", " 1", "9223372036854775808", "x"}) {
    EXPECT_FALSE(ParseInt64(text).ok()) << text;
  }
}

// Every finite double, from any bit pattern (subnormals, -0, the extremes), survives
// FormatDouble then ParseDouble bit for bit.
RC_GTEST_PROP(NumberProperty, FormatThenParseIsIdentity, (uint64_t bits)) {
  const auto value = std::bit_cast<double>(bits);
  RC_PRE(std::isfinite(value));
  const Result<double> parsed = ParseDouble(FormatDouble(value));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(std::bit_cast<uint64_t>(*parsed) == bits);
}

RC_GTEST_PROP(NumberProperty, FormatThenParseIsIdentityForOrdinaryDoubles, (double value)) {
  RC_PRE(std::isfinite(value));
  const Result<double> parsed = ParseDouble(FormatDouble(value));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(std::bit_cast<uint64_t>(*parsed) == std::bit_cast<uint64_t>(value));
}

}  // namespace
}  // namespace tickerflow
