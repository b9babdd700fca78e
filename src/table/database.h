// RAII over DuckDB's C API: a database, connections to it, query results, prepared statements
// and appenders. With table_source.h (in-memory Tables readable from SQL) and parquet.h, this
// is the only door to DuckDB in tickerflow; no public header includes duckdb.h, so no
// other module sees DuckDB's types.
//
//   TF_ASSIGN_OR_RETURN(Database db, Database::Open());            // in-memory
//   TF_ASSIGN_OR_RETURN(Connection conn, db.Connect());
//   TF_ASSIGN_OR_RETURN(QueryResult result,
//                       conn.Query("SELECT symbol, close FROM read_parquet(?) WHERE close > ?",
//                                  {path.string(), 100.0}));
//   TF_ASSIGN_OR_RETURN(Table table, result.FetchTable());
//
// Errors: every failure is a Status carrying DuckDB's own message, with a code chosen from
// DuckDB's error type: SQL that does not parse or bind, and bad input values, are
// kInvalidArgument; file system failures kIoError; data that DuckDB's embedded decoders reject
// (a damaged Parquet footer) kCorruptData; running out of memory kResourceExhausted; DuckDB's
// internal and fatal errors kInternal (DuckDB may then refuse all further work: stop).
//
// Threads: a Database may be shared by all threads (Connect is thread-safe). A Connection and
// everything made from it (results, statements, appenders) belong to one thread at a time:
// open one Connection per worker thread. DuckDB runs each query on its own thread pool, sized
// by DatabaseOptions::threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "table/table.h"

// DuckDB's handle types are pointers to these structs (duckdb.h: `typedef struct
// _duckdb_database {...} *duckdb_database;`). Declaring them lets the classes below hold the
// handles themselves, without an allocation or duckdb.h. The names are DuckDB's, hence the
// NOLINT for reserved and non-CamelCase identifiers.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming)
struct _duckdb_database;
struct _duckdb_connection;
struct _duckdb_prepared_statement;
struct _duckdb_appender;
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)

namespace tickerflow::table {

/// A value for a `?` or `$n` placeholder of a prepared statement. NULL is nullptr.
using Parameter = std::variant<std::nullptr_t, std::string, Date, double, int64_t, bool>;

/// Puts `name` in double quotes, doubling any quote inside, so that it can only ever be read as
/// one identifier. For column and table names that tickerflow itself chose; values never go
/// into SQL text, they are bound as Parameters.
std::string QuoteIdentifier(std::string_view name);

/// `text` as a SQL string literal: in single quotes, any quote inside doubled, so that it can
/// only ever be read as one literal. For statements that cannot take bound parameters (view
/// and table definitions) and text tickerflow chose itself (paths, labels).
std::string QuoteLiteral(std::string_view text);

/// How to open a database.
struct DatabaseOptions {
  /// The database file; empty for an in-memory database (the default: tickerflow keeps its
  /// data in Parquet files and uses DuckDB only as an engine).
  std::filesystem::path path;
  /// DuckDB's worker threads per query; 0 keeps DuckDB's default of one per core. Lower it
  /// when many tickerflow threads run queries at once.
  int threads = 0;
  /// DuckDB's memory limit such as "2GB"; empty keeps DuckDB's default (80% of RAM).
  std::string memory_limit;
};

/// The rows of a finished query. Move-only; reads its rows once, in chunks.
class QueryResult {
 public:
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  /// The number of result columns.
  size_t column_count() const;
  /// The name of result column `index` (< column_count()).
  std::string column_name(size_t index) const;
  /// Rows inserted, updated or deleted by the statement (0 for queries).
  int64_t rows_changed() const;

  /// Reads every remaining row into a Table. Result columns of types VARCHAR, DATE, DOUBLE,
  /// BIGINT and BOOLEAN keep their type; TINYINT, SMALLINT, INTEGER and their unsigned
  /// counterparts (except UBIGINT) widen to BIGINT, and FLOAT to DOUBLE, without loss. Any
  /// other type is kInvalidArgument naming the column: CAST it in the SQL. Repeated column
  /// names are kInvalidArgument too (alias them). A second call returns an empty table.
  Result<Table> FetchTable();

