#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "market/calendar.h"
#include "sources/simulated/random_internal.h"
#include "sources/simulated/universe_internal.h"

namespace tickerflow::sources::simulated_internal {
namespace {

// Stream tags under the seed.
constexpr uint64_t kTagUniverse = 0x756e6976;  // "univ"
constexpr uint64_t kTagPath = 0x70617468;      // "path"
constexpr uint64_t kTagDense = 0x64656e73;     // "dens"

struct SectorDef {
  std::string_view name;
  double weight;  // Share of the stocks, roughly that of US listings.
  std::vector<std::string_view> industries;
  std::vector<std::string_view> name_words;  // Words company names of the sector use.
  std::string_view etf_words;                // How an ETF of the sector names it.
};

// The GICS sectors and industries (2023 structure).
const std::array<SectorDef, kNumSectors>& Sectors() {
  static const std::array<SectorDef, kNumSectors> kSectors = {{
      {"Energy",
       0.05,
       {"Energy Equipment & Services", "Oil, Gas & Consumable Fuels"},
       {"Energy", "Petroleum", "Resources", "Oil & Gas", "Drilling"},
       "Energy"},
      {"Materials",
       0.06,
       {"Chemicals", "Construction Materials", "Containers & Packaging", "Metals & Mining",
        "Paper & Forest Products"},
       {"Materials", "Chemical", "Mining", "Metals", "Packaging"},
       "Materials"},
      {"Industrials",
       0.13,
       {"Aerospace & Defense", "Building Products", "Construction & Engineering",
        "Electrical Equipment", "Industrial Conglomerates", "Machinery",
        "Trading Companies & Distributors", "Commercial Services & Supplies",
        "Professional Services", "Air Freight & Logistics", "Passenger Airlines",
        "Marine Transportation", "Ground Transportation", "Transportation Infrastructure"},
       {"Industries", "Aerospace", "Machinery", "Logistics", "Engineering"},
       "Industrials"},
      {"Consumer Discretionary",
       0.11,
       {"Automobile Components", "Automobiles", "Household Durables", "Leisure Products",
        "Textiles, Apparel & Luxury Goods", "Hotels, Restaurants & Leisure",
        "Diversified Consumer Services", "Distributors", "Broadline Retail", "Specialty Retail"},
       {"Brands", "Retail", "Motors", "Leisure", "Apparel"},
       "Consumer Discretionary"},
      {"Consumer Staples",
       0.05,
       {"Consumer Staples Distribution & Retail", "Beverages", "Food Products", "Tobacco",
        "Household Products", "Personal Care Products"},
       {"Foods", "Beverage", "Consumer Products", "Markets"},
       "Consumer Staples"},
      {"Health Care",
       0.14,
       {"Health Care Equipment & Supplies", "Health Care Providers & Services",
        "Health Care Technology", "Biotechnology", "Pharmaceuticals",
        "Life Sciences Tools & Services"},
       {"Therapeutics", "Pharmaceuticals", "Biosciences", "Medical", "Health"},
       "Health Care"},
      {"Financials",
       0.14,
       {"Banks", "Financial Services", "Consumer Finance", "Capital Markets",
        "Mortgage Real Estate Investment Trusts (REITs)", "Insurance"},
       {"Bancorp", "Financial", "Capital", "Insurance", "Partners"},
       "Financials"},
      {"Information Technology",
       0.14,
       {"IT Services", "Software", "Communications Equipment",
        "Technology Hardware, Storage & Peripherals",
        "Electronic Equipment, Instruments & Components",
        "Semiconductors & Semiconductor Equipment"},
       {"Technologies", "Systems", "Software", "Semiconductor", "Networks"},
       "Technology"},
      {"Communication Services",
       0.05,
       {"Diversified Telecommunication Services", "Wireless Telecommunication Services", "Media",
        "Entertainment", "Interactive Media & Services"},
       {"Media", "Communications", "Interactive", "Telecom"},
       "Communication Services"},
      {"Utilities",
       0.04,
       {"Electric Utilities", "Gas Utilities", "Multi-Utilities", "Water Utilities",
        "Independent Power and Renewable Electricity Producers"},
       {"Energy", "Power", "Utilities", "Water"},
       "Utilities"},
      {"Real Estate",
       0.09,
       {"Diversified REITs", "Industrial REITs", "Hotel & Resort REITs", "Office REITs",
        "Health Care REITs", "Residential REITs", "Retail REITs", "Specialized REITs",
        "Real Estate Management & Development"},
       {"Realty Trust", "Properties", "Real Estate", "Residential"},
       "Real Estate"},
  }};
  return kSectors;
}

constexpr std::string_view kOnsets[] = {
    "Ab",   "Al",  "Am",  "Ar",  "As",  "Ber",  "Bri", "Cal", "Cor", "Cy",  "Dal",  "Del",
    "Dyn",  "El",  "En",  "Ev",  "Fal", "Fer",  "Gal", "Gen", "Hal", "Hel", "In",   "Jan",
    "Kal",  "Ken", "Lam", "Lu",  "Mar", "Mer",  "Nor", "Nov", "Om",  "Or",  "Pal",  "Pen",
    "Quan", "Ral", "Ros", "Sal", "Sel", "Sten", "Tal", "Ter", "Tri", "Ul",  "Val",  "Ver",
    "Wes",  "Xan", "Yor", "Zen", "Oct", "Pry",  "Vor", "Hy",  "Kro", "Mon", "Ston", "Tor"};
constexpr std::string_view kMiddles[] = {"a",  "e",  "i",  "o",  "u",  "an",
                                         "en", "er", "or", "ar", "is", "ad"};
constexpr std::string_view kEndings[] = {"tex", "tron", "ion", "ix",  "ora", "ant", "ent",
                                         "ica", "ium",  "ex",  "on",  "us",  "ara", "ell",
                                         "ico", "is",   "yn",  "ova", "ite", "ard", "via"};
constexpr std::string_view kLegalSuffixes[] = {
    "Inc.", "Corp.", "Holdings, Inc.", "Group, Inc.", "Co.", "Ltd.", "plc", "Corporation"};
constexpr std::string_view kEtfBrands[] = {"Summit",  "Harbor", "Keystone", "Meridian",  "Pinnacle",
                                           "Granite", "Beacon", "Sterling", "Northstar", "Cascade"};

template <typename T, size_t N>
const T& Pick(const T (&options)[N], DrawSequence& draws) {
  return options[static_cast<size_t>(draws.Below(static_cast<int>(N)))];
}

template <typename T>
const T& Pick(const std::vector<T>& options, DrawSequence& draws) {
  return options[static_cast<size_t>(draws.Below(static_cast<int>(options.size())))];
}

std::string MakeStem(DrawSequence& draws) {
  std::string stem(Pick(kOnsets, draws));
  if (draws.Chance(0.6)) stem += Pick(kMiddles, draws);
  stem += Pick(kEndings, draws);
  return stem;
}

// A ticker of `length` letters taken in order from `letters` (the first always first), the way
// tickers abbreviate names; random letters fill in when the name is too short.
std::string MakeTicker(std::string_view letters, int length, DrawSequence& draws) {
  std::string upper;
  for (const char c : letters) {
    if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
      upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  std::string ticker;
  ticker.push_back(upper.empty() ? static_cast<char>('A' + draws.Below(26)) : upper[0]);
  // Keep each later letter with the probability that leaves the right number on average.
  const auto wanted = static_cast<size_t>(length);
  for (size_t i = 1; i < upper.size() && ticker.size() < wanted; ++i) {
    const size_t still_needed = wanted - ticker.size();
    const size_t remaining = upper.size() - i;
    if (draws.Uniform() * static_cast<double>(remaining) < static_cast<double>(still_needed)) {
      ticker.push_back(upper[i]);
    }
  }
  while (ticker.size() < wanted) ticker.push_back(static_cast<char>('A' + draws.Below(26)));
  return ticker;
}

int TickerLength(std::string_view exchange, bool is_etf, DrawSequence& draws) {
  const double u = draws.Uniform();
  if (is_etf) return u < 0.6 ? 3 : 4;
  if (exchange == "NASDAQ") return u < 0.15 ? 3 : (u < 0.93 ? 4 : 5);
  // NYSE and AMEX: short tickers.
  return u < 0.03 ? 1 : (u < 0.22 ? 2 : (u < 0.85 ? 3 : 4));
}

int PickSector(DrawSequence& draws) {
  double u = draws.Uniform();
  const std::array<SectorDef, kNumSectors>& sectors = Sectors();
  for (int k = 0; k < kNumSectors; ++k) {
    u -= sectors[static_cast<size_t>(k)].weight;
    if (u < 0) return k;
  }
  return kNumSectors - 1;
}

// How a symbol enters and leaves the market. The rarer kinds sit at fixed positions of the
// universe, so that every universe of a useful size has them whatever the seed.
enum class Kind { kRegular, kEtf, kShortLived, kShareClass, kDenseIpo };

Kind KindAt(int index, const std::vector<Kind>& kinds) {
  if (index % 50 == 7) return Kind::kEtf;           // 2 %.
  if (index % 100 == 42) return Kind::kShortLived;  // 1 %: listed for under 28 sessions.
  if (index % 97 == 13 && kinds[static_cast<size_t>(index - 1)] == Kind::kRegular) {
    return Kind::kShareClass;  // ~1 %: a second class of the previous company.
  }
  if (index % 6 == 1) return Kind::kDenseIpo;  // ~16 %: IPOs spread densely over 2015-2035.
  return Kind::kRegular;
}

// Uniform session index in [lo, hi].
int32_t SessionBetween(int32_t lo, int32_t hi, DrawSequence& draws) {
  return lo + static_cast<int32_t>(draws.Below(hi - lo + 1));
}

// The price, size and volatility parameters of a company (not a share class).
void SetPriceModel(SymbolSpec& spec, int32_t reference, DrawSequence& draws) {
  constexpr double kSessionsPerYear = 252;
  constexpr double kMinCap = 5e7;
  constexpr double kMaxCap = 3e12;
  const double market_cap =
      spec.is_etf ? draws.LogUniform(1e8, 5e11) : draws.LogUniform(kMinCap, kMaxCap);
  const double price = spec.is_etf ? draws.Uniform(20, 450) : draws.LogUniform(4, 400);
  spec.shares_outstanding = std::round(market_cap / price);
  spec.log_trend_ref = std::log(price);

  double growth = spec.is_etf ? draws.Uniform(0.04, 0.10) : draws.Uniform(-0.03, 0.14);
  if (spec.origin_session < reference) {
    // Keep the trend's split-adjusted price at listing above a floor ($2 for stocks, $10 for
    // ETFs), so that prices rounded to cents keep their shape.
    const double years = (reference - spec.origin_session) / kSessionsPerYear;
    const double floor = spec.is_etf ? 10.0 : 2.0;
    if (price > floor)
      growth = std::min(growth, std::log(price / floor) / years);
    else
      growth = std::min(growth, 0.0);
  }
  spec.trend_growth = growth / kSessionsPerYear;

  // Small companies are more volatile; ETFs carry almost only their factors.
  const double size = (std::log(market_cap) - std::log(kMinCap)) / std::log(kMaxCap / kMinCap);
  const double annual_sigma =
      spec.is_etf ? 0.04 : std::max(0.10, 0.60 - 0.38 * size + draws.Uniform(-0.06, 0.06));
  spec.sigma = annual_sigma / std::sqrt(kSessionsPerYear);
  spec.beta_market = spec.is_etf ? draws.Uniform(0.9, 1.1) : draws.Uniform(0.6, 1.4);
  spec.beta_sector = spec.is_etf ? draws.Uniform(0.9, 1.1) : draws.Uniform(0.7, 1.3);
  spec.phi = 1 - 1 / (kSessionsPerYear * draws.Uniform(1, 3));
  spec.x0 = 0.15 * draws.Normal();
  spec.jump_threshold = spec.is_etf ? 0 : static_cast<uint32_t>(draws.Uniform(4, 12));
  spec.jump_sigma = 0.03 + 2.5 * spec.sigma;
  spec.ipo_pop = spec.is_etf ? 0 : 0.05 + 0.12 * draws.Normal();
  spec.sigma_total = std::sqrt(spec.beta_market * spec.beta_market * kMarketSigma * kMarketSigma +
                               spec.beta_sector * spec.beta_sector * kSectorSigma * kSectorSigma +
                               spec.sigma * spec.sigma);
  spec.inverse_sigma_total = 1 / spec.sigma_total;
  spec.average_volume = std::max(2000.0, spec.shares_outstanding * draws.LogUniform(0.002, 0.012));
}

}  // namespace

Sessions::Sessions()
    : dates_(market::TradingDays(Date::FromCivil(market::kFirstTableYear, 1, 1),
                                 Date::FromCivil(market::kLastTableYear, 12, 31))) {}

int32_t Sessions::IndexOnOrBefore(Date date) const {
  if (date < first()) return -1;
  if (date >= last()) return size() - 1;
  return market::CountTradingDays(first(), date) - 1;
}

int32_t Sessions::IndexOnOrAfter(Date date) const {
  if (date <= first()) return 0;
  if (date > last()) return size();
  return market::CountTradingDays(first(), date - 1);
}

Date TrendReferenceDate() { return Date::FromCivil(2025, 1, 2); }

std::vector<SymbolSpec> GenerateUniverse(uint64_t seed, int count, const Sessions& sessions) {
  const uint64_t universe_key = SubKey(seed, kTagUniverse);
  const int32_t reference = sessions.IndexOnOrAfter(TrendReferenceDate());
  const int32_t start_1995 = sessions.IndexOnOrAfter(Date::FromCivil(1995, 1, 1));
  const int32_t start_2015 = sessions.IndexOnOrAfter(Date::FromCivil(2015, 1, 1));
  const int32_t start_2016 = sessions.IndexOnOrAfter(Date::FromCivil(2016, 1, 1));
  const int32_t end_2019q3 = sessions.IndexOnOrBefore(Date::FromCivil(2019, 9, 30));
  const int32_t end_2020 = sessions.IndexOnOrBefore(Date::FromCivil(2020, 12, 31));
  const int32_t end_2035 = sessions.IndexOnOrBefore(Date::FromCivil(2035, 12, 31));
  const int32_t horizon = sessions.size() - 1;
  // Dense IPOs follow a golden-ratio sequence: any prefix of it is spread evenly, so small
  // universes get them as evenly as large ones.
  const double dense_offset = UniformOpen(Hash(SubKey(seed, kTagDense), 0));
  constexpr double kGoldenFraction = 0.6180339887498949;

  std::vector<SymbolSpec> specs;
  std::vector<Kind> kinds;
  specs.reserve(static_cast<size_t>(count));
  kinds.reserve(static_cast<size_t>(count));
  std::unordered_set<std::string> taken;
  int dense_ordinal = 0;
  int etf_ordinal = 0;
  for (int index = 0; index < count; ++index) {
    const Kind kind = KindAt(index, kinds);
    kinds.push_back(kind);
    SymbolSpec spec;
    spec.key = SubKey(universe_key, static_cast<uint64_t>(index));
    DrawSequence draws(spec.key);

    if (kind == Kind::kShareClass) {
      // The same company (key, financials) and price path as its parent, at a different price
      // per share (as BRK-A and BRK-B); FMP reports the company's market cap for both.
      const SymbolSpec& parent = specs.back();
      spec = parent;
      spec.symbol = parent.symbol + "-B";
      const double ratio = draws.Uniform(2, 30);
      spec.log_trend_ref = parent.log_trend_ref - std::log(ratio);
      spec.shares_outstanding = std::round(parent.shares_outstanding * ratio);
      spec.inverse_sigma_total = 1 / spec.sigma_total;
      spec.average_volume = parent.average_volume * ratio * draws.Uniform(0.2, 0.8);
      taken.insert(spec.symbol);
      specs.push_back(std::move(spec));
      continue;
    }

    spec.is_etf = kind == Kind::kEtf;
    spec.sector_index = spec.is_etf ? etf_ordinal++ % kNumSectors : PickSector(draws);
    const SectorDef& sector = Sectors()[static_cast<size_t>(spec.sector_index)];
    spec.sector = sector.name;
    spec.industry = Pick(sector.industries, draws);
    const double exchange_draw = draws.Uniform();
    if (spec.is_etf) {
      spec.exchange = exchange_draw < 0.7 ? "AMEX" : (exchange_draw < 0.85 ? "NASDAQ" : "NYSE");
    } else {
      spec.exchange = exchange_draw < 0.5 ? "NASDAQ" : (exchange_draw < 0.92 ? "NYSE" : "AMEX");
    }

    // A name, and a unique ticker abbreviating it.
    const int length = TickerLength(spec.exchange, spec.is_etf, draws);
    for (int attempt = 0;; ++attempt) {
      std::string letters;
      if (spec.is_etf) {
        const std::string_view brand = Pick(kEtfBrands, draws);
        // fmt::format, not std::string's operator+: GCC 12 warns falsely (-Wrestrict) there.
        spec.company_name = fmt::format("{} {} ETF", brand, sector.etf_words);
        letters = fmt::format("{}{}{}", brand.substr(0, 1), sector.etf_words, MakeStem(draws));
      } else {
        letters = MakeStem(draws);
        const std::string_view word = draws.Chance(0.5) ? Pick(sector.name_words, draws) : "";
        spec.company_name = fmt::format("{}{}{} {}", letters, word.empty() ? "" : " ", word,
                                        Pick(kLegalSuffixes, draws));
      }
      // Past a few collisions, longer tickers have room to spare.
      const int ticker_length = std::min(5, length + attempt / 8);
      spec.symbol = MakeTicker(letters, ticker_length, draws);
      if (taken.insert(spec.symbol).second) break;
    }

    // Listing and delisting on fixed calendar dates.
    switch (kind) {
      case Kind::kEtf:
        spec.first_session = draws.Chance(0.5) ? SessionBetween(0, start_1995 - 1, draws)
                                               : SessionBetween(start_1995, end_2020, draws);
        break;
      case Kind::kShortLived: {
        spec.first_session = SessionBetween(start_2016, end_2019q3, draws);
        spec.last_session = spec.first_session + 4 + draws.Below(21);  // 5 to 25 bars.
        spec.delisted = true;
        break;
      }
      case Kind::kDenseIpo: {
        const double position = std::fmod(dense_offset + dense_ordinal * kGoldenFraction, 1.0);
        ++dense_ordinal;
        spec.first_session =
            start_2015 + static_cast<int32_t>(position * (end_2035 - start_2015 + 1));
        break;
      }
      case Kind::kRegular:
      case Kind::kShareClass:
        if (draws.Chance(0.72)) {
          // Listed before the data starts for nearly half of the old listings.
          spec.first_session = draws.Chance(0.45) ? 0 : SessionBetween(0, start_1995 - 1, draws);
        } else {
          spec.first_session = SessionBetween(start_1995, end_2035, draws);
        }
        break;
    }
    if (kind != Kind::kShortLived) {
      spec.last_session = horizon;
      const double delist_chance =
          kind == Kind::kRegular ? 0.09 : (kind == Kind::kDenseIpo ? 0.03 : 0.0);
      if (draws.Chance(delist_chance) && spec.first_session + 250 <= end_2035) {
        spec.last_session = SessionBetween(spec.first_session + 250, end_2035, draws);
        spec.delisted = true;
      }
    }
    spec.origin_session = spec.first_session;
    spec.path_key = SubKey(spec.key, kTagPath);
    SetPriceModel(spec, reference, draws);
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace tickerflow::sources::simulated_internal
