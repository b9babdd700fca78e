// `tickerflow fmp-sim`: serves the simulated market through Financial Modeling Prep's stable
// API on a loopback port, for the FMP client's tests and benchmark (sources/fmp_sim/).
//
//   FmpSimCommandOptions options;
//   options.universe = 200;
//   options.plan = "starter";
//   Status status = RunFmpSimCommand(options, std::cout);  // until SIGTERM or SIGINT
//
// The first line on `out` is "listening on http://HOST:PORT", flushed, once the server
// accepts connections; tests read it to learn the port chosen by --port 0.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "common/status.h"

namespace tickerflow::cli {

/// The flags of `tickerflow fmp-sim`.
struct FmpSimCommandOptions {
  std::string host = "127.0.0.1";
  int port = 0;         ///< 0: a free port.
  int universe = 1000;  ///< Simulated market: how many symbols.
  int years = 0;        ///< The vendor's history in years before as-of; 0: all of it.
  uint64_t seed = 1;    ///< Simulated market (and fault draws): the random seed.
  std::string as_of;    ///< YYYY-MM-DD; empty: today (UTC).
  int revise_last = 0;  ///< Simulated market: sessions the vendor revises.
  std::string plan = "ultimate";
  std::string rate_limit;  ///< "N/min" or "N"; empty: the plan's rate.
  double window_seconds = 60;
  double fault_rate = 0;
  double stall_seconds = 30;
  std::string api_key;  ///< Empty: any non-empty key is accepted.
  std::string request_log;
  int profile_part_rows = 2000;
};

/// Serves until SIGTERM or SIGINT, then returns OK. kInvalidArgument for a bad option,
/// kUnavailable when the port cannot be bound.
Status RunFmpSimCommand(const FmpSimCommandOptions& options, std::ostream& out);

}  // namespace tickerflow::cli
