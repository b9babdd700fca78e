#include "sources/simulated/simulated_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "market/calendar.h"

namespace tickerflow::sources {
namespace {

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

// The as-of date the checks use (a Monday).
const Date kAsOf = D(2025, 6, 2);

std::unique_ptr<SimulatedSource> MakeSource(int universe, Date as_of, uint64_t seed = 1,
                                            int revise_last = 0) {
  SimulatedOptions options;
  options.seed = seed;
  options.universe = universe;
  options.as_of = as_of;
  options.revise_last = revise_last;
  Result<std::unique_ptr<SimulatedSource>> source = SimulatedSource::Create(options);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return std::move(source).value();
}

// The 1,000-symbol market as of kAsOf, built once: most tests only read it.
SimulatedSource& Market1000() {
  static const std::unique_ptr<SimulatedSource> kSource = MakeSource(1000, kAsOf);
  return *kSource;
}

std::vector<SymbolInfo> UniverseOf(Source& source, Date as_of) {
  Result<std::vector<SymbolInfo>> universe = source.Universe(as_of);
  EXPECT_TRUE(universe.ok()) << universe.status().ToString();
  return std::move(universe).value();
}

std::vector<Bar> BarsOf(Source& source, std::string_view symbol, Date from, Date to) {
  Result<std::vector<Bar>> bars = source.DailyBars(symbol, from, to);
  EXPECT_TRUE(bars.ok()) << bars.status().ToString();
  return bars.ok() ? std::move(bars).value() : std::vector<Bar>{};
}

table::Table FundamentalsOf(Source& source, FundamentalsDataset dataset, Date as_of) {
  Result<table::Table> table = source.Fundamentals(dataset, as_of);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return std::move(table).value();
}

bool IsCents(double price) {
  return std::fabs(price * 100 - std::round(price * 100)) < 1e-6 && price > 0;
}

// The bar invariants every vendor bar must satisfy; an empty string when they hold.
std::string CheckBar(const Bar& bar) {
  if (!(bar.low > 0)) return "low <= 0";
  if (!(bar.low <= std::min(bar.open, bar.close))) return "low above open or close";
  if (!(std::max(bar.open, bar.close) <= bar.high)) return "high below open or close";
  if (!IsCents(bar.open) || !IsCents(bar.high) || !IsCents(bar.low) || !IsCents(bar.close)) {
    return "price not in cents";
  }
  if (!bar.adj_close || *bar.adj_close != bar.close) return "adj_close differs from close";
  if (!bar.vwap || *bar.vwap < bar.low || *bar.vwap > bar.high) return "vwap outside [low, high]";
  if (bar.volume <= 0) return "volume <= 0";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Options

TEST(SimulatedSourceTest, CreateRejectsOptionsOutOfRange) {
  SimulatedOptions options;
  options.as_of = kAsOf;
  EXPECT_TRUE(SimulatedSource::Create(options).ok());
  for (const int universe : {0, -1, 100'001}) {
    SimulatedOptions bad = options;
    bad.universe = universe;
    Result<std::unique_ptr<SimulatedSource>> source = SimulatedSource::Create(bad);
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.status().code(), ErrorCode::kInvalidArgument);
  }
  for (const int revise_last : {-1, 251}) {
    SimulatedOptions bad = options;
    bad.revise_last = revise_last;
    EXPECT_EQ(SimulatedSource::Create(bad).status().code(), ErrorCode::kInvalidArgument);
  }
  for (const Date as_of : {Date(), D(1989, 12, 29), D(2100, 1, 4)}) {
    SimulatedOptions bad = options;
    bad.as_of = as_of;
    EXPECT_EQ(SimulatedSource::Create(bad).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(MakeSource(10, kAsOf)->name(), "simulated");
  EXPECT_TRUE(MakeSource(10, kAsOf)->SupportsBarsOn());
}

// ---------------------------------------------------------------------------------------------
// Universe

TEST(SimulatedSourceTest, NineThousandTickersAreValidUniqueSortedAndPlausible) {
  const std::unique_ptr<SimulatedSource> source = MakeSource(9000, D(2099, 12, 31));
  const std::vector<SymbolInfo> universe = UniverseOf(*source, D(2099, 12, 31));
  ASSERT_EQ(universe.size(), 9000u);  // By 2099 every symbol has listed.
  std::set<std::string> symbols;
  int share_classes = 0;
  int etfs = 0;
  std::map<std::string, int> by_length;
  std::vector<std::string> share_class_bases;
  for (size_t i = 0; i < universe.size(); ++i) {
    const SymbolInfo& info = universe[i];
    EXPECT_TRUE(IsValidSymbol(info.symbol)) << info.symbol;
    EXPECT_TRUE(symbols.insert(info.symbol).second) << "repeated " << info.symbol;
    if (i > 0) {
      EXPECT_LT(universe[i - 1].symbol, info.symbol);
    }
    // 1 to 5 letters, optionally a share class suffix such as "-B".
    const size_t dash = info.symbol.find('-');
    const std::string base = info.symbol.substr(0, dash);
    EXPECT_GE(base.size(), 1u) << info.symbol;
    EXPECT_LE(base.size(), 5u) << info.symbol;
    EXPECT_TRUE(std::all_of(base.begin(), base.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        << info.symbol;
    if (dash != std::string::npos) {
      ++share_classes;
      EXPECT_EQ(info.symbol.substr(dash), "-B");
      share_class_bases.push_back(base);
    }
    ++by_length[std::to_string(base.size())];
    EXPECT_FALSE(info.company_name.empty());
    EXPECT_THAT(info.exchange, ::testing::AnyOf("NASDAQ", "NYSE", "AMEX"));
    if (info.is_etf) {
      ++etfs;
      EXPECT_THAT(info.company_name, ::testing::EndsWith(" ETF"));
    }
  }
  // A second share class ("BRK-B") comes with its company's first one.
  for (const std::string& base : share_class_bases) EXPECT_EQ(symbols.count(base), 1u) << base;
  EXPECT_GT(share_classes, 20);
  EXPECT_GT(etfs, 45);  // "A few": 0.5 % to 5 %.
  EXPECT_LT(etfs, 450);
  for (const char* length : {"1", "2", "3", "4", "5"}) EXPECT_GT(by_length[length], 0) << length;
  EXPECT_GT(by_length["3"] + by_length["4"], 6000);  // Most tickers have 3 or 4 letters.
}

TEST(SimulatedSourceTest, SectorsAreTheElevenGicsSectorsWithTheirIndustries) {
  const std::vector<SymbolInfo> universe = UniverseOf(Market1000(), kAsOf);
  std::map<std::string, std::string> sector_of_industry;
  std::map<std::string, std::set<std::string>> industries_of_sector;
  std::set<std::string> exchanges;
  for (const SymbolInfo& info : universe) {
    exchanges.insert(info.exchange);
    industries_of_sector[info.sector].insert(info.industry);
    const auto [it, inserted] = sector_of_industry.emplace(info.industry, info.sector);
    EXPECT_EQ(it->second, info.sector) << info.industry << " in two sectors";
  }
  std::set<std::string> sectors;
  for (const auto& [sector, industries] : industries_of_sector) {
    sectors.insert(sector);
    EXPECT_GE(industries.size(), 2u) << sector;
  }
  EXPECT_EQ(sectors, (std::set<std::string>{"Communication Services", "Consumer Discretionary",
                                            "Consumer Staples", "Energy", "Financials",
                                            "Health Care", "Industrials", "Information Technology",
                                            "Materials", "Real Estate", "Utilities"}));
  EXPECT_EQ(exchanges, (std::set<std::string>{"AMEX", "NASDAQ", "NYSE"}));
  EXPECT_EQ(sector_of_industry["Biotechnology"], "Health Care");
  EXPECT_EQ(sector_of_industry["Banks"], "Financials");
  EXPECT_EQ(sector_of_industry["Software"], "Information Technology");
  EXPECT_EQ(sector_of_industry["Oil, Gas & Consumable Fuels"], "Energy");
}

TEST(SimulatedSourceTest, SymbolListDependsOnlyOnSeedAndSize) {
  // As of 2021 and 2030: the same symbols with the same names, sectors and listing dates.
  const std::unique_ptr<SimulatedSource> early = MakeSource(1000, D(2021, 3, 15));
  const std::unique_ptr<SimulatedSource> late = MakeSource(1000, D(2030, 6, 28));
  const std::vector<SymbolInfo> early_universe = UniverseOf(*early, D(2021, 3, 15));
  const std::vector<SymbolInfo> late_universe = UniverseOf(*late, D(2030, 6, 28));
  EXPECT_EQ(UniverseOf(*late, D(2021, 3, 15)).size(), early_universe.size());
  EXPECT_GT(late_universe.size(), early_universe.size());  // IPOs since.
  std::map<std::string, SymbolInfo> late_by_symbol;
  for (const SymbolInfo& info : late_universe) late_by_symbol[info.symbol] = info;
  for (const SymbolInfo& info : early_universe) {
    ASSERT_TRUE(late_by_symbol.count(info.symbol)) << info.symbol;
    const SymbolInfo& later = late_by_symbol[info.symbol];
    EXPECT_EQ(later.company_name, info.company_name);
    EXPECT_EQ(later.exchange, info.exchange);
    EXPECT_EQ(later.sector, info.sector);
    EXPECT_EQ(later.industry, info.industry);
    EXPECT_EQ(later.is_etf, info.is_etf);
    EXPECT_EQ(later.first_date, info.first_date) << info.symbol;
    if (info.delisted_date) {
      EXPECT_EQ(later.delisted_date, info.delisted_date) << info.symbol;
    }
  }
  // A smaller universe is a part of a larger one, symbol for symbol.
  const std::vector<SymbolInfo> small =
      UniverseOf(*MakeSource(400, D(2030, 6, 28)), D(2030, 6, 28));
  for (const SymbolInfo& info : small) {
    ASSERT_TRUE(late_by_symbol.count(info.symbol)) << info.symbol;
    EXPECT_EQ(late_by_symbol[info.symbol].first_date, info.first_date);
    EXPECT_EQ(late_by_symbol[info.symbol].company_name, info.company_name);
  }
}

TEST(SimulatedSourceTest, IposAndDelistingsAroundTheAsOfDate) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  int before_1995 = 0;
  int recent_ipos = 0;
  int delisted = 0;
  int short_histories = 0;
  for (const SymbolInfo& info : universe) {
    EXPECT_LE(info.first_date, kAsOf);
    if (info.first_date < D(1995, 1, 1)) ++before_1995;
    if (info.first_date > D(2015, 6, 2)) ++recent_ipos;
    const Date last = info.delisted_date.value_or(kAsOf);
    // The first and last bars are those the universe announces.
    const std::vector<Bar> head = BarsOf(source, info.symbol, D(1990, 1, 1), info.first_date + 6);
    ASSERT_FALSE(head.empty()) << info.symbol;
    EXPECT_EQ(head.front().date, info.first_date) << info.symbol;
    const std::vector<Bar> tail = BarsOf(source, info.symbol, last - 6, D(2030, 1, 1));
    ASSERT_FALSE(tail.empty()) << info.symbol;
    EXPECT_EQ(tail.back().date, market::LatestTradingDayOnOrBefore(last)) << info.symbol;
    if (info.delisted_date) {
      ++delisted;
      EXPECT_LT(*info.delisted_date, kAsOf);
    }
    if (market::CountTradingDays(info.first_date, last) < 28) {
      ++short_histories;
      EXPECT_LT(BarsOf(source, info.symbol, info.first_date, kAsOf).size(), 28u);
    }
  }
  EXPECT_GT(before_1995, static_cast<int>(universe.size()) / 2);  // Most list before 1995.
  EXPECT_GE(recent_ipos, 20);
  EXPECT_GE(delisted, 5);
  EXPECT_GE(short_histories, 2);
}

// For every as-of date from 2020 to 2030, even a 200-symbol market has recent IPOs, symbols
// with fewer than 28 sessions of history, and delisted symbols.
TEST(SimulatedSourceTest, EveryAsOfFrom2020To2030HasIposShortHistoriesAndDelistings) {
  const std::unique_ptr<SimulatedSource> source = MakeSource(200, D(2030, 12, 31));
  for (Date as_of = D(2020, 1, 2); as_of <= D(2030, 12, 31); as_of = as_of + 7) {
    int recent_ipos = 0;
    int short_histories = 0;
    int delisted = 0;
    for (const SymbolInfo& info : UniverseOf(*source, as_of)) {
      if (info.first_date > as_of - 3652) ++recent_ipos;
      const Date last = info.delisted_date.value_or(as_of);
      if (market::CountTradingDays(info.first_date, last) < 28) ++short_histories;
      if (info.delisted_date) ++delisted;
    }
    ASSERT_GE(recent_ipos, 5) << as_of.ToString();
    ASSERT_GE(short_histories, 2) << as_of.ToString();
    ASSERT_GE(delisted, 2) << as_of.ToString();
  }
}

// ---------------------------------------------------------------------------------------------
// Bars

TEST(SimulatedSourceTest, BarsOfTheWholeUniverseAreConsistentAndOnSessionsOnly) {
  SimulatedSource& source = Market1000();
  size_t total = 0;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) {
    const std::vector<Bar> bars = BarsOf(source, info.symbol, D(1990, 1, 1), kAsOf);
    ASSERT_FALSE(bars.empty()) << info.symbol;
    for (size_t i = 0; i < bars.size(); ++i) {
      const std::string problem = CheckBar(bars[i]);
      ASSERT_EQ(problem, "") << info.symbol << " " << bars[i].date.ToString();
      ASSERT_TRUE(market::IsTradingDay(bars[i].date)) << bars[i].date.ToString();
      // One bar per session, none missing.
      if (i > 0) {
        ASSERT_EQ(bars[i].date, market::NextTradingDay(bars[i - 1].date));
      }
    }
    total += bars.size();
  }
  EXPECT_GT(total, 5'000'000u);
}

TEST(SimulatedSourceTest, PricesAndVolumesArePlausible) {
  SimulatedSource& source = Market1000();
  int stocks = 0;
  int below_a_dollar = 0;
  std::vector<double> daily_moves;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) {
    if (info.delisted_date) continue;
    const std::vector<Bar> bars = BarsOf(source, info.symbol, D(2024, 6, 3), kAsOf);
    ++stocks;
    if (bars.back().close < 1) ++below_a_dollar;
    EXPECT_LT(bars.back().close, 20'000) << info.symbol;
    for (size_t i = 1; i < bars.size(); ++i) {
      daily_moves.push_back(std::fabs(std::log(bars[i].close / bars[i - 1].close)));
    }
  }
  EXPECT_LT(below_a_dollar, stocks / 10);
  // Median absolute daily move of roughly 1 %, as for US stocks.
  std::nth_element(daily_moves.begin(), daily_moves.begin() + daily_moves.size() / 2,
                   daily_moves.end());
  const double median = daily_moves[daily_moves.size() / 2];
  EXPECT_GT(median, 0.005);
  EXPECT_LT(median, 0.03);
}

TEST(SimulatedSourceTest, SubRangesAreSlicesOfTheFullRange) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  std::srand(7);
  for (size_t k = 0; k < universe.size(); k += 37) {
    const SymbolInfo& info = universe[k];
    const std::vector<Bar> full = BarsOf(source, info.symbol, D(1990, 1, 1), kAsOf);
    for (int trial = 0; trial < 5; ++trial) {
      // Any calendar days, weekends and days outside the symbol's life included.
      const Date from = D(1989, 12, 1) + std::rand() % 13'000;
      const Date to = from + std::rand() % 2000;
      std::vector<Bar> expected;
      for (const Bar& bar : full) {
        if (bar.date >= from && bar.date <= to) expected.push_back(bar);
      }
      EXPECT_EQ(BarsOf(source, info.symbol, from, to), expected)
          << info.symbol << " " << from.ToString() << ".." << to.ToString();
    }
  }
}

TEST(SimulatedSourceTest, DifferentAsOfDatesAgreeOnEveryCommonDate) {
  const std::unique_ptr<SimulatedSource> early = MakeSource(1000, D(2021, 3, 15));
  SimulatedSource& late = Market1000();
  size_t compared = 0;
  for (const SymbolInfo& info : UniverseOf(*early, D(2021, 3, 15))) {
    const std::vector<Bar> early_bars = BarsOf(*early, info.symbol, D(2018, 1, 1), kAsOf);
    const std::vector<Bar> late_bars = BarsOf(late, info.symbol, D(2018, 1, 1), D(2021, 3, 15));
    ASSERT_EQ(early_bars, late_bars) << info.symbol;
    compared += early_bars.size();
  }
  EXPECT_GT(compared, 500'000u);
  // The bulk request too.
  EXPECT_EQ(early->BarsOn(D(2021, 3, 12)).value().size(),
            late.BarsOn(D(2021, 3, 12)).value().size());
  for (const Date date : {D(2021, 3, 12), D(2020, 3, 16)}) {
    const std::vector<SymbolBar> a = early->BarsOn(date).value();
    const std::vector<SymbolBar> b = late.BarsOn(date).value();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].symbol, b[i].symbol);
      EXPECT_EQ(a[i].bar, b[i].bar);
    }
  }
}

TEST(SimulatedSourceTest, SameSeedSameDataOtherSeedOtherData) {
  const std::unique_ptr<SimulatedSource> a = MakeSource(300, kAsOf, /*seed=*/42);
  const std::unique_ptr<SimulatedSource> b = MakeSource(300, kAsOf, /*seed=*/42);
  const std::unique_ptr<SimulatedSource> c = MakeSource(300, kAsOf, /*seed=*/43);
  const std::vector<SymbolInfo> universe_a = UniverseOf(*a, kAsOf);
  const std::vector<SymbolInfo> universe_b = UniverseOf(*b, kAsOf);
  const std::vector<SymbolInfo> universe_c = UniverseOf(*c, kAsOf);
  ASSERT_EQ(universe_a.size(), universe_b.size());
  std::set<std::string> symbols_a;
  std::set<std::string> symbols_c;
  for (size_t i = 0; i < universe_a.size(); ++i) {
    EXPECT_EQ(universe_a[i].symbol, universe_b[i].symbol);
    EXPECT_EQ(universe_a[i].first_date, universe_b[i].first_date);
    EXPECT_EQ(BarsOf(*a, universe_a[i].symbol, D(2020, 1, 1), kAsOf),
              BarsOf(*b, universe_a[i].symbol, D(2020, 1, 1), kAsOf));
    symbols_a.insert(universe_a[i].symbol);
  }
  for (const SymbolInfo& info : universe_c) symbols_c.insert(info.symbol);
  EXPECT_NE(symbols_a, symbols_c);
  // Where both seeds happen to have a symbol, its prices still differ.
  int common = 0;
  for (const std::string& symbol : symbols_a) {
    if (symbols_c.count(symbol) == 0) continue;
    ++common;
    const std::vector<Bar> bars_a = BarsOf(*a, symbol, D(2025, 1, 2), kAsOf);
    const std::vector<Bar> bars_c = BarsOf(*c, symbol, D(2025, 1, 2), kAsOf);
    EXPECT_NE(bars_a, bars_c) << symbol;
  }
  EXPECT_GT(common, 0);
  EXPECT_TRUE(a->Fundamentals(FundamentalsDataset::kScores, kAsOf)
                  .value()
                  .Equals(b->Fundamentals(FundamentalsDataset::kScores, kAsOf).value()));
}

TEST(SimulatedSourceTest, ThreadsSeeTheSameBars) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  std::vector<std::vector<Bar>> expected;
  for (size_t i = 0; i < universe.size(); i += 5) {
    expected.push_back(BarsOf(source, universe[i].symbol, D(2020, 1, 1), kAsOf));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = 0; k < expected.size(); ++k) {
        // Each thread walks the symbols in its own order.
        const size_t j = (k * 7 + static_cast<size_t>(t) * 13) % expected.size();
        Result<std::vector<Bar>> bars =
            source.DailyBars(universe[j * 5].symbol, D(2020, 1, 1), kAsOf);
        if (!bars.ok() || *bars != expected[j]) ++mismatches[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(SimulatedSourceTest, BarsOnIsEverySymbolsDailyBar) {
  SimulatedSource& source = Market1000();
  const Date date = D(2025, 5, 30);
  Result<std::vector<SymbolBar>> bulk = source.BarsOn(date);
  ASSERT_TRUE(bulk.ok());
  std::vector<SymbolBar> expected;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) {
    const std::vector<Bar> bars = BarsOf(source, info.symbol, date, date);
    if (!bars.empty()) expected.push_back({info.symbol, bars[0]});
  }
  ASSERT_EQ(bulk->size(), expected.size());
  for (SymbolBar& bar : expected) {
    EXPECT_TRUE(bar.bar.vwap.has_value());
    bar.bar.vwap.reset();  // The bulk file has no vwap, as FMP's eod-bulk.
  }
  EXPECT_GT(expected.size(), 700u);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*bulk)[i].symbol, expected[i].symbol);
    EXPECT_EQ((*bulk)[i].bar, expected[i].bar);
  }
  EXPECT_TRUE(source.BarsOn(D(2025, 5, 31)).value().empty());  // Saturday.
  EXPECT_TRUE(source.BarsOn(D(2025, 5, 26)).value().empty());  // Memorial Day.
  EXPECT_TRUE(source.BarsOn(D(2025, 6, 3)).value().empty());   // After as_of.
  EXPECT_FALSE(source.BarsOn(kAsOf).value().empty());
}

