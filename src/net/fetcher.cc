#include "net/fetcher.h"

#include <fmt/format.h>

#include <thread>
#include <utility>

#include "common/log.h"
#include "net/redact.h"

namespace tickerflow::net {
namespace {

uint64_t SeedOrRandom(uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Fetcher::Fetcher(HttpTransport& transport, RateLimiter& limiter, FetcherOptions options)
    : transport_(transport),
      limiter_(limiter),
      options_(std::move(options)),
      rng_(SeedOrRandom(options_.seed)) {}

std::chrono::milliseconds Fetcher::NoteThrottled(Clock::TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!first_throttled_) first_throttled_ = now;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - *first_throttled_);
}

void Fetcher::NoteAnswered() {
  std::lock_guard lock(mutex_);
  first_throttled_.reset();
}

RetryDecision Fetcher::Decide(int attempt, const AttemptOutcome& outcome) {
  std::lock_guard lock(mutex_);
  return DecideRetry(options_.policy, attempt, outcome, rng_);
}

Result<HttpResponse> Fetcher::Fetch(const HttpRequest& request, const BodyCheck& check) {
  const std::string url = RedactUrl(request.url);
  int failures = 0;  // Attempts that count against max_attempts (429 pauses do not).
  while (true) {
    if (exhausted_.load()) {
      return Status::Error(ErrorCode::kResourceExhausted,
                           fmt::format("GET {}: not sent: {}", url, exhausted_message_));
    }
    limiter_.Acquire();
    requests_.fetch_add(1);
    Result<HttpResponse> result = transport_.Get(request);

    AttemptOutcome outcome;
    Status last_error = Status::Ok();
    if (!result.ok()) {
      outcome.transport_error = result.status().code();
      last_error = result.status();
    } else {
      HttpResponse& response = *result;
      if (options_.normalize) options_.normalize(response);
      bytes_.fetch_add(static_cast<int64_t>(response.body.size()));
      outcome.http_status = response.status;
      outcome.retry_after = response.retry_after;
      if (response.status == 429) {
        throttled_.fetch_add(1);
        outcome.throttled_for = NoteThrottled(limiter_.clock().Now());
      } else {
        NoteAnswered();
      }
      if (response.status >= 200 && response.status < 300 && check) {
        last_error = check(response);
        if (!last_error.ok()) {
          malformed_.fetch_add(1);
          outcome.malformed_body = true;
        }
      }
    }
    if (outcome.http_status != 429) ++failures;
    const RetryDecision decision = Decide(failures, outcome);
    switch (decision.action) {
      case RetryAction::kAccept:
      case RetryAction::kPlanRestricted:
        return result;
      case RetryAction::kRetry:
        retries_.fetch_add(1);
        TF_LOG_DEBUG("GET {}: {}; retrying in {} ms", url, decision.reason, decision.delay.count());
        if (options_.sleep) {
          options_.sleep(decision.delay);
        } else {
          std::this_thread::sleep_for(decision.delay);
        }
        continue;
      case RetryAction::kPause:
        retries_.fetch_add(1);
        TF_LOG_DEBUG("GET {}: {}; pausing every request for {} ms", url, decision.reason,
                     decision.delay.count());
        limiter_.PauseUntil(limiter_.clock().Now() + decision.delay);
        continue;
      case RetryAction::kFail:
        break;
    }
    std::string message;
    if (outcome.http_status && !outcome.malformed_body) {
      message = fmt::format("GET {}: HTTP {}: {}", url, *outcome.http_status, decision.reason);
    } else {
      message = RedactUrl(last_error.message());
    }
    if (failures > 1 && decision.code != ErrorCode::kPermissionDenied &&
        decision.code != ErrorCode::kResourceExhausted) {
      message += fmt::format(" (after {} attempts)", failures);
    }
    if (decision.code == ErrorCode::kPermissionDenied && !options_.auth_hint.empty()) {
      message += fmt::format("; {}", options_.auth_hint);
    }
    if (decision.code == ErrorCode::kResourceExhausted) {
      // Only the first thread to find the quota spent writes the message; the others see it
      // through exhausted_ (written after, read after: the atomic orders them).
      bool expected = false;
      std::lock_guard lock(mutex_);
      if (!exhausted_.load()) {
        exhausted_message_ = decision.reason;
        exhausted_.compare_exchange_strong(expected, true);
      }
    }
    return Status::Error(decision.code, std::move(message));
  }
}

FetchStats Fetcher::stats() const {
  return FetchStats{.requests = requests_.load(),
                    .retries = retries_.load(),
                    .throttled = throttled_.load(),
                    .malformed = malformed_.load(),
                    .bytes = bytes_.load()};
}

}  // namespace tickerflow::net
