#include <cmath>
#include <numbers>

#include "sources/simulated/random_internal.h"

namespace tickerflow::sources::simulated_internal {

FastNormal::FastNormal() {
  constexpr double kSqrt2Pi = 2.5066282746310002;
  for (int i = 1; i < kBuckets; ++i) {
    const double p = static_cast<double>(i) / kBuckets;
    // One Halley step on Acklam's approximation gives full double precision.
    double x = InverseNormal(p);
    const double error = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
    const double u = error * kSqrt2Pi * std::exp(x * x / 2);
    x -= u / (1 + x * u / 2);
    quantiles_[i] = x;
  }
  // The outer buckets are uniform on [end, q1]; their mean (end + q1) / 2 is set to the tail's
  // conditional mean E[Z | Z < q1] = -pdf(q1) / cdf(q1).
  const double q1 = quantiles_[1];
  const double tail_mean = -std::exp(-q1 * q1 / 2) / kSqrt2Pi * kBuckets;
  quantiles_[0] = 2 * tail_mean - q1;
  quantiles_[kBuckets] = -quantiles_[0];
}

const FastNormal& FastNormal::Get() {
  static const FastNormal kTable;
  return kTable;
}

}  // namespace tickerflow::sources::simulated_internal
