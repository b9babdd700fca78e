#include "common/status.h"

#include <fmt/format.h>

#include <string>

namespace tickerflow {

ErrorAction ActionFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnavailable:
      return ErrorAction::kRetry;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kCorruptData:
      return ErrorAction::kSkip;
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kIoError:
    case ErrorCode::kInternal:
      return ErrorAction::kStop;
  }
  return ErrorAction::kStop;
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kCorruptData:
      return "corrupt_data";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kIoError:
      return "io_error";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return error_ ? error_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return fmt::format("{}: {}", ErrorCodeName(error_->code), error_->message);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(error_->code, fmt::format("{}: {}", context, error_->message));
}

}  // namespace tickerflow
