// Injected failures of the simulator: the ways a real API breaks that a client must survive.
// Whether a request fails, and how, is a pure function of (seed, the request without its key,
// how many times that same request was seen before): the same run of a client meets the same
// faults whatever the threads' timing, and a retried request draws again, so a client that
// retries eventually gets through.
//
//   FaultInjector faults(/*seed=*/7, /*rate=*/0.1);
//   FaultKind fault = faults.Next("/stable/profile?symbol=AAPL");
//   if (fault == FaultKind::kServerError) return InternalServerError();
//
// Threads: Next may be called from many threads at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tickerflow::sources::fmp_sim {

/// What goes wrong with one response. The five faults are equally likely.
enum class FaultKind : uint8_t {
  kNone,
  kServerError,  ///< 500 with an error body.
  kStall,        ///< Nothing is sent for --stall-seconds (longer than a client's timeout).
  kTruncated,    ///< Content-Length of the whole body, half of it sent, connection closed.
  kMalformed,    ///< 200 with a body that does not parse (JSON or CSV).
  kErrorBody,    ///< 200 whose body is {"Error Message": ...}, as FMP used to answer.
};

/// "none", "server_error", "stall", "truncated", "malformed", "error_body": for the request
/// log.
std::string_view FaultName(FaultKind kind);

/// The fault of attempt `attempt` (0 for the first) of request `key` on a server seeded with
/// `seed` that fails a share `rate` (0 to 1) of requests.
FaultKind FaultFor(uint64_t seed, double rate, std::string_view key, uint64_t attempt);

/// Counts attempts per request and draws their faults. See the file comment.
class FaultInjector {
 public:
  /// `rate` is clamped to [0, 1].
  FaultInjector(uint64_t seed, double rate);

  /// The fault for the next attempt of `key` (a canonical request: path and sorted query
  /// parameters, without the API key). Always kNone when the rate is 0, without counting.
  FaultKind Next(std::string_view key);

  double rate() const { return rate_; }

 private:
  const uint64_t seed_;
  const double rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, uint64_t> attempts_;
};

}  // namespace tickerflow::sources::fmp_sim
