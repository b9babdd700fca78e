// The server's pieces that need no network: JSON and CSV bodies, metrics, the response cache,
// and the web root's path checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "server/api.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/response_body.h"
#include "server/response_cache.h"
#include "server/screener_catalog.h"

namespace tickerflow::server {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

table::Table SampleTable() {
  table::Column symbol("symbol", table::ColumnType::kVarchar);
  symbol.AppendVarchar("A\"B\\C\n\x01");
  symbol.AppendNull();
  table::Column date("date", table::ColumnType::kDate);
  date.AppendDate(Date::FromCivil(2025, 6, 2));
  date.AppendNull();
  table::Column close("close", table::ColumnType::kDouble);
  close.AppendDouble(0.1);
  close.AppendDouble(std::numeric_limits<double>::quiet_NaN());
  table::Column volume("volume", table::ColumnType::kBigint);
  volume.AppendBigint(-42);
  volume.AppendBigint(9'007'199'254'740'993);
  table::Column flag("golden_cross", table::ColumnType::kBoolean);
  flag.AppendBoolean(true);
  flag.AppendBoolean(false);
  return table::Table::Make({symbol, date, close, volume, flag}).value();
}

TEST(ResponseBodyTest, JsonRowsAndColumns) {
  const table::Table table = SampleTable();
  std::string rows;
  AppendJsonRows(rows, table);
  EXPECT_EQ(rows,
            "[[\"A\\\"B\\\\C\\n\\u0001\",\"2025-06-02\",0.1,-42,true],"
            "[null,null,null,9007199254740993,false]]");
  std::string columns;
  AppendJsonColumns(columns, table);
  EXPECT_EQ(columns,
            "[{\"name\":\"symbol\",\"type\":\"VARCHAR\"},{\"name\":\"date\",\"type\":\"DATE\"},"
            "{\"name\":\"close\",\"type\":\"DOUBLE\"},{\"name\":\"volume\",\"type\":\"BIGINT\"},"
            "{\"name\":\"golden_cross\",\"type\":\"BOOLEAN\"}]");
  EXPECT_EQ(JsonError("bad \"x\""), "{\"error\":\"bad \\\"x\\\"\"}");
}

TEST(ResponseBodyTest, CsvWithEmptyFieldsForNull) {
  std::string csv;
  AppendCsv(csv, SampleTable());
  EXPECT_EQ(csv,
            "symbol,date,close,volume,golden_cross\n"
            "\"A\"\"B\\C\n\x01\",2025-06-02,0.1,-42,true\n"
            ",,nan,9007199254740993,false\n");
}

TEST(MetricsTest, CountersAndACumulativeHistogram) {
  Metrics metrics;
  metrics.Record("screener", 200, 0.0004);
  metrics.Record("screener", 200, 0.003);
  metrics.Record("screener", 400, 0.2);
  metrics.Record("bars", 404, 5.0);
  const std::string text =
      metrics.Render({Gauge{.name = "tickerflow_screener_rows", .help = "Rows.", .value = 9000}});
  EXPECT_THAT(text,
              HasSubstr("tickerflow_http_requests_total{route=\"screener\",code=\"200\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("tickerflow_http_requests_total{route=\"screener\",code=\"400\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_request_duration_seconds_bucket{route=\"screener\","
                              "le=\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_request_duration_seconds_bucket{route=\"screener\","
                              "le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_request_duration_seconds_bucket{route=\"screener\","
                              "le=\"0.25\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_request_duration_seconds_bucket{route=\"bars\","
                              "le=\"2.5\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_request_duration_seconds_bucket{route=\"bars\","
                              "le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tickerflow_http_request_duration_seconds_count{route=\"screener\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_errors_total{route=\"screener\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tickerflow_http_errors_total{route=\"bars\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("# TYPE tickerflow_screener_rows gauge\ntickerflow_screener_rows 9000\n"));
}

TEST(ResponseCacheTest, KeysIgnoreParameterOrderButNotGeneration) {
  const QueryParameters a = {{"rsi_max", "30"}, {"sector", "Energy"}};
  const QueryParameters b = {{"sector", "Energy"}, {"rsi_max", "30"}};
  EXPECT_EQ(ResponseCache::Key(1, a), ResponseCache::Key(1, b));
  EXPECT_NE(ResponseCache::Key(1, a), ResponseCache::Key(2, a));
  // A value holding a separator cannot pass for two parameters.
  EXPECT_NE(ResponseCache::Key(1, {{"a", "1|b=2"}}),
            ResponseCache::Key(1, {{"a", "1"}, {"b", "2"}}));
}

TEST(ResponseCacheTest, EvictsTheLeastRecentlyUsedBeyondItsBudget) {
  ResponseCache cache(4000);
  const auto response = std::make_shared<const ApiResponse>(ApiResponse{
      .status = 200, .content_type = "application/json", .body = std::string(800, 'x')});
  cache.Insert("a", response);
  cache.Insert("b", response);
  cache.Insert("c", response);
  ASSERT_NE(cache.Find("a"), nullptr);  // "a" is now the most recent.
  cache.Insert("d", response);
  cache.Insert("e", response);  // Over budget: "b", then "c" go.
  EXPECT_NE(cache.Find("a"), nullptr);
  EXPECT_EQ(cache.Find("b"), nullptr);
  EXPECT_LE(cache.bytes(), 4000u);
  EXPECT_EQ(cache.Find("e")->body, response->body);
  cache.Insert("huge", std::make_shared<const ApiResponse>(ApiResponse{
                           .status = 200, .content_type = "x", .body = std::string(2000, 'y')}));
  EXPECT_EQ(cache.Find("huge"), nullptr);  // More than a quarter of the budget.
}

class WebRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_webroot_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "web" / "js");
    std::ofstream(dir_ / "web" / "index.html") << "index";
    std::ofstream(dir_ / "web" / "js" / "app.js") << "js";
    std::ofstream(dir_ / "secret") << "secret";
    fs::create_symlink(dir_ / "secret", dir_ / "web" / "escape");
    fs::create_symlink(dir_ / "web" / "js" / "app.js", dir_ / "web" / "inside.js");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(WebRootTest, ResolvesFilesInsideOnly) {
  const fs::path root = dir_ / "web";
  const fs::path canonical_root = fs::canonical(root);
  EXPECT_EQ(ResolveWebPath(root, "/"), canonical_root / "index.html");
  EXPECT_EQ(ResolveWebPath(root, "/js/app.js"), canonical_root / "js" / "app.js");
  EXPECT_EQ(ResolveWebPath(root, "/inside.js"), canonical_root / "js" / "app.js");
  for (const std::string_view path :
       {"/../secret", "/js/../../secret", "/escape", "/js/", "/missing.html", "", "js/app.js",
        "/js\\app.js", "/./index.html"}) {
    EXPECT_FALSE(ResolveWebPath(root, path).has_value()) << path;
  }
  EXPECT_FALSE(ResolveWebPath(root, std::string_view("/index.html\0x", 13)).has_value());
}

TEST(GzipTest, RoundTripsThroughZlib) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "[\"2025-06-02\",187.25,188.5,186.75,187.9,51234567],";
  const std::string compressed = Gzip(text);
  ASSERT_GE(compressed.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
  EXPECT_LT(compressed.size(), text.size() / 10);
  z_stream stream{};
  ASSERT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string inflated(text.size() + 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(inflated.data());
  stream.avail_out = static_cast<uInt>(inflated.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  inflated.resize(stream.total_out);
  inflateEnd(&stream);
  EXPECT_EQ(inflated, text);
  EXPECT_EQ(Gzip("").substr(0, 2), "\x1f\x8b");
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(ContentTypeFor("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.bin"), "application/octet-stream");
}

TEST(ParseUtcTimestampTest, TheRunSummaryFormatOnly) {
  EXPECT_EQ(ParseUtcTimestamp("1970-01-02T00:00:01Z"),
            std::chrono::sys_seconds(std::chrono::seconds(86401)));
  EXPECT_FALSE(ParseUtcTimestamp("2026-11-26 06:16:28").has_value());
  EXPECT_FALSE(ParseUtcTimestamp("").has_value());
}

}  // namespace
}  // namespace tickerflow::server
