#include "table/database.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <utility>
#include <variant>

#include "table/duckdb_internal.h"
#include "table/json_text.h"

namespace tickerflow::table {

struct QueryResult::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // duckdb_destroy_result is required after every duckdb_query / duckdb_execute_prepared,
  // failed ones included, and accepts a zeroed result.
  ~Impl() { duckdb_destroy_result(&result); }

  duckdb_result result{};
};

namespace {

// What the caller should make of each DuckDB error type (see the top of database.h).
ErrorCode CodeForErrorType(duckdb_error_type type) {
  switch (type) {
    case DUCKDB_ERROR_IO:
      return ErrorCode::kIoError;
    case DUCKDB_ERROR_PERMISSION:
      return ErrorCode::kPermissionDenied;
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return ErrorCode::kResourceExhausted;
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_HTTP:
    case DUCKDB_ERROR_TRANSACTION:  // A write-write conflict: the same statement may succeed.
    case DUCKDB_ERROR_INTERRUPT:    // Someone called Interrupt(); the work was not done.
      return ErrorCode::kUnavailable;
    case DUCKDB_ERROR_INVALID:
      // DuckDB's type for exceptions that are not its own, in practice those of the decoders
      // it embeds: a Parquet footer whose Thrift encoding is damaged ends up here.
      return ErrorCode::kCorruptData;
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL:
    case DUCKDB_ERROR_SERIALIZATION:
      return ErrorCode::kInternal;
    default:
      // Parser, binder, catalog, conversion, constraint, invalid input, out of range, ...:
      // the SQL or the values given to it are wrong.
      return ErrorCode::kInvalidArgument;
  }
}

// The code for an error known only by its message ("IO Error: ..."), which is all that
// duckdb_prepare_error and duckdb_open_ext give. DuckDB writes every message as
// "<type> Error: <text>", so the prefix names the type.
ErrorCode CodeForMessage(std::string_view message) {
  struct Prefix {
    std::string_view prefix;
    duckdb_error_type type;
  };
  static constexpr std::array<Prefix, 10> kPrefixes = {{
      {"IO Error", DUCKDB_ERROR_IO},
      {"Permission Error", DUCKDB_ERROR_PERMISSION},
      {"Out of Memory Error", DUCKDB_ERROR_OUT_OF_MEMORY},
      {"Network Error", DUCKDB_ERROR_NETWORK},
      {"HTTP Error", DUCKDB_ERROR_HTTP},
      {"TransactionContext Error", DUCKDB_ERROR_TRANSACTION},
      {"INTERRUPT Error", DUCKDB_ERROR_INTERRUPT},
      {"INTERNAL Error", DUCKDB_ERROR_INTERNAL},
      {"FATAL Error", DUCKDB_ERROR_FATAL},
      {"Invalid Error", DUCKDB_ERROR_INVALID},
  }};
  for (const Prefix& prefix : kPrefixes) {
    if (message.starts_with(prefix.prefix)) return CodeForErrorType(prefix.type);
  }
  return ErrorCode::kInvalidArgument;
}

// DuckDB ends some messages with a newline; Status messages should not.
std::string TrimMessage(std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  return std::string(message);
}

// SQL shortened for an error message: long statements would drown DuckDB's own explanation.
std::string Abbreviate(std::string_view sql) {
  constexpr size_t kMaxChars = 160;
  if (sql.size() <= kMaxChars) return std::string(sql);
  return fmt::format("{}...", sql.substr(0, kMaxChars));
}

Status ErrorFromResult(duckdb_result* result, std::string_view context) {
  const char* message = duckdb_result_error(result);
  return Status::Error(CodeForErrorType(duckdb_result_error_type(result)),
                       fmt::format("{}: {}", context, TrimMessage(message ? message : "unknown")));
}

// Takes ownership of `error` (a duckdb_error_data).
Status ErrorFromErrorData(duckdb_error_data error, std::string_view context) {
  Status status =
      Status::Error(CodeForErrorType(duckdb_error_data_error_type(error)),
                    fmt::format("{}: {}", context, TrimMessage(duckdb_error_data_message(error))));
  duckdb_destroy_error_data(&error);
  return status;
}

Status ErrorFromAppender(duckdb_appender appender, std::string_view context) {
  return ErrorFromErrorData(duckdb_appender_error_data(appender), context);
}

Status ErrorFromStatement(duckdb_prepared_statement statement, std::string_view context) {
  const char* message = duckdb_prepare_error(statement);
  const std::string text = TrimMessage(message ? message : "unknown error");
  return Status::Error(CodeForMessage(text), fmt::format("{}: {}", context, text));
}

// The Column type that holds values of DuckDB type `type` exactly, if any.
bool ColumnTypeFor(duckdb_type type, ColumnType* out) {
  switch (type) {
    case DUCKDB_TYPE_VARCHAR:
      *out = ColumnType::kVarchar;
      return true;
    case DUCKDB_TYPE_DATE:
      *out = ColumnType::kDate;
      return true;
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_FLOAT:
      *out = ColumnType::kDouble;
      return true;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UTINYINT:
      *out = ColumnType::kBigint;
      return true;
    case DUCKDB_TYPE_BOOLEAN:
      *out = ColumnType::kBoolean;
      return true;
    default:
      return false;
  }
}

// A name for the DuckDB types a query may return that FetchTable cannot hold.
std::string DuckDbTypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL";
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_LIST:
      return "LIST";
    case DUCKDB_TYPE_STRUCT:
      return "STRUCT";
    case DUCKDB_TYPE_MAP:
      return "MAP";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    case DUCKDB_TYPE_SQLNULL:
      return "NULL";
    default:
      return fmt::format("DuckDB type #{}", static_cast<int>(type));
  }
}

