#include "cli/calendar_command.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/date.h"
#include "market/calendar.h"

namespace tickerflow::cli {
namespace {

using std::chrono::minutes;
using std::chrono::sys_seconds;

// "2024-11-29T18:00:00Z".
std::string FormatUtc(sys_seconds instant) {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(instant);
  const auto time_of_day = std::chrono::duration_cast<std::chrono::seconds>(instant - day).count();
  return fmt::format(
      "{}T{:02}:{:02}:{:02}Z",
      Date::FromDays(static_cast<int32_t>(day.time_since_epoch().count())).ToString(),
      time_of_day / 3600, time_of_day / 60 % 60, time_of_day % 60);
}

Result<Date> ParseFlagDate(std::string_view flag, const std::string& text) {
  Result<Date> date = Date::Parse(text);
  if (!date.ok()) return date.status().WithContext(flag);
  return date;
}

void PrintSessions(Date from, Date to, std::ostream& out) {
  for (const Date session : market::TradingDays(from, to)) {
    const minutes close = market::CloseTimeOfDay(session).value_or(market::kRegularClose);
    out << fmt::format("{} {} {}\n", session.ToString(),
                       market::FormatTimeOfDay(market::kRegularOpen),
                       market::FormatTimeOfDay(close));
  }
}

// The weekdays without a session, with the reason.
void PrintHolidays(Date from, Date to, std::ostream& out) {
  for (Date day = from; day <= to; day = day + 1) {
    const Weekday weekday = day.weekday();
    if (weekday == Weekday::kSaturday || weekday == Weekday::kSunday) continue;
    if (market::IsTradingDay(day)) continue;
    out << fmt::format("{} {}\n", day.ToString(), market::HolidayName(day));
  }
}

void PrintEarlyCloses(Date from, Date to, std::ostream& out) {
  for (const Date session : market::TradingDays(from, to)) {
    if (const std::optional<minutes> close = market::EarlyClose(session); close.has_value()) {
      out << fmt::format("{} {}\n", session.ToString(), market::FormatTimeOfDay(*close));
    }
  }
}

Status PrintNext(const CalendarOptions& options, std::ostream& out) {
  TF_ASSIGN_OR_RETURN(const minutes run_time, market::ParseTimeOfDay(options.run_time));
  const sys_seconds now = options.now.value_or(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  const Date session = market::NextSessionToClose(now);
  // NextSessionToClose returns a session, so both times exist.
  const sys_seconds open = market::SessionOpen(session).value_or(sys_seconds());
  const sys_seconds close = market::SessionClose(session).value_or(sys_seconds());
  out << fmt::format(
      "next session: {} {} to {} {} ({} to {})\n", session.ToString(),
      market::FormatTimeOfDay(market::kRegularOpen),
      market::FormatTimeOfDay(market::CloseTimeOfDay(session).value_or(market::kRegularClose)),
      market::kTimeZone, FormatUtc(open), FormatUtc(close));
  const market::ScheduledRun run = market::NextScheduledRun(now, run_time);
  out << fmt::format("next run: {} {} {} ({})\n", run.session.ToString(),
                     market::FormatTimeOfDay(run_time), market::kTimeZone, FormatUtc(run.at));
  return Status::Ok();
}

}  // namespace

Status RunCalendarCommand(const CalendarOptions& options, std::ostream& out) {
  const std::string_view action = options.action;
  if (action != "sessions" && action != "holidays" && action != "early-closes" &&
      action != "next") {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("unknown calendar action '{}'; expected sessions, holidays, "
                                     "early-closes or next",
                                     action));
  }
  TF_RETURN_IF_ERROR(PrepareCalendar(options.config_path));
  if (action == "next") return PrintNext(options, out);

  TF_ASSIGN_OR_RETURN(const Date from, ParseFlagDate("--from", options.from));
  TF_ASSIGN_OR_RETURN(const Date to, ParseFlagDate("--to", options.to));
  if (to < from) {
    return Status::Error(ErrorCode::kInvalidArgument, fmt::format("--to {} is before --from {}",
                                                                  to.ToString(), from.ToString()));
  }
  if (action == "sessions") {
    PrintSessions(from, to, out);
  } else if (action == "holidays") {
    PrintHolidays(from, to, out);
  } else {
    PrintEarlyCloses(from, to, out);
  }
  return Status::Ok();
}

std::filesystem::path DefaultClosuresPath() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "tickerflow" / "closures.txt";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".config" / "tickerflow" / "closures.txt";
  }
  return {};
}

Status PrepareCalendar(const std::string& config_path) {
  TF_RETURN_IF_ERROR(market::CheckTimeZone());
  const std::filesystem::path path =
      config_path.empty() ? DefaultConfigPath() : std::filesystem::path(config_path);
  std::optional<std::filesystem::path> closures_path;
  if (!path.empty()) {
    Result<Config> config = LoadConfig(path);
    // Without --config, a missing configuration file just means the defaults.
    if (!config.ok() && (config.status().code() != ErrorCode::kNotFound || !config_path.empty())) {
      return config.status();
    }
    if (config.ok()) closures_path = config->calendar_closures_file;
  }
  if (!closures_path.has_value()) {
    // The default file is optional; one named in the configuration is not.
    const std::filesystem::path default_path = DefaultClosuresPath();
    std::error_code error;
    if (default_path.empty() || !std::filesystem::exists(default_path, error)) {
      return market::SetExtraClosures({});
    }
    closures_path = default_path;
  }
  TF_ASSIGN_OR_RETURN(std::vector<market::ExtraClosure> closures,
                      market::LoadClosuresFile(*closures_path));
  return market::SetExtraClosures(std::move(closures));
}

}  // namespace tickerflow::cli
