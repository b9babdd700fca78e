// `tickerflow serve` end to end: a simulated data directory built by `tickerflow run`, the
// server started on a free loopback port, requests over real HTTP (cpp-httplib's client, which
// sends paths exactly as given), and every answer checked against DuckDB reading the same
// screener file directly.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "process_runner.h"
#include "serve_server.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using tickerflow::testing::ProgramResult;
using tickerflow::testing::RunProgram;
using tickerflow::testing::ServeProgram;
using Json = nlohmann::json;

// The "error" text of an error answer; empty when there is none.
std::string ErrorOf(const Json& answer) {
  const auto found = answer.find("error");
  if (found == answer.end()) return {};
  const std::string* text = found->get_ptr<const std::string*>();
  return text != nullptr ? *text : std::string();
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_serve_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    suite_dir = new fs::path(pattern);
    const ProgramResult run =
        Run({"run", "--source", "simulated", "--data", Data().string(), "--universe", "150",
             "--years", "2", "--seed", "11", "--as-of", "2025-06-02", "--workers", "2"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    fs::create_directories(*suite_dir / "web" / "css");
    WriteText(*suite_dir / "web" / "index.html", "<!doctype html><title>screener</title>");
    WriteText(*suite_dir / "web" / "css" / "app.css", "body{}");
    WriteText(*suite_dir / "secret.txt", "outside the web root");
    fs::create_symlink(*suite_dir / "secret.txt", *suite_dir / "web" / "link.txt");
    suite_server = new ServeProgram(
        {"serve", "--data", Data().string(), "--port", "0", "--web-root",
         (*suite_dir / "web").string(), "--refresh", "0.2", "--client-timeout", "1"},
        *suite_dir / "server");
    ASSERT_GT(suite_server->port(), 0) << suite_server->err();
  }
  static void TearDownTestSuite() {
    delete suite_server;
    suite_server = nullptr;
    fs::remove_all(*suite_dir);
    delete suite_dir;
  }

  static fs::path Data() { return *suite_dir / "data"; }
  static ProgramResult Run(const std::vector<std::string>& args) {
    return RunProgram(args, *suite_dir / fmt::format("capture-{}", suite_runs++));
  }
  static void WriteText(const fs::path& path, std::string_view text) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fwrite(text.data(), 1, text.size(), file);
    std::fclose(file);
  }

  // GET `path` (sent as is); the status and body.
  static std::pair<int, std::string> Get(const std::string& path, int port = 0) {
    httplib::Client client("127.0.0.1", port == 0 ? suite_server->port() : port);
    client.set_read_timeout(10, 0);
    httplib::Result result = client.Get(path);
    if (!result) return {-1, httplib::to_string(result.error())};
    return {result->status, result->body};
  }

  static Json GetJson(const std::string& path, int expected_status = 200) {
    const auto [status, body] = Get(path);
    EXPECT_EQ(status, expected_status) << path << "\n" << body;
    Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(json.is_discarded()) << path << ": not JSON: " << body;
    return json;
  }

  // Rows of `sql` over the served screener file, read by DuckDB directly.
  table::Table Expected(const std::string& sql) {
    if (!connection_) {
      database_ = std::make_unique<table::Database>(table::Database::Open().value());
      connection_ = std::make_unique<table::Connection>(database_->Connect().value());
      EXPECT_TRUE(connection_
                      ->Execute(fmt::format(
                          "CREATE VIEW screener AS SELECT * FROM read_parquet({})",
                          table::QuoteLiteral((Data() / "screener" / "screener.parquet").string())))
                      .ok());
    }
    Result<table::QueryResult> result = connection_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? result->FetchTable().value() : table::Table();
  }
  int64_t ExpectedCount(const std::string& where) {
    return Expected("SELECT count(*) FROM screener WHERE " + where).column(0).bigints()[0];
  }
  // The first column of `sql` as JSON values, in order.
  Json ExpectedColumn(const std::string& sql) {
    const table::Table rows = Expected(sql);
    Json values = Json::array();
    for (size_t row = 0; row < rows.num_rows(); ++row) {
      const table::Column& column = rows.column(0);
      if (column.is_null(row)) {
        values.push_back(nullptr);
      } else if (column.type() == table::ColumnType::kVarchar) {
        values.push_back(column.varchars()[row]);
      } else {
        values.push_back(column.doubles()[row]);
      }
    }
    return values;
  }
  static Json FirstColumn(const Json& answer) {
    Json values = Json::array();
    for (const Json& row : answer["rows"]) values.push_back(row[0]);
    return values;
  }

  static inline fs::path* suite_dir = nullptr;
  static inline ServeProgram* suite_server = nullptr;
  static inline int suite_runs = 0;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
};

