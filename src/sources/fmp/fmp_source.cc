#include "sources/fmp/fmp_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>
#include <utility>

#include "common/log.h"
#include "net/redact.h"
#include "sources/fmp/parsers_internal.h"

namespace tickerflow::sources {
namespace {

using fmp_internal::TextRows;

// Bulk files are large (profile-bulk parts, eod-bulk): a longer total timeout than JSON.
constexpr std::chrono::milliseconds kBulkTimeout = std::chrono::minutes(10);
// profile-bulk parts end with a 400; this bounds a server that never sends one.
constexpr int kMaxProfileParts = 1000;
constexpr int kDatasetCount = 6;
constexpr double kMinutesPerDay = 1440;

constexpr std::string_view kAuthHint =
    "set the FMP_API_KEY environment variable to a valid key (see "
    "https://site.financialmodelingprep.com/developer/docs/dashboard)";

// One request: endpoint under /stable/, its query parameters (the key is added by Url), and a
// label (symbol, date or part) for the names of quarantined bodies.
struct Call {
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> params;
  std::string label;
  std::optional<std::chrono::milliseconds> timeout;
};

// How an accepted answer ended: its HTTP status and, for errors, FMP's message.
struct Reply {
  int status = 0;
  std::string error_text;
};

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == ',') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

std::string FileSafe(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ? c
                                                                                           : '_');
  }
  return out;
}

std::string UtcStamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

Date TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return Date::FromCivil(utc.tm_year + 1900, static_cast<unsigned>(utc.tm_mon + 1),
                         static_cast<unsigned>(utc.tm_mday));
}

// Appends `from`'s rows to `into`, matching columns by name.
void AppendRows(TextRows& into, TextRows&& from) {
  std::vector<size_t> target(from.names.size());
  for (size_t c = 0; c < from.names.size(); ++c) {
    std::optional<size_t> found = into.Find(from.names[c]);
    if (!found) {
      found = into.names.size();
      into.names.push_back(from.names[c]);
      for (auto& row : into.rows) row.emplace_back();
    }
    target[c] = *found;
  }
  for (auto& row : from.rows) {
    std::vector<std::optional<std::string>> moved(into.names.size());
    for (size_t c = 0; c < row.size(); ++c) moved[target[c]] = std::move(row[c]);
    into.rows.push_back(std::move(moved));
  }
}

std::string_view BulkEndpoint(FundamentalsDataset dataset) {
  switch (dataset) {
    case FundamentalsDataset::kProfiles:
      return "profile-bulk";
    case FundamentalsDataset::kRatiosTtm:
      return "ratios-ttm-bulk";
    case FundamentalsDataset::kKeyMetricsTtm:
      return "key-metrics-ttm-bulk";
    case FundamentalsDataset::kScores:
      return "scores-bulk";
    case FundamentalsDataset::kRatings:
      return "rating-bulk";
    case FundamentalsDataset::kDcf:
      return "dcf-bulk";
  }
  return "";
}

std::string_view PerSymbolEndpoint(FundamentalsDataset dataset) {
  switch (dataset) {
    case FundamentalsDataset::kProfiles:
      return "profile";
    case FundamentalsDataset::kRatiosTtm:
      return "ratios-ttm";
    case FundamentalsDataset::kKeyMetricsTtm:
      return "key-metrics-ttm";
    case FundamentalsDataset::kScores:
      return "financial-scores";
    case FundamentalsDataset::kRatings:
      return "ratings-snapshot";
    case FundamentalsDataset::kDcf:
      return "discounted-cash-flow";
  }
  return "";
}

// The FMP fields a dataset reads (and, for profiles, the universe filter's too).
std::vector<std::string_view> WantedFields(FundamentalsDataset dataset) {
  std::vector<std::string_view> wanted;
  for (const fmp_internal::FieldMapping& field : fmp_internal::FundamentalsMapping(dataset)) {
    wanted.push_back(field.fmp);
  }
  if (dataset == FundamentalsDataset::kProfiles) wanted.push_back("isFund");
  return wanted;
}

