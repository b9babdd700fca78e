#include "pipeline/daily_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "market/calendar.h"
#include "screener/scan_latest.h"
#include "table/table.h"

namespace tickerflow::pipeline {
namespace {

using table::Column;
using table::ColumnType;

constexpr std::string_view kPriceColumns[] = {"date",  "open",      "high",   "low",
                                              "close", "adj_close", "volume", "vwap"};

bool IsPositiveFinite(double value) { return std::isfinite(value) && value > 0; }

// The first reason `bar` is implausible, or empty.
std::string BarProblem(const sources::Bar& bar) {
  if (!IsPositiveFinite(bar.open) || !IsPositiveFinite(bar.high) || !IsPositiveFinite(bar.low) ||
      !IsPositiveFinite(bar.close)) {
    return fmt::format("{}: a price is not a positive number (open {}, high {}, low {}, close {})",
                       bar.date.ToString(), bar.open, bar.high, bar.low, bar.close);
  }
  if (bar.low > bar.open || bar.low > bar.close || bar.high < bar.open || bar.high < bar.close) {
    return fmt::format("{}: low {} / high {} do not bound open {} and close {}",
                       bar.date.ToString(), bar.low, bar.high, bar.open, bar.close);
  }
  if (bar.volume < 0) return fmt::format("{}: negative volume {}", bar.date.ToString(), bar.volume);
  if (bar.adj_close && !IsPositiveFinite(*bar.adj_close)) {
    return fmt::format("{}: adj_close {} is not a positive number", bar.date.ToString(),
                       *bar.adj_close);
  }
  if (bar.vwap && !(std::isfinite(*bar.vwap) && *bar.vwap >= 0)) {
    return fmt::format("{}: vwap {} is not a non-negative number", bar.date.ToString(), *bar.vwap);
  }
  return {};
}

const Column* RequireColumn(const table::Table& stored, std::string_view name, ColumnType type,
                            const std::filesystem::path& path, Status& error) {
  const Column* column = stored.FindColumn(name);
  if (column == nullptr) {
    error = Status::Error(ErrorCode::kCorruptData,
                          fmt::format("{}: not a daily file: no column '{}'; move it away (it is "
                                      "left untouched) and the next run fetches the history again",
                                      path.string(), name));
  } else if (column->type() != type) {
    error = Status::Error(
        ErrorCode::kCorruptData,
        fmt::format("{}: column '{}' is {}, expected {}; move the file away (it is left "
                    "untouched) and the next run fetches the history again",
                    path.string(), name, table::ColumnTypeName(column->type()),
                    table::ColumnTypeName(type)));
    column = nullptr;
  }
  return column;
}

}  // namespace

const std::vector<std::string>& DailyColumnNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> result;
    for (const screener::DailyColumn& column : screener::DailyColumns()) {
      result.emplace_back(column.name);
    }
    return result;
  }();
  return kNames;
}

void DailyPrices::Append(const sources::Bar& bar) {
  date.push_back(bar.date);
  open.push_back(bar.open);
  high.push_back(bar.high);
  low.push_back(bar.low);
  close.push_back(bar.close);
  adj_close.push_back(bar.adj_close);
  volume.push_back(bar.volume);
  vwap.push_back(bar.vwap);
}

sources::Bar DailyPrices::BarAt(size_t row) const {
  return sources::Bar{.date = date[row],
                      .open = open[row],
                      .high = high[row],
                      .low = low[row],
                      .close = close[row],
                      .adj_close = adj_close[row],
                      .volume = volume[row],
                      .vwap = vwap[row]};
}

void DailyPrices::Reserve(size_t rows) {
  date.reserve(rows);
  open.reserve(rows);
  high.reserve(rows);
  low.reserve(rows);
  close.reserve(rows);
  adj_close.reserve(rows);
  volume.reserve(rows);
  vwap.reserve(rows);
}

