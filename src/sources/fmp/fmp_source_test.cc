#include "sources/fmp/fmp_source.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tickerflow::sources {
namespace {

constexpr char kKey[] = "k3y-SECRET-42";

Date D(int y, unsigned m, unsigned d) { return Date::FromCivil(y, m, d); }

using Params = std::map<std::string, std::string>;
using Handler = std::function<net::HttpResponse(const std::string& endpoint, const Params&)>;

net::HttpResponse Answer(int status, std::string body, std::string type = "application/json") {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(type);
  return response;
}

// Answers FMP requests from a handler, after checking that each carries the key; records the
// endpoints asked for.
class FakeFmp final : public net::HttpTransport {
 public:
  explicit FakeFmp(Handler handler) : handler_(std::move(handler)) {}

  Result<net::HttpResponse> Get(const net::HttpRequest& request) override {
    const std::string prefix = "http://fmp.test/stable/";
    EXPECT_TRUE(request.url.starts_with(prefix)) << request.url;
    const std::string rest = request.url.substr(prefix.size());
    const size_t question = rest.find('?');
    const std::string endpoint = rest.substr(0, question);
    Params params;
    std::string query = rest.substr(question + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      const std::string pair = query.substr(start, end - start);
      const size_t equals = pair.find('=');
      params[pair.substr(0, equals)] = pair.substr(equals + 1);
      start = end + 1;
    }
    if (params["apikey"] != kKey) return Answer(401, R"({"Error Message":"Invalid API KEY."})");
    params.erase("apikey");
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(endpoint);
    }
    return handler_(endpoint, params);
  }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int Count(const std::string& endpoint) const {
    const std::vector<std::string> all = calls();
    return static_cast<int>(std::count(all.begin(), all.end(), endpoint));
  }