// Runs fn(i) for every i < n on up to `threads` threads. The first error whose action is
// kStop ends the loop (items not started are not run) and is returned; fn handles the others.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  Status stop = Status::Ok();
  std::atomic<bool> stopped{false};
  auto work = [&] {
    // The top of a worker thread: nothing escapes unreported.
    try {
      while (!stopped.load()) {
        const size_t i = next.fetch_add(1);
        if (i >= n) return;
        Status status = fn(i);
        if (!status.ok()) {
          std::lock_guard lock(mutex);
          if (stop.ok()) stop = std::move(status);
          stopped = true;
        }
      }
    } catch (const std::exception& error) {
      std::lock_guard lock(mutex);
      if (stop.ok()) stop = Status::Error(ErrorCode::kInternal, error.what());
      stopped = true;
    }
  };
  const auto count = static_cast<size_t>(std::max(1, threads));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(count, n); ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  return stop;
}

}  // namespace

Result<FmpPlan> ParseFmpPlan(std::string_view name) {
  if (name == "starter") return FmpPlan::kStarter;
  if (name == "premium") return FmpPlan::kPremium;
  if (name == "ultimate") return FmpPlan::kUltimate;
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("FMP plan '{}': expected starter, premium or ultimate", name));
}

int RequestsPerMinute(FmpPlan plan) {
  switch (plan) {
    case FmpPlan::kStarter:
      return 300;
    case FmpPlan::kPremium:
      return 750;
    case FmpPlan::kUltimate:
      return 3000;
  }
  return 300;
}

std::vector<std::string> SelectForRefresh(std::vector<std::string> symbols,
                                          const std::unordered_map<std::string, Date>& refreshed,
                                          size_t budget, Date as_of) {
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  if (budget >= symbols.size()) return symbols;
  if (refreshed.empty()) {
    const size_t n = symbols.size();
    const auto day = static_cast<size_t>(std::max(0, as_of.days_since_epoch()));
    const size_t start = (day % n) * (budget % n) % n;
    std::vector<std::string> out;
    out.reserve(budget);
    for (size_t i = 0; i < budget; ++i) out.push_back(symbols[(start + i) % n]);
    return out;
  }
  std::stable_sort(symbols.begin(), symbols.end(), [&](const std::string& a, const std::string& b) {
    const auto found_a = refreshed.find(a);
    const auto found_b = refreshed.find(b);
    const bool never_a = found_a == refreshed.end();
    const bool never_b = found_b == refreshed.end();
    if (never_a != never_b) return never_a;
    if (never_a) return false;  // Both never: symbol order (stable).
    return found_a->second < found_b->second;
  });
  symbols.resize(budget);
  return symbols;
}

// Everything behind the interface: the calls, the caches of one run, the counters.
struct FmpSource::State {
  const FmpOptions& options;
  net::Fetcher& fetcher;

  mutable std::mutex mutex;  // Guards the members up to the counters.
  std::shared_ptr<const std::unordered_set<std::string>> universe;
  std::vector<std::string> universe_symbols;
  std::shared_ptr<const TextRows> profiles;  // profile-bulk rows (or per-symbol profiles)
  std::set<std::string> unavailable;         // Endpoints that answered 402 this run.
  std::map<FundamentalsDataset, std::unordered_map<std::string, Date>> refresh_dates;
  std::map<std::string, std::string> fundamentals_strategy;

  std::once_flag probe_once;
  std::atomic<bool> bulk_bars{false};

  std::atomic<int64_t> dropped_rows{0};
  std::atomic<int64_t> skipped_symbols{0};
  std::atomic<int64_t> quarantined{0};
  std::atomic<int64_t> eod_bulk_requests{0};
  std::atomic<int64_t> per_symbol_bar_requests{0};
  std::atomic<int64_t> per_symbol_fundamentals_requests{0};

  State(const FmpOptions& o, net::Fetcher& f) : options(o), fetcher(f) {}

  std::string Url(const Call& call) const {
    std::string url = fmt::format("{}/stable/{}?", options.base_url, call.endpoint);
    for (const auto& [name, value] : call.params) {
      url += fmt::format("{}={}&", name, PercentEncode(value));
    }
    url += "apikey=" + PercentEncode(options.api_key);
    return url;
  }

