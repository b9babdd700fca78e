// The daily run: list_files → process_files → fetch_fundamentals → scan_latest →
// merge_screener (design.md §1). Each step is a function from JSON to JSON, the contract of a
// Step Functions state, so the same code can later run as Lambda handlers; RunPipeline chains
// them in-process, as `tickerflow run` does.
//
//   PipelineContext context{.source = *source, .store = *store, .database = database,
//                           .progress = progress};
//   RunOptions options{.as_of = Date::FromCivil(2025, 6, 2), .years = 10};
//   TF_ASSIGN_OR_RETURN(RunSummary summary, RunPipeline(context, options));
//   // summary.json is also stored as _runs/<run id>.json
//
// A step never stops for one bad symbol: it records the failure and goes on. It returns an
// error only for a run-wide problem (storage unreachable, invalid API key, quota spent), and
// then what is already written stays written: every file is replaced atomically, so a run that
// stops or is killed can be started again and ends with the same data as one that did not.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/date.h"
#include "common/status.h"
#include "pipeline/progress.h"
#include "sources/source.h"
#include "storage/object_store.h"
#include "table/database.h"

namespace tickerflow::pipeline {

using Json = nlohmann::ordered_json;

/// What the steps work with. The references outlive the steps.
struct PipelineContext {
  sources::Source& source;
  storage::ObjectStore& store;
  table::Database& database;
  ProgressSink& progress;
  /// Worker threads for process_files; 0 means one per core.
  int workers = 0;
};

/// How much history a symbol without a file gets, and up to which date.
struct RunOptions {
  Date as_of;
  int years = 10;
  /// Names _runs/<run_id>.json; empty: made from the start time and process id.
  std::string run_id;
};

/// The names of the steps, in order.
inline constexpr const char* kStepNames[] = {"list_files", "process_files", "fetch_fundamentals",
                                             "scan_latest", "merge_screener"};

/// list_files. Input: {"as_of": "YYYY-MM-DD", "years": N}. Writes universe.parquet and
/// returns {"as_of", "latest_session", "history_start", "tasks": [{"symbol", "stored", "from",
/// "to", "last_date"}], "counts": {...}, "failures": [...]}: one task per symbol with
/// something to fetch. `last_date` is the stored file's last date as the previous screener
/// recorded it (null when unknown), `from` three sessions before it or the history start;
/// both are hints that process_files corrects from the file itself. Symbols whose history is
/// complete (delisted on or before their last date) get no task.
Result<Json> ListFiles(PipelineContext& context, const Json& input);

/// process_files. Input: list_files' output. For every task: read the stored file, fetch the
/// bars from `from` to `to` (three sessions of overlap before the last stored date), merge
/// keeping the newest value per date, recompute the indicators, write the file. Returns
/// {"symbols", "updated", "unchanged", "rows_added", "rows_revised", "refetched", "bars_dropped",
/// "no_data", "no_data_symbols", "gaps": {"symbols", "sessions"}, "gap_symbols": [{"symbol",
/// "missing", "dates": [the first 20]}], "bulk", "failures": [{"symbol", "step", "code",
/// "reason"}]}. Gaps are sessions missing between a symbol's first and last bar; never fatal.
Result<Json> ProcessFiles(PipelineContext& context, const Json& input);

/// fetch_fundamentals. Input: {"as_of"}. Writes fundamentals/<dataset>.parquet for every
/// dataset the source has. Returns {"datasets": {"profiles": rows, ...}, "failures": [...]}.
Result<Json> FetchFundamentals(PipelineContext& context, const Json& input);

/// scan_latest. Input: {"run_id", "latest_session"}. Collects the last row of every daily file
/// with SQL and stores them as _runs/<run_id>.latest.parquet (removed by merge_screener).
/// Returns {"latest": key, "rows", "rows_from_footer", "failures"}.
Result<Json> ScanLatestStep(PipelineContext& context, const Json& input);

/// merge_screener. Input: {"latest": key, "latest_session"}. Joins the last rows with the
/// derived columns, the fundamentals and the labels, and writes screener/screener.parquet,
/// .csv and .json. Returns {"rows", "stale"}.
Result<Json> MergeScreenerStep(PipelineContext& context, const Json& input);

/// What a run did.
struct RunSummary {
  std::string run_id;
  bool succeeded = false;
  Json json;  ///< The whole summary, as stored in _runs/<run_id>.json.
};

/// Takes the data directory's lock, runs the five steps and stores the summary in
/// _runs/<run_id>.json. Per-symbol failures are in the summary; an error return means the run
/// stopped (the summary, stored too, says at which step and why).
Result<RunSummary> RunPipeline(PipelineContext& context, const RunOptions& options);

}  // namespace tickerflow::pipeline
