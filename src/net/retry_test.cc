#include "net/retry.h"

#include <gtest/gtest.h>

#include <chrono>

namespace tickerflow::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RetryPolicy Policy() {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.base_delay = milliseconds(100);
  policy.max_delay = milliseconds(1000);
  policy.quota_window = seconds(60);
  policy.throttle_pause = seconds(5);
  policy.max_retry_after = seconds(120);
  return policy;
}

AttemptOutcome Status(int status) {
  AttemptOutcome outcome;
  outcome.http_status = status;
  return outcome;
}

AttemptOutcome Transport(ErrorCode code) {
  AttemptOutcome outcome;
  outcome.transport_error = code;
  return outcome;
}

TEST(DecideRetryTest, SuccessAndClientErrorsAreAcceptedAsTheyAre) {
  std::mt19937_64 rng(1);
  for (const int status : {200, 204, 400, 403, 404, 410}) {
    const RetryDecision decision = DecideRetry(Policy(), 1, Status(status), rng);
    EXPECT_EQ(decision.action, RetryAction::kAccept) << status;
  }
}

TEST(DecideRetryTest, PaymentRequiredIsAPlanRestriction) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(DecideRetry(Policy(), 1, Status(402), rng).action, RetryAction::kPlanRestricted);
  // Never retried, whatever the attempt.
  EXPECT_EQ(DecideRetry(Policy(), 3, Status(402), rng).action, RetryAction::kPlanRestricted);
}

TEST(DecideRetryTest, UnauthorizedStopsAtOnce) {
  std::mt19937_64 rng(1);
  const RetryDecision decision = DecideRetry(Policy(), 1, Status(401), rng);
  EXPECT_EQ(decision.action, RetryAction::kFail);
  EXPECT_EQ(decision.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(ActionFor(decision.code), ErrorAction::kStop);
}

TEST(DecideRetryTest, ServerErrorsBackOffExponentiallyWithJitterThenFail) {
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt < 4; ++attempt) {
    const RetryDecision decision = DecideRetry(Policy(), attempt, Status(503), rng);
    ASSERT_EQ(decision.action, RetryAction::kRetry) << attempt;
    const int64_t full = 100LL << (attempt - 1);  // 100, 200, 400 ms
    EXPECT_GE(decision.delay.count(), full / 2) << attempt;
    EXPECT_LE(decision.delay.count(), full) << attempt;
  }
  const RetryDecision last = DecideRetry(Policy(), 4, Status(500), rng);
  EXPECT_EQ(last.action, RetryAction::kFail);
  EXPECT_EQ(last.code, ErrorCode::kUnavailable);
}

TEST(DecideRetryTest, BackoffIsCappedAndJitterSpreadsRetries) {
  RetryPolicy policy = Policy();
  policy.max_attempts = 40;
  std::mt19937_64 rng(3);
  int64_t low = 1 << 30;
  int64_t high = 0;
  for (int i = 0; i < 200; ++i) {
    const RetryDecision decision = DecideRetry(policy, 30, Status(502), rng);
    ASSERT_EQ(decision.action, RetryAction::kRetry);
    low = std::min<int64_t>(low, decision.delay.count());
    high = std::max<int64_t>(high, decision.delay.count());
  }
  EXPECT_GE(low, 500);
  EXPECT_LE(high, 1000);
  EXPECT_LT(low, 600);  // The draws cover the range, not one point.
  EXPECT_GT(high, 900);
}

TEST(DecideRetryTest, TimeoutsAndConnectionErrorsAreRetriedOtherTransportErrorsAreNot) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(DecideRetry(Policy(), 1, Transport(ErrorCode::kUnavailable), rng).action,
            RetryAction::kRetry);
  const RetryDecision last = DecideRetry(Policy(), 4, Transport(ErrorCode::kUnavailable), rng);
  EXPECT_EQ(last.action, RetryAction::kFail);
  EXPECT_EQ(last.code, ErrorCode::kUnavailable);
  const RetryDecision bad_url =
      DecideRetry(Policy(), 1, Transport(ErrorCode::kInvalidArgument), rng);
  EXPECT_EQ(bad_url.action, RetryAction::kFail);
  EXPECT_EQ(bad_url.code, ErrorCode::kInvalidArgument);
}

TEST(DecideRetryTest, MalformedBodiesAreRetriedThenCorruptData) {
  std::mt19937_64 rng(1);
  AttemptOutcome outcome = Status(200);
  outcome.malformed_body = true;
  EXPECT_EQ(DecideRetry(Policy(), 1, outcome, rng).action, RetryAction::kRetry);
  const RetryDecision last = DecideRetry(Policy(), 4, outcome, rng);
  EXPECT_EQ(last.action, RetryAction::kFail);
  EXPECT_EQ(last.code, ErrorCode::kCorruptData);
}

TEST(DecideRetryTest, TooManyRequestsPausesEveryoneForThePolicysPause) {
  std::mt19937_64 rng(1);
  AttemptOutcome outcome = Status(429);
  outcome.throttled_for = seconds(10);
  const RetryDecision decision = DecideRetry(Policy(), 1, outcome, rng);
  EXPECT_EQ(decision.action, RetryAction::kPause);
  EXPECT_EQ(decision.delay, milliseconds(5000));
}

TEST(DecideRetryTest, TooManyRequestsHonoursRetryAfter) {
  std::mt19937_64 rng(1);
  AttemptOutcome outcome = Status(429);
  outcome.retry_after = seconds(17);
  const RetryDecision decision = DecideRetry(Policy(), 1, outcome, rng);
  EXPECT_EQ(decision.action, RetryAction::kPause);
  EXPECT_EQ(decision.delay, milliseconds(17000));

  outcome.retry_after = seconds(3600);  // Tomorrow: the day's quota.
  const RetryDecision spent = DecideRetry(Policy(), 1, outcome, rng);
  EXPECT_EQ(spent.action, RetryAction::kFail);
  EXPECT_EQ(spent.code, ErrorCode::kResourceExhausted);
}

TEST(DecideRetryTest, TooManyRequestsForAWholeWindowMeansTheQuotaIsSpent) {
  std::mt19937_64 rng(1);
  AttemptOutcome outcome = Status(429);
  outcome.throttled_for = milliseconds(59'999);
  EXPECT_EQ(DecideRetry(Policy(), 1, outcome, rng).action, RetryAction::kPause);
  outcome.throttled_for = seconds(60);
  const RetryDecision decision = DecideRetry(Policy(), 1, outcome, rng);
  EXPECT_EQ(decision.action, RetryAction::kFail);
  EXPECT_EQ(decision.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(ActionFor(decision.code), ErrorAction::kStop);
}

}  // namespace
}  // namespace tickerflow::net
