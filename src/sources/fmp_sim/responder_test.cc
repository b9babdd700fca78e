// The simulator's answers, reached through Responder::Respond without sockets, and checked
// against the simulated market they serve: what a client parses back must be exactly what
// SimulatedSource returns.

#include "sources/fmp_sim/responder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/csv.h"
#include "market/calendar.h"

namespace tickerflow::sources::fmp_sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

constexpr std::string_view kKey = "test-key";
const Date kAsOf = D(2025, 6, 2);  // A Monday.

SimulatedOptions MarketOptions() {
  SimulatedOptions options;
  options.seed = 7;
  options.universe = 150;
  options.as_of = kAsOf;
  return options;
}

// Built once: every test reads it.
const MarketView& View() {
  static const std::unique_ptr<MarketView> kView = [] {
    Result<std::unique_ptr<MarketView>> view = MarketView::Create(MarketOptions(), 40);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return std::move(view).value();
  }();
  return *kView;
}

// The same market, straight from the simulated source.
SimulatedSource& Source() {
  static const std::unique_ptr<SimulatedSource> kSource =
      SimulatedSource::Create(MarketOptions()).value();
  return *kSource;
}

Request Get(std::string path, std::vector<std::pair<std::string, std::string>> params = {},
            std::string_view key = kKey) {
  Request request{.path = std::move(path), .params = std::move(params)};
  if (!key.empty()) request.params.emplace_back("apikey", std::string(key));
  return request;
}

ResponderOptions Options(Plan plan) {
  ResponderOptions options;
  options.plan = plan;
  options.api_key = std::string(kKey);
  return options;
}

const Clock::time_point kNow = Clock::time_point() + std::chrono::hours(1);

Response Ask(Responder& responder, const Request& request) {
  return responder.Respond(request, kNow);
}

std::string ErrorMessage(const Response& response) {
  const Json body = Json::parse(response.body);
  return body.value("Error Message", "");
}

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// The simulated universe, by value: iterating `Universe(...).value()` directly would read a
// destroyed temporary.
std::vector<SymbolInfo> Universe() { return Source().Universe(kAsOf).value(); }

// A universe symbol with a share-class dash, "BRK-B" style.
std::string DashSymbol() {
  for (const SymbolInfo& info : Universe()) {
    if (info.symbol.find('-') != std::string::npos && !info.delisted_date) return info.symbol;
  }
  return "";
}

// An active company with every dataset (the extras' template is one).
std::string CompleteSymbol() { return View().extras().at(0).template_symbol; }

// An active company listed before 1995, for checks of deep history.
std::string OldSymbol() {
  for (const SymbolInfo& info : Universe()) {
    if (!info.is_etf && !info.delisted_date && info.first_date < D(1995, 1, 1)) {
      return info.symbol;
    }
  }
  return "";
}

TEST(ResponderTest, MissingOrWrongKeyIs401AndDoesNotCount) {
  ResponderOptions options = Options(Plan::kUltimate);
  options.rate_limit = 1;
  Responder responder(View(), options);
  for (const std::string_view key : {std::string_view(), std::string_view("wrong")}) {
    const Response response = Ask(responder, Get("/stable/profile", {{"symbol", "A"}}, key));
    EXPECT_EQ(response.status, 401);
    EXPECT_THAT(ErrorMessage(response), ::testing::StartsWith("Invalid API KEY. Feel free"));
    EXPECT_FALSE(response.counted);
  }
  // The one request of the quota is still there.
  EXPECT_EQ(Ask(responder, Get("/stable/profile", {{"symbol", "A"}})).status, 200);
}

TEST(ResponderTest, AnyNonEmptyKeyWorksWhenNoneIsConfigured) {
  Responder responder(View(), ResponderOptions{});
  EXPECT_EQ(Ask(responder, Get("/stable/profile", {{"symbol", "A"}}, "anything")).status, 200);
  EXPECT_EQ(Ask(responder, Get("/stable/profile", {{"symbol", "A"}}, "")).status, 401);
}

TEST(ResponderTest, UnknownPathsAre404) {
  Responder responder(View(), Options(Plan::kUltimate));
  for (const std::string path :
       {"/stable/profile/AAPL", "/api/v3/profile", "/stable/historical-price-full", "/", "/stable/",
        "/stable/eod-bulk/"}) {
    const Response response = Ask(responder, Get(path, {{"symbol", "AAPL"}}));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_FALSE(response.counted) << path;
  }
}

