#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/ascii.h"
#include "common/csv.h"
#include "common/log.h"
#include "sources/fmp/parsers_internal.h"

namespace tickerflow::sources::fmp_internal {
namespace {

using table::Column;
using table::ColumnType;

// A body quoted in a message is cut here.
constexpr size_t kMaxQuoted = 80;

Status Corrupt(std::string_view what) {
  return Status::Error(ErrorCode::kCorruptData, std::string(what));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                           text.front() == '\n')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// One parser per thread: it keeps its buffers between documents, and a parser is not
// thread-safe.
simdjson::dom::parser& JsonParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Result<simdjson::dom::element> ParseJson(std::string_view body,
                                         const simdjson::padded_string& padded) {
  simdjson::dom::element document;
  if (const simdjson::error_code error = JsonParser().parse(padded).get(document); error) {
    return Corrupt(fmt::format("malformed JSON ({}): '{}'", simdjson::error_message(error),
                               body.substr(0, kMaxQuoted)));
  }
  return document;
}

Result<simdjson::dom::array> JsonArray(const simdjson::dom::element& document,
                                       std::string_view body) {
  simdjson::dom::array array;
  if (document.get_array().get(array)) {
    return Corrupt(fmt::format("expected a JSON array, got '{}'", body.substr(0, kMaxQuoted)));
  }
  return array;
}

std::optional<double> NumberOrNumericString(const simdjson::dom::element& value) {
  double number = 0;
  if (value.is_number() && !value.get_double().get(number)) {
    if (!std::isfinite(number)) return std::nullopt;
    return number;
  }
  std::string_view text;
  if (!value.get_string().get(text)) return ToDouble(text);
  return std::nullopt;
}

std::string ShortestText(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

bool ContainsIgnoringCase(std::string_view text, std::string_view part) {
  if (part.size() > text.size()) return false;
  for (size_t i = 0; i + part.size() <= text.size(); ++i) {
    if (EqualsIgnoringCase(text.substr(i, part.size()), part)) return true;
  }
  return false;
}

int64_t RoundVolume(double volume) { return static_cast<int64_t>(std::llround(volume)); }

}  // namespace

std::optional<double> ToDouble(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  Result<double> value = ParseDouble(text);
  if (!value.ok()) return std::nullopt;
  return *value;
}

std::optional<int64_t> ToInt64(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  if (Result<int64_t> exact = ParseInt64(text); exact.ok()) return *exact;
  const std::optional<double> value = ToDouble(text);
  // 9.2e18: past it llround is undefined.
  if (!value || std::fabs(*value) >= 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(*value));
}

std::optional<bool> ToBool(std::string_view text) {
  text = Trim(text);
  if (EqualsIgnoringCase(text, "true") || text == "1") return true;
  if (EqualsIgnoringCase(text, "false") || text == "0") return false;
  return std::nullopt;
}

std::optional<Date> ToDate(std::string_view text) {
  text = Trim(text);
  if (text.size() > 10 && (text[10] == ' ' || text[10] == 'T')) text = text.substr(0, 10);
  Result<Date> date = Date::Parse(text);
  if (!date.ok()) return std::nullopt;
  return *date;
}

std::optional<std::string> ErrorMessage(std::string_view body) {
  const std::string_view trimmed = Trim(body);
  if (!trimmed.starts_with('{') || trimmed.find("Error Message") == std::string_view::npos) {
    return std::nullopt;
  }
  const simdjson::padded_string padded(trimmed);
  simdjson::dom::parser parser;  // Rare: error bodies are small.
  simdjson::dom::element document;
  if (parser.parse(padded).get(document)) return std::string(trimmed.substr(0, kMaxQuoted));
  std::string_view message;
  if (document["Error Message"].get_string().get(message)) {
    return std::string(trimmed.substr(0, kMaxQuoted));
  }
  return std::string(message);
}

int StatusForErrorMessage(std::string_view message) {
  if (ContainsIgnoringCase(message, "Invalid API KEY")) return 401;
  if (ContainsIgnoringCase(message, "Limit Reach")) return 429;
  for (const std::string_view gate :
       {"Restricted Endpoint", "Premium", "Exclusive Endpoint", "Special Endpoint",
        "US stocks only", "not available under your current subscription"}) {
    if (ContainsIgnoringCase(message, gate)) return 402;
  }
  if (ContainsIgnoringCase(message, "Invalid or missing query parameter")) return 400;
  return 500;
}

bool IsValidBar(const Bar& bar) {
  for (const double price : {bar.open, bar.high, bar.low, bar.close}) {
    if (!std::isfinite(price) || price <= 0) return false;
  }
  return bar.low <= std::min(bar.open, bar.close) && std::max(bar.open, bar.close) <= bar.high &&
         bar.volume >= 0;
}

Result<ParsedBars> ParseHistoricalJson(std::string_view body) {
  const simdjson::padded_string padded(body);
  TF_ASSIGN_OR_RETURN(simdjson::dom::element document, ParseJson(body, padded));
  TF_ASSIGN_OR_RETURN(simdjson::dom::array rows, JsonArray(document, body));
  ParsedBars parsed;
  parsed.bars.reserve(rows.size());
  for (const simdjson::dom::element row : rows) {
    simdjson::dom::object object;
    if (row.get_object().get(object)) return Corrupt("expected an array of JSON objects");
    Bar bar;
    bool has_date = false;
    int prices = 0;  // A bit per price seen.
    bool bad = false;
    for (const simdjson::dom::key_value_pair field : object) {
      const std::string_view key = field.key;
      auto number = [&](double& out, int bit) {
        const std::optional<double> value = NumberOrNumericString(field.value);
        if (!value) {
          bad = true;
          return;
        }
        out = *value;
        prices |= bit;
      };
      if (key == "date") {
        std::string_view text;
        std::optional<Date> date;
        if (!field.value.get_string().get(text)) date = ToDate(text);
        if (!date) {
          bad = true;
        } else {
          bar.date = *date;
          has_date = true;
        }
      } else if (key == "open") {
        number(bar.open, 1);
      } else if (key == "high") {
        number(bar.high, 2);
      } else if (key == "low") {
        number(bar.low, 4);
      } else if (key == "close") {
        number(bar.close, 8);
      } else if (key == "volume") {
        double volume = 0;
        number(volume, 16);
        if (std::fabs(volume) >= 9.2e18) bad = true;
        bar.volume = bad ? 0 : RoundVolume(volume);
      } else if (key == "vwap") {
        if (!field.value.is_null()) bar.vwap = NumberOrNumericString(field.value);
      }
    }
    if (bad || !has_date || prices != 31 || !IsValidBar(bar)) {
      ++parsed.dropped;
      continue;
    }
    parsed.bars.push_back(bar);
  }
  return parsed;
}

Result<std::vector<std::pair<Date, double>>> ParseAdjustedJson(std::string_view body) {
  const simdjson::padded_string padded(body);
  TF_ASSIGN_OR_RETURN(simdjson::dom::element document, ParseJson(body, padded));
  TF_ASSIGN_OR_RETURN(simdjson::dom::array rows, JsonArray(document, body));
  std::vector<std::pair<Date, double>> out;
  out.reserve(rows.size());
  for (const simdjson::dom::element row : rows) {
    simdjson::dom::object object;
    if (row.get_object().get(object)) return Corrupt("expected an array of JSON objects");
    std::string_view date_text;
    simdjson::dom::element close;
    if (object["date"].get_string().get(date_text) || object["adjClose"].get(close)) continue;
    const std::optional<Date> date = ToDate(date_text);
    const std::optional<double> value = NumberOrNumericString(close);
    if (date && value && *value > 0) out.emplace_back(*date, *value);
  }
  return out;
}

Result<ParsedBulkBars> ParseEodBulkCsv(std::string_view body, Date date,
                                       const std::unordered_set<std::string>* keep) {
  if (ErrorMessage(body)) return Corrupt("an error body where CSV was expected");
  Result<CsvTable> parsed = CsvTable::Parse(body, "eod-bulk");
  if (!parsed.ok()) return Corrupt(parsed.status().message());
  const CsvTable& csv = *parsed;
  struct Needed {
    std::string_view name;
    std::optional<size_t> index;
  };
  std::array<Needed, 7> needed = {{{"symbol", {}},
                                   {"date", {}},
                                   {"open", {}},
                                   {"high", {}},
                                   {"low", {}},
                                   {"close", {}},
                                   {"volume", {}}}};
  for (Needed& column : needed) {
    column.index = csv.FindColumn(column.name);
    if (!column.index) {
      return Corrupt(fmt::format("eod-bulk: no '{}' column in the header", column.name));
    }
  }
  const std::optional<size_t> adj_close = csv.FindColumn("adjClose");
  const std::optional<size_t> vwap = csv.FindColumn("vwap");
  ParsedBulkBars out;
  out.bars.reserve(keep != nullptr ? keep->size() : csv.num_rows());
  for (size_t r = 0; r < csv.num_rows(); ++r) {
    const auto row = csv.row(r);
    const std::string_view symbol = row[*needed[0].index];
    if (!IsValidSymbol(symbol)) continue;  // Other markets' spellings: not ours.
    if (keep != nullptr && !keep->contains(std::string(symbol))) continue;
    const std::optional<Date> row_date = ToDate(row[*needed[1].index]);
    const std::optional<double> open = ToDouble(row[*needed[2].index]);
    const std::optional<double> high = ToDouble(row[*needed[3].index]);
    const std::optional<double> low = ToDouble(row[*needed[4].index]);
    const std::optional<double> close = ToDouble(row[*needed[5].index]);
    const std::optional<double> volume = ToDouble(row[*needed[6].index]);
    if (row_date && *row_date != date) continue;  // Not the session asked for.
    if (!row_date || !open || !high || !low || !close || !volume || std::fabs(*volume) >= 9.2e18) {
      ++out.dropped;
      continue;
    }
    SymbolBar bar{.symbol = std::string(symbol), .bar = {}};
    bar.bar.date = *row_date;
    bar.bar.open = *open;
    bar.bar.high = *high;
    bar.bar.low = *low;
    bar.bar.close = *close;
    bar.bar.volume = RoundVolume(*volume);
    if (adj_close) bar.bar.adj_close = ToDouble(row[*adj_close]);
    if (vwap) bar.bar.vwap = ToDouble(row[*vwap]);
    if (!IsValidBar(bar.bar)) {
      ++out.dropped;
      continue;
    }
    out.bars.push_back(std::move(bar));
  }
  std::stable_sort(out.bars.begin(), out.bars.end(),
                   [](const SymbolBar& a, const SymbolBar& b) { return a.symbol < b.symbol; });
  const auto repeated =
      std::unique(out.bars.begin(), out.bars.end(),
                  [](const SymbolBar& a, const SymbolBar& b) { return a.symbol == b.symbol; });
  out.dropped += out.bars.end() - repeated;
  out.bars.erase(repeated, out.bars.end());
  return out;
}

std::optional<size_t> TextRows::Find(std::string_view name) const {
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) return std::nullopt;
  return static_cast<size_t>(found - names.begin());
}

Result<TextRows> CsvToRows(std::string_view body, std::string_view source_name,
                           std::span<const std::string_view> wanted) {
  if (ErrorMessage(body)) return Corrupt("an error body where CSV was expected");
  Result<CsvTable> parsed = CsvTable::Parse(body, std::string(source_name));
  if (!parsed.ok()) return Corrupt(parsed.status().message());
  const CsvTable& csv = *parsed;
  std::vector<size_t> columns;
  TextRows out;
  for (size_t c = 0; c < csv.num_columns(); ++c) {
    const std::string_view name = csv.header()[c];
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    columns.push_back(c);
    out.names.emplace_back(name);
  }
  out.rows.reserve(csv.num_rows());
  for (size_t r = 0; r < csv.num_rows(); ++r) {
    const auto row = csv.row(r);
    std::vector<std::optional<std::string>> values;
    values.reserve(columns.size());
    for (const size_t c : columns) {
      if (row[c].empty()) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(std::string(row[c]));
      }
    }
    out.rows.push_back(std::move(values));
  }
  return out;
}

