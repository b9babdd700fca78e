// The command line's view of the pipeline's progress (a pipeline::ProgressSink). On a
// terminal, one line per step, redrawn in place at most ten times a second and left on screen
// with the step's duration when it ends:
//
//   process_files  [##########----------]  4,512/9,000   50%  312/s  ETA 0:14
//
// Anywhere else (a pipe, a log file), plain lines: one when a step starts, one each time
// another tenth of it is done or 30 s have passed, one when it ends:
//
//   process_files: started, 9,000 items
//   process_files: 4,512/9,000 (50%), 312/s, ETA 0:14
//   process_files: finished 9,000/9,000 in 28.8s (312/s)
//
// The rate is the average over the last minute (the API quota's window, so that a rate
// limiter's bursts average out); the ETA is what remains at that rate.
//
//   ProgressBarOptions options;
//   options.interactive = ::isatty(STDERR_FILENO) == 1;
//   ProgressBar progress(std::move(options));
//   RedirectLogOutput([&](std::string_view line) { progress.PrintAbove(line); });
//   ... the pipeline reports to `progress`, a pipeline::ProgressSink ...
//   RestoreLogOutput();
//
// Threads: workers call Advanced (an atomic add, nothing else); a background thread of the
// ProgressBar redraws. Everything the bar writes goes out under one lock, a frame or a line at
// a time, so output is never interleaved mid-line by the bar itself. Text printed through
// PrintAbove appears above the progress line instead of through it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "pipeline/progress.h"

namespace tickerflow::cli {

/// How a ProgressBar shows progress.
struct ProgressBarOptions {
  /// The clock type: steady, since progress is about durations.
  using Clock = std::chrono::steady_clock;

  /// True on a terminal: one line per step redrawn in place (with carriage returns and an
  /// ANSI erase-to-end-of-line). False elsewhere: plain lines. The caller decides, typically
  /// from isatty(STDERR_FILENO).
  bool interactive = false;
  /// Where to write; standard error when null.
  std::ostream* out = nullptr;
  /// Where plain lines go instead of `out` (without the newline), e.g. the log, so that they
  /// carry its timestamps; unused when interactive. Called under the bar's lock: it must not
  /// call back into the bar (such as through a log redirected to PrintAbove).
  std::function<void(std::string_view line)> write_line;
  /// The current time; Clock::now when empty. Tests inject a fake.
  std::function<Clock::time_point()> now;
  /// How often the terminal line is redrawn (and plain-mode conditions checked).
  std::chrono::milliseconds refresh_interval{100};
  /// Plain mode: a line at least this often while a step runs, even without progress, so that
  /// a log shows the run is alive.
  std::chrono::seconds log_interval{30};
  /// Whether a background thread calls Refresh every refresh_interval; tests turn it off and
  /// call Refresh themselves.
  bool background_thread = true;
};

/// Shows the pipeline's progress on standard error (or the configured stream). Thread-safe.
class ProgressBar final : public pipeline::ProgressSink {
 public:
  /// Starts the background thread unless options.background_thread is false.
  explicit ProgressBar(ProgressBarOptions options);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  /// Stops the background thread. A step still running keeps its last line, ended with a
  /// newline so that what is printed next starts on a line of its own.
  ~ProgressBar() override;

  /// Draws the step's first frame, or writes its start line.
  void StepStarted(std::string_view step, int64_t total) override;
  /// Counts items; never blocks and never writes.
  void Advanced(int64_t items) override;
  /// Draws the final frame with the step's duration and ends the line, or writes the end line.
  void StepFinished(std::string_view step, double seconds) override;

  /// Redraws the line if it changed, or writes a plain line if another tenth is done or
  /// log_interval has passed. The background thread calls it every refresh_interval.
  void Refresh();

  /// Writes `text` (one line, without its newline) so that it does not break the progress
  /// line: on a terminal the line is erased, `text` written, and the line drawn again below.
  void PrintAbove(std::string_view text);

 private:
  struct Sample {
    ProgressBarOptions::Clock::time_point time;
    int64_t done = 0;
  };

  ProgressBarOptions::Clock::time_point Now() const;
  // The rate over the recent samples, in items per second; negative while unknown.
  double RecentRate(ProgressBarOptions::Clock::time_point now, int64_t done);
  std::string Frame(int64_t done, int64_t total, double rate,
                    ProgressBarOptions::Clock::time_point now) const;
  std::string ProgressLine(int64_t done, int64_t total, double rate) const;
  void WriteFrame(const std::string& frame);
  void WriteLine(std::string_view line);
  void RunRefresher(const std::stop_token& stop);

  ProgressBarOptions options_;
  std::ostream* out_;
  pipeline::ProgressCounter counter_;

  // Everything below is guarded by mutex_, which also serializes all output.
  std::mutex mutex_;
  bool active_ = false;
  std::string step_;
  ProgressBarOptions::Clock::time_point step_start_;
  std::deque<Sample> samples_;
  std::string last_frame_;  // Interactive: the frame on screen, "" when no line is open.
  ProgressBarOptions::Clock::time_point last_log_;  // Plain: when the last line was written.
  int64_t last_logged_tenth_ = 0;                   // Plain: tenths done at the last line.

  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::jthread refresher_;  // Last: started after, and stopped before, the members it uses.
};

}  // namespace tickerflow::cli
