// Internal to src/screener: the label thresholds as data, shared by the C++ label functions
// (labels.h) and the SQL that MergeScreener runs, so that the two cannot drift apart.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tickerflow::screener::internal {

/// One step of a scale: values below `bound` (or at it, when `inclusive`) get `label`.
struct LabelStep {
  double bound;
  std::string_view label;
};

/// A category scale: the first step that the value falls under gives the label, else `top`.
struct LabelScale {
  std::span<const LabelStep> steps;
  std::string_view top;
  bool inclusive = false;  ///< "<=" instead of "<" (Piotroski's scale).
};

/// The scales of labels.h.
const LabelScale& MarketCapScale();
const LabelScale& PeRatioScale();
const LabelScale& PegRatioScale();
const LabelScale& NetProfitMarginScale();
const LabelScale& AltmanZScoreScale();
const LabelScale& PiotroskiScoreScale();

/// The |diff| below which a price is "Fairly Valued", and the three labels.
inline constexpr double kFairlyValuedBand = 0.1;
inline constexpr std::string_view kFairlyValued = "Fairly Valued";
inline constexpr std::string_view kUndervalued = "Undervalued";
inline constexpr std::string_view kOvervalued = "Overvalued";

/// A SQL CASE expression giving `scale`'s label for the SQL expression `value`: NULL for NULL
/// or NaN, as the C++ functions. Thresholds are written as exact double literals.
std::string LabelSql(const LabelScale& scale, std::string_view value);

/// SQL for PriceFairValueDiff(price, fair_value) and for PriceFairValueCategory(diff).
std::string PriceFairValueDiffSql(std::string_view price, std::string_view fair_value);
std::string PriceFairValueCategorySql(std::string_view diff);

}  // namespace tickerflow::screener::internal