Result<TextRows> JsonToRows(std::string_view body) {
  const simdjson::padded_string padded(body);
  TF_ASSIGN_OR_RETURN(simdjson::dom::element document, ParseJson(body, padded));
  std::vector<simdjson::dom::object> objects;
  simdjson::dom::object single;
  simdjson::dom::array array;
  if (!document.get_object().get(single)) {
    objects.push_back(single);
  } else if (!document.get_array().get(array)) {
    for (const simdjson::dom::element item : array) {
      simdjson::dom::object object;
      if (item.get_object().get(object)) return Corrupt("expected an array of JSON objects");
      objects.push_back(object);
    }
  } else {
    return Corrupt(fmt::format("expected JSON objects, got '{}'", body.substr(0, kMaxQuoted)));
  }
  TextRows out;
  std::unordered_map<std::string, size_t> index;
  for (const simdjson::dom::object& object : objects) {
    std::vector<std::optional<std::string>> values(out.names.size());
    for (const simdjson::dom::key_value_pair field : object) {
      std::optional<std::string> text;
      std::string_view string;
      bool boolean = false;
      int64_t integer = 0;
      uint64_t unsigned_integer = 0;
      double number = 0;
      if (!field.value.get_string().get(string)) {
        text = std::string(string);
      } else if (!field.value.get_bool().get(boolean)) {
        text = boolean ? "true" : "false";
      } else if (!field.value.get_int64().get(integer)) {
        text = std::to_string(integer);
      } else if (!field.value.get_uint64().get(unsigned_integer)) {
        text = std::to_string(unsigned_integer);
      } else if (!field.value.get_double().get(number)) {
        text = ShortestText(number);
      } else {
        continue;  // null, or a nested value no schema uses.
      }
      const std::string key(field.key);
      auto [found, inserted] = index.try_emplace(key, out.names.size());
      if (inserted) {
        out.names.push_back(key);
        values.resize(out.names.size());
      }
      values[found->second] = std::move(text);
    }
    out.rows.push_back(std::move(values));
  }
  for (auto& row : out.rows) row.resize(out.names.size());
  return out;
}

