#include "common/status.h"

#include <gtest/gtest.h>

#include <string>

namespace tickerflow {
namespace {

Result<int> ParsePositive(int value) {
  if (value <= 0) return Status::Error(ErrorCode::kInvalidArgument, "not positive");
  return value;
}

Result<int> DoubleIt(int value) {
  TF_ASSIGN_OR_RETURN(int positive, ParsePositive(value));
  return positive * 2;
}

Status CheckBoth(int a, int b) {
  TF_RETURN_IF_ERROR(ParsePositive(a).status());
  TF_RETURN_IF_ERROR(ParsePositive(b).status().WithContext("second"));
  return Status::Ok();
}

TEST(StatusTest, OkHasNoMessage) {
  const Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.message(), "");
  EXPECT_EQ(ok.ToString(), "ok");
}

TEST(StatusTest, MacrosPropagateErrorsAndValues) {
  ASSERT_TRUE(DoubleIt(21).ok());
  EXPECT_EQ(*DoubleIt(21), 42);
  const Result<int> failed = DoubleIt(-1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kInvalidArgument);

  EXPECT_TRUE(CheckBoth(1, 2).ok());
  const Status second = CheckBoth(1, 0);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.message(), "second: not positive");
  EXPECT_EQ(second.ToString(), "invalid_argument: second: not positive");
}

TEST(StatusTest, EveryCodeHasAnActionAndAName) {
  EXPECT_EQ(ActionFor(ErrorCode::kUnavailable), ErrorAction::kRetry);
  EXPECT_EQ(ActionFor(ErrorCode::kCorruptData), ErrorAction::kSkip);
  EXPECT_EQ(ActionFor(ErrorCode::kNotFound), ErrorAction::kSkip);
  EXPECT_EQ(ActionFor(ErrorCode::kPermissionDenied), ErrorAction::kStop);
  EXPECT_EQ(ActionFor(ErrorCode::kResourceExhausted), ErrorAction::kStop);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kCorruptData), "corrupt_data");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed_precondition");
}

}  // namespace
}  // namespace tickerflow
