#include "table/table_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>

#include "table/duckdb_internal.h"

namespace tickerflow::table {
namespace {

constexpr const char* kFunctionName = "tickerflow_table";

// The tables lent to SQL, by id. Process-wide because the table function is registered on every
// database and a TableSource does not belong to one. Ids are random, not sequential, so that
// SQL from outside cannot name a live table by counting.
class Registry {
 public:
  int64_t Add(const Table* table) {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::uniform_int_distribution<int64_t> distribution(1, std::numeric_limits<int64_t>::max());
    int64_t id = 0;
    do {
      id = distribution(random_);
    } while (tables_.contains(id));
    tables_.emplace(id, table);
    return id;
  }

  void Remove(int64_t id) {
    const std::lock_guard<std::mutex> lock(mutex_);
    tables_.erase(id);
  }

  const Table* Find(int64_t id) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = tables_.find(id);
    return it == tables_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 random_{std::random_device()()};
  std::unordered_map<int64_t, const Table*> tables_;
};

Registry& GlobalRegistry() {
  static Registry registry;
  return registry;
}

// What bind hands to the scan: the table found under the id.
struct BindData {
  const Table* table = nullptr;
};

// How far a scan has got.
struct ScanState {
  size_t offset = 0;
};

// DuckDB owns bind and init data once handed over, and gives them back to these callbacks.
void DeleteBindData(void* data) {
  const std::unique_ptr<BindData> owned(static_cast<BindData*>(data));
}
void DeleteScanState(void* data) {
  const std::unique_ptr<ScanState> owned(static_cast<ScanState*>(data));
}

// The callbacks run inside DuckDB's C++ code: they report errors through DuckDB and must not
// throw.
void Bind(duckdb_bind_info info) {
  duckdb_value parameter = duckdb_bind_get_parameter(info, 0);
  // duckdb_get_int64 throws DuckDB's internal error on a NULL (its documentation promises a
  // default value), and the exception would skip the duckdb_destroy_value below.
  const bool is_null = duckdb_is_null_value(parameter);
  const int64_t id = is_null ? 0 : duckdb_get_int64(parameter);
  duckdb_destroy_value(&parameter);
  const Table* table = GlobalRegistry().Find(id);
  if (table == nullptr) {
    const std::string message =
        fmt::format("{}({}): no table is lent to SQL under this id (its TableSource has ended)",
                    kFunctionName, id);
    duckdb_bind_set_error(info, message.c_str());
    return;
  }
  if (table->num_columns() == 0) {
    const std::string message = fmt::format("{}({}): the table has no columns", kFunctionName, id);
    duckdb_bind_set_error(info, message.c_str());
    return;
  }
  for (const Column& column : table->columns()) {
    duckdb_logical_type type = duckdb_create_logical_type(internal::DuckDbType(column.type()));
    duckdb_bind_add_result_column(info, column.name().c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
  duckdb_bind_set_cardinality(info, table->num_rows(), /*is_exact=*/true);
  duckdb_bind_set_bind_data(info, std::make_unique<BindData>(BindData{table}).release(),
                            DeleteBindData);
}

void Init(duckdb_init_info info) {
  // No max-threads call: the scan stays single-threaded, which keeps the rows in order.
  duckdb_init_set_init_data(info, std::make_unique<ScanState>().release(), DeleteScanState);
}

void Scan(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* bind = static_cast<const BindData*>(duckdb_function_get_bind_data(info));
  auto* state = static_cast<ScanState*>(duckdb_function_get_init_data(info));
  const Table& table = *bind->table;
  const size_t remaining = table.num_rows() - std::min(state->offset, table.num_rows());
  const size_t count = std::min<size_t>(duckdb_vector_size(), remaining);
  for (size_t i = 0; i < table.num_columns() && count > 0; ++i) {
    internal::FillVector(table.column(i), state->offset, count,
                         duckdb_data_chunk_get_vector(output, static_cast<idx_t>(i)));
  }
  duckdb_data_chunk_set_size(output, count);  // 0 ends the scan.
  state->offset += count;
}

}  // namespace

namespace internal {

Status RegisterTableSourceFunction(duckdb_connection connection) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, kFunctionName);
  duckdb_logical_type id_type = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_table_function_add_parameter(function, id_type);
  duckdb_destroy_logical_type(&id_type);
  duckdb_table_function_set_bind(function, Bind);
  duckdb_table_function_set_init(function, Init);
  duckdb_table_function_set_function(function, Scan);
  const duckdb_state state = duckdb_register_table_function(connection, function);
  duckdb_destroy_table_function(&function);
  if (state == DuckDBError) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("registering DuckDB table function {} failed; a function of "
                                     "that name may exist already",
                                     kFunctionName));
  }
  return Status::Ok();
}

}  // namespace internal

Result<TableSource> TableSource::Create(const Table& table) {
  TF_RETURN_IF_ERROR(internal::CheckUtf8(table));
  return TableSource(GlobalRegistry().Add(&table));
}

TableSource::TableSource(TableSource&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

TableSource& TableSource::operator=(TableSource&& other) noexcept {
  if (this != &other) {
    if (id_ != 0) GlobalRegistry().Remove(id_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

TableSource::~TableSource() {
  if (id_ != 0) GlobalRegistry().Remove(id_);
}

std::string TableSource::sql() const { return fmt::format("{}({})", kFunctionName, id_); }

}  // namespace tickerflow::table
