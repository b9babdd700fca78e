#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/indicators_command.h"
#include "cli/query_command.h"
#include "cli/run_command.h"
#include "common/date.h"
#include "common/log.h"
#include "common/status.h"

namespace tickerflow::cli {
namespace {

constexpr std::string_view kProgram = "tickerflow";

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
                   "Where the data comes from: the built-in simulated market")
      ->check(CLI::IsMember({"simulated"}))
      ->capture_default_str();
  run_command->add_option("--data", run.data_dir, "The data directory (created if missing)")
      ->type_name("DIR")
      ->capture_default_str();
  run_command
      ->add_option("--as-of", run.as_of,
                   "The date to bring the data up to, YYYY-MM-DD (default: today, UTC)")
      ->type_name("DATE")
      ->check(CLI::Validator(
          [](const std::string& text) {
            Result<Date> date = Date::Parse(text);
            return date.ok() ? std::string() : date.status().message();
          },
          "DATE"));
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
  query_command->add_option("--data", query.data_dir, "The data directory")
      ->type_name("DIR")
      ->capture_default_str();
  query_command->add_option("--format", query.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  query_command->add_option("sql", query.sql, "The SQL statement")->required();

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
  // require_subcommand(1) makes this unreachable; say so rather than succeed silently.
  std::cerr << fmt::format("{}: error: no command was run\n", kProgram);
  return kExitFailure;
}

}  // namespace

int Main(int argc, const char* const* argv) {
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
