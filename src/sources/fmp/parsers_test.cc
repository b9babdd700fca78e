#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "sources/fmp/parsers_internal.h"

namespace tickerflow::sources::fmp_internal {
namespace {

Date D(int y, unsigned m, unsigned d) { return Date::FromCivil(y, m, d); }

uint64_t Bits(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

TEST(ErrorBodyTest, RecognisesFmpErrorBodiesAndWhatTheyMean) {
  EXPECT_EQ(*ErrorMessage(R"({"Error Message": "Invalid API KEY. Feel free"})"),
            "Invalid API KEY. Feel free");
  EXPECT_FALSE(ErrorMessage("[]").has_value());
  EXPECT_FALSE(ErrorMessage(R"([{"symbol":"A"}])").has_value());
  EXPECT_FALSE(ErrorMessage("symbol,date\n").has_value());
  EXPECT_EQ(StatusForErrorMessage("Invalid API KEY. Feel free to create"), 401);
  EXPECT_EQ(StatusForErrorMessage("Limit Reach . Please upgrade your plan"), 429);
  EXPECT_EQ(StatusForErrorMessage("Restricted Endpoint: This endpoint is not available"), 402);
  EXPECT_EQ(StatusForErrorMessage("Premium Query Parameter: 'Special Endpoint : symbol'"), 402);
  EXPECT_EQ(StatusForErrorMessage("Invalid or missing query parameter - from"), 400);
  EXPECT_EQ(StatusForErrorMessage("Something odd"), 500);
}

TEST(ConversionTest, NumbersReadBackExactly) {
  EXPECT_EQ(Bits(*ToDouble("0.1")), Bits(0.1));
  EXPECT_EQ(Bits(*ToDouble("201.69999999999999")), Bits(201.69999999999999));
  EXPECT_EQ(*ToDouble("1.5e3"), 1500.0);
  EXPECT_EQ(*ToDouble(" 3.0 "), 3.0);
  EXPECT_FALSE(ToDouble("").has_value());
  EXPECT_FALSE(ToDouble("abc").has_value());
  EXPECT_FALSE(ToDouble("nan").has_value());
  EXPECT_EQ(*ToInt64("3.0"), 3);
  EXPECT_EQ(*ToInt64("7"), 7);
  EXPECT_EQ(*ToInt64("1.5e3"), 1500);
  EXPECT_EQ(*ToInt64("1234.6"), 1235);
  EXPECT_FALSE(ToInt64("1e30").has_value());
  EXPECT_EQ(*ToBool("true"), true);
  EXPECT_EQ(*ToBool("FALSE"), false);
  EXPECT_FALSE(ToBool("yes").has_value());
  EXPECT_EQ(*ToDate("2025-06-02"), D(2025, 6, 2));
  EXPECT_EQ(*ToDate("2025-06-02 00:00:00"), D(2025, 6, 2));
  EXPECT_FALSE(ToDate("2025-02-30").has_value());
}

TEST(HistoricalJsonTest, ParsesNewestFirstRowsAndDropsInvalidBars) {
  const std::string body = R"([
    {"symbol":"AAPL","date":"2025-06-03","open":201.35,"high":203.77,"low":200.955,
     "close":203.27,"volume":46381567,"change":1.92,"changePercent":0.95,"vwap":202.34},
    {"symbol":"AAPL","date":"2025-06-02","open":200.28,"high":202.13,"low":200.12,
     "close":201.7,"volume":35423294.7,"vwap":201.06},
    {"symbol":"AAPL","date":"2025-05-30","open":199.37,"high":201.96,"low":196.78,
     "close":200.85,"volume":70819942},
    {"symbol":"AAPL","date":"2025-05-29","open":203.0,"high":202.0,"low":199.0,
     "close":200.0,"volume":1},
    {"symbol":"AAPL","date":"2025-13-01","open":1,"high":1,"low":1,"close":1,"volume":1},
    {"symbol":"AAPL","date":"2025-05-27","open":1,"high":1,"low":1,"close":1,"volume":-5},
    {"symbol":"AAPL","date":"2025-05-23","high":1,"low":1,"close":1,"volume":5}
  ])";
  Result<ParsedBars> parsed = ParseHistoricalJson(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->bars.size(), 3u);
  EXPECT_EQ(parsed->dropped, 4);
  const Bar& first = parsed->bars[0];
  EXPECT_EQ(first.date, D(2025, 6, 3));
  EXPECT_EQ(Bits(first.low), Bits(200.955));
  EXPECT_EQ(first.volume, 46381567);
  EXPECT_EQ(*first.vwap, 202.34);
  EXPECT_FALSE(first.adj_close.has_value());
  EXPECT_EQ(parsed->bars[1].volume, 35423295);  // Fractional volume: rounded.
  EXPECT_FALSE(parsed->bars[2].vwap.has_value());
}

TEST(HistoricalJsonTest, EmptyArrayIsNoDataAndGarbageIsCorrupt) {
  Result<ParsedBars> empty = ParseHistoricalJson("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bars.empty());
  for (const char* bad :
       {"[{\"date\":\"2025-06-02\",", "{\"Error Message\":\"x\"}", "", "<html>", "[1,2]"}) {
    Result<ParsedBars> parsed = ParseHistoricalJson(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kCorruptData) << bad;
  }
}

TEST(AdjustedJsonTest, ReadsDateAndAdjClose) {
  Result<std::vector<std::pair<Date, double>>> parsed = ParseAdjustedJson(
      R"([{"symbol":"A","date":"2025-06-03","adjOpen":1,"adjClose":120.5,"volume":3},
          {"symbol":"A","date":"2025-06-02","adjClose":"119.25"}])");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0], std::make_pair(D(2025, 6, 3), 120.5));
  EXPECT_EQ((*parsed)[1], std::make_pair(D(2025, 6, 2), 119.25));
}

TEST(EodBulkCsvTest, MapsColumnsByNameFiltersAndValidates) {
  // FMP's order: low before high. Quoted fields, CRLF, scientific volume.
  const std::string body =
      "\"symbol\",\"date\",\"open\",\"low\",\"high\",\"close\",\"adjClose\",\"volume\"\r\n"
      "\"MSFT\",\"2025-06-02\",\"457.14\",\"456.89\",\"464.03\",\"461.97\",\"461.97\",\"1.6e7\"\r\n"
      "\"AAPL\",\"2025-06-02\",\"200.28\",\"200.12\",\"202.13\",\"201.7\",\"201.7\","
      "\"35423294\"\r\n"
      "\"BAD\",\"2025-06-02\",\"10\",\"11\",\"12\",\"10.5\",\"10.5\",\"5\"\r\n"
      "\"SSAB-B.ST\",\"2025-06-02\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\r\n"
      "\"btcusd\",\"2025-06-02\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\r\n"
      "\"OTHER\",\"2025-06-02\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\r\n"
      "\"OLD\",\"2025-05-30\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"\r\n";
  const std::unordered_set<std::string> keep = {"AAPL", "MSFT", "BAD", "OLD"};
  Result<ParsedBulkBars> parsed = ParseEodBulkCsv(body, D(2025, 6, 2), &keep);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->bars.size(), 2u);
  EXPECT_EQ(parsed->dropped, 1);  // BAD: open below low.
  EXPECT_EQ(parsed->bars[0].symbol, "AAPL");
  EXPECT_EQ(parsed->bars[0].bar.low, 200.12);
  EXPECT_EQ(parsed->bars[0].bar.high, 202.13);
  EXPECT_EQ(*parsed->bars[0].bar.adj_close, 201.7);
  EXPECT_EQ(parsed->bars[1].symbol, "MSFT");
  EXPECT_EQ(parsed->bars[1].bar.volume, 16000000);

