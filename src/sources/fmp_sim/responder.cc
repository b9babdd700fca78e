#include "sources/fmp_sim/responder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "common/log.h"
#include "sources/fmp_sim/format.h"
#include "table/json_text.h"

namespace tickerflow::sources::fmp_sim {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kPrefix = "/stable/";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kCsv = "text/csv";
// FMP answers the last five years when a history request names no range.
constexpr int kDefaultHistoryYears = 5;
// delisted-companies pages: FMP's default and largest page.
constexpr size_t kDelistedPageSize = 100;
constexpr std::string_view kErrorBodyFaultMessage =
    "An error occurred while processing your request. Please try again later.";

// What an endpoint is and which plan flag opens it.
enum class Gate : uint8_t { kOpen, kProfileBulk, kFundamentalsBulk, kEodBulk };
enum class Kind : uint8_t {
  kProfileBulk,
  kFundamentalsBulk,
  kSymbolJson,
  kHistoryFull,
  kHistoryAdjusted,
  kEodBulk,
  kDelisted,
};
struct Endpoint {
  std::string_view name;
  Kind kind;
  Gate gate;
  FmpDataset dataset = FmpDataset::kProfiles;
};

constexpr std::array kEndpoints = {
    Endpoint{"profile-bulk", Kind::kProfileBulk, Gate::kProfileBulk},
    Endpoint{"profile", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kProfiles},
    Endpoint{"historical-price-eod/full", Kind::kHistoryFull, Gate::kOpen},
    Endpoint{"historical-price-eod/dividend-adjusted", Kind::kHistoryAdjusted, Gate::kOpen},
    Endpoint{"eod-bulk", Kind::kEodBulk, Gate::kEodBulk},
    Endpoint{"ratios-ttm-bulk", Kind::kFundamentalsBulk, Gate::kFundamentalsBulk,
             FmpDataset::kRatiosTtm},
    Endpoint{"key-metrics-ttm-bulk", Kind::kFundamentalsBulk, Gate::kFundamentalsBulk,
             FmpDataset::kKeyMetricsTtm},
    Endpoint{"scores-bulk", Kind::kFundamentalsBulk, Gate::kFundamentalsBulk, FmpDataset::kScores},
    Endpoint{"rating-bulk", Kind::kFundamentalsBulk, Gate::kFundamentalsBulk, FmpDataset::kRatings},
    Endpoint{"dcf-bulk", Kind::kFundamentalsBulk, Gate::kFundamentalsBulk, FmpDataset::kDcf},
    Endpoint{"ratios-ttm", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kRatiosTtm},
    Endpoint{"key-metrics-ttm", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kKeyMetricsTtm},
    Endpoint{"financial-scores", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kScores},
    Endpoint{"ratings-snapshot", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kRatings},
    Endpoint{"discounted-cash-flow", Kind::kSymbolJson, Gate::kOpen, FmpDataset::kDcf},
    Endpoint{"delisted-companies", Kind::kDelisted, Gate::kOpen},
};

const Endpoint* FindEndpoint(std::string_view path) {
  if (!path.starts_with(kPrefix)) return nullptr;
  path.remove_prefix(kPrefix.size());
  for (const Endpoint& endpoint : kEndpoints) {
    if (endpoint.name == path) return &endpoint;
  }
  return nullptr;
}

bool Allowed(Gate gate, const PlanLimits& limits) {
  switch (gate) {
    case Gate::kOpen:
      return true;
    case Gate::kProfileBulk:
      return limits.profile_bulk;
    case Gate::kFundamentalsBulk:
      return limits.fundamentals_bulk;
    case Gate::kEodBulk:
      return limits.eod_bulk;
  }
  return false;
}

Response Error(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.content_type = std::string(kJson);
  response.body = ErrorBody(message);
  return response;
}

Response MissingParameter(std::string_view name) {
  return Error(400, fmt::format("Invalid or missing query parameter - {}", name));
}

Response Ok(std::string_view content_type, std::string body) {
  Response response;
  response.content_type = std::string(content_type);
  response.body = std::move(body);
  return response;
}

// The same day `years` calendar years earlier (Feb 29 becomes Feb 28).
Date YearsBefore(Date date, int years) {
  unsigned day = date.day();
  if (date.month() == 2 && day == 29) day = 28;
  return Date::FromCivil(date.year() - years, date.month(), day);
}

// A non-negative integer parameter; nullopt when malformed.
std::optional<size_t> ParseIndex(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

// The request without its key, parameters sorted: the same request always has the same key,
// whatever order a client writes its parameters in.
std::string CanonicalKey(const Request& request) {
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (const auto& [name, value] : request.params) {
    if (name != "apikey") params.emplace_back(name, value);
  }
  std::sort(params.begin(), params.end());
  std::string key = request.path;
  char separator = '?';
  for (const auto& [name, value] : params) {
    key += fmt::format("{}{}={}", separator, name, value);
    separator = '&';
  }
  return key;
}

// Applies `fault` to a response that would otherwise be delivered as it is.
void ApplyFault(FaultKind fault, std::chrono::milliseconds stall, Response& response) {
  response.fault = fault;
  switch (fault) {
    case FaultKind::kNone:
      return;
    case FaultKind::kServerError:
      response.status = 500;
      response.content_type = std::string(kJson);
      response.body = ErrorBody("Internal Server Error");
      return;
    case FaultKind::kStall:
      response.stall = stall;
      return;
    case FaultKind::kTruncated:
      // Never the whole body, never nothing at all: a client sees a short read.
      response.send_only = std::max<size_t>(1, response.body.size() / 2);
      if (*response.send_only >= response.body.size()) response.body += ' ';
      return;
    case FaultKind::kMalformed: {
      // A cut body with an ending no parser accepts: ",}" is never valid JSON, and a quote
      // that never closes is never valid CSV.
      std::string cut = response.body.substr(0, response.body.size() / 2);
      response.body = response.content_type == kCsv ? cut + "\n\"unterminated" : cut + ",}";
      return;
    }
    case FaultKind::kErrorBody:
      response.status = 200;
      response.content_type = std::string(kJson);
      response.body = ErrorBody(kErrorBodyFaultMessage);
      return;
  }
}

Response History(const Request& request, const MarketView& market, int depth, bool adjusted);
Response EodBulk(const Request& request, const MarketView& market);

// Steps 5 and 6 of responder.h's list for an endpoint the plan allows.
Response Serve(const Endpoint& endpoint, const Request& request, const MarketView& market,
               int depth) {
  switch (endpoint.kind) {
    case Kind::kProfileBulk: {
      const std::optional<std::string_view> part_text = request.Param("part");
      const std::optional<size_t> part = part_text ? ParseIndex(*part_text) : std::nullopt;
      // Past the last part FMP answers 400: that is how a client knows it has them all.
      if (!part || *part >= market.num_profile_parts()) return MissingParameter("part");
      return Ok(kCsv, market.ProfilePart(*part));
    }
    case Kind::kFundamentalsBulk:
      return Ok(kCsv, market.BulkCsv(endpoint.dataset));
    case Kind::kSymbolJson: {
      const std::optional<std::string_view> symbol = request.Param("symbol");
      if (!symbol || symbol->empty()) return MissingParameter("symbol");
      return Ok(kJson, market.SymbolJson(endpoint.dataset, *symbol));
    }
    case Kind::kHistoryFull:
      return History(request, market, depth, /*adjusted=*/false);
    case Kind::kHistoryAdjusted:
      return History(request, market, depth, /*adjusted=*/true);
    case Kind::kEodBulk:
      return EodBulk(request, market);
    case Kind::kDelisted: {
      const std::optional<std::string_view> page_text = request.Param("page");
      const std::optional<std::string_view> limit_text = request.Param("limit");
      const std::optional<size_t> page = page_text ? ParseIndex(*page_text) : size_t{0};
      if (!page) return MissingParameter("page");
      std::optional<size_t> limit = limit_text ? ParseIndex(*limit_text) : kDelistedPageSize;
      if (!limit) return MissingParameter("limit");
      limit = std::clamp<size_t>(*limit, 1, kDelistedPageSize);
      return Ok(kJson, market.DelistedCompaniesJson(*page, *limit));
    }
  }
  return Error(404, "Not Found");
}

// `depth`: years of history before as_of; 0: all of it.
Response History(const Request& request, const MarketView& market, int depth, bool adjusted) {
  const std::optional<std::string_view> symbol = request.Param("symbol");
  if (!symbol || symbol->empty()) return MissingParameter("symbol");
  const Date as_of = market.as_of();
  Date to = as_of;
  if (const std::optional<std::string_view> text = request.Param("to")) {
    Result<Date> parsed = Date::Parse(*text);
    if (!parsed.ok()) return MissingParameter("to");
    to = std::min(*parsed, as_of);
  }
  Date from = YearsBefore(to, kDefaultHistoryYears);
  if (const std::optional<std::string_view> text = request.Param("from")) {
    Result<Date> parsed = Date::Parse(*text);
    if (!parsed.ok()) return MissingParameter("from");
    from = *parsed;
  }
  if (depth > 0) from = std::max(from, YearsBefore(as_of, depth));

  Result<std::optional<std::vector<Bar>>> bars = market.Bars(*symbol, from, to);
  if (!bars.ok()) {
    // Unknown symbols come back as nullopt, so this is the market failing: a bug.
    TF_LOG_ERROR("fmp-sim: bars of {}: {}", *symbol, bars.status().ToString());
    return Error(500, "Internal Server Error");
  }
  if (!bars->has_value()) return Ok(kJson, "[]");
  const std::vector<Bar>& rows = **bars;
  return Ok(kJson, adjusted ? AdjustedHistoryJson(*symbol, rows) : FullHistoryJson(*symbol, rows));
}

Response EodBulk(const Request& request, const MarketView& market) {
  const std::optional<std::string_view> text = request.Param("date");
  if (!text) return MissingParameter("date");
  Result<Date> date = Date::Parse(*text);
  if (!date.ok()) return MissingParameter("date");
  Result<std::vector<SymbolBar>> bars = market.BarsOn(*date);
  if (!bars.ok()) {
    TF_LOG_ERROR("fmp-sim: eod-bulk {}: {}", *text, bars.status().ToString());
    return Error(500, "Internal Server Error");
  }
  return Ok(kCsv, EodBulkCsv(*bars));
}

}  // namespace

std::string_view PlanName(Plan plan) {
  switch (plan) {
    case Plan::kStarter:
      return "starter";
    case Plan::kPremium:
      return "premium";
    case Plan::kUltimate:
      return "ultimate";
  }
  return "unknown";
}

Result<Plan> ParsePlan(std::string_view name) {
  for (const Plan plan : {Plan::kStarter, Plan::kPremium, Plan::kUltimate}) {
    if (PlanName(plan) == name) return plan;
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("plan '{}': choose starter, premium or ultimate", name));
}

PlanLimits LimitsOf(Plan plan) {
  switch (plan) {
    case Plan::kStarter:
      return PlanLimits{.requests_per_minute = 300,
                        .history_years = 5,
                        .profile_bulk = false,
                        .fundamentals_bulk = false,
                        .eod_bulk = false};
    case Plan::kPremium:
      return PlanLimits{.requests_per_minute = 750,
                        .history_years = 30,
                        .profile_bulk = true,
                        .fundamentals_bulk = true,
                        .eod_bulk = false};
    case Plan::kUltimate:
      break;
  }
  return PlanLimits{.requests_per_minute = 3000,
                    .history_years = 0,
                    .profile_bulk = true,
                    .fundamentals_bulk = true,
                    .eod_bulk = true};
}

std::optional<std::string_view> Request::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    const std::string_view found = value;
    if (key == name) return found;
  }
  return std::nullopt;
}