TEST(ResponderTest, PlansGateTheBulkEndpoints) {
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> bulk =
      {{"/stable/profile-bulk", {{"part", "0"}}},
       {"/stable/ratios-ttm-bulk", {}},
       {"/stable/key-metrics-ttm-bulk", {}},
       {"/stable/scores-bulk", {}},
       {"/stable/rating-bulk", {}},
       {"/stable/dcf-bulk", {}},
       {"/stable/eod-bulk", {{"date", "2025-05-30"}}}};
  for (const Plan plan : {Plan::kStarter, Plan::kPremium, Plan::kUltimate}) {
    Responder responder(View(), Options(plan));
    for (const auto& [path, params] : bulk) {
      const Response response = Ask(responder, Get(path, params));
      const bool eod = path == "/stable/eod-bulk";
      const bool allowed = plan == Plan::kUltimate || (plan == Plan::kPremium && !eod);
      EXPECT_EQ(response.status, allowed ? 200 : 402) << PlanName(plan) << " " << path;
      EXPECT_TRUE(response.counted);
      if (!allowed) {
        EXPECT_THAT(ErrorMessage(response), ::testing::StartsWith("Restricted Endpoint: "));
      } else {
        EXPECT_EQ(response.content_type, "text/csv");
      }
    }
    // Per-symbol endpoints are open to every plan.
    for (const std::string path :
         {"/stable/profile", "/stable/ratios-ttm", "/stable/key-metrics-ttm",
          "/stable/financial-scores", "/stable/ratings-snapshot", "/stable/discounted-cash-flow",
          "/stable/historical-price-eod/full", "/stable/historical-price-eod/dividend-adjusted"}) {
      const Response response = Ask(responder, Get(path, {{"symbol", CompleteSymbol()}}));
      EXPECT_EQ(response.status, 200) << PlanName(plan) << " " << path;
      const Json rows = Json::parse(response.body);
      if (path.find("historical") == std::string::npos) {
        EXPECT_EQ(rows.size(), 1u) << path;
      } else {
        EXPECT_FALSE(rows.empty()) << path;
      }
    }
  }
}

TEST(ResponderTest, MissingOrMalformedParametersAre400) {
  Responder responder(View(), Options(Plan::kUltimate));
  const std::vector<
      std::tuple<std::string, std::vector<std::pair<std::string, std::string>>, std::string>>
      cases = {
          {"/stable/profile", {}, "symbol"},
          {"/stable/ratios-ttm", {{"symbol", ""}}, "symbol"},
          {"/stable/historical-price-eod/full", {}, "symbol"},
          {"/stable/historical-price-eod/full", {{"symbol", "A"}, {"from", "2025-13-01"}}, "from"},
          {"/stable/historical-price-eod/full", {{"symbol", "A"}, {"to", "June"}}, "to"},
          {"/stable/eod-bulk", {}, "date"},
          {"/stable/eod-bulk", {{"date", "20250530"}}, "date"},
          {"/stable/profile-bulk", {}, "part"},
          {"/stable/profile-bulk", {{"part", "-1"}}, "part"},
      };
  for (const auto& [path, params, name] : cases) {
    const Response response = Ask(responder, Get(path, params));
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(ErrorMessage(response), "Invalid or missing query parameter - " + name) << path;
  }
}

TEST(ResponderTest, UnknownSymbolsAreAnEmptyArray) {
  Responder responder(View(), Options(Plan::kUltimate));
  for (const std::string path :
       {"/stable/profile", "/stable/ratios-ttm", "/stable/discounted-cash-flow",
        "/stable/historical-price-eod/full", "/stable/historical-price-eod/dividend-adjusted"}) {
    for (const std::string symbol : {"NOSUCH", "aapl", "../x"}) {
      const Response response = Ask(responder, Get(path, {{"symbol", symbol}}));
      EXPECT_EQ(response.status, 200) << path << " " << symbol;
      EXPECT_EQ(response.body, "[]") << path << " " << symbol;
    }
  }
}

