#include "sources/fmp_sim/market_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <utility>

#include "market/calendar.h"

namespace tickerflow::sources::fmp_sim {
namespace {

using table::Column;
using table::ColumnType;

// One FMP column of a fundamentals dataset: filled from a column of our schema, from a
// constant text, or left empty (an FMP column the simulated market has no figure for).
struct ColumnSpec {
  std::string_view fmp_name;
  std::string_view schema_name;   // Empty: not from the schema.
  std::string_view literal = {};  // Used when schema_name is empty; empty: NULL.
};

// FMP's columns, in FMP's order as far as it is known (fmp-api.md §4); the extra ones are a
// sample of FMP's, present so that a client proves it maps columns by name and ignores the
// rest.
const std::vector<ColumnSpec>& SpecsOf(FmpDataset dataset) {
  static const std::vector<ColumnSpec> kRatios = {
      {"symbol", "symbol"},
      {"grossProfitMarginTTM", "gross_profit_margin_ttm"},
      {"ebitMarginTTM", ""},
      {"ebitdaMarginTTM", ""},
      {"operatingProfitMarginTTM", ""},
      {"netProfitMarginTTM", "net_profit_margin_ttm"},
      {"bottomLineProfitMarginTTM", "net_profit_margin_ttm"},
      {"receivablesTurnoverTTM", ""},
      {"currentRatioTTM", "current_ratio_ttm"},
      {"quickRatioTTM", ""},
      {"priceToEarningsRatioTTM", "pe_ratio_ttm"},
      {"priceToEarningsGrowthRatioTTM", "peg_ratio_ttm"},
      {"forwardPriceToEarningsGrowthRatioTTM", "peg_ratio_ttm"},
      {"priceToBookRatioTTM", "price_to_book_ttm"},
      {"priceToSalesRatioTTM", ""},
      {"debtToEquityRatioTTM", "debt_to_equity_ttm"},
      {"debtToAssetsRatioTTM", ""},
      {"dividendPayoutRatioTTM", ""},
      {"dividendYieldTTM", "dividend_yield_ttm"},
      {"dividendPerShareTTM", ""},
      // FMP's priceToFairValueTTM equals price-to-book in every captured row.
      {"priceToFairValueTTM", "price_to_book_ttm"},
  };
  static const std::vector<ColumnSpec> kKeyMetrics = {
      {"symbol", "symbol"},
      {"marketCap", "market_cap"},
      {"enterpriseValueTTM", "enterprise_value_ttm"},
      {"evToSalesTTM", ""},
      {"evToOperatingCashFlowTTM", ""},
      {"evToFreeCashFlowTTM", ""},
      {"evToEBITDATTM", "ev_to_ebitda_ttm"},
      {"netDebtToEBITDATTM", ""},
      {"incomeQualityTTM", ""},
      {"grahamNumberTTM", ""},
      {"returnOnAssetsTTM", "return_on_assets_ttm"},
      {"returnOnEquityTTM", "return_on_equity_ttm"},
      {"returnOnInvestedCapitalTTM", ""},
      {"earningsYieldTTM", "earnings_yield_ttm"},
      {"freeCashFlowYieldTTM", "free_cash_flow_yield_ttm"},
      {"capexToRevenueTTM", ""},
  };
  static const std::vector<ColumnSpec> kScores = {
      {"symbol", "symbol"},
      {"reportedCurrency", "", "USD"},
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
  static const std::vector<ColumnSpec> kRatings = {
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
  static const std::vector<ColumnSpec> kDcf = {
      {"symbol", "symbol"},
      {"date", "date"},
      {"dcf", "fair_value"},
      {"Stock Price", "stock_price"},
  };
  static const std::vector<ColumnSpec> kNone;
  switch (dataset) {
    case FmpDataset::kRatiosTtm:
      return kRatios;
    case FmpDataset::kKeyMetricsTtm:
      return kKeyMetrics;
    case FmpDataset::kScores:
      return kScores;
    case FmpDataset::kRatings:
      return kRatings;
    case FmpDataset::kDcf:
      return kDcf;
    case FmpDataset::kProfiles:
      break;  // Built by ProfileTable.
  }
  return kNone;
}

// FMP's profile columns, in FMP's order (fmp-api.md §4).
const std::vector<std::string> kProfileColumns = {"symbol",       "price",
                                                  "marketCap",    "beta",
                                                  "lastDividend", "range",
                                                  "change",       "changePercentage",
                                                  "volume",       "averageVolume",
                                                  "companyName",  "currency",
                                                  "cik",          "isin",
                                                  "cusip",        "exchangeFullName",
                                                  "exchange",     "industry",
                                                  "website",      "description",
                                                  "ceo",          "sector",
                                                  "country",      "fullTimeEmployees",
                                                  "phone",        "address",
                                                  "city",         "state",
                                                  "zip",          "image",
                                                  "ipoDate",      "defaultImage",
                                                  "isEtf",        "isActivelyTrading",
                                                  "isAdr",        "isFund"};

Cell CellAt(const Column& column, size_t row) {
  if (column.is_null(row)) return Cell::Null();
  switch (column.type()) {
    case ColumnType::kVarchar:
      return Cell::Text(column.varchars()[row]);
    case ColumnType::kDate:
      return Cell::Text(column.dates()[row].ToString());
    case ColumnType::kDouble:
      return Cell::Double(column.doubles()[row]);
    case ColumnType::kBigint:
      return Cell::Integer(column.bigints()[row]);
    case ColumnType::kBoolean:
      return Cell::Bool(column.booleans()[row] != 0);
  }
  return Cell::Null();
}

// The row of `symbol` in `rows` (sorted by symbol, symbol in column 0), or rows.num_rows().
size_t FindRow(const FmpTable& rows, std::string_view symbol) {
  size_t low = 0;
  size_t high = rows.num_rows();
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (rows.row(mid)[0].text() < symbol) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low < rows.num_rows() && rows.row(low)[0].text() == symbol ? low : rows.num_rows();
}

// The row of `symbol` in a simulated dataset (sorted by symbol), if any.
std::optional<size_t> FindSymbolRow(const table::Table& rows, std::string_view symbol) {
  const std::vector<std::string>& symbols = rows.column(0).varchars();
  const auto it = std::lower_bound(symbols.begin(), symbols.end(), symbol);
  if (it == symbols.end() || *it != symbol) return std::nullopt;
  return static_cast<size_t>(it - symbols.begin());
}

// FNV-1a of the symbol: the synthesized profile fields are fixed per symbol.
uint64_t SymbolHash(std::string_view symbol) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : symbol) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string ExchangeFullName(std::string_view exchange) {
  if (exchange == "NASDAQ") return "NASDAQ Global Select";
  if (exchange == "NYSE") return "New York Stock Exchange";
  if (exchange == "AMEX") return "NYSE American";
  if (exchange == "OTC") return "Other OTC";
  return std::string(exchange);
}

std::string Lower(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    }
  }
  return out;
}

// What one profile row is made of.
struct ProfileInput {
  std::string symbol;
  const SymbolInfo* info = nullptr;   // Identity columns when there is no profile row.
  std::optional<size_t> profile_row;  // Into the simulated profiles table.
  std::optional<Bar> last_bar;        // On the latest session, for change and volume.
  const ExtraSymbol* extra = nullptr;
};

std::vector<Cell> ProfileRow(const ProfileInput& input, const table::Table& profiles) {
  const auto value = [&](std::string_view name) -> Cell {
    if (!input.profile_row) return Cell::Null();
    const Column* column = profiles.FindColumn(name);
    return column == nullptr ? Cell::Null() : CellAt(*column, *input.profile_row);
  };
  const auto text = [&](std::string_view name, const std::string& fallback) -> std::string {
    const Cell cell = value(name);
    return cell.kind() == Cell::Kind::kText ? cell.text() : fallback;
  };
  const SymbolInfo& info = *input.info;
  const ExtraSymbol* extra = input.extra;
  const std::string& symbol = input.symbol;
  const uint64_t hash = SymbolHash(symbol);
  const std::string company = extra != nullptr ? extra->company_name : info.company_name;
  const std::string exchange = extra != nullptr ? extra->exchange : info.exchange;
  const std::string sector = text("sector", info.sector);
  const std::string industry = text("industry", info.industry);
  const bool is_etf = info.is_etf;
  const bool active = !info.delisted_date.has_value();

  std::vector<Cell> row;
  row.reserve(kProfileColumns.size());
  row.push_back(Cell::Text(symbol));
  row.push_back(value("price"));
  row.push_back(value("market_cap"));
  row.push_back(value("beta"));
  row.push_back(value("last_dividend"));
  row.push_back(value("range"));
  if (input.last_bar) {
    const Bar& bar = *input.last_bar;
    const double change = bar.close - bar.open;
    row.push_back(Cell::Double(change));
    row.push_back(Cell::Double(change / bar.open * 100));
    row.push_back(Cell::Integer(bar.volume));
  } else {
    row.push_back(Cell::Null());
    row.push_back(Cell::Null());
    row.push_back(Cell::Null());
  }
  row.push_back(value("average_volume"));
  row.push_back(Cell::Text(company));
  row.push_back(value("currency"));
  const std::string cusip =
      fmt::format("{:06}{:02}{}", hash % 1'000'000, (hash >> 20) % 100, (hash >> 30) % 10);
  if (is_etf) {
    row.push_back(Cell::Null());
  } else {
    row.push_back(Cell::Text(fmt::format("{:010}", (hash >> 8) % 2'000'000)));
  }
  row.push_back(Cell::Text(fmt::format("US{}{}", cusip, (hash >> 40) % 10)));
  row.push_back(Cell::Text(cusip));
  row.push_back(
      Cell::Text(extra != nullptr ? extra->exchange_full_name : ExchangeFullName(exchange)));
  row.push_back(Cell::Text(exchange));
  row.push_back(Cell::Text(industry));
  row.push_back(Cell::Text(fmt::format("https://www.{}.example.com", Lower(symbol))));
  // Commas and quotes on purpose: a client must read RFC 4180 quoting.
  row.push_back(Cell::Text(fmt::format(
      "{} is a simulated {} in the {} industry, {} sector, listed on {}. Its \"prices\" are "
      "random walks, its figures made up.",
      company, is_etf ? "exchange-traded fund" : "company", industry, sector, exchange)));
  static constexpr const char* kCeos[] = {"Ada Lovelace", "Grace Hopper", "Alan Turing",
                                          "Katherine Johnson", "John von Neumann"};
  row.push_back(is_etf ? Cell::Null() : Cell::Text(kCeos[hash % std::size(kCeos)]));
  row.push_back(Cell::Text(sector));
  row.push_back(value("country"));
  // FMP sends the employee count as a string.
  row.push_back(is_etf ? Cell::Null() : Cell::Text(fmt::format("{}", 50 + (hash >> 12) % 150'000)));
  row.push_back(Cell::Text(fmt::format("+1 212 555 {:04}", (hash >> 24) % 10'000)));
  row.push_back(Cell::Text(fmt::format("{} Simulation Way", 1 + (hash >> 36) % 999)));
  row.push_back(Cell::Text("New York"));
  row.push_back(Cell::Text("NY"));
  row.push_back(Cell::Text("10004"));
  row.push_back(
      Cell::Text(fmt::format("https://images.financialmodelingprep.com/symbol/{}.png", symbol)));
  row.push_back(Cell::Text(info.first_date.ToString()));
  row.push_back(Cell::Bool(false));
  row.push_back(Cell::Bool(is_etf));
  row.push_back(Cell::Bool(active));
  row.push_back(Cell::Bool(extra != nullptr && extra->is_adr));
  row.push_back(Cell::Bool(extra != nullptr && extra->is_fund));
  return row;
}

// A name for an extra symbol that the universe does not use.
std::string FreeSymbol(const std::vector<SymbolInfo>& universe, std::string_view stem) {
  const auto taken = [&](const std::string& symbol) {
    const auto it =
        std::lower_bound(universe.begin(), universe.end(), symbol,
                         [](const SymbolInfo& a, const std::string& b) { return a.symbol < b; });
    return it != universe.end() && it->symbol == symbol;
  };
  std::string symbol(stem);
  for (int suffix = 1; taken(symbol); ++suffix) symbol = fmt::format("{}{}", stem, suffix);
  return symbol;
}

}  // namespace

MarketView::MarketView(std::unique_ptr<SimulatedSource> source, Date as_of)
    : source_(std::move(source)),
      as_of_(as_of),
      latest_session_(market::LatestTradingDayOnOrBefore(as_of)) {}

MarketView::~MarketView() = default;

Result<std::unique_ptr<MarketView>> MarketView::Create(const SimulatedOptions& market,
                                                       size_t profile_part_rows) {
  if (profile_part_rows == 0) {
    return Status::Error(ErrorCode::kInvalidArgument, "profile-bulk part size must be >= 1");
  }
  TF_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedSource> source, SimulatedSource::Create(market));
  std::unique_ptr<MarketView> view(new MarketView(std::move(source), market.as_of));
  TF_RETURN_IF_ERROR(view->Build(profile_part_rows));
  return view;
}

Status MarketView::Build(size_t profile_part_rows) {
  TF_ASSIGN_OR_RETURN(universe_, source_->Universe(as_of_));
  std::vector<table::Table> simulated;
  for (const FmpDataset dataset : kAllFundamentalsDatasets) {
    TF_ASSIGN_OR_RETURN(table::Table rows, source_->Fundamentals(dataset, as_of_));
    simulated.push_back(std::move(rows));
  }

  // The extras repeat the data of the first active company that has every dataset.
  const SymbolInfo* template_info = nullptr;
  for (const SymbolInfo& info : universe_) {
    if (info.is_etf || info.delisted_date) continue;
    bool complete = true;
    for (const table::Table& rows : simulated) {
      complete = complete && FindSymbolRow(rows, info.symbol).has_value();
    }
    if (complete) {
      template_info = &info;
      break;
    }
  }
  if (template_info != nullptr) {
    extras_.push_back(ExtraSymbol{.symbol = FreeSymbol(universe_, "TFLWY"),
                                  .template_symbol = template_info->symbol,
                                  .company_name = "Tickerflow Holdings ADR",
                                  .exchange = "OTC",
                                  .exchange_full_name = "Other OTC",
                                  .is_adr = true,
                                  .is_fund = false});
    extras_.push_back(ExtraSymbol{.symbol = FreeSymbol(universe_, "TFLWX"),
                                  .template_symbol = template_info->symbol,
                                  .company_name = "Tickerflow Growth Fund Investor Class",
                                  .exchange = "NASDAQ",
                                  .exchange_full_name = "NASDAQ",
                                  .is_adr = false,
                                  .is_fund = true});
  }

  // profile-bulk / profile.
  TF_ASSIGN_OR_RETURN(std::vector<SymbolBar> last_bars, source_->BarsOn(latest_session_));
  std::map<std::string, Bar, std::less<>> last_bar_of;
  for (SymbolBar& entry : last_bars) last_bar_of.emplace(std::move(entry.symbol), entry.bar);
  const table::Table& profiles = simulated[static_cast<size_t>(FmpDataset::kProfiles)];
  std::vector<ProfileInput> inputs;
  inputs.reserve(universe_.size() + extras_.size());
  const auto input_for = [&](const std::string& symbol, const std::string& data_symbol,
                             const ExtraSymbol* extra) {
    const auto info =
        std::lower_bound(universe_.begin(), universe_.end(), data_symbol,
                         [](const SymbolInfo& a, const std::string& b) { return a.symbol < b; });
    ProfileInput input;
    input.symbol = symbol;
    input.info = &*info;
    input.profile_row = FindSymbolRow(profiles, data_symbol);
    const auto bar = last_bar_of.find(data_symbol);
    if (bar != last_bar_of.end()) input.last_bar = bar->second;
    input.extra = extra;
    return input;
  };
  for (const SymbolInfo& info : universe_)
    inputs.push_back(input_for(info.symbol, info.symbol, nullptr));
  for (const ExtraSymbol& extra : extras_) {
    inputs.push_back(input_for(extra.symbol, extra.template_symbol, &extra));
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const ProfileInput& a, const ProfileInput& b) { return a.symbol < b.symbol; });
  FmpTable profile_table(kProfileColumns);
  for (const ProfileInput& input : inputs) profile_table.AddRow(ProfileRow(input, profiles));
  for (size_t begin = 0; begin < profile_table.num_rows() || begin == 0;
       begin += profile_part_rows) {
    profile_parts_.push_back(ToCsv(profile_table, begin, begin + profile_part_rows));
  }
  datasets_.push_back(std::move(profile_table));
  bulk_csv_.emplace_back();

  // The fundamentals datasets.
  for (const FmpDataset dataset : kAllFundamentalsDatasets) {
    if (dataset == FmpDataset::kProfiles) continue;
    const table::Table& rows = simulated[static_cast<size_t>(dataset)];
    const std::vector<ColumnSpec>& specs = SpecsOf(dataset);
    std::vector<std::string> names;
    std::vector<const Column*> sources;
    for (const ColumnSpec& spec : specs) {
      names.emplace_back(spec.fmp_name);
      sources.push_back(spec.schema_name.empty() ? nullptr : rows.FindColumn(spec.schema_name));
      if (!spec.schema_name.empty() && sources.back() == nullptr) {
        return Status::Error(ErrorCode::kInternal,
                             fmt::format("fmp-sim: the simulated {} dataset has no column {}",
                                         FundamentalsDatasetName(dataset), spec.schema_name));
      }
    }
    // (FMP symbol, row in the simulated table), sorted by symbol.
    std::vector<std::pair<std::string, size_t>> order;
    for (size_t row = 0; row < rows.num_rows(); ++row) {
      order.emplace_back(rows.column(0).varchars()[row], row);
    }
    for (const ExtraSymbol& extra : extras_) {
      const std::optional<size_t> row = FindSymbolRow(rows, extra.template_symbol);
      if (row) order.emplace_back(extra.symbol, *row);
    }
    std::sort(order.begin(), order.end());
    FmpTable fmp(names);
    for (const auto& [symbol, row] : order) {
      std::vector<Cell> cells;
      cells.reserve(specs.size());
      for (size_t i = 0; i < specs.size(); ++i) {
        if (i == 0) {
          cells.push_back(Cell::Text(symbol));
        } else if (sources[i] != nullptr) {
          cells.push_back(CellAt(*sources[i], row));
        } else if (!specs[i].literal.empty()) {
          cells.push_back(Cell::Text(std::string(specs[i].literal)));
        } else {
          cells.push_back(Cell::Null());
        }
      }
      fmp.AddRow(std::move(cells));
    }
    if (dataset == FmpDataset::kRatings) {
      // rating-bulk spells some scores "3.0": every third row, so a client must parse both.
      for (size_t row = 1; row < fmp.num_rows(); row += 3) {
        for (size_t column = fmp.ColumnIndex("overallScore"); column < specs.size(); ++column) {
          const Cell& cell = fmp.row(row)[column];
          if (cell.kind() == Cell::Kind::kInteger) {
            fmp.SetCell(row, column, Cell::DecimalInteger(cell.integer_value()));
          }
        }
      }
    }
    bulk_csv_.push_back(ToCsv(fmp));
    datasets_.push_back(std::move(fmp));
  }

  // delisted-companies, newest delisting first.
  std::vector<const SymbolInfo*> delisted;
  for (const SymbolInfo& info : universe_) {
    if (info.delisted_date) delisted.push_back(&info);
  }
  std::sort(delisted.begin(), delisted.end(), [](const SymbolInfo* a, const SymbolInfo* b) {
    if (*a->delisted_date != *b->delisted_date) return *a->delisted_date > *b->delisted_date;
    return a->symbol < b->symbol;
  });
  for (const SymbolInfo* info : delisted) {
    delisted_.AddRow({Cell::Text(info->symbol), Cell::Text(info->company_name),
                      Cell::Text(info->exchange), Cell::Text(info->first_date.ToString()),
                      Cell::Text(info->delisted_date->ToString())});
  }
  return Status::Ok();
}

const std::string& MarketView::BulkCsv(FmpDataset dataset) const {
  return bulk_csv_[static_cast<size_t>(dataset)];
}

const FmpTable& MarketView::Dataset(FmpDataset dataset) const {
  return datasets_[static_cast<size_t>(dataset)];
}

std::string MarketView::SymbolJson(FmpDataset dataset, std::string_view symbol) const {
  const FmpTable& rows = Dataset(dataset);
  const size_t row = FindRow(rows, symbol);
  if (row == rows.num_rows()) return "[]";
  const size_t only[] = {row};
  return ToJsonArray(rows, only);
}

std::optional<std::string> MarketView::DataSymbol(std::string_view symbol) const {
  for (const ExtraSymbol& extra : extras_) {
    if (extra.symbol == symbol) return extra.template_symbol;
  }
  const auto it =
      std::lower_bound(universe_.begin(), universe_.end(), symbol,
                       [](const SymbolInfo& a, std::string_view b) { return a.symbol < b; });
  if (it == universe_.end() || it->symbol != symbol) return std::nullopt;
  return it->symbol;
}

bool MarketView::Knows(std::string_view symbol) const { return DataSymbol(symbol).has_value(); }

Result<std::optional<std::vector<Bar>>> MarketView::Bars(std::string_view symbol, Date from,
                                                         Date to) const {
  const std::optional<std::string> data_symbol = DataSymbol(symbol);
  if (!data_symbol) return std::optional<std::vector<Bar>>();
  if (from > to) return std::optional<std::vector<Bar>>(std::vector<Bar>{});
  TF_ASSIGN_OR_RETURN(std::vector<Bar> bars, source_->DailyBars(*data_symbol, from, to));
  return std::optional<std::vector<Bar>>(std::move(bars));
}

Result<std::vector<SymbolBar>> MarketView::BarsOn(Date date) const {
  TF_ASSIGN_OR_RETURN(std::vector<SymbolBar> bars, source_->BarsOn(date));
  std::vector<SymbolBar> extra_bars;
  for (const ExtraSymbol& extra : extras_) {
    const auto it =
        std::lower_bound(bars.begin(), bars.end(), extra.template_symbol,
                         [](const SymbolBar& a, const std::string& b) { return a.symbol < b; });
    if (it != bars.end() && it->symbol == extra.template_symbol) {
      extra_bars.push_back(SymbolBar{extra.symbol, it->bar});
    }
  }
  if (!extra_bars.empty()) {
    bars.insert(bars.end(), extra_bars.begin(), extra_bars.end());
    std::sort(bars.begin(), bars.end(),
              [](const SymbolBar& a, const SymbolBar& b) { return a.symbol < b.symbol; });
  }
  return bars;
}

std::string MarketView::DelistedCompaniesJson(size_t page, size_t limit) const {
  std::vector<size_t> rows;
  const size_t begin = page * limit;
  for (size_t row = begin; row < delisted_.num_rows() && row < begin + limit; ++row) {
    rows.push_back(row);
  }
  return ToJsonArray(delisted_, rows);
}

}  // namespace tickerflow::sources::fmp_sim
