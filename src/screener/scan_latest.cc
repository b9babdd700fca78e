#include "screener/scan_latest.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

#include "indicators/indicators.h"
#include "screener/daily_footer.h"
#include "screener/derived.h"
#include "screener/file_batch_internal.h"

namespace tickerflow::screener {
namespace {

using internal::IndexedFailure;
using internal::QueryFile;

// Footer key of files written through Arrow (pyarrow), which copies a file's key-value metadata
// when it rewrites it: a last-row summary next to it may describe rows that are gone.
constexpr std::string_view kArrowSchemaKey = "ARROW:schema";

// How many files the expected last date is probed from when nothing else gives it.
constexpr size_t kLastDateProbeFiles = 16;

// The daily columns as a SELECT list of quoted identifiers.
std::string DailySelectList() {
  std::string list;
  for (const DailyColumn& column : DailyColumns()) {
    if (!list.empty()) list.append(", ");
    list.append(table::QuoteIdentifier(column.name));
  }
  return list;
}

// The rows collected so far, in the order they were found, and the file of each.
struct Collected {
  std::vector<table::Column> columns = internal::EmptyColumns(DailyColumns());
  std::vector<size_t> file_of_row;  // Index into the scan's unique files.
  // The derived columns of the summaries that have them, by index of the file.
  std::unordered_map<size_t, DerivedValues> derived_of_file;
};

class Scanner {
 public:
  Scanner(table::Connection& connection, std::vector<std::filesystem::path> paths)
      : connection_(connection), paths_(std::move(paths)) {}

  Result<LatestRows> Run(const ScanOptions& options);

 private:
  // Reads footer summaries; appends files without a usable one to `without_summary`.
  Status ReadFooters(std::span<const QueryFile> files, std::vector<QueryFile>& without_summary);
  // Reads the last row of each of `files` that has rows dated `from` or later; appends the
  // others to `missing`.
  Status ReadRowsFrom(Date from, std::span<const QueryFile> files, std::vector<QueryFile>& missing);
  // The last date of each of `files` (files without rows are reported as failures).
  Status ReadLastDates(std::span<const QueryFile> files, std::map<size_t, Date>& last_dates);

  // `batch` with the file that DuckDB numbered `file_index` in it.
  static Result<const QueryFile*> FileAt(std::span<const QueryFile> batch, int64_t file_index);

  table::Connection& connection_;
  std::vector<std::filesystem::path> paths_;  // Unique, in input order.
  Collected collected_;
  std::vector<IndexedFailure> failures_;
  size_t rows_from_footer_ = 0;
};

Result<const QueryFile*> Scanner::FileAt(std::span<const QueryFile> batch, int64_t file_index) {
  if (file_index < 0 || static_cast<size_t>(file_index) >= batch.size()) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("DuckDB returned file_index {} for a list of {} files",
                                     file_index, batch.size()));
  }
  return &batch[static_cast<size_t>(file_index)];
}

