// The JSON API of `tickerflow serve` (docs/api.md), apart from HTTP: a request's path
// parameters and query parameters in, status, content type and body out. http_server.h puts it
// on the network; the tests call it directly too.
//
//   Api api(store, catalog, pool);
//   ApiResponse screen = api.Screener({{"sector", "Energy"}, {"rsi_max", "30"}});
//   ApiResponse bars = api.Bars("AAPL", {{"from", "2024-01-01"}});
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/connection_pool.h"
#include "server/response_cache.h"
#include "server/screener_catalog.h"
#include "server/screener_query.h"
#include "storage/object_store.h"

namespace tickerflow::server {

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body{};
  /// `body` gzip-compressed, for clients that accept it; empty when not worth it (cached
  /// answers of 1 KB and more carry it, compressed once).
  std::string gzip_body{};
  /// A weak entity tag for conditional requests (If-None-Match), set on cached answers: the
  /// same request in the same screener generation gets the same answer.
  std::string etag{};
};

/// `text` compressed as a gzip member (RFC 1952), at zlib's fastest level: a 20-year chart's
/// 700 KB of JSON becomes about a fifth. Empty if zlib fails.
std::string Gzip(std::string_view text);

/// An answer as the handlers share it: cached answers are sent without a copy.
using SharedResponse = std::shared_ptr<const ApiResponse>;

/// An error answer: {"error": message}.
ApiResponse ErrorResponse(int status, std::string_view message);

/// Thread-safe.
class Api {
 public:
  /// Screener answers are cached up to this many bytes, bars answers (a chart's 20 years are
  /// about 1 MB) up to kBarsCacheBytes.
  static constexpr size_t kCacheBytes = 64 << 20;
  static constexpr size_t kBarsCacheBytes = 256 << 20;

  Api(storage::ObjectStore& store, ScreenerCatalog& catalog, ConnectionPool& pool)
      : store_(store),
        catalog_(catalog),
        pool_(pool),
        cache_(kCacheBytes),
        bars_cache_(kBarsCacheBytes) {}

  /// GET /api/screener. Answers (200s) are cached per screener generation.
  SharedResponse Screener(const QueryParameters& parameters);
  /// GET /api/symbols/{symbol}/bars. Answers (200s) are cached per screener generation: daily
  /// files change only in a run, which ends by writing the screener.
  SharedResponse Bars(std::string_view symbol, const QueryParameters& parameters);
  /// GET /api/meta.
  ApiResponse Meta();
  /// GET /healthz.
  ApiResponse Health();

  /// The screener's row count and the last run's age in seconds (-1 when unknown), for
  /// /metrics.
  std::pair<int64_t, double> ScreenerGauges();

  /// The screener answers cached now: {entries, bytes}.
  std::pair<size_t, size_t> CacheUse() const {
    return {cache_.entries() + bars_cache_.entries(), cache_.bytes() + bars_cache_.bytes()};
  }

 private:
  ApiResponse ComputeScreener(const ScreenerSnapshot& snapshot, const QueryParameters& parameters);
  ApiResponse ComputeBars(std::string_view symbol, const QueryParameters& parameters);

  storage::ObjectStore& store_;
  ScreenerCatalog& catalog_;
  ConnectionPool& pool_;
  ResponseCache cache_;
  ResponseCache bars_cache_;
};

}  // namespace tickerflow::server
