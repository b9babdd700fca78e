// `tickerflow calendar`: the NYSE calendar of market/calendar.h on the command line.
//
//   $ tickerflow calendar sessions --from 2024-11-27 --to 2024-12-02
//   2024-11-27 09:30 16:00
//   2024-11-29 09:30 13:00
//   2024-12-02 09:30 16:00
//   $ tickerflow calendar holidays --from 2024-11-01 --to 2024-12-31
//   2024-11-28 Thanksgiving Day
//   2024-12-25 Christmas Day
//   $ tickerflow calendar early-closes --from 2024-01-01 --to 2024-12-31
//   2024-07-03 13:00
//   2024-11-29 13:00
//   2024-12-24 13:00
//   $ tickerflow calendar next
//   next session: 2024-11-29 09:30 to 13:00 America/New_York (2024-11-29T14:30:00Z to ...)
//   next run: 2024-11-29 17:30 America/New_York (2024-11-29T22:30:00Z)
//
// One line per date, YYYY-MM-DD first; times are New York's (open and close for sessions).
// Closures announced after this build come from the closures file (PrepareCalendar).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "common/status.h"

namespace tickerflow::cli {

/// The flags of `tickerflow calendar <action>`.
struct CalendarOptions {
  /// "sessions", "holidays", "early-closes" or "next".
  std::string action{};
  std::string from{};  ///< YYYY-MM-DD, first date of the range (not for "next").
  std::string to{};    ///< YYYY-MM-DD, last date of the range, inclusive (not for "next").
  /// "next": the daily run's New York time of day, HH:MM.
  std::string run_time = "17:30";
  /// The configuration file (common/config.h); empty: DefaultConfigPath(), if it exists.
  std::string config_path{};
  /// "next": the present; empty: the system clock. Set by tests.
  std::optional<std::chrono::sys_seconds> now{};
};

/// Prints the dates of `options.action` to `out`. kInvalidArgument for a bad date, a range
/// whose end is before its start, a bad run time or action; the errors of PrepareCalendar.
Status RunCalendarCommand(const CalendarOptions& options, std::ostream& out);

/// XDG_CONFIG_HOME/tickerflow/closures.txt, else $HOME/.config/tickerflow/closures.txt; empty
/// when neither variable is set.
std::filesystem::path DefaultClosuresPath();

/// Readies the market calendar for a command: checks that the tz database has New York
/// (kFailedPrecondition: install tzdata), then installs the closures file's closures
/// (market::SetExtraClosures). The file is [calendar] closures_file of the configuration
/// (`config_path`, else DefaultConfigPath() when it exists), which must exist; without that
/// key, DefaultClosuresPath() when it exists. Errors of the configuration and closures files
/// name the file and line.
Status PrepareCalendar(const std::string& config_path);

}  // namespace tickerflow::cli
