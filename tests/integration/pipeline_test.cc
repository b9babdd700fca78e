// End-to-end tests of `tickerflow run` and `tickerflow query` on the simulated market: they
// run the built program on a temporary data directory and check the files it leaves with
// DuckDB (through tickerflow's table module).

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "market/calendar.h"
#include "process_runner.h"
#include "table/database.h"
#include "table/parquet.h"
#include "table/table.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using tickerflow::testing::ProgramResult;
using tickerflow::testing::RunningProgram;
using tickerflow::testing::RunProgram;

// Written out here rather than taken from the library, so that a change to the file layout
// shows up as a failing end-to-end test.
const std::vector<std::string> kDailyColumns = {"symbol",
                                                "date",
                                                "open",
                                                "high",
                                                "low",
                                                "close",
                                                "adj_close",
                                                "volume",
                                                "vwap",
                                                "change",
                                                "change_percent",
                                                "bb_bbm",
                                                "bb_bbh",
                                                "bb_bbl",
                                                "bb_bbhi",
                                                "bb_bbli",
                                                "bb_bbw",
                                                "bb_bbp",
                                                "mfi",
                                                "adi",
                                                "sma_200",
                                                "sma_50",
                                                "macd",
                                                "macd_diff",
                                                "macd_signal",
                                                "adx",
                                                "adx_neg",
                                                "adx_pos",
                                                "rsi",
                                                "stoch",
                                                "stoch_signal",
                                                "solid_trend",
                                                "golden_cross",
                                                "price_over_200",
                                                "macd_up",
                                                "rsi_over",
                                                "rsi_under",
                                                "adx_buy",
                                                "adx_sell",
                                                "stoch_over",
                                                "stoch_under"};
const std::vector<std::string> kFundamentals = {"profiles", "ratios_ttm", "key_metrics_ttm",
                                                "scores",   "ratings",    "dcf"};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_pipeline_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
    connection_ = std::make_unique<table::Connection>(database_->Connect().value());
  }
  void TearDown() override {
    connection_.reset();
    database_.reset();
    fs::remove_all(dir_);
  }

  fs::path Data(std::string_view name = "data") const { return dir_ / name; }

  ProgramResult Run(const std::vector<std::string>& args) {
    return RunProgram(args, dir_ / fmt::format("capture-{}", runs_++));
  }

  // `tickerflow run` on the simulated market.
  ProgramResult RunPipeline(const fs::path& data, std::string_view as_of, int universe = 200,
                            std::vector<std::string> extra = {}, int years = 3) {
    std::vector<std::string> args = {"run",
                                     "--source",
                                     "simulated",
                                     "--data",
                                     data.string(),
                                     "--universe",
                                     std::to_string(universe),
                                     "--years",
                                     std::to_string(years),
                                     "--seed",
                                     "7",
                                     "--as-of",
                                     std::string(as_of),
                                     "--workers",
                                     "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  table::Table Query(const std::string& sql, const std::vector<table::Parameter>& parameters = {}) {
    Result<table::QueryResult> result = connection_->Query(sql, parameters);
    EXPECT_TRUE(result.ok()) << result.status().message() << "\n" << sql;
    if (!result.ok()) return {};
    Result<table::Table> rows = result->FetchTable();
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    return rows.ok() ? std::move(*rows) : table::Table();
  }

  int64_t QueryInt(const std::string& sql, const std::vector<table::Parameter>& parameters = {}) {
    table::Table rows = Query(sql, parameters);
    if (rows.num_rows() != 1 || rows.num_columns() != 1) {
      ADD_FAILURE() << "not one value: " << sql;
      return -1;
    }
    return rows.column(0).bigints()[0];
  }

  static std::string Glob(const fs::path& data) { return (data / "daily" / "*.parquet").string(); }

  std::map<std::string, table::Table> ReadAll(const fs::path& data, std::string_view folder) {
    std::map<std::string, table::Table> files;
    for (const auto& entry : fs::directory_iterator(data / folder)) {
      if (entry.path().extension() != ".parquet") continue;
      Result<table::Table> rows = table::ReadParquet(*connection_, entry.path());
      EXPECT_TRUE(rows.ok()) << entry.path() << ": " << rows.status().message();
      if (rows.ok()) files.emplace(entry.path().filename().string(), std::move(*rows));
    }
    return files;
  }

  size_t CountDailyFiles(const fs::path& data) {
    std::error_code error;
    size_t count = 0;
    for (fs::directory_iterator it(data / "daily", error), end; !error && it != end;
         it.increment(error)) {
      if (it->path().extension() == ".parquet") ++count;
    }
    return count;
  }

  fs::path dir_;
  int runs_ = 0;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
};

