// Lends an in-memory Table to SQL without copying it into DuckDB: queries read its rows
// through a table function, a data chunk at a time, straight from the Table's vectors. This
// is how WriteParquet feeds COPY, and how a step can join in-memory rows with files.
//
//   TF_ASSIGN_OR_RETURN(TableSource source, TableSource::Create(table));
//   TF_ASSIGN_OR_RETURN(
//       QueryResult result,
//       conn.Query(fmt::format("SELECT symbol FROM {} WHERE close > ?", source.sql()), {100.0}));
//
// The table function, `tickerflow_table(id)`, is registered on every database that
// Database::Open opens. An id only resolves while its TableSource lives, so SQL from outside
// (`tickerflow query`) can at worst name an id that does not exist, which is an error.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "table/table.h"

namespace tickerflow::table {

/// A Table made readable from SQL on any database opened by Database::Open, from any thread,
/// while this object lives. The Table must outlive the TableSource and must not change while a
/// query reads it. Move-only.
class TableSource {
 public:
  /// Registers `table`. kInvalidArgument when a VARCHAR value is not valid UTF-8 (DuckDB
  /// requires UTF-8 and would not check it).
  static Result<TableSource> Create(const Table& table);

  TableSource(TableSource&& other) noexcept;
  TableSource& operator=(TableSource&& other) noexcept;
  TableSource(const TableSource&) = delete;
  TableSource& operator=(const TableSource&) = delete;
  /// Unregisters the table; queries that name it afterwards fail.
  ~TableSource();

  /// The id that names the table in SQL.
  int64_t id() const { return id_; }

  /// A table expression reading every row in order, such as "tickerflow_table(17)", for a FROM
  /// clause. It contains only a number of ours, so it may be put into SQL text.
  std::string sql() const;

 private:
  explicit TableSource(int64_t id) : id_(id) {}

  int64_t id_ = 0;  // 0: moved-from, nothing registered.
};

}  // namespace tickerflow::table
