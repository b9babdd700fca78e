#include "net/rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

namespace tickerflow::net {

const SteadyClock& SteadyClock::Instance() {
  static const SteadyClock kClock;
  return kClock;
}

RateLimiter::RateLimiter(const RateLimiterOptions& options, const Clock& clock)
    : options_(options),
      span_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(options.window +
                                                                            options.margin)),
      clock_(clock) {
  // A limiter that admits nothing would hang every caller: a configuration bug.
  if (options_.max_requests < 1) throw std::invalid_argument("RateLimiter: max_requests < 1");
}

std::optional<RateLimiter::TimePoint> RateLimiter::TryAcquireLocked(TimePoint now) {
  if (now < paused_until_) return paused_until_;
  if (static_cast<int>(starts_.size()) >= options_.max_requests) {
    const TimePoint frees_at = starts_.front() + span_;
    if (now < frees_at) return frees_at;
    starts_.pop_front();
  }
  starts_.push_back(now);
  return std::nullopt;
}

std::optional<RateLimiter::TimePoint> RateLimiter::TryAcquire(TimePoint now) {
  std::lock_guard lock(mutex_);
  return TryAcquireLocked(now);
}

void RateLimiter::Acquire() {
  std::unique_lock lock(mutex_);
  while (true) {
    const TimePoint now = clock_.Now();
    const std::optional<TimePoint> retry_at = TryAcquireLocked(now);
    if (!retry_at) return;
    // The injected clock may not be the steady clock: wait for the difference, and wake early
    // if a pause changes the picture.
    changed_.wait_for(lock, *retry_at - now);
  }
}

void RateLimiter::PauseUntil(TimePoint until) {
  {
    std::lock_guard lock(mutex_);
    paused_until_ = std::max(paused_until_, until);
  }
  changed_.notify_all();
}

std::optional<RateLimiter::TimePoint> RateLimiter::PausedUntil(TimePoint now) const {
  std::lock_guard lock(mutex_);
  if (now < paused_until_) return paused_until_;
  return std::nullopt;
}

int RateLimiter::InFlightWindowCount(TimePoint now) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(starts_.begin(), starts_.end(),
                                        [&](TimePoint start) { return now - start < span_; }));
}

Result<int> ParseRateLimit(std::string_view text) {
  std::string_view number = text;
  for (const std::string_view suffix : {"/minute", "/min"}) {
    if (number.ends_with(suffix)) {
      number.remove_suffix(suffix.size());
      break;
    }
  }
  int value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc() || end != number.data() + number.size() || value < 1 ||
      value > 1'000'000) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("rate limit '{}': expected requests per minute such as 300/min (1 to "
                    "1000000)",
                    text));
  }
  return value;
}

}  // namespace tickerflow::net
