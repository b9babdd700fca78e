// list_files and fetch_fundamentals; process_files is in process_files.cc and the screener
// steps in screener_steps.cc.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "common/log.h"
#include "market/calendar.h"
#include "pipeline/pipeline.h"
#include "pipeline/step_util.h"
#include "table/parquet.h"

namespace tickerflow::pipeline {
namespace {

// Overlap of a daily update: this many sessions before the last stored date are fetched again
// so that vendor revisions reach us (design.md §4).
constexpr int kOverlapSessions = 3;

// The same day `years` calendar years earlier (Feb 29 becomes Feb 28).
Date YearsBefore(Date date, int years) {
  const int year = date.year() - years;
  unsigned day = date.day();
  if (date.month() == 2 && day == 29) day = 28;
  return Date::FromCivil(year, date.month(), day);
}

Status WriteTable(PipelineContext& context, table::Connection& connection, const table::Table& rows,
                  std::string_view key) {
  TF_ASSIGN_OR_RETURN(storage::StagedObject staged, context.store.Stage(key));
  TF_RETURN_IF_ERROR(table::WriteParquet(connection, rows, staged.local_path()));
  return context.store.Commit(std::move(staged));
}

// The last date of each daily file as the previous run's screener recorded it. Reading 9,000
// footers costs seconds (DuckDB decodes every column chunk's metadata); the screener is one
// small file. These are hints: process_files reads each file and takes the overlap from its
// real last date, so a file changed since (by a run that was killed before its screener, say)
// is still merged correctly. Without a screener there are no hints.
std::map<std::string, Date, std::less<>> LastDateHints(PipelineContext& context,
                                                       table::Connection& connection) {
  std::map<std::string, Date, std::less<>> hints;
  const Result<std::filesystem::path> path =
      context.store.ReadablePath("screener/screener.parquet");
  if (!path.ok()) {
    if (path.status().code() != ErrorCode::kNotFound) {
      TF_LOG_WARN("list_files: no last dates from the screener ({}); every file is read instead",
                  path.status().message());
    }
    return hints;
  }
  Result<table::QueryResult> result = connection.Query(
      "SELECT symbol, date FROM read_parquet(?, hive_partitioning = false)", {path->string()});
  Result<table::Table> rows =
      result.ok() ? result->FetchTable() : Result<table::Table>(result.status());
  if (!rows.ok() || rows->num_columns() != 2 ||
      rows->column(0).type() != table::ColumnType::kVarchar ||
      rows->column(1).type() != table::ColumnType::kDate) {
    TF_LOG_WARN("list_files: cannot use {} for last dates ({}); every file is read instead",
                path->string(), rows.ok() ? "unexpected columns" : rows.status().message());
    return hints;
  }
  for (size_t row = 0; row < rows->num_rows(); ++row) {
    if (rows->column(0).is_null(row) || rows->column(1).is_null(row)) continue;
    hints.emplace(rows->column(0).varchars()[row], rows->column(1).dates()[row]);
  }
  return hints;
}

table::Table UniverseTable(const std::vector<sources::SymbolInfo>& universe, Date latest_session) {
  using table::Column;
  const size_t rows = universe.size();
  std::vector<std::string> symbol, name, exchange, type, sector, industry;
  std::vector<Date> first, last;
  std::vector<uint8_t> delisted;
  for (const sources::SymbolInfo& info : universe) {
    symbol.push_back(info.symbol);
    name.push_back(info.company_name);
    exchange.push_back(info.exchange);
    type.emplace_back(info.is_etf ? "etf" : "stock");
    sector.push_back(info.sector);
    industry.push_back(info.industry);
    first.push_back(info.first_date);
    last.push_back(info.delisted_date ? std::min(*info.delisted_date, latest_session)
                                      : latest_session);
    delisted.push_back(info.delisted_date ? 1 : 0);
  }
  std::vector<Column> columns;
  columns.push_back(Column::Varchars("symbol", std::move(symbol)));
  columns.push_back(Column::Varchars("company_name", std::move(name)));
  columns.push_back(Column::Varchars("exchange", std::move(exchange)));
  columns.push_back(Column::Varchars("type", std::move(type)));
  columns.push_back(Column::Varchars("sector", std::move(sector)));
  columns.push_back(Column::Varchars("industry", std::move(industry)));
  columns.push_back(Column::Dates("first_date", std::move(first)));
  columns.push_back(Column::Dates("last_date", std::move(last)));
  columns.push_back(Column::Booleans("delisted", std::move(delisted)));
  (void)rows;
  return table::Table::Make(std::move(columns)).value();
}

}  // namespace

Result<Json> ListFiles(PipelineContext& context, const Json& input) {
  TF_ASSIGN_OR_RETURN(Date as_of, JsonDate(input, "as_of"));
  TF_ASSIGN_OR_RETURN(int64_t years, JsonInt(input, "years"));
  if (years < 1 || years > 100) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("list_files: years must be 1 to 100, not {}", years));
  }
  const Date latest_session = market::LatestTradingDayOnOrBefore(as_of);
  const Date history_start = YearsBefore(as_of, static_cast<int>(years));
  context.progress.StepStarted("list_files", 0);
  const auto started = std::chrono::steady_clock::now();

  FailureList failures;
  TF_ASSIGN_OR_RETURN(std::vector<sources::SymbolInfo> listed, context.source.Universe(as_of));
  std::vector<sources::SymbolInfo> universe;
  universe.reserve(listed.size());
  std::set<std::string, std::less<>> seen;
  for (sources::SymbolInfo& info : listed) {
    if (!sources::IsValidSymbol(info.symbol)) {
      failures.Add(info.symbol, "list_files",
                   Status::Error(ErrorCode::kInvalidArgument,
                                 "the source listed a symbol that is not [A-Z0-9][A-Z0-9.-]{0,11}; "
                                 "ignored"));
      continue;
    }
    if (!seen.insert(info.symbol).second) continue;
    universe.push_back(std::move(info));
  }
  std::sort(universe.begin(), universe.end(),
            [](const auto& a, const auto& b) { return a.symbol < b.symbol; });

  TF_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, context.store.List("daily/"));
  std::vector<std::string> stored;
  for (const storage::ObjectInfo& object : objects) {
    std::string symbol = SymbolOfDailyKey(object.key);
    if (!symbol.empty()) stored.push_back(std::move(symbol));
  }
  // Keys sort "BRK-B.parquet" before "BRK.parquet" ('-' < '.'), symbols the other way round.
  std::sort(stored.begin(), stored.end());
  TF_ASSIGN_OR_RETURN(table::Connection connection, context.database.Connect());
  const auto last_dates = LastDateHints(context, connection);

  Json tasks = Json::array();
  size_t new_symbols = 0, delisted_done = 0, up_to_date = 0;
  for (const sources::SymbolInfo& info : universe) {
    const Date to = info.delisted_date ? std::min(*info.delisted_date, as_of) : as_of;
    Json task{{"symbol", info.symbol}};
    const auto last = last_dates.find(info.symbol);
    const bool has_file = std::binary_search(stored.begin(), stored.end(), info.symbol);
    if (has_file && last != last_dates.end()) {
      if (info.delisted_date && last->second >= *info.delisted_date) {
        ++delisted_done;  // Its history is complete: nothing will ever change.
        continue;
      }
      if (last->second >= latest_session) ++up_to_date;
      Date from = last->second;
      for (int i = 0; i < kOverlapSessions; ++i) from = market::PreviousTradingDay(from);
      task["from"] = from.ToString();
      task["last_date"] = last->second.ToString();
    } else {
      // No file yet, or no hint of its last date: process_files reads it to find out.
      task["from"] = std::max(history_start, info.first_date).ToString();
      task["last_date"] = nullptr;
      if (!has_file) ++new_symbols;
    }
    task["to"] = to.ToString();
    task["stored"] = has_file;
    tasks.push_back(std::move(task));
  }
  // Files of symbols the source no longer lists are kept as they are (and stay in the
  // screener, marked stale).
  size_t not_listed = 0;
  for (const std::string& symbol : stored) {
    if (!seen.contains(symbol)) ++not_listed;
  }

  TF_RETURN_IF_ERROR(
      WriteTable(context, connection, UniverseTable(universe, latest_session), "universe.parquet"));
  context.progress.StepFinished(
      "list_files",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

  Json output;
  output["as_of"] = as_of.ToString();
  output["latest_session"] = latest_session.ToString();
  output["history_start"] = history_start.ToString();
  output["counts"] = Json{{"universe", universe.size()},   {"stored_files", stored.size()},
                          {"new_symbols", new_symbols},    {"delisted_complete", delisted_done},
                          {"already_current", up_to_date}, {"stored_not_listed", not_listed},
                          {"tasks", tasks.size()}};
  output["tasks"] = std::move(tasks);
  output["failures"] = failures.ToJson();
  return output;
}

