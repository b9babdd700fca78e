// The simulator's side of FMP's per-minute quota: a strict sliding window. A request is
// admitted only while fewer than `limit` requests were admitted in the `window` before it, so
// that no window of that length, wherever it starts, ever holds more than `limit` admitted
// requests. Rejected requests do not count (a client that keeps knocking is not punished
// further; FMP's behaviour there is unknown).
//
//   SlidingWindowLimiter limiter(/*limit=*/300, std::chrono::seconds(60));
//   if (!limiter.TryAdmit(std::chrono::steady_clock::now())) return TooManyRequests();
//
// The clock is a parameter, so tests step through time without sleeping.
//
// Threads: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace tickerflow::sources::fmp_sim {

/// A strict sliding-window admission counter. See the file comment.
class SlidingWindowLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// At most `limit` (>= 1) admissions in any interval of length `window` (> 0).
  SlidingWindowLimiter(size_t limit, Clock::duration window);

  /// Admits a request arriving at `now` and returns the time it was recorded at, or returns
  /// nullopt when `limit` requests were admitted in (now - window, now]. The recorded time is
  /// `now`, or the latest time seen when `now` is earlier (threads read the clock before they
  /// get here); a request log should carry it, so that the log proves the window was kept.
  std::optional<Clock::time_point> TryAdmit(Clock::time_point now);

  /// How many admissions are still inside the window ending at `now`.
  size_t InWindow(Clock::time_point now);

  size_t limit() const { return limit_; }
  Clock::duration window() const { return window_; }

 private:
  // Drops admissions at or before now - window. Needs mutex_.
  void Expire(Clock::time_point now);

  const size_t limit_;
  const Clock::duration window_;
  std::mutex mutex_;
  std::deque<Clock::time_point> admitted_;  // Ascending; at most limit_ entries.
  Clock::time_point latest_{};
};

}  // namespace tickerflow::sources::fmp_sim
