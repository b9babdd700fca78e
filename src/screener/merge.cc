#include "screener/merge.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "screener/derived.h"
#include "screener/labels.h"
#include "screener/labels_internal.h"
#include "table/table_source.h"

namespace tickerflow::screener {
namespace {

using sources::FundamentalsDataset;
using table::ColumnType;

// A column the merge copies into the screener: from the table with SQL alias `alias`.
struct Pulled {
  std::string_view alias;
  std::string_view name;
  ColumnType type;
};

// The fundamentals' columns the screener takes, in screener order, and the dataset of each
// alias. "r" is the table of parsed ranges built from profiles.
constexpr Pulled kFundamentalColumns[] = {
    {"p", "company_name", ColumnType::kVarchar},
    {"p", "exchange", ColumnType::kVarchar},
    {"p", "sector", ColumnType::kVarchar},
    {"p", "industry", ColumnType::kVarchar},
    {"p", "market_cap", ColumnType::kDouble},
    {"p", "price", ColumnType::kDouble},
    {"r", "price_low_52w", ColumnType::kDouble},
    {"r", "price_high_52w", ColumnType::kDouble},
    {"p", "is_etf", ColumnType::kBoolean},
    {"rt", "pe_ratio_ttm", ColumnType::kDouble},
    {"rt", "peg_ratio_ttm", ColumnType::kDouble},
    {"rt", "net_profit_margin_ttm", ColumnType::kDouble},
    {"dcf", "fair_value", ColumnType::kDouble},
    {"sc", "altman_z_score", ColumnType::kDouble},
    {"sc", "piotroski_score", ColumnType::kBigint},
    {"ra", "rating", ColumnType::kVarchar},
    {"ra", "rating_score", ColumnType::kBigint},
    {"ra", "rating_dcf_score", ColumnType::kBigint},
    {"ra", "rating_roe_score", ColumnType::kBigint},
    {"ra", "rating_roa_score", ColumnType::kBigint},
    {"ra", "rating_de_score", ColumnType::kBigint},
    {"ra", "rating_pe_score", ColumnType::kBigint},
    {"ra", "rating_pb_score", ColumnType::kBigint},
};

struct DatasetAlias {
  FundamentalsDataset dataset;
  std::string_view alias;
};
constexpr DatasetAlias kDatasetAliases[] = {
    {FundamentalsDataset::kProfiles, "p"}, {FundamentalsDataset::kRatiosTtm, "rt"},
    {FundamentalsDataset::kDcf, "dcf"},    {FundamentalsDataset::kScores, "sc"},
    {FundamentalsDataset::kRatings, "ra"},
};

// The labels after the fundamentals, in screener order.
constexpr std::string_view kLabelColumns[] = {"market_cap_cat",
                                              "pe_ratio_cat",
                                              "peg_ratio_cat",
                                              "net_profit_margin_cat",
                                              "price_fair_value_diff_perc",
                                              "price_fair_value_cat",
                                              "altman_z_score_cat",
                                              "piotroski_score_cat"};

// The derived columns in screener order: those of ComputeDerived, with the two distances to
// the moving averages, which the merge computes, after perf_1y.
std::vector<std::string_view> ScreenerDerivedNames() {
  std::vector<std::string_view> names;
  for (const std::string_view name : kDerivedColumnNames) {
    names.push_back(name);
    if (name == "perf_1y") {
      names.push_back("dist_sma50_pct");
      names.push_back("dist_sma200_pct");
    }
  }
  return names;
}

std::string_view DatasetName(FundamentalsDataset dataset) {
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
  return "fundamentals";
}

Status RequireColumn(const table::Table& table, std::string_view table_name, std::string_view name,
                     ColumnType type) {
  const table::Column* column = table.FindColumn(name);
  if (column == nullptr) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("merge_screener: {} has no column '{}'", table_name, name));
  }
  if (column->type() != type) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("merge_screener: column '{}' of {} is {}, not {}", name, table_name,
                    table::ColumnTypeName(column->type()), table::ColumnTypeName(type)));
  }
  return Status::Ok();
}

// A join on `symbol` must not multiply rows: every symbol at most once.
Status RequireUniqueSymbols(const table::Table& table, std::string_view table_name) {
  TF_RETURN_IF_ERROR(RequireColumn(table, table_name, "symbol", ColumnType::kVarchar));
  const table::Column& symbol = *table.FindColumn("symbol");
  std::unordered_set<std::string_view> seen;
  for (size_t row = 0; row < symbol.size(); ++row) {
    if (symbol.is_null(row)) continue;  // Joins nothing.
    if (!seen.insert(symbol.varchars()[row]).second) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("merge_screener: symbol '{}' appears more than once in {}",
                                       symbol.varchars()[row], table_name));
    }
  }
  return Status::Ok();
}