  // A message safe to show: URLs redacted, and the key itself scrubbed wherever it is.
  std::string Safe(std::string_view text) const {
    return net::RedactSecret(net::RedactUrl(text), options.api_key);
  }

  void Quarantine(const Call& call, std::string_view body, const Status& why) {
    TF_LOG_WARN("fmp: {} {}: {}", call.endpoint, call.label, Safe(why.message()));
    if (!options.quarantine) return;
    const int64_t sequence = quarantined.fetch_add(1);
    const std::string name = fmt::format("{}_{}_{}_{}.txt", FileSafe(call.endpoint),
                                         FileSafe(call.label), UtcStamp(), sequence);
    // A body could echo the key back: scrub it before it is saved.
    options.quarantine(name, net::RedactSecret(body, options.api_key));
  }

  // One request; `parse` is called on every 2xx body (a failure quarantines it and retries).
  Result<Reply> Get(const Call& call, const std::function<Status(std::string_view)>& parse) {
    net::HttpRequest request;
    request.url = Url(call);
    request.timeout = call.timeout;
    auto check = [&](const net::HttpResponse& response) -> Status {
      Status status = parse(response.body);
      if (!status.ok()) Quarantine(call, response.body, status);
      return status;
    };
    Result<net::HttpResponse> response = fetcher.Fetch(request, check);
    if (!response.ok()) {
      return Status::Error(response.status().code(), Safe(response.status().message()));
    }
    Reply reply{.status = response->status, .error_text = {}};
    if (reply.status < 200 || reply.status >= 300) {
      reply.error_text =
          Safe(fmp_internal::ErrorMessage(response->body).value_or(response->body.substr(0, 200)));
    }
    return reply;
  }

