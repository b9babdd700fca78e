#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include "cli/calendar_command.h"
#include "cli/fmp_sim_command.h"
#include "cli/indicators_command.h"
#include "cli/query_command.h"
#include "cli/run_command.h"
#include "cli/schedule_command.h"
#include "cli/serve_command.h"
#include "common/date.h"
#include "common/log.h"
#include "common/status.h"
#include "market/calendar.h"
#include "net/rate_limiter.h"
#include "storage/open_store.h"

namespace tickerflow::cli {
namespace {

constexpr std::string_view kProgram = "tickerflow";

// Accepts a YYYY-MM-DD date; the message says what is wrong with any other text.
CLI::Validator DateValidator() {
  return CLI::Validator(
      [](const std::string& text) {
        Result<Date> date = Date::Parse(text);
        return date.ok() ? std::string() : date.status().message();
      },
      "DATE");
}

// glibc hands blocks of 128 KB and more back to the kernel as soon as they are freed, and trims
// each thread's heap as it shrinks. A daily update allocates and frees the same few MB per file
// 9,000 times (DuckDB's write buffers, the indicator columns), so every file paid page faults
// and TLB shootdowns again: about a sixth of process_files' system time. Keeping up to 64 MB
// blocks and 256 MB of free heap costs nothing when the memory is reused, and the run stays
// far below its 2 GB budget (docs/performance.md).
void KeepFreedMemory() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// The flags of every command that takes --data: how to reach an S3 store.
void AddStoreOptions(CLI::App& command, storage::OpenStoreOptions& options) {
  command
      .add_option("--s3-endpoint", options.s3_endpoint,
                  "S3: an S3-compatible server, http(s)://HOST[:PORT], addressed path-style "
                  "(default: $AWS_ENDPOINT_URL_S3, else $AWS_ENDPOINT_URL, else AWS)")
      ->type_name("URL");
  command
      .add_option("--cache-dir", options.cache_dir,
                  "S3: the local cache of downloaded and uploaded objects (default: "
                  "$XDG_CACHE_HOME/tickerflow, else ~/.cache/tickerflow)")
      ->type_name("DIR");
}

// CLI11's own failure text, with the command that failed in front and the usage of that
// (sub)command after it, so that a mistyped flag shows at once what the right ones are.
std::string UsageFailure(const CLI::App* app, const CLI::Error& error) {
  std::string command = app->get_name();
  for (const CLI::App* subcommand : app->get_subcommands()) {
    command = fmt::format("{} {}", command, subcommand->get_name());
  }
  return fmt::format("{}: error: {}\n\n{}", command, error.what(), app->help());
}

// Prints a failed command's message; the exit status of its outcome.
int Report(std::string_view command, const Status& status) {
  if (status.ok()) return kExitOk;
  std::cerr << fmt::format("{} {}: error: {}\n", kProgram, command, status.message());
  return kExitFailure;
}

int Run(int argc, const char* const* argv) {
  CLI::App app("Keeps the daily prices of US stocks, with technical indicators, up to date.",
               std::string(kProgram));
  app.set_version_flag("--version", fmt::format("{} {}", kProgram, TICKERFLOW_VERSION),
                       "Print the version and exit");
  app.require_subcommand(/*value=*/1);
  app.failure_message(UsageFailure);

  std::string log_level = "info";
  app.add_option("--log-level", log_level, "How much to log on standard error")
      ->check(CLI::IsMember({"debug", "info", "warning", "error", "off"}))
      ->capture_default_str();

  // Only subcommands that work are registered, so that --help never offers a stub.
  IndicatorsOptions indicators;
  CLI::App* indicators_command = app.add_subcommand(
      "indicators", "Add the 30 technical-indicator columns to a CSV file of daily bars");
  indicators_command
      ->add_option("--in", indicators.input_path,
                   "CSV with a header naming at least date,open,high,low,close,volume (any "
                   "order; other columns are kept); dates YYYY-MM-DD, strictly ascending")
      ->required()
      ->type_name("PATH");
  indicators_command
      ->add_option("--out", indicators.output_path,
                   "Where to write the input columns followed by the indicator columns, '-' for "
                   "standard output; replaced atomically, and left alone when the input is bad")
      ->required()
      ->type_name("PATH");

  RunCommandOptions run;
  CLI::App* run_command = app.add_subcommand(
      "run", "Bring every symbol's daily file up to date, load fundamentals, rebuild the screener");
  run_command
      ->add_option("--source", run.source,
                   "Where the data comes from: the built-in simulated market, or Financial "
                   "Modeling Prep (key in the FMP_API_KEY environment variable)")
      ->check(CLI::IsMember({"simulated", "fmp"}))
      ->capture_default_str();
  run_command
      ->add_option("--fmp-plan", run.fmp_plan,
                   "FMP: your plan, which sets the rate limit (300, 750 or 3,000 requests/min)")
      ->check(CLI::IsMember({"starter", "premium", "ultimate"}))
      ->capture_default_str();
  run_command
      ->add_option("--rate-limit", run.rate_limit,
                   "FMP: requests per minute, e.g. 600/min (overrides --fmp-plan's rate)")
      ->type_name("N/min")
      ->check(CLI::Validator(
          [](const std::string& text) {
            Result<int> rate = net::ParseRateLimit(text);
            return rate.ok() ? std::string() : rate.status().message();
          },
          "N/min"));
  run_command->add_option("--fmp-base-url", run.fmp_base_url, "FMP: scheme and host of the API")
      ->type_name("URL")
      ->capture_default_str();
  run_command
      ->add_option("--symbols", run.symbols,
                   "FMP: cover these symbols (A,B,C) instead of every listed US stock")
      ->delimiter(',')
      ->type_name("A,B,C");
  run_command
      ->add_option("--symbols-file", run.symbols_file,
                   "FMP: a file of symbols to cover (one per line or comma-separated; # comments)")
      ->type_name("PATH");
  run_command
      ->add_option("--fundamentals-budget", run.fundamentals_budget,
                   "FMP: the share of a day's quota that per-symbol fundamentals may use when the "
                   "plan has no bulk files (0 to 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  run_command
      ->add_option("--http-timeout", run.http_timeout,
                   "FMP: seconds a request may take, or stall, before it is retried (bulk "
                   "files get 10 minutes)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  run_command
      ->add_option("--config", run.config_path,
                   "FMP: configuration file with [fmp] api_key = \"...\" when FMP_API_KEY is not "
                   "set (default: $TICKERFLOW_CONFIG, else ~/.config/tickerflow/config.toml if it "
                   "exists)")
      ->type_name("PATH");
  run_command->add_flag("--etfs", run.etfs, "FMP: include ETFs in the universe");
  run_command->add_flag("--adjusted", run.adjusted,
                        "FMP: also fetch dividend-adjusted closes (adj_close; one more request "
                        "per symbol)");
  run_command
      ->add_option("--data", run.data_dir,
                   "Where the data lives: a directory (created if missing) or s3://BUCKET[/PREFIX]")
      ->type_name("DIR|S3URL")
      ->capture_default_str();
  AddStoreOptions(*run_command, run.store);
  run_command
      ->add_option("--as-of", run.as_of,
                   "The date to bring the data up to, YYYY-MM-DD (default: the latest session "
                   "whose close has passed, New York time)")
      ->type_name("DATE")
      ->check(DateValidator());
  run_command->add_flag("--gaps", run.list_gaps,
                        "List the symbols whose history misses sessions, with the dates (the "
                        "summary counts them always)");
  run_command
      ->add_option("--years", run.years, "Years of history for a symbol that has no file yet")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  run_command
      ->add_option("--workers", run.workers, "Threads that process files (default: one per core)")
      ->check(CLI::Range(1, 256));
  run_command->add_option("--universe", run.universe, "Simulated market: number of symbols")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  run_command->add_option("--seed", run.seed, "Simulated market: random seed")
      ->capture_default_str();
  run_command
      ->add_option("--revise-last", run.revise_last,
                   "Simulated market: the vendor revises the bars of the last N sessions")
      ->check(CLI::Range(0, 250))
      ->capture_default_str();

  QueryOptions query;
  CLI::App* query_command = app.add_subcommand(
      "query",
      "Run SQL over a data directory: views daily, screener, universe, profiles, "
      "ratios_ttm, key_metrics_ttm, scores, ratings, dcf");
  query_command
      ->add_option("--data", query.data_dir,
                   "Where the data lives: a directory or s3://BUCKET[/PREFIX]")
      ->type_name("DIR|S3URL")
      ->capture_default_str();
  AddStoreOptions(*query_command, query.store);
  query_command->add_option("--format", query.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  query_command->add_option("sql", query.sql, "The SQL statement")->required();

  ServeOptions serve;
  CLI::App* serve_command = app.add_subcommand(
      "serve",
      "Serve the screener page, ticker charts and the JSON API (docs/api.md) for a data "
      "location, until SIGTERM or Ctrl-C");
  serve_command
      ->add_option("--data", serve.data_dir,
                   "Where the data lives: a directory or s3://BUCKET[/PREFIX]")
      ->type_name("DIR|S3URL")
      ->capture_default_str();
  AddStoreOptions(*serve_command, serve.store);
  serve_command
      ->add_option("--host", serve.host,
                   "The address to listen on (127.0.0.1: this machine only; 0.0.0.0: every "
                   "network)")
      ->capture_default_str();
  serve_command->add_option("--port", serve.port, "The port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve_command
      ->add_option("--web-root", serve.web_root,
                   "The page's files (default: web/ found beside the program)")
      ->type_name("DIR");
  serve_command
      ->add_option("--threads", serve.threads,
                   "Threads that compute answers (queries, charts); connections cost none")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve_command
      ->add_option("--client-timeout", serve.client_timeout_seconds,
                   "Seconds a client may send or read nothing before it is disconnected")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_command
      ->add_option("--refresh", serve.refresh_seconds,
                   "Seconds between looks for a new screener (default: 1 for a directory, 15 "
                   "for S3)")
      ->check(CLI::Range(0.05, 86400.0))
      ->type_name("SECONDS");

  FmpSimCommandOptions fmp_sim;
  CLI::App* fmp_sim_command = app.add_subcommand(
      "fmp-sim",
      "Serve the simulated market through Financial Modeling Prep's stable API on a local "
      "port (for testing the FMP client); stops on SIGTERM or SIGINT");
  fmp_sim_command->add_option("--host", fmp_sim.host, "The address to listen on")
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--port", fmp_sim.port,
                   "The port; 0 picks a free one. The first line of output is "
                   "'listening on http://HOST:PORT'")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  fmp_sim_command->add_option("--universe", fmp_sim.universe, "Number of symbols")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--years", fmp_sim.years,
                   "Years of history the vendor has before --as-of; 0: all of it")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  fmp_sim_command->add_option("--seed", fmp_sim.seed, "Random seed (market and faults)")
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--as-of", fmp_sim.as_of,
                   "The vendor's today, YYYY-MM-DD (default: today, UTC); its last session is "
                   "the latest trading day on or before it")
      ->type_name("DATE")
      ->check(DateValidator());
  fmp_sim_command
      ->add_option("--revise-last", fmp_sim.revise_last,
                   "The vendor revises the bars of the last N sessions")
      ->check(CLI::Range(0, 250))
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--plan", fmp_sim.plan,
                   "Subscription plan: starter (300/min, 5 years, no bulk), premium (750/min, "
                   "30 years, bulk except eod-bulk), ultimate (3,000/min, everything)")
      ->check(CLI::IsMember({"starter", "premium", "ultimate"}))
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--rate-limit", fmp_sim.rate_limit,
                   "Requests per window, N/min (default: the plan's)")
      ->type_name("N/min");
  fmp_sim_command
      ->add_option("--window-seconds", fmp_sim.window_seconds,
                   "Length of the sliding rate-limit window")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--fault-rate", fmp_sim.fault_rate,
                   "Share of requests that fail: 500, stall, truncated body, malformed body, "
                   "200 with an error body (equally likely)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  fmp_sim_command
      ->add_option("--stall-seconds", fmp_sim.stall_seconds,
                   "How long a stalled response waits (longer than the client's timeout)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  fmp_sim_command->add_option(
      "--api-key", fmp_sim.api_key,
      "The key requests must carry in ?apikey= (default: any non-empty key)");
  fmp_sim_command
      ->add_option("--request-log", fmp_sim.request_log,
                   "Append one JSON line per request (time, path, parameters, status, fault; "
                   "never the key)")
      ->type_name("FILE");
  fmp_sim_command
      ->add_option("--profile-part-rows", fmp_sim.profile_part_rows, "Rows per profile-bulk part")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();