// symbol, price_low_52w, price_high_52w: the parsed `range` of each profile.
Result<table::Table> ParsedRanges(const table::Table& profiles) {
  const table::Column& symbol = *profiles.FindColumn("symbol");
  const table::Column& range = *profiles.FindColumn("range");
  table::Column low("price_low_52w", ColumnType::kDouble);
  table::Column high("price_high_52w", ColumnType::kDouble);
  for (size_t row = 0; row < profiles.num_rows(); ++row) {
    const std::optional<PriceRange> parsed =
        range.is_valid(row) ? ParsePriceRange(range.varchars()[row]) : std::nullopt;
    if (parsed.has_value()) {
      low.AppendDouble(parsed->low);
      high.AppendDouble(parsed->high);
    } else {
      low.AppendNull();
      high.AppendNull();
    }
  }
  return table::Table::Make({symbol, std::move(low), std::move(high)});
}

std::string Qualified(std::string_view alias, std::string_view name) {
  return fmt::format("{}.{}", alias, table::QuoteIdentifier(name));
}

std::string NullOf(ColumnType type, std::string_view name) {
  return fmt::format("CAST(NULL AS {}) AS {}", table::ColumnTypeName(type),
                     table::QuoteIdentifier(name));
}

}  // namespace

const std::vector<DailyColumn>& ScreenerColumns() {
  static const std::vector<DailyColumn> columns = [] {
    std::vector<DailyColumn> result = DailyColumns();
    result.push_back({"stale", ColumnType::kBoolean});
    for (const std::string_view name : ScreenerDerivedNames()) {
      result.push_back({name, ColumnType::kDouble});
    }
    for (const Pulled& pulled : kFundamentalColumns) {
      result.push_back({pulled.name, pulled.type});
    }
    for (const std::string_view name : kLabelColumns) {
      result.push_back({name, name == "price_fair_value_diff_perc" ? ColumnType::kDouble
                                                                   : ColumnType::kVarchar});
    }
    return result;
  }();
  return columns;
}

