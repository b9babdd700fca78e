// Finished answers of the screener API, by screener generation and request: the screener does
// not change between runs, so the same screen asked again (a preset, a shared link, the next
// visitor) is answered from memory instead of DuckDB. Least recently used answers go first
// when the cache holds more than its byte budget. A new screener makes every entry miss (the
// generation is part of the key) and the old ones age out.
//
//   ResponseCache cache(64 << 20);
//   std::string key = ResponseCache::Key(snapshot->generation, parameters);
//   if (std::shared_ptr<const ApiResponse> hit = cache.Find(key)) return hit;
//   auto response = std::make_shared<const ApiResponse>(...);
//   cache.Insert(key, response);
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "server/screener_query.h"

namespace tickerflow::server {

struct ApiResponse;

/// Thread-safe.
class ResponseCache {
 public:
  explicit ResponseCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  /// The key of `parameters` for the screener of `generation`: the parameters sorted, so that
  /// their order in the URL does not matter.
  static std::string Key(uint64_t generation, const QueryParameters& parameters);

  /// The cached answer for `key`, or nullptr.
  std::shared_ptr<const ApiResponse> Find(const std::string& key);
  /// Caches `response` under `key`; an answer larger than a quarter of the budget is not kept.
  void Insert(const std::string& key, std::shared_ptr<const ApiResponse> response);

  size_t bytes() const;
  size_t entries() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const ApiResponse>>;

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // Most recently used first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace tickerflow::server
