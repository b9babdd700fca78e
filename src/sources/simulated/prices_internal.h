// The simulated market's prices (internal): shared market and sector factors, and each
// symbol's bars computed from its listing on, so a bar never depends on the range asked for.
//
//   const PriceModel prices(/*seed=*/1, sessions);
//   std::vector<Bar> bars;
//   prices.AppendBars(spec, from_session, to_session, BarRevision{}, &bars);
#pragma once

#include <cstdint>
#include <vector>

#include "sources/simulated/random_internal.h"
#include "sources/simulated/universe_internal.h"
#include "sources/source.h"

namespace tickerflow::sources::simulated_internal {

/// Which bars are preliminary: those of the last `sessions` sessions up to `as_of_session`.
/// The default revises nothing.
struct BarRevision {
  int32_t as_of_session = 0;
  int sessions = 0;
};

/// Factor series for every session of the horizon, and the bar generator.
class PriceModel {
 public:
  /// Precomputes the market and sector factors of `seed` (a few MB, a few ms). `sessions` must
  /// outlive the model.
  PriceModel(uint64_t seed, const Sessions& sessions);

  /// Appends `spec`'s bars for sessions from <= s <= to within its life, ascending. Bars in
  /// `revision`'s window carry preliminary values (close, high, low, vwap, volume).
  void AppendBars(const SymbolSpec& spec, int32_t from, int32_t to, BarRevision revision,
                  std::vector<Bar>* bars) const;

  /// The log of `spec`'s trend price at session `s`: the price its fundamentals track.
  double LogTrend(const SymbolSpec& spec, int32_t s) const {
    return spec.log_trend_ref + spec.trend_growth * static_cast<double>(s - reference_session_);
  }

 private:
  // The per-symbol streams a bar draws from, derived once per request.
  struct BarKeys {
    uint64_t jump;    // Jump sizes (path).
    uint64_t shape;   // Open and high.
    uint64_t extra;   // Low and VWAP.
    uint64_t volume;  // Volume.
  };

  // The deviation from the trend at session `s`, from the one at s - 1.
  double Advance(const SymbolSpec& spec, const BarKeys& keys, const double* sector, int32_t s,
                 double x, bool* jumped) const;
  // The bar of session `s` from the previous close, the log return to this one, and this one.
  Bar MakeBar(const SymbolSpec& spec, const BarKeys& keys, int32_t s, double previous_close,
              double log_return, double close, bool jumped) const;
  // Turns a final bar into the preliminary one a vendor shows before its revision.
  void MakePreliminary(const SymbolSpec& spec, int32_t as_of_session, Bar* bar) const;

  const Sessions& sessions_;
  const FastNormal& normal_;
  int32_t reference_session_;
  std::vector<int64_t> day_numbers_;  // days_since_epoch of each session: the draws' counter.
  std::vector<double> market_;        // Market factor shock per session.
  std::vector<double> sector_;        // kNumSectors rows of sector factor shocks per session.
};

}  // namespace tickerflow::sources::simulated_internal
