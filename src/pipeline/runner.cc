// RunPipeline: the local runner that chains the five steps, as Step Functions does on AWS.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <utility>

#include "common/log.h"
#include "pipeline/pipeline.h"
#include "pipeline/step_util.h"

namespace tickerflow::pipeline {
namespace {

std::string UtcTimestamp(std::chrono::system_clock::time_point time, bool compact) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return compact ? fmt::format("{:%Y%m%dT%H%M%SZ}", utc)
                 : fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
}

// A step's output as the summary keeps it: everything but the long task list.
Json Summarize(const Json& output) {
  Json kept = output;
  if (kept.contains("tasks")) kept.erase("tasks");
  if (kept.contains("failures")) kept.erase("failures");
  return kept;
}

}  // namespace

Result<RunSummary> RunPipeline(PipelineContext& context, const RunOptions& options) {
  const auto started_at = std::chrono::system_clock::now();
  RunSummary summary;
  summary.run_id =
      options.run_id.empty()
          ? fmt::format("{}-{}", UtcTimestamp(started_at, /*compact=*/true), ::getpid())
          : options.run_id;
  TF_ASSIGN_OR_RETURN(storage::StoreLock lock,
                      context.store.Lock(fmt::format("tickerflow run {}", summary.run_id)));

  Json& json = summary.json;
  json["run_id"] = summary.run_id;
  json["source"] = std::string(context.source.name());
  json["data"] = context.store.Describe();
  json["as_of"] = options.as_of.ToString();
  json["years"] = options.years;
  json["started_at"] = UtcTimestamp(started_at, /*compact=*/false);
  json["status"] = "running";
  json["steps"] = Json::array();
  Json failures = Json::array();

  auto save = [&]() -> Status {
    json["finished_at"] = UtcTimestamp(std::chrono::system_clock::now(), /*compact=*/false);
    json["seconds"] =
        std::chrono::duration<double>(std::chrono::system_clock::now() - started_at).count();
    json["failures"] = failures;
    // The source's counters (requests, retries, strategies), also when the run stopped.
    if (const std::string stats = context.source.StatsJson(); !stats.empty()) {
      Json parsed = Json::parse(stats, /*cb=*/nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) json["source_stats"] = std::move(parsed);
    }
    return context.store.Put(fmt::format("_runs/{}.json", summary.run_id), json.dump(2) + "\n");
  };

  // Each step's input is made from the previous steps' outputs, as the state machine's
  // ResultPath/Parameters do on AWS.
  Json list_output, process_output, scan_output;
  auto run_step = [&](std::string_view name, auto&& step, const Json& input) -> Result<Json> {
    const auto step_started = std::chrono::steady_clock::now();
    TF_LOG_INFO("{}: started", name);
    Result<Json> output = step(context, input);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_started).count();
    Json record{{"name", name}, {"seconds", seconds}};
    if (output.ok()) {
      record["status"] = "succeeded";
      record["output"] = Summarize(*output);
      if (output->contains("failures")) {
        for (const Json& failure : (*output)["failures"]) failures.push_back(failure);
      }
      TF_LOG_INFO("{}: done in {:.1f} s", name, seconds);
    } else {
      record["status"] = "failed";
      record["error"] = output.status().message();
      record["code"] = std::string(ErrorCodeName(output.status().code()));
    }
    json["steps"].push_back(std::move(record));
    return output;
  };
  auto fail = [&](const Status& status, std::string_view step) -> Status {
    json["status"] = "failed";
    json["stopped_at"] = step;
    json["error"] = status.message();
    const Status saved = save();
    if (!saved.ok()) TF_LOG_ERROR("cannot save the run summary: {}", saved.message());
    return Status::Error(status.code(),
                         fmt::format("{} stopped the run: {} (what was done is kept; the run "
                                     "summary is _runs/{}.json)",
                                     step, status.message(), summary.run_id));
  };

  Result<Json> listed = run_step(
      "list_files", ListFiles, Json{{"as_of", options.as_of.ToString()}, {"years", options.years}});
  if (!listed.ok()) return fail(listed.status(), "list_files");
  Result<Json> processed = run_step("process_files", ProcessFiles, *listed);
  if (!processed.ok()) return fail(processed.status(), "process_files");
  Result<Json> fundamentals =
      run_step("fetch_fundamentals", FetchFundamentals, Json{{"as_of", options.as_of.ToString()}});
  if (!fundamentals.ok()) return fail(fundamentals.status(), "fetch_fundamentals");
  Result<Json> scanned =
      run_step("scan_latest", ScanLatestStep,
               Json{{"run_id", summary.run_id}, {"latest_session", (*listed)["latest_session"]}});
  if (!scanned.ok()) return fail(scanned.status(), "scan_latest");
  Json merge_input = *scanned;
  merge_input["latest_session"] = (*listed)["latest_session"];
  merge_input["run_id"] = summary.run_id;
  Result<Json> merged = run_step("merge_screener", MergeScreenerStep, merge_input);
  if (!merged.ok()) return fail(merged.status(), "merge_screener");

  json["status"] = "succeeded";
  json["symbols_updated"] = (*processed)["updated"];
  json["rows_added"] = (*processed)["rows_added"];
  json["screener_rows"] = (*merged)["rows"];
  summary.succeeded = true;
  TF_RETURN_IF_ERROR(save());
  return summary;
}

}  // namespace tickerflow::pipeline
