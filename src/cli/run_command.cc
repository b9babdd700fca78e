#include "cli/run_command.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/progress_bar.h"
#include "common/log.h"
#include "pipeline/pipeline.h"
#include "sources/simulated/simulated_source.h"
#include "storage/local_store.h"
#include "table/database.h"

namespace tickerflow::cli {
namespace {

// DuckDB's memory limit for a run: the steps' queries stay inside it, so a 9,000-symbol run
// keeps to its 2 GB budget (docs/performance.md) with room for the workers' tables.
constexpr std::string_view kDuckDbMemoryLimit = "1GB";

Date TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return Date::FromCivil(utc.tm_year + 1900, static_cast<unsigned>(utc.tm_mon + 1),
                         static_cast<unsigned>(utc.tm_mday));
}

std::string Thousands(int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string grouped = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

int64_t Count(const pipeline::Json& json, std::string_view key) {
  const auto found = json.find(key);
  return found != json.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
}

// What a step did, in a few words, from its output in the summary.
std::string Describe(const pipeline::Json& step) {
  if (!step.contains("output")) return step.value("error", "");
  const pipeline::Json& out = step["output"];
  const std::string name = step.value("name", "");
  if (name == "list_files") {
    const pipeline::Json& counts = out["counts"];
    return fmt::format("{} symbols, {} stored files, {} new, {} to update",
                       Thousands(Count(counts, "universe")),
                       Thousands(Count(counts, "stored_files")),
                       Thousands(Count(counts, "new_symbols")), Thousands(Count(counts, "tasks")));
  }
  if (name == "process_files") {
    return fmt::format("{} files written, {} unchanged, {} rows added, {} revised{}",
                       Thousands(Count(out, "updated")), Thousands(Count(out, "unchanged")),
                       Thousands(Count(out, "rows_added")), Thousands(Count(out, "rows_revised")),
                       out.value("bulk", false) ? " (bulk requests)" : "");
  }
  if (name == "fetch_fundamentals") {
    return fmt::format("{} datasets", out["datasets"].size());
  }
  if (name == "scan_latest") return fmt::format("{} last rows", Thousands(Count(out, "rows")));
  if (name == "merge_screener") {
    return fmt::format("{} screener rows, {} stale", Thousands(Count(out, "rows")),
                       Thousands(Count(out, "stale")));
  }
  return {};
}

void PrintSummary(const pipeline::Json& summary, std::ostream& out) {
  out << fmt::format("run {} {} in {:.1f} s (source {}, data {}, as of {})\n",
                     summary.value("run_id", ""), summary.value("status", ""),
                     summary.value("seconds", 0.0), summary.value("source", ""),
                     summary.value("data", ""), summary.value("as_of", ""));
  for (const pipeline::Json& step : summary["steps"]) {
    out << fmt::format("  {:<20}{:>8.1f} s  {}{}\n", step.value("name", ""),
                       step.value("seconds", 0.0),
                       step.value("status", "") == "failed" ? "FAILED: " : "", Describe(step));
  }
  const pipeline::Json& failures = summary["failures"];
  if (!failures.empty()) {
    out << fmt::format("failures ({}); each is retried by the next run:\n", failures.size());
    for (const pipeline::Json& failure : failures) {
      out << fmt::format("  {:<8} {:<18} {:<14} {}\n", failure.value("symbol", ""),
                         failure.value("step", ""), failure.value("code", ""),
                         failure.value("reason", ""));
    }
  }
  out << fmt::format("summary: {}/_runs/{}.json\n", summary.value("data", ""),
                     summary.value("run_id", ""));
}

}  // namespace

Status RunRunCommand(const RunCommandOptions& options, std::ostream& out, bool terminal) {
  if (options.source != "simulated") {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("--source {}: only 'simulated' is available", options.source));
  }
  Date as_of = TodayUtc();
  if (!options.as_of.empty()) {
    TF_ASSIGN_OR_RETURN(as_of, Date::Parse(options.as_of));
  }
  sources::SimulatedOptions market;
  market.seed = options.seed;
  market.universe = options.universe;
  market.revise_last = options.revise_last;
  market.as_of = as_of;
  TF_ASSIGN_OR_RETURN(std::unique_ptr<sources::SimulatedSource> source,
                      sources::SimulatedSource::Create(market));
  TF_ASSIGN_OR_RETURN(std::unique_ptr<storage::LocalStore> store,
                      storage::LocalStore::Open(options.data_dir));

  const int workers = options.workers > 0
                          ? options.workers
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  table::DatabaseOptions database_options;
  database_options.threads = workers;
  database_options.memory_limit = std::string(kDuckDbMemoryLimit);
  TF_ASSIGN_OR_RETURN(table::Database database, table::Database::Open(database_options));

  ProgressBarOptions bar_options;
  bar_options.interactive = terminal;
  bar_options.out = &std::cerr;
  ProgressBar progress(std::move(bar_options));
  // Log lines go above the progress line rather than through it.
  RedirectLogOutput([&progress](std::string_view line) { progress.PrintAbove(line); });
  pipeline::PipelineContext context{.source = *source,
                                    .store = *store,
                                    .database = database,
                                    .progress = progress,
                                    .workers = workers};
  pipeline::RunOptions run_options{.as_of = as_of, .years = options.years, .run_id = {}};
  Result<pipeline::RunSummary> summary = pipeline::RunPipeline(context, run_options);
  RestoreLogOutput();
  if (!summary.ok()) return summary.status();
  PrintSummary(summary->json, out);
  return Status::Ok();
}

}  // namespace tickerflow::cli
