#include "sources/fmp_sim/format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "common/csv.h"
#include "table/json_text.h"

namespace tickerflow::sources::fmp_sim {
namespace {

using ::testing::ElementsAre;
using Json = nlohmann::json;

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

// Bit equality: "equal" would let -0.0 pass for 0.0.
bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

FmpTable SampleTable() {
  FmpTable table({"symbol", "description", "price", "volume", "score", "isEtf", "cik"});
  table.AddRow({Cell::Text("BRK-B"), Cell::Text(R"(Says "hi", then, bye)"), Cell::Double(0.1),
                Cell::Integer(1234567890123), Cell::DecimalInteger(3), Cell::Bool(false),
                Cell::Null()});
  table.AddRow({Cell::Text("A"), Cell::Text("line\nbreak"), Cell::Double(1e21), Cell::Integer(0),
                Cell::Integer(5), Cell::Bool(true), Cell::Text("0000320193")});
  return table;
}

TEST(FormatTest, CsvQuotesTextAndHeaderAndLeavesNullsEmpty) {
  const std::string csv = ToCsv(SampleTable());
  EXPECT_EQ(csv,
            "\"symbol\",\"description\",\"price\",\"volume\",\"score\",\"isEtf\",\"cik\"\n"
            "\"BRK-B\",\"Says \"\"hi\"\", then, bye\",0.1,1234567890123,\"3.0\",false,\n"
            "\"A\",\"line\nbreak\",1e+21,0,5,true,\"0000320193\"\n");
}

TEST(FormatTest, CsvReadsBackThroughAStrictReader) {
  Result<CsvTable> table = CsvTable::Parse(ToCsv(SampleTable()), "sample.csv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->num_rows(), 2u);
  EXPECT_THAT(std::vector<std::string>(table->header().begin(), table->header().end()),
              ElementsAre("symbol", "description", "price", "volume", "score", "isEtf", "cik"));
  EXPECT_EQ(table->row(0)[1], R"(Says "hi", then, bye)");
  EXPECT_EQ(table->row(0)[4], "3.0");
  EXPECT_EQ(table->row(0)[6], "");
  EXPECT_EQ(table->row(1)[1], "line\nbreak");
  EXPECT_TRUE(SameBits(ParseDouble(table->row(1)[2]).value(), 1e21));
}

TEST(FormatTest, CsvRangeWritesTheHeaderAndOnlyThoseRows) {
  const FmpTable table = SampleTable();
  const std::string second = ToCsv(table, 1, 2);
  EXPECT_EQ(second.substr(0, second.find('\n')),
            R"("symbol","description","price","volume","score","isEtf","cik")");
  EXPECT_EQ(second.find("BRK-B"), std::string::npos);
  EXPECT_NE(second.find("\"A\""), std::string::npos);
  EXPECT_EQ(ToCsv(table, 5, 9), ToCsv(table, 2, 2));  // Past the end: only the header.
}

TEST(FormatTest, JsonKeepsTypesAndOrderAndWritesDecimalIntegersPlain) {
  const std::string json = ToJsonArray(SampleTable());
  EXPECT_EQ(json.substr(0, json.find('}') + 1),
            R"([{"symbol":"BRK-B","description":"Says \"hi\", then, bye","price":0.1,)"
            R"("volume":1234567890123,"score":3,"isEtf":false,"cik":null})");
  const Json parsed = Json::parse(json);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1]["description"], "line\nbreak");
  EXPECT_TRUE(SameBits(parsed[1]["price"].get<double>(), 1e21));
  EXPECT_EQ(parsed[1]["isEtf"], true);
  const size_t rows[] = {1};
  EXPECT_EQ(Json::parse(ToJsonArray(SampleTable(), rows)).size(), 1u);
  EXPECT_EQ(ToJsonArray(FmpTable({"symbol"})), "[]");
}

