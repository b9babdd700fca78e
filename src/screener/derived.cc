#include "screener/derived.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "screener/file_batch_internal.h"

namespace tickerflow::screener {
namespace {

using internal::IndexedFailure;
using internal::QueryFile;

constexpr size_t kDerivedCount = std::size(kDerivedColumnNames);

// Rows back that the longest row-based column (perf_1y) needs.
constexpr int64_t kSessionsBack = 252;
// How far before the last date the windowed read starts: 53 weeks, which covers the 52-week
// high/low, the previous year's last session for perf_ytd, and 252 sessions of a file
// without gaps (a year has at most 253 sessions).
constexpr int32_t kWindowDays = 371;

// One query over a list of files (`?` 1) from a date on (`?` 2): per file, the row numbers
// that were read, the last date, and the derived columns. The windows in the definitions
// (derived.h) are relative to each file's own last row, whatever the read started from.
constexpr std::string_view kDerivedSql = R"sql(
WITH w AS MATERIALIZED (
  SELECT CAST(file_index AS BIGINT) AS fi, file_row_number AS rn, date, high, low, close, volume
  FROM read_parquet({files}, hive_partitioning = false)
  WHERE date >= ?),
f AS (
  SELECT fi, max(rn) AS last_rn, min(rn) AS first_rn, max(date) AS last_date
  FROM w GROUP BY fi),
a AS (
  SELECT w.fi,
    any_value(f.first_rn) AS first_rn,
    any_value(f.last_rn) AS last_rn,
    any_value(f.last_date) AS last_date,
    max(w.high) FILTER (WHERE w.date > f.last_date - 364) AS high_52w,
    min(w.low) FILTER (WHERE w.date > f.last_date - 364) AS low_52w,
    max(w.close) FILTER (WHERE w.rn = f.last_rn) AS close_0,
    max(w.close) FILTER (WHERE w.rn = f.last_rn - 5) AS close_5,
    max(w.close) FILTER (WHERE w.rn = f.last_rn - 21) AS close_21,
    max(w.close) FILTER (WHERE w.rn = f.last_rn - 63) AS close_63,
    max(w.close) FILTER (WHERE w.rn = f.last_rn - 126) AS close_126,
    max(w.close) FILTER (WHERE w.rn = f.last_rn - 252) AS close_252,
    arg_max_null(w.close, w.rn) FILTER (
      WHERE w.date < make_date(year(f.last_date), 1, 1) AND w.date >= f.last_date - 371)
      AS close_ytd,
    CASE WHEN any_value(f.last_rn) >= 19
      THEN avg(w.volume) FILTER (WHERE w.rn > f.last_rn - 20) END AS avg_volume_20d,
    max(w.volume) FILTER (WHERE w.rn = f.last_rn) AS volume_0
  FROM w JOIN f ON w.fi = f.fi
  GROUP BY w.fi)
SELECT fi, first_rn, last_rn, last_date,
  CAST(high_52w AS DOUBLE) AS high_52w,
  CAST(low_52w AS DOUBLE) AS low_52w,
  CASE WHEN close_5 > 0 THEN 100 * (close_0 / close_5 - 1) END AS perf_1w,
  CASE WHEN close_21 > 0 THEN 100 * (close_0 / close_21 - 1) END AS perf_1m,
  CASE WHEN close_63 > 0 THEN 100 * (close_0 / close_63 - 1) END AS perf_3m,
  CASE WHEN close_126 > 0 THEN 100 * (close_0 / close_126 - 1) END AS perf_6m,
  CASE WHEN close_ytd > 0 THEN 100 * (close_0 / close_ytd - 1) END AS perf_ytd,
  CASE WHEN close_252 > 0 THEN 100 * (close_0 / close_252 - 1) END AS perf_1y,
  CAST(avg_volume_20d AS DOUBLE) AS avg_volume_20d,
  CASE WHEN avg_volume_20d > 0 THEN volume_0 / avg_volume_20d END AS rel_volume
FROM a
)sql";

// The first result column holding a derived value.
constexpr size_t kFirstDerivedResultColumn = 4;

using Values = DerivedValues;

class Deriver {
 public:
  Deriver(table::Connection& connection, const LatestRows& latest)
      : connection_(connection), latest_(latest), values_(latest.rows.num_rows()) {}

  Result<DerivedRows> Run();

 private:
  // Reads `files` from `from` on. With `whole_file`, every result is kept; otherwise a file
  // whose window lacks rows it needs goes to `incomplete`.
  Status Read(std::span<const QueryFile> files, Date from, bool whole_file,
              std::vector<QueryFile>& incomplete);