bool RowIsValid(const uint64_t* validity, idx_t row) {
  return validity == nullptr || ((validity[row / 64] >> (row % 64)) & 1) != 0;
}

// Owns a duckdb_data_chunk.
class DataChunk {
 public:
  explicit DataChunk(duckdb_data_chunk chunk) : chunk_(chunk) {}
  DataChunk(DataChunk&& other) noexcept : chunk_(std::exchange(other.chunk_, nullptr)) {}
  DataChunk& operator=(DataChunk&& other) noexcept {
    if (this != &other) {
      Reset();
      chunk_ = std::exchange(other.chunk_, nullptr);
    }
    return *this;
  }
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;
  ~DataChunk() { Reset(); }
  duckdb_data_chunk get() const { return chunk_; }

 private:
  void Reset() {
    if (chunk_ != nullptr) duckdb_destroy_data_chunk(&chunk_);
  }

  duckdb_data_chunk chunk_;
};

// Owns the logical types of a table's columns.
class LogicalTypes {
 public:
  explicit LogicalTypes(const Table& table) {
    types_.reserve(table.num_columns());
    for (const Column& column : table.columns()) {
      types_.push_back(duckdb_create_logical_type(internal::DuckDbType(column.type())));
    }
  }
  LogicalTypes(const LogicalTypes&) = delete;
  LogicalTypes& operator=(const LogicalTypes&) = delete;
  ~LogicalTypes() {
    for (duckdb_logical_type& type : types_) duckdb_destroy_logical_type(&type);
  }
  duckdb_logical_type* data() { return types_.data(); }

 private:
  std::vector<duckdb_logical_type> types_;
};

// One result column, filled chunk by chunk into vectors sized for the whole result.
struct ColumnBuilder {
  std::string name;
  ColumnType type = ColumnType::kVarchar;
  duckdb_type source = DUCKDB_TYPE_INVALID;
  Column::Values values;
  std::vector<uint8_t> valid;  // Empty until the first NULL: most columns have none.
};

