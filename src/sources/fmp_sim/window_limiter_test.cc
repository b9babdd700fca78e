#include "sources/fmp_sim/window_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace tickerflow::sources::fmp_sim {
namespace {

using Clock = SlidingWindowLimiter::Clock;
using std::chrono::milliseconds;

const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);

Clock::time_point At(int64_t ms) { return kStart + milliseconds(ms); }

TEST(SlidingWindowLimiterTest, AdmitsLimitThenRejectsUntilTheOldestLeavesTheWindow) {
  SlidingWindowLimiter limiter(/*limit=*/3, milliseconds(1000));
  EXPECT_TRUE(limiter.TryAdmit(At(0)));
  EXPECT_TRUE(limiter.TryAdmit(At(100)));
  EXPECT_TRUE(limiter.TryAdmit(At(200)));
  EXPECT_FALSE(limiter.TryAdmit(At(300)));
  EXPECT_FALSE(limiter.TryAdmit(At(999)));  // The first is 999 ms old: still inside.
  EXPECT_TRUE(limiter.TryAdmit(At(1000)));  // Exactly one window later it has left.
  EXPECT_FALSE(limiter.TryAdmit(At(1099)));
  EXPECT_TRUE(limiter.TryAdmit(At(1100)));
  EXPECT_EQ(limiter.InWindow(At(1100)), 3u);
  EXPECT_EQ(limiter.InWindow(At(5000)), 0u);
}

TEST(SlidingWindowLimiterTest, RejectedRequestsDoNotCount) {
  SlidingWindowLimiter limiter(/*limit=*/1, milliseconds(1000));
  EXPECT_TRUE(limiter.TryAdmit(At(0)));
  for (int ms = 1; ms < 1000; ms += 7) EXPECT_FALSE(limiter.TryAdmit(At(ms)));
  EXPECT_TRUE(limiter.TryAdmit(At(1000)));
}

TEST(SlidingWindowLimiterTest, ReturnsTheRecordedTimeAndNeverGoesBackInTime) {
  SlidingWindowLimiter limiter(/*limit=*/2, milliseconds(1000));
  EXPECT_EQ(limiter.TryAdmit(At(500)), At(500));
  // A thread that read the clock earlier arrives late: recorded at the latest time seen, so
  // the window cannot slide early.
  EXPECT_EQ(limiter.TryAdmit(At(400)), At(500));
  EXPECT_FALSE(limiter.TryAdmit(At(1499)));
  EXPECT_TRUE(limiter.TryAdmit(At(1500)));
}

// Whatever the arrival pattern, no window of the limiter's length holds more than `limit`
// admissions, and a request is only refused when the window really is full.
TEST(SlidingWindowLimiterTest, NoWindowEverHoldsMoreThanTheLimit) {
  std::mt19937_64 random(42);
  for (int trial = 0; trial < 20; ++trial) {
    const size_t limit = 1 + random() % 20;
    const int64_t window_ms = 50 + static_cast<int64_t>(random() % 500);
    SlidingWindowLimiter limiter(limit, milliseconds(window_ms));
    std::vector<int64_t> admitted;
    int64_t now = 0;
    for (int request = 0; request < 2000; ++request) {
      now += static_cast<int64_t>(random() % 20);
      size_t in_window = 0;
      for (const int64_t t : admitted) in_window += now - t < window_ms ? 1 : 0;
      const bool ok = limiter.TryAdmit(At(now)).has_value();
      EXPECT_EQ(ok, in_window < limit) << "trial " << trial << " at " << now;
      if (ok) admitted.push_back(now);
    }
    for (size_t i = limit; i < admitted.size(); ++i) {
      ASSERT_GE(admitted[i] - admitted[i - limit], window_ms) << "trial " << trial;
    }
  }
}

TEST(SlidingWindowLimiterTest, ZeroLimitOrWindowIsAProgrammingError) {
  EXPECT_THROW(SlidingWindowLimiter(0, milliseconds(1)), std::invalid_argument);
  EXPECT_THROW(SlidingWindowLimiter(1, milliseconds(0)), std::invalid_argument);
}

}  // namespace
}  // namespace tickerflow::sources::fmp_sim
