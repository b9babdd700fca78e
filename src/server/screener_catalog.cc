#include "server/screener_catalog.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <time.h>

#include <cstdio>
#include <utility>

#include "common/log.h"

namespace tickerflow::server {
namespace {

constexpr std::string_view kScreenerKey = "screener/screener.parquet";
constexpr std::string_view kRunsPrefix = "_runs/";

Result<table::Table> Fetch(ConnectionPool::Lease& lease, const std::string& sql) {
  TF_ASSIGN_OR_RETURN(table::QueryResult result, lease.connection().Query(sql));
  return result.FetchTable();
}

// The newest run's summary; nullopt when it cannot be read (a run that is being written).
std::optional<RunInfo> ReadRunInfo(storage::ObjectStore& store, const std::string& key) {
  Result<std::string> text = store.Get(key);
  if (!text.ok()) return std::nullopt;
  const nlohmann::json summary = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!summary.is_object()) return std::nullopt;
  RunInfo info;
  info.run_id = summary.value("run_id", "");
  info.status = summary.value("status", "");
  info.finished_at = summary.value("finished_at", "");
  info.finished = ParseUtcTimestamp(info.finished_at);
  return info;
}

}  // namespace

std::optional<std::chrono::sys_seconds> ParseUtcTimestamp(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  std::tm parts{};
  char zone = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &zone) != 7) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return std::chrono::sys_seconds(std::chrono::seconds(::timegm(&parts)));
}

const ColumnInfo* ScreenerSnapshot::FindColumn(std::string_view name) const {
  for (const ColumnInfo& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

ScreenerCatalog::ScreenerCatalog(storage::ObjectStore& store, ConnectionPool& pool,
                                 CatalogOptions options)
    : store_(store),
      pool_(pool),
      options_(options),
      current_(std::make_shared<const ScreenerSnapshot>()) {}

std::shared_ptr<const ScreenerSnapshot> ScreenerCatalog::Current() {
  {
    std::unique_lock refresh(refresh_mutex_, std::try_to_lock);
    if (refresh.owns_lock() && std::chrono::steady_clock::now() >= next_check_) {
      refresh.unlock();
      if (const Status status = Refresh(); !status.ok()) {
        TF_LOG_WARN("serve: keeping the screener loaded before: {}", status.message());
      }
    }
  }
  std::lock_guard lock(current_mutex_);
  return current_;
}

Result<std::string> ScreenerCatalog::Signature(std::string& newest_run_key) {
  TF_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> screener, store_.List(kScreenerKey));
  std::optional<uint64_t> size;
  for (const storage::ObjectInfo& object : screener) {
    if (object.key == kScreenerKey) size = object.size;
  }
  if (!size) return std::string();
  TF_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> runs, store_.List(kRunsPrefix));
  newest_run_key.clear();
  for (const storage::ObjectInfo& run : runs) {  // Sorted; run ids start with their time.
    if (run.key.ends_with(".json")) newest_run_key = run.key;
  }
  return fmt::format("{}|{}", *size, newest_run_key);
}

Status ScreenerCatalog::Refresh() {
  std::lock_guard refresh(refresh_mutex_);
  next_check_ = std::chrono::steady_clock::now() + options_.refresh_interval;
  std::string newest_run_key;
  TF_ASSIGN_OR_RETURN(const std::string signature, Signature(newest_run_key));
  std::shared_ptr<const ScreenerSnapshot> current;
  {
    std::lock_guard lock(current_mutex_);
    current = current_;
  }
  if (signature == current->signature) return Status::Ok();
  if (signature.empty()) {  // The screener went away: answer "no data" again.
    Publish(std::make_shared<ScreenerSnapshot>());
    return Status::Ok();
  }
  TF_ASSIGN_OR_RETURN(std::shared_ptr<ScreenerSnapshot> loaded, Load(signature, newest_run_key));
  TF_LOG_INFO("serve: loaded the screener of {} ({} rows, as of {})",
              loaded->last_run ? loaded->last_run->run_id : std::string("an unknown run"),
              loaded->rows, loaded->as_of);
  Publish(std::move(loaded));
  return Status::Ok();
}

