// Requests under the process's quota and retry policy: every attempt waits for the shared
// RateLimiter, and DecideRetry (retry.h) says what follows a failure. The counters feed the
// run summary.
//
//   RateLimiter limiter({.max_requests = 300});
//   Fetcher fetcher(transport, limiter, {.policy = {}, .auth_hint = "set FMP_API_KEY"});
//   TF_ASSIGN_OR_RETURN(HttpResponse response, fetcher.Fetch({.url = url}, [](auto& r) {
//     return ParseCheck(r.body);   // a body that does not parse is retried like a 5xx
//   }));
//   if (response.status == 402) UseFallback();
//
// Fetch returns the response for statuses the caller interprets (2xx, 402, 400, 404, other
// 4xx) and an error when the request failed for good: kPermissionDenied (401),
// kResourceExhausted (429s for a whole window: the quota is spent; every later Fetch then
// fails at once, without a request), kUnavailable (5xx, timeouts, connection failures after
// the last attempt), kCorruptData (a body that never passed `check`). Messages name the URL
// redacted.
//
// Threads: Fetch may be called from many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "common/status.h"
#include "net/http_transport.h"
#include "net/rate_limiter.h"
#include "net/retry.h"

namespace tickerflow::net {

/// What a Fetcher did, for the run summary.
struct FetchStats {
  int64_t requests = 0;   ///< Attempts sent (each one counts against the quota).
  int64_t retries = 0;    ///< Attempts that were repeats of a failed one.
  int64_t throttled = 0;  ///< 429 answers.
  int64_t malformed = 0;  ///< 2xx bodies that failed the caller's check.
  int64_t bytes = 0;      ///< Response body bytes received (decompressed).
};

/// How a Fetcher behaves.
struct FetcherOptions {
  RetryPolicy policy;
  /// Appended to the message of a 401, saying how to fix the credentials.
  std::string auth_hint;
  /// Rewrites a response before it is judged: a server that reports errors with status 200
  /// (fmp-api.md §2) gets the status that its body means. May be empty.
  std::function<void(HttpResponse&)> normalize;
  /// Waits for a backoff; tests record the delays instead. Default: sleep.
  std::function<void(std::chrono::milliseconds)> sleep;
  /// Seeds the jitter; 0 picks a random seed.
  uint64_t seed = 0;
};

/// See the file comment.
class Fetcher {
 public:
  /// Checks a 2xx body; an error means "malformed, try again".
  using BodyCheck = std::function<Status(const HttpResponse&)>;

  /// `transport` and `limiter` must outlive the fetcher.
  Fetcher(HttpTransport& transport, RateLimiter& limiter, FetcherOptions options);
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  /// Sends `request` until DecideRetry accepts an answer or gives up. See the file comment.
  Result<HttpResponse> Fetch(const HttpRequest& request, const BodyCheck& check = nullptr);

  /// The counters so far.
  FetchStats stats() const;

  /// Whether the quota was found spent (every Fetch now fails with kResourceExhausted).
  bool quota_exhausted() const { return exhausted_.load(); }

 private:
  // The run of 429s across the process: how long it has gone on, with this one in it.
  std::chrono::milliseconds NoteThrottled(Clock::TimePoint now);
  void NoteAnswered();
  RetryDecision Decide(int attempt, const AttemptOutcome& outcome);

  HttpTransport& transport_;
  RateLimiter& limiter_;
  const FetcherOptions options_;

  std::mutex mutex_;  // Guards rng_ and first_throttled_.
  std::mt19937_64 rng_;
  std::optional<Clock::TimePoint> first_throttled_;
  std::atomic<bool> exhausted_{false};
  std::string exhausted_message_;  // Written once, before exhausted_ is set.

  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> throttled_{0};
  std::atomic<int64_t> malformed_{0};
  std::atomic<int64_t> bytes_{0};
};

}  // namespace tickerflow::net
