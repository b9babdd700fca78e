// process_files: the per-symbol update (design.md §4) on a pool of workers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "market/calendar.h"
#include "pipeline/daily_file.h"
#include "pipeline/pipeline.h"
#include "pipeline/step_util.h"
#include "screener/daily_footer.h"
#include "table/parquet.h"

namespace tickerflow::pipeline {
namespace {

// With a bulk endpoint, one request per session updates every symbol; worth it while few
// sessions are missing. Beyond this many sessions, per-symbol requests are fewer.
constexpr size_t kMaxBulkSessions = 10;
// Written files are published in batches of this many per worker: one flush of the file
// system makes a batch durable, where an fsync per file would cost ~9 ms each.
constexpr size_t kCommitBatch = 32;
// DuckDB's memory limit for the workers' queries: a daily file's rows take a few MB per worker.
constexpr std::string_view kWorkersMemoryLimit = "1GB";
// A transient failure (a timeout, a busy server) is retried this many times in all.
constexpr int kAttempts = 3;

struct Task {
  std::string symbol;
  Date from;
  Date to;
  std::optional<Date> last_date;  // Known from the file's footer.
  bool stored = false;            // A daily file exists (perhaps unreadable).
  Date history_start;
};

struct TaskOutcome {
  bool updated = false;
  size_t rows_added = 0;
  size_t rows_revised = 0;
  size_t bars_dropped = 0;
  bool refetched = false;
  bool no_data = false;                // Listed, but the source has no bar for it (FMP's `[]`).
  std::vector<Date> missing_sessions;  // Sessions inside the history without a bar.
};

// A symbol's gaps as the summary lists them: the count, and the first dates.
constexpr size_t kGapDatesListed = 20;

// One worker's DuckDB connection and indicator memory, reused for every symbol.
struct Worker {
  table::Connection connection;
  indicators::IndicatorTable scratch;
  std::vector<storage::StagedObject> written;  // Not yet committed.
};

// Overlap of a daily update: this many sessions before the last stored date are fetched again
// so that vendor revisions reach us (design.md §4).
constexpr int kOverlapSessions = 3;

// The bars of every symbol on the sessions that the bulk requests covered.
struct BulkBars {
  Date first_session;
  std::map<std::string, std::vector<sources::Bar>, std::less<>> bars;
};

Result<std::vector<sources::Bar>> FetchWithRetry(sources::Source& source, std::string_view symbol,
                                                 Date from, Date to) {
  Result<std::vector<sources::Bar>> bars = source.DailyBars(symbol, from, to);
  for (int attempt = 1;
       attempt < kAttempts && !bars.ok() && ActionFor(bars.status().code()) == ErrorAction::kRetry;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    bars = source.DailyBars(symbol, from, to);
  }
  return bars;
}

// The first date to fetch for a symbol whose file ends on `last`: three sessions of overlap.
Date OverlapStart(Date last) {
  for (int i = 0; i < kOverlapSessions; ++i) last = market::PreviousTradingDay(last);
  return last;
}

// Fetches the bars of upcoming tasks on its own threads while the workers write files, so that
// a network source has ConcurrentRequests() requests in flight while two workers use the CPU.
// It fetches what a worker will ask for, judged from the task's hints (the last date that the
// previous screener recorded); a worker whose file says otherwise fetches for itself.
class Prefetcher {
 public:
  Prefetcher(sources::Source& source, const std::vector<Task>& tasks, const BulkBars* bulk,
             int threads)
      : source_(source),
        tasks_(tasks),
        bulk_(bulk),
        slots_(tasks.size()),
        lookahead_(static_cast<size_t>(threads) * 4) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;
  ~Prefetcher() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  // The bars of task `index` for [from, to] if they were (or are being) prefetched, waiting
  // for them; nullopt when the worker has to fetch them itself.
  // A worker has started task `index`: prefetching may run further ahead.
  void Started(size_t index) {
    {
      std::lock_guard lock(mutex_);
      consumed_ = std::max(consumed_, index + 1);
    }
    changed_.notify_all();
  }

  std::optional<Result<std::vector<sources::Bar>>> Take(size_t index, Date from, Date to) {
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[index];
    if (slot.state == Slot::kNotStarted) {
      slot.state = Slot::kTaken;  // Too late to prefetch: the worker fetches.
      return std::nullopt;
    }
    changed_.wait(lock, [&] { return slot.state == Slot::kDone; });
    slot.state = Slot::kTaken;
    if (slot.from != from || slot.to != to) return std::nullopt;
    return std::move(slot.bars);
  }

 private:
  struct Slot {
    enum State { kNotStarted, kFetching, kDone, kTaken } state = kNotStarted;
    Date from;
    Date to;
    Result<std::vector<sources::Bar>> bars = std::vector<sources::Bar>{};
  };

