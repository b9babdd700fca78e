// The daily scheduler: runs the pipeline once per NYSE session, after its close, at a
// configured local time; never on days without a session; once at start-up for the sessions
// it missed while the machine was down.
//
//   RealClock clock;
//   ScheduleOptions options;
//   options.state_file = state_path;                // at 17:30 America/New_York by default
//   TF_ASSIGN_OR_RETURN(Scheduler scheduler,
//                       Scheduler::Create(options, clock, [](Date session) {
//                         return RunPipelineFor(session);
//                       }));
//   TF_RETURN_IF_ERROR(scheduler.Serve());        // until clock.Stop() (SIGTERM)
//   // or, from cron: scheduler.RunDue() runs at most one due run and returns.
//
// A session's run is due from its scheduled instant (the session's date at `at` in
// `time_zone`; with follow_early_closes, shifted as much earlier as the session closes early)
// until the run for it finished. Only the latest due session is run: the pipeline brings every
// missed session in with one run. What finished is remembered in `state_file` (JSON, written
// atomically), so a restarted scheduler neither repeats a run nor misses one.
//
// Threads: Serve and RunDue on one thread; Clock::Stop from any (a signal handler's thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "common/date.h"
#include "common/status.h"

namespace tickerflow::schedule {

/// Time, injectable: the real clock in the program, a simulated one in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current instant.
  virtual std::chrono::sys_seconds Now() = 0;
  /// Waits until `deadline` or until Stop(); false when stopped.
  virtual bool WaitUntil(std::chrono::sys_seconds deadline) = 0;
  /// Wakes WaitUntil now and makes every later call return false at once.
  virtual void Stop() = 0;
  /// True once Stop() was called.
  virtual bool stopped() const = 0;
};

/// The system clock; WaitUntil sleeps on a condition variable.
class RealClock final : public Clock {
 public:
  std::chrono::sys_seconds Now() override;
  bool WaitUntil(std::chrono::sys_seconds deadline) override;
  void Stop() override;
  bool stopped() const override;

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
};

/// When to run.
struct ScheduleOptions {
  /// The local time of day of the run, in `time_zone`.
  std::chrono::minutes at = std::chrono::hours(17) + std::chrono::minutes(30);
  /// An IANA time zone ("America/New_York"), from the system's tz database.
  std::string time_zone = "America/New_York";
  /// Run as much earlier as the session closes early (13:00 instead of 16:00: 3 h earlier).
  bool follow_early_closes = false;
  /// Where the last finished session is kept.
  std::filesystem::path state_file;
  /// After a failed run, the next attempt waits this long (the run stays due).
  std::chrono::seconds retry_after = std::chrono::minutes(15);
};

/// One scheduled run.
struct SessionRun {
  Date session;                 ///< The session whose data it brings in (the run's --as-of).
  std::chrono::sys_seconds at;  ///< When it is scheduled.
};

/// Runs the pipeline for a session; the scheduler logs a failure and tries again later.
using RunFunction = std::function<Status(Date session)>;

/// The scheduler. See the file comment.
class Scheduler {
 public:
  /// kInvalidArgument for an unknown time zone.
  static Result<Scheduler> Create(ScheduleOptions options, Clock& clock, RunFunction run);

  /// When `session`'s run is scheduled; nullopt when `session` is not a session.
  std::optional<std::chrono::sys_seconds> RunTime(Date session) const;
  /// The first run scheduled strictly after `now`.
  SessionRun NextRun(std::chrono::sys_seconds now) const;
  /// The latest run scheduled at or before `now`.
  SessionRun LatestRun(std::chrono::sys_seconds now) const;
  /// The run due at `now`: LatestRun(now) unless the state says it (or a later one) finished.
  Result<std::optional<SessionRun>> DueRun(std::chrono::sys_seconds now) const;

  /// Runs the due run, if any, and returns; OK when nothing was due. A failed run's status.
  Status RunDue();

  /// Runs every due run as it comes due until the clock is stopped; a run in progress
  /// finishes first. Logs each next run time. Only state-file errors end it early.
  Status Serve();

  /// The last session whose run finished, from the state file; nullopt before the first.
  Result<std::optional<Date>> LastFinished() const;

 private:
  Scheduler(ScheduleOptions options, Clock& clock, RunFunction run, const void* zone);
  Status Remember(Date session) const;
  std::chrono::sys_seconds Local(Date date, std::chrono::minutes time_of_day) const;
  Date LocalDate(std::chrono::sys_seconds instant) const;

  ScheduleOptions options_;
  Clock* clock_;
  RunFunction run_;
  const void* zone_;  // date::time_zone, kept out of this header.
};

/// "YYYY-MM-DD HH:MM TZ" of `instant` in `time_zone` (for logs and `calendar next`); the UTC
/// form when the zone is unknown.
std::string FormatLocal(std::chrono::sys_seconds instant, const std::string& time_zone);

}  // namespace tickerflow::schedule