TEST_F(PipelineTest, FirstRunWritesTheDesignedLayout) {
  const fs::path data = Data();
  const ProgramResult run = RunPipeline(data, "2025-06-02");
  ASSERT_EQ(run.exit_code, 0) << run.err;

  EXPECT_TRUE(fs::is_regular_file(data / "universe.parquet"));
  for (const std::string& name : kFundamentals) {
    EXPECT_TRUE(fs::is_regular_file(data / "fundamentals" / (name + ".parquet"))) << name;
  }
  for (const char* name : {"screener.parquet", "screener.csv", "screener.json"}) {
    EXPECT_TRUE(fs::is_regular_file(data / "screener" / name)) << name;
  }
  size_t summaries = 0;
  for (const auto& entry : fs::directory_iterator(data / "_runs")) {
    if (entry.path().extension() != ".json") continue;
    ++summaries;
    const std::string summary = testing::ReadFileText(entry.path());
    EXPECT_THAT(summary, HasSubstr("\"status\": \"succeeded\""));
    for (const char* step :
         {"list_files", "process_files", "fetch_fundamentals", "scan_latest", "merge_screener"}) {
      EXPECT_THAT(summary, HasSubstr(fmt::format("\"name\": \"{}\"", step)));
    }
  }
  EXPECT_EQ(summaries, 1u);

  // One file per symbol that traded inside the three years, no temporary left behind.
  const int64_t listed = QueryInt(
      "SELECT count(*) FROM read_parquet(?) WHERE first_date <= DATE '2025-06-02' AND "
      "last_date >= DATE '2022-06-02'",
      {(data / "universe.parquet").string()});
  EXPECT_GT(listed, 150);
  EXPECT_EQ(static_cast<int64_t>(CountDailyFiles(data)), listed);
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.starts_with(".") && name != ".tickerflow.lock")
        << "left behind: " << entry.path();
  }

  // Every file: the designed columns and types, one row per trading day, ascending.
  const std::map<std::string, table::Table> files = ReadAll(data, "daily");
  for (const auto& [name, rows] : files) {
    ASSERT_EQ(rows.ColumnNames(), kDailyColumns) << name;
    EXPECT_EQ(rows.FindColumn("date")->type(), table::ColumnType::kDate);
    EXPECT_EQ(rows.FindColumn("volume")->type(), table::ColumnType::kBigint);
    EXPECT_EQ(rows.FindColumn("golden_cross")->type(), table::ColumnType::kBoolean);
    EXPECT_EQ(rows.FindColumn("rsi")->type(), table::ColumnType::kDouble);
    const std::vector<Date>& dates = rows.FindColumn("date")->dates();
    ASSERT_FALSE(dates.empty()) << name;
    EXPECT_EQ(rows.FindColumn("symbol")->varchars()[0] + ".parquet", name);
    for (size_t i = 0; i < dates.size(); ++i) {
      EXPECT_TRUE(market::IsTradingDay(dates[i])) << name << " " << dates[i].ToString();
      if (i > 0) {
        ASSERT_LT(dates[i - 1], dates[i]) << name;
      }
    }
  }
  // zstd compression, and statistics on the date column.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parquet_metadata(?) WHERE compression <> 'ZSTD'",
                     {Glob(data)}),
            0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parquet_metadata(?) WHERE path_in_schema = 'date' "
                     "AND stats_max IS NULL",
                     {Glob(data)}),
            0);
  // History: at most three years back, and symbols that listed later start later.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM read_parquet(?) WHERE date < DATE '2022-06-02' OR "
                     "date > DATE '2025-06-02'",
                     {Glob(data)}),
            0);
}