const std::vector<FieldMapping>& FundamentalsMapping(FundamentalsDataset dataset) {
  // The column-name contract with FMP (and with fmp-sim, which serves the same names).
  static const std::vector<FieldMapping> kProfiles = {
      {"symbol", "symbol"},
      {"companyName", "company_name"},
      {"exchange", "exchange"},
      {"sector", "sector"},
      {"industry", "industry"},
      {"country", "country"},
      {"currency", "currency"},
      {"marketCap", "market_cap"},
      {"price", "price"},
      {"beta", "beta"},
      {"lastDividend", "last_dividend"},
      {"averageVolume", "average_volume"},
      {"range", "range"},
      {"ipoDate", "ipo_date"},
      {"isEtf", "is_etf"},
      {"isActivelyTrading", "is_actively_trading"},
  };
  static const std::vector<FieldMapping> kRatiosTtm = {
      {"symbol", "symbol"},
      {"priceToEarningsRatioTTM", "pe_ratio_ttm"},
      {"priceToEarningsGrowthRatioTTM", "peg_ratio_ttm"},
      {"netProfitMarginTTM", "net_profit_margin_ttm"},
      {"grossProfitMarginTTM", "gross_profit_margin_ttm"},
      {"priceToBookRatioTTM", "price_to_book_ttm"},
      {"debtToEquityRatioTTM", "debt_to_equity_ttm"},
      {"currentRatioTTM", "current_ratio_ttm"},
      {"dividendYieldTTM", "dividend_yield_ttm"},
  };
  static const std::vector<FieldMapping> kKeyMetricsTtm = {
      {"symbol", "symbol"},
      {"marketCap", "market_cap"},
      {"enterpriseValueTTM", "enterprise_value_ttm"},
      {"evToEBITDATTM", "ev_to_ebitda_ttm"},
      {"returnOnEquityTTM", "return_on_equity_ttm"},
      {"returnOnAssetsTTM", "return_on_assets_ttm"},
      {"earningsYieldTTM", "earnings_yield_ttm"},
      {"freeCashFlowYieldTTM", "free_cash_flow_yield_ttm"},
  };
  static const std::vector<FieldMapping> kScores = {
      {"symbol", "symbol"},
      {"altmanZScore", "altman_z_score"},
      {"piotroskiScore", "piotroski_score"},
      {"workingCapital", "working_capital"},
      {"totalAssets", "total_assets"},
      {"retainedEarnings", "retained_earnings"},
      {"ebit", "ebit"},
      {"marketCap", "market_cap"},
      {"totalLiabilities", "total_liabilities"},
      {"revenue", "revenue"},
  };
  static const std::vector<FieldMapping> kRatings = {
      {"symbol", "symbol"},
      {"date", "date"},
      {"rating", "rating"},
      {"overallScore", "rating_score"},
      {"discountedCashFlowScore", "rating_dcf_score"},
      {"returnOnEquityScore", "rating_roe_score"},
      {"returnOnAssetsScore", "rating_roa_score"},
      {"debtToEquityScore", "rating_de_score"},
      {"priceToEarningsScore", "rating_pe_score"},
      {"priceToBookScore", "rating_pb_score"},
  };
  static const std::vector<FieldMapping> kDcf = {
      {"symbol", "symbol"},
      {"date", "date"},
      {"dcf", "fair_value"},
      {"Stock Price", "stock_price"},
  };
  switch (dataset) {
    case FundamentalsDataset::kProfiles:
      return kProfiles;
    case FundamentalsDataset::kRatiosTtm:
      return kRatiosTtm;
    case FundamentalsDataset::kKeyMetricsTtm:
      return kKeyMetricsTtm;
    case FundamentalsDataset::kScores:
      return kScores;
    case FundamentalsDataset::kRatings:
      return kRatings;
    case FundamentalsDataset::kDcf:
      return kDcf;
  }
  return kProfiles;
}