Result<std::shared_ptr<ScreenerSnapshot>> ScreenerCatalog::Load(const std::string& signature,
                                                                const std::string& newest_run_key) {
  TF_ASSIGN_OR_RETURN(const std::filesystem::path path, store_.ReadablePath(kScreenerKey));
  TF_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_.Acquire());
  auto snapshot = std::make_shared<ScreenerSnapshot>();
  snapshot->generation = ++generations_;
  snapshot->signature = signature;
  snapshot->table_name = fmt::format("screener_{}", snapshot->generation);
  const std::string table = table::QuoteIdentifier(snapshot->table_name);
  TF_RETURN_IF_ERROR(lease.connection().Execute(
      fmt::format("CREATE TABLE {} AS SELECT * FROM read_parquet({}, hive_partitioning = false)",
                  table, table::QuoteLiteral(path.string()))));
  // A half-made table goes away again.
  const auto fail = [&](const Status& status) -> Status {
    (void)lease.connection().Execute(fmt::format("DROP TABLE IF EXISTS {}", table));
    return Status::Error(status.code(),
                         fmt::format("{}: {}", store_.Describe() + "/" + std::string(kScreenerKey),
                                     status.message()));
  };
  Result<table::Table> empty = Fetch(lease, fmt::format("SELECT * FROM {} LIMIT 0", table));
  if (!empty.ok()) return fail(empty.status());
  for (const table::Column& column : empty->columns()) {
    snapshot->columns.push_back(ColumnInfo{.name = column.name(),
                                           .type = column.type(),
                                           .kind = KindOf(column.name(), column.type()),
                                           .values = {}});
  }
  const bool has_date = snapshot->FindColumn("date") != nullptr;
  Result<table::Table> totals = Fetch(
      lease, fmt::format("SELECT count(*), {} FROM {}",
                         has_date ? "CAST(max(\"date\") AS VARCHAR)" : "NULL::VARCHAR", table));
  if (!totals.ok()) return fail(totals.status());
  snapshot->rows = totals->column(0).bigints()[0];
  if (totals->column(1).is_valid(0)) snapshot->as_of = totals->column(1).varchars()[0];
  for (ColumnInfo& column : snapshot->columns) {
    if (column.kind != ColumnKind::kLabel) continue;
    const std::string name = table::QuoteIdentifier(column.name);
    Result<table::Table> values =
        Fetch(lease, fmt::format("SELECT DISTINCT {0} FROM {1} WHERE {0} IS NOT NULL AND {0} <> '' "
                                 "ORDER BY 1",
                                 name, table));
    if (!values.ok()) return fail(values.status());
    column.values = values->column(0).varchars();
  }
  if (!newest_run_key.empty()) snapshot->last_run = ReadRunInfo(store_, newest_run_key);
  return snapshot;
}

void ScreenerCatalog::Publish(std::shared_ptr<ScreenerSnapshot> snapshot) {
  std::shared_ptr<const ScreenerSnapshot> replaced;
  {
    std::lock_guard lock(current_mutex_);
    replaced = std::exchange(current_, std::move(snapshot));
  }
  if (replaced->ready()) {
    retired_.push_back(replaced);
    retired_tables_.push_back(replaced->table_name);
  }
  replaced.reset();
  // Drop the tables of snapshots no request holds any more.
  Result<ConnectionPool::Lease> lease = pool_.Acquire();
  if (!lease.ok()) return;
  for (size_t i = 0; i < retired_.size();) {
    if (!retired_[i].expired()) {
      ++i;
      continue;
    }
    const Status dropped = lease->connection().Execute(
        fmt::format("DROP TABLE IF EXISTS {}", table::QuoteIdentifier(retired_tables_[i])));
    if (!dropped.ok()) TF_LOG_WARN("serve: {}", dropped.message());
    retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(i));
    retired_tables_.erase(retired_tables_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace tickerflow::server