 private:
  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

const char kProfilesCsv[] =
    "symbol,companyName,exchange,sector,industry,country,currency,marketCap,price,beta,"
    "lastDividend,averageVolume,range,ipoDate,isEtf,isFund,isActivelyTrading,description\n"
    "AAPL,Apple Inc.,NASDAQ,Technology,Consumer Electronics,US,USD,3.0e12,201.7,1.2,1.0,"
    "50000000.4,169.21-260.1,1980-12-12,false,false,true,\"Phones, computers\"\n"
    "BRK-B,Berkshire Hathaway,NYSE,Financial Services,Insurance,US,USD,1.0e12,480.5,0.8,,"
    "4000000,400-540,1996-05-09,false,false,true,x\n";
const char kProfilesPart1Csv[] =
    "symbol,companyName,exchange,sector,industry,country,currency,marketCap,price,beta,"
    "lastDividend,averageVolume,range,ipoDate,isEtf,isFund,isActivelyTrading,description\n"
    "SPY,SPDR,AMEX,,,US,USD,5e11,590,1,,1,1-2,1993-01-22,true,false,true,x\n"
    "MSFT,Microsoft,NASDAQ,Technology,Software,US,USD,3.1e12,461.97,0.9,3.3,20000000,"
    "344-468,1986-03-13,false,false,true,x\n"
    "NOPR,No Price Corp,NYSE,Industrials,Machinery,,,,,,,,,2001-02-01,false,false,true,\n";

// A plan with every bulk endpoint.
net::HttpResponse UltimatePlan(const std::string& endpoint, const Params& params) {
  if (endpoint == "profile-bulk") {
    const std::string part = params.at("part");
    if (part == "0") return Answer(200, kProfilesCsv, "text/csv");
    if (part == "1") return Answer(200, kProfilesPart1Csv, "text/csv");
    return Answer(400, R"({"Error Message":"Invalid or missing query parameter - part"})");
  }
  if (endpoint == "eod-bulk") {
    return Answer(200,
                  "symbol,date,open,low,high,close,adjClose,volume\n"
                  "AAPL," +
                      params.at("date") +
                      ",200.28,200.12,202.13,201.7,201.7,35423294\n"
                      "ZZZZ," +
                      params.at("date") +
                      ",1,1,1,1,1,1\n"
                      "MSFT," +
                      params.at("date") + ",457.14,456.89,464.03,461.97,461.97,16000000\n",
                  "text/csv");
  }
  if (endpoint == "ratios-ttm-bulk") {
    return Answer(200,
                  "symbol,priceToEarningsRatioTTM,netProfitMarginTTM,newColumnTTM\n"
                  "MSFT,35.5,0.36,1\nAAPL,31.2,0.24,2\nXYZ,1,1,1\n",
                  "text/csv");
  }
  return Answer(404, "");
}

FmpOptions Options() {
  FmpOptions options;
  options.base_url = "http://fmp.test";
  options.api_key = kKey;
  options.requests_per_minute = 10000;
  options.retry.base_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(2);
  options.retry.max_attempts = 3;
  options.seed = 1;
  options.per_symbol_threads = 4;
  return options;
}

struct Harness {
  explicit Harness(Handler handler, FmpOptions options = Options()) {
    auto transport = std::make_unique<FakeFmp>(std::move(handler));
    fake = transport.get();
    options.quarantine = [this](const std::string& name, std::string_view body) {
      std::lock_guard lock(mutex);
      quarantined.emplace_back(name, std::string(body));
    };
    Result<std::unique_ptr<FmpSource>> created = FmpSource::Create(options, std::move(transport));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    source = std::move(created).value();
  }
  FakeFmp* fake = nullptr;
  std::unique_ptr<FmpSource> source;
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> quarantined;
};

void ExpectNoKey(const Status& status) {
  EXPECT_EQ(status.message().find(kKey), std::string::npos) << status.message();
}

TEST(FmpUniverseTest, ReadsEveryProfileBulkPartAndFilters) {
  Harness h(UltimatePlan);
  Result<std::vector<SymbolInfo>> universe = h.source->Universe(D(2025, 6, 2));
  ASSERT_TRUE(universe.ok()) << universe.status().ToString();
  std::vector<std::string> symbols;
  for (const SymbolInfo& info : *universe) symbols.push_back(info.symbol);
  // No ETF; NOPR is listed although its profile has no figures.
  EXPECT_EQ(symbols, (std::vector<std::string>{"AAPL", "BRK-B", "MSFT", "NOPR"}));
  EXPECT_EQ((*universe)[2].industry, "Software");
  EXPECT_EQ((*universe)[2].first_date, D(1986, 3, 13));
  EXPECT_EQ(h.fake->Count("profile-bulk"), 3);  // Parts 0, 1, and the 400 that ends them.

  // Profiles come from the same download, with the schema's names and types.
  Result<table::Table> profiles =
      h.source->Fundamentals(FundamentalsDataset::kProfiles, D(2025, 6, 2));
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();
  ASSERT_TRUE(ValidateFundamentals(FundamentalsDataset::kProfiles, *profiles).ok());
  // A profile without a price is no profile: NOPR has no row.
  EXPECT_EQ(profiles->column(0).varchars(), (std::vector<std::string>{"AAPL", "BRK-B", "MSFT"}));
  EXPECT_EQ(profiles->FindColumn("company_name")->varchars()[0], "Apple Inc.");
  EXPECT_EQ(profiles->FindColumn("market_cap")->doubles()[0], 3.0e12);
  EXPECT_EQ(profiles->FindColumn("average_volume")->bigints()[0], 50000000);
  EXPECT_EQ(profiles->FindColumn("range")->varchars()[0], "169.21-260.1");
  EXPECT_TRUE(profiles->FindColumn("last_dividend")->is_null(1));
  EXPECT_EQ(profiles->FindColumn("is_actively_trading")->booleans()[0], 1);
  EXPECT_EQ(h.fake->Count("profile-bulk"), 3);  // Not downloaded again.
  EXPECT_EQ(h.source->Stats()["fundamentals_datasets"]["profiles"], "bulk");
}

TEST(FmpUniverseTest, WithoutProfileBulkItAsksForSymbols) {
  Harness h([](const std::string& endpoint, const Params&) {
    if (endpoint == "profile-bulk") {
      return Answer(402, R"({"Error Message":"Restricted Endpoint: not available"})");
    }
    return Answer(404, "");
  });
  Result<std::vector<SymbolInfo>> universe = h.source->Universe(D(2025, 6, 2));
  ASSERT_FALSE(universe.ok());
  EXPECT_EQ(universe.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(universe.status().message().find("--symbols"), std::string::npos);
}

TEST(FmpUniverseTest, ASymbolListUsesPerSymbolProfiles) {
  FmpOptions options = Options();
  options.symbols = {"BRK-B", "AAPL", "NOPE"};
  Harness h(
      [](const std::string& endpoint, const Params& params) {
        if (endpoint != "profile") return Answer(404, "");
        const std::string& symbol = params.at("symbol");
        if (symbol == "NOPE") return Answer(200, "[]");
        return Answer(200, R"([{"symbol":")" + symbol +
                               R"(","companyName":"Co","exchange":"NYSE","sector":"S",)"
                               R"("industry":"I","ipoDate":"1999-01-04","isEtf":false,)"
                               R"("isActivelyTrading":true,"price":10.5}])");
      },
      options);
  Result<std::vector<SymbolInfo>> universe = h.source->Universe(D(2025, 6, 2));
  ASSERT_TRUE(universe.ok()) << universe.status().ToString();
  ASSERT_EQ(universe->size(), 2u);
  EXPECT_EQ((*universe)[0].symbol, "AAPL");
  EXPECT_EQ((*universe)[1].symbol, "BRK-B");
  EXPECT_EQ((*universe)[1].first_date, D(1999, 1, 4));
  EXPECT_EQ(h.fake->Count("profile"), 3);
}