TEST_F(PipelineTest, ALaterRunAddsOnlyTheNewSessionsAndKeepsHistory) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02").exit_code, 0);
  const std::map<std::string, table::Table> before = ReadAll(data, "daily");
  const ProgramResult second = RunPipeline(data, "2025-06-13");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::map<std::string, table::Table> after = ReadAll(data, "daily");

  const int new_sessions =
      market::CountTradingDays(Date::FromCivil(2025, 6, 3), Date::FromCivil(2025, 6, 13));
  ASSERT_EQ(new_sessions, 9);
  size_t grown = 0, delisted_unchanged = 0, new_ipos = 0;
  for (const auto& [name, rows] : after) {
    const auto old = before.find(name);
    if (old == before.end()) {
      ++new_ipos;  // Listed after the first as-of date: its whole history is there.
      EXPECT_GE(rows.FindColumn("date")->dates().front(), Date::FromCivil(2025, 6, 3)) << name;
      continue;
    }
    const size_t old_rows = old->second.num_rows();
    const std::vector<Date>& dates = rows.FindColumn("date")->dates();
    if (rows.num_rows() == old_rows) {
      ++delisted_unchanged;
      EXPECT_TRUE(rows == old->second) << name << " changed without new sessions";
      EXPECT_LT(dates.back(), Date::FromCivil(2025, 6, 2)) << name;
      continue;
    }
    ++grown;
    EXPECT_EQ(rows.num_rows(), old_rows + static_cast<size_t>(new_sessions)) << name;
    for (size_t i = 1; i < dates.size(); ++i) {
      ASSERT_LT(dates[i - 1], dates[i]) << name;
    }
    // Every earlier row, all 41 columns, is exactly as it was: the indicators of a row depend
    // only on the rows before it.
    for (size_t c = 0; c < rows.num_columns(); ++c) {
      const table::Column& now = rows.column(c);
      const table::Column& then = old->second.column(c);
      for (size_t row = 0; row < old_rows; ++row) {
        ASSERT_EQ(now.is_null(row), then.is_null(row)) << name << " " << now.name() << " " << row;
        if (now.is_valid(row)) {
          ASSERT_EQ(now.ValueToString(row), then.ValueToString(row))
              << name << " " << now.name() << " row " << row;
        }
      }
    }
  }
  EXPECT_GT(grown, 100u);
  EXPECT_GT(delisted_unchanged + new_ipos, 0u);
  EXPECT_THAT(second.out, HasSubstr("rows added"));
}