TEST(ResponderTest, QuotaIsAStrictSlidingWindow) {
  ResponderOptions options = Options(Plan::kStarter);
  options.rate_limit = 3;
  options.window = std::chrono::seconds(2);
  Responder responder(View(), options);
  EXPECT_EQ(responder.rate_limit(), 3u);
  const Request request = Get("/stable/profile", {{"symbol", "A"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(responder.Respond(request, kNow + std::chrono::milliseconds(i)).status, 200);
  }
  const Response limited = responder.Respond(request, kNow + std::chrono::milliseconds(1999));
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.counted);
  EXPECT_THAT(ErrorMessage(limited), ::testing::StartsWith("Limit Reach . Please upgrade"));
  // Plan-gated requests count too: the window is about calls, not answers.
  EXPECT_EQ(responder
                .Respond(Get("/stable/eod-bulk", {{"date", "2025-05-30"}}),
                         kNow + std::chrono::milliseconds(2000))
                .status,
            402);
  EXPECT_EQ(responder.Respond(request, kNow + std::chrono::milliseconds(2001)).status, 200);
  EXPECT_EQ(responder.Respond(request, kNow + std::chrono::milliseconds(2001)).status, 429);
}

TEST(ResponderTest, PlanRatesAreTheDefaultLimit) {
  EXPECT_EQ(Responder(View(), Options(Plan::kStarter)).rate_limit(), 300u);
  EXPECT_EQ(Responder(View(), Options(Plan::kPremium)).rate_limit(), 750u);
  EXPECT_EQ(Responder(View(), Options(Plan::kUltimate)).rate_limit(), 3000u);
  EXPECT_EQ(ParsePlan("premium").value(), Plan::kPremium);
  EXPECT_FALSE(ParsePlan("gold").ok());
}

// Parses a history response into bars, checking the JSON types a client relies on.
std::vector<Bar> ParseFull(const std::string& body, std::string_view symbol) {
  std::vector<Bar> bars;
  for (const Json& row : Json::parse(body)) {
    EXPECT_EQ(row["symbol"], symbol);
    EXPECT_TRUE(row["volume"].is_number_integer());
    Bar bar;
    bar.date = Date::Parse(row["date"].get<std::string>()).value();
    bar.open = row["open"].get<double>();
    bar.high = row["high"].get<double>();
    bar.low = row["low"].get<double>();
    bar.close = row["close"].get<double>();
    bar.volume = row["volume"].get<int64_t>();
    if (!row["vwap"].is_null()) bar.vwap = row["vwap"].get<double>();
    bars.push_back(bar);
  }
  return bars;
}

TEST(ResponderTest, HistoryIsNewestFirstAndExactlyTheSimulatedBars) {
  Responder responder(View(), Options(Plan::kUltimate));
  const std::string symbol = DashSymbol();
  ASSERT_FALSE(symbol.empty()) << "the universe has no share class";
  const Response response =
      Ask(responder, Get("/stable/historical-price-eod/full",
                         {{"symbol", symbol}, {"from", "2024-01-01"}, {"to", "2025-12-31"}}));
  ASSERT_EQ(response.status, 200);
  std::vector<Bar> served = ParseFull(response.body, symbol);
  ASSERT_GT(served.size(), 300u);
  EXPECT_GT(served.front().date, served.back().date);
  EXPECT_EQ(served.front().date, kAsOf);  // `to` after as_of stops at as_of.
  std::reverse(served.begin(), served.end());
  const std::vector<Bar> simulated =
      Source().DailyBars(symbol, D(2024, 1, 1), D(2025, 12, 31)).value();
  ASSERT_EQ(served.size(), simulated.size());
  for (size_t i = 0; i < served.size(); ++i) {
    const Bar& a = served[i];
    const Bar& b = simulated[i];
    ASSERT_EQ(a.date, b.date);
    EXPECT_TRUE(SameBits(a.open, b.open) && SameBits(a.high, b.high) && SameBits(a.low, b.low) &&
                SameBits(a.close, b.close) && a.volume == b.volume && a.vwap.has_value() &&
                SameBits(*a.vwap, *b.vwap))
        << a.date.ToString();
  }

  const Json adjusted = Json::parse(
      Ask(responder, Get("/stable/historical-price-eod/dividend-adjusted",
                         {{"symbol", symbol}, {"from", "2024-01-01"}, {"to", "2025-12-31"}}))
          .body);
  ASSERT_EQ(adjusted.size(), simulated.size());
  EXPECT_EQ(adjusted[0]["date"], kAsOf.ToString());
  EXPECT_TRUE(SameBits(adjusted[0]["adjClose"].get<double>(), *simulated.back().adj_close));
}

TEST(ResponderTest, HistoryDefaultsToFiveYearsAndIsClampedToThePlan) {
  const std::string symbol = OldSymbol();
  ASSERT_FALSE(symbol.empty());
  const auto oldest = [&](Plan plan, std::vector<std::pair<std::string, std::string>> params,
                          int years = 0) {
    ResponderOptions options = Options(plan);
    options.years = years;
    Responder responder(View(), options);
    params.emplace_back("symbol", symbol);
    const Json rows =
        Json::parse(Ask(responder, Get("/stable/historical-price-eod/full", params)).body);
    return rows.empty() ? Date() : Date::Parse(rows.back()["date"].get<std::string>()).value();
  };
  // No range: the last five years.
  EXPECT_EQ(oldest(Plan::kUltimate, {}), market::NextTradingDay(D(2020, 6, 1)));
  // Starter: 5 years whatever `from` says; premium: 30; ultimate: all; --years: the shorter.
  EXPECT_EQ(oldest(Plan::kStarter, {{"from", "1990-01-01"}}),
            market::NextTradingDay(D(2020, 6, 1)));
  const std::vector<Bar> all = Source().DailyBars(symbol, D(1990, 1, 1), kAsOf).value();
  EXPECT_EQ(oldest(Plan::kUltimate, {{"from", "1990-01-01"}}), all.front().date);
  EXPECT_EQ(oldest(Plan::kPremium, {{"from", "1990-01-01"}}), D(1995, 6, 2));
  EXPECT_LT(all.front().date, D(1995, 6, 2));
  EXPECT_EQ(oldest(Plan::kUltimate, {{"from", "1990-01-01"}}, /*years=*/2),
            market::NextTradingDay(D(2023, 6, 1)));
  // from after to: nothing.
  ResponderOptions options = Options(Plan::kUltimate);
  Responder responder(View(), options);
  EXPECT_EQ(Ask(responder, Get("/stable/historical-price-eod/full",
                               {{"symbol", symbol}, {"from", "2025-05-01"}, {"to", "2025-04-01"}}))
                .body,
            "[]");
}

// The value a client reads from one CSV/JSON cell, as text, for comparison with the
// simulated table's Column::ValueToString.
std::string CsvValue(std::string_view field, table::ColumnType type) {
  if (field.empty()) return "NULL";
  switch (type) {
    case table::ColumnType::kDouble:
      return FormatDouble(ParseDouble(field).value());
    case table::ColumnType::kBigint: {
      // "3.0" must read as 3.
      const double value = ParseDouble(field).value();
      return std::to_string(static_cast<int64_t>(value));
    }
    default:
      return std::string(field);
  }
}

// FMP column name → schema column name, as the client's contract has it.
const std::map<FmpDataset, std::map<std::string, std::string>>& Contract() {
  static const std::map<FmpDataset, std::map<std::string, std::string>> kContract = {
      {FmpDataset::kProfiles,
       {{"symbol", "symbol"},
        {"companyName", "company_name"},
        {"exchange", "exchange"},
        {"sector", "sector"},
        {"industry", "industry"},
        {"country", "country"},
        {"currency", "currency"},
        {"marketCap", "market_cap"},
        {"price", "price"},
        {"beta", "beta"},
        {"lastDividend", "last_dividend"},
        {"averageVolume", "average_volume"},
        {"range", "range"},
        {"ipoDate", "ipo_date"},
        {"isEtf", "is_etf"},
        {"isActivelyTrading", "is_actively_trading"}}},
      {FmpDataset::kRatiosTtm,
       {{"symbol", "symbol"},
        {"priceToEarningsRatioTTM", "pe_ratio_ttm"},
        {"priceToEarningsGrowthRatioTTM", "peg_ratio_ttm"},
        {"netProfitMarginTTM", "net_profit_margin_ttm"},
        {"grossProfitMarginTTM", "gross_profit_margin_ttm"},
        {"priceToBookRatioTTM", "price_to_book_ttm"},
        {"debtToEquityRatioTTM", "debt_to_equity_ttm"},
        {"currentRatioTTM", "current_ratio_ttm"},
        {"dividendYieldTTM", "dividend_yield_ttm"}}},
      {FmpDataset::kKeyMetricsTtm,
       {{"symbol", "symbol"},
        {"marketCap", "market_cap"},
        {"enterpriseValueTTM", "enterprise_value_ttm"},
        {"evToEBITDATTM", "ev_to_ebitda_ttm"},
        {"returnOnEquityTTM", "return_on_equity_ttm"},
        {"returnOnAssetsTTM", "return_on_assets_ttm"},
        {"earningsYieldTTM", "earnings_yield_ttm"},
        {"freeCashFlowYieldTTM", "free_cash_flow_yield_ttm"}}},
      {FmpDataset::kScores,
       {{"symbol", "symbol"},
        {"altmanZScore", "altman_z_score"},
        {"piotroskiScore", "piotroski_score"},
        {"workingCapital", "working_capital"},
        {"totalAssets", "total_assets"},
        {"retainedEarnings", "retained_earnings"},
        {"ebit", "ebit"},
        {"marketCap", "market_cap"},
        {"totalLiabilities", "total_liabilities"},
        {"revenue", "revenue"}}},
      {FmpDataset::kRatings,
       {{"symbol", "symbol"},
        {"date", "date"},
        {"rating", "rating"},
        {"overallScore", "rating_score"},
        {"discountedCashFlowScore", "rating_dcf_score"},
        {"returnOnEquityScore", "rating_roe_score"},
        {"returnOnAssetsScore", "rating_roa_score"},
        {"debtToEquityScore", "rating_de_score"},
        {"priceToEarningsScore", "rating_pe_score"},
        {"priceToBookScore", "rating_pb_score"}}},
      {FmpDataset::kDcf,
       {{"symbol", "symbol"},
        {"date", "date"},
        {"dcf", "fair_value"},
        {"Stock Price", "stock_price"}}},
  };
  return kContract;
}

// Reads a bulk CSV the way a client must (by header name; universe symbols only; for
// profiles, rows with a price) and compares every value with the simulated dataset.
void ExpectCsvEqualsSimulated(FmpDataset dataset, const std::vector<std::string>& bodies) {
  const table::Table simulated = Source().Fundamentals(dataset, kAsOf).value();
  std::set<std::string> universe;
  for (const SymbolInfo& info : Universe()) universe.insert(info.symbol);
  std::map<std::string, std::map<std::string, std::string>> served;  // symbol → column → value
  std::set<std::string> extras_seen;
  for (const std::string& body : bodies) {
    Result<CsvTable> csv = CsvTable::Parse(body, "bulk.csv");
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < csv->num_columns(); ++i) index[std::string(csv->header()[i])] = i;
    for (const auto& [fmp_name, schema_name] : Contract().at(dataset)) {
      ASSERT_TRUE(index.contains(fmp_name)) << FundamentalsDatasetName(dataset) << " " << fmp_name;
    }
    for (size_t row = 0; row < csv->num_rows(); ++row) {
      const std::string symbol(csv->row(row)[index["symbol"]]);
      if (!universe.contains(symbol)) {
        extras_seen.insert(symbol);
        continue;
      }
      if (dataset == FmpDataset::kProfiles && csv->row(row)[index["price"]].empty()) continue;
      auto& values = served[symbol];
      for (const auto& [fmp_name, schema_name] : Contract().at(dataset)) {
        const table::Column* column = simulated.FindColumn(schema_name);
        ASSERT_NE(column, nullptr) << schema_name;
        values[schema_name] = CsvValue(csv->row(row)[index[fmp_name]], column->type());
      }
    }
  }
  EXPECT_EQ(extras_seen.size(), View().extras().size()) << FundamentalsDatasetName(dataset);
  ASSERT_EQ(served.size(), simulated.num_rows()) << FundamentalsDatasetName(dataset);
  for (size_t row = 0; row < simulated.num_rows(); ++row) {
    const std::string& symbol = simulated.column(0).varchars()[row];
    ASSERT_TRUE(served.contains(symbol)) << symbol;
    for (const table::Column& column : simulated.columns()) {
      EXPECT_EQ(served[symbol][column.name()], column.ValueToString(row))
          << FundamentalsDatasetName(dataset) << " " << symbol << " " << column.name();
    }
  }
}