 private:
  friend class Connection;
  friend class PreparedStatement;
  struct Impl;  // Holds the duckdb_result, a struct that cannot be forward-declared.

  explicit QueryResult(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

/// A statement parsed and planned once, run many times with different parameters.
class PreparedStatement {
 public:
  PreparedStatement(PreparedStatement&& other) noexcept;
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  /// The number of placeholders.
  size_t parameter_count() const;

  /// Binds placeholder `index`, counted from 1 as in SQL (`$1`). kInvalidArgument when the
  /// index is out of range or DuckDB cannot convert the value to the placeholder's type.
  Status Bind(size_t index, const Parameter& value);

  /// Binds `values` to placeholders 1..n; kInvalidArgument unless n == parameter_count().
  Status BindAll(const std::vector<Parameter>& values);

  /// Runs the statement with the parameters bound so far.
  Result<QueryResult> Execute();

 private:
  friend class Connection;
  PreparedStatement(_duckdb_prepared_statement* statement, std::string sql);

  _duckdb_prepared_statement* statement_ = nullptr;
  std::string sql_;  // For error messages.
};

/// Bulk-loads rows into one table of the database, a data chunk (2048 rows) at a time.
class Appender {
 public:
  Appender(Appender&& other) noexcept;
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  /// Closes the appender; an error while flushing is lost here, so call Close() first.
  ~Appender();

  /// The number of columns of the target table.
  size_t column_count() const;

  /// Appends every row of `table`, whose columns match the target table's by position (names
  /// are not compared); DuckDB casts a column whose type differs, or fails with
  /// kInvalidArgument. VARCHAR values must be valid UTF-8 (kInvalidArgument naming the column
  /// and row otherwise).
  Status AppendTable(const Table& table);

  /// Writes buffered rows to the table.
  Status Flush();

  /// Flushes and finishes; the appender accepts no more rows. Calling it again is harmless.
  Status Close();

 private:
  friend class Connection;
  Appender(_duckdb_appender* appender, std::string table_name);

  _duckdb_appender* appender_ = nullptr;
  std::string table_name_;  // For error messages.
  bool closed_ = false;
};

/// A session with a database: runs queries one at a time. Not thread-safe; see the top of this
/// file. A Connection keeps its database alive, so it may outlive the Database object.
class Connection {
 public:
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Runs `sql` (one or more statements separated by ';'; the result is the last one's).
  /// Only for SQL without outside input: pass values as parameters with the overload below.
  Result<QueryResult> Query(std::string_view sql);

  /// Prepares `sql`, binds `parameters` to its placeholders in order, and runs it.
  Result<QueryResult> Query(std::string_view sql, const std::vector<Parameter>& parameters);

  /// Runs `sql` for its effect, discarding any rows.
  Status Execute(std::string_view sql);

  /// Parses and plans one statement with `?` or `$n` placeholders.
  Result<PreparedStatement> Prepare(std::string_view sql);

  /// An appender to the table `table_name` of `schema` (empty: the default schema). Temporary
  /// tables are found too.
  Result<Appender> CreateAppender(std::string_view table_name, std::string_view schema = {});

  /// Asks the query running on this connection (from another thread) to stop; it fails with
  /// an interrupt error. Safe to call from any thread.
  void Interrupt();

 private:
  friend class Database;
  explicit Connection(_duckdb_connection* connection) : connection_(connection) {}

  _duckdb_connection* connection_ = nullptr;
};

/// A DuckDB database instance: in-memory by default, or a database file. tickerflow's table
/// function `tickerflow_table` (see table_source.h) is registered on it.
class Database {
 public:
  /// Opens a database. kIoError when the file cannot be opened (another process may hold its
  /// lock), kInvalidArgument for a bad option value.
  static Result<Database> Open(const DatabaseOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  /// Closes this handle; the instance lives on while connections to it remain.
  ~Database();

  /// A new connection. Thread-safe: every thread opens its own.
  Result<Connection> Connect() const;

 private:
  explicit Database(_duckdb_database* database) : database_(database) {}

  _duckdb_database* database_ = nullptr;
};

}  // namespace tickerflow::table
