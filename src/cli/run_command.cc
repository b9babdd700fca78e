#include "cli/run_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/calendar_command.h"
#include "cli/progress_bar.h"
#include "common/config.h"
#include "common/log.h"
#include "market/calendar.h"
#include "net/http_client.h"
#include "net/rate_limiter.h"
#include "pipeline/pipeline.h"
#include "sources/fmp/fmp_source.h"
#include "sources/simulated/simulated_source.h"
#include "storage/open_store.h"
#include "table/database.h"

namespace tickerflow::cli {
namespace {

// DuckDB's memory limit for a run: the steps' queries stay inside it, so a 9,000-symbol run
// keeps to its 2 GB budget (docs/performance.md) with room for the workers' tables.
constexpr std::string_view kDuckDbMemoryLimit = "1GB";

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
    const int64_t no_data = Count(out, "no_data");
    const int64_t gap_symbols = out.contains("gaps") ? Count(out["gaps"], "symbols") : 0;
    return fmt::format("{} files written, {} unchanged, {} rows added, {} revised{}{}{}",
                       Thousands(Count(out, "updated")), Thousands(Count(out, "unchanged")),
                       Thousands(Count(out, "rows_added")), Thousands(Count(out, "rows_revised")),
                       no_data > 0 ? fmt::format(", {} without data", Thousands(no_data)) : "",
                       gap_symbols > 0 ? fmt::format(", {} sessions missing in {} histories",
                                                     Thousands(Count(out["gaps"], "sessions")),
                                                     Thousands(gap_symbols))
                                       : "",
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

// The sessions missing inside each history, from process_files' output (--gaps).
void PrintGaps(const pipeline::Json& summary, std::ostream& out) {
  for (const pipeline::Json& step : summary["steps"]) {
    if (step.value("name", "") != "process_files" || !step.contains("output")) continue;
    const pipeline::Json& listed = step["output"].value("gap_symbols", pipeline::Json::array());
    out << fmt::format("gaps: {} histories miss sessions between their first and last bar\n",
                       listed.size());
    for (const pipeline::Json& gap : listed) {
      std::string dates;
      for (const pipeline::Json& date : gap["dates"]) {
        if (!dates.empty()) dates += ' ';
        dates += date.get<std::string>();
      }
      const int64_t missing = Count(gap, "missing");
      if (missing > static_cast<int64_t>(gap["dates"].size())) dates += " ...";
      out << fmt::format("  {:<8} {:>5}  {}\n", gap.value("symbol", ""), missing, dates);
    }
  }
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

// The symbols of --symbols and --symbols-file: separated by commas, spaces or new lines; '#'
// starts a comment.
Result<std::vector<std::string>> ReadSymbols(const RunCommandOptions& options) {
  std::string text;
  for (const std::string& symbol : options.symbols) text += symbol + "\n";
  if (!options.symbols_file.empty()) {
    std::ifstream file(options.symbols_file);
    if (!file) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("--symbols-file {}: cannot open the file; check the path",
                                       options.symbols_file));
    }
    std::string line;
    while (std::getline(file, line)) text += line.substr(0, line.find('#')) + "\n";
  }
  for (char& c : text) {
    if (c == ',' || c == '\r' || c == '\t') c = ' ';
  }
  std::vector<std::string> symbols;
  std::istringstream words(text);
  for (std::string word; words >> word;) symbols.push_back(word);
  return symbols;
}

// The FMP key: FMP_API_KEY, else [fmp] api_key of the configuration file (--config, or the
// default path when that file exists).
Result<std::string> FmpApiKey(const RunCommandOptions& options) {
  if (const char* key = std::getenv("FMP_API_KEY"); key != nullptr && *key != '\0') {
    return std::string(key);
  }
  const std::filesystem::path path = options.config_path.empty()
                                         ? DefaultConfigPath()
                                         : std::filesystem::path(options.config_path);
  if (!path.empty()) {
    Result<Config> config = LoadConfig(path);
    if (!config.ok() &&
        (config.status().code() != ErrorCode::kNotFound || !options.config_path.empty())) {
      return config.status();
    }
    if (config.ok() && config->fmp_api_key.has_value()) {
      if (config->readable_by_others) {
        TF_LOG_WARN("{} holds your FMP key and other users can read it: chmod 600 {}",
                    path.string(), path.string());
      }
      return *config->fmp_api_key;
    }
  }
  return Status::Error(
      ErrorCode::kInvalidArgument,
      fmt::format("--source fmp needs an API key: set the FMP_API_KEY "
                  "environment variable (export FMP_API_KEY=...), or put it in "
                  "{} as [fmp] api_key = \"...\"; keys are on "
                  "https://site.financialmodelingprep.com/developer/docs/"
                  "dashboard",
                  path.empty() ? "a configuration file (--config)" : path.string()));
}

// The FMP source for --source fmp: key from FMP_API_KEY, quota from --fmp-plan or
// --rate-limit, malformed bodies saved under _quarantine/ in the data directory.
Result<std::unique_ptr<sources::FmpSource>> MakeFmpSource(const RunCommandOptions& options,
                                                          storage::ObjectStore& store) {
  sources::FmpOptions fmp;
  TF_ASSIGN_OR_RETURN(fmp.api_key, FmpApiKey(options));
  fmp.base_url = options.fmp_base_url;
  TF_ASSIGN_OR_RETURN(sources::FmpPlan plan, sources::ParseFmpPlan(options.fmp_plan));
  fmp.requests_per_minute = sources::RequestsPerMinute(plan);
  if (!options.rate_limit.empty()) {
    TF_ASSIGN_OR_RETURN(fmp.requests_per_minute, net::ParseRateLimit(options.rate_limit));
  }
  TF_ASSIGN_OR_RETURN(fmp.symbols, ReadSymbols(options));
  fmp.fundamentals_budget = options.fundamentals_budget;
  fmp.include_etfs = options.etfs;
  fmp.adjusted = options.adjusted;
  fmp.quarantine = [&store](const std::string& name, std::string_view body) {
    const Status status = store.Put("_quarantine/" + name, body);
    if (!status.ok()) TF_LOG_WARN("could not save _quarantine/{}: {}", name, status.message());
  };
  net::HttpClientOptions http_options;
  http_options.total_timeout = std::chrono::seconds(options.http_timeout);
  // A stalled transfer is abandoned after the same time, or 30 s, whichever is shorter.
  http_options.low_speed_time =
      std::min(http_options.low_speed_time, std::chrono::seconds(options.http_timeout));
  TF_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> http, net::HttpClient::Create(http_options));
  return sources::FmpSource::Create(std::move(fmp), std::move(http));
}

}  // namespace