  ScheduleCommandOptions schedule;
  CLI::App* schedule_command = app.add_subcommand(
      "schedule",
      "Run `tickerflow run <run arguments> --as-of <session>` after every NYSE session: a "
      "foreground service (SIGTERM/SIGINT stop it), or --once from cron or a systemd timer");
  schedule_command->add_option("--at", schedule.at, "Local time of each run, HH:MM, in --tz")
      ->capture_default_str();
  schedule_command->add_option("--tz", schedule.time_zone, "IANA time zone of --at")
      ->capture_default_str();
  schedule_command->add_flag("--follow-early-closes", schedule.follow_early_closes,
                             "Run as much earlier as a session closes early");
  schedule_command->add_flag("--once", schedule.once,
                             "Run the due run, if any, and exit (for cron and timers)");
  schedule_command->add_flag("--print-systemd", schedule.print_systemd,
                             "Print a systemd service and timer that call --once, and exit");
  schedule_command->add_flag("--print-cron", schedule.print_cron,
                             "Print a crontab line that calls --once, and exit");
  schedule_command
      ->add_option("--state-dir", schedule.state_dir,
                   "Where the lock and the last finished session are kept (default: "
                   "$XDG_STATE_HOME/tickerflow, else ~/.local/state/tickerflow)")
      ->type_name("DIR");
  schedule_command->add_option("run_args", schedule.run_args,
                               "Arguments of `tickerflow run`, after --");