Status Scanner::ReadFooters(std::span<const QueryFile> files,
                            std::vector<QueryFile>& without_summary) {
  TF_ASSIGN_OR_RETURN(const size_t threads, internal::DatabaseThreads(connection_));
  const auto query = [&](std::span<const QueryFile> batch) -> Status {
    // parquet_kv_metadata reads its files on one thread; one call per worker thread, joined
    // by UNION ALL, keeps every core busy.
    const size_t parts = std::clamp<size_t>(threads, 1, batch.size());
    std::string sql;
    std::vector<table::Parameter> parameters;
    for (size_t part = 0; part < parts; ++part) {
      const size_t begin = batch.size() * part / parts;
      const size_t end = batch.size() * (part + 1) / parts;
      if (part > 0) sql.append(" UNION ALL ");
      sql.append(
          fmt::format("SELECT file_name, decode(key) AS key, "
                      "CASE WHEN key = encode(?) THEN TRY(decode(value)) END AS value "
                      "FROM parquet_kv_metadata({}) WHERE key = encode(?) OR key = encode(?)",
                      internal::kFileListSql));
      parameters.emplace_back(std::string(kLastRowFooterKey));
      parameters.emplace_back(internal::FileListParameter(batch.subspan(begin, end - begin)));
      parameters.emplace_back(std::string(kLastRowFooterKey));
      parameters.emplace_back(std::string(kArrowSchemaKey));
    }
    TF_ASSIGN_OR_RETURN(table::QueryResult result, connection_.Query(sql, parameters));
    TF_ASSIGN_OR_RETURN(const table::Table keys, result.FetchTable());

    std::unordered_map<std::string_view, const QueryFile*> by_path;
    for (const QueryFile& file : batch) by_path.emplace(file.absolute, &file);
    std::unordered_map<const QueryFile*, std::string_view> summaries;
    std::vector<const QueryFile*> from_arrow;
    const std::vector<std::string>& names = keys.column(0).varchars();
    const table::Column& key = keys.column(1);
    const table::Column& value = keys.column(2);
    for (size_t row = 0; row < keys.num_rows(); ++row) {
      const auto file = by_path.find(names[row]);
      if (file == by_path.end()) continue;
      if (key.varchars()[row] == kArrowSchemaKey) {
        from_arrow.push_back(file->second);
      } else if (value.is_valid(row)) {
        summaries[file->second] = value.varchars()[row];
      }
    }
    for (const QueryFile* file : from_arrow) summaries.erase(file);
    for (const QueryFile& file : batch) {
      const auto summary = summaries.find(&file);
      std::optional<DerivedValues> derived;
      if (summary != summaries.end() &&
          DecodeLastRowFooter(summary->second, collected_.columns, &derived)) {
        collected_.file_of_row.push_back(file.index);
        if (derived.has_value()) collected_.derived_of_file.emplace(file.index, *derived);
        ++rows_from_footer_;
      } else {
        without_summary.push_back(file);
      }
    }
    return Status::Ok();
  };
  return internal::RunIsolatingFailures(files, query, paths_, failures_);
}

Status Scanner::ReadRowsFrom(Date from, std::span<const QueryFile> files,
                             std::vector<QueryFile>& missing) {
  const std::string sql = fmt::format(
      "SELECT {}, CAST(file_index AS BIGINT) AS tf_file, file_row_number AS tf_row "
      "FROM read_parquet({}, hive_partitioning = false) WHERE date >= ?",
      DailySelectList(), internal::kFileListSql);
  const auto query = [&](std::span<const QueryFile> batch) -> Status {
    TF_ASSIGN_OR_RETURN(table::QueryResult result,
                        connection_.Query(sql, {internal::FileListParameter(batch), from}));
    TF_ASSIGN_OR_RETURN(const table::Table rows, result.FetchTable());
    const std::vector<DailyColumn>& daily = DailyColumns();
    for (size_t c = 0; c < daily.size(); ++c) {
      TF_RETURN_IF_ERROR(internal::CheckColumn(rows, c, daily[c].name, daily[c].type));
    }
    const table::Column& date = rows.column(1);
    const std::vector<int64_t>& file_index = rows.column(daily.size()).bigints();
    const std::vector<int64_t>& row_number = rows.column(daily.size() + 1).bigints();
    // The last row of each file: the greatest date, and the later row if a date repeats (it
    // does not in a daily file), as the file's own order has it.
    const auto later = [&](size_t a, size_t b) {
      if (date.is_null(a) || date.is_null(b)) return date.is_null(b) && !date.is_null(a);
      if (date.dates()[a] != date.dates()[b]) return date.dates()[b] < date.dates()[a];
      return row_number[b] < row_number[a];
    };
    std::vector<std::optional<size_t>> chosen(batch.size());
    for (size_t row = 0; row < rows.num_rows(); ++row) {
      TF_ASSIGN_OR_RETURN(const QueryFile* file, FileAt(batch, file_index[row]));
      std::optional<size_t>& best = chosen[static_cast<size_t>(file - batch.data())];
      if (!best.has_value() || later(row, *best)) best = row;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!chosen[i].has_value()) {
        missing.push_back(batch[i]);
        continue;
      }
      for (size_t c = 0; c < daily.size(); ++c) {
        internal::AppendValue(collected_.columns[c], rows.column(c), *chosen[i]);
      }
      collected_.file_of_row.push_back(batch[i].index);
    }
    return Status::Ok();
  };
  return internal::RunIsolatingFailures(files, query, paths_, failures_);
}

