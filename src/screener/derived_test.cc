#include "screener/derived.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "screener/daily_footer.h"
#include "screener/daily_test_util.h"
#include "table/parquet.h"
#include "table/table_test_util.h"

namespace tickerflow::screener {
namespace {

using table::Column;
using table::Table;

Date D(const char* text) { return Date::Parse(text).value(); }

// The derived values of `daily`, computed here from the definitions in derived.h, row by row,
// without SQL.
std::map<std::string, std::optional<double>> Expected(const Table& daily) {
  const size_t n = daily.num_rows();
  const Column& date = *daily.FindColumn("date");
  const Column& high = *daily.FindColumn("high");
  const Column& low = *daily.FindColumn("low");
  const Column& close = *daily.FindColumn("close");
  const Column& volume = *daily.FindColumn("volume");
  const size_t last = n - 1;
  const Date last_date = date.dates()[last];
  std::map<std::string, std::optional<double>> out;

  std::optional<double> high_52w;
  std::optional<double> low_52w;
  for (size_t i = 0; i < n; ++i) {
    if (!(date.dates()[i] > last_date - 364)) continue;
    if (high.is_valid(i) && (!high_52w || high.doubles()[i] > *high_52w)) {
      high_52w = high.doubles()[i];
    }
    if (low.is_valid(i) && (!low_52w || low.doubles()[i] < *low_52w)) low_52w = low.doubles()[i];
  }
  out["high_52w"] = high_52w;
  out["low_52w"] = low_52w;

  const auto perf = [&](std::optional<size_t> base) -> std::optional<double> {
    if (!base || close.is_null(*base) || close.is_null(last) || !(close.doubles()[*base] > 0)) {
      return std::nullopt;
    }
    return 100 * (close.doubles()[last] / close.doubles()[*base] - 1);
  };
  const auto back = [&](size_t k) -> std::optional<size_t> {
    return n > k ? std::optional<size_t>(last - k) : std::nullopt;
  };
  out["perf_1w"] = perf(back(5));
  out["perf_1m"] = perf(back(21));
  out["perf_3m"] = perf(back(63));
  out["perf_6m"] = perf(back(126));
  out["perf_1y"] = perf(back(252));
  std::optional<size_t> ytd;
  const Date january_first = Date::FromCivil(last_date.year(), 1, 1);
  for (size_t i = 0; i < n; ++i) {
    if (date.dates()[i] < january_first && date.dates()[i] >= last_date - 371) ytd = i;
  }
  out["perf_ytd"] = perf(ytd);

  std::optional<double> average;
  if (n >= 20) {
    double sum = 0;
    int count = 0;
    for (size_t i = n - 20; i < n; ++i) {
      if (volume.is_valid(i)) {
        sum += static_cast<double>(volume.bigints()[i]);
        ++count;
      }
    }
    if (count > 0) average = sum / count;
  }
  out["avg_volume_20d"] = average;
  out["rel_volume"] =
      average && *average > 0 && volume.is_valid(last)
          ? std::optional<double>(static_cast<double>(volume.bigints()[last]) / *average)
          : std::nullopt;
  return out;
}

// `daily` with column `name` replaced by `column`.
Table Replace(const Table& daily, Column column) {
  std::vector<Column> columns = Table(daily).TakeColumns();
  for (Column& c : columns) {
    if (c.name() == column.name()) c = column;
  }
  return Table::Make(std::move(columns)).value();
}

class DerivedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
    connection_ = std::make_unique<table::Connection>(database_->Connect().value());
  }

  void Add(const Table& daily, bool footer = false) {
    const std::string symbol = daily.column(0).varchars()[0];
    const std::filesystem::path path = dir_.path() / (symbol + ".parquet");
    table::ParquetWriteOptions options;
    options.row_group_size = 2048;
    ASSERT_TRUE((footer ? WriteDailyFile(*connection_, daily, path, options)
                        : table::WriteParquet(*connection_, daily, path, options))
                    .ok());
    paths_.push_back(path);
    expected_[symbol] = Expected(daily);
    dailies_.emplace(symbol, daily);
    with_footer_[symbol] = footer;
  }