namespace {

// `fresh` (sorted by symbol) plus the rows of the stored file of `dataset` whose symbols
// `fresh` lacks, sorted by symbol: a partial refresh keeps the older data of the rest. No
// stored file, or one that cannot be read (it is replaced): `fresh` alone.
Result<table::Table> KeepStoredRows(PipelineContext& context, table::Connection& connection,
                                    sources::FundamentalsDataset dataset,
                                    const table::Table& fresh) {
  Result<std::filesystem::path> path = context.store.ReadablePath(FundamentalsKey(dataset));
  if (!path.ok()) {
    // A store that cannot be read now must not lose the rows this refresh did not fetch.
    if (path.status().code() != ErrorCode::kNotFound) return path.status();
    return fresh;
  }
  Result<table::Table> stored = table::ReadParquet(connection, *path);
  if (!stored.ok() || !sources::ValidateFundamentals(dataset, *stored).ok()) {
    if (!stored.ok() && stored.status().code() != ErrorCode::kNotFound) {
      TF_LOG_WARN("fetch_fundamentals: {}: {}; replacing it", FundamentalsKey(dataset),
                  stored.status().message());
    }
    return fresh;
  }
  const std::vector<std::string>& fresh_symbols = fresh.column(0).varchars();
  const std::vector<std::string>& stored_symbols = stored->column(0).varchars();
  std::vector<table::Column> columns;
  for (const table::Column& column : fresh.columns()) {
    columns.emplace_back(column.name(), column.type())
        .Reserve(fresh.num_rows() + stored->num_rows());
  }
  // Both are sorted by symbol: merge them, the fresh row winning.
  size_t f = 0;
  size_t s = 0;
  while (f < fresh_symbols.size() || s < stored_symbols.size()) {
    const bool take_fresh = s == stored_symbols.size() ||
                            (f < fresh_symbols.size() && fresh_symbols[f] <= stored_symbols[s]);
    if (take_fresh) {
      if (s < stored_symbols.size() && fresh_symbols[f] == stored_symbols[s]) ++s;
      for (size_t c = 0; c < columns.size(); ++c) columns[c].AppendFrom(fresh.column(c), f);
      ++f;
    } else {
      for (size_t c = 0; c < columns.size(); ++c) columns[c].AppendFrom(stored->column(c), s);
      ++s;
    }
  }
  return table::Table::Make(std::move(columns));
}

}  // namespace