// Copies `count` values of type `Source` to `out` as `Target`, with the placeholder Target{} at
// NULL rows: DuckDB leaves the slots of NULL rows uninitialized. The conversions only widen;
// for TINYINT (int8_t) the sign extension is the point, whatever clang-tidy's signed-char
// check suspects.
template <typename Target, typename Source>
void CopyNumbers(const void* data, const uint64_t* validity, idx_t count, Target* out) {
  const auto* in = static_cast<const Source*>(data);
  if (validity == nullptr) {
    for (idx_t row = 0; row < count; ++row) {
      out[row] = static_cast<Target>(in[row]);  // NOLINT(bugprone-signed-char-misuse)
    }
    return;
  }
  for (idx_t row = 0; row < count; ++row) {
    out[row] = RowIsValid(validity, row)
                   ? static_cast<Target>(in[row])  // NOLINT(bugprone-signed-char-misuse)
                   : Target{};
  }
}

void CopyIntegers(duckdb_type source, const void* data, const uint64_t* validity, idx_t count,
                  int64_t* out) {
  switch (source) {
    case DUCKDB_TYPE_BIGINT:
      return CopyNumbers<int64_t, int64_t>(data, validity, count, out);
    case DUCKDB_TYPE_INTEGER:
      return CopyNumbers<int64_t, int32_t>(data, validity, count, out);
    case DUCKDB_TYPE_SMALLINT:
      return CopyNumbers<int64_t, int16_t>(data, validity, count, out);
    case DUCKDB_TYPE_TINYINT:
      return CopyNumbers<int64_t, int8_t>(data, validity, count, out);
    case DUCKDB_TYPE_UINTEGER:
      return CopyNumbers<int64_t, uint32_t>(data, validity, count, out);
    case DUCKDB_TYPE_USMALLINT:
      return CopyNumbers<int64_t, uint16_t>(data, validity, count, out);
    case DUCKDB_TYPE_UTINYINT:
      return CopyNumbers<int64_t, uint8_t>(data, validity, count, out);
    default:
      return;
  }
}

// Copies the `count` rows of `vector` to rows [offset, offset + count) of `builder`, whose
// vectors hold `total` rows.
void CopyChunkColumn(duckdb_vector vector, idx_t count, size_t offset, size_t total,
                     ColumnBuilder* builder) {
  const void* data = duckdb_vector_get_data(vector);
  const uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity != nullptr) {
    for (idx_t row = 0; row < count; ++row) {
      if (RowIsValid(validity, row)) continue;
      if (builder->valid.empty()) builder->valid.assign(total, 1);
      builder->valid[offset + row] = 0;
    }
  }
  switch (builder->type) {
    case ColumnType::kVarchar: {
      std::string* out = std::get<std::vector<std::string>>(builder->values).data() + offset;
      // duckdb_string_t_data takes a non-const pointer although it only reads.
      auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
      for (idx_t row = 0; row < count; ++row) {
        if (RowIsValid(validity, row)) {
          out[row].assign(duckdb_string_t_data(&strings[row]),
                          duckdb_string_t_length(strings[row]));
        }
      }
      break;
    }
    case ColumnType::kDate: {
      Date* out = std::get<std::vector<Date>>(builder->values).data() + offset;
      const auto* dates = static_cast<const duckdb_date*>(data);
      for (idx_t row = 0; row < count; ++row) {
        out[row] = RowIsValid(validity, row) ? Date::FromDays(dates[row].days) : Date();
      }
      break;
    }
    case ColumnType::kDouble: {
      double* out = std::get<std::vector<double>>(builder->values).data() + offset;
      if (builder->source == DUCKDB_TYPE_FLOAT) {
        CopyNumbers<double, float>(data, validity, count, out);
      } else {
        CopyNumbers<double, double>(data, validity, count, out);
      }
      break;
    }
    case ColumnType::kBigint:
      CopyIntegers(builder->source, data, validity, count,
                   std::get<std::vector<int64_t>>(builder->values).data() + offset);
      break;
    case ColumnType::kBoolean: {
      uint8_t* out = std::get<std::vector<uint8_t>>(builder->values).data() + offset;
      // Read as bytes, not bool: a NULL row's byte is uninitialized and may not be 0 or 1.
      const auto* bytes = static_cast<const uint8_t*>(data);
      for (idx_t row = 0; row < count; ++row) {
        out[row] = RowIsValid(validity, row) && bytes[row] != 0 ? 1 : 0;
      }
      break;
    }
  }
}