  Result<ParsedBulkBars> all = ParseEodBulkCsv(body, D(2025, 6, 2), nullptr);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->bars.size(), 4u);  // + SSAB-B.ST and OTHER; never btcusd.
}

TEST(EodBulkCsvTest, MissingColumnsOrErrorBodiesAreCorrupt) {
  EXPECT_EQ(ParseEodBulkCsv("symbol,date,open,close\nA,2025-06-02,1,1\n", D(2025, 6, 2), nullptr)
                .status()
                .code(),
            ErrorCode::kCorruptData);
  EXPECT_EQ(
      ParseEodBulkCsv(R"({"Error Message":"Limit Reach"})", D(2025, 6, 2), nullptr).status().code(),
      ErrorCode::kCorruptData);
}

TEST(FundamentalsBuildTest, MapsFmpColumnsToTheSchemaFromCsv) {
  // Quoted commas and doubled quotes, an unknown column, an empty cell, "3.0" as a score,
  // a missing overallScore, and a repeated symbol.
  const std::string body =
      "symbol,date,rating,discountedCashFlowScore,returnOnEquityScore,returnOnAssetsScore,"
      "debtToEquityScore,priceToEarningsScore,priceToBookScore,note\n"
      "MSFT,2025-06-02,A-,\"3.0\",5,4,2,3,1,\"says \"\"hi\"\", twice\"\n"
      "AAPL,2025-06-02,B,2,,4,2,3,1,x\n"
      "AAPL,2025-06-01,C,1,1,1,1,1,1,dup\n";
  Result<TextRows> rows = CsvToRows(body, "rating-bulk", {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  BuildReport report;
  Result<table::Table> table =
      BuildFundamentals(FundamentalsDataset::kRatings, *rows, nullptr, report);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_TRUE(ValidateFundamentals(FundamentalsDataset::kRatings, *table).ok());
  ASSERT_EQ(table->num_rows(), 2u);
  EXPECT_EQ(table->column(0).varchars(), (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(table->FindColumn("rating")->varchars()[1], "A-");
  EXPECT_EQ(table->FindColumn("rating_dcf_score")->bigints()[1], 3);
  EXPECT_TRUE(table->FindColumn("rating_roe_score")->is_null(0));
  EXPECT_TRUE(table->FindColumn("rating_score")->is_null(0));
  EXPECT_EQ(report.missing_fields, (std::vector<std::string>{"overallScore"}));
  EXPECT_EQ(report.skipped_rows, 1);
}

TEST(FundamentalsBuildTest, DcfStockPriceHasASpaceAndRowsAreFiltered) {
  Result<TextRows> rows = CsvToRows(
      "symbol,date,dcf,Stock Price\nAAPL,2025-06-02,150.25,201.7\nZZZ,2025-06-02,1,2\n"
      "bad sym,2025-06-02,1,2\n",
      "dcf-bulk", {});
  ASSERT_TRUE(rows.ok());
  const std::unordered_set<std::string> keep = {"AAPL"};
  BuildReport report;
  Result<table::Table> table = BuildFundamentals(FundamentalsDataset::kDcf, *rows, &keep, report);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->num_rows(), 1u);
  EXPECT_EQ(table->FindColumn("fair_value")->doubles()[0], 150.25);
  EXPECT_EQ(table->FindColumn("stock_price")->doubles()[0], 201.7);
  EXPECT_EQ(table->FindColumn("date")->dates()[0], D(2025, 6, 2));
  EXPECT_TRUE(report.missing_fields.empty());
  EXPECT_EQ(report.skipped_rows, 2);
}

TEST(FundamentalsBuildTest, JsonPerSymbolRowsConvertExactly) {
  Result<TextRows> rows = JsonToRows(
      R"([{"symbol":"AAPL","priceToEarningsRatioTTM":31.123456789012345,
           "priceToEarningsGrowthRatioTTM":null,"netProfitMarginTTM":0.24,"extra":[1,2]}])");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  BuildReport report;
  Result<table::Table> table =
      BuildFundamentals(FundamentalsDataset::kRatiosTtm, *rows, nullptr, report);
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->num_rows(), 1u);
  EXPECT_EQ(Bits(table->FindColumn("pe_ratio_ttm")->doubles()[0]), Bits(31.123456789012345));
  EXPECT_TRUE(table->FindColumn("peg_ratio_ttm")->is_null(0));
  EXPECT_EQ(table->FindColumn("net_profit_margin_ttm")->doubles()[0], 0.24);
  EXPECT_TRUE(table->FindColumn("dividend_yield_ttm")->is_null(0));
}

