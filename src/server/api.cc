#include "server/api.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <chrono>
#include <functional>

#include "common/date.h"
#include "common/log.h"
#include "screener/scan_latest.h"
#include "server/response_body.h"
#include "sources/source.h"
#include "table/json_text.h"

namespace tickerflow::server {
namespace {

constexpr std::string_view kNoScreener =
    "no screener yet: `tickerflow run --data DIR` builds it; this page shows it once that run "
    "has finished";

// Answers shorter than this go out as they are: compressing would save less than a packet.
constexpr size_t kGzipMinBytes = 1024;

// The columns a chart needs when a request names none.
constexpr std::string_view kDefaultBarColumns =
    "date,open,high,low,close,volume,sma_50,sma_200,bb_bbh,bb_bbm,bb_bbl,rsi,macd,macd_signal,"
    "macd_diff";

// The HTTP status for an error from the store or DuckDB.
int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// Runs `sql` with `parameters` on a pooled connection, with its prepared statement reused.
Result<table::Table> RunQuery(ConnectionPool& pool, const std::string& sql,
                              const std::vector<table::Parameter>& parameters) {
  TF_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool.Acquire());
  TF_ASSIGN_OR_RETURN(table::PreparedStatement * statement, lease.Prepare(sql));
  TF_RETURN_IF_ERROR(statement->BindAll(parameters));
  TF_ASSIGN_OR_RETURN(table::QueryResult result, statement->Execute());
  return result.FetchTable();
}

ApiResponse InternalError(std::string_view what, const Status& status) {
  TF_LOG_ERROR("serve: {}: {}", what, status.message());
  return ErrorResponse(StatusFor(status.code()), fmt::format("{}: {}", what, status.message()));
}

// The answer cached under `key`, or the one `compute` gives, cached (with its gzip copy) when it
// succeeds.
template <typename Compute>
SharedResponse Cached(ResponseCache& cache, const std::string& key, Compute compute) {
  if (SharedResponse cached = cache.Find(key)) return cached;
  ApiResponse computed = compute();
  if (computed.status != 200) return std::make_shared<const ApiResponse>(std::move(computed));
  if (computed.body.size() >= kGzipMinBytes) computed.gzip_body = Gzip(computed.body);
  // The key holds the generation, so a new screener gives every answer a new tag.
  computed.etag = fmt::format("W/\"{:016x}\"", std::hash<std::string>{}(key));
  auto response = std::make_shared<const ApiResponse>(std::move(computed));
  cache.Insert(key, response);
  return response;
}

std::string_view ParameterValue(const QueryParameters& parameters, std::string_view key) {
  std::string_view value;
  for (const auto& [name, text] : parameters) {
    if (name == key) value = text;
  }
  return value;
}

}  // namespace

std::string Gzip(std::string_view text) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate data.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  // zlib's interface takes non-const input; deflate only reads it.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

ApiResponse ErrorResponse(int status, std::string_view message) {
  return ApiResponse{
      .status = status, .content_type = "application/json", .body = JsonError(message)};
}

SharedResponse Api::Screener(const QueryParameters& parameters) {
  const std::shared_ptr<const ScreenerSnapshot> snapshot = catalog_.Current();
  if (!snapshot->ready())
    return std::make_shared<const ApiResponse>(ErrorResponse(503, kNoScreener));
  return Cached(cache_, ResponseCache::Key(snapshot->generation, parameters),
                [&] { return ComputeScreener(*snapshot, parameters); });
}

ApiResponse Api::ComputeScreener(const ScreenerSnapshot& snapshot,
                                 const QueryParameters& parameters) {
  Result<ScreenerPlan> plan = PlanScreenerQuery(snapshot.columns, snapshot.table_name, parameters);
  if (!plan.ok()) return ErrorResponse(400, plan.status().message());
  Result<table::Table> page = RunQuery(pool_, plan->page_sql, plan->page_parameters);
  if (!page.ok()) return InternalError("screener query", page.status());
  if (plan->csv) {
    ApiResponse response{.status = 200, .content_type = "text/csv; charset=utf-8", .body = {}};
    AppendCsv(response.body, *page);
    return response;
  }
  // The page's last column is the count of every match; an empty page has no row to carry it.
  const size_t shown = plan->columns.size();
  int64_t total = 0;
  if (page->num_rows() > 0) {
    total = page->column(shown).bigints()[0];
  } else if (plan->offset > 0) {
    Result<table::Table> count = RunQuery(pool_, plan->count_sql, plan->count_parameters);
    if (!count.ok()) return InternalError("screener count", count.status());
    total = count->column(0).bigints()[0];
  }
  ApiResponse response;
  response.body.reserve(256 + page->num_rows() * shown * 12);
  fmt::format_to(std::back_inserter(response.body), "{{\"total\":{},\"offset\":{},\"limit\":{},",
                 total, plan->offset, plan->limit);
  response.body += "\"columns\":";
  AppendJsonColumns(response.body, *page, shown);
  response.body += ",\"rows\":";
  AppendJsonRows(response.body, *page, shown);
  response.body += '}';
  return response;
}