TEST(ResponderTest, BulkFilesCarryExactlyTheSimulatedFundamentals) {
  Responder responder(View(), Options(Plan::kUltimate));
  std::vector<std::string> parts;
  for (size_t part = 0;; ++part) {
    const Response response =
        Ask(responder, Get("/stable/profile-bulk", {{"part", std::to_string(part)}}));
    if (response.status == 400) break;
    ASSERT_EQ(response.status, 200);
    parts.push_back(response.body);
  }
  // 150 symbols plus extras at 40 rows a part.
  EXPECT_EQ(parts.size(), View().num_profile_parts());
  EXPECT_GE(parts.size(), 4u);
  ExpectCsvEqualsSimulated(FmpDataset::kProfiles, parts);
  const std::vector<std::pair<FmpDataset, std::string>> files = {
      {FmpDataset::kRatiosTtm, "/stable/ratios-ttm-bulk"},
      {FmpDataset::kKeyMetricsTtm, "/stable/key-metrics-ttm-bulk"},
      {FmpDataset::kScores, "/stable/scores-bulk"},
      {FmpDataset::kRatings, "/stable/rating-bulk"},
      {FmpDataset::kDcf, "/stable/dcf-bulk"}};
  for (const auto& [dataset, path] : files) {
    const Response response = Ask(responder, Get(path));
    ASSERT_EQ(response.status, 200);
    ExpectCsvEqualsSimulated(dataset, {response.body});
  }
  // Some rating scores are spelled "3.0", as FMP sometimes does.
  EXPECT_THAT(Ask(responder, Get("/stable/rating-bulk")).body, HasSubstr(".0\""));
}

