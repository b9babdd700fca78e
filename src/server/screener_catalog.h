// The screener the server answers from: screener/screener.parquet loaded into a DuckDB table,
// with its columns, the distinct values of its labels and the last run's summary. A new
// screener (a run finished) is noticed by looking at the store at most once per refresh
// interval, loaded into a new table beside the old one, and swapped in; requests that hold the
// old snapshot finish on the old table.
//
//   ScreenerCatalog catalog(store, pool, {.refresh_interval = std::chrono::seconds(1)});
//   std::shared_ptr<const ScreenerSnapshot> snapshot = catalog.Current();
//   if (!snapshot->ready()) ...;  // no screener yet
//   PlanScreenerQuery(snapshot->columns, snapshot->table_name, parameters);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/connection_pool.h"
#include "server/screener_query.h"
#include "storage/object_store.h"

namespace tickerflow::server {

/// What _runs/<run id>.json says of the newest run.
struct RunInfo {
  std::string run_id;
  std::string status;       ///< "succeeded" or "failed".
  std::string finished_at;  ///< ISO 8601 UTC, as the summary has it; empty if unknown.
  std::optional<std::chrono::sys_seconds> finished;  ///< finished_at, parsed.
};

/// One loaded screener. Immutable once published.
struct ScreenerSnapshot {
  uint64_t generation = 0;  ///< 0: there is no screener.
  std::string table_name;   ///< The DuckDB table holding it.
  std::vector<ColumnInfo> columns;
  int64_t rows = 0;
  std::string as_of;  ///< The newest bar's date, "YYYY-MM-DD".
  std::optional<RunInfo> last_run;
  std::string signature;  ///< What the store showed when it was loaded.

  bool ready() const { return generation != 0; }
  const ColumnInfo* FindColumn(std::string_view name) const;
};

struct CatalogOptions {
  /// How often at most the store is asked whether the screener changed.
  std::chrono::milliseconds refresh_interval = std::chrono::seconds(1);
};

/// Thread-safe.
class ScreenerCatalog {
 public:
  ScreenerCatalog(storage::ObjectStore& store, ConnectionPool& pool, CatalogOptions options);
  ScreenerCatalog(const ScreenerCatalog&) = delete;
  ScreenerCatalog& operator=(const ScreenerCatalog&) = delete;

  /// The current snapshot. When the refresh interval has passed, one caller looks at the store
  /// first (loading a changed screener) while the others go on with the snapshot they have. A
  /// failure to look or load is logged and the previous snapshot kept.
  std::shared_ptr<const ScreenerSnapshot> Current();

  /// Looks at the store now and loads the screener if it changed. Errors: the store cannot be
  /// listed, or the screener cannot be read (kCorruptData for a damaged file).
  Status Refresh();

 private:
  Result<std::string> Signature(std::string& newest_run_key);
  Result<std::shared_ptr<ScreenerSnapshot>> Load(const std::string& signature,
                                                 const std::string& newest_run_key);
  void Publish(std::shared_ptr<ScreenerSnapshot> snapshot);

  storage::ObjectStore& store_;
  ConnectionPool& pool_;
  const CatalogOptions options_;

  std::mutex refresh_mutex_;                          // One refresh at a time.
  std::chrono::steady_clock::time_point next_check_;  // Guarded by refresh_mutex_.
  uint64_t generations_ = 0;                          // Guarded by refresh_mutex_.
  // Tables of replaced snapshots, dropped once nobody holds them. Guarded by refresh_mutex_.
  std::vector<std::weak_ptr<const ScreenerSnapshot>> retired_;
  std::vector<std::string> retired_tables_;

  mutable std::mutex current_mutex_;
  std::shared_ptr<const ScreenerSnapshot> current_;  // Guarded by current_mutex_.
};

/// Parses "2026-11-26T06:16:28Z"; nullopt for anything else.
std::optional<std::chrono::sys_seconds> ParseUtcTimestamp(std::string_view text);

}  // namespace tickerflow::server