Status RunRunCommand(const RunCommandOptions& options, std::ostream& out, bool terminal) {
  if (options.source != "simulated" && options.source != "fmp") {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("--source {}: expected 'simulated' or 'fmp'", options.source));
  }
  // The closures file first: the default as-of date is the latest session that has closed.
  TF_RETURN_IF_ERROR(PrepareCalendar(options.config_path));
  Date as_of = market::LatestClosedSession(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!options.as_of.empty()) {
    TF_ASSIGN_OR_RETURN(as_of, Date::Parse(options.as_of));
  }
  TF_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> store,
                      storage::OpenStore(options.data_dir, options.store));
  std::unique_ptr<sources::Source> source;
  sources::FmpSource* fmp = nullptr;  // Set for --source fmp: its counters are printed.
  if (options.source == "fmp") {
    TF_ASSIGN_OR_RETURN(std::unique_ptr<sources::FmpSource> fmp_source,
                        MakeFmpSource(options, *store));
    fmp = fmp_source.get();
    source = std::move(fmp_source);
  } else {
    sources::SimulatedOptions market;
    market.seed = options.seed;
    market.universe = options.universe;
    market.revise_last = options.revise_last;
    market.as_of = as_of;
    TF_ASSIGN_OR_RETURN(source, sources::SimulatedSource::Create(market));
  }

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
  auto print_fmp_stats = [&] {
    if (fmp == nullptr) return;
    const pipeline::Json stats = fmp->Stats();
    out << fmt::format(
        "fmp: {} requests, {} retries, {} throttled (429), {} bytes, {} rows "
        "dropped, bars {}, fundamentals {}\n",
        Thousands(Count(stats, "requests")), Thousands(Count(stats, "retries")),
        Thousands(Count(stats, "throttled")), Thousands(Count(stats, "bytes")),
        Thousands(Count(stats, "dropped_rows")), stats.value("bars_strategy", ""),
        stats.value("fundamentals_strategy", ""));
  };
  if (!summary.ok()) {
    print_fmp_stats();  // What was spent before the run stopped.
    return summary.status();
  }
  PrintSummary(summary->json, out);
  if (options.list_gaps) PrintGaps(summary->json, out);
  print_fmp_stats();
  return Status::Ok();
}

}  // namespace tickerflow::cli
