// Internal to src/screener: running one SQL query over many daily files so that a bad file
// costs the others nothing, and small helpers on Tables. Not part of the public API.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "screener/scan_latest.h"
#include "table/table.h"

namespace tickerflow::screener::internal {

/// A file that queries may name: its position in the caller's list and its absolute path.
struct QueryFile {
  size_t index = 0;
  std::string absolute;
};

/// A SQL expression for read_parquet and friends that turns one bound VARCHAR parameter, a JSON
/// array of strings, into a VARCHAR[] of paths. DuckDB's C API cannot bind a list, so the list
/// travels as JSON text (written by nlohmann, which escapes every character that needs it) and
/// never as SQL text.
inline constexpr std::string_view kFileListSql = "json_extract_string(?, '$[*]')";

/// The parameter for kFileListSql: the absolute paths of `files` as a JSON array.
std::string FileListParameter(std::span<const QueryFile> files);

/// Checks that `path` can be named in a query and returns its absolute form, or the reason it
/// cannot: kNotFound when there is no file, kInvalidArgument when it is not a regular file, is
/// not UTF-8, or contains a glob character (DuckDB expands '*', '?', '[' and '{' in paths and
/// has no way to escape them), kIoError when it cannot be examined.
Result<std::string> PrepareFilePath(const std::filesystem::path& path);

/// A failure and the position of its file in the caller's list (to report failures in input
/// order).
struct IndexedFailure {
  size_t index = 0;
  FileFailure failure;
};

/// Runs `query` on a batch of files; it either fails, or succeeds and keeps its results.
using BatchQuery = std::function<Status(std::span<const QueryFile> batch)>;

/// Runs `query` over `files`. When it fails, the batch is split in halves and each is run
/// again, so that k bad files among n cost O(k log n) extra queries and the good files keep
/// their results. A single file that fails is added to `failures` (path from `paths`, indexed
/// by QueryFile::index) with a code saying why (see AsFileFailure). Errors that are not about
/// one file (out of memory, an internal DuckDB error, an interrupt) are returned at once.
Status RunIsolatingFailures(std::span<const QueryFile> files, const BatchQuery& query,
                            std::span<const std::filesystem::path> paths,
                            std::vector<IndexedFailure>& failures);

/// `failed`, the error of a query over the single file `path`, as a per-file failure:
/// kCorruptData when DuckDB rejected the file's content, kNotFound when it has disappeared,
/// kIoError when it could not be read. Returns false for run-wide errors (see above).
bool AsFileFailure(const Status& failed, const std::string& path, Status& as_failure);

/// Appends row `row` of `from` to `to`; both columns have the same type.
void AppendValue(table::Column& to, const table::Column& from, size_t row);

/// Empty columns named and typed as `columns`.
std::vector<table::Column> EmptyColumns(std::span<const DailyColumn> columns);

/// Checks that column `index` of `table` is named `name` with type `type`; kCorruptData
/// otherwise (a file whose column has another type than the daily schema's).
Status CheckColumn(const table::Table& table, size_t index, std::string_view name,
                   table::ColumnType type);

/// The number of worker threads of the connection's database (DuckDB's `threads` setting).
Result<size_t> DatabaseThreads(table::Connection& connection);

}  // namespace tickerflow::screener::internal