TEST(ResponderTest, ProfileBulkListsTheWholeUniverseAndTheExtras) {
  Responder responder(View(), Options(Plan::kPremium));
  std::map<std::string, std::map<std::string, std::string>> rows;
  for (size_t part = 0; part < View().num_profile_parts(); ++part) {
    Result<CsvTable> csv = CsvTable::Parse(
        Ask(responder, Get("/stable/profile-bulk", {{"part", std::to_string(part)}})).body,
        "profile-bulk.csv");
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    ASSERT_EQ(csv->num_columns(), 36u);
    EXPECT_EQ(csv->header()[0], "symbol");
    EXPECT_EQ(csv->header()[1], "price");
    EXPECT_EQ(csv->header()[35], "isFund");
    for (size_t row = 0; row < csv->num_rows(); ++row) {
      auto& values = rows[std::string(csv->row(row)[0])];
      for (size_t column = 0; column < csv->num_columns(); ++column) {
        values[std::string(csv->header()[column])] = std::string(csv->row(row)[column]);
      }
    }
  }
  const std::vector<SymbolInfo> universe = Universe();
  EXPECT_EQ(rows.size(), universe.size() + View().extras().size());
  size_t without_profile = 0;
  for (const SymbolInfo& info : universe) {
    ASSERT_TRUE(rows.contains(info.symbol)) << info.symbol;
    auto& values = rows[info.symbol];
    EXPECT_EQ(values["companyName"], info.company_name);
    EXPECT_EQ(values["exchange"], info.exchange);
    EXPECT_EQ(values["ipoDate"], info.first_date.ToString());
    EXPECT_EQ(values["isEtf"], info.is_etf ? "true" : "false");
    EXPECT_EQ(values["isActivelyTrading"], info.delisted_date ? "false" : "true");
    EXPECT_EQ(values["isFund"], "false");
    EXPECT_THAT(values["description"], HasSubstr(", "));
    without_profile += values["price"].empty() ? 1 : 0;
  }
  EXPECT_EQ(without_profile,
            universe.size() - Source().Fundamentals(FmpDataset::kProfiles, kAsOf)->num_rows());
  const ExtraSymbol& otc = View().extras()[0];
  const ExtraSymbol& fund = View().extras()[1];
  EXPECT_EQ(rows[otc.symbol]["exchange"], "OTC");
  EXPECT_EQ(rows[otc.symbol]["isAdr"], "true");
  EXPECT_EQ(rows[fund.symbol]["isFund"], "true");
  EXPECT_EQ(rows[fund.symbol]["exchange"], "NASDAQ");
}