Column BuildColumn(ColumnBuilder&& builder) {
  std::vector<uint8_t> valid = std::move(builder.valid);
  switch (builder.type) {
    case ColumnType::kVarchar:
      return Column::Varchars(std::move(builder.name),
                              std::get<std::vector<std::string>>(std::move(builder.values)),
                              std::move(valid));
    case ColumnType::kDate:
      return Column::Dates(std::move(builder.name),
                           std::get<std::vector<Date>>(std::move(builder.values)),
                           std::move(valid));
    case ColumnType::kDouble:
      return Column::Doubles(std::move(builder.name),
                             std::get<std::vector<double>>(std::move(builder.values)),
                             std::move(valid));
    case ColumnType::kBigint:
      return Column::Bigints(std::move(builder.name),
                             std::get<std::vector<int64_t>>(std::move(builder.values)),
                             std::move(valid));
    case ColumnType::kBoolean:
      return Column::Booleans(std::move(builder.name),
                              std::get<std::vector<uint8_t>>(std::move(builder.values)),
                              std::move(valid));
  }
  return Column(std::move(builder.name), builder.type);
}

Column::Values ValuesFor(ColumnType type, size_t rows) {
  Column::Values values = Column(std::string(), type).values();
  std::visit([rows](auto& vector) { vector.resize(rows); }, values);
  return values;
}

}  // namespace

namespace internal {

duckdb_type DuckDbType(ColumnType type) {
  switch (type) {
    case ColumnType::kVarchar:
      return DUCKDB_TYPE_VARCHAR;
    case ColumnType::kDate:
      return DUCKDB_TYPE_DATE;
    case ColumnType::kDouble:
      return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kBigint:
      return DUCKDB_TYPE_BIGINT;
    case ColumnType::kBoolean:
      return DUCKDB_TYPE_BOOLEAN;
  }
  return DUCKDB_TYPE_INVALID;
}

Status CheckUtf8(const Table& table) {
  for (const Column& column : table.columns()) {
    if (column.type() != ColumnType::kVarchar) continue;
    const std::vector<std::string>& values = column.varchars();
    for (size_t row = 0; row < values.size(); ++row) {
      if (column.is_valid(row) && !IsValidUtf8(values[row])) {
        return Status::Error(ErrorCode::kInvalidArgument,
                             fmt::format("column '{}' row {} is not valid UTF-8; text must be "
                                         "UTF-8 (fix or drop the value where it is read)",
                                         column.name(), row));
      }
    }
  }
  return Status::Ok();
}

void FillVector(const Column& column, size_t offset, size_t count, duckdb_vector vector) {
  if (column.null_count() > 0) {
    const std::vector<uint8_t>& valid = column.validity();
    const bool any_null = std::find(valid.begin() + static_cast<ptrdiff_t>(offset),
                                    valid.begin() + static_cast<ptrdiff_t>(offset + count),
                                    0) != valid.begin() + static_cast<ptrdiff_t>(offset + count);
    if (any_null) {
      duckdb_vector_ensure_validity_writable(vector);
      uint64_t* mask = duckdb_vector_get_validity(vector);
      // Whole 64-bit words at once rather than a call per NULL row.
      for (size_t word = 0; word * 64 < count; ++word) {
        uint64_t bits = ~uint64_t{0};
        const size_t end = std::min<size_t>(64, count - word * 64);
        for (size_t bit = 0; bit < end; ++bit) {
          if (valid[offset + word * 64 + bit] == 0) bits &= ~(uint64_t{1} << bit);
        }
        mask[word] = bits;
      }
    }
  }
  void* data = duckdb_vector_get_data(vector);
  switch (column.type()) {
    case ColumnType::kVarchar: {
      const std::vector<std::string>& values = column.varchars();
      for (size_t row = 0; row < count; ++row) {
        const std::string& value = values[offset + row];
        // NULL rows get "" too, so that no string slot is left uninitialized.
        duckdb_vector_assign_string_element_len(vector, row, value.data(),
                                                column.is_valid(offset + row) ? value.size() : 0);
      }
      break;
    }
    case ColumnType::kDate: {
      auto* out = static_cast<duckdb_date*>(data);
      const std::vector<Date>& values = column.dates();
      for (size_t row = 0; row < count; ++row) {
        out[row].days = values[offset + row].days_since_epoch();
      }
      break;
    }
    case ColumnType::kDouble:
      std::memcpy(data, column.doubles().data() + offset, count * sizeof(double));
      break;
    case ColumnType::kBigint:
      std::memcpy(data, column.bigints().data() + offset, count * sizeof(int64_t));
      break;
    case ColumnType::kBoolean: {
      auto* out = static_cast<bool*>(data);
      const std::vector<uint8_t>& values = column.booleans();
      for (size_t row = 0; row < count; ++row) out[row] = values[offset + row] != 0;
      break;
    }
  }
}

}  // namespace internal

