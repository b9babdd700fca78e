// End-to-end tests of `tickerflow fmp-sim`: the built program on a free loopback port, real
// HTTP requests (cpp-httplib's client), and SIGTERM to stop it. Statuses, bodies, the rate
// window and injected faults are checked as a client sees them, and against the server's
// request log.

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/csv.h"
#include "common/date.h"
#include "fmp_sim_server.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Json = nlohmann::json;
using tickerflow::testing::SimServer;

constexpr std::string_view kKey = "integration-key";

// fmp-sim's flags with this file's API key in front.
std::vector<std::string> WithKey(std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"--api-key", std::string(kKey)});
  return flags;
}

class FmpSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_fmp_sim_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SimServer> Start(std::vector<std::string> flags) {
    std::vector<std::string> market = {"--universe", "200", "--seed", "7", "--as-of", "2025-06-02"};
    market.insert(market.end(), flags.begin(), flags.end());
    auto server =
        std::make_unique<SimServer>(dir_ / fmt::format("server-{}", servers_++), WithKey(market));
    EXPECT_GT(server->port(), 0) << server->err();
    EXPECT_EQ(server->first_line(),
              fmt::format("listening on http://127.0.0.1:{}", server->port()));
    return server;
  }

  static std::string Url(std::string_view path, std::string_view query,
                         std::string_view key = kKey) {
    std::string url = fmt::format("/stable/{}?{}", path, query);
    if (!key.empty()) url += fmt::format("{}apikey={}", query.empty() ? "" : "&", key);
    return url;
  }

  fs::path dir_;
  int servers_ = 0;
};

std::string ErrorMessage(const httplib::Result& result) {
  const Json body = Json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  return body.is_object() ? body.value("Error Message", "") : "";
}