Result<DailyPrices> ReadDailyPrices(table::Connection& connection,
                                    const std::filesystem::path& path) {
  std::error_code exists_error;
  if (!std::filesystem::exists(path, exists_error)) {
    return Status::Error(ErrorCode::kNotFound, fmt::format("{}: no such file", path.string()));
  }
  // Only the price columns: the indicators are recomputed from them, so reading the other 32
  // columns would be wasted work on every daily update.
  std::string sql = "SELECT ";
  for (size_t i = 0; i < std::size(kPriceColumns); ++i) {
    sql += fmt::format("{}{}", i == 0 ? "" : ", ", table::QuoteIdentifier(kPriceColumns[i]));
  }
  sql += " FROM read_parquet(?, hive_partitioning = false)";
  Result<table::QueryResult> result = connection.Query(sql, {path.string()});
  if (!result.ok()) {
    const ErrorCode code = result.status().code() == ErrorCode::kIoError ? ErrorCode::kIoError
                                                                         : ErrorCode::kCorruptData;
    return Status::Error(code, fmt::format("{}: cannot read the daily file ({}); it is left "
                                           "untouched and the symbol skipped",
                                           path.string(), result.status().message()));
  }
  Result<table::Table> stored = result->FetchTable();
  if (!stored.ok()) {
    return Status::Error(ErrorCode::kCorruptData,
                         fmt::format("{}: {}", path.string(), stored.status().message()));
  }
  Status error = Status::Ok();
  const Column* date = RequireColumn(*stored, "date", ColumnType::kDate, path, error);
  const Column* open = RequireColumn(*stored, "open", ColumnType::kDouble, path, error);
  const Column* high = RequireColumn(*stored, "high", ColumnType::kDouble, path, error);
  const Column* low = RequireColumn(*stored, "low", ColumnType::kDouble, path, error);
  const Column* close = RequireColumn(*stored, "close", ColumnType::kDouble, path, error);
  const Column* adj_close = RequireColumn(*stored, "adj_close", ColumnType::kDouble, path, error);
  const Column* volume = RequireColumn(*stored, "volume", ColumnType::kBigint, path, error);
  const Column* vwap = RequireColumn(*stored, "vwap", ColumnType::kDouble, path, error);
  if (!error.ok()) return error;

  const size_t rows = stored->num_rows();
  for (const Column* required : {date, open, high, low, close, volume}) {
    if (required->null_count() != 0) {
      return Status::Error(ErrorCode::kCorruptData,
                           fmt::format("{}: column '{}' has NULLs; move the file away (it is left "
                                       "untouched) and the next run fetches the history again",
                                       path.string(), required->name()));
    }
  }
  DailyPrices prices;
  prices.date = date->dates();
  prices.open = open->doubles();
  prices.high = high->doubles();
  prices.low = low->doubles();
  prices.close = close->doubles();
  prices.volume = volume->bigints();
  prices.adj_close.resize(rows);
  prices.vwap.resize(rows);
  for (size_t row = 0; row < rows; ++row) {
    if (adj_close->is_valid(row)) prices.adj_close[row] = adj_close->doubles()[row];
    if (vwap->is_valid(row)) prices.vwap[row] = vwap->doubles()[row];
    if (row > 0 && !(prices.date[row - 1] < prices.date[row])) {
      return Status::Error(
          ErrorCode::kCorruptData,
          fmt::format("{}: dates are not strictly ascending at row {} ({} after {}); move the "
                      "file away (it is left untouched) and the next run fetches the history",
                      path.string(), row + 1, prices.date[row].ToString(),
                      prices.date[row - 1].ToString()));
    }
  }
  return prices;
}

BarCheck CheckBars(std::vector<sources::Bar> bars) {
  BarCheck check;
  // Stable, so that of two bars for one date the later one given wins, as in the merge.
  std::stable_sort(bars.begin(), bars.end(),
                   [](const sources::Bar& a, const sources::Bar& b) { return a.date < b.date; });
  check.kept.reserve(bars.size());
  for (sources::Bar& bar : bars) {
    std::string problem = BarProblem(bar);
    if (!problem.empty()) {
      if (check.dropped++ == 0) check.first_problem = std::move(problem);
      continue;
    }
    if (!check.kept.empty() && check.kept.back().date == bar.date) {
      check.kept.back() = bar;
    } else {
      check.kept.push_back(bar);
    }
  }
  return check;
}

MergeOutcome MergeKeepLast(const DailyPrices& stored, std::span<const sources::Bar> fetched) {
  MergeOutcome outcome;
  outcome.prices.Reserve(stored.size() + fetched.size());
  size_t s = 0;
  size_t f = 0;
  while (s < stored.size() || f < fetched.size()) {
    if (f == fetched.size() || (s < stored.size() && stored.date[s] < fetched[f].date)) {
      outcome.prices.Append(stored.BarAt(s++));
    } else if (s == stored.size() || fetched[f].date < stored.date[s]) {
      outcome.prices.Append(fetched[f++]);
      ++outcome.rows_added;
    } else {  // The same date: the fetched bar wins.
      const sources::Bar before = stored.BarAt(s++);
      sources::Bar bar = fetched[f++];
      // A source that lacks a field (FMP's eod-bulk has no vwap) does not erase the stored
      // value, as long as the bar is otherwise the same: a revised bar's old vwap is stale.
      const bool same_prices = before.open == bar.open && before.high == bar.high &&
                               before.low == bar.low && before.close == bar.close &&
                               before.volume == bar.volume;
      if (same_prices && !bar.vwap.has_value()) bar.vwap = before.vwap;
      if (same_prices && !bar.adj_close.has_value()) bar.adj_close = before.adj_close;
      if (!(before == bar)) ++outcome.rows_revised;
      outcome.prices.Append(bar);
    }
  }
  outcome.changed = outcome.rows_added > 0 || outcome.rows_revised > 0;
  return outcome;
}

