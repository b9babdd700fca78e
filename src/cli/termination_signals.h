// SIGTERM and SIGINT as ordinary events for long-running commands (fmp-sim, schedule).
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <ctime>

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

}  // namespace tickerflow::cli