TEST_F(FmpSimTest, AnswersLikeFmpAndStopsCleanlyOnSigterm) {
  std::unique_ptr<SimServer> server = Start({"--plan", "ultimate"});
  ASSERT_GT(server->port(), 0);
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(30, 0);

  // Keys: wrong and missing are 401 with FMP's message.
  for (const std::string_view key : {std::string_view("wrong-key"), std::string_view()}) {
    httplib::Result result = client.Get(Url("profile", "symbol=AAPL", key));
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 401);
    EXPECT_THAT(ErrorMessage(result), StartsWith("Invalid API KEY. Feel free"));
  }

  // profile-bulk: FMP's profile columns; parts until a 400.
  std::vector<std::string> symbols;
  std::string dash_symbol;
  for (int part = 0;; ++part) {
    httplib::Result result = client.Get(Url("profile-bulk", fmt::format("part={}", part)));
    ASSERT_TRUE(result);
    if (result->status == 400) {
      EXPECT_EQ(ErrorMessage(result), "Invalid or missing query parameter - part");
      EXPECT_GT(part, 0);
      break;
    }
    ASSERT_EQ(result->status, 200);
    EXPECT_THAT(result->get_header_value("Content-Type"), StartsWith("text/csv"));
    Result<CsvTable> csv = CsvTable::Parse(result->body, "profile-bulk.csv");
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    ASSERT_GE(csv->num_columns(), 36u);
    EXPECT_EQ(csv->header()[0], "symbol");
    EXPECT_EQ(csv->header()[1], "price");
    EXPECT_EQ(csv->header()[2], "marketCap");
    EXPECT_EQ(*csv->FindColumn("isActivelyTrading"), 33u);
    for (size_t row = 0; row < csv->num_rows(); ++row) {
      const std::string symbol(csv->row(row)[0]);
      symbols.push_back(symbol);
      if (dash_symbol.empty() && symbol.find('-') != std::string::npos &&
          csv->row(row)[*csv->FindColumn("isActivelyTrading")] == "true") {
        dash_symbol = symbol;
      }
    }
  }
  EXPECT_GE(symbols.size(), 150u);
  ASSERT_FALSE(dash_symbol.empty()) << "no BRK-B style symbol in the universe";

  // History of a BRK-B style symbol: newest first, FMP's fields, up to as-of.
  httplib::Result history =
      client.Get(Url("historical-price-eod/full",
                     fmt::format("symbol={}&from=2025-01-01&to=2025-06-30", dash_symbol)));
  ASSERT_TRUE(history);
  ASSERT_EQ(history->status, 200);
  const Json bars = Json::parse(history->body);
  ASSERT_GT(bars.size(), 50u);
  EXPECT_EQ(bars.front()["date"], "2025-06-02");
  EXPECT_EQ(bars.front()["symbol"], dash_symbol);
  for (size_t i = 1; i < bars.size(); ++i) {
    ASSERT_GT(bars[i - 1]["date"].get<std::string>(), bars[i]["date"].get<std::string>());
  }
  std::vector<std::string> keys;
  for (const auto& item : bars.front().items()) keys.push_back(item.key());
  EXPECT_THAT(keys,
              ::testing::UnorderedElementsAre("symbol", "date", "open", "high", "low", "close",
                                              "volume", "change", "changePercent", "vwap"));
  EXPECT_TRUE(bars.front()["volume"].is_number_integer());

  // Unknown symbol: 200 and [].
  httplib::Result unknown = client.Get(Url("historical-price-eod/full", "symbol=NOSUCHSYM"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 200);
  EXPECT_EQ(unknown->body, "[]");
  httplib::Result unknown_profile = client.Get(Url("profile", "symbol=NOSUCHSYM"));
  ASSERT_TRUE(unknown_profile);
  EXPECT_EQ(unknown_profile->body, "[]");

  // eod-bulk: FMP's header, low before high.
  httplib::Result eod = client.Get(Url("eod-bulk", "date=2025-05-30"));
  ASSERT_TRUE(eod);
  ASSERT_EQ(eod->status, 200);
  EXPECT_EQ(eod->body.substr(0, eod->body.find('\n')),
            R"("symbol","date","open","low","high","close","adjClose","volume")");
  EXPECT_THAT(eod->body, HasSubstr(fmt::format("\"{}\",\"2025-05-30\",", dash_symbol)));

  // dcf-bulk: "Stock Price" with its space.
  httplib::Result dcf = client.Get(Url("dcf-bulk", ""));
  ASSERT_TRUE(dcf);
  EXPECT_EQ(dcf->body.substr(0, dcf->body.find('\n')), R"("symbol","date","dcf","Stock Price")");

  // Wrong paths.
  httplib::Result legacy = client.Get(Url("profile/AAPL", ""));
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->status, 404);

  // The request log has every request, never the key.
  const std::string log_text = testing::ReadFileText(server->log());
  EXPECT_THAT(log_text, Not(HasSubstr(std::string(kKey))));
  EXPECT_THAT(log_text, Not(HasSubstr("wrong-key")));
  const std::vector<Json> lines = server->LogLines();
  ASSERT_GE(lines.size(), 8u);
  EXPECT_EQ(lines.front()["status"], 401);
  EXPECT_EQ(lines.front()["path"], "/stable/profile");
  EXPECT_EQ(lines.front()["symbol"], "AAPL");

  EXPECT_EQ(server->Terminate(), 0) << server->err();
  EXPECT_THAT(server->err(), Not(HasSubstr(std::string(kKey))));
}

