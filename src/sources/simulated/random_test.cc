#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>

#include "sources/simulated/random_internal.h"

namespace tickerflow::sources::simulated_internal {
namespace {

TEST(RandomTest, InverseNormalMatchesKnownQuantiles) {
  EXPECT_NEAR(InverseNormal(0.5), 0.0, 1e-9);
  EXPECT_NEAR(InverseNormal(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(InverseNormal(0.025), -1.959963984540054, 1e-8);
  EXPECT_NEAR(InverseNormal(0.8413447460685429), 1.0, 1e-8);
  EXPECT_NEAR(InverseNormal(1e-6), -4.753424308822899, 1e-6);  // Lower tail branch.
  EXPECT_NEAR(InverseNormal(0.999), 3.090232306167813, 1e-7);  // Upper tail branch.
}

TEST(RandomTest, FastNormalIsCloseToTheQuantileFunction) {
  const FastNormal& normal = FastNormal::Get();
  // Inside the outer buckets, linear interpolation between exact quantiles.
  for (const double p : {0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999}) {
    const auto bits = static_cast<uint32_t>(p * 4294967296.0);
    // The quantile function curves most in the tails, where the buckets' chords stray most.
    EXPECT_NEAR(normal(bits), InverseNormal(p), p > 0.005 && p < 0.995 ? 1e-3 : 1e-2) << p;
  }
  EXPECT_NEAR(normal(0x80000000U), 0.0, 1e-12);
  // The extremes stay finite and symmetric.
  EXPECT_LT(normal(0), -3.5);
  EXPECT_GT(normal(0), -4.5);
  EXPECT_NEAR(normal(0xFFFFFFFFU), -normal(0), 1e-3);
}

TEST(RandomTest, FastNormalHasStandardMoments) {
  const FastNormal& normal = FastNormal::Get();
  // Hashed inputs, as the simulation draws them.
  constexpr int kDraws = 1'000'000;
  double sum = 0;
  double sum_squares = 0;
  double sum_fourth = 0;
  int beyond_196 = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double z = normal(High32(Hash(/*key=*/12345, i)));
    sum += z;
    sum_squares += z * z;
    sum_fourth += z * z * z * z;
    if (std::fabs(z) > 1.959964) ++beyond_196;
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 0.005);
  EXPECT_NEAR(sum_squares / kDraws, 1.0, 0.005);
  EXPECT_NEAR(sum_fourth / kDraws, 3.0, 0.05);  // Normal kurtosis.
  EXPECT_NEAR(static_cast<double>(beyond_196) / kDraws, 0.05, 0.002);
}

TEST(RandomTest, HashIsAPureFunctionOfKeyAndCounter) {
  EXPECT_EQ(Hash(1, 2), Hash(1, 2));
  EXPECT_NE(Hash(1, 2), Hash(1, 3));
  EXPECT_NE(Hash(1, 2), Hash(2, 2));
  EXPECT_NE(SubKey(1, 7), SubKey(1, 8));
  std::set<uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) seen.insert(Hash(SubKey(99, 1), i));
  EXPECT_EQ(seen.size(), 10'000u);
  // Uniforms stay strictly inside (0, 1).
  EXPECT_GT(UniformOpen(0), 0.0);
  EXPECT_LT(UniformOpen(~uint64_t{0}), 1.0);
  EXPECT_GT(UniformOpen32(0), 0.0);
  EXPECT_LT(UniformOpen32(0xFFFFFFFFU), 1.0);
}

TEST(RandomTest, DrawSequenceRepeatsForTheSameKey) {
  DrawSequence a(5);
  DrawSequence b(5);
  for (int i = 0; i < 100; ++i) {
    const int below = a.Below(7);
    EXPECT_EQ(below, b.Below(7));
    EXPECT_GE(below, 0);
    EXPECT_LT(below, 7);
    const double u = a.Uniform(2, 3);
    EXPECT_EQ(u, b.Uniform(2, 3));
    EXPECT_GT(u, 2);
    EXPECT_LT(u, 3);
  }
}

}  // namespace
}  // namespace tickerflow::sources::simulated_internal
