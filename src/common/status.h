// The one error model of tickerflow: functions that can fail for reasons outside the program
// (files, network, bad data) return `Status` or `Result<T>`; the error code tells the caller
// what to do next (retry, skip the item, stop the run).
//
//   Result<Date> ParseDate(std::string_view text);
//
//   Status LoadTicker(std::string_view symbol) {
//     TF_ASSIGN_OR_RETURN(Date last, ParseDate(field));
//     TF_RETURN_IF_ERROR(Store(symbol, last));
//     return Status::Ok();
//   }
//
// Exceptions are for programming errors and start-up configuration only (docs/architecture.md).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tickerflow {

/// Why an operation failed. Each code maps to exactly one `ErrorAction`.
enum class ErrorCode {
  kInvalidArgument,     ///< The caller's input is malformed (a flag, a CSV cell): fix it.
  kNotFound,            ///< The thing asked for does not exist.
  kCorruptData,         ///< Stored or received data cannot be decoded: skip that item.
  kUnavailable,         ///< A transient failure (timeout, 5xx, busy): try again later.
  kResourceExhausted,   ///< A quota or limit is used up for now: stop the run.
  kPermissionDenied,    ///< Credentials or plan do not allow it: stop until fixed.
  kFailedPrecondition,  ///< The system is not in a state to do this (lock held): stop.
  kIoError,             ///< The local file system failed (disk full, permissions).
  kInternal,            ///< A bug or a broken invariant inside a dependency.
};

/// What the caller should do about an error.
enum class ErrorAction {
  kRetry,  ///< The same call may succeed later.
  kSkip,   ///< Give up on this item (one ticker, one file) and go on with the others.
  kStop,   ///< The whole run cannot go on.
};

/// The action that `code` asks of the caller.
ErrorAction ActionFor(ErrorCode code);

/// A stable lower-case name for `code`, for logs and run summaries ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);

/// The outcome of an operation that returns no value: OK, or an error code and a message.
/// The message says what failed, where (file, line, symbol), and what to do about it.
class [[nodiscard]] Status {
 public:
  /// The success value.
  static Status Ok() { return Status(); }

  /// An error. `message` must be non-empty and must never contain a secret.
  static Status Error(ErrorCode code, std::string message) {
    return Status(code, std::move(message));
  }

  bool ok() const { return !error_.has_value(); }
  /// The error code; only valid when !ok().
  ErrorCode code() const {
    assert(!ok());
    return error_->code;
  }
  /// The message; empty when ok().
  const std::string& message() const;

  /// "invalid_argument: <message>", or "ok".
  std::string ToString() const;

  /// The same error with `context` put in front of the message ("reading x.csv: ...").
  Status WithContext(std::string_view context) const;

 private:
  struct Payload {
    ErrorCode code;
    std::string message;
  };

  Status() = default;
  Status(ErrorCode code, std::string message) : error_(Payload{code, std::move(message)}) {}

  std::optional<Payload> error_;
};

/// A value of type T, or the error that prevented it.
template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose, so that `return value;` and `return status;` both read naturally.
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "a Result cannot hold an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }

  /// OK, or the error.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  /// The value; only valid when ok().
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace tickerflow

#define TF_INTERNAL_CONCAT_INNER(a, b) a##b
#define TF_INTERNAL_CONCAT(a, b) TF_INTERNAL_CONCAT_INNER(a, b)

/// Returns the Status of `expr` from the enclosing function when it is an error.
#define TF_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::tickerflow::Status tf_status_ = (expr); \
    if (!tf_status_.ok()) return tf_status_;  \
  } while (false)

/// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value into
/// `lhs` (a declaration such as `Date d` or an existing variable).
#define TF_ASSIGN_OR_RETURN(lhs, rexpr) \
  TF_INTERNAL_ASSIGN_OR_RETURN(TF_INTERNAL_CONCAT(tf_result_, __LINE__), lhs, rexpr)
// `result` is a fresh identifier and `lhs` may be a declaration, so neither can be
// parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define TF_INTERNAL_ASSIGN_OR_RETURN(result, lhs, rexpr) \
  auto result = (rexpr);                                 \
  if (!result.ok()) return result.status();              \
  lhs = std::move(result).value()
// NOLINTEND(bugprone-macro-parentheses)