std::string QuoteLiteral(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '\'';
  for (char c : text) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string quoted;
  quoted.reserve(name.size() + 2);
  quoted += '"';
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

// ---------------------------------------------------------------------------------------------
// QueryResult

QueryResult::QueryResult(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryResult::QueryResult(QueryResult&& other) noexcept = default;
QueryResult& QueryResult::operator=(QueryResult&& other) noexcept = default;
QueryResult::~QueryResult() = default;

size_t QueryResult::column_count() const {
  return impl_ ? static_cast<size_t>(duckdb_column_count(&impl_->result)) : 0;
}

std::string QueryResult::column_name(size_t index) const {
  if (!impl_) return std::string();
  const char* name = duckdb_column_name(&impl_->result, index);
  return name ? std::string(name) : std::string();
}

int64_t QueryResult::rows_changed() const {
  return impl_ ? static_cast<int64_t>(duckdb_rows_changed(&impl_->result)) : 0;
}

Result<Table> QueryResult::FetchTable() {
  if (!impl_) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "FetchTable on a moved-from QueryResult; this is a bug in the caller");
  }
  duckdb_result* result = &impl_->result;
  const idx_t column_count = duckdb_column_count(result);
  std::vector<ColumnBuilder> builders(column_count);
  for (idx_t i = 0; i < column_count; ++i) {
    ColumnBuilder& builder = builders[i];
    const char* name = duckdb_column_name(result, i);
    builder.name = name ? name : "";
    builder.source = duckdb_column_type(result, i);
    if (!ColumnTypeFor(builder.source, &builder.type)) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("result column '{}' has type {}, which a tickerflow table cannot hold; "
                      "CAST it to VARCHAR, DATE, DOUBLE, BIGINT or BOOLEAN in the query",
                      builder.name, DuckDbTypeName(builder.source)));
    }
  }
  // Fetch every chunk first, so that the columns are allocated once at their final size
  // instead of growing (and being copied) chunk by chunk; each chunk is freed once copied.
  std::vector<DataChunk> chunks;
  size_t total = 0;
  while (true) {
    DataChunk chunk(duckdb_fetch_chunk(*result));
    if (chunk.get() == nullptr) break;
    total += duckdb_data_chunk_get_size(chunk.get());
    chunks.push_back(std::move(chunk));
  }
  // A NULL chunk means "no more rows" or, for a result that failed while fetching, an error.
  if (duckdb_result_error(result) != nullptr) {
    return ErrorFromResult(result, "fetching query results");
  }
  for (ColumnBuilder& builder : builders) builder.values = ValuesFor(builder.type, total);
  size_t offset = 0;
  for (DataChunk& chunk : chunks) {
    const idx_t count = duckdb_data_chunk_get_size(chunk.get());
    for (idx_t i = 0; i < column_count; ++i) {
      CopyChunkColumn(duckdb_data_chunk_get_vector(chunk.get(), i), count, offset, total,
                      &builders[i]);
    }
    offset += count;
    chunk = DataChunk(nullptr);
  }
  std::vector<Column> columns;
  columns.reserve(builders.size());
  for (ColumnBuilder& builder : builders) columns.push_back(BuildColumn(std::move(builder)));
  Result<Table> table = Table::Make(std::move(columns));
  if (!table.ok()) return table.status().WithContext("reading query results into a table");
  return table;
}

