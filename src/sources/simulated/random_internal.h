// Counter-based randomness for the simulated market (internal). Every draw is a pure function of
// a 64-bit key and a counter (usually a date), so any value can be recomputed in any order, on
// any thread, without state: that is what makes a bar independent of the range it was asked in.
//
//   const uint64_t key = SubKey(seed, kTagMarket);
//   const double z = InverseNormal(UniformOpen(Hash(key, date.days_since_epoch())));
#pragma once

#include <cmath>
#include <cstdint>

namespace tickerflow::sources::simulated_internal {

/// The splitmix64 increment (2^64 / golden ratio).
inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

/// splitmix64's output function: a bijective avalanche of all 64 bits.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The `counter`th output of the splitmix64 sequence started at `key`.
constexpr uint64_t Hash(uint64_t key, int64_t counter) {
  return Mix64(key + (static_cast<uint64_t>(counter) + 1) * kGolden);
}

/// An independent key for the stream `tag` under `key` (a symbol's key, a dataset, ...).
constexpr uint64_t SubKey(uint64_t key, uint64_t tag) { return Mix64(key ^ Mix64(tag * kGolden)); }

/// A uniform double in (0, 1) from the top 52 bits; never 0 or 1, so logs and quantiles exist.
/// (With 53 bits the largest value, 1 - 2^-54, would round to 1.)
inline double UniformOpen(uint64_t bits) {
  return (static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52;
}

/// A uniform double in (0, 1) from 32 bits.
inline double UniformOpen32(uint32_t bits) { return (static_cast<double>(bits) + 0.5) * 0x1.0p-32; }

/// The standard normal quantile of p in (0, 1): Acklam's rational approximation (relative error
/// below 1.2e-9), cheap enough for the ~10^8 draws of a whole-market query.
inline double InverseNormal(double p) {
  constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                           1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                           6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                           -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                           3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (p > kLow && p < 1 - kLow) {
    const double q = p - 0.5;
    const double r = q * q;
    return (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
           (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
  }
  const double tail = p <= kLow ? p : 1 - p;
  const double q = std::sqrt(-2 * std::log(tail));
  const double x = (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
                   ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
  return p <= kLow ? x : -x;
}

/// A standard normal from 32 random bits, fast: the quantile function interpolated linearly
/// between its values at the edges of 2048 equally likely buckets (InverseNormal refined to
/// double precision). No division or branch, a few ns. Quantiles are within 1e-3 of the exact
/// ones between the 0.5th and 99.5th percentiles and within 1e-2 further out; the two outermost
/// buckets (probability 1/2048 each) spread uniformly to an end point chosen so that their
/// means match the tails' conditional means.
class FastNormal {
 public:
  /// The table, built once (thread-safe static initialisation).
  static const FastNormal& Get();

  /// The normal deviate for `bits`.
  double operator()(uint32_t bits) const {
    const uint32_t bucket = bits >> kFractionBits;
    const double fraction =
        static_cast<double>(bits & ((1U << kFractionBits) - 1)) * (1.0 / (1U << kFractionBits));
    return quantiles_[bucket] + fraction * (quantiles_[bucket + 1] - quantiles_[bucket]);
  }

 private:
  static constexpr int kBucketBits = 11;
  static constexpr int kFractionBits = 32 - kBucketBits;
  static constexpr int kBuckets = 1 << kBucketBits;

  FastNormal();

  double quantiles_[kBuckets + 1];
};

/// The high 32 bits of `bits`.
constexpr uint32_t High32(uint64_t bits) { return static_cast<uint32_t>(bits >> 32); }
/// The low 32 bits of `bits`.
constexpr uint32_t Low32(uint64_t bits) { return static_cast<uint32_t>(bits); }

/// Draws taken one after another from one key, for the construction-time choices of a symbol
/// (its name, sector, dates). Local and sequential, hence deterministic.
class DrawSequence {
 public:
  /// Draws from the stream of `key`.
  explicit DrawSequence(uint64_t key) : key_(key) {}

  /// The next 64 random bits.
  uint64_t Bits() { return Hash(key_, counter_++); }
  /// Uniform in (0, 1).
  double Uniform() { return UniformOpen(Bits()); }
  /// Uniform in (lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  /// Log-uniform in (lo, hi), both > 0.
  double LogUniform(double lo, double hi) { return std::exp(Uniform(std::log(lo), std::log(hi))); }
  /// Standard normal.
  double Normal() { return InverseNormal(Uniform()); }
  /// Uniform integer in [0, n), n > 0.
  int Below(int n) { return static_cast<int>(Bits() % static_cast<uint64_t>(n)); }
  /// True with probability p.
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t key_;
  int64_t counter_ = 0;
};

}  // namespace tickerflow::sources::simulated_internal
