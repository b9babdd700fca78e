#include "sources/fmp_sim/format.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <utility>

#include "common/csv.h"
#include "table/json_text.h"

namespace tickerflow::sources::fmp_sim {

using table::AppendJsonString;

namespace {

// JSON has no literal for infinities or NaN; a client would reject the whole response.
void AppendJsonDouble(std::string& out, double value) {
  if (std::isfinite(value)) {
    AppendDouble(out, value);
  } else {
    out += "null";
  }
}

double AdjustedClose(const Bar& bar) { return bar.adj_close ? *bar.adj_close : bar.close; }

}  // namespace

Cell Cell::Text(std::string text) {
  Cell cell(Kind::kText);
  cell.text_ = std::move(text);
  return cell;
}

Cell Cell::Double(double value) {
  Cell cell(Kind::kDouble);
  cell.double_ = value;
  return cell;
}

Cell Cell::Integer(int64_t value) {
  Cell cell(Kind::kInteger);
  cell.integer_ = value;
  return cell;
}

Cell Cell::DecimalInteger(int64_t value) {
  Cell cell(Kind::kDecimalInteger);
  cell.integer_ = value;
  return cell;
}

Cell Cell::Bool(bool value) {
  Cell cell(Kind::kBool);
  cell.integer_ = value ? 1 : 0;
  return cell;
}

void FmpTable::AddRow(std::vector<Cell> row) {
  if (row.size() != columns_.size()) {
    throw std::invalid_argument(
        fmt::format("FmpTable::AddRow: {} cells for {} columns", row.size(), columns_.size()));
  }
  rows_.push_back(std::move(row));
}

size_t FmpTable::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return columns_.size();
}

void AppendJsonCell(std::string& out, const Cell& cell) {
  switch (cell.kind()) {
    case Cell::Kind::kNull:
      out += "null";
      return;
    case Cell::Kind::kText:
      AppendJsonString(out, cell.text());
      return;
    case Cell::Kind::kDouble:
      AppendJsonDouble(out, cell.double_value());
      return;
    case Cell::Kind::kInteger:
    case Cell::Kind::kDecimalInteger:
      out += fmt::format("{}", cell.integer_value());
      return;
    case Cell::Kind::kBool:
      out += cell.integer_value() != 0 ? "true" : "false";
      return;
  }
}

void AppendJsonObject(std::string& out, const FmpTable& table, size_t row) {
  out += '{';
  const std::vector<Cell>& cells = table.row(row);
  for (size_t column = 0; column < cells.size(); ++column) {
    if (column > 0) out += ',';
    AppendJsonString(out, table.columns()[column]);
    out += ':';
    AppendJsonCell(out, cells[column]);
  }
  out += '}';
}

std::string ToJsonArray(const FmpTable& table, std::span<const size_t> rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonObject(out, table, rows[i]);
  }
  out += ']';
  return out;
}