TEST(UniverseTest, ProfilesAreFilteredToListedUsStocks) {
  Result<TextRows> rows = CsvToRows(
      "symbol,companyName,exchange,sector,industry,ipoDate,isEtf,isFund,isActivelyTrading,"
      "description\n"
      "AAPL,Apple Inc.,NASDAQ,Technology,Consumer Electronics,1980-12-12,false,false,true,"
      "\"Designs phones, computers\"\n"
      "BRK-B,Berkshire,NYSE,Financial Services,Insurance,1996-05-09,false,false,true,x\n"
      "SPY,SPDR S&P 500,AMEX,,,1993-01-22,true,false,true,x\n"
      "VFIAX,Vanguard 500,NASDAQ,,,2000-11-13,false,true,true,x\n"
      "GONE,Gone Corp,NYSE,Tech,Soft,2001-01-01,false,false,false,x\n"
      "SSAB-B.ST,SSAB,STO,Materials,Steel,1990-01-01,false,false,true,x\n"
      "NEW,New Co,NASDAQ,Tech,Soft,2025-07-01,false,false,true,x\n",
      "profile-bulk", {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  int64_t skipped = 0;
  std::vector<SymbolInfo> universe = ProfilesToUniverse(
      *rows, {.include_etfs = false, .as_of = D(2025, 6, 2), .listed_only = true}, skipped);
  ASSERT_EQ(universe.size(), 2u);
  EXPECT_EQ(universe[0].symbol, "AAPL");
  EXPECT_EQ(universe[0].company_name, "Apple Inc.");
  EXPECT_EQ(universe[0].exchange, "NASDAQ");
  EXPECT_EQ(universe[0].sector, "Technology");
  EXPECT_EQ(universe[0].first_date, D(1980, 12, 12));
  EXPECT_FALSE(universe[0].delisted_date.has_value());
  EXPECT_EQ(universe[1].symbol, "BRK-B");
  EXPECT_EQ(skipped, 5);

  skipped = 0;
  std::vector<SymbolInfo> with_etfs = ProfilesToUniverse(
      *rows, {.include_etfs = true, .as_of = D(2025, 6, 2), .listed_only = true}, skipped);
  ASSERT_EQ(with_etfs.size(), 3u);
  EXPECT_EQ(with_etfs[2].symbol, "SPY");
  EXPECT_TRUE(with_etfs[2].is_etf);
}

}  // namespace
}  // namespace tickerflow::sources::fmp_internal