  // The error for an answer that is neither data nor a handled case.
  Status Unexpected(const Call& call, const Reply& reply) const {
    const std::string url = Safe(Url(call));
    if (reply.status == 402) {
      const bool symbol_gate = reply.error_text.find("symbol") != std::string::npos;
      return Status::Error(
          symbol_gate ? ErrorCode::kNotFound : ErrorCode::kPermissionDenied,
          fmt::format("GET {}: not available on your FMP plan (402): {}", url, reply.error_text));
    }
    if (reply.status == 404) {
      return Status::Error(
          ErrorCode::kFailedPrecondition,
          fmt::format("GET {}: no such endpoint (404); check --fmp-base-url", url));
    }
    if (reply.status == 400) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("GET {}: the server rejected the request (400): {}", url, reply.error_text));
    }
    return Status::Error(ErrorCode::kUnavailable, fmt::format("GET {}: unexpected HTTP {}: {}", url,
                                                              reply.status, reply.error_text));
  }

  void MarkUnavailable(std::string_view endpoint) {
    std::lock_guard lock(mutex);
    if (unavailable.emplace(endpoint).second) {
      TF_LOG_WARN("fmp: {} is not available on this plan (402); using the fallback", endpoint);
    }
  }
  bool IsUnavailable(std::string_view endpoint) const {
    std::lock_guard lock(mutex);
    return unavailable.contains(std::string(endpoint));
  }

  // profile-bulk, every part; nullopt when the plan does not have it.
  Result<std::optional<TextRows>> ProfileBulk() {
    if (IsUnavailable("profile-bulk")) return std::optional<TextRows>();
    const std::vector<std::string_view> wanted = WantedFields(FundamentalsDataset::kProfiles);
    TextRows all;
    for (int part = 0; part < kMaxProfileParts; ++part) {
      const Call call{.endpoint = "profile-bulk",
                      .params = {{"part", std::to_string(part)}},
                      .label = fmt::format("part-{}", part),
                      .timeout = kBulkTimeout};
      TextRows rows;
      TF_ASSIGN_OR_RETURN(
          Reply reply, Get(call, [&](std::string_view body) -> Status {
            if (fmp_internal::ErrorMessage(body).has_value() ||
                body.find_first_not_of(" \r\n\t") == std::string_view::npos || body == "[]") {
              rows = TextRows{};
              return Status::Ok();
            }
            TF_ASSIGN_OR_RETURN(rows, fmp_internal::CsvToRows(body, "profile-bulk", wanted));
            return Status::Ok();
          }));
      if (reply.status == 402) {
        MarkUnavailable("profile-bulk");
        return std::optional<TextRows>();
      }
      if (reply.status == 400) break;  // Past the last part.
      if (reply.status != 200) return Unexpected(call, reply);
      if (rows.rows.empty()) break;
      AppendRows(all, std::move(rows));
    }
    return std::optional<TextRows>(std::move(all));
  }

  // One per-symbol endpoint for every symbol of `symbols`, rows merged. A symbol with `[]` or
  // a skip error is left out (logged); a stop error ends the call.
  Result<TextRows> PerSymbolRows(std::string_view endpoint, const std::vector<std::string>& symbols,
                                 std::atomic<int64_t>* request_counter) {
    std::mutex rows_mutex;
    TextRows merged;
    std::atomic<bool> restricted{false};
    Status status =
        ParallelFor(symbols.size(), options.per_symbol_threads, [&](size_t i) -> Status {
          if (restricted.load()) return Status::Ok();
          const std::string& symbol = symbols[i];
          const Call call{.endpoint = std::string(endpoint),
                          .params = {{"symbol", symbol}},
                          .label = symbol,
                          .timeout = {}};
          TextRows rows;
          Result<Reply> reply = Get(call, [&](std::string_view body) -> Status {
            TF_ASSIGN_OR_RETURN(rows, fmp_internal::JsonToRows(body));
            return Status::Ok();
          });
          if (request_counter != nullptr) request_counter->fetch_add(1);
          if (!reply.ok()) {
            if (ActionFor(reply.status().code()) == ErrorAction::kStop) return reply.status();
            TF_LOG_WARN("fmp: {} {}: {}", endpoint, symbol, reply.status().message());
            return Status::Ok();
          }
          if (reply->status == 402) {
            const Status error = Unexpected(call, *reply);
            if (error.code() == ErrorCode::kPermissionDenied) {
              restricted = true;
              return error;
            }
            TF_LOG_WARN("fmp: {} {}: {}", endpoint, symbol, error.message());
            return Status::Ok();
          }
          if (reply->status != 200) {
            const Status error = Unexpected(call, *reply);
            if (ActionFor(error.code()) == ErrorAction::kStop) return error;
            TF_LOG_WARN("fmp: {} {}: {}", endpoint, symbol, error.message());
            return Status::Ok();
          }
          if (rows.rows.empty()) {
            TF_LOG_INFO("fmp: {} has no data for {}", endpoint, symbol);
            skipped_symbols.fetch_add(1);
            return Status::Ok();
          }
          // The row is the requested symbol's, whatever it calls itself (some endpoints omit it).
          std::optional<size_t> column = rows.Find("symbol");
          if (!column) {
            column = rows.names.size();
            rows.names.emplace_back("symbol");
            for (auto& row : rows.rows) row.emplace_back();
          }
          rows.rows.resize(1);
          rows.rows[0][*column] = symbol;
          std::lock_guard lock(rows_mutex);
          AppendRows(merged, std::move(rows));
          return Status::Ok();
        });
    if (!status.ok()) {
      if (restricted.load()) MarkUnavailable(endpoint);
      return status;
    }
    return merged;
  }

  std::shared_ptr<const std::unordered_set<std::string>> UniverseSet() const {
    std::lock_guard lock(mutex);
    return universe;
  }

  Result<std::vector<SymbolInfo>> Universe(Date as_of) {
    fmp_internal::UniverseFilter filter{.include_etfs = options.include_etfs,
                                        .as_of = as_of,
                                        .listed_only = options.symbols.empty()};
    std::optional<TextRows> rows;
    if (options.symbols.empty()) {
      TF_ASSIGN_OR_RETURN(rows, ProfileBulk());
      if (!rows) {
        return Status::Error(
            ErrorCode::kPermissionDenied,
            "profile-bulk (the list of listed symbols) is not available on your FMP plan; name "
            "the symbols with --symbols A,B,C or --symbols-file PATH");
      }
    } else {
      TF_ASSIGN_OR_RETURN(rows, PerSymbolRows("profile", options.symbols, nullptr));
    }
    int64_t skipped = 0;
    std::vector<SymbolInfo> symbols = fmp_internal::ProfilesToUniverse(*rows, filter, skipped);
    if (!options.symbols.empty()) {
      for (const std::string& wanted : options.symbols) {
        if (std::none_of(symbols.begin(), symbols.end(),
                         [&](const SymbolInfo& info) { return info.symbol == wanted; })) {
          TF_LOG_WARN("fmp: no profile for {} (unknown symbol, or listed after {}); left out",
                      wanted, as_of.ToString());
        }
      }
    }
    auto set = std::make_shared<std::unordered_set<std::string>>();
    std::vector<std::string> names;
    for (const SymbolInfo& info : symbols) {
      set->insert(info.symbol);
      names.push_back(info.symbol);
    }
    std::lock_guard lock(mutex);
    universe = std::move(set);
    universe_symbols = std::move(names);
    profiles = std::make_shared<const TextRows>(std::move(*rows));
    skipped_symbols.fetch_add(skipped);
    TF_LOG_INFO("fmp: universe of {} symbols ({} profile rows left out)", universe_symbols.size(),
                skipped);
    return symbols;
  }

  Result<std::vector<Bar>> DailyBars(std::string_view symbol, Date from, Date to) {
    if (!IsValidSymbol(symbol)) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("'{}' is not a symbol", Safe(symbol)));
    }
    std::vector<Bar> bars;
    std::map<Date, double> adjusted;
    const int32_t chunk_days = options.chunk_years * 365 + options.chunk_years / 4;
    for (Date start = from; start <= to; start = start + chunk_days) {
      const Date end = std::min(to, start + (chunk_days - 1));
      const std::vector<std::pair<std::string, std::string>> params = {
          {"symbol", std::string(symbol)}, {"from", start.ToString()}, {"to", end.ToString()}};
      const Call call{.endpoint = "historical-price-eod/full",
                      .params = params,
                      .label = std::string(symbol),
                      .timeout = {}};
      fmp_internal::ParsedBars parsed;
      TF_ASSIGN_OR_RETURN(Reply reply, Get(call, [&](std::string_view body) -> Status {
                            TF_ASSIGN_OR_RETURN(parsed, fmp_internal::ParseHistoricalJson(body));
                            return Status::Ok();
                          }));
      per_symbol_bar_requests.fetch_add(1);
      if (reply.status != 200) return Unexpected(call, reply);
      dropped_rows.fetch_add(parsed.dropped);
      if (parsed.dropped > 0) {
        TF_LOG_WARN("fmp: {}: {} invalid bar(s) dropped", symbol, parsed.dropped);
      }
      bars.insert(bars.end(), parsed.bars.begin(), parsed.bars.end());
      if (!options.adjusted) continue;
      const Call adjusted_call{.endpoint = "historical-price-eod/dividend-adjusted",
                               .params = params,
                               .label = std::string(symbol),
                               .timeout = {}};
      std::vector<std::pair<Date, double>> closes;
      TF_ASSIGN_OR_RETURN(Reply adjusted_reply, Get(adjusted_call, [&](std::string_view body) {
                            Result<std::vector<std::pair<Date, double>>> parsed_closes =
                                fmp_internal::ParseAdjustedJson(body);
                            if (!parsed_closes.ok()) return parsed_closes.status();
                            closes = std::move(parsed_closes).value();
                            return Status::Ok();
                          }));
      per_symbol_bar_requests.fetch_add(1);
      if (adjusted_reply.status != 200) return Unexpected(adjusted_call, adjusted_reply);
      for (const auto& [date, close] : closes) adjusted.emplace(date, close);
    }
    std::stable_sort(bars.begin(), bars.end(),
                     [](const Bar& a, const Bar& b) { return a.date < b.date; });
    bars.erase(std::unique(bars.begin(), bars.end(),
                           [](const Bar& a, const Bar& b) { return a.date == b.date; }),
               bars.end());
    std::erase_if(bars, [&](const Bar& bar) { return bar.date < from || bar.date > to; });
    if (options.adjusted) {
      for (Bar& bar : bars) {
        const auto found = adjusted.find(bar.date);
        if (found != adjusted.end()) bar.adj_close = found->second;
      }
    }
    return bars;
  }

  bool ProbeBulkBars() {
    // The last Sunday: no session, so the answer is small whatever the server does with it.
    Date sunday = TodayUtc();
    while (sunday.weekday() != Weekday::kSunday) sunday = sunday - 1;
    const Call call{.endpoint = "eod-bulk",
                    .params = {{"date", sunday.ToString()}},
                    .label = "probe-" + sunday.ToString(),
                    .timeout = kBulkTimeout};
    Result<Reply> reply = Get(call, [](std::string_view) { return Status::Ok(); });
    if (!reply.ok()) {
      TF_LOG_WARN(
          "fmp: could not tell whether eod-bulk is available ({}); using per-symbol "
          "requests",
          reply.status().message());
      return false;
    }
    if (reply->status == 402) {
      MarkUnavailable("eod-bulk");
      return false;
    }
    return true;
  }

  Result<std::vector<SymbolBar>> BarsOn(Date date) {
    const Call call{.endpoint = "eod-bulk",
                    .params = {{"date", date.ToString()}},
                    .label = date.ToString(),
                    .timeout = kBulkTimeout};
    if (IsUnavailable("eod-bulk")) {
      return Status::Error(ErrorCode::kPermissionDenied,
                           "eod-bulk is not available on your FMP plan (SupportsBarsOn is false)");
    }
    const std::shared_ptr<const std::unordered_set<std::string>> keep = UniverseSet();
    fmp_internal::ParsedBulkBars parsed;
    TF_ASSIGN_OR_RETURN(
        Reply reply, Get(call, [&](std::string_view body) -> Status {
          if (body.find_first_not_of(" \r\n\t") == std::string_view::npos || body == "[]") {
            parsed = {};
            return Status::Ok();
          }
          TF_ASSIGN_OR_RETURN(parsed, fmp_internal::ParseEodBulkCsv(body, date, keep.get()));
          return Status::Ok();
        }));
    eod_bulk_requests.fetch_add(1);
    if (reply.status == 402) {
      MarkUnavailable("eod-bulk");
      bulk_bars = false;
    }
    if (reply.status != 200) return Unexpected(call, reply);
    dropped_rows.fetch_add(parsed.dropped);
    return std::move(parsed.bars);
  }

  void NoteStrategy(FundamentalsDataset dataset, std::string_view strategy) {
    std::lock_guard lock(mutex);
    fundamentals_strategy[std::string(FundamentalsDatasetName(dataset))] = std::string(strategy);
  }

  Result<table::Table> Build(FundamentalsDataset dataset, const TextRows& all_rows) {
    const std::shared_ptr<const std::unordered_set<std::string>> keep = UniverseSet();
    // A profile without a price describes a listing, not a company's figures: the symbol stays
    // in the universe (universe.parquet) but gets no profiles row, whose columns would all be
    // NULL but the names.
    TextRows priced;
    const TextRows* rows_to_build = &all_rows;
    if (dataset == FundamentalsDataset::kProfiles) {
      if (const std::optional<size_t> price = all_rows.Find("price")) {
        priced.names = all_rows.names;
        for (const auto& row : all_rows.rows) {
          if (*price < row.size() && row[*price].has_value() && !row[*price]->empty()) {
            priced.rows.push_back(row);
          }
        }
        rows_to_build = &priced;
      }
    }
    const TextRows& rows = *rows_to_build;
    fmp_internal::BuildReport report;
    TF_ASSIGN_OR_RETURN(table::Table table,
                        fmp_internal::BuildFundamentals(dataset, rows, keep.get(), report));
    if (!report.missing_fields.empty() && !rows.rows.empty()) {
      TF_LOG_WARN("fmp: {}: the response has no field {}; those columns are NULL",
                  FundamentalsDatasetName(dataset), fmt::join(report.missing_fields, ", "));
    }
    if (report.bad_values > 0) {
      TF_LOG_WARN("fmp: {}: {} value(s) did not convert and are NULL",
                  FundamentalsDatasetName(dataset), report.bad_values);
    }
    return table;
  }

  Result<table::Table> Fundamentals(FundamentalsDataset dataset, Date as_of) {
    if (dataset == FundamentalsDataset::kProfiles) {
      std::shared_ptr<const TextRows> cached;
      {
        std::lock_guard lock(mutex);
        cached = profiles;
      }
      if (cached != nullptr) {
        NoteStrategy(dataset, options.symbols.empty() ? "bulk" : "per-symbol");
        return Build(dataset, *cached);
      }
      if (options.symbols.empty()) {
        TF_ASSIGN_OR_RETURN(std::optional<TextRows> rows, ProfileBulk());
        if (rows) {
          NoteStrategy(dataset, "bulk");
          return Build(dataset, *rows);
        }
      }
    } else if (!IsUnavailable(BulkEndpoint(dataset))) {
      const std::vector<std::string_view> wanted = WantedFields(dataset);
      const Call call{.endpoint = std::string(BulkEndpoint(dataset)),
                      .params = {},
                      .label = as_of.ToString(),
                      .timeout = kBulkTimeout};
      TextRows rows;
      TF_ASSIGN_OR_RETURN(Reply reply, Get(call, [&](std::string_view body) -> Status {
                            TF_ASSIGN_OR_RETURN(
                                rows, fmp_internal::CsvToRows(body, call.endpoint, wanted));
                            return Status::Ok();
                          }));
      if (reply.status == 200) {
        NoteStrategy(dataset, "bulk");
        return Build(dataset, rows);
      }
      if (reply.status != 402) return Unexpected(call, reply);
      MarkUnavailable(BulkEndpoint(dataset));
    }
    // The per-symbol fallback, under the budget.
    std::vector<std::string> symbols;
    std::unordered_map<std::string, Date> dates;
    {
      std::lock_guard lock(mutex);
      symbols = universe_symbols;
      const auto found = refresh_dates.find(dataset);
      if (found != refresh_dates.end()) dates = found->second;
    }
    if (symbols.empty()) symbols = options.symbols;
    const auto budget =
        static_cast<size_t>(std::floor(options.fundamentals_budget * options.requests_per_minute *
                                       kMinutesPerDay / kDatasetCount));
    const std::vector<std::string> chosen = SelectForRefresh(symbols, dates, budget, as_of);
    TF_LOG_INFO("fmp: {}: per-symbol requests for {} of {} symbols (budget {})",
                FundamentalsDatasetName(dataset), chosen.size(), symbols.size(), budget);
    TF_ASSIGN_OR_RETURN(TextRows rows, PerSymbolRows(PerSymbolEndpoint(dataset), chosen,
                                                     &per_symbol_fundamentals_requests));
    NoteStrategy(dataset, "per-symbol");
    return Build(dataset, rows);
  }
};

