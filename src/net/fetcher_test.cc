#include "net/fetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "net/loopback_server_test_util.h"

namespace tickerflow::net {
namespace {

using std::chrono::milliseconds;

HttpRequest Req(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

constexpr char kSecret[] = "s3cr3t-KEY-0123";
const std::string kUrl = std::string("https://api.test/stable/profile?symbol=A&apikey=") + kSecret;

// Answers from a script, in order; the last answer repeats.
class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::vector<Result<HttpResponse>> script)
      : script_(std::move(script)) {}
  Result<HttpResponse> Get(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    urls_.push_back(request.url);
    const size_t index = std::min(calls_++, script_.size() - 1);
    return script_[index];
  }
  size_t calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Result<HttpResponse>> script_;
  std::vector<std::string> urls_;
  size_t calls_ = 0;
};

HttpResponse Answer(int status, std::string body = "") {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

struct Harness {
  explicit Harness(std::vector<Result<HttpResponse>> script, RetryPolicy policy = Policy())
      : transport(std::move(script)),
        limiter({.max_requests = 1000, .window = milliseconds(1000), .margin = milliseconds(0)}),
        fetcher(transport, limiter, Options(policy, sleeps)) {}

  static RetryPolicy Policy() {
    RetryPolicy policy;
    policy.max_attempts = 3;
    policy.base_delay = milliseconds(10);
    policy.max_delay = milliseconds(40);
    policy.quota_window = milliseconds(300);
    policy.throttle_pause = milliseconds(20);
    return policy;
  }
  static FetcherOptions Options(const RetryPolicy& policy, std::vector<milliseconds>& sleeps) {
    FetcherOptions options;
    options.policy = policy;
    options.auth_hint = "set the FMP_API_KEY environment variable";
    options.sleep = [&sleeps](milliseconds delay) { sleeps.push_back(delay); };
    options.seed = 42;
    return options;
  }

  std::vector<milliseconds> sleeps;
  ScriptedTransport transport;
  RateLimiter limiter;
  Fetcher fetcher;
};

void ExpectNoSecret(const Status& status) {
  EXPECT_EQ(status.message().find(kSecret), std::string::npos) << status.message();
}

TEST(FetcherTest, RetriesServerErrorsWithBackoffUntilSuccess) {
  Harness h({Answer(503), Answer(500), Answer(200, "[]")});
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "[]");
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_GE(h.sleeps[0], milliseconds(5));
  EXPECT_LE(h.sleeps[0], milliseconds(10));
  EXPECT_GE(h.sleeps[1], milliseconds(10));
  EXPECT_LE(h.sleeps[1], milliseconds(20));
  const FetchStats stats = h.fetcher.stats();
  EXPECT_EQ(stats.requests, 3);
  EXPECT_EQ(stats.retries, 2);
  EXPECT_EQ(stats.bytes, 2);
}

TEST(FetcherTest, GivesUpAfterMaxAttemptsWithoutTheKeyInTheMessage) {
  Harness h({Answer(502)});
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(h.transport.calls(), 3u);
  ExpectNoSecret(response.status());
  EXPECT_NE(response.status().message().find("apikey=REDACTED"), std::string::npos);
}

TEST(FetcherTest, TransportErrorsAreRetriedAndReportedWithoutTheKey) {
  Harness h({Status::Error(ErrorCode::kUnavailable, std::string("GET ") + kUrl + ": timed out")});
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(h.transport.calls(), 3u);
  ExpectNoSecret(response.status());
}

TEST(FetcherTest, UnauthorizedStopsWithTheHintAndWithoutTheKey) {
  Harness h({Answer(401, R"({"Error Message":"Invalid API KEY."})")});
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(h.transport.calls(), 1u);
  EXPECT_NE(response.status().message().find("FMP_API_KEY"), std::string::npos);
  ExpectNoSecret(response.status());
}

TEST(FetcherTest, PlanRestrictionsAndClientErrorsComeBackAsResponses) {
  Harness h({Answer(402, "restricted"), Answer(404), Answer(400)});
  for (const int status : {402, 404, 400}) {
    Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
    ASSERT_TRUE(response.ok()) << status;
    EXPECT_EQ(response->status, status);
  }
  EXPECT_EQ(h.fetcher.stats().retries, 0);
}

TEST(FetcherTest, TooManyRequestsPausesTheLimiterThenRetries) {
  Harness h({Answer(429), Answer(200, "ok")});
  const auto begin = std::chrono::steady_clock::now();
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "ok");
  // The retry waited in the limiter for the policy's 20 ms pause.
  EXPECT_GE(std::chrono::steady_clock::now() - begin, milliseconds(20));
  EXPECT_EQ(h.fetcher.stats().throttled, 1);
  EXPECT_EQ(h.fetcher.stats().retries, 1);
  EXPECT_TRUE(h.sleeps.empty());  // A pause is the limiter's, not a backoff.
}

