// The server's counters in Prometheus' text format (version 0.0.4): requests by route and
// status, a latency histogram by route, errors by route, and gauges set by the caller.
//
//   Metrics metrics;
//   metrics.Record("screener", 200, 0.0012);
//   std::string text = metrics.Render({{"tickerflow_screener_rows", "Rows in the screener.",
//                                       9000}});
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickerflow::server {

/// A value computed when /metrics is asked for.
struct Gauge {
  std::string name;
  std::string help;
  double value = 0;
};

/// Thread-safe: Record and Render may be called from any thread.
class Metrics {
 public:
  /// Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

  /// Counts one answered request of `route` with HTTP status `status` that took `seconds`. A
  /// status of 400 or more counts as an error too.
  void Record(std::string_view route, int status, double seconds);

  /// Everything counted so far, then `gauges`.
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> buckets{};  // Not cumulative; Render sums them.
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t, std::less<>> requests_;  // {route, status}
  std::map<std::string, Latency, std::less<>> latency_;
  std::map<std::string, uint64_t, std::less<>> errors_;
};

}  // namespace tickerflow::server
