// scan_latest and merge_screener: the original's Athena query and merge Lambda.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <utility>
#include <vector>

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

// The name of the intermediate file's column that says whether a row's derived columns are
// known (they came from the daily file's footer) or still to be computed.
constexpr std::string_view kDerivedKnownColumn = "tf_derived_known";

// scan_latest's rows with the derived columns of the footers and whether each row has them,
// for the intermediate file.
Result<table::Table> WithDerived(const screener::LatestRows& latest) {
  std::vector<table::Column> columns = latest.rows.columns();
  for (const table::Column& column : latest.derived.columns()) columns.push_back(column);
  std::vector<uint8_t> known(latest.derived_known.begin(), latest.derived_known.end());
  columns.push_back(table::Column::Booleans(std::string(kDerivedKnownColumn), std::move(known)));
  return table::Table::Make(std::move(columns));
}

// Splits the intermediate file into the last rows (the daily columns) and the derived columns
// of the rows that have them (symbol first, as ComputeDerived gives them); the rows without go
// to `missing`, with their files. A file of an earlier version, without derived columns, has
// every row missing.
Result<table::Table> SplitDerived(table::Table intermediate, screener::LatestRows& rows,
                                  screener::LatestRows& missing,
                                  const std::vector<std::filesystem::path>& files) {
  const size_t daily_columns = screener::DailyColumns().size();
  std::vector<table::Column> columns = std::move(intermediate).TakeColumns();
  const bool has_derived =
      columns.size() == daily_columns + std::size(screener::kDerivedColumnNames) + 1 &&
      columns.back().name() == kDerivedKnownColumn &&
      columns.back().type() == table::ColumnType::kBoolean;
  std::vector<table::Column> derived_columns;
  std::vector<uint8_t> known;
  if (has_derived) {
    known = columns.back().booleans();
    for (size_t row = 0; row < known.size(); ++row) known[row] &= columns.back().is_valid(row);
    derived_columns.assign(std::make_move_iterator(columns.begin() + daily_columns),
                           std::make_move_iterator(columns.end() - 1));
  }
  columns.erase(
      columns.begin() + static_cast<std::ptrdiff_t>(std::min(columns.size(), daily_columns)),
      columns.end());
  TF_ASSIGN_OR_RETURN(rows.rows, table::Table::Make(std::move(columns)));
  rows.files = files;
  known.resize(rows.rows.num_rows(), 0);

  // The derived rows known, and the last rows of those not.
  std::vector<table::Column> derived;
  derived.emplace_back("symbol", table::ColumnType::kVarchar);
  for (const std::string_view name : screener::kDerivedColumnNames) {
    derived.emplace_back(std::string(name), table::ColumnType::kDouble);
  }
  std::vector<table::Column> missing_columns;
  for (const table::Column& column : rows.rows.columns()) {
    missing_columns.emplace_back(column.name(), column.type());
  }
  for (size_t row = 0; row < rows.rows.num_rows(); ++row) {
    if (known[row] != 0 && rows.rows.column(0).is_valid(row)) {
      derived[0].AppendVarchar(rows.rows.column(0).varchars()[row]);
      for (size_t c = 0; c < derived_columns.size(); ++c) {
        if (derived_columns[c].is_valid(row)) {
          derived[c + 1].AppendDouble(derived_columns[c].doubles()[row]);
        } else {
          derived[c + 1].AppendNull();
        }
      }
      continue;
    }
    for (size_t c = 0; c < missing_columns.size(); ++c) {
      missing_columns[c].AppendFrom(rows.rows.column(c), row);
    }
    missing.files.push_back(files[row]);
  }
  TF_ASSIGN_OR_RETURN(missing.rows, table::Table::Make(std::move(missing_columns)));
  return table::Table::Make(std::move(derived));
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
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const storage::ObjectInfo& object : objects) {
    if (SymbolOfDailyKey(object.key).empty()) continue;  // Not a file of ours.
    keys.push_back(object.key);
  }
  TF_ASSIGN_OR_RETURN(std::vector<std::filesystem::path> paths, context.store.ReadablePaths(keys));
  std::vector<std::filesystem::path> files;
  files.reserve(paths.size());
  for (std::filesystem::path& path : paths) {
    if (!path.empty()) files.push_back(std::move(path));  // Empty: deleted since listed.
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
  TF_ASSIGN_OR_RETURN(const table::Table intermediate, WithDerived(latest));
  TF_RETURN_IF_ERROR(PutTable(context, connection, intermediate, key));
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

  TF_ASSIGN_OR_RETURN(std::filesystem::path latest_path, context.store.ReadablePath(latest_key));
  TF_ASSIGN_OR_RETURN(table::Table intermediate, table::ReadParquet(connection, latest_path));
  const table::Column* symbols = intermediate.FindColumn("symbol");
  if (symbols == nullptr || symbols->type() != table::ColumnType::kVarchar) {
    return Status::Error(ErrorCode::kCorruptData,
                         fmt::format("{}: no symbol column; run the pipeline again", latest_key));
  }
  std::vector<std::string> keys;
  keys.reserve(symbols->size());
  for (const std::string& symbol : symbols->varchars()) keys.push_back(DailyKey(symbol));
  TF_ASSIGN_OR_RETURN(std::vector<std::filesystem::path> files, context.store.ReadablePaths(keys));
  for (size_t i = 0; i < files.size(); ++i) {
    // Deleted since scanned: the key as a path that does not exist, reported when read.
    if (files[i].empty()) files[i] = keys[i];
  }
  // The derived columns come from the daily files' footers; those of files written before
  // footers had them are computed from the files' last year of rows.
  screener::LatestRows latest;
  screener::LatestRows missing;
  TF_ASSIGN_OR_RETURN(table::Table derived_rows,
                      SplitDerived(std::move(intermediate), latest, missing, files));
  FailureList failures;
  if (missing.rows.num_rows() > 0) {
    TF_ASSIGN_OR_RETURN(screener::DerivedRows computed,
                        screener::ComputeDerived(connection, missing));
    for (const screener::FileFailure& failure : computed.failures) {
      TF_LOG_WARN("merge_screener: {}: {}", failure.file.string(), failure.status.message());
      failures.Add(SymbolOfPath(failure.file), "merge_screener", failure.status);
    }
    std::vector<table::Column> columns = std::move(derived_rows).TakeColumns();
    for (size_t c = 0; c < columns.size(); ++c) {
      for (size_t row = 0; row < computed.rows.num_rows(); ++row) {
        columns[c].AppendFrom(computed.rows.column(c), row);
      }
    }
    TF_ASSIGN_OR_RETURN(derived_rows, table::Table::Make(std::move(columns)));
  }
  TF_LOG_DEBUG("merge_screener: derived columns of {} files from footers, {} computed",
               latest.rows.num_rows() - missing.rows.num_rows(), missing.rows.num_rows());

  // The fundamentals files there are; a dataset that never loaded leaves its columns NULL.
  screener::Fundamentals fundamentals;
  for (const sources::FundamentalsDataset dataset : sources::kAllFundamentalsDatasets) {
    const std::string key = FundamentalsKey(dataset);
    Result<std::filesystem::path> path = context.store.ReadablePath(key);
    Result<table::Table> rows =
        path.ok() ? table::ReadParquet(connection, *path) : Result<table::Table>(path.status());
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
      screener::MergeScreener(connection, latest.rows, derived_rows, fundamentals, latest_session));
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
