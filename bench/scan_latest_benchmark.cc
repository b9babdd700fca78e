// scan_latest over a whole market: 9,000 daily files of 5,040 rows (20 years), for each row
// group size of the daily files (2048, 4096, 8192, DuckDB's default), against the plain SQL
// that the target is set relative to:
//
//   SELECT * FROM read_parquet([...]) QUALIFY row_number() OVER (PARTITION BY symbol
//   ORDER BY date DESC) = 1
//
// and the derived columns, the merge and the screener's three encodings. Targets (issue 6):
// scan_latest at most 2 s on this 2-core machine and at least 10x faster than that query on the
// same files, in the same run. Figures and commands: docs/performance.md.
//
// The files are written once per row group size under $TICKERFLOW_SCAN_BENCH_DIR (default:
// <temp>/tickerflow-scan-bench), about 9 GB each, and reused by later runs; the directory of a
// size is removed when the next size starts (set TICKERFLOW_SCAN_BENCH_KEEP=1 to keep them).
// TICKERFLOW_SCAN_BENCH_FILES and TICKERFLOW_SCAN_BENCH_ROWS shrink the market for a quick run;
// TICKERFLOW_SCAN_BENCH_ROW_GROUPS (e.g. "2048,default") picks the sizes. Every 100th file
// ends 5 sessions early and every 500th 60 sessions early: stale tickers, as in a real market.
// The files are in the page cache when measured (they were just written), as in the pipeline,
// where scan_latest follows process_files.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/date.h"
#include "screener/daily_footer.h"
#include "screener/daily_test_util.h"
#include "screener/derived.h"
#include "screener/merge.h"
#include "screener/output.h"
#include "screener/scan_latest.h"
#include "table/database.h"
#include "table/parquet.h"

namespace {

using tickerflow::Date;
using tickerflow::screener::ComputeDerived;
using tickerflow::screener::DerivedRows;
using tickerflow::screener::LatestRows;
using tickerflow::screener::ScanLatest;
using tickerflow::screener::ScanOptions;
using tickerflow::table::Column;
using tickerflow::table::ColumnType;
using tickerflow::table::Connection;
using tickerflow::table::Database;
using tickerflow::table::DatabaseOptions;
using tickerflow::table::ParquetWriteOptions;
using tickerflow::table::Table;

const Date kLastSession = Date::FromCivil(2025, 6, 27);  // A Friday.

size_t EnvSize(const char* name, size_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::stoul(value) : fallback;
}

size_t FileCount() { return EnvSize("TICKERFLOW_SCAN_BENCH_FILES", 9000); }
size_t RowCount() { return EnvSize("TICKERFLOW_SCAN_BENCH_ROWS", 5040); }

std::filesystem::path BaseDir() {
  const char* dir = std::getenv("TICKERFLOW_SCAN_BENCH_DIR");
  return dir != nullptr && *dir != '\0'
             ? std::filesystem::path(dir)
             : std::filesystem::temp_directory_path() / "tickerflow-scan-bench";
}

std::string RowGroupName(int64_t row_group_size) {
  return row_group_size == ParquetWriteOptions::kDefaultRowGroupSize
             ? "default"
             : std::to_string(row_group_size);
}

std::string Symbol(size_t i) { return fmt::format("S{:05}", i); }

// The last session of file i: most end on kLastSession, a few earlier.
size_t SessionsShort(size_t i) {
  if (i % 500 == 499) return 60;
  if (i % 100 == 99) return 5;
  return 0;
}

Table DailyTable(size_t i, size_t rows) {
  const std::vector<Date> all = tickerflow::screener::testing::Weekdays(kLastSession, rows + 60);
  std::vector<Date> dates(all.end() - static_cast<std::ptrdiff_t>(rows + SessionsShort(i)),
                          all.end() - static_cast<std::ptrdiff_t>(SessionsShort(i)));
  return tickerflow::screener::testing::MakeSyntheticDaily(Symbol(i), std::move(dates), i + 1);
}

// Wall time and the CPU time of the whole process (DuckDB's worker threads included; Google
// Benchmark's CPU column counts only the calling thread).
class Stopwatch {
 public:
  Stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(ProcessCpuSeconds()) {}
  double wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
  }
  double cpu() const { return ProcessCpuSeconds() - cpu_; }

 private:
  static double ProcessCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }

  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// Median of the seconds recorded under a name, for the summary printed at the end.
std::mutex results_mutex;
std::map<std::string, std::vector<double>> results;

