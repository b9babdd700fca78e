// Parquet files from and to Tables, through DuckDB: zstd compression, column statistics
// (min/max/null count per row group, which Athena and DuckDB use to skip data), and the column
// names, order and types of the Table (VARCHAR as UTF8 strings, DATE as INT32 annotated DATE,
// DOUBLE, BIGINT as INT64, BOOLEAN).
//
// One-off use:
//
//   TF_RETURN_IF_ERROR(WriteParquet(table, "/data/daily/AAPL.parquet"));
//   TF_ASSIGN_OR_RETURN(Table again, ReadParquet("/data/daily/AAPL.parquet"));
//
// Many files: share one Database, and give each thread its own writer (its own Connection),
// because opening a database per file costs more than writing a small file:
//
//   DatabaseOptions options;
//   options.threads = 2;
//   TF_ASSIGN_OR_RETURN(Database db, Database::Open(options));
//   // in each worker thread:
//   TF_ASSIGN_OR_RETURN(ParquetWriter writer, ParquetWriter::Create(db));
//   for (...) {
//     TF_RETURN_IF_ERROR(writer.Write(table, path));
//     TF_ASSIGN_OR_RETURN(Table stored, ReadParquet(writer.connection(), other_path));
//   }
//
// Writing is not atomic: a failure can leave a partial file at `path`. Callers that need
// all-or-nothing files write to a temporary name and rename (the storage layer does).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "table/database.h"
#include "table/table.h"

namespace tickerflow::table {

/// How to lay out a Parquet file.
struct ParquetWriteOptions {
  /// DuckDB's default number of rows per row group: large enough that readers do few seeks, and
  /// every daily file (about 5,000 rows) is one row group.
  static constexpr int64_t kDefaultRowGroupSize = 122880;

  /// Rows per row group (> 0). Statistics are kept per row group.
  int64_t row_group_size = kDefaultRowGroupSize;
  /// zstd's level, 1 (fastest) to 22; 3 is zstd's and DuckDB's default. Level 1 writes a daily
  /// file about 6% faster for 3% more bytes (docs/performance.md).
  int compression_level = 3;
  /// Whether DuckDB may dictionary-encode a column. It tries for every column and gives up when
  /// the values are too many; for columns of mostly distinct doubles (prices, indicators) the
  /// attempt costs about a tenth of the write and saves little, so daily files turn it off.
  bool dictionary_encoding = true;
  /// Key-value pairs for the file's footer (Parquet's key_value_metadata), in order; keys must
  /// not contain a single quote. Readers that do not know a key ignore it.
  std::vector<std::pair<std::string, std::string>> footer_metadata;
};

/// Writes `table` to `path` (replacing any file there) using `connection`, a connection to a
/// database opened by Database::Open. kInvalidArgument for a table without columns, a VARCHAR
/// value that is not UTF-8, or bad options; kIoError when the file cannot be written (the
/// directory does not exist, permissions, disk full). An empty table (0 rows) gives a valid
/// file with the schema. DuckDB's COPY reads the rows straight from the Table (TableSource),
/// a data chunk at a time; nothing is left behind in the database.
Status WriteParquet(Connection& connection, const Table& table, const std::filesystem::path& path,
                    const ParquetWriteOptions& options = {});

/// Reads the Parquet file at `path` with `connection`. kNotFound when there is no file;
/// kCorruptData when it is not a Parquet file, is truncated or damaged, or holds a column of a
/// type a Table cannot hold (see QueryResult::FetchTable); kIoError when it cannot be read.
/// Columns come back in file order with the file's names; rows in file order.
Result<Table> ReadParquet(Connection& connection, const std::filesystem::path& path);

/// WriteParquet with a private in-memory database, opened and closed for this one call.
Status WriteParquet(const Table& table, const std::filesystem::path& path,
                    const ParquetWriteOptions& options = {});

/// ReadParquet with a private in-memory database, opened and closed for this one call.
Result<Table> ReadParquet(const std::filesystem::path& path);

/// Writes many Parquet files on one connection of a shared database. One writer per thread;
/// a writer keeps its database alive.
class ParquetWriter {
 public:
  /// A writer with a new connection to `database`.
  static Result<ParquetWriter> Create(const Database& database, ParquetWriteOptions options = {});

  /// As WriteParquet(connection(), table, path, options).
  Status Write(const Table& table, const std::filesystem::path& path);

  /// The writer's connection, for reads and queries on the same thread.
  Connection& connection() { return connection_; }

 private:
  ParquetWriter(Connection connection, ParquetWriteOptions options)
      : connection_(std::move(connection)), options_(std::move(options)) {}

  Connection connection_;
  ParquetWriteOptions options_;
};

}  // namespace tickerflow::table
