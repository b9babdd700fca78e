#include "net/retry.h"

#include <algorithm>

namespace tickerflow::net {
namespace {

using std::chrono::milliseconds;

RetryDecision Fail(ErrorCode code, const char* reason) {
  return RetryDecision{.action = RetryAction::kFail, .delay = {}, .code = code, .reason = reason};
}

// Exponential backoff with "equal jitter": half fixed, half random, so that retries of many
// requests that failed together spread out, yet none retries at once.
RetryDecision Backoff(const RetryPolicy& policy, int attempt, ErrorCode final_code,
                      const char* reason, std::mt19937_64& rng) {
  if (attempt >= policy.max_attempts) return Fail(final_code, reason);
  const int doublings = std::min(attempt - 1, 30);
  const double full = std::min(
      static_cast<double>(policy.base_delay.count()) * static_cast<double>(int64_t{1} << doublings),
      static_cast<double>(policy.max_delay.count()));
  std::uniform_real_distribution<double> half(0.0, full / 2);
  const auto delay = static_cast<int64_t>(full / 2 + half(rng));
  return RetryDecision{.action = RetryAction::kRetry,
                       .delay = milliseconds(delay),
                       .code = final_code,
                       .reason = reason};
}

}  // namespace

RetryDecision DecideRetry(const RetryPolicy& policy, int attempt, const AttemptOutcome& outcome,
                          std::mt19937_64& rng) {
  if (!outcome.http_status) {
    const ErrorCode code = outcome.transport_error.value_or(ErrorCode::kUnavailable);
    if (code != ErrorCode::kUnavailable) return Fail(code, "the request could not be sent");
    return Backoff(policy, attempt, ErrorCode::kUnavailable, "no response (timeout or connection)",
                   rng);
  }
  const int status = *outcome.http_status;
  if (status == 429) {
    if (outcome.throttled_for >= policy.quota_window) {
      return Fail(ErrorCode::kResourceExhausted,
                  "the server has refused requests (429) for a whole quota window: the day's "
                  "quota is spent");
    }
    milliseconds pause = policy.throttle_pause;
    if (outcome.retry_after) {
      const milliseconds asked = *outcome.retry_after;
      if (asked > policy.max_retry_after) {
        return Fail(ErrorCode::kResourceExhausted,
                    "the server asks to wait longer than a quota window (429 Retry-After): the "
                    "quota is spent");
      }
      pause = std::max(asked, milliseconds(0));
    }
    return RetryDecision{.action = RetryAction::kPause,
                         .delay = pause,
                         .code = ErrorCode::kResourceExhausted,
                         .reason = "rate limited (429)"};
  }
  if (status >= 500) {
    return Backoff(policy, attempt, ErrorCode::kUnavailable, "server error (5xx)", rng);
  }
  if (status == 401) {
    return Fail(ErrorCode::kPermissionDenied, "the server rejected the API key (401)");
  }
  if (status == 402) {
    return RetryDecision{.action = RetryAction::kPlanRestricted,
                         .delay = {},
                         .code = ErrorCode::kPermissionDenied,
                         .reason = "not available on this plan (402)"};
  }
  if (status >= 200 && status < 300 && outcome.malformed_body) {
    return Backoff(policy, attempt, ErrorCode::kCorruptData, "malformed response body", rng);
  }
  return RetryDecision{};
}

}  // namespace tickerflow::net
