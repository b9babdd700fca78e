#include "screener/labels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace tickerflow::screener {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The largest double below `value`.
double Below(double value) { return std::nextafter(value, -kInf); }

std::optional<std::string> S(std::optional<std::string_view> label) {
  return label ? std::optional<std::string>(*label) : std::nullopt;
}

TEST(LabelsTest, MarketCapBoundariesBelongToTheUpperBucket) {
  EXPECT_EQ(S(MarketCapCategory(0.0)), "Micro Cap");
  EXPECT_EQ(S(MarketCapCategory(Below(300e6))), "Micro Cap");
  EXPECT_EQ(S(MarketCapCategory(300e6)), "Small Cap");
  EXPECT_EQ(S(MarketCapCategory(Below(2e9))), "Small Cap");
  EXPECT_EQ(S(MarketCapCategory(2e9)), "Mid Cap");
  EXPECT_EQ(S(MarketCapCategory(Below(10e9))), "Mid Cap");
  EXPECT_EQ(S(MarketCapCategory(10e9)), "Large Cap");
  EXPECT_EQ(S(MarketCapCategory(Below(50e9))), "Large Cap");
  EXPECT_EQ(S(MarketCapCategory(50e9)), "Mega Cap");
  EXPECT_EQ(S(MarketCapCategory(3e12)), "Mega Cap");
  EXPECT_EQ(S(MarketCapCategory(kInf)), "Mega Cap");
  EXPECT_EQ(S(MarketCapCategory(-1.0)), "Micro Cap");
  EXPECT_EQ(MarketCapCategory(std::nullopt), std::nullopt);
  // The original put NaN into the top bucket; a missing value has no label.
  EXPECT_EQ(MarketCapCategory(kNan), std::nullopt);
}

TEST(LabelsTest, PeAndPegRatios) {
  EXPECT_EQ(S(PeRatioCategory(-5.0)), "Low PE");
  EXPECT_EQ(S(PeRatioCategory(Below(15))), "Low PE");
  EXPECT_EQ(S(PeRatioCategory(15.0)), "Moderate PE");
  EXPECT_EQ(S(PeRatioCategory(Below(30))), "Moderate PE");
  EXPECT_EQ(S(PeRatioCategory(30.0)), "High PE");
  EXPECT_EQ(PeRatioCategory(std::nullopt), std::nullopt);
  EXPECT_EQ(PeRatioCategory(kNan), std::nullopt);

  EXPECT_EQ(S(PegRatioCategory(Below(1))), "Under 1");
  EXPECT_EQ(S(PegRatioCategory(1.0)), "1 to 2");
  EXPECT_EQ(S(PegRatioCategory(Below(2))), "1 to 2");
  EXPECT_EQ(S(PegRatioCategory(2.0)), "Above 2");
  EXPECT_EQ(S(PegRatioCategory(-0.5)), "Under 1");
  EXPECT_EQ(PegRatioCategory(kNan), std::nullopt);
}

TEST(LabelsTest, NetProfitMargin) {
  EXPECT_EQ(S(NetProfitMarginCategory(-0.3)), "Negative");
  EXPECT_EQ(S(NetProfitMarginCategory(Below(0))), "Negative");
  EXPECT_EQ(S(NetProfitMarginCategory(0.0)), "Low (0-10%)");
  EXPECT_EQ(S(NetProfitMarginCategory(-0.0)), "Low (0-10%)");
  EXPECT_EQ(S(NetProfitMarginCategory(Below(0.1))), "Low (0-10%)");
  EXPECT_EQ(S(NetProfitMarginCategory(0.1)), "Moderate (10-20%)");
  EXPECT_EQ(S(NetProfitMarginCategory(Below(0.2))), "Moderate (10-20%)");
  EXPECT_EQ(S(NetProfitMarginCategory(0.2)), "High (20%+)");
  EXPECT_EQ(NetProfitMarginCategory(std::nullopt), std::nullopt);
}

TEST(LabelsTest, AltmanZScore) {
  EXPECT_EQ(S(AltmanZScoreCategory(Below(1.8))), "Distress Zone");
  EXPECT_EQ(S(AltmanZScoreCategory(1.8)), "Grey Zone");
  EXPECT_EQ(S(AltmanZScoreCategory(Below(3))), "Grey Zone");
  EXPECT_EQ(S(AltmanZScoreCategory(3.0)), "Safe Zone");
  EXPECT_EQ(S(AltmanZScoreCategory(-2.0)), "Distress Zone");
  EXPECT_EQ(AltmanZScoreCategory(kNan), std::nullopt);
  EXPECT_EQ(AltmanZScoreCategory(std::nullopt), std::nullopt);
}