// ---------------------------------------------------------------------------------------------
// PreparedStatement

PreparedStatement::PreparedStatement(duckdb_prepared_statement statement, std::string sql)
    : statement_(statement), sql_(std::move(sql)) {}

PreparedStatement::PreparedStatement(PreparedStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)), sql_(std::move(other.sql_)) {}

PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept {
  if (this != &other) {
    if (statement_ != nullptr) duckdb_destroy_prepare(&statement_);
    statement_ = std::exchange(other.statement_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

PreparedStatement::~PreparedStatement() {
  if (statement_ != nullptr) duckdb_destroy_prepare(&statement_);
}

size_t PreparedStatement::parameter_count() const {
  return statement_ ? static_cast<size_t>(duckdb_nparams(statement_)) : 0;
}

Status PreparedStatement::Bind(size_t index, const Parameter& value) {
  if (statement_ == nullptr || index == 0 || index > parameter_count()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("binding parameter {} of `{}`: the statement has {} "
                                     "parameters, numbered from 1",
                                     index, Abbreviate(sql_), parameter_count()));
  }
  const idx_t i = index;
  const duckdb_state state = std::visit(
      [this, i](const auto& v) -> duckdb_state {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return duckdb_bind_null(statement_, i);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return duckdb_bind_varchar_length(statement_, i, v.data(), v.size());
        } else if constexpr (std::is_same_v<T, Date>) {
          return duckdb_bind_date(statement_, i, duckdb_date{v.days_since_epoch()});
        } else if constexpr (std::is_same_v<T, double>) {
          return duckdb_bind_double(statement_, i, v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return duckdb_bind_int64(statement_, i, v);
        } else {
          static_assert(std::is_same_v<T, bool>);
          return duckdb_bind_boolean(statement_, i, v);
        }
      },
      value);
  if (state == DuckDBError) {
    return ErrorFromStatement(statement_,
                              fmt::format("binding parameter {} of `{}`", index, Abbreviate(sql_)));
  }
  return Status::Ok();
}

Status PreparedStatement::BindAll(const std::vector<Parameter>& values) {
  if (values.size() != parameter_count()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("`{}` has {} parameters but {} values were given",
                                     Abbreviate(sql_), parameter_count(), values.size()));
  }
  for (size_t i = 0; i < values.size(); ++i) TF_RETURN_IF_ERROR(Bind(i + 1, values[i]));
  return Status::Ok();
}

Result<QueryResult> PreparedStatement::Execute() {
  if (statement_ == nullptr) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "Execute on a moved-from PreparedStatement; this is a bug in the caller");
  }
  auto impl = std::make_unique<QueryResult::Impl>();
  if (duckdb_execute_prepared(statement_, &impl->result) == DuckDBError) {
    return ErrorFromResult(&impl->result, fmt::format("running `{}`", Abbreviate(sql_)));
  }
  return QueryResult(std::move(impl));
}

// ---------------------------------------------------------------------------------------------
// Appender

Appender::Appender(duckdb_appender appender, std::string table_name)
    : appender_(appender), table_name_(std::move(table_name)) {}

Appender::Appender(Appender&& other) noexcept
    : appender_(std::exchange(other.appender_, nullptr)),
      table_name_(std::move(other.table_name_)),
      closed_(other.closed_) {}

Appender& Appender::operator=(Appender&& other) noexcept {
  if (this != &other) {
    if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
    appender_ = std::exchange(other.appender_, nullptr);
    table_name_ = std::move(other.table_name_);
    closed_ = other.closed_;
  }
  return *this;
}

Appender::~Appender() {
  // Flushes what is left; the error, if any, cannot be reported from a destructor, which is
  // why Close() exists.
  if (appender_ != nullptr) duckdb_appender_destroy(&appender_);
}

