#include "screener/labels.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "common/csv.h"
#include "screener/labels_internal.h"
#include "table/database.h"

namespace tickerflow::screener {
namespace internal {
namespace {

constexpr LabelStep kMarketCapSteps[] = {
    {300e6, "Micro Cap"}, {2e9, "Small Cap"}, {10e9, "Mid Cap"}, {50e9, "Large Cap"}};
constexpr LabelStep kPeRatioSteps[] = {{15, "Low PE"}, {30, "Moderate PE"}};
constexpr LabelStep kPegRatioSteps[] = {{1, "Under 1"}, {2, "1 to 2"}};
constexpr LabelStep kNetProfitMarginSteps[] = {
    {0, "Negative"}, {0.1, "Low (0-10%)"}, {0.2, "Moderate (10-20%)"}};
constexpr LabelStep kAltmanZScoreSteps[] = {{1.8, "Distress Zone"}, {3, "Grey Zone"}};
constexpr LabelStep kPiotroskiScoreSteps[] = {{3, "Weak"}, {6, "Moderate"}};

// A double as SQL that DuckDB reads back as exactly that double: shortest round-trip text,
// parsed from a string (a bare 0.1 would be a DECIMAL first).
std::string DoubleSql(double value) {
  return fmt::format("CAST('{}' AS DOUBLE)", FormatDouble(value));
}

}  // namespace

const LabelScale& MarketCapScale() {
  static const LabelScale kScale{kMarketCapSteps, "Mega Cap"};
  return kScale;
}
const LabelScale& PeRatioScale() {
  static const LabelScale kScale{kPeRatioSteps, "High PE"};
  return kScale;
}
const LabelScale& PegRatioScale() {
  static const LabelScale kScale{kPegRatioSteps, "Above 2"};
  return kScale;
}
const LabelScale& NetProfitMarginScale() {
  static const LabelScale kScale{kNetProfitMarginSteps, "High (20%+)"};
  return kScale;
}
const LabelScale& AltmanZScoreScale() {
  static const LabelScale kScale{kAltmanZScoreSteps, "Safe Zone"};
  return kScale;
}
const LabelScale& PiotroskiScoreScale() {
  static const LabelScale kScale{kPiotroskiScoreSteps, "Strong", /*inclusive=*/true};
  return kScale;
}

std::string LabelSql(const LabelScale& scale, std::string_view value) {
  std::string sql = fmt::format("CASE WHEN ({0}) IS NULL OR isnan({0}) THEN NULL", value);
  for (const LabelStep& step : scale.steps) {
    sql += fmt::format(" WHEN ({}) {} {} THEN {}", value, scale.inclusive ? "<=" : "<",
                       DoubleSql(step.bound), table::QuoteLiteral(step.label));
  }
  sql += fmt::format(" ELSE {} END", table::QuoteLiteral(scale.top));
  return sql;
}

std::string PriceFairValueDiffSql(std::string_view price, std::string_view fair_value) {
  return fmt::format(
      "CASE WHEN isfinite({0}) AND isfinite({1}) AND ({1}) > 0 THEN (({0}) - ({1})) / ({1}) END",
      price, fair_value);
}

std::string PriceFairValueCategorySql(std::string_view diff) {
  return fmt::format(
      "CASE WHEN ({0}) IS NULL OR isnan({0}) THEN NULL WHEN abs({0}) < {1} THEN {2} "
      "WHEN ({0}) < 0 THEN {3} ELSE {4} END",
      diff, DoubleSql(kFairlyValuedBand), table::QuoteLiteral(kFairlyValued),
      table::QuoteLiteral(kUndervalued), table::QuoteLiteral(kOvervalued));
}

}  // namespace internal

namespace {

std::optional<std::string_view> Classify(const internal::LabelScale& scale,
                                         std::optional<double> value) {
  if (!value.has_value() || std::isnan(*value)) return std::nullopt;
  for (const internal::LabelStep& step : scale.steps) {
    if (scale.inclusive ? *value <= step.bound : *value < step.bound) return step.label;
  }
  return scale.top;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string_view> MarketCapCategory(std::optional<double> market_cap) {
  return Classify(internal::MarketCapScale(), market_cap);
}

std::optional<std::string_view> PeRatioCategory(std::optional<double> pe_ratio) {
  return Classify(internal::PeRatioScale(), pe_ratio);
}

std::optional<std::string_view> PegRatioCategory(std::optional<double> peg_ratio) {
  return Classify(internal::PegRatioScale(), peg_ratio);
}

std::optional<std::string_view> NetProfitMarginCategory(std::optional<double> margin) {
  return Classify(internal::NetProfitMarginScale(), margin);
}

std::optional<std::string_view> AltmanZScoreCategory(std::optional<double> z_score) {
  return Classify(internal::AltmanZScoreScale(), z_score);
}

std::optional<std::string_view> PiotroskiScoreCategory(std::optional<int64_t> score) {
  if (!score.has_value()) return std::nullopt;
  return Classify(internal::PiotroskiScoreScale(), static_cast<double>(*score));
}

std::optional<double> PriceFairValueDiff(std::optional<double> price,
                                         std::optional<double> fair_value) {
  if (!price.has_value() || !fair_value.has_value() || !std::isfinite(*price) ||
      !std::isfinite(*fair_value) || !(*fair_value > 0)) {
    return std::nullopt;
  }
  return (*price - *fair_value) / *fair_value;
}

std::optional<std::string_view> PriceFairValueCategory(std::optional<double> diff) {
  if (!diff.has_value() || std::isnan(*diff)) return std::nullopt;
  if (std::abs(*diff) < internal::kFairlyValuedBand) return internal::kFairlyValued;
  return *diff < 0 ? internal::kUndervalued : internal::kOvervalued;
}

std::optional<PriceRange> ParsePriceRange(std::string_view range) {
  const std::string_view text = Trim(range);
  // The separator: the first '-' whose previous non-space character is a digit or a '.' (so
  // not a leading sign, and not the sign of an exponent, which follows 'e').
  size_t separator = std::string_view::npos;
  char previous = '\0';
  for (size_t i = 0; i < text.size() && separator == std::string_view::npos; ++i) {
    if (text[i] == '-' && (IsDigit(previous) || previous == '.')) separator = i;
    if (!IsSpace(text[i])) previous = text[i];
  }
  if (separator == std::string_view::npos) return std::nullopt;
  const Result<double> low = ParseDouble(Trim(text.substr(0, separator)));
  const Result<double> high = ParseDouble(Trim(text.substr(separator + 1)));
  if (!low.ok() || !high.ok()) return std::nullopt;
  return PriceRange{*low, *high};
}

}  // namespace tickerflow::screener
