// What to do after one attempt of a request: the retry policy, as one pure function.
//
//   std::mt19937_64 rng(seed);
//   RetryDecision decision = DecideRetry(policy, attempt, outcome, rng);
//   switch (decision.action) {
//     case RetryAction::kAccept:        return response;  // 2xx, and 4xx the caller interprets
//     case RetryAction::kPlanRestricted: return response; // 402: the caller switches strategy
//     case RetryAction::kRetry:         sleep(decision.delay); continue;
//     case RetryAction::kPause:         limiter.PauseUntil(now + decision.delay); continue;
//     case RetryAction::kFail:          return Status::Error(decision.code, ...);
//   }
//
// The rules (fmp-api.md §2):
// - 2xx, 400, 404 and other 4xx: accepted as they are, never retried (retrying cannot help).
// - 402: a plan restriction, its own action, so that the caller marks the endpoint
//   unavailable and uses its fallback; never "no data".
// - 401: fail with kPermissionDenied: the key is wrong, every request would fail.
// - 5xx, timeouts, refused or reset connections, truncated or malformed bodies: retry after a
//   jittered exponential backoff, at most `max_attempts` attempts in all; then kUnavailable
//   (or kCorruptData for a body that never parsed).
// - 429: pause every request (the caller pauses the shared limiter) for Retry-After when the
//   server sends it, else for `throttle_pause`; then retry. When 429s have gone on for a full
//   quota window (no success in between, anywhere in the process), the daily quota is spent:
//   fail with kResourceExhausted, so the run stops and keeps what it has.
#pragma once

#include <chrono>
#include <optional>
#include <random>

#include "common/status.h"

namespace tickerflow::net {

/// The knobs of DecideRetry.
struct RetryPolicy {
  /// Attempts in all (the first one included) for retryable failures; at least 1.
  int max_attempts = 6;
  /// The backoff before the second attempt; doubled for each further one.
  std::chrono::milliseconds base_delay = std::chrono::milliseconds(500);
  /// The longest backoff.
  std::chrono::milliseconds max_delay = std::chrono::seconds(30);
  /// The rate limiter's window: 429s that go on this long mean the quota is spent.
  std::chrono::milliseconds quota_window = std::chrono::seconds(60);
  /// How long a 429 without Retry-After pauses every request.
  std::chrono::milliseconds throttle_pause = std::chrono::seconds(5);
  /// The longest Retry-After honoured; a longer one is a spent quota, not a pause.
  std::chrono::milliseconds max_retry_after = std::chrono::minutes(5);
};

/// How an attempt ended.
struct AttemptOutcome {
  /// The HTTP status, when a response arrived.
  std::optional<int> http_status;
  /// When no response arrived: the transport's error code (kUnavailable for timeouts and
  /// connection failures; anything else is not retried).
  std::optional<ErrorCode> transport_error;
  /// A 2xx whose body did not parse (truncated, malformed): retried like a 5xx.
  bool malformed_body = false;
  /// The response's Retry-After.
  std::optional<std::chrono::seconds> retry_after;
  /// For a 429: how long 429s have gone on in the whole process, from the first of the
  /// current run of 429s (reset by any other answer) to this one.
  std::chrono::milliseconds throttled_for{0};
};

/// What to do next.
enum class RetryAction {
  kAccept,          ///< Hand the response to the caller.
  kPlanRestricted,  ///< 402: hand it to the caller, who switches to a fallback.
  kRetry,           ///< Wait `delay` (this request only), then try again.
  kPause,           ///< Pause every request for `delay`, then try again.
  kFail,            ///< Give up with `code`.
};

/// The decision of DecideRetry.
struct RetryDecision {
  RetryAction action = RetryAction::kAccept;
  std::chrono::milliseconds delay{0};     ///< For kRetry and kPause.
  ErrorCode code = ErrorCode::kInternal;  ///< For kFail.
  const char* reason = "";  ///< For kFail and retries: why, in a few words, for messages.
};

/// The decision after attempt number `attempt` (1 for the first) ended with `outcome`.
/// `rng` draws the jitter: a backoff d becomes a uniform draw from [d/2, d].
RetryDecision DecideRetry(const RetryPolicy& policy, int attempt, const AttemptOutcome& outcome,
                          std::mt19937_64& rng);

}  // namespace tickerflow::net