Responder::Responder(const MarketView& market, ResponderOptions options)
    : market_(market),
      options_(std::move(options)),
      limits_(LimitsOf(options_.plan)),
      limiter_(options_.rate_limit > 0 ? options_.rate_limit : limits_.requests_per_minute,
               options_.window),
      faults_(options_.fault_seed, options_.fault_rate) {
  history_years_ = limits_.history_years;
  if (options_.years > 0) {
    history_years_ = history_years_ > 0 ? std::min(history_years_, options_.years) : options_.years;
  }
}

Response Responder::Respond(const Request& request, Clock::time_point now) {
  const std::optional<std::string_view> key = request.Param("apikey");
  if (!key || key->empty() || (!options_.api_key.empty() && *key != options_.api_key)) {
    return Error(401, kInvalidKeyMessage);
  }
  const Endpoint* endpoint = FindEndpoint(request.path);
  if (endpoint == nullptr) return Error(404, "Not Found");
  const std::optional<Clock::time_point> admitted = limiter_.TryAdmit(now);
  if (!admitted) return Error(429, kLimitReachMessage);

  Response response;
  if (!Allowed(endpoint->gate, limits_)) {
    response = Error(402, kRestrictedEndpointMessage);
  } else {
    response = Serve(*endpoint, request, market_, history_years_);
    // Faults hit answers that would have been delivered, so that plan probes and parameter
    // errors stay deterministic and a retried request can only succeed or fail again.
    if (response.status == 200) {
      ApplyFault(faults_.Next(CanonicalKey(request)), options_.stall, response);
    }
  }
  response.counted = true;
  response.at = *admitted;
  return response;
}

std::string RequestLogLine(const Request& request, const Response& response,
                           Clock::time_point start, Clock::time_point now) {
  const Clock::time_point at = response.counted ? response.at : now;
  const double ms = std::chrono::duration<double, std::milli>(at - start).count();
  std::string line = fmt::format("{{\"t_ms\":{:.3f},\"path\":", ms);
  table::AppendJsonString(line, request.path);
  // An allow-list: whatever else a client sends (the key above all) stays out of the log.
  for (const std::string_view name : {"symbol", "date", "from", "to", "part", "page", "limit"}) {
    if (const std::optional<std::string_view> value = request.Param(name)) {
      line += ',';
      table::AppendJsonString(line, name);
      line += ':';
      table::AppendJsonString(line, *value);
    }
  }
  line += fmt::format(",\"status\":{},\"counted\":{},\"fault\":", response.status,
                      response.counted ? "true" : "false");
  if (response.fault == FaultKind::kNone) {
    line += "null";
  } else {
    table::AppendJsonString(line, FaultName(response.fault));
  }
  line += '}';
  return line;
}

}  // namespace tickerflow::sources::fmp_sim