size_t Appender::column_count() const {
  return appender_ ? static_cast<size_t>(duckdb_appender_column_count(appender_)) : 0;
}

Status Appender::AppendTable(const Table& table) {
  if (appender_ == nullptr || closed_) {
    return Status::Error(
        ErrorCode::kFailedPrecondition,
        fmt::format("appending to '{}' after Close(); this is a bug in the caller", table_name_));
  }
  if (table.num_columns() != column_count()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("appending a table of {} columns to '{}', which has {}; "
                                     "the columns must match by position",
                                     table.num_columns(), table_name_, column_count()));
  }
  if (table.num_columns() == 0 || table.num_rows() == 0) return Status::Ok();
  TF_RETURN_IF_ERROR(internal::CheckUtf8(table));

  LogicalTypes types(table);
  DataChunk chunk(duckdb_create_data_chunk(types.data(), table.num_columns()));
  const size_t capacity = duckdb_vector_size();
  for (size_t offset = 0; offset < table.num_rows(); offset += capacity) {
    const size_t count = std::min(capacity, table.num_rows() - offset);
    duckdb_data_chunk_reset(chunk.get());
    for (size_t i = 0; i < table.num_columns(); ++i) {
      internal::FillVector(table.column(i), offset, count,
                           duckdb_data_chunk_get_vector(chunk.get(), static_cast<idx_t>(i)));
    }
    duckdb_data_chunk_set_size(chunk.get(), count);
    if (duckdb_append_data_chunk(appender_, chunk.get()) == DuckDBError) {
      return ErrorFromAppender(appender_, fmt::format("appending rows to '{}'", table_name_));
    }
  }
  return Status::Ok();
}

Status Appender::Flush() {
  if (appender_ == nullptr || closed_) return Status::Ok();
  if (duckdb_appender_flush(appender_) == DuckDBError) {
    return ErrorFromAppender(appender_, fmt::format("flushing rows into '{}'", table_name_));
  }
  return Status::Ok();
}

Status Appender::Close() {
  if (appender_ == nullptr || closed_) return Status::Ok();
  closed_ = true;
  if (duckdb_appender_close(appender_) == DuckDBError) {
    return ErrorFromAppender(appender_, fmt::format("closing the appender of '{}'", table_name_));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Connection

Connection::Connection(Connection&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (connection_ != nullptr) duckdb_disconnect(&connection_);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (connection_ != nullptr) duckdb_disconnect(&connection_);
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  if (connection_ == nullptr) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "Query on a moved-from Connection; this is a bug in the caller");
  }
  const std::string text(sql);  // duckdb_query wants a NUL-terminated string.
  auto impl = std::make_unique<QueryResult::Impl>();
  if (duckdb_query(connection_, text.c_str(), &impl->result) == DuckDBError) {
    return ErrorFromResult(&impl->result, fmt::format("running `{}`", Abbreviate(sql)));
  }
  return QueryResult(std::move(impl));
}

Result<QueryResult> Connection::Query(std::string_view sql,
                                      const std::vector<Parameter>& parameters) {
  TF_ASSIGN_OR_RETURN(PreparedStatement statement, Prepare(sql));
  TF_RETURN_IF_ERROR(statement.BindAll(parameters));
  return statement.Execute();
}

Status Connection::Execute(std::string_view sql) { return Query(sql).status(); }

Result<PreparedStatement> Connection::Prepare(std::string_view sql) {
  if (connection_ == nullptr) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "Prepare on a moved-from Connection; this is a bug in the caller");
  }
  std::string text(sql);
  duckdb_prepared_statement statement = nullptr;
  // The statement must be destroyed even when preparing fails; PreparedStatement does it.
  const duckdb_state state = duckdb_prepare(connection_, text.c_str(), &statement);
  PreparedStatement prepared(statement, std::move(text));
  if (state == DuckDBError) {
    return ErrorFromStatement(statement, fmt::format("preparing `{}`", Abbreviate(sql)));
  }
  return prepared;
}

