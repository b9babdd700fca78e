#include <algorithm>
#include <cmath>
#include <cstdint>

#include "sources/simulated/prices_internal.h"
#include "sources/simulated/random_internal.h"

namespace tickerflow::sources::simulated_internal {
namespace {

// Stream tags.
constexpr uint64_t kTagMarket = 0x6d6b74;         // "mkt"
constexpr uint64_t kTagSector = 0x736563;         // "sec"
constexpr uint64_t kTagRegime = 0x726567;         // "reg"
constexpr uint64_t kTagJump = 0x6a6d70;           // "jmp"
constexpr uint64_t kTagBar = 0x626172;            // "bar"
constexpr uint64_t kTagBarExtra = 0x62617232;     // "bar2"
constexpr uint64_t kTagVolume = 0x766f6c;         // "vol"
constexpr uint64_t kTagPreliminary = 0x70726c6d;  // "prlm"

// Volatility regimes change monthly: a log-normal multiplier with this spread.
constexpr double kRegimeSpread = 0.3;

// Prices are quoted in cents, like a vendor's; never below one cent. llrint rounds to nearest
// (ties to even) and, with -fno-math-errno, compiles to one instruction.
int64_t Cents(double price) { return std::max<int64_t>(1, std::llrint(price * 100)); }
double RoundCents(double price) { return static_cast<double>(Cents(price)) / 100; }

// exp(x) for |x| <= 0.5 by its Taylor series to x^6 (relative error below 3e-6, far below a
// cent's worth): a third of the cost of std::exp, for the opening gap.
double ExpSmall(double x) {
  return 1 + x * (1 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x / 720)))));
}

// One factor's daily shocks: normal draws of the stream `key` scaled by `sigma` and by a
// volatility regime that changes monthly (a log-normal multiplier from the stream's
// `regime_key`), so that volatility clusters as in real markets.
void FillFactor(const FastNormal& normal, uint64_t key, double sigma,
                const std::vector<int64_t>& day_numbers, const std::vector<int64_t>& months,
                double* shocks) {
  const uint64_t regime_key = SubKey(key, kTagRegime);
  int64_t month = -1;
  double regime = 0;
  for (size_t s = 0; s < day_numbers.size(); ++s) {
    if (months[s] != month) {
      month = months[s];
      regime = std::exp(kRegimeSpread * normal(High32(Hash(regime_key, month))) -
                        kRegimeSpread * kRegimeSpread / 2);
    }
    shocks[s] = sigma * regime * normal(High32(Hash(key, day_numbers[s])));
  }
}

}  // namespace

PriceModel::PriceModel(uint64_t seed, const Sessions& sessions)
    : sessions_(sessions),
      normal_(FastNormal::Get()),
      reference_session_(sessions.IndexOnOrAfter(TrendReferenceDate())),
      day_numbers_(static_cast<size_t>(sessions.size())),
      market_(static_cast<size_t>(sessions.size())),
      sector_(static_cast<size_t>(sessions.size()) * kNumSectors) {
  const auto n = static_cast<size_t>(sessions.size());
  std::vector<int64_t> months(n);
  for (size_t s = 0; s < n; ++s) {
    const Date date = sessions.date(static_cast<int32_t>(s));
    day_numbers_[s] = date.days_since_epoch();
    months[s] = static_cast<int64_t>(date.year()) * 12 + date.month();
  }
  FillFactor(normal_, SubKey(seed, kTagMarket), kMarketSigma, day_numbers_, months, market_.data());
  for (size_t k = 0; k < kNumSectors; ++k) {
    FillFactor(normal_, SubKey(SubKey(seed, kTagSector), k), kSectorSigma, day_numbers_, months,
               &sector_[k * n]);
  }
}

double PriceModel::Advance(const SymbolSpec& spec, const BarKeys& keys, const double* sector,
                           int32_t s, double x, bool* jumped) const {
  const auto i = static_cast<size_t>(s);
  const uint64_t bits = Hash(spec.path_key, day_numbers_[i]);
  double shock = spec.beta_market * market_[i] + spec.beta_sector * sector[i] +
                 spec.sigma * normal_(High32(bits));
  // The low 11 bits are independent of the high 32 the normal used: a coin for a jump.
  *jumped = (bits & 0x7FF) < spec.jump_threshold;
  if (*jumped) shock += spec.jump_sigma * normal_(High32(Hash(keys.jump, day_numbers_[i])));
  return spec.phi * x + shock;
}

