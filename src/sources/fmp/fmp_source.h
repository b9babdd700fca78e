// Financial Modeling Prep's stable API behind the Source interface (fmp-api.md).
//
//   FmpOptions options;
//   options.api_key = std::getenv("FMP_API_KEY");
//   options.requests_per_minute = RequestsPerMinute(FmpPlan::kStarter);   // 300
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> http, net::HttpClient::Create({}));
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<FmpSource> fmp,
//                       FmpSource::Create(options, std::move(http)));
//   TF_ASSIGN_OR_RETURN(std::vector<SymbolInfo> universe, fmp->Universe(as_of));
//   TF_ASSIGN_OR_RETURN(std::vector<Bar> bars, fmp->DailyBars("AAPL", from, as_of));
//   nlohmann::json stats = fmp->Stats();  // requests, retries, 429s, strategies, ...
//
// Endpoints and strategies:
// - Universe: `profile-bulk?part=0,1,...` until a part answers 400 (or is empty), filtered to
//   NASDAQ/NYSE/AMEX, actively trading, not funds, ETFs only with include_etfs, ipoDate on or
//   before as_of. If profile-bulk is not in the plan (402): `profile?symbol=` for each symbol
//   of `symbols`, or kPermissionDenied asking for --symbols/--symbols-file. With `symbols`
//   given, always one `profile?symbol=` each, unfiltered (the user chose them); a symbol
//   with no profile (`[]`) is left out and logged. first_date = ipoDate (1970-01-01 if
//   absent); delisted_date is never known (FMP's profiles describe today's listings).
// - DailyBars: `historical-price-eod/full?symbol=&from=&to=` in chunks of `chunk_years`
//   (newest-first rows, reversed), plus `historical-price-eod/dividend-adjusted` for adj_close
//   when `adjusted`. `[]` is an empty history. vwap is FMP's `vwap` field.
// - BarsOn: `eod-bulk?date=` (CSV, columns by name), filtered to the universe. SupportsBarsOn
//   probes eod-bulk once (for the last Sunday: a cheap, sessionless date) and answers false
//   after a 402, or when the probe fails.
// - Fundamentals: the bulk CSVs (`profile-bulk` reused from Universe, `ratios-ttm-bulk`,
//   `key-metrics-ttm-bulk`, `scores-bulk`, `rating-bulk`, `dcf-bulk`), filtered to the
//   universe. A 402 marks the bulk endpoint unavailable for the run and switches that dataset
//   to the per-symbol endpoints under the budget (SelectForRefresh), so the table then holds
//   only the symbols refreshed this run: the caller keeps older rows for the others.
//
// Errors (fmp-api.md §2): 401 stops (kPermissionDenied, saying how to set FMP_API_KEY); a
// spent quota stops (kResourceExhausted); a 402 without a fallback is kPermissionDenied
// (endpoint) or kNotFound (one symbol outside the plan); 404 is kFailedPrecondition (a wrong
// base URL fails every request); a 200 carrying {"Error Message"} is treated as the status
// its text means, never as data. A body that does not parse is saved through `quarantine`
// and retried; it fails the request (kCorruptData) after the last attempt. The key never
// appears in a message, a log line or a quarantined file's name.
//
// Threads: every method may be called from many threads at once; all share one Fetcher
// (one rate limiter, one retry policy).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "net/fetcher.h"
#include "net/http_transport.h"
#include "net/rate_limiter.h"
#include "sources/source.h"
#include "table/table.h"