TEST(LabelsTest, PiotroskiBoundsAreInclusive) {
  EXPECT_EQ(S(PiotroskiScoreCategory(0)), "Weak");
  EXPECT_EQ(S(PiotroskiScoreCategory(3)), "Weak");
  EXPECT_EQ(S(PiotroskiScoreCategory(4)), "Moderate");
  EXPECT_EQ(S(PiotroskiScoreCategory(6)), "Moderate");
  EXPECT_EQ(S(PiotroskiScoreCategory(7)), "Strong");
  EXPECT_EQ(S(PiotroskiScoreCategory(9)), "Strong");
  EXPECT_EQ(PiotroskiScoreCategory(std::nullopt), std::nullopt);
}

TEST(LabelsTest, PriceFairValue) {
  EXPECT_EQ(PriceFairValueDiff(110.0, 100.0), 0.1);
  EXPECT_EQ(PriceFairValueDiff(90.0, 100.0), -0.1);
  EXPECT_EQ(PriceFairValueDiff(100.0, 100.0), 0.0);
  EXPECT_EQ(PriceFairValueDiff(std::nullopt, 100.0), std::nullopt);
  EXPECT_EQ(PriceFairValueDiff(100.0, std::nullopt), std::nullopt);
  EXPECT_EQ(PriceFairValueDiff(100.0, 0.0), std::nullopt);
  EXPECT_EQ(PriceFairValueDiff(100.0, -5.0), std::nullopt);
  EXPECT_EQ(PriceFairValueDiff(100.0, kNan), std::nullopt);
  EXPECT_EQ(PriceFairValueDiff(kInf, 100.0), std::nullopt);

  // |diff| of exactly 0.1 is not "Fairly Valued".
  EXPECT_EQ(S(PriceFairValueCategory(0.1)), "Overvalued");
  EXPECT_EQ(S(PriceFairValueCategory(-0.1)), "Undervalued");
  EXPECT_EQ(S(PriceFairValueCategory(Below(0.1))), "Fairly Valued");
  EXPECT_EQ(S(PriceFairValueCategory(-Below(0.1))), "Fairly Valued");
  EXPECT_EQ(S(PriceFairValueCategory(0.0)), "Fairly Valued");
  EXPECT_EQ(S(PriceFairValueCategory(2.5)), "Overvalued");
  EXPECT_EQ(S(PriceFairValueCategory(-0.7)), "Undervalued");
  EXPECT_EQ(PriceFairValueCategory(std::nullopt), std::nullopt);
  EXPECT_EQ(PriceFairValueCategory(kNan), std::nullopt);
  // Through the diff: 110 against 100 is exactly 10 % above.
  EXPECT_EQ(S(PriceFairValueCategory(PriceFairValueDiff(110.0, 100.0))), "Overvalued");
  EXPECT_EQ(S(PriceFairValueCategory(PriceFairValueDiff(105.0, 100.0))), "Fairly Valued");
  EXPECT_EQ(S(PriceFairValueCategory(PriceFairValueDiff(80.0, 100.0))), "Undervalued");
}

TEST(LabelsTest, ParsePriceRange) {
  EXPECT_EQ(ParsePriceRange("169.21-260.1"), (PriceRange{169.21, 260.1}));
  EXPECT_EQ(ParsePriceRange("169.21 - 260.1"), (PriceRange{169.21, 260.1}));
  EXPECT_EQ(ParsePriceRange(" 0.5-1 "), (PriceRange{0.5, 1}));
  EXPECT_EQ(ParsePriceRange("12-12"), (PriceRange{12, 12}));
  EXPECT_EQ(ParsePriceRange("1.-2."), (PriceRange{1, 2}));
  // A leading '-' is the low's sign, a '-' after the separator the high's, and one in an
  // exponent part of its number.
  EXPECT_EQ(ParsePriceRange("-5.5-10"), (PriceRange{-5.5, 10}));
  EXPECT_EQ(ParsePriceRange("5--10"), (PriceRange{5, -10}));
  EXPECT_EQ(ParsePriceRange("-5--1"), (PriceRange{-5, -1}));
  EXPECT_EQ(ParsePriceRange("1e-5-2e3"), (PriceRange{1e-5, 2e3}));
  for (const char* bad :
       {"", " ", "-", "--", "169.21", "169.21-", "-169.21", "abc", "a-b", "1-2-3", "nan-1", "1-inf",
        "+1-2", "1-+2", "1,5-2", "1 2-3", "1e999-2", "169.21–260.1"}) {
    EXPECT_EQ(ParsePriceRange(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace tickerflow::screener
