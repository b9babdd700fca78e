// Checks every indicator column against `ta` 0.11.0's own output (tests/fixtures/indicators/,
// produced by the Python library, see docs/indicators.md), read from the files at test time.
#include "indicators/indicators.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace tickerflow::indicators {
namespace {

// A fixture CSV: plain numbers, no quoting, empty cell = NaN in `ta`.
struct FixtureFile {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::vector<std::string> Column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << "fixture has no column " << name;
    const auto index = static_cast<size_t>(it - header.begin());
    std::vector<std::string> cells;
    for (const auto& row : rows) cells.push_back(row.at(index));
    return cells;
  }

  std::vector<double> Numbers(const std::string& name) const {
    std::vector<double> numbers;
    for (const std::string& cell : Column(name)) {
      numbers.push_back(cell.empty() ? std::nan("") : std::stod(cell));
    }
    return numbers;
  }
};

FixtureFile ReadFixture(const std::string& file_name) {
  const std::string path =
      std::string(TICKERFLOW_SOURCE_DIR) + "/tests/fixtures/indicators/" + file_name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  FixtureFile fixture;
  std::string line;
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    std::stringstream stream(text);
    std::string cell;
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!text.empty() && text.back() == ',') cells.emplace_back();
    return cells;
  };
  if (std::getline(in, line)) fixture.header = split(line);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    fixture.rows.push_back(split(line));
    EXPECT_EQ(fixture.rows.back().size(), fixture.header.size()) << path << ": " << line;
  }
  return fixture;
}

// Where `ta` writes 0.0 instead of NaN for an undefined value (docs/indicators.md): these
// rows are NULL in tickerflow. Keyed by column, the last warm-up row.
const std::map<std::string, size_t>& WarmUpZeroRows() {
  static const std::map<std::string, size_t> kRows = {
      {"adx", 26}, {"adx_pos", 14}, {"adx_neg", 14}};
  return kRows;
}

class FixtureTest : public testing::TestWithParam<std::string> {};

TEST_P(FixtureTest, EveryColumnMatchesTa) {
  const FixtureFile input = ReadFixture(GetParam() + "_input.csv");
  const FixtureFile expected = ReadFixture(GetParam() + "_expected.csv");
  ASSERT_EQ(input.rows.size(), expected.rows.size());
  ASSERT_GT(input.rows.size(), 200U);
  const std::vector<double> high = input.Numbers("high");
  const std::vector<double> low = input.Numbers("low");
  const std::vector<double> close = input.Numbers("close");
  const std::vector<double> volume = input.Numbers("volume");
  const IndicatorTable table = ComputeIndicators({high, low, close, volume});
  ASSERT_EQ(table.num_rows(), close.size());

  for (const IndicatorColumn& column : table.columns()) {
    const std::string name(column.spec->name);
    const std::vector<double> want = expected.Numbers(name);
    size_t mismatches = 0;
    size_t defined = 0;
    for (size_t row = 0; row < want.size(); ++row) {
      const auto warm_up = WarmUpZeroRows().find(name);
      const bool ta_zero_means_null = warm_up != WarmUpZeroRows().end() && row <= warm_up->second;
      if (column.spec->type == IndicatorType::kBoolean) {
        // ta writes 0 while an input is NaN: we write NULL there, so only a defined value
        // can be compared; a NULL must correspond to ta's 0.
        ASSERT_FALSE(std::isnan(want[row])) << name << " row " << row;
        if (!column.IsValid(row)) {
          EXPECT_EQ(want[row], 0.0) << name << " row " << row << " is NULL but ta has 1";
          continue;
        }
        ++defined;
        if (static_cast<double>(column.flags[row]) != want[row] && ++mismatches <= 5) {
          ADD_FAILURE() << GetParam() << " " << name << " row " << row << ": ours "
                        << int{column.flags[row]} << ", ta " << want[row];
        }
        continue;
      }
      if (std::isnan(want[row]) || (ta_zero_means_null && want[row] == 0.0)) {
        if (column.IsValid(row) && ++mismatches <= 5) {
          ADD_FAILURE() << GetParam() << " " << name << " row " << row << ": ours "
                        << column.numbers[row] << ", ta undefined";
        }
        continue;
      }
      ++defined;
      if (!column.IsValid(row)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << GetParam() << " " << name << " row " << row << ": ours NULL, ta "
                        << want[row];
        }
        continue;
      }
      const double tolerance = 1e-9 * std::max(1.0, std::abs(want[row]));
      if (!(std::abs(column.numbers[row] - want[row]) <= tolerance) && ++mismatches <= 5) {
        ADD_FAILURE() << GetParam() << " " << name << " row " << row << ": ours "
                      << column.numbers[row] << ", ta " << want[row];
      }
    }
    EXPECT_EQ(mismatches, 0U) << GetParam() << " column " << name;
    EXPECT_GT(defined, 0U) << GetParam() << " column " << name << " is never defined";
  }
}

INSTANTIATE_TEST_SUITE_P(Ta, FixtureTest, testing::Values("ohlcv_1500", "ohlcv_edge_300"));