SharedResponse Api::Bars(std::string_view symbol, const QueryParameters& parameters) {
  const std::shared_ptr<const ScreenerSnapshot> snapshot = catalog_.Current();
  QueryParameters keyed = parameters;
  keyed.emplace_back("", symbol);  // No parameter has an empty name: the key stays unique.
  return Cached(bars_cache_, ResponseCache::Key(snapshot->generation, keyed),
                [&] { return ComputeBars(symbol, parameters); });
}

ApiResponse Api::ComputeBars(std::string_view symbol, const QueryParameters& parameters) {
  if (!sources::IsValidSymbol(symbol)) {
    return ErrorResponse(
        400, fmt::format("{} is not a ticker symbol", storage::QuoteForMessage(symbol)));
  }
  Date from = Date::FromCivil(1900, 1, 1);
  Date to = Date::FromCivil(2999, 12, 31);
  for (const auto& [key, value] : parameters) {
    if (key != "from" && key != "to" && key != "columns") {
      return ErrorResponse(400, fmt::format("{}: unknown parameter; expected from, to or columns",
                                            storage::QuoteForMessage(key)));
    }
    if (key == "columns") continue;
    Result<Date> date = Date::Parse(value);
    if (!date.ok()) {
      return ErrorResponse(400, fmt::format("{}={}: expected a date, YYYY-MM-DD", key,
                                            storage::QuoteForMessage(value)));
    }
    (key == "from" ? from : to) = *date;
  }
  std::string_view wanted = ParameterValue(parameters, "columns");
  if (wanted.empty()) wanted = kDefaultBarColumns;
  std::vector<std::string> names = {"date"};
  for (std::string& name : SplitList(wanted)) {
    bool known = false;
    for (const screener::DailyColumn& column : screener::DailyColumns()) {
      known = known || column.name == name;
    }
    if (!known) {
      return ErrorResponse(400, fmt::format("columns: no column {} in a daily file",
                                            storage::QuoteForMessage(name)));
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  Result<std::filesystem::path> path = store_.ReadablePath(fmt::format("daily/{}.parquet", symbol));
  if (!path.ok()) {
    if (path.status().code() == ErrorCode::kNotFound) {
      return ErrorResponse(404, fmt::format("no such ticker: {} has no daily file",
                                            storage::QuoteForMessage(symbol)));
    }
    return InternalError("daily file", path.status());
  }
  std::string sql = "SELECT ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += table::QuoteIdentifier(names[i]);
  }
  sql +=
      " FROM read_parquet(?, hive_partitioning = false) WHERE \"date\" BETWEEN ? AND ? "
      "ORDER BY \"date\"";
  Result<table::Table> rows = RunQuery(pool_, sql, {path->string(), from, to});
  if (!rows.ok()) return InternalError(fmt::format("daily/{}.parquet", symbol), rows.status());
  ApiResponse response;
  response.body.reserve(256 + rows->num_rows() * rows->num_columns() * 12);
  response.body += "{\"symbol\":";
  table::AppendJsonString(response.body, symbol);
  response.body += ",\"columns\":";
  AppendJsonColumns(response.body, *rows);
  response.body += ",\"rows\":";
  AppendJsonRows(response.body, *rows);
  response.body += '}';
  return response;
}

ApiResponse Api::Meta() {
  const std::shared_ptr<const ScreenerSnapshot> snapshot = catalog_.Current();
  nlohmann::ordered_json meta;
  meta["ready"] = snapshot->ready();
  meta["as_of"] =
      snapshot->as_of.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(snapshot->as_of);
  meta["rows"] = snapshot->rows;
  if (snapshot->last_run) {
    const RunInfo& run = *snapshot->last_run;
    nlohmann::ordered_json last_run = {
        {"run_id", run.run_id}, {"status", run.status}, {"finished_at", run.finished_at}};
    const auto [rows, age] = ScreenerGauges();
    last_run["age_seconds"] =
        age >= 0 ? nlohmann::ordered_json(static_cast<int64_t>(age)) : nlohmann::ordered_json();
    meta["last_run"] = std::move(last_run);
  } else {
    meta["last_run"] = nullptr;
  }
  meta["columns"] = nlohmann::ordered_json::array();
  for (const ColumnInfo& column : snapshot->columns) {
    nlohmann::ordered_json item = {{"name", column.name},
                                   {"type", table::ColumnTypeName(column.type)},
                                   {"kind", KindName(column.kind)}};
    if (column.kind == ColumnKind::kLabel) item["values"] = column.values;
    meta["columns"].push_back(std::move(item));
  }
  return ApiResponse{.status = 200, .content_type = "application/json", .body = meta.dump()};
}

ApiResponse Api::Health() {
  const std::shared_ptr<const ScreenerSnapshot> snapshot = catalog_.Current();
  return ApiResponse{.status = 200,
                     .content_type = "application/json",
                     .body = fmt::format("{{\"status\":\"ok\",\"ready\":{},\"rows\":{}}}",
                                         snapshot->ready() ? "true" : "false", snapshot->rows)};
}

std::pair<int64_t, double> Api::ScreenerGauges() {
  const std::shared_ptr<const ScreenerSnapshot> snapshot = catalog_.Current();
  double age = -1;
  if (snapshot->last_run && snapshot->last_run->finished) {
    age = std::chrono::duration<double>(std::chrono::system_clock::now() -
                                        *snapshot->last_run->finished)
              .count();
  }
  return {snapshot->rows, age};
}

}  // namespace tickerflow::server
