// Writing and reading one ticker's daily file: 5,000 rows of date, OHLCV and 30 indicator
// columns (DOUBLE with NULLs, BOOLEAN), zstd-compressed, on one shared in-memory database, the
// way the pipeline's workers do. Run with `make bench`; figures in docs/performance.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "common/date.h"
#include "table/database.h"
#include "table/parquet.h"
#include "table/table.h"

namespace {

using tickerflow::Date;
using tickerflow::table::Column;
using tickerflow::table::Database;
using tickerflow::table::DatabaseOptions;
using tickerflow::table::ParquetWriter;
using tickerflow::table::Table;

constexpr int kDoubleIndicators = 24;  // The 30 indicator columns: 24 DOUBLE, 6 BOOLEAN.
constexpr int kBooleanIndicators = 6;

Table MakeDailyTable(size_t rows) {
  std::mt19937_64 random(/*seed=*/7);
  std::normal_distribution<double> step(0.0003, 0.018);
  std::vector<Column> columns;
  std::vector<Date> dates;
  std::vector<double> close;
  double price = 50.0;
  for (size_t i = 0; i < rows; ++i) {
    dates.push_back(Date::FromDays(static_cast<int32_t>(8000 + i)));
    price *= std::exp(step(random));
    close.push_back(price);
  }
  columns.push_back(Column::Dates("date", std::move(dates)));
  for (const char* name : {"open", "high", "low", "close", "adj_close"}) {
    columns.push_back(Column::Doubles(name, close));
  }
  std::vector<int64_t> volume(rows, 1'000'000);
  columns.push_back(Column::Bigints("volume", std::move(volume)));
  for (int c = 0; c < kDoubleIndicators; ++c) {
    std::vector<double> values = close;
    std::vector<uint8_t> valid(rows, 1);
    for (size_t i = 0; i < rows && i < 33; ++i) valid[i] = 0;  // Warm-up NULLs.
    for (double& value : values) value *= 1.0 + 0.01 * c;
    columns.push_back(
        Column::Doubles("ind" + std::to_string(c), std::move(values), std::move(valid)));
  }
  for (int c = 0; c < kBooleanIndicators; ++c) {
    std::vector<uint8_t> flags(rows);
    for (size_t i = 0; i < rows; ++i) flags[i] = static_cast<uint8_t>((random() >> 7) & 1);
    columns.push_back(Column::Booleans("flag" + std::to_string(c), std::move(flags)));
  }
  return Table::Make(std::move(columns)).value();
}

std::filesystem::path BenchFile() {
  return std::filesystem::temp_directory_path() /
         ("tickerflow-parquet-bench-" + std::to_string(::getpid()) + ".parquet");
}

Database OpenDatabase() {
  DatabaseOptions options;
  options.threads = 1;  // One core per worker, as in the pipeline.
  return Database::Open(options).value();
}

void BM_WriteDailyParquet(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const Table table = MakeDailyTable(static_cast<size_t>(state.range(0)));
  Database database = OpenDatabase();
  ParquetWriter writer = ParquetWriter::Create(database).value();
  const std::filesystem::path path = BenchFile();
  for (auto _ : state) {
    if (!writer.Write(table, path).ok()) state.SkipWithError("write failed");
  }
  state.counters["file_bytes"] = static_cast<double>(std::filesystem::file_size(path));
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_WriteDailyParquet)->Arg(5000)->Unit(benchmark::kMillisecond);

void BM_ReadDailyParquet(benchmark::State& state) {  // NOLINT(readability-identifier-naming)
  const Table table = MakeDailyTable(static_cast<size_t>(state.range(0)));
  Database database = OpenDatabase();
  ParquetWriter writer = ParquetWriter::Create(database).value();
  const std::filesystem::path path = BenchFile();
  if (!writer.Write(table, path).ok()) state.SkipWithError("write failed");
  for (auto _ : state) {
    auto back = tickerflow::table::ReadParquet(writer.connection(), path);
    if (!back.ok() || back->num_rows() != table.num_rows()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(back);
  }
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ReadDailyParquet)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