TEST(ResponderTest, PerSymbolEndpointsMatchTheBulkRows) {
  Responder responder(View(), Options(Plan::kStarter));
  const std::string symbol = CompleteSymbol();
  const Json profile =
      Json::parse(Ask(responder, Get("/stable/profile", {{"symbol", symbol}})).body);
  ASSERT_EQ(profile.size(), 1u);
  EXPECT_EQ(profile[0]["symbol"], symbol);
  EXPECT_TRUE(profile[0]["isEtf"].is_boolean());
  EXPECT_TRUE(profile[0]["averageVolume"].is_number_integer());
  EXPECT_TRUE(profile[0]["fullTimeEmployees"].is_string());
  const table::Table dcf = Source().Fundamentals(FmpDataset::kDcf, kAsOf).value();
  const auto row = static_cast<size_t>(
      std::find(dcf.column(0).varchars().begin(), dcf.column(0).varchars().end(), symbol) -
      dcf.column(0).varchars().begin());
  const Json served =
      Json::parse(Ask(responder, Get("/stable/discounted-cash-flow", {{"symbol", symbol}})).body);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_TRUE(SameBits(served[0]["dcf"].get<double>(), dcf.column(2).doubles()[row]));
  EXPECT_TRUE(SameBits(served[0]["Stock Price"].get<double>(), dcf.column(3).doubles()[row]));
  EXPECT_EQ(served[0]["date"], dcf.column(1).dates()[row].ToString());
  const Json rating =
      Json::parse(Ask(responder, Get("/stable/ratings-snapshot", {{"symbol", symbol}})).body);
  EXPECT_TRUE(rating[0]["overallScore"].is_number_integer());
  const Json scores =
      Json::parse(Ask(responder, Get("/stable/financial-scores", {{"symbol", symbol}})).body);
  EXPECT_EQ(scores[0]["reportedCurrency"], "USD");
  EXPECT_TRUE(scores[0]["piotroskiScore"].is_number_integer());
}