TEST(FormatTest, JsonEscapesControlCharactersAndWritesNonFiniteAsNull) {
  std::string out;
  table::AppendJsonString(out, std::string("a\x01\t\\", 4));
  EXPECT_EQ(out, R"("a\u0001\t\\")");
  out.clear();
  AppendJsonCell(out, Cell::Double(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(out, "null");
  out.clear();
  AppendCsvCell(out, Cell::Double(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(out, "");
}

TEST(FormatTest, DoublesRoundTripExactly) {
  for (const double value : {0.1, 1.0 / 3, 123.45, 2.5e-7, 9007199254740993.0, -0.0, 1e300}) {
    FmpTable table({"v"});
    table.AddRow({Cell::Double(value)});
    const Json parsed = Json::parse(ToJsonArray(table));
    // nlohmann reads "-0" as the integer 0; the text itself is right.
    if (value == 0) {
      EXPECT_EQ(ToJsonArray(table), R"([{"v":-0}])");
    } else {
      EXPECT_TRUE(SameBits(parsed[0]["v"].get<double>(), value)) << value;
    }
    Result<CsvTable> csv = CsvTable::Parse(ToCsv(table), "v.csv");
    ASSERT_TRUE(csv.ok());
    EXPECT_TRUE(SameBits(ParseDouble(csv->row(0)[0]).value(), value)) << value;
  }
}

std::vector<Bar> SampleBars() {
  Bar first{.date = D(2025, 5, 30),
            .open = 10,
            .high = 12,
            .low = 9.5,
            .close = 11.25,
            .adj_close = 11.25,
            .volume = 1000,
            .vwap = 10.9};
  Bar second{.date = D(2025, 6, 2),
             .open = 11.3,
             .high = 11.5,
             .low = 10.1,
             .close = 10.2,
             .adj_close = std::nullopt,
             .volume = 2000,
             .vwap = std::nullopt};
  return {first, second};
}

TEST(FormatTest, FullHistoryIsNewestFirstWithFmpFields) {
  const std::string json = FullHistoryJson("BRK-B", SampleBars());
  EXPECT_EQ(json.substr(0, json.find('}') + 1),
            R"([{"symbol":"BRK-B","date":"2025-06-02","open":11.3,"high":11.5,"low":10.1,)"
            R"("close":10.2,"volume":2000,"change":-1.1000000000000014,)"
            R"("changePercent":-9.734513274336296,"vwap":null})");
  const Json parsed = Json::parse(json);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1]["date"], "2025-05-30");
  EXPECT_EQ(parsed[1]["vwap"].get<double>(), 10.9);
  EXPECT_EQ(parsed[1]["change"].get<double>(), 11.25 - 10.0);
  EXPECT_TRUE(parsed[1]["volume"].is_number_integer());
  EXPECT_EQ(FullHistoryJson("X", {}), "[]");
}

TEST(FormatTest, AdjustedHistoryUsesAdjCloseOrClose) {
  const Json parsed = Json::parse(AdjustedHistoryJson("A", SampleBars()));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["date"], "2025-06-02");
  EXPECT_EQ(parsed[0]["adjClose"].get<double>(), 10.2);  // No adj_close: the close.
  EXPECT_EQ(parsed[0]["adjOpen"].get<double>(), 11.3);   // No adjustment: the raw price.
  EXPECT_EQ(parsed[1]["adjHigh"].get<double>(), 12.0);
  EXPECT_EQ(parsed[1]["volume"].get<int64_t>(), 1000);
  std::vector<std::string> keys;
  for (const auto& item : parsed[0].items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("symbol", "date", "adjOpen", "adjHigh",
                                                    "adjLow", "adjClose", "volume"));
}

TEST(FormatTest, EodBulkHasFmpHeaderWithLowBeforeHigh) {
  const std::vector<Bar> bars = SampleBars();
  const std::vector<SymbolBar> rows = {{"BRK-B", bars[0]}, {"ZZ", bars[1]}};
  EXPECT_EQ(EodBulkCsv(rows),
            "\"symbol\",\"date\",\"open\",\"low\",\"high\",\"close\",\"adjClose\",\"volume\"\n"
            "\"BRK-B\",\"2025-05-30\",10,9.5,12,11.25,11.25,1000\n"
            "\"ZZ\",\"2025-06-02\",11.3,10.1,11.5,10.2,10.2,2000\n");
}

TEST(FormatTest, ErrorBodyIsFmpsShape) {
  const Json parsed = Json::parse(ErrorBody("Limit Reach . \"quoted\""));
  EXPECT_EQ(parsed["Error Message"], "Limit Reach . \"quoted\"");
  EXPECT_EQ(parsed.size(), 1u);
}

TEST(FormatTest, AddRowWithTheWrongWidthIsAProgrammingError) {
  FmpTable table({"a", "b"});
  EXPECT_THROW(table.AddRow({Cell::Null()}), std::invalid_argument);
}

}  // namespace
}  // namespace tickerflow::sources::fmp_sim