Result<table::Table> BuildFundamentals(FundamentalsDataset dataset, const TextRows& input,
                                       const std::unordered_set<std::string>* keep,
                                       BuildReport& report) {
  const std::vector<FundamentalsColumn>& schema = FundamentalsSchema(dataset);
  const std::vector<FieldMapping>& mapping = FundamentalsMapping(dataset);
  std::vector<std::optional<size_t>> source(mapping.size());
  for (size_t c = 0; c < mapping.size(); ++c) {
    source[c] = input.Find(mapping[c].fmp);
    if (!source[c] && c > 0) report.missing_fields.emplace_back(mapping[c].fmp);
  }
  if (!source[0]) {
    return Corrupt(
        fmt::format("{}: the response has no 'symbol' field", FundamentalsDatasetName(dataset)));
  }
  // The rows to keep, in symbol order.
  std::vector<size_t> order;
  order.reserve(input.rows.size());
  std::unordered_set<std::string_view> seen;
  for (size_t r = 0; r < input.rows.size(); ++r) {
    const std::optional<std::string>& symbol = input.rows[r][*source[0]];
    if (!symbol || !IsValidSymbol(*symbol) || (keep != nullptr && !keep->contains(*symbol)) ||
        !seen.insert(*symbol).second) {
      ++report.skipped_rows;
      continue;
    }
    order.push_back(r);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return *input.rows[a][*source[0]] < *input.rows[b][*source[0]];
  });

  std::vector<Column> columns;
  columns.reserve(schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    Column column(std::string(schema[c].name), schema[c].type);
    column.Reserve(order.size());
    for (const size_t r : order) {
      const std::optional<std::string>* cell = source[c] ? &input.rows[r][*source[c]] : nullptr;
      if (cell == nullptr || !cell->has_value() || (*cell)->empty()) {
        column.AppendNull();
        continue;
      }
      const std::string& text = **cell;
      bool converted = true;
      switch (schema[c].type) {
        case ColumnType::kVarchar:
          column.AppendVarchar(text);
          break;
        case ColumnType::kDouble:
          if (const std::optional<double> value = ToDouble(text)) {
            column.AppendDouble(*value);
          } else {
            converted = false;
          }
          break;
        case ColumnType::kBigint:
          if (const std::optional<int64_t> value = ToInt64(text)) {
            column.AppendBigint(*value);
          } else {
            converted = false;
          }
          break;
        case ColumnType::kDate:
          if (const std::optional<Date> value = ToDate(text)) {
            column.AppendDate(*value);
          } else {
            converted = false;
          }
          break;
        case ColumnType::kBoolean:
          if (const std::optional<bool> value = ToBool(text)) {
            column.AppendBoolean(*value);
          } else {
            converted = false;
          }
          break;
      }
      if (!converted) {
        ++report.bad_values;
        column.AppendNull();
      }
    }
    columns.push_back(std::move(column));
  }
  return table::Table::Make(std::move(columns));
}

