#include "sources/fmp_sim/window_limiter.h"

#include <algorithm>
#include <stdexcept>

namespace tickerflow::sources::fmp_sim {

SlidingWindowLimiter::SlidingWindowLimiter(size_t limit, Clock::duration window)
    : limit_(limit), window_(window) {
  if (limit == 0 || window <= Clock::duration::zero()) {
    throw std::invalid_argument("SlidingWindowLimiter: limit and window must be positive");
  }
}

void SlidingWindowLimiter::Expire(Clock::time_point now) {
  // An admission at t is inside every window [s, s + window) with s <= t < s + window; once
  // now - t >= window, a window containing both t and now no longer exists.
  while (!admitted_.empty() && now - admitted_.front() >= window_) admitted_.pop_front();
}

std::optional<SlidingWindowLimiter::Clock::time_point> SlidingWindowLimiter::TryAdmit(
    Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Threads read the clock before taking the lock, so times can arrive slightly out of order;
  // recording an earlier time than one already admitted would let the window slide early.
  now = std::max(now, latest_);
  latest_ = now;
  Expire(now);
  if (admitted_.size() >= limit_) return std::nullopt;
  admitted_.push_back(now);
  return now;
}

size_t SlidingWindowLimiter::InWindow(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Expire(std::max(now, latest_));
  return admitted_.size();
}

}  // namespace tickerflow::sources::fmp_sim