TEST(IndicatorsTest, SpecsAreInFileOrder) {
  const auto& specs = IndicatorSpecs();
  std::vector<std::string> names;
  for (size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(specs[i].id), i);
    names.emplace_back(specs[i].name);
  }
  EXPECT_THAT(names, testing::ElementsAre(
                         "bb_bbm", "bb_bbh", "bb_bbl", "bb_bbhi", "bb_bbli", "bb_bbw", "bb_bbp",
                         "mfi", "adi", "sma_200", "sma_50", "macd", "macd_diff", "macd_signal",
                         "adx", "adx_neg", "adx_pos", "rsi", "stoch", "stoch_signal", "solid_trend",
                         "golden_cross", "price_over_200", "macd_up", "rsi_over", "rsi_under",
                         "adx_buy", "adx_sell", "stoch_over", "stoch_under"));
}

// First defined row of every double column (docs/indicators.md), on data with no flat stretch.
TEST(IndicatorsTest, FirstDefinedRows) {
  const FixtureFile input = ReadFixture("ohlcv_1500_input.csv");
  const std::vector<double> high = input.Numbers("high");
  const std::vector<double> low = input.Numbers("low");
  const std::vector<double> close = input.Numbers("close");
  const std::vector<double> volume = input.Numbers("volume");
  const IndicatorTable table = ComputeIndicators({high, low, close, volume});
  const std::map<std::string, size_t> first_rows = {
      {"bb_bbm", 19},   {"bb_bbh", 19},      {"bb_bbl", 19},      {"bb_bbw", 19},
      {"bb_bbp", 19},   {"mfi", 13},         {"adi", 0},          {"sma_50", 49},
      {"sma_200", 199}, {"macd", 25},        {"macd_signal", 33}, {"macd_diff", 33},
      {"adx", 27},      {"adx_pos", 15},     {"adx_neg", 15},     {"rsi", 13},
      {"stoch", 13},    {"stoch_signal", 15}};
  for (const IndicatorColumn& column : table.columns()) {
    const auto it = first_rows.find(std::string(column.spec->name));
    if (it == first_rows.end()) continue;
    const size_t first = it->second;
    for (size_t row = 0; row < first; ++row) {
      EXPECT_FALSE(column.IsValid(row)) << column.spec->name << " row " << row;
    }
    EXPECT_TRUE(column.IsValid(first)) << column.spec->name << " row " << first;
  }
}

TEST(IndicatorsTest, ShortInputsGiveWhatIsDefined) {
  for (const size_t n : {0U, 1U, 2U, 13U, 14U, 27U, 28U, 49U}) {
    std::vector<double> high(n), low(n), close(n), volume(n);
    for (size_t i = 0; i < n; ++i) {
      close[i] = 100.0 + static_cast<double>(i % 7) - static_cast<double>(i % 3);
      high[i] = close[i] + 1.0;
      low[i] = close[i] - 1.5;
      volume[i] = 1000.0 + static_cast<double>(i);
    }
    const IndicatorTable table = ComputeIndicators({high, low, close, volume});
    ASSERT_EQ(table.num_rows(), n);
    const IndicatorColumn& adx = table.column(IndicatorId::kAdx);
    const IndicatorColumn& sma_50 = table.column(IndicatorId::kSma50);
    const IndicatorColumn& adi = table.column(IndicatorId::kAdi);
    for (size_t row = 0; row < n; ++row) {
      EXPECT_EQ(adx.IsValid(row), row >= 27) << "n=" << n << " row " << row;
      EXPECT_FALSE(sma_50.IsValid(row));
      EXPECT_TRUE(adi.IsValid(row));
    }
  }
}

// A 25-row flat stretch: zero band width (bb_bbp undefined, flags false), the mean equal to
// the price exactly, zero stochastic range, and no money flow.
TEST(IndicatorsTest, FlatStretchIsExact) {
  const size_t n = 60;
  std::vector<double> high(n), low(n), close(n), volume(n);
  for (size_t i = 0; i < n; ++i) {
    const bool halted = i >= 30 && i < 55;
    close[i] = halted ? 0.1 : 0.1 + 0.01 * static_cast<double>(i % 5);
    high[i] = halted ? 0.1 : close[i] + 0.02;
    low[i] = halted ? 0.1 : close[i] - 0.02;
    volume[i] = halted ? 0.0 : 5000.0;
  }
  const IndicatorTable table = ComputeIndicators({high, low, close, volume});
  const size_t row = 54;  // the window of rows 35..54 is flat
  EXPECT_EQ(table.column(IndicatorId::kBbBbm).numbers[row], 0.1);
  EXPECT_EQ(table.column(IndicatorId::kBbBbh).numbers[row], 0.1);
  EXPECT_EQ(table.column(IndicatorId::kBbBbw).numbers[row], 0.0);
  EXPECT_FALSE(table.column(IndicatorId::kBbBbp).IsValid(row));
  EXPECT_EQ(table.column(IndicatorId::kBbBbhi).flags[row], 0);
  EXPECT_EQ(table.column(IndicatorId::kBbBbli).flags[row], 0);
  EXPECT_FALSE(table.column(IndicatorId::kStoch).IsValid(row));
  EXPECT_FALSE(table.column(IndicatorId::kStochOver).IsValid(row));
  EXPECT_FALSE(table.column(IndicatorId::kMfi).IsValid(row));
  EXPECT_TRUE(table.column(IndicatorId::kMfi).IsValid(row - 14));
}

}  // namespace
}  // namespace tickerflow::indicators