Bar PriceModel::MakeBar(const SymbolSpec& spec, const BarKeys& keys, int32_t s,
                        double previous_close, double log_return, double close, bool jumped) const {
  const int64_t day = day_numbers_[static_cast<size_t>(s)];
  const uint64_t shape = Hash(keys.shape, day);
  const uint64_t extra = Hash(keys.extra, day);
  const double vol = spec.sigma_total;

  // About a third of the day's move happens overnight, plus noise of its own.
  const double overnight =
      std::clamp(0.35 * log_return + 0.25 * vol * normal_(Low32(shape)), -0.5, 0.5);
  const double open = previous_close * ExpSmall(overnight);
  // Extremes beyond the open and close: half-normal excursions of half a daily volatility.
  const double up = 0.5 * vol * std::fabs(normal_(High32(shape)));
  const double down = std::min(0.5 * vol * std::fabs(normal_(Low32(extra))), 0.5);

  // Whole cents first, divided by 100 once at the end: the divisions then do not wait on each
  // other, and each price is the double nearest to its decimal quote.
  const int64_t open_cents = Cents(open);
  const int64_t close_cents = Cents(close);
  const int64_t high_cents =
      std::max(Cents(std::max(open, close) * (1 + up)), std::max(open_cents, close_cents));
  const int64_t low_cents =
      std::min(Cents(std::min(open, close) * (1 - down)), std::min(open_cents, close_cents));
  // The VWAP sits near the typical price, inside [low, high].
  const double typical = static_cast<double>(high_cents + low_cents + close_cents) * (1.0 / 3);
  const double wobble = (UniformOpen32(High32(extra)) - 0.5) * 0.2;
  const int64_t vwap_cents = std::clamp<int64_t>(
      std::llrint(typical + wobble * static_cast<double>(high_cents - low_cents)), low_cents,
      high_cents);

  Bar bar;
  bar.date = sessions_.date(s);
  bar.open = static_cast<double>(open_cents) / 100;
  bar.high = static_cast<double>(high_cents) / 100;
  bar.low = static_cast<double>(low_cents) / 100;
  bar.close = static_cast<double>(close_cents) / 100;
  // The simulated market pays no dividends, so the dividend-adjusted close is the close.
  bar.adj_close = bar.close;
  bar.vwap = static_cast<double>(vwap_cents) / 100;
  // Log-normal volume around the symbol's average, heavier on big moves and jumps.
  const double move = std::min(std::fabs(log_return) * spec.inverse_sigma_total, 5.0);
  const double volume_noise = normal_(High32(Hash(keys.volume, day)));
  const double volume =
      spec.average_volume * std::exp(0.35 * volume_noise + 0.3 * move - 0.3) * (jumped ? 2.5 : 1.0);
  bar.volume = std::max<int64_t>(100, std::llrint(volume));
  return bar;
}

void PriceModel::MakePreliminary(const SymbolSpec& spec, int32_t as_of_session, Bar* bar) const {
  // Keyed by the as-of session too: each day's preliminary figures differ, as a vendor's do.
  const uint64_t key =
      SubKey(SubKey(spec.key, kTagPreliminary),
             static_cast<uint64_t>(day_numbers_[static_cast<size_t>(as_of_session)]));
  const uint64_t bits = Hash(key, bar->date.days_since_epoch());
  const double sign = (bits & 1) != 0 ? 1.0 : -1.0;
  const double u1 = UniformOpen32(High32(bits));
  const double u2 = UniformOpen32(Low32(bits) >> 1);
  double close = RoundCents(bar->close * (1 + sign * (0.0005 + 0.003 * u1)));
  if (close == bar->close) {
    // Too cheap for the relative change to move a cent: move one cent, up when down is not
    // possible.
    close = RoundCents(bar->close + (sign > 0 || bar->close <= 0.01 ? 0.01 : -0.01));
  }
  bar->close = close;
  bar->adj_close = close;
  bar->high = std::max(RoundCents(bar->high * (1 + 0.002 * u2)), std::max(bar->open, close));
  bar->low = std::min(RoundCents(bar->low * (1 - 0.002 * u1)), std::min(bar->open, close));
  bar->vwap = std::clamp(RoundCents(*bar->vwap * (1 + sign * 0.001 * u2)), bar->low, bar->high);
  // Late trades are missing from a preliminary volume.
  const auto missing = static_cast<int64_t>(static_cast<double>(bar->volume) * (0.01 + 0.07 * u2));
  bar->volume = std::max<int64_t>(1, bar->volume - std::max<int64_t>(1, missing));
}

void PriceModel::AppendBars(const SymbolSpec& spec, int32_t from, int32_t to, BarRevision revision,
                            std::vector<Bar>* bars) const {
  from = std::max(from, spec.first_session);
  to = std::min(to, spec.last_session);
  if (from > to) return;
  bars->reserve(bars->size() + static_cast<size_t>(to - from + 1));
  const double* sector =
      &sector_[static_cast<size_t>(spec.sector_index) * static_cast<size_t>(sessions_.size())];
  const BarKeys keys{SubKey(spec.path_key, kTagJump), SubKey(spec.key, kTagBar),
                     SubKey(spec.key, kTagBarExtra), SubKey(spec.key, kTagVolume)};

  // Walk the deviation from the path's origin to the session before `from`: the same sums in
  // the same order whatever range is asked, so a bar's bits never depend on it.
  double x = spec.x0;
  bool jumped = false;
  int32_t s = spec.origin_session;
  while (s < from - 1) {
    ++s;
    x = Advance(spec, keys, sector, s, x, &jumped);
  }
  // Before the first bar, the "previous close" is the offer price.
  double previous_log_close = from == spec.origin_session
                                  ? LogTrend(spec, from) + spec.x0 - spec.ipo_pop
                                  : LogTrend(spec, s) + x;
  double previous_close = std::exp(previous_log_close);
  const int32_t first_preliminary = revision.as_of_session - revision.sessions + 1;
  for (int32_t t = from; t <= to; ++t) {
    jumped = false;
    if (t > spec.origin_session) x = Advance(spec, keys, sector, t, x, &jumped);
    const double log_close = LogTrend(spec, t) + x;
    const double close = std::exp(log_close);
    bars->push_back(
        MakeBar(spec, keys, t, previous_close, log_close - previous_log_close, close, jumped));
    if (revision.sessions > 0 && t >= first_preliminary && t <= revision.as_of_session) {
      MakePreliminary(spec, revision.as_of_session, &bars->back());
    }
    previous_log_close = log_close;
    previous_close = close;
  }
}

}  // namespace tickerflow::sources::simulated_internal