namespace tickerflow::sources {

/// FMP's paid plans, by rate limit (fmp-api.md §3).
enum class FmpPlan { kStarter, kPremium, kUltimate };

/// "starter", "premium" or "ultimate"; kInvalidArgument otherwise.
Result<FmpPlan> ParseFmpPlan(std::string_view name);

/// Requests per minute of `plan`: 300, 750, 3,000.
int RequestsPerMinute(FmpPlan plan);

/// Saves a response body that did not parse: `name` is a file name (no directory) saying
/// endpoint, symbol or date, and time; `body` the bytes as received.
using QuarantineSink = std::function<void(const std::string& name, std::string_view body)>;

/// How an FmpSource talks to FMP.
struct FmpOptions {
  /// Scheme and host (and port), without /stable: "https://financialmodelingprep.com".
  std::string base_url = "https://financialmodelingprep.com";
  /// The API key (from FMP_API_KEY). Never logged.
  std::string api_key;
  /// The quota, N requests per `rate_window`.
  int requests_per_minute = 300;
  std::chrono::milliseconds rate_window = std::chrono::seconds(60);
  std::chrono::milliseconds rate_margin = std::chrono::milliseconds(250);
  /// Retries; its quota_window is set to rate_window by Create.
  net::RetryPolicy retry;
  /// Symbols to cover instead of the listed universe (validated; per-symbol profiles).
  std::vector<std::string> symbols;
  /// Include ETFs in the universe from profile-bulk.
  bool include_etfs = false;
  /// Fetch dividend-adjusted closes (one more request per chunk) into Bar::adj_close.
  bool adjusted = false;
  /// Years of history per historical-price-eod request.
  int chunk_years = 5;
  /// The share of a day's quota (requests_per_minute × 1,440) that per-symbol fundamentals may
  /// use in one run, split evenly over the six datasets; 0 to 1.
  double fundamentals_budget = 0.02;
  /// Threads for per-symbol requests inside one call (profiles, fundamentals fallback).
  int per_symbol_threads = 16;
  /// Where malformed bodies go; may be empty.
  QuarantineSink quarantine;
  /// Seeds the retry jitter (0: random).
  uint64_t seed = 0;
};

/// The per-symbol refresh order under a budget, the policy of the fundamentals fallback:
/// symbols never refreshed first, then oldest `refreshed` date first, ties by symbol; at most
/// `budget` of them. Without any refresh dates, a rotation over the sorted symbols that starts
/// at (as_of's day number × budget) mod n, so that successive days cover successive slices
/// and every symbol is refreshed within ceil(n / budget) days.
std::vector<std::string> SelectForRefresh(std::vector<std::string> symbols,
                                          const std::unordered_map<std::string, Date>& refreshed,
                                          size_t budget, Date as_of);

/// The FMP source. See the file comment.
class FmpSource : public Source {
 public:
  /// kInvalidArgument for a missing key, a bad base URL or an option out of range.
  static Result<std::unique_ptr<FmpSource>> Create(FmpOptions options,
                                                   std::unique_ptr<net::HttpTransport> transport);

  ~FmpSource() override;
  FmpSource(const FmpSource&) = delete;
  FmpSource& operator=(const FmpSource&) = delete;

  std::string_view name() const override { return "fmp"; }
  Result<std::vector<SymbolInfo>> Universe(Date as_of) override;
  Result<std::vector<Bar>> DailyBars(std::string_view symbol, Date from, Date to) override;
  bool SupportsBarsOn() const override;
  Result<std::vector<SymbolBar>> BarsOn(Date date) override;
  Result<table::Table> Fundamentals(FundamentalsDataset dataset, Date as_of) override;
  /// false for a dataset fetched per symbol under the budget this run.
  bool FundamentalsComplete(FundamentalsDataset dataset) const override;
  /// A second's worth of the quota, 8 to 64.
  int ConcurrentRequests() const override;
  /// Stats(), as text.
  std::string StatsJson() const override;

  /// When each symbol's `dataset` was last refreshed, for the per-symbol fallback's order
  /// (SelectForRefresh); the pipeline may pass what it has stored.
  void SetRefreshDates(FundamentalsDataset dataset, std::unordered_map<std::string, Date> dates);

  /// Counters and strategies for the run summary: requests, retries, throttled (429s), bytes,
  /// malformed, dropped_rows, skipped_symbols, quarantined, bars_strategy ("eod-bulk" or
  /// "per-symbol"), eod_bulk_requests, per_symbol_bar_requests, fundamentals_strategy ("bulk",
  /// "per-symbol" or "mixed") with one entry per dataset, unavailable_endpoints.
  nlohmann::json Stats() const;

  /// The net counters alone.
  net::FetchStats fetch_stats() const { return fetcher_->stats(); }

 private:
  struct State;  // Caches, counters and per-run endpoint availability (fmp_source.cc).

  FmpSource(FmpOptions options, std::unique_ptr<net::HttpTransport> transport);

  const FmpOptions options_;
  std::unique_ptr<net::HttpTransport> transport_;
  std::unique_ptr<net::RateLimiter> limiter_;
  std::unique_ptr<net::Fetcher> fetcher_;
  std::unique_ptr<State> state_;
};

}  // namespace tickerflow::sources
