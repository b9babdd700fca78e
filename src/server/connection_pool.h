// DuckDB connections for the server's worker threads, each with its own prepared statements.
// A request leases a connection, prepares its SQL once per connection (a repeated screen
// skips DuckDB's parser and planner) and gives the connection back when the lease ends.
//
//   TF_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool.Acquire());
//   TF_ASSIGN_OR_RETURN(table::PreparedStatement* statement, lease.Prepare(sql));
//   TF_RETURN_IF_ERROR(statement->BindAll(parameters));
//   TF_ASSIGN_OR_RETURN(table::QueryResult result, statement->Execute());
#pragma once

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "table/database.h"

namespace tickerflow::server {

/// Thread-safe. At most `max_connections` queries run at once; further requests wait for a
/// connection. With as many queries as cores, a burst of requests is answered in arrival order
/// rather than all at once and all late (64 threads sharing two cores made p99 latency 10x the
/// median), and each connection's prepared statements are reused more.
class ConnectionPool {
 public:
  /// Prepared statements kept per connection; beyond this the cache starts over.
  static constexpr size_t kMaxStatements = 256;

  ConnectionPool(const table::Database& database, size_t max_connections)
      : database_(database), max_connections_(std::max<size_t>(1, max_connections)) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  struct Pooled {
    table::Connection connection;
    std::unordered_map<std::string, table::PreparedStatement> statements;
  };

  /// One connection, for one thread, until destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Pooled> pooled)
        : pool_(&pool), pooled_(std::move(pooled)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pooled_) pool_->Release(std::move(pooled_));
    }

    table::Connection& connection() { return pooled_->connection; }
    /// `sql` prepared on this connection, from its cache when it was prepared before.
    Result<table::PreparedStatement*> Prepare(const std::string& sql);

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Pooled> pooled_;
  };

  /// An idle connection, or a new one while there are fewer than `max_connections`; else
  /// waits for one to come back.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Pooled> pooled);

  const table::Database& database_;
  const size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable returned_;
  size_t connections_ = 0;  // Made so far; guarded by mutex_.
  std::vector<std::unique_ptr<Pooled>> idle_;
};

}  // namespace tickerflow::server
