#include "server/http_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace tickerflow::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

HeadParse Parse(std::string_view text, HttpRequest& request, HeadLimits limits = {}) {
  return ParseRequestHead(text, limits, request);
}

TEST(HttpRequestTest, ParsesTheRequestLineHeadersAndQuery) {
  const std::string text =
      "GET /api/screener?sector=Technology&market_cap_cat=Large%20Cap,Mega+Cap&golden_cross "
      "HTTP/1.1\r\nHost: localhost\r\naccept-encoding: br, gzip\r\nX-Empty:\r\n\r\nGET /next";
  HttpRequest request;
  const HeadParse parsed = Parse(text, request);
  ASSERT_EQ(parsed.state, HeadParse::kComplete) << parsed.reason;
  EXPECT_EQ(parsed.head_bytes, text.find("GET /next"));
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/api/screener");
  EXPECT_THAT(request.query,
              ElementsAre(Pair("sector", "Technology"),
                          Pair("market_cap_cat", "Large Cap,Mega Cap"), Pair("golden_cross", "")));
  EXPECT_EQ(request.Header("Accept-Encoding"), "br, gzip");
  EXPECT_EQ(request.Header("HOST"), "localhost");
  EXPECT_EQ(request.Header("x-empty"), "");
  EXPECT_EQ(request.Header("Missing"), "");
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.content_length, 0u);
  EXPECT_FALSE(request.chunked_body);
}

TEST(HttpRequestTest, WaitsForTheWholeHead) {
  const std::string text = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t length = 0; length < text.size(); ++length) {
    HttpRequest request;
    EXPECT_EQ(Parse(text.substr(0, length), request).state, HeadParse::kIncomplete) << length;
  }
  HttpRequest request;
  EXPECT_EQ(Parse(text, request).state, HeadParse::kComplete);
  // Empty lines before a request line are skipped (RFC 9112 2.2).
  EXPECT_EQ(Parse("\r\n" + text, request).head_bytes, text.size() + 2);
}

TEST(HttpRequestTest, DecodesThePathButNotItsPlusSigns) {
  HttpRequest request;
  ASSERT_EQ(Parse("GET /%2e%2e/a+b%2Fc HTTP/1.1\r\n\r\n", request).state, HeadParse::kComplete);
  EXPECT_EQ(request.path, "/../a+b/c");
  ASSERT_EQ(
      Parse("GET /api/symbols/BRK.B/bars?from=2024-01-01&&to= HTTP/1.1\r\n\r\n", request).state,
      HeadParse::kComplete);
  EXPECT_EQ(request.path, "/api/symbols/BRK.B/bars");
  EXPECT_THAT(request.query, ElementsAre(Pair("from", "2024-01-01"), Pair("to", "")));
}

TEST(HttpRequestTest, KeepAliveFollowsTheVersionAndConnectionHeader) {
  HttpRequest request;
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n", request).state,
            HeadParse::kComplete);
  EXPECT_FALSE(request.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", request).state, HeadParse::kComplete);
  EXPECT_FALSE(request.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", request).state,
            HeadParse::kComplete);
  EXPECT_TRUE(request.keep_alive);
}

TEST(HttpRequestTest, ReadsTheBodyLength) {
  HttpRequest request;
  ASSERT_EQ(Parse("POST /x HTTP/1.1\r\nContent-Length: 42\r\n\r\n", request).state,
            HeadParse::kComplete);
  EXPECT_EQ(request.content_length, 42u);
  ASSERT_EQ(Parse("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", request).state,
            HeadParse::kComplete);
  EXPECT_TRUE(request.chunked_body);
}

TEST(HttpRequestTest, RefusesWhatIsMalformedOrTooLarge) {
  struct Case {
    std::string text;
    int status;
  };
  const std::string long_target = "/api/screener?q=" + std::string(9000, 'a');
  const Case cases[] = {
      {"GET /\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / FTP/1.0\r\n\r\n", 400},
      {"GET http://example.com/ HTTP/1.1\r\n\r\n", 400},
      {"GET /%zz HTTP/1.1\r\n\r\n", 400},
      {"GET /?a=%4 HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET " + long_target + " HTTP/1.1\r\n\r\n", 414},
      // A request line too long to be valid is refused before its end arrives.
      {"GET " + long_target, 414},
      {"GET / HTTP/1.1\r\nX: " + std::string(40'000, 'b') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nX: " + std::string(40'000, 'b'), 431},
  };
  for (const Case& test : cases) {
    HttpRequest request;
    const HeadParse parsed = Parse(test.text, request);
    EXPECT_EQ(parsed.state, HeadParse::kInvalid) << test.text.substr(0, 60);
    EXPECT_EQ(parsed.status, test.status) << test.text.substr(0, 60);
    EXPECT_FALSE(parsed.reason.empty());
  }
}

TEST(HttpRequestTest, PercentDecodingAndQueryStrings) {
  EXPECT_EQ(PercentDecode("a%20b+c%2b", true), "a b c+");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("%", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%4", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%g0", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%00", true), std::string(1, '\0'));
  EXPECT_THAT(*ParseQueryString("a=1&a=2&b=x%3Dy=z&=v"),
              ElementsAre(Pair("a", "1"), Pair("a", "2"), Pair("b", "x=y=z"), Pair("", "v")));
  EXPECT_TRUE(ParseQueryString("")->empty());
  EXPECT_EQ(ParseQueryString("a=%"), std::nullopt);
}

TEST(HttpRequestTest, IfNoneMatchComparesEntityTagsWeakly) {
  EXPECT_TRUE(IfNoneMatchNames("W/\"a1\"", "W/\"a1\""));
  EXPECT_TRUE(IfNoneMatchNames("\"a1\"", "W/\"a1\""));
  EXPECT_TRUE(IfNoneMatchNames("\"x\", W/\"a1\" ", "W/\"a1\""));
  EXPECT_TRUE(IfNoneMatchNames("*", "W/\"a1\""));
  EXPECT_FALSE(IfNoneMatchNames("", "W/\"a1\""));
  EXPECT_FALSE(IfNoneMatchNames("W/\"a2\"", "W/\"a1\""));
  EXPECT_FALSE(IfNoneMatchNames("W/\"a1", "W/\"a1\""));
  EXPECT_FALSE(IfNoneMatchNames("*", ""));
}

TEST(HttpRequestTest, GzipIsAcceptedUnlessItsQualityIsZero) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("x-gzip-like"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("deflate, gzip; q=0.000"));
}

}  // namespace
}  // namespace tickerflow::server
