// Small pieces shared by the steps: object keys, JSON field access with clear errors, and the
// list of per-symbol failures that every step reports.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "pipeline/pipeline.h"
#include "storage/object_store.h"

namespace tickerflow::pipeline {

/// "daily/<symbol>.parquet".
std::string DailyKey(std::string_view symbol);
/// The symbol of a daily file's key, or empty when `key` is not "daily/<valid symbol>.parquet".
std::string SymbolOfDailyKey(std::string_view key);
/// "fundamentals/<dataset>.parquet".
std::string FundamentalsKey(sources::FundamentalsDataset dataset);

/// input[name] as a date "YYYY-MM-DD"; kInvalidArgument naming the field otherwise.
Result<Date> JsonDate(const Json& input, std::string_view name);
/// input[name] as a string; kInvalidArgument naming the field otherwise.
Result<std::string> JsonString(const Json& input, std::string_view name);
/// input[name] as an integer; kInvalidArgument naming the field otherwise.
Result<int64_t> JsonInt(const Json& input, std::string_view name);

/// Per-item failures of a step: what, where, why. Not thread-safe; steps guard it.
class FailureList {
 public:
  void Add(std::string_view item, std::string_view step, const Status& status);
  size_t size() const { return failures_.size(); }
  /// [{"symbol", "step", "code", "reason"}, ...] sorted by symbol, then step.
  Json ToJson() const;

 private:
  struct Failure {
    std::string item;
    std::string step;
    std::string code;
    std::string reason;
  };
  std::vector<Failure> failures_;
};

}  // namespace tickerflow::pipeline
