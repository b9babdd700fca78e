// What the .cc files of src/table/ share about DuckDB's C API. Internal: the only header that
// includes duckdb.h, and only src/table/*.cc include it (never another header, never another
// module).
#pragma once

// Compile against the non-deprecated C API only: DuckDB announces that the deprecated
// functions (duckdb_value_*, duckdb_row_count, duckdb_result_get_chunk, ...) will be removed.
#ifndef DUCKDB_API_NO_DEPRECATED
#define DUCKDB_API_NO_DEPRECATED
#endif
#include <duckdb.h>

#include <cstddef>

#include "common/status.h"
#include "table/table.h"

namespace tickerflow::table::internal {

/// The DuckDB type of a column type.
duckdb_type DuckDbType(ColumnType type);

/// OK, or kInvalidArgument naming the first VARCHAR value (column and row) that is not valid
/// UTF-8. DuckDB requires UTF-8 of strings put into vectors and does not check it.
Status CheckUtf8(const Table& table);

/// Copies rows [offset, offset + count) of `column` into `vector`, a vector of a chunk that was
/// just created or reset (all rows valid), with count <= duckdb_vector_size().
void FillVector(const Column& column, size_t offset, size_t count, duckdb_vector vector);

/// Registers the table function behind TableSource on the database of `connection`.
Status RegisterTableSourceFunction(duckdb_connection connection);

}  // namespace tickerflow::table::internal