TEST_F(PipelineTest, SessionsMissingInsideAHistoryAreReportedNotFatal) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02", 40).exit_code, 0);
  // A file traded through the whole span loses two sessions of 2024, as a vendor's history
  // with a halt would.
  const table::Table traded =
      Query(fmt::format("SELECT symbol FROM read_parquet('{}') GROUP BY symbol "
                        "HAVING min(date) < DATE '2024-01-01' AND max(date) = DATE '2025-06-02' "
                        "ORDER BY symbol LIMIT 1",
                        Glob(data)));
  ASSERT_EQ(traded.num_rows(), 1u);
  const std::string symbol = traded.column(0).varchars()[0];
  const fs::path file = data / "daily" / (symbol + ".parquet");
  const fs::path holed = dir_ / "holed.parquet";
  Query(
      fmt::format("COPY (SELECT * FROM read_parquet('{}') WHERE date NOT IN "
                  "(DATE '2024-03-05', DATE '2024-03-06') ORDER BY date) TO '{}' "
                  "(FORMAT parquet)",
                  file.string(), holed.string()));
  fs::rename(holed, file);

  const ProgramResult update = RunPipeline(data, "2025-06-03", 40, {"--gaps"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_THAT(update.out, HasSubstr("2 sessions missing in 1 histories"));
  EXPECT_THAT(update.out, HasSubstr("gaps: 1 histories miss sessions"));
  EXPECT_THAT(update.out, HasSubstr(fmt::format("  {:<8}     2  2024-03-05 2024-03-06\n", symbol)));
  // The file took the new session and kept its gap; the run succeeded for every symbol.
  EXPECT_EQ(QueryInt(fmt::format("SELECT count(*) FROM read_parquet('{}') WHERE date IN "
                                 "(DATE '2024-03-05', DATE '2024-03-06', DATE '2025-06-03')",
                                 file.string())),
            1);
  EXPECT_THAT(update.out, ::testing::Not(HasSubstr("failures")));

  // Without --gaps, the summary counts them and lists none.
  const ProgramResult next = RunPipeline(data, "2025-06-04", 40);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(next.out, HasSubstr("2 sessions missing in 1 histories"));
  EXPECT_THAT(next.out, ::testing::Not(HasSubstr("gaps:")));
}

TEST_F(PipelineTest, RevisedSessionsAreMergedKeepingTheNewestValue) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02", 200, {"--revise-last", "2"}).exit_code, 0);
  const ProgramResult second = RunPipeline(data, "2025-06-05", 200, {"--revise-last", "2"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  // A fresh run at the later date sees the same vendor data: the incremental files must hold
  // the same prices on every date the fresh files hold. vwap too, except on sessions that the
  // bulk requests added or revised: the bulk file has none (as FMP's eod-bulk).
  const fs::path fresh = Data("fresh");
  ASSERT_EQ(RunPipeline(fresh, "2025-06-05", 200, {"--revise-last", "2"}).exit_code, 0);
  const int64_t differing = QueryInt(
      "SELECT count(*) FROM read_parquet(?) a JOIN read_parquet(?) b USING (symbol, date) "
      "WHERE a.open <> b.open OR a.high <> b.high OR a.low <> b.low OR a.close <> b.close OR "
      "a.volume <> b.volume OR (a.vwap IS NOT NULL AND a.vwap IS DISTINCT FROM b.vwap)",
      {Glob(data), Glob(fresh)});
  EXPECT_EQ(differing, 0);
  const int64_t fresh_rows = QueryInt("SELECT count(*) FROM read_parquet(?)", {Glob(fresh)});
  const int64_t joined =
      QueryInt("SELECT count(*) FROM read_parquet(?) a JOIN read_parquet(?) b USING (symbol, date)",
               {Glob(data), Glob(fresh)});
  EXPECT_EQ(joined, fresh_rows);
  EXPECT_THAT(testing::ReadFileText(fs::directory_iterator(data / "_runs")->path()),
              HasSubstr("rows_revised"));
}

TEST_F(PipelineTest, TheScreenerHoldsTheLastRowOfEveryFile) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02").exit_code, 0);
  const std::string screener = (data / "screener" / "screener.parquet").string();
  const int64_t files = static_cast<int64_t>(CountDailyFiles(data));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM read_parquet(?)", {screener}), files);
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT symbol) FROM read_parquet(?)", {screener}), files);
  // Every daily column of the screener equals the file's last row.
  std::string differs;
  for (const std::string& column : kDailyColumns) {
    if (column == "symbol") continue;
    differs +=
        fmt::format("{}s.{} IS DISTINCT FROM l.{}", differs.empty() ? "" : " OR ", column, column);
  }
  EXPECT_EQ(QueryInt(fmt::format("SELECT count(*) FROM read_parquet(?) s JOIN (SELECT * FROM "
                                 "read_parquet(?) QUALIFY row_number() OVER (PARTITION BY symbol "
                                 "ORDER BY date DESC) = 1) l USING (symbol) WHERE {}",
                                 differs),
                     {screener, Glob(data)}),
            0);
  // stale: the last bar is older than the latest session (2025-06-02 is a Monday session).
  EXPECT_EQ(QueryInt("SELECT count(*) FROM read_parquet(?) WHERE stale <> (date < DATE "
                     "'2025-06-02')",
                     {screener}),
            0);
  EXPECT_GT(QueryInt("SELECT count(*) FROM read_parquet(?) WHERE stale", {screener}), 0);
  // The CSV and JSON files hold the same rows.
  const std::string csv = testing::ReadFileText(data / "screener" / "screener.csv");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM read_csv(?, header = true)",
                     {(data / "screener" / "screener.csv").string()}),
            files);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM read_json(?)",
                     {(data / "screener" / "screener.json").string()}),
            files);
  EXPECT_THAT(csv.substr(0, csv.find('\n')), HasSubstr("market_cap_cat"));
}