std::string BarsJson(const std::string& symbol, Date from, Date to) {
  // Newest first, one bar per weekday, prices from the day number so they are checkable.
  std::string out = "[";
  for (Date day = to; day >= from; day = day - 1) {
    if (day.weekday() == Weekday::kSaturday || day.weekday() == Weekday::kSunday) continue;
    const double close = 100 + (day.days_since_epoch() % 50) / 10.0;
    if (out.size() > 1) out += ",";
    out += fmt::format(
        R"({{"symbol":"{}","date":"{}","open":{},"high":{},"low":{},"close":{},"volume":{},"vwap":{}}})",
        symbol, day.ToString(), close, close + 1, close - 1, close, 1000.0 + 0.4, close);
  }
  return out + "]";
}

TEST(FmpDailyBarsTest, FetchesDeepHistoryInChunksAscending) {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> ranges;
  Harness h([&](const std::string& endpoint, const Params& params) {
    if (endpoint != "historical-price-eod/full") return Answer(404, "");
    {
      std::lock_guard lock(mutex);
      ranges.emplace_back(params.at("from"), params.at("to"));
    }
    return Answer(200, BarsJson(params.at("symbol"), *Date::Parse(params.at("from")),
                                *Date::Parse(params.at("to"))));
  });
  Result<std::vector<Bar>> bars = h.source->DailyBars("BRK-B", D(2010, 1, 4), D(2025, 6, 2));
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  ASSERT_EQ(ranges.size(), 4u);  // 15.4 years in 5-year chunks.
  EXPECT_EQ(ranges[0].first, "2010-01-04");
  EXPECT_EQ(ranges[3].second, "2025-06-02");
  for (size_t i = 1; i < ranges.size(); ++i) {
    EXPECT_EQ(*Date::Parse(ranges[i].first), *Date::Parse(ranges[i - 1].second) + 1);
  }
  ASSERT_FALSE(bars->empty());
  EXPECT_EQ(bars->front().date, D(2010, 1, 4));
  EXPECT_EQ(bars->back().date, D(2025, 6, 2));
  for (size_t i = 1; i < bars->size(); ++i) ASSERT_LT((*bars)[i - 1].date, (*bars)[i].date);
  EXPECT_EQ(bars->back().volume, 1000);
  EXPECT_EQ(*bars->back().vwap, bars->back().close);
  EXPECT_FALSE(bars->back().adj_close.has_value());
  EXPECT_EQ(h.source->Stats()["per_symbol_bar_requests"], 4);
}

