#include "server/metrics.h"

#include <fmt/format.h>

namespace tickerflow::server {

void Metrics::Record(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto latency = latency_.find(route);
  if (latency == latency_.end()) latency = latency_.emplace(std::string(route), Latency{}).first;
  Latency& histogram = latency->second;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++histogram.buckets[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
  if (status >= 400) {
    auto errors = errors_.find(route);
    if (errors == errors_.end()) errors = errors_.emplace(std::string(route), 0).first;
    ++errors->second;
  }
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  auto append = std::back_inserter(out);
  std::lock_guard lock(mutex_);
  out +=
      "# HELP tickerflow_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE tickerflow_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    fmt::format_to(append, "tickerflow_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n",
                   key.first, key.second, count);
  }
  out +=
      "# HELP tickerflow_http_request_duration_seconds Time from a request's arrival to its "
      "answer.\n"
      "# TYPE tickerflow_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += histogram.buckets[i];
      fmt::format_to(append,
                     "tickerflow_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} "
                     "{}\n",
                     route, kBuckets[i], cumulative);
    }
    fmt::format_to(append,
                   "tickerflow_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} "
                   "{}\n"
                   "tickerflow_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n"
                   "tickerflow_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                   route, histogram.count, route, histogram.sum, route, histogram.count);
  }
  out +=
      "# HELP tickerflow_http_errors_total Requests answered with a status of 400 or more.\n"
      "# TYPE tickerflow_http_errors_total counter\n";
  for (const auto& [route, count] : errors_) {
    fmt::format_to(append, "tickerflow_http_errors_total{{route=\"{}\"}} {}\n", route, count);
  }
  for (const Gauge& gauge : gauges) {
    fmt::format_to(append, "# HELP {} {}\n# TYPE {} gauge\n{} {}\n", gauge.name, gauge.help,
                   gauge.name, gauge.name, gauge.value);
  }
  return out;
}

}  // namespace tickerflow::server