  CalendarOptions calendar;
  CLI::App* calendar_command = app.add_subcommand(
      "calendar",
      "The NYSE calendar: sessions, holidays, early closes, the next session and daily run "
      "(times in America/New_York)");
  calendar_command->require_subcommand(/*value=*/1);
  const auto add_config_option = [&calendar](CLI::App& command) {
    command
        .add_option("--config", calendar.config_path,
                    "Configuration file whose [calendar] closures_file = \"...\" lists closures "
                    "announced after this release (default: $TICKERFLOW_CONFIG, else "
                    "~/.config/tickerflow/config.toml if it exists; without that key, "
                    "~/.config/tickerflow/closures.txt if it exists)")
        ->type_name("PATH");
  };
  for (const auto& [name, description] :
       {std::pair{"sessions", "Print each session: date, open and close (HH:MM, New York)"},
        std::pair{"holidays", "Print each weekday without a session and the holiday's name"},
        std::pair{"early-closes", "Print each session that closes early and its close (HH:MM)"}}) {
    CLI::App* action = calendar_command->add_subcommand(name, description);
    action->add_option("--from", calendar.from, "First date, YYYY-MM-DD")
        ->required()
        ->type_name("DATE")
        ->check(DateValidator());
    action->add_option("--to", calendar.to, "Last date, YYYY-MM-DD (included)")
        ->required()
        ->type_name("DATE")
        ->check(DateValidator());
    add_config_option(*action);
  }
  CLI::App* calendar_next = calendar_command->add_subcommand(
      "next",
      "Print the next session (the one in progress, or the next to open) and the next "
      "scheduled daily run");
  calendar_next
      ->add_option("--run-time", calendar.run_time,
                   "The daily run's time on each session's date, HH:MM New York time")
      ->type_name("HH:MM")
      ->check(CLI::Validator(
          [](const std::string& text) {
            Result<std::chrono::minutes> time = market::ParseTimeOfDay(text);
            return time.ok() ? std::string() : time.status().message();
          },
          "HH:MM"))
      ->capture_default_str();
  add_config_option(*calendar_next);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 uses its own exit codes for the different parse errors; to a caller they all mean
    // "the command line is wrong", except --help and --version, which succeed.
    const int code = app.exit(error, std::cout, std::cerr);
    return code == 0 ? kExitOk : kExitUsage;
  }