  table::Connection& connection_;
  const LatestRows& latest_;
  std::vector<std::optional<Values>> values_;  // Per row of latest_.
  std::vector<IndexedFailure> failures_;
};

Status Deriver::Read(std::span<const QueryFile> files, Date from, bool whole_file,
                     std::vector<QueryFile>& incomplete) {
  const std::string sql = fmt::format(kDerivedSql, fmt::arg("files", internal::kFileListSql));
  const table::Column& last_dates = latest_.rows.column(1);
  const auto query = [&](std::span<const QueryFile> batch) -> Status {
    TF_ASSIGN_OR_RETURN(table::QueryResult result,
                        connection_.Query(sql, {internal::FileListParameter(batch), from}));
    TF_ASSIGN_OR_RETURN(const table::Table rows, result.FetchTable());
    TF_RETURN_IF_ERROR(internal::CheckColumn(rows, 3, "last_date", table::ColumnType::kDate));
    for (size_t i = 0; i < kDerivedCount; ++i) {
      TF_RETURN_IF_ERROR(internal::CheckColumn(rows, kFirstDerivedResultColumn + i,
                                               kDerivedColumnNames[i], table::ColumnType::kDouble));
    }
    std::vector<std::optional<size_t>> result_row(batch.size());
    for (size_t row = 0; row < rows.num_rows(); ++row) {
      const int64_t file_index = rows.column(0).bigints()[row];
      if (file_index < 0 || static_cast<size_t>(file_index) >= batch.size()) {
        return Status::Error(ErrorCode::kInternal,
                             fmt::format("DuckDB returned file_index {} for a list of {} files",
                                         file_index, batch.size()));
      }
      result_row[static_cast<size_t>(file_index)] = row;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const QueryFile& file = batch[i];
      if (!result_row[i].has_value()) {
        if (whole_file) {
          failures_.push_back(IndexedFailure{
              file.index,
              FileFailure{latest_.files[file.index],
                          Status::Error(ErrorCode::kCorruptData,
                                        fmt::format("'{}': the daily file has no rows (it "
                                                    "changed since scan_latest read it)",
                                                    file.absolute))}});
        } else {
          incomplete.push_back(file);
        }
        continue;
      }
      const size_t row = *result_row[i];
      const int64_t first_rn = rows.column(1).bigints()[row];
      const int64_t last_rn = rows.column(2).bigints()[row];
      const bool has_history = first_rn == 0 || first_rn <= last_rn - kSessionsBack;
      // A last date other than the scan's means the file changed in between: read it all.
      const bool same_file = last_dates.is_valid(file.index) &&
                             rows.column(3).dates()[row] == last_dates.dates()[file.index];
      if (!whole_file && !(has_history && same_file)) {
        incomplete.push_back(file);
        continue;
      }
      Values values;
      for (size_t c = 0; c < kDerivedCount; ++c) {
        const table::Column& column = rows.column(kFirstDerivedResultColumn + c);
        if (column.is_valid(row)) values[c] = column.doubles()[row];
      }
      values_[file.index] = values;
    }
    return Status::Ok();
  };
  return internal::RunIsolatingFailures(files, query, latest_.files, failures_);
}

Result<DerivedRows> Deriver::Run() {
  const table::Table& rows = latest_.rows;
  if (rows.num_columns() < 2 || rows.column(0).type() != table::ColumnType::kVarchar ||
      rows.column(1).type() != table::ColumnType::kDate ||
      latest_.files.size() != rows.num_rows()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "ComputeDerived needs the LatestRows of ScanLatest (symbol, date, ...; "
                         "one file per row)");
  }
  // Files grouped by last date: one windowed read per group.
  std::map<Date, std::vector<QueryFile>> by_date;
  for (size_t row = 0; row < rows.num_rows(); ++row) {
    Result<std::string> absolute = internal::PrepareFilePath(latest_.files[row]);
    if (!absolute.ok()) {
      failures_.push_back(IndexedFailure{row, FileFailure{latest_.files[row], absolute.status()}});
      continue;
    }
    if (rows.column(1).is_null(row)) continue;
    by_date[rows.column(1).dates()[row]].push_back(QueryFile{row, std::move(absolute).value()});
  }
  std::vector<QueryFile> incomplete;
  for (const auto& [last_date, files] : by_date) {
    TF_RETURN_IF_ERROR(Read(files, last_date - kWindowDays, /*whole_file=*/false, incomplete));
  }
  if (!incomplete.empty()) {
    std::vector<QueryFile> unused;
    TF_RETURN_IF_ERROR(Read(incomplete, Date::FromCivil(1, 1, 1), /*whole_file=*/true, unused));
  }