TEST_F(ServeTest, TheWholeScreenerPagesInSymbolOrder) {
  const Json first = GetJson("/api/screener?columns=symbol,close&limit=40");
  const int64_t rows = Expected("SELECT count(*) FROM screener").column(0).bigints()[0];
  ASSERT_GT(rows, 100);
  EXPECT_EQ(first["total"], rows);
  EXPECT_EQ(first["limit"], 40);
  EXPECT_EQ(first["columns"], Json::parse(R"([{"name":"symbol","type":"VARCHAR"},
                                              {"name":"close","type":"DOUBLE"}])"));
  EXPECT_EQ(FirstColumn(first),
            ExpectedColumn("SELECT symbol FROM screener ORDER BY symbol LIMIT 40"));
  const Json last =
      GetJson(fmt::format("/api/screener?columns=symbol&limit=40&offset={}", rows - 5));
  EXPECT_EQ(last["total"], rows);
  EXPECT_EQ(FirstColumn(last),
            ExpectedColumn(
                fmt::format("SELECT symbol FROM screener ORDER BY symbol OFFSET {}", rows - 5)));
  const Json beyond = GetJson(fmt::format("/api/screener?columns=symbol&offset={}", rows + 10));
  EXPECT_EQ(beyond["total"], rows);
  EXPECT_EQ(beyond["rows"].size(), 0u);
  // Every column by default, values typed as docs/api.md says.
  const Json all = GetJson("/api/screener?limit=1&symbol=" +
                           Expected("SELECT min(symbol) FROM screener").column(0).varchars()[0]);
  EXPECT_EQ(all["columns"].size(), Expected("SELECT * FROM screener LIMIT 0").num_columns());
  ASSERT_EQ(all["rows"].size(), 1u);
  EXPECT_TRUE(all["rows"][0][1].is_string());  // date
  EXPECT_THAT(all["rows"][0][1].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}"));
}

TEST_F(ServeTest, LabelBooleanRangeAndSearchFiltersMatchDuckDb) {
  const Json labels =
      GetJson("/api/screener?columns=symbol&limit=10000&market_cap_cat=Large%20Cap,Mega%20Cap");
  EXPECT_EQ(labels["total"], ExpectedCount("market_cap_cat IN ('Large Cap', 'Mega Cap')"));
  EXPECT_GT(labels["total"].get<int64_t>(), 0);
  EXPECT_EQ(FirstColumn(labels),
            ExpectedColumn("SELECT symbol FROM screener WHERE market_cap_cat IN ('Large Cap', "
                           "'Mega Cap') ORDER BY symbol"));
  const Json signal = GetJson("/api/screener?columns=symbol&golden_cross=true");
  EXPECT_EQ(signal["total"], ExpectedCount("golden_cross"));
  const Json not_signal = GetJson("/api/screener?columns=symbol&golden_cross=false");
  EXPECT_EQ(not_signal["total"], ExpectedCount("NOT golden_cross"));
  const Json range = GetJson("/api/screener?columns=symbol,rsi&rsi_min=30&rsi_max=45.5&limit=500");
  EXPECT_EQ(range["total"], ExpectedCount("rsi BETWEEN 30 AND 45.5"));
  for (const Json& row : range["rows"]) {
    EXPECT_GE(row[1].get<double>(), 30);
    EXPECT_LE(row[1].get<double>(), 45.5);
  }
  const Json stacked = GetJson(
      "/api/screener?columns=symbol&sector=Energy,Utilities&rsi_max=60&market_cap_min=1e9&"
      "price_over_200=true");
  EXPECT_EQ(stacked["total"],
            ExpectedCount("sector IN ('Energy', 'Utilities') AND rsi <= 60 AND market_cap >= 1e9 "
                          "AND price_over_200"));
  const Json dates = GetJson("/api/screener?columns=symbol&date_max=2025-05-30");
  EXPECT_EQ(dates["total"], ExpectedCount("date <= DATE '2025-05-30'"));
  // q: symbol or company name, case-insensitive.
  const std::string name =
      Expected("SELECT company_name FROM screener ORDER BY symbol LIMIT 1").column(0).varchars()[0];
  const std::string word = name.substr(0, 4);
  const Json search =
      GetJson("/api/screener?columns=symbol&q=" + httplib::detail::encode_query_param(word));
  EXPECT_EQ(search["total"], ExpectedCount(fmt::format("contains(lower(symbol), lower({0})) OR "
                                                       "contains(lower(company_name), lower({0}))",
                                                       table::QuoteLiteral(word))));
  EXPECT_GE(search["total"].get<int64_t>(), 1);
}

