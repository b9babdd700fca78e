// SIGTERM and SIGINT as ordinary events for long-running commands (fmp-sim, schedule).
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <ctime>
#include <string_view>
#include <thread>

#include "common/log.h"

namespace tickerflow::cli {

// SIGTERM and SIGINT, blocked in every thread from construction on (threads started later
// inherit the mask), so that only Wait() receives them, as an ordinary event instead of an
// asynchronous handler. The mask is restored on destruction.
class TerminationSignals {
 public:
  TerminationSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
  }
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;
  ~TerminationSignals() {
    // A second signal may be pending; unblocked, it would kill the process on its way out.
    const timespec zero{};
    while (sigtimedwait(&signals_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

  /// Waits for a signal or for `done`; the signal's number, or 0.
  int Wait(const std::atomic<bool>& done) const {
    const timespec tick{.tv_sec = 0, .tv_nsec = 100'000'000};
    while (!done) {
      const int signal = sigtimedwait(&signals_, nullptr, &tick);
      if (signal > 0) return signal;
    }
    return 0;
  }

 private:
  sigset_t signals_{};
  sigset_t previous_{};
};

/// Runs `serve` (which blocks until `stop` makes it return) on this thread while another waits
/// for a termination signal; the signal calls `stop`, logged as "<name>: signal N received,
/// <stopping>". `stop` is called when `serve` returns on its own too (when `always_stop`).
/// Returns what `serve` returned.
template <typename Serve, typename Stop>
auto ServeUntilSignalled(const TerminationSignals& signals, std::string_view name,
                         std::string_view stopping, Serve serve, Stop stop, bool always_stop) {
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    const int signal = signals.Wait(done);
    if (signal != 0) TF_LOG_INFO("{}: signal {} received, {}", name, signal, stopping);
    if (signal != 0 || always_stop) stop();
  });
  auto result = serve();
  done = true;
  watcher.join();
  return result;
}

}  // namespace tickerflow::cli