  std::vector<table::Column> columns;
  columns.emplace_back("symbol", table::ColumnType::kVarchar);
  for (const std::string_view name : kDerivedColumnNames) {
    columns.emplace_back(std::string(name), table::ColumnType::kDouble);
  }
  for (size_t row = 0; row < rows.num_rows(); ++row) {
    if (!values_[row].has_value()) continue;
    internal::AppendValue(columns[0], rows.column(0), row);
    for (size_t c = 0; c < kDerivedCount; ++c) {
      const std::optional<double>& value = (*values_[row])[c];
      if (value.has_value()) {
        columns[c + 1].AppendDouble(*value);
      } else {
        columns[c + 1].AppendNull();
      }
    }
  }
  DerivedRows derived;
  TF_ASSIGN_OR_RETURN(derived.rows, table::Table::Make(std::move(columns)));
  std::stable_sort(
      failures_.begin(), failures_.end(),
      [](const IndexedFailure& a, const IndexedFailure& b) { return a.index < b.index; });
  for (IndexedFailure& failure : failures_) {
    derived.failures.push_back(std::move(failure.failure));
  }
  return derived;
}

}  // namespace

Result<DerivedValues> ComputeDerivedValues(const table::Table& daily) {
  const auto column = [&](std::string_view name,
                          table::ColumnType type) -> Result<const table::Column*> {
    const table::Column* found = daily.FindColumn(name);
    if (found == nullptr || found->type() != type) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("derived columns: the daily table has no {} column of "
                                       "type {}",
                                       name, table::ColumnTypeName(type)));
    }
    return found;
  };
  TF_ASSIGN_OR_RETURN(const table::Column* dates, column("date", table::ColumnType::kDate));
  TF_ASSIGN_OR_RETURN(const table::Column* highs, column("high", table::ColumnType::kDouble));
  TF_ASSIGN_OR_RETURN(const table::Column* lows, column("low", table::ColumnType::kDouble));
  TF_ASSIGN_OR_RETURN(const table::Column* closes, column("close", table::ColumnType::kDouble));
  TF_ASSIGN_OR_RETURN(const table::Column* volumes, column("volume", table::ColumnType::kBigint));
  DerivedValues values;
  const size_t rows = daily.num_rows();
  if (rows == 0) return values;
  const size_t last = rows - 1;
  const Date last_date = dates->dates()[last];

  // high_52w, low_52w: rows dated after last_date - 364; dates ascend, so a suffix.
  std::optional<double> high;
  std::optional<double> low;
  for (size_t row = rows; row-- > 0 && dates->dates()[row] > last_date - 364;) {
    if (highs->is_valid(row))
      high = std::max(high.value_or(highs->doubles()[row]), highs->doubles()[row]);
    if (lows->is_valid(row))
      low = std::min(low.value_or(lows->doubles()[row]), lows->doubles()[row]);
  }
  values[0] = high;
  values[1] = low;

  const bool has_close_0 = closes->is_valid(last);
  const double close_0 = closes->doubles()[last];
  // 100 * (close_0 / base - 1) when both are there and base > 0, as the SQL's CASE.
  const auto perf = [&](std::optional<double> base) -> std::optional<double> {
    if (!base.has_value() || !(*base > 0) || !has_close_0) return std::nullopt;
    return 100 * (close_0 / *base - 1);
  };
  const auto close_back = [&](size_t back) -> std::optional<double> {
    if (back > last || closes->is_null(last - back)) return std::nullopt;
    return closes->doubles()[last - back];
  };
  values[2] = perf(close_back(5));
  values[3] = perf(close_back(21));
  values[4] = perf(close_back(63));
  values[5] = perf(close_back(126));

  // perf_ytd: the last row before January 1 of last_date's year, no earlier than 371 days back.
  const Date year_start = Date::FromCivil(last_date.year(), 1, 1);
  for (size_t row = rows; row-- > 0;) {
    const Date date = dates->dates()[row];
    if (date < last_date - kWindowDays) break;
    if (date < year_start) {
      values[6] = perf(closes->is_valid(row) ? std::optional<double>(closes->doubles()[row])
                                             : std::nullopt);
      break;
    }
  }
  values[7] = perf(close_back(252));

  // avg_volume_20d: DuckDB sums BIGINTs exactly (as HUGEINT) and divides in long double; a
  // long double holds the sum of 20 volumes exactly (64-bit mantissa).
  if (rows >= 20) {
    long double sum = 0;
    int64_t count = 0;
    for (size_t row = rows - 20; row < rows; ++row) {
      if (volumes->is_null(row)) continue;
      sum += static_cast<long double>(volumes->bigints()[row]);
      ++count;
    }
    if (count > 0) {
      const double average = static_cast<double>(sum / static_cast<long double>(count));
      values[8] = average;
      if (average > 0 && volumes->is_valid(last)) {
        values[9] = static_cast<double>(volumes->bigints()[last]) / average;
      }
    }
  }
  return values;
}

Result<DerivedRows> ComputeDerived(table::Connection& connection, const LatestRows& latest) {
  Deriver deriver(connection, latest);
  return deriver.Run();
}

}  // namespace tickerflow::screener