FmpSource::FmpSource(FmpOptions options, std::unique_ptr<net::HttpTransport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {
  limiter_ = std::make_unique<net::RateLimiter>(
      net::RateLimiterOptions{.max_requests = options_.requests_per_minute,
                              .window = options_.rate_window,
                              .margin = options_.rate_margin});
  net::FetcherOptions fetcher_options;
  fetcher_options.policy = options_.retry;
  fetcher_options.policy.quota_window = options_.rate_window;
  fetcher_options.auth_hint = std::string(kAuthHint);
  fetcher_options.seed = options_.seed;
  fetcher_options.normalize = [](net::HttpResponse& response) {
    if (response.status < 200 || response.status >= 300) return;
    if (const std::optional<std::string> message = fmp_internal::ErrorMessage(response.body)) {
      response.status = fmp_internal::StatusForErrorMessage(*message);
    }
  };
  fetcher_ = std::make_unique<net::Fetcher>(*transport_, *limiter_, std::move(fetcher_options));
  state_ = std::make_unique<State>(options_, *fetcher_);
}

FmpSource::~FmpSource() = default;

Result<std::unique_ptr<FmpSource>> FmpSource::Create(
    FmpOptions options, std::unique_ptr<net::HttpTransport> transport) {
  if (options.api_key.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, fmt::format("no FMP API key: {}", kAuthHint));
  }
  while (options.base_url.ends_with('/')) options.base_url.pop_back();
  if (!options.base_url.starts_with("http://") && !options.base_url.starts_with("https://")) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("FMP base URL '{}': expected http://HOST or https://HOST",
                                     net::RedactUrl(options.base_url)));
  }
  if (options.requests_per_minute < 1 || options.chunk_years < 1 ||
      !(options.fundamentals_budget >= 0 && options.fundamentals_budget <= 1) ||
      options.per_symbol_threads < 1 || options.retry.max_attempts < 1) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "FMP options out of range (rate limit >= 1, chunk years >= 1, "
                         "fundamentals budget 0 to 1)");
  }
  for (const std::string& symbol : options.symbols) {
    if (!IsValidSymbol(symbol)) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("'{}' is not a symbol (FMP spelling: upper case, digits, '.', '-', as in "
                      "BRK-B)",
                      symbol));
    }
  }
  if (transport == nullptr) {
    return Status::Error(ErrorCode::kInvalidArgument, "FmpSource needs an HTTP transport");
  }
  return std::unique_ptr<FmpSource>(new FmpSource(std::move(options), std::move(transport)));
}

