// `tickerflow run`: the daily job. Brings every symbol's daily file up to date, loads the
// fundamentals and rebuilds the screener (design.md §1), under a data directory.
//
//   RunCommandOptions options;
//   options.data_dir = "data";
//   options.universe = 200;
//   Status status = RunRunCommand(options, std::cout, /*terminal=*/false);
//
// The outcome (what was updated, failures with reasons, time per step) is printed to `out`
// and stored in <data>/_runs/<run id>.json.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/open_store.h"

namespace tickerflow::cli {

/// The flags of `tickerflow run`.
struct RunCommandOptions {
  std::string source = "simulated";  ///< "simulated" or "fmp".
  std::string data_dir = "data";
  /// --s3-endpoint and --cache-dir, for an s3:// data_dir.
  storage::OpenStoreOptions store;
  int universe = 1000;  ///< Simulated market: how many symbols.
  int years = 10;       ///< History for a symbol without a file.
  uint64_t seed = 1;    ///< Simulated market: the random seed.
  std::string as_of;    ///< YYYY-MM-DD; empty: the latest session that has closed.
  int revise_last = 0;  ///< Simulated market: sessions the vendor revises.
  int workers = 0;      ///< process_files threads; 0: one per core.

  // --source fmp (the key comes from the FMP_API_KEY environment variable).
  std::string fmp_plan = "starter";  ///< starter, premium or ultimate: the rate limit.
  std::string rate_limit;            ///< "N/min", overriding the plan's rate; empty: the plan's.
  std::string fmp_base_url = "https://financialmodelingprep.com";
  std::vector<std::string> symbols;   ///< Cover these symbols instead of the listed universe.
  std::string symbols_file;           ///< A file of symbols (one per line or comma-separated).
  double fundamentals_budget = 0.02;  ///< Share of a day's quota for per-symbol fundamentals.
  int http_timeout = 120;  ///< Seconds an FMP request (not a bulk file) may take, or stall.
  /// The configuration file (common/config.h); empty: DefaultConfigPath(), if it exists.
  std::string config_path;
  bool etfs = false;       ///< Include ETFs in the universe.
  bool adjusted = false;   ///< Fetch dividend-adjusted closes (adj_close).
  bool list_gaps = false;  ///< Print the sessions missing inside each history (--gaps).
};

/// Runs the pipeline. kInvalidArgument for a bad option value, kFailedPrecondition when
/// another run holds the data directory, and whatever stopped the run otherwise.
Status RunRunCommand(const RunCommandOptions& options, std::ostream& out, bool terminal);

}  // namespace tickerflow::cli