Result<Appender> Connection::CreateAppender(std::string_view table_name, std::string_view schema) {
  if (connection_ == nullptr) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "CreateAppender on a moved-from Connection; this is a bug in the caller");
  }
  const std::string table(table_name);
  const std::string schema_name(schema);
  duckdb_appender appender = nullptr;
  const duckdb_state state = duckdb_appender_create(
      connection_, schema_name.empty() ? nullptr : schema_name.c_str(), table.c_str(), &appender);
  Appender result(appender, table);  // Destroys the appender on every path.
  if (state == DuckDBError) {
    if (appender == nullptr) {
      return Status::Error(ErrorCode::kInternal,
                           fmt::format("creating an appender for table '{}' failed", table));
    }
    return ErrorFromAppender(appender, fmt::format("creating an appender for table '{}'", table));
  }
  return result;
}

void Connection::Interrupt() {
  if (connection_ != nullptr) duckdb_interrupt(connection_);
}

// ---------------------------------------------------------------------------------------------
// Database

Result<Database> Database::Open(const DatabaseOptions& options) {
  const std::string where = options.path.empty()
                                ? std::string("an in-memory DuckDB database")
                                : fmt::format("DuckDB database '{}'", options.path.string());
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) {
    return Status::Error(ErrorCode::kResourceExhausted,
                         fmt::format("opening {}: cannot allocate its configuration", where));
  }
  struct ConfigGuard {
    duckdb_config* config;
    ~ConfigGuard() { duckdb_destroy_config(config); }
  } config_guard{&config};

  std::vector<std::pair<std::string, std::string>> settings = {
      // Never download extensions at run time: what tickerflow needs (parquet, json) is built
      // into libduckdb.so, and a pipeline must not depend on a network fetch of code.
      {"autoinstall_known_extensions", "false"},
      // DuckDB's external file cache keeps blocks of files it has read. tickerflow reads each
      // file about once per run and replaces files in place, so the cache could only cost
      // memory and add a way to serve old bytes; the OS page cache serves local rereads.
      {"enable_external_file_cache", "false"},
  };
  if (options.threads > 0) settings.emplace_back("threads", std::to_string(options.threads));
  if (!options.memory_limit.empty()) settings.emplace_back("memory_limit", options.memory_limit);
  for (const auto& [name, value] : settings) {
    if (duckdb_set_config(config, name.c_str(), value.c_str()) == DuckDBError) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("opening {}: DuckDB rejects setting {} = '{}'", where, name, value));
    }
  }

  const std::string path = options.path.string();
  duckdb_database database = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(path.empty() ? nullptr : path.c_str(), &database, config, &error) ==
      DuckDBError) {
    const std::string message = TrimMessage(error ? error : "unknown error");
    duckdb_free(error);
    ErrorCode code = CodeForMessage(message);
    // Opening fails mostly on the file (lock held, permissions, not a database).
    if (code == ErrorCode::kInvalidArgument) code = ErrorCode::kIoError;
    return Status::Error(code, fmt::format("opening {}: {}", where, message));
  }
  Database result(database);  // Closes the database if registering fails.
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database, &connection) == DuckDBError) {
    return Status::Error(ErrorCode::kInternal, fmt::format("opening {}: cannot connect", where));
  }
  const Status registered = internal::RegisterTableSourceFunction(connection);
  duckdb_disconnect(&connection);
  if (!registered.ok()) return registered.WithContext(fmt::format("opening {}", where));
  return result;
}

Database::Database(Database&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (database_ != nullptr) duckdb_close(&database_);
    database_ = std::exchange(other.database_, nullptr);
  }
  return *this;
}

Database::~Database() {
  if (database_ != nullptr) duckdb_close(&database_);
}

Result<Connection> Database::Connect() const {
  if (database_ == nullptr) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         "Connect on a moved-from Database; this is a bug in the caller");
  }
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database_, &connection) == DuckDBError) {
    return Status::Error(ErrorCode::kInternal,
                         "connecting to DuckDB failed; the database may have been invalidated by "
                         "an earlier fatal error: restart the program");
  }
  return Connection(connection);
}

}  // namespace tickerflow::table
