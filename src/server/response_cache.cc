#include "server/response_cache.h"

#include <fmt/format.h>

#include <algorithm>

#include "server/api.h"

namespace tickerflow::server {
namespace {

size_t SizeOf(const std::string& key, const ApiResponse& response) {
  return key.size() + response.body.size() + response.content_type.size() + 64;
}

}  // namespace

std::string ResponseCache::Key(uint64_t generation, const QueryParameters& parameters) {
  QueryParameters sorted = parameters;
  // Stable: a repeated key keeps its values' order, which the planner's "last wins" sees.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string key = fmt::format("{}", generation);
  for (const auto& [name, value] : sorted) {
    // Lengths first: no name or value can fake a separator.
    fmt::format_to(std::back_inserter(key), "|{}:{}={}:{}", name.size(), name, value.size(), value);
  }
  return key;
}

std::shared_ptr<const ApiResponse> ResponseCache::Find(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->second;
}

void ResponseCache::Insert(const std::string& key, std::shared_ptr<const ApiResponse> response) {
  const size_t size = SizeOf(key, *response);
  if (size > max_bytes_ / 4) return;
  std::lock_guard lock(mutex_);
  if (const auto found = index_.find(key); found != index_.end()) {
    bytes_ -= SizeOf(key, *found->second->second);
    entries_.erase(found->second);
    index_.erase(found);
  }
  entries_.emplace_front(key, std::move(response));
  index_.emplace(key, entries_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    const Entry& last = entries_.back();
    bytes_ -= SizeOf(last.first, *last.second);
    index_.erase(last.first);
    entries_.pop_back();
  }
}

size_t ResponseCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t ResponseCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tickerflow::server