TEST(ResponderTest, EodBulkIsEveryBarOfTheDayPlusExtras) {
  Responder responder(View(), Options(Plan::kUltimate));
  const Response response = Ask(responder, Get("/stable/eod-bulk", {{"date", "2025-05-30"}}));
  ASSERT_EQ(response.status, 200);
  Result<CsvTable> csv = CsvTable::Parse(response.body, "eod-bulk.csv");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(response.body.substr(0, response.body.find('\n')),
            R"("symbol","date","open","low","high","close","adjClose","volume")");
  const std::vector<SymbolBar> simulated = Source().BarsOn(D(2025, 5, 30)).value();
  ASSERT_EQ(csv->num_rows(), simulated.size() + View().extras().size());
  std::map<std::string, std::vector<std::string_view>> by_symbol;
  for (size_t row = 0; row < csv->num_rows(); ++row)
    by_symbol[std::string(csv->row(row)[0])] = {csv->row(row).begin(), csv->row(row).end()};
  for (const SymbolBar& entry : simulated) {
    const auto& fields = by_symbol.at(entry.symbol);
    EXPECT_EQ(fields[1], "2025-05-30");
    EXPECT_TRUE(SameBits(ParseDouble(fields[3]).value(), entry.bar.low)) << entry.symbol;
    EXPECT_TRUE(SameBits(ParseDouble(fields[4]).value(), entry.bar.high)) << entry.symbol;
    EXPECT_EQ(ParseInt64(fields[7]).value(), entry.bar.volume);
  }
  // A holiday and a day after as_of: only the header.
  for (const std::string date : {"2025-05-26", "2025-06-03"}) {
    const Response empty = Ask(responder, Get("/stable/eod-bulk", {{"date", date}}));
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(std::count(empty.body.begin(), empty.body.end(), '\n'), 1) << date;
  }
}

TEST(ResponderTest, DelistedCompaniesArePagedNewestFirst) {
  Responder responder(View(), Options(Plan::kStarter));
  std::vector<SymbolInfo> delisted;
  for (const SymbolInfo& info : Universe()) {
    if (info.delisted_date) delisted.push_back(info);
  }
  ASSERT_FALSE(delisted.empty());
  const Json page = Json::parse(
      Ask(responder, Get("/stable/delisted-companies", {{"page", "0"}, {"limit", "100"}})).body);
  ASSERT_EQ(page.size(), std::min<size_t>(delisted.size(), 100));
  for (size_t i = 1; i < page.size(); ++i) {
    EXPECT_GE(page[i - 1]["delistedDate"].get<std::string>(),
              page[i]["delistedDate"].get<std::string>());
  }
  EXPECT_EQ(Ask(responder, Get("/stable/delisted-companies", {{"page", "99"}})).body, "[]");
}