  Result<LogLevel> level = ParseLogLevel(log_level);
  if (!level.ok()) {  // IsMember above accepts only what ParseLogLevel does.
    std::cerr << fmt::format("{}: error: {}\n", kProgram, level.status().message());
    return kExitUsage;
  }
  InitLogging(*level);

  if (indicators_command->parsed()) {
    return Report("indicators", RunIndicatorsCommand(indicators, std::cout));
  }
  if (run_command->parsed()) {
    return Report("run", RunRunCommand(run, std::cout, ::isatty(STDERR_FILENO) == 1));
  }
  if (query_command->parsed()) return Report("query", RunQueryCommand(query, std::cout));
  if (serve_command->parsed()) return Report("serve", RunServeCommand(serve, std::cout));
  if (fmp_sim_command->parsed()) return Report("fmp-sim", RunFmpSimCommand(fmp_sim, std::cout));
  if (schedule_command->parsed())
    return Report("schedule", RunScheduleCommand(schedule, std::cout));
  if (calendar_command->parsed()) {
    calendar.action = calendar_command->get_subcommands().front()->get_name();
    return Report("calendar", RunCalendarCommand(calendar, std::cout));
  }
  // require_subcommand(1) makes this unreachable; say so rather than succeed silently.
  std::cerr << fmt::format("{}: error: no command was run\n", kProgram);
  return kExitFailure;
}

}  // namespace

int Main(int argc, const char* const* argv) {
  KeepFreedMemory();
  // The top of the program: whatever escapes is reported, never swallowed, and fails the run.
  try {
    return Run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << fmt::format("{}: error: {}\n", kProgram, error.what());
  } catch (...) {
    std::cerr << fmt::format("{}: error: unknown exception\n", kProgram);
  }
  return kExitFailure;
}

}  // namespace tickerflow::cli