Result<table::Table> MergeScreener(table::Connection& connection, const table::Table& latest,
                                   const table::Table& derived, const Fundamentals& fundamentals,
                                   Date latest_session) {
  // Inputs: exactly the daily columns for `latest`; what the merge reads for the others.
  const std::vector<DailyColumn>& daily = DailyColumns();
  if (latest.num_columns() != daily.size()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("merge_screener: the latest rows have {} columns, not the "
                                     "{} of a daily file",
                                     latest.num_columns(), daily.size()));
  }
  for (size_t c = 0; c < daily.size(); ++c) {
    if (latest.column(c).name() != daily[c].name) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("merge_screener: column {} of the latest rows is '{}', "
                                       "not '{}'",
                                       c, latest.column(c).name(), daily[c].name));
    }
    TF_RETURN_IF_ERROR(RequireColumn(latest, "the latest rows", daily[c].name, daily[c].type));
  }
  const bool has_derived = derived.num_columns() > 0;
  if (has_derived) {
    TF_RETURN_IF_ERROR(RequireUniqueSymbols(derived, "the derived rows"));
    for (const std::string_view name : kDerivedColumnNames) {
      TF_RETURN_IF_ERROR(RequireColumn(derived, "the derived rows", name, ColumnType::kDouble));
    }
  }
  std::map<std::string_view, const table::Table*> by_alias;
  for (const DatasetAlias& entry : kDatasetAliases) {
    const auto found = fundamentals.find(entry.dataset);
    if (found == fundamentals.end()) continue;
    const std::string name = fmt::format("fundamentals dataset '{}'", DatasetName(entry.dataset));
    TF_RETURN_IF_ERROR(RequireUniqueSymbols(found->second, name));
    for (const Pulled& pulled : kFundamentalColumns) {
      if (pulled.alias == entry.alias) {
        TF_RETURN_IF_ERROR(RequireColumn(found->second, name, pulled.name, pulled.type));
      }
    }
    if (entry.dataset == FundamentalsDataset::kProfiles) {
      TF_RETURN_IF_ERROR(RequireColumn(found->second, name, "range", ColumnType::kVarchar));
    }
    by_alias[entry.alias] = &found->second;
  }
  std::optional<table::Table> ranges;
  if (by_alias.contains("p")) {
    TF_ASSIGN_OR_RETURN(ranges, ParsedRanges(*by_alias.at("p")));
    by_alias["r"] = &*ranges;
  }

  // Every input lent to SQL as a table; the sources must outlive the query.
  std::vector<table::TableSource> sources;
  const auto lend = [&](const table::Table& table) -> Result<std::string> {
    TF_ASSIGN_OR_RETURN(table::TableSource source, table::TableSource::Create(table));
    sources.push_back(std::move(source));
    return sources.back().sql();
  };
  TF_ASSIGN_OR_RETURN(const std::string latest_sql, lend(latest));
  std::string joins;
  std::string derived_alias;
  if (has_derived) {
    TF_ASSIGN_OR_RETURN(const std::string derived_sql, lend(derived));
    joins += fmt::format(" LEFT JOIN {} AS d ON d.symbol = l.symbol", derived_sql);
  }
  for (const auto& [alias, table] : by_alias) {
    TF_ASSIGN_OR_RETURN(const std::string sql, lend(*table));
    joins += fmt::format(" LEFT JOIN {0} AS {1} ON {1}.symbol = l.symbol", sql, alias);
  }

  // The inner query: every column but the labels; the outer one adds them.
  std::string select;
  for (const DailyColumn& column : daily) {
    select += Qualified("l", column.name) + ", ";
  }
  select += "l.date < ? AS stale";
  for (const std::string_view name : ScreenerDerivedNames()) {
    if (name == "dist_sma50_pct" || name == "dist_sma200_pct") {
      const std::string_view average = name == "dist_sma50_pct" ? "sma_50" : "sma_200";
      select += fmt::format(", CASE WHEN {0} > 0 THEN 100 * ({1} / {0} - 1) END AS {2}",
                            Qualified("l", average), Qualified("l", "close"),
                            table::QuoteIdentifier(name));
    } else if (has_derived) {
      select += ", " + Qualified("d", name);
    } else {
      select += ", " + NullOf(ColumnType::kDouble, name);
    }
  }
  for (const Pulled& pulled : kFundamentalColumns) {
    select += ", ";
    select += by_alias.contains(pulled.alias) ? Qualified(pulled.alias, pulled.name)
                                              : NullOf(pulled.type, pulled.name);
  }

  const std::string labels = fmt::format(
      "{} AS market_cap_cat, {} AS pe_ratio_cat, {} AS peg_ratio_cat, "
      "{} AS net_profit_margin_cat, {} AS price_fair_value_diff_perc, "
      "{} AS price_fair_value_cat, {} AS altman_z_score_cat, {} AS piotroski_score_cat",
      internal::LabelSql(internal::MarketCapScale(), "b.market_cap"),
      internal::LabelSql(internal::PeRatioScale(), "b.pe_ratio_ttm"),
      internal::LabelSql(internal::PegRatioScale(), "b.peg_ratio_ttm"),
      internal::LabelSql(internal::NetProfitMarginScale(), "b.net_profit_margin_ttm"),
      internal::PriceFairValueDiffSql("b.close", "b.fair_value"),
      internal::PriceFairValueCategorySql(
          internal::PriceFairValueDiffSql("b.close", "b.fair_value")),
      internal::LabelSql(internal::AltmanZScoreScale(), "b.altman_z_score"),
      internal::LabelSql(internal::PiotroskiScoreScale(), "b.piotroski_score"));

  // row_number() OVER () numbers the rows in the order the table source yields them, so that
  // rows with the same symbol keep their order.
  const std::string sql = fmt::format(
      "SELECT b.* EXCLUDE (tf_row), {labels} FROM ("
      "SELECT {select}, l.tf_row FROM "
      "(SELECT *, row_number() OVER () AS tf_row FROM {latest}) AS l{joins}"
      ") AS b ORDER BY b.symbol NULLS LAST, b.tf_row",
      fmt::arg("labels", labels), fmt::arg("select", select), fmt::arg("latest", latest_sql),
      fmt::arg("joins", joins));
  TF_ASSIGN_OR_RETURN(table::QueryResult result, connection.Query(sql, {latest_session}));
  TF_ASSIGN_OR_RETURN(table::Table screener, result.FetchTable());

  // The statement fixes names and types; check them anyway, so a change in DuckDB's typing
  // (an integer turned BIGINT into HUGEINT, say) fails here and not in a reader of the file.
  const std::vector<DailyColumn>& expected = ScreenerColumns();
  if (screener.num_columns() != expected.size()) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("merge_screener produced {} columns, not {}",
                                     screener.num_columns(), expected.size()));
  }
  for (size_t c = 0; c < expected.size(); ++c) {
    if (screener.column(c).name() != expected[c].name ||
        screener.column(c).type() != expected[c].type) {
      return Status::Error(
          ErrorCode::kInternal,
          fmt::format("merge_screener produced column {} as '{}' {}, not '{}' {}", c,
                      screener.column(c).name(), table::ColumnTypeName(screener.column(c).type()),
                      expected[c].name, table::ColumnTypeName(expected[c].type)));
    }
  }
  return screener;
}

}  // namespace tickerflow::screener