TEST(ResponderTest, FaultsReplaceOnlyAnswersThatWouldHaveBeenDelivered) {
  ResponderOptions options = Options(Plan::kStarter);
  options.fault_rate = 1.0;
  options.stall = std::chrono::milliseconds(1234);
  Responder responder(View(), options);
  std::map<FaultKind, int> seen;
  for (int i = 0; i < 200; ++i) {
    const Response response =
        Ask(responder, Get("/stable/profile", {{"symbol", CompleteSymbol()}}));
    ++seen[response.fault];
    switch (response.fault) {
      case FaultKind::kNone:
        ADD_FAILURE() << "rate 1 must always fail";
        break;
      case FaultKind::kServerError:
        EXPECT_EQ(response.status, 500);
        break;
      case FaultKind::kStall:
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.stall, std::chrono::milliseconds(1234));
        EXPECT_EQ(Json::parse(response.body).size(), 1u);
        break;
      case FaultKind::kTruncated:
        ASSERT_TRUE(response.send_only.has_value());
        EXPECT_LT(*response.send_only, response.body.size());
        EXPECT_GT(*response.send_only, 0u);
        break;
      case FaultKind::kMalformed:
        EXPECT_EQ(response.status, 200);
        EXPECT_FALSE(Json::accept(response.body));
        break;
      case FaultKind::kErrorBody:
        EXPECT_EQ(response.status, 200);
        EXPECT_FALSE(ErrorMessage(response).empty());
        break;
    }
  }
  EXPECT_EQ(seen.size(), 5u);
  // Plan gates and parameter errors are never replaced.
  EXPECT_EQ(Ask(responder, Get("/stable/eod-bulk", {{"date", "2025-05-30"}})).status, 402);
  EXPECT_EQ(Ask(responder, Get("/stable/profile")).status, 400);
}

TEST(ResponderTest, MalformedCsvDoesNotParse) {
  ResponderOptions options = Options(Plan::kUltimate);
  options.fault_rate = 1.0;
  Responder responder(View(), options);
  int malformed = 0;
  for (int i = 0; i < 100; ++i) {
    const Response response = Ask(responder, Get("/stable/dcf-bulk"));
    if (response.fault != FaultKind::kMalformed) continue;
    ++malformed;
    EXPECT_EQ(response.content_type, "text/csv");
    EXPECT_FALSE(CsvTable::Parse(response.body, "dcf.csv").ok());
  }
  EXPECT_GT(malformed, 0);
}

TEST(ResponderTest, FaultsAreTheSameForTheSameSeedWhateverTheParameterOrder) {
  ResponderOptions options = Options(Plan::kUltimate);
  options.fault_rate = 0.5;
  options.fault_seed = 11;
  Responder first(View(), options);
  Responder second(View(), options);
  for (int i = 0; i < 30; ++i) {
    const Response a = Ask(
        first, Get("/stable/historical-price-eod/full", {{"symbol", "A"}, {"from", "2025-01-02"}}));
    const Response b = Ask(second, Get("/stable/historical-price-eod/full",
                                       {{"from", "2025-01-02"}, {"symbol", "A"}}, kKey));
    EXPECT_EQ(a.fault, b.fault) << i;
  }
}

TEST(ResponderTest, RequestLogLinesNeverCarryTheKey) {
  Responder responder(View(), Options(Plan::kUltimate));
  const Request request = Get("/stable/historical-price-eod/full",
                              {{"symbol", "BRK-B"}, {"from", "2025-01-02"}, {"to", "2025-02-03"}});
  const Response response = responder.Respond(request, kNow + std::chrono::milliseconds(1500));
  const std::string line = RequestLogLine(request, response, kNow, kNow);
  EXPECT_THAT(line, Not(HasSubstr(std::string(kKey))));
  EXPECT_THAT(line, Not(HasSubstr("apikey")));
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["t_ms"].get<double>(), 1500.0);
  EXPECT_EQ(parsed["path"], "/stable/historical-price-eod/full");
  EXPECT_EQ(parsed["symbol"], "BRK-B");
  EXPECT_EQ(parsed["from"], "2025-01-02");
  EXPECT_EQ(parsed["to"], "2025-02-03");
  EXPECT_EQ(parsed["status"], 200);
  EXPECT_EQ(parsed["counted"], true);
  EXPECT_TRUE(parsed["fault"].is_null());
  // A rejected key is logged too, without the key it was.
  const Request bad = Get("/stable/profile", {{"symbol", "A"}}, "secret-123");
  const std::string bad_line = RequestLogLine(bad, responder.Respond(bad, kNow), kNow, kNow);
  EXPECT_THAT(bad_line, Not(HasSubstr("secret-123")));
  EXPECT_EQ(Json::parse(bad_line)["status"], 401);
}

}  // namespace
}  // namespace tickerflow::sources::fmp_sim
