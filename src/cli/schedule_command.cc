#include "cli/schedule_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>

#include "cli/termination_signals.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "market/calendar.h"
#include "schedule/scheduler.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name.

namespace tickerflow::cli {
namespace {

namespace fs = std::filesystem;

fs::path StateDirectory(const ScheduleCommandOptions& options) {
  if (!options.state_dir.empty()) return options.state_dir;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && state[0] == '/') {
    return fs::path(state) / "tickerflow";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".local" / "state" / "tickerflow";
  }
  return fs::path(fmt::format("/tmp/tickerflow-state-{}", ::getuid()));
}

// The files of one data location: a local directory by its absolute path, s3:// by its URL.
std::string StateName(const std::string& data) {
  std::string key = data;
  if (!data.starts_with("s3://")) key = fs::absolute(data).lexically_normal().string();
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits: stable across builds.
  for (const char c : key) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  return fmt::format("schedule-{:016x}", hash);
}

// A word for a shell command line: quoted unless it is plainly safe.
std::string ShellWord(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./:=,@+%") == std::string::npos;
  if (plain) return word;
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted.push_back('\'');
  return quoted;
}

std::string OnceCommand(const ScheduleCommandOptions& options, const std::string& program) {
  std::string command = fmt::format("{} schedule --once --at {} --tz {}", ShellWord(program),
                                    ShellWord(options.at), ShellWord(options.time_zone));
  if (options.follow_early_closes) command += " --follow-early-closes";
  if (!options.state_dir.empty()) {
    command += " --state-dir ";
    command += ShellWord(options.state_dir);
  }
  command += " --";
  for (const std::string& arg : options.run_args) {
    command.push_back(' ');
    command += ShellWord(arg);
  }
  return command;
}

// `program run <run_args> --as-of <session>` in a child process; its output goes where ours
// goes. The child gets the default signal mask: a SIGINT from the terminal stops it (a run
// is crash-safe), while the scheduler's own SIGTERM waits for it.
Status RunChild(const std::string& program, const std::vector<std::string>& run_args,
                Date session) {
  std::vector<std::string> args = {program, "run"};
  args.insert(args.end(), run_args.begin(), run_args.end());
  args.insert(args.end(), {"--as-of", session.ToString()});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int error =
      ::posix_spawn(&pid, program.c_str(), nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("cannot start {} run: {}", program, std::strerror(error)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return Status::Error(
      ErrorCode::kUnavailable,
      WIFEXITED(status) ? fmt::format("tickerflow run exited with status {}", WEXITSTATUS(status))
                        : fmt::format("tickerflow run was killed by signal {}",
                                      WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

// This program's path, for the child runs and the printed units.
std::string ProgramPath() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("tickerflow") : self.string();
}

}  // namespace

std::string DataLocationOf(const std::vector<std::string>& run_args) {
  std::string data = "data";
  for (size_t i = 0; i < run_args.size(); ++i) {
    if (run_args[i] == "--data" && i + 1 < run_args.size()) data = run_args[i + 1];
    if (run_args[i].starts_with("--data=")) data = run_args[i].substr(7);
  }
  return data;
}

std::string SystemdUnits(const ScheduleCommandOptions& options, const std::string& program) {
  return fmt::format(
      "# /etc/systemd/system/tickerflow.service\n"
      "[Unit]\n"
      "Description=tickerflow: the daily run after each NYSE session\n"
      "Wants=network-online.target\n"
      "After=network-online.target\n"
      "\n"
      "[Service]\n"
      "Type=oneshot\n"
      "ExecStart={}\n"
      "\n"
      "# /etc/systemd/system/tickerflow.timer\n"
      "# Every 15 minutes: `schedule --once` runs only when a session's run is due, so holidays,\n"
      "# early closes and a machine that was down are handled by tickerflow, not by the timer.\n"
      "[Unit]\n"
      "Description=tickerflow: check for a due daily run\n"
      "\n"
      "[Timer]\n"
      "OnCalendar=*:0/15\n"
      "Persistent=true\n"
      "\n"
      "[Install]\n"
      "WantedBy=timers.target\n",
      OnceCommand(options, program));
}

std::string CronLine(const ScheduleCommandOptions& options, const std::string& program) {
  return fmt::format(
      "# tickerflow: every 15 minutes `schedule --once` runs a due daily run, if any.\n"
      "*/15 * * * * {}\n",
      OnceCommand(options, program));
}

Status RunScheduleCommand(const ScheduleCommandOptions& options, std::ostream& out) {
  for (const std::string& arg : options.run_args) {
    if (arg == "--as-of" || arg.starts_with("--as-of=")) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           "the scheduler sets --as-of of each run itself; remove it from the run "
                           "arguments");
    }
  }
  TF_ASSIGN_OR_RETURN(const std::chrono::minutes at, market::ParseTimeOfDay(options.at));
  const std::string program = ProgramPath();
  if (options.print_systemd) {
    out << SystemdUnits(options, program);
    return Status::Ok();
  }
  if (options.print_cron) {
    out << CronLine(options, program);
    return Status::Ok();
  }

  const std::string data = DataLocationOf(options.run_args);
  const fs::path state_dir = StateDirectory(options);
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("cannot create {}: {}", state_dir.string(), error.message()));
  }
  const std::string name = StateName(data);
  const fs::path lock_path = state_dir / (name + ".lock");
  const UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock.valid()) {
    return Status::Error(ErrorCode::kIoError, fmt::format("cannot open {}: {}", lock_path.string(),
                                                          std::strerror(errno)));
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    char holder[64] = {};
    const ssize_t n = ::pread(lock.get(), holder, sizeof(holder) - 1, 0);
    return Status::Error(
        ErrorCode::kFailedPrecondition,
        fmt::format("another tickerflow schedule serves {} (pid {}, lock {}); "
                    "stop it first",
                    data, n > 0 ? std::string(holder, static_cast<size_t>(n)) : "?",
                    lock_path.string()));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(lock.get(), 0) != 0 ||
      ::pwrite(lock.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    TF_LOG_WARN("cannot write the pid into {}", lock_path.string());
  }

  schedule::ScheduleOptions schedule_options;
  schedule_options.at = at;
  schedule_options.time_zone = options.time_zone;
  schedule_options.follow_early_closes = options.follow_early_closes;
  schedule_options.state_file = state_dir / (name + ".json");
  schedule::RealClock clock;
  const std::vector<std::string> run_args = options.run_args;
  TF_ASSIGN_OR_RETURN(schedule::Scheduler scheduler,
                      schedule::Scheduler::Create(schedule_options, clock, [&](Date session) {
                        return RunChild(program, run_args, session);
                      }));
  if (options.once) return scheduler.RunDue();

  TF_LOG_INFO("schedule: serving {} (state {})", data, schedule_options.state_file.string());
  const TerminationSignals signals;
  Status served = ServeUntilSignalled(
      signals, "schedule", "stopping after the run in progress", [&] { return scheduler.Serve(); },
      [&] { clock.Stop(); }, /*always_stop=*/false);
  return served;
}

}  // namespace tickerflow::cli