  void CheckAll() {
    const LatestRows latest = ScanLatest(*connection_, paths_).value();
    ASSERT_TRUE(latest.failures.empty());
    const DerivedRows derived = ComputeDerived(*connection_, latest).value();
    EXPECT_TRUE(derived.failures.empty());
    ASSERT_EQ(derived.rows.num_rows(), expected_.size());
    ASSERT_EQ(derived.rows.num_columns(), 1 + std::size(kDerivedColumnNames));
    EXPECT_EQ(derived.rows.column(0).varchars(), latest.rows.column(0).varchars());
    for (size_t row = 0; row < derived.rows.num_rows(); ++row) {
      const std::string& symbol = derived.rows.column(0).varchars()[row];
      for (const std::string_view name : kDerivedColumnNames) {
        SCOPED_TRACE(fmt::format("{} {}", symbol, name));
        const Column& column = *derived.rows.FindColumn(name);
        const std::optional<double>& want = expected_.at(symbol).at(std::string(name));
        ASSERT_EQ(column.is_valid(row), want.has_value());
        if (want.has_value()) {
          EXPECT_NEAR(column.doubles()[row], *want, 1e-12 * std::max(1.0, std::abs(*want)));
        }
      }
      // The in-memory computation (the footer's) agrees with the SQL bit for bit, and the
      // scan hands the footer's values on.
      const DerivedValues in_memory = ComputeDerivedValues(dailies_.at(symbol)).value();
      const auto latest_row =
          static_cast<size_t>(std::find(latest.rows.column(0).varchars().begin(),
                                        latest.rows.column(0).varchars().end(), symbol) -
                              latest.rows.column(0).varchars().begin());
      ASSERT_LT(latest_row, latest.rows.num_rows());
      EXPECT_EQ(latest.derived_known[latest_row], with_footer_.at(symbol));
      for (size_t c = 0; c < in_memory.size(); ++c) {
        SCOPED_TRACE(fmt::format("{} {} in memory", symbol, kDerivedColumnNames[c]));
        const Column& column = derived.rows.column(c + 1);
        ASSERT_EQ(in_memory[c].has_value(), column.is_valid(row));
        if (in_memory[c].has_value()) {
          EXPECT_EQ(*in_memory[c], column.doubles()[row]);
        }
        if (with_footer_.at(symbol)) {
          const Column& from_footer = latest.derived.column(c);
          ASSERT_EQ(from_footer.is_valid(latest_row), in_memory[c].has_value());
          if (in_memory[c].has_value()) {
            EXPECT_EQ(from_footer.doubles()[latest_row], *in_memory[c]);
          }
        }
      }
    }
  }

  table::TempDir dir_;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
  std::vector<std::filesystem::path> paths_;
  std::map<std::string, std::map<std::string, std::optional<double>>> expected_;
  std::map<std::string, Table> dailies_;
  std::map<std::string, bool> with_footer_;
};

TEST_F(DerivedTest, MatchesTheDefinitionsForEveryHistoryLength) {
  const Date last = D("2024-06-28");
  for (const size_t rows :
       {1, 2, 5, 6, 19, 20, 21, 22, 63, 64, 126, 127, 252, 253, 254, 300, 5040}) {
    Add(testing::MakeSyntheticDaily(fmt::format("N{}", rows), rows, last, rows));
  }
  // Some through the footer path of the scan: the derived read does not depend on it.
  Add(testing::MakeSyntheticDaily("FOOT", 400, last, 77), /*footer=*/true);
  CheckAll();
  // Spot-check one value by hand, so that the test does not only compare two computations of
  // the same misreading: perf_1w of N300 is the change over the last 5 rows.
  const Table n300 = testing::MakeSyntheticDaily("N300", 300, last, 300);
  const std::vector<double>& close = n300.FindColumn("close")->doubles();
  EXPECT_NEAR(*expected_.at("N300").at("perf_1w"), (close[299] - close[294]) / close[294] * 100,
              1e-12);
  EXPECT_FALSE(expected_.at("N5").at("perf_1w").has_value());
  EXPECT_TRUE(expected_.at("N6").at("perf_1w").has_value());
  EXPECT_FALSE(expected_.at("N252").at("perf_1y").has_value());
  EXPECT_TRUE(expected_.at("N253").at("perf_1y").has_value());
}

TEST_F(DerivedTest, StaleFilesUseTheirOwnLastDate) {
  Add(testing::MakeSyntheticDaily("FRESH", 600, D("2024-06-28"), 1));
  Add(testing::MakeSyntheticDaily("STALE", 600, D("2023-11-15"), 2));
  Add(testing::MakeSyntheticDaily("OLDER", 600, D("2021-01-04"), 3));  // First session of 2021.
  Add(testing::MakeSyntheticDaily("NEWYEAR", 600, D("2024-01-02"), 4), /*footer=*/true);
  CheckAll();
  EXPECT_TRUE(expected_.at("NEWYEAR").at("perf_ytd").has_value());
}