TEST_F(ServeTest, SortingIsByAnyColumnWithNullsLast) {
  const Json desc =
      GetJson("/api/screener?columns=pe_ratio_ttm,symbol&sort=pe_ratio_ttm&order=desc&limit=10000");
  EXPECT_EQ(FirstColumn(desc),
            ExpectedColumn("SELECT pe_ratio_ttm FROM screener ORDER BY pe_ratio_ttm DESC NULLS "
                           "LAST, symbol"));
  const Json asc = GetJson("/api/screener?columns=pe_ratio_ttm&sort=pe_ratio_ttm&limit=10000");
  EXPECT_EQ(FirstColumn(asc),
            ExpectedColumn("SELECT pe_ratio_ttm FROM screener ORDER BY pe_ratio_ttm ASC NULLS "
                           "LAST, symbol"));
  EXPECT_TRUE(FirstColumn(asc).back().is_null());  // Some P/E are NULL: last either way.
  EXPECT_TRUE(FirstColumn(desc).back().is_null());
}

TEST_F(ServeTest, CsvExportHasTheScreen) {
  const auto [status, body] = Get("/api/screener?columns=symbol,sector&sector=Energy&format=csv");
  ASSERT_EQ(status, 200);
  const int64_t energy = ExpectedCount("sector = 'Energy'");
  EXPECT_EQ(std::count(body.begin(), body.end(), '\n'), energy + 1);
  EXPECT_TRUE(body.starts_with("symbol,sector\n"));
}

TEST_F(ServeTest, BadRequestsAnswer400WithAJsonError) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/screener?no_such_column=1", "no_such_column"},
      {"/api/screener?rsi_max=thirty", "expected a number"},
      {"/api/screener?rsi_max=nan", "expected a number"},
      {"/api/screener?rsi=30", "rsi_min and rsi_max"},
      {"/api/screener?sector_min=3", "filter it with sector=value"},
      {"/api/screener?golden_cross=maybe", "expected true or false"},
      {"/api/screener?limit=0", "limit"},
      {"/api/screener?limit=20000", "at most 10000"},
      {"/api/screener?offset=-1", "offset"},
      {"/api/screener?sort=nope", "sort='nope'"},
      {"/api/screener?order=sideways", "asc or desc"},
      {"/api/screener?columns=symbol,nope", "no such column 'nope'"},
      {"/api/screener?date_min=2025-13-01", "YYYY-MM-DD"},
      {"/api/symbols/AAPL$/bars", "not a ticker symbol"},
      {"/api/symbols/A/bars?from=yesterday", "YYYY-MM-DD"},
      {"/api/symbols/A/bars?columns=close,nope", "no column 'nope'"},
      {"/api/symbols/A/bars?limit=3", "unknown parameter"},
  };
  for (const auto& [path, message] : cases) {
    const Json error = GetJson(path, 400);
    EXPECT_THAT(ErrorOf(error), HasSubstr(message)) << path;
  }
}

TEST_F(ServeTest, InjectionAttemptsAreRefusedOrBoundAsValues) {
  // In a column name: not a column, so refused before any SQL exists.
  for (const std::string attempt : {"sector%22%3B%20DROP%20TABLE%20screener_1%3B--",
                                    "symbol%22%20OR%201%3D1--", "1%3D1%20OR%20sector", "sort"}) {
    const auto [status, body] = Get("/api/screener?" + attempt + "_min=1");
    EXPECT_EQ(status, 400) << attempt << " " << body;
  }
  const Json sorted = GetJson("/api/screener?sort=symbol%22%20DESC%2C%20%22close", 400);
  EXPECT_THAT(ErrorOf(sorted), HasSubstr("no such column"));
  // In a value: a value like any other, matching nothing.
  const Json value = GetJson("/api/screener?sector=Energy%27%20OR%20%271%27%3D%271");
  EXPECT_EQ(value["total"], 0);
  const Json search = GetJson("/api/screener?q=%27%20OR%201%3D1--");
  EXPECT_EQ(search["total"], 0);
  const Json percent = GetJson("/api/screener?q=%25");  // No LIKE wildcard either.
  EXPECT_EQ(percent["total"],
            ExpectedCount("contains(company_name, '%') OR contains(symbol, '%')"));
  // The table is still there.
  EXPECT_GT(GetJson("/api/screener?limit=1")["total"].get<int64_t>(), 100);
}