Status Scanner::ReadLastDates(std::span<const QueryFile> files,
                              std::map<size_t, Date>& last_dates) {
  const std::string sql = fmt::format(
      "SELECT CAST(file_index AS BIGINT) AS tf_file, max(date) AS date "
      "FROM read_parquet({}, hive_partitioning = false) GROUP BY ALL",
      internal::kFileListSql);
  const auto query = [&](std::span<const QueryFile> batch) -> Status {
    TF_ASSIGN_OR_RETURN(table::QueryResult result,
                        connection_.Query(sql, {internal::FileListParameter(batch)}));
    TF_ASSIGN_OR_RETURN(const table::Table dates, result.FetchTable());
    TF_RETURN_IF_ERROR(internal::CheckColumn(dates, 1, "date", table::ColumnType::kDate));
    std::map<size_t, Date> found;
    for (size_t row = 0; row < dates.num_rows(); ++row) {
      TF_ASSIGN_OR_RETURN(const QueryFile* file, FileAt(batch, dates.column(0).bigints()[row]));
      if (dates.column(1).is_valid(row)) found[file->index] = dates.column(1).dates()[row];
    }
    for (const QueryFile& file : batch) {
      if (!found.contains(file.index)) {
        failures_.push_back(IndexedFailure{
            file.index,
            FileFailure{paths_[file.index],
                        Status::Error(ErrorCode::kCorruptData,
                                      fmt::format("'{}': the daily file has no rows (delete it; "
                                                  "the next run rewrites it from the source)",
                                                  file.absolute))}});
      }
    }
    last_dates.merge(found);
    return Status::Ok();
  };
  return internal::RunIsolatingFailures(files, query, paths_, failures_);
}

Result<LatestRows> Scanner::Run(const ScanOptions& options) {
  std::vector<QueryFile> files;
  files.reserve(paths_.size());
  for (size_t i = 0; i < paths_.size(); ++i) {
    Result<std::string> absolute = internal::PrepareFilePath(paths_[i]);
    if (absolute.ok()) {
      files.push_back(QueryFile{i, std::move(absolute).value()});
    } else {
      failures_.push_back(IndexedFailure{i, FileFailure{paths_[i], absolute.status()}});
    }
  }

  // 1. Footers: summaries, and every footer that cannot be read fails here, cheaply.
  std::vector<QueryFile> without_summary;
  if (options.read_footer_summaries) {
    TF_RETURN_IF_ERROR(ReadFooters(files, without_summary));
  } else {
    without_summary = std::move(files);
  }

  if (!without_summary.empty()) {
    // 2. The expected last date: given, else the latest among the summaries, else probed.
    std::optional<Date> expected = options.expected_last_date;
    if (!expected.has_value() && !collected_.file_of_row.empty()) {
      const std::vector<Date>& dates = collected_.columns[1].dates();
      for (size_t row = 0; row < dates.size(); ++row) {
        if (collected_.columns[1].is_valid(row) && (!expected || *expected < dates[row])) {
          expected = dates[row];
        }
      }
    }
    std::vector<QueryFile> missing;
    if (!expected.has_value()) {
      std::map<size_t, Date> probed;
      const size_t probe = std::min(kLastDateProbeFiles, without_summary.size());
      std::vector<IndexedFailure> ignored;  // The full passes below report these files.
      std::swap(ignored, failures_);
      const Status status = ReadLastDates(std::span(without_summary).first(probe), probed);
      std::swap(ignored, failures_);
      TF_RETURN_IF_ERROR(status);
      for (const auto& [index, date] : probed) {
        if (!expected || *expected < date) expected = date;
      }
    }
    if (expected.has_value()) {
      TF_RETURN_IF_ERROR(ReadRowsFrom(*expected, without_summary, missing));
    } else {
      missing = std::move(without_summary);
    }

    // 3. The rest: their own last dates, then one read per distinct date.
    if (!missing.empty()) {
      std::map<size_t, Date> last_dates;
      TF_RETURN_IF_ERROR(ReadLastDates(missing, last_dates));
      std::map<Date, std::vector<QueryFile>> by_date;
      for (QueryFile& file : missing) {
        const auto last = last_dates.find(file.index);
        if (last != last_dates.end()) by_date[last->second].push_back(std::move(file));
      }
      for (const auto& [date, group] : by_date) {
        std::vector<QueryFile> still_missing;
        TF_RETURN_IF_ERROR(ReadRowsFrom(date, group, still_missing));
        for (const QueryFile& file : still_missing) {
          // The file changed between the two reads: it is being rewritten.
          failures_.push_back(IndexedFailure{
              file.index,
              FileFailure{paths_[file.index],
                          Status::Error(ErrorCode::kCorruptData,
                                        fmt::format("'{}': the daily file changed while it was "
                                                    "read; run the scan again",
                                                    file.absolute))}});
        }
      }
    }
  }

  // Sort by symbol (NULL last), then by path.
  const table::Column& symbol = collected_.columns[0];
  std::vector<size_t> order(collected_.file_of_row.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (symbol.is_null(a) != symbol.is_null(b)) return symbol.is_null(b);
    if (symbol.is_valid(a) && symbol.varchars()[a] != symbol.varchars()[b]) {
      return symbol.varchars()[a] < symbol.varchars()[b];
    }
    return paths_[collected_.file_of_row[a]] < paths_[collected_.file_of_row[b]];
  });
  LatestRows latest;
  std::vector<table::Column> columns = internal::EmptyColumns(DailyColumns());
  for (table::Column& column : columns) column.Reserve(order.size());
  latest.files.reserve(order.size());
  for (const size_t row : order) {
    for (size_t c = 0; c < columns.size(); ++c) {
      internal::AppendValue(columns[c], collected_.columns[c], row);
    }
    latest.files.push_back(paths_[collected_.file_of_row[row]]);
  }
  TF_ASSIGN_OR_RETURN(latest.rows, table::Table::Make(std::move(columns)));
  std::vector<table::Column> derived;
  for (const std::string_view name : kDerivedColumnNames) {
    derived.emplace_back(std::string(name), table::ColumnType::kDouble).Reserve(order.size());
  }
  latest.derived_known.reserve(order.size());
  for (const size_t row : order) {
    const auto found = collected_.derived_of_file.find(collected_.file_of_row[row]);
    latest.derived_known.push_back(found != collected_.derived_of_file.end());
    for (size_t c = 0; c < derived.size(); ++c) {
      if (found != collected_.derived_of_file.end() && found->second[c].has_value()) {
        derived[c].AppendDouble(*found->second[c]);
      } else {
        derived[c].AppendNull();
      }
    }
  }
  TF_ASSIGN_OR_RETURN(latest.derived, table::Table::Make(std::move(derived)));
  std::stable_sort(
      failures_.begin(), failures_.end(),
      [](const IndexedFailure& a, const IndexedFailure& b) { return a.index < b.index; });
  for (IndexedFailure& failure : failures_) latest.failures.push_back(std::move(failure.failure));
  latest.rows_from_footer = rows_from_footer_;
  return latest;
}

}  // namespace