  // The range a worker will fetch for `task`, if the hints tell it and no bulk request covers
  // it.
  std::optional<Date> FromOf(const Task& task) const {
    if (!task.stored) return task.history_start;
    if (!task.last_date.has_value()) return std::nullopt;
    const Date from = OverlapStart(*task.last_date);
    if (bulk_ != nullptr && bulk_->first_session <= from) return std::nullopt;
    return from;
  }

  void Run() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] {
        return stopping_ || next_ >= tasks_.size() || next_ < consumed_ + lookahead_;
      });
      if (stopping_ || next_ >= tasks_.size()) return;
      const size_t index = next_++;
      Slot& slot = slots_[index];
      const std::optional<Date> from = FromOf(tasks_[index]);
      if (slot.state != Slot::kNotStarted || !from.has_value()) continue;
      slot.state = Slot::kFetching;
      slot.from = *from;
      slot.to = tasks_[index].to;
      lock.unlock();
      Result<std::vector<sources::Bar>> bars =
          FetchWithRetry(source_, tasks_[index].symbol, *from, tasks_[index].to);
      lock.lock();
      slot.bars = std::move(bars);
      slot.state = Slot::kDone;
      changed_.notify_all();
    }
  }

  sources::Source& source_;
  const std::vector<Task>& tasks_;
  const BulkBars* bulk_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;  // Guarded by mutex_, one per task.
  size_t next_ = 0;          // The next task to prefetch.
  size_t consumed_ = 0;      // Tasks the workers have started.
  const size_t lookahead_;   // How far ahead of the workers prefetching may run.
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The bars of `task` from `from`: prefetched if they were, else fetched now.
Result<std::vector<sources::Bar>> Fetch(PipelineContext& context, Prefetcher* prefetcher,
                                        size_t index, const Task& task, Date from) {
  if (prefetcher != nullptr) {
    if (std::optional<Result<std::vector<sources::Bar>>> bars =
            prefetcher->Take(index, from, task.to)) {
      return std::move(*bars);
    }
  }
  return FetchWithRetry(context.source, task.symbol, from, task.to);
}

Result<TaskOutcome> ProcessOne(PipelineContext& context, Worker& worker, size_t index,
                               const Task& task, const BulkBars* bulk, Prefetcher* prefetcher) {
  TaskOutcome outcome;
  const std::string key = DailyKey(task.symbol);
  DailyPrices stored;
  if (task.stored) {
    // kNotFound: the file went away since list_files; it is written anew.
    Result<std::filesystem::path> path = context.store.ReadablePath(key);
    if (!path.ok() && path.status().code() != ErrorCode::kNotFound) return path.status();
    if (path.ok()) {
      Result<DailyPrices> read = ReadDailyPrices(worker.connection, *path);
      if (!read.ok() && read.status().code() != ErrorCode::kNotFound) return read.status();
      if (read.ok()) stored = std::move(*read);
    }
  }

  // The overlap starts three sessions before the file's real last date (the task's is a hint).
  const Date from = stored.empty() ? task.history_start : OverlapStart(stored.date.back());
  std::vector<sources::Bar> fetched;
  if (bulk != nullptr && !stored.empty() && bulk->first_session <= from) {
    if (const auto found = bulk->bars.find(task.symbol); found != bulk->bars.end()) {
      for (const sources::Bar& bar : found->second) {
        if (from <= bar.date && bar.date <= task.to) fetched.push_back(bar);
      }
    }
  } else {
    TF_ASSIGN_OR_RETURN(fetched, Fetch(context, prefetcher, index, task, from));
  }
  BarCheck check = CheckBars(std::move(fetched));
  outcome.bars_dropped = check.dropped;
  if (check.dropped > 0) {
    TF_LOG_WARN("{}: dropped {} implausible bar(s), first: {}", task.symbol, check.dropped,
                check.first_problem);
  }

  if (!stored.empty()) {
    if (std::optional<double> factor = SplitFactorInOverlap(stored, check.kept)) {
      // The vendor rescaled the history (a split): our stored prices no longer match theirs.
      TF_LOG_INFO(
          "{}: prices before {} changed by a factor of {:.4f}; fetching the whole "
          "history again",
          task.symbol, check.kept.front().date.ToString(), *factor);
      TF_ASSIGN_OR_RETURN(
          std::vector<sources::Bar> history,
          FetchWithRetry(context.source, task.symbol,
                         std::min(task.history_start, stored.date.front()), task.to));
      check = CheckBars(std::move(history));
      outcome.bars_dropped += check.dropped;
      stored = DailyPrices{};
      outcome.refetched = true;
    }
  }

  MergeOutcome merge = MergeKeepLast(stored, check.kept);
  TF_LOG_DEBUG("{}: stored {} rows, fetched {} ({} to {}), merged {}", task.symbol, stored.size(),
               check.kept.size(), task.from.ToString(), task.to.ToString(), merge.prices.size());
  outcome.rows_added = merge.rows_added;
  outcome.rows_revised = merge.rows_revised;
  outcome.missing_sessions = MissingSessions(merge.prices.date);
  if (!merge.changed && !stored.empty()) return outcome;  // Nothing new: leave the file alone.
  if (merge.prices.empty()) {  // Listed, but the source has no bar for it.
    outcome.no_data = true;
    return outcome;
  }

  TF_ASSIGN_OR_RETURN(table::Table daily,
                      BuildDailyTable(task.symbol, merge.prices, worker.scratch));
  TF_ASSIGN_OR_RETURN(storage::StagedObject staged, context.store.Stage(key));
  // With the last row in the footer too, so that scan_latest reads footers, not pages.
  TF_RETURN_IF_ERROR(
      screener::WriteDailyFile(worker.connection, daily, staged.local_path(), DailyWriteOptions()));
  worker.written.push_back(std::move(staged));
  if (worker.written.size() >= kCommitBatch) {
    TF_RETURN_IF_ERROR(context.store.CommitAll(std::exchange(worker.written, {})));
  }
  outcome.updated = true;
  return outcome;
}