TEST(SimulatedSourceTest, DailyBarsLimitsAndErrors) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  const SymbolInfo& active = *std::find_if(universe.begin(), universe.end(), [](const auto& s) {
    return !s.delisted_date && s.first_date < D(2000, 1, 1);
  });
  // Nothing after as_of exists.
  const std::vector<Bar> bars = BarsOf(source, active.symbol, D(2025, 5, 1), D(2026, 1, 1));
  ASSERT_FALSE(bars.empty());
  EXPECT_EQ(bars.back().date, kAsOf);
  EXPECT_TRUE(BarsOf(source, active.symbol, D(2025, 6, 3), D(2026, 1, 1)).empty());
  EXPECT_TRUE(BarsOf(source, active.symbol, D(2025, 5, 10), D(2025, 5, 1)).empty());
  EXPECT_TRUE(BarsOf(source, active.symbol, D(2025, 5, 31), D(2025, 6, 1)).empty());

  EXPECT_EQ(source.DailyBars("ZZZZZZZZZZ", D(2025, 1, 1), kAsOf).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(source.DailyBars("../etc", D(2025, 1, 1), kAsOf).status().code(),
            ErrorCode::kInvalidArgument);
  // A symbol that lists after as_of is unknown to the vendor until then.
  const std::vector<SymbolInfo> later = UniverseOf(*MakeSource(1000, D(2030, 1, 2)), D(2030, 1, 2));
  const auto future =
      std::find_if(later.begin(), later.end(), [](const auto& s) { return s.first_date > kAsOf; });
  ASSERT_NE(future, later.end());
  EXPECT_EQ(source.DailyBars(future->symbol, D(2025, 1, 1), D(2030, 1, 2)).status().code(),
            ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Preliminary bars

TEST(SimulatedSourceTest, ReviseLastMakesTheLastSessionsPreliminary) {
  constexpr int kRevise = 3;
  const Date as_of = D(2025, 5, 28);
  const Date later_as_of = D(2025, 6, 11);
  const std::unique_ptr<SimulatedSource> preliminary = MakeSource(300, as_of, 1, kRevise);
  const std::unique_ptr<SimulatedSource> final_bars = MakeSource(300, as_of, 1, 0);
  const std::unique_ptr<SimulatedSource> revised = MakeSource(300, later_as_of, 1, kRevise);
  // The window: the last three sessions up to as_of (May 23, 27 and 28; May 26 is a holiday).
  const Date window_start = D(2025, 5, 23);
  int compared = 0;
  for (const SymbolInfo& info : UniverseOf(*preliminary, as_of)) {
    const std::vector<Bar> p = BarsOf(*preliminary, info.symbol, D(2025, 1, 1), as_of);
    const std::vector<Bar> f = BarsOf(*final_bars, info.symbol, D(2025, 1, 1), as_of);
    const std::vector<Bar> r = BarsOf(*revised, info.symbol, D(2025, 1, 1), as_of);
    ASSERT_EQ(p.size(), f.size());
    EXPECT_EQ(r, f) << info.symbol << ": once older than the window, bars are final";
    for (size_t i = 0; i < p.size(); ++i) {
      ASSERT_EQ(CheckBar(p[i]), "") << info.symbol << " " << p[i].date.ToString();
      if (p[i].date < window_start) {
        EXPECT_EQ(p[i], f[i]) << info.symbol << " " << p[i].date.ToString();
        continue;
      }
      ++compared;
      EXPECT_EQ(p[i].date, f[i].date);
      EXPECT_EQ(p[i].open, f[i].open);
      EXPECT_NE(p[i].close, f[i].close) << info.symbol << " " << p[i].date.ToString();
      EXPECT_NE(p[i].volume, f[i].volume) << info.symbol << " " << p[i].date.ToString();
      EXPECT_NEAR(p[i].close, f[i].close, 0.005 * f[i].close + 0.011);
      EXPECT_LT(p[i].volume, f[i].volume);
    }
  }
  EXPECT_GT(compared, 3 * 200);
  // The preliminary close is what the vendor's profile shows.
  const table::Table profiles = FundamentalsOf(*preliminary, FundamentalsDataset::kProfiles, as_of);
  const table::Column& symbols = *profiles.FindColumn("symbol");
  const table::Column& prices = *profiles.FindColumn("price");
  for (size_t row = 0; row < profiles.num_rows(); row += 10) {
    const std::vector<Bar> bars = BarsOf(*preliminary, symbols.varchars()[row], as_of, as_of);
    if (!bars.empty()) {
      EXPECT_EQ(prices.doubles()[row], bars.back().close);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fundamentals

struct Rows {
  explicit Rows(const table::Table& table) : table_(table) {
    const table::Column& symbols = *table.FindColumn("symbol");
    for (size_t row = 0; row < table.num_rows(); ++row) row_of[symbols.varchars()[row]] = row;
  }
  std::optional<double> Double(std::string_view column, size_t row) const {
    const table::Column& c = *table_.FindColumn(column);
    return c.is_valid(row) ? std::optional<double>(c.doubles()[row]) : std::nullopt;
  }
  int64_t Bigint(std::string_view column, size_t row) const {
    return table_.FindColumn(column)->bigints()[row];
  }
  std::string Varchar(std::string_view column, size_t row) const {
    return table_.FindColumn(column)->varchars()[row];
  }
  const table::Table& table_;
  std::map<std::string, size_t> row_of;
};

TEST(SimulatedSourceTest, EveryDatasetFollowsItsSchemaSortedBySymbol) {
  SimulatedSource& source = Market1000();
  std::set<std::string> universe;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) universe.insert(info.symbol);
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    const table::Table table = FundamentalsOf(source, dataset, kAsOf);
    EXPECT_TRUE(ValidateFundamentals(dataset, table).ok()) << FundamentalsDatasetName(dataset);
    const std::vector<std::string>& symbols = table.column(0).varchars();
    EXPECT_TRUE(std::is_sorted(symbols.begin(), symbols.end()));
    for (const std::string& symbol : symbols) EXPECT_EQ(universe.count(symbol), 1u) << symbol;
    EXPECT_GT(table.num_rows(), 600u) << FundamentalsDatasetName(dataset);
  }
}

TEST(SimulatedSourceTest, ProfilesAgreeWithTheBars) {
  SimulatedSource& source = Market1000();
  const table::Table profiles = FundamentalsOf(source, FundamentalsDataset::kProfiles, kAsOf);
  const Rows rows(profiles);
  int checked = 0;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) {
    const auto it = rows.row_of.find(info.symbol);
    if (it == rows.row_of.end()) continue;
    const size_t row = it->second;
    const Date last = info.delisted_date.value_or(kAsOf);
    const std::vector<Bar> year = BarsOf(source, info.symbol, last - 363, last);
    ASSERT_FALSE(year.empty());
    EXPECT_EQ(rows.Double("price", row), year.back().close) << info.symbol;
    double low = year[0].low;
    double high = year[0].high;
    for (const Bar& bar : year) {
      low = std::min(low, bar.low);
      high = std::max(high, bar.high);
    }
    const std::string range = rows.Varchar("range", row);
    const size_t dash = range.find('-');
    ASSERT_NE(dash, std::string::npos) << range;
    EXPECT_EQ(std::stod(range.substr(0, dash)), low) << info.symbol << " " << range;
    EXPECT_EQ(std::stod(range.substr(dash + 1)), high) << info.symbol << " " << range;
    double volume = 0;
    const size_t n = std::min<size_t>(63, year.size());
    for (size_t i = year.size() - n; i < year.size(); ++i)
      volume += static_cast<double>(year[i].volume);
    EXPECT_EQ(rows.Bigint("average_volume", row), std::llround(volume / static_cast<double>(n)));
    EXPECT_EQ(profiles.FindColumn("ipo_date")->dates()[row], info.first_date);
    EXPECT_EQ(profiles.FindColumn("is_etf")->booleans()[row] != 0, info.is_etf);
    EXPECT_EQ(profiles.FindColumn("is_actively_trading")->booleans()[row] != 0,
              !info.delisted_date);
    EXPECT_EQ(rows.Varchar("company_name", row), info.company_name);
    EXPECT_EQ(rows.Varchar("sector", row), info.sector);
    EXPECT_EQ(rows.Double("last_dividend", row), 0.0);
    ++checked;
  }
  EXPECT_GT(checked, 800);
}

TEST(SimulatedSourceTest, MarketCapIsPriceTimesConstantShares) {
  SimulatedSource& source = Market1000();
  const table::Table now = FundamentalsOf(source, FundamentalsDataset::kProfiles, kAsOf);
  const table::Table before = FundamentalsOf(source, FundamentalsDataset::kProfiles, D(2022, 3, 1));
  const Rows now_rows(now);
  const Rows before_rows(before);
  int compared = 0;
  for (const auto& [symbol, row] : now_rows.row_of) {
    const double shares = *now_rows.Double("market_cap", row) / *now_rows.Double("price", row);
    EXPECT_NEAR(shares, std::round(shares), 1e-6 * shares) << symbol;
    const auto it = before_rows.row_of.find(symbol);
    if (it == before_rows.row_of.end()) continue;
    const double shares_before =
        *before_rows.Double("market_cap", it->second) / *before_rows.Double("price", it->second);
    EXPECT_NEAR(shares_before, shares, 1e-9 * shares) << symbol;
    ++compared;
  }
  EXPECT_GT(compared, 600);
}

TEST(SimulatedSourceTest, DatasetsAgreeWithEachOther) {
  SimulatedSource& source = Market1000();
  const table::Table profiles = FundamentalsOf(source, FundamentalsDataset::kProfiles, kAsOf);
  const table::Table ratios = FundamentalsOf(source, FundamentalsDataset::kRatiosTtm, kAsOf);
  const table::Table metrics = FundamentalsOf(source, FundamentalsDataset::kKeyMetricsTtm, kAsOf);
  const table::Table scores = FundamentalsOf(source, FundamentalsDataset::kScores, kAsOf);
  const table::Table ratings = FundamentalsOf(source, FundamentalsDataset::kRatings, kAsOf);
  const table::Table dcf = FundamentalsOf(source, FundamentalsDataset::kDcf, kAsOf);
  const Rows p(profiles), r(ratios), k(metrics), s(scores), g(ratings), d(dcf);
  const std::set<std::string> grades = {"A+", "A", "A-", "B+", "B", "B-",
                                        "C+", "C", "C-", "D+", "D", "D-"};
  // Datasets miss symbols independently, so compare where both have the symbol.
  int compared = 0;
  for (const auto& [symbol, row] : k.row_of) {
    if (p.row_of.count(symbol) != 0) {
      EXPECT_EQ(k.Double("market_cap", row), p.Double("market_cap", p.row_of.at(symbol))) << symbol;
      ++compared;
    }
    const auto ratio_row = r.row_of.find(symbol);
    if (ratio_row != r.row_of.end()) {
      const std::optional<double> pe = r.Double("pe_ratio_ttm", ratio_row->second);
      ASSERT_TRUE(pe.has_value());
      // Earnings yield is EPS / price, the inverse of P/E.
      EXPECT_NEAR(*k.Double("earnings_yield_ttm", row) * *pe, 1.0, 1e-9) << symbol;
      // The sign of the net margin is that of the P/E.
      EXPECT_EQ(*pe < 0, *r.Double("net_profit_margin_ttm", ratio_row->second) < 0) << symbol;
      EXPECT_EQ(r.Double("dividend_yield_ttm", ratio_row->second), 0.0);
    }
  }
  EXPECT_GT(compared, 600);
  for (const auto& [symbol, row] : s.row_of) {
    if (p.row_of.count(symbol) != 0) {
      EXPECT_EQ(s.Double("market_cap", row), p.Double("market_cap", p.row_of.at(symbol))) << symbol;
    }
    const double assets = *s.Double("total_assets", row);
    const double z = 1.2 * *s.Double("working_capital", row) / assets +
                     1.4 * *s.Double("retained_earnings", row) / assets +
                     3.3 * *s.Double("ebit", row) / assets +
                     0.6 * *s.Double("market_cap", row) / *s.Double("total_liabilities", row) +
                     *s.Double("revenue", row) / assets;
    EXPECT_NEAR(*s.Double("altman_z_score", row), z, 1e-9 * std::fabs(z)) << symbol;
    EXPECT_GE(s.Bigint("piotroski_score", row), 0);
    EXPECT_LE(s.Bigint("piotroski_score", row), 9);
  }
  for (const auto& [symbol, row] : g.row_of) {
    EXPECT_EQ(grades.count(g.Varchar("rating", row)), 1u) << g.Varchar("rating", row);
    for (const char* column :
         {"rating_score", "rating_dcf_score", "rating_roe_score", "rating_roa_score",
          "rating_de_score", "rating_pe_score", "rating_pb_score"}) {
      EXPECT_GE(g.Bigint(column, row), 1) << column;
      EXPECT_LE(g.Bigint(column, row), 5) << column;
    }
    EXPECT_EQ(ratings.FindColumn("date")->dates()[row], kAsOf);
  }
  for (const auto& [symbol, row] : d.row_of) {
    const double price = *d.Double("stock_price", row);
    if (p.row_of.count(symbol) != 0) {
      EXPECT_EQ(price, p.Double("price", p.row_of.at(symbol))) << symbol;
    }
    const double fair_value = *d.Double("fair_value", row);
    EXPECT_GE(fair_value, 0.5 * price) << symbol;
    EXPECT_LE(fair_value, 1.5 * price) << symbol;
    EXPECT_EQ(dcf.FindColumn("date")->dates()[row], kAsOf);
  }
}

// "XYZ-B" is another share class of XYZ: one company, one set of financials, prices in a fixed
// ratio.
TEST(SimulatedSourceTest, ShareClassesAreTheSameCompany) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  std::map<std::string, SymbolInfo> by_symbol;
  for (const SymbolInfo& info : universe) by_symbol[info.symbol] = info;
  const table::Table profiles = FundamentalsOf(source, FundamentalsDataset::kProfiles, kAsOf);
  const table::Table ratios = FundamentalsOf(source, FundamentalsDataset::kRatiosTtm, kAsOf);
  const Rows p(profiles), r(ratios);
  int pairs = 0;
  for (const SymbolInfo& info : universe) {
    if (info.symbol.find("-B") == std::string::npos) continue;
    const std::string parent = info.symbol.substr(0, info.symbol.size() - 2);
    ASSERT_EQ(by_symbol.count(parent), 1u) << info.symbol;
    EXPECT_EQ(by_symbol[parent].company_name, info.company_name);
    EXPECT_EQ(by_symbol[parent].sector, info.sector);
    if (p.row_of.count(parent) != 0 && p.row_of.count(info.symbol) != 0) {
      const double cap = *p.Double("market_cap", p.row_of.at(info.symbol));
      EXPECT_NEAR(*p.Double("market_cap", p.row_of.at(parent)), cap, 0.01 * cap) << info.symbol;
    }
    if (r.row_of.count(parent) != 0 && r.row_of.count(info.symbol) != 0) {
      const double pe = *r.Double("pe_ratio_ttm", r.row_of.at(info.symbol));
      EXPECT_NEAR(*r.Double("pe_ratio_ttm", r.row_of.at(parent)), pe, 0.01 * std::fabs(pe))
          << info.symbol;
    }
    const std::vector<Bar> a = BarsOf(source, parent, D(2025, 1, 2), kAsOf);
    const std::vector<Bar> b = BarsOf(source, info.symbol, D(2025, 1, 2), kAsOf);
    ASSERT_EQ(a.size(), b.size());
    // Equal up to rounding each close to the cent (half a cent of error on either side).
    const double ratio = a.front().close / b.front().close;
    const double rounding = 0.006 * (1 / a.front().close + 1 / b.front().close +
                                     1 / a.back().close + 1 / b.back().close);
    EXPECT_NEAR(a.back().close / b.back().close, ratio, ratio * rounding) << info.symbol;
    ++pairs;
  }
  EXPECT_GE(pairs, 5);
}

TEST(SimulatedSourceTest, EtfsAndDelistedSymbolsHaveProfilesOnlyAndSomeDataIsMissing) {
  SimulatedSource& source = Market1000();
  const std::vector<SymbolInfo> universe = UniverseOf(source, kAsOf);
  std::map<FundamentalsDataset, std::set<std::string>> present;
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    const table::Table table = FundamentalsOf(source, dataset, kAsOf);
    present[dataset] = {table.column(0).varchars().begin(), table.column(0).varchars().end()};
  }
  int eligible = 0;
  std::map<FundamentalsDataset, int> missing;
  for (const SymbolInfo& info : universe) {
    const bool profile_only = info.is_etf || info.delisted_date.has_value();
    if (profile_only) {
      EXPECT_EQ(present[FundamentalsDataset::kProfiles].count(info.symbol), 1u) << info.symbol;
      for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
        if (dataset == FundamentalsDataset::kProfiles) continue;
        EXPECT_EQ(present[dataset].count(info.symbol), 0u) << info.symbol;
      }
      continue;
    }
    ++eligible;
    for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
      if (present[dataset].count(info.symbol) == 0) ++missing[dataset];
    }
  }
  for (const FundamentalsDataset dataset : kAllFundamentalsDatasets) {
    const double share = static_cast<double>(missing[dataset]) / eligible;
    EXPECT_GT(share, 0.01) << FundamentalsDatasetName(dataset);
    EXPECT_LT(share, 0.15) << FundamentalsDatasetName(dataset);
  }
}

