// `tickerflow schedule`: runs `tickerflow run` after every NYSE session, as a foreground
// service, from cron, or from a systemd timer.
//
//   $ tickerflow schedule --at 17:30 --tz America/New_York -- --source fmp --data /srv/data
//   $ tickerflow schedule --once -- --data /srv/data          # cron: at most one due run
//   $ tickerflow schedule --print-systemd -- --data /srv/data  # a service and a timer
//
// Each run is `tickerflow run <run arguments> --as-of <session>` in a child process (this very
// program), so a run's memory is returned when it ends and a signal to the scheduler never
// interrupts a run half-way: SIGTERM/SIGINT stop the scheduler after the run in progress.
// One scheduler per data location on a machine: a lock file beside the state file (the last
// finished session) in the state directory.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"

namespace tickerflow::cli {

/// The flags of `tickerflow schedule`.
struct ScheduleCommandOptions {
  std::string at = "17:30";  ///< Local time of the run, HH:MM.
  std::string time_zone = "America/New_York";
  bool follow_early_closes = false;
  bool once = false;
  bool print_systemd = false;
  bool print_cron = false;
  /// Where state and lock files go; empty: $XDG_STATE_HOME/tickerflow, else
  /// ~/.local/state/tickerflow.
  std::filesystem::path state_dir;
  /// The arguments after `--`, passed to `tickerflow run`.
  std::vector<std::string> run_args;
};

/// Runs the command. kInvalidArgument for bad flags (--as-of among the run arguments, a bad
/// time or zone), kFailedPrecondition when another scheduler serves the same data.
Status RunScheduleCommand(const ScheduleCommandOptions& options, std::ostream& out);

/// The `--data` of the run arguments ("data" when absent), as given.
std::string DataLocationOf(const std::vector<std::string>& run_args);

/// The systemd service and timer that run `program schedule --once ...` every 15 minutes
/// (the scheduler decides whether a run is due), for `--print-systemd`.
std::string SystemdUnits(const ScheduleCommandOptions& options, const std::string& program);

/// The crontab line that does the same, for `--print-cron`.
std::string CronLine(const ScheduleCommandOptions& options, const std::string& program);

}  // namespace tickerflow::cli
