// scan_latest and merge_screener: the original's Athena query and merge Lambda.
#include <fmt/format.h>

#include <chrono>
#include <utility>

#include "common/log.h"
#include "pipeline/pipeline.h"
#include "pipeline/step_util.h"
#include "screener/derived.h"
#include "screener/merge.h"
#include "screener/output.h"
#include "screener/scan_latest.h"
#include "table/parquet.h"

namespace tickerflow::pipeline {
namespace {

// Where scan_latest leaves the last rows for merge_screener: Athena writes its result to S3
// the same way. Removed once the screener is written.
std::string LatestKey(std::string_view run_id) {
  return fmt::format("_runs/{}.latest.parquet", run_id);
}

// The symbol of a daily file's path, for failure reports.
std::string SymbolOfPath(const std::filesystem::path& path) { return path.stem().string(); }

Status PutTable(PipelineContext& context, table::Connection& connection, const table::Table& rows,
                std::string_view key) {
  TF_ASSIGN_OR_RETURN(storage::StagedObject staged, context.store.Stage(key));
  TF_RETURN_IF_ERROR(table::WriteParquet(connection, rows, staged.local_path()));
  return context.store.Commit(std::move(staged));
}

}  // namespace

Result<Json> ScanLatestStep(PipelineContext& context, const Json& input) {
  TF_ASSIGN_OR_RETURN(std::string run_id, JsonString(input, "run_id"));
  screener::ScanOptions options;
  if (input.contains("latest_session")) {
    TF_ASSIGN_OR_RETURN(Date session, JsonDate(input, "latest_session"));
    options.expected_last_date = session;
  }
  ProgressStep progress(context.progress, "scan_latest", 0);
  TF_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, context.store.List("daily/"));
  std::vector<std::filesystem::path> files;
  files.reserve(objects.size());
  for (const storage::ObjectInfo& object : objects) {
    if (SymbolOfDailyKey(object.key).empty()) continue;  // Not a file of ours.
    TF_ASSIGN_OR_RETURN(std::filesystem::path path, LocalPathOf(context.store, object.key));
    files.push_back(std::move(path));
  }
  TF_ASSIGN_OR_RETURN(table::Connection connection, context.database.Connect());
  TF_ASSIGN_OR_RETURN(screener::LatestRows latest,
                      screener::ScanLatest(connection, files, options));
  FailureList failures;
  for (const screener::FileFailure& failure : latest.failures) {
    TF_LOG_WARN("scan_latest: {}: {}", failure.file.string(), failure.status.message());
    failures.Add(SymbolOfPath(failure.file), "scan_latest", failure.status);
  }
  const std::string key = LatestKey(run_id);
  TF_RETURN_IF_ERROR(PutTable(context, connection, latest.rows, key));
  return Json{{"latest", key},
              {"rows", latest.rows.num_rows()},
              {"rows_from_footer", latest.rows_from_footer},
              {"failures", failures.ToJson()}};
}

Result<Json> MergeScreenerStep(PipelineContext& context, const Json& input) {
  TF_ASSIGN_OR_RETURN(std::string latest_key, JsonString(input, "latest"));
  TF_ASSIGN_OR_RETURN(Date latest_session, JsonDate(input, "latest_session"));
  ProgressStep progress(context.progress, "merge_screener", 0);
  TF_ASSIGN_OR_RETURN(table::Connection connection, context.database.Connect());

  TF_ASSIGN_OR_RETURN(std::filesystem::path latest_path, LocalPathOf(context.store, latest_key));
  screener::LatestRows latest;
  TF_ASSIGN_OR_RETURN(latest.rows, table::ReadParquet(connection, latest_path));
  const table::Column* symbols = latest.rows.FindColumn("symbol");
  if (symbols == nullptr || symbols->type() != table::ColumnType::kVarchar) {
    return Status::Error(ErrorCode::kCorruptData,
                         fmt::format("{}: no symbol column; run the pipeline again", latest_key));
  }
  for (const std::string& symbol : symbols->varchars()) {
    TF_ASSIGN_OR_RETURN(std::filesystem::path path, LocalPathOf(context.store, DailyKey(symbol)));
    latest.files.push_back(std::move(path));
  }
  TF_ASSIGN_OR_RETURN(screener::DerivedRows derived, screener::ComputeDerived(connection, latest));
  FailureList failures;
  for (const screener::FileFailure& failure : derived.failures) {
    TF_LOG_WARN("merge_screener: {}: {}", failure.file.string(), failure.status.message());
    failures.Add(SymbolOfPath(failure.file), "merge_screener", failure.status);
  }

  // The fundamentals files there are; a dataset that never loaded leaves its columns NULL.
  screener::Fundamentals fundamentals;
  for (const sources::FundamentalsDataset dataset : sources::kAllFundamentalsDatasets) {
    const std::string key = FundamentalsKey(dataset);
    TF_ASSIGN_OR_RETURN(std::filesystem::path path, LocalPathOf(context.store, key));
    Result<table::Table> rows = table::ReadParquet(connection, path);
    if (rows.ok()) {
      fundamentals.emplace(dataset, std::move(*rows));
    } else if (rows.status().code() != ErrorCode::kNotFound) {
      TF_LOG_WARN("merge_screener: {}: {}", key, rows.status().message());
      failures.Add(std::string(sources::FundamentalsDatasetName(dataset)), "merge_screener",
                   rows.status());
    }
  }
  TF_ASSIGN_OR_RETURN(
      table::Table merged,
      screener::MergeScreener(connection, latest.rows, derived.rows, fundamentals, latest_session));
  size_t stale = 0;
  if (const table::Column* column = merged.FindColumn("stale")) {
    for (size_t row = 0; row < column->size(); ++row) {
      stale += column->is_valid(row) && column->booleans()[row] != 0 ? 1 : 0;
    }
  }
  TF_ASSIGN_OR_RETURN(std::string parquet, screener::EncodeParquet(connection, merged));
  TF_RETURN_IF_ERROR(context.store.Put("screener/screener.parquet", parquet));
  TF_RETURN_IF_ERROR(context.store.Put("screener/screener.csv", screener::EncodeCsv(merged)));
  TF_RETURN_IF_ERROR(context.store.Put("screener/screener.json", screener::EncodeJson(merged)));
  TF_RETURN_IF_ERROR(context.store.Remove(latest_key));
  return Json{{"rows", merged.num_rows()},
              {"stale", stale},
              {"columns", merged.num_columns()},
              {"failures", failures.ToJson()}};
}

}  // namespace tickerflow::pipeline