// The screener's labels (design.md §3); every bucket of every label must have symbols.
TEST(SimulatedSourceTest, EveryLabelBucketIsPopulated) {
  SimulatedSource& source = Market1000();
  const table::Table profiles = FundamentalsOf(source, FundamentalsDataset::kProfiles, kAsOf);
  const table::Table ratios = FundamentalsOf(source, FundamentalsDataset::kRatiosTtm, kAsOf);
  const table::Table scores = FundamentalsOf(source, FundamentalsDataset::kScores, kAsOf);
  const table::Table dcf = FundamentalsOf(source, FundamentalsDataset::kDcf, kAsOf);
  std::map<std::string, int> buckets;
  const Rows p(profiles), r(ratios), s(scores), d(dcf);
  for (const auto& [symbol, row] : p.row_of) {
    if (profiles.FindColumn("is_etf")->booleans()[row] != 0) continue;
    const double cap = *p.Double("market_cap", row);
    ++buckets[cap < 300e6  ? "Micro Cap"
              : cap < 2e9  ? "Small Cap"
              : cap < 10e9 ? "Mid Cap"
              : cap < 50e9 ? "Large Cap"
                           : "Mega Cap"];
  }
  for (const auto& [symbol, row] : r.row_of) {
    if (const std::optional<double> pe = r.Double("pe_ratio_ttm", row)) {
      ++buckets[*pe < 15 ? "Low PE" : *pe < 30 ? "Moderate PE" : "High PE"];
    }
    if (const std::optional<double> peg = r.Double("peg_ratio_ttm", row)) {
      ++buckets[*peg < 1 ? "Under 1" : *peg < 2 ? "1 to 2" : "Above 2"];
    }
    const double margin = *r.Double("net_profit_margin_ttm", row);
    ++buckets[margin < 0     ? "Negative"
              : margin < 0.1 ? "Low (0-10%)"
              : margin < 0.2 ? "Moderate (10-20%)"
                             : "High (20%+)"];
  }
  for (const auto& [symbol, row] : d.row_of) {
    const double price = *d.Double("stock_price", row);
    const double fair_value = *d.Double("fair_value", row);
    const double diff = (price - fair_value) / fair_value;
    ++buckets[std::fabs(diff) < 0.1 ? "Fairly Valued"
              : price < fair_value  ? "Undervalued"
                                    : "Overvalued"];
  }
  for (const auto& [symbol, row] : s.row_of) {
    const double z = *s.Double("altman_z_score", row);
    ++buckets[z < 1.8 ? "Distress Zone" : z < 3 ? "Grey Zone" : "Safe Zone"];
    const int64_t f = s.Bigint("piotroski_score", row);
    ++buckets[f <= 3 ? "Weak" : f <= 6 ? "Moderate" : "Strong"];
  }
  for (const char* bucket : {"Micro Cap",     "Small Cap",         "Mid Cap",
                             "Large Cap",     "Mega Cap",          "Low PE",
                             "Moderate PE",   "High PE",           "Under 1",
                             "1 to 2",        "Above 2",           "Negative",
                             "Low (0-10%)",   "Moderate (10-20%)", "High (20%+)",
                             "Fairly Valued", "Undervalued",       "Overvalued",
                             "Distress Zone", "Grey Zone",         "Safe Zone",
                             "Weak",          "Moderate",          "Strong"}) {
    EXPECT_GE(buckets[bucket], 20) << bucket;
  }
}