TEST(FetcherTest, TooManyRequestsForAWholeWindowStopsEveryRequest) {
  Harness h({Answer(429)});
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kResourceExhausted);
  ExpectNoSecret(response.status());
  EXPECT_TRUE(h.fetcher.quota_exhausted());
  // 300 ms of 429s at a 20 ms pause: about 15 attempts, not max_attempts.
  EXPECT_GT(h.transport.calls(), 5u);
  // Later requests fail at once, without being sent.
  const size_t sent = h.transport.calls();
  Result<HttpResponse> later = h.fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(h.transport.calls(), sent);
  ExpectNoSecret(later.status());
}

TEST(FetcherTest, MalformedBodiesAreRetriedThenCorruptData) {
  Harness h({Answer(200, "[{trunc"), Answer(200, "[]")});
  int checks = 0;
  auto check = [&](const HttpResponse& response) {
    ++checks;
    return response.body == "[]" ? Status::Ok()
                                 : Status::Error(ErrorCode::kCorruptData, "not JSON");
  };
  Result<HttpResponse> response = h.fetcher.Fetch(Req(kUrl), check);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(checks, 2);
  EXPECT_EQ(h.fetcher.stats().malformed, 1);

  Harness bad({Answer(200, "garbage")});
  Result<HttpResponse> failed = bad.fetcher.Fetch(Req(kUrl), check);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kCorruptData);
  EXPECT_EQ(bad.transport.calls(), 3u);
}

TEST(FetcherTest, NormalizeTurnsAnErrorBodyWithStatus200IntoItsStatus) {
  ScriptedTransport transport({Answer(200, R"({"Error Message":"Invalid API KEY."})")});
  RateLimiter limiter({.max_requests = 10, .window = milliseconds(100), .margin = milliseconds(0)});
  FetcherOptions options;
  options.normalize = [](HttpResponse& response) {
    if (response.body.starts_with(R"({"Error Message":"Invalid API KEY)")) response.status = 401;
  };
  Fetcher fetcher(transport, limiter, options);
  Result<HttpResponse> response = fetcher.Fetch(Req(kUrl));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kPermissionDenied);
}

TEST(FetcherTest, EveryAttemptGoesThroughTheLimiter) {
  ScriptedTransport transport({Answer(500), Answer(200)});
  RateLimiter limiter(
      {.max_requests = 5, .window = std::chrono::seconds(60), .margin = milliseconds(0)});
  FetcherOptions options;
  options.policy.base_delay = milliseconds(1);
  Fetcher fetcher(transport, limiter, options);
  ASSERT_TRUE(fetcher.Fetch(Req(kUrl)).ok());
  EXPECT_EQ(limiter.InFlightWindowCount(std::chrono::steady_clock::now()), 2);
}

// Against a real server through the real client: a 5xx is retried, a 429 pauses.
TEST(FetcherLoopbackTest, RetriesFiveHundredsAndPausesOnTooManyRequests) {
  std::mutex mutex;
  int calls = 0;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/flaky", [&](const httplib::Request&, httplib::Response& response) {
      std::lock_guard lock(mutex);
      arrivals.push_back(std::chrono::steady_clock::now());
      ++calls;
      if (calls == 1) {
        response.status = 503;
      } else if (calls == 2) {
        response.status = 429;
        response.set_content(R"({"Error Message":"Limit Reach ."})", "application/json");
      } else {
        response.set_content("[1]", "application/json");
      }
    });
  });
  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create({});
  ASSERT_TRUE(client.ok());
  RateLimiter limiter(
      {.max_requests = 100, .window = std::chrono::seconds(60), .margin = milliseconds(0)});
  FetcherOptions options;
  options.policy.base_delay = milliseconds(5);
  options.policy.throttle_pause = milliseconds(200);
  Fetcher fetcher(**client, limiter, options);
  Result<HttpResponse> response = fetcher.Fetch(Req(server.Url("/flaky")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "[1]");
  ASSERT_EQ(arrivals.size(), 3u);
  EXPECT_GE(arrivals[2] - arrivals[1], milliseconds(200));  // The 429's pause.
  EXPECT_EQ(fetcher.stats().retries, 2);
  EXPECT_EQ(fetcher.stats().throttled, 1);
}

}  // namespace
}  // namespace tickerflow::net