TEST_F(PipelineTest, LabelsFollowTheirBoundaries) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02", 400).exit_code, 0);
  const std::string screener = (data / "screener" / "screener.parquet").string();
  // The rules of design.md §3, written independently of the code under test.
  const std::vector<std::pair<std::string, std::string>> rules = {
      {"market_cap_cat",
       "CASE WHEN market_cap IS NULL THEN NULL WHEN market_cap < 300e6 THEN 'Micro Cap' WHEN "
       "market_cap < 2e9 THEN 'Small Cap' WHEN market_cap < 10e9 THEN 'Mid Cap' WHEN market_cap "
       "< 50e9 THEN 'Large Cap' ELSE 'Mega Cap' END"},
      {"pe_ratio_cat",
       "CASE WHEN pe_ratio_ttm IS NULL THEN NULL WHEN pe_ratio_ttm < 15 THEN 'Low PE' WHEN "
       "pe_ratio_ttm < 30 THEN 'Moderate PE' ELSE 'High PE' END"},
      {"peg_ratio_cat",
       "CASE WHEN peg_ratio_ttm IS NULL THEN NULL WHEN peg_ratio_ttm < 1 THEN 'Under 1' WHEN "
       "peg_ratio_ttm < 2 THEN '1 to 2' ELSE 'Above 2' END"},
      {"net_profit_margin_cat",
       "CASE WHEN net_profit_margin_ttm IS NULL THEN NULL WHEN net_profit_margin_ttm < 0 THEN "
       "'Negative' WHEN net_profit_margin_ttm < 0.1 THEN 'Low (0-10%)' WHEN "
       "net_profit_margin_ttm < 0.2 THEN 'Moderate (10-20%)' ELSE 'High (20%+)' END"},
      {"altman_z_score_cat",
       "CASE WHEN altman_z_score IS NULL THEN NULL WHEN altman_z_score < 1.8 THEN 'Distress "
       "Zone' WHEN altman_z_score < 3 THEN 'Grey Zone' ELSE 'Safe Zone' END"},
      {"piotroski_score_cat",
       "CASE WHEN piotroski_score IS NULL THEN NULL WHEN piotroski_score <= 3 THEN 'Weak' WHEN "
       "piotroski_score <= 6 THEN 'Moderate' ELSE 'Strong' END"},
      {"price_fair_value_cat",
       "CASE WHEN price_fair_value_diff_perc IS NULL THEN NULL WHEN "
       "abs(price_fair_value_diff_perc) < 0.1 THEN 'Fairly Valued' WHEN close < fair_value THEN "
       "'Undervalued' ELSE 'Overvalued' END"},
  };
  for (const auto& [label, rule] : rules) {
    EXPECT_EQ(QueryInt(fmt::format("SELECT count(*) FROM read_parquet(?) WHERE {} IS DISTINCT "
                                   "FROM ({})",
                                   label, rule),
                       {screener}),
              0)
        << label;
    // Every label is used, and a missing input gives a missing label.
    EXPECT_GE(
        QueryInt(fmt::format("SELECT count(DISTINCT {}) FROM read_parquet(?)", label), {screener}),
        3)
        << label;
  }
  EXPECT_GT(
      QueryInt("SELECT count(*) FROM read_parquet(?) WHERE market_cap_cat IS NULL", {screener}), 0);
}

TEST_F(PipelineTest, AKilledRunRestartedWritesWhatAnUninterruptedRunWrites) {
  const fs::path reference = Data("reference");
  ASSERT_EQ(RunPipeline(reference, "2025-06-02", 400, {}, /*years=*/10).exit_code, 0);

  const fs::path data = Data("killed");
  ProgramResult killed;
  {
    std::vector<std::string> args = {
        "run", "--source", "simulated", "--data",  data.string(), "--universe", "400", "--years",
        "10",  "--seed",   "7",         "--as-of", "2025-06-02",  "--workers",  "2"};
    RunningProgram program(args, dir_ / "capture-killed");
    ASSERT_TRUE(program.started());
    // Kill it in the middle of process_files: some files written, most not.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (CountDailyFiles(data) < 60 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    killed = program.Kill();
  }
  ASSERT_EQ(killed.exit_code, -SIGKILL) << "the run ended before it could be killed";
  const size_t written = CountDailyFiles(data);
  EXPECT_GT(written, 0u);
  EXPECT_LT(written, 380u);
  EXPECT_FALSE(fs::exists(data / "screener" / "screener.parquet"));

  const ProgramResult rerun = RunPipeline(data, "2025-06-02", 400, {}, /*years=*/10);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  for (const char* folder : {"daily", "fundamentals", "screener", "."}) {
    const std::map<std::string, table::Table> expected = ReadAll(reference, folder);
    const std::map<std::string, table::Table> actual = ReadAll(data, folder);
    ASSERT_EQ(actual.size(), expected.size()) << folder;
    for (const auto& [name, rows] : expected) {
      const auto found = actual.find(name);
      ASSERT_NE(found, actual.end()) << folder << "/" << name;
      EXPECT_TRUE(found->second == rows) << folder << "/" << name << " differs";
    }
  }
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.starts_with(".") && name != ".tickerflow.lock")
        << "left behind: " << entry.path();
  }
}

