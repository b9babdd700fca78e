// Helpers shared by the tests of src/table/ (not part of the library).
//
//   TempDir dir;                                   // a fresh, empty directory
//   WriteParquet(table, dir.path() / "a.parquet");
//   EXPECT_EQ(back, table);                        // failures print both tables
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <random>
#include <string>
#include <system_error>

#include "table/table.h"

namespace tickerflow::table {

/// Lets GoogleTest print a Table when an assertion on it fails.
inline void PrintTo(const Table& table, std::ostream* out) { *out << "\n" << table.ToString(20); }

/// Lets GoogleTest print a Column when an assertion on it fails.
inline void PrintTo(const Column& column, std::ostream* out) {
  *out << column.name() << " " << ColumnTypeName(column.type()) << " [";
  for (size_t row = 0; row < column.size() && row < 20; ++row) {
    *out << (row == 0 ? "" : ", ") << column.ValueToString(row);
  }
  *out << (column.size() > 20 ? ", ...]" : "]");
}

/// A new empty directory under the system's temporary directory, removed with its contents
/// when the object goes away. Names are unique across processes and threads, so tests may run
/// in parallel (ctest -j).
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::filesystem::path candidate =
          std::filesystem::temp_directory_path() /
          fmt::format("tickerflow-table-test-{}-{}-{}", ::getpid(), counter.fetch_add(1), random());
      std::error_code error;
      if (std::filesystem::create_directory(candidate, error)) {
        path_ = candidate;
        return;
      }
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code error;  // Best effort: a leftover temporary directory fails no test.
    if (!path_.empty()) std::filesystem::remove_all(path_, error);
  }

  /// The directory; empty if it could not be created.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tickerflow::table