TEST_F(ServeTest, BarsAreAFilesHistoryInDateOrder) {
  const std::string symbol =
      Expected("SELECT symbol FROM screener ORDER BY market_cap DESC NULLS LAST LIMIT 1")
          .column(0)
          .varchars()[0];
  const Json bars = GetJson(fmt::format("/api/symbols/{}/bars", symbol));
  EXPECT_EQ(bars["symbol"], symbol);
  ASSERT_EQ(bars["columns"].size(), 15u);
  EXPECT_EQ(bars["columns"][0], Json::parse(R"({"name":"date","type":"DATE"})"));
  EXPECT_EQ(bars["columns"][5], Json::parse(R"({"name":"volume","type":"BIGINT"})"));
  const table::Table expected = Expected(
      fmt::format("SELECT count(*), CAST(min(date) AS VARCHAR), CAST(max(date) AS "
                  "VARCHAR) FROM read_parquet({})",
                  table::QuoteLiteral((Data() / "daily" / (symbol + ".parquet")).string())));
  ASSERT_EQ(bars["rows"].size(), static_cast<size_t>(expected.column(0).bigints()[0]));
  EXPECT_EQ(bars["rows"].front()[0], expected.column(1).varchars()[0]);
  EXPECT_EQ(bars["rows"].back()[0], expected.column(2).varchars()[0]);
  const Json range = GetJson(fmt::format(
      "/api/symbols/{}/bars?from=2025-05-01&to=2025-05-31&columns=close,rsi,golden_cross", symbol));
  ASSERT_EQ(range["rows"].size(), 21u);    // May 2025 had 21 sessions.
  EXPECT_EQ(range["rows"][0].size(), 4u);  // date first, always.
  EXPECT_EQ(range["rows"][0][0], "2025-05-01");
  EXPECT_TRUE(range["rows"][0][3].is_boolean());
  const Json missing = GetJson("/api/symbols/ZZZZZZ/bars", 404);
  EXPECT_THAT(ErrorOf(missing), HasSubstr("no such ticker"));
}

