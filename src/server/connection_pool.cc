#include "server/connection_pool.h"

namespace tickerflow::server {

Result<table::PreparedStatement*> ConnectionPool::Lease::Prepare(const std::string& sql) {
  auto& statements = pooled_->statements;
  if (auto found = statements.find(sql); found != statements.end()) return &found->second;
  if (statements.size() >= kMaxStatements) statements.clear();
  TF_ASSIGN_OR_RETURN(table::PreparedStatement statement, pooled_->connection.Prepare(sql));
  return &statements.emplace(sql, std::move(statement)).first->second;
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty() || connections_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<Pooled> pooled = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(pooled));
    }
    ++connections_;
  }
  Result<table::Connection> connection = database_.Connect();
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --connections_;
    returned_.notify_one();
    return connection.status();
  }
  return Lease(*this, std::make_unique<Pooled>(Pooled{std::move(*connection), {}}));
}

void ConnectionPool::Release(std::unique_ptr<Pooled> pooled) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(pooled));
  }
  returned_.notify_one();
}

}  // namespace tickerflow::server