std::vector<SymbolInfo> ProfilesToUniverse(const TextRows& profiles, const UniverseFilter& filter,
                                           int64_t& skipped) {
  auto field = [&](const std::vector<std::optional<std::string>>& row,
                   std::string_view name) -> std::string_view {
    const std::optional<size_t> index = profiles.Find(name);
    if (!index || !row[*index]) return {};
    return *row[*index];
  };
  std::vector<SymbolInfo> out;
  for (const auto& row : profiles.rows) {
    const std::string_view symbol = field(row, "symbol");
    if (!IsValidSymbol(symbol)) {
      ++skipped;
      continue;
    }
    const std::string_view exchange = field(row, "exchange");
    const bool is_etf = ToBool(field(row, "isEtf")).value_or(false);
    if (filter.listed_only) {
      const bool us_exchange = exchange == "NASDAQ" || exchange == "NYSE" || exchange == "AMEX";
      const bool trading = ToBool(field(row, "isActivelyTrading")).value_or(false);
      const bool fund = ToBool(field(row, "isFund")).value_or(false);
      if (!us_exchange || !trading || fund || (is_etf && !filter.include_etfs)) {
        ++skipped;
        continue;
      }
    }
    const std::optional<Date> ipo = ToDate(field(row, "ipoDate"));
    if (filter.as_of && ipo && *ipo > *filter.as_of) {
      ++skipped;
      continue;
    }
    SymbolInfo info;
    info.symbol = std::string(symbol);
    info.company_name = std::string(field(row, "companyName"));
    info.exchange = std::string(exchange);
    info.sector = std::string(field(row, "sector"));
    info.industry = std::string(field(row, "industry"));
    info.is_etf = is_etf;
    info.first_date = ipo.value_or(Date());
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const SymbolInfo& a, const SymbolInfo& b) { return a.symbol < b.symbol; });
  const auto repeated =
      std::unique(out.begin(), out.end(),
                  [](const SymbolInfo& a, const SymbolInfo& b) { return a.symbol == b.symbol; });
  skipped += out.end() - repeated;
  out.erase(repeated, out.end());
  return out;
}

}  // namespace tickerflow::sources::fmp_internal