TEST_F(PipelineTest, ACorruptFileIsReportedKeptAndSkipped) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02").exit_code, 0);
  const std::string symbol = Query(
                                 "SELECT symbol FROM read_parquet(?) WHERE NOT stale ORDER BY "
                                 "symbol LIMIT 1",
                                 {(data / "screener" / "screener.parquet").string()})
                                 .column(0)
                                 .varchars()[0];
  const fs::path victim = data / "daily" / (symbol + ".parquet");
  const std::string garbage = "this is not a parquet file\n";
  { std::ofstream(victim, std::ios::binary | std::ios::trunc) << garbage; }

  const ProgramResult second = RunPipeline(data, "2025-06-05");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(testing::ReadFileText(victim), garbage) << "the corrupt file must stay untouched";
  EXPECT_THAT(second.out, HasSubstr(symbol));
  EXPECT_THAT(second.out, HasSubstr("corrupt"));
  // Other files moved on.
  EXPECT_GT(QueryInt("SELECT count(*) FROM read_parquet(?) WHERE date = DATE '2025-06-05'",
                     {(data / "screener" / "screener.parquet").string()}),
            100);
  std::string summary;
  for (const auto& entry : fs::directory_iterator(data / "_runs")) {
    const std::string text = testing::ReadFileText(entry.path());
    if (text.find("2025-06-05") != std::string::npos) summary = text;
  }
  EXPECT_THAT(summary, HasSubstr(fmt::format("\"symbol\": \"{}\"", symbol)));
}

TEST_F(PipelineTest, ASecondRunOnTheSameDataIsRefused) {
  const fs::path data = Data();
  std::vector<std::string> args = {"run",        "--source", "simulated", "--data", data.string(),
                                   "--universe", "1500",     "--years",   "10",     "--seed",
                                   "7",          "--as-of",  "2025-06-02"};
  RunningProgram first(args, dir_ / "capture-first");
  ASSERT_TRUE(first.started());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(data / "universe.parquet") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const ProgramResult second = RunPipeline(data, "2025-06-02");
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("another tickerflow run"));
  EXPECT_THAT(second.err, HasSubstr(fs::absolute(data).string()));
  first.Kill();
}

TEST_F(PipelineTest, BadFlagsGiveUsageAndStatusTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", "--universe", "abc"},
           {"run", "--as-of", "2025-13-01", "--data", Data().string()},
           {"run", "--source", "nowhere"},
           {"run", "--universe", "0"},
           {"run", "--years", "-1"},
           {"run", "--no-such-flag"},
           {"query"},
           {"query", "--format", "xml", "SELECT 1"}}) {
    const ProgramResult result = Run(args);
    EXPECT_EQ(result.exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << result.err;
    EXPECT_THAT(result.err, HasSubstr("tickerflow"));
  }
  EXPECT_FALSE(fs::exists(Data()));
}

TEST_F(PipelineTest, QueryRunsSqlOverTheViews) {
  const fs::path data = Data();
  ASSERT_EQ(RunPipeline(data, "2025-06-02").exit_code, 0);
  const int64_t files = static_cast<int64_t>(CountDailyFiles(data));

  ProgramResult csv = Run({"query", "--data", data.string(), "--format", "csv",
                           "SELECT count(*) AS n, count(DISTINCT symbol) AS symbols FROM daily"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const int64_t rows = QueryInt("SELECT count(*) FROM read_parquet(?)", {Glob(data)});
  EXPECT_EQ(csv.out, fmt::format("n,symbols\n{},{}\n", rows, files));

  ProgramResult json = Run({"query", "--data", data.string(), "--format", "json",
                            "SELECT symbol, sum(volume) AS total FROM daily GROUP BY symbol "
                            "ORDER BY symbol LIMIT 2;"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"symbol\":"));
  EXPECT_THAT(json.out, HasSubstr("\"total\":"));

  ProgramResult text = Run({"query", "--data", data.string(),
                            "SELECT p.symbol, s.sector FROM profiles p JOIN screener s USING "
                            "(symbol) JOIN universe u USING (symbol) ORDER BY 1 LIMIT 3"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("(3 rows)"));

  for (const std::string& view : kFundamentals) {
    ProgramResult each = Run({"query", "--data", data.string(), "--format", "csv",
                              fmt::format("SELECT count(*) AS n FROM {}", view)});
    EXPECT_EQ(each.exit_code, 0) << view << ": " << each.err;
  }

  ProgramResult missing = Run({"query", "--data", data.string(), "SELECT * FROM nothing_here"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nothing_here"));
  EXPECT_THAT(missing.err, HasSubstr("daily"));

  ProgramResult bad = Run({"query", "--data", data.string(), "SELEC oops"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("syntax"));
}

}  // namespace
}  // namespace tickerflow
