#include "server/screener_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "common/date.h"
#include "storage/object_store.h"

namespace tickerflow::server {
namespace {

const ColumnInfo* Find(const std::vector<ColumnInfo>& columns, std::string_view name) {
  for (const ColumnInfo& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

Status BadRequest(std::string message) {
  return Status::Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<int64_t> ParseCount(std::string_view name, std::string_view text, int64_t min, int64_t max) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return BadRequest(fmt::format("{}={}: expected a whole number from {} to {}", name,
                                  storage::QuoteForMessage(text), min, max));
  }
  return value;
}

Result<bool> ParseBoolean(std::string_view name, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return BadRequest(
      fmt::format("{}={}: expected true or false", name, storage::QuoteForMessage(text)));
}

// One filter on one column: "any of" values, or a bound.
struct Filter {
  std::vector<table::Parameter> any_of;
  std::vector<std::pair<std::string_view, table::Parameter>> bounds;  // {">=" or "<=", value}
};

Result<table::Parameter> ParseBound(const ColumnInfo& column, std::string_view key,
                                    std::string_view text) {
  if (column.kind == ColumnKind::kDate) {
    Result<Date> date = Date::Parse(text);
    if (!date.ok()) {
      return BadRequest(
          fmt::format("{}={}: expected a date, YYYY-MM-DD", key, storage::QuoteForMessage(text)));
    }
    return table::Parameter(*date);
  }
  const std::optional<double> number = ParseNumber(text);
  if (!number) {
    return BadRequest(fmt::format("{}={}: expected a number such as 30, -1.5 or 1e10", key,
                                  storage::QuoteForMessage(text)));
  }
  return table::Parameter(*number);
}

// The values of "a,b,c" for `column`. A label's own values may hold commas ("Oil, Gas &
// Consumable Fuels"): consecutive parts that join into one of the label's values are that value.
std::vector<std::string> SplitValues(const ColumnInfo& column, std::string_view text) {
  if (column.kind != ColumnKind::kLabel) return SplitList(text);
  const auto known = [&column](const std::string& value) {
    return std::binary_search(column.values.begin(), column.values.end(), value);
  };
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < parts.size();) {
    // The longest run of parts from i that is a known value; else the part alone.
    size_t taken = 1;
    std::string joined = parts[i];
    std::string candidate = joined;
    for (size_t j = i + 1; j < parts.size(); ++j) {
      candidate += ',';
      candidate += parts[j];
      if (known(candidate)) {
        joined = candidate;
        taken = j - i + 1;
      }
    }
    if (!joined.empty()) values.push_back(std::move(joined));
    i += taken;
  }
  return values;
}

Status AddEquality(const ColumnInfo& column, std::string_view value, Filter& filter) {
  if (column.kind == ColumnKind::kNumber || column.kind == ColumnKind::kDate) {
    return BadRequest(fmt::format("{}: a {} column is filtered with {}_min and {}_max", column.name,
                                  KindName(column.kind), column.name, column.name));
  }
  for (const std::string& item : SplitValues(column, value)) {
    if (filter.any_of.size() >= kMaxValuesPerColumn) {
      return BadRequest(fmt::format("{}: more than {} values", column.name, kMaxValuesPerColumn));
    }
    if (column.kind == ColumnKind::kBoolean) {
      TF_ASSIGN_OR_RETURN(const bool flag, ParseBoolean(column.name, item));
      filter.any_of.emplace_back(flag);
    } else {
      filter.any_of.emplace_back(item);
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view KindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kText:
      return "text";
    case ColumnKind::kLabel:
      return "label";
    case ColumnKind::kBoolean:
      return "boolean";
    case ColumnKind::kNumber:
      return "number";
    case ColumnKind::kDate:
      return "date";
  }
  return "text";
}

ColumnKind KindOf(std::string_view name, table::ColumnType type) {
  switch (type) {
    case table::ColumnType::kVarchar:
      return name == "symbol" || name == "company_name" ? ColumnKind::kText : ColumnKind::kLabel;
    case table::ColumnType::kBoolean:
      return ColumnKind::kBoolean;
    case table::ColumnType::kDate:
      return ColumnKind::kDate;
    case table::ColumnType::kDouble:
    case table::ColumnType::kBigint:
      return ColumnKind::kNumber;
  }
  return ColumnKind::kText;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) items.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

std::optional<double> ParseNumber(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

Result<ScreenerPlan> PlanScreenerQuery(const std::vector<ColumnInfo>& columns,
                                       std::string_view table_name,
                                       const QueryParameters& parameters) {
  ScreenerPlan plan;
  // Filters by column, in the table's column order: the same screen asked with its parameters
  // in another order gives the same SQL (and reuses its prepared statement).
  std::map<size_t, Filter> filters;
  std::string search;
  const ColumnInfo* sort = Find(columns, "symbol");
  bool descending = false;
  std::vector<std::string> wanted;
  bool limit_given = false;
  for (const auto& [key, value] : parameters) {
    if (key == "q") {
      search = value;
    } else if (key == "sort") {
      sort = Find(columns, value);
      if (sort == nullptr) {
        return BadRequest(fmt::format("sort={}: no such column; /api/meta lists the columns",
                                      storage::QuoteForMessage(value)));
      }
    } else if (key == "order") {
      if (value != "asc" && value != "desc") {
        return BadRequest(
            fmt::format("order={}: expected asc or desc", storage::QuoteForMessage(value)));
      }
      descending = value == "desc";
    } else if (key == "limit") {
      limit_given = true;
      Result<int64_t> limit = ParseCount("limit", value, 1, kMaxCsvLimit);
      if (!limit.ok()) {
        return BadRequest(
            fmt::format("limit={}: expected a whole number from 1 to {} ({} with format=csv)",
                        storage::QuoteForMessage(value), kMaxLimit, kMaxCsvLimit));
      }
      plan.limit = *limit;
    } else if (key == "offset") {
      TF_ASSIGN_OR_RETURN(plan.offset, ParseCount("offset", value, 0, int64_t{1} << 40));
    } else if (key == "columns") {
      wanted = SplitList(value);
    } else if (key == "format") {
      if (value != "csv" && value != "json") {
        return BadRequest(
            fmt::format("format={}: expected json or csv", storage::QuoteForMessage(value)));
      }
      plan.csv = value == "csv";
    } else if (const ColumnInfo* column = Find(columns, key)) {
      TF_RETURN_IF_ERROR(
          AddEquality(*column, value, filters[static_cast<size_t>(column - columns.data())]));
    } else {
      // <column>_min / <column>_max.
      const bool is_min = key.ends_with("_min");
      const bool is_max = key.ends_with("_max");
      const ColumnInfo* bounded =
          is_min || is_max ? Find(columns, key.substr(0, key.size() - 4)) : nullptr;
      if (bounded == nullptr) {
        return BadRequest(fmt::format(
            "{}: no such column or parameter; filters are <column>=a,b, <column>_min=x and "
            "<column>_max=y, with the columns /api/meta lists",
            storage::QuoteForMessage(key)));
      }
      if (bounded->kind != ColumnKind::kNumber && bounded->kind != ColumnKind::kDate) {
        return BadRequest(fmt::format("{}: {} is a {} column; filter it with {}=value", key,
                                      bounded->name, KindName(bounded->kind), bounded->name));
      }
      TF_ASSIGN_OR_RETURN(table::Parameter bound, ParseBound(*bounded, key, value));
      filters[static_cast<size_t>(bounded - columns.data())].bounds.emplace_back(
          is_min ? ">=" : "<=", std::move(bound));
    }
  }
  if (!plan.csv && plan.limit > kMaxLimit) {
    return BadRequest(fmt::format("limit={}: at most {} rows per page (format=csv allows {})",
                                  plan.limit, kMaxLimit, kMaxCsvLimit));
  }
  if (plan.csv && !limit_given) plan.limit = kMaxCsvLimit;

  if (wanted.empty()) {
    for (const ColumnInfo& column : columns) plan.columns.push_back(&column);
  } else {
    for (const std::string& name : wanted) {
      const ColumnInfo* column = Find(columns, name);
      if (column == nullptr) {
        return BadRequest(fmt::format("columns: no such column {}; /api/meta lists the columns",
                                      storage::QuoteForMessage(name)));
      }
      if (std::find(plan.columns.begin(), plan.columns.end(), column) == plan.columns.end()) {
        plan.columns.push_back(column);
      }
    }
  }

  std::string where;
  std::vector<table::Parameter> bound;
  const auto add_condition = [&where](std::string_view condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  for (auto& [index, filter] : filters) {
    const std::string name = table::QuoteIdentifier(columns[index].name);
    if (!filter.any_of.empty()) {
      std::string condition = name + " IN (";
      for (size_t i = 0; i < filter.any_of.size(); ++i) condition += i == 0 ? "?" : ", ?";
      condition += ')';
      add_condition(condition);
      for (table::Parameter& value : filter.any_of) bound.push_back(std::move(value));
    }
    for (auto& [op, value] : filter.bounds) {
      add_condition(fmt::format("{} {} ?", name, op));
      bound.push_back(std::move(value));
    }
  }
  if (!search.empty()) {
    // contains() over lower(): no LIKE wildcards to escape in the search text.
    std::string condition = "(contains(lower(\"symbol\"), lower(?))";
    bound.emplace_back(search);
    if (Find(columns, "company_name") != nullptr) {
      condition += " OR contains(lower(\"company_name\"), lower(?))";
      bound.emplace_back(search);
    }
    condition += ')';
    add_condition(condition);
  }

  std::string select;
  for (const ColumnInfo* column : plan.columns) {
    if (!select.empty()) select += ", ";
    select += table::QuoteIdentifier(column->name);
  }
  const std::string from = " FROM " + table::QuoteIdentifier(table_name);
  std::string order = " ORDER BY " + table::QuoteIdentifier(sort->name) +
                      (descending ? " DESC" : " ASC") + " NULLS LAST";
  // Ties keep a stable order across pages.
  if (sort->name != "symbol" && Find(columns, "symbol") != nullptr) order += ", \"symbol\" ASC";

  plan.count_sql = "SELECT count(*)" + from + where;
  plan.count_parameters = bound;
  // The count of every match rides along with the page (one query, not two); it is the last
  // column, which the answer leaves out.
  const std::string total = plan.csv ? "" : ", count(*) OVER () AS \"__total\"";
  plan.page_sql = "SELECT " + select + total + from + where + order + " LIMIT ? OFFSET ?";
  plan.page_parameters = std::move(bound);
  plan.page_parameters.emplace_back(plan.limit);
  plan.page_parameters.emplace_back(plan.offset);
  return plan;
}

}  // namespace tickerflow::server