TEST(SimulatedSourceTest, FundamentalsMoveWithTheAsOfDate) {
  SimulatedSource& source = Market1000();
  const table::Table now = FundamentalsOf(source, FundamentalsDataset::kScores, kAsOf);
  const table::Table year_ago = FundamentalsOf(source, FundamentalsDataset::kScores, D(2024, 6, 3));
  EXPECT_FALSE(now.Equals(year_ago));
  // Asking again gives the same table; asking past as_of gives the as_of table.
  EXPECT_TRUE(now.Equals(FundamentalsOf(source, FundamentalsDataset::kScores, kAsOf)));
  EXPECT_TRUE(now.Equals(FundamentalsOf(source, FundamentalsDataset::kScores, D(2026, 1, 1))));
  // Before the market opens there is nothing, but the schema holds.
  const table::Table empty = FundamentalsOf(source, FundamentalsDataset::kDcf, D(1989, 6, 1));
  EXPECT_EQ(empty.num_rows(), 0u);
  EXPECT_TRUE(ValidateFundamentals(FundamentalsDataset::kDcf, empty).ok());
}

// ---------------------------------------------------------------------------------------------
// Correlation

TEST(SimulatedSourceTest, ReturnsCorrelateMoreWithinASectorThanAcross) {
  SimulatedSource& source = Market1000();
  const Date from = D(2023, 6, 1);
  const Date to = D(2025, 5, 30);
  const size_t sessions = static_cast<size_t>(market::CountTradingDays(from, to));
  // Standardized daily log returns of up to 25 stocks per sector trading the whole window.
  std::map<std::string, std::vector<std::vector<double>>> by_sector;
  for (const SymbolInfo& info : UniverseOf(source, kAsOf)) {
    if (info.is_etf || info.first_date > from || info.delisted_date) continue;
    std::vector<std::vector<double>>& group = by_sector[info.sector];
    if (group.size() >= 25) continue;
    const std::vector<Bar> bars = BarsOf(source, info.symbol, from, to);
    ASSERT_EQ(bars.size(), sessions);
    std::vector<double> returns;
    for (size_t i = 1; i < bars.size(); ++i)
      returns.push_back(std::log(bars[i].close / bars[i - 1].close));
    double mean = 0;
    for (const double x : returns) mean += x;
    mean /= static_cast<double>(returns.size());
    double variance = 0;
    for (const double x : returns) variance += (x - mean) * (x - mean);
    const double sd = std::sqrt(variance / static_cast<double>(returns.size()));
    for (double& x : returns) x = (x - mean) / sd;
    group.push_back(std::move(returns));
  }
  ASSERT_EQ(by_sector.size(), 11u);
  auto correlation = [](const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum / static_cast<double>(a.size());
  };
  double within = 0;
  double across = 0;
  int within_pairs = 0;
  int across_pairs = 0;
  for (auto a = by_sector.begin(); a != by_sector.end(); ++a) {
    for (size_t i = 0; i < a->second.size(); ++i) {
      for (size_t j = i + 1; j < a->second.size(); ++j) {
        within += correlation(a->second[i], a->second[j]);
        ++within_pairs;
      }
      for (auto b = std::next(a); b != by_sector.end(); ++b) {
        for (const std::vector<double>& other : b->second) {
          across += correlation(a->second[i], other);
          ++across_pairs;
        }
      }
    }
  }
  within /= within_pairs;
  across /= across_pairs;
  EXPECT_GT(across, 0.05);           // One market moves every stock.
  EXPECT_GT(within, across + 0.08);  // The sector moves its stocks together.
}

}  // namespace
}  // namespace tickerflow::sources
