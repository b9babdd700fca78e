#include "net/redact.h"

#include <gtest/gtest.h>

namespace tickerflow::net {
namespace {

TEST(RedactUrlTest, ReplacesTheKeyWhereverItIsInTheQuery) {
  EXPECT_EQ(RedactUrl("https://x.com/stable/profile?symbol=A&apikey=abc123"),
            "https://x.com/stable/profile?symbol=A&apikey=REDACTED");
  EXPECT_EQ(RedactUrl("https://x.com/stable/eod-bulk?apikey=abc123&date=2025-06-02"),
            "https://x.com/stable/eod-bulk?apikey=REDACTED&date=2025-06-02");
  EXPECT_EQ(RedactUrl("http://h/p?APIKEY=s3cr3t#frag"), "http://h/p?APIKEY=REDACTED#frag");
  EXPECT_EQ(RedactUrl("http://h/p?token=t&api_key=k&key=z"),
            "http://h/p?token=REDACTED&api_key=REDACTED&key=REDACTED");
}

TEST(RedactUrlTest, RedactsUrlsQuotedInsideMessages) {
  EXPECT_EQ(RedactUrl("GET 'http://h/p?symbol=A&apikey=abc' failed: 'x'"),
            "GET 'http://h/p?symbol=A&apikey=REDACTED' failed: 'x'");
  EXPECT_EQ(RedactUrl("a http://h/p?apikey=abc b http://h/q?apikey=def"),
            "a http://h/p?apikey=REDACTED b http://h/q?apikey=REDACTED");
}

TEST(RedactUrlTest, LeavesOtherParametersAlone) {
  EXPECT_EQ(RedactUrl("http://h/p?symbol=KEY&monkey=1&apikeys=2"),
            "http://h/p?symbol=KEY&monkey=1&apikeys=2");
  EXPECT_EQ(RedactUrl("no url here"), "no url here");
  EXPECT_EQ(RedactUrl("http://h/p?apikey="), "http://h/p?apikey=REDACTED");  // Safe side.
  EXPECT_EQ(RedactUrl(""), "");
}

TEST(RedactSecretTest, ReplacesEveryOccurrence) {
  EXPECT_EQ(RedactSecret("k=abc, again abc.", "abc"), "k=REDACTED, again REDACTED.");
  EXPECT_EQ(RedactSecret("nothing", "abc"), "nothing");
  EXPECT_EQ(RedactSecret("abc", ""), "abc");
}

}  // namespace
}  // namespace tickerflow::net