void Record(const std::string& name, double seconds) {
  const std::lock_guard<std::mutex> lock(results_mutex);
  results[name].push_back(seconds);
}

// Records a stopwatch's wall time under `name` and its CPU time under `name`/cpu, and shows the
// CPU time as a counter.
void Record(benchmark::State& state, const std::string& name, const Stopwatch& stopwatch) {
  const double wall = stopwatch.wall();
  const double cpu = stopwatch.cpu();
  Record(name, wall);
  Record(name + "/cpu", cpu);
  state.counters["process_cpu_s"] = cpu;
}

std::optional<double> Median(const std::string& name) {
  const std::lock_guard<std::mutex> lock(results_mutex);
  const auto found = results.find(name);
  if (found == results.end() || found->second.empty()) return std::nullopt;
  std::vector<double> values = found->second;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The daily files of one row group size, written on first use.
class Market {
 public:
  static Market& Get() {
    static Market market;
    return market;
  }

  // The files for `row_group_size`, writing them if they are not there yet.
  const std::vector<std::filesystem::path>& Files(int64_t row_group_size) {
    if (current_ == row_group_size) return files_;
    const std::filesystem::path dir = BaseDir() / ("rg-" + RowGroupName(row_group_size));
    if (current_ != 0 && std::getenv("TICKERFLOW_SCAN_BENCH_KEEP") == nullptr) {
      std::filesystem::remove_all(BaseDir() / ("rg-" + RowGroupName(current_)));
    }
    current_ = row_group_size;
    files_.clear();
    for (size_t i = 0; i < FileCount(); ++i) files_.push_back(dir / (Symbol(i) + ".parquet"));
    const std::filesystem::path marker =
        dir / fmt::format("complete-{}-{}", FileCount(), RowCount());
    if (std::filesystem::exists(marker)) return files_;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::fprintf(stderr, "writing %zu daily files of %zu rows (row groups of %s) to %s\n",
                 FileCount(), RowCount(), RowGroupName(row_group_size).c_str(),
                 dir.string().c_str());
    DatabaseOptions options;
    options.threads = 1;
    Database database = Database::Open(options).value();
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    const auto work = [&] {
      Connection connection = database.Connect().value();
      ParquetWriteOptions write_options;
      write_options.row_group_size = row_group_size;
      for (size_t i = next++; i < FileCount() && !failed; i = next++) {
        const Table daily = DailyTable(i, RowCount());
        if (!tickerflow::screener::WriteDailyFile(connection, daily, files_[i], write_options)
                 .ok()) {
          failed = true;
        }
      }
    };
    std::thread first(work);
    std::thread second(work);
    first.join();
    second.join();
    if (failed) {
      std::fprintf(stderr, "writing the daily files failed\n");
      std::exit(1);
    }
    std::ofstream(marker) << "ok\n";
    return files_;
  }

 private:
  int64_t current_ = 0;
  std::vector<std::filesystem::path> files_;
};

struct Session {
  Database database = Database::Open().value();
  Connection connection = database.Connect().value();
};

// Writing one daily file (5,040 rows and the 30 indicators already computed), with and
// without the footer summary; one DuckDB thread, as a pipeline worker.
void BM_WriteDaily(benchmark::State& state, int64_t row_group_size, bool footer) {
  DatabaseOptions options;
  options.threads = 1;
  Database database = Database::Open(options).value();
  Connection connection = database.Connect().value();
  const Table daily = DailyTable(1, RowCount());
  ParquetWriteOptions write_options;
  write_options.row_group_size = row_group_size;
  std::filesystem::create_directories(BaseDir());
  const std::filesystem::path path = BaseDir() / "write-bench.parquet";
  const Stopwatch stopwatch;
  for (auto _ : state) {
    const auto status =
        footer ? tickerflow::screener::WriteDailyFile(connection, daily, path, write_options)
               : tickerflow::table::WriteParquet(connection, daily, path, write_options);
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  const double per_file = stopwatch.wall() / static_cast<double>(state.iterations());
  const double bytes = static_cast<double>(std::filesystem::file_size(path));
  state.counters["file_bytes"] = bytes;
  std::filesystem::remove(path);
  const std::string name =
      fmt::format("write/{}/{}", RowGroupName(row_group_size), footer ? "footer" : "plain");
  Record(name + "/bytes", bytes);
  Record(name, per_file);
}

void BM_ScanLatest(benchmark::State& state, int64_t row_group_size, bool footers) {
  const std::vector<std::filesystem::path>& files = Market::Get().Files(row_group_size);
  Session session;
  ScanOptions options;
  options.read_footer_summaries = footers;
  for (auto _ : state) {
    const Stopwatch stopwatch;
    const auto latest = ScanLatest(session.connection, files, options);
    if (!latest.ok() || latest->rows.num_rows() != files.size()) {
      state.SkipWithError("scan failed");
      return;
    }
    Record(state,
           fmt::format("scan/{}/{}", RowGroupName(row_group_size), footers ? "footer" : "pages"),
           stopwatch);
    state.counters["rows_from_footer"] = static_cast<double>(latest->rows_from_footer);
  }
  state.counters["files"] = static_cast<double>(files.size());
}

void BM_QualifyBaseline(benchmark::State& state, int64_t row_group_size) {
  const std::vector<std::filesystem::path>& files = Market::Get().Files(row_group_size);
  Session session;
  nlohmann::json paths = nlohmann::json::array();
  for (const std::filesystem::path& file : files) paths.push_back(file.string());
  const std::string list = paths.dump();
  for (auto _ : state) {
    const Stopwatch stopwatch;
    auto result = session.connection.Query(
        "SELECT * FROM read_parquet(json_extract_string(?, '$[*]')) "
        "QUALIFY row_number() OVER (PARTITION BY symbol ORDER BY date DESC) = 1",
        {list});
    auto table = result.ok() ? result->FetchTable() : tickerflow::Result<Table>(result.status());
    if (!table.ok() || table->num_rows() != files.size()) {
      state.SkipWithError(table.ok() ? "wrong row count" : table.status().ToString().c_str());
      return;
    }
    Record(state, fmt::format("baseline/{}", RowGroupName(row_group_size)), stopwatch);
  }
}

void BM_ComputeDerived(benchmark::State& state, int64_t row_group_size) {
  const std::vector<std::filesystem::path>& files = Market::Get().Files(row_group_size);
  Session session;
  const LatestRows latest = ScanLatest(session.connection, files).value();
  for (auto _ : state) {
    const Stopwatch stopwatch;
    const auto derived = ComputeDerived(session.connection, latest);
    if (!derived.ok() || derived->rows.num_rows() != files.size()) {
      state.SkipWithError("derived failed");
      return;
    }
    Record(state, fmt::format("derived/{}", RowGroupName(row_group_size)), stopwatch);
  }
}

// A screener-sized merge: 9,000 latest rows, derived rows and the five fundamentals datasets.
struct MergeInputs {
  Table latest;
  Table derived;
  tickerflow::screener::Fundamentals fundamentals;
};

const MergeInputs& Inputs() {
  static const MergeInputs inputs = [] {
    MergeInputs made;
    const size_t n = FileCount();
    std::vector<Column> columns;
    for (const auto& daily : tickerflow::screener::DailyColumns()) {
      columns.emplace_back(std::string(daily.name), daily.type);
    }
    std::mt19937_64 random(11);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<std::string> symbols;
    for (size_t i = 0; i < n; ++i) {
      const Table one = DailyTable(i, 260);
      for (size_t c = 0; c < columns.size(); ++c) {
        const Column& from = one.column(c);
        const size_t row = one.num_rows() - 1;
        if (from.is_null(row)) {
          columns[c].AppendNull();
        } else if (from.type() == ColumnType::kVarchar) {
          columns[c].AppendVarchar(from.varchars()[row]);
        } else if (from.type() == ColumnType::kDate) {
          columns[c].AppendDate(from.dates()[row]);
        } else if (from.type() == ColumnType::kDouble) {
          columns[c].AppendDouble(from.doubles()[row]);
        } else if (from.type() == ColumnType::kBigint) {
          columns[c].AppendBigint(from.bigints()[row]);
        } else {
          columns[c].AppendBoolean(from.booleans()[row] != 0);
        }
      }
      symbols.push_back(Symbol(i));
    }
    made.latest = Table::Make(std::move(columns)).value();
    std::vector<Column> derived = {Column::Varchars("symbol", symbols)};
    for (const std::string_view name : tickerflow::screener::kDerivedColumnNames) {
      std::vector<double> values(n);
      for (double& value : values) value = uniform(random) * 100 - 50;
      derived.push_back(Column::Doubles(std::string(name), std::move(values)));
    }
    made.derived = Table::Make(std::move(derived)).value();
    const auto doubles = [&](const char* name, double scale) {
      std::vector<double> values(n);
      for (double& value : values) value = uniform(random) * scale;
      return Column::Doubles(name, std::move(values));
    };
    const auto bigints = [&](const char* name, int64_t modulo) {
      std::vector<int64_t> values(n);
      for (int64_t& value : values) value = static_cast<int64_t>(random() % modulo);
      return Column::Bigints(name, std::move(values));
    };
    const auto strings = [&](const char* name, const std::string& prefix) {
      std::vector<std::string> values;
      for (size_t i = 0; i < n; ++i) values.push_back(fmt::format("{} {}, Inc.", prefix, i));
      return Column::Varchars(name, std::move(values));
    };
    std::vector<std::string> ranges;
    for (size_t i = 0; i < n; ++i) {
      ranges.push_back(fmt::format("{:.2f}-{:.2f}", 10.0 + static_cast<double>(i % 50) * 1.01,
                                   60.0 + static_cast<double>(i % 300) * 0.99));
    }
    using tickerflow::sources::FundamentalsDataset;
    made.fundamentals.emplace(
        FundamentalsDataset::kProfiles,
        Table::Make({Column::Varchars("symbol", symbols), strings("company_name", "Company"),
                     strings("exchange", "NYSE"), strings("sector", "Sector"),
                     strings("industry", "Industry"), doubles("market_cap", 1e12),
                     doubles("price", 500), Column::Varchars("range", ranges),
                     Column::Booleans("is_etf", std::vector<uint8_t>(n, 0))})
            .value());
    made.fundamentals.emplace(
        FundamentalsDataset::kRatiosTtm,
        Table::Make({Column::Varchars("symbol", symbols), doubles("pe_ratio_ttm", 60),
                     doubles("peg_ratio_ttm", 4), doubles("net_profit_margin_ttm", 0.4)})
            .value());
    made.fundamentals.emplace(
        FundamentalsDataset::kDcf,
        Table::Make({Column::Varchars("symbol", symbols), doubles("fair_value", 500)}).value());
    made.fundamentals.emplace(
        FundamentalsDataset::kScores,
        Table::Make({Column::Varchars("symbol", symbols), doubles("altman_z_score", 6),
                     bigints("piotroski_score", 10)})
            .value());
    std::vector<Column> ratings = {Column::Varchars("symbol", symbols), strings("rating", "A")};
    for (const char* name :
         {"rating_score", "rating_dcf_score", "rating_roe_score", "rating_roa_score",
          "rating_de_score", "rating_pe_score", "rating_pb_score"}) {
      ratings.push_back(bigints(name, 5));
    }
    made.fundamentals.emplace(FundamentalsDataset::kRatings,
                              Table::Make(std::move(ratings)).value());
    return made;
  }();
  return inputs;
}

void BM_MergeScreener(benchmark::State& state) {
  const MergeInputs& inputs = Inputs();
  Session session;
  for (auto _ : state) {
    auto screener = tickerflow::screener::MergeScreener(
        session.connection, inputs.latest, inputs.derived, inputs.fundamentals, kLastSession);
    if (!screener.ok()) {
      state.SkipWithError(screener.status().ToString().c_str());
      return;
    }
    state.counters["columns"] = static_cast<double>(screener->num_columns());
    benchmark::DoNotOptimize(screener);
  }
}

const Table& Screener() {
  static const Table screener = [] {
    Session session;
    const MergeInputs& inputs = Inputs();
    return tickerflow::screener::MergeScreener(session.connection, inputs.latest, inputs.derived,
                                               inputs.fundamentals, kLastSession)
        .value();
  }();
  return screener;
}

void BM_EncodeCsv(benchmark::State& state) {
  const Table& screener = Screener();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string csv = tickerflow::screener::EncodeCsv(screener);
    bytes = csv.size();
    benchmark::DoNotOptimize(csv.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_EncodeJson(benchmark::State& state) {
  const Table& screener = Screener();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string json = tickerflow::screener::EncodeJson(screener);
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_EncodeParquet(benchmark::State& state) {
  const Table& screener = Screener();
  Session session;
  size_t bytes = 0;
  for (auto _ : state) {
    auto parquet = tickerflow::screener::EncodeParquet(session.connection, screener);
    if (!parquet.ok()) {
      state.SkipWithError(parquet.status().ToString().c_str());
      return;
    }
    bytes = parquet->size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

std::vector<int64_t> RowGroupSizes() {
  const char* text = std::getenv("TICKERFLOW_SCAN_BENCH_ROW_GROUPS");
  std::string list = text != nullptr && *text != '\0' ? text : "2048,4096,8192,default";
  std::vector<int64_t> sizes;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, end - start);
    if (!item.empty()) {
      sizes.push_back(item == "default" ? ParquetWriteOptions::kDefaultRowGroupSize
                                        : std::stoll(item));
    }
    start = end + 1;
  }
  return sizes;
}

void PrintSummary(const std::vector<int64_t>& sizes) {
  const auto show = [](const std::string& name, double scale, const char* unit) {
    const std::optional<double> value = Median(name);
    return value ? fmt::format("{:.3g}{}", *value * scale, unit) : std::string("-");
  };
  // "wall (process CPU)"
  const auto timed = [](const std::string& name) {
    const std::optional<double> wall = Median(name);
    const std::optional<double> cpu = Median(name + "/cpu");
    return wall ? fmt::format("{:.2f} ({:.2f})", *wall, cpu.value_or(0)) : std::string("-");
  };
  const auto ratio = [](const std::string& slow, const std::string& fast) {
    const std::optional<double> a = Median(slow);
    const std::optional<double> b = Median(fast);
    return a && b ? fmt::format("{:.1f}x", *a / *b) : std::string("-");
  };
  std::printf("\nSummary: medians, %zu files x %zu rows; seconds as wall (process CPU)\n",
              FileCount(), RowCount());
  std::printf("%-8s %-9s %-9s %-9s %-9s %-14s %-15s %-16s %-8s %-8s %-14s\n", "rg size", "bytes",
              "+footer", "write", "+footer", "scan footer", "scan pages", "baseline", "/footer",
              "/pages", "derived");
  for (const int64_t size : sizes) {
    const std::string name = RowGroupName(size);
    std::printf("%-8s %-9s %-9s %-9s %-9s %-14s %-15s %-16s %-8s %-8s %-14s\n", name.c_str(),
                show("write/" + name + "/plain/bytes", 1, "").c_str(),
                show("write/" + name + "/footer/bytes", 1, "").c_str(),
                show("write/" + name + "/plain", 1000, " ms").c_str(),
                show("write/" + name + "/footer", 1000, " ms").c_str(),
                timed("scan/" + name + "/footer").c_str(), timed("scan/" + name + "/pages").c_str(),
                timed("baseline/" + name).c_str(),
                ratio("baseline/" + name, "scan/" + name + "/footer").c_str(),
                ratio("baseline/" + name, "scan/" + name + "/pages").c_str(),
                timed("derived/" + name).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<int64_t> sizes = RowGroupSizes();
  for (const int64_t size : sizes) {
    const std::string name = RowGroupName(size);
    for (const bool footer : {false, true}) {
      benchmark::RegisterBenchmark(
          fmt::format("BM_WriteDaily/rg:{}/footer:{}", name, footer ? 1 : 0).c_str(),
          [size, footer](benchmark::State& state) { BM_WriteDaily(state, size, footer); })
          ->Unit(benchmark::kMillisecond);
    }
    for (const bool footers : {true, false}) {
      benchmark::RegisterBenchmark(
          fmt::format("BM_ScanLatest/rg:{}/{}", name, footers ? "footer" : "pages").c_str(),
          [size, footers](benchmark::State& state) { BM_ScanLatest(state, size, footers); })
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1)
          ->UseRealTime();
    }
    benchmark::RegisterBenchmark(
        fmt::format("BM_ComputeDerived/rg:{}", name).c_str(),
        [size](benchmark::State& state) { BM_ComputeDerived(state, size); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->UseRealTime();
    benchmark::RegisterBenchmark(
        fmt::format("BM_QualifyBaseline/rg:{}", name).c_str(),
        [size](benchmark::State& state) { BM_QualifyBaseline(state, size); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1)
        ->Repetitions(1)  // Minutes per run, and 100 times slower than what it is compared to.
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("BM_MergeScreener", BM_MergeScreener)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_EncodeCsv", BM_EncodeCsv)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_EncodeJson", BM_EncodeJson)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_EncodeParquet", BM_EncodeParquet)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintSummary(sizes);
  if (std::getenv("TICKERFLOW_SCAN_BENCH_KEEP") == nullptr && !sizes.empty()) {
    std::filesystem::remove_all(BaseDir() / ("rg-" + RowGroupName(sizes.back())));
  }
  return 0;
}
