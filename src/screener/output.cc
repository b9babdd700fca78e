#include "screener/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/csv.h"
#include "table/json_text.h"
#include "table/parquet.h"

namespace tickerflow::screener {
namespace {

// Appends row `row` of `column` as CSV field text (unquoted; the writer quotes).
void CsvFieldText(std::string& field, const table::Column& column, size_t row) {
  field.clear();
  if (column.is_null(row)) return;
  switch (column.type()) {
    case table::ColumnType::kVarchar:
      field = column.varchars()[row];
      return;
    case table::ColumnType::kDate:
      field = column.dates()[row].ToString();
      return;
    case table::ColumnType::kDouble:
      if (std::isfinite(column.doubles()[row])) AppendDouble(field, column.doubles()[row]);
      return;
    case table::ColumnType::kBigint: {
      char buffer[24];
      const std::to_chars_result result =
          std::to_chars(buffer, buffer + sizeof(buffer), column.bigints()[row]);
      field.assign(buffer, result.ptr);
      return;
    }
    case table::ColumnType::kBoolean:
      field = column.booleans()[row] != 0 ? "true" : "false";
      return;
  }
}

// Removes the file when it goes out of scope (best effort).
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    std::error_code error;  // A leftover temporary file is harmless.
    std::filesystem::remove(path_, error);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::string EncodeCsv(const table::Table& table) {
  std::string out;
  out.reserve(table.num_rows() * table.num_columns() * 10 + 1024);
  CsvWriter writer(out);
  for (const table::Column& column : table.columns()) writer.AddField(column.name());
  writer.EndRecord();
  std::string field;
  for (size_t row = 0; row < table.num_rows(); ++row) {
    for (const table::Column& column : table.columns()) {
      CsvFieldText(field, column, row);
      writer.AddField(field);
    }
    writer.EndRecord();
  }
  return out;
}

std::string EncodeJson(const table::Table& table) {
  // Keys are the same for every row: escape them once.
  std::vector<std::string> keys;
  for (const table::Column& column : table.columns()) {
    std::string key;
    table::AppendJsonString(key, column.name());
    key.push_back(':');
    keys.push_back(std::move(key));
  }
  std::string out;
  out.reserve(table.num_rows() * table.num_columns() * 24 + 2);
  out.push_back('[');
  for (size_t row = 0; row < table.num_rows(); ++row) {
    out.append(row == 0 ? "\n{" : ",\n{");
    for (size_t c = 0; c < table.num_columns(); ++c) {
      if (c > 0) out.push_back(',');
      out.append(keys[c]);
      table::AppendJsonValue(out, table.column(c), row);
    }
    out.push_back('}');
  }
  out.append(table.num_rows() == 0 ? "]\n" : "\n]\n");
  return out;
}

Result<std::string> EncodeParquet(table::Connection& connection, const table::Table& table) {
  static std::atomic<uint64_t> counter{0};
  std::error_code error;
  const std::filesystem::path directory = std::filesystem::temp_directory_path(error);
  if (error) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("encoding the screener as Parquet: no temporary directory: {}",
                                     error.message()));
  }
  const TemporaryFile file(directory / fmt::format("tickerflow-screener-{}-{}-{}.parquet",
                                                   ::getpid(), counter.fetch_add(1),
                                                   std::random_device()()));
  TF_RETURN_IF_ERROR(table::WriteParquet(connection, table, file.path()));
  const uintmax_t size = std::filesystem::file_size(file.path(), error);
  std::ifstream in(file.path(), std::ios::binary);
  std::string bytes(error ? 0 : static_cast<size_t>(size), '\0');
  if (error || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("encoding the screener as Parquet: cannot read back '{}'",
                                     file.path().string()));
  }
  return bytes;
}

}  // namespace tickerflow::screener