TEST_F(ServeTest, ClientsThatAcceptGzipGetTheSameAnswerCompressed) {
  const std::string path = "/api/symbols/" +
                           Expected("SELECT min(symbol) FROM screener").column(0).varchars()[0] +
                           "/bars";
  httplib::Client plain("127.0.0.1", suite_server->port());
  plain.set_decompress(false);
  const httplib::Result identity = plain.Get(path, {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(identity);
  EXPECT_FALSE(identity->has_header("Content-Encoding"));
  const httplib::Result raw = plain.Get(path, {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(raw->get_header_value("Vary"), "Accept-Encoding");
  ASSERT_GE(raw->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw->body[0]), 0x1f);  // The gzip magic number.
  EXPECT_EQ(static_cast<unsigned char>(raw->body[1]), 0x8b);
  EXPECT_LT(raw->body.size(), identity->body.size() / 2);
  httplib::Client inflating("127.0.0.1", suite_server->port());
  const httplib::Result inflated = inflating.Get(path, {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(inflated);
  EXPECT_EQ(inflated->body, identity->body);
  const httplib::Result refused = plain.Get(path, {{"Accept-Encoding", "gzip;q=0"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->body, identity->body);
}

TEST_F(ServeTest, BrowsersRevalidateCachedAnswersWithTheirEntityTag) {
  httplib::Client client("127.0.0.1", suite_server->port());
  for (const std::string& path :
       {std::string("/api/screener?sector=Energy&limit=5&columns=symbol,close"),
        "/api/symbols/" + Expected("SELECT min(symbol) FROM screener").column(0).varchars()[0] +
            "/bars?from=2025-01-01&columns=open,close"}) {
    const httplib::Result first = client.Get(path);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->status, 200);
    const std::string etag = first->get_header_value("ETag");
    EXPECT_THAT(etag, ::testing::MatchesRegex("W/\"[0-9a-f]{16}\"")) << path;
    EXPECT_EQ(first->get_header_value("Cache-Control"), "no-cache");
    // The same request with the tag: 304, no body, the same tag.
    const httplib::Result again = client.Get(path, {{"If-None-Match", "\"other\", " + etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << path;
    EXPECT_EQ(again->body, "");
    EXPECT_FALSE(again->has_header("Content-Length"));
    EXPECT_EQ(again->get_header_value("ETag"), etag);
    // The gzip form has the same (weak) tag; another tag or another request gets the body.
    const httplib::Result compressed =
        client.Get(path, {{"If-None-Match", etag}, {"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(compressed);
    EXPECT_EQ(compressed->status, 304);
    const httplib::Result other = client.Get(path, {{"If-None-Match", "W/\"0\""}});
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 200);
    EXPECT_EQ(other->body, first->body);
    const httplib::Result next = client.Get(path.substr(0, path.find("columns=")) + "columns=close",
                                            {{"If-None-Match", etag}});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);
    EXPECT_NE(next->get_header_value("ETag"), etag);
  }
  // Answers that are not cached (meta, errors) carry no tag and are not stored.
  const httplib::Result meta = client.Get("/api/meta");
  ASSERT_TRUE(meta);
  EXPECT_FALSE(meta->has_header("ETag"));
  EXPECT_EQ(meta->get_header_value("Cache-Control"), "no-store");
}

TEST_F(ServeTest, MetaListsColumnsLabelsAndTheRun) {
  const Json meta = GetJson("/api/meta");
  EXPECT_EQ(meta["ready"], true);
  EXPECT_EQ(meta["as_of"], "2025-06-02");
  EXPECT_EQ(meta["rows"], Expected("SELECT count(*) FROM screener").column(0).bigints()[0]);
  EXPECT_EQ(meta["last_run"]["status"], "succeeded");
  EXPECT_GE(meta["last_run"]["age_seconds"].get<int64_t>(), 0);
  Json sector;
  for (const Json& column : meta["columns"]) {
    if (column["name"] == "sector") sector = column;
    if (column["name"] == "rsi") {
      EXPECT_EQ(column["kind"], "number");
    }
    if (column["name"] == "golden_cross") {
      EXPECT_EQ(column["kind"], "boolean");
    }
    if (column["name"] == "symbol") {
      EXPECT_EQ(column["kind"], "text");
    }
  }
  EXPECT_EQ(sector["kind"], "label");
  EXPECT_EQ(sector["values"], ExpectedColumn("SELECT DISTINCT sector FROM screener WHERE sector "
                                             "IS NOT NULL ORDER BY 1"));
}

TEST_F(ServeTest, StaticFilesStayInsideTheWebRoot) {
  const auto [status, body] = Get("/");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("<title>screener</title>"));
  EXPECT_EQ(Get("/css/app.css").first, 200);
  for (const std::string path : {"/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt",
                                 "/link.txt", "/..%2fsecret.txt", "/nothing.html", "/css/"}) {
    const auto [code, text] = Get(path);
    EXPECT_TRUE(code == 404 || code == 400) << path << " " << code;
    EXPECT_THAT(text, Not(HasSubstr("outside the web root"))) << path;
  }
  EXPECT_EQ(GetJson("/api/nothing", 404).count("error"), 1u);
}

TEST_F(ServeTest, OversizedAndSlowRequestsAreRefused) {
  const auto [status, body] = Get("/api/screener?q=" + std::string(20'000, 'a'));
  EXPECT_EQ(status, 414) << body;
  httplib::Client client("127.0.0.1", suite_server->port());
  const httplib::Result post =
      client.Post("/api/screener", std::string(1 << 20, 'x'), "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 413);
  const httplib::Result put = client.Put("/api/screener", "x", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  // A client that connects and sends half a request is cut off after --client-timeout (1 s).
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(suite_server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string partial = "GET /api/meta HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(::write(fd, partial.data(), partial.size()), static_cast<ssize_t>(partial.size()));
  const auto started = std::chrono::steady_clock::now();
  char buffer[256];
  while (::read(fd, buffer, sizeof(buffer)) > 0) {
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::close(fd);
  EXPECT_LT(waited, 5.0);  // Closed by the server, not by a test timeout.
  // And the server still answers.
  EXPECT_EQ(Get("/healthz").first, 200);
}

TEST_F(ServeTest, MetricsCountRequestsInPrometheusFormat) {
  Get("/api/screener?limit=1");
  GetJson("/api/screener?nope=1", 400);
  const auto [status, body] = Get("/metrics");
  ASSERT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("# TYPE tickerflow_http_requests_total counter"));
  EXPECT_THAT(body,
              ::testing::ContainsRegex(
                  "tickerflow_http_requests_total\\{route=\"screener\",code=\"200\"\\} [1-9]"));
  EXPECT_THAT(
      body, ::testing::ContainsRegex("tickerflow_http_errors_total\\{route=\"screener\"\\} [1-9]"));
  EXPECT_THAT(body, ::testing::ContainsRegex(
                        "tickerflow_http_request_duration_seconds_bucket\\{route=\"screener\","
                        "le=\"\\+Inf\"\\} [1-9]"));
  EXPECT_THAT(body, HasSubstr("tickerflow_screener_rows 1"));
  EXPECT_THAT(body, ::testing::ContainsRegex("tickerflow_last_run_age_seconds [0-9]"));
}

// Last: it changes the data the other tests read.
TEST_F(ServeTest, ZZANewRunIsServedWithoutARestart) {
  const int64_t before = GetJson("/api/screener?limit=1&columns=symbol")["total"];
  ASSERT_EQ(GetJson("/api/meta")["as_of"], "2025-06-02");
  httplib::Client client("127.0.0.1", suite_server->port());
  const httplib::Result tagged = client.Get("/api/screener?limit=1&columns=symbol");
  ASSERT_TRUE(tagged);
  const std::string etag = tagged->get_header_value("ETag");
  const ProgramResult update =
      Run({"run", "--source", "simulated", "--data", Data().string(), "--universe", "150",
           "--years", "2", "--seed", "11", "--as-of", "2025-06-09", "--workers", "2"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  std::string as_of;
  for (int i = 0; i < 100 && as_of != "2025-06-09"; ++i) {
    as_of = GetJson("/api/meta")["as_of"];
    if (as_of != "2025-06-09") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(as_of, "2025-06-09");
  connection_.reset();
  database_.reset();
  EXPECT_EQ(GetJson("/api/screener?limit=1&columns=symbol")["total"],
            Expected("SELECT count(*) FROM screener").column(0).bigints()[0]);
  EXPECT_GE(GetJson("/api/screener?limit=1&columns=symbol")["total"].get<int64_t>(), before);
  const Json fresh = GetJson("/api/screener?columns=date&sort=date&order=desc&limit=1");
  EXPECT_EQ(fresh["rows"][0][0], "2025-06-09");
  // A browser holding the old answer gets the new one, not a 304.
  const httplib::Result revalidated =
      client.Get("/api/screener?limit=1&columns=symbol", {{"If-None-Match", etag}});
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->status, 200);
  EXPECT_NE(revalidated->get_header_value("ETag"), etag);
}

TEST(ServeEmptyTest, NoScreenerYetSaysWhatToDoAndSigtermStops) {
  std::string pattern = (fs::temp_directory_path() / "tickerflow_serve_empty_XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  fs::create_directories(dir / "web");
  {
    std::FILE* file = std::fopen((dir / "web" / "index.html").c_str(), "w");
    std::fputs("<!doctype html>", file);
    std::fclose(file);
  }
  ServeProgram server({"serve", "--data", (dir / "empty").string(), "--port", "0", "--web-root",
                       (dir / "web").string()},
                      dir / "server");
  ASSERT_GT(server.port(), 0) << server.err();
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Result meta = client.Get("/api/meta");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->status, 200);
  EXPECT_EQ(Json::parse(meta->body)["ready"], false);
  const httplib::Result screen = client.Get("/api/screener");
  ASSERT_TRUE(screen);
  EXPECT_EQ(screen->status, 503);
  EXPECT_THAT(screen->body, HasSubstr("tickerflow run --data"));
  const ProgramResult stopped = server.Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("stopping"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tickerflow