std::optional<double> SplitFactorInOverlap(const DailyPrices& stored,
                                           std::span<const sources::Bar> fetched) {
  // A ratio this far from 1 is not a vendor's correction of a price but a rescaled history;
  // ratios this close to each other are one factor, up to the vendor's rounding to cents.
  constexpr double kMinimumChange = 0.02;
  constexpr double kSameFactor = 0.005;
  std::optional<double> factor;
  size_t common = 0;
  size_t s = 0;
  for (const sources::Bar& bar : fetched) {
    while (s < stored.size() && stored.date[s] < bar.date) ++s;
    if (s == stored.size()) break;
    if (stored.date[s] != bar.date) continue;
    const double ratio = stored.close[s] / bar.close;
    if (!std::isfinite(ratio) || std::abs(ratio - 1.0) < kMinimumChange) return std::nullopt;
    if (factor && std::abs(ratio / *factor - 1.0) > kSameFactor) return std::nullopt;
    if (!factor) factor = ratio;
    ++common;
  }
  if (common < 2) return std::nullopt;
  return factor;
}

std::vector<Date> MissingSessions(std::span<const Date> dates) {
  std::vector<Date> missing;
  if (dates.size() < 2) return missing;
  // Most histories have no gap: counting (from the calendar's prefix sums) settles those
  // without listing every session.
  const int expected = market::CountTradingDays(dates.front(), dates.back());
  const auto present = std::count_if(dates.begin(), dates.end(), market::IsTradingDay);
  if (present >= expected) return missing;
  const std::vector<Date> sessions = market::TradingDays(dates.front(), dates.back());
  std::set_difference(sessions.begin(), sessions.end(), dates.begin(), dates.end(),
                      std::back_inserter(missing));
  return missing;
}

Result<table::Table> BuildDailyTable(std::string_view symbol, const DailyPrices& prices,
                                     indicators::IndicatorTable& scratch) {
  const size_t rows = prices.size();
  std::vector<double> volume(rows);
  std::vector<double> change(rows);
  std::vector<double> change_percent(rows);
  std::vector<uint8_t> change_valid(rows, 1);
  std::vector<uint8_t> adj_valid(rows);
  std::vector<uint8_t> vwap_valid(rows);
  std::vector<double> adj_close(rows);
  std::vector<double> vwap(rows);
  for (size_t row = 0; row < rows; ++row) {
    volume[row] = static_cast<double>(prices.volume[row]);
    if (row == 0) {
      change_valid[row] = 0;
    } else {
      change[row] = prices.close[row] - prices.close[row - 1];
      change_percent[row] = change[row] / prices.close[row - 1] * 100.0;
    }
    adj_valid[row] = prices.adj_close[row].has_value() ? 1 : 0;
    adj_close[row] = prices.adj_close[row].value_or(0.0);
    vwap_valid[row] = prices.vwap[row].has_value() ? 1 : 0;
    vwap[row] = prices.vwap[row].value_or(0.0);
  }
  indicators::ComputeIndicators(
      {.high = prices.high, .low = prices.low, .close = prices.close, .volume = volume}, scratch);

  std::vector<Column> columns;
  columns.reserve(DailyColumnNames().size());
  columns.push_back(
      Column::Varchars("symbol", std::vector<std::string>(rows, std::string(symbol))));
  columns.push_back(Column::Dates("date", prices.date));
  columns.push_back(Column::Doubles("open", prices.open));
  columns.push_back(Column::Doubles("high", prices.high));
  columns.push_back(Column::Doubles("low", prices.low));
  columns.push_back(Column::Doubles("close", prices.close));
  columns.push_back(Column::Doubles("adj_close", std::move(adj_close), std::move(adj_valid)));
  columns.push_back(Column::Bigints("volume", prices.volume));
  columns.push_back(Column::Doubles("vwap", std::move(vwap), std::move(vwap_valid)));
  columns.push_back(Column::Doubles("change", std::move(change), change_valid));
  columns.push_back(
      Column::Doubles("change_percent", std::move(change_percent), std::move(change_valid)));
  for (const indicators::IndicatorColumn& column : scratch.columns()) {
    const std::string name(column.spec->name);
    if (column.spec->type == indicators::IndicatorType::kDouble) {
      columns.push_back(Column::Doubles(name, column.numbers, column.valid));
    } else {
      columns.push_back(Column::Booleans(name, column.flags, column.valid));
    }
  }
  return table::Table::Make(std::move(columns));
}

table::ParquetWriteOptions DailyWriteOptions() {
  table::ParquetWriteOptions options;
  options.compression_level = 1;
  options.dictionary_encoding = false;
  return options;
}

}  // namespace tickerflow::pipeline
