// The screener's category labels (design.md §3), one pure function each, and the parsing of
// FMP's 52-week range. MergeScreener computes the same labels in SQL from the same thresholds
// (labels_internal.h); a test checks that the two agree on every boundary.
//
//   MarketCapCategory(2.5e9);            // "Mid Cap"
//   MarketCapCategory(std::nullopt);     // nullopt: a missing input gives a missing label
//   PiotroskiScoreCategory(7);           // "Strong"
//   PriceFairValueDiff(110.0, 100.0);    // 0.1
//   ParsePriceRange("169.21-260.1");     // PriceRange{169.21, 260.1}
//
// Every bound is exclusive as design.md writes it ("< 300M" is "Micro Cap", so exactly 300M is
// "Small Cap"), except Piotroski's, which are inclusive ("<= 3" is "Weak"). NaN, like NULL,
// gives no label: the Python original put NaN in the top bucket ("Mega Cap", "Safe Zone").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tickerflow::screener {

/// market_cap_cat: < 300M "Micro Cap"; < 2B "Small Cap"; < 10B "Mid Cap"; < 50B "Large Cap";
/// else "Mega Cap".
std::optional<std::string_view> MarketCapCategory(std::optional<double> market_cap);

/// pe_ratio_cat: < 15 "Low PE"; < 30 "Moderate PE"; else "High PE".
std::optional<std::string_view> PeRatioCategory(std::optional<double> pe_ratio);

/// peg_ratio_cat: < 1 "Under 1"; < 2 "1 to 2"; else "Above 2".
std::optional<std::string_view> PegRatioCategory(std::optional<double> peg_ratio);

/// net_profit_margin_cat (a fraction): < 0 "Negative"; < 0.1 "Low (0-10%)"; < 0.2
/// "Moderate (10-20%)"; else "High (20%+)".
std::optional<std::string_view> NetProfitMarginCategory(std::optional<double> margin);

/// altman_z_score_cat: < 1.8 "Distress Zone"; < 3 "Grey Zone"; else "Safe Zone".
std::optional<std::string_view> AltmanZScoreCategory(std::optional<double> z_score);

/// piotroski_score_cat: <= 3 "Weak"; <= 6 "Moderate"; else "Strong".
std::optional<std::string_view> PiotroskiScoreCategory(std::optional<int64_t> score);

/// price_fair_value_diff_perc: (price - fair_value) / fair_value, a fraction (0.1 is 10 %
/// above). nullopt unless both are finite and fair_value > 0.
std::optional<double> PriceFairValueDiff(std::optional<double> price,
                                         std::optional<double> fair_value);

/// price_fair_value_cat from PriceFairValueDiff: |diff| < 0.1 "Fairly Valued"; diff < 0 (price
/// below fair value) "Undervalued"; else "Overvalued".
std::optional<std::string_view> PriceFairValueCategory(std::optional<double> diff);

/// The two halves of FMP's `range`.
struct PriceRange {
  double low = 0;
  double high = 0;

  friend bool operator==(const PriceRange&, const PriceRange&) = default;
};

/// Parses FMP's 52-week range "low-high" ("169.21-260.1"; spaces around either number are
/// allowed). The separator is the first '-' after the first number, so a leading '-' belongs to
/// the low ("-5-10" is -5 to 10) and one after the separator to the high ("5--10" is 5 to -10);
/// a '-' in an exponent ("1e-5") is part of its number. nullopt when the text is not exactly
/// two finite numbers so separated (empty, one number, "abc", "1-2-3", "nan-1", "+1-2").
/// Prices cannot be negative, but a sign is read rather than misread as the separator.
std::optional<PriceRange> ParsePriceRange(std::string_view range);

}  // namespace tickerflow::screener