Result<std::vector<Task>> ParseTasks(const Json& input) {
  std::vector<Task> tasks;
  TF_ASSIGN_OR_RETURN(Date history_start, JsonDate(input, "history_start"));
  if (!input.contains("tasks") || !input["tasks"].is_array()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "process_files: input has no \"tasks\" array");
  }
  for (const Json& item : input["tasks"]) {
    Task task;
    TF_ASSIGN_OR_RETURN(task.symbol, JsonString(item, "symbol"));
    if (!sources::IsValidSymbol(task.symbol)) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("process_files: invalid symbol '{}'", task.symbol));
    }
    TF_ASSIGN_OR_RETURN(task.from, JsonDate(item, "from"));
    TF_ASSIGN_OR_RETURN(task.to, JsonDate(item, "to"));
    task.stored = item.value("stored", false);
    if (item.contains("last_date") && item["last_date"].is_string()) {
      TF_ASSIGN_OR_RETURN(Date last, JsonDate(item, "last_date"));
      task.last_date = last;
    }
    task.history_start = history_start;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// Fetches the sessions that the stored files miss with one bulk request each, when the source
// has the bulk endpoint and few sessions are missing. nullopt: use per-symbol requests.
Result<std::optional<BulkBars>> FetchBulk(PipelineContext& context,
                                          const std::vector<Task>& tasks) {
  if (!context.source.SupportsBarsOn()) return std::optional<BulkBars>{};
  std::optional<Date> first;
  std::optional<Date> last;
  size_t with_file = 0;
  for (const Task& task : tasks) {
    if (!task.last_date) continue;
    ++with_file;
    first = first ? std::min(*first, task.from) : task.from;
    last = last ? std::max(*last, task.to) : task.to;
  }
  if (with_file == 0) return std::optional<BulkBars>{};
  const std::vector<Date> sessions = market::TradingDays(*first, *last);
  // Per-symbol requests cost one each; bulk requests one per session.
  if (sessions.empty() || sessions.size() > kMaxBulkSessions || sessions.size() >= with_file) {
    return std::optional<BulkBars>{};
  }
  BulkBars bulk{.first_session = sessions.front(), .bars = {}};
  for (const Date session : sessions) {
    TF_ASSIGN_OR_RETURN(std::vector<sources::SymbolBar> bars, context.source.BarsOn(session));
    for (sources::SymbolBar& bar : bars) bulk.bars[bar.symbol].push_back(bar.bar);
  }
  TF_LOG_INFO("process_files: {} session(s) fetched in bulk for {} stored symbols", sessions.size(),
              with_file);
  return std::optional<BulkBars>(std::move(bulk));
}

}  // namespace

