// The simulator's behaviour without sockets: one request in, one response out. Routing of
// FMP's stable paths, the API key, the per-minute quota, plan gates, parameter checks and
// injected faults all live here, so that tests reach every answer by calling Respond; the
// HTTP shell (server.h) only moves bytes.
//
//   Responder responder(*market_view, ResponderOptions{.plan = Plan::kStarter,
//                                                      .api_key = "secret"});
//   Request request{.path = "/stable/profile", .params = {{"symbol", "AAPL"},
//                                                        {"apikey", "secret"}}};
//   Response response = responder.Respond(request, std::chrono::steady_clock::now());
//   // response.status == 200, response.body == R"([{"symbol":"AAPL","price":...}])"
//
// The order of checks, and whether a request counts against the quota:
//   1. API key missing or wrong: 401 "Invalid API KEY. ..."        (not counted)
//   2. path unknown: 404                                           (not counted)
//   3. quota: more than N admitted requests in the window: 429 "Limit Reach . ..."
//                                                                  (not counted)
//   4. endpoint outside the plan: 402 "Restricted Endpoint: ..."   (counted)
//   5. required parameter missing or malformed: 400 "Invalid or missing query parameter - x"
//                                                                  (counted)
//   6. an injected fault (faults.h), else the answer               (counted)
//
// Plans (the bulk rows are choices where FMP's own matrix is unconfirmed, fmp-api.md §3):
//   plan      requests/min  history   profile-bulk + fundamentals bulk   eod-bulk
//   starter        300      5 years   no                                 no
//   premium        750      30 years  yes                                no
//   ultimate     3,000      all       yes                                yes
// Per-symbol endpoints and delisted-companies are open to every plan. A `from` older than
// the plan's (or --years') history is moved forward to its start, as FMP does; without
// from/to, the history endpoints answer the last 5 years.
//
// Threads: Respond may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sources/fmp_sim/faults.h"
#include "sources/fmp_sim/market_view.h"
#include "sources/fmp_sim/window_limiter.h"

namespace tickerflow::sources::fmp_sim {

/// An FMP subscription plan.
enum class Plan : uint8_t { kStarter, kPremium, kUltimate };

/// "starter", "premium", "ultimate".
std::string_view PlanName(Plan plan);

/// Parses a plan name; kInvalidArgument for anything else.
Result<Plan> ParsePlan(std::string_view name);

/// What a plan allows. See the file comment for the table.
struct PlanLimits {
  size_t requests_per_minute = 0;
  int history_years = 0;  ///< 0: all of it.
  bool profile_bulk = false;
  bool fundamentals_bulk = false;
  bool eod_bulk = false;
};

/// The limits of `plan`.
PlanLimits LimitsOf(Plan plan);

/// How the simulator behaves.
struct ResponderOptions {
  Plan plan = Plan::kUltimate;
  /// Requests admitted per window; 0: the plan's per-minute rate.
  size_t rate_limit = 0;
  /// The length of the sliding window (60 s at FMP; shorter in tests).
  std::chrono::steady_clock::duration window = std::chrono::seconds(60);
  /// The key requests must carry (query parameter `apikey`); empty: any non-empty key.
  std::string api_key;
  /// The vendor's history, in years before as_of; 0: since the market began. The plan's
  /// depth applies too; the shorter wins.
  int years = 0;
  /// Faults: the seed of their draws and the share of requests that fail (0 to 1).
  uint64_t fault_seed = 1;
  double fault_rate = 0;
  /// How long a stalled response waits before it is sent.
  std::chrono::milliseconds stall = std::chrono::seconds(30);
};

/// One HTTP request as the simulator sees it.
struct Request {
  std::string path;  ///< Decoded, without the query: "/stable/profile".
  /// Decoded query parameters in arrival order; the first of a repeated name counts.
  std::vector<std::pair<std::string, std::string>> params;

  /// The first value of parameter `name`, if present.
  std::optional<std::string_view> Param(std::string_view name) const;
};

/// The answer, and what the HTTP shell must do to deliver it.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// The fault injected, if any (for the request log).
  FaultKind fault = FaultKind::kNone;
  /// Wait this long before sending anything (a stall).
  std::chrono::milliseconds stall{0};
  /// Announce the whole body's length, send only this many bytes, then close the connection.
  std::optional<size_t> send_only;
  /// Whether the request counted against the quota, and when the limiter recorded it.
  bool counted = false;
  std::chrono::steady_clock::time_point at{};
};

/// The simulator's logic. See the file comment.
class Responder {
 public:
  /// Serves `market`, which must outlive the responder.
  Responder(const MarketView& market, ResponderOptions options);

  /// The answer to `request` arriving at `now`.
  Response Respond(const Request& request, std::chrono::steady_clock::time_point now);

  const ResponderOptions& options() const { return options_; }
  /// The effective limit per window (the plan's rate unless overridden).
  size_t rate_limit() const { return limiter_.limit(); }

 private:
  const MarketView& market_;
  const ResponderOptions options_;
  const PlanLimits limits_;
  int history_years_ = 0;  // The shorter of the plan's and options_.years; 0: all.
  SlidingWindowLimiter limiter_;
  FaultInjector faults_;
};

/// One line of the request log (JSON, no newline): t_ms (milliseconds since `start`, from
/// the response's recorded time when it counted, else `now`), path, the parameters symbol,
/// date, from, to, part, page and limit when present, status, counted, fault (null or its
/// name). Never the API key.
std::string RequestLogLine(const Request& request, const Response& response,
                           std::chrono::steady_clock::time_point start,
                           std::chrono::steady_clock::time_point now);

/// FMP's messages (fmp-api.md §2), for tests and the shell.
inline constexpr std::string_view kInvalidKeyMessage =
    "Invalid API KEY. Feel free to create a Free API Key or visit "
    "https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more "
    "information.";
/// See kInvalidKeyMessage.
inline constexpr std::string_view kLimitReachMessage =
    "Limit Reach . Please upgrade your plan or visit our documentation for more details at "
    "https://site.financialmodelingprep.com/";
/// See kInvalidKeyMessage.
inline constexpr std::string_view kRestrictedEndpointMessage =
    "Restricted Endpoint: This endpoint is not available under your current subscription "
    "please visit our subscription page to upgrade your plan at "
    "https://site.financialmodelingprep.com/pricing-plans";

}  // namespace tickerflow::sources::fmp_sim