const std::vector<DailyColumn>& DailyColumns() {
  static const std::vector<DailyColumn> columns = [] {
    std::vector<DailyColumn> result = {
        {"symbol", table::ColumnType::kVarchar},
        {"date", table::ColumnType::kDate},
        {"open", table::ColumnType::kDouble},
        {"high", table::ColumnType::kDouble},
        {"low", table::ColumnType::kDouble},
        {"close", table::ColumnType::kDouble},
        {"adj_close", table::ColumnType::kDouble},
        {"volume", table::ColumnType::kBigint},
        {"vwap", table::ColumnType::kDouble},
        {"change", table::ColumnType::kDouble},
        {"change_percent", table::ColumnType::kDouble},
    };
    for (const indicators::IndicatorSpec& spec : indicators::IndicatorSpecs()) {
      result.push_back({spec.name, spec.type == indicators::IndicatorType::kDouble
                                       ? table::ColumnType::kDouble
                                       : table::ColumnType::kBoolean});
    }
    return result;
  }();
  return columns;
}

Result<LatestRows> ScanLatest(table::Connection& connection,
                              const std::vector<std::filesystem::path>& daily_files,
                              const ScanOptions& options) {
  // Each file once, in the order first given.
  std::vector<std::filesystem::path> unique;
  unique.reserve(daily_files.size());
  std::unordered_map<std::string, size_t> seen;
  for (const std::filesystem::path& path : daily_files) {
    if (seen.emplace(path.lexically_normal().string(), unique.size()).second) {
      unique.push_back(path);
    }
  }
  Scanner scanner(connection, std::move(unique));
  return scanner.Run(options);
}

}  // namespace tickerflow::screener
