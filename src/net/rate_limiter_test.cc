#include "net/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace tickerflow::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = Clock::TimePoint;

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::steady_clock::duration by) { now_ += by; }

 private:
  TimePoint now_ = TimePoint(seconds(1000));
};

// The most starts in any window [t, t + span) over `starts` (sorted).
int MaxInAnyWindow(std::vector<TimePoint> starts, std::chrono::steady_clock::duration span) {
  std::sort(starts.begin(), starts.end());
  int best = 0;
  size_t first = 0;
  for (size_t last = 0; last < starts.size(); ++last) {
    while (starts[last] - starts[first] >= span) ++first;
    best = std::max(best, static_cast<int>(last - first + 1));
  }
  return best;
}

TEST(RateLimiterTest, AdmitsNAtOnceThenWaitsForTheOldestToLeaveTheWindow) {
  FakeClock clock;
  RateLimiter limiter({.max_requests = 3, .window = seconds(60), .margin = milliseconds(0)}, clock);
  const TimePoint t0 = clock.Now();
  EXPECT_FALSE(limiter.TryAcquire(t0).has_value());
  EXPECT_FALSE(limiter.TryAcquire(t0 + seconds(10)).has_value());
  EXPECT_FALSE(limiter.TryAcquire(t0 + seconds(20)).has_value());
  // Full: the next slot frees when the first start is a window old.
  const std::optional<TimePoint> wait = limiter.TryAcquire(t0 + seconds(30));
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, t0 + seconds(60));
  // A sliding window, not "N then sleep": at 60 s exactly one slot is free, the next at 70 s.
  EXPECT_FALSE(limiter.TryAcquire(t0 + seconds(60)).has_value());
  ASSERT_TRUE(limiter.TryAcquire(t0 + seconds(61)).has_value());
  EXPECT_EQ(*limiter.TryAcquire(t0 + seconds(61)), t0 + seconds(70));
  EXPECT_FALSE(limiter.TryAcquire(t0 + seconds(70)).has_value());
  EXPECT_EQ(limiter.InFlightWindowCount(t0 + seconds(70)), 3);
}

TEST(RateLimiterTest, TheMarginWidensTheWindow) {
  FakeClock clock;
  RateLimiter limiter({.max_requests = 1, .window = seconds(1), .margin = milliseconds(250)},
                      clock);
  const TimePoint t0 = clock.Now();
  EXPECT_FALSE(limiter.TryAcquire(t0).has_value());
  EXPECT_EQ(*limiter.TryAcquire(t0 + seconds(1)), t0 + milliseconds(1250));
}

TEST(RateLimiterTest, GreedyCallersNeverExceedNInAnyWindowAndKeepItFull) {
  // Requests always waiting, each retrying at the moment the limiter names: the starts must
  // fill every window to exactly N and never more.
  FakeClock clock;
  const int n = 7;
  RateLimiter limiter({.max_requests = n, .window = seconds(60), .margin = milliseconds(0)}, clock);
  std::vector<TimePoint> starts;
  TimePoint now = clock.Now();
  const TimePoint end = now + seconds(600);
  while (now < end) {
    const std::optional<TimePoint> wait = limiter.TryAcquire(now);
    if (wait) {
      now = *wait;
    } else {
      starts.push_back(now);
      now += milliseconds(3);  // The next request is ready a moment later.
    }
  }
  EXPECT_EQ(MaxInAnyWindow(starts, seconds(60)), n);
  // 600 s is ten windows: a full quota in each.
  EXPECT_GE(starts.size(), 10u * n);
  EXPECT_LE(starts.size(), 10u * n + n);
}

TEST(RateLimiterTest, PauseHoldsEveryoneUntilItEndsAndNeverShortens) {
  FakeClock clock;
  RateLimiter limiter({.max_requests = 100, .window = seconds(60), .margin = milliseconds(0)},
                      clock);
  const TimePoint t0 = clock.Now();
  limiter.PauseUntil(t0 + seconds(10));
  limiter.PauseUntil(t0 + seconds(5));  // Shorter: ignored.
  EXPECT_EQ(limiter.PausedUntil(t0), t0 + seconds(10));
  EXPECT_EQ(*limiter.TryAcquire(t0 + seconds(9)), t0 + seconds(10));
  EXPECT_FALSE(limiter.TryAcquire(t0 + seconds(10)).has_value());
  EXPECT_FALSE(limiter.PausedUntil(t0 + seconds(10)).has_value());
}

TEST(RateLimiterTest, AcquireBlocksManyThreadsWithinTheQuota) {
  // The real clock and a short window: 12 threads ask for 30 requests at 10 per 200 ms.
  const RateLimiterOptions options{
      .max_requests = 10, .window = milliseconds(200), .margin = milliseconds(0)};
  RateLimiter limiter(options);
  std::mutex mutex;
  std::vector<TimePoint> starts;
  std::atomic<int> left{30};
  std::vector<std::thread> threads;
  const TimePoint begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      while (left.fetch_sub(1) > 0) {
        limiter.Acquire();
        std::lock_guard lock(mutex);
        starts.push_back(std::chrono::steady_clock::now());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(starts.size(), 30u);
  // Measured a little after the limiter's own reading: allow one start of slack.
  EXPECT_LE(MaxInAnyWindow(starts, milliseconds(195)), 10);
  // 30 requests at 10 per 200 ms: the last one starts 400 ms after the first, not sooner.
  EXPECT_GE(*std::max_element(starts.begin(), starts.end()) - begin, milliseconds(390));
}

TEST(RateLimiterTest, PauseWakesWaitersLater) {
  RateLimiter limiter({.max_requests = 100, .window = seconds(60), .margin = milliseconds(0)});
  const TimePoint begin = std::chrono::steady_clock::now();
  limiter.PauseUntil(begin + milliseconds(150));
  limiter.Acquire();
  EXPECT_GE(std::chrono::steady_clock::now() - begin, milliseconds(150));
}

TEST(ParseRateLimitTest, AcceptsRequestsPerMinute) {
  EXPECT_EQ(*ParseRateLimit("300"), 300);
  EXPECT_EQ(*ParseRateLimit("750/min"), 750);
  EXPECT_EQ(*ParseRateLimit("3000/minute"), 3000);
  for (const char* bad : {"", "0", "-5", "abc", "300/s", "30 0", "1000001", "/min"}) {
    const Result<int> parsed = ParseRateLimit(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tickerflow::net