// A file with gaps: its last 253 rows reach further back than 53 weeks, so the windowed read
// lacks rows and the file is read in full.
TEST_F(DerivedTest, FilesWithGapsAreReadInFull) {
  std::vector<Date> dates = testing::Weekdays(D("2022-12-30"), 200);
  const std::vector<Date> recent = testing::Weekdays(D("2024-06-28"), 100);
  dates.insert(dates.end(), recent.begin(), recent.end());
  Add(testing::MakeSyntheticDaily("GAPPY", dates, 5));
  // Halted from April 2023 to January 2024: its last 2023 session is more than 371 days before
  // its last date, so perf_ytd is NULL although the file has rows in 2023.
  std::vector<Date> halted = testing::Weekdays(D("2023-03-31"), 50);
  const std::vector<Date> resumed = testing::Weekdays(D("2024-06-28"), 120);
  halted.insert(halted.end(), resumed.begin(), resumed.end());
  Add(testing::MakeSyntheticDaily("HALTED", halted, 6), /*footer=*/true);
  CheckAll();
  EXPECT_TRUE(expected_.at("GAPPY").at("perf_1y").has_value());
  EXPECT_FALSE(expected_.at("GAPPY").at("perf_ytd").has_value());
  EXPECT_FALSE(expected_.at("HALTED").at("perf_ytd").has_value());
}

TEST_F(DerivedTest, NullsAndNonPositiveClosesGiveNull) {
  Table daily = testing::MakeSyntheticDaily("NULLS", 300, D("2024-06-28"), 8);
  std::vector<double> close = daily.FindColumn("close")->doubles();
  std::vector<uint8_t> close_valid(close.size(), 1);
  close_valid[299 - 5] = 0;  // perf_1w: NULL base.
  close[299 - 21] = 0.0;     // perf_1m: zero base.
  close[299 - 63] = -1.0;    // perf_3m: negative base.
  daily = Replace(daily, Column::Doubles("close", close, close_valid));
  std::vector<int64_t> volume = daily.FindColumn("volume")->bigints();
  std::vector<uint8_t> volume_valid(volume.size(), 1);
  for (size_t i = 285; i < 299; ++i) volume_valid[i] = 0;  // 6 of the last 20 remain.
  daily = Replace(daily, Column::Bigints("volume", volume, volume_valid));
  Add(daily);

  Table zero = testing::MakeSyntheticDaily("ZEROVOL", 30, D("2024-06-28"), 9);
  zero = Replace(zero, Column::Bigints("volume", std::vector<int64_t>(30, 0)));
  Add(zero, /*footer=*/true);

  Table no_last_close = testing::MakeSyntheticDaily("NOCLOSE", 300, D("2024-06-28"), 10);
  std::vector<double> close2 = no_last_close.FindColumn("close")->doubles();
  std::vector<uint8_t> valid2(close2.size(), 1);
  valid2.back() = 0;
  no_last_close = Replace(no_last_close, Column::Doubles("close", close2, valid2));
  Add(no_last_close, /*footer=*/true);
  CheckAll();

  const auto& nulls = expected_.at("NULLS");
  EXPECT_FALSE(nulls.at("perf_1w").has_value());
  EXPECT_FALSE(nulls.at("perf_1m").has_value());
  EXPECT_FALSE(nulls.at("perf_3m").has_value());
  EXPECT_TRUE(nulls.at("perf_6m").has_value());
  EXPECT_TRUE(nulls.at("avg_volume_20d").has_value());
  EXPECT_FALSE(expected_.at("ZEROVOL").at("rel_volume").has_value());
  EXPECT_EQ(*expected_.at("ZEROVOL").at("avg_volume_20d"), 0.0);
  EXPECT_FALSE(expected_.at("NOCLOSE").at("perf_1w").has_value());
}

TEST_F(DerivedTest, AFileDamagedAfterTheScanIsReported) {
  Add(testing::MakeSyntheticDaily("GOOD", 300, D("2024-06-28"), 1));
  Add(testing::MakeSyntheticDaily("GONE", 300, D("2024-06-28"), 2));
  const LatestRows latest = ScanLatest(*connection_, paths_).value();
  std::filesystem::remove(paths_[1]);
  const DerivedRows derived = ComputeDerived(*connection_, latest).value();
  ASSERT_EQ(derived.rows.num_rows(), 1U);
  EXPECT_EQ(derived.rows.column(0).varchars()[0], "GOOD");
  ASSERT_EQ(derived.failures.size(), 1U);
  EXPECT_EQ(derived.failures[0].file, paths_[1]);
  EXPECT_EQ(derived.failures[0].status.code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace tickerflow::screener