TEST(FmpDailyBarsTest, AdjustedClosesComeFromTheDividendAdjustedEndpoint) {
  FmpOptions options = Options();
  options.adjusted = true;
  Harness h(
      [](const std::string& endpoint, const Params& params) {
        if (endpoint == "historical-price-eod/full") {
          return Answer(200, BarsJson(params.at("symbol"), *Date::Parse(params.at("from")),
                                      *Date::Parse(params.at("to"))));
        }
        if (endpoint == "historical-price-eod/dividend-adjusted") {
          return Answer(200, R"([{"symbol":"A","date":"2025-06-02","adjClose":99.5},
                                 {"symbol":"A","date":"2025-05-30","adjClose":98.25}])");
        }
        return Answer(404, "");
      },
      options);
  Result<std::vector<Bar>> bars = h.source->DailyBars("A", D(2025, 5, 29), D(2025, 6, 2));
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  ASSERT_EQ(bars->size(), 3u);
  EXPECT_FALSE((*bars)[0].adj_close.has_value());
  EXPECT_EQ(*(*bars)[1].adj_close, 98.25);
  EXPECT_EQ(*(*bars)[2].adj_close, 99.5);
}

TEST(FmpDailyBarsTest, AnEmptyArrayIsAnEmptyHistory) {
  Harness h([](const std::string&, const Params&) { return Answer(200, "[]"); });
  Result<std::vector<Bar>> bars = h.source->DailyBars("EMPTY", D(2025, 1, 1), D(2025, 6, 2));
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  EXPECT_TRUE(bars->empty());
  EXPECT_EQ(h.source->DailyBars("bad/../x", D(2025, 1, 1), D(2025, 6, 2)).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(FmpDailyBarsTest, MalformedBodiesAreQuarantinedAndRetried) {
  std::mutex mutex;
  int calls = 0;
  Harness h([&](const std::string&, const Params& params) {
    std::lock_guard lock(mutex);
    if (++calls == 1) return Answer(200, R"([{"symbol":"A","date":"2025-06-02","op)");
    return Answer(200,
                  BarsJson("A", *Date::Parse(params.at("from")), *Date::Parse(params.at("to"))));
  });
  Result<std::vector<Bar>> bars = h.source->DailyBars("A", D(2025, 6, 2), D(2025, 6, 2));
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  EXPECT_EQ(bars->size(), 1u);
  ASSERT_EQ(h.quarantined.size(), 1u);
  const std::string& name = h.quarantined[0].first;
  EXPECT_TRUE(name.starts_with("historical-price-eod_full_A_")) << name;
  EXPECT_EQ(name.find(kKey), std::string::npos);
  EXPECT_EQ(h.quarantined[0].second, R"([{"symbol":"A","date":"2025-06-02","op)");
  EXPECT_EQ(h.source->Stats()["retries"], 1);
  EXPECT_EQ(h.source->Stats()["quarantined"], 1);
}

TEST(FmpErrorsTest, AWrongKeyStopsWithAHintAndWithoutTheKey) {
  FmpOptions options = Options();
  options.api_key = std::string(kKey) + "-wrong";
  Harness h(UltimatePlan, options);
  Result<std::vector<Bar>> bars = h.source->DailyBars("AAPL", D(2025, 1, 1), D(2025, 6, 2));
  ASSERT_FALSE(bars.ok());
  EXPECT_EQ(bars.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ActionFor(bars.status().code()), ErrorAction::kStop);
  EXPECT_NE(bars.status().message().find("FMP_API_KEY"), std::string::npos);
  EXPECT_EQ(bars.status().message().find(options.api_key), std::string::npos)
      << bars.status().message();
  ExpectNoKey(bars.status());
  Result<std::vector<SymbolInfo>> universe = h.source->Universe(D(2025, 6, 2));
  ASSERT_FALSE(universe.ok());
  EXPECT_EQ(universe.status().message().find(options.api_key), std::string::npos);
}

TEST(FmpErrorsTest, AnErrorBodyWithStatus200IsNeverData) {
  Harness h([](const std::string&, const Params&) {
    return Answer(200,
                  R"({"Error Message":"Invalid API KEY. Feel free to create a Free API Key"})");
  });
  Result<std::vector<Bar>> bars = h.source->DailyBars("AAPL", D(2025, 1, 1), D(2025, 6, 2));
  ASSERT_FALSE(bars.ok());
  EXPECT_EQ(bars.status().code(), ErrorCode::kPermissionDenied);
}

TEST(FmpErrorsTest, ASymbolOutsideThePlanIsSkippedAnEndpointOutsideItStops) {
  Harness h([](const std::string&, const Params& params) {
    if (params.at("symbol") == "VOD.L") {
      return Answer(
          402,
          R"({"Error Message":"Premium Query Parameter: 'Special Endpoint : This value set for 'symbol' is not available"})");
    }
    return Answer(
        402,
        R"({"Error Message":"Restricted Endpoint: This endpoint is not available under your current subscription"})");
  });
  Result<std::vector<Bar>> symbol = h.source->DailyBars("VOD.L", D(2025, 1, 1), D(2025, 6, 2));
  ASSERT_FALSE(symbol.ok());
  EXPECT_EQ(symbol.status().code(), ErrorCode::kNotFound);
  Result<std::vector<Bar>> endpoint = h.source->DailyBars("AAPL", D(2025, 1, 1), D(2025, 6, 2));
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.status().code(), ErrorCode::kPermissionDenied);
}

TEST(FmpBarsOnTest, EodBulkIsFilteredToTheUniverse) {
  Harness h(UltimatePlan);
  ASSERT_TRUE(h.source->Universe(D(2025, 6, 2)).ok());
  EXPECT_TRUE(h.source->SupportsBarsOn());
  Result<std::vector<SymbolBar>> bars = h.source->BarsOn(D(2025, 6, 2));
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  ASSERT_EQ(bars->size(), 2u);
  EXPECT_EQ((*bars)[0].symbol, "AAPL");
  EXPECT_EQ((*bars)[0].bar.high, 202.13);
  EXPECT_EQ((*bars)[1].symbol, "MSFT");
  EXPECT_EQ(h.source->Stats()["bars_strategy"], "eod-bulk");
}

TEST(FmpBarsOnTest, A402ProbeMakesBarsOnUnavailable) {
  Harness h([](const std::string& endpoint, const Params&) {
    if (endpoint == "eod-bulk") {
      return Answer(402, R"({"Error Message":"Restricted Endpoint: not in your plan"})");
    }
    return Answer(404, "");
  });
  EXPECT_FALSE(h.source->SupportsBarsOn());
  EXPECT_FALSE(h.source->SupportsBarsOn());
  EXPECT_EQ(h.fake->Count("eod-bulk"), 1);  // Probed once.
  EXPECT_EQ(h.source->Stats()["bars_strategy"], "per-symbol");
  EXPECT_EQ(h.source->Stats()["unavailable_endpoints"], nlohmann::json::array({"eod-bulk"}));
}

TEST(FmpFundamentalsTest, BulkCsvIsMappedAndFilteredToTheUniverse) {
  Harness h(UltimatePlan);
  ASSERT_TRUE(h.source->Universe(D(2025, 6, 2)).ok());
  Result<table::Table> ratios =
      h.source->Fundamentals(FundamentalsDataset::kRatiosTtm, D(2025, 6, 2));
  ASSERT_TRUE(ratios.ok()) << ratios.status().ToString();
  ASSERT_TRUE(ValidateFundamentals(FundamentalsDataset::kRatiosTtm, *ratios).ok());
  EXPECT_EQ(ratios->column(0).varchars(), (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(ratios->FindColumn("pe_ratio_ttm")->doubles()[1], 35.5);
  EXPECT_TRUE(ratios->FindColumn("peg_ratio_ttm")->is_null(0));
}

TEST(FmpFundamentalsTest, A402SwitchesToPerSymbolRequestsUnderTheBudget) {
  FmpOptions options = Options();
  options.requests_per_minute = 1;
  options.rate_window = std::chrono::milliseconds(1);  // Keeps the test fast.
  options.rate_margin = std::chrono::milliseconds(0);
  // 1/min × 1,440 min × F / 6 datasets = 2 symbols per dataset.
  options.fundamentals_budget = 12.0 / 1440.0;
  Harness h(
      [](const std::string& endpoint, const Params& params) {
        if (endpoint == "profile-bulk") return UltimatePlan(endpoint, params);
        if (endpoint == "scores-bulk") {
          return Answer(402, R"({"Error Message":"Restricted Endpoint: not in your plan"})");
        }
        if (endpoint == "financial-scores") {
          return Answer(200, R"([{"symbol":")" + params.at("symbol") +
                                 R"(","altmanZScore":4.5,"piotroskiScore":7.0,"revenue":1e9}])");
        }
        return Answer(404, "");
      },
      options);
  ASSERT_TRUE(h.source->Universe(D(2025, 6, 2)).ok());  // AAPL, BRK-B, MSFT, NOPR
  Result<table::Table> scores = h.source->Fundamentals(FundamentalsDataset::kScores, D(2025, 6, 2));
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_TRUE(ValidateFundamentals(FundamentalsDataset::kScores, *scores).ok());
  // The rotation for 2025-06-02 (day 20241) starts at (20241 × 2) mod 4 = 2, the third symbol.
  EXPECT_EQ(scores->column(0).varchars(), (std::vector<std::string>{"MSFT", "NOPR"}));
  EXPECT_EQ(scores->FindColumn("altman_z_score")->doubles()[0], 4.5);
  EXPECT_EQ(scores->FindColumn("piotroski_score")->bigints()[0], 7);
  EXPECT_EQ(scores->FindColumn("revenue")->doubles()[1], 1e9);
  EXPECT_TRUE(scores->FindColumn("ebit")->is_null(0));
  EXPECT_EQ(h.fake->Count("financial-scores"), 2);
  // The bulk endpoint is not asked again this run.
  ASSERT_TRUE(h.source->Fundamentals(FundamentalsDataset::kScores, D(2025, 6, 3)).ok());
  EXPECT_EQ(h.fake->Count("scores-bulk"), 1);
  const nlohmann::json stats = h.source->Stats();
  EXPECT_EQ(stats["fundamentals_datasets"]["scores"], "per-symbol");
  EXPECT_EQ(stats["per_symbol_fundamentals_requests"], 4);
  EXPECT_EQ(stats["unavailable_endpoints"], nlohmann::json::array({"scores-bulk"}));
}

TEST(SelectForRefreshTest, NeverRefreshedFirstThenOldestThenBySymbol) {
  const std::unordered_map<std::string, Date> refreshed = {
      {"A", D(2025, 6, 1)}, {"B", D(2025, 5, 1)}, {"C", D(2025, 5, 1)}};
  EXPECT_EQ(SelectForRefresh({"C", "A", "E", "B", "D"}, refreshed, 4, D(2025, 6, 2)),
            (std::vector<std::string>{"D", "E", "B", "C"}));
  EXPECT_EQ(SelectForRefresh({"B", "A"}, refreshed, 10, D(2025, 6, 2)),
            (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(SelectForRefresh({"A"}, refreshed, 0, D(2025, 6, 2)).empty());
}

TEST(SelectForRefreshTest, WithoutDatesSuccessiveDaysCoverEverySymbol) {
  std::vector<std::string> symbols;
  for (int i = 0; i < 10; ++i) symbols.push_back(fmt::format("S{}", i));
  std::set<std::string> covered;
  const Date first = D(2025, 6, 2);
  for (int day = 0; day < 4; ++day) {  // ceil(10 / 3) days.
    const std::vector<std::string> chosen = SelectForRefresh(symbols, {}, 3, first + day);
    EXPECT_EQ(chosen.size(), 3u);
    covered.insert(chosen.begin(), chosen.end());
  }
  EXPECT_EQ(covered.size(), 10u);
}

}  // namespace
}  // namespace tickerflow::sources
