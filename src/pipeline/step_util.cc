#include "pipeline/step_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace tickerflow::pipeline {

std::string DailyKey(std::string_view symbol) { return fmt::format("daily/{}.parquet", symbol); }

std::string SymbolOfDailyKey(std::string_view key) {
  constexpr std::string_view kPrefix = "daily/";
  constexpr std::string_view kSuffix = ".parquet";
  if (key.size() <= kPrefix.size() + kSuffix.size() || !key.starts_with(kPrefix) ||
      !key.ends_with(kSuffix)) {
    return {};
  }
  std::string symbol(key.substr(kPrefix.size(), key.size() - kPrefix.size() - kSuffix.size()));
  return sources::IsValidSymbol(symbol) ? symbol : std::string();
}

std::string FundamentalsKey(sources::FundamentalsDataset dataset) {
  return fmt::format("fundamentals/{}.parquet", sources::FundamentalsDatasetName(dataset));
}

Result<Date> JsonDate(const Json& input, std::string_view name) {
  TF_ASSIGN_OR_RETURN(std::string text, JsonString(input, name));
  Result<Date> date = Date::Parse(text);
  if (!date.ok()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("step input \"{}\": {}", name, date.status().message()));
  }
  return *date;
}

Result<std::string> JsonString(const Json& input, std::string_view name) {
  const auto found = input.find(name);
  if (found == input.end() || !found->is_string()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("step input has no string \"{}\"", name));
  }
  return found->get<std::string>();
}

Result<int64_t> JsonInt(const Json& input, std::string_view name) {
  const auto found = input.find(name);
  if (found == input.end() || !found->is_number_integer()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("step input has no integer \"{}\"", name));
  }
  return found->get<int64_t>();
}

void FailureList::Add(std::string_view item, std::string_view step, const Status& status) {
  failures_.push_back(Failure{std::string(item), std::string(step),
                              std::string(ErrorCodeName(status.code())), status.message()});
}

Json FailureList::ToJson() const {
  std::vector<const Failure*> sorted;
  for (const Failure& failure : failures_) sorted.push_back(&failure);
  std::sort(sorted.begin(), sorted.end(), [](const Failure* a, const Failure* b) {
    return std::tie(a->item, a->step) < std::tie(b->item, b->step);
  });
  Json list = Json::array();
  for (const Failure* failure : sorted) {
    list.push_back(Json{{"symbol", failure->item},
                        {"step", failure->step},
                        {"code", failure->code},
                        {"reason", failure->reason}});
  }
  return list;
}

}  // namespace tickerflow::pipeline