TEST_F(FmpSimTest, StarterPlanRestrictsBulkAndKeepsAStrictWindow) {
  std::unique_ptr<SimServer> server =
      Start({"--plan", "starter", "--rate-limit", "4/min", "--window-seconds", "2"});
  ASSERT_GT(server->port(), 0);
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(30, 0);

  // Bulk endpoints are outside the starter plan: 402 with FMP's message.
  for (const std::string& url :
       {Url("eod-bulk", "date=2025-05-30"), Url("profile-bulk", "part=0")}) {
    httplib::Result result = client.Get(url);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 402) << url;
    EXPECT_THAT(ErrorMessage(result), StartsWith("Restricted Endpoint: "));
  }
  // Two more fill the window of four; then 429 until the window has moved.
  const auto started = std::chrono::steady_clock::now();
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    httplib::Result result = client.Get(Url("profile", "symbol=NOSUCHSYM"));
    ASSERT_TRUE(result);
    if (result->status == 429) {
      ++limited;
      EXPECT_THAT(ErrorMessage(result), StartsWith("Limit Reach . Please upgrade your plan"));
    } else {
      EXPECT_EQ(result->status, 200);
      ++ok;
    }
  }
  if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500)) {
    EXPECT_EQ(ok, 2);
    EXPECT_EQ(limited, 6);
  }
  // Once the window has passed, requests are admitted again.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  httplib::Result later = client.Get(Url("profile", "symbol=NOSUCHSYM"));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);

  // Keep knocking for a while; the log must show at most 4 counted requests in any 2 s.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(4500);
  while (std::chrono::steady_clock::now() < until) {
    httplib::Result result = client.Get(Url("profile", "symbol=NOSUCHSYM"));
    ASSERT_TRUE(result);
    ASSERT_TRUE(result->status == 200 || result->status == 429) << result->status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<double> counted;
  int rejected = 0;
  for (const Json& line : server->LogLines()) {
    if (line["counted"].get<bool>()) counted.push_back(line["t_ms"].get<double>());
    rejected += line["status"] == 429 ? 1 : 0;
  }
  EXPECT_GT(rejected, 6);
  ASSERT_GE(counted.size(), 8u);
  for (size_t i = 4; i < counted.size(); ++i) {
    // The log rounds to microseconds; the server keeps nanoseconds.
    EXPECT_GE(counted[i] - counted[i - 4], 2000.0 - 0.002) << i;
  }
  EXPECT_EQ(server->Terminate(), 0) << server->err();
}

TEST_F(FmpSimTest, InjectedFaultsAreWhatTheLogSays) {
  std::unique_ptr<SimServer> server = Start({"--fault-rate", "1", "--stall-seconds", "2"});
  ASSERT_GT(server->port(), 0);
  std::map<std::string, int> observed;
  constexpr int kRequests = 25;
  for (int i = 0; i < kRequests; ++i) {
    httplib::Client client("127.0.0.1", server->port());
    client.set_read_timeout(0, 500'000);  // Shorter than the stall.
    httplib::Result result = client.Get(Url("dcf-bulk", ""));
    if (!result) {
      // A stall times out; a truncated body ends early. Both are read errors to the client.
      ++observed["read_error"];
      continue;
    }
    if (result->status == 500) {
      ++observed["server_error"];
    } else if (result->status == 200 && !ErrorMessage(result).empty()) {
      ++observed["error_body"];
    } else if (result->status == 200 && !CsvTable::Parse(result->body, "dcf.csv").ok()) {
      ++observed["malformed"];
    } else {
      ADD_FAILURE() << "a fault rate of 1 delivered a good answer: " << result->status;
    }
  }
  std::map<std::string, int> logged;
  for (const Json& line : server->LogLines()) {
    ASSERT_FALSE(line["fault"].is_null());
    ++logged[line["fault"].get<std::string>()];
  }
  EXPECT_EQ(logged["server_error"], observed["server_error"]);
  EXPECT_EQ(logged["error_body"], observed["error_body"]);
  EXPECT_EQ(logged["malformed"], observed["malformed"]);
  EXPECT_EQ(logged["stall"] + logged["truncated"], observed["read_error"]);
  EXPECT_EQ(static_cast<int>(server->LogLines().size()), kRequests);
  // Stalled responses still pending are cut short by the stop.
  EXPECT_EQ(server->Terminate(), 0) << server->err();
}

TEST_F(FmpSimTest, RejectsBadFlags) {
  for (const std::vector<std::string>& flags : {std::vector<std::string>{"--plan", "gold"},
                                                {"--rate-limit", "fast"},
                                                {"--fault-rate", "2"}}) {
    SimServer server(dir_ / fmt::format("bad-{}", servers_++), WithKey(flags));
    EXPECT_EQ(server.port(), 0);
    EXPECT_THAT(server.err(), HasSubstr("error"));
  }
}

}  // namespace
}  // namespace tickerflow
