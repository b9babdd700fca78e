#include "cli/fmp_sim_command.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <thread>

#include "cli/termination_signals.h"
#include "common/csv.h"
#include "common/date.h"
#include "common/log.h"
#include "sources/fmp_sim/market_view.h"
#include "sources/fmp_sim/responder.h"
#include "sources/fmp_sim/server.h"

namespace tickerflow::cli {
namespace {

namespace fmp_sim = sources::fmp_sim;

Date TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return Date::FromCivil(utc.tm_year + 1900, static_cast<unsigned>(utc.tm_mon + 1),
                         static_cast<unsigned>(utc.tm_mday));
}

// A --rate-limit value, "600/min" or "600": requests per window.
Result<int64_t> ParseRateLimit(const std::string& text) {
  std::string_view number = text;
  if (number.ends_with("/min")) number.remove_suffix(4);
  Result<int64_t> value = ParseInt64(number);
  if (!value.ok() || *value < 1 || *value > 1'000'000) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("--rate-limit '{}': expected N/min with N from 1 to "
                                     "1000000, e.g. 300/min",
                                     text));
  }
  return *value;
}

}  // namespace

Status RunFmpSimCommand(const FmpSimCommandOptions& options, std::ostream& out) {
  TF_ASSIGN_OR_RETURN(fmp_sim::Plan plan, fmp_sim::ParsePlan(options.plan));
  Date as_of = TodayUtc();
  if (!options.as_of.empty()) {
    TF_ASSIGN_OR_RETURN(as_of, Date::Parse(options.as_of));
  }
  fmp_sim::ResponderOptions responder_options;
  responder_options.plan = plan;
  if (!options.rate_limit.empty()) {
    TF_ASSIGN_OR_RETURN(const int64_t limit, ParseRateLimit(options.rate_limit));
    responder_options.rate_limit = static_cast<size_t>(limit);
  }
  if (!(options.window_seconds > 0) || !(options.stall_seconds >= 0) ||
      !(options.fault_rate >= 0 && options.fault_rate <= 1)) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "--window-seconds must be > 0, --stall-seconds >= 0 and --fault-rate "
                         "from 0 to 1");
  }
  responder_options.window = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(options.window_seconds));
  responder_options.api_key = options.api_key;
  responder_options.years = options.years;
  responder_options.fault_seed = options.seed;
  responder_options.fault_rate = options.fault_rate;
  responder_options.stall = std::chrono::milliseconds(std::llround(options.stall_seconds * 1000));

  // The same market as `tickerflow run --source simulated` with these flags.
  sources::SimulatedOptions market;
  market.seed = options.seed;
  market.universe = options.universe;
  market.revise_last = options.revise_last;
  market.as_of = as_of;
  TF_ASSIGN_OR_RETURN(
      std::unique_ptr<fmp_sim::MarketView> view,
      fmp_sim::MarketView::Create(market, static_cast<size_t>(options.profile_part_rows)));
  fmp_sim::Responder responder(*view, responder_options);

  // Before the server's threads exist, so that they inherit the blocked mask.
  const TerminationSignals signals;
  fmp_sim::HttpServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.request_log = options.request_log;
  TF_ASSIGN_OR_RETURN(std::unique_ptr<fmp_sim::HttpServer> server,
                      fmp_sim::HttpServer::Bind(responder, server_options));
  TF_LOG_INFO("fmp-sim: {} symbols as of {}, plan {}, {} requests per {} s, fault rate {}",
              options.universe, as_of.ToString(), fmp_sim::PlanName(plan), responder.rate_limit(),
              options.window_seconds, options.fault_rate);
  out << fmt::format("listening on http://{}:{}\n", options.host, server->port()) << std::flush;

  return ServeUntilSignalled(
      signals, "fmp-sim", "stopping", [&] { return server->Serve(); }, [&] { server->Stop(); },
      /*always_stop=*/true);
}

}  // namespace tickerflow::cli