Result<Json> FetchFundamentals(PipelineContext& context, const Json& input) {
  TF_ASSIGN_OR_RETURN(Date as_of, JsonDate(input, "as_of"));
  context.progress.StepStarted("fetch_fundamentals",
                               static_cast<int64_t>(std::size(sources::kAllFundamentalsDatasets)));
  const auto started = std::chrono::steady_clock::now();
  TF_ASSIGN_OR_RETURN(table::Connection connection, context.database.Connect());
  FailureList failures;
  Json datasets = Json::object();
  for (const sources::FundamentalsDataset dataset : sources::kAllFundamentalsDatasets) {
    const std::string name(sources::FundamentalsDatasetName(dataset));
    Result<table::Table> rows = context.source.Fundamentals(dataset, as_of);
    Status status = rows.status();
    if (status.ok()) status = sources::ValidateFundamentals(dataset, *rows);
    if (status.ok() && !context.source.FundamentalsComplete(dataset)) {
      // Only some symbols were refreshed: the stored rows of the others stay.
      Result<table::Table> merged = KeepStoredRows(context, connection, dataset, *rows);
      status = merged.status();
      if (status.ok()) rows = std::move(merged);
    }
    if (status.ok()) status = WriteTable(context, connection, *rows, FundamentalsKey(dataset));
    if (status.ok()) {
      datasets[name] = rows->num_rows();
    } else if (ActionFor(status.code()) == ErrorAction::kStop) {
      return status;
    } else {
      // The previous file, if any, stays: the screener uses the last good data.
      TF_LOG_WARN("fetch_fundamentals: {}: {}", name, status.message());
      failures.Add(name, "fetch_fundamentals", status);
    }
    context.progress.Advanced(1);
  }
  context.progress.StepFinished(
      "fetch_fundamentals",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return Json{{"datasets", std::move(datasets)}, {"failures", failures.ToJson()}};
}

}  // namespace tickerflow::pipeline
