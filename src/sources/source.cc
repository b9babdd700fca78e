#include "sources/source.h"

#include <fmt/format.h>

#include <string>
#include <unordered_set>

namespace tickerflow::sources {
namespace {

using table::ColumnType;

constexpr ColumnType kVarchar = ColumnType::kVarchar;
constexpr ColumnType kDate = ColumnType::kDate;
constexpr ColumnType kDouble = ColumnType::kDouble;
constexpr ColumnType kBigint = ColumnType::kBigint;
constexpr ColumnType kBoolean = ColumnType::kBoolean;

bool IsUpperOrDigit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

std::string_view FundamentalsDatasetName(FundamentalsDataset dataset) {
  switch (dataset) {
    case FundamentalsDataset::kProfiles:
      return "profiles";
    case FundamentalsDataset::kRatiosTtm:
      return "ratios_ttm";
    case FundamentalsDataset::kKeyMetricsTtm:
      return "key_metrics_ttm";
    case FundamentalsDataset::kScores:
      return "scores";
    case FundamentalsDataset::kRatings:
      return "ratings";
    case FundamentalsDataset::kDcf:
      return "dcf";
  }
  return "unknown";
}

const std::vector<FundamentalsColumn>& FundamentalsSchema(FundamentalsDataset dataset) {
  // Function-local statics: built once, thread-safely, and never destroyed before use.
  static const std::vector<FundamentalsColumn> kProfiles = {
      {"symbol", kVarchar},       {"company_name", kVarchar},
      {"exchange", kVarchar},     {"sector", kVarchar},
      {"industry", kVarchar},     {"country", kVarchar},
      {"currency", kVarchar},     {"market_cap", kDouble},
      {"price", kDouble},         {"beta", kDouble},
      {"last_dividend", kDouble}, {"average_volume", kBigint},
      {"range", kVarchar},        {"ipo_date", kDate},
      {"is_etf", kBoolean},       {"is_actively_trading", kBoolean},
  };
  static const std::vector<FundamentalsColumn> kRatiosTtm = {
      {"symbol", kVarchar},
      {"pe_ratio_ttm", kDouble},
      {"peg_ratio_ttm", kDouble},
      {"net_profit_margin_ttm", kDouble},
      {"gross_profit_margin_ttm", kDouble},
      {"price_to_book_ttm", kDouble},
      {"debt_to_equity_ttm", kDouble},
      {"current_ratio_ttm", kDouble},
      {"dividend_yield_ttm", kDouble},
  };
  static const std::vector<FundamentalsColumn> kKeyMetricsTtm = {
      {"symbol", kVarchar},
      {"market_cap", kDouble},
      {"enterprise_value_ttm", kDouble},
      {"ev_to_ebitda_ttm", kDouble},
      {"return_on_equity_ttm", kDouble},
      {"return_on_assets_ttm", kDouble},
      {"earnings_yield_ttm", kDouble},
      {"free_cash_flow_yield_ttm", kDouble},
  };
  static const std::vector<FundamentalsColumn> kScores = {
      {"symbol", kVarchar},
      {"altman_z_score", kDouble},
      {"piotroski_score", kBigint},
      {"working_capital", kDouble},
      {"total_assets", kDouble},
      {"retained_earnings", kDouble},
      {"ebit", kDouble},
      {"market_cap", kDouble},
      {"total_liabilities", kDouble},
      {"revenue", kDouble},
  };
  static const std::vector<FundamentalsColumn> kRatings = {
      {"symbol", kVarchar},          {"date", kDate},
      {"rating", kVarchar},          {"rating_score", kBigint},
      {"rating_dcf_score", kBigint}, {"rating_roe_score", kBigint},
      {"rating_roa_score", kBigint}, {"rating_de_score", kBigint},
      {"rating_pe_score", kBigint},  {"rating_pb_score", kBigint},
  };
  static const std::vector<FundamentalsColumn> kDcf = {
      {"symbol", kVarchar},
      {"date", kDate},
      {"fair_value", kDouble},
      {"stock_price", kDouble},
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
  return kProfiles;  // Unreachable for a valid enumerator.
}

Status ValidateFundamentals(FundamentalsDataset dataset, const table::Table& table) {
  const std::string_view name = FundamentalsDatasetName(dataset);
  const std::vector<FundamentalsColumn>& schema = FundamentalsSchema(dataset);
  if (table.num_columns() != schema.size()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("fundamentals dataset '{}' has {} columns, expected {}", name,
                                     table.num_columns(), schema.size()));
  }
  for (size_t i = 0; i < schema.size(); ++i) {
    const table::Column& column = table.column(i);
    if (column.name() != schema[i].name) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("fundamentals dataset '{}': column {} is '{}', expected '{}'", name, i,
                      column.name(), schema[i].name));
    }
    if (column.type() != schema[i].type) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("fundamentals dataset '{}': column '{}' is {}, expected {}",
                                       name, column.name(), table::ColumnTypeName(column.type()),
                                       table::ColumnTypeName(schema[i].type)));
    }
  }
  const table::Column& symbols = table.column(0);
  std::unordered_set<std::string_view> seen;
  seen.reserve(symbols.size());
  for (size_t row = 0; row < symbols.size(); ++row) {
    if (symbols.is_null(row)) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("fundamentals dataset '{}': symbol is NULL in row {}", name, row));
    }
    const std::string& symbol = symbols.varchars()[row];
    if (!seen.insert(symbol).second) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("fundamentals dataset '{}': symbol '{}' repeated in row {}",
                                       name, symbol, row));
    }
  }
  return Status::Ok();
}

bool IsValidSymbol(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 12 || !IsUpperOrDigit(symbol[0])) return false;
  for (const char c : symbol.substr(1)) {
    if (!IsUpperOrDigit(c) && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace tickerflow::sources
