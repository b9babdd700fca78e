#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "sources/simulated/fundamentals_internal.h"
#include "sources/simulated/random_internal.h"

namespace tickerflow::sources::simulated_internal {
namespace {

using table::Column;

constexpr uint64_t kTagTraits = 0x66756e64;   // "fund"
constexpr uint64_t kTagQuarter = 0x717472;    // "qtr"
constexpr uint64_t kTagMissing = 0x6d697373;  // "miss"

// The share of eligible symbols a vendor has no data for, per dataset (FundamentalsDataset
// order).
constexpr double kMissingRate[] = {0.03, 0.06, 0.05, 0.08, 0.07, 0.10};

// A company's constant character: how it is valued, how profitable, how financed.
struct Traits {
  double price_to_sales;  // At the trend price.
  double net_margin;      // Base net profit margin; negative for loss makers.
  double growth_percent;  // Base EPS growth, percent a year (PEG's denominator).
  double gross_extra;     // Gross margin above the net margin.
  double book_to_sales;   // Equity / revenue.
  double debt_to_equity;
  double current_ratio;
  double cash_to_sales;
  double ebit_extra;       // EBIT margin above the net margin.
  double ebitda_extra;     // EBITDA margin above the net margin.
  double retained_share;   // Retained earnings / total assets, before profits.
  double cash_conversion;  // Free cash flow / net income.
  double current_share;    // Current liabilities / total assets.
  double valuation_bias;   // The DCF model's constant opinion of the stock (log).
  double quality_bias;     // Shifts the Piotroski criteria.
};

Traits TraitsOf(const SymbolSpec& spec) {
  DrawSequence draws(SubKey(spec.key, kTagTraits));
  Traits traits{};
  traits.price_to_sales = draws.LogUniform(0.3, 12);
  const double margin_class = draws.Uniform();
  traits.net_margin = margin_class < 0.15   ? draws.Uniform(-0.6, -0.02)
                      : margin_class < 0.50 ? draws.Uniform(0.0, 0.1)
                      : margin_class < 0.80 ? draws.Uniform(0.1, 0.2)
                                            : draws.Uniform(0.2, 0.4);
  traits.growth_percent = draws.Uniform(-8, 40);
  traits.gross_extra = draws.Uniform(0.15, 0.5);
  traits.book_to_sales = draws.LogUniform(0.15, 2.5);
  traits.debt_to_equity = draws.LogUniform(0.05, 3);
  traits.current_ratio = draws.LogUniform(0.6, 4);
  traits.cash_to_sales = draws.Uniform(0.05, 0.4);
  traits.ebit_extra = draws.Uniform(0.02, 0.1);
  traits.ebitda_extra = draws.Uniform(0.05, 0.2);
  traits.retained_share = draws.Uniform(-0.4, 0.5);
  traits.cash_conversion = draws.Uniform(0.6, 1.3);
  traits.current_share = draws.Uniform(0.1, 0.35);
  traits.valuation_bias = 0.2 * draws.Normal();
  traits.quality_bias = draws.Uniform(-0.2, 0.2);
  return traits;
}

// A company's trailing-twelve-month financials for one quarter, valued at one price.
struct Financials {
  double market_cap;
  double revenue;
  double net_income;
  double eps;
  std::optional<double> pe;   // NULL when EPS is zero.
  std::optional<double> peg;  // NULL when growth or P/E is.
  double net_margin;
  double gross_margin;
  double equity;
  double debt;
  double total_assets;
  double total_liabilities;
  double working_capital;
  double retained_earnings;
  double ebit;
  double ebitda;
  double enterprise_value;
  double free_cash_flow;
  double current_ratio;
  double altman_z;
  int64_t piotroski;
  double fair_value;
};

int64_t QuarterOf(Date date) {
  return static_cast<int64_t>(date.year()) * 4 + (date.month() - 1) / 3;
}

Financials ComputeFinancials(const SymbolSnapshot& snapshot, int64_t quarter) {
  const SymbolSpec& spec = *snapshot.spec;
  const Traits traits = TraitsOf(spec);
  // This quarter's figures wander around the company's character.
  DrawSequence noise(Hash(SubKey(spec.key, kTagQuarter), quarter));
  Financials f{};
  f.market_cap = snapshot.price * spec.shares_outstanding;
  f.revenue = spec.shares_outstanding * snapshot.quarter_trend_price / traits.price_to_sales;
  f.net_margin = traits.net_margin + 0.015 * noise.Normal();
  f.net_income = f.net_margin * f.revenue;
  f.eps = f.net_income / spec.shares_outstanding;
  if (f.eps != 0) f.pe = snapshot.price / f.eps;
  const double growth = traits.growth_percent + 4 * noise.Normal();
  if (f.pe && growth != 0) f.peg = *f.pe / growth;  // FMP: P/E over EPS growth in percent.
  f.gross_margin = std::clamp(f.net_margin + traits.gross_extra, 0.02, 0.95);
  f.equity = traits.book_to_sales * f.revenue;
  f.debt = traits.debt_to_equity * f.equity;
  // Current liabilities are a share of total assets: TA = equity + debt + share * TA.
  f.total_assets = (f.equity + f.debt) / (1 - traits.current_share);
  f.total_liabilities = f.total_assets - f.equity;
  const double current_liabilities = traits.current_share * f.total_assets;
  f.current_ratio = traits.current_ratio * std::exp(0.05 * noise.Normal());
  f.working_capital = (f.current_ratio - 1) * current_liabilities;
  f.retained_earnings = traits.retained_share * f.total_assets + 2 * f.net_income;
  f.ebit = (f.net_margin + traits.ebit_extra) * f.revenue;
  f.ebitda = (f.net_margin + traits.ebitda_extra) * f.revenue;
  f.enterprise_value = f.market_cap + f.debt - traits.cash_to_sales * f.revenue;
  f.free_cash_flow = traits.cash_conversion * f.net_income + 0.02 * f.revenue;
  // Altman's original Z-score, from the same figures the scores dataset reports.
  f.altman_z = 1.2 * f.working_capital / f.total_assets +
               1.4 * f.retained_earnings / f.total_assets + 3.3 * f.ebit / f.total_assets +
               0.6 * f.market_cap / f.total_liabilities + 1.0 * f.revenue / f.total_assets;
  // Nine pass/fail criteria, likelier to pass for profitable companies.
  const double pass =
      std::clamp(0.5 + traits.quality_bias + (f.net_margin > 0 ? 0.15 : -0.2), 0.05, 0.95);
  f.piotroski = 0;
  for (int criterion = 0; criterion < 9; ++criterion) f.piotroski += noise.Chance(pass) ? 1 : 0;
  // A DCF that thinks stocks above their trend are dear, within about +-50 % of the price.
  const double overpricing = std::log(snapshot.price / snapshot.trend_price);
  const double opinion =
      std::clamp(-0.6 * overpricing + traits.valuation_bias + 0.1 * noise.Normal(), -0.4, 0.4);
  f.fair_value = std::round(snapshot.price * std::exp(opinion) * 100) / 100;
  return f;
}

// FMP-style 1-to-5 scores, 5 the best.
int64_t ScoreAbove(double value, double t5, double t4, double t3, double t2) {
  return value > t5 ? 5 : value > t4 ? 4 : value > t3 ? 3 : value > t2 ? 2 : 1;
}
int64_t ScoreBelow(double value, double t5, double t4, double t3, double t2) {
  return value < t5 ? 5 : value < t4 ? 4 : value < t3 ? 3 : value < t2 ? 2 : 1;
}

struct Rating {
  std::string grade;
  int64_t overall, dcf, roe, roa, de, pe, pb;
};

Rating RatingOf(const Financials& f, double price) {
  Rating rating;
  rating.dcf = ScoreAbove((f.fair_value - price) / price, 0.3, 0.1, -0.1, -0.3);
  rating.roe = ScoreAbove(f.net_income / f.equity, 0.25, 0.15, 0.08, 0.0);
  rating.roa = ScoreAbove(f.net_income / f.total_assets, 0.12, 0.07, 0.03, 0.0);
  rating.de = ScoreBelow(f.debt / f.equity, 0.3, 0.7, 1.2, 2.0);
  rating.pe = !f.pe || *f.pe <= 0 ? 1 : ScoreBelow(*f.pe, 12, 18, 25, 40);
  rating.pb = ScoreBelow(f.market_cap / f.equity, 1, 2, 4, 8);
  const double mean = static_cast<double>(rating.dcf + rating.roe + rating.roa + rating.de +
                                          rating.pe + rating.pb) /
                      6;
  rating.overall = std::clamp<int64_t>(std::llround(mean), 1, 5);
  static constexpr std::pair<double, const char*> kGrades[] = {
      {4.6, "A+"}, {4.2, "A"}, {3.8, "A-"}, {3.4, "B+"}, {3.0, "B"}, {2.6, "B-"},
      {2.2, "C+"}, {1.8, "C"}, {1.4, "C-"}, {1.2, "D+"}, {1.1, "D"}};
  rating.grade = "D-";
  for (const auto& [threshold, grade] : kGrades) {
    if (mean >= threshold) {
      rating.grade = grade;
      break;
    }
  }
  return rating;
}

void AppendOptional(Column& column, std::optional<double> value) {
  if (value) {
    column.AppendDouble(*value);
  } else {
    column.AppendNull();
  }
}

}  // namespace

bool HasDataset(const SymbolSpec& spec, bool delisted, FundamentalsDataset dataset) {
  if (dataset == FundamentalsDataset::kProfiles) {
    if (spec.is_etf || delisted) return true;
  } else if (spec.is_etf || delisted) {
    return false;
  }
  const auto index = static_cast<size_t>(dataset);
  return UniformOpen(Hash(SubKey(spec.key, kTagMissing), static_cast<int64_t>(index))) >=
         kMissingRate[index];
}

bool NeedsBarHistory(FundamentalsDataset dataset) {
  return dataset == FundamentalsDataset::kProfiles;
}

Result<table::Table> BuildFundamentals(FundamentalsDataset dataset,
                                       const std::vector<SymbolSnapshot>& snapshots, Date as_of) {
  // Columns in schema order; each row below appends to them in that same order.
  std::vector<Column> columns;
  for (const FundamentalsColumn& spec : FundamentalsSchema(dataset)) {
    columns.emplace_back(std::string(spec.name), spec.type);
    columns.back().Reserve(snapshots.size());
  }
  const int64_t quarter = QuarterOf(as_of);
  for (const SymbolSnapshot& snapshot : snapshots) {
    const SymbolSpec& spec = *snapshot.spec;
    columns[0].AppendVarchar(spec.symbol);
    if (dataset == FundamentalsDataset::kProfiles) {
      columns[1].AppendVarchar(spec.company_name);
      columns[2].AppendVarchar(spec.exchange);
      columns[3].AppendVarchar(spec.sector);
      columns[4].AppendVarchar(spec.industry);
      columns[5].AppendVarchar("US");
      columns[6].AppendVarchar("USD");
      columns[7].AppendDouble(snapshot.price * spec.shares_outstanding);
      columns[8].AppendDouble(snapshot.price);
      columns[9].AppendDouble(std::round(spec.beta_market * 1000) / 1000);
      columns[10].AppendDouble(0);  // No dividends in the simulated market.
      columns[11].AppendBigint(snapshot.average_volume);
      columns[12].AppendVarchar(fmt::format("{}-{}", snapshot.low_52w, snapshot.high_52w));
      columns[13].AppendDate(snapshot.first_date);
      columns[14].AppendBoolean(spec.is_etf);
      columns[15].AppendBoolean(!snapshot.delisted);
      continue;
    }
    const Financials f = ComputeFinancials(snapshot, quarter);
    switch (dataset) {
      case FundamentalsDataset::kProfiles:
        break;  // Handled above.
      case FundamentalsDataset::kRatiosTtm:
        AppendOptional(columns[1], f.pe);
        AppendOptional(columns[2], f.peg);
        columns[3].AppendDouble(f.net_margin);
        columns[4].AppendDouble(f.gross_margin);
        columns[5].AppendDouble(f.market_cap / f.equity);
        columns[6].AppendDouble(f.debt / f.equity);
        columns[7].AppendDouble(f.current_ratio);
        columns[8].AppendDouble(0);  // No dividends.
        break;
      case FundamentalsDataset::kKeyMetricsTtm:
        columns[1].AppendDouble(f.market_cap);
        columns[2].AppendDouble(f.enterprise_value);
        columns[3].AppendDouble(f.enterprise_value / f.ebitda);
        columns[4].AppendDouble(f.net_income / f.equity);
        columns[5].AppendDouble(f.net_income / f.total_assets);
        columns[6].AppendDouble(f.eps / snapshot.price);
        columns[7].AppendDouble(f.free_cash_flow / f.market_cap);
        break;
      case FundamentalsDataset::kScores:
        columns[1].AppendDouble(f.altman_z);
        columns[2].AppendBigint(f.piotroski);
        columns[3].AppendDouble(f.working_capital);
        columns[4].AppendDouble(f.total_assets);
        columns[5].AppendDouble(f.retained_earnings);
        columns[6].AppendDouble(f.ebit);
        columns[7].AppendDouble(f.market_cap);
        columns[8].AppendDouble(f.total_liabilities);
        columns[9].AppendDouble(f.revenue);
        break;
      case FundamentalsDataset::kRatings: {
        const Rating rating = RatingOf(f, snapshot.price);
        columns[1].AppendDate(snapshot.price_date);
        columns[2].AppendVarchar(rating.grade);
        const int64_t scores[] = {rating.overall, rating.dcf, rating.roe, rating.roa,
                                  rating.de,      rating.pe,  rating.pb};
        for (size_t i = 0; i < std::size(scores); ++i) columns[3 + i].AppendBigint(scores[i]);
        break;
      }
      case FundamentalsDataset::kDcf:
        columns[1].AppendDate(snapshot.price_date);
        columns[2].AppendDouble(f.fair_value);
        columns[3].AppendDouble(snapshot.price);
        break;
    }
  }
  return table::Table::Make(std::move(columns));
}

}  // namespace tickerflow::sources::simulated_internal