std::string ToJsonArray(const FmpTable& table) {
  std::vector<size_t> rows(table.num_rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return ToJsonArray(table, rows);
}

void AppendCsvQuoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendCsvCell(std::string& out, const Cell& cell) {
  switch (cell.kind()) {
    case Cell::Kind::kNull:
      return;
    case Cell::Kind::kText:
      AppendCsvQuoted(out, cell.text());
      return;
    case Cell::Kind::kDouble:
      // A CSV cell cannot say "not a number" in a way a strict reader accepts: leave it empty.
      if (std::isfinite(cell.double_value())) AppendDouble(out, cell.double_value());
      return;
    case Cell::Kind::kInteger:
      out += fmt::format("{}", cell.integer_value());
      return;
    case Cell::Kind::kDecimalInteger:
      AppendCsvQuoted(out, fmt::format("{}.0", cell.integer_value()));
      return;
    case Cell::Kind::kBool:
      out += cell.integer_value() != 0 ? "true" : "false";
      return;
  }
}

std::string ToCsv(const FmpTable& table, size_t begin, size_t end) {
  std::string out;
  for (size_t column = 0; column < table.columns().size(); ++column) {
    if (column > 0) out += ',';
    AppendCsvQuoted(out, table.columns()[column]);
  }
  out += '\n';
  for (size_t row = begin; row < end && row < table.num_rows(); ++row) {
    const std::vector<Cell>& cells = table.row(row);
    for (size_t column = 0; column < cells.size(); ++column) {
      if (column > 0) out += ',';
      AppendCsvCell(out, cells[column]);
    }
    out += '\n';
  }
  return out;
}

std::string ToCsv(const FmpTable& table) { return ToCsv(table, 0, table.num_rows()); }

std::string FullHistoryJson(std::string_view symbol, std::span<const Bar> bars) {
  std::string out = "[";
  // About 200 bytes a bar: one allocation for a typical response.
  out.reserve(2 + bars.size() * 200);
  for (size_t i = bars.size(); i-- > 0;) {
    const Bar& bar = bars[i];
    if (i + 1 < bars.size()) out += ',';
    out += "{\"symbol\":";
    AppendJsonString(out, symbol);
    out += fmt::format(",\"date\":\"{}\",\"open\":", bar.date.ToString());
    AppendJsonDouble(out, bar.open);
    out += ",\"high\":";
    AppendJsonDouble(out, bar.high);
    out += ",\"low\":";
    AppendJsonDouble(out, bar.low);
    out += ",\"close\":";
    AppendJsonDouble(out, bar.close);
    out += fmt::format(",\"volume\":{},\"change\":", bar.volume);
    const double change = bar.close - bar.open;
    AppendJsonDouble(out, change);
    out += ",\"changePercent\":";
    AppendJsonDouble(out, bar.open != 0 ? change / bar.open * 100 : 0.0);
    out += ",\"vwap\":";
    if (bar.vwap) {
      AppendJsonDouble(out, *bar.vwap);
    } else {
      out += "null";
    }
    out += '}';
  }
  out += ']';
  return out;
}

std::string AdjustedHistoryJson(std::string_view symbol, std::span<const Bar> bars) {
  std::string out = "[";
  out.reserve(2 + bars.size() * 160);
  for (size_t i = bars.size(); i-- > 0;) {
    const Bar& bar = bars[i];
    if (i + 1 < bars.size()) out += ',';
    const double adj_close = AdjustedClose(bar);
    // Without an adjustment the factor is exactly 1, and so are the scaled prices.
    const double factor = bar.close != 0 ? adj_close / bar.close : 1.0;
    out += "{\"symbol\":";
    AppendJsonString(out, symbol);
    out += fmt::format(",\"date\":\"{}\",\"adjOpen\":", bar.date.ToString());
    AppendJsonDouble(out, bar.open * factor);
    out += ",\"adjHigh\":";
    AppendJsonDouble(out, bar.high * factor);
    out += ",\"adjLow\":";
    AppendJsonDouble(out, bar.low * factor);
    out += ",\"adjClose\":";
    AppendJsonDouble(out, adj_close);
    out += fmt::format(",\"volume\":{}}}", bar.volume);
  }
  out += ']';
  return out;
}

std::string EodBulkCsv(std::span<const SymbolBar> bars) {
  std::string out = R"("symbol","date","open","low","high","close","adjClose","volume")";
  out += '\n';
  out.reserve(out.size() + bars.size() * 64);
  for (const SymbolBar& entry : bars) {
    const Bar& bar = entry.bar;
    AppendCsvQuoted(out, entry.symbol);
    out += ',';
    AppendCsvQuoted(out, bar.date.ToString());
    for (const double price : {bar.open, bar.low, bar.high, bar.close, AdjustedClose(bar)}) {
      out += ',';
      AppendDouble(out, price);
    }
    out += fmt::format(",{}\n", bar.volume);
  }
  return out;
}

std::string ErrorBody(std::string_view message) {
  std::string out = "{\"Error Message\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace tickerflow::sources::fmp_sim
