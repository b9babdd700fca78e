#include "screener/file_batch_internal.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <system_error>
#include <utility>

#include "table/json_text.h"

namespace tickerflow::screener::internal {
namespace {

Status RunIsolatingFailuresImpl(std::span<const QueryFile> files, const BatchQuery& query,
                                std::span<const std::filesystem::path> paths,
                                std::vector<IndexedFailure>& failures) {
  if (files.empty()) return Status::Ok();
  Status status = query(files);
  if (status.ok()) return Status::Ok();
  if (files.size() == 1) {
    Status as_failure = Status::Ok();
    if (!AsFileFailure(status, files[0].absolute, as_failure)) return status;
    failures.push_back(
        IndexedFailure{files[0].index, FileFailure{paths[files[0].index], std::move(as_failure)}});
    return Status::Ok();
  }
  // A run-wide error would fail every half again: stop now rather than after 2n queries.
  if (Status ignored = Status::Ok(); !AsFileFailure(status, "", ignored)) return status;
  const size_t half = files.size() / 2;
  TF_RETURN_IF_ERROR(RunIsolatingFailuresImpl(files.first(half), query, paths, failures));
  return RunIsolatingFailuresImpl(files.subspan(half), query, paths, failures);
}

}  // namespace

std::string FileListParameter(std::span<const QueryFile> files) {
  nlohmann::json list = nlohmann::json::array();
  for (const QueryFile& file : files) list.push_back(file.absolute);
  // Paths were checked to be UTF-8 (PrepareFilePath), so dump cannot meet invalid text; the
  // replace handler keeps it from throwing should that ever change.
  return list.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                   nlohmann::json::error_handler_t::replace);
}

Result<std::string> PrepareFilePath(const std::filesystem::path& path) {
  if (path.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "the daily file path is empty");
  }
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) {
    return Status::Error(ErrorCode::kIoError, fmt::format("'{}': cannot make the path absolute: {}",
                                                          path.string(), error.message()));
  }
  std::string text = absolute.string();
  if (text.find('\0') != std::string::npos || !table::IsValidUtf8(text)) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("'{}': the path is not valid UTF-8 text, which DuckDB "
                                     "requires; rename the file or its directory",
                                     path.string()));
  }
  if (text.find_first_of("*?[{") != std::string::npos) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("'{}': the path contains a glob character (* ? [ {{), which DuckDB would "
                    "expand; rename the file or its directory",
                    path.string()));
  }
  const std::filesystem::file_status status = std::filesystem::status(absolute, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("'{}': the daily file does not exist", text));
  }
  if (error) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("'{}': cannot examine the file: {}", text, error.message()));
  }
  if (status.type() != std::filesystem::file_type::regular) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("'{}': not a regular file", text));
  }
  return text;
}

bool AsFileFailure(const Status& failed, const std::string& path, Status& as_failure) {
  switch (failed.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorruptData:
      // Our SQL is fixed, so DuckDB rejecting the input means the file is bad: not Parquet,
      // truncated, damaged, without a daily column, or with a column of another type.
      as_failure = Status::Error(
          ErrorCode::kCorruptData,
          fmt::format("{}: {} (the file is damaged or not a daily file: restore or delete it; "
                      "the next run rewrites it from the source)",
                      path, failed.message()));
      return true;
    case ErrorCode::kNotFound:
      as_failure = failed.WithContext(path);
      return true;
    case ErrorCode::kIoError: {
      std::error_code error;
      if (!path.empty() && !std::filesystem::exists(path, error) && !error) {
        as_failure = Status::Error(ErrorCode::kNotFound,
                                   fmt::format("'{}': the daily file disappeared", path));
      } else {
        as_failure = failed.WithContext(path);
      }
      return true;
    }
    default:
      return false;
  }
}

Status RunIsolatingFailures(std::span<const QueryFile> files, const BatchQuery& query,
                            std::span<const std::filesystem::path> paths,
                            std::vector<IndexedFailure>& failures) {
  return RunIsolatingFailuresImpl(files, query, paths, failures);
}

void AppendValue(table::Column& to, const table::Column& from, size_t row) {
  to.AppendFrom(from, row);
}

std::vector<table::Column> EmptyColumns(std::span<const DailyColumn> columns) {
  std::vector<table::Column> result;
  result.reserve(columns.size());
  for (const DailyColumn& column : columns)
    result.emplace_back(std::string(column.name), column.type);
  return result;
}

Status CheckColumn(const table::Table& table, size_t index, std::string_view name,
                   table::ColumnType type) {
  if (index >= table.num_columns() || table.column(index).name() != name) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("query result lacks column '{}' at position {}", name, index));
  }
  if (table.column(index).type() != type) {
    return Status::Error(ErrorCode::kCorruptData,
                         fmt::format("column '{}' is {} where a daily file has {}", name,
                                     table::ColumnTypeName(table.column(index).type()),
                                     table::ColumnTypeName(type)));
  }
  return Status::Ok();
}

Result<size_t> DatabaseThreads(table::Connection& connection) {
  TF_ASSIGN_OR_RETURN(table::QueryResult result,
                      connection.Query("SELECT CAST(current_setting('threads') AS BIGINT)"));
  TF_ASSIGN_OR_RETURN(table::Table threads, result.FetchTable());
  if (threads.num_rows() != 1 || threads.column(0).is_null(0) ||
      threads.column(0).bigints()[0] < 1) {
    return size_t{1};
  }
  return static_cast<size_t>(threads.column(0).bigints()[0]);
}

}  // namespace tickerflow::screener::internal
