#include "schedule/scheduler.h"

#include <date/tz.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/log.h"
#include "market/calendar.h"

namespace tickerflow::schedule {
namespace {

using std::chrono::sys_seconds;

const date::time_zone& ZoneOf(const void* zone) {
  return *static_cast<const date::time_zone*>(zone);
}

// Sessions are at most a few days apart (the longest closure since 1990 was four weekdays, in
// September 2001): a search over 60 days always finds one.
constexpr int kSearchDays = 60;

}  // namespace

sys_seconds RealClock::Now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

bool RealClock::WaitUntil(sys_seconds deadline) {
  std::unique_lock lock(mutex_);
  // system_clock, not steady_clock: the deadline is a wall-clock instant, and a clock set
  // forward (NTP after a suspend) must bring the run forward too. Waking every minute bounds
  // how late a jump is noticed.
  while (!stopped_ && std::chrono::system_clock::now() < deadline) {
    const auto next = std::min<std::chrono::system_clock::time_point>(
        deadline, std::chrono::system_clock::now() + std::chrono::minutes(1));
    wake_.wait_until(lock, next);
  }
  return !stopped_;
}

void RealClock::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

bool RealClock::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

Result<Scheduler> Scheduler::Create(ScheduleOptions options, Clock& clock, RunFunction run) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(options.time_zone);
  } catch (const std::exception& error) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("unknown time zone '{}' ({}); use an IANA name such as "
                                     "America/New_York",
                                     options.time_zone, error.what()));
  }
  if (options.at < std::chrono::minutes(0) || options.at >= std::chrono::hours(24)) {
    return Status::Error(ErrorCode::kInvalidArgument, "the run time must be within a day");
  }
  if (options.state_file.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "the scheduler needs a state file");
  }
  return Scheduler(std::move(options), clock, std::move(run), zone);
}

Scheduler::Scheduler(ScheduleOptions options, Clock& clock, RunFunction run, const void* zone)
    : options_(std::move(options)), clock_(&clock), run_(std::move(run)), zone_(zone) {}

sys_seconds Scheduler::Local(Date day, std::chrono::minutes time_of_day) const {
  const date::local_days local{date::year{day.year()} / date::month{day.month()} /
                               date::day{day.day()}};
  // A time the spring-forward change skips is its instant of change; a repeated one, the first.
  return ZoneOf(zone_).to_sys(date::local_seconds{local} + time_of_day, date::choose::earliest);
}

Date Scheduler::LocalDate(sys_seconds instant) const {
  const date::local_seconds local = ZoneOf(zone_).to_local(instant);
  const date::year_month_day day{std::chrono::floor<date::days>(local)};
  return Date::FromCivil(static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                         static_cast<unsigned>(day.day()));
}

std::optional<sys_seconds> Scheduler::RunTime(Date session) const {
  if (!market::IsTradingDay(session)) return std::nullopt;
  std::chrono::minutes at = options_.at;
  if (options_.follow_early_closes) {
    if (const std::optional<std::chrono::minutes> close = market::EarlyClose(session)) {
      at -= market::kRegularClose - *close;
    }
  }
  return Local(session, at);
}

SessionRun Scheduler::NextRun(sys_seconds now) const {
  Date day = LocalDate(now) - 1;
  for (int i = 0; i < kSearchDays; ++i, day = day + 1) {
    const std::optional<sys_seconds> at = RunTime(day);
    if (at && *at > now) return {day, *at};
  }
  throw std::logic_error("no NYSE session within 60 days");
}

SessionRun Scheduler::LatestRun(sys_seconds now) const {
  Date day = LocalDate(now) + 1;
  for (int i = 0; i < kSearchDays; ++i, day = day - 1) {
    const std::optional<sys_seconds> at = RunTime(day);
    if (at && *at <= now) return {day, *at};
  }
  throw std::logic_error("no NYSE session within 60 days");
}

Result<std::optional<Date>> Scheduler::LastFinished() const {
  std::error_code error;
  if (!std::filesystem::exists(options_.state_file, error)) return std::optional<Date>();
  std::ifstream in(options_.state_file);
  const nlohmann::json state = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object() || !state.contains("last_session") || !state["last_session"].is_string()) {
    return Status::Error(ErrorCode::kCorruptData,
                         fmt::format("{}: not a scheduler state file; delete it and the next "
                                     "due run happens again",
                                     options_.state_file.string()));
  }
  TF_ASSIGN_OR_RETURN(Date session, Date::Parse(state["last_session"].get<std::string>()));
  return std::optional<Date>(session);
}

Status Scheduler::Remember(Date session) const {
  const std::filesystem::path temporary = options_.state_file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << nlohmann::json{{"last_session", session.ToString()}}.dump() << '\n';
    out.close();
    if (!out) {
      return Status::Error(ErrorCode::kIoError, fmt::format("cannot write {}", temporary.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, options_.state_file, error);
  if (error) {
    return Status::Error(
        ErrorCode::kIoError,
        fmt::format("cannot replace {}: {}", options_.state_file.string(), error.message()));
  }
  return Status::Ok();
}

Result<std::optional<SessionRun>> Scheduler::DueRun(sys_seconds now) const {
  const SessionRun latest = LatestRun(now);
  TF_ASSIGN_OR_RETURN(const std::optional<Date> finished, LastFinished());
  if (finished && *finished >= latest.session) return std::optional<SessionRun>();
  return std::optional<SessionRun>(latest);
}

Status Scheduler::RunDue() {
  const sys_seconds now = clock_->Now();
  TF_ASSIGN_OR_RETURN(const std::optional<SessionRun> due, DueRun(now));
  if (!due) {
    const SessionRun next = NextRun(now);
    TF_LOG_INFO("schedule: nothing due; the next run is for {} at {}", next.session.ToString(),
                FormatLocal(next.at, options_.time_zone));
    return Status::Ok();
  }
  TF_LOG_INFO("schedule: running for session {} (scheduled {})", due->session.ToString(),
              FormatLocal(due->at, options_.time_zone));
  TF_RETURN_IF_ERROR(run_(due->session));
  return Remember(due->session);
}

Status Scheduler::Serve() {
  while (!clock_->stopped()) {
    const sys_seconds now = clock_->Now();
    TF_ASSIGN_OR_RETURN(const std::optional<SessionRun> due, DueRun(now));
    if (due) {
      TF_LOG_INFO("schedule: running for session {} (scheduled {})", due->session.ToString(),
                  FormatLocal(due->at, options_.time_zone));
      if (const Status status = run_(due->session); status.ok()) {
        TF_RETURN_IF_ERROR(Remember(due->session));
      } else {
        const sys_seconds retry = clock_->Now() + options_.retry_after;
        TF_LOG_ERROR("schedule: the run for {} failed: {}; trying again at {}",
                     due->session.ToString(), status.message(),
                     FormatLocal(retry, options_.time_zone));
        clock_->WaitUntil(retry);
      }
      continue;
    }
    const SessionRun next = NextRun(now);
    TF_LOG_INFO("schedule: next run for session {} at {}", next.session.ToString(),
                FormatLocal(next.at, options_.time_zone));
    clock_->WaitUntil(next.at);
  }
  TF_LOG_INFO("schedule: stopped");
  return Status::Ok();
}

std::string FormatLocal(sys_seconds instant, const std::string& time_zone) {
  try {
    const date::zoned_seconds local(time_zone, instant);
    return date::format("%Y-%m-%d %H:%M %Z", local);
  } catch (const std::exception&) {
    return date::format("%Y-%m-%d %H:%M UTC", instant);
  }
}

}  // namespace tickerflow::schedule
