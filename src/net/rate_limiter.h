// One request quota for the whole process: never more than N requests start in any window of
// W (a sliding window over the start times of the last N requests, not "N, then sleep W").
// A waiting request starts the moment the oldest of the last N starts leaves the window, so
// the quota stays full while work is waiting.
//
//   RateLimiter limiter({.max_requests = 300});   // FMP Starter: 300 per minute
//   limiter.Acquire();                            // blocks until a request may start
//   Send(request);
//   ...
//   limiter.PauseUntil(limiter.clock().Now() + std::chrono::seconds(10));  // after a 429
//
// The window is W plus a small margin: the server counts arrivals, we count departures, and
// two requests' network delays differ by a few milliseconds.
//
// Threads: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace tickerflow::net {

/// Where the limiter reads the time; tests inject a fake.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  /// The current time.
  virtual TimePoint Now() const = 0;
};

/// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  /// A process-wide instance.
  static const SteadyClock& Instance();
};

/// The quota.
struct RateLimiterOptions {
  /// N: requests allowed to start in any window; at least 1.
  int max_requests = 300;
  /// W: the window.
  std::chrono::milliseconds window = std::chrono::seconds(60);
  /// Added to the window (see the file comment). 250 ms costs 0.4 % of a 60 s window.
  std::chrono::milliseconds margin = std::chrono::milliseconds(250);
};

/// The sliding-window limiter. See the file comment.
class RateLimiter {
 public:
  using TimePoint = Clock::TimePoint;

  /// A limiter reading `clock`, which must outlive it (default: the steady clock).
  explicit RateLimiter(const RateLimiterOptions& options,
                       const Clock& clock = SteadyClock::Instance());
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  /// Blocks until a request may start, and records its start.
  void Acquire();

  /// Records a start at `now` and returns nullopt when a request may start at `now`;
  /// otherwise records nothing and returns the earliest time at which one may. The
  /// non-blocking core of Acquire, for tests and for callers with their own scheduling.
  std::optional<TimePoint> TryAcquire(TimePoint now);

  /// No request starts before `until` (a 429's pause). Pauses do not shorten: the later of
  /// the current pause and `until` wins.
  void PauseUntil(TimePoint until);

  /// The end of the current pause, if it is in the future of `now`.
  std::optional<TimePoint> PausedUntil(TimePoint now) const;

  /// How many requests started in (now - window - margin, now].
  int InFlightWindowCount(TimePoint now) const;

  /// The options it was made with.
  const RateLimiterOptions& options() const { return options_; }
  /// The clock it reads.
  const Clock& clock() const { return clock_; }

 private:
  std::optional<TimePoint> TryAcquireLocked(TimePoint now);

  const RateLimiterOptions options_;
  const std::chrono::steady_clock::duration span_;  // window + margin
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // A pause was set: waiters re-check.
  std::deque<TimePoint> starts_;     // The last max_requests start times, oldest first.
  TimePoint paused_until_{};
};

/// The requests per minute of `text`: "300", "300/min" or "300/minute"; 1 to 1,000,000.
/// kInvalidArgument otherwise.
Result<int> ParseRateLimit(std::string_view text);

}  // namespace tickerflow::net