Result<std::vector<SymbolInfo>> FmpSource::Universe(Date as_of) { return state_->Universe(as_of); }

Result<std::vector<Bar>> FmpSource::DailyBars(std::string_view symbol, Date from, Date to) {
  return state_->DailyBars(symbol, from, to);
}

bool FmpSource::SupportsBarsOn() const {
  std::call_once(state_->probe_once, [this] { state_->bulk_bars = state_->ProbeBulkBars(); });
  return state_->bulk_bars.load() && !state_->IsUnavailable("eod-bulk");
}

Result<std::vector<SymbolBar>> FmpSource::BarsOn(Date date) { return state_->BarsOn(date); }

Result<table::Table> FmpSource::Fundamentals(FundamentalsDataset dataset, Date as_of) {
  return state_->Fundamentals(dataset, as_of);
}

void FmpSource::SetRefreshDates(FundamentalsDataset dataset,
                                std::unordered_map<std::string, Date> dates) {
  std::lock_guard lock(state_->mutex);
  state_->refresh_dates[dataset] = std::move(dates);
}

nlohmann::json FmpSource::Stats() const {
  const net::FetchStats net = fetcher_->stats();
  nlohmann::json json;
  json["requests"] = net.requests;
  json["retries"] = net.retries;
  json["throttled"] = net.throttled;
  json["malformed"] = net.malformed;
  json["bytes"] = net.bytes;
  json["quota_exhausted"] = fetcher_->quota_exhausted();
  json["dropped_rows"] = state_->dropped_rows.load();
  json["skipped_symbols"] = state_->skipped_symbols.load();
  json["quarantined"] = state_->quarantined.load();
  json["eod_bulk_requests"] = state_->eod_bulk_requests.load();
  json["per_symbol_bar_requests"] = state_->per_symbol_bar_requests.load();
  json["per_symbol_fundamentals_requests"] = state_->per_symbol_fundamentals_requests.load();
  json["bars_strategy"] = state_->eod_bulk_requests.load() > 0 ? "eod-bulk" : "per-symbol";
  std::lock_guard lock(state_->mutex);
  nlohmann::json per_dataset = nlohmann::json::object();
  std::set<std::string> kinds;
  for (const auto& [dataset, strategy] : state_->fundamentals_strategy) {
    per_dataset[dataset] = strategy;
    kinds.insert(strategy);
  }
  json["fundamentals_strategy"] =
      kinds.empty() ? "none" : (kinds.size() == 1 ? *kinds.begin() : std::string("mixed"));
  json["fundamentals_datasets"] = per_dataset;
  json["unavailable_endpoints"] = state_->unavailable;
  return json;
}

bool FmpSource::FundamentalsComplete(FundamentalsDataset dataset) const {
  std::lock_guard lock(state_->mutex);
  const auto strategy =
      state_->fundamentals_strategy.find(std::string(FundamentalsDatasetName(dataset)));
  return strategy == state_->fundamentals_strategy.end() || strategy->second != "per-symbol";
}

int FmpSource::ConcurrentRequests() const {
  // Enough requests in flight to start one every 1/rate seconds while each takes up to about a
  // second to answer: a second's worth of the quota, at least 8.
  return std::clamp(options_.requests_per_minute / 60, 8, 64);
}

std::string FmpSource::StatsJson() const { return Stats().dump(); }

}  // namespace tickerflow::sources