Result<Json> ProcessFiles(PipelineContext& context, const Json& input) {
  TF_ASSIGN_OR_RETURN(std::vector<Task> tasks, ParseTasks(input));
  TF_ASSIGN_OR_RETURN(std::optional<BulkBars> bulk, FetchBulk(context, tasks));

  const int workers = std::max(
      1, std::min<int>(context.workers > 0 ? context.workers
                                           : static_cast<int>(std::thread::hardware_concurrency()),
                       static_cast<int>(std::max<size_t>(tasks.size(), 1))));
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // Guards the tallies below.
  FailureList failures;
  Status stop_status = Status::Ok();
  size_t updated = 0, unchanged = 0, rows_added = 0, rows_revised = 0, refetched = 0, dropped = 0;
  std::vector<std::string> no_data;               // Symbols without a single bar from the source.
  std::map<std::string, std::vector<Date>> gaps;  // Symbol: the sessions its history lacks.

  context.progress.StepStarted("process_files", static_cast<int64_t>(tasks.size()));
  // A network source fetches ahead of the workers; stopped before the tallies are read.
  std::unique_ptr<Prefetcher> prefetcher;
  if (const int requests = context.source.ConcurrentRequests(); requests > 0) {
    prefetcher =
        std::make_unique<Prefetcher>(context.source, tasks, bulk ? &*bulk : nullptr, requests);
  }
  // The workers' own database, with one DuckDB thread: each worker's queries then run on the
  // worker's thread alone. With DuckDB's threads shared by all workers, a worker waiting for its
  // COPY polls DuckDB's task queue under a lock, which cost a fifth of the step's CPU.
  table::DatabaseOptions database_options;
  database_options.threads = 1;
  database_options.memory_limit = std::string(kWorkersMemoryLimit);
  TF_ASSIGN_OR_RETURN(table::Database database, table::Database::Open(database_options));
  auto work = [&] {
    Result<table::Connection> connection = database.Connect();
    if (!connection.ok()) {
      std::lock_guard lock(mutex);
      stop_status = connection.status();
      stop = true;
      return;
    }
    Worker worker{std::move(*connection), indicators::IndicatorTable(), {}};
    while (!stop) {
      const size_t index = next.fetch_add(1);
      if (index >= tasks.size()) break;
      const Task& task = tasks[index];
      if (prefetcher) prefetcher->Started(index);
      Result<TaskOutcome> outcome =
          ProcessOne(context, worker, index, task, bulk ? &*bulk : nullptr, prefetcher.get());
      std::lock_guard lock(mutex);
      if (outcome.ok()) {
        (outcome->updated ? updated : unchanged) += 1;
        rows_added += outcome->rows_added;
        rows_revised += outcome->rows_revised;
        refetched += outcome->refetched ? 1 : 0;
        if (outcome->no_data) no_data.push_back(task.symbol);
        if (!outcome->missing_sessions.empty()) {
          gaps.emplace(task.symbol, std::move(outcome->missing_sessions));
        }
        dropped += outcome->bars_dropped;
      } else if (ActionFor(outcome.status().code()) == ErrorAction::kStop) {
        stop_status = Status::Error(outcome.status().code(),
                                    fmt::format("{}: {}", task.symbol, outcome.status().message()));
        stop = true;
      } else {
        TF_LOG_WARN("process_files: {}: {}", task.symbol, outcome.status().message());
        failures.Add(task.symbol, "process_files", outcome.status());
      }
      context.progress.Advanced(1);
    }
    // What this worker wrote last; a run that stops publishes what it finished too.
    if (Status committed = context.store.CommitAll(std::exchange(worker.written, {}));
        !committed.ok()) {
      std::lock_guard lock(mutex);
      stop_status = committed;
      stop = true;
    }
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  prefetcher.reset();
  context.progress.StepFinished(
      "process_files",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!stop_status.ok()) return stop_status;

  Json output;
  output["symbols"] = tasks.size();
  output["updated"] = updated;
  output["unchanged"] = unchanged;
  output["rows_added"] = rows_added;
  output["rows_revised"] = rows_revised;
  output["refetched"] = refetched;
  output["bars_dropped"] = dropped;
  // Symbols the source listed but has no bar for (an empty history): reported, not failures.
  std::sort(no_data.begin(), no_data.end());
  output["no_data"] = no_data.size();
  output["no_data_symbols"] = no_data;
  if (!no_data.empty()) {
    TF_LOG_INFO(
        "process_files: {} listed symbol(s) without any bar from the source: {}{}", no_data.size(),
        fmt::join(no_data.begin(), no_data.begin() + std::min<size_t>(no_data.size(), 20), ", "),
        no_data.size() > 20 ? ", ..." : "");
  }
  // Gaps against the calendar (a halt, a vendor's missing day): reported, never fatal.
  size_t missing_sessions = 0;
  Json gap_symbols = Json::array();
  for (const auto& [symbol, dates] : gaps) {
    missing_sessions += dates.size();
    Json listed = Json::array();
    for (size_t i = 0; i < std::min(dates.size(), kGapDatesListed); ++i) {
      listed.push_back(dates[i].ToString());
    }
    gap_symbols.push_back(Json{{"symbol", symbol}, {"missing", dates.size()}, {"dates", listed}});
  }
  output["gaps"] = Json{{"symbols", gaps.size()}, {"sessions", missing_sessions}};
  output["gap_symbols"] = std::move(gap_symbols);
  if (!gaps.empty()) {
    TF_LOG_INFO("process_files: {} session(s) missing inside the histories of {} symbol(s)",
                missing_sessions, gaps.size());
  }
  output["bulk"] = bulk.has_value();
  output["failures"] = failures.ToJson();
  return output;
}

}  // namespace tickerflow::pipeline
