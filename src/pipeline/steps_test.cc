// The steps' JSON contracts, run on the simulated market and a local directory; a wrapping
// Source injects failures at the seam.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "market/calendar.h"
#include "pipeline/daily_file.h"
#include "pipeline/pipeline.h"
#include "pipeline/step_util.h"
#include "sources/simulated/simulated_source.h"
#include "storage/local_store.h"
#include "table/parquet.h"

namespace tickerflow::pipeline {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Delegates to the simulated market, except for the symbols told to fail.
class FailingSource final : public sources::Source {
 public:
  explicit FailingSource(sources::Source& inner) : inner_(inner) {}
  std::string_view name() const override { return "failing"; }
  Result<std::vector<sources::SymbolInfo>> Universe(Date as_of) override {
    return inner_.Universe(as_of);
  }
  Result<std::vector<sources::Bar>> DailyBars(std::string_view symbol, Date from,
                                              Date to) override {
    if (symbol == fail_symbol) return Status::Error(fail_code, "injected failure");
    if (concurrent_requests > 0) {  // A network round trip: overlapping calls are measured.
      const int now = ++in_flight;
      for (int seen = max_in_flight.load(); now > seen;) {
        if (max_in_flight.compare_exchange_weak(seen, now)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      --in_flight;
    }
    Result<std::vector<sources::Bar>> bars = inner_.DailyBars(symbol, from, to);
    if (bars.ok() && symbol == bad_bar_symbol && !bars->empty()) bars->back().low = -1;
    if (bars.ok() && symbol == gap_symbol) {
      std::erase_if(*bars, [&](const sources::Bar& bar) { return gap_dates.count(bar.date) > 0; });
    }
    return bars;
  }
  bool SupportsBarsOn() const override { return bulk; }
  Result<std::vector<sources::SymbolBar>> BarsOn(Date date) override {
    ++bulk_requests;
    return inner_.BarsOn(date);
  }
  Result<table::Table> Fundamentals(sources::FundamentalsDataset dataset, Date as_of) override {
    Result<table::Table> rows = inner_.Fundamentals(dataset, as_of);
    if (!rows.ok() || partial_fundamentals_rows == 0) return rows;
    // The first rows only, as a per-symbol refresh under a budget gives them.
    std::vector<table::Column> columns;
    for (const table::Column& column : rows->columns()) {
      table::Column& kept = columns.emplace_back(column.name(), column.type());
      for (size_t row = 0; row < std::min(partial_fundamentals_rows, rows->num_rows()); ++row) {
        kept.AppendFrom(column, row);
      }
    }
    return table::Table::Make(std::move(columns));
  }
  bool FundamentalsComplete(sources::FundamentalsDataset /*dataset*/) const override {
    return partial_fundamentals_rows == 0;
  }
  int ConcurrentRequests() const override { return concurrent_requests; }

  std::string fail_symbol;
  size_t partial_fundamentals_rows = 0;
  int concurrent_requests = 0;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  ErrorCode fail_code = ErrorCode::kCorruptData;
  std::string bad_bar_symbol;
  std::string gap_symbol;  // Its bars on gap_dates are left out.
  std::set<Date> gap_dates;
  bool bulk = false;
  int bulk_requests = 0;

 private:
  sources::Source& inner_;
};

class StepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_steps_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = storage::LocalStore::Open(dir_).value();
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A context for a market as of `as_of`.
  PipelineContext& Context(Date as_of) {
    sources::SimulatedOptions options;
    options.seed = 3;
    options.universe = 60;
    options.as_of = as_of;
    market_ = sources::SimulatedSource::Create(options).value();
    source_ = std::make_unique<FailingSource>(*market_);
    context_ = std::make_unique<PipelineContext>(PipelineContext{.source = *source_,
                                                                 .store = *store_,
                                                                 .database = *database_,
                                                                 .progress = progress_,
                                                                 .workers = 2});
    return *context_;
  }

  // scan_latest and merge_screener: the screener whose last dates the next listing uses.
  void BuildScreener(Date session) {
    Result<Json> scanned =
        ScanLatestStep(*context_, Json{{"run_id", "test"}, {"latest_session", session.ToString()}});
    ASSERT_TRUE(scanned.ok()) << scanned.status().message();
    Json input = *scanned;
    input["latest_session"] = session.ToString();
    Result<Json> merged = MergeScreenerStep(*context_, input);
    ASSERT_TRUE(merged.ok()) << merged.status().message();
  }

  Json List(Date as_of, int years = 2) {
    Result<Json> listed =
        ListFiles(Context(as_of), Json{{"as_of", as_of.ToString()}, {"years", years}});
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    return listed.ok() ? *listed : Json();
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalStore> store_;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<sources::SimulatedSource> market_;
  std::unique_ptr<FailingSource> source_;
  NullProgress progress_;
  std::unique_ptr<PipelineContext> context_;
};

const Date kAsOf = Date::FromCivil(2025, 6, 2);

TEST_F(StepsTest, ListFilesOnAnEmptyStoreAsksForWholeHistories) {
  const Json listed = List(kAsOf);
  EXPECT_EQ(listed["as_of"], "2025-06-02");
  EXPECT_EQ(listed["latest_session"], "2025-06-02");
  EXPECT_EQ(listed["history_start"], "2023-06-02");
  ASSERT_GT(listed["tasks"].size(), 40u);
  for (const Json& task : listed["tasks"]) {
    EXPECT_TRUE(task["last_date"].is_null());
    EXPECT_FALSE(task["stored"].get<bool>());
    EXPECT_GE(task["from"].get<std::string>(), "2023-06-02");
    EXPECT_LE(task["to"].get<std::string>(), "2025-06-02");
  }
  EXPECT_EQ(listed["counts"]["new_symbols"], listed["tasks"].size());
  Result<table::Table> universe = table::ReadParquet(dir_ / "universe.parquet");
  ASSERT_TRUE(universe.ok()) << universe.status().message();
  EXPECT_EQ(universe->ColumnNames(),
            (std::vector<std::string>{"symbol", "company_name", "exchange", "type", "sector",
                                      "industry", "first_date", "last_date", "delisted"}));
}

TEST_F(StepsTest, ProcessFilesWritesFilesAndTheNextListingOverlapsThreeSessions) {
  const Json listed = List(kAsOf);
  Result<Json> processed = ProcessFiles(*context_, listed);
  ASSERT_TRUE(processed.ok()) << processed.status().message();
  EXPECT_EQ((*processed)["failures"].size(), 0u);
  const size_t updated = (*processed)["updated"].get<size_t>();
  EXPECT_GT(updated, 40u);
  EXPECT_EQ(store_->List("daily/").value().size(), updated);
  // Without a screener, the listing knows no last dates: process_files reads them.
  const Json unhinted = List(kAsOf);
  for (const Json& task : unhinted["tasks"]) EXPECT_TRUE(task["last_date"].is_null());
  BuildScreener(kAsOf);

  const Date later = Date::FromCivil(2025, 6, 6);
  const Json relisted = List(later);
  size_t with_file = 0;
  for (const Json& task : relisted["tasks"]) {
    if (task["last_date"].is_null()) continue;
    ++with_file;
    EXPECT_TRUE(task["stored"].get<bool>());
    const Date last = Date::Parse(task["last_date"].get<std::string>()).value();
    Date from = last;
    for (int i = 0; i < 3; ++i) from = market::PreviousTradingDay(from);
    EXPECT_EQ(task["from"], from.ToString());
    EXPECT_EQ(task["to"], "2025-06-06");
  }
  EXPECT_GT(with_file, 40u);

  Result<Json> again = ProcessFiles(*context_, relisted);
  ASSERT_TRUE(again.ok()) << again.status().message();
  // Four new sessions (June 3 to 6) for every symbol still trading.
  EXPECT_GT((*again)["rows_added"].get<size_t>(), 4u * 40u);
  table::Connection connection = database_->Connect().value();
  size_t current = 0;
  for (const Json& task : relisted["tasks"]) {
    if (task["to"] != "2025-06-06" || task["last_date"] != "2025-06-02") continue;
    DailyPrices stored =
        ReadDailyPrices(connection, dir_ / DailyKey(task["symbol"].get<std::string>())).value();
    ASSERT_GE(stored.size(), 5u);
    EXPECT_EQ(stored.date.back(), later);
    EXPECT_EQ(stored.date[stored.size() - 5], kAsOf);
    ++current;
  }
  EXPECT_GT(current, 40u);
}

// A network source: process_files keeps ConcurrentRequests() calls in flight, more than its
// two workers, and the files are those of fetching on the workers.
TEST_F(StepsTest, NetworkSourcesAreFetchedAheadOfTheWorkers) {
  const fs::path serial_dir = dir_ / "serial";
  ASSERT_TRUE(ProcessFiles(Context(kAsOf), List(kAsOf)).ok());
  std::map<std::string, DailyPrices> serial;
  table::Connection connection = database_->Connect().value();
  const std::vector<storage::ObjectInfo> objects = store_->List("daily/").value();
  for (const storage::ObjectInfo& object : objects) {
    serial[object.key] = ReadDailyPrices(connection, dir_ / object.key).value();
    fs::remove(dir_ / object.key);
  }
  ASSERT_GT(serial.size(), 40u);

  const Json listed = List(kAsOf);
  source_->concurrent_requests = 8;
  Result<Json> fetched = ProcessFiles(*context_, listed);
  ASSERT_TRUE(fetched.ok()) << fetched.status().message();
  EXPECT_GT(source_->max_in_flight.load(), 2);
  EXPECT_LE(source_->max_in_flight.load(), 8);
  EXPECT_EQ((*fetched)["updated"].get<size_t>(), serial.size());
  for (const auto& [key, prices] : serial) {
    const DailyPrices now = ReadDailyPrices(connection, dir_ / key).value();
    ASSERT_EQ(now.size(), prices.size()) << key;
    for (size_t i = 0; i < now.size(); ++i) ASSERT_EQ(now.BarAt(i), prices.BarAt(i)) << key;
  }
}

// A source that refreshed only some symbols' fundamentals (FMP's per-symbol fallback under a
// budget): the stored rows of the others stay, the refreshed ones are replaced.
TEST_F(StepsTest, PartialFundamentalsKeepTheStoredRowsOfTheOthers) {
  Context(kAsOf);
  ASSERT_TRUE(FetchFundamentals(*context_, Json{{"as_of", kAsOf.ToString()}}).ok());
  table::Connection connection = database_->Connect().value();
  const table::Table full =
      table::ReadParquet(connection, dir_ / "fundamentals/profiles.parquet").value();
  ASSERT_GT(full.num_rows(), 10u);

  const Date later = Date::FromCivil(2025, 9, 2);  // Another quarter: other values.
  Context(later);
  source_->partial_fundamentals_rows = 5;
  ASSERT_TRUE(FetchFundamentals(*context_, Json{{"as_of", later.ToString()}}).ok());
  const table::Table merged =
      table::ReadParquet(connection, dir_ / "fundamentals/profiles.parquet").value();
  const table::Table fresh =
      market_->Fundamentals(sources::FundamentalsDataset::kProfiles, later).value();
  ASSERT_EQ(merged.num_rows(), full.num_rows());
  EXPECT_EQ(merged.column(0).varchars(), full.column(0).varchars());
  size_t changed = 0;
  for (size_t row = 0; row < merged.num_rows(); ++row) {
    const table::Table& want = row < 5 ? fresh : full;
    for (size_t c = 0; c < merged.num_columns(); ++c) {
      ASSERT_EQ(merged.column(c).ValueToString(row), want.column(c).ValueToString(row))
          << row << " " << merged.column(c).name();
    }
    if (row < 5 && merged.column(8).ValueToString(row) != full.column(8).ValueToString(row)) {
      ++changed;
    }
  }
  EXPECT_GT(changed, 0u);  // The refreshed rows really are new values.
}

TEST_F(StepsTest, BulkRequestsServeADailyUpdate) {
  ASSERT_TRUE(ProcessFiles(Context(kAsOf), List(kAsOf)).ok());
  BuildScreener(kAsOf);
  const Date later = Date::FromCivil(2025, 6, 3);
  const Json relisted = List(later);
  source_->bulk = true;
  Result<Json> updated = ProcessFiles(*context_, relisted);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_TRUE((*updated)["bulk"].get<bool>());
  // One request per session from the earliest overlap to the new session, for the whole
  // market: three sessions of overlap and the new one for a symbol that is up to date.
  std::string earliest = "9999-12-31";
  for (const Json& task : relisted["tasks"]) {
    if (!task["last_date"].is_null())
      earliest = std::min(earliest, task["from"].get<std::string>());
  }
  EXPECT_EQ(source_->bulk_requests, market::CountTradingDays(Date::Parse(earliest).value(), later));
  EXPECT_LE(source_->bulk_requests, 6);
  EXPECT_GT((*updated)["rows_added"].get<size_t>(), 40u);
  // The bulk rows are the per-symbol rows, but for vwap, which the bulk file lacks (as FMP's
  // eod-bulk does): NULL on the sessions the bulk requests added, kept where they overlapped.
  table::Connection connection = database_->Connect().value();
  const std::vector<storage::ObjectInfo> objects = store_->List("daily/").value();
  size_t without_vwap = 0;
  for (const storage::ObjectInfo& object : objects) {
    const std::string symbol = SymbolOfDailyKey(object.key);
    DailyPrices stored = ReadDailyPrices(connection, dir_ / object.key).value();
    std::vector<sources::Bar> direct =
        market_->DailyBars(symbol, stored.date.front(), later).value();
    ASSERT_EQ(direct.size(), stored.size()) << symbol;
    for (size_t i = 0; i < direct.size(); ++i) {
      sources::Bar bar = stored.BarAt(i);
      if (direct[i].date > kAsOf && !bar.vwap.has_value()) {  // Added by a bulk request.
        bar.vwap = direct[i].vwap;
        ++without_vwap;
      }
      ASSERT_EQ(direct[i], bar) << symbol;
    }
  }
  EXPECT_GT(without_vwap, 40u);
}

TEST_F(StepsTest, OneFailingSymbolIsRecordedAndTheOthersGoOn) {
  const Json listed = List(kAsOf);
  const std::string victim = listed["tasks"][3]["symbol"];
  const std::string bad_bars = listed["tasks"][5]["symbol"];
  source_->fail_symbol = victim;
  source_->bad_bar_symbol = bad_bars;
  Result<Json> processed = ProcessFiles(*context_, listed);
  ASSERT_TRUE(processed.ok()) << processed.status().message();
  ASSERT_EQ((*processed)["failures"].size(), 1u);
  EXPECT_EQ((*processed)["failures"][0]["symbol"], victim);
  EXPECT_EQ((*processed)["failures"][0]["code"], "corrupt_data");
  EXPECT_EQ((*processed)["bars_dropped"], 1);
  EXPECT_FALSE(fs::exists(dir_ / DailyKey(victim)));
  EXPECT_TRUE(fs::exists(dir_ / DailyKey(bad_bars)));
  EXPECT_EQ((*processed)["updated"].get<size_t>(), store_->List("daily/").value().size());
  EXPECT_GT((*processed)["updated"].get<size_t>(), 40u);
}

TEST_F(StepsTest, SessionsMissingInsideAHistoryAreCountedAndListed) {
  const Json listed = List(kAsOf);
  std::string holed;  // A symbol traded through the whole two years.
  for (const Json& task : listed["tasks"]) {
    if (task["from"] == "2023-06-02" && task["to"] == "2025-06-02") holed = task["symbol"];
  }
  ASSERT_FALSE(holed.empty());
  source_->gap_symbol = holed;
  // Three sessions inside the history; the weekend and the Memorial Day holiday (2025-05-26)
  // between two of them are not gaps.
  source_->gap_dates = {Date::FromCivil(2025, 5, 23), Date::FromCivil(2025, 5, 27),
                        Date::FromCivil(2024, 1, 2)};
  Result<Json> processed = ProcessFiles(*context_, listed);
  ASSERT_TRUE(processed.ok()) << processed.status().message();
  EXPECT_EQ((*processed)["failures"].size(), 0u);
  EXPECT_EQ((*processed)["gaps"], (Json{{"symbols", 1}, {"sessions", 3}}));
  ASSERT_EQ((*processed)["gap_symbols"].size(), 1u);
  const Json& gap = (*processed)["gap_symbols"][0];
  EXPECT_EQ(gap["symbol"], holed);
  EXPECT_EQ(gap["missing"], 3);
  EXPECT_EQ(gap["dates"], (Json{"2024-01-02", "2025-05-23", "2025-05-27"}));
  // The file is written with its gaps; the other symbols have none.
  EXPECT_TRUE(fs::exists(dir_ / DailyKey(holed)));
  EXPECT_GT((*processed)["updated"].get<size_t>(), 40u);
}

TEST_F(StepsTest, ARunWideFailureStopsTheStep) {
  const Json listed = List(kAsOf);
  source_->fail_symbol = listed["tasks"][0]["symbol"];
  source_->fail_code = ErrorCode::kPermissionDenied;
  Result<Json> processed = ProcessFiles(*context_, listed);
  ASSERT_FALSE(processed.ok());
  EXPECT_EQ(processed.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(processed.status().message(), HasSubstr(source_->fail_symbol));
}

TEST_F(StepsTest, MalformedInputIsRejectedWithTheFieldName) {
  Context(kAsOf);
  Result<Json> no_tasks = ProcessFiles(*context_, Json{{"history_start", "2024-01-02"}});
  ASSERT_FALSE(no_tasks.ok());
  EXPECT_THAT(no_tasks.status().message(), HasSubstr("tasks"));
  Result<Json> bad_symbol = ProcessFiles(
      *context_,
      Json{{"history_start", "2024-01-02"},
           {"tasks", Json::array({Json{
                         {"symbol", "../etc"}, {"from", "2024-01-02"}, {"to", "2024-02-01"}}})}});
  ASSERT_FALSE(bad_symbol.ok());
  EXPECT_THAT(bad_symbol.status().message(), HasSubstr("../etc"));
  Result<Json> bad_date = ListFiles(*context_, Json{{"as_of", "2024-02-30"}, {"years", 2}});
  ASSERT_FALSE(bad_date.ok());
  EXPECT_THAT(bad_date.status().message(), HasSubstr("as_of"));
}

TEST_F(StepsTest, FundamentalsAreStoredOneFilePerDataset) {
  Result<Json> fetched = FetchFundamentals(Context(kAsOf), Json{{"as_of", "2025-06-02"}});
  ASSERT_TRUE(fetched.ok()) << fetched.status().message();
  EXPECT_EQ((*fetched)["datasets"].size(), 6u);
  for (const char* name :
       {"profiles", "ratios_ttm", "key_metrics_ttm", "scores", "ratings", "dcf"}) {
    Result<table::Table> rows =
        table::ReadParquet(dir_ / "fundamentals" / (std::string(name) + ".parquet"));
    ASSERT_TRUE(rows.ok()) << name;
    EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), (*fetched)["datasets"][name].get<int64_t>());
  }
}

TEST(DailyPricesFileTest, RoundTripAndCorruptFiles) {
  std::string pattern = (fs::temp_directory_path() / "tickerflow_daily_test_XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  table::Database database = table::Database::Open().value();
  table::Connection connection = database.Connect().value();
  DailyPrices prices;
  for (int i = 0; i < 30; ++i) {
    prices.Append(sources::Bar{.date = Date::FromCivil(2024, 1, 2) + i,
                               .open = 10,
                               .high = 11.0 + i,
                               .low = 9,
                               .close = 10.5,
                               .adj_close = i % 2 == 0 ? std::optional<double>(10.4) : std::nullopt,
                               .volume = 100 + i,
                               .vwap = std::nullopt});
  }
  indicators::IndicatorTable scratch;
  table::Table daily = BuildDailyTable("ABC", prices, scratch).value();
  ASSERT_TRUE(table::WriteParquet(connection, daily, dir / "ABC.parquet").ok());
  Result<DailyPrices> back = ReadDailyPrices(connection, dir / "ABC.parquet");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), prices.size());
  for (size_t i = 0; i < prices.size(); ++i) EXPECT_EQ(back->BarAt(i), prices.BarAt(i));

  { std::ofstream(dir / "junk.parquet") << "not parquet"; }
  Result<DailyPrices> junk = ReadDailyPrices(connection, dir / "junk.parquet");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), ErrorCode::kCorruptData);
  EXPECT_THAT(junk.status().message(), HasSubstr("junk.parquet"));

  EXPECT_EQ(ReadDailyPrices(connection, dir / "none.parquet").status().code(),
            ErrorCode::kNotFound);
  table::Table other = table::Table::Make({table::Column::Doubles("close", {1.0})}).value();
  ASSERT_TRUE(table::WriteParquet(connection, other, dir / "other.parquet").ok());
  Result<DailyPrices> wrong = ReadDailyPrices(connection, dir / "other.parquet");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kCorruptData);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tickerflow::pipeline
